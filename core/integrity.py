"""Is a published release still the one that was published? Two checks, one cheap and one thorough.

- :func:`quick_problem` (every time a reader opens a file, microseconds): the file exists, has the size the
  manifest gives it and, for Parquet, starts and ends with the magic ``PAR1`` and a footer length that fits
  in the file. A truncated file, a file cut or padded, or a damaged footer is caught; a bit flipped in the
  middle of the data is not (that takes the thorough check, or shows up as a read error).
- :func:`full_problems` (``openmeasure releases verify``, publishing, a streamed download's first use of a
  file): every file's SHA-256 against the manifest, and the manifest's own checksum.

The manifest is covered by ``manifest.sha256`` beside it (``sha256sum`` format, so ``sha256sum -c
manifest.sha256`` works too); a release written before that file existed is checked without it.

:class:`DamagedRelease` (a :class:`~core.errors.StoreError`) names the release, the file and what is
wrong with it; the web app answers it with 503, ``status`` and the alerts report it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from core.errors import StoreError

MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
MAGIC = b"PAR1"


class DamagedRelease(StoreError):
    """A file of a published release is not what its manifest says it is."""

    def __init__(self, release_id: str, name: str, problem: str):
        self.release_id, self.name, self.problem = release_id, name, problem
        super().__init__(f"release {release_id} is damaged: {name} {problem}. Run 'openmeasure releases verify "
                         f"{release_id}'; publish a new release ('openmeasure etl run') or restore the file "
                         "from a backup")


def manifest_line(digest: str) -> str:
    return f"{digest}  {MANIFEST}\n"


def read_manifest(folder: Path) -> dict:
    """The manifest of a release folder, checked against ``manifest.sha256`` when there is one; raises
    :class:`DamagedRelease` when it is unreadable, not JSON, or not the manifest that was written."""
    from core.store import sha256_bytes

    try:
        raw = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise DamagedRelease(folder.name, MANIFEST, "is missing") from None
    except OSError as exc:
        raise DamagedRelease(folder.name, MANIFEST, f"cannot be read ({exc})") from exc
    summed = folder / MANIFEST_SUM
    if summed.is_file():
        want = summed.read_text(encoding="utf-8", errors="replace").split(" ", 1)[0].strip()
        if sha256_bytes(raw) != want:
            raise DamagedRelease(folder.name, MANIFEST, f"does not match its checksum in {MANIFEST_SUM}")
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise DamagedRelease(folder.name, MANIFEST, f"is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DamagedRelease(folder.name, MANIFEST, "has no 'files' table")
    return manifest


def quick_problem(path: Path, entry: dict | None) -> str | None:
    """What is wrong with one file by the cheap test (size, Parquet magic and footer length), or None."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc})"
    want = (entry or {}).get("bytes")
    if isinstance(want, int) and size != want:
        return f"has {size:,} bytes; the manifest says {want:,}"
    if path.suffix == ".parquet":
        try:
            with open(path, "rb") as fh:
                head = fh.read(4)
                if size < 12:
                    return "is too short to be a Parquet file"
                fh.seek(size - 8)
                tail = fh.read(8)
        except OSError as exc:
            return f"cannot be read ({exc})"
        footer = int.from_bytes(tail[:4], "little")
        if head != MAGIC or tail[4:] != MAGIC:
            return "is not a whole Parquet file (its first or last bytes are not PAR1)"
        if footer + 12 > size:
            return "has a Parquet footer longer than the file"
    return None


def quick_problems(folder: Path) -> list[tuple[str, str]]:
    """(file, problem) of every file of a release by the cheap test; the manifest first."""
    try:
        manifest = read_manifest(folder)
    except DamagedRelease as exc:
        return [(exc.name, exc.problem)]
    return [(name, p) for name, entry in manifest["files"].items()
            if (p := quick_problem(folder / name, entry)) is not None]


def full_problems(folder: Path) -> list[tuple[str, str]]:
    """(file, problem) of every file of a release: the cheap test, then each file's SHA-256."""
    from core.store import sha256_file

    try:
        manifest = read_manifest(folder)
    except DamagedRelease as exc:
        return [(exc.name, exc.problem)]
    out = []
    for name, entry in manifest["files"].items():
        problem = quick_problem(folder / name, entry)
        if problem is None and sha256_file(folder / name) != entry.get("sha256"):
            problem = "does not match its manifest checksum (SHA-256)"
        if problem is not None:
            out.append((name, problem))
    return out
