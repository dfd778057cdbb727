"""A measure with no observation this run keeps its indicators as published, instead of removing them (and
their history) from the release."""

from __future__ import annotations

import pandas as pd
import pytest

from core import catalogue
from core.config import load_config
from core.store import ReleaseStore
from etl.pipeline import run
from tests.indicators.world import build_config

SUM = {"id": "total_x", "compute": {"method": "sum", "measure": "x"}}
RATE = {"id": "y_rate", "compute": {"method": "ratio", "numerator": "y", "denominator": "n", "multiplier": 100}}


def _obs(measures: tuple[str, ...], bump: float = 0.0) -> list[tuple]:
    values = {"x": 20.0, "y": 30.0, "n": 100.0, "z": 5.0}
    return [(m, a, p, values[m] + bump, "") for m in measures for a in ("L1", "L2", "L3", "L4")
            for p in (2020, 2021)]


def _values(config) -> pd.DataFrame:
    return pd.read_parquet(ReleaseStore(config.store).path() / "indicator_values.parquet")


def test_an_indicator_whose_measure_has_no_observation_keeps_its_published_values(tmp_path):
    config = load_config(build_config(tmp_path, _obs(("x", "y", "n")), [SUM, RATE], ["x", "y", "n"]))
    first = run(config)
    before = _values(config)
    # the next delivery has no 'y' (renamed upstream, or a select that no longer matches)
    build_config(tmp_path, _obs(("x", "n"), bump=1.0), [SUM, RATE], ["x", "y", "n"])
    second = run(config)
    after = _values(config)
    key = ["indicator", "area_code", "period", "breakdown"]
    kept = after[after.indicator == "y_rate"].set_index(key).sort_index()
    pd.testing.assert_frame_equal(kept, before[before.indicator == "y_rate"].set_index(key).sort_index())
    x = after[(after.indicator == "total_x") & (after.area_code == "C")]
    assert x["value"].tolist() == [84.0, 84.0]  # recomputed from the new delivery
    found = pd.read_parquet(second.path / "quality.parquet")
    message = found.loc[found.rule == "no_observations", "message"].iloc[0]
    assert f"keep the values of release {first.release_id}" in message
    # not counted as computed: a scheduled trigger with nothing changed will run again, not skip
    db = catalogue.connect(config.catalogue)
    assert catalogue.indicators_computed(db, second.release_id) == {"total_x"}


def test_without_a_published_release_the_indicator_has_no_value(tmp_path):
    config = load_config(build_config(tmp_path, _obs(("x", "n")), [SUM, RATE], ["x", "y", "n"]))
    result = run(config)
    values = _values(config)
    assert set(values.indicator) == {"total_x"}
    assert "y_rate" in catalogue.indicators_computed(catalogue.connect(config.catalogue), result.release_id)


def test_when_no_indicator_has_observations_the_run_fails_and_the_release_stays(tmp_path):
    from core.errors import StepFailed

    config = load_config(build_config(tmp_path, _obs(("x",)), [SUM], ["x", "z"]))
    first = run(config)
    build_config(tmp_path, _obs(("z",)), [SUM], ["x", "z"])
    with pytest.raises(StepFailed, match="no indicator of this run has observations"):
        run(config)
    assert ReleaseStore(config.store).current_id() == first.release_id
    db = catalogue.connect(config.catalogue)
    _, found = catalogue.last_run_findings(db)
    assert found["rule"].tolist() == ["no_observations"]



def test_only_the_findings_of_kept_indicators_say_they_keep_their_values(tmp_path):
    """'z' never had a published value (a new indicator): its finding must not claim values were kept."""
    new = {"id": "z_sum", "compute": {"method": "sum", "measure": "z"}}
    config = load_config(build_config(tmp_path, _obs(("x", "y", "n")), [SUM, RATE], ["x", "y", "n", "z"]))
    run(config)
    config = load_config(build_config(tmp_path, _obs(("x", "n")), [SUM, RATE, new], ["x", "y", "n", "z"]))
    second = run(config)
    found = pd.read_parquet(second.path / "quality.parquet").set_index("measure")
    assert "keep the values of release" in found.loc["y", "message"]
    assert "keep the values" not in found.loc["z", "message"]
