"""The charts in headless Chromium: a source line under every chart and inside every figure (what Plotly's
"Download plot as PNG" draws), a ranking that names its ends, the target on the trend, and levels in words."""

from __future__ import annotations

import re

import pytest

from dashboard import data
from dashboard.components import figures
from tests.dashboard.test_dashboard_browser import wait_for_plot

pytestmark = pytest.mark.browser


def _layout_sources(tab, graph_id: str) -> list[str]:
    """The source annotations of the figure plotly.js holds (the layout a PNG export draws)."""
    return tab.page.evaluate(
        """id => (document.querySelector('#' + id + ' .js-plotly-plot').layout.annotations || [])
               .filter(a => a.name === 'source').map(a => a.text)""", graph_id)


def test_every_chart_shows_its_source_under_it_and_in_its_figure(tab, release):
    meta = data.indicator_meta(release, "online_share")
    want = figures.release_source(release, [meta])
    drawn = "<br>".join(figures.textwrap.wrap(want, figures.SOURCE_CHARS))
    tab.open("/indicator/online_share?level=municipality&period=2024&areas=VL101")
    for graph in ("explorer-map", "explorer-ranking", "explorer-distribution", "explorer-trend"):
        wait_for_plot(tab, graph)
        assert tab.page.inner_text(f"#{graph}-source") == want, graph
        assert _layout_sources(tab, graph) == [drawn], graph
    # another indicator: the line under each chart and in each figure follows it
    other = data.indicator_meta(release, "satisfaction")
    tab.open("/indicator/satisfaction?level=municipality")
    wait_for_plot(tab, "explorer-ranking")
    assert tab.page.inner_text("#explorer-ranking-source") == figures.release_source(release, [other])
    tab.open("/area/VL101")
    for graph in ("area-spine", "area-neighbours", "area-trend"):
        wait_for_plot(tab, graph)
        assert tab.page.inner_text(f"#{graph}-source").startswith("Source"), graph
        assert _layout_sources(tab, graph), graph
    tab.open("/compare?areas=VL101,VL102&indicators=online_share")
    wait_for_plot(tab, "compare-chart-online_share")
    assert tab.page.inner_text("#compare-chart-online_share-source") == want
    assert _layout_sources(tab, "compare-chart-online_share") == [drawn]
    assert tab.errors == []


def test_the_png_export_carries_the_source(tab, release):
    """Plotly's toImage draws the figure afresh from its data and layout: the source annotation is in the SVG
    it makes (the PNG button's image, without the browser's download)."""
    tab.open("/indicator/online_share?level=region&period=2024")
    wait_for_plot(tab, "explorer-ranking")
    svg = tab.page.evaluate("""async () => {
        const gd = document.querySelector('#explorer-ranking .js-plotly-plot');
        const url = await Plotly.toImage(gd, {format: 'svg', width: 900, height: 500});
        return decodeURIComponent(url.replace(/^data:image\\/svg\\+xml,/, '')); }""")
    assert "OpenMeasure release" in svg and "Licence: CC-BY-4.0" in svg


def test_the_ranking_names_its_top_and_bottom_areas_and_colours_their_status(tab, release):
    tab.open("/indicator/online_share?level=municipality&period=2024")
    wait_for_plot(tab, "explorer-ranking")
    plot = tab.page.evaluate("""() => { const p = document.querySelector('#explorer-ranking .js-plotly-plot');
        return {boxes: p.layout.annotations.filter(a => a.name && a.name.startsWith('ranking-')).map(a => a.text),
                drawn: [...p.querySelectorAll('.annotation-text')].map(t => t.textContent),
                codes: Array.from(p.data[0].customdata), colours: Array.from(p.data[0].marker.color),
                legend: [...p.querySelectorAll('.legendtext')].map(e => e.textContent)}; }""")
    first, last = plot["codes"][0], plot["codes"][-1]
    best, worst = data.area_name(release, first), data.area_name(release, last)
    assert f"1. {figures.short_name(best)}:" in plot["boxes"][0]
    assert f"{len(plot['codes'])}. {figures.short_name(worst)}:" in plot["boxes"][1]
    drawn = " ".join(plot["drawn"])
    assert figures.short_name(best) in drawn and figures.short_name(worst) in drawn  # drawn, not only held
    summary = tab.page.inner_text("#explorer-ranking-summary")
    assert f"Best: {best} (" in summary and f"worst: {worst} (" in summary
    assert "Target: 90.0% by 2030" in summary
    assert set(plot["colours"]) <= {c for c, _ in figures.STATUS_STYLE.values()} | {figures.NO_STATUS_STYLE[0]}
    assert "On track" in plot["legend"] and "Target (90.0%)" in plot["legend"]
    assert tab.errors == []


def test_the_trend_draws_the_target(tab):
    tab.open("/indicator/online_share?areas=VL101")
    wait_for_plot(tab, "explorer-trend")
    names = tab.page.evaluate("() => document.querySelector('#explorer-trend .js-plotly-plot').data.map(t => t.name)")
    assert names[-1] == "Target 90.0% by 2030"
    assert "Target 90.0% by 2030" in tab.page.evaluate(
        "() => [...document.querySelectorAll('#explorer-trend .annotation-text')].map(t => t.textContent).join('|')")
    assert "Target: 90.0% by 2030." in tab.page.inner_text("#explorer-header")
    assert "The target, 90.0% by 2030, is the dashed line." in tab.page.inner_text("#explorer-trend-summary")


def test_levels_are_named_in_words_in_the_level_dropdown_and_the_area_index(tab, release):
    tab.open("/indicator/online_share?level=municipality")
    tab.page.focus("#explorer-level")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector(".dash-dropdown-content .dash-dropdown-option")
    options = tab.page.locator(".dash-dropdown-content .dash-dropdown-option").all_inner_texts()
    tab.page.keyboard.press("Escape")
    assert [o.strip() for o in options] == ["Country", "Region", "Municipality"]
    tab.open("/area")
    headings = tab.page.locator("main h2").all_inner_texts()
    assert [re.sub(r" \(.*", "", h) for h in headings] == ["Countries", "Regions", "Municipalities"]
    tab.open("/area?q=vl101")
    assert "Municipality" in tab.page.inner_text("main table")
