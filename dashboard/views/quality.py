"""The data checks of ``/status`` (views/info.py): the last pipeline run's data-quality findings.

The public reads counts by check and by source, each check in plain words and what was done with the data
(core/quality_report.py says why no file, row or message is shown to it); a signed-in manager also reads the
first findings themselves, as ``openmeasure etl report`` prints them.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from core import quality_report
from core.quality_report import RunFindings
from dashboard.components import fmt, ui

#: How many findings a manager sees on the page (``openmeasure etl report --limit N`` gives more).
MANAGER_ROWS = 50


def _when(run: dict) -> str:
    t = run.get("started_at")
    if t is None or (not isinstance(t, str) and pd.isna(t)):
        return "at an unknown time"
    t = pd.Timestamp(t)
    return (t.tz_convert("UTC") if t.tzinfo is not None else t).strftime("%Y-%m-%d %H:%M UTC")


def lead(found: RunFindings) -> str:
    """What the last run's checks found, in one paragraph."""
    run = found.run
    which = f"The last pipeline run (run {run['id']}, started {_when(run)}) "
    if run["status"] == "failed" and not found.total:
        return which + "failed and recorded no data-quality finding."
    if not found.total:
        return which + "checked the source data and found nothing to report."
    acts = quality_report.by_action(found.counts)
    if len(acts) == 1:
        done = f", all {quality_report.ACTIONS.get(*acts, next(iter(acts)))}"
    else:
        done = ": " + "; ".join(f"{n:,} {quality_report.ACTIONS.get(a, a)}"
                                for a in ("block", "quarantine", "warn") if (n := acts.get(a)))
    published = (" It published nothing: the figures shown are from an earlier run." if run["status"] == "failed"
                 else "")
    return (which + f"checked the source data before computing the figures and made "
            f"{fmt.count(found.total, 'finding')}{done}. A finding is one problem, however many rows it "
            "concerns (an unknown area code is one finding for all its rows)." + published)


def details(findings: pd.DataFrame, total: int):
    """The first findings as the catalogue keeps them (files, rows, messages): for a manager only."""
    def text(v) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    rows = [{"rule": r.rule, "severity": r.severity, "source": text(r.source), "file": text(r.file),
             "row": "" if pd.isna(r.row) else str(int(r.row)), "column": text(r.column),
             "area": text(r.area_code), "period": text(r.period), "message": text(r.message)}
            for r in findings.itertuples()]
    more = (f" The first {len(rows):,} of {total:,}; 'openmeasure etl report --limit N' prints more, and the "
            "release's quality.parquet holds them all." if total > len(rows) else "")
    return html.Section([
        html.H3("Findings in full (managers only)"),
        html.P("Shown because you are signed in: files, rows and messages can name paths on the server and "
               "figures that are not published." + more, className="hint"),
        ui.data_table([("rule", "Rule"), ("severity", "Action"), ("source", "Source"), ("file", "File"),
                       ("row", "Row"), ("column", "Column"), ("area", "Area"), ("period", "Period"),
                       ("message", "Message")], rows, "The last run's findings"),
    ], id="quality-details")


def section(found: RunFindings, titles: dict[str, str | None], *, manager: bool = False,
            first: pd.DataFrame | None = None):
    """The 'Data checks' section of the status page. ``titles``: each source's configured title; ``first``:
    the findings a manager reads (:func:`core.quality_report.first_findings`)."""
    parts = [html.H2("Data checks")]
    if found.run is None:
        return html.Section(parts + [ui.no_data("No pipeline run has finished yet.")], id="quality")
    parts.append(html.P(lead(found), id="quality-lead"))
    if found.total:
        rules = quality_report.by_rule(found.counts, titles)
        parts += [
            ui.data_table([("name", "Check"), ("looks_for", "What it looks for"), ("n", "Findings"),
                           ("done", "What was done"), ("sources", "Sources")],
                          [{**r, "n": f"{r['n']:,}"} for r in rules], "Findings of the last run by check"),
            ui.data_table([("source", "Source"), ("n", "Findings"), ("rules", "Checks")],
                          [{**r, "n": f"{r['n']:,}"} for r in quality_report.by_source(found.counts, titles)],
                          "Findings of the last run by source"),
        ]
        if manager and first is not None:
            parts.append(details(first, found.total))
    return html.Section(parts, id="quality")
