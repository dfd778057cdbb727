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

from core import schema
from core.config import config_hash
from core.config_models import Config, public_url
from core.layout import PARQUET_MISSING
from core.licences import licence_entry
from core.store import sha256_file, write_manifest
from etl import boundaries as boundary_files
from etl.release_values import area_buckets, chunk_rows, write_values
from indicators.compute import Computation

_FRICTIONLESS_TYPES = {
    "string": "string", "large_string": "string", "double": "number", "float": "number", "int64": "integer",
    "int32": "integer", "bool": "boolean",
    # a list column (areas.neighbours) is "any": Frictionless reads Parquet through pandas, which hands a list
    # over as a numpy array, and its "array" type takes only JSON arrays
    "list<item: string>": "any", "list<element: string>": "any",
}
#: The primary key of each table of a release (quality.parquet, a list of findings, has none): core.schema's.
PRIMARY_KEYS = {t.name: list(t.primary_key) for t in schema.TABLES.values() if t.primary_key}


def write_release(comp: Computation, folder: Path, *, config: Config, release_id: str, areas: pd.DataFrame,
                  neighbours: pd.DataFrame, indicators: pd.DataFrame, quality: pd.DataFrame,
                  source_checksums: dict[str, dict], built_with: dict | None = None,
                  carry_forward: Path | None = None, carried: set[str] | None = None,
                  boundaries: dict[str, boundary_files.LevelBoundaries] | None = None
                  ) -> tuple[dict, dict[str, int]]:
    """Write every file of the release into ``folder``; return the manifest and the rows per indicator.
    ``built_with``: the settings, files and software the run used (:func:`core.built_with.built_with`), taken
    before it read anything. ``boundaries``: the levels' normalised boundaries (:func:`etl.boundaries.normalise_all`,
    which the run calls first for its findings); normalised here when not given."""
    rows = write_values(comp, folder, carry_forward, carried, chunk_rows(config.engine))
    by_area = neighbours.sort_values(["area_code", "rank"]).groupby("area_code")["neighbour_code"].agg(list)
    area_table = areas.copy()
    area_table["bucket"] = area_table["area_code"].map(area_buckets(comp)).astype("int32")
    area_table["neighbours"] = area_table["area_code"].map(by_area)
    area_table["neighbours"] = area_table["neighbours"].map(lambda v: v if isinstance(v, list) else [])
    _write(pa.Table.from_pandas(area_table, preserve_index=False), folder / "areas.parquet", schema.AREAS)
    _write(pa.Table.from_pandas(neighbours, preserve_index=False), folder / "neighbours.parquet", schema.NEIGHBOURS)
    _write(_typed(indicators, _numbers(schema.INDICATORS)), folder / "indicators.parquet", schema.INDICATORS)
    _write(_typed(quality, _numbers(schema.QUALITY)), folder / "quality.parquet", schema.QUALITY)
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


def _write(table: pa.Table, path: Path, declared: schema.Table) -> None:
    """A small table of the release, every page with its CRC-32 (a reader reports a flipped bit), once its
    columns are checked against their declaration."""
    declared.check(table.schema, f"the {declared.name} table written to {path.name}")
    pq.write_table(table, path, write_page_checksum=True)


def _numbers(declared: schema.Table) -> dict[str, pa.DataType]:
    """The declared types of a table's columns that are not text: a column empty in this release (no
    indicator has a target) is typed as a number even so."""
    return {n: t for n, t in declared.types().items() if not pa.types.is_string(t)}


def _typed(df: pd.DataFrame, types: dict[str, pa.DataType]) -> pa.Table:
    """The frame as Arrow with no column of the null type: a column that is empty in this release (no
    indicator has a target, no finding at all) keeps its type (``types``, else text), so the file matches
    its data package and a reader's schema does not change from one release to the next."""
    t = pa.Table.from_pandas(df, preserve_index=False)
    fields = [pa.field(f.name, types.get(f.name, pa.large_string())) if pa.types.is_null(f.type) else f
              for f in t.schema]
    return t.cast(pa.schema(fields, metadata=t.schema.metadata))


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
        "schema_version": schema.SCHEMA_VERSION,
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
        file_schema = pq.read_schema(folder / name)
        resources.append({
            "name": name.removesuffix(".parquet"), "path": name, "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "hash": f"sha256:{sha256_file(folder / name)}",
            "schema": {"fields": [{"name": f.name, "type": _FRICTIONLESS_TYPES.get(str(f.type), "any")}
                                  for f in file_schema], "missingValues": PARQUET_MISSING,
                       **({"primaryKey": PRIMARY_KEYS[stem]} if (stem := name.removesuffix(".parquet"))
                          in PRIMARY_KEYS else {})},
        })
    sources = [{"title": s.title or s.id, "path": public_url(s.url), "publisher": s.publisher,
                "attribution": s.attribution}
               for s in config.sources]
    return {
        "profile": "data-package",
        "name": f"openmeasure-{release_id.lower()}",
        "id": release_id,
        "title": config.title + (" (synthetic data)" if config.synthetic and "synthetic" not in
                                 config.title.lower() else ""),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "licenses": [licence_entry(config.publication.licence)],
        "sources": [{k: v for k, v in s.items() if v} for s in sources],
        "keywords": sorted(set(indicators["theme"])),
        "resources": resources,
    }
