"""The recommender as the engine uses it: picks with reasons, the discover screen's rows,
"describe it", radio's next concert and an imported listening history, over the index its
keeper holds."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete

from engine.models import SOURCE_KIND_WORDS, Description, Discover, DiscoverRow, ImportResult, Pick
from engine.recommend import describe as describing, imports, queries
from engine.recommend.index import KINDS
from engine.recommend.keeper import IndexKeeper
from engine.recommend.reasons import Explainer, Reason, merged, words
from engine.recommend.rows import scored_rows
from engine.recommend.signals import Taste, read_taste
from engine.storage.schema import ImportedArtistRow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from sqlalchemy.orm import Session

    from engine.models import Recording
    from engine.recommend.index import Index
    from engine.recommend.scoring import Scored, Scorer
    from engine.storage.database import Database

RADIO_RECENT_DAYS = 30  # radio does not pick a recording played this recently


class Recommender:
    def __init__(
        self,
        database: Database,
        data_dir: Path,
        *,
        threads: int = 2,
        in_process: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock``: the time picks are made at (this day's concerts, what is new)."""
        self._database = database
        self.keeper = IndexKeeper(database, data_dir, threads=threads, in_process=in_process)
        self._clock = clock
        self._songs: tuple[tuple[int, int], list[str]] | None = None

    # --- the index -----------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.keeper.path

    @property
    def refits(self) -> int:
        return self.keeper.refits

    async def scorer(self, *, wait: bool = True) -> Scorer | None:
        return await self.keeper.scorer(wait=wait)

    def refit(self) -> asyncio.Task[Scorer | None]:
        return self.keeper.refit()

    async def close(self) -> None:
        await self.keeper.close()

    # --- picks ---------------------------------------------------------------------------

    async def taste(self) -> Taste:
        return await self._database.run(read_taste)

    async def _recordings(self, identifiers: Sequence[str]) -> dict[str, Recording]:
        return await self._database.run(lambda s: queries.recordings(s, identifiers))

    async def _picks(
        self,
        scorer: Scorer,
        chosen: Iterable[int],
        scored: Scored,
        taste: Taste,
        lead: Mapping[int, tuple[Reason, ...]] | None = None,
    ) -> tuple[Pick, ...]:
        chosen = list(chosen)
        index = scorer.index
        explainer = Explainer(index)
        recordings = await self._recordings([index.identifiers[i] for i in chosen])
        picks = []
        for i in chosen:
            recording = recordings.get(index.identifiers[i])
            if recording is None:
                continue  # gone from the catalog since the fit
            reasons = merged((lead or {}).get(i, ()), explainer.reasons(i, scored, taste))
            picks.append(Pick(recording, float(scored.total[i]), words(reasons)))
        return tuple(picks)

    async def recommend(self, limit: int = 20, *, now: float | None = None) -> tuple[Pick, ...]:
        scorer = await self.scorer()
        if scorer is None:
            return ()
        taste = await self.taste()
        scored = await asyncio.to_thread(scorer.score, taste, now=self._now(now))
        chosen = await asyncio.to_thread(scorer.top, scored, limit)
        return await self._picks(scorer, chosen, scored, taste)

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    async def discover(self, per_row: int = 10, *, now: float | None = None) -> Discover:
        taste = await self.taste()
        yours = await self._yours(taste, per_row)
        scorer = await self.scorer()
        if scorer is None:
            note = "Sync the catalog (U) for recommendations: they are scored on it, locally."
            return Discover(tuple(yours), cold_start=taste.empty, note=note)
        rows = list(yours)
        explainer = Explainer(scorer.index)
        for row in await asyncio.to_thread(
            scored_rows, scorer, explainer, taste, per_row, self._now(now)
        ):
            picks = await self._picks(scorer, row.chosen, row.scored, taste, lead=row.lead)
            if picks:
                rows.append(DiscoverRow(row.key, row.title, row.why, picks))
        note = ""
        if taste.empty:
            note = (
                "Nothing played yet: these are well-rated recordings and this day's concerts. "
                "Play, favourite or like a few and the picks become yours."
            )
        return Discover(tuple(rows), cold_start=taste.empty, note=note)

    async def _yours(self, taste: Taste, per_row: int) -> list[DiscoverRow]:
        recent = await self._database.run(lambda s: queries.recently_played(s, per_row))
        most = await self._database.run(lambda s: queries.most_played(s, per_row))
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

    async def _song_titles(self) -> list[str]:
        """The cached song titles, read again only when the cached tracks changed."""
        version = await self._database.run(queries.tracks_version)
        if self._songs is None or self._songs[0] != version:
            self._songs = (version, await self._database.run(queries.song_titles))
        return self._songs[1]

    async def describe(
        self, text: str, limit: int = 20, *, now: float | None = None
    ) -> Description:
        scorer = await self.scorer()
        if scorer is None:
            return Description(text, (("not understood", ("no catalog yet: sync it with U",)),))
        taste = await self.taste()
        songs = await self._song_titles()
        index = scorer.index
        reading = await asyncio.to_thread(describing.read, text, index, songs)
        with_songs: dict[int, int] = {}
        if reading.songs:
            found = await self._database.run(lambda s: queries.recordings_with(s, reading.songs))
            with_songs = {
                index.position[i]: len(titles) for i, titles in found.items() if i in index.position
            }
        at = self._now(now)

        def rank() -> tuple[Scored, list[int], dict[int, tuple[Reason, ...]]]:
            scored = scorer.score(taste, now=at)
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
            lead = {i: _match(index, reading, i, with_songs) for i in chosen}
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
        now = self._clock()
        scored = await asyncio.to_thread(scorer.score, taste, now=now)
        recent = now - RADIO_RECENT_DAYS * 86_400
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
        names = await self._database.run(queries.artist_names)
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


def _match(
    index: Index, reading: describing.Reading, i: int, with_songs: dict[int, int]
) -> tuple[Reason, ...]:
    """What of the description recording ``i`` matches, as its leading reason."""
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
    if not parts:
        return ()
    return (Reason("match", ", ".join(parts), f"matches: {', '.join(parts)}"),)
