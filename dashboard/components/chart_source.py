"""The source and release line of a chart: the words (indicator sources, release, licence) and their drawing
inside a Plotly figure, so that "Download plot as PNG" carries where the figures come from. Part of
dashboard.components.figures, which re-exports these names."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from dashboard.components import fmt
from dashboard.components.performance import say as _
from dashboard.components.theme import FONT
from dashboard.language import ngettext, source_words

#: Characters per line of the source line inside a figure (it is drawn, not laid out: Plotly does not wrap it);
#: at 11 px some 44 fit the 290 px a 320 px screen (WCAG 1.4.10) leaves a chart (it starts at the figure's left edge, not the plot's).
SOURCE_CHARS = 44
SOURCE_FONT = 11
SOURCE_LINE_PX = 15


def source_text(metas: Sequence[dict], release_id: str, created: str | None = None,
                licence: str | None = None) -> str:
    """'Source: Eurostat (GDP at current market prices...) · OpenMeasure release 2026-12-03 · <licence>' (in the
    reader's language; publishers, titles, the date (ISO) and the licence as they are) for the
    charts of one or more indicators (``metas``: their rows of the release's indicators table, whose
    ``sources`` is JSON of id, title, publisher). The release is named by its date (``created``, the manifest's
    ISO time) when known, else by its id; the licence is the indicators' own when they share one, else
    ``licence`` (the release's)."""
    named: list[str] = []
    publishers: list[str] = []
    for meta in metas:
        for src in _sources(meta):
            src = source_words(src)[0]
            publisher, title = fmt.text(src.get("publisher")), fmt.text(src.get("title")) or fmt.text(src.get("id"))
            words = f"{publisher} ({title})" if publisher and title else publisher or title
            if words and words not in named:
                named.append(words)
            if publisher and publisher not in publishers:
                publishers.append(publisher)
    if len(named) > 3 and publishers:  # a profile of many indicators: their publishers, each once
        named = publishers
    own = {fmt.text(m.get("licence")) for m in metas} - {None}
    lic = own.pop() if len(own) == 1 else fmt.text(licence)
    parts = [ngettext("Source: {sources}", "Sources: {sources}", len(named)).format(sources="; ".join(named))
             if named else _("Source: not recorded"),
             _("OpenMeasure release {release}").format(release=str(created)[:10] if created else release_id)]
    if lic:
        parts.append(_("Licence: {licence}").format(licence=lic))
    return " · ".join(parts)


def release_source(release, metas: Sequence[dict]) -> str:
    """:func:`source_text` for charts of ``metas`` drawn from ``release`` (a dashboard Release: its id and
    manifest)."""
    manifest = getattr(release, "manifest", None) or {}
    return source_text(metas, release.id, manifest.get("created"), manifest.get("licence"))


def _sources(meta: dict) -> list[dict]:
    """The indicator's sources (its ``sources`` JSON), or none when it has none or they do not parse."""
    try:
        sources = json.loads(meta.get("sources") or "[]")
    except (TypeError, ValueError):
        return []
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


def with_source(fig: dict, source: str | None, left: int | None = None) -> dict:
    """``fig`` with ``source`` drawn under it (a paper annotation at the bottom, below the axis titles and the
    legend), so that Plotly's "Download plot as PNG" carries where the figures come from; the figure grows by
    the lines it takes, the plot keeps its size. Nothing changes without a source. The line starts at the
    figure's left edge: ``left`` px left of the plot (its left margin when not given; more where the axis's
    labels widen it, as a spine chart's do)."""
    if not source:
        return fig
    layout = fig["layout"]
    lines = textwrap.wrap(source, SOURCE_CHARS, break_long_words=False) or [source]
    margin = dict(layout.get("margin") or {})
    below = int(margin.get("b", 40))
    extra = SOURCE_LINE_PX * len(lines) + 8
    margin["b"] = below + extra
    layout["margin"] = margin
    if layout.get("height"):
        layout["height"] = int(layout["height"]) + extra
    layout["annotations"] = [a for a in layout.get("annotations", []) if a.get("name") != "source"] + [
        source_annotation(lines, below, int(margin.get("l", 10)) if left is None else left)]
    return fig


def source_annotation(lines: list[str], below: int, left: int = 0) -> dict:
    """The source line as a layout annotation ``below`` px under the plot (the margin's old height), from the
    figure's left edge (``left``: the left margin)."""
    return {"name": "source", "text": "<br>".join(lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
            "xanchor": "left", "yanchor": "top", "yshift": -below, "xshift": -max(left - 2, 0), "showarrow": False,
            "align": "left",
            "font": {**FONT, "size": SOURCE_FONT, "color": "#4d4d4d"}}
