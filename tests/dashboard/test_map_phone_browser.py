"""Issue 20 in headless Chromium with a software GPU (a map needs WebGL): on a phone the explorer's map keeps its
colour bar and its legend apart and inside the figure; upright at the right edge the bar took half of a 390 px
screen and covered the "Provisional or estimated value" legend."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BOXES = """() => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
                     const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {figure: box('#explorer-map .main-svg'), bar: box('#explorer-map .colorbar'),
          legend: box('#explorer-map .legend')};
}"""


@pytest.fixture(scope="module")
def gl_browser(browser):
    """The session's Chromium (a second Playwright in one process fails: "Sync API inside the asyncio loop");
    headless Chromium falls back to SwiftShader for the map's WebGL."""
    return browser


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("width", [390, 320, 1366])
def test_the_maps_colour_bar_and_legend_do_not_overlap(gl_browser, live_server, width):
    page = gl_browser.new_page(viewport={"width": width, "height": 844})
    try:
        page.goto(live_server + "/indicator/online_share")
        page.wait_for_selector("#explorer-map .colorbar", timeout=30_000)
        page.wait_for_selector("#explorer-map .legend", timeout=30_000)
        page.wait_for_timeout(500)
        b = page.evaluate(BOXES)
    finally:
        page.close()
    fig, bar, legend = b["figure"], b["bar"], b["legend"]
    assert _apart(bar, legend), b
    # inside the figure, and at most the figure's width: nothing runs off a phone
    assert fig[0] - 1 <= bar[0] and bar[2] <= fig[2] + 1 and fig[0] - 1 <= legend[0] and legend[2] <= fig[2] + 1, b
    if width < 600:  # the bar leaves the map its width: it lies under it, not beside it
        assert bar[1] > fig[1] + (fig[3] - fig[1]) / 2, b
