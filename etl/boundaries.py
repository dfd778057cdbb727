"""Boundary files normalised for the release: every feature's ``id`` is our area code, as text.

A configured boundary file (``geography.boundaries.<level>``) may key its features by a property
(``NUTS_ID``, ``LAD16CD``) rather than by ``id`` (``code_property``), write numeric codes as numbers (1001 for
01001: ``pad_codes``), or hold areas under codes since changed (``code_mapping``, the same old -> new table as a
source's). :func:`normalise` applies these to one file and says what does not fit as findings (the quality table's
columns): features that match no area of the level, areas with no boundary, ids that match only once padded with
zeros, a property that would match when none is set. The release holds the result, so the dashboard matches on
``id`` alone and counts what it draws. It holds only the level's areas: a deployment of three countries with
GISCO's file of all Europe does not carry (and fit its first view to) the 300 other regions.

Features whose new code is shared (two old areas merged into one) become one multi-polygon feature.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core import schema
from core.config_models import BoundaryFile, Config
from core.errors import SourceError
from etl.sources.area_codes import load_mapping, pad_codes
from etl.sources.tidy import is_gzip

#: Codes listed in a finding's message; the rest are counted.
LISTED = 8


@dataclass
class LevelBoundaries:
    """One level's normalised boundaries and what matching them to the areas found."""
    level: str
    geojson: dict
    features: int = 0  # features in the file
    features_unmatched: int = 0  # of which match no area of the level (or have no code)
    areas: int = 0  # areas of the level
    matched: int = 0  # areas of the level with a feature
    unmatched_features: list[str] = field(default_factory=list)
    missing_areas: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


def code_text(value) -> str | None:
    """A feature's code as text: 1001 -> '1001', 1001.0 -> '1001', ' E06 ' -> 'E06'; None when blank."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    return text or None


def _listed(codes: list[str]) -> str:
    shown = ", ".join(codes[:LISTED])
    return shown + (f" and {len(codes) - LISTED:,} more" if len(codes) > LISTED else "")


def read_geojson(spec: BoundaryFile, key: str) -> dict:
    path = Path(spec.path)
    if not path.is_file():
        raise SourceError(key, "boundary file not found", file=str(path), key="path")
    try:
        raw = gzip.decompress(path.read_bytes()) if is_gzip(path) else path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(key, f"the boundary file is not GeoJSON: {exc}", file=str(path), key="path") from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise SourceError(key, "the boundary file is not a GeoJSON FeatureCollection (no 'features' list)",
                          file=str(path), key="path")
    return data


def _finding(level: str, spec: BoundaryFile, rule: str, message: str, *, area_code: str = "",
             column: str = "", row: int | None = None) -> dict:
    return {"rule": rule, "severity": "warn", "source": f"geography.boundaries.{level}", "file": spec.path,
            "row": row, "column": column, "measure": "", "area_code": area_code, "period": "", "message": message}


def _best_property(features: list[dict], known: set[str]) -> tuple[str, int] | None:
    """The feature property whose values match the most area codes, with that count (None when none does)."""
    counts: dict[str, int] = {}
    for f in features:
        for name, value in (f.get("properties") or {}).items():
            if code_text(value) in known:
                counts[name] = counts.get(name, 0) + 1
    return max(counts.items(), key=lambda kv: kv[1]) if counts else None


def _merge(features: list[dict]) -> dict:
    """One feature of several (areas merged by a code mapping): a MultiPolygon of all their polygons."""
    polygons = []
    for f in features:
        geom = f.get("geometry") or {}
        if geom.get("type") == "Polygon":
            polygons.append(geom["coordinates"])
        elif geom.get("type") == "MultiPolygon":
            polygons.extend(geom["coordinates"])
    return {**features[0], "geometry": {"type": "MultiPolygon", "coordinates": polygons}}


def normalise(level: str, spec: BoundaryFile, level_codes: set[str]) -> LevelBoundaries:
    """The level's boundary file with ``id`` = area code on every feature that has one, and findings."""
    key = f"geography.boundaries.{level}"
    data = read_geojson(spec, key)
    features = [f for f in data["features"] if isinstance(f, dict)]
    found: list[dict] = []
    column = spec.code_property or "id"
    codes: list[str | None] = []
    for f in features:
        raw = (f.get("properties") or {}).get(spec.code_property) if spec.code_property else f.get("id")
        codes.append(code_text(raw))
    blank = [n for n, c in enumerate(codes) if c is None]
    if blank:
        found.append(_finding(level, spec, "boundary_no_code",
                              f"{len(blank):,} of {len(features):,} features have no {column!r} (feature "
                              f"{', '.join(str(n + 1) for n in blank[:LISTED])}"
                              f"{' ...' if len(blank) > LISTED else ''}); they are not drawn", column=column,
                              row=blank[0] + 1))
    series = pd.Series([c if c is not None else "" for c in codes], dtype=object)
    if spec.pad_codes:
        series = pad_codes(series, spec.pad_codes)
    elif level_codes:
        widths = {len(c) for c in level_codes if c.isdigit()}
        unmatched = series[~series.isin(level_codes) & series.str.fullmatch(r"\d+")]
        for width in sorted(widths):
            padded = pad_codes(unmatched, width)
            fits = padded[padded.isin(level_codes) & (padded != unmatched)]
            if len(fits):
                examples = ", ".join(f"{a} -> {b}" for a, b in zip(unmatched[fits.index][:3], fits[:3], strict=True))
                found.append(_finding(
                    level, spec, "boundary_code_padding",
                    f"{len(fits):,} feature codes are numbers that match area codes only when left-padded with "
                    f"zeros to {width} digits ({examples}): they are not drawn; set {key}.pad_codes: {width}",
                    column=column, area_code=str(fits.iloc[0])))
                break
    if spec.code_mapping is not None:
        mapping = load_mapping(spec.code_mapping, key)
        single = mapping.groupby("old")["new"].agg(list)
        series = series.map(lambda c: single[c][0] if c in single.index and len(single[c]) == 1 else c)
        split = sorted(set(single.index[single.map(len) > 1]) & set(series))
        if split:
            found.append(_finding(level, spec, "boundary_code_split",
                                  f"{len(split):,} boundary codes map to several new areas ({_listed(split)}); a "
                                  "boundary is not split, so they keep their old code", column=column))
    by_code: dict[str, list[dict]] = {}
    for f, code in zip(features, series.tolist(), strict=True):
        if code:
            by_code.setdefault(code, []).append(f)
    out = []
    for code, group in by_code.items():
        if code not in level_codes:
            continue  # not an area of the level: counted in a finding, never drawn, and not in the map's view
        feature = group[0] if len(group) == 1 else _merge(group)
        out.append({**feature, "id": code})
    result = LevelBoundaries(level, {"type": "FeatureCollection", "features": out})
    result.features = len(features)
    result.features_unmatched = sum(1 for code in series.tolist() if code not in level_codes)
    result.areas = len(level_codes)
    drawn = set(by_code) & level_codes
    result.matched = len(drawn)
    result.unmatched_features = sorted(set(by_code) - level_codes)
    result.missing_areas = sorted(level_codes - drawn)
    if level_codes and not drawn:
        hint = _best_property(features, level_codes)
        found.append(_finding(
            level, spec, "boundary_no_match",
            f"no feature's {column!r} matches an area code of level {level!r}: the map of this level is blank"
            + (f"; property {hint[0]!r} matches {hint[1]:,} areas: set {key}.code_property: {hint[0]}"
               if hint and hint[0] != spec.code_property else ""), column=column))
    elif result.missing_areas:
        found.append(_finding(level, spec, "boundary_missing",
                              f"{len(result.missing_areas):,} of {len(level_codes):,} {level} areas have no boundary "
                              f"and are not on the map: {_listed(result.missing_areas)}",
                              area_code=result.missing_areas[0], column=column))
    if result.unmatched_features and drawn:
        found.append(_finding(level, spec, "boundary_unmatched",
                              f"{len(result.unmatched_features):,} of {len(by_code):,} features match no {level} "
                              f"area: {_listed(result.unmatched_features)}", column=column))
    result.findings = found
    return result


def normalise_all(config: Config, areas: pd.DataFrame) -> dict[str, LevelBoundaries]:
    """Every configured level's boundaries against the areas table (columns area_code, level)."""
    out = {}
    for level, spec in config.geography.boundaries.items():
        codes = set(areas.loc[areas["level"] == level, "area_code"].astype(str))
        out[level] = normalise(level, spec, codes)
    return out


def findings(levels: dict[str, LevelBoundaries]) -> pd.DataFrame:
    """The findings of :func:`normalise_all` as rows of the quality table (empty: no rows)."""
    rows = [f for lb in levels.values() for f in lb.findings]
    df = pd.DataFrame(rows, columns=schema.QUALITY.names)
    df["row"] = pd.array(df["row"], dtype="Int64")
    return df


def write(levels: dict[str, LevelBoundaries], folder: Path) -> None:
    """``boundaries/<level>.geojson`` in the release folder (compact JSON)."""
    (folder / "boundaries").mkdir(exist_ok=True)
    for level, lb in levels.items():
        (folder / "boundaries" / f"{level}.geojson").write_text(json.dumps(lb.geojson, separators=(",", ":")),
                                                               encoding="utf-8")
