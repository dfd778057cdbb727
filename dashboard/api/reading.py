"""Streamed, filtered reads of a release's indicator values, through the ``Release`` object.

``dashboard.release_reader.Release`` decides which indicators a reader may see (public only unless it was
built with ``include_internal=True``); this module adds what the download routes need on top of it and
never widens that rule:

- a query is first *planned* (:func:`plan`): row groups are pruned by the min/max statistics of every
  filtered column (the files are sorted by indicator, level, area, period), a group whose statistics settle
  the filter is kept or dropped without being read, and only the other groups have their filter columns
  read (dictionary-encoded, so no strings are built) to make a row mask. The plan gives the row count
  (``X-Total-Count``, the row limit) before a byte of the body is written, and the body reuses its masks;
- the rows then come row group by row group (kept runs of rows are zero-copy slices, scattered rows a
  filter), so a download of any size holds one row group in memory, not the whole result;
- every batch passes :func:`withhold_suppressed`, so a suppressed cell leaves with its flag and without its
  value, counts, interval, rank or change, whatever format it is written in;
- every batch gets the column ``area_name`` right after ``area_code`` (:func:`with_area_name`): the area's
  name in the release's own ``areas.parquet``, so a reader need not join the areas table (and a pinned release
  gives the names it was published with). The release files do not hold it; it is added as rows are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core import statuses
from core.layout import bucket_file
from core.schema import INDICATOR_VALUES
from dashboard.release_reader import Release

BY_INDICATOR = "indicator_values.parquet"
BATCH_ROWS = 65_536
#: A kept row set with at most this many runs is sliced (zero-copy); more scattered rows are filtered.
MAX_RUNS = 64

#: Columns that describe the suppressed cell itself and are withheld with it (``withheld`` in core.schema).
WITHHELD = INDICATOR_VALUES.where("withheld")
SUPPRESSED = statuses.SUPPRESSED


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


@dataclass(frozen=True)
class Part:
    """One row group of one file and the rows of it that a query keeps."""

    path: Path
    group: int
    mask: pa.Array | None  # boolean without nulls; None = every row of the group
    rows: int


#: The column added to every row read for a download (not stored in the release's values files).
AREA_NAME = "area_name"


def value_schema(release: Release) -> pa.Schema:
    """The columns of the values as they are published: the file's, with ``area_name`` after ``area_code``."""
    return release.memo(("api-value-schema",), lambda: output_schema(
        _metadata(release, release.path / BY_INDICATOR).schema.to_arrow_schema()))


def output_schema(file_schema: pa.Schema) -> pa.Schema:
    """A values file's schema with :data:`AREA_NAME` right after ``area_code`` (once)."""
    if AREA_NAME in file_schema.names or "area_code" not in file_schema.names:
        return file_schema
    return file_schema.insert(file_schema.get_field_index("area_code") + 1, pa.field(AREA_NAME, pa.string()))


def _area_names(release: Release) -> tuple[pa.Array, pa.Array]:
    """(codes, names) of the release's areas, as Arrow arrays for a vectorised lookup (kept per release)."""
    def load():
        areas = release.areas
        names = areas["name"].tolist() if "name" in areas.columns else [None] * len(areas)
        return (pa.array(areas["area_code"].astype(str).tolist(), pa.string()),
                pa.array([n if isinstance(n, str) else None for n in names], pa.string()))
    return release.memo(("api-area-names",), load)


def with_area_name(release: Release, batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with :data:`AREA_NAME` after ``area_code``: the name the release's areas table gives each
    code (empty for a code it does not list). A dictionary-encoded code column is looked up once per distinct
    code, and the names keep its indices (decoded with the other columns)."""
    if AREA_NAME in batch.schema.names:
        return batch
    codes, names = _area_names(release)
    col = batch.column("area_code")
    if pa.types.is_dictionary(col.type):
        found = pc.take(names, pc.index_in(col.dictionary.cast(pa.string()), value_set=codes))
        named = pa.DictionaryArray.from_arrays(col.indices, found)
    else:
        named = pc.take(names, pc.index_in(col.cast(pa.string()), value_set=codes))
    return batch.add_column(batch.schema.get_field_index("area_code") + 1, pa.field(AREA_NAME, named.type), named)


def published(release: Release, batch: pa.RecordBatch, columns: list[str]) -> pa.RecordBatch:
    """A batch read from a values file as it is published: suppressed cells withheld, ``area_name`` added
    when asked for, ``columns`` in their order, dictionary-encoded columns decoded."""
    batch = withhold_suppressed(batch)
    if AREA_NAME in columns:
        batch = with_area_name(release, batch)
    return _decoded(batch.select(columns))


def file_name(release: Release, path: Path) -> str:
    """The name of a release file as its manifest gives it (``by_area/part-00003.parquet``)."""
    return path.relative_to(release.path).as_posix()


def _metadata(release: Release, path: Path) -> pq.FileMetaData:
    """The file's footer, parsed once per release (a release never changes); the file is checked cheaply
    (:meth:`Release.file`) every time."""
    name = file_name(release, path)
    release.file(name)

    def load() -> pq.FileMetaData:
        with release.reading(name):
            return pq.read_metadata(path)
    return release.memo(("api-footer", name), load)


def _open(release: Release, path: Path) -> pq.ParquetFile:
    """The file with its string columns read dictionary-encoded, as they are stored: decoding the indices
    is much cheaper than building every string, and :func:`batches` turns only the kept rows into strings."""
    md = _metadata(release, path)
    strings = [f.name for f in md.schema.to_arrow_schema() if pa.types.is_string(f.type)]
    with release.reading(file_name(release, path)):
        return pq.ParquetFile(path, metadata=md, read_dictionary=strings, pre_buffer=False,
                              page_checksum_verification=True)


def verify_before_sending(release: Release, parts: list[Part] | None = None) -> None:
    """Before the first byte of a streamed answer: every file it will read matches its manifest checksum
    (hashed once per process and release, :meth:`Release.verified`), so a damaged file gives a 503, not a
    200 that breaks off mid-way. Without ``parts``: the whole values file."""
    paths = {p.path for p in parts} if parts is not None else {release.path / BY_INDICATOR}
    for path in sorted(paths):
        release.verified(file_name(release, path))


def _conditions(release: Release, q: ValueQuery, allowed: set[str]) -> list[tuple[str, str, object]]:
    """The filter as (column, op, operand): op 'in' or 'not in' (a sorted list), '>=' or '<='."""
    conds: list[tuple[str, str, object]] = [("indicator", "in", sorted(allowed))]
    if not release.include_internal:
        conds.append(("visibility", "in", ["public"]))
    for column, values in (("area_code", q.areas), ("level", q.levels), ("parent_code", q.parents),
                           ("breakdown", q.breakdowns)):
        if values is not None:
            conds.append((column, "in", sorted(set(values))))
    if q.period_from:
        conds += period_from_conditions(q.period_from)
    if q.period_to:
        conds += period_to_conditions(q.period_to)
    return conds


# --- periods as spans of time ---------------------------------------------------------------------------
# A period (2020, 2020-Q3, 2020-07) is a span of months. period_from=P keeps the periods that start on or
# after P starts, period_to=P those that end on or before P ends: together, the periods wholly inside the
# span. Period strings sort by year first ('2020' < '2020-01' < ... < '2020-12' < '2020-Q1' < ... < '2021'),
# so a bound is a string comparison on the year plus the periods of the bound's own year it leaves out.


def period_months(period: str) -> tuple[int, int]:
    """First and last month of a normalised period, counted from year 0 (2020-Q3 -> 2020*12+6, 2020*12+8)."""
    year = int(period[:4]) * 12
    if len(period) == 4:
        return year, year + 11
    if period[5] == "Q":
        q = int(period[6])
        return year + 3 * q - 3, year + 3 * q - 1
    m = int(period[5:7])
    return year + m - 1, year + m - 1


def _year_periods(year: str) -> list[str]:
    return [year, *(f"{year}-Q{q}" for q in range(1, 5)), *(f"{year}-{m:02d}" for m in range(1, 13))]


def period_from_conditions(bound: str) -> list[tuple[str, str, object]]:
    """Periods that start on or after ``bound`` starts: 2020-Q1 keeps the year 2020, 2020-Q2 does not."""
    start, year = period_months(bound)[0], bound[:4]
    before = sorted(p for p in _year_periods(year) if period_months(p)[0] < start)
    return [("period", ">=", year)] + ([("period", "not in", before)] if before else [])


def period_to_conditions(bound: str) -> list[tuple[str, str, object]]:
    """Periods that end on or before ``bound`` ends: 2020 keeps 2020-Q4 and 2020-12, 2020-Q1 not the year."""
    end, year = period_months(bound)[1], bound[:4]
    after = sorted(p for p in _year_periods(year) if period_months(p)[1] > end)
    return [("period", "<=", year + "\uffff")] + ([("period", "not in", after)] if after else [])


def _settled(stats, op: str, operand) -> bool | None:
    """What a row group's statistics say of a condition: False = no row can match, True = every row
    matches, None = the rows must be read."""
    if stats is None or not stats.has_min_max:
        return None
    lo, hi = stats.min, stats.max
    no_nulls = stats.has_null_count and stats.null_count == 0
    if op == "in":
        if not any(lo <= v <= hi for v in operand):
            return False
        return True if no_nulls and lo == hi else None
    if op == "not in":
        if lo == hi and lo in operand:
            return False
        return True if no_nulls and not any(lo <= v <= hi for v in operand) else None
    if op == ">=":
        return False if hi < operand else (True if no_nulls and lo >= operand else None)
    return False if lo > operand else (True if no_nulls and hi <= operand else None)


def _condition_mask(col: pa.ChunkedArray | pa.Array, op: str, operand) -> pa.Array:
    if op == "in":
        return pc.is_in(col, value_set=pa.array(operand, pa.string()))
    if op == "not in":
        return pc.invert(pc.is_in(col, value_set=pa.array(operand, pa.string())))
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    return pc.greater_equal(col, operand) if op == ">=" else pc.less_equal(col, operand)


def _files(release: Release, q: ValueQuery) -> list[Path]:
    if q.areas is not None and q.indicators is None:
        # a few areas across all indicators: only the small by-area files that hold them
        bucket = dict(zip(release.areas["area_code"], release.areas["bucket"], strict=True))
        return sorted({release.path / bucket_file(int(bucket[a])) for a in q.areas if a in bucket})
    return [release.path / BY_INDICATOR]


def plan(release: Release, q: ValueQuery) -> list[Part]:
    """The row groups a query needs and, where their statistics do not settle it, which of their rows.

    Reads only the filter columns that the statistics leave open, dictionary-encoded."""
    if not release.indicator_ids:
        return []
    allowed = release.indicator_ids if q.indicators is None else release.indicator_ids & set(q.indicators)
    if not allowed:
        return []
    conds = _conditions(release, q, allowed)
    parts: list[Part] = []
    for path in _files(release, q):
        md = _metadata(release, path)
        names = md.schema.to_arrow_schema().names
        pf = None
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            if rg.num_rows == 0:
                continue
            open_conds, dropped = [], False
            for column, op, operand in conds:
                verdict = _settled(rg.column(names.index(column)).statistics, op, operand)
                if verdict is False:
                    dropped = True
                    break
                if verdict is None:
                    open_conds.append((column, op, operand))
            if dropped:
                continue
            if not open_conds:
                parts.append(Part(path, g, None, rg.num_rows))
                continue
            pf = pf or _open(release, path)
            with release.reading(file_name(release, path)):
                t = pf.read_row_group(g, columns=list(dict.fromkeys(c for c, _, _ in open_conds)))
            mask = None
            for column, op, operand in open_conds:
                m = _condition_mask(t.column(column), op, operand)
                mask = m if mask is None else pc.and_(mask, m)
            mask = pc.fill_null(mask, False)
            if isinstance(mask, pa.ChunkedArray):
                mask = mask.combine_chunks()
            kept = pc.sum(mask).as_py() or 0
            if kept:
                parts.append(Part(path, g, None if kept == rg.num_rows else mask, kept))
    return parts


def count(release: Release, q: ValueQuery, parts: list[Part] | None = None) -> int:
    """Rows the query matches (from the plan: statistics, and the filter columns where they do not settle)."""
    return sum(p.rows for p in (plan(release, q) if parts is None else parts))


def _kept(table: pa.Table, mask: pa.Array | None) -> Iterator[pa.Table]:
    """The kept rows of a row group: runs of rows as slices, or one filtered table when they are scattered."""
    if mask is None:
        yield table
        return
    m = mask.to_numpy(zero_copy_only=False)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], m, [False])).view(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) > MAX_RUNS:
        yield table.filter(mask)
        return
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        yield table.slice(a, b - a)


def batches(release: Release, q: ValueQuery, columns: list[str] | None = None,
            batch_rows: int = BATCH_ROWS, *, parts: list[Part] | None = None) -> Iterator[pa.RecordBatch]:
    """Filtered rows in the file's order (indicator, level, area, period), suppressed cells withheld, with
    the file's column types and ``area_name`` after ``area_code`` (:func:`value_schema`; ``columns`` may name it).

    Reads row group by row group (only those of the plan, ``parts`` when the caller already made it), so
    memory holds one row group whatever the size of the result; batches have at most ``batch_rows`` rows."""
    if parts is None:
        parts = plan(release, q)
    files: dict[Path, pq.ParquetFile] = {}
    for part in parts:
        pf = files.get(part.path)
        if pf is None:
            pf = files[part.path] = _open(release, part.path)
        wanted = columns or output_schema(pf.schema_arrow).names
        read = [c for c in dict.fromkeys([*wanted, "status", *(["area_code"] if AREA_NAME in wanted else [])])
                if c != AREA_NAME]
        with release.reading(file_name(release, part.path)):
            table = pf.read_row_group(part.group, columns=read)
        for piece in _kept(table, part.mask):
            for batch in piece.to_batches(max_chunksize=batch_rows):
                if batch.num_rows:
                    yield published(release, batch, wanted)


def _decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Dictionary-encoded columns as plain arrays of their values (the file's own types)."""
    if not any(pa.types.is_dictionary(t) for t in batch.schema.types):
        return batch
    arrays = [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


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
