"""The fake archive.org behaves like the real one where the client cares."""

from __future__ import annotations

import base64
import hashlib
import time

import httpx
import pytest

from tests.fake_archive import FakeArchive

GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"


def search(archive: FakeArchive, q: str, **params: object) -> dict:
    query = {"q": q, "output": "json", **{k: str(v) for k, v in params.items()}}
    response = httpx.get(f"{archive.url}/advancedsearch.php", params=query)
    assert response.status_code == 200
    return response.json()


def ids(body: dict) -> set[str]:
    return {d["identifier"] for d in body["response"]["docs"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('creator:"Grateful Dead" AND date:[1973-06-10 TO 1973-06-10]', {GD73}),
        (
            'collection:etree AND creator:"Grateful Dead" AND year:[1970 TO 1973] AND NOT coverage:washington',
            set(),
        ),
        (
            "(coverage:washington OR coverage:ithaca) AND mediatype:etree AND year:1977",
            {"gd77-05-08.sbd.hicks.4982.sbeok.shnf"},
        ),
        (
            'coverage:washington AND creator:"Grateful Dead" AND year:1970 -identifier:gd1970*',
            {"gd70-10-23.aud.wolfson.15080.sbefail.shnf"},
        ),
        ("identifier:sci2007*", {"sci2007-07-28.Schoeps"}),
    ],
)
def test_query_syntax(fake_archive: FakeArchive, query: str, expected: set[str]) -> None:
    assert ids(search(fake_archive, query, **{"fl[]": "identifier", "rows": 100})) == expected


def test_paging_sorting_and_fields(fake_archive: FakeArchive) -> None:
    q = 'collection:etree AND creator:"Grateful Dead" AND mediatype:etree'
    everything = search(
        fake_archive,
        q,
        **{"fl[0]": "identifier", "fl[1]": "date", "sort[0]": "date desc", "rows": 100},
    )
    docs = everything["response"]["docs"]
    dates = [d["date"] for d in docs if "date" in d]
    assert dates == sorted(dates, reverse=True) and len(docs) >= 5
    assert all(set(d) <= {"identifier", "date"} for d in docs)
    page2 = search(
        fake_archive, q, **{"fl[0]": "identifier", "sort[0]": "date desc", "rows": 2, "page": 2}
    )
    assert [d["identifier"] for d in page2["response"]["docs"]] == [
        d["identifier"] for d in docs[2:4]
    ]
    assert page2["response"]["numFound"] == everything["response"]["numFound"]


def test_sorted_paging_past_ten_thousand_is_text(fake_archive: FakeArchive) -> None:
    response = httpx.get(
        f"{fake_archive.url}/advancedsearch.php",
        params={"q": "collection:etree", "sort[]": "date desc", "rows": 100, "page": 101},
    )
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith("[RANGE_OUT_OF_BOUNDS]")


def test_scrape_cursor_paging(fake_archive: FakeArchive) -> None:
    url = f"{fake_archive.url}/services/search/v1/scrape"
    first = httpx.get(
        url,
        params={
            "q": "collection:etree AND mediatype:collection",
            "fields": "identifier,title",
            "count": 100,
        },
    ).json()
    assert first["total"] > 0 and "items" in first
    small = httpx.get(url, params={"q": "collection:etree", "count": 10}).json()
    assert "error" in small
    everything = httpx.get(url, params={"q": "mediatype:etree", "count": 100}).json()
    assert "cursor" not in everything  # one page holds them all
    paged = httpx.get(
        url,
        params={"q": "mediatype:etree OR mediatype:collection OR mediatype:audio", "count": 100},
    ).json()
    assert paged["total"] >= paged["count"]
    if "cursor" in paged:
        offset = int(base64.urlsafe_b64decode(paged["cursor"]).decode())
        assert offset == 100


def test_metadata_missing_item_is_empty_object(fake_archive: FakeArchive) -> None:
    response = httpx.get(f"{fake_archive.url}/metadata/no-such-item")
    assert response.status_code == 200 and response.json() == {}


def test_downloads_redirect_range_and_match_served_metadata(fake_archive: FakeArchive) -> None:
    body = httpx.get(f"{fake_archive.url}/metadata/sci2007-07-28.Schoeps").json()
    entry = next(f for f in body["files"] if f["name"] == "sci2007-07-28.Schoeps_d1t01.flac")
    url = f"{fake_archive.url}/download/sci2007-07-28.Schoeps/{entry['name']}"
    first = httpx.get(url)
    assert first.status_code == 302 and "/items/" in first.headers["location"]
    whole = httpx.get(url, follow_redirects=True)
    assert whole.status_code == 200 and whole.content[:4] == b"fLaC"
    assert len(whole.content) == int(entry["size"])
    assert hashlib.md5(whole.content).hexdigest() == entry["md5"]
    tail = httpx.get(url, follow_redirects=True, headers={"Range": "bytes=100-"})
    assert tail.status_code == 206 and tail.content == whole.content[100:]
    assert (
        tail.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
    )


def test_private_originals_are_forbidden(fake_archive: FakeArchive) -> None:
    url = f"{fake_archive.url}/download/{GD73}/gd73-06-10d1t01.shn"
    assert httpx.get(url, follow_redirects=True).status_code == 403
    mp3 = httpx.get(
        f"{fake_archive.url}/download/{GD73}/gd73-06-10d1t01.mp3", follow_redirects=True
    )
    assert mp3.status_code == 200 and (mp3.content[:3] == b"ID3" or mp3.content[0] == 0xFF)


def test_faults(fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("429", "/metadata/", retry_after="7")
    limited = httpx.get(f"{fake_archive.url}/metadata/{GD73}")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "7"
    assert httpx.get(f"{fake_archive.url}/metadata/{GD73}").status_code == 200
    fake_archive.add_fault("truncate", "/serve/", after_bytes=10)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{fake_archive.url}/download/{GD73}/gd73-06-10d1t01.mp3", follow_redirects=True)


def test_slow_bodies_arrive_whole_but_late(fake_archive: FakeArchive) -> None:
    url = f"{fake_archive.url}/download/sci2007-07-28.Schoeps/sci2007-07-28.Schoeps_d1t01.flac"
    whole = httpx.get(url, follow_redirects=True).content
    chunks = -(-len(whole) // 1024)
    fake_archive.add_fault("slow", "/serve/", delay=0.01)
    started = time.monotonic()
    slow = httpx.get(url, follow_redirects=True, timeout=60)
    assert slow.content == whole
    assert time.monotonic() - started >= chunks * 0.01


# --- the synthetic etree at scale ---------------------------------------------------------


def test_the_synthetic_etree_is_deterministic_sorted_and_shaped_like_the_archive() -> None:
    import random

    from tests.fake_archive.etree import SyntheticEtree

    started = time.monotonic()
    etree = SyntheticEtree()  # 250,000 recordings over 2,000 artists
    assert len(etree) == 250_000 and len(etree.artists) == 2_000
    assert time.monotonic() - started < 5  # built on demand, not held
    again = SyntheticEtree()
    rng = random.Random(5)
    picks = sorted(rng.sample(range(len(etree)), 400))
    identifiers = [etree.identifier(i) for i in picks]
    assert identifiers == sorted(identifiers) and len(set(identifiers)) == len(identifiers)
    assert [again.doc(i) for i in picks[:50]] == [etree.doc(i) for i in picks[:50]]
    for i in picks:
        doc = etree.doc(i)
        assert doc["mediatype"] == "etree" and doc["date"].endswith("T00:00:00Z")
        assert doc["collection"][1] == "etree" and doc["collection"][0] != "etree"
        assert isinstance(doc["year"], (int, str)) and isinstance(doc["format"], list)
    counts = sorted(etree.counts, reverse=True)
    assert counts[0] > 20 * counts[-1]  # a few big bands, a long tail, as on the archive
    assert etree.position(etree.identifier(1234)) == 1234


def test_scrape_pages_the_synthetic_etree_with_the_fixtures_among_it(
    fake_archive: FakeArchive,
) -> None:
    from tests.fake_archive.etree import SyntheticEtree

    etree = SyntheticEtree(count=5_000, artists=100, seed=3)
    fake_archive.serve_etree(etree)
    try:
        url = fake_archive.url + "/services/search/v1/scrape"
        total = httpx.get(url, params={"q": "collection:etree", "total_only": "true"}).json()
        real = [d for d in fake_archive.docs() if "etree" in (d.get("collection") or [])]
        assert total["total"] == 5_000 + len(real)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"q": "collection:etree", "fields": "identifier,creator,date", "count": "999"}
            if cursor:
                params["cursor"] = cursor
            page = httpx.get(url, params=params).json()
            seen += [item["identifier"] for item in page["items"]]
            for item in page["items"]:  # only the fields asked for (a collection has no date)
                assert {"identifier"} <= set(item) <= {"identifier", "creator", "date"}
            cursor = page.get("cursor")
            if cursor is None:
                break
        assert len(seen) == total["total"] and seen == sorted(seen) and len(set(seen)) == len(seen)
        assert "gd77-05-08.sbd.hicks.4982.sbeok.shnf" in seen  # a real one, in its place
        bands = httpx.get(
            url, params={"q": "collection:etree AND mediatype:collection", "count": "500"}
        ).json()
        assert bands["total"] >= 100 and "GratefulDead" in {b["identifier"] for b in bands["items"]}
    finally:
        fake_archive.serve_etree(None)
