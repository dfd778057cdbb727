"""Streaming writers: record batches in, chunks of bytes out, one batch in memory at a time.

Each writer takes the schema (so an empty result still has its header) and an iterator of record batches,
and yields bytes as soon as a batch is written. CSV and SDMX-CSV use pyarrow's C++ CSV writer; Parquet a
``ParquetWriter`` on a sink that hands its bytes back after every row group. xlsx is in xlsx.py;
download_formats.py says which format is which (name, media type, writer).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from core import statuses
from core.schema import INDICATOR_VALUES, SDMX_VALUES
from indicators import disclosure

BOM = "\ufeff".encode()
CHUNK = 1 << 20


class _Sink:
    """A write-only file object that keeps what was written until :meth:`take` hands it out."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.closed = False

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


#: Rows of one CSV piece: pieces are rendered on a small thread pool (pyarrow writes without the GIL) and
#: sent in order, at most :data:`CSV_IN_FLIGHT` ahead of the socket, so memory stays flat.
CSV_ROWS = 16_384
CSV_IN_FLIGHT = 4
_CSV_BODY = pacsv.WriteOptions(quoting_style="needed", include_header=False)
_CSV_HEADER = pacsv.WriteOptions(quoting_style="needed", include_header=True)
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _csv_pool() -> ThreadPoolExecutor:
    """One pool per process (made after a fork, never inherited from the parent)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                 else os.cpu_count() or 1))
            _pool = (os.getpid(), ThreadPoolExecutor(workers, thread_name_prefix="openmeasure-csv"))
        return _pool[1]


def _csv_bytes(data: pa.RecordBatch | pa.Table, options: pacsv.WriteOptions) -> bytes:
    out = pa.BufferOutputStream()
    pacsv.write_csv(data, out, write_options=options)
    return out.getvalue().to_pybytes()


def csv_header(schema: pa.Schema, bom: bool = False) -> bytes:
    """The header line of a CSV download (after a BOM if asked)."""
    return (BOM if bom else b"") + _csv_bytes(schema.empty_table(), _CSV_HEADER)


def csv_stream(schema: pa.Schema, batches: Iterable[pa.RecordBatch], bom: bool = False) -> Iterator[bytes]:
    """The header (after a BOM if asked), then the rows: pyarrow's CSV writer on pieces of
    :data:`CSV_ROWS` rows rendered in parallel and yielded in order (the bytes are those of one writer)."""
    yield csv_header(schema, bom)
    pool = _csv_pool()
    pending: deque[Future] = deque()
    try:
        for batch in batches:
            for start in range(0, batch.num_rows, CSV_ROWS):
                pending.append(pool.submit(_csv_bytes, batch.slice(start, CSV_ROWS), _CSV_BODY))
                while len(pending) >= CSV_IN_FLIGHT:
                    yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


def parquet_stream(schema: pa.Schema, batches: Iterable[pa.RecordBatch], metadata: dict) -> Iterator[bytes]:
    """Parquet of the batches. Every column is written nullable: a release written by an older version may
    mark a column NOT NULL, and a withheld (suppressed) cell is null whatever the file said."""
    sink = _Sink()
    schema = pa.schema([f.with_nullable(True) for f in schema],
                       metadata={**(schema.metadata or {}), b"openmeasure": orjson.dumps(metadata)})
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd")
    try:
        for batch in batches:
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()


def _json_default(value):
    """What orjson does not encode itself: decimals (a release written by an older version may hold a
    count as decimal128), as an integer when whole."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_rows(batch: pa.RecordBatch) -> Iterator[bytes]:
    """One orjson-encoded object per row (NaN becomes null)."""
    for row in batch.to_pylist():
        yield orjson.dumps(row, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY)


# --- SDMX-CSV 1.0 ------------------------------------------------------------------------------------
DATAFLOW = "OPENMEASURE:INDICATOR_VALUES(1.0)"
#: SDMX OBS_STATUS code list (CL_OBS_STATUS) and the statuses withheld (CONF_STATUS C or D, not F): the
#: status vocabulary's (core.statuses).
OBS_STATUS = statuses.OBS_STATUS
WITHHELD = statuses.WITHHELD
#: The SDMX-CSV columns, and the columns of the values they are made from (core.schema).
SDMX_COLUMNS = SDMX_VALUES.names
SDMX_SOURCE_COLUMNS = list(INDICATOR_VALUES.where("outputs", "sdmx"))


def sdmx_batch(batch: pa.RecordBatch, units: dict[str, str]) -> pa.RecordBatch:
    n = batch.num_rows
    status = batch.column("status")
    ind = batch.column("indicator")
    arrays = [
        pa.array([DATAFLOW] * n, pa.string()), ind, batch.column("area_code"), batch.column("level"),
        batch.column("period"), batch.column("breakdown"), batch.column("value"),
        _map(status, OBS_STATUS, "A"), _conf_status(status, batch.column("note")), _map(ind, units, ""),
        batch.column("lower_ci"), batch.column("upper_ci"), obs_flag(batch.column("flags")),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=SDMX_COLUMNS)


def obs_flag(flags: pa.Array) -> pa.Array:
    """The publisher's flag letters without Eurostat's ':' (its mark of a missing value, which OBS_STATUS M
    already says: it is no flag), empty when nothing is left."""
    flags = flags.cast(pa.string()) if pa.types.is_dictionary(flags.type) else flags
    kept = pc.utf8_trim_whitespace(pc.replace_substring(flags, ":", ""))
    return pc.if_else(pc.equal(kept, ""), pa.scalar(None, pa.string()), kept)


def sdmx_schema() -> pa.Schema:
    return SDMX_VALUES.plain("sdmx")


def _conf_status(status: pa.Array, note: pa.Array) -> pa.Array:
    """F for a published value; C for a cell withheld for what it is, D for one withheld to protect another
    (told by its note: indicators.disclosure.PRIMARY_NOTE_PREFIX)."""
    status, note = (c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in (status, note))
    withheld = pc.fill_null(pc.is_in(status, value_set=pa.array(WITHHELD, pa.string())), False)
    primary = pc.fill_null(pc.starts_with(note, disclosure.PRIMARY_NOTE_PREFIX), False)
    return pc.if_else(withheld, pc.if_else(primary, "C", "D"), "F")


def _map(col: pa.Array, mapping: dict[str, str], default: str) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    idx = pc.index_in(col, value_set=keys)
    vals = pa.array(list(mapping.values()), pa.string())
    return pc.fill_null(pc.take(vals, idx), default)
