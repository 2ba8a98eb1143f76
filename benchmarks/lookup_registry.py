"""A local stand-in for Crossref and OpenAlex on 127.0.0.1, for the lookup tests and the benchmark.

It serves the records it is given (Crossref ``/works`` messages by DOI under ``/crossref``, OpenAlex
works by DOI under ``/openalex``) the way the registries do: ``/works/{doi}`` (404 with a plain-text
body when unknown, as Crossref answers), ``/works/doi:{doi}`` for OpenAlex, and searches
(``/works?query.bibliographic=`` for Crossref, ``/works?search=`` for OpenAlex) ranked by the words
a record shares with the query, so a search always finds *something*, as the real ones do.

Faults are planted per DOI (or per path prefix for searches): ``500`` always, ``429-once`` (a 429
with ``Retry-After`` (``retry_after`` seconds, 0 by default) the first time, then the record), ``timeout`` (answers after
``slow_seconds``), ``html`` (a 200 HTML page), ``bad-json``, ``404`` (the DOI is unknown when asked for, as a
registry whose DOI index lags behind its search answers, while searches still find the record). Every request is recorded with its
User-Agent and query, so tests can check that each carries the mailto.
"""

from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", text).lower()
    return {w for w in _WORD.findall(text) if len(w) > 2}


class FakeRegistries:
    """Crossref and OpenAlex answers from memory, served over a real socket until :meth:`close`."""

    def __init__(self, crossref: dict[str, dict] | None = None, openalex: dict[str, dict] | None = None,
                 faults: dict[str, str] | None = None, slow_seconds: float = 2.0, retry_after: str = "0",
                 files: dict[str, tuple[int, str, bytes]] | None = None) -> None:
        self.crossref = {k.lower(): v for k, v in (crossref or {}).items()}
        self.openalex = {k.lower(): v for k, v in (openalex or {}).items()}
        self.faults = {k.lower(): v for k, v in (faults or {}).items()}
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.files = dict(files or {})  # other paths: (status, content type, body), e.g. a Retraction Watch CSV
        self.requests: list[dict] = []
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self._df: dict[str, dict[str, int]] = {}
        self._index = {"crossref": self._build_index(self.crossref, "crossref"),
                       "openalex": self._build_index(self.openalex, "openalex")}
        registries = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                registries.handle(self)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeRegistries":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def _build_index(records: dict[str, dict], kind: str) -> list[tuple[set[str], dict]]:
        out = []
        for record in records.values():
            if kind == "crossref":
                text = " ".join((record.get("title") or []) + [a.get("family", "") for a in record.get("author") or []]
                                + (record.get("container-title") or []))
            else:
                text = " ".join([record.get("title") or ""] + [a.get("raw_author_name", "")
                                                              for a in record.get("authorships") or []])
            out.append((_words(text), record))
        return out

    def search(self, kind: str, query: str, rows: int) -> list[dict]:
        """Records sharing the rarest words with the query (each word weighs its inverse document frequency,
        as a relevance ranking does; ties in insertion order); at most ``rows``."""
        import math

        words = _words(query)
        index = self._index[kind]
        if kind not in self._df:
            df: dict[str, int] = {}
            for w, _ in index:
                for word in w:
                    df[word] = df.get(word, 0) + 1
            self._df[kind] = df
        df = self._df[kind]
        n = len(index) + 1

        def weight(shared: set[str]) -> float:
            return sum(math.log(n / df.get(word, 1)) for word in shared)

        scored = [(weight(words & w), i, rec) for i, (w, rec) in enumerate(index) if words & w]
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [rec for _, _, rec in scored[:rows]]

    # -- one request -------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append({"path": parts.path, "query": query, "user_agent": h.headers.get("User-Agent", "")})
        path = unquote(parts.path)
        if path.startswith("/crossref/works"):
            self._crossref(h, path[len("/crossref/works"):], query)
        elif path.startswith("/openalex/works"):
            self._openalex(h, path[len("/openalex/works"):], query)
        elif path in self.files:
            self._send(h, *self.files[path])
        else:
            self._send(h, 404, "text/plain", b"Resource not found.")

    def _fault(self, h: BaseHTTPRequestHandler, name: str) -> bool:
        """Answer with the planted fault for ``name`` (a DOI or a search word); False when there is none."""
        fault = self.faults.get(name.lower())
        if fault is None:
            return False
        if fault == "500":
            self._send(h, 500, "text/plain", b"Internal Server Error")
        elif fault == "429-once":
            with self.lock:
                first = name.lower() not in self.seen
                self.seen.add(name.lower())
            if not first:
                return False
            self._send(h, 429, "text/plain", b"Too Many Requests", {"Retry-After": self.retry_after})
        elif fault == "timeout":
            time.sleep(self.slow_seconds)
            self._send(h, 503, "text/plain", b"late")
        elif fault == "html":
            self._send(h, 200, "text/html; charset=utf-8", b"<!doctype html><title>Maintenance</title><p>Back soon")
        elif fault == "bad-json":
            self._send(h, 200, "application/json", b'{"status": "ok", "message": {"DOI": ')
        elif fault == "404":
            self._send(h, 404, "text/plain", b"Resource not found.")
        return True

    def _crossref(self, h: BaseHTTPRequestHandler, rest: str, query: dict[str, str]) -> None:
        if rest.startswith("/"):
            doi = rest[1:].lower()
            if self._fault(h, doi):
                return
            record = self.crossref.get(doi)
            if record is None:
                self._send(h, 404, "text/plain", b"Resource not found.")
                return
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": record}
        elif query.get("filter", "").startswith("doi:"):  # a batch: /works?filter=doi:A,doi:B
            dois = [d[4:].lower() for d in query["filter"].split(",") if d.startswith("doi:")]
            faulted = next((d for d in dois if self.faults.get(d, "404") != "404"), None)
            if faulted is not None and self._fault(h, faulted):
                return  # one faulty DOI makes the whole batch fail, as a server error would
            known = [d for d in dois if d in self.crossref and self.faults.get(d) != "404"]
            items = [self.crossref[d] for d in known][:int(query.get("rows", "20"))]
            body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                    "message": {"total-results": len(items), "items": items, "items-per-page": len(items)}}
        else:
            text = query.get("query.bibliographic") or query.get("query") or ""
            if self._fault(h, "search:" + text.split(" ")[0] if text else "search:"):
                return
            items = self.search("crossref", text, int(query.get("rows", "20")))
            body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                    "message": {"total-results": len(items), "items": items, "items-per-page": len(items)}}
        self._send(h, 200, "application/json", json.dumps(body).encode())

    def _openalex(self, h: BaseHTTPRequestHandler, rest: str, query: dict[str, str]) -> None:
        if rest.startswith("/"):
            ident = rest[1:]
            doi = re.sub(r"^(doi:|https://doi\.org/)", "", ident, flags=re.I).lower()
            if self._fault(h, "openalex:" + doi):
                return
            record = self.openalex.get(doi)
            if record is None:
                self._send(h, 404, "application/json", b'{"error": "404 Not Found"}')
                return
            body = record
        else:
            text = query.get("search") or ""
            items = self.search("openalex", text, int(query.get("per_page", "25")))
            body = {"meta": {"count": len(items)}, "results": items}
        self._send(h, 200, "application/json", json.dumps(body).encode())

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
        try:
            h.send_response(code)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass
