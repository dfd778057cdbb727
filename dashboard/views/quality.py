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
from dashboard.i18n import N_
from dashboard.language import _, ngettext
from dashboard.views import quality_words

#: How many findings a manager sees on the page (``openmeasure etl report --limit N`` gives more).
MANAGER_ROWS = 50
#: core.quality_report.ACTIONS, marked for translation (a test checks they are the same words).
ACTIONS = {"warn": N_("noted (the data were used)"), "quarantine": N_("left out of the figures"),
           "block": N_("stopped publication")}


def action(a: str) -> str:
    return _(ACTIONS[a]) if a in ACTIONS else quality_report.ACTIONS.get(a, a)


def rule_words(rule: str) -> tuple[str, str]:
    """A check's short name and what it looks for, in the reader's language (core.quality_report.rule_words)."""
    if rule in quality_words.RULES:
        name, looks_for = quality_words.RULES[rule]
        return _(name), _(looks_for)
    return quality_report.rule_words(rule)


def _level(level: str) -> str:
    """A level's name in the reader's language (``languages.levels``), else as core words it."""
    from dashboard import context, language
    from dashboard.api import language as texts

    try:
        name, fell_back = texts.level_label(context.config(), level, language.current())
    except (RuntimeError, KeyError):  # no app state
        return level.replace("_", " ")
    return level.replace("_", " ") if fell_back or name == level else name


def source_words(source: str | None, titles) -> str:
    """A source in the reader's words (core.quality_report.source_words); a configured title is the config's."""
    if not source:
        return _(quality_words.GEOGRAPHY)
    if source.startswith("geography.boundaries."):
        level = source.removeprefix("geography.boundaries.")
        return _(quality_words.BOUNDARIES).format(level=_level(level))
    return titles.get(source) or source


def by_rule(counts: pd.DataFrame, titles) -> list[dict]:
    """core.quality_report.by_rule's rows in the reader's language: one per check, most findings first."""
    out = []
    for rule, g in counts.groupby("rule", sort=False):
        name, looks_for = rule_words(str(rule))
        acts = g.groupby("severity")["n"].sum().sort_values(ascending=False)
        done = (action(str(acts.index[0])) if len(acts) == 1 else
                "; ".join(f"{fmt.number(int(n), 0)} {action(str(a))}" for a, n in acts.items()))
        out.append({"rule": rule, "name": name, "looks_for": looks_for, "n": int(g["n"].sum()), "done": done,
                    "sources": "; ".join(sorted({source_words(s, titles) for s in g["source"]}))})
    return sorted(out, key=lambda r: (-r["n"], r["name"]))


def by_source(counts: pd.DataFrame, titles) -> list[dict]:
    """core.quality_report.by_source's rows in the reader's language: one per source, most findings first."""
    out = []
    for source, g in counts.groupby("source", sort=False):
        rules = g.groupby("rule")["n"].sum().sort_values(ascending=False)
        out.append({"source": source_words(str(source), titles), "n": int(g["n"].sum()),
                    "rules": "; ".join(f"{rule_words(str(r))[0]} ({fmt.number(int(n), 0)})" for r, n in rules.items())})
    return sorted(out, key=lambda r: (-r["n"], r["source"]))


def _when(run: dict) -> str | None:
    t = run.get("started_at")
    if t is None or (not isinstance(t, str) and pd.isna(t)):
        return None
    t = pd.Timestamp(t)
    return (t.tz_convert("UTC") if t.tzinfo is not None else t).strftime("%Y-%m-%d %H:%M UTC")


def lead(found: RunFindings) -> str:
    """What the last run's checks found, in one paragraph."""
    run = found.run
    when = _when(run)
    which = (_("The last pipeline run (run {run}, started {when})").format(run=run["id"], when=when) if when else
             _("The last pipeline run (run {run}, started at an unknown time)").format(run=run["id"]))
    if run["status"] == "failed" and not found.total:
        return _("{run} failed and recorded no data-quality finding.").format(run=which)
    if not found.total:
        return _("{run} checked the source data and found nothing to report.").format(run=which)
    acts = quality_report.by_action(found.counts)
    made = ngettext("{n} finding", "{n} findings", found.total).format(n=fmt.number(found.total, 0))
    if len(acts) == 1:
        done = _("{findings}, all {action}").format(findings=made, action=action(next(iter(acts))))
    else:
        done = _("{findings}: {actions}").format(findings=made, actions="; ".join(
            f"{fmt.number(n, 0)} {action(a)}" for a in ("block", "quarantine", "warn") if (n := acts.get(a))))
    published = (" " + _("It published nothing: the figures shown are from an earlier run.")
                 if run["status"] == "failed" else "")
    return (_("{run} checked the source data before computing the figures and made {findings}.").format(
        run=which, findings=done) + " "
        + _("A finding is one problem, however many rows it concerns (an unknown area code is one finding for "
            "all its rows).") + published)


def details(findings: pd.DataFrame, total: int):
    """The first findings as the catalogue keeps them (files, rows, messages): for a manager only."""
    def text(v) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    rows = [{"rule": r.rule, "severity": r.severity, "source": text(r.source), "file": text(r.file),
             "row": "" if pd.isna(r.row) else str(int(r.row)), "column": text(r.column),
             "area": text(r.area_code), "period": text(r.period), "message": text(r.message)}
            for r in findings.itertuples()]
    more = (" " + _("The first {shown} of {total}; 'openmeasure etl report --limit N' prints more, and the "
                    "release's quality.parquet holds them all.").format(shown=fmt.number(len(rows), 0),
                                                                        total=fmt.number(total, 0))
            if total > len(rows) else "")
    return html.Section([
        html.H3(_("Findings in full (managers only)")),
        html.P(_("Shown because you are signed in: files, rows and messages can name paths on the server and "
                 "figures that are not published.") + more, className="hint"),
        ui.data_table([("rule", _("Rule")), ("severity", _("Action")), ("source", _("Source")), ("file", _("File")),
                       ("row", _("Row")), ("column", _("Column")), ("area", _("Area")), ("period", _("Period")),
                       ("message", _("Message"))], rows, _("The last run's findings")),
    ], id="quality-details")


def section(found: RunFindings, titles: dict[str, str | None], *, manager: bool = False,
            first: pd.DataFrame | None = None):
    """The 'Data checks' section of the status page. ``titles``: each source's configured title; ``first``:
    the findings a manager reads (:func:`core.quality_report.first_findings`)."""
    parts = [html.H2(_("Data checks"))]
    if found.run is None:
        return html.Section(parts + [ui.no_data(_("No pipeline run has finished yet."))], id="quality")
    parts.append(html.P(lead(found), id="quality-lead"))
    if found.total:
        rules = by_rule(found.counts, titles)
        parts += [
            ui.data_table([("name", _("Check")), ("looks_for", _("What it looks for")), ("n", _("Findings")),
                           ("done", _("What was done")), ("sources", _("Sources"))],
                          [{**r, "n": fmt.number(r["n"], 0)} for r in rules], _("Findings of the last run by check")),
            ui.data_table([("source", _("Source")), ("n", _("Findings")), ("rules", _("Checks"))],
                          [{**r, "n": fmt.number(r["n"], 0)} for r in by_source(found.counts, titles)],
                          _("Findings of the last run by source")),
        ]
        if manager and first is not None:
            parts.append(details(first, found.total))
    return html.Section(parts, id="quality")
