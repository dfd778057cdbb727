"""Breakdowns (sex, age...) on the area profile and in the explorer, and each indicator's rank within its
parent on the profile: the figure, the reader, the words, and the pages in Chromium (breakdown_world.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.components.breakdown_figure import breakdown_figure
from dashboard.views import area as area_view
from dashboard.views import breakdowns
from tests.conftest import load_config_with, temp_store_env
from tests.dashboard.breakdown_world import write_canada_config, write_config

CELLS = [
    {"dimension": "sex", "category": "F", "value": 7.3, "lower": 5.8, "upper": 9.2, "withheld": False},
    {"dimension": "sex", "category": "M", "value": None, "lower": None, "upper": None, "withheld": True},
    {"dimension": "age", "category": "16-24", "value": 4.0, "lower": 3.0, "upper": 5.5, "withheld": False},
]


def test_each_category_is_a_dot_with_its_interval_grouped_by_dimension():
    fig = breakdown_figure(CELLS, 6.5, unit="%", decimals=1)
    sex, age = fig["data"]
    assert (sex["name"], age["name"]) == ("sex", "age")
    assert sex["y"] == [["sex", "sex"], ["F", "M (withheld)"]] and age["y"] == [["age"], ["16-24"]]
    assert sex["error_x"]["array"][0] == pytest.approx(9.2 - 7.3)
    assert sex["error_x"]["arrayminus"][0] == pytest.approx(7.3 - 5.8)
    assert age["error_x"]["array"] == [pytest.approx(1.5)] and age["error_x"]["arrayminus"] == [pytest.approx(1.0)]
    assert fig["layout"]["yaxis"]["type"] == "multicategory"


def test_a_withheld_category_is_never_plotted_even_when_a_value_is_given():
    leaked = [{**CELLS[1], "value": 3.0, "lower": 2.0, "upper": 4.0}]  # a value must not reach the chart
    trace = breakdown_figure(leaked, None, unit="%", decimals=1)["data"][0]
    assert trace["x"] == [None] and trace["y"][1] == ["M (withheld)"]
    assert "error_x" not in trace or trace["error_x"]["array"] == [None]


def test_the_total_is_a_dashed_reference_line_and_none_without_a_total():
    fig = breakdown_figure(CELLS, 6.5, unit="%", decimals=1, total_label="Local two total")
    (line,) = fig["layout"]["shapes"]
    assert (line["x0"], line["x1"], line["line"]["dash"]) == (6.5, 6.5, "dash")
    assert fig["layout"]["annotations"][0]["text"] == "Local two total: 6.5%"
    bare = breakdown_figure(CELLS, float("nan"), unit="%", decimals=1)
    assert bare["layout"]["shapes"] == [] and bare["layout"]["annotations"] == []


def _rows(breakdowns_values: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": "x", "period": "2021", "breakdown": b, "value": v, "lower_ci": lo,
                          "upper_ci": hi, "status": s, "note": None} for b, v, lo, hi, s in breakdowns_values])


def test_the_total_row_is_the_reference_else_the_category_that_codes_the_total():
    cells, total = breakdowns.cells_and_total(_rows([
        ("sex=F", 5.0, 4.0, 6.0, "ok"), ("sex=T", 6.0, 5.5, 6.5, "ok"), ("sex=M", 7.0, 6.5, 7.5, "ok")]))
    assert [c["category"] for c in cells] == ["F", "M"] and total["value"] == 6.0
    cells, total = breakdowns.cells_and_total(_rows([
        ("sex=Both sexes", 6.0, None, None, "ok"), ("total", 6.1, None, None, "ok"),
        ("sex=Females", 1.0, None, None, "suppressed")]))
    assert total["value"] == 6.1 and [(c["category"], c["withheld"]) for c in cells] == [("Females", True)]


def test_a_category_is_compared_with_the_total_by_its_interval():
    assert breakdowns.against_total(7.0, 6.6, 7.5, 6.5) == "higher"
    assert breakdowns.against_total(5.0, 4.0, 6.4, 6.5) == "lower"
    assert breakdowns.against_total(6.0, 5.0, 6.5, 6.5) == "similar"  # a total on a limit is within
    assert breakdowns.against_total(6.0, None, None, 6.5) is None


def test_rank_within_the_parent_in_words():
    r = {"rank_parent": 3, "n_ranked_parent": 12, "polarity": "lower_is_better", "method": "ratio"}
    assert area_view.rank_in_parent(r, "Northmarch") == "3rd of 12 in Northmarch, top quarter"
    assert area_view.rank_in_parent({**r, "rank_parent": 12}, "N") == "12th of 12 in N, bottom quarter"
    assert area_view.rank_in_parent({**r, "rank_parent": 7}, "N") == "7th of 12 in N, 3rd quarter"
    neutral = {**r, "polarity": "neutral", "rank_parent": 1}
    assert area_view.rank_in_parent(neutral, "N") == "1st of 12 in N, highest quarter"
    assert area_view.rank_in_parent({**r, "rank_parent": math.nan}, "N") == "–"  # withheld: no rank
    assert area_view.rank_in_parent(r, None) == "–"
    assert [area_view.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
    # the release's quartile formula, on the parent's ranks: tied areas share a quarter
    assert [area_view.parent_quarter(k, 3) for k in (1, 2, 3)] == [1, 2, 3]
    assert [area_view.parent_quarter(k, 8) for k in (1, 2, 3, 8)] == [1, 1, 2, 4]


# --- on a release with breakdowns -------------------------------------------------------------------------

def _built(folder, write) -> tuple:
    """The config ``write`` puts in ``folder`` built into a store of its own: (release, Dash app)."""
    from dashboard.app import create_app
    from dashboard.release_reader import ReleaseReader
    from etl.pipeline import run

    config = load_config_with(write(folder), temp_store_env(folder))
    result = run(config)
    return ReleaseReader(config.store).get(result.release_id), create_app(config)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return _built(tmp_path_factory.mktemp("breakdown-world"), write_config)


@pytest.fixture(scope="module")
def canada(tmp_path_factory):
    return _built(tmp_path_factory.mktemp("breakdown-canada"), write_canada_config)


def test_real_rates_published_by_sex_only_have_their_both_sexes_category_as_the_total(canada):
    from dashboard import data

    rel, _ = canada
    rows = data.area_breakdowns(rel, "62")
    fig, summary, _table, _links, period = breakdowns.outputs(rel, data.area_row(rel, "62"), "suicide_rate_by_sex",
                                                              rows)
    assert period == "2019"
    assert summary == ("Nunavut, 2019, by Sex: Females 42.5 per 100,000; Males 121.2 per 100,000. The total is 82.9 "
                       "per 100,000 (the dashed line). These values have no interval, so none is compared with the "
                       "total.")
    (trace,) = fig["data"]
    assert trace["y"][1] == ["Females", "Males"] and "error_x" not in trace
    assert fig["layout"]["shapes"][0]["x0"] == 82.9


def test_the_reader_gives_the_breakdown_rows_of_the_indicators_that_have_them(world, release):
    from dashboard import data

    rel, _ = world
    got = data.area_breakdowns(rel, "L1")
    assert set(got["indicator"]) == {"rate_by_sex"}  # rate has only its total
    assert sorted(got.loc[got["period"] == "2021", "breakdown"]) == ["sex=F", "sex=M", "sex=T"]
    # the demo breaks down its survey sample by sex only
    assert set(data.area_breakdowns(release, "VL101")["indicator"]) == {"satisfaction_by_sex"}
    assert data.area_breakdowns(release, "VL101", indicators=["online_share"]).empty
    assert data.has_breakdowns(rel)  # which the row groups' statistics say without reading a row


def test_the_profile_section_says_what_is_withheld_and_compares_with_the_total(world):
    from dashboard import data

    rel, _ = world
    area = data.area_row(rel, "L1")
    fig, summary, table, _links, period = breakdowns.outputs(rel, area, "rate_by_sex",
                                                             data.area_breakdowns(rel, "L1"))
    assert period == "2021"
    assert all(x is None for t in fig["data"] for x in t["x"])  # F and M are withheld at L1
    assert fig["layout"]["shapes"][0]["x0"] == pytest.approx(4.795918, rel=1e-5)  # sex=T, the total
    assert "Withheld to protect individuals, not plotted: F, M." in summary
    assert "4.8% (the dashed line)" in summary


@pytest.mark.browser
def test_the_profile_shows_the_breakdown_chart_its_table_and_ranks_in_the_parent(world, browser):
    from tests.dashboard.conftest import Page, serving

    _, app = world
    with serving(app.server) as url:
        tab = Page(browser, url)
        try:
            tab.open("/area/L2")
            section = tab.page.locator("#area-breakdowns")
            assert section.locator(".js-plotly-plot").count() == 1
            summary = section.locator("figcaption p").inner_text()
            assert "F 7.3% (5.8 to 9.2); M 5.7% (4.3 to 7.4)" in summary
            section.locator("details summary").first.click()
            table = section.locator("table").inner_text()
            assert "similar to the total" in table and "95% interval" in table
            assert section.locator("a[href*='indicator=rate_by_sex']").count() == 3
            spine = tab.page.locator("#area-spine").locator("xpath=ancestor::figure")
            spine.locator("details summary").first.click()
            assert "3rd of 3 in Region one, 3rd quarter" in spine.locator("table").inner_text()
            assert "rank 1 is the best value" in tab.page.locator("#rank-note").inner_text()
            assert tab.axe() == []
            tab.open("/area/L1")
            tab.page.locator("#area-breakdowns details summary").first.click()
            assert tab.page.locator("#area-breakdowns table").inner_text().count("withheld") >= 2
            tab.open("/indicator/rate_by_sex?level=local&areas=L4")
            slot = tab.page.locator("#explorer-breakdowns")
            assert "Local four" in slot.inner_text() and slot.locator(".js-plotly-plot").count() == 1
            assert tab.errors == []
        finally:
            tab.close()


@pytest.mark.browser
def test_a_profile_of_an_area_published_by_breakdown_only_shows_its_breakdowns(canada, browser):
    """Statistics Canada's provinces have no total row: the profile said "no published values" before."""
    from tests.dashboard.conftest import Page, serving

    _, app = canada
    with serving(app.server) as url:
        tab = Page(browser, url)
        try:
            tab.open("/area/62")
            assert "published by breakdown only" in tab.page.locator("#breakdown-only").inner_text()
            assert tab.page.locator("#area-breakdowns .js-plotly-plot").count() == 1
            assert "no published values" not in tab.page.locator("main").inner_text()
            assert tab.axe() == [] and tab.errors == []
        finally:
            tab.close()


def test_the_explorer_shows_the_first_chosen_area_with_breakdowns_else_the_best_ranked(world, release):
    rel, _ = world
    assert breakdowns.explorer_area(rel, "rate_by_sex", "local", "2021", None) == "L5"  # sex=T ranks it 1st
    assert breakdowns.explorer_area(rel, "rate_by_sex", "region", "2021", []) == "R1"
    assert breakdowns.explorer_area(rel, "rate_by_sex", "local", "2021", ["C", "L4"]) == "C"
    assert breakdowns.explorer_area(rel, "rate", "local", "2021", ["L4"]) is None  # the total only
    assert breakdowns.explorer_content(release, "online_share", "municipality", None, None) == []  # the demo


def test_the_demo_survey_total_is_the_total_row_that_maps_and_rankings_read(release):
    """measures[].breakdown_total: T makes the source's sex=T rows the indicator's total rows: the explorer's
    map, ranking and trend (which read totals) have values, and no 'sex=T' category is published."""
    v = release.values(indicators=["satisfaction_by_sex"], columns=["level", "breakdown", "value"]).to_pandas()
    assert set(v["breakdown"]) == {"total", "sex=F", "sex=M"}
    for level in ("country", "region", "municipality"):
        assert v[(v["level"] == level) & (v["breakdown"] == "total")]["value"].notna().any()


def _demo_withheld(release) -> tuple[str, str]:
    """A municipality of the demo and the latest period in which disclosure control withholds a sex (the last
    period of the survey: the municipality's latest breakdown)."""
    from core import statuses

    v = release.values(indicators=["satisfaction_by_sex"], levels=["municipality"],
                       columns=["area_code", "period", "breakdown", "status"]).to_pandas()
    held = v[v["status"].isin(statuses.WITHHELD)].sort_values(["period", "area_code"])
    assert len(held) and set(held["breakdown"]) <= {"sex=F", "sex=M", "total"}
    return str(held["area_code"].iloc[-1]), str(held["period"].iloc[-1])


def test_the_demo_shows_its_survey_sample_by_sex_in_words_with_intervals_against_both_sexes(release, app_context):
    """config.yaml's dashboard.breakdown_labels: Women and Men, not F and M; the total (the source's sex=T, made
    the total row by measures[].breakdown_total) is the line."""
    from dashboard import data

    area = data.area_row(release, "VL101")
    fig, summary, _table, _links, period = breakdowns.outputs(release, area, "satisfaction_by_sex",
                                                              data.area_breakdowns(release, "VL101"))
    (trace,) = fig["data"]
    assert trace["y"][1] == ["Women", "Men"] and period == max(data.periods(release, "satisfaction_by_sex"))
    assert all(x is not None and x > 0 for x in trace["error_x"]["array"] + trace["error_x"]["arrayminus"])
    total = fig["layout"]["shapes"][0]["x0"]
    rows = data.area_breakdowns(release, "VL101")
    assert total == rows.loc[(rows["period"] == period) & (rows["breakdown"] == "total"), "value"].item()
    assert f"{area['name']}, {period}, by sex: Women " in summary and "; Men " in summary
    code, when = _demo_withheld(release)
    area = data.area_row(release, code)
    _fig, summary, *_ = breakdowns.outputs(release, area, "satisfaction_by_sex", data.area_breakdowns(release, code),
                                           when)
    assert "Withheld to protect individuals, not plotted: " in summary
    assert "The total is " in summary  # the total stays published for the area


def test_the_explorer_opens_on_the_best_ranked_area_none_of_whose_categories_is_withheld(release):
    """The demo's best total is a small municipality's (20 of 21 respondents), both of whose sexes are withheld:
    the explorer showed two withheld categories first."""
    from core import statuses
    from dashboard import data

    period = max(data.periods(release, "satisfaction_by_sex"))
    code = breakdowns.explorer_area(release, "satisfaction_by_sex", "municipality", period, None)
    rows = data.area_breakdowns(release, code)
    assert not rows.loc[rows["period"] == period, "status"].isin(statuses.WITHHELD).any()


def test_a_category_without_words_shows_its_code():
    cells, total = breakdowns.cells_and_total(_rows([("sex=F", 5.0, 4.0, 6.0, "ok"), ("sex=X", 6.0, 5.0, 7.0, "ok"),
                                                     ("sex=T", 5.5, 5.0, 6.0, "ok")]), {"sex": {"F": "Women"}})
    assert [c["label"] for c in cells] == ["Women", "X"] and total["breakdown"] == "sex=T"
    assert breakdown_figure(cells, 5.5, unit="%", decimals=1)["data"][0]["y"][1] == ["Women", "X"]


@pytest.mark.browser
def test_the_demo_profile_shows_a_breakdown_chart_with_intervals_and_a_withheld_category(release, tab):
    code, when = _demo_withheld(release)
    tab.open("/area/VL101")
    section = tab.page.locator("#area-breakdowns")
    assert section.locator(".js-plotly-plot").count() == 1
    assert section.locator(".js-plotly-plot .errorbar").count() >= 2  # Women and Men, each with its interval
    assert "Women" in section.locator(".js-plotly-plot").inner_text()
    tab.open(f"/area/{code}")  # its latest period withholds a sex: the profile shows the latest
    section = tab.page.locator("#area-breakdowns")
    assert when in section.locator("h3").inner_text()
    assert "(withheld)" in section.locator(".js-plotly-plot").inner_text()
    section.locator("details summary").first.click()
    assert "withheld" in section.locator("table").inner_text()
    tab.open("/indicator/satisfaction_by_sex")
    slot = tab.page.locator("#explorer-breakdowns")
    assert slot.locator(".js-plotly-plot").count() == 1 and "Men" in slot.locator(".js-plotly-plot").inner_text()
    assert tab.axe() == [] and tab.errors == []
