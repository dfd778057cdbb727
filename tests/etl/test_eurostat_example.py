"""Real data: examples/eurostat/config.yaml rolls NUTS 3 population up to NUTS 2, 1 and 0, and the result
is checked against Eurostat's own published totals for those levels in the same file.

Equal wherever every NUTS 3 child reports; every difference must be explained by
- the coverage column (a child did not report, e.g. legacy NUTS codes that are not in NUTS 2021),
- a publisher's flag on either figure, or a break ('b') later in the published series (Eurostat revised the
  national series back across a census break but not the regional one: Romania 2003-2011),
- data for a not-regionalised pseudo-region under that parent, kept out of the roll-up with a finding,
- rounding: the publisher's figures are rounded (to 100 persons in the early UK series), so a parent may
  differ from the sum of its children by at most half a rounding unit per figure (children and parent).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, load_config_with, temp_store_env

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


@pytest.fixture(scope="module")
def eurostat_release(tmp_path_factory):
    from etl.pipeline import run

    env = temp_store_env(tmp_path_factory.mktemp("eurostat"))
    return run(load_config_with(ROOT / "examples" / "eurostat" / "config.yaml", env)).path


def _explain(row, children: int, breaks: dict[str, list[str]], pseudo: set[tuple[str, str]]) -> str:
    area, period = row.area_code, row.period
    if row.coverage_c < 1:
        return "coverage"
    if row.flags_c or row.flags_p:
        return "flag"
    if any(b > period for b in breaks.get(area, [])):
        return "break later in the series"
    if (area, period) in pseudo:
        return "pseudo-region"
    unit = 100 if row.value_p % 100 == 0 else 1
    if abs(row.value_c - row.value_p) <= (children + 1) * unit / 2:  # each figure rounded by half a unit
        return "rounding"
    return "UNEXPLAINED"


def test_rolled_up_population_matches_eurostat_or_the_difference_is_explained(eurostat_release: Path):
    values = pd.read_parquet(eurostat_release / "indicator_values.parquet",
                             columns=["indicator", "area_code", "level", "period", "value", "flags", "coverage",
                                      "n_expected"],
                             filters=[("indicator", "in", ["population", "population_published"])])
    values["flags"] = values["flags"].astype(object).fillna("")
    quality = pd.read_parquet(eurostat_release / "quality.parquet")
    q = quality[(quality["rule"] == "pseudo_area") & (quality["measure"] == "population")]
    pseudo = {(a[:k], p) for a, p in zip(q["area_code"], q["period"], strict=True) for k in range(2, len(a))}
    published = values[values.indicator == "population_published"]
    breaks: dict[str, list[str]] = {}
    for a, p, f in zip(published.area_code, published.period, published["flags"], strict=True):
        if "b" in f:
            breaks.setdefault(a, []).append(p)
    computed = values[(values.indicator == "population") & (values.level != "nuts3")]
    both = computed.merge(published, on=["area_code", "period"], suffixes=("_c", "_p"))
    both = both[both.value_c.notna() & both.value_p.notna()]
    assert len(both) > 10_000  # NUTS 0-2 x 33 years

    equal = both.value_c == both.value_p
    differ = both[~equal].copy()
    differ["why"] = [_explain(r, r.n_expected_c, breaks, pseudo) for r in differ.itertuples()]
    assert (differ["why"] == "UNEXPLAINED").sum() == 0, differ[differ.why == "UNEXPLAINED"].head(20)
    # Where every child reports, the sums are exact for the overwhelming majority.
    full = both[both.coverage_c == 1]
    assert (full.value_c == full.value_p).mean() > 0.98
    # Spot checks against the file: Germany 2019 is the exact sum of its 401 NUTS 3 regions.
    de = both[(both.area_code == "DE") & (both.period == "2019")].iloc[0]
    assert de.value_c == de.value_p == 83_019_213
    assert de.n_expected_c == 401 and de.coverage_c == 1


def test_gdp_per_head_is_a_ratio_of_sums(eurostat_release: Path):
    v = pd.read_parquet(eurostat_release / "indicator_values.parquet",
                        filters=[("indicator", "=", "gdp_per_head"), ("area_code", "in", ["DE111", "DE11"]),
                                 ("period", "=", "2019")]).set_index("area_code")
    # DE111 Stuttgart: 57,510.22 million EUR over 634,830 residents on 1 January 2019 (SOURCE.md)
    assert v.loc["DE111", "value"] == pytest.approx(57510.22e6 / v.loc["DE111", "denominator"])
    assert v.loc["DE11", "value"] == pytest.approx(v.loc["DE11", "numerator"] / v.loc["DE11", "denominator"] * 1e6)


def test_legacy_codes_and_aggregates_become_findings_not_silent_drops(eurostat_release: Path):
    quality = pd.read_parquet(eurostat_release / "quality.parquet")
    unknown = set(quality.loc[quality.rule == "unknown_area", "area_code"])
    assert {"BE221", "HR041", "UKN10"} <= unknown
    pseudo = set(quality.loc[quality.rule == "pseudo_area", "area_code"])
    assert {"EU27_2020", "EFTA", "DE_TOT", "ATZZZ"} <= pseudo
    row = quality[(quality.area_code == "BE221")].iloc[0]
    assert row.file.endswith("demo_r_pjanaggr3.tsv.gz") and row.row > 1 and row.column == "area_code"


def test_old_codes_are_one_finding_each_with_their_rows_and_a_code_mapping_hint(eurostat_release: Path):
    quality = pd.read_parquet(eurostat_release / "quality.parquet")
    unknown = quality[quality.rule == "unknown_area"]
    # 64 NUTS 2016 codes, 66 rows each (population and 65+, 1990-2022): 4,224 rows, once one finding each
    assert unknown.area_code.is_unique and len(unknown) == 64
    rows = unknown.message.str.extract(r"\((\d+) rows, ")[0].astype(int)
    assert rows.sum() == 4224
    # aggregates and pseudo-regions likewise: one finding per code and source
    assert not quality[quality.rule == "pseudo_area"].duplicated(["source", "area_code"]).any()
    be221 = unknown[unknown.area_code == "BE221"].iloc[0]
    assert be221.message == (
        "area code BE221 is not in the geography (66 rows, 33 periods, 1990 to 2022); BE22 is: probably a code of "
        "another version of the geography (recoded or split); map it to the current code with the source's "
        "code_mapping (docs/configuration.md)")


def test_peers_are_regions_of_a_like_size_wealth_and_age(eurostat_release: Path):
    """Features from the release's own indicators (log population, log GDP per head, share 65+) and the urban
    type: München's peers are other large, rich cities, no longer the first ten predominantly urban regions
    with its mountain and coastal types in code order (Stuttgart and Paris had the same ten before)."""
    nb = pd.read_parquet(eurostat_release / "neighbours.parquet")
    areas = pd.read_parquet(eurostat_release / "areas.parquet").set_index("area_code")
    peers = {c: nb[nb.area_code == c].sort_values("rank")["neighbour_code"].tolist()
             for c in ("DE212", "DE111", "FR101")}
    assert peers["DE212"][:3] == ["CH040", "NL329", "DE600"]  # Zürich, Groot-Amsterdam, Hamburg
    assert {"DEA23", "FR101", "IE061"} <= set(peers["DE212"])  # Köln, Paris, Dublin
    assert peers["DE111"][0] == "DEA11" and "DE712" in peers["DE111"]  # Düsseldorf, Frankfurt am Main
    assert peers["FR101"][:3] == ["FR105", "CH040", "DE212"]  # Hauts-de-Seine, Zürich, München
    assert all((areas.loc[p, "urbn_type"] == 1).all() for p in peers.values())
    assert len({tuple(p) for p in peers.values()}) == 3
    quality = pd.read_parquet(eurostat_release / "quality.parquet")
    assert not (quality.rule == "neighbour_ties").any()
