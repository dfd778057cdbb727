"""/status gives run start times in UTC, as its column says, whatever time zone the catalogue hands back."""

from __future__ import annotations

import pandas as pd

from dashboard.views.info import run_rows


def test_run_start_times_are_shown_in_utc():
    runs = pd.DataFrame({
        "id": [1, 2, 3], "job": ["nightly"] * 3,
        # PostgreSQL in a server set to Europe/Brussels; SQLite's naive text; a pandas timestamp
        "started_at": [pd.Timestamp("2026-11-29 03:00:05+01:00"), "2026-11-29 02:00:05.123456",
                       pd.Timestamp("2026-11-29 02:00:05")],
        "status": ["ok"] * 3, "seconds": [1.0] * 3, "release_id": ["r"] * 3, "error": [None] * 3})
    assert [r["started"] for r in run_rows(runs, full_errors=True)] == ["2026-11-29 02:00:05"] * 3


def test_the_freshness_tables_caption_is_a_whole_sentence():
    """The caption of /status's freshness table stopped mid-sentence ("... and whether its latest period is")."""
    import ast

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "dashboard" / "views" / "info.py").read_text(encoding="utf-8"))
    captions = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                and n.value.startswith("When each indicator was last refreshed")]
    assert captions and not any(c.rstrip().endswith((" is", " are", " and", " whether")) for c in captions)


def test_status_and_the_download_centre_say_the_release_date_in_words(dash_app, release, app_context):
    """/status and /data said 'published 2026-12-07T05:14:11+00:00' where the footer says '7 December 2026'."""
    import re

    from dashboard.components import fmt

    words = fmt.date_words(release.manifest["created"])
    client = dash_app.server.test_client()
    data = client.get("/data").get_data(as_text=True)
    assert f"published {words}." in data and not re.search(r"published \d{4}-\d\d-\d\dT", data)
    from dashboard.views import info

    lead = str(info.status())
    assert f"published {words}." in lead and not re.search(r"published \d{4}-\d\d-\d\dT", lead)
