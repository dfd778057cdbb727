"""Freshness by the data's period: an annual indicator whose latest period is 2021 is overdue in 2026 however
recently a run refreshed it (core.freshness)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.freshness import Freshness, classify_data, next_due, period_end

NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize("period, end", [("2021", datetime(2022, 1, 1, tzinfo=UTC)),
                                         ("2021-Q3", datetime(2021, 10, 1, tzinfo=UTC)),
                                         ("2021-Q4", datetime(2022, 1, 1, tzinfo=UTC)),
                                         ("2021-07", datetime(2021, 8, 1, tzinfo=UTC)),
                                         ("2021-12", datetime(2022, 1, 1, tzinfo=UTC)),
                                         ("2021/22", None), ("2021-13", None)])
def test_a_period_ends_where_its_calendar_says(period, end):
    assert period_end(period) == end


def test_the_next_period_is_due_one_period_after_it_ends():
    # 2022 ends on 31 December 2022; its figures are due a year later
    assert next_due("2021", "annual") == datetime(2024, 1, 1, tzinfo=UTC)
    assert next_due("2024-Q1", "quarterly") == datetime(2024, 10, 1, tzinfo=UTC)
    assert next_due("2024-11", "monthly") == datetime(2025, 2, 1, tzinfo=UTC)
    assert next_due(None, "annual") is None


def test_old_data_is_overdue_whatever_the_run_date():
    assert classify_data("2021", "annual", NOW, 1.5) == ("stale", datetime(2024, 1, 1, tzinfo=UTC))
    assert classify_data("2024", "annual", NOW, 1.5)[0] == "fresh"  # 2025's figures are due by 2027
    assert classify_data("2024", "annual", datetime(2027, 3, 1, tzinfo=UTC), 1.5)[0] == "due"
    assert classify_data("2024", "annual", datetime(2027, 8, 1, tzinfo=UTC), 1.5)[0] == "stale"
    assert classify_data("2026-Q2", "quarterly", NOW, 1.5)[0] == "fresh"
    assert classify_data("2026-Q1", "quarterly", datetime(2026, 10, 15, tzinfo=UTC), 1.5)[0] == "due"
    assert classify_data("2026-Q1", "quarterly", NOW, 1.5)[0] == "stale"  # due 2026-10-01, half a quarter ago
    assert classify_data(None, "annual", NOW, 1.5) == ("stale", None)
    refreshed_today = Freshness("gdp", "annual", NOW, "fresh", None, "2021", *classify_data("2021", "annual", NOW, 1.5)[::-1])
    assert refreshed_today.overall == "stale"

