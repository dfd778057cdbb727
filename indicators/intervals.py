"""Confidence intervals (95%), as plain functions. The SQL in values.sql computes the same formulas over
the whole table; these are the reference the tests check it against, and the source of the exact Poisson
table the SQL joins for small counts.

- Wilson score interval for a proportion x / n (valid at x = 0 and x = n).
- Exact Poisson limits for a count O: chi2(a/2; 2O)/2 and chi2(1-a/2; 2(O+1))/2 (lower = 0 at O = 0);
  Byar's approximation for larger counts.
"""

from __future__ import annotations

import math

import pyarrow as pa
from scipy.stats import chi2

Z = 1.959964
#: Below this count the SQL uses exact Poisson limits from a lookup table, at and above it Byar.
EXACT_POISSON_BELOW = 500


def wilson(x: float, n: float, z: float = Z) -> tuple[float, float]:
    if n <= 0 or x < 0 or x > n:
        raise ValueError("Wilson needs 0 <= x <= n and n > 0")
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    # the limits are exactly 0 at x = 0 and 1 at x = n; the formula's rounding would leave +-3e-16 there
    lower = 0.0 if x == 0 else (centre - half) / denom
    upper = 1.0 if x == n else (centre + half) / denom
    return lower, upper


def poisson_exact(observed: int, alpha: float = 0.05) -> tuple[float, float]:
    lower = 0.0 if observed == 0 else chi2.ppf(alpha / 2, 2 * observed) / 2
    upper = chi2.ppf(1 - alpha / 2, 2 * (observed + 1)) / 2
    return float(lower), float(upper)


def poisson_byar(observed: float, z: float = Z) -> tuple[float, float]:
    o = observed
    lower = 0.0 if o == 0 else o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def poisson_table(below: int = EXACT_POISSON_BELOW) -> pa.Table:
    """``observed, lower_count, upper_count`` for the counts 0 .. below-1 (exact limits)."""
    obs = list(range(below))
    lower = [0.0] + [float(v) for v in chi2.ppf(0.025, [2 * o for o in obs[1:]]) / 2]
    upper = [float(v) for v in chi2.ppf(0.975, [2 * (o + 1) for o in obs]) / 2]
    return pa.table({"observed": pa.array([float(o) for o in obs]), "lower_count": lower, "upper_count": upper})
