"""The parsing layer against every shape archive.org sends."""

from __future__ import annotations

import pytest

from engine import ArchiveResponseError, PartialDate
from engine.archive.parse import (
    as_float,
    as_int,
    as_list,
    as_str,
    date_from_identifier,
    load_json,
    parse_date,
    parse_length,
    parse_runtime,
)
from engine.archive.text import block_text
from tests.fake_archive.corpus import fixtures_dir


def test_string_or_list_fields() -> None:
    assert as_list("Grateful Dead") == ["Grateful Dead"]
    assert as_list(["etree", "GratefulDead", "etree", "etree"]) == ["etree", "GratefulDead"]
    assert as_list(None) == []
    assert as_list("Soundboard;Ultramatrix; Charlie Miller", split=";") == [
        "Soundboard",
        "Ultramatrix",
        "Charlie Miller",
    ]
    assert as_str(["Vicki Dale", "The Peter Pan Orchestra"]) == "Vicki Dale"
    assert as_str(["a", "b"], joiner="; ") == "a; b"
    assert as_str(None) == ""


def test_numbers_as_strings_or_numbers() -> None:
    assert as_int("3") == 3 == as_int(3)
    assert as_int("1973") == 1973 == as_int(1973)
    assert as_int("41485108") == 41485108
    assert as_int("") is None and as_int("abc") is None and as_int(True) is None
    assert as_float("4.5") == 4.5 and as_float(None) is None and as_float("nan") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1977-05-08", PartialDate(1977, 5, 8)),
        ("2000-09-27T00:00:00Z", PartialDate(2000, 9, 27)),
        ("1977-05-00", PartialDate(1977, 5, None)),
        ("1977-XX-XX", PartialDate(1977, None, None)),
        ("1977-00-00", PartialDate(1977, None, None)),
        ("1953", PartialDate(1953)),
        (["1977-05-08"], PartialDate(1977, 5, 8)),
        ("sometime", None),
        (None, None),
    ],
)
def test_partial_dates(raw: object, expected: PartialDate | None) -> None:
    assert parse_date(raw) == expected


def test_partial_date_text_and_order() -> None:
    assert str(PartialDate(1977, 5, None)) == "1977-05-??"
    assert PartialDate(1977, None).sort_key < PartialDate(1977, 1, 1).sort_key


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("gd77-05-08.sbd.hicks.4982.sbeok.shnf", PartialDate(1977, 5, 8)),
        ("gd1977-05-08.aud.foo", PartialDate(1977, 5, 8)),
        ("sci2007-07-28.Schoeps", PartialDate(2007, 7, 28)),
        ("phish03-xx-xx.sbd", PartialDate(2003)),
        ("no-date-here", None),
    ],
)
def test_dates_from_identifiers(identifier: str, expected: PartialDate | None) -> None:
    assert date_from_identifier(identifier) == expected


def test_lengths_and_runtimes() -> None:
    assert parse_length("333.22") == pytest.approx(333.22)
    assert parse_length("05:33") == 333
    assert parse_length("1:02:03") == 3723
    assert parse_length("0") is None and parse_length("") is None and parse_length("n/a") is None
    assert parse_runtime("193:15.38") == pytest.approx(193 * 60 + 15.38)
    assert parse_runtime("245 Mins.") == 245 * 60
    assert parse_runtime("1:02:03") == 3723
    assert parse_runtime("soon") is None


def test_html_in_descriptions() -> None:
    text = block_text(
        "<p>Set 1:</p><ul><li>Bertha</li><li>Me &amp; My Uncle</li></ul>Encore<br/>U.S. Blues&nbsp;!"
    )
    assert text.splitlines() == ["Set 1:", "Bertha", "Me & My Uncle", "Encore", "U.S. Blues !"]


def test_load_json_drops_comment_lines_from_hand_captured_bodies() -> None:
    body = (
        fixtures_dir() / "search" / "etree-artist-collections.WITH-COMMENT-LINE.json"
    ).read_bytes()
    assert body.startswith(b"//")
    assert load_json(body)["response"]["numFound"] == 7579


def test_plain_text_labelled_json_is_a_clear_error() -> None:
    with pytest.raises(ArchiveResponseError, match="10,000"):
        load_json(b"[RANGE_OUT_OF_BOUNDS] too far")
    with pytest.raises(ArchiveResponseError, match="expected JSON"):
        load_json(b"<html>Bad gateway</html>")
    with pytest.raises(ArchiveResponseError, match="malformed JSON"):
        load_json(b'{"response": {"docs": [')
    with pytest.raises(ArchiveResponseError, match="empty"):
        load_json(b"  ")


def test_missing_item_body_is_empty_object() -> None:
    assert (
        load_json((fixtures_dir() / "metadata" / "missing-item-empty-body.json").read_bytes()) == {}
    )
