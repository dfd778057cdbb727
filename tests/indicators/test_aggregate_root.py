"""The aggregate root (geography.aggregate_root) in small hand-checked worlds: a published one is the source's
own figure and does not move the base period of growth; a built one protects a withheld member root."""

from __future__ import annotations

import pandas as pd

from tests.indicators.world import build_config, compute_final, row

TWO_ROOTS = [
    ("A", "Country A", "country", "", 100, 1),
    ("B", "Country B", "country", "", 900, 2),
    ("A1", "Local A1", "local", "A", 100, 1),
    ("B1", "Local B1", "local", "B", 900, 2),
]
SUM = [{"id": "total", "unit": "people", "compute": {"method": "sum", "measure": "x"},
        "disclosure": {"threshold": 11}}]


def _final(tmp_path, obs, aggregate=None) -> pd.DataFrame:
    tmp_path.mkdir(parents=True, exist_ok=True)
    extra = {"aggregate_root": aggregate} if aggregate else {}
    path = build_config(tmp_path, obs, SUM, ["x"], areas=TWO_ROOTS, levels=("country", "local"))
    if extra:
        import yaml
        cfg = yaml.safe_load(path.read_text())
        cfg["geography"].update(extra)
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return compute_final(path)


def test_a_published_aggregate_is_the_sources_figure_and_leaves_growth_alone(tmp_path):
    obs = [("x", "A1", 2019, 40, ""), ("x", "B1", 2019, 400, ""), ("x", "A1", 2020, 50, ""),
           ("x", "B1", 2020, 500, ""),
           # the aggregate as its publisher gives it: from an earlier year, and not the members' sum
           ("x", "AB", 2018, 420, ""), ("x", "AB", 2019, 445, ""), ("x", "AB", 2020, 549, "")]
    plain = _final(tmp_path / "plain", [o for o in obs if o[1] != "AB"])
    agg = _final(tmp_path / "agg", obs, {"code": "AB", "name": "A and B", "source": "published"})
    assert "AB" not in set(agg.area_code)
    assert row(agg, "total", "A1").aggregate_value == row(agg, "total", "B").aggregate_value == 549
    assert row(agg, "total", "A", "2019").aggregate_value == 445
    # 2018 has no area's value: it is not the base of anyone's growth
    assert set(agg.period) == {"2019", "2020"} or agg[agg.period == "2018"].value.isna().all()
    assert row(agg, "total", "A1").cagr_observed == row(plain, "total", "A1").cagr_observed == 50 / 40 - 1


def test_a_withheld_root_cannot_be_worked_out_from_a_built_aggregate(tmp_path):
    obs = [("x", "A1", 2020, 5, ""), ("x", "B1", 2020, 500, "")]
    plain = _final(tmp_path / "plain", obs)
    assert row(plain, "total", "A").status == "suppressed"  # A1 is under 11, and A is its only child's sum
    assert row(plain, "total", "B").value == 500
    agg = _final(tmp_path / "agg", obs, {"code": "AB", "name": "A and B"})
    total, b = row(agg, "total", "B").aggregate_value, row(agg, "total", "B").value
    # AB = A + B: with both AB and B published, A = AB - B = 5
    assert pd.isna(total) or pd.isna(b)
    assert row(agg, "total", "B").status == "suppressed"  # the smallest other member protects A
