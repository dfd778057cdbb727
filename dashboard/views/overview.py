"""Overview ``/?area=&theme=`` for managers: every indicator's latest value, target and RAG status, change,
trend and freshness for one area, and what got significantly worse."""

from __future__ import annotations

import logging
from typing import NamedTuple

import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from core import catalogue, statuses
from dashboard import context, data, language
from dashboard.components import fmt, ids, notes, performance, ui
from dashboard.i18n import N_
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views import attention, info, titles
from dashboard.views.common import (
    guarded,
    in_language,
    level_words,
    page_title,
    period_words,
    release_store,
    semicolons,
    shared_skeleton,
    significance,
    status_word,
    sync_target,
    theme_name,
    url_sync,
    with_status,
)

log = logging.getLogger(__name__)

SYNC = f"{ids.URL_SYNC}-overview"
ALL = "all"


def overview_rows(release: Release, area: str, theme: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latest row per indicator (with metadata) and the whole series, for one area and theme."""
    rows = data.area_values(release, area)
    meta = release.indicators.rename(columns={"id": "indicator", "target": "target_meta"})
    if theme and theme != ALL:
        meta = meta[meta["theme"] == theme]
    rows = rows[rows["indicator"].isin(meta["indicator"])]
    latest = data.latest(rows).merge(meta[["indicator", "title", "unit", "decimals", "theme", "frequency"]],
                                     on="indicator")
    # the indicator's latest period in the release: a card whose area has no value for it says so
    latest["indicator_latest"] = [data.latest_period(release, i) for i in latest["indicator"]]
    # off track first, then needs acceleration, on track, no status (components.performance.ORDER)
    latest["_order"] = [performance.order(r.rag, r.progress_status, not fmt.missing(r.target))
                        for r in latest.itertuples()]
    latest = latest.sort_values(["_order", "theme", "title"]).drop(columns="_order")
    return latest.reset_index(drop=True), rows


#: What a card without a target says of its status; the rule itself is said once, in the page's key.
NO_TARGET_WORDS = N_("No target: the status is judged on its yearly trend.")

#: The meaning of each status in the page's key (components.performance's ``meaning``), marked here for the
#: catalogue: the key shows them in the reader's language.
MEANINGS = (
    N_("The value is worse now than in the base period: it moved away from the target (or, without a target, "
       "the wrong way)."),
    N_("Improving, but at less than 60% of the pace the target needs (without a target: under 0.5% a year)."),
    N_("Improving at 60% to 95% of the pace the target needs (without a target: 0.5% to 1.5% a year)."),
    N_("Improving at 95% or more of the pace the target needs (without a target: 1.5% a year or more)."),
    N_("The target is already reached."),
    N_("There is nothing to judge: no value this period, or neither direction is better."),
    N_("No target and no direction of improvement to judge a trend by."),
)

#: Whether the figures are recent enough (info.FRESHNESS_TEXT's words, inside a sentence).
FRESHNESS = {"fresh": N_("up to date"), "due": N_("due for refresh"), "stale": N_("overdue")}


def frequency(word) -> str:
    """An indicator's frequency in the reader's language (as the config writes it when it is not a known one)."""
    return _(info.FREQUENCIES[word]) if word in info.FREQUENCIES else str(word)


class Freshness(NamedTuple):
    """What the run catalogue says of the figures: per indicator (refreshed, state) and the latest run."""
    indicators: dict
    last_run: pd.Series | None


def freshness(release: Release) -> Freshness | None:
    """When each indicator was last refreshed and whether that is recent enough (the rule of /status), and
    the latest pipeline run; None when the run catalogue cannot be read (the page still shows the figures)."""
    cfg = context.config()
    try:
        engine = catalogue.connect(cfg.catalogue)
        fresh = info.indicator_freshness(release, engine, stale_after=cfg.scheduler.stale_after)
        runs = catalogue.recent_runs(engine, 1)
    except SQLAlchemyError as exc:
        log.warning("page=overview catalogue_error=%s", exc)
        return None
    return Freshness({r.indicator: (r.refreshed, r.state, r.next_due) for r in fresh.itertuples()},
                     runs.iloc[0] if len(runs) else None)


def fresh_words(r, fresh: Freshness | None) -> str:
    """'Latest period 2024 (annual). Refreshed 29 November 2026: up to date.'; for an area whose latest
    value is older than the indicator's latest period: 'Value for 2020; the latest period, 2021, has none
    for this area (annual).'"""
    own = getattr(r, "indicator_latest", None)
    often = frequency(r.frequency)
    words = (_("Latest period {period} ({frequency}).").format(period=period_words(r.period), frequency=often)
             if not isinstance(own, str) or own == r.period
             else _("Value for {period}; the latest period, {latest}, has no published value for this area "
                    "({frequency}).").format(period=period_words(r.period), latest=period_words(own),
                                             frequency=often))
    if fresh is None or r.indicator not in fresh.indicators:
        return words
    at, state, *due = fresh.indicators[r.indicator]
    state_words = _(FRESHNESS[state]) if state in FRESHNESS else info.FRESHNESS_TEXT[state].lower()
    if at is None or pd.isna(at):
        when = _("Never refreshed by a recorded run: {state}.").format(state=state_words)
    else:
        when = _("Refreshed {date}: {state}.").format(date=fmt.date_words(at), state=state_words)
    return f"{words} {when}{next_words(state, due)}"


def next_words(state: str, due: list) -> str:
    """' The next period is due by 1 January 2027.' (or 'was due'), from core.freshness; nothing without a date."""
    when = due[0] if due else None
    if when is None or pd.isna(when):
        return ""
    if state == "fresh":
        return " " + _("The next period is due by {date}.").format(date=fmt.date_words(when))
    return " " + _("The next period was due by {date}.").format(date=fmt.date_words(when))


def failed_run_notice(release: Release, fresh: Freshness | None):
    """The overview says when the latest pipeline run failed: the figures were not refreshed."""
    run = None if fresh is None else fresh.last_run
    if run is None or run.status != "failed":
        return None
    run_words = (_("run {run}, {job}").format(run=run.id, job=run.job) if pd.isna(run.started_at) else
                 _("run {run}, {job}, started {time} UTC").format(run=run.id, job=run.job,
                                                                   time=str(run.started_at)[:16]))
    return html.P([html.Strong(_("The last data refresh failed")), f" ({run_words}). ",
                   _("The figures below are still those of release {release}.").format(release=release.id), " ",
                   html.A(_("Data status"), href="/status"), " ", _("says why and when the next run is.")],
                  className="warning last-run-failed", id="overview-last-run")


class Shared(NamedTuple):
    """What every card of the page has in common, said once above them rather than on each card: the
    values' status word ('provisional') and the freshness sentence; None where the cards differ. ``note``: the
    coverage note ('Computed from the 283 of 286 local areas that reported.') most cards share, said once above
    them with the cards it is not true of named, and kept on those that differ."""
    status: str | None
    fresh: str | None
    note: str | None = None
    note_on: tuple = ()


def shared(latest: pd.DataFrame, fresh: Freshness | None) -> Shared:
    states = set(latest["status"].fillna("ok"))
    word = next(iter(states)) if len(states) == 1 and len(latest) > 1 else None
    said = {fresh_words(r, fresh) for r in latest.itertuples()}
    written = latest["note"].where(latest["note"].map(lambda n: isinstance(n, str) and bool(n)))
    counts = written.value_counts()
    note = counts.index[0] if len(counts) and counts.iloc[0] >= 2 else None
    return Shared(word if word not in ("ok", *fmt.NO_VALUE) else None,
                  next(iter(said)) if len(said) == 1 and len(latest) > 1 else None,
                  note, tuple(latest.loc[written == note, "indicator"]) if note else ())


def shared_note_words(latest: pd.DataFrame, common: Shared) -> str | None:
    """'Computed from ... that reported, for every indicator but Employed residents; Employment rate, ages
    20-64.': the note most cards share, once (names joined by semicolons: a name may hold a comma)."""
    if common.note is None:
        return None
    others = [in_language({"id": r.indicator, "title": r.title})["title"]
              for r in latest.loc[~latest["indicator"].isin(common.note_on)].itertuples()]
    said = notes.translated(common.note).rstrip(". ")
    if not others:
        return _("{note}, for every indicator.").format(note=said)
    if len(others) <= 3:
        return _("{note}, for every indicator but {others}.").format(note=said, others=semicolons(others))
    return ngettext("{note}, for {n} of the {total} indicator.", "{note}, for {n} of the {total} indicators.",
                    len(latest)).format(note=said, n=fmt.number(len(common.note_on), 0),
                                        total=fmt.number(len(latest), 0))


def shared_status_words(word: str | None) -> str | None:
    """'Every figure below is provisional and may be revised.': the status every value has, said once."""
    if word is None:
        return None
    known = statuses.BY_WORD.get(word)
    message = known.message if known is not None else None
    if message and message.startswith("This figure is "):
        said = "Every figure below is " + message.removeprefix("This figure is ")
        if said in EVERY_FIGURE:
            return _(said)
        if language.current() == "en":
            return said
    return _("Every figure below is {status}.").format(status=status_word(word))


#: The status every value has, said once above the cards (core.statuses's messages, for every figure).
EVERY_FIGURE = {N_("Every figure below is provisional and may be revised."),
                N_("Every figure below is an estimate by the publisher.")}


def change_words(r) -> str:
    """'Change since 2023: +1.0 pts, better': the change of the last period, labelled as such so that it is
    not read as the status (which judges the whole period since the base)."""
    if not isinstance(r.previous_period, str):
        return _("No earlier period.")
    sig = r.change_significance if r.change_significance not in (None, "not compared") else None
    change = fmt.change(r.change, int(r.decimals), unit_of(r), getattr(r, "method", None))
    if isinstance(sig, str):
        return _("Change since {period}: {change}, {significance}").format(
            period=period_words(r.previous_period), change=change, significance=significance(sig))
    return _("Change since {period}: {change}").format(period=period_words(r.previous_period), change=change)


def unit_of(r) -> str:
    """A row's unit in the reader's language (the config's translations)."""
    return in_language({"id": r.indicator, "unit": r.unit})["unit"]


def card(r, series: pd.DataFrame, area: str, fresh: Freshness | None = None, common: Shared | None = None):
    common = common or Shared(None, None)
    dec, unit = int(r.decimals), unit_of(r)
    s = series[series["indicator"] == r.indicator].sort_values("period")
    spark = ui.sparkline(s["value"].tolist())
    first = s.dropna(subset=["value"])
    trend_words = (_("Trend {start} to {end}: {first} to {last}.").format(
        start=period_words(first["period"].iloc[0]), end=period_words(first["period"].iloc[-1]),
        first=fmt.value(first["value"].iloc[0], dec, unit), last=fmt.value(first["value"].iloc[-1], dec, unit))
        if len(first) >= 2 else _("Not enough values for a trend."))
    has_target = not fmt.missing(r.target)
    if has_target:
        target = _("Target {target} by {period}.").format(target=fmt.value(r.target, dec, unit),
                                                          period=period_words(r.target_period))
    elif isinstance(r.progress_status, str):
        target = _(NO_TARGET_WORDS)
    else:
        target = None
    own = getattr(r, "indicator_latest", None)
    shown = (fmt.value(r.value, dec, unit) if common.status is not None and r.status == common.status
             else with_status(r.value, r.status, dec, unit))
    said = common.fresh is None
    own_note = None if r.indicator in common.note_on else notes.translated(r.note)
    note = (ui.status_message(r.status, own_note) if common.status is None
            else html.P(own_note, className="status-message") if isinstance(own_note, str) and own_note else None)
    return ui.summary_card(
        language.indicator_text(r.indicator, "title", r.title),
        shown if not isinstance(own, str) or own == r.period else _("{value} in {period}").format(
            value=shown, period=period_words(r.period)),
        href=f"/indicator/{r.indicator}?areas={area}",
        badge=html.P([html.Span(_("Status:") + " ", className="card-label"),
                      ui.rag_badge(r.rag, r.progress_status, has_target=has_target)], className="card-status"),
        children=[
            html.P(target, className="card-target") if target else None,
            html.P(change_words(r), className="card-change"),
            html.P([html.Span(spark, className="spark", **{"aria-hidden": "true"}), " " if spark else "",
                    html.Span(trend_words, className="visually-hidden" if spark else "")]),
            html.P(fresh_words(r, fresh), className="fresh") if said else None,
            note,
        ], status=performance.status(r.rag, r.progress_status, has_target).key)


def key():
    """How the status is judged, said once for the page: each status word with its shape, colour and
    meaning, with and without a target (components.performance)."""
    rows = [html.Li([ui.rag_badge(s.rag, s.key, has_target=s.key == "no_status"), ". ", _(s.meaning)])
            for s in performance.STATUSES.values()]
    return html.Details([
        html.Summary(_("How the status is judged")),
        html.P(_("Each indicator's growth a year since its base period is set against the pace its target needs "
                 "or, without a target, against its own trend in the better direction:")),
        html.Ul(rows, className="status-key"),
        html.P(_("The change since the previous period is shown apart from the status: a value can be better "
                 "than last year and still off track over the whole period.")),
    ], className="status-rule", id="status-rule")


def profile_link(area: str, name: str):
    """The way from the overview to the area's own profile (every indicator against its level, neighbours)."""
    return html.P(html.A(_("Full profile of {name}").format(name=name), href=f"/area/{area}"),
                  className="profile-link")


def status_summary(latest: pd.DataFrame, worse: int | None = None) -> str:
    """The statuses in the words of the cards (components.performance), claiming none the rows do not have:
    with no status at all it says so rather than counting zeros. With ``worse``, also what got worse."""
    rated = int(latest["rag"].notna().sum())
    targets = int(latest["target"].notna().sum())
    if not rated:
        words = _("None has a status:") + " " + (ngettext(
            "{n} has a target, without a status yet.", "{n} have a target, without a status yet.", targets).format(
                n=fmt.number(targets, 0)) if targets else _("none has a target or a trend to judge."))
    else:
        rag = latest["rag"].value_counts()
        words = _("{red} off track, {amber} needs acceleration, {green} on track, {none} with no status.").format(
            **{k: fmt.number(int(rag.get(k, 0)), 0) for k in ("red", "amber", "green")},
            none=fmt.number(len(latest) - rated, 0))
    return words if worse is None else f"{words} {worse_summary(latest, worse)}"


def worse_summary(latest: pd.DataFrame, worse: int) -> str:
    """How many got significantly worse since the previous period, of those whose change could be tested."""
    compared = int(latest["change_significance"].isin(["better", "similar", "worse"]).sum())
    if not compared:
        return _("No change since the previous period could be tested for significance.")
    if not worse:
        return ngettext("None got significantly worse since the previous period (of {compared} whose change could "
                        "be tested).", "None got significantly worse since the previous period (of {compared} whose "
                        "change could be tested).", compared).format(compared=fmt.number(compared, 0))
    return ngettext("{n} got significantly worse since the previous period (of {compared} whose change could be "
                    "tested).", "{n} got significantly worse since the previous period (of {compared} whose change "
                    "could be tested).", worse).format(n=fmt.number(worse, 0), compared=fmt.number(compared, 0))


def content(release: Release, area: str, theme: str | None, fresh: Freshness | None = None):
    latest, series = overview_rows(release, area, theme)
    name = data.area_name(release, area) or area
    if latest.empty:
        return [ui.no_data(_("There are no published values for {name} in this theme.").format(name=name)),
                profile_link(area, name)]
    worse = latest[latest["change_significance"] == "worse"]
    summary = ngettext("{name}: {n} indicator: {statuses}", "{name}: {n} indicators: {statuses}", len(latest)).format(
        name=name, n=fmt.number(len(latest), 0), statuses=status_summary(latest))
    worse_list = (html.Ul([html.Li([html.A(language.indicator_text(r.indicator, "title", r.title),
                                           href=f"/indicator/{r.indicator}?areas={area}"),
                                    ": " + _("{before} in {previous} to {now} in {period}").format(
                                        before=fmt.value(r.previous_value, int(r.decimals), unit_of(r)),
                                        previous=period_words(r.previous_period),
                                        period=period_words(r.period),
                                        now=fmt.value(r.value, int(r.decimals), unit_of(r)))])
                           for r in worse.itertuples()])
                  if len(worse) else None)
    notice = failed_run_notice(release, fresh)
    common = shared(latest, fresh)
    once = [shared_status_words(common.status),
            _("For every indicator: {words}").format(words=common.fresh) if common.fresh else None,
            shared_note_words(latest, common)]
    return [notice] * (notice is not None) + [
        html.P(summary, className="lead", id="overview-summary"),
        attention.section(release, area, name, latest),
        profile_link(area, name),
        html.Section([html.H2(_("Got significantly worse")), html.P(worse_summary(latest, len(worse))), worse_list],
                     className="worse"),
        html.H2(_("Every indicator")),
        html.P(" ".join(w for w in [_("Off track first."), *once] if w), className="fresh", id="overview-shared"),
        key(),
        html.Div([card(r, series, area, fresh, common) for r in latest.itertuples()], className="cards"),
    ]


@guarded
def layout(area: str | None = None, theme: str | None = None, **_kwargs):
    rel = context.release()
    unknown = area if area and not data.area_name(rel, area) else None  # the app answers 404 for it
    roots = data.roots(rel)
    if not area and len(roots) > 1:  # several countries and none named: no country is the reader's own
        return _choose(rel, roots, theme)
    area = area if data.area_name(rel, area or "") else data.top_area(rel)
    theme = theme if theme in data.themes(rel) else ALL
    created = rel.manifest.get("created", "")
    return html.Div([
        release_store(rel), sync_target(SYNC), page_title(titles.named(data.area_name(rel, area), "Overview")),
        html.H1(_("Performance overview")),
        ui.no_data(_("There is no area with the code {code}; showing {name}.").format(
            code=repr(unknown), name=data.area_name(rel, area))) if unknown else None,
        release_line(rel.id, created),
        controls(rel, area, theme),
        html.Div(content(rel, area, theme, freshness(rel)), id=ids.OV_CONTENT, **{"aria-live": "polite"}),
    ])


def release_line(rid: str, created: str):
    """'Data released 7 December 2026', with the release's id and time behind a disclosure."""
    when = fmt.date_words(created)
    return html.Details([
        html.Summary(_("Data released {date}").format(date=when) if when else _("Release details")),
        html.P([_("Release {release}, published {time}.").format(release=rid, time=created), " ",
                _("Each card shows the area's latest value of the indicator, with its period when the indicator "
                  "has a later one."), " ",
                html.A(_("Data status"), href="/status")]),
    ], className="fresh release-line", id="overview-release")


def _choose(rel: Release, roots: list[str], theme: str | None):
    """The overview of a geography with several roots (the countries of NUTS) when the address names no area:
    which one is the reader's is not ours to guess, so the page asks, and lists them."""
    theme = theme if theme in data.themes(rel) else ALL
    names = {c: data.area_name(rel, c) or c for c in roots}
    return html.Div([
        release_store(rel), sync_target(SYNC), page_title(_("Performance overview")),
        html.H1(_("Performance overview")),
        controls(rel, None, theme),
        html.Div([
            html.P(ngettext("This release covers {n} top-level area ({level}), none of them above the others: "
                            "choose an area above, or one of them here.",
                            "This release covers {n} top-level areas ({level}), none of them above the others: "
                            "choose an area above, or one of them here.", len(roots)).format(
                                n=fmt.number(len(roots), 0), level=level_words(rel.levels[0])),
                   className="lead", id="overview-summary"),
            html.Ul([html.Li(html.A(names[c], href=f"/?area={c}")) for c in sorted(roots, key=names.get)],
                    className="columns"),
        ], id=ids.OV_CONTENT, **{"aria-live": "polite"}),
    ])


def controls(rel: Release, area: str | None, theme: str):
    """The area and theme choices (no area chosen: the page asks for one)."""
    asked = {} if area else {"placeholder": _("Choose an area")}
    return html.Form([
        ui.labelled(_("Area"), ids.OV_AREA, dcc.Dropdown(id=ids.OV_AREA, options=data.area_options(rel), value=area,
                                                         clearable=False, **asked)),
        ui.labelled(_("Theme"), ids.OV_THEME, dcc.Dropdown(
            id=ids.OV_THEME, options=[{"label": _("All themes"), "value": ALL}]
            + [{"label": theme_name(t).capitalize() if theme_name(t) == t else theme_name(t), "value": t}
               for t in data.themes(rel)], value=theme, clearable=False)),
    ], className="controls", role="search", **{"aria-label": _("Choose an area and theme")})


def register(app) -> None:
    @app.callback(Output(ids.OV_CONTENT, "children"), Output(ids.PAGE_TITLE, "data"), Input(ids.OV_AREA, "value"),
                  Input(ids.OV_THEME, "value"), State(ids.RELEASE, "data"), prevent_initial_call=True)
    def _content(area, theme, rid):
        rel = context.release(rid)
        name = data.area_name(rel, area or "")
        if not name:
            return no_update, no_update
        return content(rel, area, theme, freshness(rel)), titles.named(name, "Overview")  # the address changed, not the page

    url_sync(app, SYNC, {"area": (ids.OV_AREA, "value"), "theme": (ids.OV_THEME, "value")})


def skeleton() -> list:
    """The components :func:`register`'s callbacks name, without data (the app's validation layout)."""
    return [*shared_skeleton(SYNC, titled=True), dcc.Dropdown(id=ids.OV_AREA), dcc.Dropdown(id=ids.OV_THEME),
            html.Div(id=ids.OV_CONTENT)]
