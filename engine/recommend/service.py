"""The recommender as the engine uses it: the fitted index kept on disk and refitted in
another process when the catalog has changed, picks with reasons, the discover screen's rows,
"describe it", and radio's next concert.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import create_engine, delete, select

from engine.catalog import store
from engine.keys import artist_key
from engine.models import (
    SOURCE_KIND_WORDS,
    Description,
    Discover,
    DiscoverRow,
    ImportResult,
    Pick,
    Recording,
)
from engine.recommend import describe as describing, imports, index_path
from engine.recommend.scorer import KINDS, Index, Scored, Scorer, build_index
from engine.recommend.signals import Taste, most_played, read_taste, recently_played
from engine.storage.repository import recording_summary
from engine.storage.schema import (
    CatalogItemRow,
    CatalogStateRow,
    ImportedArtistRow,
    RecordingRow,
    ReviewRow,
    TrackRow,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from sqlalchemy.orm import Session

    from engine.storage.database import Database

log = logging.getLogger(__name__)

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
NEW_DAYS = 60  # "new in the archive": added this many days ago or less
GEM_MIN_STARS = 4.2
GEM_MIN_REVIEWS = 2
GEM_DOWNLOADS_QUANTILE = 0.3  # hidden: fewer downloads than 70% of the catalog
RADIO_RECENT_DAYS = 30  # radio does not pick a recording played this recently


def fingerprint(session: Session) -> str:
    """What the index was fitted on: the catalog's last full pass, its newest change and
    how many recordings it has numbered; "" without a catalog."""
    state = session.get(CatalogStateRow, 1)
    if state is None or not state.next_number:
        return ""
    return f"{state.last_full or 0:.0f}:{state.high_water}:{state.next_number}"


def catalog_rows(session: Session) -> list[dict[str, Any]]:
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


def fit_to_file(db_url: str, path: str, threads: int) -> str:
    """Read the catalog, fit, save (in a process of its own, so the app's loop and its
    screen never wait on the fit). Returns the fingerprint fitted."""
    engine = create_engine(db_url)
    try:
        from sqlalchemy.orm import Session as SyncSession

        with SyncSession(engine) as session:
            found = fingerprint(session)
            rows = catalog_rows(session)
            reviewed = well_reviewed(session)
            texts = cached_texts(session)
    finally:
        engine.dispose()
    index = build_index(rows, fingerprint=found, threads=threads, reviewed=reviewed, texts=texts)
    index.save(Path(path))
    return found


class Recommender:
    def __init__(
        self, database: Database, data_dir: Path, *, threads: int = 2, in_process: bool = False
    ) -> None:
        """``in_process``: fit on a thread of this process instead of a process of its own
        (for tests and benchmarks that measure the fit itself)."""
        self._database = database
        self.path = index_path(data_dir)
        self._threads = threads
        # A database in memory is this process's alone: the fit cannot read it from another.
        self._in_process = in_process or ":memory:" in database.url
        self._scorer: Scorer | None = None
        self._fitting: asyncio.Task[Scorer | None] | None = None
        self.refits = 0

    # --- the index -----------------------------------------------------------------------

    async def scorer(self, *, wait: bool = True) -> Scorer | None:
        """The scorer over the newest index: the one in memory, else the saved one, else a
        fit now (``wait``) or None while one runs. A saved index of an older catalog is used
        while a refit runs in the background."""
        current = await self._database.run(fingerprint)
        if not current:
            return None
        if self._scorer is None:
            index = await asyncio.to_thread(Index.load, self.path)
            if index is not None:
                self._scorer = Scorer(index)
        if self._scorer is not None and self._scorer.index.fingerprint == current:
            return self._scorer
        task = self.refit()
        if self._scorer is not None or not wait:
            return self._scorer
        return await task

    def refit(self) -> asyncio.Task[Scorer | None]:
        """Fit again in the background (one fit at a time); the task gives the new scorer."""
        if self._fitting is None or self._fitting.done():
            self._fitting = asyncio.get_running_loop().create_task(self._fit())
        return self._fitting

    async def _fit(self) -> Scorer | None:
        started = time.perf_counter()
        try:
            if self._in_process:
                await asyncio.to_thread(
                    fit_to_file, self._database.url, str(self.path), self._threads
                )
            else:
                await self._fit_in_child()
        except Exception:
            log.exception("the recommender's fit failed")
            return self._scorer
        index = await asyncio.to_thread(Index.load, self.path)
        if index is not None:
            self._scorer = Scorer(index)
            self.refits += 1
            log.info(
                "recommender fitted on %d recordings, %d favourite lists, in %.1f s",
                len(index),
                index.favourite_lists,
                time.perf_counter() - started,
            )
        return self._scorer

    async def _fit_in_child(self) -> None:
        """``python -m engine.recommend.fit`` with the database and the file on its stdin
        (a PostgreSQL password stays out of the process list); killed if this is cancelled."""
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "engine.recommend.fit",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        order = {"db_url": self._database.url, "path": str(self.path), "threads": self._threads}
        try:
            _, error = await child.communicate(json.dumps(order).encode())
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
            raise
        if child.returncode != 0:
            raise RuntimeError(error.decode(errors="replace").strip()[-2000:])

    async def close(self) -> None:
        if self._fitting is not None and not self._fitting.done():
            self._fitting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._fitting

    # --- picks ---------------------------------------------------------------------------

    async def taste(self) -> Taste:
        return await self._database.run(read_taste)

    async def _recordings(self, identifiers: Sequence[str]) -> dict[str, Recording]:
        def read(session: Session) -> dict[str, Recording]:
            found: dict[str, Recording] = {}
            wanted = list(dict.fromkeys(identifiers))
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                query = select(*store._SUMMARY).where(CatalogItemRow.identifier.in_(part))
                for row in session.execute(query).mappings():
                    found[row["identifier"]] = store.recording(row)
            missing = [i for i in wanted if i not in found]
            if missing:
                rows = session.execute(
                    select(RecordingRow).where(RecordingRow.identifier.in_(missing))
                ).scalars()
                for r in rows:
                    found[r.identifier] = recording_summary(r)
            return found

        return await self._database.run(read)

    async def _picks(
        self,
        scorer: Scorer,
        chosen: Iterable[int],
        scored: Scored,
        taste: Taste,
        lead: Mapping[int, tuple[str, ...]] | None = None,
    ) -> tuple[Pick, ...]:
        chosen = list(chosen)
        index = scorer.index
        recordings = await self._recordings([index.identifiers[i] for i in chosen])
        picks = []
        for i in chosen:
            recording = recordings.get(index.identifiers[i])
            if recording is None:
                continue  # gone from the catalog since the fit
            first = list((lead or {}).get(i, ()))
            reasons = first + [
                r for r in scorer.reasons(i, scored, taste) if not any(r in said for said in first)
            ]
            picks.append(Pick(recording, float(scored.total[i]), tuple(reasons[:3])))
        return tuple(picks)

    async def recommend(self, limit: int = 20, *, now: float | None = None) -> tuple[Pick, ...]:
        scorer = await self.scorer()
        if scorer is None:
            return ()
        taste = await self.taste()
        scored = await asyncio.to_thread(scorer.score, taste, now=now)
        chosen = await asyncio.to_thread(scorer.top, scored, limit)
        return await self._picks(scorer, chosen, scored, taste)

    async def discover(self, per_row: int = 10, *, now: float | None = None) -> Discover:
        taste = await self.taste()
        yours = await self._yours(taste, per_row)
        scorer = await self.scorer()
        if scorer is None:
            note = "Sync the catalog (U) for recommendations: they are scored on it, locally."
            return Discover(tuple(yours), cold_start=taste.empty, note=note)
        rows = list(yours)
        for key, title, why, chosen, scored, lead in await asyncio.to_thread(
            self._scored_rows, scorer, taste, per_row, now
        ):
            picks = await self._picks(scorer, chosen, scored, taste, lead=lead)
            if picks:
                rows.append(DiscoverRow(key, title, why, picks))
        note = ""
        if taste.empty:
            note = (
                "Nothing played yet: these are well-rated recordings and this day's concerts. "
                "Play, favourite or like a few and the picks become yours."
            )
        return Discover(tuple(rows), cold_start=taste.empty, note=note)

    def _scored_rows(
        self, scorer: Scorer, taste: Taste, per_row: int, now: float | None
    ) -> list[tuple[str, str, str, list[int], Scored, dict[int, tuple[str, ...]]]]:
        """The scored rows, each ``(key, title, why, chosen, scores, leading reasons)``; a
        recording shown in one row is not shown again in a later one."""
        index = scorer.index
        scored = scorer.score(taste, now=now)
        shown = np.zeros(len(index), dtype=bool)
        out: list[tuple[str, str, str, list[int], Scored, dict[int, tuple[str, ...]]]] = []

        def row(
            key: str,
            title: str,
            why: str,
            mask: np.ndarray | None = None,
            *,
            scores: Scored = scored,
            extra: np.ndarray | None = None,
            lead: Callable[[int], tuple[str, ...]] = lambda i: (),
        ) -> None:
            allowed = ~shown if mask is None else (mask & ~shown)
            chosen = scorer.top(scores, per_row, mask=allowed, extra=extra)
            shown[chosen] = True
            out.append((key, title, why, chosen, scores, {i: lead(i) for i in chosen}))

        today = time.localtime(now if now is not None else time.time())
        on_day = (index.month == today.tm_mon) & (index.day == today.tm_mday)
        if taste.empty:
            # Nothing to go on: the rating alone, this day's concerts in their own row.
            row(
                "for-you",
                "Well rated",
                "no listening yet: the best-rated recordings",
                ~on_day,
                extra=2.0 * index.quality - scored.total,
            )
        else:
            row("for-you", "For you", "scored on your listening")
            seed = self._seed(taste, index)
            if seed is not None:
                because = scorer.because(seed, taste)
                row(
                    "because",
                    because[0].upper() + because[1:],
                    "alike in listeners and in kind",
                    scores=self._similar(scorer, seed, scored),
                    lead=lambda i: (because,),
                )
        if on_day.any():
            row(
                "on-this-day",
                "On this day",
                f"played on {time.strftime('%B %-d', today)}",
                on_day,
                lead=lambda i: (f"on this day in {int(index.year[i])}",),
            )
        known = index.downloads >= 0
        if known.any():
            few = index.downloads <= np.quantile(index.downloads[known], GEM_DOWNLOADS_QUANTILE)
            rated = (index.reviews >= GEM_MIN_REVIEWS) & (
                np.nan_to_num(index.rating) >= GEM_MIN_STARS
            )
            row(
                "hidden-gems",
                "Hidden gems",
                "well rated, seldom downloaded",
                known & few & rated,
                extra=-scored.parts["popularity"],
                lead=lambda i: (
                    f"{scorer.quality_words(i)}, downloaded only {int(index.downloads[i]):,} times",
                ),
            )
        new = index.added >= (time.time() if now is None else now) / 86_400 - NEW_DAYS
        theirs = self._their_artists(taste, index)
        if theirs.size:
            new &= np.isin(index.artist, theirs)
        row(
            "new",
            "New in the archive",
            "recently added, by artists you play" if theirs.size else "recently added",
            new,
            lead=lambda i: (f"new in the archive: added {self._added(index, i)}",),
        )
        return out

    @staticmethod
    def _added(index: Index, i: int) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(int(index.added[i]) * 86_400))

    @staticmethod
    def _their_artists(taste: Taste, index: Index) -> np.ndarray:
        found = {
            index.artist[index.position[i]]
            for i, w in taste.items.items()
            if w > 0 and i in index.position
        }
        found |= {
            index.by_artist_key[k]
            for k, w in taste.artists.items()
            if w > 0 and k in index.by_artist_key
        }
        return np.asarray(sorted(found), dtype=np.int32)

    @staticmethod
    def _seed(taste: Taste, index: Index) -> int | None:
        """The recording "because you played" starts from: the last one heard."""
        for identifier in sorted(taste.last_played, key=lambda i: -taste.last_played[i]):
            if taste.items.get(identifier, 0) > 0 and identifier in index.position:
                return index.position[identifier]
        return None

    @staticmethod
    def _similar(scorer: Scorer, seed: int, scored: Scored) -> Scored:
        """Scores for recordings like ``seed``: its neighbours in listeners and in kind."""
        index = scorer.index
        parts: dict[str, np.ndarray] = {}
        from engine.recommend.scorer import zscore

        if index.factors is not None:
            parts["collaborative"] = zscore(index.factors @ index.factors[seed])
        parts["content"] = zscore(
            np.asarray((index.features @ index.features[seed].T).todense()).ravel()
        )
        parts["quality"] = 0.35 * index.quality
        total = sum(parts.values(), np.zeros(len(index), dtype=np.float32))
        return Scored(total=total, parts=parts, own={seed: 1.0}, excluded=scored.excluded)

    async def _yours(self, taste: Taste, per_row: int) -> list[DiscoverRow]:
        recent = await self._database.run(lambda s: recently_played(s, per_row))
        most = await self._database.run(lambda s: most_played(s, per_row))
        favourites = taste.favourites[:per_row]
        recordings = await self._recordings(
            favourites + [i for i, _ in recent] + [i for i, _ in most]
        )
        rows = []

        def picks(items: Iterable[tuple[str, str]]) -> tuple[Pick, ...]:
            return tuple(Pick(recordings[i], 0.0, (why,)) for i, why in items if i in recordings)

        if favourites:
            rows.append(
                DiscoverRow(
                    "favourites",
                    "Your favourites",
                    "marked ♥",
                    picks((i, "a favourite") for i in favourites),
                )
            )
        if recent:
            rows.append(
                DiscoverRow(
                    "recent",
                    "Recently played",
                    "newest first",
                    picks(
                        (i, "played " + time.strftime("%Y-%m-%d %H:%M", time.localtime(t)))
                        for i, t in recent
                    ),
                )
            )
        if most:
            rows.append(
                DiscoverRow(
                    "most-played",
                    "Most played",
                    "heard to the end most often",
                    picks((i, f"played {n} time{'s' if n != 1 else ''}") for i, n in most),
                )
            )
        return rows

    # --- describe it ---------------------------------------------------------------------

    async def describe(
        self, text: str, limit: int = 20, *, now: float | None = None
    ) -> Description:
        scorer = await self.scorer()
        if scorer is None:
            return Description(text, (("not understood", ("no catalog yet: sync it with U",)),))
        taste = await self.taste()
        songs = await self._database.run(_song_titles)
        index = scorer.index
        reading = await asyncio.to_thread(describing.read, text, index, songs)
        with_songs: dict[int, int] = {}
        if reading.songs:
            with_songs = await self._database.run(
                lambda s: _recordings_with(s, index, reading.songs)
            )

        def rank() -> tuple[Scored, list[int], dict[int, tuple[str, ...]]]:
            scored = scorer.score(taste, now=now)
            match = describing.match_scores(
                reading, index, with_songs, describing.mood_columns(reading, index)
            )
            # What matches more of the description comes first; among those that match as
            # much, the person's own score and the rating decide (varied as ever). Their own
            # recordings may come back here: a description asks for what fits it.
            scored.excluded[:] = False
            for identifier in taste.hidden:
                if identifier in index.position:
                    scored.excluded[index.position[identifier]] = True
            chosen: list[int] = []
            levels = np.unique(match[match > 0])[::-1] if match.any() else [None]
            for level in levels:
                mask = None if level is None else np.isclose(match, level)
                chosen += scorer.top(scored, limit - len(chosen), mask=mask)
                if len(chosen) >= limit:
                    break
            lead = {i: _match_words(scorer, reading, i, with_songs) for i in chosen}
            return scored, chosen, lead

        scored, chosen, lead = await asyncio.to_thread(rank)
        picks = await self._picks(scorer, chosen, scored, taste, lead=lead)
        return Description(text, reading.words(index), picks)

    # --- radio ---------------------------------------------------------------------------

    async def next_for_radio(self, avoid: Iterable[str] = ()) -> Pick | None:
        """The best pick not played in the last weeks and not in ``avoid`` (the queue)."""
        scorer = await self.scorer()
        if scorer is None:
            return None
        taste = await self.taste()
        index = scorer.index
        scored = await asyncio.to_thread(scorer.score, taste)
        recent = time.time() - RADIO_RECENT_DAYS * 86_400
        for identifier in avoid:
            if identifier in index.position:
                scored.excluded[index.position[identifier]] = True
        for identifier, when in taste.last_played.items():
            if when >= recent and identifier in index.position:
                scored.excluded[index.position[identifier]] = True
        # Played long ago and liked: radio may bring it back, so only recent plays are out.
        for identifier, weight in taste.items.items():
            if weight < 0 and identifier in index.position:
                scored.excluded[index.position[identifier]] = True
        chosen = scorer.top(scored, 1)
        picks = await self._picks(scorer, chosen, scored, taste)
        return picks[0] if picks else None

    # --- imported history ----------------------------------------------------------------

    async def import_history(self, path: Path) -> ImportResult:
        history = await asyncio.to_thread(imports.read_history, path)
        names = await self._database.run(_artist_names)
        # Archive artists by normalised name -> the key recordings are grouped by.
        known = {imports.normalised(name): key for key, name in names.items()}
        known.pop("", None)
        matches = await asyncio.to_thread(imports.match_artists, list(history.plays), known)

        def write(session: Session) -> None:
            session.execute(
                delete(ImportedArtistRow).where(ImportedArtistRow.source == history.source)
            )
            for name, plays in history.plays.items():
                session.add(
                    ImportedArtistRow(
                        source=history.source,
                        name=name[:500],
                        artist_key=imports.normalised(name)[:500],
                        matched=matches.get(name, ""),
                        plays=plays,
                        last_played=history.last.get(name),
                    )
                )

        await self._database.run(write)
        top = sorted(
            ((name, names.get(key, key), history.plays[name]) for name, key in matches.items()),
            key=lambda t: -t[2],
        )
        return ImportResult(
            source=history.source,
            listens=history.listens,
            artists=len(history.plays),
            matched=len(matches),
            top=tuple(top[:10]),
        )


def _artist_names(session: Session) -> dict[str, str]:
    """The archive's artists by the key recordings are grouped by: those of the catalog and
    of the recordings seen so far."""
    names: dict[str, str] = {}
    for (name,) in session.execute(select(CatalogItemRow.artist).distinct()):
        names.setdefault(artist_key(name), name)
    for (name,) in session.execute(select(RecordingRow.artist).distinct()):
        names.setdefault(artist_key(name), name)
    return names


def _song_titles(session: Session) -> list[str]:
    query = select(TrackRow.title).where(TrackRow.title != "").limit(200_000)
    return [t for t in session.scalars(query)]


def _recordings_with(session: Session, index: Index, songs: Sequence[str]) -> dict[int, int]:
    """Recordings (positions in ``index``) whose cached tracks hold the songs, with how many
    of them each holds."""
    found: dict[int, set[str]] = {}
    for song in songs:
        query = (
            select(RecordingRow.identifier)
            .join(TrackRow, TrackRow.recording_id == RecordingRow.id)
            .where(TrackRow.title == song)
            .distinct()
        )
        for identifier in session.scalars(query):
            if identifier in index.position:
                found.setdefault(index.position[identifier], set()).add(song)
    return {i: len(s) for i, s in found.items()}


def _match_words(
    scorer: Scorer, reading: describing.Reading, i: int, with_songs: dict[int, int]
) -> tuple[str, ...]:
    index = scorer.index
    parts = []
    if reading.years and int(index.year[i]) in reading.years:
        parts.append(str(int(index.year[i])))
    kind = SOURCE_KIND_WORDS.get(KINDS[int(index.kind[i])])
    if reading.kinds and KINDS[int(index.kind[i])] in reading.kinds and kind:
        parts.append(kind)
    if (reading.states and index.states[index.state[i]] in reading.states) or (
        int(index.city[i]) in reading.cities
    ):
        parts.append(index.cities[index.city[i]])
    if reading.artists and int(index.artist[i]) in reading.artists:
        parts.append(index.artists[index.artist[i]])
    if with_songs.get(i):
        parts.append(f"{with_songs[i]} of the songs")
    return (f"matches: {', '.join(parts)}",) if parts else ()
