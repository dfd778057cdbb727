"""A small world whose indicator is broken down by sex, for the dashboard's breakdown views: country C, regions
R1 (L1, L2, L3) and R2 (L4, L5, L6). ``rate`` is the total (residents with the condition per 100 residents),
``rate_by_sex`` the same by ``sex`` (F, M and the total T, as SDMX codes it), with 95% intervals; L1's count of
women (3) is below the disclosure threshold, so it and a cell that would give it away are withheld.

The demo (config.yaml) has no dimension to break down by, so the breakdown views are tested on this world."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

AREAS = [
    ("C", "Country", "country", ""),
    ("R1", "Region one", "region", "C"), ("R2", "Region two", "region", "C"),
    ("L1", "Local one", "local", "R1"), ("L2", "Local two", "local", "R1"), ("L3", "Local three", "local", "R1"),
    ("L4", "Local four", "local", "R2"), ("L5", "Local five", "local", "R2"), ("L6", "Local six", "local", "R2"),
]

#: (area, cases F, cases M, residents F, residents M) for 2020; 2021 adds 10% to each count of cases
COUNTS = [("L1", 3, 40, 500, 480), ("L2", 60, 45, 900, 880), ("L3", 30, 50, 700, 690),
          ("L4", 80, 70, 1200, 1150), ("L5", 25, 20, 600, 610), ("L6", 90, 100, 1500, 1480)]


def observations() -> pd.DataFrame:
    rows = []
    for period, grow in (("2020", 1.0), ("2021", 1.1)):
        for area, cf, cm, pf, pm in COUNTS:
            for sex, cases, pop in (("F", cf, pf), ("M", cm, pm), ("T", cf + cm, pf + pm)):
                rows += [("cases", area, period, sex, round(cases * grow)), ("residents", area, period, sex, pop)]
    return pd.DataFrame(rows, columns=["measure", "area_code", "period", "sex", "value"])


def write_config(folder: Path) -> Path:
    """The world's areas, observations and config in ``folder``; returns the config's path."""
    pd.DataFrame(AREAS, columns=["area_code", "name", "level", "parent_code"]).to_csv(folder / "areas.csv", index=False)
    observations().to_csv(folder / "obs.csv", index=False)
    common = {"theme": "health", "kind": "outcome", "unit": "%", "decimals": 1, "polarity": "lower_is_better",
              "disclosure": {"threshold": 5}}
    cfg = {
        "title": "Breakdown world (synthetic)",
        "store": "${OPENMEASURE_STORE:-store}",
        "catalogue": "${OPENMEASURE_CATALOGUE:-sqlite:///catalog.db}",
        "engine": {"memory_limit": "1GB", "threads": 1},
        "geography": {"levels": ["country", "region", "local"], "areas": {"path": "areas.csv"}},
        "sources": [{"id": "obs", "format": "csv", "path": "obs.csv"}],
        "measures": [
            {"id": "cases", "source": "obs", "select": {"measure": "cases", "sex": "T"}, "unit": "people",
             "people": True},
            {"id": "residents", "source": "obs", "select": {"measure": "residents", "sex": "T"}, "unit": "people",
             "people": True},
            {"id": "cases_by_sex", "source": "obs", "select": {"measure": "cases"}, "breakdown": "sex",
             "unit": "people", "people": True},
            {"id": "residents_by_sex", "source": "obs", "select": {"measure": "residents"}, "breakdown": "sex",
             "unit": "people", "people": True},
        ],
        "indicators": [
            {"id": "rate", "title": "Residents with the condition", **common,
             "compute": {"method": "ratio", "numerator": "cases", "denominator": "residents", "multiplier": 100}},
            {"id": "rate_by_sex", "title": "Residents with the condition, by sex", **common,
             "compute": {"method": "ratio", "numerator": "cases_by_sex", "denominator": "residents_by_sex",
                         "multiplier": 100}},
        ],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def write_canada_config(folder: Path) -> Path:
    """Statistics Canada's suicide mortality rate by sex (tests/data/real/canada_sdg, real data): published by
    breakdown only ('Sex=Both sexes', 'Sex=Females', 'Sex=Males'; the national headline 'Sex=total'), with no
    interval, so a province has no total row at all."""
    real = Path(__file__).resolve().parents[1] / "data" / "real" / "canada_sdg"
    cfg = {
        "title": "Canada's Open SDG data, by sex",
        "store": "${OPENMEASURE_STORE:-store}",
        "catalogue": "${OPENMEASURE_CATALOGUE:-sqlite:///catalog.db}",
        "engine": {"memory_limit": "1GB", "threads": 1},
        "geography": {"levels": ["country", "province"], "areas": {"path": str(real / "areas_canada.csv")}},
        "sources": [{"id": "sdg", "format": "open_sdg", "path": str(real / "indicator_3-4-2.csv"),
                     "national_area": "01"}],
        "measures": [{"id": "suicide_by_sex", "source": "sdg", "breakdown": "Sex"}],
        "indicators": [{"id": "suicide_rate_by_sex", "title": "Suicide mortality rate, by sex", "theme": "health",
                        "kind": "impact", "unit": "per 100,000", "decimals": 1, "polarity": "lower_is_better",
                        "compute": {"method": "published", "measure": "suicide_by_sex"}}],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
