"""What a manager reads on the overview's cards and at the top of /status: a status badge that does not say
"No target" for an indicator that has one, and a failed pipeline run said where it is seen."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from dashboard.components import ui
from dashboard.views import info, overview


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
    # the card shows the council's latest value (2023); its 2024 row, without a value, is what this is about
    own = next(r for r in latest.itertuples() if r.indicator == gap["indicator"])
    row = own._replace(period=gap["period"], value=gap["value"], status=gap["status"], note=gap["note"],
                       rag=None, progress_status=None)
    card = overview.card(row, series, gap["area_code"])
    assert "No status" in text_of(card) and "No target" not in text_of(card)


def test_the_status_page_says_at_the_top_that_the_last_run_failed():
    """A failed run was only a row at the bottom of the runs table; the top of /status said every indicator
    was up to date."""
    runs = pd.DataFrame({"id": [7, 6], "job": ["nightly", "nightly"], "status": ["failed", "succeeded"],
                         "started_at": [pd.Timestamp("2026-03-02 02:00"), pd.Timestamp("2026-03-01 02:00")],
                         "seconds": [0.4, 3.0], "release_id": [None, "20260301T020000Z-abcdef"],
                         "error": ["SourceError: source 'hr': file not found (file /srv/hr.csv)", None]})
    manager = text_of(info.last_run_notice(runs.iloc[0], "20260301T020000Z-abcdef", full_errors=True))
    public = text_of(info.last_run_notice(runs.iloc[0], "20260301T020000Z-abcdef"))
    for t in (manager, public):
        assert "The last pipeline run failed" in t and "2026-03-02 02:00" in t and "20260301T020000Z-abcdef" in t
    assert "/srv/hr.csv" in manager and "/srv" not in public and "'hr'" not in public
    ok = text_of(info.last_run_notice(runs.iloc[1], "20260301T020000Z-abcdef"))
    assert "succeeded" in ok and "failed" not in ok


def test_the_overview_says_how_fresh_each_figure_is_and_when_the_last_refresh_failed(release, dash_app):
    """The overview's cards said only the latest period: not when the figure was refreshed nor whether that
    is recent enough, and nothing on the overview said that the last run had failed (only /status did)."""
    from dashboard import context

    with dash_app.server.test_request_context("/"):
        fresh = overview.freshness(context.release())
    assert fresh is not None and set(fresh.indicators) == set(release.indicator_ids)
    text = text_of_all(overview.content(release, "VL", "all", fresh))
    said = {state: text.count(f": {info.FRESHNESS_TEXT[state].lower()}.") for state in info.FRESHNESS_TEXT}
    # every demo indicator was refreshed by the same run: the page says so once, above the cards, not on each
    assert sum(said.values()) == 1 and "For every indicator: Latest period 2024 (annual). Refreshed " in text
    assert said["fresh"] == 1 and all(st == "fresh" for _, st, _ in fresh.indicators.values())
    one = {k: v if k == "form_hours" else (v[0], "stale", v[2]) for k, v in fresh.indicators.items()}
    text = text_of_all(overview.content(release, "VL", "all", overview.Freshness(one, None)))
    assert text.count(": up to date.") == 1 and text.count(": overdue.") == len(one) - 1  # they differ: each card
    assert "For every indicator" not in text
    assert "The last data refresh failed" not in text  # the demo's run succeeded

    failed = pd.Series({"id": 9, "job": "nightly", "status": "failed", "started_at": pd.Timestamp("2026-03-02 02:00")})
    stale = overview.Freshness({k: (at, "stale") for k, (at, *_) in fresh.indicators.items()}, failed)
    text = text_of_all(overview.content(release, "VL", "all", stale))
    assert "The last data refresh failed" in text and "run 9, nightly, started 2026-03-02 02:00 UTC" in text
    assert release.id in text and '"href": "/status"' in text
    assert text.count(": overdue.") == 1 and "For every indicator: " in text


def text_of_all(components) -> str:
    return json.dumps([c.to_plotly_json() for c in components if c is not None],
                      default=lambda o: o.to_plotly_json())


def test_the_methodology_page_gives_the_target_in_its_unit_and_how_the_status_is_judged(dash_app, app_context):
    """/methodology/employment_rate said 'Target 78.0 by 2030' (78 what?) and nothing of how the overview's
    RAG status is worked out, so a manager could not check a status against the rule."""
    employment = text_of(info.methodology("employment_rate"))
    assert "78.0% by 2030" in employment
    assert "95% of it or more" in employment and "Needs acceleration (amber) from 60%" in employment
    days = text_of(info.methodology("processing_days"))
    assert "15.0 days by 2030" in days
    no_target = text_of(info.methodology("form_hours"))
    assert "No target: the growth a year since the first period" in no_target and "1.5%" in no_target
    assert "neither direction is better" in text_of(info.methodology("applications"))
