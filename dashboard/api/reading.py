"""Streamed, filtered reads of a release's indicator values, through the ``Release`` object.

``dashboard.release_reader.Release`` decides which indicators a reader may see (public only unless it was
built with ``include_internal=True``); this module adds what the download routes need on top of it and
never widens that rule:

- the rows come as record batches, row group by row group (row groups skipped by their statistics on the
  sort column), so a download of any size holds one row group in memory, not the whole result;
- every batch passes :func:`withhold_suppressed`, so a suppressed cell leaves with its flag and without its
  value, counts, interval, rank or change, whatever format it is written in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds  # expressions only
import pyarrow.parquet as pq

from dashboard.release_reader import Release
from etl.release_values import bucket_file

BY_INDICATOR = "indicator_values.parquet"
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


def value_schema(release: Release) -> pa.Schema:
    return pq.read_schema(release.path / BY_INDICATOR)


def count(release: Release, q: ValueQuery) -> int:
    """Rows the query matches (reads only the filter columns of the row groups that can match)."""
    return sum(b.num_rows for b in _filtered(release, q, list(FILTER_COLUMNS[:1])))


FILTER_COLUMNS = ("indicator", "visibility", "area_code", "level", "parent_code", "breakdown", "period")


def _row_groups(pf: pq.ParquetFile, column: str, wanted: set[str] | None) -> list[int]:
    """Row groups whose min/max statistics of ``column`` can hold one of ``wanted`` (the files are sorted)."""
    md = pf.metadata
    groups = list(range(md.num_row_groups))
    if wanted is None:
        return groups
    idx = pf.schema_arrow.get_field_index(column)
    keep = []
    for i in groups:
        st = md.row_group(i).column(idx).statistics
        if st is None or not st.has_min_max or any(st.min <= w <= st.max for w in wanted):
            keep.append(i)
    return keep


def _filtered(release: Release, q: ValueQuery, wanted: list[str] | None,
              batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    if not release.indicator_ids:
        return
    allowed = release.indicator_ids if q.indicators is None else release.indicator_ids & set(q.indicators)
    if q.areas is not None and q.indicators is None:
        # a few areas across all indicators: only the small by-area files that hold them
        bucket = dict(zip(release.areas["area_code"], release.areas["bucket"], strict=True))
        paths = sorted({release.path / bucket_file(int(bucket[a])) for a in q.areas if a in bucket})
        files = [(pq.ParquetFile(p, pre_buffer=False), None) for p in paths]
    else:
        pf = pq.ParquetFile(release.path / BY_INDICATOR, pre_buffer=False)
        files = [(pf, _row_groups(pf, "indicator", allowed))]
    expr = _expression(release, q)
    for pf, groups in files:
        wanted = wanted or pf.schema_arrow.names
        read = list(dict.fromkeys([*wanted, "status", *FILTER_COLUMNS]))
        for batch in pf.iter_batches(batch_size=batch_rows, row_groups=groups, columns=read):
            batch = batch.filter(expr)
            if batch.num_rows:
                yield withhold_suppressed(batch).select(wanted)


def batches(release: Release, q: ValueQuery, columns: list[str] | None = None,
            batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Filtered rows in the file's order (indicator, level, area, period), suppressed cells withheld.

    Reads row group by row group (pruned by the sort column's statistics), so memory holds one row group
    whatever the size of the result."""
    return _filtered(release, q, columns, batch_rows)


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
