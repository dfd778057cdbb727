"""Real data: examples/eurostat/index.yaml, the Eurostat populations as an index (2015 = 100) at NUTS 0-3,
checked against arithmetic on the rows of the source file itself (demo_r_pjanaggr3, total population).

Malta: MT has one NUTS 1 and one NUTS 2 region (MT0, MT00) and two NUTS 3 regions (MT001 Malta, MT002 Gozo
and Comino); its index at every level is the sum of the two islands' populations over the same in 2015.
"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from core.config import load_config
from core.geography import load_areas
from etl.coverage import base_period_findings
from etl.observations import extract_measures
from etl.sources import read_source
from indicators.compute import compute
from indicators.engine import DuckDBEngine
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

CONFIG = ROOT / "examples" / "eurostat" / "index.yaml"
TSV = ROOT / "examples" / "data" / "eurostat-regional-population-gdp" / "tsv" / "demo_r_pjanaggr3.tsv.gz"


def source_rows(age: str = "TOTAL") -> pd.DataFrame:
    """The file's total-population rows, by hand: region x year, flags dropped, ':' empty."""
    with gzip.open(TSV, "rt", encoding="utf-8") as f:
        raw = pd.read_csv(f, sep="\t", dtype=str)
    keys = raw.iloc[:, 0].str.split(",", expand=True)
    chosen = (keys[0] == "NR") & (keys[1] == "T") & (keys[2] == age)
    raw = raw[chosen].set_index(keys[3][chosen].rename("geo"))
    raw.columns = [c.strip() for c in raw.columns]
    values = raw.iloc[:, 1:].apply(lambda col: pd.to_numeric(col.str.strip().str.split(" ").str[0], errors="coerce"))
    return values


@pytest.fixture(scope="module")
def computed():
    config = load_config(CONFIG)
    areas = load_areas(config.geography)
    source = config.sources[0]
    obs = extract_measures(read_source(source), source, config.measures, config)
    engine = DuckDBEngine("1GB", 1)
    try:
        table = compute(engine, config, areas, obs,
                        pd.DataFrame(columns=["area_code", "neighbour_code", "rank", "distance"])).table().to_pandas()
    finally:
        engine.close()
    return config, obs, table


def value(table, indicator, area, period):
    hit = table[(table.indicator == indicator) & (table.area_code == area) & (table.period == period)]
    assert len(hit) == 1, (indicator, area, period)
    return hit.iloc[0]


def test_the_population_index_is_the_population_over_2015s_at_every_level(computed):
    _, _, table = computed
    pop = source_rows()
    islands = ["MT001", "MT002"]
    for year in ("2016", "2020", "2022"):
        for area, parts in (("MT001", ["MT001"]), ("MT002", ["MT002"]), ("MT00", islands), ("MT0", islands),
                            ("MT", islands)):
            expected = pop.loc[parts, year].sum() / pop.loc[parts, "2015"].sum() * 100
            got = value(table, "population_index", area, year)
            assert got.value == pytest.approx(expected, rel=1e-12), (area, year)
            assert got.denominator == pop.loc[parts, "2015"].sum()
        assert value(table, "population_index", "MT", "2015").value == 100.0
    # Malta 2020: 514,564 residents against 439,691 in 2015 (480,134 + 34,430 over 407,958 + 31,733)
    assert value(table, "population_index", "MT", "2020").value == pytest.approx(117.03, abs=0.005)


def test_the_index_of_a_share_divides_the_shares(computed):
    _, _, table = computed
    pop, old = source_rows(), source_rows("Y_GE65")
    for area in ("MT001", "MT002"):
        expected = (old.loc[area, "2020"] / pop.loc[area, "2020"]) / (old.loc[area, "2015"] / pop.loc[area, "2015"])
        assert value(table, "share_65plus_index", area, "2020").value == pytest.approx(expected * 100, rel=1e-12)


def test_regions_without_a_2015_population_have_no_index_and_a_finding(computed):
    config, obs, table = computed
    index = table[table.indicator == "population_index"]
    note = "Not computed: no value was reported for the base period 2015 here; an index needs one."
    lacking = index[index.value.isna() & (index.note == note)]
    assert not lacking.empty
    pop = source_rows()
    local = lacking[lacking.level == "nuts3"]
    for area in local.area_code.unique()[:20]:  # in the file: no 2015 figure for the region, or none at all
        assert area not in pop.index or pd.isna(pop.loc[area, "2015"]), area
    found = base_period_findings(config, ["population_index"], obs)
    found = found[found.rule == "index_base_without_data"]
    areas = set(found.area_code)
    with_data = set(local[local.n_reporting > 0].area_code)
    assert with_data <= areas
    area = sorted(with_data)[0]
    message = found[found.area_code == area].message.iloc[0]
    periods = sorted(p for p in pop.columns if pd.notna(pop.loc[area, p])) if area in pop.index else []
    assert message.startswith(f"indicator 'population_index': area {area!r} has no value in the base period "
                              f"'2015'; the periods with data are {periods[0]}"), message
    # a real zero base: the extra-regio pseudo-region ALX has 0 residents in 2015
    zero = found[found.area_code == "ALX"].message
    assert len(zero) == 1 and "area 'ALX' has 0 in the base period '2015'" in zero.iloc[0]
