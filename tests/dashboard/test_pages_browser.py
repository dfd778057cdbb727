"""Issue 20 in headless Chromium: a chart page's weight on a first and a second visit with the partial
plotly.js drawing its map, the index pages and their search (with and without JavaScript), and /compare's
list of chosen areas (adding adds, each removable by a named button, the cap said)."""

from __future__ import annotations

import pytest

from dashboard import data
from tests.dashboard.test_dashboard_browser import choose, wait_for_plot

pytestmark = pytest.mark.browser

FIRST_VISIT_MAX = 1_500_000
SECOND_VISIT_MAX = 150_000


def _bytes(tab, cdp, path: str) -> int:
    sizes: dict[str, int] = {}

    def finished(e):
        sizes[e["requestId"]] = e["encodedDataLength"]
    cdp.on("Network.loadingFinished", finished)
    tab.open(path)
    tab.page.wait_for_timeout(300)
    cdp.remove_listener("Network.loadingFinished", finished)
    return int(sum(sizes.values()))


def test_a_chart_page_is_light_on_a_first_visit_and_lighter_on_a_second(tab):
    cdp = tab.context.new_cdp_session(tab.page)
    cdp.send("Network.enable")
    first = _bytes(tab, cdp, "/indicator/online_share")
    wait_for_plot(tab, "explorer-map")
    assert tab.page.evaluate("() => typeof Plotly.register === 'function' && !!Plotly.version")
    assert tab.page.locator("#explorer-map .maplibregl-canvas, #explorer-map canvas").count() >= 1
    second = _bytes(tab, cdp, "/indicator/online_share")
    wait_for_plot(tab, "explorer-map")
    assert first <= FIRST_VISIT_MAX, f"first visit moved {first:,} bytes"
    assert second <= SECOND_VISIT_MAX, f"second visit moved {second:,} bytes"
    assert not tab.errors, tab.errors


def test_area_search_by_keyboard_finds_a_place(tab, release):
    deep = max(release.areas["area_code"], key=lambda c: len(data.ancestors(release, c)))
    name = data.area_name(release, deep)
    tab.open("/")
    tab.page.click("nav >> text=Areas")
    tab.settle()
    assert tab.page.locator("h1").inner_text() == "Areas"
    tab.page.get_by_role("searchbox", name="Find a place").fill(name)
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url("**/area?q=*")
    tab.settle()
    results = tab.page.locator("#area-results")
    assert "match" in results.inner_text()
    tab.page.get_by_role("link", name=name, exact=True).first.click()
    tab.page.wait_for_url(f"**/area/{deep}")
    assert not tab.errors, tab.errors


def test_search_works_without_javascript(browser, live_server, release):
    deep = max(release.areas["area_code"], key=lambda c: len(data.ancestors(release, c)))
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(live_server + "/area")
        page.get_by_role("searchbox", name="Find a place").fill(deep)
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/area?q=*")
        assert page.get_by_role("link", name=data.area_name(release, deep), exact=True).count() >= 1
        page.goto(live_server + "/indicator")
        assert page.get_by_role("heading", name="Indicators", level=1).is_visible()
    finally:
        ctx.close()


def test_compare_adds_lists_and_removes_areas(tab, release):
    tab.open("/compare")
    assert tab.page.locator("#compare-start").count() == 1  # opens empty, saying how to start
    labels = {o["value"]: o["label"] for o in data.area_options(release)}
    for code in ("VL1", "VL2"):
        choose(tab, "compare-areas", labels[code])
    items = tab.page.locator("#compare-chosen-list li")
    assert items.count() == 2, "choosing an area adds it"
    tab.page.wait_for_function("() => location.search.includes('areas=VL1,VL2')")
    remove = tab.page.get_by_role("button", name=f"Remove {data.area_name(release, 'VL1')}")
    remove.focus()
    tab.page.keyboard.press("Enter")
    tab.settle()
    tab.page.wait_for_function("() => document.activeElement.id === 'compare-chosen-heading'")
    assert items.count() == 1 and data.area_name(release, "VL2") in items.first.inner_text()
    tab.page.wait_for_function("() => location.search.includes('areas=VL2') && !location.search.includes('VL1')")
    assert tab.axe() == []
    assert not tab.errors, tab.errors


def test_compare_says_the_cap_and_stops_adding(tab, release):
    codes = release.areas["area_code"].tolist()[:20]
    tab.open("/compare?areas=" + ",".join(codes))
    assert tab.page.locator("#compare-chosen-list li").count() == 12
    assert "only the first 12" in tab.page.locator("#compare-cap").inner_text()
    assert tab.page.locator("#compare-areas").is_disabled() or \
        tab.page.locator("#compare-areas [disabled], #compare-areas[aria-disabled=true]").count() >= 1
    tab.page.get_by_role("button", name=f"Remove {data.area_name(release, codes[0])}").click()
    tab.settle()
    assert tab.page.locator("#compare-chosen-list li").count() == 11
    assert "11 areas chosen; up to 12" in tab.page.locator("#compare-cap").inner_text()
    tab.page.wait_for_function(
        "() => (new URLSearchParams(location.search).get('areas') || '').split(',').length === 11")
