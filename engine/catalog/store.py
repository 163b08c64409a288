"""The catalog in the database: pages of search docs written as rows, and the questions the
app asks of it (search, artists, years, on this day, a concert's recordings).

A row holds what ``recording_from_search_doc`` reads from a doc, so a recording from the
catalog is the recording the live path would build from the same doc, and concerts are grouped
by the same ``group_concerts``. Full-text search uses the same words on SQLite (FTS5) and
PostgreSQL (a weighted ``tsvector``): every word is folded (case, accents) and split here, and a
typed word matches as a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import column, delete, func, insert, select, table, text, update

from engine.archive.concerts import SEARCH_FIELDS, recording_from_search_doc
from engine.archive.parse import as_int, as_list, as_str, as_text, stored_date
from engine.keys import artist_key
from engine.models import Artist, PartialDate, Recording, SourceKind
from engine.storage.schema import CatalogArtistRow, CatalogItemRow, CatalogStateRow, has_fts5

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from sqlalchemy.orm import Session

#: What a sync asks the archive for: every field a recording summary is built from, and what
#: the recommender reads (collections with their ``fav-<user>`` lists, subjects, dates).
ITEM_FIELDS = (
    *SEARCH_FIELDS,
    "collection",
    "subject",
    "addeddate",
    "publicdate",
    "oai_updatedate",
)
ARTIST_FIELDS = ("identifier", "title", "creator", "downloads", "item_count")

_WORD = re.compile(r"[^\W_]+")
_FIELD_TERM = re.compile(r'(?i)(?<!\S)(venue|coverage):(?:"([^"]*)"|(\S+))')
_DATE_WORD = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")
_NOT_ARTISTS = {"etree", "stream_only", "audio", "opensource_audio"}


def words(value: str) -> list[str]:
    """Folded words: ``Café Wha?`` is ``cafe wha``, ``1977-05-08`` is ``1977 05 08``."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)


def timestamp(value: Any) -> str:
    """The archive's times as one sortable form: ``2004-03-08T18:18:23Z`` (``addeddate`` comes
    as ``2004-03-08 18:18:23``)."""
    text_ = as_str(value).strip()
    if len(text_) >= 19 and text_[10] in " T":
        return text_[:10] + "T" + text_[11:19] + "Z"
    return text_[:20]


# --- writing --------------------------------------------------------------------------------

#: An item's key is its concert's date (``yyyymmdd``, 0 where unknown) times this, plus a
#: number given in order of arrival: ordering by key is newest first with no sort, and the
#: full-text index, whose entries are kept in key order, hands out its newest matches first.
KEY_SPAN = 10_000_000


def date_key(row: Mapping[str, Any]) -> int:
    """``yyyymmdd`` of a row's concert date (its parts as ``item_from_doc`` split them)."""
    if row["date"] is None:
        return 0  # its year may still be known from the doc; the date is not
    return int(row["year"]) * 10_000 + int(row["month"] or 0) * 100 + int(row["day"] or 0)


def item_from_doc(
    doc: Mapping[str, Any], artist_collections: frozenset[str]
) -> dict[str, Any] | None:
    """One doc as a catalog row (without its key)."""
    recording = recording_from_search_doc(doc)
    if recording is None:
        return None
    collections = as_list(doc.get("collection"))
    own = [c for c in collections if c in artist_collections] or [
        c for c in collections if c not in _NOT_ARTISTS and not c.startswith("fav-")
    ]
    subjects = [as_text(s) for s in as_list(doc.get("subject"), split=";")]
    updated = as_list(doc.get("oai_updatedate"))
    date = recording.date
    return {
        "identifier": recording.identifier,
        "title": recording.title,
        "artist": recording.artist,
        "artist_key": artist_key(recording.artist),
        "artist_collection": own[0] if own else "",
        "date": str(date) if date else None,
        "year": date.year if date else as_int(doc.get("year")),
        "month": date.month if date else None,
        "day": date.day if date else None,
        "venue": recording.venue,
        "city": recording.city,
        "source_kind": recording.source_kind.value,
        "source": recording.source,
        "taper": recording.taper,
        "transferer": recording.transferer,
        "lineage": recording.lineage,
        "avg_rating": recording.avg_rating,
        "num_reviews": recording.num_reviews,
        "downloads": recording.downloads,
        "formats": "|".join(recording.formats),
        "size": recording.total_size,
        "collections": " ".join(collections),
        "subjects": "; ".join(s for s in subjects if s),
        "added": timestamp(doc.get("addeddate") or doc.get("publicdate")),
        "updated": max(map(timestamp, updated)) if updated else timestamp(doc.get("publicdate")),
    }


def entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """The full-text entry of a stored row: its folded words by field. Made from the stored
    values alone, so the entry a row was indexed with can be made again to take it out."""
    rest = " ".join(
        [row["date"] or "", row["title"], row["taper"], row["subjects"], row["identifier"]]
    )
    return {
        "id": row["id"],
        "a": " ".join(words(row["artist"])),
        "v": " ".join(words(row["venue"])),
        "c": " ".join(words(row["city"])),
        "r": " ".join(words(rest)),
    }


def artist_from_doc(doc: Mapping[str, Any]) -> Artist | None:
    identifier = as_str(doc.get("identifier"))
    if not identifier:
        return None
    name = as_text(doc.get("title")) or as_text(doc.get("creator")) or identifier
    return Artist(identifier, name, as_int(doc.get("item_count")), as_int(doc.get("downloads")))


_ITEM = CatalogItemRow.__table__
#: What a recording is made from (``recording``): lists read these columns, not whole rows.
_SUMMARY = [
    _ITEM.c[name]
    for name in (
        "id",
        "identifier",
        "title",
        "artist",
        "artist_key",
        "date",
        "venue",
        "city",
        "source_kind",
        "source",
        "taper",
        "transferer",
        "lineage",
        "avg_rating",
        "num_reviews",
        "downloads",
        "formats",
        "size",
    )
]
_FTS_INSERT = text(
    "INSERT INTO catalog_fts(rowid, artist, venue, city, rest) VALUES (:id, :a, :v, :c, :r)"
)
# The index keeps no copy of the words (contentless): an entry goes out given its words again.
_FTS_DELETE = text(
    "INSERT INTO catalog_fts(catalog_fts, rowid, artist, venue, city, rest) "
    "VALUES ('delete', :id, :a, :v, :c, :r)"
)
_TS_UPDATE = text(
    "UPDATE catalog_items SET catalog_fts = "
    "setweight(to_tsvector('simple', :a), 'A') || "
    "setweight(to_tsvector('simple', :v), 'B') || "
    "setweight(to_tsvector('simple', :c), 'C') || "
    "setweight(to_tsvector('simple', :r), 'D') WHERE id = :id"
)


def _full_text(session: Session) -> str:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return "fts5" if has_fts5(session, "catalog_fts") else ""
    return "tsvector" if dialect == "postgresql" else ""


def _stored(session: Session, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    found = session.execute(select(_ITEM).where(_ITEM.c.identifier.in_(names))).mappings()
    return {row["identifier"]: dict(row) for row in found}


def write_items(
    session: Session, rows: Sequence[dict[str, Any]], seen: int, next_number: int
) -> tuple[int, int]:
    """Insert or update ``rows`` and their full-text entries; how many were new, and the
    next arrival number (new rows take ``next_number`` on)."""
    if not rows:
        return 0, next_number
    known = _stored(session, [r["identifier"] for r in rows])
    fresh, old = [], []
    for row in rows:
        before = known.get(row["identifier"])
        if before is None:
            fresh.append({**row, "seen": seen, "id": date_key(row) * KEY_SPAN + next_number})
            next_number = (next_number + 1) % KEY_SPAN
        else:
            old.append({**row, "seen": seen, "id": before["id"]})
    if fresh:
        session.execute(insert(CatalogItemRow), fresh)
    if old:
        session.execute(update(CatalogItemRow), old)
    kind = _full_text(session)
    if kind == "fts5":
        changed = [known[r["identifier"]] for r in old]
        if changed:
            session.execute(_FTS_DELETE, [entry(r) for r in changed])
        session.execute(_FTS_INSERT, [entry(r) for r in [*fresh, *old]])
    elif kind == "tsvector":
        session.execute(_TS_UPDATE, [entry(r) for r in [*fresh, *old]])
    return len(fresh), next_number


def drop_unseen(session: Session, seen: int) -> int:
    """Remove the items a full pass did not see (darkened, moved out of etree)."""
    gone = [dict(r) for r in session.execute(select(_ITEM).where(_ITEM.c.seen != seen)).mappings()]
    fts5 = _full_text(session) == "fts5"
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        if fts5:
            session.execute(_FTS_DELETE, [entry(r) for r in chunk])
        session.execute(
            delete(CatalogItemRow).where(CatalogItemRow.id.in_([r["id"] for r in chunk]))
        )
    return len(gone)


def compact(session: Session) -> None:
    """Merge the full-text index into one segment after a full pass: entries written again
    leave their old ones behind until a merge (the index doubles after a pass over changed
    items; SQLite reuses the pages freed)."""
    if _full_text(session) == "fts5":
        session.execute(text("INSERT INTO catalog_fts(catalog_fts) VALUES ('optimize')"))


def write_artists(session: Session, artists: Iterable[Artist], seen: int) -> None:
    rows = {a.identifier: a for a in artists}
    known = set(
        session.scalars(
            select(CatalogArtistRow.identifier).where(CatalogArtistRow.identifier.in_(rows))
        )
    )
    values = [
        {
            "identifier": a.identifier,
            "name": a.name,
            "item_count": a.item_count,
            "downloads": a.downloads,
            "seen": seen,
        }
        for a in rows.values()
    ]
    fresh = [v for v in values if v["identifier"] not in known]
    old = [v for v in values if v["identifier"] in known]
    if fresh:
        session.execute(insert(CatalogArtistRow), fresh)
    if old:
        session.execute(update(CatalogArtistRow), old)


def drop_unseen_artists(session: Session, seen: int) -> None:
    session.execute(delete(CatalogArtistRow).where(CatalogArtistRow.seen != seen))


def artist_collections(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(CatalogArtistRow.identifier)))


def state(session: Session) -> CatalogStateRow:
    row = session.get(CatalogStateRow, 1)
    if row is None:
        row = CatalogStateRow(
            id=1,
            pass_kind="",
            pass_number=0,
            query="",
            cursor="",
            last_identifier="",
            done=0,
            since="",
            high_water="",
            next_number=0,
        )
        session.add(row)
        session.flush()
    return row


def counts(session: Session) -> tuple[int, int]:
    """Recordings and artists in the catalog."""
    items = session.scalar(select(func.count()).select_from(CatalogItemRow)) or 0
    artists = session.scalar(select(func.count()).select_from(CatalogArtistRow)) or 0
    return int(items), int(artists)


def ready(session: Session) -> bool:
    """A full pass has finished and left recordings: without counting them all."""
    row = state(session)
    return row.last_full is not None and session.scalar(select(_ITEM.c.id).limit(1)) is not None


# --- reading --------------------------------------------------------------------------------


def recording(row: Mapping[Any, Any]) -> Recording:
    return Recording(
        identifier=row["identifier"],
        title=row["title"],
        artist=row["artist"],
        date=stored_date(row["date"]) if row["date"] else None,
        venue=row["venue"],
        city=row["city"],
        source_kind=SourceKind(row["source_kind"]),
        source=row["source"],
        taper=row["taper"],
        transferer=row["transferer"],
        lineage=row["lineage"],
        avg_rating=row["avg_rating"],
        num_reviews=row["num_reviews"],
        downloads=row["downloads"],
        formats=tuple(f for f in row["formats"].split("|") if f),
        total_size=row["size"],
    )


def recordings_of(session: Session, identifiers: Sequence[str]) -> dict[str, Recording]:
    """The catalog's recordings of these identifiers (those it has), by identifier; asked
    500 at a time."""
    found: dict[str, Recording] = {}
    wanted = list(dict.fromkeys(identifiers))
    for start in range(0, len(wanted), 500):
        query = select(*_SUMMARY).where(_ITEM.c.identifier.in_(wanted[start : start + 500]))
        for row in session.execute(query).mappings():
            found[row["identifier"]] = recording(row)
    return found


def _recordings(
    session: Session, query: Any, params: Mapping[str, Any] | None = None
) -> list[Recording]:
    return [recording(r) for r in session.execute(query, params or {}).mappings()]


def artists(session: Session) -> list[Artist]:
    found = [
        Artist(r.identifier, r.name, r.item_count, r.downloads)
        for r in session.execute(
            select(
                CatalogArtistRow.identifier,
                CatalogArtistRow.name,
                CatalogArtistRow.item_count,
                CatalogArtistRow.downloads,
            )
        )
    ]
    found.sort(key=lambda a: a.name.casefold())
    return found


def _dated(prefix: str) -> list[Any]:
    """Stored dates that start with ``prefix`` (``1977``, ``1977-05``, ``1977-05-08``), as a
    range on the date index: dates are stored whole, unknown parts as ``??``, and ``~`` sorts
    after digits, ``-`` and ``?`` alike."""
    return [_ITEM.c.date >= prefix, _ITEM.c.date < prefix + "~"]


def _prefix(date: PartialDate) -> str:
    """``1977``, ``1977-05`` or ``1977-05-08``: as much of ``date`` as is known."""
    parts = [f"{date.year:04d}"]
    if date.month is not None:
        parts.append(f"{date.month:02d}")
        if date.day is not None:
            parts.append(f"{date.day:02d}")
    return "-".join(parts)


def artist_years(session: Session, artist: str) -> list[tuple[int, int]]:
    rows = session.execute(
        select(_ITEM.c.year, func.count(func.distinct(_ITEM.c.date)))
        .where(_ITEM.c.artist_key == artist_key(artist), _ITEM.c.year.is_not(None))
        .group_by(_ITEM.c.year)
        .order_by(_ITEM.c.year)
    )
    return [(int(y), int(n)) for y, n in rows if y is not None]


def artist_span(
    session: Session, artist: str, date: PartialDate, limit: int = 2000
) -> list[Recording]:
    return _recordings(
        session,
        select(*_SUMMARY)
        .where(_ITEM.c.artist_key == artist_key(artist), *_dated(_prefix(date)))
        .order_by(_ITEM.c.date)
        .limit(limit),
    )


def on_day(session: Session, month: int, day: int, limit: int = 500) -> list[Recording]:
    return _recordings(
        session,
        select(*_SUMMARY)
        .where(_ITEM.c.month == month, _ITEM.c.day == day)
        .order_by(_ITEM.c.id.desc())
        .limit(limit),
    )


def random_rated(session: Session, min_stars: float, pick: float) -> list[Recording]:
    """Every recording of the concert of one recording rated ``min_stars`` or more, chosen by
    ``pick`` (0 to 1) among all of them."""
    rated = _ITEM.c.avg_rating >= min_stars
    total = session.scalar(select(func.count()).select_from(_ITEM).where(rated)) or 0
    if not total:
        return []
    offset = min(int(pick * total), total - 1)
    chosen = (
        session.execute(select(*_SUMMARY).where(rated).order_by(_ITEM.c.id).offset(offset).limit(1))
        .mappings()
        .first()
    )
    if chosen is None or chosen["date"] is None:
        return [recording(chosen)] if chosen else []
    return _recordings(
        session,
        select(*_SUMMARY).where(
            _ITEM.c.artist_key == chosen["artist_key"], _ITEM.c.date == chosen["date"]
        ),
    )


@dataclass(frozen=True, slots=True)
class Query:
    """A typed search as the catalog reads it."""

    any_words: tuple[str, ...] = ()  # in any field, as prefixes
    venue_words: tuple[str, ...] = ()
    city_words: tuple[str, ...] = ()
    artist: str | None = None  # an artist filter (``artist:``)
    year: int | None = None
    sbd_only: bool = False
    whole: str = ""  # the free text folded, for "exactly this artist" first
    date: str = ""  # a date typed in the text, for "exactly this date" first


def read_query(text_: str, *, artist: str | None, year: int | None, sbd_only: bool) -> Query:
    """The free text of ``parse_search`` (with its ``venue:`` and ``coverage:`` terms). Every
    word matches as a prefix; a word of one letter beside longer ones is left out."""
    venue: list[str] = []
    city: list[str] = []

    def field(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        (venue if match.group(1).lower() == "venue" else city).extend(words(value))
        return " "

    rest = _FIELD_TERM.sub(field, text_)
    found = _DATE_WORD.search(rest)
    date = ""
    if found:
        date = "-".join(g for g in found.groups() if g)
    whole_text = _DATE_WORD.sub(" ", rest) if found else rest
    typed = words(rest)
    if any(len(w) > 1 for w in typed):
        # A lone letter narrows nothing yet (it is the start of the word being typed, and
        # matching it costs the most): it counts once it is two.
        typed = [w for w in typed if len(w) > 1]
    return Query(
        any_words=tuple(typed)[:16],
        venue_words=tuple(venue)[:8],
        city_words=tuple(city)[:8],
        artist=artist,
        year=year,
        sbd_only=sbd_only,
        whole=" ".join(words(whole_text)),
        date=date,
    )


def _fts_match(query: Query) -> str:
    def phrase(word: str) -> str:
        return '"' + word + '"*'

    parts = [phrase(w) for w in query.any_words]
    parts += [f"venue : {phrase(w)}" for w in query.venue_words]
    parts += [f"city : {phrase(w)}" for w in query.city_words]
    return " AND ".join(parts)


def _ts_query(query: Query) -> str:
    parts = [f"{w}:*" for w in query.any_words]
    parts += [f"{w}:*B" for w in query.venue_words]
    parts += [f"{w}:*C" for w in query.city_words]
    return " & ".join(parts)


def _filters(query: Query) -> list[Any]:
    found: list[Any] = []
    if query.artist:
        found.append(_ITEM.c.artist_key == artist_key(query.artist))
    if query.year is not None:
        found += _dated(f"{query.year:04d}")
    if query.sbd_only:
        found.append(_ITEM.c.source_kind == SourceKind.SBD.value)
    return found


def search(session: Session, query: Query, limit: int) -> list[Recording]:
    """Recordings matching ``query``, best first: the artist typed exactly (with the date
    typed first), then the rest newest first."""
    filters = _filters(query)
    kind = _full_text(session)
    texts = query.any_words or query.venue_words or query.city_words
    first: list[Recording] = []
    if query.whole and session.scalar(
        select(_ITEM.c.id).where(_ITEM.c.artist_key == query.whole).limit(1)
    ):
        # Exactly an artist's name (and perhaps a date): that artist's recordings first, by
        # the (artist, date) index.
        exact = [*filters, _ITEM.c.artist_key == query.whole]
        if query.date:
            first = _recordings(
                session,
                select(*_SUMMARY)
                .where(*exact, *_dated(query.date))
                .order_by(_ITEM.c.id.desc())
                .limit(limit),
            )
        first += _recordings(
            session, select(*_SUMMARY).where(*exact).order_by(_ITEM.c.id.desc()).limit(limit)
        )
    if not texts:
        rest = _recordings(
            session, select(*_SUMMARY).where(*filters).order_by(_ITEM.c.id.desc()).limit(limit)
        )
    elif kind == "fts5":
        # The index drives: its entries come newest first (see KEY_SPAN), each item looked up
        # by its key; no sort of every match.
        fts = table("catalog_fts", column("rowid"))
        rest = _recordings(
            session,
            select(*_SUMMARY)
            .select_from(fts.join(_ITEM, _ITEM.c.id == fts.c.rowid))
            .where(text("catalog_fts MATCH :m"), *filters)
            .order_by(fts.c.rowid.desc())
            .limit(limit),
            {"m": _fts_match(query)},
        )
    elif kind == "tsvector":
        rest = _recordings(
            session,
            select(*_SUMMARY)
            .where(*filters, text("catalog_fts @@ to_tsquery('simple', :q)"))
            .order_by(_ITEM.c.id.desc())
            .limit(limit),
            {"q": _ts_query(query)},
        )
    else:
        like = [*filters]
        for w in query.any_words:
            pattern = f"%{w}%"
            like.append(
                _ITEM.c.artist.ilike(pattern)
                | _ITEM.c.venue.ilike(pattern)
                | _ITEM.c.city.ilike(pattern)
                | _ITEM.c.title.ilike(pattern)
                | _ITEM.c.identifier.ilike(pattern)
            )
        like += [_ITEM.c.venue.ilike(f"%{w}%") for w in query.venue_words]
        like += [_ITEM.c.city.ilike(f"%{w}%") for w in query.city_words]
        rest = _recordings(
            session, select(*_SUMMARY).where(*like).order_by(_ITEM.c.id.desc()).limit(limit)
        )
    seen: set[str] = set()
    found = []
    for item in [*first, *rest]:
        if item.identifier not in seen:
            seen.add(item.identifier)
            found.append(item)
    if query.date and not first:
        # A date typed without an artist's exact name: that date's recordings first.
        found.sort(key=lambda r: not str(r.date or "").startswith(query.date))
    return found[:limit]
