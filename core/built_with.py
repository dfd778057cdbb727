"""What a release is built from besides its sources: the settings in effect, the files the config names and
the software. Recorded in the manifest as ``built_with``; ``schedules[].skip_unchanged`` skips a run only
when all of it is as the current release recorded (:func:`etl.sources.snapshots.inputs_unchanged`).

- ``settings_sha256``: the settings that shape a release after ``${VAR}`` expansion and defaults, so a
  target set by an environment variable counts (the config file's own hash does not see it). The web app
  does not serve the manifest, but it is part of the release folder, which a deployment may publish as it
  is; so nothing secret goes in: no catalogue URL, access or alerts settings, and no SQL connection or
  source URL (their data is checksummed as a source, which is what matters).
- ``files``: the sha256 of the areas table, the boundaries and the code mapping tables, by the config path
  that names them: a new municipality changes a release as much as a changed source does.
- ``software``: this package's version and a hash of its ETL and engine code (``etl/``, ``indicators/``),
  and the versions of Python and of the libraries that compute, read and write: a fix to a method must
  reach the figures.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from core.config_models import Config
from core.store import sha256_file

ROOT = Path(__file__).resolve().parents[1]
RELEASE_SETTINGS = {"title", "synthetic", "geography", "sources", "measures", "indicators", "publication",
                    "dashboard"}
#: What computes, reads or writes figures: the engine, Arrow and Parquet, intervals and neighbours (scipy),
#: the disclosure audit's linear programs, which decide what is withheld (highspy), Excel sources (openpyxl),
#: Frictionless descriptors (PyYAML).
LIBRARIES = ("duckdb", "pyarrow", "pandas", "numpy", "scipy", "highspy", "openpyxl", "PyYAML")


def settings_sha256(config: Config) -> str:
    data = config.model_dump(mode="json", include=RELEASE_SETTINGS)
    for source in data["sources"]:
        source.pop("sql", None)
        source.pop("url", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def files_sha256(config: Config) -> dict[str, str]:
    """A file that is not there is ``missing``."""
    paths = {"geography.areas.path": config.geography.areas.path}
    paths |= {f"geography.boundaries.{level}": b.path for level, b in config.geography.boundaries.items()}
    paths |= {f"geography.boundaries.{level}.code_mapping.path": b.code_mapping.path
              for level, b in config.geography.boundaries.items() if b.code_mapping is not None}
    paths |= {f"sources[{i}].code_mapping.path": s.code_mapping.path for i, s in enumerate(config.sources)
              if s.code_mapping is not None}
    return {k: sha256_file(Path(p)) if Path(p).is_file() else "missing" for k, p in paths.items()}


def code_sha256(root: Path = ROOT, packages: tuple[str, ...] = ("etl", "indicators")) -> str:
    """sha256 over the path and text of every .py and .sql file of ``packages`` under ``root``."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".sql") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def software() -> dict[str, str]:
    return {"openmeasure": _version("openmeasure"), "code_sha256": code_sha256(),
            "python": platform.python_version(), **{name: _version(name) for name in LIBRARIES}}


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed: the code hash says it
        return "not installed"


def built_with(config: Config) -> dict:
    return {"settings_sha256": settings_sha256(config), "files": files_sha256(config), "software": software()}
