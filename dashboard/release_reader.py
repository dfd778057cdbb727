"""Read published releases: the one place the web app touches the store.

- ``ReleaseReader.current()`` re-reads ``CURRENT`` (one stat per call), so a newly published release is
  picked up without a restart; everything a request needs comes from the one ``Release`` object it got,
  so a page never mixes two releases.
- Public by default: a reader built with ``include_internal=False`` never returns internal indicators' rows
  or metadata, whatever the caller asks for.
- Nothing is loaded whole: values are read from the file sorted for the question (by indicator, or by
  area), only the row groups whose statistics can hold the wanted keys; each file's footer and row-group
  statistics are parsed once per release, and small tables are cached per release id.
- Bigger derived arrays (one indicator at one level, every period) go to :data:`SLICES`, one bounded LRU
  per worker process keyed by release path and visibility, so memory stays bounded whatever the number
  of indicators, and a new release simply uses new keys.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.exceptions import StoreError
from etl.release_values import bucket_file
from etl.store import ReleaseStore


class Release:
    def __init__(self, path: Path, include_internal: bool = False):
        self.path = path
        self.id = path.name
        self.include_internal = include_internal
        self._memo: dict[tuple, object] = {}
        self._memo_lock = threading.Lock()

    def cached(self, key: tuple, compute: Callable[[], object], nbytes: Callable[[object], int]):
        """``compute()`` kept in the process-wide bounded LRU (:data:`SLICES`) under this release."""
        return SLICES.get((str(self.path), self.include_internal, *key), compute, nbytes)

    def memo(self, key: tuple, compute):
        """``compute()`` once per release and key (a release never changes, so neither does the result).

        Callers keep keys few and results small (summaries, not whole tables)."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = compute()
        with self._memo_lock:
            return self._memo.setdefault(key, value)

    @cached_property
    def manifest(self) -> dict:
        return json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))

    @cached_property
    def _all_indicators(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "indicators.parquet")

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
        return pd.read_parquet(self.path / "areas.parquet")

    @cached_property
    def levels(self) -> list[str]:
        return list(self.manifest["levels"])

    def bucket_file(self, area: str) -> str | None:
        """The by-area file that holds an area's rows (``areas.parquet`` says which bucket), or None."""
        bucket = self.memo(("buckets",), lambda: dict(zip(self.areas["area_code"], self.areas["bucket"],
                                                               strict=True)))
        return bucket_file(int(bucket[area])) if area in bucket else None

    def boundaries_path(self, level: str) -> Path | None:
        if level not in self.levels:
            return None
        p = self.path / "boundaries" / f"{level}.geojson"
        return p if p.is_file() else None

    def values(self, *, indicators: list[str] | None = None, areas: list[str] | None = None,
               levels: list[str] | None = None, periods: list[str] | None = None,
               columns: list[str] | None = None, dictionary: bool = False) -> pa.Table:
        """Rows of indicator_values, filtered; only indicators this reader may show.

        ``dictionary=True`` reads the string columns dictionary-encoded (several times cheaper to decode;
        for callers that stay in Arrow or numpy)."""
        allowed = sorted(self.indicator_ids if indicators is None else set(indicators) & self.indicator_ids)
        if not allowed:
            schema = pq.read_schema(self.path / "indicator_values.parquet")
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
            md = pq.ParquetFile(self.path / name).metadata
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
            self.memo(("single_values", name), lambda: single)
            return md, stats
        return self.memo(("row_groups", name), load)

    def row_groups(self, name: str, filters: dict[str, list], columns: list[str],
                   may_skip: tuple[str, ...] = ()) -> tuple[pa.Table, dict[str, str]]:
        """Every row of the row groups of ``name`` whose statistics can hold the filters' values, string
        columns dictionary-encoded, NOT filtered row by row: for callers that filter in numpy themselves
        (and must then apply the indicator and visibility rules, as :meth:`values` does).

        Also returns those of the ``may_skip`` columns that hold one value in every chosen row group
        (statistics: min = max, no nulls), with that value; those columns are not read."""
        md, stats = self._row_group_index(name)
        single = self.memo(("single_values", name), dict)
        wanted = {col: sorted(set(vals)) for col, vals in filters.items()}
        first = next(iter(wanted), None)
        candidates = (self.memo(("groups", name, first, tuple(wanted[first])), lambda: [
            rg for rg in range(md.num_row_groups) if _overlaps(stats[first][rg], wanted[first])])
            if first in stats else range(md.num_row_groups))
        groups = [rg for rg in candidates
                  if all(_overlaps(stats[col][rg], vals) for col, vals in wanted.items() if col in stats)]
        implied = {}
        for col in may_skip:
            values = {single[col][rg] for rg in groups} if col in single and col in columns else set()
            if len(values) == 1 and None not in values:
                implied[col] = values.pop()
        file = pq.ParquetFile(self.path / name, metadata=md, read_dictionary=self._strings(name, md))
        read = [c for c in columns if c not in implied]
        if not groups:
            return file.schema_arrow.empty_table().select(columns), {}
        return file.read_row_groups(groups, columns=read), implied

    def _strings(self, name: str, md: pq.FileMetaData) -> list[str]:
        return self.memo(("strings", name), lambda: [f.name for f in md.schema.to_arrow_schema()
                                                     if pa.types.is_string(f.type)])

    def _read(self, name: str, filters: dict[str, list], columns: list[str] | None,
              dictionary: bool = False) -> pa.Table:
        """Rows whose filter columns take one of the given values: only the row groups whose min/max can
        hold a wanted value are read (no dataset discovery or footer parsing per call)."""
        md, stats = self._row_group_index(name)
        wanted = {col: sorted(set(vals)) for col, vals in filters.items()}
        groups = [rg for rg in range(md.num_row_groups)
                  if all(_overlaps(stats[col][rg], vals) for col, vals in wanted.items() if col in stats)]
        file = pq.ParquetFile(self.path / name, metadata=md,
                              read_dictionary=self._strings(name, md) if dictionary else None)
        extra = [c for c in wanted if columns is not None and c not in columns]
        read_cols = None if columns is None else list(columns) + extra
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
    """Hands out the current (or a named) release; caches Release objects per id."""

    def __init__(self, store_root: str | Path, include_internal: bool = False, cache_size: int = 4):
        self.store = ReleaseStore(store_root)
        self.include_internal = include_internal
        self._cache: dict[str, Release] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def current(self) -> Release:
        return self.get(None)

    def get(self, release_id: str | None) -> Release:
        """The named release (validated against the store, never used to build a path unchecked)."""
        path = self.store.path(release_id)  # raises StoreError for unknown or malformed ids
        with self._lock:
            rel = self._cache.get(path.name)
            if rel is None:
                rel = Release(path, self.include_internal)
                self._cache[path.name] = rel
                while len(self._cache) > self._cache_size:
                    self._cache.pop(next(iter(self._cache)))
            return rel

    def available(self) -> bool:
        try:
            return self.store.current_id() is not None
        except StoreError:
            return False
