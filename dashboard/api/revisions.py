"""Revisions between two releases: which public values changed, appeared or disappeared, and by how much.

Both sides are read through the public reader (suppressed cells already withheld), so a revision can never
reveal a withheld value: a cell that was suppressed in one release shows as a change of status only.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from dashboard.api import reading
from dashboard.release_reader import Release

COLUMNS = ["indicator", "area_code", "level", "period", "breakdown", "value", "status"]
KINDS = ("revised", "added", "removed", "status")

_SQL = """
SELECT
    COALESCE(n.indicator, o.indicator) AS indicator,
    COALESCE(n.area_code, o.area_code) AS area_code,
    COALESCE(n.level, o.level) AS level,
    COALESCE(n.period, o.period) AS period,
    COALESCE(n.breakdown, o.breakdown) AS breakdown,
    o.value AS old_value, n.value AS new_value,
    n.value - o.value AS change,
    CASE WHEN o.value IS NOT NULL AND o.value <> 0 THEN (n.value - o.value) / ABS(o.value) * 100 END
        AS change_percent,
    o.status AS old_status, n.status AS new_status,
    CASE
        WHEN o.indicator IS NULL THEN 'added'
        WHEN n.indicator IS NULL THEN 'removed'
        WHEN o.value IS DISTINCT FROM n.value THEN 'revised'
        ELSE 'status'
    END AS kind
FROM old_values o
FULL OUTER JOIN new_values n
    ON o.indicator = n.indicator AND o.area_code = n.area_code AND o.period = n.period
   AND o.breakdown = n.breakdown
WHERE o.indicator IS NULL OR n.indicator IS NULL
   OR o.value IS DISTINCT FROM n.value OR o.status IS DISTINCT FROM n.status
ORDER BY indicator, level, area_code, period, breakdown
"""


def revisions(old: Release, new: Release, indicators: tuple[str, ...] | None = None) -> pa.Table:
    """One row per changed cell; values compared exactly (both releases store the same float64)."""
    q = reading.ValueQuery(indicators=indicators)
    old_values = reading.read_table(old, q, COLUMNS)
    new_values = reading.read_table(new, q, COLUMNS)
    con = duckdb.connect()
    try:
        con.register("old_values", old_values)
        con.register("new_values", new_values)
        return con.sql(_SQL).to_arrow_table()
    finally:
        con.close()


def summary(table: pa.Table) -> dict[str, int]:
    kinds = table.column("kind").to_pylist() if table.num_rows else []
    return {k: kinds.count(k) for k in KINDS}
