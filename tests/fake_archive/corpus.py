"""The fake archive's data: real response bodies from ``../shared/fixtures/archive``.

Search docs come from every search fixture that has identifiers, and from the ``metadata`` of
every metadata fixture (with ``format``, ``avg_rating`` and ``num_reviews`` derived from its
files and reviews as archive.org's index does). Fixture files are read, never written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "archive"


def fixtures_dir() -> Path:
    import os

    return Path(os.environ.get("LIVESET_FIXTURES", FIXTURES))


def load_body(path: Path) -> Any:
    """A fixture body; lines starting with ``//`` (added by hand by its source) are dropped."""
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


class Corpus:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or fixtures_dir()
        if not self.root.is_dir():
            raise FileNotFoundError(f"fixtures not found at {self.root}")
        self.metadata: dict[str, dict[str, Any]] = {}
        docs: dict[str, dict[str, Any]] = {}
        for path in sorted((self.root / "search").glob("*.json")):
            body = load_body(path)
            for doc in body.get("response", {}).get("docs", []):
                if isinstance(doc, dict) and doc.get("identifier"):
                    docs.setdefault(str(doc["identifier"]), {}).update(doc)
        for path in sorted((self.root / "metadata").glob("*.json")):
            body = load_body(path)
            meta = body.get("metadata") if isinstance(body, dict) else None
            if not isinstance(meta, dict) or not meta.get("identifier"):
                continue
            identifier = str(meta["identifier"])
            self.metadata[identifier] = body
            doc = docs.setdefault(identifier, {})
            doc.update({k: v for k, v in meta.items() if k not in doc or k == "identifier"})
            formats = sorted(
                {str(f.get("format")) for f in body.get("files", []) if f.get("format")}
            )
            doc.setdefault("format", formats)
            stars = [
                int(r["stars"])
                for r in body.get("reviews", [])
                if str(r.get("stars", "")).isdigit()
            ]
            if stars:
                doc.setdefault("num_reviews", len(stars))
                doc.setdefault("avg_rating", round(sum(stars) / len(stars), 2))
            if body.get("item_size"):
                doc.setdefault("item_size", body["item_size"])
            if isinstance(doc.get("date"), str) and len(doc["date"]) == 10:
                doc["date"] = doc["date"] + "T00:00:00Z"
        self.docs: list[dict[str, Any]] = list(docs.values())

    def scrape_page(self) -> dict[str, Any]:
        return load_body(self.root / "scrape" / "nasa-scrape-page.json")
