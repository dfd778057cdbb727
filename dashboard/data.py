"""Questions the pages ask of a release, answered with small, filtered reads.

Every function takes the :class:`Release` a request got, so one response reads one release. Results that are
the same for every request (period lists, level ranges, map framing) are memoised on the release, which
never changes once published; per-selection reads (one indicator at one level and period, one area) go to
the Parquet file sorted for that question.
"""

from __future__ import annotations

import json
import math

import duckdb
import pandas as pd
import pyarrow.compute as pc

from dashboard.release_reader import Release

MAP_COLUMNS = ["area_code", "value", "lower_ci", "upper_ci", "status", "note", "rank_level", "n_ranked_level",
               "quartile", "significance_parent", "significance_top", "parent_code"]
PROFILE_COLUMNS = ["indicator", "area_code", "period", "value", "lower_ci", "upper_ci", "status", "note",
                   "parent_value", "top_value", "significance_parent", "significance_top", "rank_level",
                   "n_ranked_level", "quartile", "previous_period", "previous_value", "change",
                   "change_significance", "peer_mean", "target", "target_period", "progress_status", "rag"]
RANGE_BATCH = 25  # indicators per pass of level_ranges: bounds its memory (~800 MB in one pass at 5,000 x 200 x 20)
#: what the area profile shows (the overview needs PROFILE_COLUMNS: change, target and RAG as well)
SPINE_COLUMNS = ["indicator", "area_code", "period", "value", "lower_ci", "upper_ci", "status", "note",
                 "parent_value", "top_value", "significance_parent", "significance_top", "rank_level",
                 "n_ranked_level", "quartile"]
TREND_COLUMNS = ["area_code", "period", "value", "lower_ci", "upper_ci", "status", "note"]


def indicator_meta(release: Release, indicator: str | None) -> dict | None:
    """Metadata of one indicator this release may show, or None."""
    if not indicator or indicator not in release.indicator_ids:
        return None
    df = release.indicators
    return df[df["id"] == indicator].iloc[0].to_dict()


def indicator_options(release: Release) -> list[dict]:
    df = release.indicators.sort_values(["theme", "title"])
    return [{"label": f"{r.title} ({r.theme})", "value": r.id} for r in df.itertuples()]


def themes(release: Release) -> list[str]:
    return sorted(set(release.indicators["theme"]))


def area_name(release: Release, code: str) -> str | None:
    names = release.memo(("area_names",), lambda: dict(zip(release.areas["area_code"], release.areas["name"],
                                                               strict=True)))
    return names.get(code)


def area_row(release: Release, code: str | None) -> dict | None:
    if not code:
        return None
    df = release.areas
    hit = df[df["area_code"] == code]
    return None if hit.empty else hit.iloc[0].to_dict()


def top_area(release: Release) -> str:
    df = release.areas
    return str(df[df["level"] == release.levels[0]]["area_code"].iloc[0])


def level_areas(release: Release, level: str) -> pd.DataFrame:
    """area_code, name of one level, in a fixed order (the order of the map's locations)."""
    def load() -> pd.DataFrame:
        df = release.areas
        return df[df["level"] == level][["area_code", "name", "parent_code"]].sort_values("area_code") \
            .reset_index(drop=True)
    return release.memo(("level_areas", level), load)


def area_options(release: Release, levels: list[str] | None = None) -> list[dict]:
    def load() -> list[dict]:
        df = release.areas
        if levels:
            df = df[df["level"].isin(levels)]
        df = df.sort_values(["level_index", "name"])
        return [{"label": f"{r.name} ({r.level}, {r.area_code})", "value": r.area_code} for r in df.itertuples()]
    return release.memo(("area_options", tuple(levels or ())), load)


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


def latest(df: pd.DataFrame) -> pd.DataFrame:
    """The latest period of each indicator in an area's rows."""
    if df.empty:
        return df
    return df.sort_values(["indicator", "period"]).groupby("indicator", sort=False).tail(1).reset_index(drop=True)


def trend(release: Release, indicator: str, areas: list[str]) -> pd.DataFrame:
    if not areas:
        return pd.DataFrame(columns=TREND_COLUMNS)
    t = release.values(indicators=[indicator], areas=areas, columns=TREND_COLUMNS + ["breakdown"])
    t = t.filter(pc.equal(t["breakdown"], "total"))
    return t.drop_columns(["breakdown"]).to_pandas().sort_values(["area_code", "period"])


def level_ranges(release: Release, level: str) -> pd.DataFrame:
    """For every indicator and period at a level: min, quartiles, median and max of the areas' values.

    DuckDB over five columns of the release, a batch of indicators at a time (the range predicate lets it
    skip the other indicators' row groups), memoised per release: every area profile at that level reuses
    it."""
    def load() -> pd.DataFrame:
        allowed = sorted(release.indicator_ids)
        con = duckdb.connect(config={"threads": 1})
        parts = []
        try:
            for i in range(0, len(allowed), RANGE_BATCH):  # batches keep the quantile state small
                parts.append(con.execute(
                    """
                    SELECT indicator, period, MIN(value) AS vmin, QUANTILE_CONT(value, 0.25) AS q1,
                           MEDIAN(value) AS median, QUANTILE_CONT(value, 0.75) AS q3, MAX(value) AS vmax,
                           COUNT(value) AS n
                    FROM read_parquet(?) WHERE level = ? AND breakdown = 'total' AND value IS NOT NULL
                      AND indicator >= ? AND indicator <= ? AND list_contains(?, indicator)
                    GROUP BY indicator, period
                    """, [str(release.path / "indicator_values.parquet"), level, allowed[i],
                          allowed[min(i + RANGE_BATCH, len(allowed)) - 1], allowed[i:i + RANGE_BATCH]]).df())
        finally:
            con.close()
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["indicator", "period", "vmin", "q1", "median", "q3", "vmax", "n"])
    return release.memo(("level_ranges", level), load)


def neighbours(release: Release, area: str) -> list[str]:
    row = area_row(release, area)
    if row is None:
        return []
    nb = row.get("neighbours")
    return [str(x) for x in nb] if nb is not None else []


def map_frame(release: Release, level: str) -> dict | None:
    """Centre and zoom that fit a level's boundaries, or None when the level has none."""
    def load() -> dict | None:
        path = release.boundaries_path(level)
        if path is None:
            return None
        xs, ys = [], []

        def walk(c):
            if isinstance(c[0], int | float):
                xs.append(c[0])
                ys.append(c[1])
            else:
                for part in c:
                    walk(part)
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            walk(f["geometry"]["coordinates"])
        if not xs:
            return None
        lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
        span = max(lon1 - lon0, (lat1 - lat0) * 1.6, 1e-6)
        zoom = max(0.0, min(12.0, math.log2(360 / span) + 0.3))
        return {"center": {"lon": (lon0 + lon1) / 2, "lat": (lat0 + lat1) / 2}, "zoom": round(zoom, 2)}
    return release.memo(("map_frame", level), load)
