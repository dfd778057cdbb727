"""Streamed, filtered reads of a release's indicator values, through the ``Release`` object.

``dashboard.release_reader.Release`` decides which indicators a reader may see (public only unless it was
built with ``include_internal=True``); this module adds what the download routes need on top of it and
never widens that rule:

- the rows come as record batches from a pyarrow dataset scan (predicate push-down, row groups skipped),
  so a download of any size holds one batch in memory, not the whole result;
- every batch passes :func:`withhold_suppressed`, so a suppressed cell leaves with its flag and without its
  value, counts, interval, rank or change, whatever format it is written in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from dashboard.release_reader import Release

BY_INDICATOR = "indicator_values.parquet"
BY_AREA = "indicator_values_by_area.parquet"
BATCH_ROWS = 65_536

#: Columns that describe the suppressed cell itself and are withheld with it.
WITHHELD = ("value", "numerator", "denominator", "lower_ci", "upper_ci", "change", "rank_level",
            "rank_parent", "quartile", "cagr_observed", "progress_ratio", "progress_status", "rag")
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class ValueQuery:
    """A validated filter on indicator values (``None`` = no filter on that column)."""

    indicators: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None
    parents: tuple[str, ...] | None = None
    breakdowns: tuple[str, ...] | None = None
    period_from: str | None = None
    period_to: str | None = None


def _expression(release: Release, q: ValueQuery) -> ds.Expression:
    allowed = release.indicator_ids if q.indicators is None else release.indicator_ids & set(q.indicators)
    expr = ds.field("indicator").isin(sorted(allowed))
    if not release.include_internal:
        expr &= ds.field("visibility") == "public"
    for column, values in (("area_code", q.areas), ("level", q.levels), ("parent_code", q.parents),
                           ("breakdown", q.breakdowns)):
        if values is not None:
            expr &= ds.field(column).isin(list(values))
    if q.period_from:
        expr &= ds.field("period") >= q.period_from
    if q.period_to:
        # '2020' as an upper bound includes 2020-Q4 and 2020-12: compare on the prefix
        expr &= ds.field("period") <= q.period_to + "\uffff"
    return expr


def _dataset(release: Release, q: ValueQuery) -> ds.Dataset:
    name = BY_AREA if q.areas is not None and q.indicators is None else BY_INDICATOR
    return ds.dataset(release.path / name, format="parquet")


def value_schema(release: Release) -> pa.Schema:
    return ds.dataset(release.path / BY_INDICATOR, format="parquet").schema


def count(release: Release, q: ValueQuery) -> int:
    if not release.indicator_ids:
        return 0
    return _dataset(release, q).count_rows(filter=_expression(release, q))


def batches(release: Release, q: ValueQuery, columns: list[str] | None = None,
            batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Filtered rows in the file's order (indicator, level, area, period), suppressed cells withheld."""
    if not release.indicator_ids:
        return
    dataset = _dataset(release, q)
    wanted = columns or dataset.schema.names
    read = list(dict.fromkeys([*wanted, "status"]))
    scanner = dataset.scanner(columns=read, filter=_expression(release, q), batch_size=batch_rows)
    for batch in scanner.to_batches():
        if batch.num_rows:
            batch = withhold_suppressed(batch)
            yield batch if read == wanted else batch.select(wanted)


def read_table(release: Release, q: ValueQuery, columns: list[str] | None = None) -> pa.Table:
    parts = list(batches(release, q, columns))
    if parts:
        return pa.Table.from_batches(parts)
    schema = value_schema(release)
    return schema.empty_table() if columns is None else schema.empty_table().select(columns)


def withhold_suppressed(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Null every column of :data:`WITHHELD` on rows whose status is 'suppressed'."""
    hidden = pc.fill_null(pc.equal(batch.column("status"), SUPPRESSED), False)
    if not pc.any(hidden).as_py():
        return batch
    arrays = []
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        if name in WITHHELD:
            col = pc.if_else(hidden, pa.scalar(None, type=col.type), col)
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def period_span(release: Release, q: ValueQuery) -> tuple[str, str] | None:
    """The first and last period present in the filtered rows (None when there are none)."""
    lo = hi = None
    for batch in batches(release, q, ["period"]):
        mm = pc.min_max(batch.column("period"))
        a, b = mm["min"].as_py(), mm["max"].as_py()
        lo = a if lo is None or a < lo else lo
        hi = b if hi is None or b > hi else hi
    return (lo, hi) if lo is not None else None


_BREAKDOWNS: dict[tuple[str, bool], frozenset[str]] = {}


def known_breakdowns(release: Release) -> frozenset[str]:
    key = (str(release.path), release.include_internal)
    if key not in _BREAKDOWNS:
        found: set[str] = set()
        for batch in batches(release, ValueQuery(), ["breakdown"]):
            found.update(pc.unique(batch.column("breakdown")).to_pylist())
        _BREAKDOWNS[key] = frozenset(found)
    return _BREAKDOWNS[key]
