"""Every query the recommender makes, and nothing else: the catalog and the cached text a fit
reads, the recordings picks are made of, the songs "describe it" looks for, and what the person
has done (plays, feedback, downloads, the library, imported listening) that their taste is read
from. Lists are asked with ``IN``, never a query per item."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from engine.catalog import store
from engine.history import heard
from engine.keys import artist_key
from engine.models import DownloadState
from engine.storage.repository import recording_summary
from engine.storage.schema import (
    CatalogItemRow,
    CatalogStateRow,
    DownloadRow,
    FeedbackRow,
    ImportedArtistRow,
    LibraryFileRow,
    PlayRow,
    RecordingRow,
    ReviewRow,
    TrackRow,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from engine.models import Recording

CHUNK = 500  # identifiers or names in one IN

ROW_COLUMNS = (
    "identifier",
    "artist",
    "year",
    "month",
    "day",
    "venue",
    "city",
    "source_kind",
    "avg_rating",
    "num_reviews",
    "downloads",
    "collections",
    "subjects",
    "added",
)


def fingerprint(session: Session) -> str:
    """What the index was fitted on: the catalog's last full pass, its newest change and
    how many recordings it has numbered; "" without a catalog."""
    state = session.get(CatalogStateRow, 1)
    if state is None or not state.next_number:
        return ""
    return f"{state.last_full or 0:.0f}:{state.high_water}:{state.next_number}"


def catalog_rows(session: Session) -> list[dict[str, Any]]:
    """The catalog's rows as a fit reads them, in their stored order."""
    columns = [getattr(CatalogItemRow, name) for name in ROW_COLUMNS]
    return [
        dict(r) for r in session.execute(select(*columns).order_by(CatalogItemRow.id)).mappings()
    ]


WELL_REVIEWED = 4  # stars: a reviewer who gave this many or more is a listener who liked it


def well_reviewed(session: Session) -> dict[str, list[str]]:
    """Reviewers of the reviews cached with recordings' metadata, and what they rated well:
    more listeners for the collaborative model, beside the ``fav-`` lists."""
    query = (
        select(ReviewRow.reviewer, RecordingRow.identifier)
        .join(RecordingRow, ReviewRow.recording_id == RecordingRow.id)
        .where(ReviewRow.stars >= WELL_REVIEWED, ReviewRow.reviewer != "")
    )
    found: dict[str, list[str]] = {}
    for reviewer, identifier in session.execute(query):
        found.setdefault(reviewer, []).append(identifier)
    return found


def cached_texts(session: Session) -> dict[str, str]:
    """The text cached with recordings' metadata: description (often the setlist), notes,
    track titles and reviews, by identifier."""
    texts: dict[str, list[str]] = {}
    for identifier, description, notes in session.execute(
        select(RecordingRow.identifier, RecordingRow.description, RecordingRow.notes)
    ):
        texts[identifier] = [description or "", notes or ""]
    tracks = select(RecordingRow.identifier, TrackRow.title).join(
        TrackRow, TrackRow.recording_id == RecordingRow.id
    )
    reviews = select(RecordingRow.identifier, ReviewRow.body).join(
        ReviewRow, ReviewRow.recording_id == RecordingRow.id
    )
    for query in (tracks, reviews):
        for identifier, text in session.execute(query):
            texts.setdefault(identifier, []).append(text or "")
    return {i: " ".join(parts) for i, parts in texts.items() if any(parts)}


# --- what picks are made of -----------------------------------------------------------------


def recordings(session: Session, identifiers: Sequence[str]) -> dict[str, Recording]:
    """The recordings of these identifiers: from the catalog, else from the metadata cache."""
    found = store.recordings_of(session, identifiers)
    missing = [i for i in dict.fromkeys(identifiers) if i not in found]
    for start in range(0, len(missing), CHUNK):
        part = missing[start : start + CHUNK]
        for r in session.scalars(select(RecordingRow).where(RecordingRow.identifier.in_(part))):
            found[r.identifier] = recording_summary(r)
    return found


def artist_names(session: Session) -> dict[str, str]:
    """The archive's artists by the key recordings are grouped by: those of the catalog and
    of the recordings seen so far."""
    names: dict[str, str] = {}
    for (name,) in session.execute(select(CatalogItemRow.artist).distinct()):
        names.setdefault(artist_key(name), name)
    for (name,) in session.execute(select(RecordingRow.artist).distinct()):
        names.setdefault(artist_key(name), name)
    return names


def song_titles(session: Session) -> list[str]:
    """The cached track titles, as often as each was played in a recording: the songs
    "describe it" can recognise, the most common title of a start first."""
    query = select(TrackRow.title).where(TrackRow.title != "").limit(200_000)
    return list(session.scalars(query))


def tracks_version(session: Session) -> tuple[int, int]:
    """How many tracks are cached and the newest's id: the song titles change with it."""
    count, newest = session.execute(select(func.count(TrackRow.id), func.max(TrackRow.id))).one()
    return int(count or 0), int(newest or 0)


def recordings_with(session: Session, songs: Sequence[str]) -> dict[str, set[str]]:
    """Recordings whose cached tracks hold any of ``songs``, with which of them each holds:
    one query for all the songs."""
    found: dict[str, set[str]] = {}
    wanted = list(dict.fromkeys(songs))
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(RecordingRow.identifier, TrackRow.title)
            .join(TrackRow, TrackRow.recording_id == RecordingRow.id)
            .where(TrackRow.title.in_(wanted[start : start + CHUNK]))
            .distinct()
        )
        for identifier, title in session.execute(query):
            found.setdefault(identifier, set()).add(title)
    return found


# --- what the person has done -----------------------------------------------------------------


def plays(session: Session) -> list[tuple[str, str, float, bool, bool]]:
    """Every play heard (or finished), oldest first: identifier (or ``""`` for a library file
    of no recording), path, start, completed, skipped."""
    query = (
        select(
            PlayRow.identifier,
            PlayRow.path,
            PlayRow.started_at,
            PlayRow.completed,
            PlayRow.skipped,
        )
        .where(heard())
        .order_by(PlayRow.started_at)
    )
    return [
        (i or "", p or "", float(t), bool(c), bool(s)) for i, p, t, c, s in session.execute(query)
    ]


def artists_of_files(session: Session, paths: Sequence[str]) -> dict[str, str]:
    """The artist tag of these library files, by path."""
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(paths))
    for start in range(0, len(wanted), CHUNK):
        query = select(LibraryFileRow.path, LibraryFileRow.artist).where(
            LibraryFileRow.path.in_(wanted[start : start + CHUNK])
        )
        found.update((path, artist or "") for path, artist in session.execute(query))
    return found


def feedback(session: Session) -> list[FeedbackRow]:
    """Likes, dislikes, favourites and "not interested", newest first."""
    return list(session.scalars(select(FeedbackRow).order_by(FeedbackRow.updated_at.desc())))


def downloaded(session: Session) -> list[str]:
    """Recordings with a track downloaded."""
    query = (
        select(DownloadRow.identifier)
        .where(DownloadRow.state == DownloadState.DONE.value, DownloadRow.kind == "track")
        .distinct()
    )
    return list(session.scalars(query))


def in_library(session: Session) -> list[tuple[str, str]]:
    """The library's readable files as (identifier, artist tag), each pair once."""
    query = (
        select(LibraryFileRow.identifier, LibraryFileRow.artist)
        .where(LibraryFileRow.problem == "")
        .distinct()
    )
    return [(i or "", a or "") for i, a in session.execute(query)]


def imported_artists(session: Session) -> list[ImportedArtistRow]:
    """Artists of an imported listening history that matched an archive artist."""
    return list(session.scalars(select(ImportedArtistRow).where(ImportedArtistRow.matched != "")))


def most_played(session: Session, limit: int) -> list[tuple[str, int]]:
    """Recordings heard to the end most often, with how often."""
    count = func.count(PlayRow.id)
    query = (
        select(PlayRow.identifier, count)
        .where(PlayRow.identifier != "", PlayRow.completed)
        .group_by(PlayRow.identifier)
        .order_by(count.desc(), func.max(PlayRow.started_at).desc())
        .limit(limit)
    )
    return [(i, int(n)) for i, n in session.execute(query)]


def recently_played(session: Session, limit: int) -> list[tuple[str, float]]:
    """Recordings heard lately, newest first, with when."""
    last = func.max(PlayRow.started_at)
    query = (
        select(PlayRow.identifier, last)
        .where(PlayRow.identifier != "", heard())
        .group_by(PlayRow.identifier)
        .order_by(last.desc())
        .limit(limit)
    )
    return [(i, float(t)) for i, t in session.execute(query)]
