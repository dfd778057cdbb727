"""Indicator explorer ``/indicator/<id>?level=&period=&areas=``: map, ranking, distribution and trends.

The map is drawn once per level; a new period or indicator patches only its values (``dash.Patch``), and
the boundaries come from ``/boundaries/<release>/<level>.geojson``, fetched and cached once by the browser.
"""

from __future__ import annotations

import logging

import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import context, data
from dashboard.components import figures, fmt, ids, notes, performance, ui
from dashboard.language import _
from dashboard.release_reader import Release
from dashboard.views import breakdowns, period_choice, titles
from dashboard.views import explorer_words as words
from dashboard.views.common import (
    guarded,
    in_language,
    indicator_options,
    level_label,
    page_title,
    path_value,
    period_options,
    period_words,
    release_store,
    shared_skeleton,
    significance,
    split,
    sync_target,
    url_sync,
    with_status,
)
from dashboard.views.explorer_words import (  # noqa: F401 (the explorer's words, named here as before)
    breakdown_only_note,
    describe,
    ends_text,
    header,
    map_coverage,
    rag_counts,
    replaced_note,
)
from dashboard.views.targets import target_of, target_text, target_words

log = logging.getLogger(__name__)

TABLE_LIMIT = 300
SYNC = f"{ids.URL_SYNC}-explorer"
NAV = f"{ids.NAVIGATE}-explorer"


def boundaries_url(release: Release, level: str) -> str:
    return f"/boundaries/{release.id}/{level}.geojson"


def choose(release: Release, indicator: str, level: str | None, period: str | None) -> tuple[str, str | None]:
    """The level and period to show: the URL's when valid, else the lowest level and the latest period with
    values for enough of its areas (period_choice: ``dashboard.map_min_coverage``)."""
    level = level if level in release.levels else release.levels[-1]
    periods = data.periods(release, indicator)
    period = period if period in periods else period_choice.default_period(release, indicator, level)
    return level, period


def no_value(sl: data.LevelSlice, p: int | None, values: np.ndarray) -> tuple[list[str], list[str]]:
    """Areas with no value and why, for the map's grey layer."""
    gone = np.flatnonzero(np.isnan(values))
    st_labels, st = sl.code_row("status", p)
    nt_labels, nt = sl.code_row("note", p)
    reasons = []
    for i in gone:
        reasons.append(words.no_value_reason(st_labels[st[i]] if st[i] >= 0 else None,
                                             nt_labels[nt[i]] if nt[i] >= 0 else None))
    return [sl.codes[i] for i in gone], reasons


def status_counts(sl: data.LevelSlice, p: int | None) -> dict[str, int]:
    """How many areas have each status at a period (no row or no status counts as ``missing``)."""
    labels, st = sl.code_row("status", p)
    counts = np.bincount(st.astype(np.int64) + 1, minlength=len(labels) + 1)
    out: dict[str, int] = {}
    for label, n in zip(["missing", *labels], counts.tolist(), strict=True):
        key = "missing" if label is None else label
        if n:
            out[key] = out.get(key, 0) + n
    return out


class _Names:
    def __init__(self, release: Release):
        self.release = release

    def get(self, code, default=None):
        return data.area_name(self.release, code) or default


def map_figure(release: Release, meta: dict, level: str, period: str | None, full: bool = True):
    """The map for one selection: the whole figure, or (``full=False``) a Patch of its values.

    Everything comes from the indicator's level slice (arrays over period and area in the map's fixed
    order), so a new period of an indicator already shown reads nothing. The summary says how many areas the
    map draws (those with a boundary) and which lie outside its first view."""
    geo = data.map_geometry(release, level)
    if geo is None or geo.frame is None:
        return None, words.no_boundaries(level)
    sl = data.level_slice(release, meta["id"], level, detail=False)
    p = sl.period_index(period)
    values = sl.number_row("value", p)
    counts = status_counts(sl, p)
    summary = describe(sl.codes, values, counts, _Names(release), meta, level, period or _("no period"))
    summary += map_coverage(release, level, sl.codes, geo)
    nd = no_value(sl, p, values)
    labels, st = sl.code_row("status", p)
    flag_codes = [i for i, s in enumerate(labels) if s in ("provisional", "estimated")]
    flagged = [sl.codes[i] for i in np.flatnonzero(np.isin(st, flag_codes))] if flag_codes else []
    points = flag_points(release, flagged, geo)
    unit, dec = meta["unit"], int(meta["decimals"])
    settings = data.map_settings(release)
    scale = {"scale": settings["colour_scale"], "classes": int(settings["classes"]),
             "clip": tuple(settings["clip_percentiles"])}
    source = figures.release_source(release, [meta])
    if not full:
        return figures.choropleth_patch(values, nd, unit=unit, decimals=dec, flag_points=points, scale=scale,
                                        source=source), summary
    names = data.level_areas(release, level)["name"].tolist()
    fig = figures.choropleth(boundaries_url(release, level), sl.codes, names, values, nd, unit=unit,
                             decimals=dec, frame=geo.frame, uirevision=f"{release.id}:{level}", flag_points=points,
                             scale=scale, flag_px=figures.flag_ring_px(len(geo.codes) - len(geo.outlying)),
                             source=source)
    return fig, summary


def flag_points(release: Release, flagged: list[str], geo) -> tuple[list, list, list, list]:
    """Codes, names, longitudes and latitudes of the flagged areas that have a boundary (their centres)."""
    drawn = [c for c in flagged if c in geo.centres]
    return (drawn, [data.area_name(release, c) or c for c in drawn], [geo.centres[c][0] for c in drawn],
            [geo.centres[c][1] for c in drawn])


RANKED_TEXT = ("status", "note", "significance_parent", "significance_top", "progress_status", "rag")


def ranked(release: Release, meta: dict, level: str, period: str | None) -> dict[str, list]:
    """The areas with a row at the period, by rank (no rank last), then code: a dict of column lists
    (area_code, name, the slice's numbers and texts), from the indicator's level slice."""
    cols = ["area_code", "name", *data.SLICE_NUMBERS, *RANKED_TEXT]
    sl = data.level_slice(release, meta["id"], level)
    p = sl.period_index(period)
    if p is None:
        return {c: [] for c in cols}
    idx = np.flatnonzero(sl.present[p])  # in code order
    rank = sl.numbers["rank_level"][p, idx]
    idx = idx[np.lexsort((idx, np.nan_to_num(rank, nan=np.inf), np.isnan(rank)))]
    names = data.level_areas(release, level)["name"].tolist()
    out: dict[str, list] = {"area_code": [sl.codes[i] for i in idx], "name": [names[i] for i in idx]}
    for c in data.SLICE_NUMBERS:
        out[c] = [None if v != v else v for v in sl.numbers[c][p, idx].tolist()]
    for c in RANKED_TEXT:
        labels, codes = sl.text[c]
        out[c] = [labels[k] if k >= 0 else None for k in codes[p, idx].tolist()]
    return out


def progress_words(rag, progress_status) -> str:
    """'Off track: worse than at the start', as the overview says it; empty without a status."""
    return performance.words(rag, progress_status)


def values_table(df: dict[str, list], meta: dict, level: str, period: str | None, release: str):
    """The ranked areas as a table: the first TABLE_LIMIT rows, the rest as a CSV download (of ``release``)."""
    unit, dec = meta["unit"], int(meta["decimals"])
    n = len(df["area_code"])
    rows = [{
        "rank": words.rank(df["rank_level"][i], df["n_ranked_level"][i]),
        "area": ui.Link(df["name"][i] or df["area_code"][i], f"/area/{df['area_code'][i]}"),
        "value": with_status(df["value"][i], df["status"][i], dec, unit),
        "ci": words.interval(df["lower_ci"][i], df["upper_ci"][i], dec),
        "quartile": words.quartile(df["quartile"][i], meta.get("polarity"), meta.get("method")),
        "parent": significance(df["significance_parent"][i]),
        "top": significance(df["significance_top"][i]),
        "progress": progress_words(df["rag"][i], df["progress_status"][i]),
        "target": target_words(df["value"][i], meta, dec, unit),
        "note": notes.translated(df["note"][i]) if isinstance(df["note"][i], str) else "",
    } for i in range(min(n, TABLE_LIMIT))]
    cols = words.table_columns(meta, target_of(meta), any(r is not None for r in df["rag"]))
    csv = ui.data_url(release, "csv", indicator=meta["id"], level=level, period_from=period, period_to=period)
    return ui.data_table(cols, rows, words.table_caption(meta, level, period), limit=TABLE_LIMIT, more_href=csv,
                         total=n)


def ranking_outputs(release: Release, meta: dict, level: str, period: str | None):
    """Ranking figure and summary, distribution figure and summary, and the values table."""
    df = ranked(release, meta, level, period)
    unit, dec = meta["unit"], int(meta["decimals"])
    keep = [i for i, v in enumerate(df["value"]) if v is not None]  # already in rank order
    have = {c: [df[c][i] for i in keep] for c in ("area_code", "name", "value", "lower_ci", "upper_ci", "rag")}
    first, last = fmt.rank_ends(meta.get("polarity"), meta.get("method"))  # no best or worst without a direction
    source = figures.release_source(release, [meta])
    target = target_of(meta)
    fig = figures.ranking(have["area_code"], have["name"], have["value"], have["lower_ci"], have["upper_ci"],
                          unit=unit, decimals=dec, first=first, last=last, statuses=have["rag"], target=target,
                          source=source)
    if not keep:
        rsum = words.no_ranking() + breakdown_only_note(release, meta["id"], level, period)
    else:
        rsum = words.ranking_summary(have, df, meta, first, last, target_text(meta, have["value"]))
    if not keep:
        dfig = figures.distribution([], [0.0], unit=unit, decimals=dec, source=source)
        dsum, dtable = words.no_values()
    else:
        values = np.asarray(have["value"], float)
        dsum = words.distribution_words(values, dec, unit)
        # one set of bins for the chart and its table
        counts, edges = np.histogram(values, bins=min(30, max(1, len(keep))))
        dfig = figures.distribution(counts, edges, unit=unit, decimals=dec, source=source)
        dtable = words.distribution_table(counts, edges, meta, period)
    return fig, rsum, dfig, dsum, dtable, values_table(df, meta, level, period, release.id)


def trend_outputs(release: Release, meta: dict, areas: list[str]):
    """Trend lines of the chosen areas, with the parent of the first one and its own top-level area (its
    country, of several); with no area chosen, the top-level area when there is only one."""
    chosen = [a for a in areas if data.area_name(release, a)][:6]
    roots = data.roots(release)
    top = data.root_area(release, chosen[0]) if chosen else (roots[0] if len(roots) == 1 else None)
    lines = list(chosen)
    if chosen:
        parent = data.parents(release).get(chosen[0])
        if parent and parent not in lines:
            lines.append(parent)
    if top is not None and top not in lines:
        lines.append(top)
    unit, dec = meta["unit"], int(meta["decimals"])
    series, rows = [], []
    for code in lines:
        pts = data.trend_points(release, meta["id"], code)
        name = data.area_name(release, code) or code
        label = words.trend_label(name, "chosen" if code in chosen else "top" if code == top else "parent")
        series.append({"name": label, "x": [r["period"] for r in pts], "y": [r["value"] for r in pts],
                       "lower": [r["lower_ci"] for r in pts], "upper": [r["upper_ci"] for r in pts]})
        rows += [{"area": label, "period": period_words(r["period"]), "value": with_status(r["value"], r["status"], dec, unit),
                  "ci": words.interval(r["lower_ci"], r["upper_ci"], dec)} for r in pts]
    target = target_of(meta)
    fig = figures.trends(series, unit=unit, decimals=dec, target=target,
                         target_period=fmt.text(meta.get("target_period")),
                         source=figures.release_source(release, [meta]))
    summary = words.trend_summary(series, lines, meta, dec, unit)
    table = ui.data_table([("area", _("Area")), ("period", _("Period")), ("value", _("Value")),
                           ("ci", _("95% interval"))], rows, _("{indicator} over time").format(indicator=meta["title"]))
    return fig, summary, table


#: The charts of the page, each with its source line under it (``<graph>-source``).
CHARTS = (ids.EX_MAP, ids.EX_RANKING, ids.EX_DISTRIBUTION, ids.EX_TREND)


@guarded
def layout(indicator_id: str | None = None, level: str | None = None, period: str | None = None,
           areas: str | None = None, **_kwargs):
    rel = context.release()
    indicator_id = path_value(indicator_id)
    meta = in_language(data.indicator_meta(rel, indicator_id))
    if meta is None:
        return ui.not_available(_("There is no published indicator called {id}.").format(id=repr(indicator_id)),
                                _("Indicator not found"))
    asked = (level, period)
    level, period = choose(rel, meta["id"], level, period)
    chosen = split(areas) or []
    fig, msum = map_figure(rel, meta, level, period)
    rfig, rsum, dfig, dsum, dtable, table = ranking_outputs(rel, meta, level, period)
    tfig, tsum, ttable = trend_outputs(rel, meta, chosen)
    periods = data.periods(rel, meta["id"])
    source = figures.release_source(rel, [meta])
    map_part = (ui.chart(ids.EX_MAP, fig, msum, html.P(_("The values are in the table under the ranking.")),
                         title=_("Map"), summary_id=ids.EX_MAP_SUMMARY, source=source)
                if fig is not None else html.Section([html.H2(_("Map")), html.P(msum, id=ids.EX_MAP_SUMMARY),
                                                      dcc.Graph(id=ids.EX_MAP, style={"display": "none"}),
                                                      html.P(id=f"{ids.EX_MAP}-source", hidden=True)]))
    return html.Div([
        release_store(rel), sync_target(SYNC), page_title(titles.named(meta["title"], "Indicator explorer")),
        dcc.Location(id=NAV, refresh="callback-nav"),
        html.Div(header(meta), id="explorer-header"),
        html.Form([
            ui.labelled(_("Indicator"), ids.EX_INDICATOR,
                        dcc.Dropdown(id=ids.EX_INDICATOR, options=indicator_options(rel), value=meta["id"],
                                     clearable=False)),
            ui.labelled(_("Level"), ids.EX_LEVEL,
                        dcc.Dropdown(id=ids.EX_LEVEL, options=[{"label": level_label(lv), "value": lv}
                                                               for lv in rel.levels], value=level, clearable=False,
                                     searchable=False)),
            ui.labelled(_("Period"), ids.EX_PERIOD,
                        dcc.Dropdown(id=ids.EX_PERIOD, options=period_options(periods), value=period, clearable=False)),
        ], className="controls", role="search", **{"aria-label": _("Choose what to show")}),
        replaced_note(asked, (level, period)),
        html.Div(period_choice.note(rel, meta["id"], level, period), id=period_choice.NOTE_ID,
                 **{"aria-live": "polite"}),
        html.Div(ui.data_links(meta["id"], level, period, release=rel.id), id=ids.EX_LINKS),
        map_part,
        ui.chart(ids.EX_RANKING, rfig, rsum, html.Div(table, id=ids.EX_TABLE), title=_("Ranking"),
                 summary_id=ids.EX_RANKING_SUMMARY, source=source),
        ui.chart(ids.EX_DISTRIBUTION, dfig, dsum, dtable, title=_("Distribution across areas"),
                 summary_id=ids.EX_DISTRIBUTION_SUMMARY, table_id=f"{ids.EX_DISTRIBUTION}-table", source=source),
        html.Section([
            ui.labelled(_("Areas to follow over time"), ids.EX_AREAS,
                        dcc.Dropdown(id=ids.EX_AREAS, options=data.area_options(rel), value=chosen, multi=True,
                                     className="multi", placeholder=_("Choose areas")),
                        hint=_("The first area's parent and its top-level area are always shown.")),
        ], className="controls"),
        ui.chart(ids.EX_TREND, tfig, tsum, ttable, title=_("Trends"), summary_id=ids.EX_TREND_SUMMARY,
                 table_id=ids.EX_TREND_TABLE, source=source),
        breakdowns.explorer_slot(rel, meta["id"], level, period, chosen),  # its callback: views/breakdowns.py
    ])


# --- callbacks (plain functions; register() attaches them to an app) --------------------------------

def on_indicator(release: Release, indicator: str, period: str | None, level: str | None = None):
    meta = in_language(data.indicator_meta(release, indicator))
    if meta is None:
        return no_update, no_update, no_update
    periods = data.periods(release, indicator)
    new_period = period if period in periods else choose(release, indicator, level, None)[1]
    return header(meta), period_options(periods), (no_update if new_period == period else new_period)


def on_selection(release: Release, indicator: str, level: str, period: str | None, full: bool):
    meta = in_language(data.indicator_meta(release, indicator))
    if meta is None or level not in release.levels:
        return no_update, no_update, no_update
    fig, summary = map_figure(release, meta, level, period, full=full)
    return (fig if fig is not None else no_update), summary, ui.data_links(indicator, level, period,
                                                                            release=release.id)


def on_source(release: Release, indicator: str) -> tuple:
    """The source line under each chart of the page, for the indicator shown."""
    meta = data.indicator_meta(release, indicator)
    if meta is None:
        return (no_update,) * len(CHARTS)
    return (figures.release_source(release, [meta]),) * len(CHARTS)


def on_ranking(release: Release, indicator: str, level: str, period: str | None):
    meta = in_language(data.indicator_meta(release, indicator))
    if meta is None or level not in release.levels:
        return (no_update,) * 6
    return ranking_outputs(release, meta, level, period)


def on_trend(release: Release, indicator: str, areas):
    meta = in_language(data.indicator_meta(release, indicator))
    if meta is None:
        return no_update, no_update, no_update
    return trend_outputs(release, meta, split(areas))


def clicked_area(click: dict | None) -> str | None:
    """The profile URL of the area a user selected on the map or the ranking."""
    if not click or not click.get("points"):
        return None
    point = click["points"][0]
    code = point.get("location") or point.get("customdata")
    return f"/area/{code}" if code else None


def register(app) -> None:
    @app.callback(Output("explorer-header", "children"), Output(ids.EX_PERIOD, "options"),
                  Output(ids.EX_PERIOD, "value"), Output(ids.PAGE_TITLE, "data"), Input(ids.EX_INDICATOR, "value"),
                  State(ids.EX_PERIOD, "value"), State(ids.RELEASE, "data"), State(ids.EX_LEVEL, "value"),
                  prevent_initial_call=True)
    def _indicator(indicator, period, rid, level=None):
        rel = context.release(rid)
        meta = in_language(data.indicator_meta(rel, indicator))  # the address now names it; the router did not draw it
        title = titles.named(meta["title"], "Indicator explorer") if meta else no_update
        return *ui.plain(on_indicator(rel, indicator, period, level)), title

    @app.callback(*[Output(f"{graph}-source", "children") for graph in CHARTS], Input(ids.EX_INDICATOR, "value"),
                  State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _sources(indicator, rid):
        return on_source(context.release(rid), indicator)

    @app.callback(Output(period_choice.NOTE_ID, "children"), Input(ids.EX_INDICATOR, "value"),
                  Input(ids.EX_LEVEL, "value"), Input(ids.EX_PERIOD, "value"), State(ids.RELEASE, "data"),
                  prevent_initial_call=True)
    def _period_note(indicator, level, period, rid):
        rel = context.release(rid)
        if data.indicator_meta(rel, indicator) is None or level not in rel.levels:
            return no_update
        return ui.plain(period_choice.note(rel, indicator, level, period))

    @app.callback(Output(ids.EX_MAP, "figure"), Output(ids.EX_MAP_SUMMARY, "children"),
                  Output(ids.EX_LINKS, "children"), Input(ids.EX_INDICATOR, "value"), Input(ids.EX_LEVEL, "value"),
                  Input(ids.EX_PERIOD, "value"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _map(indicator, level, period, rid):
        return ui.plain(on_selection(context.release(rid), indicator, level, period, full=ctx.triggered_id == ids.EX_LEVEL))

    @app.callback(Output(ids.EX_RANKING, "figure"), Output(ids.EX_RANKING_SUMMARY, "children"),
                  Output(ids.EX_DISTRIBUTION, "figure"), Output(ids.EX_DISTRIBUTION_SUMMARY, "children"),
                  Output(f"{ids.EX_DISTRIBUTION}-table", "children"), Output(ids.EX_TABLE, "children"),
                  Input(ids.EX_INDICATOR, "value"), Input(ids.EX_LEVEL, "value"), Input(ids.EX_PERIOD, "value"),
                  State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _ranking(indicator, level, period, rid):
        return ui.plain(on_ranking(context.release(rid), indicator, level, period))

    @app.callback(Output(ids.EX_TREND, "figure"), Output(ids.EX_TREND_SUMMARY, "children"),
                  Output(ids.EX_TREND_TABLE, "children"), Input(ids.EX_INDICATOR, "value"),
                  Input(ids.EX_AREAS, "value"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _trend(indicator, areas, rid):
        return ui.plain(on_trend(context.release(rid), indicator, areas))

    @app.callback(Output(NAV, "href"), Input(ids.EX_MAP, "clickData"), Input(ids.EX_RANKING, "clickData"),
                  prevent_initial_call=True)
    def _open(map_click, ranking_click):
        href = clicked_area(map_click if ctx.triggered_id == ids.EX_MAP else ranking_click)
        return href or no_update

    url_sync(app, SYNC, {"indicator": (ids.EX_INDICATOR, "value"), "level": (ids.EX_LEVEL, "value"),
                         "period": (ids.EX_PERIOD, "value"), "areas": (ids.EX_AREAS, "value")},
             path="/indicator/", path_param="indicator")


def skeleton() -> list:
    """The components :func:`register`'s callbacks name, without data (the app's validation layout)."""
    return [*shared_skeleton(SYNC, titled=True), dcc.Location(id=NAV), html.Div(id="explorer-header"),
            dcc.Dropdown(id=ids.EX_INDICATOR), dcc.Dropdown(id=ids.EX_LEVEL), dcc.Dropdown(id=ids.EX_PERIOD),
            dcc.Dropdown(id=ids.EX_AREAS), html.Div(id=period_choice.NOTE_ID), html.Div(id=ids.EX_LINKS),
            *[c for graph, summary in ((ids.EX_MAP, ids.EX_MAP_SUMMARY), (ids.EX_RANKING, ids.EX_RANKING_SUMMARY),
                                       (ids.EX_DISTRIBUTION, ids.EX_DISTRIBUTION_SUMMARY),
                                       (ids.EX_TREND, ids.EX_TREND_SUMMARY))
              for c in (dcc.Graph(id=graph), html.P(id=summary))],
            html.Div(id=ids.EX_TABLE), html.Div(id=f"{ids.EX_DISTRIBUTION}-table"), html.Div(id=ids.EX_TREND_TABLE),
            *[html.P(id=f"{graph}-source") for graph in CHARTS], *breakdowns.skeleton()]
