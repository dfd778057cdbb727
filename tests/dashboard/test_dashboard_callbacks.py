"""Callbacks and view builders as plain functions over the real demo release (no browser)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dash import Patch, no_update

from dashboard import data
from dashboard.components import figures, fmt, ui
from dashboard.views import area, compare, explorer, info, overview


def meta(release, ind):
    return data.indicator_meta(release, ind)


def test_map_update_is_a_patch_of_values_only(release):
    m = meta(release, "online_share")
    full, summary = explorer.map_figure(release, m, "municipality", "2024")
    assert full["data"][0]["type"] == "choroplethmap"
    assert full["data"][0]["geojson"] == f"/boundaries/{release.id}/municipality.geojson"
    assert full["layout"]["map"]["style"] == "white-bg"
    codes = full["data"][0]["locations"]
    assert len(codes) == 286 and codes == sorted(codes)
    patch, summary15 = explorer.map_figure(release, m, "municipality", "2015", full=False)
    assert isinstance(patch, Patch)
    ops = patch.to_plotly_json()["operations"]
    touched = {tuple(op["location"]) for op in ops}
    assert ("data", 0, "z") in touched and not any("geojson" in t or "locations" == t[-1] and t[1] == 0
                                                   for t in touched)
    values15 = next(op["params"]["value"] for op in ops if op["location"] == ["data", 0, "customdata"])
    z15 = next(op["params"]["value"] for op in ops if op["location"] == ["data", 0, "z"])
    df = data.level_values(release, "online_share", "municipality", "2015").set_index("area_code")
    expected = [None if pd.isna(v) else float(v) for v in df["value"].reindex(codes)]
    assert values15 == expected  # the hover shows the value; the colour is its quintile
    assert {z for z in z15 if z is not None} == {0, 1, 2, 3, 4}
    assert "2015" in summary15 and "2024" in summary


def test_map_shows_withheld_areas_in_grey_with_the_reason(release):
    df = data.level_values(release, "neet_count", "municipality", "2013")
    withheld = df[df["status"] == "suppressed"]
    assert len(withheld)  # the demo data has small counts
    fig, summary = explorer.map_figure(release, meta(release, "neet_count"), "municipality", "2013")
    grey = fig["data"][1]
    assert set(withheld["area_code"]) <= set(grey["locations"])
    reason = grey["text"][grey["locations"].index(withheld["area_code"].iloc[0])]
    assert reason.startswith("Withheld: fewer than 10 people") and "disclosure control" in reason
    assert "withheld" in summary


def test_on_selection_full_figure_when_the_level_changes(release):
    fig, summary, links = explorer.on_selection(release, "online_share", "region", "2020", full=True)
    assert len(fig["data"][0]["locations"]) == 8
    hrefs = json.dumps(links.to_plotly_json(), default=str)
    assert ("/api/v1/data?format=csv&indicator=online_share&level=region&period_from=2020&period_to=2020"
            f"&release={release.id}") in hrefs
    assert "/methodology/online_share" in hrefs
    assert explorer.on_selection(release, "sickness_absence", "region", "2020", full=True) == (no_update,) * 3


def test_ranking_is_in_rank_order_with_intervals(release):
    fig, rsum, dfig, dsum, dtable, table = explorer.on_ranking(release, "online_share", "region", "2024")
    trace = fig["data"][0]
    df = data.level_values(release, "online_share", "region", "2024").sort_values("rank_level")
    assert trace["customdata"] == df["area_code"].tolist()
    assert trace["y"] == df["value"].tolist()
    assert "error_y" in trace
    assert "8 areas ranked" in rsum
    assert sum(dfig["data"][0]["x"] is not None for _ in [0]) and len(dfig["data"][0]["x"]) == 8


def test_period_options_follow_the_indicator(release):
    head, options, value = explorer.on_indicator(release, "satisfaction", "2017")
    assert "2017" not in options  # the survey was not run in 2017
    assert value == options[-1]
    head, options, value = explorer.on_indicator(release, "online_share", "2017")
    assert value is no_update and "2017" in options


def test_internal_indicators_are_invisible(release):
    assert "sickness_absence" not in release.indicator_ids
    assert explorer.on_trend(release, "sickness_absence", ["VL1"]) == (no_update,) * 3
    rows = area.profile_rows(release, data.area_row(release, "VL101"))
    assert "sickness_absence" not in {r["indicator"] for r in rows}
    opts = [o["value"] for o in data.indicator_options(release)]
    assert "sickness_absence" not in opts and "online_share" in opts


def test_trend_has_the_area_its_parent_and_the_top_level(release):
    fig, summary, table = explorer.on_trend(release, "employment_rate", "VL101")
    names = [t["name"] for t in fig["data"]]
    assert names[:3] == ["Venwell", "Northmarch (parent)", "Republic of Veloria (top level)"]
    assert {t["line"]["dash"] for t in fig["data"][:3]} == {"solid", "dash", "dot"}  # not told by colour alone
    assert "Venwell" in summary
    # employment_rate has a target (78%): a dashed line, named in the legend, on the chart and in the summary
    target = data.indicator_meta(release, "employment_rate")["target"]
    assert names[3:] == [f"Target {target:.1f}% by 2030"] and fig["data"][3]["y"] == [target] * len(fig["data"][3]["x"])
    assert [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "target"] == [names[3]]
    assert f"The target, {target:.1f}%" in summary
    no_target = explorer.on_trend(release, "form_hours", "VL101")[0]
    assert not [t for t in no_target["data"] if t["name"].startswith("Target")]


def test_clicked_area_opens_its_profile():
    assert explorer.clicked_area({"points": [{"location": "VL101"}]}) == "/area/VL101"
    assert explorer.clicked_area({"points": [{"customdata": "VL2"}]}) == "/area/VL2"
    assert explorer.clicked_area(None) is None


def test_area_profile_spine_and_neighbours(release):
    a = data.area_row(release, "VL101")
    rows = area.profile_rows(release, a)
    assert len(rows) == len(release.indicator_ids)
    fig, summary, table = area.spine_outputs(rows, a, "Republic of Veloria", "Northmarch")
    xs = [x for t in fig["data"] for x in (t.get("x") or []) if x is not None]
    assert all(-0.001 <= x <= 1.001 for x in xs)
    assert "Venwell" in summary
    nfig, nsum, ntable = area.neighbour_outputs(release, a, "online_share")
    peers = data.neighbours(release, "VL101")
    assert len(nfig["data"][0]["y"]) == 1 + len(peers) == 6
    assert nfig["data"][0]["marker"]["pattern"]["shape"][0] == "/"  # the area is hatched, not only coloured


def test_level_ranges_match_a_direct_computation(release):
    ranges = data.level_ranges(release, "municipality").set_index(["indicator", "period"])
    df = data.level_values(release, "employment_rate", "municipality", "2020")["value"].dropna()
    got = ranges.loc[("employment_rate", "2020")]
    assert got["vmin"] == pytest.approx(df.min()) and got["vmax"] == pytest.approx(df.max())
    assert got["median"] == pytest.approx(df.median())


def test_overview_cards_say_rag_in_words_and_list_what_got_worse(release):
    content = overview.content(release, "VL", "all")
    text = json.dumps([c.to_plotly_json() for c in content], default=lambda o: o.to_plotly_json())
    latest, _ = overview.overview_rows(release, "VL", None)
    worse = latest[latest["change_significance"] == "worse"]
    assert f"{len(worse) or 'None'} got significantly worse" in text
    for r in latest.dropna(subset=["progress_status"]).itertuples():
        label, detail = fmt.PROGRESS_TEXT[r.progress_status].split(": ")
        assert f'"{label}"' in text and f'" {detail}"' in text
    jobs = overview.overview_rows(release, "VL", "jobs")[0]
    assert set(jobs["theme"]) == {"jobs"}


def test_compare_limits_and_defaults(release):
    areas, inds = compare.defaults(release)
    assert areas == [] and len(inds) == 3  # no area of the table is the reader's own: the page says how to start
    assert "Choose up to 12 areas" in json.dumps([c.to_plotly_json() for c in compare.content(release, [], inds)],
                                                 default=lambda o: o.to_plotly_json())
    out = compare.content(release, ["VL1", "nope", "VL2"], ["neet_rate", "sickness_absence"])
    text = json.dumps([c.to_plotly_json() for c in out], default=lambda o: o.to_plotly_json())
    assert "Northmarch" in text and "sickness" not in text.lower()
    assert "Choose at least one" in json.dumps(compare.content(release, ["VL1"], [])[0].to_plotly_json())


def test_ui_patterns_carry_words_and_escape_html():
    badge = json.dumps(ui.rag_badge("red", "deterioration").to_plotly_json(), default=lambda o: o.to_plotly_json(),
                       ensure_ascii=False)
    assert "Off track" in badge and "worse than at the start" in badge and "■" in badge
    assert ui.synthetic_banner({"synthetic": False}) is None
    html = ui.table_html([("a", "A")], [{"a": "<script>x</script>"}, {"a": ui.Link("B&C", "/x?a=1&b=2")}], "cap")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="/x?a=1&amp;b=2">B&amp;C</a>' in html and '<th scope="col">A</th>' in html
    assert fmt.with_status(None, "suppressed", 1, "%") == "– (withheld)"
    assert fmt.value(72.44, 1, "%") == "72.4%" and fmt.value(3, 0, "days") == "3 days"


def test_spine_scales_worst_to_best_by_polarity():
    rows = [{"label": "low good", "area": 2.0, "top": 5.0, "vmin": 0.0, "q1": 2.5, "q3": 7.5, "vmax": 10.0,
             "polarity": "lower_is_better", "significance": "better"}]
    fig = figures.spine(rows)
    area_trace = fig["data"][3]
    assert area_trace["x"] == [0.8] and area_trace["marker"]["symbol"] == "triangle-up"


def test_provisional_values_are_marked_on_the_map_with_a_legend_entry(release):
    m = meta(release, "online_share")
    fig, summary = explorer.map_figure(release, m, "municipality", "2024")
    df = data.level_values(release, "online_share", "municipality", "2024")
    provisional = set(df.loc[df["status"] == "provisional", "area_code"])
    ring = fig["data"][2]
    assert ring["type"] == "scattermap" and provisional and set(ring["customdata"]) == provisional
    assert ring["showlegend"] and ring["name"] == figures.FLAG_NAME
    assert "line" not in fig["data"][2]["marker"]  # no outline over the area's colour
    centres = data.map_geometry(release, "municipality").centres
    first = ring["customdata"][0]
    assert (ring["lon"][0], ring["lat"][0]) == centres[first]
    assert "provisional (marked with a ringed dot)" in summary
    patch, _ = explorer.map_figure(release, m, "municipality", "2015", full=False)
    ops = {tuple(op["location"]): op for op in patch.to_plotly_json()["operations"]}
    assert ops[("data", 2, "customdata")]["params"]["value"] == []  # 2015 is final
    assert ops[("data", 2, "showlegend")]["params"]["value"] is False


def test_status_says_how_fresh_each_indicator_is(release, demo_config):
    """The status page states, per indicator, whether it is up to date for its update frequency (the
    scheduler's rule in core.freshness), in words."""
    from datetime import timedelta

    from core import catalogue
    from core.freshness import PERIOD

    engine = catalogue.connect(demo_config.catalogue)
    now = catalogue.now()
    fresh = info.indicator_freshness(release, engine, stale_after=1.5, now=now)
    assert set(fresh["indicator"]) == set(release.indicator_ids)
    assert fresh["refreshed"].notna().all() and set(fresh["run_state"]) == {"fresh"}
    annual = fresh[fresh["frequency"] == "annual"]
    later = info.indicator_freshness(release, engine, stale_after=1.5, now=now + PERIOD["annual"] + timedelta(days=30))
    assert set(later.set_index("indicator").loc[annual["indicator"], "run_state"]) == {"due"}
    much_later = info.indicator_freshness(release, engine, stale_after=1.5, now=now + 2 * PERIOD["annual"])
    assert set(much_later["state"]) == {"stale"}
    assert [info.FRESHNESS_TEXT[s] for s in ("fresh", "due", "stale")] == ["Up to date", "Due for refresh", "Overdue"]


def test_status_shows_each_jobs_next_run_and_last_result(release, demo_config):
    from datetime import UTC, datetime

    rows = info.job_schedule(demo_config, release, {"nightly": {"status": "succeeded", "started_at": None,
                                                                "finished_at": datetime(2026, 3, 1, 2, 5)}},
                             {"labour_market": None}, now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    by_job = {r["job"]: r for r in rows}
    assert set(by_job) == {s.id for s in demo_config.schedules}
    # not in the scheduler's job store: the time cron "0 2 * * *" plans, said to be planned
    assert by_job["nightly"]["next"] == "2026-03-02 02:00 (planned: the scheduler is not running)"
    assert by_job["nightly"]["indicators"] == "all indicators"
    assert by_job["nightly"]["when"] == f"every day at 02:00 ({demo_config.scheduler.timezone})"
    assert by_job["nightly"]["last"] == "succeeded, 2026-03-01 02:05"
    assert by_job["labour_market"]["next"] == "paused"  # in the job store without a next run time
    assert by_job["labour_market"]["last"] == "never run"
    assert "mployment" in by_job["labour_market"]["indicators"]
    # skip_unchanged: a later trigger that found nothing changed says so; an older one is not news
    checked = {"nightly": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
               "labour_market": datetime(2026, 3, 2, 6, 0, tzinfo=UTC)}
    rows = info.job_schedule(demo_config, release, {"nightly": {"status": "succeeded", "started_at": None,
                                                                "finished_at": datetime(2026, 3, 3, 2, 5)}},
                             {}, now=datetime(2026, 3, 3, 12, 0, tzinfo=UTC), unchanged=checked)
    by_job = {r["job"]: r for r in rows}
    assert by_job["nightly"]["last"] == "succeeded, 2026-03-03 02:05"
    assert by_job["labour_market"]["last"] == "never run; checked 2026-03-02 06:00: no input changed, not run again"


def test_schedules_in_words_and_the_rest_as_written():
    assert info.describe_cron("0 6 1 * *") == "on day 1 of every month at 06:00"
    assert info.describe_cron("30 7 * * mon") == "every Monday at 07:30"
    assert info.describe_cron("0 8 * * mon-fri") == "Monday to Friday at 08:00"
    # a numbered weekday (Sunday in crontab, Monday in APScheduler), steps and months: as written
    for expr in ("0 2 * * 1", "*/15 * * * *", "0 2 1 1 *", "0 2,14 * * *"):
        assert info.describe_cron(expr) == f"cron '{expr}'"
    assert [info.every(s) for s in (60, 900, 3600, 21600, 86400, 90)] == [
        "every minute", "every 15 minutes", "every hour", "every 6 hours", "every day", "every 90 seconds"]


def test_status_runs_without_a_release_or_an_error_show_empty_cells():
    import pandas as pd

    runs = pd.DataFrame({"id": [2, 1], "job": ["manual", "nightly"], "status": ["failed", "succeeded"],
                         "started_at": [pd.Timestamp("2026-03-01 02:00"), pd.NaT], "seconds": [None, 1.5],
                         "release_id": [None, "20260301T020000Z-abcdef"], "error": ["disk full", None]})
    rows = info.run_rows(runs, full_errors=True)
    assert [(r["release"], r["error"], r["seconds"], r["started"]) for r in rows] == [
        ("", "disk full", "", "2026-03-01 02:00:00"), ("20260301T020000Z-abcdef", "", "1.5", "")]


def test_the_public_reads_which_step_failed_and_not_the_error_itself():
    """A run's error can name an internal indicator's measure, a value never published or a path on the
    server: the public status page says which step failed, a manager reads the whole text."""
    import pandas as pd

    from core.catalogue import ORPHAN

    errors = ["StepFailed: step 'validate' failed: rule negative_count blocks publication: source hr, measure "
              "staff_sickness_days, row 12: -3", "OSError: [Errno 28] No space left on device: '/srv/om/store'",
              f"{ORPHAN}; nothing was published"]
    runs = pd.DataFrame({"id": [3, 2, 1], "job": ["nightly"] * 3, "status": ["failed"] * 3,
                         "started_at": [pd.Timestamp("2026-03-01 02:00")] * 3, "seconds": [1.0] * 3,
                         "release_id": [None] * 3, "error": errors})
    public = [r["error"] for r in info.run_rows(runs)]
    assert public[0].startswith("Failed at the data checks; the published figures were not changed")
    assert public[1] == "Failed. Details are kept for the site's managers."  # not a step: nothing more said
    assert public[2] == errors[2]  # the catalogue's own words name no data
    assert not any(secret in " ".join(public) for secret in ("staff_sickness", "-3", "/srv", "hr,"))
    assert [r["error"] for r in info.run_rows(runs, full_errors=True)] == errors


def test_distribution_chart_and_its_table_show_the_same_bins(release):
    """The chart drew Plotly's own bins while the table beside it counted numpy's: a screen-reader user
    read other numbers than a sighted one. Both now come from one numpy histogram."""
    import re

    meta = release.indicators.set_index("id").loc["neet_rate"].to_dict() | {"id": "neet_rate"}
    _, _, dfig, _, dtable, _ = explorer.ranking_outputs(release, meta, "municipality", "2024")
    bars = dfig["data"][0]
    assert bars["type"] == "bar" and sum(bars["y"]) > 0
    html = json.dumps(dtable.to_plotly_json(), default=lambda o: o.to_plotly_json())
    table_counts = [int(n.replace(",", "")) for n in re.findall(r"<td>([\d,]+)</td>", html)]
    assert table_counts == [n for n in bars["y"] if n]


def test_spine_leaves_neutral_indicators_and_counts_off_the_worst_to_best_scale(release):
    """A neutral indicator (applications received) and a count summed over the area (employed residents,
    which grows with its size) were ranked worst to best; the axis said 'Middle' for half-way, not the median;
    hovering gave the name only."""
    a = data.area_row(release, "VL101")
    rows = area.profile_rows(release, a)
    fig, summary, table = area.spine_outputs(rows, a, "Republic of Veloria", "Northmarch")
    charted = {y.replace("<br>", " ") for t in fig["data"] for y in t["y"]}  # long names wrap (320 px)
    assert "Applications received" not in charted and "Employed residents" not in charted
    assert "Applications completed online" in charted
    assert "3 indicators with no better or worse" in summary
    assert "Middle" not in fig["layout"]["xaxis"]["ticktext"]
    marker = next(t for t in fig["data"] if t["name"].startswith("This area"))
    assert marker["hovertemplate"] == "%{text}<extra></extra>"
    assert all(":" in t and "areas range" in t for t in marker["text"])
    html_rows = str(table.to_plotly_json()).split("<tr")
    counts = [r for r in html_rows if "Employed residents" in r or "Applications received" in r]
    assert len(counts) == 2 and not any("best quarter" in r or "worst quarter" in r for r in counts)


def test_tables_have_row_headers_and_the_banner_is_a_landmark():
    """WCAG 1.3.1: a row's first cell (its indicator or area) is its header; the synthetic-data banner sits in
    a landmark (axe 'region'); the ranking's summary does not speak of selecting points only."""
    html = ui.table_html([("area", "Area"), ("value", "Value")], [{"area": "Venwell", "value": "3"}], "cap")
    assert '<tr><th scope="row">Venwell</th><td>3</td></tr>' in html
    banner = ui.synthetic_banner({"synthetic": True}).to_plotly_json()["props"]
    assert banner["role"] == "region" and banner["aria-label"]


def test_ranking_summary_names_a_keyboard_route_to_the_profiles(release):
    meta = data.indicator_meta(release, "online_share")
    rsum = explorer.ranking_outputs(release, meta, "region", "2024")[1]
    assert "linked from the table" in rsum
