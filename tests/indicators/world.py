"""A tiny, hand-checkable world for computation tests: country C, regions R1 and R2, four local areas.

    C
    ├── R1: L1, L2
    └── R2: L3, L4
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from core.config import load_config
from core.geography import load_areas
from etl.observations import extract_measures
from etl.sources import read_source
from indicators.compute import compute
from indicators.engine import DuckDBEngine
from indicators.neighbours import nearest_neighbours

AREAS = [
    ("C", "Country", "country", "", 1000, 1),
    ("R1", "Region one", "region", "C", 400, 1),
    ("R2", "Region two", "region", "C", 600, 2),
    ("L1", "Local one", "local", "R1", 100, 1),
    ("L2", "Local two", "local", "R1", 290, 2),
    ("L3", "Local three", "local", "R2", 120, 1),
    ("L4", "Local four", "local", "R2", 480, 2),
]


def build_config(tmp: Path, observations: list[tuple], indicators: list[dict], measures: list[str],
                 neighbours_k: int | None = None, areas: list[tuple] = AREAS,
                 levels: tuple[str, ...] = ("country", "region", "local"), **extra) -> Path:
    pd.DataFrame(areas, columns=["area_code", "name", "level", "parent_code", "population", "urban"]) \
        .to_csv(tmp / "areas.csv", index=False)
    pd.DataFrame(observations, columns=["measure", "area_code", "period", "value", "flag"]) \
        .to_csv(tmp / "obs.csv", index=False)
    cfg = {
        "title": "test world",
        "store": str(tmp / "store"),
        "catalogue": f"sqlite:///{tmp / 'catalog.db'}",
        "geography": {
            "levels": list(levels),
            "areas": {"path": "areas.csv", "attributes": ["population", "urban"]},
        },
        "sources": [{"id": "obs", "format": "csv", "path": "obs.csv",
                     "columns": {"area_code": "area_code", "period": "period", "value": "value",
                                 "flag": "flag"}}],
        "measures": [{"id": m, "source": "obs"} for m in measures],
        "indicators": [{"title": i["id"], "theme": "service use", "kind": "outcome", "unit": "%", **i}
                       for i in indicators],
        **extra,
    }
    if neighbours_k:
        cfg["geography"]["neighbours"] = {"k": neighbours_k, "features": [{"name": "population"}]}
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def compute_final(config_path: Path, withheld: pd.DataFrame | None = None, engine=None) -> pd.DataFrame:
    """Run the computation (no release) and return the final table, one row per indicator/area/period.
    ``withheld``: cells the release before withheld. ``engine``: DuckDB unless given (it is closed after)."""
    config = load_config(config_path)
    areas = load_areas(config.geography)
    source = config.sources[0]
    obs = extract_measures(read_source(source), source, config.measures, config)
    nb = config.geography.neighbours
    neighbours = (nearest_neighbours(areas, nb, config.geography.levels) if nb
                  else pd.DataFrame(columns=["area_code", "neighbour_code", "rank", "distance"]))
    engine = engine if engine is not None else DuckDBEngine("1GB", 1)
    try:
        return compute(engine, config, areas, obs, neighbours, withheld=withheld).table().to_pandas()
    finally:
        engine.close()


def row(final: pd.DataFrame, indicator: str, area: str, period: str = "2020") -> pd.Series:
    hit = final[(final.indicator == indicator) & (final.area_code == area) & (final.period == period)]
    assert len(hit) == 1, f"expected one row for {indicator} {area} {period}, got {len(hit)}"
    return hit.iloc[0]
