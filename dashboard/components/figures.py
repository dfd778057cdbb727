"""Plotly figures as plain dicts (no ``go.Figure``: building and validating one is slow at
thousands of areas; bench/dashboard.py measures the pages).

Colour scales and palettes are colour-blind safe (viridis; Okabe-Ito), and every distinction that matters
also has a shape, a line style or a pattern.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from dash import Patch

from dashboard import language
from dashboard.components import fmt, performance

# the source line of every chart (its words and its drawing in a figure) lives in its own module; names kept here
from dashboard.components.chart_source import (  # noqa: F401
    SOURCE_CHARS,
    SOURCE_FONT,
    SOURCE_LINE_PX,
    release_source,
    source_annotation,
    source_text,
    with_source,
)
from dashboard.components.performance import say as _
from dashboard.components.theme import FONT
from dashboard.i18n import N_

COLORSCALE = "Viridis"  # no grey in it, so grey can mean "no value"
NO_VALUE_COLOUR = "#bdbdbd"
#: Okabe-Ito, colour-blind safe
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x"]


def _base_layout(**extra) -> dict:
    """A figure's layout in the reader's language: ``separators`` makes plotly.js write the numbers of its axes
    and of the hover's d3 formats with the language's decimal sign and thousands separator (fmt.separators)."""
    layout = {"margin": {"l": 10, "r": 10, "t": 10, "b": 40}, "font": FONT, "paper_bgcolor": "#ffffff",
              "plot_bgcolor": "#ffffff", "hoverlabel": {"font": {"size": 14}}, "separators": fmt.separators()}
    layout.update(extra)
    return layout



#: A legend above the plot: one wrapped over several lines on a phone pushes the plot down (Plotly grows the top
#: margin for it) instead of running into the axis title and the source line below.
TOP_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def _clean(values: Sequence) -> list:
    """Floats for JSON, with None where there is no value (NaN is not JSON)."""
    if isinstance(values, np.ndarray):
        return [None if v != v else v for v in values.astype(float).tolist()]
    return [None if fmt.missing(v) else float(v) for v in values]


#: The marker of a provisional or estimated value: a white dot in a black ring, seen on every colour of the
#: scale and on the grey of no value, drawn at the area's centre over its fill (which it does not hide). Its
#: size (px) shrinks as the areas in view get more: 11 px for a few dozen, 5 px at 1,500 NUTS 3 regions.
FLAG_RING_PX = (5.0, 11.0)
FLAG_NAME = N_("Provisional or estimated value")
#: The names of a scale of so many classes of equal numbers of areas.
QUANTILE_NAMES = {4: N_("quartiles"), 5: N_("quintiles"), 10: N_("deciles")}


def flag_ring_px(areas_in_view: int, view_px: tuple[int, int] = (640, 480)) -> float:
    """The ring's size for so many areas in the first view: some 40% of the spacing between their centres."""
    spacing = (view_px[0] * view_px[1] / max(areas_in_view, 1)) ** 0.5
    return round(min(FLAG_RING_PX[1], max(FLAG_RING_PX[0], 0.4 * spacing)), 1)


def _flag_traces(points: tuple[list, list, list, list] | None, ring_px: float = FLAG_RING_PX[1]) -> list[dict]:
    """Two ``scattermap`` traces (ring, then dot) at the centres of areas whose value is provisional or estimated;
    the ring has the legend entry. ``points``: codes, names, longitudes, latitudes."""
    codes, names, lons, lats = points or ([], [], [], [])
    ring, dot = {"size": ring_px, "color": "#000000"}, {"size": round(ring_px * 0.45, 1), "color": "#ffffff"}
    base = {"type": "scattermap", "mode": "markers", "lon": list(lons), "lat": list(lats),
            "customdata": list(codes), "text": list(names)}
    name = _(FLAG_NAME)
    return [{**base, "name": name, "marker": ring, "showlegend": bool(codes),
             "hovertemplate": "<b>%{text}</b> (%{customdata})<br>" + _("provisional or estimated value")
                              + "<extra></extra>"},
            {**base, "name": name, "marker": dot, "showlegend": False, "hoverinfo": "skip"}]


#: Plotly's Viridis, from which a classed scale takes evenly spaced colours.
VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725"]


def _viridis(n: int) -> list[str]:
    """``n`` colours evenly spaced along Viridis (interpolated in RGB), dark to light."""
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in VIRIDIS], dtype=float)
    at = np.linspace(0, len(VIRIDIS) - 1, n)
    out = []
    for x in at:
        i = min(int(x), len(VIRIDIS) - 2)
        c = rgb[i] + (rgb[i + 1] - rgb[i]) * (x - i)
        out.append("#" + "".join(f"{int(round(v)):02x}" for v in c))
    return out


#: The map's colour bar: across the foot of the map, the full width of the plot, its title above and each
#: class's range under it in two short lines. Upright at the map's right edge it took half a phone's width (180 of
#: 366 px at 390) and ran over the legend; across the foot it fits 320 px and leaves the whole width to the map.
COLOUR_BAR = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "top", "ypad": 6, "xpad": 0,
              "len": 1, "lenmode": "fraction", "thickness": 12, "tickfont": {"size": 12}, "outlinewidth": 0}
#: The room (px) under the map for the colour bar: its title, the bar and two lines of tick labels.
COLOUR_BAR_ROOM = 86


def colour_scale(values: Sequence, scale: str, *, unit: str, decimals: int, classes: int = 5,
                 clip: Sequence[float] = (2.0, 98.0)) -> dict:
    """The keys of the map's value trace that colour it: ``z``, ``zmin``, ``zmax``, ``colorscale``, ``colorbar``
    and ``customdata`` (the values themselves, for the hover text).

    - ``quantile``: ``classes`` classes of (about) equal numbers of areas; an outlier is one area of the top
      class, not the end of a scale that leaves every other area in its first tenth. The legend gives each class's
      range.
    - ``clipped``: a continuous scale between two percentiles of the values (``clip``); areas beyond take the end
      colours, and the legend's end labels say so (≤, ≥) and its title names the percentiles.
    - ``linear``: a continuous scale from the lowest to the highest value."""
    v = np.asarray(_clean(values), dtype=float)
    real = v[~np.isnan(v)]
    title = unit
    edges = np.unique(np.quantile(real, np.linspace(0, 1, classes + 1))) if len(real) else np.array([])
    if scale == "quantile" and len(edges) >= 3:
        k = len(edges) - 1
        z = np.searchsorted(edges[1:-1], v, side="right").astype(float)
        z[np.isnan(v)] = np.nan
        colours = _viridis(k)
        stops = [[round(i / k + d, 6), c] for i, c in enumerate(colours) for d in (0, 1 / k)]
        name = _(QUANTILE_NAMES[k]) if k == classes and k in QUANTILE_NAMES else _("{k} classes").format(k=k)
        to = _("{low}<br>to {high}")
        ticks = [to.format(low=fmt.number(float(edges[i]), decimals), high=fmt.number(float(edges[i + 1]), decimals))
                 for i in range(k)]
        named = (_("{unit} ({classes} of areas)").format(unit=title, classes=name) if title else
                 _("{classes} of areas").format(classes=name))
        return {"z": _clean(z), "zmin": -0.5, "zmax": k - 0.5, "colorscale": stops, "customdata": _clean(v),
                "colorbar": {**COLOUR_BAR, "title": {"text": named, "side": "top"},
                             "tickmode": "array", "tickvals": list(range(k)), "ticktext": ticks}}
    lo, hi = (float(real.min()), float(real.max())) if len(real) else (0.0, 1.0)
    colorbar = {**COLOUR_BAR, "title": {"text": title, "side": "top"}, "tickmode": "auto", "tickvals": None,
                "ticktext": None}
    if scale == "clipped" and len(real):
        plo, phi = (float(x) for x in np.percentile(real, list(clip)))
        if phi > plo and (plo > lo or phi < hi):
            mid = (plo + phi) / 2
            colorbar.update(tickmode="array", tickvals=[plo, mid, phi],
                            ticktext=[("≤ " if plo > lo else "") + fmt.number(plo, decimals),
                                      fmt.number(mid, decimals),
                                      ("≥ " if phi < hi else "") + fmt.number(phi, decimals)],
                            title={"text": _("{unit} (clipped at the {low} and {high} percentiles)").format(
                                unit=title, low=_th(clip[0]), high=_th(clip[1])).lstrip(), "side": "top"})
            lo, hi = plo, phi
    if hi <= lo:
        hi = lo + 1.0
    return {"z": _clean(v), "zmin": lo, "zmax": hi, "colorscale": COLORSCALE, "customdata": _clean(v),
            "colorbar": colorbar}


def _th(p: float) -> str:
    """A percentile as an ordinal in the reader's language: 2nd, 2e (1er), 2. (a language without a rule here:
    the number)."""
    n = int(p) if float(p).is_integer() else p
    lang = language.current()
    if lang != "en":
        written = fmt.number(n, 0 if isinstance(n, int) else 1)
        if isinstance(n, int) and lang in ("fr", "de"):
            return ("1er" if n == 1 else f"{n}e") if lang == "fr" else f"{n}."
        return written
    if isinstance(n, float):
        return f"{n}th"
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _value_hover(decimals: int, unit: str) -> str:
    return f"<b>%{{text}}</b> (%{{location}})<br>%{{customdata:,.{decimals}f}}{fmt.unit_suffix(unit)}<extra></extra>"


def choropleth(geojson_url: str, codes: Sequence[str], names: Sequence[str], values: Sequence,
               no_value: tuple[list[str], list[str]], *, unit: str, decimals: int, frame: dict,
               uirevision: str, flag_points: tuple[list, list, list, list] | None = None,
               scale: dict | None = None, flag_px: float = FLAG_RING_PX[1], source: str | None = None) -> dict:
    """A ``choroplethmap`` over the release's own boundaries (fetched once by URL, cached by the browser).

    Trace 0 holds every area of the level in a fixed order, so a new period or indicator only replaces its
    colours (see :func:`choropleth_patch`); trace 1 draws areas with no value in grey with the reason;
    traces 2 and 3 mark provisional and estimated values with a ringed dot at the area's centre (with a legend
    entry), over the fill, ``flag_px`` wide (:func:`flag_ring_px`). ``scale``: :func:`colour_scale`'s keywords
    (scale, classes, clip); quintiles when not given. ``source``: the line drawn under it (:func:`with_source`)."""
    nd_codes, nd_reasons = no_value
    colours = colour_scale(values, **{"scale": "quantile", **(scale or {})}, unit=unit, decimals=decimals)
    return with_source({
        "data": [
            {"type": "choroplethmap", "geojson": geojson_url, "featureidkey": "id", "locations": list(codes),
             "text": list(names), "name": _("Value"), "showlegend": False, **colours,
             "marker": {"line": {"width": 0.6, "color": "#ffffff"}},
             "hovertemplate": _value_hover(decimals, unit)},
            {"type": "choroplethmap", "geojson": geojson_url, "featureidkey": "id", "locations": nd_codes,
             "z": [1] * len(nd_codes), "text": nd_reasons, "name": _("No value"), "showscale": False,
             "showlegend": False, "colorscale": [[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]],
             "marker": {"line": {"width": 0.6, "color": "#ffffff"}},
             "hovertemplate": "<b>%{location}</b><br>%{text}<extra></extra>"},
            *_flag_traces(flag_points, flag_px),
        ],
        # the legend (the ringed dot's) sits above the map, the colour bar under it: neither covers the other
        "layout": _base_layout(map={"style": "white-bg", **frame}, uirevision=uirevision,
                               height=480 + COLOUR_BAR_ROOM, margin={"l": 0, "r": 0, "t": 0, "b": COLOUR_BAR_ROOM},
                               legend=TOP_LEGEND),
    }, source)


def choropleth_patch(values: Sequence, no_value: tuple[list[str], list[str]], *, unit: str,
                     decimals: int, flag_points: tuple[list, list, list, list] | None = None,
                     scale: dict | None = None, source: str | None = None) -> Patch:
    """The same map with new values: only the colours, the no-value trace, the markers and (another
    indicator's) source line travel."""
    nd_codes, nd_reasons = no_value
    p = Patch()
    for key, value in colour_scale(values, **{"scale": "quantile", **(scale or {})}, unit=unit,
                                   decimals=decimals).items():
        p["data"][0][key] = value
    p["data"][0]["hovertemplate"] = _value_hover(decimals, unit)
    p["data"][1]["locations"] = nd_codes
    p["data"][1]["z"] = [1] * len(nd_codes)
    p["data"][1]["text"] = nd_reasons
    for n, trace in enumerate(_flag_traces(flag_points), start=2):
        for key in ("lon", "lat", "customdata", "text", "showlegend"):
            p["data"][n][key] = trace[key]
    if source:
        drawn = with_source({"layout": {"margin": {"l": 0, "r": 0, "t": 0, "b": COLOUR_BAR_ROOM},
                                        "height": 480 + COLOUR_BAR_ROOM}}, source)["layout"]
        for key in ("annotations", "margin", "height"):
            p["layout"][key] = drawn[key]
    return p


#: How a status looks on a chart: the colours of the overview's status words (openmeasure.css ``.rag-*``) and
#: the shapes of their symbols (ui.RAG: ● ▲ ■), so a chart's dot and a card say the same status the same way.
#: Each RAG's (colour, marker symbol) on a chart: the one status vocabulary's (components.performance).
STATUS_STYLE = {rag: (performance.status(rag).colour, performance.status(rag).symbol) for rag in performance.RAG_LABEL}
NO_STATUS_STYLE = (performance.STATUSES["no_status"].colour, performance.STATUSES["no_status"].symbol)


def status_style(rag: str | None) -> tuple[str, str, str]:
    """(colour, marker symbol, words) of an area's status (its ``rag``) on a chart, from the one status
    vocabulary (components.performance), so the dots match the overview's cards and badges."""
    if rag in STATUS_STYLE:
        return (*STATUS_STYLE[rag], performance.RAG_LABEL[rag])  # in the reader's language
    return (*NO_STATUS_STYLE, _(performance.STATUSES["no_status"].label))


#: Areas named at each end of a ranking (on the chart and in its summary).
RANKING_NAMED = 3
#: Longest area name in a ranking's boxes: two boxes side by side fit a 320 px screen (the summary has the
#: names in full, with their units).
RANKING_NAME_CHARS = 18


def short_name(name: str, limit: int = RANKING_NAME_CHARS) -> str:
    """``name`` cut at a word to at most ``limit`` characters, with an ellipsis when cut."""
    name = str(name)
    if len(name) <= limit:
        return name
    cut = name[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:- ") if " " in name[:limit - 1] else name[:limit - 1]
    return cut + "…"


def ranking(codes: Sequence[str], names: Sequence[str], values: Sequence, lower: Sequence, upper: Sequence,
            *, unit: str, decimals: int, first: str = "best", last: str = "worst", statuses: Sequence | None = None,
            target: float | None = None, source: str | None = None) -> dict:
    """Areas in rank order (1 = best, or ``first``: highest for a neutral indicator) with their 95% intervals: a
    caterpillar plot that scales to thousands of areas. ``customdata`` carries the area code for click-through.

    ``statuses``: each area's status (``rag``): the dots take the status's colour and shape (:func:`status_style`),
    with a legend entry per status; without any, one colour. The first and last ``RANKING_NAMED``
    areas are ringed and named in two boxes, in the corners the curve leaves empty; ``target``: a dashed line
    at the target value, named."""
    y = _clean(values)
    lo, hi = _clean(lower), _clean(upper)
    n = len(y)
    x = list(range(1, n + 1))
    rags = list(statuses) if statuses is not None and any(r in STATUS_STYLE for r in statuses) else None
    groups = [r if r in STATUS_STYLE else None for r in rags] if rags else [None] * n
    styles = {g: status_style(g) if rags else (PALETTE[0], "circle", _("Area")) for g in set(groups)}
    size = 7 if n < 400 else 4
    # one trace of every area in rank order (a click reads its code; the first point is rank 1), each dot in its
    # status's colour and shape; the legend's entries are traces of no point
    trace = {"type": "scatter", "mode": "markers", "x": x, "y": y, "customdata": list(codes), "text": list(names),
             "name": _("Area"), "showlegend": False,
             "marker": {"color": [styles[g][0] for g in groups], "size": size,
                        "symbol": [styles[g][1] for g in groups]},
             "hovertemplate": "<b>%{text}</b><br>" + _("rank {rank}").format(rank="%{x}")
                              + f"<br>%{{y:,.{decimals}f}}{fmt.unit_suffix(unit)}"
                              + ("<br>%{hovertext}" if rags else "") + "<extra></extra>"}
    if rags:
        trace["hovertext"] = [styles[g][2] for g in groups]
    if any(v is not None for v in lo):
        trace["error_y"] = {"type": "data", "symmetric": False, "color": "#7f7f7f", "thickness": 1, "width": 0,
                            "array": [None if (h is None or v is None) else h - v for v, h in zip(y, hi, strict=True)],
                            "arrayminus": [None if (low is None or v is None) else v - low
                                           for v, low in zip(y, lo, strict=True)]}
    data = [trace]
    order = [g for g in (*STATUS_STYLE, None) if g in styles] if rags else []
    for g in order:
        colour, symbol, words = styles[g]
        data.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": words,
                     "marker": {"color": colour, "size": 8, "symbol": symbol}, "hoverinfo": "skip"})
    if target is not None and not fmt.missing(target) and n:
        data.append({"type": "scatter", "mode": "lines", "x": [0.5, n + 0.5], "y": [float(target)] * 2,
                     "name": _("Target ({value})").format(value=fmt.value(target, decimals, unit)),
                     "hoverinfo": "skip",
                     "line": {"color": "#000000", "dash": "dash", "width": 1.5}})
    ends = ranking_ends(y)
    named = sorted(set(ends[0]) | set(ends[1]))
    if named:
        data.append({"type": "scatter", "mode": "markers", "x": [x[i] for i in named], "y": [y[i] for i in named],
                     "name": _("Named area"), "showlegend": False, "hoverinfo": "skip",
                     "marker": {"symbol": "circle-open", "size": size + 8, "color": "#000000",
                                "line": {"width": 1.5}}})
    falling = n > 1 and y[0] is not None and y[-1] is not None and y[0] >= y[-1]
    annotations = []
    for label, picked, corner in ((first, ends[0], (1, 1) if falling else (1, 0)),
                                  (last, ends[1], (0, 0) if falling else (0, 1))):
        if not picked:
            continue
        lines = [f"{i + 1}. " + _("{name}: {value}").format(name=short_name(names[i]), value=fmt.number(y[i], decimals))
                 for i in picked]
        annotations.append({"name": f"ranking-{label}", "xref": "paper", "yref": "paper", "x": corner[0],
                            "y": corner[1], "xanchor": "right" if corner[0] else "left",
                            "yanchor": "top" if corner[1] else "bottom", "showarrow": False, "align": "left",
                            "text": f"<b>{_(END_TITLES[label]) if label in END_TITLES else label.capitalize()}</b><br>"
                                    + "<br>".join(lines),
                            "bgcolor": "rgba(255,255,255,0.9)", "bordercolor": "#bdbdbd", "borderpad": 4,
                            "font": {**FONT, "size": 12}})
    legend = bool(order) or (target is not None and not fmt.missing(target))
    return with_source({"data": data, "layout": _base_layout(
        height=450 if legend else 380,
        xaxis={"title": {"text": _("Rank (1 = {end})").format(end=fmt.end_words(first))}, "zeroline": False},
        yaxis={"title": {"text": unit}, "zeroline": False}, showlegend=legend, annotations=annotations,
        legend=TOP_LEGEND, margin={"l": 60, "r": 10, "t": 40 if legend else 10, "b": 65})},
        source)


#: The title of each of a ranking's boxes (its ``first`` and ``last``: fmt.rank_ends's words).
END_TITLES = {"best": N_("Best"), "worst": N_("Worst"), "highest": N_("Highest"), "lowest": N_("Lowest")}


def ranking_ends(values: Sequence) -> tuple[list[int], list[int]]:
    """Positions of the areas named at each end of a ranking (in rank order, with a value): the first and
    last :data:`RANKING_NAMED`, or every area when there are too few for two separate groups."""
    have = [i for i, v in enumerate(values) if v is not None and not fmt.missing(v)]
    k = min(RANKING_NAMED, len(have) // 2)
    if k == 0:
        return have[:1], []
    return have[:k], have[-k:]


def distribution(counts: Sequence[int], edges: Sequence[float], *, unit: str, decimals: int,
                 source: str | None = None) -> dict:
    """Bars of a histogram whose bins are given (``numpy.histogram``'s counts and edges), so that the chart
    and the table beside it show the same bins, not Plotly's own."""
    edges = [float(e) for e in edges]
    lo, hi = edges[:-1], edges[1:]
    return with_source({"data": [{"type": "bar", "x": [(a + b) / 2 for a, b in zip(lo, hi, strict=True)],
                      "y": [int(n) for n in counts], "width": [b - a for a, b in zip(lo, hi, strict=True)],
                      "customdata": [[a, b] for a, b in zip(lo, hi, strict=True)],
                      "marker": {"color": PALETTE[0], "line": {"color": "#ffffff", "width": 1}}, "name": _("Areas"),
                      "hovertemplate": _("{low} to {high}").format(low=f"%{{customdata[0]:,.{decimals}f}}",
                                                                   high=f"%{{customdata[1]:,.{decimals}f}}")
                                       + fmt.unit_suffix(unit) + "<br>"
                                       + _("Number of areas: {n}").format(n="%{y}") + "<extra></extra>"}],
            "layout": _base_layout(height=300, bargap=0, xaxis={"title": {"text": unit}},
                                   yaxis={"title": {"text": _("Number of areas")}}, showlegend=False,
                                   margin={"l": 60, "r": 10, "t": 10, "b": 50})}, source)


def trends(series: Sequence[dict], *, unit: str, decimals: int, target: float | None = None,
           target_period: str | None = None, source: str | None = None) -> dict:
    """Lines over time, each with its own colour, line style and marker; 95% intervals as error bars.

    ``series``: dicts with name, x (periods), y, and optional lower, upper. ``target``: a dashed black line at
    the target value across the periods shown, named in the legend and at its end ("Target 90% by 2030").

    Periods are words in the reader's language (fmt.period: "1er trimestre 2030", "juillet 2030") on the axis
    and in the hover (each point's ``text``); the axis is of categories, so the values stay the periods."""
    data = []
    suffix = fmt.unit_suffix(unit)
    for i, s in enumerate(series):
        y = _clean(s["y"])
        trace = {"type": "scatter", "mode": "lines+markers", "name": s["name"], "x": list(s["x"]), "y": y,
                 "text": [fmt.period(x) for x in s["x"]], "connectgaps": False,
                 "line": {"color": PALETTE[i % len(PALETTE)], "dash": DASHES[i % len(DASHES)], "width": 2},
                 "marker": {"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 7},
                 "hovertemplate": f"{s['name']}<br>" + _("{name}: {value}").format(
                     name="%{text}", value=f"%{{y:,.{decimals}f}}{suffix}") + "<extra></extra>"}
        lo, hi = _clean(s.get("lower", [])), _clean(s.get("upper", []))
        if lo and any(v is not None for v in lo):
            trace["error_y"] = {"type": "data", "symmetric": False, "thickness": 1, "width": 3,
                                "array": [None if h is None or v is None else h - v for v, h in zip(y, hi, strict=True)],
                                "arrayminus": [None if low is None or v is None else v - low
                                               for v, low in zip(y, lo, strict=True)]}
        data.append(trace)
    annotations = []
    periods = sorted({str(x) for s in series for x in s["x"]})
    if target is not None and not fmt.missing(target) and periods:
        value = fmt.value(target, decimals, unit)
        words = (_("Target {value} by {period}").format(value=value, period=fmt.period(target_period))
                 if target_period else _("Target {value}").format(value=value))
        data.append({"type": "scatter", "mode": "lines", "name": words, "x": periods, "y": [float(target)] * len(periods),
                     "line": {"color": "#000000", "dash": "dash", "width": 1.5},
                     "hovertemplate": f"{words}<extra></extra>"})
        # at the right edge of the plot: a period as x on a category axis reads as a number (2024 categories)
        annotations.append({"name": "target", "xref": "paper", "x": 1, "y": float(target), "xanchor": "right",
                            "yanchor": "bottom", "showarrow": False, "text": words,
                            "bgcolor": "rgba(255,255,255,0.8)", "font": {**FONT, "size": 12}})
    xaxis = {"title": {"text": _("Period")}, "type": "category"}
    words = [fmt.period(p) for p in periods]
    if words != periods:  # months and quarters in words; years as they are
        xaxis.update(tickmode="array", tickvals=periods, ticktext=words)
    return with_source({"data": data, "layout": _base_layout(
        height=340, xaxis=xaxis,
        yaxis={"title": {"text": unit}}, legend=TOP_LEGEND, annotations=annotations,
        margin={"l": 60, "r": 10, "t": 40, "b": 75})}, source)


#: About how wide (px) a character of a bar's area name is (14 px font), to know where the names begin.
BAR_LABEL_PX = 7.5


def bars(names: Sequence[str], values: Sequence, lower: Sequence = (), upper: Sequence = (), *,
         unit: str, decimals: int, highlight: int | None = None, source: str | None = None) -> dict:
    """Horizontal bars, one per area; the highlighted one is hatched as well as coloured."""
    y = _clean(values)
    colours = [PALETTE[1] if i == highlight else PALETTE[0] for i in range(len(y))]
    patterns = ["/" if i == highlight else "" for i in range(len(y))]
    trace = {"type": "bar", "orientation": "h", "y": list(names), "x": y, "name": unit,
             "marker": {"color": colours, "pattern": {"shape": patterns, "fgcolor": "#ffffff"}},
             "hovertemplate": _("{name}: {value}").format(name="%{y}", value=f"%{{x:,.{decimals}f}}")
                              + fmt.unit_suffix(unit) + "<extra></extra>"}
    lo, hi = _clean(lower), _clean(upper)
    if lo and any(v is not None for v in lo):
        trace["error_x"] = {"type": "data", "symmetric": False, "color": "#333333", "thickness": 1.2,
                            "array": [None if h is None or v is None else h - v for v, h in zip(y, hi, strict=True)],
                            "arrayminus": [None if low is None or v is None else v - low
                                           for v, low in zip(y, lo, strict=True)]}
    return with_source({"data": [trace], "layout": _base_layout(
        height=max(160, 34 * len(y) + 70), yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": unit}}, showlegend=False, margin={"l": 10, "r": 10, "t": 10, "b": 60})}, source,
        left=10 + round(BAR_LABEL_PX * max((len(str(n)) for n in names), default=0)))


#: Longest line of a spine chart's axis label: at 320 CSS px (WCAG 1.4.10) the labels and the plot share some
#: 270 px, and a label on one line ("Young people not in education, employment or training") took all of it and
#: more (clipped off the left edge); wrapped, it takes about half. The full names are in the table.
SPINE_LABEL_CHARS = 22
SPINE_LABEL_FONT = 13
#: About how wide (px) a character of a spine chart's axis label is, to know where the labels begin.
SPINE_LABEL_PX = 6.5


def wrap_label(text: str, width: int = SPINE_LABEL_CHARS) -> str:
    """``text`` broken into lines of at most ``width`` characters (a longer word stays whole) joined by
    Plotly's ``<br>``; every word is kept, so different labels stay different categories."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


#: Interquartile ranges beyond the quartiles at which a spine chart's row is cut (an outlier lies beyond).
SPINE_FENCE = 3.0
#: Extra height (px) of a spine chart for its legend's lines on a narrow screen.
SPINE_LEGEND_ROOM = 120
SPINE_MARKERS = {"better": ("triangle-up", PALETTE[0]), "worse": ("triangle-down", PALETTE[1]),
                 "similar": ("circle", "#555555"), "not compared": ("circle-open", "#555555")}
#: The legend's name of the area's marker by its significance (two lines: 320 px).
SPINE_NAMES = {"better": N_("This area: better than<br>the top level"),
               "worse": N_("This area: worse than<br>the top level"),
               "similar": N_("This area: similar to<br>the top level"), "not compared": N_("This area: not compared")}


def spine(rows: Sequence[dict], source: str | None = None) -> dict:
    """Spine chart: each indicator scaled from the worst (0) to the best (1) area of the level, with the
    middle half shaded, the top-level value as a bar (left out when it lies off the scale, as a total
    does) and the area as a marker whose shape says whether it is significantly better, similar or
    worse than the top level.

    ``rows``: dicts with label, area, top, vmin, q1, q3, vmax, polarity, significance and optionally hover
    (the words shown on hovering the area's marker; the label alone without it). The caller leaves out
    indicators with no better or worse direction: they have no place on a worst-to-best scale.

    The axis is marked at its ends only: the middle of the scale is half-way between the worst and best
    area, not the median (the shaded middle half shows where the median areas lie).

    An outlier does not flatten a row: the scale ends at most ``SPINE_FENCE`` interquartile ranges beyond the
    quartiles (the City of London at 2,917 against a median near 20 would otherwise leave every other area in
    the first hundredth of the row). An area beyond the cut end is drawn at that end, its hover says so, and the
    cut end carries a marker with a legend entry ("beyond the scale")."""
    labels, q1s, widths, tops = [], [], [], []
    groups: dict[str, tuple[list, list, list]] = {}
    cut_x, cut_y = [], []
    for r in rows:
        lo, hi = r["vmin"], r["vmax"]
        if fmt.missing(lo) or fmt.missing(hi) or hi == lo:
            continue
        flip = r["polarity"] == "lower_is_better"
        cut_lo = cut_hi = False
        if not (fmt.missing(r["q1"]) or fmt.missing(r["q3"])) and r["q3"] > r["q1"]:
            reach = SPINE_FENCE * (r["q3"] - r["q1"])
            cut_lo, cut_hi = lo < r["q1"] - reach, hi > r["q3"] + reach
            lo, hi = max(lo, r["q1"] - reach), min(hi, r["q3"] + reach)

        def scale(v, lo=lo, hi=hi, flip=flip):
            if fmt.missing(v):
                return None
            s = min(1.0, max(0.0, (v - lo) / (hi - lo)))
            return round(1 - s if flip else s, 4)
        a, b = scale(r["q1"]), scale(r["q3"])
        label = wrap_label(r["label"])
        labels.append(label)
        q1s.append(min(a, b))
        widths.append(abs(b - a))
        top = r["top"]
        tops.append(scale(top) if not fmt.missing(top) and r["vmin"] <= top <= r["vmax"] and lo <= top <= hi
                    else None)  # a total (count) lies off the scale
        for cut, end in ((cut_lo, 0.0), (cut_hi, 1.0)):
            if cut:
                cut_x.append(1 - end if flip else end)
                cut_y.append(label)
        sig = r["significance"] if r["significance"] in SPINE_MARKERS else "not compared"
        xs, ys, texts = groups.setdefault(sig, ([], [], []))
        xs.append(scale(r["area"]))
        ys.append(label)
        beyond = not fmt.missing(r["area"]) and not lo <= r["area"] <= hi
        texts.append((r.get("hover") or r["label"])
                     + ("<br>" + _("beyond the end of the scale (an outlier)") if beyond else ""))
    data = [
        {"type": "bar", "orientation": "h", "y": labels, "x": [1] * len(labels), "base": 0,
         "marker": {"color": "#e6e6e6"}, "name": _("Range of areas (worst to best)"), "hoverinfo": "skip"},
        {"type": "bar", "orientation": "h", "y": labels, "x": widths, "base": q1s,
         "marker": {"color": "#a6a6a6"}, "name": _("Middle half of areas"), "hoverinfo": "skip"},
        {"type": "scatter", "mode": "markers", "y": labels, "x": tops, "name": _("Top level"),
         "marker": {"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#000000"}},
         "hovertemplate": _("{indicator}: top level").format(indicator="%{y}") + "<extra></extra>"},
    ]
    if cut_x:
        data.append({"type": "scatter", "mode": "markers", "y": cut_y, "x": cut_x,
                     "name": _("Scale cut: an outlier<br>area lies beyond"),
                     "marker": {"symbol": ["triangle-left" if x == 0 else "triangle-right" for x in cut_x],
                                "size": 9, "color": "#7f7f7f"},
                     "hovertemplate": _("{indicator}: the scale is cut here; an outlier area lies beyond").format(
                         indicator="%{y}") + "<extra></extra>"})
    for sig, (xs, ys, texts) in groups.items():
        symbol, colour = SPINE_MARKERS[sig]
        data.append({"type": "scatter", "mode": "markers", "y": ys, "x": xs,
                     "name": _(SPINE_NAMES.get(sig, SPINE_NAMES["not compared"])),
                     "marker": {"symbol": symbol, "size": 14, "color": colour,
                                "line": {"width": 1, "color": "#000000"}},
                     "text": texts, "hovertemplate": "%{text}<extra></extra>"})
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    row = max(44, 18 * lines + 10)  # every row as tall as the label with the most lines needs
    # the legend above takes two lines on a desktop and up to eight on a phone: the room for six more keeps the
    # rows as tall there (Plotly takes a legend's room from the plot)
    return with_source({"data": data, "layout": _base_layout(
        barmode="overlay", height=max(220, row * len(labels) + 110) + SPINE_LEGEND_ROOM,
        xaxis={"range": [-0.03, 1.03], "tickvals": [0, 1], "ticktext": [_("Worst<br>area"), _("Best<br>area")],
               "showgrid": False, "zeroline": False, "automargin": True},  # room for 'Best area' when narrow
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": SPINE_LABEL_FONT}},
        legend=TOP_LEGEND,
        margin={"l": 10, "r": 10, "t": 60, "b": 60})}, source,
        left=10 + round(SPINE_LABEL_PX * max((len(part) for lb in labels for part in lb.split("<br>")), default=0)))
