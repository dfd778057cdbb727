"""Compare ``/compare?areas=A,B&indicators=x,y``: several areas side by side on chosen indicators."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html

from dashboard import context, data
from dashboard.components import figures, fmt, ids, ui
from dashboard.release_reader import Release
from dashboard.views.common import guarded, release_store, split, sync_target, url_sync

SYNC = f"{ids.URL_SYNC}-compare"
MAX_AREAS = 12
MAX_INDICATORS = 8


def defaults(release: Release) -> tuple[list[str], list[str]]:
    """No area (the page says how to start: the first area of the table is nobody's area, and with several
    top-level areas it is one country of many) and the first three indicators."""
    inds = release.indicators.sort_values(["theme", "title"])["id"].head(3).tolist()
    return [], inds


def how_to_start():
    """What the page says before any area is chosen."""
    return [ui.no_data("Choose up to 12 areas above to compare them side by side."),
            html.P("Or start from an area: its profile (linked from the overview and from every indicator's "
                   "ranking table) links to a comparison of the area with its parent and its nearest neighbours.",
                   id="compare-start")]


def ends(have: list[tuple[str, float]], meta: dict) -> str:
    """'. Best: A' by the indicator's direction; with none (neutral, or a count that grows with the area's
    size) '. Highest: A; lowest: B', as neither is better. Nothing for a single value."""
    if len(have) < 2:
        return ""
    high, low = max(have, key=lambda t: t[1])[0], min(have, key=lambda t: t[1])[0]
    if fmt.by_performance(meta["polarity"], meta.get("method")):
        return f". Best: {low if meta['polarity'] == 'lower_is_better' else high}"
    return f". Highest: {high}; lowest: {low}"


def content(release: Release, areas: list[str], indicators: list[str]):
    areas = [a for a in areas if data.area_name(release, a)][:MAX_AREAS]
    indicators = [i for i in indicators if i in release.indicator_ids][:MAX_INDICATORS]
    if not areas:
        return how_to_start()
    if not indicators:
        return [ui.no_data("Choose at least one area and one indicator.")]
    names = [data.area_name(release, a) for a in areas]
    latest = {}
    for a in areas:
        df = data.latest(data.area_values(release, a))
        latest[a] = df[df["indicator"].isin(indicators)].set_index("indicator")
    sections, table_rows = [], []
    for ind in indicators:
        meta = data.indicator_meta(release, ind)
        dec, unit = int(meta["decimals"]), meta["unit"]
        vals, lo, hi, cells = [], [], [], {}
        for a in areas:
            r = latest[a].loc[ind] if ind in latest[a].index else None
            vals.append(None if r is None else r["value"])
            lo.append(None if r is None else r["lower_ci"])
            hi.append(None if r is None else r["upper_ci"])
            cells[a] = "–" if r is None else f"{fmt.with_status(r['value'], r['status'], dec, unit)} ({r['period']})"
        table_rows.append({"indicator": ui.Link(meta["title"], f"/indicator/{ind}?areas={','.join(areas)}"),
                           **cells})
        have = [(n, v) for n, v in zip(names, vals, strict=True) if not fmt.missing(v)]
        if have:
            summary = ("Latest values: " + "; ".join(f"{n} {fmt.value(v, dec, unit)}" for n, v in have)
                       + ends(have, meta) + ".")
        else:
            summary = "No values for these areas."
        table = ui.data_table([("area", "Area"), ("value", "Value")],
                              [{"area": n, "value": cells[a]} for a, n in zip(areas, names, strict=True)],
                              f"{meta['title']} by area")
        sections.append(ui.chart(f"compare-chart-{ind}", figures.bars(names, vals, lo, hi, unit=unit, decimals=dec),
                                 summary, table, title=meta["title"]))
    overall = ui.data_table([("indicator", "Indicator")] + [(a, n) for a, n in zip(areas, names, strict=True)],
                            table_rows, "Latest value of each indicator by area (period in brackets)")
    titles = [data.indicator_meta(release, i)["title"] for i in indicators]
    chosen = html.Dl([html.Dt(f"{fmt.count(len(names), 'area')} chosen"), html.Dd("; ".join(names)),
                      html.Dt(f"{fmt.count(len(titles), 'indicator')} chosen"), html.Dd("; ".join(titles))],
                     className="meta chosen", id="compare-chosen")
    return [chosen, html.H2("All selected indicators"), overall, *sections]


@guarded
def layout(areas: str | None = None, indicators: str | None = None, **_):
    rel = context.release()
    d_areas, d_inds = defaults(rel)
    unknown = [a for a in split(areas) if not data.area_name(rel, a)]  # the app answers 404 for them
    chosen_areas = [a for a in split(areas) if data.area_name(rel, a)] or d_areas
    chosen_inds = [i for i in split(indicators) if i in rel.indicator_ids] or d_inds
    return html.Div([
        release_store(rel), sync_target(SYNC),
        html.H1("Compare areas"),
        ui.no_data("There is no area with the code " + ", ".join(map(repr, unknown)) + "; it is left out.")
        if unknown else None,
        html.Form([
            ui.labelled("Areas", ids.CMP_AREAS, dcc.Dropdown(id=ids.CMP_AREAS, options=data.area_options(rel),
                                                            value=chosen_areas, multi=True, className="multi"),
                        hint=f"Up to {MAX_AREAS} areas."),
            ui.labelled("Indicators", ids.CMP_INDICATORS,
                        dcc.Dropdown(id=ids.CMP_INDICATORS, options=data.indicator_options(rel), value=chosen_inds, className="multi",
                                     multi=True), hint=f"Up to {MAX_INDICATORS} indicators."),
        ], className="controls", role="search", **{"aria-label": "Choose areas and indicators"}),
        html.Div(content(rel, chosen_areas, chosen_inds), id=ids.CMP_CONTENT, **{"aria-live": "polite"}),
    ])


def register(app) -> None:
    @app.callback(Output(ids.CMP_CONTENT, "children"), Input(ids.CMP_AREAS, "value"),
                  Input(ids.CMP_INDICATORS, "value"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _content(areas, indicators, rid):
        return content(context.release(rid), split(areas), split(indicators))

    url_sync(app, SYNC, {"areas": (ids.CMP_AREAS, "value"), "indicators": (ids.CMP_INDICATORS, "value")})
