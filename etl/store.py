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
from datetime import UTC, datetime
from pathlib import Path

from etl.exceptions import StoreError

RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
TMP_PREFIX = ".tmp-"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


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
        return json.loads((self.path(release_id) / "manifest.json").read_text(encoding="utf-8"))

    def list(self) -> list[dict]:
        """Published releases, newest first, with a few manifest fields."""
        if not self.releases.is_dir():
            return []
        current = self.current_id()
        out = []
        for d in sorted(self.releases.iterdir(), reverse=True):
            if not RELEASE_ID.match(d.name) or not (d / "manifest.json").is_file():
                continue
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            out.append({"id": d.name, "created": m.get("created"), "current": d.name == current,
                        "rows": m.get("files", {}).get("indicator_values.parquet", {}).get("rows"),
                        "indicators": m.get("counts", {}).get("indicators"),
                        "title": m.get("title")})
        return out

    def verify(self, release_id: str | None = None) -> None:
        """Check every file of a release against its manifest checksum."""
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

    def publish(self, staging: Path, release_id: str) -> Path:
        self._verify(staging)
        for f in staging.rglob("*"):
            if f.is_file():
                fsync_path(f)
        final = self.releases / release_id
        os.rename(staging, final)
        fsync_path(self.releases)
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
        """Delete the oldest releases beyond ``keep`` (never the current one)."""
        current = self.current_id()
        ids = [r["id"] for r in self.list()]
        removed = []
        for rid in ids[keep:]:
            if rid != current:
                shutil.rmtree(self.releases / rid, ignore_errors=True)
                removed.append(rid)
        return removed

    @staticmethod
    def _verify(folder: Path) -> None:
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise StoreError(f"{folder} has no manifest.json")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for name, meta in manifest["files"].items():
            f = folder / name
            if not f.is_file():
                raise StoreError(f"{folder.name}: {name} is listed in the manifest but missing")
            if sha256_file(f) != meta["sha256"]:
                raise StoreError(f"{folder.name}: {name} does not match its manifest checksum")
