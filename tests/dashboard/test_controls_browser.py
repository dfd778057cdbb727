"""Issue 20 in headless Chromium: every kind of control, open, passes axe (WCAG 2.1 A/AA) on every page that
has it; an open list shows several options under a search box that nothing slips above, and typing after
Enter filters it; no page scrolls sideways on a phone; the download centre is part of the site.

One Chromium for the module (the session's), a fresh tab for each check."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: Every dropdown the pages draw: (page, control id, multi-select?)
DROPDOWNS = [("/", "overview-area", False), ("/", "overview-theme", False),
             ("/indicator/online_share", "explorer-indicator", False),
             ("/indicator/online_share", "explorer-level", False),
             ("/indicator/online_share", "explorer-period", False),
             ("/indicator/online_share", "explorer-areas", True),
             ("/area/VL1", "area-indicator", False),
             ("/compare?areas=VL1,VL2", "compare-areas", False),
             ("/compare?areas=VL1,VL2", "compare-indicators", True)]

#: One page of each type (a 404 included).
PAGE_TYPES = ["/", "/indicator", "/indicator/online_share", "/area", "/area/VL1", "/compare?areas=VL1,VL2",
              "/methodology/online_share", "/status", "/data", "/accessibility", "/no-such-page"]

#: Where the open list stands: options wholly shown under the search box, and how far the box is from the top
#: of the list (an option showed in that gap, cut off, above the box).
OPEN_LIST = """() => {
  const c = document.querySelector('.dash-dropdown-content');
  const box = c.getBoundingClientRect();
  const search = c.querySelector('.dash-dropdown-search-container');
  const top = search ? search.getBoundingClientRect() : null;
  const under = top ? top.bottom : box.top;
  const options = [...c.querySelectorAll('.dash-dropdown-option')].map(o => o.getBoundingClientRect());
  return {count: options.length, shown: options.filter(r => r.top >= under - 1 && r.bottom <= box.bottom + 1).length,
          gap: top ? Math.round(top.top - box.top) : 0};
}"""

#: Each checkbox of a multi-select beside its words: vertically centred on the first line, to their left.
CHECKBOXES = """() => [...document.querySelectorAll('.dash-dropdown-content .dash-dropdown-option')].map(o => {
  const box = o.querySelector('input').getBoundingClientRect();
  const text = o.querySelector('.dash-options-list-option-text').getBoundingClientRect();
  return {dy: Math.abs((box.top + box.bottom) / 2 - (text.top + Math.min(text.height, 24) / 2)),
          left: box.right <= text.left};
})"""

SIDEWAYS = """() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width && r.right > document.documentElement.clientWidth + 1 && !e.closest('.table-wrap');
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)})"""


def report(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations)


def open_dropdown(tab, control: str) -> None:
    tab.page.focus(f"#{control}")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector(".dash-dropdown-content .dash-dropdown-option")
    tab.page.wait_for_function("() => document.activeElement.closest('.dash-dropdown-content')")


@pytest.mark.parametrize("path, control, multi", DROPDOWNS, ids=[d[1] for d in DROPDOWNS])
def test_an_open_dropdown_passes_axe_shows_its_options_and_filters_as_you_type(tab, path, control, multi):
    tab.open(path)
    open_dropdown(tab, control)
    for _ in range(2):  # an option focused (from the last one, Arrow Down wraps to the search box)
        tab.page.keyboard.press("ArrowDown")
        tab.page.wait_for_timeout(50)
    tab.page.wait_for_function("() => document.activeElement.closest('.dash-dropdown-option')")
    tab.page.wait_for_timeout(50)  # a11y.js reworks the list on the next frame
    violations = tab.axe()
    assert violations == [], report(violations)
    where = tab.page.evaluate(OPEN_LIST)
    assert where["shown"] >= min(6, where["count"]), f"only {where['shown']} options shown: {where}"
    assert where["gap"] <= 1, f"an option can show above the search box: {where}"
    if multi:
        boxes = tab.page.evaluate(CHECKBOXES)
        assert boxes and all(b["left"] and b["dy"] <= 3 for b in boxes), boxes
    if tab.page.locator(".dash-dropdown-content input.dash-dropdown-search").count():
        tab.page.keyboard.press("Escape")
        open_dropdown(tab, control)
        before = tab.page.locator(".dash-dropdown-content .dash-dropdown-option").count()
        tab.page.keyboard.type("zzq")
        search = tab.page.locator(".dash-dropdown-content input.dash-dropdown-search")
        assert search.input_value() == "zzq", "the letters typed after Enter reach the search box"
        tab.page.wait_for_function(f"() => document.querySelectorAll("
                                   f"'.dash-dropdown-content label.dash-dropdown-option').length < {before}",
                                   timeout=5_000)
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("path, control, multi", DROPDOWNS, ids=[d[1] for d in DROPDOWNS])
def test_an_open_dropdown_shows_six_options_on_a_phone(tab, path, control, multi):
    """At 390 px the compare page's indicators and the area page's list showed 4 or 5 options: their long names
    wrapped to two or three lines each."""
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.open(path)
    open_dropdown(tab, control)
    tab.page.wait_for_timeout(100)  # a11y.js reworks the list on the next frame
    where = tab.page.evaluate(OPEN_LIST)
    assert where["shown"] >= min(6, where["count"]), f"only {where['shown']} options shown: {where}"
    assert where["gap"] <= 1, f"an option can show above the search box: {where}"


def test_open_details_and_chart_tools_pass_axe(tab):
    for path in ("/indicator/online_share", "/area/VL1", "/compare?areas=VL1,VL2"):
        tab.open(path)
        tab.page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        tab.page.locator(".js-plotly-plot").first.hover()
        tab.page.locator(".modebar-btn").first.focus()
        violations = tab.axe()
        assert violations == [], f"{path}:\n" + report(violations)


@pytest.mark.parametrize("width", [390, 320])
def test_no_page_scrolls_sideways_on_a_phone(tab, width):
    tab.page.set_viewport_size({"width": width, "height": 844})
    wide = {}
    for path in PAGE_TYPES:
        tab.open(path)
        tab.page.wait_for_timeout(200)  # charts resize to the page after they are drawn
        found = tab.page.evaluate(SIDEWAYS)
        if found["scroll"] > found["client"]:
            wide[path] = found
    assert wide == {}, wide


def test_wide_tables_scroll_in_a_named_focusable_box(tab):
    tab.page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/indicator/online_share", "/status", "/data"):
        tab.open(path)
        tab.page.wait_for_selector("table", state="attached")  # a chart's table is drawn by dcc.Markdown, later
        boxes = tab.page.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
            const w = t.closest('.table-wrap');
            return {wrapped: !!w, tabindex: w && w.getAttribute('tabindex'), named: !!(w && (w.getAttribute('aria-label')
                    || w.getAttribute('aria-labelledby'))), role: w && w.getAttribute('role'),
                    caption_in_view: t.caption.getBoundingClientRect().right <= document.documentElement.clientWidth};
          })""")
        assert boxes and all(b["wrapped"] and b["tabindex"] == "0" and b["named"] and b["role"] for b in boxes), \
            (path, boxes)
        assert all(b["caption_in_view"] for b in boxes), f"{path}: a caption runs off the screen: {boxes}"


def test_the_download_centre_is_part_of_the_site(tab):
    tab.open("/data")
    header = tab.page.locator("header.site-header")
    assert header.count() == 1 and header.get_by_role("link", name="Downloads").count() == 1
    assert tab.page.locator("footer.site-footer").count() == 1
    back = tab.page.get_by_role("link", name="Back to the dashboard")
    assert back.count() == 1
    back.click()
    tab.settle()
    assert tab.page.url.rstrip("/") == tab.base
    tab.open("/data")
    violations = tab.axe()
    assert violations == [], report(violations)
    assert "application/" not in tab.page.locator("main").inner_text(), "formats are named, not given as MIME types"
