"""What a manager reads on the overview's cards and at the top of /status: a status badge that does not say
"No target" for an indicator that has one, and a failed pipeline run said where it is seen."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from dashboard.components import ui
from dashboard.views import overview


def text_of(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())


def release_rows(release) -> pd.DataFrame:
    """The release's own rows, read with pyarrow (not through the dashboard's reader)."""
    df = pq.read_table(release.path / "indicator_values.parquet").to_pandas()
    return df[(df["breakdown"] == "total") & (df["visibility"] == "public")]


def test_an_indicator_with_a_target_but_no_value_says_no_status_not_no_target(release):
    """/?area=VL136 showed "No target" next to "Target 15.0 days by 2030" for a council without a 2024 value."""
    assert "No status" in text_of(ui.rag_badge(None, None, has_target=True))
    assert "No target" in text_of(ui.rag_badge(None, None))
    rows = release_rows(release)
    gap = rows[rows["target"].notna() & rows["rag"].isna() & (rows["period"] == rows["period"].max())].iloc[0]
    latest, series = overview.overview_rows(release, gap["area_code"], None)
    card = overview.card(next(r for r in latest.itertuples() if r.indicator == gap["indicator"]), series,
                         gap["area_code"])
    assert "No status" in text_of(card) and "No target" not in text_of(card)
