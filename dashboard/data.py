"""Questions the pages ask of a release, answered with small, filtered reads.

Every function takes the :class:`Release` a request got, so one response reads one release. Results that are
the same for every request (period lists, level ranges, map framing) are memoised on the release, which
never changes once published; per-selection reads go to the Parquet file sorted for that question:
one indicator at one level (every period at once, as a :class:`LevelSlice` of numpy arrays kept in the
per-worker LRU, so the map, the ranking, the neighbours and the trends of an indicator share one read),
or one area (its small by-area file). The hot paths stay out of pandas: with Arrow-backed strings its
per-row and small-frame overhead cost more than the reads themselves.
"""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core import schema
from core.integrity import DamagedRelease
from dashboard import language
from dashboard import map_geometry as map_geometry_mod
from dashboard.area_names import all_parts, area_label, area_name, has_names  # noqa: F401 (data.area_label)
from dashboard.components import levels as level_words
from dashboard.release_reader import Release

#: The columns each view reads: checked against the release schema (core.schema) when this module loads.
VALUES = schema.INDICATOR_VALUES
MAP_COLUMNS = VALUES.select("area_code", "value", "lower_ci", "upper_ci", "status", "note", "rank_level",
                            "n_ranked_level", "quartile", "significance_parent", "significance_top", "parent_code",
                            "progress_status", "rag")
PROFILE_COLUMNS = VALUES.select("indicator", "area_code", "period", "value", "lower_ci", "upper_ci", "status",
                                "note", "parent_value", "top_value", "significance_parent", "significance_top",
                                "rank_level", "n_ranked_level", "quartile", "previous_period", "previous_value",
                                "change", "change_significance", "peer_mean", "target", "target_period",
                                "progress_status", "rag")
RANGE_BATCH = 25  # indicators per pass of level_ranges: bounds its memory (~800 MB in one pass at 5,000 x 200 x 20)
#: what the area profile shows (the overview needs PROFILE_COLUMNS: change, target and RAG as well)
SPINE_COLUMNS = VALUES.select("indicator", "area_code", "period", "value", "lower_ci", "upper_ci", "status",
                              "note", "parent_value", "top_value", "significance_parent", "significance_top",
                              "rank_level", "n_ranked_level", "quartile")


def indicator_meta(release: Release, indicator: str | None) -> dict | None:
    """Metadata of one indicator this release may show, or None."""
    if not indicator or indicator not in release.indicator_ids:
        return None
    metas = release.memo(("indicator_meta",), lambda: {r["id"]: r for r in release.indicators.to_dict("records")})
    return dict(metas[indicator])


def indicators_in_order(release: Release) -> list[str]:
    """Ids of the indicators this release may show, by theme and title (the order pages list them in)."""
    return release.memo(("indicators_in_order",),
                        lambda: release.indicators.sort_values(["theme", "title"])["id"].tolist())


def indicator_options(release: Release) -> list[dict]:
    def load() -> list[dict]:
        df = release.indicators.sort_values(["theme", "title"])
        return [{"label": f"{r.title} ({r.theme})", "value": r.id} for r in df.itertuples()]
    return release.memo(("indicator_options",), load)


def themes(release: Release) -> list[str]:
    return sorted(set(release.indicators["theme"]))


def area_row(release: Release, code: str | None) -> dict | None:
    """The area's row of the release, its ``name`` in the page's language (:func:`area_name`)."""
    if not code:
        return None
    rows = release.memo(("area_rows",), lambda: {r["area_code"]: r for r in release.areas.to_dict("records")})
    row = rows.get(code)
    if row is None:
        return None
    return dict(row, name=area_name(release, code)) if has_names(release) else dict(row)


def top_area(release: Release) -> str:
    """The first root area (no parent) of the release: the overview's default area. A release may have
    several roots (the countries of NUTS): an area is compared with its own root, :func:`root_area`."""
    return roots(release)[0]


def parents(release: Release) -> dict[str, str | None]:
    """Each area's parent code (None for a root), memoised per release."""
    def load() -> dict[str, str | None]:
        df = release.areas
        return {c: (p if isinstance(p, str) and p else None)
                for c, p in zip(df["area_code"], df["parent_code"], strict=True)}
    return release.memo(("parents",), load)


def roots(release: Release) -> list[str]:
    """The areas with no parent, in the areas table's order (at least one: a release has a top level)."""
    def load() -> list[str]:
        found = [c for c, p in parents(release).items() if p is None]
        if not found:  # a parent chain that never ends is a broken geography; fall back to the top level
            df = release.areas
            found = df[df["level"] == release.levels[0]]["area_code"].astype(str).tolist()
        return found
    return release.memo(("roots",), load)


def ancestors(release: Release, code: str) -> list[str]:
    """The area's parent chain, its root first and its own parent last (empty for a root). Follows the
    real parents, whatever their levels: a council directly under its nation has one ancestor, not two."""
    up = parents(release)
    chain: list[str] = []
    parent = up.get(code)
    while parent is not None and parent not in chain and parent != code:
        chain.append(parent)
        parent = up.get(parent)
    return chain[::-1]


def root_area(release: Release, code: str) -> str:
    """The root an area is compared with (``top_value`` in the release is this area's value): itself for a
    root, else the first of its :func:`ancestors`."""
    chain = ancestors(release, code)
    return chain[0] if chain else code


def level_areas(release: Release, level: str) -> pd.DataFrame:
    """area_code, name (in the page's language), parent_code of one level, in a fixed order (the order of
    the map's locations)."""
    lang = language.current() if has_names(release) else None

    def load() -> pd.DataFrame:
        df = release.areas
        out = df[df["level"] == level][["area_code", "name", "parent_code"]].sort_values("area_code") \
            .reset_index(drop=True)
        return out.assign(name=out["area_code"].map(lambda c: area_name(release, c))) if lang else out
    return release.memo(("level_areas", level, lang), load)


def level_codes(release: Release, level: str) -> tuple[list[str], dict[str, int]]:
    """The level's area codes in the map's order, and each code's position."""
    def load():
        codes = level_areas(release, level)["area_code"].tolist()
        return codes, {c: i for i, c in enumerate(codes)}
    return release.memo(("level_codes", level), load)


def level_code_array(release: Release, level: str) -> pa.Array:
    return release.memo(("level_code_array", level), lambda: pa.array(level_codes(release, level)[0], pa.string()))


def natural_key(text) -> tuple:
    """Sort key that reads the numbers in a name by value, ignoring case: District 2 before District 10."""
    parts = re.split(r"(\d+)", str(text).casefold())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def area_options_rows(release: Release) -> list[dict]:
    """Every area (code, name, level) level by level, each level's names in natural order: the index page's
    lists and search."""
    def load() -> list[dict]:
        rows = sorted(release.areas.itertuples(),
                      key=lambda r: (r.level_index, natural_key(r.name), natural_key(r.area_code)))
        return [{"area_code": str(r.area_code), "name": area_name(release, r.area_code), "level": str(r.level)}
                for r in rows]
    return release.memo(("area_options_rows", language.current() if has_names(release) else None), load)


def area_options(release: Release, levels: list[str] | None = None) -> list[dict]:
    """The areas to choose from, level by level, each level's names in natural order (District 2 before
    District 10); the code settles equal names."""
    def load() -> list[dict]:
        df = release.areas
        if levels:
            df = df[df["level"].isin(levels)]
        rows = sorted(df.itertuples(), key=lambda r: (r.level_index, natural_key(r.name), natural_key(r.area_code)))
        return [{"label": f"{area_name(release, r.area_code)} ({level_words.name(str(r.level))}, {r.area_code})",
                 "value": r.area_code} for r in rows]
    return release.memo(("area_options", tuple(levels or ()), language.current()), load)


def periods(release: Release, indicator: str) -> list[str]:
    """Periods with values for an indicator, oldest first."""
    def load() -> list[str]:
        t = release.values(indicators=[indicator], columns=["period"])
        return sorted(pc.unique(t["period"]).to_pylist())
    return release.memo(("periods", indicator), load)


def level_values(release: Release, indicator: str, level: str, period: str,
                 columns: list[str] | None = None) -> pd.DataFrame:
    """One indicator at one level and period: one row per area (total breakdown)."""
    t = release.values(indicators=[indicator], levels=[level], periods=[period],
                       columns=(columns or MAP_COLUMNS) + ["breakdown"])
    t = t.filter(pc.equal(t["breakdown"], "total"))
    return t.drop_columns(["breakdown"]).to_pandas()


def area_values(release: Release, area: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Every indicator and period of one area (read from the file sorted by area)."""
    t = release.values(areas=[area], columns=(columns or PROFILE_COLUMNS) + ["breakdown"])
    t = t.filter(pc.equal(t["breakdown"], "total"))
    return t.drop_columns(["breakdown"]).to_pandas()


#: what the breakdown views read (dashboard/views/breakdowns.py)
BREAKDOWN_COLUMNS = VALUES.select("indicator", "period", "breakdown", "value", "lower_ci", "upper_ci", "status",
                                  "note")


def has_breakdowns(release: Release) -> bool:
    """Whether any value of the release has a breakdown other than ``total``, from the row groups' statistics
    of the values file (no row is read; a row group without statistics counts as having one)."""
    def load() -> bool:
        name = "indicator_values.parquet"
        path = release.file(name)
        with release.reading(name):
            meta = pq.ParquetFile(path).metadata
        k = meta.schema.names.index("breakdown")
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(k).statistics
            if stats is None or not stats.has_min_max or (stats.min, stats.max) != ("total", "total"):
                return True
        return False
    return release.memo(("has_breakdowns",), load)


def area_breakdowns(release: Release, area: str, indicators: list[str] | None = None) -> pd.DataFrame:
    """The rows of one area, every period, of the indicators that break it down (a breakdown other than
    ``total``, as ``sex=F``): their breakdown rows and their total rows if they have any. Empty (with the
    columns) when no indicator of the area has a breakdown."""
    if not has_breakdowns(release):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BREAKDOWN_COLUMNS})
    df = release.values(areas=[area], indicators=indicators, columns=BREAKDOWN_COLUMNS).to_pandas()
    broken = df.loc[df["breakdown"] != "total", "indicator"].unique()
    return df[df["indicator"].isin(broken)].reset_index(drop=True)


def latest(df: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's latest row with a value in an area's rows; the latest row when none has a value.

    "Latest" is the area's own: an indicator whose latest period reached only some areas (2021 for 107 of
    334 regions) still shows the others' latest value (2020), with its period."""
    if df.empty:
        return df
    has = df["value"].notna() if "value" in df.columns else pd.Series(True, index=df.index)
    return (df.assign(_has=has).sort_values(["indicator", "_has", "period"]).groupby("indicator", sort=False)
            .tail(1).drop(columns="_has").reset_index(drop=True))


def latest_period(release: Release, indicator: str) -> str | None:
    """The indicator's latest period in the release (with a value for at least one area), or None."""
    found = periods(release, indicator)
    return found[-1] if found else None


#: level_ranges.parquet's columns but the level (read one level at a time)
RANGE_COLUMNS = [n for n in schema.LEVEL_RANGES.names if n != "level"]


def level_ranges(release: Release, level: str) -> pd.DataFrame:
    """For every indicator and period at a level: min, quartiles, median and max of the areas' values.

    Read from the release's ``level_ranges.parquet`` (written by the ETL for every public indicator);
    what it does not hold (internal indicators, for a signed-in manager, or a release written before the
    file existed) is computed with DuckDB over five columns of the release, a batch of indicators at a time
    (the range predicate lets it skip the other indicators' row groups). Memoised per release."""
    def load() -> pd.DataFrame:
        allowed = set(release.indicator_ids)
        parts, todo = [], sorted(allowed)
        if (release.path / "level_ranges.parquet").is_file():
            path = release.file("level_ranges.parquet")
            with release.reading("level_ranges.parquet"):
                pre = pq.read_table(path, filters=[("level", "=", level)],
                                    page_checksum_verification=True).to_pandas()
            parts.append(pre[pre["indicator"].isin(allowed)][RANGE_COLUMNS])
            todo = sorted(allowed - release.public_indicator_ids)  # the file holds every public indicator, with or without rows
        parts += _computed_ranges(release, level, todo)
        parts = [p for p in parts if not p.empty]
        return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RANGE_COLUMNS))
    return release.memo(("level_ranges", level), load)


def levels_with_values(release: Release) -> list[str]:
    """The levels at which at least one indicator has a value, top level first (from :func:`level_ranges`)."""
    def load() -> list[str]:
        return [lv for lv in release.levels if (level_ranges(release, lv)["n"] > 0).any()]
    return release.memo(("levels_with_values",), load)


def _computed_ranges(release: Release, level: str, indicators: list[str]) -> list[pd.DataFrame]:
    if not indicators:
        return []
    path = release.file("indicator_values.parquet")
    con = duckdb.connect(config={"threads": 1})
    parts = []
    try:
        for i in range(0, len(indicators), RANGE_BATCH):  # batches keep the quantile state small
            parts.append(con.execute(
                """
                SELECT indicator, period, MIN(value) AS vmin, QUANTILE_CONT(value, 0.25) AS q1,
                       MEDIAN(value) AS median, QUANTILE_CONT(value, 0.75) AS q3, MAX(value) AS vmax,
                       COUNT(value) AS n
                FROM read_parquet(?) WHERE level = ? AND breakdown = 'total' AND value IS NOT NULL
                  AND indicator >= ? AND indicator <= ? AND list_contains(?, indicator)
                GROUP BY indicator, period
                """, [str(path), level, indicators[i],
                      indicators[min(i + RANGE_BATCH, len(indicators)) - 1],
                      indicators[i:i + RANGE_BATCH]]).df())
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:  # a file damaged past the cheap check
        raise DamagedRelease(release.id, "indicator_values.parquet", f"cannot be read ({exc})") from exc
    finally:
        con.close()
    return parts


def neighbours(release: Release, area: str) -> list[str]:
    row = area_row(release, area)
    if row is None:
        return []
    nb = row.get("neighbours")
    return [str(x) for x in nb] if nb is not None else []


def map_settings(release: Release) -> dict:
    """``dashboard.map`` as the release was built with it (defaults for a release from before it was written)."""
    return {"colour_scale": "quantile", "classes": 5, "clip_percentiles": [2.0, 98.0], "bounds": None,
            **(release.manifest.get("map") or {})}


def map_geometry(release: Release, level: str) -> map_geometry_mod.LevelGeometry | None:
    """The level's drawn codes, first view, outlying areas and area centres (:mod:`dashboard.map_geometry`),
    or None when the level has no boundaries."""
    def load() -> map_geometry_mod.LevelGeometry | None:
        path = release.boundaries_path(level)
        if path is None:
            return None
        bounds = map_settings(release)["bounds"]
        if isinstance(bounds, dict):
            bounds = bounds.get(level)
        return map_geometry_mod.level_geometry(json.loads(path.read_text(encoding="utf-8")),
                                               tuple(bounds) if bounds else None)
    return release.memo(("map_geometry", level), load)


def map_frame(release: Release, level: str) -> dict | None:
    """Centre and zoom of the first view of a level's map, or None when the level has no boundaries."""
    geo = map_geometry(release, level)
    return geo.frame if geo is not None and geo.frame is not None else None


def range_lookup(release: Release, level: str) -> dict[tuple[str, str], dict]:
    """:func:`level_ranges` as a dict keyed by (indicator, period), memoised per release."""
    def load() -> dict:
        df = level_ranges(release, level)
        return {(r["indicator"], r["period"]): r for r in df.to_dict("records")}
    return release.memo(("range_lookup", level), load)


# --- one indicator at one level, every period, as arrays ------------------------------------------------
SLICE_NUMBERS = tuple(VALUES.select("value", "lower_ci", "upper_ci", "rank_level", "n_ranked_level", "quartile"))
SLICE_TEXT = tuple(VALUES.select("status", "note", "significance_parent", "significance_top", "progress_status", "rag"))


class LevelSlice:
    """One indicator at one level, every period: arrays ``[period, area]``, areas in the map's order.

    ``present`` is False where the release has no row; numbers are NaN where there is no value; each text
    column is a code array into its labels (-1: none). Built from one read of the indicator's row groups
    (string columns dictionary-encoded) and kept in the per-worker LRU, so a new period of the same
    indicator, the neighbours' bars and the trend lines need no read at all."""

    def __init__(self, codes: list[str], index: dict[str, int], periods: list[str], present: np.ndarray,
                 numbers: dict[str, np.ndarray], text: dict[str, tuple[list, np.ndarray]]):
        self.codes, self.index, self.periods = codes, index, periods
        self.present, self.numbers, self.text = present, numbers, text
        self._period_index = {p: i for i, p in enumerate(periods)}

    @property
    def nbytes(self) -> int:
        return (self.present.nbytes + sum(a.nbytes for a in self.numbers.values())
                + sum(c.nbytes + 64 * len(labels) for labels, c in self.text.values()) + 1024)

    def period_index(self, period: str | None) -> int | None:
        return self._period_index.get(period) if period is not None else None

    def number_row(self, column: str, p: int | None) -> np.ndarray:
        """One period's numbers for every area (NaN throughout for a period the slice does not have)."""
        return np.full(len(self.codes), np.nan) if p is None else self.numbers[column][p]

    def code_row(self, column: str, p: int | None) -> tuple[list, np.ndarray]:
        labels, codes = self.text[column]
        return labels, (np.full(len(self.codes), -1, codes.dtype) if p is None else codes[p])

    def cell(self, p: int, a: int) -> dict:
        """Every column of one area and period (None where there is no value)."""
        out: dict = {c: (None if np.isnan(v := self.numbers[c][p, a]) else float(v)) for c in SLICE_NUMBERS}
        for c, (labels, codes) in self.text.items():
            k = codes[p, a]
            out[c] = labels[k] if k >= 0 else None
        return out


def _chunks(col: pa.ChunkedArray) -> list[pa.DictionaryArray]:
    """A column's chunks, each dictionary-encoded (a column of nulls gets an empty dictionary)."""
    out = []
    for arr in col.chunks:
        if pa.types.is_null(arr.type):
            arr = pa.DictionaryArray.from_arrays(pa.nulls(len(arr), pa.int32()), pa.array([], pa.string()))
        elif not pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_encode()
        out.append(arr)
    return out


def _codes(col: pa.ChunkedArray, labels: list[str], add: bool = False,
           value_set: pa.Array | None = None) -> np.ndarray:
    """Each value's position in ``labels`` (-1: null or not there; with ``add``, new values are appended).
    ``value_set``: ``labels`` as an Arrow array, for long lists (looked up in Arrow, not in Python)."""
    where = None if value_set is not None else {v: i for i, v in enumerate(labels)}
    parts = []
    for arr in _chunks(col):
        if value_set is not None:
            lookup = pc.index_in(arr.dictionary, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False)
            lookup = np.append(lookup.astype(np.int64), -1)
        else:
            found = []
            for v in arr.dictionary.to_pylist():
                if v not in where and add:
                    where[v] = len(labels)
                    labels.append(v)
                found.append(where.get(v, -1))
            lookup = np.asarray([*found, -1], np.int64)  # a null index (-1) lands on the last entry
        ind = arr.indices if arr.indices.null_count == 0 else arr.indices.fill_null(-1)
        parts.append(lookup[ind.to_numpy(zero_copy_only=False)])
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _equals(col: pa.ChunkedArray, value: str) -> np.ndarray:
    return _codes(col, [value]) == 0


def _wanted(release: Release, **equal: str) -> dict[str, str]:
    """Column values a read keeps: the given ones, the total breakdown, and public rows unless the reader
    may see internal indicators."""
    want = {**equal, "breakdown": "total"}
    if not release.include_internal:
        want["visibility"] = "public"
    return want


def _matching(t: pa.Table, want: dict[str, str], implied: dict[str, str]) -> np.ndarray:
    """Rows of ``t`` whose columns take the wanted values; a column the row-group statistics showed to hold
    one value throughout (``implied``, left unread) decides for every row at once."""
    keep = np.ones(t.num_rows, bool)
    for col, value in want.items():
        if col in implied:
            if implied[col] != value:
                keep[:] = False
        else:
            keep &= _equals(t[col], value)
    return keep


MAP_NUMBERS, MAP_TEXT = ("value",), ("status", "note")


def level_slice(release: Release, indicator: str, level: str, detail: bool = True) -> LevelSlice:
    """One indicator at one level, every period (total breakdown), from the per-worker LRU.

    ``detail=False`` keeps only what the map shows (value, status, note): a third of the reading and the
    memory. Reads the indicator's row groups once (string columns dictionary-encoded, columns the row
    groups' statistics already answer left out) and filters in numpy on the dictionary codes, several
    times cheaper than filtering decoded strings."""
    numbers, text = (SLICE_NUMBERS, SLICE_TEXT) if detail else (MAP_NUMBERS, MAP_TEXT)

    def load() -> LevelSlice:
        codes, index = level_codes(release, level)
        want = _wanted(release, indicator=indicator, level=level)
        cols = [*want, "area_code", "period", *numbers, *text]
        if indicator in release.indicator_ids:
            t, implied = release.row_groups("indicator_values.parquet",
                                            {"indicator": [indicator], "level": [level]}, cols, may_skip=tuple(want))
        else:
            t, implied = pa.table({c: pa.array([], pa.string()) for c in cols}), {}
        keep = _matching(t, want, implied)
        pers: list[str] = []
        p_all = _codes(t["period"], pers, add=True)
        a_all = _codes(t["area_code"], codes, value_set=level_code_array(release, level))
        keep &= (a_all >= 0) & (p_all >= 0)
        rows = np.flatnonzero(keep)
        used = np.zeros(len(pers), bool)
        used[p_all[rows]] = True
        pers_used = sorted(v for v, u in zip(pers, used.tolist(), strict=True) if u)
        remap = np.full(len(pers) + 1, -1, np.int64)
        for i, v in enumerate(pers):
            if used[i]:
                remap[i] = pers_used.index(v)
        rows = rows[::-1]  # of two rows for one cell, the first wins
        n_cells = len(pers_used) * len(codes)
        flat = remap[p_all[rows]] * len(codes) + a_all[rows]
        shape = (len(pers_used), len(codes))
        present = np.zeros(n_cells, bool)
        present[flat] = True
        out_numbers = {}
        for c in numbers:
            arr = np.full(n_cells, np.nan)
            col = t[c]
            if len(rows) and col.type != pa.null():
                arr[flat] = col.cast(pa.float64()).to_numpy()[rows]
            out_numbers[c] = arr.reshape(shape)
        out_text = {}
        for c in text:
            labels: list[str] = []
            k = _codes(t[c], labels, add=True)
            arr = np.full(n_cells, -1, np.int8 if len(labels) < 127 else np.int16 if len(labels) < 32767 else np.int32)
            if len(rows):
                arr[flat] = k[rows]
            out_text[c] = (labels, arr.reshape(shape))
        return LevelSlice(codes, index, pers_used, present.reshape(shape), out_numbers, out_text)
    return release.cached(("level_slice", indicator, level, detail), load, lambda s: s.nbytes)


def values_at(release: Release, indicator: str, codes: list[str], period: str | None) -> list[dict | None]:
    """Each area's row of an indicator at a period (None where there is none), from the areas' level slices."""
    out: list[dict | None] = []
    slices: dict[str, LevelSlice] = {}  # one slice per level, however many areas share it
    for code in codes:
        row = area_row(release, code)
        if row is None or period is None:
            out.append(None)
            continue
        if row["level"] not in slices:
            slices[row["level"]] = level_slice(release, indicator, row["level"])
        sl = slices[row["level"]]
        p, a = sl.period_index(period), sl.index.get(code)
        out.append(sl.cell(p, a) if p is not None and a is not None and sl.present[p, a] else None)
    return out


def trend_points(release: Release, indicator: str, code: str) -> list[dict]:
    """Every period of one area that has a row for the indicator, oldest first, each with its period."""
    row = area_row(release, code)
    if row is None:
        return []
    sl = level_slice(release, indicator, row["level"])
    a = sl.index.get(code)
    if a is None:
        return []
    return [{"period": sl.periods[p], **sl.cell(p, a)} for p in np.flatnonzero(sl.present[:, a])]


def area_latest(release: Release, area: str, columns: list[str] | None = None) -> list[dict]:
    """The latest row (total breakdown) of each indicator for one area, as dicts, from its by-area file.

    Filters and picks the latest period in numpy on the dictionary codes, then converts only the chosen
    rows (one per indicator) to Python."""
    name = release.bucket_file(area)
    if name is None:
        return []
    cols = list(columns or PROFILE_COLUMNS)
    want = _wanted(release, area_code=area)
    read = list(dict.fromkeys([*cols, "indicator", "period", *want]))
    t, implied = release.row_groups(name, {"area_code": [area]}, read, may_skip=tuple(want))
    keep = _matching(t, want, implied)
    allowed = release.memo(("allowed_indicators",), lambda: sorted(release.indicator_ids))
    icode = _codes(t["indicator"], allowed)
    pers: list[str] = []
    pcode = _codes(t["period"], pers, add=True)
    keep &= (icode >= 0) & (pcode >= 0)
    rows = np.flatnonzero(keep)
    if not len(rows):
        return []
    rank = np.argsort(np.argsort(np.array(pers, dtype=object), kind="stable"), kind="stable")
    ic, pr = icode[rows], rank[pcode[rows]]
    has = _has_value(t, rows, implied)
    # by indicator, then rows with a value after those without, then period: the last of each indicator is
    # its latest period with a value (the latest row when none has one); stable, so the last duplicate wins
    order = np.lexsort((pr, has, ic))
    last = rows[order[np.r_[ic[order][1:] != ic[order][:-1], True]]]
    chosen = t.select([c for c in cols if c not in implied]).take(pa.array(last)).to_pylist()
    for col in cols:
        if col in implied:
            for r in chosen:
                r[col] = implied[col]
    return [{c: r[c] for c in cols} for r in chosen]


def _has_value(t: pa.Table, rows: np.ndarray, implied: dict) -> np.ndarray:
    """Whether each of ``rows`` of ``t`` has a value (a table read without the value column: all have)."""
    if "value" not in t.column_names or "value" in implied:
        return np.ones(len(rows), bool)
    col = t["value"]
    if col.type == pa.null():
        return np.zeros(len(rows), bool)
    return ~np.isnan(col.cast(pa.float64()).to_numpy()[rows])
