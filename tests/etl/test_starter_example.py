"""examples/starter: the template the README gives for a deployment on one's own data runs as it is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.config import load_config
from etl.pipeline import run

STARTER = Path(__file__).resolve().parents[2] / "examples" / "starter" / "config.yaml"


def test_the_starter_deployment_runs_and_withholds_small_counts_of_people(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENMEASURE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("OPENMEASURE_CATALOGUE", f"sqlite:///{tmp_path / 'catalog.db'}")
    config = load_config(STARTER)
    result = run(config)
    assert result.findings == 0
    values = pd.read_parquet(result.path / "indicator_values.parquet")
    assert set(values.indicator) == {"online_share", "rough_sleepers", "applications", "staff_sick_days"}
    people = values[values.indicator == "rough_sleepers"]
    shown = people[people.status != "suppressed"]
    assert (shown.value >= 10).all() and (people.status == "suppressed").any()  # no rule written: built-in one
    assert set(values.loc[values.indicator == "staff_sick_days", "visibility"]) == {"internal"}
    assert values.loc[(values.indicator == "online_share") & (values.level == "country"), "rag"].notna().any()
