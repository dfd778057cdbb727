"""Compare ``/compare?areas=A,B&indicators=x,y``: several areas side by side on chosen indicators."""

from __future__ import annotations

from dash import ALL, Input, Output, State, callback_context, dcc, html, no_update

from dashboard import context, data
from dashboard.components import figures, fmt, ids, ui
from dashboard.release_reader import Release
from dashboard.views.common import guarded, release_store, shared_skeleton, split, sync_target, url_sync

SYNC = f"{ids.URL_SYNC}-compare"
CHOSEN = "compare-chosen-areas"  # the store of the chosen area codes, in the order they were added
CHOSEN_LIST = "compare-chosen-list"
CAP_NOTE = "compare-cap"
CHOSEN_HEADING = "compare-chosen-heading"
FOCUS_SYNC = "compare-focus-sync"
REMOVE = "compare-remove"
MAX_AREAS = 12
MAX_INDICATORS = 8


def defaults(release: Release, area: str | None = None) -> tuple[list[str], list[str]]:
    """The first three indicators, and for the user's area (``?area=``) that area, its parent and its peers
    (nearest neighbours), up to :data:`MAX_AREAS`; with no area, none (the page says how to start: the first
    area of the table is nobody's area, and with several top-level areas it is one country of many)."""
    inds = release.indicators.sort_values(["theme", "title"])["id"].head(3).tolist()
    if not area or not data.area_name(release, area):
        return [], inds
    parent = data.parents(release).get(area)
    codes = [area, *([parent] if parent else []), *data.neighbours(release, area)]
    return list(dict.fromkeys(c for c in codes if data.area_name(release, c)))[:MAX_AREAS], inds


def chosen_list(release: Release, areas: list[str]):
    """The chosen areas, each with a button that removes it (named 'Remove <area>' for a screen reader)."""
    if not areas:
        return html.P("No area chosen yet.", className="hint")
    return html.Ul([html.Li([html.Span(f"{data.area_name(release, a)} ({a})"), " ",
                             html.Button("Remove", id={"type": REMOVE, "area": a}, type="button",
                                         className="remove-button",
                                         **{"aria-label": f"Remove {data.area_name(release, a)}"})])
                    for a in areas], className="chosen-areas", **{"aria-label": "Chosen areas"})


def cap_note(n: int, asked: int | None = None) -> str:
    """What the page says about the limit of areas: how many more may be added, or that it is reached."""
    if asked is not None and asked > MAX_AREAS:
        return (f"The address named {asked} areas; only the first {MAX_AREAS} are compared, the most this page "
                "compares at once.")
    if n >= MAX_AREAS:
        return f"{MAX_AREAS} areas chosen, the most this page compares at once: remove one to add another."
    return f"{fmt.count(n, 'area')} chosen; up to {MAX_AREAS} can be compared."


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
    asked_inds = [i for i in indicators if i in release.indicator_ids]
    indicators = asked_inds[:MAX_INDICATORS]
    if not areas:
        return how_to_start()
    if not indicators:
        return [ui.no_data("Choose at least one area and one indicator.")]
    too_many = (ui.no_data(f"{len(asked_inds)} indicators chosen: only the first {MAX_INDICATORS} are compared, "
                           "the most this page shows at once.") if len(asked_inds) > MAX_INDICATORS else None)
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
        source = figures.release_source(release, [meta])
        sections.append(ui.chart(f"compare-chart-{ind}", figures.bars(names, vals, lo, hi, unit=unit, decimals=dec,
                                                                      source=source),
                                 summary, table, title=meta["title"], source=source))
    overall = ui.data_table([("indicator", "Indicator")] + [(a, n) for a, n in zip(areas, names, strict=True)],
                            table_rows, "Latest value of each indicator by area (period in brackets)")
    titles = [data.indicator_meta(release, i)["title"] for i in indicators]
    chosen = html.Dl([html.Dt(f"{fmt.count(len(names), 'area')} chosen"), html.Dd("; ".join(names)),
                      html.Dt(f"{fmt.count(len(titles), 'indicator')} chosen"), html.Dd("; ".join(titles))],
                     className="meta chosen", id="compare-chosen")
    return [*([too_many] if too_many else []), chosen, html.H2("All selected indicators"), overall, *sections]


@guarded
def layout(areas: str | None = None, indicators: str | None = None, area: str | None = None, **_):
    rel = context.release()
    d_areas, d_inds = defaults(rel, area)
    unknown = [a for a in split(areas) if not data.area_name(rel, a)]  # the app answers 404 for them
    named = list(dict.fromkeys(a for a in split(areas) if data.area_name(rel, a)))
    chosen_areas = named[:MAX_AREAS] or d_areas
    chosen_inds = [i for i in split(indicators) if i in rel.indicator_ids] or d_inds
    return html.Div([
        release_store(rel), sync_target(SYNC), sync_target(FOCUS_SYNC), dcc.Store(id=CHOSEN, data=chosen_areas),
        html.H1("Compare areas"),
        ui.no_data("There is no area with the code " + ", ".join(map(repr, unknown)) + "; it is left out.")
        if unknown else None,
        html.Form([
            html.Div([
                ui.labelled("Add an area", ids.CMP_AREAS,
                            dcc.Dropdown(id=ids.CMP_AREAS, options=data.area_options(rel), value=None,
                                         placeholder="Type a name or a code", disabled=len(chosen_areas) >= MAX_AREAS),
                            hint="Each area you choose is added to the list below."),
                html.P(cap_note(len(chosen_areas), len(named) if len(named) > MAX_AREAS else None), id=CAP_NOTE,
                       className="hint", role="status"),
                html.H2("Chosen areas", className="h-small", id=CHOSEN_HEADING, tabIndex="-1"),
                html.Div(chosen_list(rel, chosen_areas), id=CHOSEN_LIST),
            ], className="control"),
            ui.labelled("Indicators", ids.CMP_INDICATORS,
                        dcc.Dropdown(id=ids.CMP_INDICATORS, options=data.indicator_options(rel), value=chosen_inds,
                                     className="multi", multi=True), hint=f"Up to {MAX_INDICATORS} indicators."),
        ], className="controls", role="search", **{"aria-label": "Choose areas and indicators"}),
        html.Div(content(rel, chosen_areas, chosen_inds), id=ids.CMP_CONTENT, **{"aria-live": "polite"}),
    ])


def change(areas: list[str], added: str | None, removed: str | None) -> tuple[list[str], str | None]:
    """The chosen areas after adding ``added`` or removing ``removed``, and what to say when nothing changed
    (the area was chosen already, or the list is full)."""
    areas = list(areas)
    if removed is not None:
        return [a for a in areas if a != removed], None
    if not added:
        return areas, None
    if added in areas:
        return areas, "already chosen"
    if len(areas) >= MAX_AREAS:
        return areas, "full"
    return areas + [added], None


def register(app) -> None:
    @app.callback(Output(CHOSEN, "data"), Output(ids.CMP_AREAS, "value"), Output(ids.CMP_AREAS, "disabled"),
                  Output(CHOSEN_LIST, "children"), Output(CAP_NOTE, "children"),
                  Input(ids.CMP_AREAS, "value"), Input({"type": REMOVE, "area": ALL}, "n_clicks"),
                  State(CHOSEN, "data"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _choose(added, _clicks, chosen, rid):
        rel = context.release(rid)
        trig = callback_context.triggered_id
        removed = trig.get("area") if isinstance(trig, dict) else None
        if removed is not None and not (callback_context.triggered and callback_context.triggered[0]["value"]):
            return (no_update,) * 5  # a button drawn anew, not clicked
        if removed is None and not added:
            return (no_update,) * 5  # the control emptied after an area was added: nothing changed
        areas, problem = change([a for a in split(chosen) if data.area_name(rel, a)],
                                added if isinstance(added, str) and data.area_name(rel, added) else None, removed)
        note = cap_note(len(areas))
        if problem == "already chosen":
            note = f"{data.area_name(rel, added)} is chosen already. " + note
        return (areas, None, len(areas) >= MAX_AREAS, ui.plain(chosen_list(rel, areas)), note)

    @app.callback(Output(ids.CMP_CONTENT, "children"), Input(CHOSEN, "data"),
                  Input(ids.CMP_INDICATORS, "value"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _content(areas, indicators, rid):
        return content(context.release(rid), split(areas), split(indicators))

    # A removed area's button leaves the page with the keyboard focus on it: focus goes to the list's heading
    # instead of the top of the page (WCAG 2.4.3), and a screen reader hears where it is.
    app.clientside_callback(
        """function(clicks) {
            const ctx = window.dash_clientside.callback_context;
            if (ctx.triggered.some(t => t.value)) {
                setTimeout(() => { const h = document.getElementById('__HEADING__'); if (h) { h.focus(); } }, 0);
            }
            return window.dash_clientside.no_update;
        }""".replace("__HEADING__", CHOSEN_HEADING),
        Output(FOCUS_SYNC, "children"), Input({"type": REMOVE, "area": ALL}, "n_clicks"), prevent_initial_call=True)

    url_sync(app, SYNC, {"areas": (CHOSEN, "data"), "indicators": (ids.CMP_INDICATORS, "value")})


def skeleton() -> list:
    """The components :func:`register`'s callbacks name, without data (the app's validation layout); one
    remove button stands for those :func:`chosen_list` draws."""
    return [*shared_skeleton(SYNC), sync_target(FOCUS_SYNC), dcc.Store(id=CHOSEN), dcc.Dropdown(id=ids.CMP_AREAS),
            html.Div(id=CHOSEN_LIST), html.P(id=CAP_NOTE), dcc.Dropdown(id=ids.CMP_INDICATORS),
            html.Div(id=ids.CMP_CONTENT), html.Button(id={"type": REMOVE, "area": ""})]
