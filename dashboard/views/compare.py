"""Compare ``/compare?areas=A,B&indicators=x,y``: several areas side by side on chosen indicators."""

from __future__ import annotations

from dash import ALL, Input, Output, State, callback_context, dcc, html, no_update

from dashboard import context, data
from dashboard.components import fmt, ids, ui
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views import area_words as w
from dashboard.views import compare_sections
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
        return html.P(_("No area chosen yet."), className="hint")
    return html.Ul([html.Li([html.Span(f"{data.area_name(release, a)} ({a})"), " ",
                             html.Button(_("Remove"), id={"type": REMOVE, "area": a}, type="button",
                                         className="remove-button",
                                         **{"aria-label": _("Remove {area}").format(area=data.area_name(release, a))})])
                    for a in areas], className="chosen-areas", **{"aria-label": _("Chosen areas")})


def cap_note(n: int, asked: int | None = None) -> str:
    """What the page says about the limit of areas: how many more may be added, or that it is reached."""
    if asked is not None and asked > MAX_AREAS:
        return _("The address named {asked} areas; only the first {most} are compared, the most this page "
                 "compares at once.").format(asked=w.whole(asked), most=w.whole(MAX_AREAS))
    if n >= MAX_AREAS:
        return _("{most} areas chosen, the most this page compares at once: remove one to add another.").format(
            most=w.whole(MAX_AREAS))
    return ngettext("{n} area chosen; up to {most} can be compared.",
                    "{n} areas chosen; up to {most} can be compared.", n).format(n=w.whole(n), most=w.whole(MAX_AREAS))


def how_to_start():
    """What the page says before any area is chosen."""
    return [ui.no_data(_("Choose up to {most} areas above to compare them side by side.").format(
                most=w.whole(MAX_AREAS))),
            html.P(_("Or start from an area: its profile (linked from the overview and from every indicator's "
                     "ranking table) links to a comparison of the area with its parent and its nearest "
                     "neighbours."), id="compare-start")]


def ends(have: list[tuple[str, float]], meta: dict) -> str:
    """'. Best: A' by the indicator's direction; with none (neutral, or a count that grows with the area's
    size) '. Highest: A; lowest: B', as neither is better. Nothing for a single value."""
    if len(have) < 2:
        return ""
    high, low = max(have, key=lambda t: t[1])[0], min(have, key=lambda t: t[1])[0]
    if fmt.by_performance(meta["polarity"], meta.get("method")):
        return ". " + _("Best: {area}").format(area=low if meta["polarity"] == "lower_is_better" else high)
    return ". " + _("Highest: {high}; lowest: {low}").format(high=high, low=low)


def content(release: Release, areas: list[str], indicators: list[str]):
    areas = [a for a in areas if data.area_name(release, a)][:MAX_AREAS]
    asked_inds = [i for i in indicators if i in release.indicator_ids]
    indicators = asked_inds[:MAX_INDICATORS]
    if not areas:
        return how_to_start()
    if not indicators:
        return [ui.no_data(_("Choose at least one area and one indicator."))]
    too_many = (ui.no_data(_("{n} indicators chosen: only the first {most} are compared, the most this page shows "
                             "at once.").format(n=w.whole(len(asked_inds)), most=w.whole(MAX_INDICATORS)))
                if len(asked_inds) > MAX_INDICATORS else None)
    names = [data.area_name(release, a) for a in areas]
    frames, latest = {}, {}
    for a in areas:
        df = data.area_values(release, a)
        df = df[df["indicator"].isin(indicators)]
        frames[a] = compare_sections.by_indicator(df)
        latest[a] = {r["indicator"]: r for r in data.latest(df).to_dict("records")}
    sections, table_rows = [], []
    for ind in indicators:
        meta = w.indicator(data.indicator_meta(release, ind))
        dec, unit = int(meta["decimals"]), meta["unit"]
        here = {a: latest[a].get(ind) for a in areas}
        cells = {a: "–" if r is None else f"{w.with_status(r['value'], r['status'], dec, unit)} ({w.period(r['period'])})"
                 for a, r in here.items()}
        table_rows.append({"indicator": ui.Link(meta["title"], f"/indicator/{ind}?areas={','.join(areas)}"),
                           **cells})
        have = [(n, here[a]["value"]) for a, n in zip(areas, names, strict=True)
                if here[a] is not None and not fmt.missing(here[a]["value"])]
        sections.append(compare_sections.section(release, ind, areas, names, frames, here, ends(have, meta)))
    overall = ui.data_table([("indicator", _("Indicator"))] + [(a, n) for a, n in zip(areas, names, strict=True)],
                            table_rows, _("Latest value of each indicator by area (period in brackets)"))
    titles = [w.title(release, i) for i in indicators]
    chosen = html.Dl([html.Dt(ngettext("{n} area chosen", "{n} areas chosen", len(names)).format(
                          n=w.whole(len(names)))), html.Dd(w.series(names)),
                      html.Dt(ngettext("{n} indicator chosen", "{n} indicators chosen", len(titles)).format(
                          n=w.whole(len(titles)))), html.Dd(w.series(titles))],
                     className="meta chosen", id="compare-chosen")
    every = compare_sections.download_links(
        release, areas, indicators, _("these {indicators} for these {areas}, every period").format(
            indicators=w.indicators(len(indicators)), areas=w.areas(len(areas))),
        label=_("Data behind this comparison"))
    return [*([too_many] if too_many else []), chosen,
            html.Section([html.H2(_("Data")), every, ui.pinned_note(release.id)], id="compare-downloads"),
            html.H2(_("All selected indicators")), overall, *sections]


@guarded
def layout(areas: str | None = None, indicators: str | None = None, area: str | None = None, **_kwargs):
    rel = context.release()
    d_areas, d_inds = defaults(rel, area)
    unknown = [a for a in split(areas) if not data.area_name(rel, a)]  # the app answers 404 for them
    named = list(dict.fromkeys(a for a in split(areas) if data.area_name(rel, a)))
    chosen_areas = named[:MAX_AREAS] or d_areas
    chosen_inds = [i for i in split(indicators) if i in rel.indicator_ids] or d_inds
    return html.Div([
        release_store(rel), sync_target(SYNC), sync_target(FOCUS_SYNC), dcc.Store(id=CHOSEN, data=chosen_areas),
        html.H1(_("Compare areas")),
        ui.no_data(ngettext("There is no area with the code {codes}; it is left out.",
                            "There are no areas with the codes {codes}; they are left out.", len(unknown)).format(
            codes=", ".join(map(repr, unknown)))) if unknown else None,
        html.Form([
            html.Div([
                ui.labelled(_("Add an area"), ids.CMP_AREAS,
                            dcc.Dropdown(id=ids.CMP_AREAS, options=w.area_options(rel), value=None,
                                         placeholder=_("Type a name or a code"), labels=w.dropdown_labels(),
                                         disabled=len(chosen_areas) >= MAX_AREAS),
                            hint=_("Each area you choose is added to the list below.")),
                html.P(cap_note(len(chosen_areas), len(named) if len(named) > MAX_AREAS else None), id=CAP_NOTE,
                       className="hint", role="status"),
                html.H2(_("Chosen areas"), className="h-small", id=CHOSEN_HEADING, tabIndex="-1"),
                html.Div(chosen_list(rel, chosen_areas), id=CHOSEN_LIST),
            ], className="control"),
            ui.labelled(_("Indicators"), ids.CMP_INDICATORS,
                        dcc.Dropdown(id=ids.CMP_INDICATORS, options=w.indicator_options(rel), value=chosen_inds,
                                     className="multi", multi=True, placeholder=_("Choose indicators"),
                                     labels=w.dropdown_labels()),
                        hint=_("Up to {most} indicators.").format(most=w.whole(MAX_INDICATORS))),
        ], className="controls", role="search", **{"aria-label": _("Choose areas and indicators")}),
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
            note = _("{area} is chosen already.").format(area=data.area_name(rel, added)) + " " + note
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
