"""Statistical nearest neighbours, CIPFA-style.

Within each level: take the configured features (e.g. population, density, urban type), optionally log
them, standardise each to z-scores across the level, weight them, and take the k areas at the smallest
Euclidean distance. Ties are broken by area code so the result is reproducible. The features, weights and k
are published in the release (areas.parquet and manifest) so that a council can check its peer group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from etl.config_models import NeighboursConfig


def nearest_neighbours(areas: pd.DataFrame, config: NeighboursConfig, levels: list[str]) -> pd.DataFrame:
    """Return ``area_code, neighbour_code, rank, distance`` for every area of the chosen levels."""
    out = []
    for level in config.levels or levels:
        group = areas[areas["level"] == level]
        if len(group) < 2:
            continue
        x = _features(group, config)
        ok = ~np.isnan(x).any(axis=1)
        codes = group["area_code"].to_numpy()[ok]
        x = x[ok]
        k = min(config.k, len(codes) - 1)
        dist, idx = cKDTree(x).query(x, k=k + 1)
        for i, code in enumerate(codes):
            # drop the area itself (distance 0, but a twin may also sit at 0: drop by index, not position)
            pairs = sorted((float(dd), str(codes[j])) for dd, j in zip(dist[i], idx[i], strict=True) if j != i)
            for r, (dd, other) in enumerate(pairs[:k], start=1):
                out.append((code, other, r, dd))
    return pd.DataFrame(out, columns=["area_code", "neighbour_code", "rank", "distance"])


def _features(group: pd.DataFrame, config: NeighboursConfig) -> np.ndarray:
    cols = []
    for f in config.features:
        v = pd.to_numeric(group[f.name], errors="coerce").to_numpy(dtype=float)
        if f.transform == "log":
            v = np.log(np.where(v > 0, v, np.nan))
        sd = np.nanstd(v)
        z = (v - np.nanmean(v)) / sd if sd > 0 else np.zeros_like(v)
        cols.append(z * f.weight)
    return np.column_stack(cols)
