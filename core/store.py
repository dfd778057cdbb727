"""The release store: immutable, versioned releases and an atomically replaced CURRENT pointer.

    <store>/releases/<release-id>/   one complete release (never changed once published)
    <store>/releases/.tmp-<id>/      a release being written; removed on failure or at the next start
    <store>/CURRENT                  the id of the published release

Publishing: write every file into the temporary folder, fsync each, verify the manifest's checksums, rename
the folder into place, then write CURRENT.tmp, fsync and rename it over CURRENT. A crash at any point leaves
CURRENT naming the previous complete release.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core.errors import StoreError
from core.integrity import MANIFEST, MANIFEST_SUM, DamagedRelease, full_problems, manifest_line, read_manifest

RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
TMP_PREFIX = ".tmp-"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_manifest(folder: Path, manifest: dict) -> None:
    """Write ``manifest.json`` and its checksum ``manifest.sha256`` (which readers check it against)."""
    raw = json.dumps(manifest, indent=2).encode("utf-8")
    (folder / MANIFEST).write_bytes(raw)
    (folder / MANIFEST_SUM).write_text(manifest_line(sha256_bytes(raw)), encoding="utf-8")


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ReleaseStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.releases = self.root / "releases"

    # --- reading ---------------------------------------------------------------------------------
    def current_id(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.is_file():
            return None
        rid = pointer.read_text(encoding="utf-8").strip()
        if not RELEASE_ID.match(rid) or not (self.releases / rid).is_dir():
            raise StoreError(f"{pointer} names {rid!r}, which is not a release in {self.releases}")
        return rid

    def path(self, release_id: str | None = None) -> Path:
        """Folder of a release (default: the current one). Only well-formed ids of existing releases."""
        rid = release_id or self.current_id()
        if rid is None:
            raise StoreError(f"no release has been published in {self.root} yet; run 'openmeasure etl run'")
        if not RELEASE_ID.match(rid) or not (self.releases / rid).is_dir():
            raise StoreError(f"unknown release {rid!r}")
        return self.releases / rid

    def manifest(self, release_id: str | None = None) -> dict:
        """The manifest of a release; :class:`~core.integrity.DamagedRelease` when it is damaged."""
        return read_manifest(self.path(release_id))

    def list(self) -> list[dict]:
        """Published releases, newest first, with a few manifest fields. A release whose manifest is damaged
        is listed with ``damaged`` saying so (and no fields from it)."""
        if not self.releases.is_dir():
            return []
        current = self.current_id()
        out = []
        for d in sorted(self.releases.iterdir(), reverse=True):
            if not RELEASE_ID.match(d.name) or not (d / MANIFEST).is_file():
                continue
            try:
                m, damaged = read_manifest(d), None
            except DamagedRelease as exc:
                m, damaged = {}, f"{exc.name} {exc.problem}"
            except FileNotFoundError:  # pruned while listed
                continue
            out.append({"id": d.name, "created": m.get("created"), "current": d.name == current,
                        "rows": m.get("files", {}).get("indicator_values.parquet", {}).get("rows"),
                        "indicators": m.get("counts", {}).get("indicators"),
                        "title": m.get("title"), "damaged": damaged})
        return out

    def problems(self, release_id: str | None = None) -> list[tuple[str, str]]:
        """(file, problem) of every file of a release that does not match its manifest (size, Parquet
        magic, SHA-256), the manifest itself first; empty when the release is whole."""
        return full_problems(self.path(release_id))

    def verify(self, release_id: str | None = None) -> None:
        """Check every file of a release against its manifest checksum; raise
        :class:`~core.integrity.DamagedRelease` naming the first that does not match."""
        self._verify(self.path(release_id))

    # --- writing ---------------------------------------------------------------------------------
    def new_id(self, now: datetime | None = None) -> str:
        """``YYYYmmddTHHMMSSZ-`` and six hex digits: the microsecond (five), then one random digit. Ids sort in
        the order they were made, even two in the same second: ``list`` (newest first) and ``prune`` rely on
        it."""
        now = now or datetime.now(UTC)
        return f"{now:%Y%m%dT%H%M%SZ}-{now.microsecond:05x}{secrets.randbelow(16):x}"

    def staging(self, release_id: str) -> Path:
        folder = self.releases / f"{TMP_PREFIX}{release_id}"
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def clean_partial(self) -> list[str]:
        """Remove half-written release folders left by a crash. Returns their names."""
        if not self.releases.is_dir():
            return []
        removed = []
        for d in self.releases.iterdir():
            if d.name.startswith(TMP_PREFIX):
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d.name)
        return removed

    def publish(self, staging: Path, release_id: str, before_swap: Callable[[], None] | None = None) -> Path:
        """Verify, fsync and move the staged release into place, then point CURRENT at it.

        ``before_swap`` is called right before CURRENT is replaced (the run confirms it still holds the store
        lock); if it raises, the release folder is removed again and CURRENT is left as it was."""
        self._verify(staging)
        for f in staging.rglob("*"):
            if f.is_file():
                fsync_path(f)
        final = self.releases / release_id
        os.rename(staging, final)
        fsync_path(self.releases)
        if before_swap is not None:
            try:
                before_swap()
            except BaseException:
                self._remove(final)
                raise
        tmp = self.root / "CURRENT.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(release_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "CURRENT")
        fsync_path(self.root)
        return final

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def prune(self, keep: int) -> list[str]:
        """Delete the oldest releases beyond ``keep`` (never the current one).

        Each is first renamed out of the way (one atomic step: from then on the store no longer knows it, and
        a reader asking for it falls back to the current release), then deleted."""
        current = self.current_id()
        ids = [r["id"] for r in self.list()]
        removed = []
        for rid in ids[keep:]:
            if rid != current:
                self._remove(self.releases / rid)
                removed.append(rid)
        return removed

    def _remove(self, folder: Path) -> None:
        gone = self.releases / f"{TMP_PREFIX}gone-{folder.name}-{secrets.token_hex(3)}"
        try:
            os.rename(folder, gone)
        except FileNotFoundError:
            return
        shutil.rmtree(gone, ignore_errors=True)

    @staticmethod
    def _verify(folder: Path) -> None:
        problems = full_problems(folder)
        if problems:
            name, problem = problems[0]
            more = f" (and {len(problems) - 1} more files)" if len(problems) > 1 else ""
            raise DamagedRelease(folder.name, name, problem + more)
