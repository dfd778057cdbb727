"""A ragged hierarchy from real UK data (tests/data/real/uk_ragged): Scottish and Welsh councils hang directly
under their country, English authorities under a region. Every published figure is checked against the
file, worked out by hand: sums, coverage, the parent benchmark, ranks within the parent, disclosure control
under the real parent."""

from __future__ import annotations

import pandas as pd
import pytest

from core.config import load_config
from core.errors import GeographyError
from core.geography import is_ragged, leaf_ancestors, load_areas
from tests.conftest import ROOT
from tests.indicators.world import compute_final

DATA = ROOT / "tests" / "data" / "real" / "uk_ragged"
SCOTLAND, ENGLAND, WALES = "S92000003", "E92000001", "W92000004"
ORKNEY, WESTERN_ISLES, SHETLAND = "S12000023", "S12000013", "S12000027"


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    """The real file: code, count, percent; and each authority's parent from the areas table."""
    raw = pd.read_csv(DATA / "keyworkers_2019.csv")
    areas = pd.read_csv(DATA / "areas.csv", dtype=str, keep_default_na=False)
    parent = dict(zip(areas.area_code, areas.parent_code, strict=True))
    return pd.DataFrame({"code": raw["LAD18CD"], "count": raw["Population (thousand)"].astype(float),
                         "workers": (raw["Population (thousand)"] * 100 / raw["Percent"]).round(),
                         "parent": raw["LAD18CD"].map(parent)})


@pytest.fixture(scope="module")
def final() -> pd.DataFrame:
    return compute_final(DATA / "config.yaml")


def _row(final: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    rows = final[(final.indicator == indicator) & (final.area_code == area)]
    assert len(rows) == 1, (indicator, area)
    return rows.iloc[0]


def test_the_observations_are_the_real_file(source):
    obs = pd.read_csv(DATA / "observations.csv")
    counts = obs[obs.measure == "key_workers"].set_index("area_code")["value"]
    workers = obs[obs.measure == "workers"].set_index("area_code")["value"]
    assert counts.sort_index().tolist() == source.set_index("code")["count"].sort_index().tolist()
    assert workers.sort_index().tolist() == source.set_index("code")["workers"].sort_index().tolist()


def test_a_skipped_level_has_no_ancestor():
    config = load_config(DATA / "config.yaml")
    areas = load_areas(config.geography)
    assert is_ragged(areas)
    anc = leaf_ancestors(areas, 3).set_index("area_code")
    assert anc.loc[ORKNEY, "a0"] == SCOTLAND and pd.isna(anc.loc[ORKNEY, "a1"]) and anc.loc[ORKNEY, "a2"] == ORKNEY
    assert anc.loc["E06000001"].tolist() == [ENGLAND, "E12000001", "E06000001"]
    assert dict(zip(areas.area_code, areas.top_code, strict=True))[ORKNEY] == SCOTLAND


def test_a_country_is_the_sum_of_its_councils_and_no_phantom_region_appears(final, source):
    scotland = source[source.parent == SCOTLAND]
    row = _row(final, "key_workers", SCOTLAND)
    assert row.value == scotland["count"].sum() == 111000
    assert (row.n_expected, row.n_reporting, row.coverage) == (6, 6, 1.0)
    share = _row(final, "key_worker_share", SCOTLAND)
    assert share.value == pytest.approx(scotland["count"].sum() / scotland["workers"].sum() * 100, rel=1e-12)
    # only the two real regions are at the region level
    assert sorted(final[final.level == "region"].area_code.unique()) == ["E12000001", "E12000002"]
    assert final.area_code.notna().all()


def test_england_is_the_sum_of_its_regions_and_of_its_authorities(final, source):
    england = _row(final, "key_workers", ENGLAND).value
    regions = final[(final.indicator == "key_workers") & (final.parent_code == ENGLAND)]
    assert england == regions.value.sum() == source[source.code.str.startswith("E")]["count"].sum()
    assert _row(final, "key_workers", ENGLAND).n_expected == 9
    for code in ("E12000001", "E12000002"):
        assert _row(final, "key_workers", code).value == source[source.parent == code]["count"].sum()


def test_a_council_is_compared_with_its_real_parent(final, source):
    aberdeen = _row(final, "key_worker_share", "S12000033")
    scotland = _row(final, "key_worker_share", SCOTLAND)
    assert aberdeen.parent_code == SCOTLAND
    assert aberdeen.parent_value == scotland.value
    assert aberdeen.top_value == scotland.value  # Scotland is its own root too
    assert aberdeen.significance_parent != "not compared"
    # ranked among the Scottish councils only (higher share first: a neutral indicator), those published:
    # the share is withheld where its count is (Orkney, and the Western Isles that protect it)
    scottish = source[(source.parent == SCOTLAND) & ~source.code.isin([ORKNEY, WESTERN_ISLES])] \
        .assign(share=lambda d: d["count"] / d["workers"])
    expected = int((scottish.share > scottish.set_index("code").loc["S12000033", "share"]).sum()) + 1
    assert (aberdeen.rank_parent, aberdeen.n_ranked_parent) == (expected, 4)
    assert _row(final, "key_worker_share", ORKNEY).status == "suppressed"
    # an English authority's parent is its region, its top England
    hartlepool = _row(final, "key_worker_share", "E06000001")
    assert hartlepool.parent_value == _row(final, "key_worker_share", "E12000001").value
    assert hartlepool.top_value == _row(final, "key_worker_share", ENGLAND).value
    assert hartlepool.n_ranked_parent == 5
    # ranks within the level are still over every published local authority, English, Scottish and Welsh
    assert aberdeen.n_ranked_level == 19 - 2


def test_a_withheld_council_under_scotland_is_protected_by_a_second_cell_under_scotland(final, source):
    counts = final[final.indicator == "key_workers"].set_index("area_code")
    assert counts.loc[ORKNEY, "status"] == "suppressed" and pd.isna(counts.loc[ORKNEY, "value"])
    # the smallest other Scottish council (Western Isles and Shetland both 4,000: the lower code)
    assert counts.loc[WESTERN_ISLES, "status"] == "suppressed"
    assert counts.loc[SHETLAND, "status"] != "suppressed"
    # Scotland minus the published councils is two cells, not one
    published = counts[(counts.parent_code == SCOTLAND)]["value"].dropna().sum()
    assert counts.loc[SCOTLAND, "value"] - published == 7000
    # nothing withheld outside Scotland, and the ranks within Scotland are over the published four
    assert set(counts[counts.status == "suppressed"].index) == {ORKNEY, WESTERN_ISLES}
    assert counts.loc["S12000033", "n_ranked_parent"] == 4


def test_a_parent_must_be_at_a_higher_level(tmp_path):
    from core.config_models import GeographyConfig
    areas = pd.read_csv(DATA / "areas.csv", dtype=str, keep_default_na=False)
    areas.loc[areas.area_code == "E12000001", "parent_code"] = "E12000002"  # a region under a region
    areas.to_csv(tmp_path / "areas.csv", index=False)
    geo = GeographyConfig(levels=["country", "region", "local_authority"], areas={"path": str(tmp_path / "areas.csv")})
    with pytest.raises(GeographyError, match="not above 'region'"):
        load_areas(geo)


def _with_aggregate(tmp_path, **aggregate) -> pd.DataFrame:
    import shutil

    import yaml
    for name in ("areas.csv", "observations.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    cfg = yaml.safe_load((DATA / "config.yaml").read_text())
    cfg["geography"]["aggregate_root"] = {"code": "K02000001", "name": "United Kingdom", **aggregate}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return compute_final(tmp_path / "config.yaml")


def test_a_built_aggregate_root_is_the_sum_of_its_members_and_a_benchmark_not_an_area(tmp_path, final, source):
    agg = _with_aggregate(tmp_path)
    assert "K02000001" not in set(agg.area_code)
    assert "aggregate_value" not in final.columns  # no aggregate root configured: no column
    counts = agg[agg.indicator == "key_workers"].set_index("area_code")
    assert (counts["aggregate_value"] == source["count"].sum()).all()  # every root is a member
    share = agg[agg.indicator == "key_worker_share"].set_index("area_code")
    uk = source["count"].sum() / source["workers"].sum() * 100
    assert share["aggregate_value"].to_numpy() == pytest.approx([uk] * len(share), rel=1e-12)
    assert share.loc[SCOTLAND, "significance_aggregate"] != "not compared"
    # everything else is as without the aggregate root
    pd.testing.assert_frame_equal(agg.drop(columns=["aggregate_value", "significance_aggregate"]), final)


def test_an_aggregate_root_of_some_roots_benchmarks_only_their_areas(tmp_path, source):
    agg = _with_aggregate(tmp_path, members=[ENGLAND, SCOTLAND])
    counts = agg[agg.indicator == "key_workers"].set_index("area_code")
    british = source[~source.code.str.startswith("W")]["count"].sum()
    assert counts.loc[ORKNEY, "aggregate_value"] == counts.loc["E06000001", "aggregate_value"] == british
    assert counts.loc[[WALES, "W06000015"], "aggregate_value"].isna().all()
    assert (counts.loc[[WALES, "W06000015"], "significance_aggregate"] == "not compared").all()


def test_an_aggregate_root_must_not_be_an_area_and_its_members_must_be_roots(tmp_path):
    with pytest.raises(GeographyError, match="aggregate_root.members: 'E12000001' not an area at the top"):
        _with_aggregate(tmp_path, members=[ENGLAND, "E12000001"])
