"""Every extract kept as a dated snapshot with its sha256, so that a release says what it was built from.

    <store>/snapshots/<source id>/<YYYYMMDDTHHMMSSZ>-<sha256[:12]>/   the file(s) exactly as read
    <store>/snapshots/<source id>/observations/<sha256[:12]>.parquet   the clean observations of a run

A file source is snapshotted as the file; a Frictionless package as its descriptor and resource files; an
Open SDG source as its data and metadata files; a SQL source as its query result in ``result.parquet``.
An unchanged extract reuses the existing snapshot (same checksum), so a daily run of a source that did not
change costs no space. The manifest's ``sources`` section records each source's ``sha256`` and ``snapshot``:

- :func:`config_for_release` rewrites a config to read every source from the snapshots of a release, so the
  release can be rebuilt exactly;
- :func:`inputs_unchanged` tells a scheduler that neither the config, the settings in effect, the files it
  names, the software nor any source changed since the current release (``schedules[].skip_unchanged``
  then skips the run, see etl.runner);
- :func:`prune` deletes what no kept release refers to (after ``publication.keep_releases``), so a source
  that changes daily does not fill the disk.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.built_with import built_with
from core.config import config_hash
from core.config_models import Config, SourceConfig, public_url
from core.errors import SourceError, StoreError
from core.store import ReleaseStore, sha256_file
from etl.sources import frictionless, remote, sql

log = logging.getLogger(__name__)

SQL_RESULT = "result.parquet"


def source_files(source: SourceConfig) -> tuple[Path, list[str]]:
    """(base folder, file names relative to it) of a file source as it is read."""
    if source.format == "frictionless":
        dp = frictionless.descriptor_path(source)
        desc = frictionless.load_descriptor(dp, source.id)
        names = [dp.name]
        for res in desc["resources"]:
            parts = res.get("path")
            names += [p for p in (parts if isinstance(parts, list) else [parts]) if isinstance(p, str)]
            if isinstance(res.get("schema"), str):
                names.append(res["schema"])
        return dp.parent, names
    path = Path(source.path)
    if path.is_dir() and source.format == "parquet" and source.read_by == "engine":  # a folder of Parquet files
        names = sorted(f.name for f in path.glob("*.parquet") if not f.name.startswith((".", "_")))
        if not names:
            raise SourceError(source.id, "no Parquet file (*.parquet) in the folder", file=str(path), key="path")
        return path, names
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path))
    names = [path.name]
    if source.format == "open_sdg" and source.metadata:
        meta = Path(source.metadata)
        if meta.parent != path.parent:
            return path.parent, [path.name, str(meta)]
        names.append(meta.name)
    return path.parent, names


def checksum(base: Path, names: list[str]) -> str:
    """The file's sha256; for several files, the sha256 of their ``name sha256`` lines."""
    if len(names) == 1:
        return sha256_file(base / names[0])
    lines = "".join(f"{Path(n).name} {sha256_file(base / n)}\n" for n in names)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def take(store_root: Path, source: SourceConfig, base: Path, names: list[str]) -> dict:
    """Snapshot the files (or reuse the snapshot with the same checksum). Returns the manifest entry."""
    sha = checksum(base, names)
    folder = store_root / "snapshots" / source.id
    existing = sorted(folder.glob(f"*-{sha[:12]}")) if folder.is_dir() else []
    if existing:
        snap = existing[-1]
    else:
        snap = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{sha[:12]}"
        tmp = folder / f".tmp-{snap.name}"
        shutil.rmtree(tmp, ignore_errors=True)
        for n in names:
            dest = tmp / Path(n).name if Path(n).is_absolute() else tmp / n
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / n, dest)
        tmp.rename(snap)
        log.info("step=snapshot source=%s sha256=%s folder=%s", source.id, sha, snap)
    return {"format": source.format, "path": source.where, "url": public_url(source.url),
            "sha256": sha, "snapshot": str(snap.relative_to(store_root)),
            "files": [Path(n).name if Path(n).is_absolute() else n for n in names],
            "taken": snap.name.split("-")[0]}


def take_frame(store_root: Path, source: SourceConfig, frame: pd.DataFrame) -> dict:
    """Snapshot a SQL result as Parquet."""
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), Path(tmp) / SQL_RESULT)
        entry = take(store_root, source, Path(tmp), [SQL_RESULT])
    entry["path"] = source.where
    return entry


def keep_observations(store_root: Path, source_id: str, obs: pd.DataFrame) -> str:
    """Write a source's clean observations (for the next run's comparison); returns the path in the store."""
    folder = store_root / "snapshots" / source_id / "observations"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / ".tmp.parquet"
    # Without the line numbers in the source file (``row``): the comparison never reads them (its findings
    # name the rows of the new file), the same observations moved down a line keep the same checksum, and
    # the column was a third of the write (bench/etl.py).
    table = pa.Table.from_pandas(obs.drop(columns=["row"], errors="ignore"), preserve_index=False)
    # Read back whole by the next run's comparison, never filtered: no statistics (on the dictionary-encoded
    # codes they were most of the write: bench/etl.py), and dictionary pages for text columns only.
    text = [f.name for f in table.schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)]
    pq.write_table(table, tmp, compression="zstd", use_dictionary=text, write_statistics=False)
    final = folder / f"{sha256_file(tmp)[:12]}.parquet"
    tmp.replace(final)
    return str(final.relative_to(store_root))


def previous_observations(store_root: Path, source_id: str) -> Path | None:
    """The Parquet file of the clean observations of ``source_id`` in the current release, if it recorded
    them (read by the comparison as it goes, never loaded whole)."""
    store = ReleaseStore(store_root)
    try:
        entry = store.manifest().get("sources", {}).get(source_id, {})
    except (StoreError, OSError, ValueError):
        return None
    rel = entry.get("observations")
    if not rel or not (store_root / rel).is_file():
        return None
    return store_root / rel


def prune(store_root: Path) -> list[str]:
    """Delete the snapshots and kept observations that no published release refers to (run after the
    releases themselves are pruned to ``publication.keep_releases``), and leftovers of interrupted copies.
    Returns what was removed, relative to the store. Removes nothing when a release's manifest cannot be
    read: what it refers to is unknown, so nothing is known to be unreferenced."""
    root = store_root / "snapshots"
    if not root.is_dir():
        return []
    store = ReleaseStore(store_root)
    referenced: set[str] = set()
    for release in store.list():
        try:
            entries = store.manifest(release["id"]).get("sources", {})
        except (StoreError, OSError, ValueError) as exc:
            log.warning("step=prune-snapshots skipped: manifest of %s unreadable (%s)", release["id"], exc)
            return []
        for entry in entries.values():
            referenced.update(Path(entry[k]).as_posix() for k in ("snapshot", "observations") if entry.get(k))
    removed = []
    for source_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        items = [p for p in source_dir.iterdir() if p.name != "observations"]
        if (source_dir / "observations").is_dir():
            items += list((source_dir / "observations").iterdir())
        for item in sorted(items):
            rel = item.relative_to(store_root).as_posix()
            if rel in referenced:
                continue
            if item.is_dir():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)
            removed.append(rel)
    if removed:
        log.info("step=prune-snapshots removed=%d", len(removed))
    return removed


def snapshot_source(source: SourceConfig, entry: dict, store_root: Path) -> SourceConfig:
    """The same source, read from its snapshot."""
    snap = store_root / entry["snapshot"]
    if not snap.is_dir():
        raise StoreError(f"snapshot {entry['snapshot']} of source {source.id!r} is missing from the store")
    files = entry["files"]
    update: dict = {"path": str(snap / files[0]), "url": None}
    if source.format == "sql":
        update.update(format="parquet", sql=None)
    if source.format == "open_sdg" and len(files) > 1:
        update["metadata"] = str(snap / files[1])
    return SourceConfig.model_validate({**source.model_dump(), **update})


def config_for_release(config: Config, manifest: dict) -> Config:
    """``config`` with every source read from the snapshots a release recorded (to rebuild that release)."""
    entries = manifest.get("sources", {})
    store_root = Path(config.store)
    sources = []
    for s in config.sources:
        if s.id in entries and entries[s.id].get("snapshot"):
            sources.append(snapshot_source(s, entries[s.id], store_root))
        else:
            sources.append(s)
    copy = config.model_copy(update={"sources": sources})
    copy._hash, copy._file = config._hash, config._file
    return copy


def current_entry(source: SourceConfig, store_root: Path) -> dict:
    """Checksum a source as it is now (downloading only if it changed), without snapshotting it."""
    if source.format == "sql":
        frame = sql.fetch_frame(source)
        with tempfile.TemporaryDirectory() as tmp:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), Path(tmp) / SQL_RESULT)
            return {"sha256": sha256_file(Path(tmp) / SQL_RESULT)}
    if source.remote:
        got = remote.fetch(source, store_root / "cache")
        source = source.model_copy(update={"path": str(got.path)})
    base, names = source_files(source)
    return {"sha256": checksum(base, names)}


def inputs_unchanged(config: Config) -> bool:
    """True when the current release was built from this very config, with the same settings in effect, files
    it names and software (:mod:`core.built_with`), and from sources with the same checksums (of the sources
    that provide a measure some indicator uses: a run reads no other)."""
    store = ReleaseStore(config.store)
    try:
        manifest = store.manifest()
    except StoreError:
        return False
    if manifest.get("config_hash") != config_hash(config):
        return False
    if manifest.get("built_with") != built_with(config):
        log.info("step=skip-check built_with changed=yes")
        return False
    recorded = manifest.get("sources", {})
    used = {x for i in config.indicators for x in i.compute.measures}
    read = {m.source for m in config.measures if m.id in used}  # a run reads no other source
    for s in config.sources:
        if s.id not in read:
            continue
        if s.id not in recorded:
            return False
        if current_entry(s, Path(config.store))["sha256"] != recorded[s.id].get("sha256"):
            log.info("step=skip-check source=%s changed=yes", s.id)
            return False
    return True

