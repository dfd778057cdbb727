"""The explorer's sentence on the period shown follows the level and period chosen in the browser (demo: three
municipalities have not sent their 2024 service data, so 2024 reaches fewer municipalities than 2023)."""

from __future__ import annotations

import pytest

from dashboard import data
from dashboard.views import period_choice
from tests.dashboard.test_dashboard_browser import choose

pytestmark = pytest.mark.browser


def test_the_period_note_follows_the_level_and_period(tab, release):
    filled = period_choice.coverage(release, "online_share", "municipality")
    counts = dict(zip(filled[0], filled[1], strict=True))
    total = filled[2]
    last = data.periods(release, "online_share")[-1]
    assert counts[last] < total  # the late councils
    tab.open("/indicator/online_share")
    note = tab.page.inner_text(f"#{period_choice.NOTE_ID}")
    assert note == f"Showing {last}: {counts[last]:,} of the {total:,} municipalities have a value."
    choose(tab, "explorer-period", "2013")
    tab.page.wait_for_function(f"() => document.querySelector('#{period_choice.NOTE_ID}').innerText"
                               ".startsWith('Showing 2013')", timeout=10_000)
    assert f"{last} has values for {counts[last]:,} of {total:,}" in tab.page.inner_text(f"#{period_choice.NOTE_ID}")
    choose(tab, "explorer-level", "Region")
    tab.page.wait_for_function(f"() => document.querySelector('#{period_choice.NOTE_ID}').innerText"
                               ".includes(' regions')", timeout=10_000)
    assert tab.errors == []
