"""Compressed answers: a small WSGI middleware that gzips what the server sends when the browser accepts it.

Why a middleware of our own rather than flask-compress (or Dash's ``compress=True``, which needs it): the
standard library's zlib does the work, so there is no new dependency; it wraps the whole WSGI app, so the
dashboard, its callbacks, the API and Dash's own files are all compressed, and the security headers (set
inside Flask) stay on every answer; it streams, so a large CSV download is compressed chunk by chunk and never
held in memory; and it keeps the compressed bytes of the files Dash marks as cached for good (its component
suites, plotly.js among them, ~4.8 MB), so they are compressed once per worker, not once per visitor.

Not compressed: answers the browser did not ask compressed, ones already encoded, ranges, statuses with no
body, file downloads (``Content-Disposition: attachment``: the API sends a finished download from its cache
with its length and sendfile, and a download keeps the bytes the API documents), small answers (under :data:`MIN_SIZE` when their length is known) and types that are compressed already
(Parquet, Excel, images). An ETag on a compressed answer gets a ``-gzip`` suffix (the bytes differ), and the
suffix is taken off an ``If-None-Match`` before the app compares it, so that revalidation still answers 304.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable

#: Types worth compressing (the part before any ``;``).
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "text/xml", "text/markdown",
    "application/javascript", "application/x-javascript", "application/json", "application/geo+json",
    "application/ld+json", "application/xml", "application/atom+xml", "application/rss+xml",
    "application/manifest+json", "application/schema+json", "image/svg+xml",
})
#: Answers shorter than this (bytes) are sent as they are: the gzip framing would outweigh the saving.
MIN_SIZE = 500
LEVEL = 6
#: How many compressed answers cached for good are kept per worker (Dash's scripts: a few dozen).
CACHE_ENTRIES = 64
SUFFIX = "-gzip"


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (``gzip``, ``gzip;q=0.5`` or ``*``; not ``q=0``)."""
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _compressible(status: str, headers: list[tuple[str, str]]) -> bool:
    code = int(status.split(" ", 1)[0])
    if code < 200 or code in (204, 206, 304):
        return False
    h = {k.lower(): v for k, v in headers}
    if "content-encoding" in h or "content-range" in h:
        return False
    if h.get("content-disposition", "").lower().startswith("attachment"):
        return False
    if h.get("content-type", "").split(";", 1)[0].strip().lower() not in COMPRESSIBLE:
        return False
    length = h.get("content-length")
    return length is None or not length.isdigit() or int(length) >= MIN_SIZE


def _cached_for_good(headers: list[tuple[str, str]]) -> bool:
    cc = next((v for k, v in headers if k.lower() == "cache-control"), "").lower()
    return "immutable" in cc or "max-age=31536000" in cc


class GzipMiddleware:
    """``GzipMiddleware(wsgi_app)``: the same app, answering gzip to browsers that accept it."""

    def __init__(self, app: Callable, level: int = LEVEL, cache_entries: int = CACHE_ENTRIES):
        self.app = app
        self.level = level
        self.cache_entries = cache_entries
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")) or environ.get("HTTP_RANGE"):
            return self.app(environ, start_response)
        if SUFFIX in environ.get("HTTP_IF_NONE_MATCH", ""):
            environ["HTTP_IF_NONE_MATCH"] = environ["HTTP_IF_NONE_MATCH"].replace(SUFFIX + '"', '"')
        state: dict = {}

        def _start(status, headers, exc_info=None):
            state["status"], state["headers"] = status, headers
            state["gzip"] = environ.get("REQUEST_METHOD") != "HEAD" and _compressible(status, headers)
            if not state["gzip"]:
                if any(k.lower() == "content-type" for k, _ in headers):
                    headers = _vary(headers)
                return start_response(status, headers, exc_info)
            state["exc_info"] = exc_info
            return _no_write

        body = self.app(environ, _start)
        if not state.get("gzip"):
            return body
        headers = [(k, v) for k, v in state["headers"] if k.lower() != "content-length"]
        headers = [(k, _etag(v) if k.lower() == "etag" else v) for k, v in headers]
        headers = _vary(headers) + [("Content-Encoding", "gzip")]
        length = next((v for k, v in state["headers"] if k.lower() == "content-length"), None)
        if length is not None and _cached_for_good(state["headers"]):
            key = (environ.get("PATH_INFO"), environ.get("QUERY_STRING"), length,
                   next((v for k, v in state["headers"] if k.lower() == "etag"), ""))
            data = self._cached(key, body)
            start_response(state["status"], headers + [("Content-Length", str(len(data)))], state["exc_info"])
            return [data]
        start_response(state["status"], headers, state["exc_info"])
        return _stream(body, self.level)

    def _cached(self, key: tuple, body: Iterable[bytes]) -> bytes:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                _close(body)
                return self._cache[key]
        data = b"".join(_stream(body, self.level))
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)
        return data


def _no_write(_data: bytes) -> None:
    raise RuntimeError("the dashboard's compression does not support WSGI write(); return the body instead")


def _vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Caches must keep the compressed and the plain answer apart."""
    vary = [v for k, v in headers if k.lower() == "vary"]
    if any("accept-encoding" in v.lower() or v.strip() == "*" for v in vary):
        return list(headers)
    rest = [(k, v) for k, v in headers if k.lower() != "vary"]
    return rest + [("Vary", ", ".join([*vary, "Accept-Encoding"]))]


def _etag(value: str) -> str:
    return value[:-1] + SUFFIX + '"' if value.endswith('"') else value


def _close(body) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _stream(body: Iterable[bytes], level: int) -> Iterable[bytes]:
    """The body gzipped chunk by chunk (wbits 31: a gzip header and trailer)."""
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    try:
        for chunk in body:
            out = z.compress(chunk)
            if out:
                yield out
        yield z.flush()
    finally:
        _close(body)
