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

from sqlalchemy import delete, func, insert, select, text, update

from engine.archive.concerts import artist_key, recording_from_search_doc
from engine.archive.parse import as_int, as_list, as_str, as_text
from engine.models import Artist, PartialDate, Recording, SourceKind
from engine.storage.schema import CatalogArtistRow, CatalogItemRow, CatalogStateRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from sqlalchemy.orm import Session

#: What a sync asks the archive for: every field a recording summary is built from, and what
#: the recommender reads (collections with their ``fav-<user>`` lists, subjects, dates).
ITEM_FIELDS = (
    "identifier",
    "title",
    "creator",
    "date",
    "year",
    "venue",
    "coverage",
    "source",
    "lineage",
    "taper",
    "transferer",
    "avg_rating",
    "num_reviews",
    "downloads",
    "format",
    "item_size",
    "mediatype",
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


@dataclass(frozen=True, slots=True)
class Item:
    """One doc as a catalog row and the words of its full-text entry."""

    row: dict[str, Any]
    artist: str
    venue: str
    city: str
    rest: str


def item_from_doc(doc: Mapping[str, Any], artist_collections: frozenset[str]) -> Item | None:
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
    row = {
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
    rest = [str(date) if date else "", recording.title, recording.taper, "; ".join(subjects)]
    return Item(
        row,
        " ".join(words(recording.artist)),
        " ".join(words(recording.venue)),
        " ".join(words(recording.city)),
        " ".join(words(" ".join([*rest, recording.identifier]))),
    )


def artist_from_doc(doc: Mapping[str, Any]) -> Artist | None:
    identifier = as_str(doc.get("identifier"))
    if not identifier:
        return None
    name = as_text(doc.get("title")) or as_text(doc.get("creator")) or identifier
    return Artist(identifier, name, as_int(doc.get("item_count")), as_int(doc.get("downloads")))


def has_fts5(session: Session) -> bool:
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'catalog_fts'")
    ).first()
    return found is not None


def _ids(session: Session, names: list[str]) -> dict[str, int]:
    found = session.execute(
        select(CatalogItemRow.identifier, CatalogItemRow.id).where(
            CatalogItemRow.identifier.in_(names)
        )
    )
    return {name: number for name, number in found}


def write_items(session: Session, items: Sequence[Item], seen: int) -> int:
    """Insert or update ``items`` and their full-text entries; how many were new."""
    if not items:
        return 0
    names = [i.row["identifier"] for i in items]
    known = _ids(session, names)
    fresh = [{**i.row, "seen": seen} for i in items if i.row["identifier"] not in known]
    stale = [
        {**i.row, "seen": seen, "id": known[i.row["identifier"]]}
        for i in items
        if i.row["identifier"] in known
    ]
    if fresh:
        session.execute(insert(CatalogItemRow), fresh)
    if stale:
        session.execute(update(CatalogItemRow), stale)
    ids = _ids(session, names) if fresh else known
    entries = [
        {"id": ids[i.row["identifier"]], "a": i.artist, "v": i.venue, "c": i.city, "r": i.rest}
        for i in items
    ]
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and has_fts5(session):
        if known:
            session.execute(
                text("DELETE FROM catalog_fts WHERE rowid = :id"),
                [{"id": n} for n in known.values()],
            )
        session.execute(
            text(
                "INSERT INTO catalog_fts(rowid, artist, venue, city, rest) "
                "VALUES (:id, :a, :v, :c, :r)"
            ),
            entries,
        )
    elif dialect == "postgresql":
        session.execute(
            text(
                "UPDATE catalog_items SET catalog_fts = "
                "setweight(to_tsvector('simple', :a), 'A') || "
                "setweight(to_tsvector('simple', :v), 'B') || "
                "setweight(to_tsvector('simple', :c), 'C') || "
                "setweight(to_tsvector('simple', :r), 'D') WHERE id = :id"
            ),
            entries,
        )
    return len(fresh)


def drop_unseen(session: Session, seen: int) -> int:
    """Remove the items a full pass did not see (darkened, moved out of etree)."""
    gone = list(session.scalars(select(CatalogItemRow.id).where(CatalogItemRow.seen != seen)))
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        if session.get_bind().dialect.name == "sqlite" and has_fts5(session):
            session.execute(
                text("DELETE FROM catalog_fts WHERE rowid = :id"), [{"id": n} for n in chunk]
            )
        session.execute(delete(CatalogItemRow).where(CatalogItemRow.id.in_(chunk)))
    return len(gone)


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
        )
        session.add(row)
        session.flush()
    return row


def counts(session: Session) -> tuple[int, int]:
    """Recordings and artists in the catalog."""
    items = session.scalar(select(func.count()).select_from(CatalogItemRow)) or 0
    artists = session.scalar(select(func.count()).select_from(CatalogArtistRow)) or 0
    return int(items), int(artists)


# --- reading --------------------------------------------------------------------------------


def recording(row: CatalogItemRow) -> Recording:
    from engine.archive.parse import parse_date

    return Recording(
        identifier=row.identifier,
        title=row.title,
        artist=row.artist,
        date=parse_date(row.date) if row.date else None,
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
        formats=tuple(f for f in row.formats.split("|") if f),
        total_size=row.size,
    )


def artists(session: Session) -> list[Artist]:
    found = [
        Artist(r.identifier, r.name, r.item_count, r.downloads)
        for r in session.scalars(select(CatalogArtistRow))
    ]
    found.sort(key=lambda a: a.name.casefold())
    return found


def _span(date: PartialDate) -> tuple[str, str]:
    """The stored dates of a year, a month or a day, as a half-open text range (unknown parts
    are stored as ``??``, which sorts after digits)."""
    if date.month is None:
        return f"{date.year:04d}", f"{date.year + 1:04d}"
    if date.day is None:
        first = f"{date.year:04d}-{date.month:02d}"
        return first, first + "~"
    day = f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    return day, day + "~"


def artist_years(session: Session, artist: str) -> list[tuple[int, int]]:
    rows = session.execute(
        select(CatalogItemRow.year, func.count(func.distinct(CatalogItemRow.date)))
        .where(CatalogItemRow.artist_key == artist_key(artist), CatalogItemRow.year.is_not(None))
        .group_by(CatalogItemRow.year)
        .order_by(CatalogItemRow.year)
    )
    return [(int(y), int(n)) for y, n in rows if y is not None]


def artist_span(
    session: Session, artist: str, date: PartialDate, limit: int = 2000
) -> list[Recording]:
    first, last = _span(date)
    rows = session.scalars(
        select(CatalogItemRow)
        .where(
            CatalogItemRow.artist_key == artist_key(artist),
            CatalogItemRow.date >= first,
            CatalogItemRow.date < last,
        )
        .order_by(CatalogItemRow.date)
        .limit(limit)
    )
    return [recording(r) for r in rows]


def on_day(session: Session, month: int, day: int, limit: int = 500) -> list[Recording]:
    rows = session.scalars(
        select(CatalogItemRow)
        .where(CatalogItemRow.month == month, CatalogItemRow.day == day)
        .order_by(CatalogItemRow.date.desc(), CatalogItemRow.downloads.desc())
        .limit(limit)
    )
    return [recording(r) for r in rows]


def random_rated(session: Session, min_stars: float, pick: float) -> list[Recording]:
    """Every recording of the concert of one recording rated ``min_stars`` or more, chosen by
    ``pick`` (0 to 1) among all of them."""
    rated = CatalogItemRow.avg_rating >= min_stars
    total = session.scalar(select(func.count()).select_from(CatalogItemRow).where(rated)) or 0
    if not total:
        return []
    offset = min(int(pick * total), total - 1)
    chosen = session.scalars(
        select(CatalogItemRow).where(rated).order_by(CatalogItemRow.id).offset(offset).limit(1)
    ).first()
    if chosen is None or chosen.date is None:
        return [recording(chosen)] if chosen else []
    rows = session.scalars(
        select(CatalogItemRow).where(
            CatalogItemRow.artist_key == chosen.artist_key, CatalogItemRow.date == chosen.date
        )
    )
    return [recording(r) for r in rows]


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

    @property
    def empty(self) -> bool:
        return not (self.any_words or self.venue_words or self.city_words or self.artist)


def read_query(text_: str, *, artist: str | None, year: int | None, sbd_only: bool) -> Query:
    """The free text of ``parse_search`` (with its ``venue:`` and ``coverage:`` terms)."""
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
    return Query(
        any_words=tuple(words(rest))[:16],
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


def search(session: Session, query: Query, limit: int) -> list[Recording]:
    """Recordings matching ``query``, best first: the artist typed exactly, then the date
    typed exactly, then newest first."""
    conditions: list[Any] = []
    params: dict[str, Any] = {}
    if query.artist:
        conditions.append(CatalogItemRow.artist_key == artist_key(query.artist))
    if query.year is not None:
        conditions.append(CatalogItemRow.date >= f"{query.year:04d}")
        conditions.append(CatalogItemRow.date < f"{query.year + 1:04d}")
    if query.sbd_only:
        conditions.append(CatalogItemRow.source_kind == SourceKind.SBD.value)
    dialect = session.get_bind().dialect.name
    if query.any_words or query.venue_words or query.city_words:
        if dialect == "sqlite" and has_fts5(session):
            conditions.append(
                CatalogItemRow.id.in_(
                    text("SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH :m")
                )
            )
            params["m"] = _fts_match(query)
        elif dialect == "postgresql":
            conditions.append(text("catalog_fts @@ to_tsquery('simple', :q)"))
            params["q"] = _ts_query(query)
        else:
            for w in query.any_words:
                like = f"%{w}%"
                conditions.append(
                    CatalogItemRow.artist.ilike(like)
                    | CatalogItemRow.venue.ilike(like)
                    | CatalogItemRow.city.ilike(like)
                    | CatalogItemRow.title.ilike(like)
                    | CatalogItemRow.identifier.ilike(like)
                )
            conditions += [CatalogItemRow.venue.ilike(f"%{w}%") for w in query.venue_words]
            conditions += [CatalogItemRow.city.ilike(f"%{w}%") for w in query.city_words]
    order: list[Any] = []
    if query.whole:
        order.append((CatalogItemRow.artist_key == query.whole).desc())
    if query.date:
        order.append(CatalogItemRow.date.startswith(query.date).desc())
    order += [CatalogItemRow.date.desc(), CatalogItemRow.downloads.desc()]
    rows = session.scalars(
        select(CatalogItemRow).where(*conditions).order_by(*order).limit(limit), params
    )
    return [recording(r) for r in rows]
