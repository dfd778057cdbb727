"""A disk cache of rendered downloads: a release never changes, so neither does a download of it.

The first request for a (release, query, format) streams as usual and writes the same bytes to a temporary
file beside the cache; when the body is complete the file is renamed into place. Later requests are served
from that file (``send_file``, which lets the server use ``sendfile``). A download that is interrupted
leaves nothing behind. The folder is bounded: the least recently used files go first.

File names are the hex digest of the ETag (itself a hash of release id, who asks and the query); nothing a
user sends becomes part of a path. Only public responses are cached.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: Part of every entry's name: raise it when what a download holds changes (a column left out, a metadata
#: row added), so that files rendered by an earlier version are not served again (they age out by LRU).
#: 2: areas without 'bucket'; decimals, sources and methodology page in the metadata.
#: 3: the values carry 'area_name' after 'area_code'.
#: 4: SDMX-CSV's CONF_STATUS is D (not C) for a cell withheld to protect another.
#: 5: data packages with licence IRIs and missing values, CSVW metadata of every CSV, no ":" in OBS_FLAG.
#: 6: a README, CSVW metadata, data package and spreadsheet metadata sheet in the language of ?lang= (dates in
#:    words in the README, column descriptions in the language).
RENDER_VERSION = "6"


class DownloadCache:
    def __init__(self, folder: Path | None, max_bytes: int):
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.notes: dict[str, dict] = {}  # small facts about an entry (its row count), kept in memory
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("cache=off folder=%s reason=%s", folder, exc)
                self.folder = None

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.sha256(f"{RENDER_VERSION}|{key}".encode()).hexdigest() + ".bin")

    def get(self, key: str) -> Path | None:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            os.utime(path)  # mark as recently used
        except FileNotFoundError:
            return None
        return path

    def tee(self, key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Yield ``chunks`` and keep a copy; the copy becomes the cache entry only if every chunk went out."""
        if not self.enabled:
            yield from chunks
            return
        final = self._path(key)
        tmp = final.with_name(f".{final.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        complete = False
        try:
            with open(tmp, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                    yield chunk
            complete = True
        finally:
            if complete:
                os.replace(tmp, final)
                if len(self.notes) > 10_000:
                    self.notes.clear()
                self._evict()
            else:
                tmp.unlink(missing_ok=True)

    def _evict(self) -> None:
        with self._lock:
            files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.folder.glob("*.bin")]
            total = sum(size for _, size, _ in files)
            for _, size, path in sorted(files):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size


def folder_for(setting: str | None, store: str) -> Path | None:
    """``auto``: ``download-cache`` beside the store; a path; or None (off)."""
    if not setting:
        return None
    if setting == "auto":
        return Path(store).resolve().parent / "download-cache"
    return Path(setting)
