"""Reading and writing the catalogue: ORM rows in, frozen domain objects out."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.archive.concerts import download_url, rank_recordings
from engine.archive.parse import stored_date
from engine.keys import artist_key
from engine.models import (
    Artist,
    Concert,
    PartialDate,
    Recording,
    Review,
    SourceKind,
    Track,
    TrackFile,
)
from engine.storage.schema import (
    ArtistRow,
    ConcertRow,
    RecordingRow,
    ResponseCacheRow,
    ReviewRow,
    TrackFileRow,
    TrackRow,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


# --- response cache -------------------------------------------------------------------------


def cache_get(session: Session, key: str) -> tuple[bytes, float] | None:
    row = session.get(ResponseCacheRow, key)
    return (bytes(row.body), row.fetched_at) if row else None


def cache_put(session: Session, key: str, kind: str, url: str, body: bytes) -> None:
    row = session.get(ResponseCacheRow, key)
    if row is None:
        session.add(
            ResponseCacheRow(key=key, kind=kind, url=url, body=body, fetched_at=time.time())
        )
    else:
        row.kind, row.url, row.body, row.fetched_at = kind, url, body, time.time()


# --- artists ------------------------------------------------------------------------------


def save_artists(session: Session, artists: Iterable[Artist]) -> None:
    now = time.time()
    existing = {r.identifier: r for r in session.scalars(select(ArtistRow))}
    for artist in artists:
        row = existing.get(artist.identifier)
        if row is None:
            row = ArtistRow(identifier=artist.identifier)
            session.add(row)
            existing[artist.identifier] = row
        row.name = artist.name
        row.item_count = artist.item_count
        row.downloads = artist.downloads
        row.updated_at = now


def list_artists(session: Session) -> list[Artist]:
    rows = session.scalars(select(ArtistRow).order_by(ArtistRow.name))
    return [Artist(r.identifier, r.name, r.item_count, r.downloads) for r in rows]


# --- recordings and concerts ---------------------------------------------------------------


def _concert_row(
    session: Session, recording: Recording, known: dict[tuple[str, str], ConcertRow]
) -> ConcertRow | None:
    if recording.date is None or not recording.artist:
        return None
    key, date = artist_key(recording.artist), str(recording.date)
    row = known.get((key, date))
    if row is None:
        row = session.scalars(
            select(ConcertRow).where(ConcertRow.artist_key == key, ConcertRow.date == date)
        ).first()
    if row is None:
        row = ConcertRow(artist_key=key, artist=recording.artist, date=date, venue="", city="")
        session.add(row)
    known[(key, date)] = row
    row.venue = row.venue or recording.venue
    row.city = row.city or recording.city
    return row


def save_recordings(session: Session, recordings: Iterable[Recording]) -> None:
    """Insert or update recordings; those with tracks replace their stored tracks and reviews.

    A summary (from a search, no tracks) never erases details stored earlier.
    """
    items = list(recordings)
    identifiers = [r.identifier for r in items]
    rows = {
        r.identifier: r
        for r in session.scalars(
            select(RecordingRow)
            .where(RecordingRow.identifier.in_(identifiers))
            .options(selectinload(RecordingRow.tracks), selectinload(RecordingRow.reviews))
        )
    }
    now = time.time()
    concerts: dict[tuple[str, str], ConcertRow] = {}
    for recording in items:
        row = rows.get(recording.identifier)
        if row is None:
            row = RecordingRow(identifier=recording.identifier, has_details=False, updated_at=now)
            rows[recording.identifier] = row
        detailed = bool(recording.tracks) or bool(recording.reviews)
        row.concert = _concert_row(session, recording, concerts)
        row.title = recording.title
        row.artist = recording.artist
        row.date = str(recording.date) if recording.date else None
        row.venue = recording.venue
        row.city = recording.city
        row.source_kind = recording.source_kind.value
        row.source = recording.source
        row.taper = recording.taper
        row.transferer = recording.transferer
        row.lineage = recording.lineage
        if recording.avg_rating is not None or not row.has_details:
            row.avg_rating = recording.avg_rating
            row.num_reviews = recording.num_reviews
        if recording.downloads is not None:
            row.downloads = recording.downloads
        if recording.formats:
            row.formats = list(recording.formats)
        if recording.total_size is not None:
            row.total_size = recording.total_size
        if recording.duration is not None:
            row.duration = recording.duration
        if recording.description:
            row.description = recording.description
        if recording.notes:
            row.notes = recording.notes
        row.updated_at = now
        session.add(row)
        if detailed:
            row.has_details = True
            row.tracks = [_track_row(i, t) for i, t in enumerate(recording.tracks)]
            row.reviews = [
                ReviewRow(
                    reviewer=v.reviewer, title=v.title, body=v.body, stars=v.stars, date=v.date
                )
                for v in recording.reviews
            ]
        session.flush()


def _track_row(position: int, track: Track) -> TrackRow:
    return TrackRow(
        position=position,
        disc=track.disc,
        number=track.number,
        title=track.title,
        set_name=track.set_name,
        segue=track.segue,
        duration=track.duration,
        files=[
            TrackFileRow(
                name=f.name,
                format=f.format,
                size=f.size,
                md5=f.md5,
                sha1=f.sha1,
                crc32=f.crc32,
                length=f.length,
                source=f.source,
                private=f.private,
                bitrate=f.bitrate,
            )
            for f in track.files
        ],
    )


def _date(text: str | None) -> PartialDate | None:
    return stored_date(text) if text else None


def recording_summary(row: RecordingRow) -> Recording:
    """A stored recording without its tracks and reviews."""
    return _recording(row, "", details=False)


def _recording(row: RecordingRow, base_url: str, *, details: bool) -> Recording:
    tracks: tuple[Track, ...] = ()
    reviews: tuple[Review, ...] = ()
    if details and row.has_details:
        tracks = tuple(
            Track(
                title=t.title,
                disc=t.disc,
                number=t.position + 1,  # through the show, whatever older versions stored
                duration=t.duration,
                set_name=t.set_name,
                segue=t.segue,
                files=tuple(
                    TrackFile(
                        name=f.name,
                        format=f.format,
                        url=download_url(base_url, row.identifier, f.name),
                        size=f.size,
                        md5=f.md5,
                        sha1=f.sha1,
                        crc32=f.crc32,
                        length=f.length,
                        source=f.source,
                        private=f.private,
                        bitrate=f.bitrate,
                    )
                    for f in t.files
                ),
            )
            for t in row.tracks
        )
        reviews = tuple(Review(v.reviewer, v.title, v.body, v.stars, v.date) for v in row.reviews)
    return Recording(
        identifier=row.identifier,
        title=row.title,
        artist=row.artist,
        date=_date(row.date),
        venue=row.venue,
        city=row.city,
        source_kind=SourceKind(row.source_kind),
        source=row.source,
        taper=row.taper,
        transferer=row.transferer,
        lineage=row.lineage,
        avg_rating=row.avg_rating,
        num_reviews=row.num_reviews,
        downloads=row.downloads,
        formats=tuple(row.formats or ()),
        total_size=row.total_size,
        duration=row.duration,
        description=row.description,
        notes=row.notes,
        tracks=tracks,
        reviews=reviews,
    )


def get_recording(session: Session, identifier: str, base_url: str) -> Recording | None:
    row = session.scalars(
        select(RecordingRow)
        .where(RecordingRow.identifier == identifier)
        .options(
            selectinload(RecordingRow.tracks).selectinload(TrackRow.files),
            selectinload(RecordingRow.reviews),
        )
    ).first()
    return _recording(row, base_url, details=True) if row else None


def get_concert(session: Session, artist: str, date: str, base_url: str) -> Concert | None:
    row = session.scalars(
        select(ConcertRow)
        .where(ConcertRow.artist_key == artist_key(artist), ConcertRow.date == date)
        .options(
            selectinload(ConcertRow.recordings)
            .selectinload(RecordingRow.tracks)
            .selectinload(TrackRow.files),
            selectinload(ConcertRow.recordings).selectinload(RecordingRow.reviews),
        )
    ).first()
    if row is None or not row.recordings:
        return None
    ranked = rank_recordings(_recording(r, base_url, details=True) for r in row.recordings)
    parsed = _date(row.date)
    assert parsed is not None
    return Concert(row.artist, parsed, row.venue, row.city, ranked)
