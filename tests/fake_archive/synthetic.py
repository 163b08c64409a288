"""SYNTHETIC shows for the shapes the real fixtures lack.

Each is written here, by hand, in the archive's own shape and escaping (entities in track
titles and venues, HTML notes with a setlist), and is marked synthetic in its identifier. The
real bodies in ``../shared/fixtures/archive`` are never edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_archive.audio import synthesise

if TYPE_CHECKING:
    from tests.fake_archive.server import FakeArchive, Item

ARTIST = "Synthetic Band"

#: Three discs, but two sets and an encore that cross the disc breaks; entities in the titles,
#: the venue and the notes, the way the archive sends what people typed.
CROSSING = "sb1977-05-08.sbd.synthetic"
CROSSING_TRACKS = {
    "sb77-05-08d1t01.flac": "Minglewood Blues",
    "sb77-05-08d1t02.flac": "Loser",
    "sb77-05-08d1t03.flac": "El Paso",
    "sb77-05-08d2t01.flac": "Jack Straw",
    "sb77-05-08d2t02.flac": "Scarlet Begonias -&gt;",
    "sb77-05-08d2t03.flac": "Fire On The Mountain",
    "sb77-05-08d3t01.flac": "Estimated Prophet &gt;",
    "sb77-05-08d3t02.flac": "Morning Dew",
    "sb77-05-08d3t03.flac": "One More Saturday Night",
}
CROSSING_METADATA = {
    "creator": ARTIST,
    "collection": ["SyntheticBand", "etree"],
    "date": "1977-05-08",
    "venue": "Barton Hall &amp; Co",
    "coverage": "Ithaca, NY",
    "title": "Synthetic Band Live at Barton Hall &amp; Co on 1977-05-08",
    "source": "SBD &gt; Reel &gt; DAT",
    "taper": "John Doe &lt;jdoe@aol.com&gt;",
    "description": (
        '<div class="b1 set"><span>Set I</span><div class="set_info"><span>Minglewood Blues'
        "<br />Loser<br />El Paso<br />Jack Straw</span></div></div>"
        '<div class="b2 set"><span>Set II</span><div class="set_info"><span>'
        "Scarlet Begonias -&gt;<br />Fire On The Mountain<br />Estimated Prophet &gt;<br />"
        "Morning Dew</span></div></div><p>E: One More Saturday Night</p>"
        "<!-- hidden editor note --><script>alert('x')</script>"
    ),
    "notes": (
        "Taped by John Doe &lt;jdoe@aol.com&gt;; 1 &lt; 2 ... Scarlet -&gt; Fire<br />"
        "Thanks to Barton Hall &amp; Co."
    ),
}

#: One set and an encore on two discs: the encore is typed into the last title.
ONE_SET = "sb1977-05-09.aud.synthetic"
ONE_SET_TRACKS = {
    "sb77-05-09d1t01.flac": "Bertha",
    "sb77-05-09d1t02.flac": "Me &amp; My Uncle",
    "sb77-05-09d2t01.flac": "Dark Star -&gt;",
    "sb77-05-09d2t02.flac": "E: Johnny B. Goode",
}
ONE_SET_METADATA = {
    "creator": ARTIST,
    "collection": ["SyntheticBand", "etree"],
    "date": "1977-05-09",
    "venue": "Buffalo Memorial Auditorium",
    "coverage": "Buffalo, NY",
    "title": "Synthetic Band Live at Buffalo Memorial Auditorium on 1977-05-09",
    "source": "AUD",
    "description": "Bertha, Me &amp; My Uncle, Dark Star-&gt; ENC: Johnny B. Goode",
}


def add_show(
    archive: FakeArchive,
    identifier: str,
    metadata: dict[str, Any],
    tracks: dict[str, str],
    *,
    seconds: float = 0.5,
) -> Item:
    """Serve a synthetic show (searchable until the archive's next reset), Flac tracks with
    their titles as given, and an info text."""
    files = {name: synthesise({"name": name, "format": "Flac"}, seconds) for name in tracks}
    files[f"{identifier}.txt"] = b"synthetic show\n"
    return archive.add_item(
        identifier,
        metadata,
        files,
        extra={name: {"title": title} for name, title in tracks.items()},
        searchable=True,
    )


def add_shows(archive: FakeArchive) -> None:
    add_show(archive, CROSSING, CROSSING_METADATA, CROSSING_TRACKS)
    add_show(archive, ONE_SET, ONE_SET_METADATA, ONE_SET_TRACKS)
