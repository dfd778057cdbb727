"""Text pages: methodology of one indicator, status of the data (the accessibility statement: statement.py)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

import pandas as pd
from dash import html
from sqlalchemy.exc import SQLAlchemyError

from core import catalogue, quality_report
from core.freshness import classify, classify_data, worse
from core.schedules import make_trigger, next_run_times
from dashboard import context, data
from dashboard.components import fmt, performance, ui
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
    return html.Ul([html.Li([html.A(s.get("title") or s.get("id"), href=s["url"]) if s.get("url")
                             else (s.get("title") or s.get("id")),
                             f" ({s['publisher']})" if s.get("publisher") else ""]) for s in sources])


INTERVALS = {"wilson": "Wilson score interval for a proportion",
             "poisson": "exact Poisson interval for a count or rate (Byar's approximation for large counts)",
             "none": "none: the value is not an estimate from a sample or a count of events"}
APPLIED_TO = {"numerator": "the numerator", "denominator": "the denominator",
              "both": "the numerator or the denominator"}


def interval_text(method) -> str | None:
    return None if method is None or pd.isna(method) else INTERVALS.get(str(method), str(method))


def disclosure_text(rule) -> str | None:
    """The release's disclosure rule (JSON, as configured) in words."""
    if rule is None or (not isinstance(rule, str | dict) and pd.isna(rule)):
        return None
    try:
        r = json.loads(rule) if isinstance(rule, str) else rule
        threshold, zero, on = int(r["threshold"]), bool(r.get("suppress_zero")), r.get("apply_to", "numerator")
    except (ValueError, KeyError, TypeError):
        return str(rule)
    return (f"Values are withheld where {APPLIED_TO.get(on, on)} is under {threshold}"
            + (" (including zero)" if zero else " (a zero is published)")
            + "; further values are withheld where needed so that a withheld one cannot be worked out from "
            "its parent and the other areas.")


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
    return performance.rule(polarity, has_target)


def methodology(indicator_id: str | None = None, **_):
    rel = context.release()
    indicator_id = path_value(indicator_id)
    meta = data.indicator_meta(rel, indicator_id)
    if meta is None:
        return ui.not_available(f"There is no published indicator called {indicator_id!r}.", "Indicator not found")
    target = (f"{fmt.value(meta['target'], int(meta['decimals']), meta['unit'])} by {meta['target_period']}"
              if not pd.isna(meta.get("target")) else None)
    return html.Article([
        html.H1(f"Methodology: {meta['title']}"),
        html.P(meta["description"], className="lead"),
        html.H2("Definition"),
        _dl([("Unit", meta["unit"]), ("Theme", meta["theme"]), ("Kind", meta["kind"]),
             ("Better when", {"higher_is_better": "higher", "lower_is_better": "lower"}.get(meta["polarity"],
                                                                                          "neither (no direction)")),
             ("Update frequency", meta["frequency"]), ("Target", target),
             ("Progress and status", progress_rule(meta["polarity"], target is not None))]),
        html.H2("How it is computed"),
        html.P(fmt.text(meta["methodology"]) or "No method statement given."),
        _dl([("Formula", formula(meta)),
             ("At higher levels", meta["aggregation"]), ("95% interval", interval_text(meta["interval"])),
             ("Minimum coverage", f"{meta['min_coverage']:.0%}" if not pd.isna(meta.get("min_coverage")) else None),
             ("Disclosure control", disclosure_text(meta.get("disclosure")))]),
        html.H2("Sources"),
        sources_list(meta.get("sources")) or html.P("No sources listed."),
        html.H2("Licence and attribution"),
        _dl([("Licence", meta["licence"]), ("Attribution", meta["attribution"]),
             ("Cite as", (rel.manifest.get("citation") or "").replace("{release_id}", rel.id))]),
        html.H2("Caveats"),
        html.P(fmt.text(meta["caveats"]) or "None recorded."),
        html.H2("Data"),
        ui.data_links(meta["id"], release=rel.id),
        html.P(html.A("Explore this indicator", href=f"/indicator/{meta['id']}")),
    ])


#: core.freshness states in words (the badge never relies on colour)
FRESHNESS_TEXT = {"fresh": "Up to date", "due": "Due for refresh", "stale": "Overdue"}


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
        return FRESHNESS_TEXT["fresh"]
    why = [w for w, st in (("last refresh", r.run_state), ("data", r.data_state)) if st == r.state]
    return f"{FRESHNESS_TEXT[r.state]} ({' and '.join(why)})"


DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
        "sat": "Saturday", "sun": "Sunday"}


def every(seconds: int) -> str:
    """An interval in words, in the largest unit that divides it: 'every 6 hours', 'every 90 seconds'."""
    size, unit = next((s, u) for s, u in ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second"))
                      if seconds % s == 0)
    n = seconds // size
    return f"every {unit}" if n == 1 else f"every {n:,} {unit}s"


def describe_cron(expr: str) -> str:
    """The common crontab shapes in words ('every day at 02:00', 'on day 1 of every month at 06:00',
    'every Monday at 07:30'); anything else as the expression itself. Numbered weekdays are left as they
    are: crontab counts from Sunday and APScheduler from Monday, and a wrong day is worse than none."""
    fields = expr.split()
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
        return f"cron '{expr}'"
    minute, hour, dom, month, dow = fields
    at = f"at {int(hour):02d}:{int(minute):02d}"
    if month != "*":
        return f"cron '{expr}'"
    if dom == "*" and dow == "*":
        return f"every day {at}"
    if dom.isdigit() and dow == "*":
        return f"on day {int(dom)} of every month {at}"
    if dom == "*" and dow.lower() in DAYS:
        return f"every {DAYS[dow.lower()]} {at}"
    if dom == "*" and dow.lower() == "mon-fri":
        return f"Monday to Friday {at}"
    return f"cron '{expr}'"


def job_schedule(config, release: Release, last_runs: dict[str, dict], scheduled: dict[str, datetime | None],
                 now: datetime | None = None, unchanged: dict[str, datetime] | None = None) -> list[dict]:
    """Per configured job: when it runs, its next run, which public indicators it refreshes and how its last
    run ended. The next run is the scheduler's own (its job store, ``scheduled``); a job the scheduler has
    not registered shows the time its trigger plans, marked as such. Internal indicators are not named.
    ``unchanged``: when each job last found its inputs unchanged and did not run (``skip_unchanged``)."""
    unchanged = unchanged or {}
    now = now or catalogue.now()
    titles = dict(zip(release.indicators["id"], release.indicators["title"], strict=True))
    rows = []
    for job in config.schedules:
        if job.id in scheduled:
            nxt, note = scheduled[job.id], ""
        else:
            nxt = make_trigger(job, config.scheduler.timezone).get_next_fire_time(None, now)
            note = " (planned: the scheduler is not running)"
        when = (every(job.interval_seconds) if job.interval_seconds is not None
                else f"{describe_cron(job.cron)} ({config.scheduler.timezone})")
        covered = ("all indicators" if not job.indicators
                   else ", ".join(titles[i] for i in job.indicators if i in titles) or "no public indicator")
        last = last_runs.get(job.id)
        ended = catalogue.as_utc(last.get("finished_at") or last.get("started_at")) if last else None
        outcome = ("never run" if last is None else
                   f"{last['status']}, {ended:%Y-%m-%d %H:%M}" if ended else last["status"])
        checked = unchanged.get(job.id)
        if checked is not None and (ended is None or checked > ended):
            outcome += f"; checked {checked:%Y-%m-%d %H:%M}: no input changed, not run again"
        rows.append({"job": job.id, "when": when,
                     "next": (nxt.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if nxt else "paused") + note,
                     "indicators": covered, "last": outcome})
    return rows


#: A run's error as the public may read it. The catalogue keeps the whole text (paths on the server, the
#: source and measure names of a finding, a database's message), which can name an internal indicator or
#: a figure that was never published; the public status page says only which step failed.
STEP_FAILED = re.compile(r"step '([a-z_]+)' failed")
STEP_WORDS = {"validate": "the data checks", "compute": "computing the indicators", "write": "writing the release"}


def public_error(error: str) -> str:
    """What the public status page says of a failed run's ``error``."""
    if error.startswith(catalogue.ORPHAN):
        return error  # written by the catalogue itself: names no data
    step = STEP_FAILED.search(error)
    if step is None:  # not a pipeline step (it may even have failed after publishing): say no more
        return "Failed. Details are kept for the site's managers."
    where = STEP_WORDS.get(step.group(1), f"the {step.group(1)} step")
    # every step is before publishing: a run that failed in one published nothing
    return f"Failed at {where}; the published figures were not changed. Details are kept for the site's managers."


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

    return [{"id": str(r.id), "job": r.job, "started": utc(r.started_at), "status": r.status,
             "seconds": "" if pd.isna(r.seconds) else f"{r.seconds:.1f}", "release": text(r.release_id),
             "error": error(r.error)} for r in runs.itertuples()]


def last_run_notice(run, release_id: str, *, full_errors: bool = False):
    """How the latest pipeline run ended, at the top of the page: a failed run (the figures were not
    refreshed) must not be left for the reader to find in the table of runs."""
    row = run_rows(pd.DataFrame([run]), full_errors=full_errors)[0]
    when = row["started"] or "at an unknown time"
    error = (row["error"] or "no error was recorded").rstrip()
    error += "" if error.endswith(".") else "."
    if run.status == "failed":
        return html.P([html.Strong("The last pipeline run failed. "),
                       f"Run {row['id']} ({row['job']}, started {when}): {error} "
                       f"The site still shows release {release_id}."],
                      className="warning last-run last-run-failed", id="last-run")
    return html.P(f"The last pipeline run, run {row['id']} ({row['job']}, started {when}), {run.status}.",
                  className="last-run", id="last-run")


@guarded
def status(**_):
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
        runs, fresh, problem = pd.DataFrame(), pd.DataFrame(), "The run catalogue cannot be read right now."
        schedule, found, first = [], None, None
    parts = [html.H1("Data status"),
             html.P(f"The site shows release {rel.id}, published "
                    f"{fmt.date_words(rel.manifest.get('created')) or rel.manifest.get('created', '')}.",
                    className="lead")]
    if problem:
        parts.append(ui.no_data(problem))
    if not runs.empty:
        parts.append(last_run_notice(runs.iloc[0], rel.id, full_errors=manager))
    if not fresh.empty:
        counts = fresh["state"].value_counts()
        summary = "; ".join(f"{int(counts[k])} {FRESHNESS_TEXT[k].lower()}" for k in FRESHNESS_TEXT if k in counts)
        parts += [html.H2("Indicators"),
                  html.P(f"{len(fresh)} indicators: {summary}. An indicator is up to date when a run refreshed "
                         "it within one period of its update frequency and its figures reach the latest period "
                         "one could expect: the figures of the period after its latest are due one period after "
                         "that period ends (annual figures for 2022 by the end of 2023), whenever the pipeline "
                         f"last ran. It is overdue {cfg.scheduler.stale_after:g} periods after the last refresh, "
                         f"or {cfg.scheduler.stale_after - 1:g} periods after the next period was due.",
                         id="freshness-rule"),
                  ui.data_table(
            [("title", "Indicator"), ("frequency", "Frequency"), ("latest", "Latest period"),
             ("due", "Next period due by"), ("refreshed", "Last refreshed (UTC)"), ("state", "Freshness")],
            [{"title": ui.Link(r.title, f"/methodology/{r.indicator}"), "frequency": r.frequency,
              "latest": r.latest, "due": "–" if r.next_due is None or pd.isna(r.next_due)
              else r.next_due.strftime("%Y-%m-%d"),
              "refreshed": "never" if r.refreshed is None or pd.isna(r.refreshed)
              else r.refreshed.strftime("%Y-%m-%d %H:%M"), "state": freshness_cell(r)}
             for r in fresh.itertuples()], "When each indicator was last refreshed, whether that is recent "
            "enough for how often it is updated, and when its next period is due")]
    if found is not None:
        parts.append(quality.section(found, {s.id: s.title for s in cfg.sources}, manager=manager, first=first))
    if schedule:
        parts += [html.H2("Schedule"), ui.data_table(
            [("job", "Job"), ("when", "Runs"), ("next", "Next run (UTC)"), ("indicators", "Refreshes"),
             ("last", "Last run (UTC)")], schedule,
            "When each scheduled job runs next, what it refreshes and how its last run ended")]
    if not runs.empty:
        parts += [html.H2("Recent runs"), ui.data_table(
            [("id", "Run"), ("job", "Job"), ("started", "Started (UTC)"), ("status", "Result"), ("seconds", "Seconds"),
             ("release", "Release"), ("error", "Error")],
            run_rows(runs, full_errors=manager),
            "The last 20 pipeline runs, newest first")]
    elif not problem:
        parts.append(ui.no_data("No pipeline run has been recorded yet."))
    return html.Div(parts)

