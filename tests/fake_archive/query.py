"""A real subset of archive.org's (Lucene) query syntax, evaluated over plain dict docs.

Supported: ``field:value``, ``field:"quoted phrase"``, ``field:[a TO b]`` (``*`` open), ``field:(a OR b)``,
bare terms (any text field), ``AND``/``OR``/``NOT``/``-term``, implicit AND, parentheses,
``*``/``?`` wildcards and ``_exists_:field``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Doc = Mapping[str, Any]
Predicate = Callable[[Doc], bool]

TEXT_FIELDS = (
    "identifier",
    "title",
    "creator",
    "description",
    "venue",
    "coverage",
    "subject",
    "source",
)
EXACT_FIELDS = {"identifier", "collection", "mediatype", "format", "year", "month", "week"}


class QuerySyntaxError(ValueError):
    pass


@dataclass
class _Tok:
    kind: str  # WORD PHRASE RANGE LP RP AND OR NOT COLON MINUS
    text: str


_TOKEN = re.compile(
    r'\s*(?:(?P<phrase>"(?:[^"\\]|\\.)*")|(?P<range>[\[{][^\]}]*[\]}])|(?P<lp>\()|(?P<rp>\))'
    r"|(?P<word>[^\s():\"]+)(?P<colon>:)?)"
)


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QuerySyntaxError(f"cannot parse query at {text[pos : pos + 20]!r}")
        pos = match.end()
        if match.group("phrase"):
            raw = match.group("phrase")[1:-1]
            tokens.append(_Tok("PHRASE", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("range"):
            tokens.append(_Tok("RANGE", match.group("range")))
        elif match.group("lp"):
            tokens.append(_Tok("LP", "("))
        elif match.group("rp"):
            tokens.append(_Tok("RP", ")"))
        else:
            word = match.group("word")
            if word.startswith("-") and len(word) > 1:
                tokens.append(_Tok("NOT", "-"))
                word = word[1:]
            if match.group("colon"):
                tokens.append(_Tok("FIELD", word))
            elif word in ("AND", "&&"):
                tokens.append(_Tok("AND", word))
            elif word in ("OR", "||"):
                tokens.append(_Tok("OR", word))
            elif word == "NOT":
                tokens.append(_Tok("NOT", word))
            else:
                tokens.append(_Tok("WORD", word))
    return tokens


def _values(doc: Doc, field: str) -> list[str]:
    value = doc.get(field)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if v is not None]


def _norm_date(text: str) -> str:
    return text[:10]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _match_value(field: str | None, value: str, phrase: bool) -> Predicate:
    needle = value.casefold()
    wildcard = not phrase and any(c in value for c in "*?")
    fields = (field,) if field else TEXT_FIELDS

    def test(doc: Doc) -> bool:
        for name in fields:
            for item in _values(doc, name):
                hay = item.casefold()
                if wildcard:
                    if fnmatch.fnmatchcase(hay, needle):
                        return True
                elif name in EXACT_FIELDS and field:
                    if hay == needle or (name == "year" and hay[:4] == needle):
                        return True
                elif (name == "date" and hay.startswith(needle)) or re.search(
                    r"(?<!\w)" + re.escape(needle) + r"(?!\w)", hay
                ):
                    return True
        return False

    return test


def _match_range(field: str, text: str) -> Predicate:
    body = text[1:-1]
    parts = re.split(r"\s+TO\s+", body.strip())
    if len(parts) != 2:
        raise QuerySyntaxError(f"bad range {text!r}")
    low, high = (p.strip().strip('"') for p in parts)
    include_low, include_high = text[0] == "[", text[-1] == "]"

    def within(value: str) -> bool:
        if field == "date":
            value, lo, hi = _norm_date(value), _norm_date(low), _norm_date(high)
        else:
            lo, hi = low, high
        number, nlo, nhi = _number(value), _number(lo), _number(hi)
        if number is not None and (nlo is not None or lo == "*") and (nhi is not None or hi == "*"):
            ok_low = lo == "*" or (number >= nlo if include_low else number > nlo)  # type: ignore[operator]
            ok_high = hi == "*" or (number <= nhi if include_high else number < nhi)  # type: ignore[operator]
            return ok_low and ok_high
        ok_low = lo == "*" or (value >= lo if include_low else value > lo)
        ok_high = hi == "*" or (value <= hi if include_high else value < hi)
        return ok_low and ok_high

    return lambda doc: any(within(v) for v in _values(doc, field))


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QuerySyntaxError("empty query")
        predicate = self.or_expr(None)
        if self.peek() is not None:
            raise QuerySyntaxError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return predicate

    def or_expr(self, field: str | None) -> Predicate:
        parts = [self.and_expr(field)]
        while (token := self.peek()) and token.kind == "OR":
            self.take()
            parts.append(self.and_expr(field))
        return parts[0] if len(parts) == 1 else (lambda d: any(p(d) for p in parts))

    def and_expr(self, field: str | None) -> Predicate:
        parts = [self.not_expr(field)]
        while (token := self.peek()) and token.kind not in ("OR", "RP"):
            if token.kind == "AND":
                self.take()
            parts.append(self.not_expr(field))
        return parts[0] if len(parts) == 1 else (lambda d: all(p(d) for p in parts))

    def not_expr(self, field: str | None) -> Predicate:
        token = self.peek()
        if token and token.kind == "NOT":
            self.take()
            inner = self.not_expr(field)
            return lambda d: not inner(d)
        return self.atom(field)

    def atom(self, field: str | None) -> Predicate:
        if self.peek() is None:
            raise QuerySyntaxError("query ends too early")
        token = self.take()
        if token.kind == "LP":
            inner = self.or_expr(field)
            if not (closing := self.peek()) or closing.kind != "RP":
                raise QuerySyntaxError("missing )")
            self.take()
            return inner
        if token.kind == "FIELD":
            name = token.text
            if name == "_exists_":
                target = self.take().text
                return lambda d: bool(_values(d, target))
            if self.peek() is None:
                raise QuerySyntaxError(f"{name}: has no value")
            return self.atom(name)
        if token.kind == "RANGE":
            if not field:
                raise QuerySyntaxError("a range needs a field")
            return _match_range(field, token.text)
        if token.kind in ("WORD", "PHRASE"):
            if token.text == "*" and field:
                return lambda d: bool(_values(d, field))
            return _match_value(field, token.text, token.kind == "PHRASE")
        raise QuerySyntaxError(f"unexpected {token.text!r}")


def compile_query(text: str) -> Predicate:
    return _Parser(_tokenize(text)).parse()
