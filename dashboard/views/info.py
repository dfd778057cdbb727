"""Text pages: methodology of one indicator, status of the data (the accessibility statement: statement.py)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

import pandas as pd
from dash import html
from sqlalchemy.exc import SQLAlchemyError

from core import catalogue, i18n, quality_report
from core.freshness import classify, classify_data, worse
from core.schedules import make_trigger, next_run_times
from dashboard import context, data, language
from dashboard.api import language as texts
from dashboard.components import fmt, performance, site, ui
from dashboard.i18n import N_
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views import quality
from dashboard.views.common import guarded, path_value

log = logging.getLogger(__name__)


def _dl(pairs):
    items = []
    for term, value in pairs:
        if value in (None, "") or (isinstance(value, float) and pd.isna(value)):
            continue
        items += [html.Dt(term), html.Dd(value)]
    return html.Dl(items, className="meta")


def sources_list(text: str | None):
    try:
        sources = json.loads(fmt.text(text) or "[]")
    except ValueError:
        sources = []
    if not sources:
        return None
    # a source's title and publisher are the config's words, in the reader's language when the config
    # translates them (sources[].translations), else in the default language and marked so (WCAG 3.1.2)
    items = []
    for s in sources:
        s, fell_back = language.source_words(s)
        lang = {"lang": language.default()} if fell_back else {}
        items.append(html.Li([html.A(s.get("title") or s.get("id"), href=s["url"]) if s.get("url")
                              else (s.get("title") or s.get("id")),
                              f" ({s['publisher']})" if s.get("publisher") else ""], **lang))
    return html.Ul(items)


INTERVALS = {"wilson": N_("Wilson score interval for a proportion"),
             "poisson": N_("exact Poisson interval for a count or rate (Byar's approximation for large counts)"),
             "none": N_("none: the value is not an estimate from a sample or a count of events")}
APPLIED_TO = {"numerator": N_("the numerator"), "denominator": N_("the denominator"),
              "both": N_("the numerator or the denominator")}
#: The release's words for the indicator's kind, frequency, direction and aggregation (indicators.methods),
#: as the methodology page says them.
KINDS = {"outcome": N_("outcome"), "impact": N_("impact"), "output": N_("output")}
FREQUENCIES = {"annual": N_("annual"), "quarterly": N_("quarterly"), "monthly": N_("monthly")}
BETTER_WHEN = {"higher_is_better": N_("higher"), "lower_is_better": N_("lower")}
AGGREGATIONS = {
    "sum of children": N_("sum of children"),
    "sum (or ratio of sums) at each level / the same in the base period x 100":
        N_("sum (or ratio of sums) at each level / the same in the base period x 100"),
    "as published at each level, not re-derived": N_("as published at each level, not re-derived"),
    "sum of numerators / sum of denominators x multiplier": N_("sum of numerators / sum of denominators x multiplier"),
}
#: components.performance.rule's sentences, marked here so that the methodology page can say them translated.
PROGRESS_RULES = (
    N_("No status: neither direction is better."),
    N_("The growth a year since the base period is set against the growth a year needed to reach the target: "
       "On track (green) at 95% of it or more, or once the target is achieved; Needs acceleration (amber) from "
       "60%; Off track (red) below 60% (little progress) or when the value is worse than at the start."),
    N_("No target: the growth a year since the first period, in the better direction: On track (green) at 1.5% "
       "a year or more; Needs acceleration (amber) from 0.5%; Off track (red) below 0.5% (little progress) or "
       "when the value is worse than at the start."),
)


def word(words: dict[str, str], key) -> str | None:
    """A release's code (``annual``) in the reader's words; an unknown one as it is."""
    if key is None or (not isinstance(key, str) and pd.isna(key)):
        return None
    return _(words[key]) if key in words else str(key)


def interval_text(method) -> str | None:
    return word(INTERVALS, method)


def disclosure_text(rule) -> str | None:
    """The release's disclosure rule (JSON, as configured) in words."""
    if rule is None or (not isinstance(rule, str | dict) and pd.isna(rule)):
        return None
    try:
        r = json.loads(rule) if isinstance(rule, str) else rule
        threshold, zero, on = int(r["threshold"]), bool(r.get("suppress_zero")), r.get("apply_to", "numerator")
    except (ValueError, KeyError, TypeError):
        return str(rule)
    rule = (_("Values are withheld where {applied_to} is under {threshold} (including zero); further values "
              "are withheld where needed so that a withheld one cannot be worked out from its parent and the other "
              "areas.") if zero else
            _("Values are withheld where {applied_to} is under {threshold} (a zero is published); further values "
              "are withheld where needed so that a withheld one cannot be worked out from its parent and the other "
              "areas."))
    return rule.format(applied_to=word(APPLIED_TO, on), threshold=fmt.number(threshold, 0))


def formula(meta: dict) -> str | None:
    """'numerator / denominator × multiplier' for a ratio; the measure alone for a sum, count or published
    value (no denominator: the release holds NaN there, which must not read as a denominator 'nan')."""
    num, den = fmt.text(meta.get("numerator")), fmt.text(meta.get("denominator"))
    if den is None:
        return num
    mult = meta.get("multiplier")
    return f"{num} / {den} × {1 if fmt.missing(mult) else mult:g}"


@guarded
def progress_rule(polarity: str | None, has_target: bool) -> str:
    """How the overview's status is judged (docs/methodology.md, 'Progress towards a target and RAG status'),
    in the words of the one status vocabulary (components.performance)."""
    return _(performance.rule(polarity, has_target))


def _share(v) -> str:
    """A share (0.75) as a percentage in the reader's language: ``75%``, ``75 %``."""
    lang = language.current()
    return f"{v:.0%}" if lang == "en" else i18n.percent(float(v), lang, 0)


def _own(field: str, meta: dict):
    """An indicator's text (title, description...) in the reader's language (a <span lang> when untranslated)."""
    text = fmt.text(meta.get(field))
    return language.indicator_text(meta["id"], field, text) if text else None


def _theme(theme) -> str | html.Span | None:
    if fmt.text(theme) is None:
        return None
    cfg, lang = context.config(), language.current()
    name, fell_back = texts.theme_label(cfg, theme, lang)
    return html.Span(name, lang=cfg.languages.default) if fell_back else name


def methodology(indicator_id: str | None = None, **_kwargs):
    rel = context.release()
    indicator_id = path_value(indicator_id)
    meta = data.indicator_meta(rel, indicator_id)
    if meta is None:
        return ui.not_available(_("There is no published indicator called {id}.").format(id=repr(indicator_id)),
                                _("Indicator not found"))
    target = (_("{value} by {period}").format(value=fmt.value(meta["target"], int(meta["decimals"]), meta["unit"]),
                                              period=meta["target_period"])
              if not pd.isna(meta.get("target")) else None)
    return html.Article([
        html.H1(ui.sentence(_("Methodology: {title}"), title=_own("title", meta))),
        html.P(_own("description", meta), className="lead"),
        html.H2(_("Definition")),
        _dl([(_("Unit"), _own("unit", meta)), (_("Theme"), _theme(meta["theme"])),
             (_("Kind"), word(KINDS, meta["kind"])),
             (_("Better when"), _(BETTER_WHEN.get(meta["polarity"], N_("neither (no direction)")))),
             (_("Update frequency"), word(FREQUENCIES, meta["frequency"])), (_("Target"), target),
             (_("Progress and status"), progress_rule(meta["polarity"], target is not None))]),
        html.H2(_("How it is computed")),
        html.P(_own("methodology", meta) or _("No method statement given.")),
        _dl([(_("Formula"), formula(meta)),
             (_("At higher levels"), word(AGGREGATIONS, meta["aggregation"])),
             (_("95% interval"), interval_text(meta["interval"])),
             (_("Minimum coverage"), _share(meta["min_coverage"]) if not pd.isna(meta.get("min_coverage")) else None),
             (_("Disclosure control"), disclosure_text(meta.get("disclosure")))]),
        html.H2(_("Sources")),
        sources_list(meta.get("sources")) or html.P(_("No sources listed.")),
        html.H2(_("Licence and attribution")),
        _dl([(_("Licence"), meta["licence"]), (_("Attribution"), site.publication_text("attribution",
                                                                                      meta["attribution"])),
             (_("Cite as"), site.publication_text("citation", rel.manifest.get("citation")).replace(
                 "{release_id}", rel.id))]),
        html.H2(_("Caveats")),
        html.P(_own("caveats", meta) or _("None recorded.")),
        html.H2(_("Data")),
        ui.data_links(meta["id"], release=rel.id),
        html.P(html.A(_("Explore this indicator"), href=f"/indicator/{meta['id']}")),
    ])


#: core.freshness states in words (the badge never relies on colour)
FRESHNESS_TEXT = {"fresh": N_("Up to date"), "due": N_("Due for refresh"), "stale": N_("Overdue")}
#: How many indicators are in each state, in the summary above the table.
FRESHNESS_COUNT = {"fresh": N_("{n} up to date"), "due": N_("{n} due for refresh"), "stale": N_("{n} overdue")}
#: What a run's status says (core.catalogue: running, succeeded, failed).
RUN_STATUS = {"running": N_("running"), "succeeded": N_("succeeded"), "failed": N_("failed")}


FRESHNESS_COLUMNS = ["indicator", "title", "frequency", "latest", "refreshed", "run_state", "next_due",
                     "data_state", "state"]


def indicator_freshness(release: Release, engine, *, stale_after: float = 1.5,
                        now: datetime | None = None) -> pd.DataFrame:
    """Per public indicator: latest period in the release and when the next one is due, when a run last
    refreshed it, and whether each is recent enough for its update frequency (core.freshness: fresh, due,
    stale); ``state`` is the worse of the two."""
    now = now or catalogue.now()
    last = catalogue.last_refreshed(engine)
    rows = []
    for r in release.indicators.itertuples():
        at = last.get(r.id)
        latest = data.latest_period(release, r.id)
        data_state, due = classify_data(latest, r.frequency, now, stale_after)
        run_state = classify(r.frequency, at, now, stale_after)
        rows.append({"indicator": r.id, "title": r.title, "frequency": r.frequency, "latest": latest or "–",
                     "refreshed": at, "run_state": run_state, "next_due": due, "data_state": data_state,
                     "state": worse(run_state, data_state)})
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS)


def freshness_cell(r) -> str:
    """'Overdue (data)': the state, and which side made it so (the last refresh, the data's period)."""
    if r.state == "fresh":
        return _(FRESHNESS_TEXT["fresh"])
    why = {(True, True): N_("{state} (last refresh and data)"), (True, False): N_("{state} (last refresh)"),
           (False, True): N_("{state} (data)")}[(r.run_state == r.state, r.data_state == r.state)]
    return _(why).format(state=_(FRESHNESS_TEXT[r.state]))


DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
        "sat": "Saturday", "sun": "Sunday"}


def every(seconds: int) -> str:
    """An interval in words, in the largest unit that divides it: 'every 6 hours', 'every 90 seconds'."""
    size, unit = next((s, u) for s, u in ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second"))
                      if seconds % s == 0)
    n = seconds // size
    said = {"day": lambda: ngettext("every day", "every {n} days", n),
            "hour": lambda: ngettext("every hour", "every {n} hours", n),
            "minute": lambda: ngettext("every minute", "every {n} minutes", n),
            "second": lambda: ngettext("every second", "every {n} seconds", n)}[unit]()
    return said.format(n=fmt.number(n, 0))


def _weekday(key: str) -> str:
    """'mon' as the reader's language names the day (CLDR's wide weekday names; English keeps :data:`DAYS`)."""
    lang = language.current()
    if lang == "en":
        return DAYS[key]
    return i18n.locale(lang).days["format"]["wide"][list(DAYS).index(key)]


def describe_cron(expr: str) -> str:
    """The common crontab shapes in words ('every day at 02:00', 'on day 1 of every month at 06:00',
    'every Monday at 07:30'); anything else as the expression itself. Numbered weekdays are left as they
    are: crontab counts from Sunday and APScheduler from Monday, and a wrong day is worse than none."""
    fields = expr.split()
    as_is = _("cron '{expression}'").format(expression=expr)
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
        return as_is
    minute, hour, dom, month, dow = fields
    at = f"{int(hour):02d}:{int(minute):02d}"
    if month != "*":
        return as_is
    if dom == "*" and dow == "*":
        return _("every day at {time}").format(time=at)
    if dom.isdigit() and dow == "*":
        return _("on day {day} of every month at {time}").format(day=int(dom), time=at)
    if dom == "*" and dow.lower() in DAYS:
        return _("every {weekday} at {time}").format(weekday=_weekday(dow.lower()), time=at)
    if dom == "*" and dow.lower() == "mon-fri":
        return _("Monday to Friday at {time}").format(time=at)
    return as_is


def job_schedule(config, release: Release, last_runs: dict[str, dict], scheduled: dict[str, datetime | None],
                 now: datetime | None = None, unchanged: dict[str, datetime] | None = None) -> list[dict]:
    """Per configured job: when it runs, its next run, which public indicators it refreshes and how its last
    run ended. The next run is the scheduler's own (its job store, ``scheduled``); a job the scheduler has
    not registered shows the time its trigger plans, marked as such. Internal indicators are not named.
    ``unchanged``: when each job last found its inputs unchanged and did not run (``skip_unchanged``)."""
    unchanged = unchanged or {}
    now = now or catalogue.now()
    titles = {i: _plain_title(i, t) for i, t in zip(release.indicators["id"], release.indicators["title"],
                                                     strict=True)}
    rows = []
    for job in config.schedules:
        if job.id in scheduled:
            nxt, note = scheduled[job.id], ""
        else:
            nxt = make_trigger(job, config.scheduler.timezone).get_next_fire_time(None, now)
            note = " " + _("(planned: the scheduler is not running)")
        when = (every(job.interval_seconds) if job.interval_seconds is not None
                else f"{describe_cron(job.cron)} ({config.scheduler.timezone})")
        covered = (_("all indicators") if not job.indicators
                   else ", ".join(titles[i] for i in job.indicators if i in titles) or _("no public indicator"))
        last = last_runs.get(job.id)
        ended = catalogue.as_utc(last.get("finished_at") or last.get("started_at")) if last else None
        outcome = (_("never run") if last is None else
                   f"{word(RUN_STATUS, last['status'])}, {ended:%Y-%m-%d %H:%M}" if ended
                   else word(RUN_STATUS, last["status"]))
        checked = unchanged.get(job.id)
        if checked is not None and (ended is None or checked > ended):
            outcome += "; " + _("checked {time}: no input changed, not run again").format(
                time=f"{checked:%Y-%m-%d %H:%M}")
        rows.append({"job": job.id, "when": when,
                     "next": (nxt.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if nxt else _("paused")) + note,
                     "indicators": covered, "last": outcome})
    return rows


#: A run's error as the public may read it. The catalogue keeps the whole text (paths on the server, the
#: source and measure names of a finding, a database's message), which can name an internal indicator or
#: a figure that was never published; the public status page says only which step failed.
STEP_FAILED = re.compile(r"step '([a-z_]+)' failed")
STEP_WORDS = {"validate": N_("the data checks"), "compute": N_("computing the indicators"),
              "write": N_("writing the release")}
DETAILS_KEPT = N_("Details are kept for the site's managers.")
#: core.catalogue.abandon_running's words after ORPHAN, for a run killed after it published a release.
ORPHAN_PUBLISHED = re.compile(r"^, after publishing release (\S+) \(its statistics were not recorded\)")


def public_error(error: str) -> str:
    """What the public status page says of a failed run's ``error``."""
    if error.startswith(catalogue.ORPHAN):  # written by the catalogue itself: names no data
        published = ORPHAN_PUBLISHED.match(error[len(catalogue.ORPHAN):])
        if published:
            return _("the process running it ended without finishing (crash, kill or power loss), after publishing "
                     "release {release} (its statistics were not recorded)").format(release=published.group(1))
        if error[len(catalogue.ORPHAN):] == "; nothing was published":
            return _("the process running it ended without finishing (crash, kill or power loss); nothing was "
                     "published")
        return error
    step = STEP_FAILED.search(error)
    if step is None:  # not a pipeline step (it may even have failed after publishing): say no more
        return _("Failed.") + " " + _(DETAILS_KEPT)
    where = (_(STEP_WORDS[step.group(1)]) if step.group(1) in STEP_WORDS
             else _("the {step} step").format(step=step.group(1)))
    # every step is before publishing: a run that failed in one published nothing
    return (_("Failed at {step}; the published figures were not changed.").format(step=where) + " "
            + _(DETAILS_KEPT))


def run_rows(runs: pd.DataFrame, *, full_errors: bool = False) -> list[dict]:
    """The catalogue's runs as table rows: a run with no release or no error shows an empty cell (the
    catalogue's NULLs arrive from pandas as NaN, which is truthy and would print as 'nan'). The error text
    is shown whole only to a manager (``full_errors``); the public reads :func:`public_error`."""
    def text(v) -> str:
        return "" if pd.isna(v) else str(v)

    def error(v) -> str:
        return text(v) if full_errors or not text(v) else public_error(text(v))

    def utc(v) -> str:  # the catalogue stores UTC; PostgreSQL hands it back in the server's time zone
        if pd.isna(v):
            return ""
        t = pd.Timestamp(v)
        return (t.tz_convert("UTC") if t.tzinfo is not None else t).strftime("%Y-%m-%d %H:%M:%S")

    return [{"id": str(r.id), "job": r.job, "started": utc(r.started_at), "status": word(RUN_STATUS, r.status),
             "seconds": "" if pd.isna(r.seconds) else fmt.number(r.seconds, 1), "release": text(r.release_id),
             "error": error(r.error)} for r in runs.itertuples()]


def last_run_notice(run, release_id: str, *, full_errors: bool = False):
    """How the latest pipeline run ended, at the top of the page: a failed run (the figures were not
    refreshed) must not be left for the reader to find in the table of runs."""
    row = run_rows(pd.DataFrame([run]), full_errors=full_errors)[0]
    error = (row["error"] or _("no error was recorded")).rstrip()
    error += "" if error.endswith(".") else "."
    if run.status == "failed":
        said = (_("Run {run} ({job}, started {when}): {error}") if row["started"] else
                _("Run {run} ({job}, started at an unknown time): {error}"))
        return html.P([html.Strong(_("The last pipeline run failed.") + " "),
                       said.format(run=row["id"], job=row["job"], when=row["started"], error=error) + " ",
                       _("The site still shows release {release}.").format(release=release_id)],
                      className="warning last-run last-run-failed", id="last-run")
    ended = {"succeeded": N_("The last pipeline run, run {run} ({job}, started {when}), succeeded."),
             "running": N_("The last pipeline run, run {run} ({job}, started {when}), is still running.")}
    said = _(ended.get(run.status, N_("The last pipeline run, run {run} ({job}, started {when}): {status}.")))
    return html.P(said.format(run=row["id"], job=row["job"], when=row["started"] or _("at an unknown time"),
                              status=row["status"]), className="last-run", id="last-run")


@guarded
def _plain_title(indicator_id: str, title: str) -> str:
    """An indicator's title in the reader's language as plain text (a table cell, a list in a sentence)."""
    words = language.indicator_text(indicator_id, "title", title)
    return words if isinstance(words, str) else title


def _g(x: float) -> str:
    """A number as short as it can be written ('1.5', '1,5')."""
    lang = language.current()
    return f"{x:g}" if lang == "en" else i18n.number(x, lang)


def status(**_kwargs):
    rel = context.release()
    cfg = context.config()
    manager = context.reader().include_internal  # a signed-in manager reads errors and findings whole
    try:
        engine = catalogue.connect(cfg.catalogue)
        runs = catalogue.recent_runs(engine, 20)
        fresh = indicator_freshness(rel, engine, stale_after=cfg.scheduler.stale_after)
        schedule = job_schedule(cfg, rel, catalogue.last_runs_by_job(engine), next_run_times(cfg),
                                unchanged=catalogue.last_event_by_job(engine, "unchanged"))
        found = quality_report.last_run_counts(engine)
        first = (quality_report.first_findings(engine, found.run["id"], quality.MANAGER_ROWS)
                 if manager and found.total else None)
        problem = None
    except SQLAlchemyError as exc:
        log.warning("page=status catalogue_error=%s", exc)
        runs, fresh, problem = pd.DataFrame(), pd.DataFrame(), _("The run catalogue cannot be read right now.")
        schedule, found, first = [], None, None
    parts = [html.H1(_("Data status")),
             html.P(_("The site shows release {release}, published {date}.").format(
                 release=rel.id, date=fmt.date_words(rel.manifest.get("created")) or rel.manifest.get("created", "")),
                 className="lead")]
    if problem:
        parts.append(ui.no_data(problem))
    if not runs.empty:
        parts.append(last_run_notice(runs.iloc[0], rel.id, full_errors=manager))
    if not fresh.empty:
        counts = fresh["state"].value_counts()
        summary = "; ".join(_(FRESHNESS_COUNT[k]).format(n=fmt.number(int(counts[k]), 0))
                            for k in FRESHNESS_TEXT if k in counts)
        stale = cfg.scheduler.stale_after
        parts += [html.H2(_("Indicators")),
                  html.P([ngettext("{n} indicator: {summary}.", "{n} indicators: {summary}.", len(fresh)).format(
                              n=fmt.number(len(fresh), 0), summary=summary), " ",
                          _("An indicator is up to date when a run refreshed it within one period of its update "
                            "frequency and its figures reach the latest period one could expect: the figures of "
                            "the period after its latest are due one period after that period ends (annual "
                            "figures for 2022 by the end of 2023), whenever the pipeline last ran. It is overdue "
                            "{after_refresh} periods after the last refresh, or {after_due} periods after the "
                            "next period was due.").format(after_refresh=_g(stale), after_due=_g(stale - 1))],
                         id="freshness-rule"),
                  ui.data_table(
            [("title", _("Indicator")), ("frequency", _("Frequency")), ("latest", _("Latest period")),
             ("due", _("Next period due by")), ("refreshed", _("Last refreshed (UTC)")), ("state", _("Freshness"))],
            [{"title": ui.Link(_plain_title(r.indicator, r.title), f"/methodology/{r.indicator}"),
              "frequency": word(FREQUENCIES, r.frequency),
              "latest": r.latest, "due": "–" if r.next_due is None or pd.isna(r.next_due)
              else r.next_due.strftime("%Y-%m-%d"),
              "refreshed": _("never") if r.refreshed is None or pd.isna(r.refreshed)
              else r.refreshed.strftime("%Y-%m-%d %H:%M"), "state": freshness_cell(r)}
             for r in fresh.itertuples()], _("When each indicator was last refreshed, whether that is recent "
            "enough for how often it is updated, and when its next period is due"))]
    if found is not None:
        parts.append(quality.section(found, {s.id: s.title for s in cfg.sources}, manager=manager, first=first))
    if schedule:
        parts += [html.H2(_("Schedule")), ui.data_table(
            [("job", _("Job")), ("when", _("Runs")), ("next", _("Next run (UTC)")), ("indicators", _("Refreshes")),
             ("last", _("Last run (UTC)"))], schedule,
            _("When each scheduled job runs next, what it refreshes and how its last run ended"))]
    if not runs.empty:
        parts += [html.H2(_("Recent runs")), ui.data_table(
            [("id", _("Run")), ("job", _("Job")), ("started", _("Started (UTC)")), ("status", _("Result")),
             ("seconds", _("Seconds")), ("release", _("Release")), ("error", _("Error"))],
            run_rows(runs, full_errors=manager),
            _("The last 20 pipeline runs, newest first"))]
    elif not problem:
        parts.append(ui.no_data(_("No pipeline run has been recorded yet.")))
    return html.Div(parts)

