"""Statistical nearest neighbours, CIPFA-style.

Within each level: take the configured features (e.g. population, density, urban type), optionally log
them, standardise each to z-scores across the level, weight them, and take the k areas at the smallest
Euclidean distance. The features, weights and k are published in the release (areas.parquet and manifest) so
that a council can check its peer group.

A feature is an attribute of the areas table or, computed by the pipeline before the neighbours, the value of
one of the release's own indicators in a period (:mod:`etl.neighbour_features`); this module is given a column
per feature either way (``NeighbourFeature.column``).

The peers are exactly the first k of all other areas of the level ordered by (distance, then the difference in
the first feature, then in the second, ..., then area code), whatever the search structure returns and whatever
order the areas arrive in, so anyone can reproduce them. Two areas at the same distance are told apart by the
feature listed first (the one that differs less there is the nearer), and areas with the same features (distance
0) only by their codes: when more than k other areas share an area's features, which of them are its peers is
decided by the code alone, and :func:`zero_distance_ties` reports it.

- the level's areas are put in area-code order before anything is computed (so the z-scores' sums, and
  hence every float, do not depend on the input's row order);
- a distance is ``sqrt(sum over features of (z_a - z_b)^2)`` rounded to 12 significant digits (Python's
  correctly rounded ``format(d, ".12g")``), so distances that are equal in exact arithmetic but differ in
  the last bits compare equal. That rounded distance is both the one ordered by and the one published.
  (Two such distances could in principle still round apart, if they sit within float noise of a 12-digit
  half-way point: very unlikely, not prevented.)
- Ties are common (NUTS 3 urban/mountain/coastal types take 31 distinct combinations across 1,513 areas),
  so a k-d tree's k nearest cannot be trusted to hold the right tied areas. Instead: areas with identical
  features are grouped (each group in code order), the tree over the distinct feature vectors gives the
  distance of the (k+1)-th area counting the area itself, i.e. of the k-th peer, then every distinct vector
  within that distance (times 1 + 1e-9, far wider than the 12-digit rounding, so float noise in the tree
  cannot leave out a tied area) is a candidate, and the candidates are sorted by (rounded distance, rounded
  difference in each feature in turn, code).
  Querying k + 2 distinct vectors usually finds every candidate; a ball search (query_ball_point) is made
  only where the last of them is still within the distance, i.e. for a tie at the boundary.
  Only the first k + 1 areas of each identical group can be needed, so the work stays proportional to the
  number of areas even when thousands of them share one feature vector.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from core.config_models import NeighboursConfig
from core.errors import ConfigError

SIGNIFICANT_DIGITS = 12
RADIUS_TOLERANCE = 1e-9  # relative; covers float noise between the tree's distance and ours
COLUMNS = ["area_code", "neighbour_code", "rank", "distance"]


def nearest_neighbours(areas: pd.DataFrame, config: NeighboursConfig, levels: list[str]) -> pd.DataFrame:
    """Return ``area_code, neighbour_code, rank, distance`` for every area of the chosen levels.

    Rank r is the r-th of the other areas of the level ordered by (distance, area code); areas with a
    missing feature have no peers and are no one's peer.
    """
    frames = []
    for level in config.levels or levels:
        group = areas[areas["level"] == level]
        if len(group) < 2:
            continue
        group = group.iloc[np.argsort(group["area_code"].astype(str).to_numpy(), kind="stable")]
        x = _features(group, config)
        ok = ~np.isnan(x).any(axis=1)
        codes = group["area_code"].astype(str).to_numpy()[ok]
        if len(codes) < 2:
            continue
        area, other, rank, dist = _ordered_neighbours(x[ok], min(config.k, len(codes) - 1))
        frames.append(pd.DataFrame({"area_code": codes[area], "neighbour_code": codes[other],
                                    "rank": rank, "distance": dist}))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _ordered_neighbours(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For rows of ``x`` already in code order: (area, neighbour, rank, distance) as positions into ``x``,
    the k neighbours of each row being the first k other rows by (rounded distance, position)."""
    vectors, inverse, counts = np.unique(x, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    by_vector = np.argsort(inverse, kind="stable")  # rows of each distinct vector, in code order
    starts = np.concatenate([[0], np.cumsum(counts)])
    tree = cKDTree(vectors)
    nv = len(vectors)
    m = min(k + 2, nv)  # k + 1 distinct vectors always hold k + 1 rows; one more shows whether that is all
    near, near_idx = tree.query(vectors, k=m)
    near, near_idx = near.reshape(nv, m), near_idx.reshape(nv, m)
    covered = np.cumsum(counts[near_idx], axis=1) >= k + 1
    radius = near[np.arange(nv), covered.argmax(axis=1)] * (1 + RADIUS_TOLERANCE)
    within = near <= radius[:, None]

    # candidates: every vector within the radius. The query already holds them all unless its last vector is
    # still within the radius (a tie at the boundary): only those vectors need a search of the whole ball.
    wide = np.flatnonzero(within[:, -1]) if m < nv else np.array([], dtype=np.intp)
    within[wide] = False
    balls = tree.query_ball_point(vectors[wide], radius[wide]) if len(wide) else []
    lengths = np.fromiter((len(b) for b in balls), dtype=np.intp, count=len(balls))
    owner = np.concatenate([np.nonzero(within)[0], np.repeat(wide, lengths)])
    cand = np.concatenate([near_idx[within], np.fromiter((j for b in balls for j in b), dtype=np.intp,
                                                         count=int(lengths.sum()))])
    # every (vector, candidate vector) pair, its rounded distance, then the candidate's first k + 1 rows
    d = _round_significant(np.sqrt(((vectors[cand] - vectors[owner]) ** 2).sum(axis=1)))
    # ties in distance: the smaller difference in the first feature, then the next, ... (then the code)
    diffs = [_round_significant(np.abs(vectors[cand, j] - vectors[owner, j])) for j in range(x.shape[1])]
    heads = np.minimum(counts[cand], k + 1)
    offset = np.arange(heads.sum()) - np.repeat(np.cumsum(heads) - heads, heads)
    rows = by_vector[np.repeat(starts[cand], heads) + offset]
    owner, d = np.repeat(owner, heads), np.repeat(d, heads)
    diffs = [np.repeat(v, heads) for v in diffs]
    order = np.lexsort((rows, *reversed(diffs), d, owner))
    owner, rows, d = owner[order], rows[order], d[order]
    rank0 = np.arange(len(owner)) - np.searchsorted(owner, owner)  # position within the owner's candidates
    first, first_d = rows[rank0 <= k].reshape(-1, k + 1), d[rank0 <= k].reshape(-1, k + 1)

    # each row takes its vector's first k + 1 rows less itself (or less the last, if it is not among them)
    n = len(x)
    f, fd = first[inverse], first_d[inverse]
    keep = f != np.arange(n)[:, None]
    keep[keep.all(axis=1), k] = False
    return (np.repeat(np.arange(n), k), f[keep], np.tile(np.arange(1, k + 1), n), fd[keep])


def zero_distance_ties(areas: pd.DataFrame, config: NeighboursConfig, levels: list[str]) -> pd.DataFrame:
    """``level, area_code, tied``: the areas that share their features with more than k other areas of their
    level (``tied`` of them), so that their peers among those are picked by area code alone."""
    out = []
    for level in config.levels or levels:
        group = areas[areas["level"] == level]
        if len(group) < 2:
            continue
        x = _features(group, config)
        ok = ~np.isnan(x).any(axis=1)
        if ok.sum() < 2:
            continue
        _, inverse, counts = np.unique(x[ok], axis=0, return_inverse=True, return_counts=True)
        tied = counts[inverse.reshape(-1)] - 1
        k = min(config.k, int(ok.sum()) - 1)
        many = tied > k
        out.append(pd.DataFrame({"level": level, "area_code": group["area_code"].astype(str).to_numpy()[ok][many],
                                 "tied": tied[many]}))
    if not out:
        return pd.DataFrame(columns=["level", "area_code", "tied"])
    return pd.concat(out, ignore_index=True).sort_values(["level", "area_code"], ignore_index=True)


def _round_significant(d: np.ndarray) -> np.ndarray:
    return np.array([float(format(v, f".{SIGNIFICANT_DIGITS}g")) for v in d.tolist()], dtype=float)


def _features(group: pd.DataFrame, config: NeighboursConfig) -> np.ndarray:
    cols = []
    for n, f in enumerate(config.features):
        v = _numbers(group, f.column, n)
        if f.transform == "log":
            v = np.log(np.where(v > 0, v, np.nan))
        if np.isnan(v).all():  # blank everywhere in the level: no area has the feature, so none has peers
            cols.append(v)
            continue
        sd = np.nanstd(v)
        # a feature the same in every area that has it tells them apart by nothing (z = 0), but an area
        # without it still has a missing feature
        z = (v - np.nanmean(v)) / sd if sd > 0 else np.where(np.isnan(v), np.nan, 0.0)
        cols.append(z * f.weight)
    return np.column_stack(cols)


def _numbers(group: pd.DataFrame, column: str, n: int) -> np.ndarray:
    """The feature column as floats, a blank or missing value as NaN (the area then has no peers). Text is an
    error: a distance needs numbers, and text read as missing would drop the feature without a word."""
    raw = group[column]
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype=float, na_value=np.nan)
    v = pd.to_numeric(raw, errors="coerce")
    text = v.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if text.any():
        i = int(np.flatnonzero(text.to_numpy())[0])
        distinct = raw[text].astype(str).unique()
        raise ConfigError([
            f"geography.neighbours.features[{n}]: column {column!r} of the areas table is not a number in "
            f"{int(text.sum())} area(s), e.g. {raw.iat[i]!r} in {group['area_code'].iat[i]}"
            + (f" (values: {', '.join(map(repr, distinct[:5]))}{', ...' if len(distinct) > 5 else ''})"
               if len(distinct) > 1 else "")
            + ". Features must be numbers: code a category as numbers (only where their order means something, "
            "e.g. 1 urban, 2 intermediate, 3 rural) or as one 0/1 column per category; leave a missing value "
            "blank"])
    return v.to_numpy(dtype=float)
