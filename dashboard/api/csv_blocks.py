"""Pre-rendered CSV blocks: the CSV text of a release's public rows, rendered once, ahead of requests.

A release never changes, so neither does the CSV text of its rows. For the current public release, a
background thread renders each row group of ``indicator_values.parquet`` (then of the by-area files) into
one *block*: the CSV body of the group's public rows (no header), exactly as :func:`formats.csv_stream`
renders them after :func:`reading.published` (suppressed cells withheld, ``area_name`` added), with the byte offset of every row of the group. A
CSV download of public rows with all columns is then assembled from byte ranges of the blocks: a whole
block for a group the plan keeps whole, and for a masked group the rows it keeps, gathered by their offsets
(numpy, a window of the block at a time), so the cold path does no number formatting at all.

Safety and sharing:

- only rows a *public* reader may see are rendered (public indicator, ``visibility`` public); the other rows
  of a group get an empty byte range, so no internal value is ever written to a block;
- a block is written to a temporary file and renamed into place; its header gives its row count and body
  length, and a file whose size, magic or row count do not match is ignored (the request renders as usual);
- one renderer per release across all server processes: it holds an ``flock`` on the release's lock file,
  and a process that cannot take it renders nothing (requests render as usual until the blocks appear);
- the blocks of a release live in ``<download cache>/csv-blocks/<release>-<format>-pyarrow<version>/``, so a
  pyarrow upgrade, which could change how a number is written, never serves text from another writer;
  the folders of other releases are removed when a new release is rendered;
- the blocks of a release are bounded by ``access.csv_blocks_mb``: groups are rendered in file order until
  the budget is reached, the rest render per request as before.

The renderer runs in a daemon thread with the lowest CPU priority Linux gives a single thread, one row
group at a time, pausing between groups.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import StoreError
from dashboard.api import formats, reading
from dashboard.release_reader import Release, ReleaseReader, ReleaseView

log = logging.getLogger(__name__)

MAGIC = b"OMCSVB01"
_HEAD = struct.Struct("<8sQQ")  # magic, rows of the group, body bytes; then the body, then rows+1 int64 offsets
#: Part of the blocks' folder name: raise it when the text of a row changes (v2: ``area_name`` after
#: ``area_code``), so that blocks rendered for the old columns are never put together under the new header.
LAYOUT = "v2"
#: Bytes handed out per chunk of a whole or run-sliced block; scattered rows are gathered a window at a time.
CHUNK = 1 << 20
WINDOW = 1 << 20
#: Rows of one rendered piece (as in formats.csv_stream).
PIECE_ROWS = formats.CSV_ROWS
PAUSE = 0.01


class BlockError(Exception):
    """A block could not be rendered faithfully (its rows could not be told apart)."""


def folder_name(rel: Release) -> str:
    return f"{rel.id}-{LAYOUT}-pyarrow{pa.__version__}"


def block_name(rel: Release, path: Path, group: int) -> str:
    """``indicator_values.g00003.blk``, ``by_area~part-00052.g00000.blk``: from the release's own file names."""
    return f"{path.relative_to(rel.path).as_posix().replace('/', '~')}.g{group:05d}.blk"


def public_files(rel: Release) -> list[Path]:
    """The files blocks are made for, in the order they are rendered (the by-indicator file first)."""
    return [rel.path / reading.BY_INDICATOR, *sorted((rel.path / "by_area").glob("*.parquet"))]


# --- rendering ---------------------------------------------------------------------------------------
def _row_lengths(piece: bytes, rows: int) -> np.ndarray:
    """Byte length of each row of a rendered piece: its line ends are the newlines outside quotes (strings
    are always quoted and a quote inside one is doubled, so an even count of quotes precedes a row end)."""
    b = np.frombuffer(piece, np.uint8)
    ends = b == 10
    quotes = b == 34
    if quotes.any():
        ends &= (np.cumsum(quotes, dtype=np.uint8) & 1) == 0  # wraps at 256: the parity is kept
    ends = np.flatnonzero(ends) + 1
    if len(ends) != rows or (rows and ends[-1] != len(b)):
        raise BlockError(f"{len(ends)} line ends for {rows} rows")
    return np.diff(ends, prepend=0)


def public_mask(rel: Release, table: pa.Table | pa.RecordBatch) -> pa.Array:
    """Rows a public reader may see: the plan's own conditions for an unfiltered query."""
    mask = None
    for column, op, operand in reading._conditions(rel, reading.ValueQuery(), set(rel.indicator_ids)):
        m = reading._condition_mask(table.column(column), op, operand)
        mask = m if mask is None else pc.and_(mask, m)
    mask = pc.fill_null(mask, False)
    return mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask


def render_block(rel: Release, path: Path, group: int, dest: Path) -> int:
    """Write the block of one row group to ``dest`` (through a temporary file); returns its size."""
    if rel.include_internal:
        raise ValueError("blocks hold public rows only")
    pf = reading._open(rel, path)
    names = reading.output_schema(pf.schema_arrow).names  # the published columns, area_name among them
    n = pf.metadata.row_group(group).num_rows
    lengths, masks = [], []
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_HEAD.pack(b"\0" * 8, n, 0))
            body = 0
            # a piece at a time (not the whole group): the renderer's memory stays that of a few pieces
            for batch in pf.iter_batches(batch_size=PIECE_ROWS, row_groups=[group], use_threads=False):
                mask = public_mask(rel, batch)
                masks.append(mask.to_numpy(zero_copy_only=False))
                batch = batch.filter(mask)
                if not batch.num_rows:
                    continue
                piece = formats._csv_bytes(reading.published(rel, batch, names), formats._CSV_BODY)
                lengths.append(_row_lengths(piece, batch.num_rows))
                fh.write(piece)
                body += len(piece)
            public = np.concatenate(masks) if masks else np.zeros(0, bool)
            if len(public) != n:
                raise BlockError(f"read {len(public)} rows of a group of {n}")
            row_len = np.zeros(n, np.int64)
            row_len[np.flatnonzero(public)] = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
            offsets = np.concatenate(([0], np.cumsum(row_len))).astype("<i8")
            assert offsets[-1] == body
            fh.write(offsets.tobytes())
            fh.seek(0)
            fh.write(_HEAD.pack(MAGIC, n, body))
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest.stat().st_size


class CsvBlocks:
    """The blocks of one server: where they live, their budget, and the background renderer."""

    def __init__(self, root: Path | None, max_bytes: int):
        self.root = root if max_bytes > 0 else None
        self.max_bytes = max_bytes
        self._started: tuple[int, set[str]] = (os.getpid(), set())
        self._lock = threading.Lock()
        self.current: str | None = None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def folder(self, rel: Release) -> Path:
        assert self.root is not None
        return self.root / folder_name(rel)

    # --- the background renderer ---------------------------------------------------------------------
    def ensure_current(self, reader: ReleaseReader | ReleaseView) -> threading.Thread | None:
        """:meth:`ensure` for the reader's current release (nothing when the store has none to give)."""
        if not self.enabled:
            return None
        try:
            return self.ensure(reader.current())
        except StoreError:
            return None

    def ensure(self, rel: Release) -> threading.Thread | None:
        """Start rendering ``rel`` (the current public release) in the background, once per process."""
        if not self.enabled or rel.include_internal:
            return None
        name = folder_name(rel)
        self.current = name
        with self._lock:
            pid, started = self._started
            if pid != os.getpid():  # a forked worker: the parent's thread did not come along
                started = set()
                self._started = (os.getpid(), started)
            if name in started:
                return None
            started.add(name)
        if (self.root / name / "done.json").is_file():
            return None
        t = threading.Thread(target=self._background, args=(rel,), name="openmeasure-csv-blocks", daemon=True)
        t.start()
        return t

    def _background(self, rel: Release) -> None:
        try:  # on Linux the nice value is per thread: only this thread yields to the requests
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        try:
            self.render(rel, pause=PAUSE)
        except Exception:  # noqa: BLE001 (a failed render only means requests render as before)
            log.exception("csv_blocks=failed release=%s", rel.id)

    def render(self, rel: Release, pause: float = 0.0) -> dict | None:
        """Render the blocks of ``rel`` in file and group order until the budget is spent; None when another
        process holds the release's lock (it renders them)."""
        if not self.enabled or rel.include_internal:
            return None
        name = folder_name(rel)
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{name}.lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return None
            self._remove_others(name)
            t0 = time.perf_counter()
            total = sum(p.stat().st_size for p in folder.glob("*.blk"))
            made = rows = 0
            complete = True
            for path in public_files(rel):
                md = reading._metadata(rel, path)
                for g in range(md.num_row_groups):
                    if self.current not in (None, name):
                        return None  # a newer release took over; its renderer will clean up
                    dest = folder / block_name(rel, path, g)
                    if dest.is_file():
                        continue
                    if total >= self.max_bytes:
                        complete = False
                        break
                    size = render_block(rel, path, g, dest)
                    if total + size > self.max_bytes:
                        dest.unlink()
                        complete = False
                        break
                    total += size
                    made += 1
                    rows += md.row_group(g).num_rows
                    if pause:
                        time.sleep(pause)
                if not complete:
                    break
            info = {"release": rel.id, "seconds": round(time.perf_counter() - t0, 3), "bytes": total,
                    "blocks_made": made, "rows_made": rows, "complete": complete}
            tmp = folder / f".done.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(info))
            os.replace(tmp, folder / "done.json")
            log.info("csv_blocks=done release=%s seconds=%s bytes=%s complete=%s", rel.id, info["seconds"], total,
                     complete)
            return info

    def _remove_others(self, keep: str) -> None:
        """Blocks of other releases (or other writers), unless their renderer is still at work."""
        for lockfile in self.root.glob("*.lock"):
            name = lockfile.name[:-len(".lock")]
            if name == keep:
                continue
            with open(lockfile, "a+b") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue
                shutil.rmtree(self.root / name, ignore_errors=True)
                lockfile.unlink(missing_ok=True)
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name != keep and not (self.root / f"{folder.name}.lock").exists():
                shutil.rmtree(folder, ignore_errors=True)

    # --- serving -------------------------------------------------------------------------------------
    def csv_body(self, rel: Release, schema: pa.Schema, parts: list[reading.Part],
                 bom: bool = False) -> BlockBody | None:
        """The CSV download of ``parts`` (header and rows) from the blocks, or None when a part has no
        valid block (the caller then renders as usual). Every block is opened before the first byte."""
        if not self.enabled or rel.include_internal:
            return None
        folder = self.folder(rel)
        opened = []
        try:
            for part in parts:
                block = _open_block(folder / block_name(rel, part.path, part.group),
                                    reading._metadata(rel, part.path).row_group(part.group).num_rows)
                if block is None:
                    for fh, _ in opened:
                        fh.close()
                    return None
                opened.append(block)
        except BaseException:
            for fh, _ in opened:
                fh.close()
            raise
        return BlockBody(_assemble(formats.csv_header(schema, bom), parts, opened))


class BlockBody:
    """The chunks of a download put together from blocks (so a route can say how its body was made)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def __iter__(self) -> BlockBody:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()


def _open_block(path: Path, rows: int):
    """(file, body bytes) of a complete block of ``rows`` rows, or None."""
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by _assemble)
    except OSError:
        return None
    try:
        head = os.pread(fh.fileno(), _HEAD.size, 0)
        magic, n, body = _HEAD.unpack(head) if len(head) == _HEAD.size else (b"", -1, -1)
        if (magic != MAGIC or n != rows
                or os.fstat(fh.fileno()).st_size != _HEAD.size + body + 8 * (rows + 1)):
            fh.close()
            return None
    except OSError:
        fh.close()
        return None
    return fh, body


def _assemble(header: bytes, parts: list[reading.Part], opened: list) -> Iterator[bytes]:
    try:
        yield header
        for part, (fh, body) in zip(parts, opened, strict=True):
            fd = fh.fileno()
            if part.mask is None:
                yield from _read_range(fd, _HEAD.size, _HEAD.size + body)
                continue
            n = len(part.mask)
            offsets = np.frombuffer(os.pread(fd, 8 * (n + 1), _HEAD.size + body), "<i8")
            m = part.mask.to_numpy(zero_copy_only=False)
            edges = np.flatnonzero(np.diff(np.concatenate(([False], m, [False])).view(np.int8)))
            lo, hi = offsets[edges[0::2]], offsets[edges[1::2]]
            yield from _gather(fd, _HEAD.size, lo, hi)
    finally:
        for fh, _ in opened:
            fh.close()


def _read_range(fd: int, start: int, end: int) -> Iterator[bytes]:
    for a in range(start, end, CHUNK):
        data = os.pread(fd, min(CHUNK, end - a), a)
        if len(data) != min(CHUNK, end - a):
            raise OSError(f"short read of a CSV block at {a}")
        yield data


def _gather(fd: int, base: int, lo: np.ndarray, hi: np.ndarray) -> Iterator[bytes]:
    """The bytes of the body ranges [lo, hi) in order: ranges that touch are merged, long ones read in
    chunks, and short ones close together gathered from one read of their window."""
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    if not len(lo):
        return
    starts = np.concatenate(([True], lo[1:] != hi[:-1]))  # merge ranges that touch (empty rows between)
    ends = np.concatenate((starts[1:], [True]))
    lo, hi = lo[starts], hi[ends]
    window = lo // WINDOW
    cuts = np.concatenate(([0], np.flatnonzero(np.diff(window)) + 1, [len(lo)]))
    for i, j in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        # the ranges that start in one window: all but the last end inside it too, so they are gathered
        # from one read of at most WINDOW bytes; the last may run on and is read in chunks if it is long
        if hi[j - 1] - lo[i] > 2 * WINDOW:
            if j - i > 1:
                yield _window(fd, base, lo[i:j - 1], hi[i:j - 1])
            yield from _read_range(fd, base + int(lo[j - 1]), base + int(hi[j - 1]))
        elif j - i == 1:
            yield from _read_range(fd, base + int(lo[i]), base + int(hi[i]))
        else:
            yield _window(fd, base, lo[i:j], hi[i:j])


def _window(fd: int, base: int, lo: np.ndarray, hi: np.ndarray) -> bytes:
    """Ranges close together, from one read of their span: a byte mask of the span marks what is kept."""
    a, b = int(lo[0]), int(hi[-1])
    span = os.pread(fd, b - a, base + a)
    if len(span) != b - a:
        raise OSError("short read of a CSV block")
    delta = np.zeros(b - a + 1, np.int8)
    delta[lo - a] = 1
    delta[hi - a] = -1
    inside = np.cumsum(delta[:-1], dtype=np.int8).view(np.bool_)
    return np.frombuffer(span, np.uint8)[inside].tobytes()
