"""Write the published values of a release, a chunk of indicators at a time.

indicator_values.parquet      every row, sorted by indicator, level, area, period, in row groups that never
                               span two indicators: reading one indicator touches only its row groups
by_area/part-NNNNN.parquet    the same rows split by area bucket (``AREAS_PER_BUCKET`` consecutive area
                               codes per file; ``areas.parquet`` says which bucket an area is in): reading
                               one area across all indicators reads one small file
level_ranges.parquet          min, quartiles, median, max and count of the published values of every public
                               indicator at each level and period (total breakdown): the spread an area
                               profile draws each value against, computed once here and not on the first
                               request of every dashboard worker

Each chunk of indicators is computed by the engine (``Computation.published``), written, and dropped, so
memory stays at one chunk whatever the number of indicators. Indicators a job did not refresh are copied
from the previous release in their turn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core import schema, statuses
from core.layout import AREAS_PER_BUCKET, BY_AREA, LEVEL_RANGES, bucket_file
from indicators import coded
from indicators.compute import Computation

log = logging.getLogger(__name__)

#: Rows of the published table computed, held and written at once (``engine.rows_per_chunk`` sets it). With
#: DuckDB the computation is in this process: peak RSS at 4.2 M rows was 2.4 GB at 750 k, 4.1 GB at 1.5 M,
#: 4.7 GB at 3 M. The same on Spark by default: by_area/ files take each chunk's rows in turn, so their row
#: order (not their content) follows the chunks, and releases made in the same chunks are the same bytes.
ROWS_PER_CHUNK = 1_000_000
ROW_GROUP_SIZE = 50_000
#: The main file is zstd. The by-area files are LZ4: each chunk adds one small row group (a few thousand
#: rows) to each of some 250 files, and on those many small pages zstd cost 1.3 s per 0.9 M rows against
#: 0.7 s for LZ4, for files 22% smaller (measured on the national-scale bench).
BY_AREA_COMPRESSION = "lz4"
ID_COLUMNS = ("ind_id", "area_id", "period_id", "bd_id")
#: Quantiles as DuckDB's QUANTILE_CONT (linear interpolation), over the values as published (suppressed
#: cells are null and not counted); internal indicators are left out of the file altogether.
RANGES_SQL = """
SELECT indicator, level, period, MIN(value) AS vmin, QUANTILE_CONT(value, 0.25) AS q1, MEDIAN(value) AS median,
       QUANTILE_CONT(value, 0.75) AS q3, MAX(value) AS vmax, COUNT(value) AS n
FROM chunk WHERE breakdown = 'total' AND value IS NOT NULL AND visibility = 'public'
GROUP BY indicator, level, period
ORDER BY indicator, level, period
"""
#: Columns with min/max statistics in every row group: those readers filter on (and the value), marked
#: ``statistics`` in core.schema. Statistics on the other 30-odd columns cost a quarter of the write time and
#: no reader uses them.
STATISTICS = schema.INDICATOR_VALUES.where("statistics")
#: Where a computed chunk comes from, for the error when it does not match the release schema.
COMPUTED_BY = "the computation (Computation.published: indicators/sql/compare.sql)"


def area_buckets(comp: Computation) -> dict[str, int]:
    """Bucket of every area: consecutive area ids (code order) share a file."""
    return dict(zip(comp.areas["area_code"], (comp.areas["area_id"] // AREAS_PER_BUCKET).astype(int),
                    strict=True))


def chunk_rows(engine=None) -> int:
    """Rows per chunk for the engine settings ``engine`` (``core.config_models.EngineConfig``)."""
    return getattr(engine, "rows_per_chunk", None) or ROWS_PER_CHUNK


def _plan(comp: Computation, carried: set[str], rows: int) -> Iterator[tuple[str, list]]:
    """In indicator order: ('compute', [ind ids]) for chunks of computed indicators of about ``rows`` rows,
    ('carry', [name]) for each indicator taken from the previous release."""
    per_indicator = max(1, len(comp.areas) * comp.n_periods * comp.n_breakdowns)
    size = max(1, rows // per_indicator)
    ids = dict(zip(comp.indicators["indicator"], comp.indicators["ind_id"], strict=True))
    chunk: list[int] = []
    for name in sorted(set(ids) | carried):
        if name not in ids:
            if chunk:
                yield "compute", chunk
                chunk = []
            yield "carry", [name]
            continue
        chunk.append(int(ids[name]))
        if len(chunk) == size:
            yield "compute", chunk
            chunk = []
    if chunk:
        yield "compute", chunk


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of equal consecutive values."""
    if len(values) == 0:
        return []
    cuts = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), len(values)]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


class _Writers:
    def __init__(self, folder: Path, buckets: dict[str, int]):
        self.folder = folder
        self.buckets = buckets
        self.main: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.by_area: dict[int, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}
        self.ranges: list[pa.Table] = []
        (folder / BY_AREA).mkdir()

    def split(self, table: pa.Table) -> tuple[pa.Table, np.ndarray, np.ndarray]:
        """The chunk as published (integer keys dropped, the release's schema), and the order and buckets
        of its rows by area: rows come in (indicator, level, area, period) order, and a stable sort on the
        area keeps indicator and period order within each area."""
        if "area_id" in table.column_names:  # computed chunk: one integer sort (a three-key Arrow sort took
            area = table.column("area_id").to_numpy()  # 0.5 s more per 0.9 M rows)
            order = np.argsort(area, kind="stable")
            buckets = (area // AREAS_PER_BUCKET)[order]
        else:  # carried forward from the previous release: codes only
            codes = table.column("area_code").to_numpy(zero_copy_only=False)
            bucket = np.fromiter((self.buckets.get(c, 0) for c in codes), np.int64, len(codes))
            keys = pa.table({"_bucket": bucket, "_area": table.column("area_code"),
                             "_row": np.arange(table.num_rows)})
            order = pc.sort_indices(keys, sort_keys=[("_bucket", "ascending"), ("_area", "ascending"),
                                                     ("_row", "ascending")]).to_numpy()
            buckets = bucket[order]
        computed = "area_id" in table.column_names
        table = table.drop_columns([c for c in ID_COLUMNS if c in table.column_names])
        if computed:
            schema.INDICATOR_VALUES.check(table.schema, COMPUTED_BY)
        if self.schema is None:
            # a column that happens to be empty in the first chunk must not fix its type as null
            self.schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                     for f in table.schema])
            self.main = self._writer(self.folder / "indicator_values.parquet", "zstd")
        return table.select(self.schema.names).cast(self.schema), order, buckets

    def write_main(self, table: pa.Table) -> None:
        self.ranges.append(_level_ranges(table))
        for name, a, b in _indicator_runs(table.column("indicator")):
            self.main.write_table(table.slice(a, b - a), row_group_size=ROW_GROUP_SIZE)
            self.rows[name] = self.rows.get(name, 0) + (b - a)

    def write_by_area(self, table: pa.Table, order: np.ndarray, buckets: np.ndarray) -> None:
        table = table.take(order)
        for a, b in _runs(buckets):
            k = int(buckets[a])
            if k not in self.by_area:
                self.by_area[k] = self._writer(self.folder / bucket_file(k), BY_AREA_COMPRESSION)
            self.by_area[k].write_table(table.slice(a, b - a))

    def _writer(self, path: Path, compression: str) -> pq.ParquetWriter:
        """Dictionary pages for text columns only (codes and words repeat; numbers rarely do, and
        trying a dictionary on every float column costs time for nothing). The coded columns arrive
        dictionary-encoded and are written as they are; no Arrow schema is stored, so that every reader
        reads them back as plain text. Every page carries a CRC-32 (``write_page_checksum``), so that a
        reader that verifies them (dashboard.release_reader) reports a flipped bit instead of a wrong value."""
        text = [f.name for f in self.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                or pa.types.is_dictionary(f.type)]
        return pq.ParquetWriter(path, self.schema, compression=compression, use_dictionary=text, store_schema=False,
                                write_statistics=[c for c in STATISTICS if c in self.schema.names],
                                write_page_checksum=True)

    def write_ranges(self) -> None:
        """level_ranges.parquet, once every chunk is written."""
        ranges = pa.concat_tables(self.ranges)
        schema.LEVEL_RANGES.check(ranges.schema, "the level ranges (etl.release_values.RANGES_SQL)")
        pq.write_table(ranges, self.folder / LEVEL_RANGES, write_page_checksum=True)

    def close(self) -> None:
        if self.main is not None:
            self.main.close()
        for w in self.by_area.values():
            w.close()


def _indicator_runs(column: pa.ChunkedArray) -> Iterator[tuple[str, int, int]]:
    """(indicator, start, end) of each run of rows of one indicator; a coded column is read by its codes."""
    column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        codes, words = column.indices.to_numpy(zero_copy_only=False), column.dictionary.to_pylist()
        return ((words[codes[a]], a, b) for a, b in _runs(codes))
    names = column.to_numpy(zero_copy_only=False)
    return ((str(names[a]), a, b) for a, b in _runs(names))


def _level_ranges(table: pa.Table) -> pa.Table:
    con = duckdb.connect(config={"threads": 1})  # one thread: the engine's are computing the next chunk
    try:
        con.register("chunk", table.select(["indicator", "level", "period", "breakdown", "value", "visibility"]))
        return coded.plain(con.sql(RANGES_SQL).to_arrow_table())
    finally:
        con.close()


def withheld_cells(values: Path) -> pd.DataFrame:
    """The cells a release withheld (status ``suppressed``): ``indicator, area_code, period, breakdown``.
    The next release keeps them withheld (indicators.disclosure)."""
    table = pq.read_table(values, columns=["indicator", "area_code", "period", "breakdown"],
                          filters=[("status", "=", statuses.SUPPRESSED)])
    return table.to_pandas()


def write_values(comp: Computation, folder: Path, previous: Path | None = None,
                 carried: set[str] | None = None, rows_per_chunk: int | None = None) -> dict[str, int]:
    """Write indicator_values.parquet and by_area/; returns the rows written per indicator.
    ``rows_per_chunk``: see :func:`chunk_rows` (``ROWS_PER_CHUNK`` when not given)."""
    carried = carried or set()
    if carried and previous is None:
        raise ValueError("indicators to carry forward need the previous release")
    writers = _Writers(folder, area_buckets(comp))
    # Two writer threads, one for each copy: chunk k is written (pyarrow, without the GIL) while the engine
    # computes chunk k+1. Chunks are handed over in order and at most one waits, so memory stays at two chunks.
    pending: list[Future] = []
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="release-writer") as pool:
            for action, ids in _plan(comp, carried, rows_per_chunk or ROWS_PER_CHUNK):
                if action == "carry":
                    table = pq.read_table(previous, filters=[("indicator", "=", ids[0])])
                else:
                    table = comp.published(ids[0], ids[-1])
                    log.debug("step=write indicators=%d..%d", ids[0], ids[-1])
                for done in pending:
                    done.result()  # re-raises a failed write here
                if table.num_rows == 0:
                    pending = []
                    continue
                table, order, buckets = writers.split(table)
                pending = [pool.submit(writers.write_main, table),
                           pool.submit(writers.write_by_area, table, order, buckets)]
            for done in pending:
                done.result()
    finally:
        writers.close()
    if writers.main is None:
        raise ValueError("the release has no indicator values")
    writers.write_ranges()
    return writers.rows
