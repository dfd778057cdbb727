"""The dashboard in headless Chromium: every page renders with no console errors and no WCAG 2.1 A/AA
violations (axe-core), the explorer's controls update the map and ranking, clicks open profiles, URLs
reproduce views, and the keyboard reaches every control."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/?area=VL2&theme=jobs", "/indicator/online_share", "/indicator/neet_rate?level=region&period=2015",
         "/area/VL101", "/area/VL", "/compare", "/compare?areas=VL1,VL2,VL101&indicators=neet_rate,employment_rate",
         "/methodology/neet_rate", "/status", "/accessibility", "/no-such-page", "/indicator/sickness_absence",
         "/compare?areas=VL1,XX", "/indicator", "/area", "/area?q=vl1", "/compare?area=VL101"]
#: Pages for an unknown address or (here: internal) id answer 404 on purpose; the browser logs that for the
#: document.
NOT_FOUND = {"/indicator/sickness_absence", "/no-such-page", "/compare?areas=VL1,XX"}


def graph_data(tab, graph_id: str) -> list[dict]:
    """The traces plotly drew in a dcc.Graph (as plotly.js holds them)."""
    return tab.page.evaluate(
        """id => document.querySelector('#' + id + ' .js-plotly-plot').data.map(
               t => ({type: t.type, z: t.z ? Array.from(t.z) : null, y: t.y ? Array.from(t.y) : null,
                      locations: t.locations ? Array.from(t.locations) : null, customdata: t.customdata || null}))""",
        graph_id)


def wait_for_plot(tab, graph_id: str) -> None:
    tab.page.wait_for_function("id => { const p = document.querySelector('#' + id + ' .js-plotly-plot');"
                               " return p && p.data && p.data.length > 0; }", arg=graph_id, timeout=20_000)


def choose(tab, control_id: str, option: str) -> None:
    """Pick an option in a Dash 4 dropdown with the keyboard: focus, Enter, type in Search, pick by role (the
    open list is a group of radio buttons, or of checkboxes for a multi-select: assets/a11y.js)."""
    tab.page.focus(f"#{control_id}")
    tab.page.keyboard.press("Enter")
    search = tab.page.locator(".dash-dropdown-content input.dash-dropdown-search")
    if search.count():
        search.fill(option)
    content = tab.page.locator(".dash-dropdown-content")
    role = "radio" if content.locator("input[type=radio]").count() else "checkbox"
    # the option's label is clicked, as a mouse would (a single choice's radio is hidden in a 0px-wide box)
    content.get_by_role(role, name=option, exact=True).first.locator("xpath=ancestor::label[1]").click()
    tab.page.keyboard.press("Escape")
    tab.settle()


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_accessibly_without_console_errors(tab, path):
    tab.open(path)
    assert tab.page.locator("h1").count() == 1, "one h1 per page"
    assert tab.page.locator("#synthetic-banner").is_visible(), "the demo release is synthetic: banner on every page"
    violations = tab.axe()
    assert violations == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"])
                                       for v in violations)
    expected = "Failed to load resource: the server responded with a status of 404"
    assert [e for e in tab.errors if not (path in NOT_FOUND and expected in e)] == []


def test_explorer_period_level_and_indicator_update_map_and_ranking(tab):
    tab.open("/indicator/online_share?level=municipality&period=2024")
    wait_for_plot(tab, "explorer-map")
    before = graph_data(tab, "explorer-map")
    assert before[0]["type"] == "choroplethmap" and len(before[0]["locations"]) == 286
    ranking_before = graph_data(tab, "explorer-ranking")[0]["y"]

    choose(tab, "explorer-period", "2015")
    tab.page.wait_for_url(re.compile(r"period=2015"))
    after = graph_data(tab, "explorer-map")
    assert after[0]["locations"] == before[0]["locations"], "a new period keeps the map's areas (a Patch)"
    assert after[0]["z"] != before[0]["z"]
    assert graph_data(tab, "explorer-ranking")[0]["y"] != ranking_before
    assert "2015" in tab.page.inner_text("#explorer-map-summary")

    choose(tab, "explorer-level", "Region")
    tab.page.wait_for_url(re.compile(r"level=region"))
    assert len(graph_data(tab, "explorer-map")[0]["locations"]) == 8
    assert len(graph_data(tab, "explorer-ranking")[0]["y"]) == 8

    choose(tab, "explorer-indicator", "Employment rate, ages 20-64 (jobs)")
    tab.page.wait_for_url(re.compile(r"/indicator/employment_rate\?"))
    assert tab.page.inner_text("h1") == "Employment rate, ages 20-64"
    assert "Employment rate" in tab.page.inner_text("#explorer-map-summary")
    assert tab.errors == []

    tab.page.reload()
    tab.settle()
    assert tab.page.inner_text("h1") == "Employment rate, ages 20-64", "reloading reproduces the view"
    assert "Region" in tab.page.inner_text("#explorer-level")
    assert "2015" in tab.page.inner_text("#explorer-period")


def test_a_url_with_selections_reproduces_them(tab):
    tab.open("/indicator/neet_rate?level=region&period=2016&areas=VL101")
    assert "Region" in tab.page.inner_text("#explorer-level")
    assert "2016" in tab.page.inner_text("#explorer-period")
    wait_for_plot(tab, "explorer-map")
    assert len(graph_data(tab, "explorer-map")[0]["locations"]) == 8
    trend_names = tab.page.evaluate("() => document.querySelector('#explorer-trend .js-plotly-plot').data.map(t => t.name)")
    assert trend_names[0] == "Venwell" and any("parent" in n for n in trend_names)
    tab.open("/?area=VL2&theme=jobs")
    assert "Eastvale" in tab.page.inner_text("#overview-area")
    titles = tab.page.locator(".card-title").all_inner_texts()
    assert titles and all("mploy" in t for t in titles), titles


def test_clicking_the_ranking_opens_the_area_profile(tab):
    tab.open("/indicator/online_share?level=region&period=2024")
    wait_for_plot(tab, "explorer-ranking")
    first = graph_data(tab, "explorer-ranking")[0]["customdata"][0]
    tab.page.locator("#explorer-ranking .scatterlayer .point").first.click(force=True)
    tab.page.wait_for_url(re.compile(rf"/area/{first}$"))
    tab.settle()
    assert tab.page.locator("h1").inner_text() != "Applications completed online"
    assert tab.errors == []


def test_clicking_the_map_opens_the_area_profile(tab):
    tab.open("/indicator/online_share?level=country")
    wait_for_plot(tab, "explorer-map")
    tab.page.wait_for_timeout(500)  # the map draws its canvas after the data arrive
    tab.page.locator("#explorer-map .js-plotly-plot").scroll_into_view_if_needed()  # below the fold at 900 px
    box = tab.page.locator("#explorer-map .js-plotly-plot").bounding_box()
    tab.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.page.wait_for_url(re.compile(r"/area/VL$"))
    tab.settle()
    assert tab.page.locator("h1").inner_text() == "Republic of Veloria"


def test_the_map_opens_on_its_areas_with_a_legend_for_flagged_values(tab, release):
    from dashboard import data

    tab.open("/indicator/online_share?level=municipality&period=2024")
    wait_for_plot(tab, "explorer-map")
    tab.page.wait_for_timeout(500)  # the map draws its canvas after the data arrive
    seen = tab.page.evaluate("""() => { const p = document.querySelector('#explorer-map .js-plotly-plot');
        const b = p._fullLayout.map._subplot.map.getBounds();
        return {bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
                legend: [...p.querySelectorAll('.legendtext')].map(e => e.textContent)}; }""")
    assert seen["legend"] == ["Provisional or estimated value"]
    west, south, east, north = seen["bounds"]
    centres = data.map_geometry(release, "municipality").centres.values()
    assert all(west <= lon <= east and south <= lat <= north for lon, lat in centres), "every area is in view"
    lons, lats = [c[0] for c in centres], [c[1] for c in centres]
    assert (max(lons) - min(lons)) / (east - west) > 0.3 or (max(lats) - min(lats)) / (north - south) > 0.5, \
        "the areas fill the view, not a corner of it"


def test_keyboard_reaches_every_control(tab):
    for path, controls in [("/indicator/online_share", ["explorer-indicator", "explorer-level", "explorer-period",
                                                        "explorer-areas"]),
                           ("/", ["overview-area", "overview-theme"]),
                           ("/compare", ["compare-areas", "compare-indicators"]),
                           ("/area/VL101", ["area-indicator"])]:
        tab.open(path)
        reached = set()
        tab.page.locator("body").focus()
        for _ in range(60):
            tab.page.keyboard.press("Tab")
            reached.add(tab.page.evaluate("() => document.activeElement.id || document.activeElement.tagName"))
            if set(controls) <= reached:
                break
        assert set(controls) <= reached, f"{path}: not reached by Tab: {set(controls) - reached}"
    tab.page.keyboard.press("Enter")  # the last control reached opens with the keyboard
    assert tab.page.locator(".dash-dropdown-content").is_visible()


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(css_colour: str) -> float:
    """Contrast ratio of a CSS rgb()/rgba() colour drawn on white."""
    *rgb, alpha = [float(x) for x in re.findall(r"[\d.]+", css_colour)] + ([1.0] if "rgba" not in css_colour else [])
    blended = [alpha * c + (1 - alpha) * 255 for c in rgb[:3]]
    return 1.05 / (_luminance(blended) + 0.05)


def test_chart_mode_bars_have_no_cloud_upload_few_buttons_and_visible_icons(tab):
    for path in ("/area/VL101", "/indicator/online_share"):
        tab.open(path)
        tab.page.wait_for_selector(".modebar-btn", state="attached")
        bars = tab.page.evaluate("() => [...document.querySelectorAll('.modebar')].map("
                                 "m => [...m.querySelectorAll('.modebar-btn')].map(b => b.dataset.title))")
        assert bars and all(b for b in bars)
        for titles in bars:
            assert not [t for t in titles if "Share" in t or "Cloud" in t or "Edit" in t], titles
            assert len(titles) <= 4, f"{path}: every button is a Tab stop: {titles}"
            assert "Download plot as a PNG" in titles
        fills = tab.page.evaluate("() => [...document.querySelectorAll('.modebar-btn path')].map("
                                  "p => getComputedStyle(p).fill)")
        assert all(contrast_on_white(f) >= 3 for f in fills), set(fills)


@pytest.mark.parametrize("path, control", [("/area/VL101", "area-indicator"), ("/", "overview-area"),
                                           ("/indicator/online_share", "explorer-level"),
                                           ("/compare?areas=VL1,VL2", "compare-indicators")])
def test_an_open_dropdown_shows_the_focused_and_the_chosen_option(tab, path, control):
    tab.open(path)
    tab.page.focus(f"#{control}")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector(".dash-dropdown-content .dash-dropdown-option")
    tab.page.keyboard.press("ArrowDown")
    tab.page.keyboard.press("ArrowDown")
    tab.page.wait_for_function("() => document.activeElement.closest('.dash-dropdown-option')")
    style = """o => { const s = getComputedStyle(o); return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                      colour: s.outlineColor, bg: s.backgroundColor, weight: s.fontWeight, shadow: s.boxShadow,
                      selected: String(o.querySelector('input').checked)}; }"""
    focused = tab.page.evaluate(f"() => ({style})(document.activeElement.closest('.dash-dropdown-option'))")
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    assert contrast_on_white(focused["colour"]) >= 3, focused
    options = tab.page.locator(".dash-dropdown-content .dash-dropdown-option")
    shown = [options.nth(i).evaluate(style) for i in range(min(options.count(), 12))]
    chosen = [s for s in shown if s["selected"] == "true"]
    others = [s for s in shown if s["selected"] != "true"]
    assert chosen and others
    assert all((c["weight"], c["shadow"]) != (o["weight"], o["shadow"]) for c in chosen for o in others
               if o is not focused), "the chosen option looks different from the others"


def test_choosing_another_area_or_indicator_retitles_the_page(tab):
    """The overview's area and the explorer's indicator change the address in place (the router does not draw
    the page again), so the title named the first choice; it follows the choice, and other pages keep theirs."""
    tab.open("/?area=VL101")
    assert tab.page.title() == "Venwell: overview"
    choose(tab, "overview-area", "Eastvale (region, VL2)")
    tab.page.wait_for_function("() => document.title === 'Eastvale: overview'", timeout=10_000)
    tab.page.click("nav >> text=Compare areas")
    tab.settle()
    tab.page.wait_for_function("() => document.title === 'Compare areas'", timeout=10_000)
    tab.page.go_back()
    tab.settle()
    tab.page.wait_for_function("() => document.title === 'Eastvale: overview'", timeout=10_000)
    tab.open("/indicator/online_share")
    assert tab.page.title() == "Applications completed online: indicator explorer"
    choose(tab, "explorer-indicator", "Employment rate, ages 20-64 (jobs)")
    tab.page.wait_for_function("() => document.title === 'Employment rate, ages 20-64: indicator explorer'",
                               timeout=10_000)
    tab.open("/area/VL101")
    assert tab.page.title() == "Venwell: area profile"
    assert tab.errors == []


#: Chart text drawn outside its chart's box (clipped: lost to the reader), and chosen dropdown values wider than
#: their box (cut off under an ellipsis).
OUTSIDE = """() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')].flatMap(p => {
    const box = p.getBoundingClientRect();
    return [...p.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => [t, t.getBoundingClientRect()])
      .filter(([t, r]) => r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
      .map(([t, r]) => `${p.closest('[id]').id}: ${t.textContent} at ${Math.round(r.left)}..${Math.round(r.right)}`);
  });
  const values = [...document.querySelectorAll('.dash-dropdown-value')].filter(v => {
    const item = v.querySelector('.dash-dropdown-value-item');
    return v.scrollWidth > v.clientWidth + 1 || (item && item.getBoundingClientRect().right >
                                                  v.closest('.dash-dropdown').getBoundingClientRect().right + 1);
  }).map(v => `dropdown value: ${v.textContent}`);
  return [...charts, ...values, ...(document.documentElement.scrollWidth > 320 ? ['page scrolls sideways'] : [])];
}"""


@pytest.mark.parametrize("path", ["/area/VL101", "/area/VL1", "/indicator/neet_count?level=region",
                                  "/indicator/online_share"])
def test_charts_and_chosen_values_reflow_at_320_px(tab, path):
    """WCAG 1.4.10: at 320 CSS px the spine chart's long indicator names started 250 px left of the screen and a
    long chosen indicator ran under the dropdown's edge; the names wrap (whole, in the table too) and so does
    the chosen value."""
    tab.page.set_viewport_size({"width": 320, "height": 800})
    tab.open(path)
    for graph in tab.page.locator(".js-plotly-plot").all():
        graph.scroll_into_view_if_needed()
    tab.page.wait_for_timeout(500)
    assert tab.page.evaluate(OUTSIDE) == []
    if path.startswith("/area/"):
        ticks = tab.page.evaluate("() => [...document.querySelectorAll('#area-spine .xtick text')].map(t => "
                                  "[...t.querySelectorAll('tspan.line')].map(s => s.textContent).join(' '))")
        assert ticks == ["Worst area", "Best area"], "both ends of the scale named"
        names = tab.page.evaluate("() => document.querySelector('#area-spine .js-plotly-plot').data[0].y")
        assert any("<br>" in n for n in names)


def test_a_charts_drawing_is_hidden_from_screen_readers_and_its_tools_are_not(tab):
    """A screen reader read the ranking as its tick text ('0 5 10 15 ... Quinpelby Holham') before the summary and
    table; the drawing is hidden, while the mode bar's buttons stay named and reachable by Tab (hiding them
    would break WCAG 4.1.2: axe aria-hidden-focus, which the page test runs)."""
    tab.open("/indicator/online_share?level=region")
    wait_for_plot(tab, "explorer-ranking")
    tab.page.wait_for_selector("#explorer-ranking .modebar-btn", state="attached")
    tab.page.wait_for_timeout(300)
    drawn = tab.page.evaluate("() => [...document.querySelectorAll('#explorer-ranking svg text')].map("
                              "t => t.textContent.trim()).filter(t => t)")  # ticks, axis titles
    tree = tab.page.locator("#explorer-ranking").aria_snapshot()
    assert "Rank (1 = best)" in drawn and not [t for t in drawn if t in tree], tree
    assert "Download plot as a PNG" in tree and "toolbar" in tree, tree
    layers = tab.page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot svg.main-svg')].map("
                               "s => s.getAttribute('aria-hidden'))")
    assert layers and set(layers) == {"true"}
    hidden_controls = tab.page.evaluate(
        "() => [...document.querySelectorAll('.modebar-btn, .maplibregl-canvas')].filter("
        "b => b.closest('[aria-hidden=true]')).map(b => b.dataset.title || b.className)")
    assert hidden_controls == []
    tab.page.locator("#explorer-areas").focus()
    reached = []
    for _ in range(30):
        tab.page.keyboard.press("Tab")
        reached.append(tab.page.evaluate("() => document.activeElement.dataset.title || ''"))
    assert "Download plot as a PNG" in reached and "Reset axes" in reached, reached
    assert tab.errors == []


def test_keyboard_reaches_the_area_profiles_download_links_by_their_names(tab):
    """The profile's data links are reached with Tab, and their accessible names say what they download."""
    tab.open("/area/VL101")
    wanted = {"Download every indicator for Venwell, all periods, as CSV",
              "Download every indicator for Venwell, all periods, as Excel (XLSX)"}
    for name in wanted:
        link = tab.page.get_by_role("link", name=name, exact=True)
        assert link.count() == 1 and "area=VL101" in link.get_attribute("href"), name
    reached = set()
    tab.page.locator("body").focus()
    for _ in range(80):
        tab.page.keyboard.press("Tab")
        reached.add(tab.page.evaluate("() => document.activeElement.tagName === 'A' ? "
                                      "document.activeElement.textContent : ''"))
        if wanted <= reached:
            break
    assert wanted <= reached, f"not reached by Tab: {wanted - reached}"
