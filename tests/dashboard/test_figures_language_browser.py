"""The charts in French in headless Chromium: plotly.js draws the axes' numbers and the hover's numbers with the
French decimal comma (the figure's ``separators``), and the figure's words are French."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.test_dashboard_browser import wait_for_plot

pytestmark = pytest.mark.browser

PLOT = "document.querySelector('#explorer-ranking .js-plotly-plot')"


def test_french_axis_ticks_and_hover_have_the_decimal_comma(tab):
    tab.open("/indicator/online_share?lang=fr&level=municipality&period=2024")
    wait_for_plot(tab, "explorer-ranking")
    # zoomed in as a reader does (drag on the axis): the ticks have decimals, which plotly.js writes itself
    tab.page.evaluate(f"() => Plotly.relayout({PLOT}, {{'yaxis.range': [70, 71]}})")
    ticks = tab.page.evaluate(f"() => [...{PLOT}.querySelectorAll('.ytick text')].map(t => t.textContent)")
    assert any(re.fullmatch(r"70,\d+", t) for t in ticks), ticks
    assert not any("." in t for t in ticks), ticks
    title = tab.page.evaluate(f"() => [...{PLOT}.querySelectorAll('.xtitle')].map(t => t.textContent)")
    assert title == ["Rang (1 = le meilleur)"]
    # the hover of the first-ranked area: its rank and value in French, and its status in words
    tab.page.evaluate(f"() => Plotly.Fx.hover({PLOT}, [{{curveNumber: 0, pointNumber: 0}}])")
    lines = tab.page.evaluate(f"() => [...{PLOT}.querySelectorAll('.hoverlayer tspan.line')]"
                              ".map(t => t.textContent)")
    hover = " | ".join(lines)
    assert "rang 1" in lines and any(re.fullmatch(r"\d+,\d\u00a0%", line) for line in lines), hover
    assert "Sur la bonne voie" in hover or "Hors trajectoire" in hover or "À accélérer" in hover, hover
    # plotly.js's own words (the mode bar) from the catalogue, given in the graph's config
    buttons = tab.page.evaluate(f"() => [...{PLOT}.querySelectorAll('.modebar-btn')].map(b => b.dataset.title)")
    assert "Télécharger le graphique en PNG" in buttons and "Download plot as a PNG" not in buttons, buttons
    assert tab.errors == []
