"""Read published releases: the one place the web app touches the store.

- ``ReleaseReader.current()`` re-reads ``CURRENT`` (one stat per call), so a newly published release is
  picked up without a restart; everything a request needs comes from the one ``Release`` object it got,
  so a page never mixes two releases.
- One reader per process serves every audience: a :class:`Release` is either public (never returns
  internal indicators' rows or metadata, whatever the caller asks for) or includes them, and
  ``reader.view(include_internal)`` hands out one audience's releases. The two Release objects of one id
  share what does not depend on the audience (manifest, areas, footers, checksums), so each file is parsed
  and hashed once per process.
- Nothing is loaded whole: values are read from the file sorted for the question (by indicator, or by
  area), only the row groups whose statistics can hold the wanted keys; each file's footer and row-group
  statistics are parsed once per release, and small tables are cached per release id.
- Every file is checked cheaply each time it is opened (:meth:`Release.file`: its size against the manifest,
  Parquet's magic bytes and footer length; a stat and two small reads, no hash), and a read that fails raises
  :class:`~core.integrity.DamagedRelease` naming the file, never a bare pyarrow or OS error. A release pruned
  while a request reads it raises :class:`ReleaseGone`, and the caller asks for the current release again.
- Bigger derived arrays (one indicator at one level, every period) go to :data:`SLICES`, one bounded LRU
  per worker process keyed by release path and visibility, so memory stays bounded whatever the number
  of indicators, and a new release simply uses new keys.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.errors import StoreError
from core.integrity import DamagedRelease, quick_problem, read_manifest
from core.layout import bucket_file
from core.store import ReleaseStore, sha256_file


class ReleaseGone(StoreError):
    """The release was pruned while a request was reading it; ask for the current release again."""

    def __init__(self, release_id: str):
        self.release_id = release_id
        super().__init__(f"release {release_id} was removed (pruned) while it was read; the current release "
                         "is used instead")


class Memo:
    """Values computed once per key, safe across threads (the first stored wins)."""

    def __init__(self):
        self._values: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], object]):
        try:
            return self._values[key]
        except KeyError:
            pass
        value = compute()
        with self._lock:
            return self._values.setdefault(key, value)


class Release:
    """One published release as one audience sees it: public, or with internal indicators.

    ``files`` is the audience-independent memo of another Release object of the same folder, when there is
    one (:meth:`ReleaseReader.get` passes it), so that both read each file's footer and checksum once."""

    def __init__(self, path: Path, include_internal: bool = False, files: Memo | None = None):
        self.path = path
        self.id = path.name
        self.include_internal = include_internal
        self._memo = Memo()
        self.files = files if files is not None else Memo()

    def cached(self, key: tuple, compute: Callable[[], object], nbytes: Callable[[object], int]):
        """``compute()`` kept in the process-wide bounded LRU (:data:`SLICES`) under this release."""
        return SLICES.get((str(self.path), self.include_internal, *key), compute, nbytes)

    def memo(self, key: tuple, compute):
        """``compute()`` once per release and key (a release never changes, so neither does the result).

        Callers keep keys few and results small (summaries, not whole tables). The value may depend on the
        audience (:attr:`include_internal`): each Release object has its own."""
        return self._memo.get(key, compute)

    @cached_property
    def manifest(self) -> dict:
        return self.files.get(("manifest",), self._read_manifest)

    def _read_manifest(self) -> dict:
        try:
            return read_manifest(self.path)
        except DamagedRelease:
            if not self.path.is_dir():
                raise ReleaseGone(self.id) from None
            raise

    def file(self, name: str) -> Path:
        """The path of one of the release's files, once it passed the cheap check (size against the
        manifest; for Parquet, the magic bytes and footer length): :class:`DamagedRelease` if not."""
        path = self.path / name
        problem = quick_problem(path, self.manifest["files"].get(name))
        if problem is not None:
            if problem == "is missing" and not self.path.is_dir():
                raise ReleaseGone(self.id)
            raise DamagedRelease(self.id, name, problem)
        return path

    def verified(self, name: str) -> Path:
        """The path of a file whose SHA-256 matches the manifest: hashed once per process and release (a
        streamed download checks the files it will send before its first byte, so it never breaks off
        mid-way), then only the cheap check."""
        path = self.file(name)
        # the answer is kept either way (a damaged file is not hashed again at every request) until the file
        # changes (restored from a backup)
        st = os.stat(path)
        whole = self.files.get(("verified", name, st.st_size, st.st_mtime_ns),
                          lambda: sha256_file(path) == self.manifest["files"].get(name, {}).get("sha256"))
        if not whole:
            raise DamagedRelease(self.id, name, "does not match its manifest checksum (SHA-256)")
        return path

    @contextmanager
    def reading(self, name: str) -> Iterator[None]:
        """Turn a failed read of ``name`` into :class:`DamagedRelease` (or :class:`ReleaseGone` when the
        release's folder went away), so that no caller sees a bare pyarrow or OS error."""
        try:
            yield
        except FileNotFoundError as exc:
            if not self.path.is_dir():
                raise ReleaseGone(self.id) from exc
            raise DamagedRelease(self.id, name, "is missing") from exc
        except (OSError, pa.ArrowInvalid) as exc:
            if not self.path.is_dir():
                raise ReleaseGone(self.id) from exc
            raise DamagedRelease(self.id, name, f"cannot be read ({type(exc).__name__}: {exc})") from exc

    def read_parquet(self, name: str, **kwargs) -> pd.DataFrame:
        """A small table of the release (checked, and a read error reported as damage)."""
        path = self.file(name)
        with self.reading(name):
            return pd.read_parquet(path, page_checksum_verification=True, **kwargs)

    @cached_property
    def _all_indicators(self) -> pd.DataFrame:
        return self.files.get(("indicators",), lambda: self.read_parquet("indicators.parquet"))

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Indicator metadata (public ones only unless the reader includes internal)."""
        df = self._all_indicators
        return df if self.include_internal else df[df["visibility"] == "public"].reset_index(drop=True)

    @cached_property
    def indicator_ids(self) -> frozenset[str]:
        return frozenset(self.indicators["id"])

    @cached_property
    def public_indicator_ids(self) -> frozenset[str]:
        """The public indicators, whoever reads (which precomputed files cover)."""
        df = self._all_indicators
        return frozenset(df.loc[df["visibility"] == "public", "id"])

    @cached_property
    def areas(self) -> pd.DataFrame:
        return self.files.get(("areas",), lambda: self.read_parquet("areas.parquet"))

    @cached_property
    def levels(self) -> list[str]:
        return list(self.manifest["levels"])

    def bucket_file(self, area: str) -> str | None:
        """The by-area file that holds an area's rows (``areas.parquet`` says which bucket), or None."""
        bucket = self.files.get(("buckets",), lambda: dict(zip(self.areas["area_code"], self.areas["bucket"],
                                                               strict=True)))
        return bucket_file(int(bucket[area])) if area in bucket else None

    def boundaries_path(self, level: str) -> Path | None:
        if level not in self.levels:
            return None
        name = f"boundaries/{level}.geojson"
        if not (self.path / name).is_file():
            return None
        return self.verified(name)  # sent whole and parsed whole: hashed once per process

    def values(self, *, indicators: list[str] | None = None, areas: list[str] | None = None,
               levels: list[str] | None = None, periods: list[str] | None = None,
               columns: list[str] | None = None, dictionary: bool = False) -> pa.Table:
        """Rows of indicator_values, filtered; only indicators this reader may show.

        ``dictionary=True`` reads the string columns dictionary-encoded (several times cheaper to decode;
        for callers that stay in Arrow or numpy)."""
        allowed = sorted(self.indicator_ids if indicators is None else set(indicators) & self.indicator_ids)
        if not allowed:
            path = self.file("indicator_values.parquet")
            with self.reading("indicator_values.parquet"):
                schema = pq.read_schema(path)
            return schema.empty_table() if columns is None else schema.empty_table().select(columns)
        filters = {"indicator": allowed}
        if areas is not None:
            filters["area_code"] = list(areas)
        if levels is not None:
            filters["level"] = list(levels)
        if periods is not None:
            filters["period"] = list(periods)
        # rows marked internal stay out of a public reader's answer even when the caller did not ask for
        # the visibility column
        hide = not self.include_internal and columns is not None and "visibility" not in columns
        read_cols = None if columns is None else list(columns) + (["visibility"] if hide else [])
        if areas is not None and indicators is None:
            # a few areas across all indicators: only the small by-area files that hold them
            names = sorted({f for a in areas if (f := self.bucket_file(a)) is not None})
            if not names:
                return self.values(indicators=[], columns=columns)
            parts = [self._read(n, filters, read_cols, dictionary) for n in names]
            table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        else:
            table = self._read("indicator_values.parquet", filters, read_cols, dictionary)
        if not self.include_internal and "visibility" in table.column_names:
            table = table.filter(pc.equal(table["visibility"], "public"))
        return table.drop_columns(["visibility"]) if hide else table

    def _row_group_index(self, name: str) -> tuple[pq.FileMetaData, dict[str, list[tuple]]]:
        """The file's footer and each row group's min/max of the filter columns, parsed once per release."""
        def load():
            path = self.file(name)
            with self.reading(name):
                md = pq.ParquetFile(path).metadata
            names = [md.schema.column(i).name for i in range(md.num_columns)]
            stats: dict[str, list[tuple]] = {}
            single: dict[str, list] = {}
            for col in FILTER_COLUMNS:
                if col not in names:
                    continue
                i = names.index(col)
                ranges, one = [], []
                for rg in range(md.num_row_groups):
                    st = md.row_group(rg).column(i).statistics
                    ranges.append((st.min, st.max) if st is not None and st.has_min_max else (None, None))
                    # the row group's only value: min = max and no nulls (else None)
                    one.append(st.min if st is not None and st.has_min_max and st.has_null_count
                               and st.null_count == 0 and st.min == st.max else None)
                stats[col] = ranges
                single[col] = one
            self.files.get(("single_values", name), lambda: single)
            return md, stats
        return self.files.get(("row_groups", name), load)

    def row_groups(self, name: str, filters: dict[str, list], columns: list[str],
                   may_skip: tuple[str, ...] = ()) -> tuple[pa.Table, dict[str, str]]:
        """Every row of the row groups of ``name`` whose statistics can hold the filters' values, string
        columns dictionary-encoded, NOT filtered row by row: for callers that filter in numpy themselves
        (and must then apply the indicator and visibility rules, as :meth:`values` does).

        Also returns those of the ``may_skip`` columns that hold one value in every chosen row group
        (statistics: min = max, no nulls), with that value; those columns are not read."""
        md, stats = self._row_group_index(name)
        single = self.files.get(("single_values", name), dict)
        wanted = {col: sorted(set(vals)) for col, vals in filters.items()}
        first = next(iter(wanted), None)
        candidates = (self.files.get(("groups", name, first, tuple(wanted[first])), lambda: [
            rg for rg in range(md.num_row_groups) if _overlaps(stats[first][rg], wanted[first])])
            if first in stats else range(md.num_row_groups))
        groups = [rg for rg in candidates
                  if all(_overlaps(stats[col][rg], vals) for col, vals in wanted.items() if col in stats)]
        implied = {}
        for col in may_skip:
            values = {single[col][rg] for rg in groups} if col in single and col in columns else set()
            if len(values) == 1 and None not in values:
                implied[col] = values.pop()
        path = self.file(name)
        with self.reading(name):
            file = pq.ParquetFile(path, metadata=md, read_dictionary=self._strings(name, md),
                                  page_checksum_verification=True)
            read = [c for c in columns if c not in implied]
            if not groups:
                return file.schema_arrow.empty_table().select(columns), {}
            return file.read_row_groups(groups, columns=read), implied

    def _strings(self, name: str, md: pq.FileMetaData) -> list[str]:
        return self.files.get(("strings", name), lambda: [f.name for f in md.schema.to_arrow_schema()
                                                     if pa.types.is_string(f.type)])

    def _read(self, name: str, filters: dict[str, list], columns: list[str] | None,
              dictionary: bool = False) -> pa.Table:
        """Rows whose filter columns take one of the given values: only the row groups whose min/max can
        hold a wanted value are read (no dataset discovery or footer parsing per call)."""
        md, stats = self._row_group_index(name)
        wanted = {col: sorted(set(vals)) for col, vals in filters.items()}
        groups = [rg for rg in range(md.num_row_groups)
                  if all(_overlaps(stats[col][rg], vals) for col, vals in wanted.items() if col in stats)]
        path = self.file(name)
        extra = [c for c in wanted if columns is not None and c not in columns]
        read_cols = None if columns is None else list(columns) + extra
        with self.reading(name):
            file = pq.ParquetFile(path, metadata=md, page_checksum_verification=True,
                                  read_dictionary=self._strings(name, md) if dictionary else None)
            if not groups:
                schema = file.schema_arrow
                return schema.empty_table() if columns is None else schema.empty_table().select(columns)
            table = file.read_row_groups(groups, columns=read_cols)
        mask = None
        for col, vals in wanted.items():
            typ = table.schema.field(col).type
            m = pc.is_in(table[col], value_set=pa.array(vals, typ.value_type if pa.types.is_dictionary(typ) else typ))
            mask = m if mask is None else pc.and_(mask, m)
        table = table.filter(mask)
        return table.drop_columns(extra) if extra else table


FILTER_COLUMNS = ("indicator", "area_code", "level", "period", "breakdown", "visibility")


def _overlaps(minmax: tuple, sorted_values: list) -> bool:
    lo, hi = minmax
    if lo is None or hi is None:
        return True
    i = bisect.bisect_left(sorted_values, lo)
    return i < len(sorted_values) and sorted_values[i] <= hi


class LruCache:
    """A bounded least-recently-used cache by total size (``nbytes`` of each value), safe across threads.

    The value is computed outside the lock, so two threads may compute the same key once each; the first
    stored wins."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, compute: Callable[[], object], nbytes: Callable[[object], int]):
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return hit[0]
            self.misses += 1
        value = compute()
        size = int(nbytes(value))
        with self._lock:
            if key in self._items:
                return self._items[key][0]
            if size <= self.max_bytes:
                self._items[key] = (value, size)
                self._bytes += size
                while self._bytes > self.max_bytes:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self._bytes -= dropped
        return value

    @property
    def nbytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


#: per worker process: indicator-level slices of every release in use (``OPENMEASURE_DASHBOARD_CACHE_MB``,
#: default 160 MB; one indicator at 5,000 areas x 20 periods takes about 5 MB)
SLICES = LruCache(int(os.environ.get("OPENMEASURE_DASHBOARD_CACHE_MB", "160")) * 1024 * 1024)


class ReleaseReader:
    """Hands out the current (or a named) release; caches Release objects per id and audience.

    One per process (the app's state holds it): ``include_internal`` is only the audience of :meth:`get`
    and :meth:`current` when they are not told one; :meth:`view` gives one audience's releases."""

    def __init__(self, store_root: str | Path, include_internal: bool = False, cache_size: int = 4):
        self.store = ReleaseStore(store_root)
        self.include_internal = include_internal
        self._cache: dict[str, dict[bool, Release]] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def current(self, include_internal: bool | None = None) -> Release:
        return self.get(None, include_internal)

    def get(self, release_id: str | None, include_internal: bool | None = None) -> Release:
        """The named release (validated against the store, never used to build a path unchecked)."""
        internal = self.include_internal if include_internal is None else include_internal
        path = self.store.path(release_id)  # raises StoreError for unknown or malformed ids
        with self._lock:
            audiences = self._cache.get(path.name)
            if audiences is None:
                audiences = self._cache[path.name] = {}
                while len(self._cache) > self._cache_size:
                    self._cache.pop(next(iter(self._cache)))
            rel = audiences.get(internal)
            if rel is None:
                other = next(iter(audiences.values()), None)
                rel = audiences[internal] = Release(path, internal, other.files if other is not None else None)
            return rel

    def view(self, include_internal: bool) -> ReleaseView:
        return ReleaseView(self, include_internal)

    def available(self) -> bool:
        try:
            return self.store.current_id() is not None
        except StoreError:
            return False


@dataclass(frozen=True)
class ReleaseView:
    """The releases of a :class:`ReleaseReader` as one audience sees them (public, or with internal
    indicators); holds nothing of its own, so any number of them share the reader's caches."""

    reader: ReleaseReader
    include_internal: bool

    @property
    def store(self) -> ReleaseStore:
        return self.reader.store

    def current(self) -> Release:
        return self.reader.get(None, self.include_internal)

    def get(self, release_id: str | None) -> Release:
        return self.reader.get(release_id, self.include_internal)

    def available(self) -> bool:
        return self.reader.available()
