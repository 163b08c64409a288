"""The text layer: archive text decoded once, every word kept, nothing a terminal obeys."""

from __future__ import annotations

import html
import json
import re

import pytest

from engine.archive.concerts import recording_from_metadata
from engine.archive.text import block_text, line_text
from engine.models import to_data
from tests.fake_archive.corpus import fixtures_dir, load_body

ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)


def test_titles_and_places_are_decoded_once() -> None:
    assert line_text("Scarlet Begonias -&gt;") == "Scarlet Begonias ->"
    assert line_text("Barton Hall &amp; Co") == "Barton Hall & Co"
    assert line_text("Around And Around &gt;") == "Around And Around >"
    # Once: what was escaped twice shows the escape the uploader typed, not a second decode.
    assert line_text("AT&amp;amp;T") == "AT&amp;T"
    assert line_text("  two\nlines  <b>bold</b> ") == "two lines bold"


def test_text_that_only_looks_like_html_is_kept() -> None:
    assert block_text("John Doe &lt;jdoe@aol.com&gt;") == "John Doe <jdoe@aol.com>"
    assert block_text("1 &lt; 2 ... Scarlet -&gt; Fire") == "1 < 2 ... Scarlet -> Fire"
    assert block_text("mail <jdoe@aol.com> or 1 < 2 and x<3") == (
        "mail <jdoe@aol.com> or 1 < 2 and x<3"
    )
    assert line_text("Jam <with> friends") == "Jam <with> friends"


def test_block_tags_break_lines_comments_scripts_and_styles_go() -> None:
    text = block_text(
        '<div class="b1 set"><span>Set I</span><div class="set_info"><span>Shakedown Street'
        "<br />Hell In A Bucket &gt;<br />Sugaree</span></div></div><p>Taped by <b>Don</b></p>"
        "<!-- an editor's note --><script>var x = '<b>';</script><style>p {}</style><p>end</p>"
    )
    assert text.splitlines() == [
        "Set I",
        "Shakedown Street",
        "Hell In A Bucket >",
        "Sugaree",
        "Taped by Don",
        "",
        "end",
    ]
    assert block_text("<span>Set I</span><div>Shakedown") == "Set I\nShakedown"
    # A newline typed after <br /> is the same break; indents of plain text stay.
    assert block_text("a<br />\n  b<br /><br />c") == "a\n  b\n\nc"


def test_controls_and_bidi_overrides_never_pass() -> None:
    hostile = "\x1b[2J\x1b[31mRED\x00\x07\x08\x7f\x9b\u202eevil\u2066 &#27;]0;title&#7;"
    assert line_text(hostile) == "[2J[31mREDevil ]0;title"
    assert block_text("one\r\ntwo\rthree\u2028four\tfive") == "one\ntwo\nthree\nfour five"


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (fixtures_dir() / "metadata").glob("*.json")),
)
def test_real_bodies_keep_every_word_and_no_entity(name: str) -> None:
    body = load_body(fixtures_dir() / "metadata" / name)
    recording = recording_from_metadata(body, "http://archive.test")
    if recording is None:
        return
    meta = body["metadata"]
    for field, shown in (("description", recording.description), ("notes", recording.notes)):
        raw = meta.get(field) or ""
        raw = "\n".join(raw) if isinstance(raw, list) else raw
        # The words of the source: comments, scripts and styles and then tags taken out,
        # entities decoded. All of them are shown, in order.
        raw = re.sub(r"(?is)<!--.*?-->|<(script|style)\b.*?</\1\s*>", " ", raw)
        source_words = _words(html.unescape(re.sub(r"<[a-zA-Z/!][^>]*>", " ", raw)))
        assert source_words == _words(shown), field
    data = json.dumps(to_data(recording), ensure_ascii=False)
    assert not ENTITY.search(data), ENTITY.search(data)
