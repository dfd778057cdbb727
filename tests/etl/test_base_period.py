"""A target's base period without observations leaves the indicator's progress empty: the run's findings say
so (a warning; the run still publishes)."""

from __future__ import annotations

import pandas as pd

from core import catalogue
from core.config import load_config
from etl.coverage import base_period_findings
from etl.pipeline import run
from tests.indicators.world import build_config

AREAS = ("L1", "L2", "L3", "L4")


def _obs(periods_of: dict[str, tuple[int, ...]]) -> list[tuple]:
    values = {"x": 20.0, "y": 30.0, "n": 100.0}
    return [(m, a, p, values[m], "") for m, periods in periods_of.items() for a in AREAS for p in periods]


def _sum(base: str) -> dict:
    return {"id": "total_x", "compute": {"method": "sum", "measure": "x"},
            "target": {"value": 100, "period": "2030", "base_period": base}}


def test_a_base_period_without_observations_is_a_warning_naming_the_periods_with_data(tmp_path):
    config = load_config(build_config(tmp_path, _obs({"x": (2020, 2021, 2022)}), [_sum("2019")], ["x"]))
    result = run(config)
    values = pd.read_parquet(result.path / "indicator_values.parquet")
    assert values["progress_ratio"].isna().all()  # what the operator was not told about
    found = pd.read_parquet(result.path / "quality.parquet")
    assert found["rule"].tolist() == ["base_period_without_data"]
    row = found.iloc[0]
    assert (row["severity"], row["measure"], row["period"], row["source"]) == ("warn", "x", "2019", "obs")
    assert row["message"] == (
        "indicator 'total_x': its target's base period '2019' has no observation of measure 'x'; the periods with "
        "data are 2020, 2021, 2022: its progress against the target (the growth since the base period) is empty "
        "in every area. Set indicators[0].target.base_period to one of them, or leave it out to use the first "
        "period with data (2020)")
    assert result.findings == 1
    _, recorded = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    assert recorded["rule"].tolist() == ["base_period_without_data"]


def test_a_ratio_names_the_measure_that_lacks_the_base_period(tmp_path):
    rate = {"id": "y_rate", "compute": {"method": "ratio", "numerator": "y", "denominator": "n", "multiplier": 100},
            "target": {"value": 50, "period": "2030", "base_period": "2019"}}
    obs = _obs({"y": (2019, 2020, 2021), "n": (2020, 2021)})
    config = load_config(build_config(tmp_path, obs, [rate], ["y", "n"]))
    found = pd.read_parquet(run(config).path / "quality.parquet")
    assert found["rule"].tolist() == ["base_period_without_data"]
    assert found["measure"].tolist() == ["n"]
    assert "no observation of measure 'n'; the periods with data are 2020, 2021:" in found["message"].iat[0]


def test_a_base_period_with_observations_says_nothing(tmp_path):
    config = load_config(build_config(tmp_path, _obs({"x": (2019, 2020, 2021)}), [_sum("2019")], ["x"]))
    result = run(config)
    assert result.findings == 0
    values = pd.read_parquet(result.path / "indicator_values.parquet")
    assert values["progress_ratio"].notna().any()


def test_only_the_indicators_of_the_run_are_checked_and_long_period_lists_are_cut(tmp_path):
    years = tuple(range(2001, 2025))
    config = load_config(build_config(tmp_path, _obs({"x": years}), [_sum("2000")], ["x"]))
    obs = pd.DataFrame({"measure": "x", "area_code": "L1", "period": [str(y) for y in years], "value": 1.0})
    assert base_period_findings(config, [], obs).empty
    message = base_period_findings(config, ["total_x"], obs)["message"].iat[0]
    assert "the periods with data are 2001, 2002, 2003, 2004, 2005, ..., 2020, 2021, 2022, 2023, 2024 (24 " \
           "periods):" in message
    missing = obs.assign(value=float("nan"))  # rows without a value are not data
    assert base_period_findings(config, ["total_x"], missing).empty  # no data at all: no_observations says so
