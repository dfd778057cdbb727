"""The trend chart of ``/compare``: one line per chosen area over every period, with its 95% intervals.

Built on :func:`dashboard.components.figures.trends` (colour, line style and marker per area, intervals as
error bars); the areas' points of a period are drawn side by side (plotly's grouped scatter), so that a dozen
areas' error bars do not hide one another, and the hover says the interval as well as the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.components import figures, fmt
from dashboard.components.performance import say as _

#: Height of the plot itself; the legend (one entry per area) below it takes a line per few areas.
PLOT_HEIGHT = 320
LEGEND_LINE_PX = 24
AREAS_PER_LEGEND_LINE = 3


def _floats(values: Sequence) -> list:
    return [None if fmt.missing(v) else float(v) for v in values]


def area_trends(series: Sequence[dict], *, unit: str, decimals: int) -> dict:
    """``series``: one dict per area with ``name``, ``x`` (periods, oldest first), ``y``, ``lower`` and
    ``upper`` (None where there is no value or no interval). One trace per area, in the order given."""
    fig = figures.trends(series, unit=unit, decimals=decimals)
    for trace, s in zip(fig["data"], series, strict=True):
        lo, hi = _floats(s.get("lower", [])), _floats(s.get("upper", []))
        if any(v is not None for v in lo):
            trace["customdata"] = [[a, b] for a, b in zip(lo, hi, strict=True)]
            trace["hovertemplate"] = (
                f"{s['name']}<br>" + _("{name}: {value}").format(
                    name="%{text}", value=f"%{{y:,.{decimals}f}}{fmt.unit_suffix(unit)}") + "<br>"
                + _("95% interval {low} to {high}").format(low=f"%{{customdata[0]:,.{decimals}f}}",
                                                          high=f"%{{customdata[1]:,.{decimals}f}}")
                + "<extra></extra>")
    lines = -(-len(series) // AREAS_PER_LEGEND_LINE)
    # the legend above the plot: below it, it ran into the axis title
    fig["layout"].update(scattermode="group", scattergap=0.5, height=PLOT_HEIGHT + LEGEND_LINE_PX * lines,
                         legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
                         margin={"l": 60, "r": 10, "t": 10 + LEGEND_LINE_PX * lines, "b": 50})
    fig["layout"]["xaxis"]["automargin"] = True  # periods turned on a phone's width clear the axis title
    return fig
