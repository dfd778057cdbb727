"""One small function per interface pattern, each with the text and ARIA a screen reader needs.

Colour never carries meaning alone: badges carry a shape and words; charts come with a text summary and a
table alternative (``chart``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import NamedTuple

from dash import Patch, dcc, html
from dash.development.base_component import Component

from core import statuses
from dashboard import language
from dashboard.api import links
from dashboard.api.download_formats import FORMATS
from dashboard.components import fmt, notes, performance, plotly_locale
from dashboard.i18n import N_
from dashboard.language import _

RAG = {rag: (s.shape, s.css, s.label)  # rag -> (shape, css class, headline words): components.performance
       for rag, s in ((r, performance.status(r)) for r in performance.RAG_LABEL)}
SIGNIFICANCE = {  # significance -> (shape, css class)
    "better": ("▲", "sig-better"),
    "worse": ("▼", "sig-worse"),
    "similar": ("●", "sig-similar"),
    "higher": ("▲", "sig-similar"),
    "lower": ("▼", "sig-similar"),
    "not compared": ("○", "sig-none"),
}
#: Plotly's mode bar, trimmed to what helps here: download as PNG, reset the view, and a map's zoom (the page
#: does not zoom on scroll). Each button is a Tab stop. "Share chart..." (on by default in plotly.js 3) offers to
#: upload the figure to Plotly Cloud: public-sector data (and a manager's internal indicators) must not leave
#: the site that way, and its panel is not an accessible dialog, so it and every cloud or edit link is off.
MODEBAR_REMOVE = ["sendChartToCloud", "sendDataToCloud", "editInChartStudio", "zoom2d", "pan2d", "select2d",
                  "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                  "hoverCompareCartesian", "toggleHover"]
GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": False, "responsive": True, "showSendToCloud": False,
                "showEditInChartStudio": False, "modeBarButtonsToRemove": MODEBAR_REMOVE}


def synthetic_banner(manifest: dict):
    """Shown on every page when the release holds synthetic (made-up) data."""
    if not manifest.get("synthetic"):
        return None
    return html.Div(
        [html.Strong(_("Synthetic data.") + " "),
         html.Span(_("Every figure on this site is made up for demonstration; "
                     "do not use it for decisions or quote it as fact."))],
        className="banner-synthetic", role="region", id="synthetic-banner",
        **{"aria-label": _("About this data")})  # a landmark: all content is in one (axe 'region')


def rag_badge(rag, progress_status=None, has_target: bool = False):
    """The performance status (components.performance) with a shape and words, never colour alone: the
    headline word ('Off track') and why ('worse than at the start'). Without a status, an indicator that has
    a target says it has no status (no value to judge this period), not that it has no target."""
    s = performance.status(rag, progress_status, has_target)
    if s.rag is None:
        return html.Span(_(s.label), className="rag rag-none")
    badge = html.Span([html.Span(s.shape, className="rag-shape", **{"aria-hidden": "true"}),
                       html.Span(_(s.label), className="rag-text")], className=f"rag {s.css}")
    return html.Span([badge, html.Span(f" {_(s.detail)}", className="rag-detail")], className="rag-status")


#: A significance against what it was compared with (alone: fmt.SIGNIFICANCE_TEXT).
SIGNIFICANCE_AGAINST = {"better": N_("better than {against}"), "worse": N_("worse than {against}"),
                        "similar": N_("similar to {against}"), "higher": N_("higher than {against}"),
                        "lower": N_("lower than {against}")}


def significance_badge(sig, against: str = ""):
    shape, css = SIGNIFICANCE.get(sig or "not compared", SIGNIFICANCE["not compared"])
    words = fmt.SIGNIFICANCE_TEXT.get(sig or "not compared", str(sig))
    if against and sig in SIGNIFICANCE_AGAINST:
        words = _(SIGNIFICANCE_AGAINST[sig]).format(against=against)
    return html.Span([html.Span(shape, className="sig-shape", **{"aria-hidden": "true"}), html.Span(words)],
                     className=f"sig {css}")


#: core.statuses' messages beside a figure, marked for translation (a test checks they are the same texts).
STATUS_MESSAGES = {
    "provisional": N_("This figure is provisional and may be revised."),
    "estimated": N_("This figure is an estimate by the publisher."),
    "break": N_("There is a break in the series: compare with earlier periods with care."),
    "missing": N_("There is no data for this period."),
    "low_coverage": N_("Too few local areas reported to give a reliable figure."),
    "suppressed": N_("This figure is withheld to protect the privacy of the people it counts."),
}


def status_message(status, note=None):
    """A plain-language message for a value that is missing, withheld, provisional or estimated."""
    if not status or status == "ok":
        return None
    known = statuses.BY_WORD.get(status)
    explain = (_(STATUS_MESSAGES.get(status, known.message)) if known and known.message
               else _("Status: {status}.").format(status=status))
    note = notes.translated(note)
    text = f"{explain} {note}" if note and isinstance(note, str) else explain
    return html.P(text, className=f"status-message status-{status}")


NO_DATA = N_("There is no data for this selection.")


def no_data(message: str | None = None):
    return html.P(_(NO_DATA) if message is None else message, className="no-data", role="status")


def summary_card(title, value_text, children=(), href=None, badge=None, status: str | None = None):
    """A card; ``status`` (a components.performance key) colours its top edge like its badge."""
    heading = html.A(title, href=href) if href else title
    css = "card" if status is None else f"card card-{performance.STATUSES[status].css}"
    return html.Section([
        html.H3(heading, className="card-title"),
        html.P(value_text, className="card-value"),
        badge if badge is not None else None,
        *children,
    ], className=css)


class Link(NamedTuple):
    """A table cell that links somewhere."""
    text: str
    href: str


def _cell(value) -> str:
    if isinstance(value, Link):
        return f'<a href="{escape(language.href(value.href), quote=True)}">{escape(str(value.text))}</a>'
    return escape("" if value is None else str(value))


def table_html(columns: Sequence[tuple[str, str]], rows: Sequence[dict], caption: str) -> str:
    """An HTML table with a caption, column headers (``scope="col"``) and the first column as row headers
    (``scope="row"``: the indicator or area a row is about); every cell escaped."""
    head = "".join(f'<th scope="col">{escape(label)}</th>' for _, label in columns)
    body = "".join("<tr>" + "".join(f'<th scope="row">{_cell(r.get(key))}</th>' if i == 0 else
                                    f"<td>{_cell(r.get(key))}</td>" for i, (key, _) in enumerate(columns)) + "</tr>"
                   for r in rows)
    return (f'<table class="data-table"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def data_table(columns: Sequence[tuple[str, str]], rows: Sequence[dict], caption: str, *,
               limit: int | None = None, more_href: str | None = None, total: int | None = None):
    """The table alternative to a chart. ``rows`` map column keys to text or :class:`Link`.

    Rendered as one HTML block (one Dash component, not one per cell: Dash's renderer takes seconds for
    a few thousand components). With ``limit``, the rest is offered as a download; ``total`` is the number
    of rows there are when the caller built only the first ``limit``."""
    shown = rows if limit is None else rows[:limit]
    total = len(rows) if total is None else total
    parts = [dcc.Markdown(table_html(columns, shown, caption), dangerously_allow_html=True,
                          className="table-html")]
    if limit is not None and total > limit:
        more = _("Showing {shown} of {total} rows.").format(shown=fmt.number(limit, 0), total=fmt.number(total, 0))
        parts.append(html.P([more + " ", html.A(_("Download all rows as CSV"), href=more_href)] if more_href
                            else more))
    return html.Div(parts, className="table-wrap", tabIndex=0, role="region", **{"aria-label": caption})


def chart(graph_id: str, figure, summary, table, *, title: str, summary_id: str | None = None,
          table_id: str | None = None, height: int | None = None, level: int = 2, source: str | None = None):
    """A chart with a heading (``level``: h2, or h3 inside a section), a short text summary, its source line
    (``source``: figures.source_text, id ``<graph_id>-source``) and its data as a table (in a disclosure)."""
    extra = {"style": {"height": f"{height}px"}} if height else {}
    return html.Figure([
        html.Figcaption([getattr(html, f"H{level}")(title), html.P(summary, id=summary_id) if summary_id else html.P(summary)]),
        dcc.Graph(id=graph_id, figure=figure, config=plotly_locale.graph_config(GRAPH_CONFIG), className="graph", **extra),
        html.P(source, id=f"{graph_id}-source", className="chart-source") if source is not None else None,
        html.Details([html.Summary(_("{title}: data table").format(title=title)),
                      html.Div(table, id=table_id) if table_id else table]),
    ], className="chart")


#: The formats offered under a view, and on an area's profile: (API format, words of the link).
DOWNLOAD_FORMATS = tuple((f.name, f.label) for f in FORMATS.values() if f.in_views)
AREA_DOWNLOAD_FORMATS = tuple((f.name, f.long_label) for f in FORMATS.values() if f.on_area_page)


def data_url(release: str, format: str = "csv", **filters) -> str:
    """The API link of the data behind a view, pinned to ``release``, the release the page shows: the same
    figures whenever it is followed, even after a newer release is published (while the server keeps it)."""
    return links.data_url(format=format, release=release, **filters)  # the API's parameter names, checked


def pinned_note(release: str):
    return html.P(_("Downloads give the figures of release {release}, the one this page shows.").format(
        release=release), className="hint")


def data_links(indicator: str, level: str | None = None, period: str | None = None, *, release: str):
    """Links to the data behind a view, pinned to the page's ``release``, and to its methodology."""
    params = {"indicator": indicator}
    if level:
        params["level"] = level
    if period:  # the API filters a period range: one period is a range of one
        params["period_from"] = params["period_to"] = period
    items = [html.Li(html.A(_("Data as {format}").format(format=label), href=data_url(release, f, **params)))
             for f, label in DOWNLOAD_FORMATS]
    items.append(html.Li(html.A(_("Methodology"), href=f"/methodology/{indicator}")))
    items.append(html.Li(html.A(_("All downloads"), href="/data")))
    return html.Div([html.Ul(items, className="data-links", **{"aria-label": _("Data behind this view")}),
                     pinned_note(release)])


#: The height in px an open dropdown may take: about eight options under its search box. Dash draws a list of
#: 100 options or more in a virtual window this tall (the CSS cannot make it taller after the fact).
DROPDOWN_MAX_HEIGHT = 384


def labelled(label: str, control_id: str, control, hint: str | None = None):
    """A form control with a visible label tied to it; a dropdown opens tall enough to show about eight options."""
    if isinstance(control, dcc.Dropdown) and getattr(control, "maxHeight", None) is None:
        control.maxHeight = DROPDOWN_MAX_HEIGHT
    return html.Div([html.Label(label, htmlFor=control_id, id=f"{control_id}-label"),
                     html.P(hint, className="hint") if hint else None, control], className="control")


def sparkline(values: Sequence) -> str:
    """A trend as block characters (aria-hidden where used; the words say the same)."""
    nums = [v for v in values if not fmt.missing(v)]
    if len(nums) < 2:
        return ""
    lo, hi = min(nums), max(nums)
    blocks = "▁▂▃▄▅▆▇█"
    return "".join(" " if fmt.missing(v) else blocks[0 if hi == lo else int((v - lo) / (hi - lo) * 7)]
                   for v in values)


def sentence(message: str, **parts) -> list:
    """A translated ``message`` with its ``{name}`` placeholders filled by ``parts``, which may be components
    (a link inside a sentence): the words around them stay in the order the translation puts them."""
    out: list = []
    for i, piece in enumerate(re.split(r"\{(\w+)\}", message)):
        value = parts[piece] if i % 2 else piece
        if isinstance(value, list | tuple):
            out += [v for v in value if v != ""]
        elif value != "":
            out.append(value)
    return out


def not_available(message: str, h1: str | None = None):
    return html.Div([html.H1(h1 or _("Not available")), html.P(message),
                     html.P(html.A(_("Go to the overview"), href="/"))])


def plain(value):
    """A callback's return value with every Dash component turned into the JSON-ready dict Dash sends.

    Dash serialises a response with orjson in one call when it holds only plain values, but falls back to
    walking the whole response in Python (every number of every figure) as soon as one component is in
    it. Figures are dicts of plain values here, so only components and their children are walked.

    Every internal link keeps the reader's language (:func:`dashboard.language.href`)."""
    if isinstance(value, Component):
        d = value.to_plotly_json()
        d["props"] = {k: plain(v) for k, v in d["props"].items()}
        if isinstance(d["props"].get("href"), str):
            d["props"]["href"] = language.href(d["props"]["href"])
        return d
    if isinstance(value, list | tuple):
        return [plain(v) for v in value] if any(isinstance(v, Component | list | tuple) for v in value) \
            else list(value)
    if isinstance(value, Patch):
        return value.to_plotly_json()
    return value
