"""The one text layer: archive text as people typed it, decoded once, made safe to show.

archive.org sends what uploaders typed: HTML in descriptions and notes, entities in titles
(``Scarlet Begonias -&gt;``, ``Barton Hall &amp; Co``), and now and then control characters.
Every text field read from the archive goes through ``line_text`` (one line: titles, names,
places) or ``block_text`` (notes, descriptions, reviews) exactly once, at parse time; nothing
after that unescapes or strips again.

Both run the standard library's HTML parser, so entities are decoded once and only in text, tags
go, block tags (``<br>``, ``<p>``, ``<div>``, ``<li>``...) become line breaks, comments, scripts
and styles are dropped, and text that only looks like a tag (``<jdoe@aol.com>``, ``1 < 2``) is
kept as written. Then control characters (C0 but newline, DEL, C1) and bidirectional overrides are
taken out, so nothing from the archive can move a terminal's cursor or reverse a file name.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["block_text", "clean_controls", "line_text"]


def _tag_names(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Tags that start a new line in a browser; the rest are inline and vanish.
_BLOCK_TAGS = _tag_names(
    "address article aside blockquote br center dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead "
    "tr ul"
)
_PARAGRAPH_TAGS = _tag_names("p h1 h2 h3 h4 h5 h6")
_INLINE_TAGS = _tag_names(
    "a abbr acronym b bdi bdo big blink cite code del dfn em font i img ins kbd mark nobr q s "
    "samp small span strike strong sub sup tt u var wbr col colgroup caption label legend meta "
    "link base body html head title input button select option textarea iframe object embed "
    "param source audio video picture svg"
)
_DROPPED_CONTENT = frozenset({"script", "style", "template"})

# Stand-ins for breaks while the text is assembled (private-use characters): a <br>, the end
# and the start of a paragraph, and any other block edge.
_BR, _P_END, _P_START, _EDGE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = _BR + _P_END + _P_START + _EDGE

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings, overrides, isolates and
# marks; the line and paragraph separators are turned into newlines first.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_controls(text: str) -> str:
    """``text`` without control, bidi-control or lone surrogate characters; tabs become spaces,
    and every kind of line end becomes ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x85", "\n").replace("\t", " ")
    text = _SURROGATES.sub("\ufffd", text)
    return _CONTROLS.sub("", text)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_CONTENT:
            self._dropping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(
                _BR if tag in ("br", "hr") else _P_START if tag in _PARAGRAPH_TAGS else _EDGE
            )
        elif tag not in _INLINE_TAGS and not self._dropping:
            # Not HTML: text in angle brackets, such as an e-mail address. Keep it.
            self.parts.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # <br/> is one break, not an opening and a closing

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_CONTENT:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(
                _BR if tag in ("br", "hr") else _P_END if tag in _PARAGRAPH_TAGS else _EDGE
            )
        elif tag not in _INLINE_TAGS and not self._dropping:
            self.parts.append(f"</{tag}>")


def _parse(text: str) -> str:
    parser = _TextParser()
    parser.feed(_STRAY_MARKS.sub("", clean_controls(text)))
    parser.close()
    # Entities can encode controls (&#27;), so the decoded text is cleaned again.
    return clean_controls("".join(parser.parts)).replace("\xa0", " ")


_STRAY_MARKS = re.compile(f"[{_MARKS}]")
# A run of break marks with the white space around them, but not the indent of the next line.
_BREAK_RUN = re.compile(f"[ \n]*[{_MARKS}](?:[{_MARKS} \n]*[{_MARKS}\n])?")
_TRAILING_SPACE = re.compile(r"[ ]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def block_text(value: str) -> str:
    """Readable multi-line text from archive HTML or plain text: every word kept, line breaks
    kept (a block tag is one, a run of them a blank line), entities decoded once."""
    if not value:
        return ""
    text = _parse(value)

    def breaks(match: re.Match[str]) -> str:
        # A blank line for <br><br>, </p><p> and the like; one line break for the rest. A
        # newline typed right after a <br> is the same break.
        run = match.group(0)
        lines = max(run.count(_BR), run.count("\n"))
        paragraph = _P_END in run and _P_START in run
        return "\n\n" if lines >= 2 or paragraph else "\n"

    text = _BREAK_RUN.sub(breaks, text)
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def line_text(value: str) -> str:
    """One line of text (a title, a name, a place): HTML read as in ``block_text``, every run of
    white space and every line break one space."""
    if not value:
        return ""
    return " ".join(_STRAY_MARKS.sub(" ", _parse(value)).split())
