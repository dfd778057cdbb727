"""Breakdowns (sex, age...) of one indicator in one area and period: the breakdown chart
(components/breakdown_figure.py), a text summary, the data as a table and a link to the data, on the area
profile (a chart for each indicator broken down) and in the explorer (a slot for the chosen area).

A breakdown is ``<dimension>=<value>`` (core/schema.py). The area's total is its ``total`` row when the
indicator has one; otherwise the category that codes the dimension's total (``sex=T``, SDMX's ``_T``,
Statistics Canada's ``Both sexes``...), which is drawn as the reference line rather than as a category.
Categories are shown in the words of ``dashboard.breakdown_labels`` (``{sex: {F: Women}}``), else as their codes."""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc
from dash import Input, Output, State, html, no_update

from core import statuses
from dashboard import context, data, language
from dashboard.components import fmt, ids, notes, ui
from dashboard.components.breakdown_figure import breakdown_figure
from dashboard.i18n import N_
from dashboard.language import _
from dashboard.release_reader import Release
from dashboard.views.common import in_language, period_words, semicolons, with_status

PROFILE_GRAPH = "breakdown-chart"
EXPLORER_SLOT = "explorer-breakdowns"
EXPLORER_GRAPH = "explorer-breakdown-chart"

#: Category values (compared without case) that code a dimension's total: the reference line, not a category.
TOTAL_CATEGORIES = frozenset({"total", "t", "_t", "all", "both sexes", "persons", "all persons"})

#: How a category's interval stands against the total (the test of docs/methodology.md: the benchmark outside
#: the interval), in words that do not say better or worse (a breakdown has no polarity of its own).
AGAINST = {"higher": N_("higher than the total"), "lower": N_("lower than the total"),
           "similar": N_("similar to the total"), None: N_("not compared")}
#: The words of :func:`against_total` inside the summary ("Women (higher)").
AGAINST_SHORT = {"higher": N_("higher"), "lower": N_("lower")}


def split(breakdown: str) -> tuple[str, str]:
    """``'sex=F'`` -> ``('sex', 'F')``; a breakdown without ``=`` is its own category of dimension ``''``."""
    dim, sep, value = str(breakdown).partition("=")
    return (dim, value) if sep else ("", dim)


def labels() -> dict[str, dict[str, str]]:
    """``dashboard.breakdown_labels`` of the app's config in the reader's language (its translations, else the
    default language's words); none outside an app."""
    try:
        config = context.config().dashboard
    except (RuntimeError, KeyError, AttributeError):
        return {}
    words = {dim: dict(codes) for dim, codes in config.breakdown_labels.items()}
    lang = language.current()
    if lang != language.default():
        for dim, codes in getattr(config, "breakdown_translations", {}).get(lang, {}).items():
            words.setdefault(dim, {}).update(codes)
    return words


def label(dimension: str, category: str, words: dict[str, dict[str, str]] | None = None) -> str:
    """A category's words (``dashboard.breakdown_labels``), else its code."""
    return (labels() if words is None else words).get(dimension, {}).get(category, category)


def against_total(value, lower, upper, total) -> str | None:
    """higher / lower / similar: the total below, above or within the category's 95% interval; None with
    no interval or no total."""
    if any(fmt.missing(v) for v in (value, lower, upper, total)):
        return None
    return "higher" if lower > total else "lower" if upper < total else "similar"


def cells_and_total(rows: pd.DataFrame, words: dict[str, dict[str, str]] | None = None
                    ) -> tuple[list[dict], dict | None]:
    """One indicator's rows for one area and period -> (the categories, by their codes: grouped by dimension,
    each with the ``label`` it is shown with; the total as a dict, or None). A category that codes the total
    (TOTAL_CATEGORIES) is the total when the indicator has no ``total`` row, and is never a category."""
    words = labels() if words is None else words
    total = None
    found = rows[rows["breakdown"] == "total"]
    if len(found):
        total = found.iloc[0].to_dict()
    cells = []
    for r in rows[rows["breakdown"] != "total"].sort_values("breakdown").itertuples(index=False):
        dim, category = split(r.breakdown)
        if category.strip().lower() in TOTAL_CATEGORIES:
            if total is None:
                total = r._asdict()
            continue
        withheld = r.status in statuses.WITHHELD
        cells.append({"dimension": dim, "category": category, "label": label(dim, category, words),
                      "value": r.value, "lower": r.lower_ci, "upper": r.upper_ci, "status": r.status,
                      "note": notes.translated(r.note), "withheld": bool(withheld)})
    return cells, total


def latest_period(rows: pd.DataFrame, wanted: str | None = None) -> str | None:
    """``wanted`` when the rows have a breakdown in it, else the latest period with a breakdown and a value, of
    a category or of the total (a period whose categories are all withheld beside a published total is shown,
    saying so, rather than an older one); the latest with any breakdown row when none has a value."""
    cats = rows[rows["breakdown"] != "total"]
    if wanted is not None and (cats["period"] == wanted).any():
        return wanted
    have = rows[rows["value"].notna() & rows["period"].isin(set(cats["period"]))]
    periods = sorted((have if len(have) else cats)["period"].unique())
    return periods[-1] if periods else None


def outputs(release: Release, area: dict, indicator: str, rows: pd.DataFrame, period: str | None = None):
    """(figure, summary, table, links, period) of one indicator's breakdowns in ``area``; ``rows``: the
    area's breakdown rows (data.area_breakdowns)."""
    meta = in_language(data.indicator_meta(release, indicator))
    mine = rows[rows["indicator"] == indicator]
    period = latest_period(mine, period)
    if meta is None or period is None:
        return {"data": [], "layout": {}}, _("No breakdown of this indicator here."), ui.no_data(), None, None
    cells, total = cells_and_total(mine[mine["period"] == period])
    unit, dec = meta["unit"], int(meta["decimals"])
    tvalue = None if total is None else total["value"]
    fig = breakdown_figure(cells, tvalue, unit=unit, decimals=dec,
                           total_label=_("{name} total").format(name=area["name"]))
    for c in cells:
        c["against"] = None if c["withheld"] else against_total(c["value"], c["lower"], c["upper"], tvalue)
    shown = [c for c in cells if not c["withheld"] and not fmt.missing(c["value"])]
    held = [c for c in cells if c["withheld"]]
    dims = ", ".join(dict.fromkeys(c["dimension"] or _("category") for c in cells))
    values = semicolons(f"{c['label']} {fmt.value(c['value'], dec, unit)}"
                         + (f" ({interval(c['lower'], c['upper'], dec)})" if not fmt.missing(c["lower"]) else "")
                         for c in shown)
    bits = [_("{area}, {period}, by {dimensions}: {values}.").format(
        area=area["name"], period=period_words(period), dimensions=dims,
        values=values or _("no category has a published value"))]
    bits.append(_("The total is {total} (the dashed line).").format(total=fmt.value(tvalue, dec, unit))
                if not fmt.missing(tvalue) else _("There is no total for this area and period to compare with."))
    apart = [c for c in shown if c["against"] in ("higher", "lower")]
    if apart:
        bits.append(_("Significantly different from the total (its 95% interval does not include it): {categories}.")
                    .format(categories=", ".join(f"{c['label']} ({_(AGAINST_SHORT[c['against']])})" for c in apart)))
    elif not fmt.missing(tvalue) and any(c["against"] for c in shown):
        bits.append(_("No category's 95% interval excludes the total."))
    elif shown and all(fmt.missing(c["lower"]) for c in shown):
        bits.append(_("These values have no interval, so none is compared with the total."))
    if held:
        bits.append(_("Withheld to protect individuals, not plotted: {categories}.").format(
            categories=", ".join(c["label"] for c in held)))
    table_rows = [{"dimension": c["dimension"], "category": c["label"],
                   "value": with_status(c["value"], c["status"], dec, unit),
                   "ci": "–" if c["withheld"] else interval(c["lower"], c["upper"], dec),
                   "against": _(AGAINST[c["against"]]) if not c["withheld"] else _("withheld"),
                   "note": c["note"] if isinstance(c["note"], str) else ""} for c in cells]
    if total is not None:
        table_rows.append({"dimension": _("total"), "category": _("total") if total.get("breakdown") == "total"
                           else label(*split(total["breakdown"])),
                           "value": with_status(tvalue, total.get("status"), dec, unit),
                           "ci": interval(total.get("lower_ci"), total.get("upper_ci"), dec),
                           "against": _("the reference line"), "note": ""})
    table = ui.data_table([("dimension", _("Dimension")), ("category", _("Category")), ("value", _("Value")),
                           ("ci", _("95% interval")), ("against", _("Against the total")), ("note", _("Note"))],
                          table_rows, _("{indicator} in {area}, {period}, by {dimensions}").format(
                              indicator=meta["title"], area=area["name"], period=period_words(period),
                              dimensions=dims))
    links = html.Ul([html.Li(html.A(_("Download {indicator} in {area}, every breakdown and period, as {format}")
                                    .format(indicator=meta["title"], area=area["name"], format=kind),
                                    href=ui.data_url(release.id, name, indicator=indicator, area=area["area_code"])))
                     for name, kind in ui.AREA_DOWNLOAD_FORMATS], className="data-links",
                    **{"aria-label": _("Data: {indicator} in {area}").format(indicator=meta["title"],
                                                                              area=area["name"])})
    return fig, " ".join(bits), table, links, period


def _chart(graph_id: str, release: Release, area: dict, indicator: str, rows: pd.DataFrame,
           period: str | None = None) -> list:
    fig, summary, table, links, period = outputs(release, area, indicator, rows, period)
    if period is None:
        return [ui.no_data(summary)]
    meta = in_language(data.indicator_meta(release, indicator))
    return [ui.chart(graph_id, fig, summary, table, level=3,
                     title=_("{indicator}: breakdowns, {period}").format(indicator=meta["title"],
                                                                         period=period_words(period))),
            links]


def profile_section(release: Release, area: dict, rows: pd.DataFrame | None = None):
    """The profile's "Breakdowns" section: one chart for each indicator the area has breakdowns of (latest
    period with one), in the release's order; None when it has none. Drawn with the page: it has no control."""
    rows = data.area_breakdowns(release, area["area_code"]) if rows is None else rows
    if rows.empty:
        return None
    order = [i for i in data.indicators_in_order(release) if i in set(rows["indicator"])]
    if not order:
        return None
    return html.Section([
        html.H2(_("Breakdowns")),
        html.P(_("Each category of an indicator's breakdowns (sex, age...) in {area}, with its 95% interval, "
                 "against the area's total (the dashed line).").format(area=area["name"]), className="hint"),
        *[part for k, indicator in enumerate(order)
          for part in _chart(f"{PROFILE_GRAPH}-{k}", release, area, indicator, rows)],
    ], id="area-breakdowns")


def broken_areas(release: Release, indicator: str) -> frozenset[str]:
    """The areas with a breakdown (other than ``total``) of the indicator, any period (memoised: the explorer
    asks at every change of its choices, and most indicators have none)."""
    def load() -> frozenset[str]:
        if not data.has_breakdowns(release):
            return frozenset()
        t = release.values(indicators=[indicator], columns=["area_code", "breakdown"])
        return frozenset(pc.unique(t.filter(pc.not_equal(t["breakdown"], "total"))["area_code"]).to_pylist())
    return release.memo(("breakdown_areas", indicator), load)


def explorer_area(release: Release, indicator: str, level: str | None, period: str | None,
                  chosen: list[str] | None) -> str | None:
    """The area whose breakdowns the explorer shows: the first of the chosen areas that has some, else the
    best-ranked area of the level (by its total at the period) that has some, else the first such by code.
    Areas none of whose categories is withheld at the period come first (a small area's extreme total ranks
    it first, and its categories are the ones withheld)."""
    broken = broken_areas(release, indicator)
    if not broken:
        return None
    for code in chosen or []:
        if code in broken:
            return code
    t = release.values(indicators=[indicator], areas=sorted(broken),
                       columns=["area_code", "level", "period", "breakdown", "rank_level", "status"]).to_pandas()
    held = set(zip(*t.loc[t["status"].isin(statuses.WITHHELD), ["area_code", "period"]].T.to_numpy(), strict=True))
    totals = (t["breakdown"] == "total") | t["breakdown"].map(lambda b: split(b)[1].strip().lower() in TOTAL_CATEGORIES)
    t = t[totals] if totals.any() else t  # ranked by the total, or by its category when it has no total row
    here = t[t["level"] == level] if level and (t["level"] == level).any() else t
    at = here[here["period"] == period] if period in set(here["period"]) else here
    at = at.assign(held=[(c, p) in held for c, p in zip(at["area_code"], at["period"], strict=True)])
    ranked = at.dropna(subset=["rank_level"]).sort_values(["held", "rank_level", "area_code"])
    return str(ranked["area_code"].iloc[0] if len(ranked) else sorted(at["area_code"])[0])


def explorer_content(release: Release, indicator: str, level: str | None, period: str | None,
                     chosen: list[str] | None) -> list:
    code = explorer_area(release, indicator, level, period, chosen)
    if code is None:  # nothing to show: no heading either (most indicators have no breakdown)
        return []
    area = data.area_row(release, code)
    rows = data.area_breakdowns(release, code, indicators=[indicator])
    how = (_("the first of the areas followed over time that has breakdowns") if code in (chosen or [])
           else _("the best-ranked area with breakdowns; add an area to follow over time to see its own"))
    return [html.H2(_("Breakdowns")),
            html.P([f"{area['name']} ({how}). ",
                    html.A(_("Profile of {area}").format(area=area["name"]), href=f"/area/{code}")],
                   className="hint"),
            *_chart(EXPLORER_GRAPH, release, area, indicator, rows, period)]


def explorer_slot(release: Release, indicator: str, level: str | None, period: str | None,
                  chosen: list[str] | None):
    """The explorer's breakdown section (one slot; register() keeps it in step with the page's choices)."""
    return html.Section(explorer_content(release, indicator, level, period, chosen), id=EXPLORER_SLOT)


def interval(lo, hi, decimals: int = 1) -> str:
    """'1.2 to 3.4' in the reader's language; empty without both ends."""
    if fmt.missing(lo) or fmt.missing(hi):
        return ""
    return _("{start} to {end}").format(start=fmt.number(lo, decimals), end=fmt.number(hi, decimals))


def register(app) -> None:
    """The explorer's slot, kept in step with the explorer's choices (area.register calls this once)."""
    @app.callback(Output(EXPLORER_SLOT, "children"), Input(ids.EX_INDICATOR, "value"),
                  Input(ids.EX_LEVEL, "value"), Input(ids.EX_PERIOD, "value"), Input(ids.EX_AREAS, "value"),
                  State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _explorer(indicator, level, period, chosen, rid):
        rel = context.release(rid)
        if data.indicator_meta(rel, indicator) is None:
            return no_update
        return ui.plain(explorer_content(rel, indicator, level, period, chosen))


def skeleton() -> list:
    """The components :func:`register`'s callbacks name, without data (the app's validation layout)."""
    return [html.Section(id=EXPLORER_SLOT)]
