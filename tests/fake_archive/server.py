"""A fake archive.org on 127.0.0.1: advanced search, scrape, metadata and downloads.

Serves the real bodies in ``../shared/fixtures/archive`` (search results are computed from their
docs with a real subset of the query syntax) and synthesised audio. Faults can be injected per
path prefix: ``429`` and ``503`` (with ``Retry-After``), ``slow`` bodies, ``truncate``d bodies,
``malformed`` JSON, dropped connections (``drop``), bodies that ``stall`` after some bytes and a
fixed ``latency`` per request.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from engine.archive.concerts import quote_path, quote_segment
from tests.fake_archive.audio import synthesise
from tests.fake_archive.corpus import Corpus
from tests.fake_archive.etree import BASE_NEWEST, SyntheticEtree
from tests.fake_archive.query import QuerySyntaxError, compile_query

MAX_SORTED_RESULTS = 10_000
ETREE_COLLECTIONS_QUERY = "collection:etree AND mediatype:collection"
ETREE_QUERIES = (
    "collection:etree",
    "collection:etree AND mediatype:etree",
    ETREE_COLLECTIONS_QUERY,
)


@dataclass
class Fault:
    kind: str  # 429 | 503 | slow | stall | truncate | malformed | drop | ignore-cursor | corrupt
    # | error-body (a 200 with {"error"}, as scrape answers its errors)
    path_prefix: str = "/"
    times: int = 1
    skip: int = 0  # requests under path_prefix answered well before the fault
    retry_after: str | None = None
    delay: float = 0.05
    after_bytes: int = 100


@dataclass
class Request:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]


@dataclass
class Item:
    metadata: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)


class _QuietServer(ThreadingHTTPServer):
    """Keeps a handler's failure (a client gone mid-answer, say) in ``errors`` instead of
    printing it: the process it runs in may be a liveset whose stderr a test reads."""

    errors: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        import traceback

        self.errors.append(traceback.format_exc())


class FakeArchive:
    def __init__(self, corpus: Corpus | None = None, *, seconds: float = 1.5) -> None:
        self.corpus = corpus or Corpus()
        self.seconds = seconds
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.keep_alive = True
        self.pace = 0.0  # bytes per second per connection for file bodies; 0: as fast as it can
        self.requests: list[Request] = []
        self.server_errors: list[str] = []  # tracebacks of the fake's own handlers
        self.in_flight = 0
        self.max_in_flight = 0
        self._items: dict[str, Item] = {}
        self._added_docs: dict[str, dict[str, Any]] = {}
        self._served: set[str] = set()  # items served as given (serve_item)
        self.etree: SyntheticEtree | None = None  # a synthetic etree at scale (serve_etree)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control -----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeArchive:
        handler = type("Handler", (_Handler,), {"archive": self})
        self._server = _QuietServer((host, port), handler)
        self._server.errors = self.server_errors
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_fault(self, kind: str, path_prefix: str = "/", times: int = 1, **options: Any) -> Fault:
        fault = Fault(kind, path_prefix, times, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()
            self.latency = 0.0
            self.pace = 0.0
            self.max_in_flight = 0
            for identifier in [*self._added_docs, *self._served]:
                self._items.pop(identifier, None)
            self._added_docs.clear()
            self._served.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.times > 0:
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None

    # --- data --------------------------------------------------------------------------

    def add_item(
        self,
        identifier: str,
        metadata: dict[str, Any],
        files: dict[str, bytes],
        *,
        formats: dict[str, str] | None = None,
        private: set[str] | None = None,
        extra: dict[str, dict[str, str]] | None = None,
        searchable: bool = False,
    ) -> Item:
        """Serve a made-up item: ``files`` by name (size and md5 computed), in ``formats``
        (by name; else from the ending); ``extra`` adds fields (titles) to file entries.
        ``searchable`` items are found by search too, until the next ``reset``."""
        endings = {".flac": "Flac", ".mp3": "VBR MP3", ".ogg": "Ogg Vorbis", ".txt": "Text"}
        entries = []
        for number, (name, data) in enumerate(files.items(), start=1):
            fmt = (formats or {}).get(name) or endings.get(name[name.rfind(".") :], "Unknown")
            entry = {
                "name": name,
                "source": "original",
                "format": fmt,
                "size": str(len(data)),
                **checksums(data),
                "track": str(number),
            }
            entry.update((extra or {}).get(name, {}))
            if private and name in private:
                entry["private"] = "true"
            entries.append(entry)
        body = {
            "metadata": {"identifier": identifier, "mediatype": "etree", **metadata},
            "files": entries,
        }
        item = Item(body, dict(files), set(private or ()))
        with self._lock:
            self._items[identifier] = item
            if searchable:
                doc = {**body["metadata"], "format": sorted({e["format"] for e in entries})}
                if len(str(doc.get("date", ""))) == 10:
                    doc["date"] = f"{doc['date']}T00:00:00Z"
                self._added_docs[identifier] = doc
        return item

    def serve_item(self, identifier: str, body: Any, files: dict[str, bytes]) -> None:
        """Serve ``body`` as it is (however broken) as the metadata of ``identifier``, and
        ``files`` by name, until the next ``reset``."""
        with self._lock:
            self._items[identifier] = Item(body, dict(files))
            self._served.add(identifier)

    def docs(self) -> list[dict[str, Any]]:
        """The search index: the fixtures' docs and the searchable items added."""
        with self._lock:
            return self.corpus.docs + list(self._added_docs.values())

    def item(self, identifier: str) -> Item | None:
        with self._lock:
            if identifier in self._items:
                return self._items[identifier]
        body = self.corpus.metadata.get(identifier)
        if body is None:
            return None
        body = copy.deepcopy(body)
        item = Item(body)
        for entry in body.get("files", []):
            name = str(entry.get("name", ""))
            if not name:
                continue
            data = synthesise(entry, self.seconds)
            item.files[name] = data
            entry["size"] = str(len(data))
            entry.update(checksums(data))
            if str(entry.get("private", "")).lower() == "true":
                item.private.add(name)
        for key in ("server", "d1", "d2", "workable_servers", "alternate_locations"):
            body.pop(key, None)
        with self._lock:
            return self._items.setdefault(identifier, item)

    def search(self, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
        query = _first(params, "q")
        try:
            predicate = compile_query(query)
        except QuerySyntaxError as error:
            body = {"responseHeader": {"status": 400, "QTime": 0}, "error": {"msg": str(error)}}
            return 400, "application/json", json.dumps(body).encode()
        fields = _listed(params, "fl")
        sorts = _listed(params, "sort")
        rows = int(_first(params, "rows") or 50)
        page = max(1, int(_first(params, "page") or 1))
        start = int(_first(params, "start") or (page - 1) * rows)
        if sorts and start + rows > MAX_SORTED_RESULTS:
            text = (
                "[RANGE_OUT_OF_BOUNDS] Sorted paging is limited to 10000 results; "
                "use the scrape API for more."
            )
            return 200, "application/json", text.encode()
        docs = [d for d in self.docs() if predicate(d)]
        docs = _sorted(docs, sorts)
        chosen = [_project(d, fields) for d in docs[start : start + rows]]
        body = {
            "responseHeader": {
                "status": 0,
                "QTime": 1,
                "params": {
                    "query": query,
                    "qin": query,
                    "fields": ",".join(fields),
                    "wt": "json",
                    **({"sort": ",".join(sorts)} if sorts else {}),
                    "rows": str(rows),
                    "start": start,
                },
            },
            "response": {"numFound": len(docs), "start": start, "docs": chosen},
        }
        return 200, "application/json", json.dumps(body).encode()

    def serve_etree(self, etree: SyntheticEtree | None) -> None:
        """Serve ``etree`` through scrape beside the fixtures (``collection:etree``, and its
        artist collections for ``collection:etree AND mediatype:collection``)."""
        self.etree = etree

    def _scrape_etree(
        self, query: str, fields: list[str], count: int, cursor: str, total_only: bool
    ) -> dict[str, Any] | None:
        """A scrape page over the synthetic etree merged with the fixtures, in identifier
        order; None when ``query`` is not one this serves (every recording, the artist
        collections, or the recordings changed since a time)."""
        etree = self.etree
        wanted = " ".join(query.split())
        if etree is None:
            return None
        changed = re.fullmatch(
            r"collection:etree AND mediatype:etree AND oai_updatedate:\[(\S+) TO \*\]", wanted
        )
        if changed:
            return self._scrape_changes(wanted, changed.group(1), fields, count, cursor, total_only)
        if wanted not in ETREE_QUERIES:
            return None
        real = compile_query(wanted)
        if wanted == ETREE_COLLECTIONS_QUERY:
            synthetic: Any = sorted(etree.collections(), key=lambda d: str(d["identifier"]))
            get, size, gone = synthetic.__getitem__, len(synthetic), 0
            others = []
        else:
            get, size, gone = etree.current, len(etree), len(etree.removed)
            others = list(etree.added.values())
        known = sorted(
            (d for d in [*self.docs(), *others] if real(d)), key=lambda d: str(d["identifier"])
        )
        body: dict[str, Any] = {"total": size - gone + len(known)}
        if total_only:
            return body
        s, r = (
            (int(n) for n in base64.urlsafe_b64decode(cursor).decode().split(","))
            if (cursor)
            else (0, 0)
        )
        chosen = []
        while len(chosen) < count and (s < size or r < len(known)):
            mine = get(s) if s < size else None
            theirs = known[r] if r < len(known) else None
            if s < size and mine is None:
                s += 1  # removed
                continue
            if theirs is None or (mine is not None and mine["identifier"] < theirs["identifier"]):
                chosen.append(_project(mine, fields))
                s += 1
            else:
                chosen.append(_project(theirs, fields))
                r += 1
        body.update(items=chosen, count=len(chosen))
        if s < size or r < len(known):
            body["cursor"] = base64.urlsafe_b64encode(f"{s},{r}".encode()).decode()
        return body

    def _scrape_changes(
        self,
        query: str,
        since: str,
        fields: list[str],
        count: int,
        cursor: str,
        total_only: bool,
    ) -> dict[str, Any]:
        """Recordings changed since a time: those generated then (found through the etree's
        index of changes), those added or changed since, and the fixtures that match."""
        etree = self.etree
        assert etree is not None
        real = compile_query(query)
        candidates = [*self.docs(), *etree.added.values()]
        candidates += [d for i, d in etree.changed.items() if i not in etree.removed]
        if since < BASE_NEWEST:
            candidates += [
                d
                for i in etree.changed_since(since)
                if i not in etree.changed and (d := etree.current(i)) is not None
            ]
        docs = sorted((d for d in candidates if real(d)), key=lambda d: str(d["identifier"]))
        return _offset_page(docs, fields, count, cursor, total_only)

    def scrape(self, params: dict[str, list[str]]) -> tuple[int, str, bytes]:
        query = _first(params, "q")
        count = int(_first(params, "count") or 5000)
        if count < 100:
            return (
                200,
                "application/json",
                json.dumps({"error": "count must be at least 100"}).encode(),
            )
        try:
            predicate = compile_query(query)
        except QuerySyntaxError as error:
            return 200, "application/json", json.dumps({"error": str(error)}).encode()
        fields = [f for f in _first(params, "fields").split(",") if f] or ["identifier"]
        if "identifier" not in fields:
            fields.append("identifier")
        sorts = [s for s in _first(params, "sorts").split(",") if s]
        cursor = _first(params, "cursor")
        total_only = _first(params, "total_only") == "true"
        if (page := self._scrape_etree(query, fields, count, cursor, total_only)) is not None:
            return 200, "application/json", json.dumps(page).encode()
        docs = _sorted([d for d in self.docs() if predicate(d)], sorts or ["identifier asc"])
        body = _offset_page(docs, fields, count, cursor, total_only)
        return 200, "application/json", json.dumps(body).encode()


def _offset_page(
    docs: list[dict[str, Any]], fields: list[str], count: int, cursor: str, total_only: bool
) -> dict[str, Any]:
    """A scrape page of ``docs`` from the offset the cursor carries: the total, then (but for
    ``total_only``, as the archive answers it) the items and, before the last page, a cursor."""
    body: dict[str, Any] = {"total": len(docs)}
    if total_only:
        return body
    offset = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
    chosen = [_project(d, fields) for d in docs[offset : offset + count]]
    body.update(items=chosen, count=len(chosen))
    if offset + count < len(docs):
        body["cursor"] = base64.urlsafe_b64encode(str(offset + count).encode()).decode()
    return body


def checksums(data: bytes) -> dict[str, str]:
    """What archive.org lists for a file: its md5, sha1 and crc32, as hex text."""
    return {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "crc32": f"{zlib.crc32(data):08x}",
    }


def _first(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name)
    return values[0] if values else ""


def _listed(params: dict[str, list[str]], name: str) -> list[str]:
    """``fl[]=a&fl[]=b``, ``fl[0]=a&fl[1]=b`` or ``fl=a,b``."""
    out: list[str] = []
    indexed: list[tuple[int, str]] = []
    for key, values in params.items():
        if key == f"{name}[]":
            out += values
        elif match := re.fullmatch(re.escape(name) + r"\[(\d+)\]", key):
            indexed += [(int(match.group(1)), v) for v in values]
        elif key == name:
            out += [p for v in values for p in v.split(",")]
    out += [v for _, v in sorted(indexed)]
    return [v.strip() for v in out if v.strip()]


def _project(doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return dict(doc)
    return {f: doc[f] for f in fields if f in doc}


def _sorted(docs: list[dict[str, Any]], sorts: list[str]) -> list[dict[str, Any]]:
    for spec in reversed(sorts):
        name, _, direction = spec.strip().partition(" ")
        reverse = direction.strip().lower() == "desc"

        def key(doc: dict[str, Any], name: str = name) -> tuple[int, Any]:
            value = doc.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if value is None:
                return (1, "")
            try:
                return (0, float(value))
            except (TypeError, ValueError):
                return (0, str(value).casefold())

        present = [d for d in docs if d.get(name) is not None]
        missing = [d for d in docs if d.get(name) is None]
        docs = sorted(present, key=key, reverse=reverse) + missing
    return docs


class _Handler(BaseHTTPRequestHandler):
    archive: FakeArchive
    protocol_version = "HTTP/1.1"
    server_version = "FakeArchive/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_POST(self) -> None:
        self._handle()

    def _handle(self, head: bool = False) -> None:
        archive = self.archive
        with archive._lock:
            archive.in_flight += 1
            archive.max_in_flight = max(archive.max_in_flight, archive.in_flight)
        try:
            self._respond(head)
        finally:
            with archive._lock:
                archive.in_flight -= 1

    def _respond(self, head: bool) -> None:
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            pairs += parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        params: dict[str, list[str]] = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)
        path = unquote(parts.path)
        archive = self.archive
        with archive._lock:
            archive.requests.append(Request(self.command, path, pairs, dict(self.headers.items())))
        if archive.latency:
            time.sleep(archive.latency)
        fault = archive.take_fault(parts.path)
        if fault and fault.kind in ("429", "503"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(int(fault.kind), "text/plain", b"slow down\n", headers)
            return
        if fault and fault.kind == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.kind == "error-body":
            body = json.dumps({"error": "the search engine is being reindexed"}).encode()
            self._send(200, "application/json", body)
            return
        if fault and fault.kind == "malformed":
            self._send(200, "application/json", b'{"response": {"numFound": 3, "docs": [{"ident')
            return
        if path == "/advancedsearch.php":
            status, ctype, body = archive.search(params)
        elif path == "/services/search/v1/scrape":
            if fault and fault.kind == "ignore-cursor":
                # A reported bug: the cursor is ignored and page 1 comes back again.
                params.pop("cursor", None)
            status, ctype, body = archive.scrape(params)
        elif path.startswith("/metadata/"):
            item = archive.item(path[len("/metadata/") :].strip("/"))
            status, ctype = 200, "application/json"
            body = json.dumps(item.metadata if item else {}).encode()
        elif path.startswith("/download/"):
            identifier, _, name = path[len("/download/") :].partition("/")
            node = f"ia80{hashlib.md5(identifier.encode()).hexdigest()[:4]}"
            location = f"/serve/{node}/items/{quote_segment(identifier)}/{quote_path(name)}"
            if parts.query:
                location += "?" + parts.query
            self._send(302, "text/plain", b"", {"Location": location})
            return
        elif path.startswith("/serve/"):
            self._serve_file(path, fault, head)
            return
        else:
            status, ctype, body = 404, "text/plain", b"not found\n"
        self._send(status, ctype, body, fault=fault, head=head)

    def _serve_file(self, path: str, fault: Fault | None, head: bool) -> None:
        match = re.fullmatch(r"/serve/[^/]+/items/([^/]+)/(.+)", path)
        item = self.archive.item(match.group(1)) if match else None
        if match is None or item is None or match.group(2) not in item.files:
            self._send(404, "text/plain", b"not found\n")
            return
        name = match.group(2)
        if name in item.private:
            self._send(403, "text/plain", b"this file is stream-only\n")
            return
        data = item.files[name]
        total = len(data)
        range_header = self.headers.get("Range", "")
        if found := re.fullmatch(r"bytes=(\d+)-(\d*)", range_header.strip()):
            start = int(found.group(1))
            end = int(found.group(2)) if found.group(2) else total - 1
            if start >= total:
                self._send(416, "text/plain", b"", {"Content-Range": f"bytes */{total}"})
                return
            end = min(end, total - 1)
            headers = {"Content-Range": f"bytes {start}-{end}/{total}", "Accept-Ranges": "bytes"}
            if fault and fault.kind == "corrupt":
                data = data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1 :]
            self._send(206, "application/octet-stream", data[start : end + 1], headers, fault, head)
            return
        if fault and fault.kind == "corrupt":
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self._send(200, "application/octet-stream", data, {"Accept-Ranges": "bytes"}, fault, head)

    def _paced(self, body: bytes, rate: float) -> None:
        """Write ``body`` at ``rate`` bytes a second, like a link of that speed."""
        started = time.monotonic()
        block = 64 * 1024
        for offset in range(0, len(body), block):
            self.wfile.write(body[offset : offset + block])
            ahead = started + (offset + block) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    def _send(
        self,
        status: int,
        ctype: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        fault: Fault | None = None,
        head: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if not self.archive.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head:
            return
        try:
            if fault and fault.kind == "truncate":
                self.wfile.write(body[: fault.after_bytes])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault and fault.kind == "stall":  # some bytes, then nothing for `delay` s
                self.wfile.write(body[: fault.after_bytes])
                self.wfile.flush()
                time.sleep(fault.delay)
                self.close_connection = True
                return
            if fault and fault.kind == "slow":
                for offset in range(0, len(body), 1024):
                    self.wfile.write(body[offset : offset + 1024])
                    self.wfile.flush()
                    time.sleep(fault.delay)
                return
            if self.archive.pace and ctype == "application/octet-stream":
                self._paced(body, self.archive.pace)
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
