"""Area profile ``/area/<code>?indicator=``: every indicator against its level, parent and top level
(spine chart and table), the area beside its statistical nearest neighbours, and trends."""

from __future__ import annotations

from collections import Counter

from dash import Input, Output, State, dcc, html, no_update

from dashboard import context, data
from dashboard.components import figures, fmt, ids, notes, ui
from dashboard.i18n import N_
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views import area_words as w
from dashboard.views import attention, breakdowns
from dashboard.views.common import guarded, path_value, release_store, shared_skeleton, sync_target, url_sync
from dashboard.views.compare import MAX_AREAS
from dashboard.views.explorer import trend_outputs

SYNC = f"{ids.URL_SYNC}-area"
AREA = "area-code"


#: What a chart with nothing to show says in its table's place (ui.no_data's words).
NO_DATA = N_("There is no data for this selection.")
#: the profile's columns: the spine chart's, and the rank within the parent
COLUMNS = data.SPINE_COLUMNS + data.VALUES.select("rank_parent", "n_ranked_parent")
META_COLUMNS = ("title", "unit", "decimals", "polarity", "theme", "method")
RANGE_COLUMNS = ("vmin", "q1", "median", "q3", "vmax", "n")


def profile_rows(release: Release, area: dict) -> list[dict]:
    """The latest row of every indicator for the area (dicts, by theme and title), with the indicator's
    metadata and its level's range at that period."""
    ranges = None
    out = []
    for r in data.area_latest(release, area["area_code"], columns=COLUMNS):
        meta = w.indicator(data.indicator_meta(release, r["indicator"]))
        if meta is None:
            continue
        if ranges is None:
            ranges = data.range_lookup(release, area["level"])
        rng = ranges.get((r["indicator"], r["period"]), {})
        out.append({**r, **{c: meta[c] for c in META_COLUMNS}, **{c: rng.get(c) for c in RANGE_COLUMNS},
                    "latest": data.latest_period(release, r["indicator"])})
    out.sort(key=lambda r: (str(r["theme"]), str(r["title"]), r["indicator"]))
    return out


def period_words(r: dict) -> str:
    """The row's period, and the indicator's latest when the area has no value for that one: '2020 (2021: no
    value)'. ``r['latest']`` is the indicator's latest period in the release (profile_rows sets it)."""
    latest = r.get("latest")
    if not latest or latest == r["period"]:
        return w.period(r["period"])
    return _("{period} ({latest}: no value)").format(period=w.period(r["period"]), latest=w.period(latest))


def against_top(rows: list[dict], top_name: str) -> str:
    """How the rows compare with the area's own top-level area, in words that claim no comparison the data
    does not make: with no value for it, or no interval to compare with, it says so instead of "0 better"."""
    sig = Counter(r["significance_top"] for r in rows)
    compared = sum(sig.get(k, 0) for k in ("better", "similar", "worse"))
    if not rows:
        return _("nothing to compare with {top}").format(top=top_name)
    if all(fmt.missing(r["top_value"]) for r in rows):
        return _("not compared with {top}, which has no published value for these indicators").format(top=top_name)
    if not compared:
        return _("not compared with {top}: none of these values has an interval to compare with").format(
            top=top_name)
    return _("significantly better than {top} on {better}, similar on {similar}, worse on {worse}; {left} not "
             "compared (no interval or no value)").format(
        top=top_name, better=w.whole(sig.get("better", 0)), similar=w.whole(sig.get("similar", 0)),
        worse=w.whole(sig.get("worse", 0)), left=w.whole(len(rows) - compared))


def ranked(r: dict) -> bool:
    """Whether an indicator ranks areas from worst to best: not a neutral one (applications received), nor a
    count summed over the area (employed residents), which grows with the area's size, not its performance."""
    return fmt.by_performance(r["polarity"], r.get("method"))


ordinal = w.ordinal


def parent_quarter(rank, n) -> int | None:
    """The quarter of the parent's areas a rank falls in, as the release's quartile within the level
    (docs/methodology.md): floor(4 × (rank − 1) / n) + 1, so tied areas share a quarter."""
    if fmt.missing(rank) or fmt.missing(n) or not n:
        return None
    return int(4 * (int(rank) - 1) // int(n)) + 1


def rank_in_parent(r: dict, parent_name: str | None) -> str:
    """"3rd of 12 in Region one, top quarter": the area's rank among the areas with the same parent (1 = best
    by the indicator's polarity; for one with no better direction, 1 = its first-ranked end, said so) and the
    quarter of them it falls in; "–" with no rank (a withheld or missing value)."""
    rank, n = r.get("rank_parent"), r.get("n_ranked_parent")
    if not parent_name or fmt.missing(rank) or fmt.missing(n):
        return "–"
    quarter = w.quarter(parent_quarter(rank, n), r["polarity"], r.get("method"))
    return _("{rank} of {n} in {parent}, {quarter}").format(rank=ordinal(int(rank)), n=w.whole(n), parent=parent_name,
                                                            quarter=quarter)


RANK_NOTE = N_("How ranks read: rank 1 is the best value by the indicator's direction, and the top quarter the "
               "best-ranked quarter of the areas compared (for an indicator with no better direction, the table "
               "says highest or lowest instead). Areas without a published value are not ranked.")


def spine_outputs(rows: list[dict], area: dict, top_name: str, parent_name: str | None, is_top: bool = False,
                  source: str | None = None):
    """The spine chart, its summary and the table; for the top level (the only area at its level, compared
    with nothing) the table alone, without comparisons with itself or with its level."""
    charted = [r for r in rows if ranked(r)]
    spine_rows = [{"label": r["title"], "area": r["value"], "top": r["top_value"], "vmin": r["vmin"], "q1": r["q1"],
                   "q3": r["q3"], "vmax": r["vmax"], "polarity": r["polarity"], "significance": r["significance_top"],
                   "hover": _("{indicator}: {value} (areas range {low} to {high}; {top} {top_value})").format(
                       indicator=r["title"], value=fmt.value(r["value"], int(r["decimals"]), r["unit"]),
                       low=fmt.number(r["vmin"], int(r["decimals"])), high=fmt.number(r["vmax"], int(r["decimals"])),
                       top=top_name, top_value=fmt.value(r["top_value"], int(r["decimals"]), r["unit"]))}
                  for r in charted]
    fig = None if is_top else figures.spine(spine_rows, source=source)
    left_out = len(rows) - len(charted)
    # {levels}: the level's plural (English); a translation names the level in the singular ({level})
    summary = (_("{area} compared with all {levels} on {indicators}, latest period of each: {against}.").format(
        area=area["name"], levels=fmt.level_name(area["level"], plural=True), level=w.level_name(area["level"]),
        indicators=w.indicators(len(charted)), against=against_top(charted, top_name))
               + (" " + ngettext("{n} indicator with no better or worse (neutral, or a count that grows with the "
                                 "area's size) is in the table, not on the chart.",
                                 "{n} indicators with no better or worse (neutral, or a count that grows with the "
                                 "area's size) are in the table, not on the chart.", left_out).format(
                   n=w.whole(left_out)) if left_out else ""))
    table_rows = []
    for r in rows:
        dec, unit = int(r["decimals"]), r["unit"]
        table_rows.append({
            "indicator": ui.Link(r["title"],
                                 f"/indicator/{r['indicator']}?level={area['level']}&areas={area['area_code']}"),
            "period": period_words(r),
            "value": w.with_status(r["value"], r["status"], dec, unit),
            "ci": w.interval(r["lower_ci"], r["upper_ci"], dec),
            "parent": (w.judged(fmt.value(r["parent_value"], dec, unit), r["significance_parent"])
                       if parent_name else "–"),
            "top": w.judged(fmt.value(r["top_value"], dec, unit), r["significance_top"]),
            "rank": w.rank(r["rank_level"], r["n_ranked_level"]),
            "rank_parent": rank_in_parent(r, parent_name),
            "quartile": w.quartile(r["quartile"], r["polarity"], r.get("method")),
            "range": w.span(fmt.number(r["vmin"], dec), fmt.number(r["vmax"], dec)),
            "note": notes.translated(r["note"]) if isinstance(r["note"], str) else "",
        })
    # a region's parent is the top level: one column for it, not the same column twice
    significance = _("{area} (significance)")
    parent_col = ([("parent", significance.format(area=parent_name or _("Parent")))]
                  if parent_name != top_name else [])
    cols = [("indicator", _("Indicator")), ("period", _("Period")), ("value", _("Value")),
            ("ci", _("95% interval")), *parent_col, ("top", significance.format(area=top_name)),
            *([("rank_parent", _("Rank in {area}").format(area=parent_name))] if parent_name else []),
            ("rank", _("Rank in level")), ("quartile", _("Quartile")), ("range", _("Range in level")),
            ("note", _("Note"))]
    if is_top:
        cols = [c for c in cols if c[0] in ("indicator", "period", "value", "ci", "note")]
    return fig, summary, ui.data_table(cols, table_rows, _("{area}: every indicator, latest period").format(
        area=area["name"]))


def peer_mean_text(values: list, decimals: int, unit: str) -> str:
    """The neighbours' mean in words, saying over how many of them it is taken: a withheld (or missing) value
    is left out of it, as from the release's peer_mean (peer_count says how many had one)."""
    k, have = len(values), [v for v in values if not fmt.missing(v)]
    if not have:
        return ngettext("its nearest neighbour has no published value",
                        "none of its {k} nearest neighbours has a published value", k).format(k=w.whole(k))
    mean = fmt.value(sum(have) / len(have), decimals, unit)
    if len(have) == k:
        return ngettext("its nearest neighbour: {mean}", "its {k} nearest neighbours average {mean}", k).format(
            k=w.whole(k), mean=mean)
    if len(have) == 1:
        return _("the 1 of its {k} nearest neighbours with a published value: {mean}").format(k=w.whole(k),
                                                                                               mean=mean)
    return _("the {n} of its {k} nearest neighbours with a published value average {mean}").format(
        n=w.whole(len(have)), k=w.whole(k), mean=mean)


def neighbour_outputs(release: Release, area: dict, indicator: str | None):
    """The area beside its nearest neighbours on one indicator (latest period), chart and table."""
    meta = w.indicator(data.indicator_meta(release, indicator))
    if meta is None:
        return {"data": [], "layout": {}}, _("Choose an indicator."), ui.no_data(_(NO_DATA))
    peers = data.neighbours(release, area["area_code"])
    codes = [area["area_code"], *peers]
    periods = data.periods(release, meta["id"])
    if not periods:
        return {"data": [], "layout": {}}, _("No data for this indicator."), ui.no_data(_(NO_DATA))
    own = [pt["period"] for pt in data.trend_points(release, meta["id"], area["area_code"])
           if not fmt.missing(pt["value"])]
    period = own[-1] if own else periods[-1]  # the area's latest value, as in its table above
    cells = data.values_at(release, meta["id"], codes, period)
    empty = dict.fromkeys(("value", "lower_ci", "upper_ci", "status", "rank_level", "n_ranked_level"))
    cells = [c or empty for c in cells]
    names = [data.area_name(release, c) or c for c in codes]
    unit, dec = meta["unit"], int(meta["decimals"])
    fig = figures.bars(names, [c["value"] for c in cells], [c["lower_ci"] for c in cells],
                       [c["upper_ci"] for c in cells], unit=unit, decimals=dec, highlight=0,
                       source=figures.release_source(release, [meta]))
    if not peers:
        summary = _("{area} has no statistical nearest neighbours in this release.").format(area=area["name"])
    else:
        own = cells[0]
        summary = _("{indicator} in {period}: {area} {value}; {neighbours}. {area} is the hatched bar.").format(
            indicator=meta["title"], period=w.period(period), area=area["name"],
            value=w.with_status(own["value"], own["status"], dec, unit),
            neighbours=peer_mean_text([c["value"] for c in cells[1:]], dec, unit))
    rows = [{"area": ui.Link(n, f"/area/{c}") if i else n,
             "role": _("this area") if i == 0 else _("neighbour {n}").format(n=i),
             "value": w.with_status(r["value"], r["status"], dec, unit),
             "ci": w.interval(r["lower_ci"], r["upper_ci"], dec),
             "rank": w.rank(r["rank_level"], r["n_ranked_level"])}
            for i, (c, n, r) in enumerate(zip(codes, names, cells, strict=True))]
    table = ui.data_table([("area", _("Area")), ("role", _("Role")), ("value", _("Value")),
                           ("ci", _("95% interval")), ("rank", _("Rank in level"))], rows,
                          _("{indicator}: {area} and its neighbours").format(indicator=meta["title"],
                                                                             area=area["name"]))
    return fig, summary, table


def profile_sections(release: Release, area: dict, indicator: str | None):
    meta = data.indicator_meta(release, indicator)
    nfig, nsum, ntable = neighbour_outputs(release, area, indicator)
    if meta is None:
        tfig, tsum, ttable = {"data": [], "layout": {}}, _("Choose an indicator."), ui.no_data(_(NO_DATA))
    else:
        tfig, tsum, ttable = trend_outputs(release, meta, [area["area_code"]])
    source = figures.release_source(release, [meta]) if meta is not None else None
    return [
        ui.chart(ids.AR_NEIGHBOURS, nfig, nsum, ntable, title=_("Statistical nearest neighbours"),
                 level=3, source=source),
        ui.chart(ids.AR_TREND, tfig, tsum, ttable, title=_("Trend"), level=3, source=source),
    ]


def compare_link(release: Release, area: dict):
    """A link to compare the area with all its statistical nearest neighbours (as many as compare takes);
    none for an area without neighbours (the country)."""
    peers = data.neighbours(release, area["area_code"])
    if not peers:
        return None
    parent = data.parents(release).get(area["area_code"])
    codes = [area["area_code"], *([parent] if parent else []), *[p for p in peers if p != parent]][:MAX_AREAS]
    n = len(codes) - 1 - bool(parent)
    if parent:
        words = ngettext("Compare {area} with {parent} and its {n} nearest neighbour",
                         "Compare {area} with {parent} and its {n} nearest neighbours", n)
    else:
        words = ngettext("Compare {area} with its {n} nearest neighbour",
                         "Compare {area} with its {n} nearest neighbours", n)
    text = words.format(area=area["name"], parent=data.area_name(release, parent) if parent else "", n=w.whole(n))
    return html.P(html.A(text, href="/compare?areas=" + ",".join(codes)), id="compare-link")


#: The formats the profile offers its data in: (API format, words of the link).
DOWNLOADS = ui.AREA_DOWNLOAD_FORMATS


def downloads(release: Release, area: dict):
    """Links to every value of the area (each indicator the API gives the reader: the public ones for the
    public, every period) as CSV and Excel, pinned to the page's release. Each link's words say what it
    downloads, so it makes sense read on its own (WCAG 2.4.4)."""
    name = area["name"]
    items = [html.Li(html.A(_("Download every indicator for {area}, all periods, as {format}").format(
                                area=name, format=label),
                            href=ui.data_url(release.id, fmt, area=area["area_code"])))
             for fmt, label in DOWNLOADS]
    return html.Section([
        html.H2(_("Data for this area")),
        html.Ul(items, className="data-links", **{"aria-label": _("Data for {area}").format(area=name)}),
        ui.pinned_note(release.id),
    ], id=ids.AR_DOWNLOADS)


def glance(rows: list[dict], top_name: str):
    """The "At a glance" cards: better and worse than the area's own top-level area only when some value was
    compared with it (never "Better than X: 0 indicators" when X has no value), and the best quarter."""
    judged = [r for r in rows if ranked(r)]  # neutral or a count: neither better nor worse, no best quarter
    sig = Counter(r["significance_top"] for r in judged)
    q = Counter(r["quartile"] for r in judged)
    if sum(sig.get(k, 0) for k in ("better", "similar", "worse")):
        against = [ui.summary_card(_("Better than {area}").format(area=top_name), w.indicators(sig.get("better", 0))),
                   ui.summary_card(_("Worse than {area}").format(area=top_name), w.indicators(sig.get("worse", 0)))]
    else:
        why = (against_top(judged, top_name) if judged else
               _("no indicator here has a better direction to compare with {area}").format(area=top_name))
        against = [ui.summary_card(_("Against {area}").format(area=top_name), _("Not compared"),
                                   [html.P(why[0].upper() + why[1:] + ".")])]
    return html.Section([
        html.H2(_("At a glance")),
        html.Div([*against, ui.summary_card(_("In the best quarter of its level"), w.indicators(q.get(1.0, 0)))],
                 className="cards")])


def empty_level(release: Release, area: dict) -> list:
    """What the profile of an area without values says: which levels have values, and its child areas as
    links (a state whose figures are published for its counties), instead of charts with nothing in them."""
    have = data.levels_with_values(release)
    kids = attention.children(release, area["area_code"])
    where = (ngettext("This release has values at the {levels} level.", "This release has values at the {levels} "
                      "levels.", len(have)).format(levels=w.word_list([w.level_name(x) for x in have]))
             if have else _("This release has no published values."))
    out = [ui.no_data(_("There are no published values for {area} itself ({level} level).").format(
        area=area["name"], level=w.level_name(area["level"])) + " " + where)]
    if not kids.empty:
        out += [html.H2(_("Areas in {area}").format(area=area["name"])),
                html.Ul([html.Li(html.A(f"{r.name} ({w.level_name(r.level)})", href=f"/area/{r.area_code}"))
                         for r in kids.itertuples()], className="child-areas", id="child-areas")]
    return out


@guarded
def layout(area_code: str | None = None, indicator: str | None = None, **_kwargs):
    rel = context.release()
    area_code = path_value(area_code)
    area = data.area_row(rel, area_code)
    if area is None:
        return ui.not_available(_("There is no area with the code {code}.").format(code=repr(area_code)),
                                _("Area not found"))
    order = data.indicators_in_order(rel)
    asked, indicator = indicator, indicator if indicator in rel.indicator_ids else (order[0] if order else None)
    top = data.root_area(rel, area["area_code"])
    top_name = data.area_name(rel, top) or top
    parent = data.parents(rel).get(area["area_code"])
    parent_name = data.area_name(rel, parent) if parent else None
    rows = profile_rows(rel, area)
    chain = data.ancestors(rel, area["area_code"])  # the real parents, root first, whatever their levels
    crumbs = [part for i, code in enumerate(chain)
              for part in ([" › "] if i else []) + [html.A(data.area_label(rel, code) or code, href=f"/area/{code}")]]
    is_top = parent is None
    broken = breakdowns.profile_section(rel, area)
    if not any(not fmt.missing(r["value"]) for r in rows):  # rows, if any, only say why there is no value
        rows = []
        body = (empty_level(rel, area) if broken is None else  # published by breakdown only (Statistics Canada)
                [html.P(_("{area} has no total values in this release: its indicators are published by "
                          "breakdown only (below).").format(area=area["name"]), id="breakdown-only")])
    elif is_top:  # a root: nothing above it to compare it with
        table = spine_outputs(rows, area, top_name, parent_name, is_top=True)[2]
        body = [html.H2(_("Every indicator, latest period")),
                html.P(_("{area} is a top-level area: its areas are compared with it on their own profiles.").format(
                    area=area["name"])),
                table]
    else:
        source = figures.release_source(rel, [data.indicator_meta(rel, r["indicator"]) or {} for r in rows if ranked(r)])
        fig, summary, table = spine_outputs(rows, area, top_name, parent_name, source=source)
        body = [ui.chart("area-spine", fig, summary, table, title=_("All indicators against the range of the level"),
                         source=source),
                html.P(_(RANK_NOTE), className="hint", id="rank-note")]
    cards = glance(rows, top_name) if rows and not is_top else []
    return html.Div([
        release_store(rel), sync_target(SYNC), dcc.Store(id=AREA, data=area["area_code"]),
        html.Nav(crumbs, className="breadcrumbs", **{"aria-label": _("Parent areas")}) if crumbs else None,
        html.H1(data.area_label(rel, area["area_code"])),
        html.P(f"{w.level_label(area['level'])} · " + _("code {code}").format(code=area["area_code"])
               + (" · " + _("part of {area}").format(area=parent_name) if parent_name else ""), className="lead"),
        compare_link(rel, area),
        cards, *body,
        broken,
        downloads(rel, area) if rows or broken else None,
        None if not rows else html.Section([
            html.H2(_("One indicator in detail")),
            ui.no_data(_("There is no indicator called {asked}; showing {indicator}.").format(
                asked=repr(asked), indicator=w.title(rel, indicator) if indicator else _("none")))
            if asked and asked != indicator else None,
            ui.labelled(_("Indicator"), ids.AR_INDICATOR,
                        dcc.Dropdown(id=ids.AR_INDICATOR, options=w.indicator_options(rel), value=indicator,
                                     clearable=False, labels=w.dropdown_labels())),
            html.Div(profile_sections(rel, area, indicator), id="area-detail"),
        ]),
    ])


def register(app) -> None:
    @app.callback(Output("area-detail", "children"), Input(ids.AR_INDICATOR, "value"),
                  State(AREA, "data"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _detail(indicator, code, rid):
        rel = context.release(rid)
        area = data.area_row(rel, code)
        if area is None:
            return no_update
        return ui.plain(profile_sections(rel, area, indicator))

    url_sync(app, SYNC, {"indicator": (ids.AR_INDICATOR, "value")})
    breakdowns.register(app)


def skeleton() -> list:
    """The components :func:`register`'s callbacks name, without data (the app's validation layout)."""
    return [*shared_skeleton(SYNC), dcc.Store(id=AREA), dcc.Dropdown(id=ids.AR_INDICATOR), html.Div(id="area-detail")]
