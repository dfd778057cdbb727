"""A small real-geography deployment (NUTS 2021) around one source, for the validation tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from tests.conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad"
CSV_COLUMNS = {"area_code": "area_code", "period": "year", "value": "value"}
POPULATION = {"id": "population", "title": "Population", "theme": "growth", "kind": "output", "unit": "people",
              "compute": {"method": "sum", "measure": "population"}}


def deployment(tmp_path: Path, shared_data: Path, source: dict, *, measures: list[dict] | None = None,
               indicators: list[dict] | None = None, name: str = "config.yaml"):
    from core.config import load_config

    source = {"id": "s", "format": "csv", **source}
    if source["format"] in ("csv", "excel"):
        source.setdefault("columns", CSV_COLUMNS)
    cfg = {
        "store": str(tmp_path / "store"),
        "catalogue": f"sqlite:///{tmp_path / 'catalog.db'}",
        "geography": {
            "levels": ["country", "nuts1", "nuts2", "nuts3"],
            "areas": {"path": str(shared_data / "nuts2021-boundaries/nuts2021_hierarchy.csv"), "code": "nuts_id",
                      "name": "name_latn", "level": "level", "parent": "parent_id",
                      "level_values": {"0": "country", "1": "nuts1", "2": "nuts2", "3": "nuts3"}},
        },
        "sources": [source],
        "measures": measures or [{"id": "population", "source": "s", "people": True}],
        "indicators": indicators or [POPULATION],
    }
    (tmp_path / name).write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return load_config(tmp_path / name)


def read(config):
    """(observations, findings) of every source, as the pipeline reads them."""
    from core.geography import load_areas
    from etl.sources.extract import read_sources

    areas = load_areas(config.geography)
    got = read_sources(config, {m.id for m in config.measures}, set(areas.area_code), lambda _msg: None)
    return got.observations, got.findings


def messages(findings) -> list[tuple]:
    return [(r.rule, r.severity, None if pd.isna(r.row) else int(r.row), r.column, r.message)
            for r in findings.itertuples()]


def extract(config, source_id: str = "s"):
    """One source as the pipeline extracts it (``SourceExtract``: observations, findings, headers, unmatched)."""
    from core.geography import load_areas
    from etl.sources.extract import extract_source

    areas = load_areas(config.geography)
    source = next(s for s in config.sources if s.id == source_id)
    return extract_source(config, source, [m for m in config.measures if m.source == source_id],
                          set(areas.area_code), lambda: areas, count_measures=set(), frequencies={})
