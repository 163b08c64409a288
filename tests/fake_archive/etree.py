"""A synthetic etree at real scale: 250,000 recordings over 2,000 artists, for catalog syncs,
local search and their benchmarks.

Deterministic (a seed), shaped like the real search docs in ``../shared/fixtures/archive`` (a
string or a list where the archive gives either, dates as ``YYYY-MM-DDT00:00:00Z``, numbers as
numbers or strings), and addressed by position: ``doc(i)`` builds the i-th recording in
identifier order on demand, so 250,000 of them cost no memory until asked for.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import random
from typing import Any

WORDS = [
    "amber",
    "badger",
    "cedar",
    "delta",
    "ember",
    "falcon",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kestrel",
    "lantern",
    "meadow",
    "nimbus",
    "orchard",
    "pepper",
    "quarry",
    "raven",
    "saffron",
    "thistle",
    "umber",
    "velvet",
    "willow",
    "yarrow",
    "zephyr",
    "acorn",
    "bramble",
    "cobalt",
    "driftwood",
    "echo",
    "fable",
    "glacier",
    "hollow",
    "ivory",
    "jasper",
    "kite",
    "lotus",
    "marble",
    "nectar",
    "opal",
    "prairie",
    "quill",
    "ridge",
    "sparrow",
    "tundra",
    "upland",
    "vapor",
    "wren",
]
KINDS = ("Band", "Trio", "Quartet", "Orchestra", "Collective", "Project", "Brothers", "Revue")
VENUES = (
    "Fillmore",
    "Town Hall",
    "Red Rocks Amphitheatre",
    "Horning's Hideout",
    "The Capitol Theatre",
    "Barton Hall",
    "Club Café",
    "Winterland",
    "The Greek Theatre",
    "Music Hall",
)
CITIES = (
    "Ithaca, NY",
    "Morrison, CO",
    "North Plains, OR",
    "Port Chester, NY",
    "San Francisco, CA",
    "Berkeley, CA",
    "Chicago, IL",
    "Boston, MA",
    "Washington, DC",
    "Austin, TX",
)
SOURCES = ("Soundboard", "Audience", "Matrix", "FM Broadcast", "SBD > DAT > CD", "AUD")
SOURCE_TAGS = ("sbd", "aud", "mtx", "fm", "sbd", "aud")
FORMATS = (
    ["Flac", "VBR MP3", "Ogg Vorbis", "Text", "Metadata"],
    ["Shorten", "VBR MP3", "Ogg Vorbis", "Checksums", "Text", "Metadata"],
    ["24bit Flac", "Flac", "VBR MP3", "Metadata"],
)
FAVOURITERS = 5_000  # fav-<user> lists, the collaborative signal of the recommender
#: Every generated recording was last changed before this; ``add`` and ``change`` come after.
BASE_NEWEST = "2025-01-01T00:00:00Z"


class SyntheticEtree:
    def __init__(self, count: int = 250_000, artists: int = 2_000, seed: int = 1) -> None:
        self.seed = seed
        rng = random.Random(seed)
        names: set[str] = set()
        while len(names) < artists:
            first, second = rng.choice(WORDS), rng.choice(WORDS)
            names.add(f"{first.title()} {second.title()} {rng.choice(KINDS)}")
        # Each artist's slug starts its identifiers; letters only and sorted, so identifiers
        # sort artist by artist (a digit after a slug sorts before any letter).
        self.artists = sorted((self._slug(n), n) for n in names)
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(artists)]
        rng.shuffle(weights)
        total = sum(weights)
        counts = [max(1, int(count * w / total)) for w in weights]
        counts[-1] += count - sum(counts)
        while counts[-1] < 1:  # rounding gave the last one too little: take from the largest
            largest = max(range(artists), key=counts.__getitem__)
            counts[largest] -= 1
            counts[-1] += 1
        self.counts = counts
        self.starts = [0]
        for n in counts:
            self.starts.append(self.starts[-1] + n)
        # What happened after the generated etree: recordings added (by identifier), changed
        # (by position) and removed (darkened, moved), as ``add``, ``change`` and ``remove``.
        self.added: dict[str, dict[str, Any]] = {}
        self.changed: dict[int, dict[str, Any]] = {}
        self.removed: set[int] = set()

    def add(self, count: int, when: str) -> list[str]:
        """``count`` new recordings (of existing artists), changed at ``when``."""
        made = []
        for _ in range(count):
            n = len(self.added)
            base = dict(self.doc((n * 7_919) % len(self)))
            slug = base["identifier"].split(".")[0]
            identifier = f"{slug}.{n:05d}.new.flac16"
            base.update(
                identifier=identifier,
                title=f"{base['creator']} Live at the New Room on {base['date'][:10]}",
                venue="The New Room",
                addeddate=when.replace("T", " ").rstrip("Z"),
                publicdate=when,
                oai_updatedate=[when],
                downloads=0,
            )
            base.pop("num_reviews", None)
            base.pop("avg_rating", None)
            self.added[identifier] = base
            made.append(identifier)
        return made

    def change(self, indices: list[int], when: str) -> None:
        """A review more and some downloads for each, changed at ``when``."""
        for index in indices:
            doc = dict(self.current(index) or self.doc(index))
            doc["num_reviews"] = int(doc.get("num_reviews") or 0) + 1
            doc["avg_rating"] = 5.0
            doc["downloads"] = int(doc.get("downloads") or 0) + 1_000
            doc["oai_updatedate"] = [*doc.get("oai_updatedate", []), when]
            self.changed[index] = doc

    def remove(self, indices: list[int]) -> None:
        self.removed.update(indices)

    def current(self, index: int) -> dict[str, Any] | None:
        """The recording at ``index`` as the archive has it now: None when removed."""
        if index in self.removed:
            return None
        return self.changed.get(index) or self.doc(index)

    @staticmethod
    def _slug(name: str) -> str:
        letters = "".join(c for c in name.lower() if c.isalpha())
        digest = hashlib.sha1(name.encode()).hexdigest()
        return letters[:10] + "".join(chr(ord("a") + int(c, 16) % 26) for c in digest[:4])

    def __len__(self) -> int:
        return self.starts[-1]

    def collection_of(self, artist: int) -> str:
        slug, name = self.artists[artist]
        return "".join(part.title() for part in name.split()) + slug[-4:].upper()

    def collections(self) -> list[dict[str, Any]]:
        """The artist collections, as ``collection:etree AND mediatype:collection`` gives them."""
        return [
            {
                "identifier": self.collection_of(a),
                "title": name,
                "creator": name,
                "mediatype": "collection",
                "collection": ["etree"],
                "downloads": self.counts[a] * 37,
                "item_count": self.counts[a],
            }
            for a, (_slug, name) in enumerate(self.artists)
        ]

    def identifier(self, index: int) -> str:
        return self.doc(index)["identifier"]

    def position(self, identifier: str) -> int:
        """How many synthetic identifiers sort before ``identifier``."""
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if self.identifier(middle) < identifier:
                low = middle + 1
            else:
                high = middle
        return low

    def _when(self, index: int) -> tuple[int, int, int, int, int]:
        """The artist, the place among its recordings, and the concert's year, month, day."""
        artist = bisect.bisect_right(self.starts, index) - 1
        k = index - self.starts[artist]
        # Dates rise with k: the artist's years spread over its recordings.
        first_year = 1965 + (artist * 7) % 40
        span = 2 + (artist * 13) % 30
        day_number = int(k * span * 365 / max(1, self.counts[artist]))
        year = first_year + day_number // 365
        month = 1 + (day_number % 365) // 31
        day = min(28, 1 + (day_number % 365) % 31)  # never backwards within a month
        return artist, k, year, month, day

    def _updated(self, index: int) -> str:
        _artist, _k, _year, month, day = self._when(index)
        return f"{2003 + (index * 7919) % 22}-{month:02d}-{day:02d}T12:00:00Z"

    @functools.cached_property
    def _by_update(self) -> tuple[list[str], list[int]]:
        """Every generated recording by when it last changed (the archive's own index of
        ``oai_updatedate``), made once, without building the recordings."""
        pairs = sorted((self._updated(i), i) for i in range(len(self)))
        return [w for w, _ in pairs], [i for _, i in pairs]

    def changed_since(self, since: str) -> list[int]:
        """The generated recordings last changed at ``since`` or later (as generated: see
        ``changed`` for those changed since)."""
        times, indices = self._by_update
        return indices[bisect.bisect_left(times, since) :]

    @functools.lru_cache(maxsize=65_536)  # noqa: B019 - one etree lives as long as its server
    def doc(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        artist, k, year, month, day = self._when(index)
        slug, name = self.artists[artist]
        rng = random.Random(self.seed * 1_000_003 + index)
        date = f"{year:04d}-{month:02d}-{day:02d}"
        kind = rng.randrange(len(SOURCES))
        venue, city = rng.choice(VENUES), rng.choice(CITIES)
        reviews = rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 13, 31))
        collection = [self.collection_of(artist), "etree"]
        favourites = rng.choice((0, 0, 1, 2, 4))
        collection += [f"fav-user{rng.randrange(FAVOURITERS)}" for _ in range(favourites)]
        added = self._updated(index)[:4]
        doc: dict[str, Any] = {
            "identifier": f"{slug}{date}.{k:05d}.{SOURCE_TAGS[kind]}.flac16",
            "title": f"{name} Live at {venue} on {date}",
            "creator": name,
            "mediatype": "etree",
            "collection": collection,
            "date": f"{date}T00:00:00Z",
            "year": str(year) if rng.random() < 0.5 else year,
            "venue": venue,
            "coverage": city,
            "source": SOURCES[kind],
            "taper": rng.choice(("", "Jane Doe", "J. Smith", "Cary Wolfson", "anonymous")),
            "format": rng.choice(FORMATS),
            "item_size": rng.randrange(80_000_000, 2_000_000_000),
            "downloads": rng.randrange(0, 40_000),
            "subject": rng.choice(("Live concert", ["Live concert", "jam"], "folk;bluegrass")),
            "addeddate": f"{added}-{month:02d}-{day:02d} 12:00:00",
            "publicdate": f"{added}-{month:02d}-{day:02d}T12:00:00Z",
            "oai_updatedate": [f"{added}-{month:02d}-{day:02d}T12:00:00Z"],
        }
        if reviews:
            doc["num_reviews"] = reviews
            doc["avg_rating"] = round(rng.uniform(2.5, 5.0), 2)
        return doc
