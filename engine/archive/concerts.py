"""Archive items as recordings, and recordings grouped into ranked concerts."""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from engine.archive.parse import (
    as_block,
    as_float,
    as_int,
    as_list,
    as_str,
    as_text,
    date_from_identifier,
    parse_date,
    parse_length,
    parse_runtime,
)
from engine.archive.setlist import assign_sets, clean_title, strip_heading
from engine.archive.text import clean_controls
from engine.keys import artist_key
from engine.models import (
    SOURCE_KIND_ORDER,
    Concert,
    PartialDate,
    Recording,
    Review,
    SourceKind,
    Track,
    TrackFile,
)

#: Audio formats as archive.org names them, with the file endings they may have.
AUDIO_FORMATS: dict[str, tuple[str, ...]] = {
    "Flac": (".flac",),
    "24bit Flac": (".flac",),
    "Shorten": (".shn",),
    "VBR MP3": (".mp3",),
    "64Kbps MP3": (".mp3",),
    "128Kbps MP3": (".mp3",),
    "160Kbps MP3": (".mp3",),
    "256Kbps MP3": (".mp3",),
    "320Kbps MP3": (".mp3",),
    "MP3": (".mp3",),
    "Ogg Vorbis": (".ogg",),
    "Apple Lossless Audio": (".m4a",),
    "WAVE": (".wav",),
    "AIFF": (".aif", ".aiff"),
}

# The fields a search asks for: everything a concert list and a recording summary show.
SEARCH_FIELDS = (
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
)


def is_audio_file(entry: Mapping[str, Any]) -> bool:
    endings = AUDIO_FORMATS.get(as_str(entry.get("format")))
    if not endings:
        return False
    return as_str(entry.get("name")).lower().endswith(endings)


# --- source kind ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+")
_TEXT_RULES: tuple[tuple[SourceKind, re.Pattern[str]], ...] = (
    (SourceKind.MTX, re.compile(r"\b(mtx|matrix|ultramatrix)\b", re.I)),
    (SourceKind.SBD, re.compile(r"\b(sbd|soundboard|sound board|board)\b", re.I)),
    (SourceKind.FM, re.compile(r"\b(fm|pre-?fm|broadcast|radio)\b", re.I)),
    (SourceKind.AUD, re.compile(r"\b(aud|audience)\b", re.I)),
)
_ID_TOKENS: tuple[tuple[SourceKind, frozenset[str]], ...] = (
    (SourceKind.MTX, frozenset({"mtx", "matrix", "ultramatrix"})),
    (SourceKind.SBD, frozenset({"sbd", "soundboard"})),
    (SourceKind.FM, frozenset({"fm", "prefm"})),
    (SourceKind.AUD, frozenset({"aud", "audience"})),
)


def source_kind(
    identifier: str, title: str = "", source: str = "", lineage: str = ""
) -> SourceKind:
    """How a recording was made, from the strongest evidence to the weakest.

    The identifier's tokens come first (tapers name items ``gd77-05-08.sbd.hicks...``), then the
    ``source`` field, the lineage and the title. A matrix mentioned beside a soundboard is a
    matrix: it mixes soundboard and audience sources.
    """
    tokens = set(_TOKEN.findall(identifier.lower()))
    for kind, names in _ID_TOKENS:
        if tokens & names:
            return kind
    for text in (source, lineage, title):
        # Lineages start at the source: "SBD > MR > DAT"; look at that first link.
        head = text.split(">")[0] if text is lineage else text
        for kind, pattern in _TEXT_RULES:
            if pattern.search(head):
                return kind
    return SourceKind.UNKNOWN


# --- ratings and ranking --------------------------------------------------------------------


def weighted_rating(
    avg_source: float | None, n_source: int, avg_show: float | None, n_show: int
) -> float | None:
    """A recording's average stars pulled toward its concert's by how few reviews it has.

    ``(n_show * avg_show + ln(n + 1) * avg_src) / (n_show + ln(n + 1) + 1)``, where ``avg_src`` and
    ``n`` are the recording's average stars and review count and ``avg_show`` and ``n_show`` are
    those over every review of every recording of the concert. A recording with no reviews gets
    ``None``.
    """
    if avg_source is None or n_source <= 0:
        return None
    weight = math.log(n_source + 1)
    show_avg = avg_show if avg_show is not None else avg_source
    return (n_show * show_avg + weight * avg_source) / (n_show + weight + 1)


def recording_rank_key(recording: Recording) -> tuple[int, float, int, str]:
    """Sort key, best first: soundboard before others, then weighted rating, then downloads."""
    return (
        SOURCE_KIND_ORDER[recording.source_kind],
        -(recording.weighted_rating or 0.0),
        -(recording.downloads or 0),
        recording.identifier,
    )


def rank_recordings(recordings: Iterable[Recording]) -> tuple[Recording, ...]:
    """Recordings of one concert with weighted ratings filled in, best first."""
    items = list(recordings)
    rated = [r for r in items if r.avg_rating is not None and r.num_reviews > 0]
    n_show = sum(r.num_reviews for r in rated)
    avg_show = (
        sum((r.avg_rating or 0.0) * r.num_reviews for r in rated) / n_show if n_show else None
    )
    weighted = [weighted_rating(r.avg_rating, r.num_reviews, avg_show, n_show) for r in items]
    # Most recordings have no reviews: those stay as they are.
    items = [
        r if w == r.weighted_rating else replace(r, weighted_rating=w)
        for r, w in zip(items, weighted, strict=True)
    ]
    return tuple(sorted(items, key=recording_rank_key))


def concert_key(recording: Recording) -> tuple[str, str] | None:
    if recording.date is None:
        return None
    return (artist_key(recording.artist), str(recording.date))


def group_concerts(recordings: Iterable[Recording], *, stale: bool = False) -> list[Concert]:
    """Group recordings by artist and date into concerts, newest first."""
    groups: dict[tuple[str, str], list[Recording]] = defaultdict(list)
    for recording in recordings:
        key = concert_key(recording)
        if key is not None:
            groups[key].append(recording)
    concerts = []
    for members in groups.values():
        ranked = rank_recordings(members)
        best = ranked[0]
        assert best.date is not None
        venue = _most_common(r.venue for r in ranked) or best.venue
        city = _most_common(r.city for r in ranked) or best.city
        concerts.append(Concert(best.artist, best.date, venue, city, ranked, stale=stale))
    concerts.sort(key=lambda c: (c.date.sort_key, c.artist.casefold()), reverse=True)
    return concerts


def _most_common(values: Iterable[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if value:
            counts[value] += 1
    return max(counts, key=lambda v: counts[v]) if counts else ""


# --- items to recordings ------------------------------------------------------------------


def _identifier(value: Any) -> str:
    """An item's identifier; ``""`` (no item) for one with control or bidi characters, which
    archive.org never gives: it would reach paths and terminals, and cleaning it would name
    another item."""
    identifier = as_str(value)
    return identifier if identifier == clean_controls(identifier) else ""


def fetchable(name: Any) -> bool:
    """Whether ``name``, as the archive sent it, names a file liveset can ask for: a string
    with a UTF-8 form (a lone surrogate from a JSON escape such as ``\\udce9`` has none) and
    no space at either end (parsing would change it, and the archive would not know it)."""
    if not isinstance(name, str) or name != name.strip():
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def download_url(base_url: str, identifier: str, name: str) -> str:
    """``/download/{identifier}/{name}`` with every path segment percent-encoded, dots too:
    an HTTP client folds a ``..`` segment, so ``../../x.mp3`` would ask for ``/x.mp3``."""
    return f"{base_url}/download/{quote_segment(identifier)}/{quote_path(name)}"


def quote_segment(text: str) -> str:
    """One path segment, percent-encoded (``/`` too); ``.`` and ``..`` as ``%2E``."""
    quoted = quote(text, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def quote_path(name: str) -> str:
    """A file's name in its item, folders kept as segments, each one quoted."""
    return "/".join(quote_segment(part) for part in name.split("/"))


def _recording_date(metadata: Mapping[str, Any], identifier: str) -> PartialDate | None:
    return parse_date(metadata.get("date")) or date_from_identifier(identifier)


def _stars(value: Any) -> float | None:
    """An average of 1-5 stars; the index's 0 means no rating."""
    number = as_float(value)
    return number if number is not None and 1 <= number <= 5 else None


def recording_from_search_doc(doc: Mapping[str, Any]) -> Recording | None:
    """A recording summary from one advanced-search doc (no tracks); ``None`` without an id."""
    identifier = _identifier(doc.get("identifier"))
    if not identifier:
        return None
    title = as_text(doc.get("title"))
    source = as_text(doc.get("source"))
    lineage = as_text(doc.get("lineage"))
    reviews = as_int(doc.get("num_reviews")) or 0
    return Recording(
        identifier=identifier,
        title=title,
        artist=as_text(doc.get("creator")),
        date=_recording_date(doc, identifier),
        venue=as_text(doc.get("venue")),
        city=as_text(doc.get("coverage")),
        source_kind=source_kind(identifier, title, source, lineage),
        source=source,
        taper=as_text(doc.get("taper")),
        transferer=as_text(doc.get("transferer")),
        lineage=lineage,
        avg_rating=_stars(doc.get("avg_rating")) if reviews else None,
        num_reviews=reviews,
        downloads=as_int(doc.get("downloads")),
        formats=tuple(f for f in as_list(doc.get("format")) if f in AUDIO_FORMATS),
        total_size=as_int(doc.get("item_size")),
    )


_DISC_TRACK = re.compile(r"(?<![a-z])(d|cd|disc|s|set)(\d{1,2})[ _.-]?t(?:rack)?(\d{1,3})", re.I)
_TRACK_ONLY = re.compile(r"(?:^|[^a-z0-9])t(?:rack)?(\d{1,3})(?![0-9])|^(\d{1,3})(?![0-9])", re.I)


def _place_in_name(entry: Mapping[str, Any]) -> tuple[int, int | None, int | None]:
    """``(disc, set, number)`` from a file name: ``d2t05`` is disc 2, ``s2t05`` set 2."""
    stem = as_str(entry.get("name")).rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0]
    if match := _DISC_TRACK.search(stem):
        part = int(match.group(2)) or 1
        in_set = part if match.group(1).lower().startswith("s") else None
        return part, in_set, int(match.group(3))
    if match := _TRACK_ONLY.search(stem):
        return 1, None, int(match.group(1) or match.group(2))
    return 1, None, None


def _track_field(value: Any) -> int | None:
    text = as_str(value).split("/")[0]
    return as_int(text)


def _track_file(entry: Mapping[str, Any], identifier: str, base_url: str) -> TrackFile:
    name = as_str(entry.get("name"))
    return TrackFile(
        name=name,
        format=as_text(entry.get("format")),
        url=download_url(base_url, identifier, name),
        size=as_int(entry.get("size")),
        md5=as_text(entry.get("md5")) or None,
        sha1=as_text(entry.get("sha1")) or None,
        crc32=as_text(entry.get("crc32")) or None,
        length=parse_length(entry.get("length")),
        source=as_text(entry.get("source")),
        private=as_str(entry.get("private")).lower() == "true",
        bitrate=as_int(entry.get("bitrate")),
    )


def tracks_from_files(
    files: Iterable[Mapping[str, Any]],
    identifier: str,
    base_url: str,
    notes: Iterable[str] = (),
) -> tuple[Track, ...]:
    """Tracks of an item: audio originals with their derivatives joined through ``original``.

    Order is by disc (from names like ``d2t05``) then ``track`` when present, else the number in
    the name; tracks are then numbered through the show. Sets, encores and segues come from the
    titles, then from ``notes`` (the description and notes, as text), then the file names and
    discs (see ``engine.archive.setlist``). A derivative whose original is not an audio track
    (artwork turned into MP3) is not a track.
    """
    # The first entry of each name: an item may list a file twice.
    named = {as_str(e.get("name")): e for e in reversed(list(files)) if isinstance(e, Mapping)}
    entries = [e for name, e in reversed(named.items()) if name and fetchable(e.get("name"))]
    audio = [e for e in entries if is_audio_file(e)]
    originals = {as_str(e["name"]): e for e in audio if as_str(e.get("source")) != "derivative"}
    groups: dict[str, list[Mapping[str, Any]]] = {name: [e] for name, e in originals.items()}
    for entry in audio:
        if as_str(entry.get("source")) != "derivative":
            continue
        parent = as_str(entry.get("original"))
        if parent in groups:
            groups[parent].append(entry)
        elif not parent or parent not in {as_str(e["name"]) for e in entries}:
            # A derivative whose original is gone from the listing still is a track.
            groups[as_str(entry["name"])] = [entry]
    found: list[tuple[tuple[int, int, str], _FoundTrack]] = []
    for name, members in groups.items():
        disc, name_set, name_number = _place_in_name(members[0])
        field_number = next((n for e in members if (n := _track_field(e.get("track")))), None)
        raw_title = next((t for e in members if (t := as_text(e.get("title")))), "")
        lengths = [length for e in members if (length := parse_length(e.get("length")))]
        sort_number = field_number if field_number is not None else (name_number or 10_000)
        found.append(
            (
                (disc, sort_number, name),
                _FoundTrack(
                    raw_title or _stem(name),
                    disc,
                    name_set,
                    statistics.median(lengths) if lengths else None,
                    tuple(_track_file(e, identifier, base_url) for e in members),
                ),
            )
        )
    found.sort(key=lambda pair: pair[0])
    raw_titles = [f.raw_title for _, f in found]
    cleaned = [clean_title(strip_heading(raw)) for raw in raw_titles]
    set_names, segues = assign_sets(
        raw_titles,
        [title for title, _ in cleaned],
        [segue for _, segue in cleaned],
        [f.name_set for _, f in found],
        [f.disc for _, f in found],
        tuple(notes),
    )
    return tuple(
        Track(
            title=title,
            disc=f.disc,
            number=number,
            duration=f.duration,
            files=f.files,
            set_name=set_name,
            segue=segue,
        )
        for number, ((_, f), (title, _), set_name, segue) in enumerate(
            zip(found, cleaned, set_names, segues, strict=True), start=1
        )
    )


@dataclass(frozen=True, slots=True)
class _FoundTrack:
    raw_title: str
    disc: int
    name_set: int | None
    duration: float | None
    files: tuple[TrackFile, ...]


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _review(entry: Mapping[str, Any]) -> Review:
    return Review(
        reviewer=as_text(entry.get("reviewer")),
        title=as_text(entry.get("reviewtitle")),
        body=as_block(entry.get("reviewbody")),
        stars=as_int(entry.get("stars")),
        date=as_text(entry.get("reviewdate")) or as_text(entry.get("createdate")),
    )


def recording_from_metadata(
    body: Mapping[str, Any], base_url: str, *, downloads: int | None = None
) -> Recording | None:
    """A full recording from a ``/metadata/{id}`` body; ``None`` for the ``{}`` of a missing item."""
    metadata = body.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    identifier = _identifier(metadata.get("identifier"))
    if not identifier:
        return None
    raw_files = body.get("files")
    files = [f for f in raw_files if isinstance(f, Mapping)] if isinstance(raw_files, list) else []
    raw_reviews = body.get("reviews")
    review_list = (
        [r for r in raw_reviews if isinstance(r, Mapping)] if isinstance(raw_reviews, list) else []
    )
    reviews = tuple(_review(r) for r in review_list)
    stars = [r.stars for r in reviews if r.stars is not None]
    description = as_block(metadata.get("description"))
    notes = as_block(metadata.get("notes"))
    tracks = tracks_from_files(files, identifier, base_url, (description, notes))
    durations = [t.duration for t in tracks if t.duration]
    title = as_text(metadata.get("title"))
    source = as_text(metadata.get("source"), joiner="; ")
    lineage = as_text(metadata.get("lineage"), joiner="; ")
    formats = []
    for track in tracks:
        for file in track.files:
            if file.format not in formats:
                formats.append(file.format)
    sizes = [as_int(f.get("size")) or 0 for f in files]
    return Recording(
        identifier=identifier,
        title=title,
        artist=as_text(metadata.get("creator")),
        date=_recording_date(metadata, identifier),
        venue=as_text(metadata.get("venue")),
        city=as_text(metadata.get("coverage")),
        source_kind=source_kind(identifier, title, source, lineage),
        source=source,
        taper=as_text(metadata.get("taper"), joiner="; "),
        transferer=as_text(metadata.get("transferer"), joiner="; "),
        lineage=lineage,
        avg_rating=sum(stars) / len(stars) if stars else None,
        num_reviews=len(stars),
        downloads=downloads,
        formats=tuple(formats),
        total_size=as_int(body.get("item_size")) or (sum(sizes) or None),
        duration=sum(durations) if durations else parse_runtime(metadata.get("runtime")),
        description=description,
        notes=notes,
        tracks=tracks,
        reviews=reviews,
    )
