"""/status lists the last run's data-quality findings: counts by check and by source in plain words for the
public, never a file, a path or a message; a signed-in manager also reads the findings in full."""

from __future__ import annotations

import json

import pandas as pd

from core import catalogue
from core.schema import QUALITY
from dashboard import context
from dashboard.views import info

PATH = "/home/x/data.csv"


def text_of(component) -> str:
    return json.dumps(component, default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def finding(rule, severity, source, message):
    return {"rule": rule, "severity": severity, "source": source, "file": PATH, "row": 7, "column": "value",
            "measure": "m1", "area_code": "VL101", "period": "2024", "message": message}


def catalogue_with_findings(tmp_path) -> object:
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalogue.create_tables(engine)
    rid = catalogue.start_run(engine, "manual", "hash")
    found = pd.DataFrame([finding("not_a_number", "quarantine", "services",
                                  f"value 'n/a' in {PATH} is not a number (SELECT * FROM secret.table)")] * 2
                         + [finding("value_jump", "warn", "labour", "m1 went from 3 to 40")], columns=QUALITY.names)
    catalogue.finish_run(engine, rid, status="succeeded", found=found)
    return engine


class Manager:
    """The request's reader as a signed-in manager's (internal indicators shown)."""
    include_internal = True

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)


def status_page(dash_app, monkeypatch, engine, *, manager: bool) -> str:
    monkeypatch.setattr(catalogue, "connect", lambda url: engine)
    with dash_app.server.test_request_context("/status"):
        if manager:
            inner = context.reader()
            monkeypatch.setattr(context, "reader", lambda: Manager(inner))
        return text_of(info.status())


def test_the_public_reads_the_findings_counted_in_words_without_paths_or_messages(dash_app, monkeypatch, tmp_path):
    page = status_page(dash_app, monkeypatch, catalogue_with_findings(tmp_path), manager=False)
    assert "Data checks" in page and "made 3 findings: 2 left out of the figures; 1 noted (the data were used)" in page
    assert "Value not a number" in page and "a value that is not a number" in page  # the rule in plain words
    assert "Large change" in page
    assert "Council service records (synthetic)" in page  # the source by its configured title
    for secret in (PATH, "/home", "SELECT", "secret.table", "went from 3 to 40", "data.csv"):
        assert secret not in page, secret


def test_a_manager_also_reads_the_findings_in_full(dash_app, monkeypatch, tmp_path):
    page = status_page(dash_app, monkeypatch, catalogue_with_findings(tmp_path), manager=True)
    assert "Findings in full (managers only)" in page and PATH in page and "went from 3 to 40" in page


def test_a_run_without_findings_says_it_found_nothing(dash_app, monkeypatch, tmp_path):
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalogue.create_tables(engine)
    catalogue.finish_run(engine, catalogue.start_run(engine, "manual", "h"), status="succeeded")
    page = status_page(dash_app, monkeypatch, engine, manager=False)
    assert "checked the source data and found nothing to report" in page


def test_findings_all_with_one_action_are_said_once():
    from core.quality_report import RunFindings
    from dashboard.views import quality

    counts = pd.DataFrame({"rule": ["unknown_area", "pseudo_area"], "severity": ["quarantine"] * 2,
                           "source": ["a", "b"], "n": [64, 65]})
    lead = quality.lead(RunFindings({"id": 1, "status": "succeeded", "started_at": None}, counts))
    assert "made 129 findings, all left out of the figures." in lead and "at an unknown time" in lead
    failed = quality.lead(RunFindings({"id": 2, "status": "failed", "started_at": None}, counts))
    assert "It published nothing" in failed
