"""The library's files in the database: kept by the scanner and by downloads, read by screens."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, literal_column, or_, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.library.tags import AUDIO_EXTENSIONS, UNTAGGABLE
from engine.models import LibraryConcert, LibraryProblem, LibraryStats, LibraryTrack
from engine.storage.schema import LibraryFileRow, has_fts5

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from engine.library.tags import FileTags

#: The columns text search looks in (the same as the full-text index of migration 0002).
SEARCH_COLUMNS = ("title", "artist", "album", "venue", "city", "date")
_CHUNK = 500


def file_values(
    path: str, root: str, size: int, mtime_ns: int, tags: FileTags | None, problem: str = ""
) -> dict[str, Any]:
    """A row's values for one file: its tags, or the problem that kept them from being read."""
    values: dict[str, Any] = {
        "path": path,
        "root": root,
        "size": size,
        "mtime_ns": mtime_ns,
        "problem": problem,
        "scanned_at": time.time(),
        "format": "",
        "artist": "",
        "album": "",
        "title": "",
        "date": "",
        "venue": "",
        "city": "",
        "track_number": None,
        "disc": None,
        "duration": None,
        "identifier": "",
    }
    if tags is not None:
        values.update(
            format=tags.format,
            artist=tags.artist,
            album=tags.album,
            title=tags.title,
            date=tags.date,
            venue=tags.venue,
            city=tags.city,
            track_number=tags.track_number,
            disc=tags.disc,
            duration=tags.duration,
            identifier=tags.identifier,
        )
    return values


def index(session: Session, *, root: str) -> dict[str, tuple[int, int, int]]:
    """path → (id, size, mtime_ns) for every file stored under ``root``."""
    rows = session.execute(
        select(
            LibraryFileRow.path, LibraryFileRow.id, LibraryFileRow.size, LibraryFileRow.mtime_ns
        ).where(LibraryFileRow.root == root)
    )
    return {path: (id_, size, mtime) for path, id_, size, mtime in rows}


def store(session: Session, *, values: Sequence[dict[str, Any]]) -> None:
    """Insert or update files by path, in one statement per chunk (an upsert, so two scans
    at once cannot trip over the same new file)."""
    if not values:
        return
    names = [name for name in values[0] if name != "path"]
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        upsert = postgresql_insert(LibraryFileRow)
        statement = upsert.on_conflict_do_update(
            index_elements=["path"], set_={n: upsert.excluded[n] for n in names}
        )
    else:
        lite = sqlite_insert(LibraryFileRow)
        statement = lite.on_conflict_do_update(
            index_elements=["path"], set_={n: lite.excluded[n] for n in names}
        )
    for start in range(0, len(values), _CHUNK):
        session.execute(statement, list(values[start : start + _CHUNK]))


def _remove_where(session: Session, column: Any, values: Iterable[Any]) -> int:
    chosen = list(values)
    for start in range(0, len(chosen), _CHUNK):
        session.execute(delete(LibraryFileRow).where(column.in_(chosen[start : start + _CHUNK])))
    return len(chosen)


def remove_ids(session: Session, *, ids: Iterable[int]) -> int:
    return _remove_where(session, LibraryFileRow.id, ids)


def remove_paths(session: Session, *, paths: Iterable[str]) -> int:
    return _remove_where(session, LibraryFileRow.path, paths)


def _track(row: LibraryFileRow) -> LibraryTrack:
    return LibraryTrack(
        path=row.path,
        format=row.format,
        artist=row.artist,
        album=row.album,
        title=row.title,
        date=row.date,
        venue=row.venue,
        city=row.city,
        track_number=row.track_number,
        disc=row.disc,
        duration=row.duration,
        identifier=row.identifier,
        size=row.size,
    )


_READABLE = LibraryFileRow.problem == ""
_ORDER = (
    LibraryFileRow.artist,
    LibraryFileRow.date,
    LibraryFileRow.album,
    LibraryFileRow.disc,
    LibraryFileRow.track_number,
    LibraryFileRow.path,
)


def identifiers(session: Session) -> set[str]:
    """Archive identifiers with at least one readable file in the library."""
    rows = session.scalars(
        select(LibraryFileRow.identifier)
        .where(_READABLE, LibraryFileRow.identifier != "")
        .distinct()
    )
    return set(rows)


def artists(session: Session) -> list[tuple[str, int]]:
    """Artists on disk with their number of concerts (albums)."""
    rows = session.execute(
        select(LibraryFileRow.artist, func.count(func.distinct(LibraryFileRow.album)))
        .where(_READABLE)
        .group_by(LibraryFileRow.artist)
        .order_by(func.lower(LibraryFileRow.artist))
    )
    return [(artist, count) for artist, count in rows]


def concerts(session: Session, artist: str | None = None) -> list[LibraryConcert]:
    query = (
        select(
            LibraryFileRow.artist,
            LibraryFileRow.album,
            func.max(LibraryFileRow.date),
            func.max(LibraryFileRow.venue),
            func.max(LibraryFileRow.city),
            func.max(LibraryFileRow.identifier),
            func.count(),
            func.sum(LibraryFileRow.duration),
            func.sum(LibraryFileRow.size),
        )
        .where(_READABLE)
        .group_by(LibraryFileRow.artist, LibraryFileRow.album)
        .order_by(LibraryFileRow.artist, func.max(LibraryFileRow.date), LibraryFileRow.album)
    )
    if artist is not None:
        query = query.where(LibraryFileRow.artist == artist)
    return [
        LibraryConcert(a, date, album, venue, city, ident, count, duration, size or 0)
        for a, album, date, venue, city, ident, count, duration, size in session.execute(query)
    ]


def tracks(
    session: Session,
    *,
    artist: str | None = None,
    album: str | None = None,
    identifier: str | None = None,
) -> list[LibraryTrack]:
    query = select(LibraryFileRow).where(_READABLE).order_by(*_ORDER)
    if artist is not None:
        query = query.where(LibraryFileRow.artist == artist)
    if album is not None:
        query = query.where(LibraryFileRow.album == album)
    if identifier is not None:
        query = query.where(LibraryFileRow.identifier == identifier)
    return [_track(row) for row in session.scalars(query)]


def count_untagged(session: Session, *, roots: Sequence[str]) -> int:
    """Files under ``roots`` in a format without tags (named from their folders instead)."""
    return (
        session.scalar(
            select(func.count()).where(
                LibraryFileRow.root.in_(roots),
                LibraryFileRow.format.in_([AUDIO_EXTENSIONS[ext] for ext in UNTAGGABLE]),
            )
        )
        or 0
    )


def problems(session: Session) -> list[LibraryProblem]:
    rows = session.execute(
        select(LibraryFileRow.path, LibraryFileRow.problem)
        .where(LibraryFileRow.problem != "")
        .order_by(LibraryFileRow.path)
    )
    return [LibraryProblem(path, problem) for path, problem in rows]


def stats(session: Session) -> LibraryStats:
    return overview(session)[0]


def overview(session: Session) -> tuple[LibraryStats, list[tuple[str, int]]]:
    """The library's totals and its artists (each with its number of concerts), in two
    passes over the files: one by format, one by artist (on an index)."""
    by_format = session.execute(
        select(
            LibraryFileRow.format,
            func.count(),
            func.sum(LibraryFileRow.size),
            func.sum(LibraryFileRow.duration),
            func.sum(case((LibraryFileRow.problem != "", 1), else_=0)),
        ).group_by(LibraryFileRow.format)
    ).all()
    by_artist = artists(session)
    formats = sorted(((fmt or "unknown", count) for fmt, count, *_ in by_format), key=_by_count)
    return (
        LibraryStats(
            files=sum(row[1] for row in by_format),
            artists=len(by_artist),
            concerts=sum(count for _, count in by_artist),
            size=int(sum(row[2] or 0 for row in by_format)),
            duration=float(sum(row[3] or 0.0 for row in by_format)),
            problems=int(sum(row[4] or 0 for row in by_format)),
            formats=tuple(formats),
        ),
        by_artist,
    )


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


# --- text search --------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(query: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(query)][:16]


def search(session: Session, query: str, limit: int = 200) -> list[LibraryTrack]:
    """Tracks whose title, artist, album, venue, city or date hold every word of ``query``
    (as a prefix: ``scar beg`` finds Scarlet Begonias)."""
    words = search_words(query)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and has_fts5(session, "library_fts"):
        match = " ".join('"' + w.replace('"', "") + '"*' for w in words)
        # No ORDER BY rank: ranking every match of a short prefix ("s") over 100,000 tracks
        # is what made searching slow; the first matches in index order are shown sorted.
        ids: Select[tuple[Any]] = (
            select(literal_column("rowid"))
            .select_from(text("library_fts"))
            .where(text("library_fts MATCH :match"))
            .limit(limit)
        )
        rows = session.scalars(
            select(LibraryFileRow)
            .where(LibraryFileRow.id.in_(ids), _READABLE)
            .order_by(*_ORDER)
            .limit(limit),
            {"match": match},
        )
    elif dialect == "postgresql":
        document = " || ' ' || ".join(f"coalesce({c}, '')" for c in SEARCH_COLUMNS)
        terms = " & ".join(re.sub(r"\W", "", w) + ":*" for w in words)
        rows = session.scalars(
            select(LibraryFileRow)
            .where(
                text(f"to_tsvector('simple', {document}) @@ to_tsquery('simple', :terms)"),
                _READABLE,
            )
            .order_by(*_ORDER)
            .limit(limit),
            {"terms": terms},
        )
    else:
        conditions = [
            or_(*(getattr(LibraryFileRow, c).ilike(f"%{w}%") for c in SEARCH_COLUMNS))
            for w in words
        ]
        rows = session.scalars(
            select(LibraryFileRow).where(*conditions, _READABLE).order_by(*_ORDER).limit(limit)
        )
    return [_track(row) for row in rows]
