"""Sources given by ``url`` instead of ``path``: downloaded over HTTP(S) into ``<store>/cache/<source id>/``.

Each request carries ``If-None-Match`` (the ETag) and ``If-Modified-Since`` (the Last-Modified date) of the
cached copy, so a source that has not changed answers 304 and is not downloaded again. Timeouts are
``fetch.timeout`` seconds per attempt; connection errors, timeouts and 5xx answers are retried
``fetch.retries`` times with exponential back-off (``fetch.backoff`` × 2^attempt seconds); a 4xx answer is not
retried. The download is written to a temporary file and renamed, so a broken transfer never replaces a
good copy.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from core.config_models import SourceConfig
from core.errors import SourceError, TransientError

log = logging.getLogger(__name__)

USER_AGENT = "OpenMeasure-ETL (+https://github.com/openmeasure)"


@dataclass
class Fetched:
    path: Path
    downloaded: bool  # False when the server said 304 Not Modified
    etag: str | None
    last_modified: str | None


def cache_file(source: SourceConfig, cache_root: Path) -> Path:
    name = PurePosixPath(urlsplit(source.url or "").path).name or "download"
    return cache_root / source.id / name


def fetch(source: SourceConfig, cache_root: Path) -> Fetched:
    url = source.url or ""
    if urlsplit(url).scheme not in ("http", "https"):
        raise SourceError(source.id, f"url must be http:// or https://, got {url!r}", key="url")
    target = cache_file(source, cache_root)
    meta_file = target.parent / "cache.json"
    meta = _read_meta(meta_file) if target.is_file() else {}
    if meta.get("url") != url:
        meta = {}
    headers = {"User-Agent": USER_AGENT}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    cfg = source.fetch
    last_error, cause = "", None
    for attempt in range(cfg.retries + 1):
        if attempt:
            time.sleep(cfg.backoff * 2 ** (attempt - 1))
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=cfg.timeout) as resp:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                with open(tmp, "wb") as fh:
                    while block := resp.read(1 << 20):
                        fh.write(block)
                os.replace(tmp, target)
                meta = {"url": url, "etag": resp.headers.get("ETag"),
                        "last_modified": resp.headers.get("Last-Modified")}
                meta_file.write_text(json.dumps(meta), encoding="utf-8")
                log.info("step=fetch source=%s url=%s downloaded=yes bytes=%d", source.id, url,
                         target.stat().st_size)
                return Fetched(target, True, meta["etag"], meta["last_modified"])
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and meta:
                log.info("step=fetch source=%s url=%s downloaded=no reason=not-modified", source.id, url)
                return Fetched(target, False, meta.get("etag"), meta.get("last_modified"))
            last_error = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500:
                cause = exc
                break
            cause = TransientError(f"the server answered {last_error}")
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last_error = f"timed out after {cfg.timeout:g} s" if isinstance(reason, TimeoutError) or \
                "timed out" in str(reason) else str(reason)
            cause = exc
        log.warning("step=fetch source=%s url=%s attempt=%d error=%s", source.id, url, attempt + 1, last_error)
    tries = attempt + 1
    # chained, so that the scheduler retries the run later for a timeout or a 5xx, and not for a 404
    raise SourceError(source.id, f"cannot download {url}: {last_error} ({tries} attempt{'s' * (tries > 1)})",
                      key="url") from cause


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
