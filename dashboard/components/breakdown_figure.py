"""The breakdown chart: one indicator in one area and period, each category of its breakdowns (sex, age...) as
a dot with its 95% interval, grouped by dimension, and the area's total as a dashed reference line (as
Fingertips' inequality views). A withheld category has no dot: its label says "withheld" and the chart never
plots a value for it. A plain dict, as dashboard/components/figures.py builds its figures."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.components import fmt
from dashboard.components.figures import PALETTE, SYMBOLS, _base_layout, _clean
from dashboard.components.performance import say as _
from dashboard.i18n import N_

WITHHELD_LABEL = N_("(withheld)")
TOTAL_COLOUR = "#333333"


def category_label(cell: dict) -> str:
    """A category's label on the axis: its ``label`` (``Women``) or else its code (``F``), followed by
    ``(withheld)`` for a withheld one (no dot is drawn)."""
    name = str(cell.get("label") or cell["category"])
    return f"{name} {_(WITHHELD_LABEL)}" if cell.get("withheld") else name


def breakdown_figure(cells: Sequence[dict], total: float | None, *, unit: str, decimals: int,
                     total_label: str | None = None) -> dict:
    """``cells``: dicts with ``dimension``, ``category`` (and optionally its ``label``), ``value``, ``lower``, ``upper`` and ``withheld``, in
    the order to show them (grouped by dimension). One trace per dimension (its own colour and marker shape),
    on a two-level axis (dimension, then category); a withheld cell or one without a value is on the axis
    with no dot; ``total``: the area's total, drawn as a dashed vertical line (none when it has none), named
    ``total_label`` ("Total" in the reader's language when not given)."""
    total_label = _("Total") if total_label is None else total_label
    traces = []
    dims = list(dict.fromkeys(c["dimension"] for c in cells))
    for k, dim in enumerate(dims):
        mine = [c for c in cells if c["dimension"] == dim]
        x = _clean([None if c.get("withheld") else c["value"] for c in mine])
        lo = _clean([None if c.get("withheld") else c.get("lower") for c in mine])
        hi = _clean([None if c.get("withheld") else c.get("upper") for c in mine])
        trace = {"type": "scatter", "mode": "markers", "name": dim,
                 "y": [[dim] * len(mine), [category_label(c) for c in mine]], "x": x,
                 "marker": {"color": PALETTE[k % len(PALETTE)], "symbol": SYMBOLS[k % len(SYMBOLS)], "size": 11,
                            "line": {"color": "#ffffff", "width": 1}},
                 "hovertemplate": _("{name}: {value}").format(name="%{y}", value=f"%{{x:,.{decimals}f}}")
                                  + fmt.unit_suffix(unit) + "<extra></extra>"}
        if any(v is not None for v in lo + hi):
            trace["error_x"] = {"type": "data", "symmetric": False, "color": PALETTE[k % len(PALETTE)],
                                "thickness": 1.5, "width": 6,
                                "array": [None if h is None or v is None else h - v for v, h in zip(x, hi, strict=True)],
                                "arrayminus": [None if low is None or v is None else v - low
                                               for v, low in zip(x, lo, strict=True)]}
        traces.append(trace)
    shapes, notes = [], []
    if not fmt.missing(total):
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": float(total), "x1": float(total),
                       "y0": 0, "y1": 1, "line": {"color": TOTAL_COLOUR, "width": 1.5, "dash": "dash"}})
        notes.append({"xref": "x", "yref": "paper", "x": float(total), "y": 1, "yanchor": "bottom",
                      "showarrow": False,
                      "text": _("{name}: {value}").format(name=total_label, value=fmt.value(total, decimals, unit)),
                      "font": {"size": 13, "color": TOTAL_COLOUR}})
    return {"data": traces, "layout": _base_layout(
        height=max(180, 36 * len(cells) + 110), showlegend=False, shapes=shapes, annotations=notes,
        yaxis={"type": "multicategory", "autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": unit}, "automargin": True, "zeroline": False},
        margin={"l": 10, "r": 20, "t": 34, "b": 50})}
