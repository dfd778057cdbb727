"""Write the files of one release into its staging folder, then its manifest and datapackage.json.

indicator_values.parquet          sorted by indicator, level, area, period, one indicator per row group
by_area/part-NNNNN.parquet         the same rows in files of a few areas each (see etl.release_values)
level_ranges.parquet               the spread of each public indicator's values per level and period
areas.parquet, indicators.parquet, neighbours.parquet, quality.parquet
boundaries/<level>.geojson         each level's configured boundaries with ``id`` = area code (etl.boundaries)
manifest.json, datapackage.json
manifest.sha256                    the manifest's own checksum (``sha256sum -c manifest.sha256``)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl import boundaries as boundary_files
from etl.config import config_hash
from etl.config_models import Config, public_url
from etl.release_values import area_buckets, write_values
from etl.store import sha256_file, write_manifest
from indicators.compute import Computation

SCHEMA_VERSION = "1.0"

_FRICTIONLESS_TYPES = {
    "string": "string", "large_string": "string", "double": "number", "float": "number", "int64": "integer",
    "int32": "integer", "bool": "boolean", "list<item: string>": "array",
}


def write_release(comp: Computation, folder: Path, *, config: Config, release_id: str, areas: pd.DataFrame,
                  neighbours: pd.DataFrame, indicators: pd.DataFrame, quality: pd.DataFrame,
                  source_checksums: dict[str, dict], built_with: dict | None = None,
                  carry_forward: Path | None = None, carried: set[str] | None = None,
                  boundaries: dict[str, boundary_files.LevelBoundaries] | None = None
                  ) -> tuple[dict, dict[str, int]]:
    """Write every file of the release into ``folder``; return the manifest and the rows per indicator.
    ``built_with``: the settings, files and software the run used (:func:`etl.built_with.built_with`), taken
    before it read anything. ``boundaries``: the levels' normalised boundaries (:func:`etl.boundaries.normalise_all`,
    which the run calls first for its findings); normalised here when not given."""
    rows = write_values(comp, folder, carry_forward, carried)
    by_area = neighbours.sort_values(["area_code", "rank"]).groupby("area_code")["neighbour_code"].agg(list)
    area_table = areas.copy()
    area_table["bucket"] = area_table["area_code"].map(area_buckets(comp)).astype("int32")
    area_table["neighbours"] = area_table["area_code"].map(by_area)
    area_table["neighbours"] = area_table["neighbours"].map(lambda v: v if isinstance(v, list) else [])
    _write(area_table, folder / "areas.parquet")
    _write(neighbours, folder / "neighbours.parquet")
    _write(indicators, folder / "indicators.parquet")
    _write(quality, folder / "quality.parquet")
    if boundaries is None and config.geography.boundaries:
        boundaries = boundary_files.normalise_all(config, areas)
    if boundaries:
        boundary_files.write(boundaries, folder)

    manifest = _manifest(folder, config, release_id, indicators, source_checksums, built_with or {})
    manifest["map"] = config.dashboard.map.model_dump(mode="json")
    manifest["boundaries"] = {level: {"areas": lb.areas, "matched": lb.matched,
                                      "unmatched_features": len(lb.unmatched_features)}
                              for level, lb in (boundaries or {}).items()}
    (folder / "datapackage.json").write_text(json.dumps(_datapackage(folder, config, release_id, indicators),
                                                        indent=2), encoding="utf-8")
    manifest["files"]["datapackage.json"] = _file_entry(folder / "datapackage.json")
    write_manifest(folder, manifest)
    return manifest, rows


def _write(df: pd.DataFrame, path: Path) -> None:
    """A small table of the release, every page with its CRC-32 (a reader reports a flipped bit)."""
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, write_page_checksum=True)


def _file_entry(path: Path) -> dict:
    entry = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    if path.suffix == ".parquet":
        entry["rows"] = pq.ParquetFile(path).metadata.num_rows
    return entry


def _manifest(folder: Path, config: Config, release_id: str, indicators: pd.DataFrame,
              source_checksums: dict[str, dict], built_with: dict) -> dict:
    files = {str(p.relative_to(folder)): _file_entry(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    nb = config.geography.neighbours
    return {
        "release_id": release_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "title": config.title,
        "synthetic": config.synthetic,
        "schema_version": SCHEMA_VERSION,
        "config_hash": config_hash(config),
        "levels": config.geography.levels,
        "licence": config.publication.licence,
        "attribution": config.publication.attribution,
        "citation": config.publication.citation,
        "neighbours": nb.model_dump() if nb else None,
        **({"aggregate_root": config.geography.aggregate_root.model_dump()} if config.geography.aggregate_root
           else {}),
        "counts": {"indicators": len(indicators),
                   "public_indicators": int((indicators["visibility"] == "public").sum())},
        "sources": source_checksums,
        "built_with": built_with,
        "files": files,
    }


def _datapackage(folder: Path, config: Config, release_id: str, indicators: pd.DataFrame) -> dict:
    resources = []
    for name in ("indicator_values.parquet", "areas.parquet", "indicators.parquet", "neighbours.parquet",
                 "quality.parquet"):
        schema = pq.read_schema(folder / name)
        resources.append({
            "name": name.removesuffix(".parquet"), "path": name, "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "hash": f"sha256:{sha256_file(folder / name)}",
            "schema": {"fields": [{"name": f.name, "type": _FRICTIONLESS_TYPES.get(str(f.type), "any")}
                                  for f in schema]},
        })
    sources = [{"title": s.title or s.id, "path": public_url(s.url), "publisher": s.publisher,
                "attribution": s.attribution}
               for s in config.sources]
    return {
        "profile": "data-package",
        "name": f"openmeasure-{release_id.lower()}",
        "id": release_id,
        "title": config.title + (" (synthetic demo data)" if config.synthetic else ""),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "licenses": [{"name": config.publication.licence}],
        "sources": [{k: v for k, v in s.items() if v} for s in sources],
        "keywords": sorted(set(indicators["theme"])),
        "resources": resources,
    }
