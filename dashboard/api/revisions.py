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

#: Relative difference below which two values are the same figure. Rebuilding a release sums the same
#: floats in another order, which moves the last bit (up to 6e-16 relative; see docs/methodology.md):
#: that is not a revision. A revision of any published precision is many orders of magnitude larger.
TOLERANCE = 1e-12
#: Whether the value changed: it appeared, disappeared, or moved by more than the tolerance.
DIFFERS = ("((o.value IS NULL) <> (n.value IS NULL) OR ABS(n.value - o.value) > "
           f"{TOLERANCE} * GREATEST(ABS(o.value), ABS(n.value)))")

_SQL = f"""
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
        WHEN {DIFFERS} THEN 'revised'
        ELSE 'status'
    END AS kind
FROM old_values o
FULL OUTER JOIN new_values n
    ON o.indicator = n.indicator AND o.area_code = n.area_code AND o.period = n.period
   AND o.breakdown = n.breakdown
WHERE o.indicator IS NULL OR n.indicator IS NULL
   OR {DIFFERS} OR o.status IS DISTINCT FROM n.status
ORDER BY indicator, level, area_code, period, breakdown
"""


def revisions(old: Release, new: Release, indicators: tuple[str, ...] | None = None) -> pa.Table:
    """One row per changed cell; values are the same when they differ by at most :data:`TOLERANCE` of
    their size (floating-point noise between two builds of the same figures is not a revision)."""
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
