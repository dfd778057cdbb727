"""Real data: the Eurostat example (NUTS 0-3, ~37 countries and no common root) with an EU aggregate root.

- every area keeps its own country as ``top_value``;
- ``source: published``: ``aggregate_value`` is Eurostat's own EU27_2020 figure, read here from the file;
- ``source: built``: it is the sum of the member countries' NUTS 3 regions, like any parent;
- areas of countries outside the EU have no aggregate value.
"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from core.config_models import AggregateRoot
from tests.conftest import ROOT, load_config_with, temp_store_env

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

EU27 = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU",
        "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
COLUMNS = ["indicator", "area_code", "level", "period", "value", "top_value", "aggregate_value",
           "significance_aggregate"]


def _run(tmp, shared_data, source: str) -> pd.DataFrame:
    from etl.pipeline import run

    env = temp_store_env(tmp)
    config = load_config_with(ROOT / "examples" / "eurostat" / "config.yaml", env)
    geography = config.geography.model_copy(update={"aggregate_root": AggregateRoot(
        code="EU27_2020", name="European Union (27)", members=EU27, source=source)})
    path = run(config.model_copy(update={"geography": geography})).path
    return pd.read_parquet(path / "indicator_values.parquet", columns=COLUMNS,
                           filters=[("indicator", "in", ["population", "population_published"])])


def _eurostat_eu27(shared_data) -> dict[str, float]:
    """Eurostat's EU27_2020 population (NR, T, TOTAL) by year, as the TSV gives it (flags dropped)."""
    path = shared_data / "eurostat-regional-population-gdp" / "tsv" / "demo_r_pjanaggr3.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if cells[0] == "NR,T,TOTAL,EU27_2020":
                break
    years = [h.strip() for h in header[1:]]
    figures = [c.strip().split(" ")[0] for c in cells[1:]]
    return {y: float(v) for y, v in zip(years, figures, strict=True) if v != ":"}


@pytest.fixture(scope="module")
def published(tmp_path_factory, shared_data):
    return _run(tmp_path_factory.mktemp("eu-published"), shared_data, "published")


@pytest.fixture(scope="module")
def built(tmp_path_factory, shared_data):
    return _run(tmp_path_factory.mktemp("eu-built"), shared_data, "built")


def test_every_area_keeps_its_own_country_as_its_top(published):
    pop = published[published.indicator == "population"]
    countries = pop[pop.level == "nuts0"].set_index(["area_code", "period"])["value"]
    nuts3 = pop[(pop.level == "nuts3") & pop.top_value.notna()]
    tops = [countries.get((a[:2], p)) for a, p in zip(nuts3.area_code, nuts3.period, strict=True)]
    assert nuts3.top_value.tolist() == tops
    assert len(nuts3) > 1000


def test_a_published_aggregate_is_eurostats_own_eu27_figure(published, shared_data):
    eu = _eurostat_eu27(shared_data)
    for indicator in ("population", "population_published"):
        rows = published[(published.indicator == indicator) & published.area_code.str[:2].isin(EU27)]
        got = rows.groupby("period")["aggregate_value"].agg(["min", "max"])
        checked = [p for p in got.index if p in eu]
        assert len(checked) >= 20
        for p in checked:
            assert got.loc[p, "min"] == got.loc[p, "max"] == eu[p], (indicator, p)
    outside = published[~published.area_code.str[:2].isin(EU27)]
    assert len(outside) and outside.aggregate_value.isna().all()
    assert (outside.significance_aggregate == "not compared").all()
    assert "EU27_2020" not in set(published.area_code)


def test_a_built_aggregate_is_the_sum_of_its_members_nuts3_regions(built):
    pop = built[built.indicator == "population"]
    members = pop[pop.area_code.str[:2].isin(EU27)]
    by_period = members.groupby("period")["aggregate_value"].agg(["min", "max"])
    nuts3 = members[members.level == "nuts3"].groupby("period")["value"].agg(["sum", "count"])
    checked = 0
    for p, row in by_period.dropna().iterrows():
        assert row["min"] == row["max"]
        assert row["min"] == pytest.approx(nuts3.loc[p, "sum"], rel=1e-12), p
        checked += 1
    assert checked >= 10
