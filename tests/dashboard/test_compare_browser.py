"""/compare in Chromium: the trend chart draws one line per area, the tables give intervals and significance in
words, and the download links answer with the rows shown."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard import data

pytestmark = pytest.mark.browser

AREAS = ["VL101", "VL1", "VL403", "VL"]
INDS = ["new_business_rate", "processing_days"]


def test_compare_draws_trends_intervals_significance_and_downloads(tab, release):
    tab.open(f"/compare?areas={','.join(AREAS)}&indicators={','.join(INDS)}")
    names = [data.area_name(release, a) for a in AREAS]
    for ind in INDS:
        tab.page.wait_for_function(
            f"() => document.querySelector('#compare-trend-{ind} .js-plotly-plot')?.data?.length > 0")
        traces = tab.page.evaluate(
            f"() => document.querySelector('#compare-trend-{ind} .js-plotly-plot').data.map(t => t.name)")
        assert traces == names, "one line per chosen area, in the order chosen"
        assert tab.page.locator(f"#compare-trend-{ind} .main-svg .scatterlayer .trace").count() == len(AREAS)
    section = tab.page.locator("#compare-new_business_rate")
    text = section.inner_text()
    assert "95% interval" in text and " to " in text
    top = data.area_name(release, "VL")
    assert f"to {top}" in text or f"than {top}" in text  # "similar to" / "significantly better than" the country
    assert section.locator(".sig").count() >= len(AREAS) - 1
    assert "no 95% interval" in tab.page.locator("#compare-processing_days").inner_text()
    hrefs = tab.page.eval_on_selector_all("#compare-downloads a", "els => els.map(e => e.href)")
    assert {h.split("format=")[1].split("&")[0] for h in hrefs} >= {"csv", "xlsx"}
    csv = tab.page.request.get(next(h for h in hrefs if "format=csv" in h))
    assert csv.status == 200
    got = pd.read_csv(io.StringIO(csv.text()), dtype=str)
    assert set(got["area_code"]) == set(AREAS) and set(got["indicator"]) == set(INDS)
    assert set(got["breakdown"]) == {"total"}
    xlsx = tab.page.request.get(next(h for h in hrefs if "format=xlsx" in h))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    # the selection stays in the address (a permalink)
    assert f"areas={','.join(AREAS)}" in tab.page.url.replace("%2C", ",")
    assert tab.axe() == []
    assert not tab.errors, tab.errors


def test_compare_reflows_at_320_px(tab):
    """WCAG 1.4.10: the trend's legend, the tables and the download links fit a 320 px screen (the tables
    scroll in their own box), and nothing makes the page scroll sideways."""
    from tests.dashboard.test_dashboard_browser import OUTSIDE

    tab.page.set_viewport_size({"width": 320, "height": 800})
    tab.open(f"/compare?areas={','.join(AREAS)}&indicators={INDS[0]}")
    for graph in tab.page.locator(".js-plotly-plot").all():
        graph.scroll_into_view_if_needed()
    tab.page.wait_for_timeout(500)
    assert tab.page.evaluate(OUTSIDE) == []
