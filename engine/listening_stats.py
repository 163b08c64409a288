"""The listening stats: hours a week over the last year, the top artists, shows, songs (across
every recording of a song), years and venues, finished against skipped, all counted in the
database from the person's plays; and the household's downloads by month."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import Integer, cast, func, select

from engine.history import heard as played
from engine.models import DownloadState, ListeningStats, Tally
from engine.storage.schema import DownloadRow, PlayRow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import InstrumentedAttribute, Session

WEEK = 7 * 86_400
WEEKS = 52
TOP = 10
_SEGUE = re.compile(r"\s*(?:→|->|>)\s*$")
_DATED = re.compile(r"^(\d{4})-\d{2}-\d{2}\s+(.*)$")


def stats(session: Session, now: float | None = None) -> ListeningStats:
    now = time.time() if now is None else now
    heard = played()
    start = now - WEEKS * WEEK
    week = cast((PlayRow.started_at - start) / WEEK, Integer)
    hours = [0.0] * WEEKS
    for at, seconds in session.execute(
        select(week, func.sum(PlayRow.seconds_played))
        .where(heard, PlayRow.started_at >= start, PlayRow.started_at <= now)
        .group_by(week)
    ):
        if 0 <= at < WEEKS:
            hours[int(at)] += float(seconds or 0) / 3600

    def tallies(column: InstrumentedAttribute[str]) -> list[tuple[str, int, float]]:
        query = (
            select(column, func.count(PlayRow.id), func.sum(PlayRow.seconds_played))
            .where(heard)
            .group_by(column)
        )
        return [(str(name or ""), int(n), float(s or 0)) for name, n, s in session.execute(query)]

    artists = _top((name, n, s) for name, n, s in tallies(PlayRow.artist) if name)
    shows = _top(
        (f"{artist} {album}".strip(), int(n), float(seconds or 0))
        for artist, album, n, seconds in session.execute(
            select(
                PlayRow.artist,
                PlayRow.album,
                func.count(PlayRow.id),
                func.sum(PlayRow.seconds_played),
            )
            .where(heard, PlayRow.album != "")
            .group_by(PlayRow.artist, PlayRow.album)
        )
    )
    songs = _top(
        (_SEGUE.sub("", name).strip(), n, s) for name, n, s in tallies(PlayRow.title) if name
    )
    years: list[tuple[str, int, float]] = []
    venues: list[tuple[str, int, float]] = []
    for album, n, s in tallies(PlayRow.album):
        if (dated := _DATED.match(album)) is not None:
            years.append((dated[1], n, s))
            venues.append((dated[2].split(",")[0].strip(), n, s))
    ended = {"finished": 0, "skipped": 0, "partly": 0}
    for completed, skipped, n in session.execute(
        select(PlayRow.completed, PlayRow.skipped, func.count(PlayRow.id))
        .where(heard)
        .group_by(PlayRow.completed, PlayRow.skipped)
    ):
        ended["finished" if completed else "skipped" if skipped else "partly"] += int(n)
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finished, size in session.execute(
        select(DownloadRow.finished_at, DownloadRow.size).where(
            DownloadRow.state == DownloadState.DONE.value, DownloadRow.finished_at.is_not(None)
        )
    ):
        month = time.strftime("%Y-%m", time.localtime(finished))
        by_month[month][0] += 1
        by_month[month][1] += int(size or 0)
    return ListeningStats(
        weeks=tuple(round(h, 2) for h in hours),
        artists=artists,
        shows=shows,
        songs=songs,
        years=tuple(sorted(_merged(years), key=lambda t: t.name)),
        venues=_top(venues),
        finished=ended["finished"],
        skipped=ended["skipped"],
        partly=ended["partly"],
        downloads=tuple((m, v[0], v[1]) for m, v in sorted(by_month.items())),
    )


def _merged(rows: Iterable[tuple[str, int, float]]) -> tuple[Tally, ...]:
    """Rows of one name together (titles that differ only by a segue arrow, say)."""
    plays: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    for name, n, s in rows:
        key = name.casefold()
        names.setdefault(key, name)
        plays[key] += n
        seconds[key] += s
    return tuple(Tally(names[k], plays[k], seconds[k]) for k in names)


def _top(rows: Iterable[tuple[str, int, float]]) -> tuple[Tally, ...]:
    """The ten played the longest."""
    merged = _merged(rows)
    return tuple(sorted(merged, key=lambda t: (-t.seconds, -t.plays, t.name))[:TOP])
