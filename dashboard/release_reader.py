"""Read published releases: the one place the web app touches the store.

- ``ReleaseReader.current()`` re-reads ``CURRENT`` (one stat per call), so a newly published release is
  picked up without a restart; everything a request needs comes from the one ``Release`` object it got,
  so a page never mixes two releases.
- Public by default: a reader built with ``include_internal=False`` never returns internal indicators' rows
  or metadata, whatever the caller asks for.
- Nothing is loaded whole: values are read with pyarrow filters from the file sorted for the question
  (by indicator, or by area), and small tables are cached per release id.
"""

from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.exceptions import StoreError
from etl.store import ReleaseStore


class Release:
    def __init__(self, path: Path, include_internal: bool = False):
        self.path = path
        self.id = path.name
        self.include_internal = include_internal
        self._memo: dict[tuple, object] = {}
        self._memo_lock = threading.Lock()

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
    def areas(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "areas.parquet")

    @cached_property
    def levels(self) -> list[str]:
        return list(self.manifest["levels"])

    def boundaries_path(self, level: str) -> Path | None:
        if level not in self.levels:
            return None
        p = self.path / "boundaries" / f"{level}.geojson"
        return p if p.is_file() else None

    def values(self, *, indicators: list[str] | None = None, areas: list[str] | None = None,
               levels: list[str] | None = None, periods: list[str] | None = None,
               columns: list[str] | None = None) -> pa.Table:
        """Rows of indicator_values, filtered; only indicators this reader may show."""
        allowed = sorted(self.indicator_ids if indicators is None else set(indicators) & self.indicator_ids)
        if not allowed:
            schema = pq.read_schema(self.path / "indicator_values.parquet")
            return schema.empty_table() if columns is None else schema.empty_table().select(columns)
        filters = [("indicator", "in", allowed)]
        if areas is not None:
            filters.append(("area_code", "in", list(areas)))
        if levels is not None:
            filters.append(("level", "in", list(levels)))
        if periods is not None:
            filters.append(("period", "in", list(periods)))
        name = "indicator_values_by_area.parquet" if areas is not None and indicators is None \
            else "indicator_values.parquet"
        table = pq.read_table(self.path / name, filters=filters, columns=columns)
        if not self.include_internal and "visibility" in table.column_names:
            table = table.filter(pc.equal(table["visibility"], "public"))
        return table


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
