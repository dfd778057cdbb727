"""Write the files of one release into its staging folder, then its manifest and datapackage.json.

indicator_values.parquet          sorted by indicator, level, area, period: reading one indicator touches
                                   only its row groups (the map, the ranking, the API by indicator)
indicator_values_by_area.parquet  the same rows sorted by area, indicator, period: one area across all
                                   indicators reads a few row groups (the area profile)
areas.parquet, indicators.parquet, neighbours.parquet, quality.parquet
boundaries/<level>.geojson         the boundaries configured for each level, copied as they are
manifest.json, datapackage.json
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.config import config_hash
from etl.config_models import Config
from etl.store import sha256_file
from indicators.engine import Engine

SCHEMA_VERSION = "1.0"
ROW_GROUP_SIZE = 50_000

#: Integer keys the engine keeps beside the codes (ids follow code order, so sorting by them sorts by code).
ID_COLUMNS = ("ind_id", "area_id", "period_id")
FINAL_ORDER = "ORDER BY ind_id, level_index, area_id, period_id, breakdown"
AREA_ORDER = "ORDER BY area_id, ind_id, period_id, breakdown"
CODE_ORDER = "ORDER BY indicator, level_index, area_code, period, breakdown"
CODE_AREA_ORDER = "ORDER BY area_code, indicator, period, breakdown"

_FRICTIONLESS_TYPES = {
    "string": "string", "large_string": "string", "double": "number", "float": "number", "int64": "integer",
    "int32": "integer", "bool": "boolean", "list<item: string>": "array",
}


def write_release(engine: Engine, folder: Path, *, config: Config, release_id: str, areas: pd.DataFrame,
                  neighbours: pd.DataFrame, indicators: pd.DataFrame, quality: pd.DataFrame,
                  source_checksums: dict[str, dict], carry_forward: Path | None = None,
                  refreshed: list[str] | None = None) -> dict:
    """Write every file of the release into ``folder`` and return the manifest."""
    columns = ", ".join(c for c in engine.query("SELECT * FROM final LIMIT 0").schema.names
                        if c not in ID_COLUMNS)
    final, order, area_order = f"SELECT {columns} FROM final", FINAL_ORDER, AREA_ORDER
    if carry_forward is not None and refreshed is not None:
        engine.register_parquet("previous", carry_forward)
        keep = ", ".join("'" + i.replace("'", "") + "'" for i in refreshed)
        engine.materialize("published", f"{final} UNION ALL SELECT {columns} FROM previous "
                                        f"WHERE indicator NOT IN ({keep})")
        final, order, area_order = "SELECT * FROM published", CODE_ORDER, CODE_AREA_ORDER
    engine.write_parquet(f"{final} {order}", folder / "indicator_values.parquet", ROW_GROUP_SIZE,
                         split_on="indicator")
    engine.write_parquet(f"{final} {area_order}", folder / "indicator_values_by_area.parquet", ROW_GROUP_SIZE)

    by_area = neighbours.sort_values(["area_code", "rank"]).groupby("area_code")["neighbour_code"].agg(list)
    area_table = areas.copy()
    area_table["neighbours"] = area_table["area_code"].map(by_area)
    area_table["neighbours"] = area_table["neighbours"].map(lambda v: v if isinstance(v, list) else [])
    pq.write_table(pa.Table.from_pandas(area_table, preserve_index=False), folder / "areas.parquet")
    pq.write_table(pa.Table.from_pandas(neighbours, preserve_index=False), folder / "neighbours.parquet")
    pq.write_table(pa.Table.from_pandas(indicators, preserve_index=False), folder / "indicators.parquet")
    pq.write_table(pa.Table.from_pandas(quality, preserve_index=False), folder / "quality.parquet")
    if config.geography.boundaries:
        (folder / "boundaries").mkdir()
        for level, path in config.geography.boundaries.items():
            shutil.copyfile(path, folder / "boundaries" / f"{level}.geojson")

    manifest = _manifest(folder, config, release_id, indicators, source_checksums)
    (folder / "datapackage.json").write_text(json.dumps(_datapackage(folder, config, release_id, indicators),
                                                        indent=2), encoding="utf-8")
    manifest["files"]["datapackage.json"] = _file_entry(folder / "datapackage.json")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _file_entry(path: Path) -> dict:
    entry = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    if path.suffix == ".parquet":
        entry["rows"] = pq.ParquetFile(path).metadata.num_rows
    return entry


def _manifest(folder: Path, config: Config, release_id: str, indicators: pd.DataFrame,
              source_checksums: dict[str, dict]) -> dict:
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
        "counts": {"indicators": len(indicators),
                   "public_indicators": int((indicators["visibility"] == "public").sum())},
        "sources": source_checksums,
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
    sources = [{"title": s.title or s.id, "path": s.url, "publisher": s.publisher, "attribution": s.attribution}
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
