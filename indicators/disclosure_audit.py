"""How much an attacker can learn about each withheld count: its feasible range by linear programming.

An attacker who has every published figure knows, for each withheld count ``x``:

- the relations between cells: a parent equals the sum of its reporting children (one indicator, period and
  breakdown; indicators that are rolled up, not figures published as they are at each level), and a total
  breakdown of an area (``total`` or ``sex=total``) equals the sum of that dimension's other breakdowns where
  the release has such a total;
- the bounds the published reason implies: a count withheld as below the threshold ``t`` lies in
  ``[0, t - 1]`` (``[1, t - 1]`` where zeros are published); a count withheld for another reason is not below
  the threshold (else it would say so): ``[t, inf)`` where zeros are withheld too, ``[0, inf)`` otherwise;
- counts it had from an earlier release (``known``): fixed.

For every withheld count to check, :func:`feasible_ranges` gives the smallest and largest value consistent
with all of that: the attacker's range. Cells linked by relations form a component; a component with one
relation is solved in closed form (interval arithmetic is exact for one linear equation over a box), larger
ones, whatever their size, by linear programs over one model per component (:mod:`indicators.lp_ranges`,
HiGHS): at most two per checked cell, most cells shown wide enough by the points of programs over all of them.
A range at least as wide as the protection level protects the cell (``docs/methodology.md``, disclosure
control).

Relations that do not hold in the data (breakdowns that overlap, such as age bands) make the attacker's system
infeasible; a component whose system is infeasible is solved again without its breakdown relations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components

from indicators.lp_ranges import ranges

#: columns of the cells :func:`feasible_ranges` reads
CELL_COLUMNS = ("slice", "breakdown", "area", "parent", "x", "unknown", "lo", "hi", "check")
INF = np.inf


@dataclass
class Relations:
    """Linear relations ``sum(coef * x[cell]) = 0``, one per row: ``rows[k]``, ``cells[k]``, ``coefs[k]``
    (parallel arrays, one entry per term); ``breakdown[r]`` tells a breakdown relation from a geography one."""

    rows: np.ndarray
    cells: np.ndarray
    coefs: np.ndarray
    breakdown: np.ndarray


def relations(cells: pd.DataFrame, rolled_up: pd.Series | None = None, truth: bool = False) -> Relations:
    """The relations between ``cells`` (index 0..n-1): ``slice`` (one indicator, period and variable),
    ``breakdown`` (text), ``area`` and ``parent`` (codes or ids; parent missing or -1 for a root).
    ``rolled_up``: per row, whether its indicator's parents are sums of their children (default: all).
    ``truth``: ``x`` holds every cell's true count (the pipeline), so breakdowns that add up can be found."""
    n = len(cells)
    idx = np.arange(n)
    rows, terms, coefs, kinds = [], [], [], []
    geo = cells if rolled_up is None else cells[rolled_up.to_numpy(dtype=bool)]
    key = pd.DataFrame({"slice": geo["slice"].to_numpy(), "breakdown": geo["breakdown"].to_numpy(),
                        "area": geo["area"].to_numpy(), "i": idx[geo.index.to_numpy()] if len(geo) else []})
    kids = pd.DataFrame({"slice": geo["slice"].to_numpy(), "breakdown": geo["breakdown"].to_numpy(),
                         "area": geo["parent"].to_numpy(), "c": key["i"].to_numpy()})
    pairs = kids.merge(key, on=["slice", "breakdown", "area"], how="inner")  # child c, parent i
    # only a relation with an unknown cell can narrow one: the others are left out (most of a release)
    unknown = cells["unknown"].to_numpy(dtype=bool)
    touched = pd.Series(unknown[pairs["c"].to_numpy()]).groupby(pairs["i"].to_numpy()).transform("any").to_numpy() \
        | unknown[pairs["i"].to_numpy()] if len(pairs) else np.zeros(0, dtype=bool)
    pairs = pairs[touched]
    parents, row_of = np.unique(pairs["i"].to_numpy(), return_inverse=True)
    rows += [*range(len(parents)), *row_of.tolist()]
    terms += [*parents.tolist(), *pairs["c"].tolist()]
    coefs += [1.0] * len(parents) + [-1.0] * len(pairs)
    kinds += [False] * len(parents)
    r = len(parents)
    r = _breakdown_relations(cells, idx, r, rows, terms, coefs, kinds, truth)
    return Relations(np.asarray(rows, dtype=np.int64), np.asarray(terms, dtype=np.int64),
                     np.asarray(coefs, dtype=float), np.asarray(kinds, dtype=bool))


#: breakdown values that name a dimension's total
TOTAL_NAMES = {"total", "t", "_t", "all", "_z"}


def _breakdown_relations(cells, idx, r, rows, terms, coefs, kinds, truth: bool) -> int:
    """Per area and breakdown dimension (``sex=F``, ``sex=M``...): the total equals the sum of the other
    values. The total is the value named so (``total``, ``T``, ``_T``, ``all``), else the plain ``total``
    breakdown of the area; with ``truth`` (every ``x`` known, as in the pipeline) a value that equals the sum
    of the others is taken as the total too, since an attacker may see that it does."""
    bd = cells["breakdown"].astype(str)
    has_dim = bd.str.contains("=", regex=False).to_numpy()
    if not has_dim.any():
        return r
    split = bd[has_dim].str.split("=", n=1)
    frame = pd.DataFrame({"slice": cells["slice"].to_numpy()[has_dim], "area": cells["area"].to_numpy()[has_dim],
                          "dim": split.str[0].to_numpy(), "val": split.str[1].str.casefold().to_numpy(),
                          "i": idx[has_dim]})
    plain = {(s, a): i for s, a, b, i in zip(cells["slice"].to_numpy(), cells["area"].to_numpy(), bd.to_numpy(), idx,
                                             strict=True) if b == "total"}
    x = cells["x"].to_numpy(dtype=float)
    unknown = cells["unknown"].to_numpy(dtype=bool)
    frame["u"] = unknown[frame["i"].to_numpy()]
    plain_u = {k for k, i in plain.items() if unknown[i]}
    groups = frame.groupby(["slice", "area", "dim"], sort=False)
    touched = groups["u"].transform("any").to_numpy() | np.fromiter(
        ((s, a) in plain_u for s, a in zip(frame["slice"], frame["area"], strict=True)), bool, len(frame))
    for (s, a, _d), group in frame[touched].groupby(["slice", "area", "dim"], sort=False):
        members = group["i"].to_numpy()
        named = members[group["val"].isin(TOTAL_NAMES).to_numpy()]
        if len(named):
            total, parts = int(named[0]), [int(m) for m in members if m != named[0]]
        elif (s, a) in plain:
            total, parts = plain[(s, a)], [int(m) for m in members]
        elif truth and len(members) >= 3 and not np.isnan(x[members]).any():
            k = int(np.argmax(x[members]))
            rest = np.delete(x[members], k)
            if not np.isclose(x[members][k], rest.sum(), rtol=1e-12, atol=1e-9):
                continue
            total, parts = int(members[k]), [int(m) for m in np.delete(members, k)]
        else:
            continue
        if len(parts) < 2:
            continue
        rows += [r] * (len(parts) + 1)
        terms += [total, *parts]
        coefs += [1.0] + [-1.0] * len(parts)
        kinds.append(True)
        r += 1
    return r


def feasible_ranges(cells: pd.DataFrame, rel: Relations, cache: dict | None = None) -> pd.DataFrame:
    """For every row with ``check``: the attacker's range ``lo_found, hi_found``. ``x`` is the count (its true
    value; only published ones, ``unknown`` False, are used), ``lo``/``hi`` the bounds the attacker knows for
    unknown ones. With a ``need`` column (each cell's protection level), a range shown at least that wide by
    feasible points is given as their span, inside the true range (:mod:`indicators.lp_ranges`): what is under
    its level is always the exact range. ``cache``: a dict kept between calls on the same cells (the rounds of
    :func:`indicators.protection.protect`), so that a component no round changed is not solved again."""
    n = len(cells)
    out = pd.DataFrame({"lo_found": np.full(n, np.nan), "hi_found": np.full(n, np.nan)}, index=cells.index)
    unknown = cells["unknown"].to_numpy(dtype=bool)
    check = cells["check"].to_numpy(dtype=bool) & unknown
    if not check.any():
        return out
    x = cells["x"].to_numpy(dtype=float)
    lo, hi = cells["lo"].to_numpy(dtype=float), cells["hi"].to_numpy(dtype=float)
    need = cells["need"].to_numpy(dtype=float) if "need" in cells else None
    # the right-hand side of each relation once the published counts are moved over
    n_rel = int(rel.rows.max()) + 1 if len(rel.rows) else 0
    known_term = ~unknown[rel.cells]
    rhs = -np.bincount(rel.rows[known_term], weights=(rel.coefs * x[rel.cells])[known_term], minlength=n_rel)
    keep = ~known_term
    u_rows, u_cells, u_coefs = rel.rows[keep], rel.cells[keep], rel.coefs[keep]
    lo_found, hi_found = np.full(n, np.nan), np.full(n, np.nan)
    alone = check.copy()  # in no relation: the attacker has only the bounds
    alone[u_cells] = False
    lo_found[alone], hi_found[alone] = lo[alone], hi[alone]
    for ks in _components(u_rows, u_cells, check):
        rows_k, cells_k, coefs_k = u_rows[ks], u_cells[ks], u_coefs[ks]
        if (rows_k == rows_k[0]).all():
            members = cells_k.tolist()
            _one_relation(members, coefs_k, rhs[rows_k[0]], lo, hi, [m for m in members if check[m]],
                          lo_found, hi_found)
        else:
            _solve(rows_k, cells_k, coefs_k, rhs, rel.breakdown, lo, hi, check, need, lo_found, hi_found, cache)
    out["lo_found"], out["hi_found"] = lo_found, hi_found
    return out


def _components(u_rows: np.ndarray, u_cells: np.ndarray, check: np.ndarray) -> list[np.ndarray]:
    """The terms (indices into ``u_rows``/``u_cells``) of each set of relations linked by unknown cells, for the
    sets with a cell to check."""
    if not len(u_rows):
        return []
    rel_ids, r_local = np.unique(u_rows, return_inverse=True)
    cell_ids, c_local = np.unique(u_cells, return_inverse=True)
    size = len(rel_ids) + len(cell_ids)
    graph = coo_matrix((np.ones(len(u_rows)), (r_local, len(rel_ids) + c_local)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    term_comp = label[r_local]
    wanted = np.zeros(label.max() + 1, dtype=bool)
    wanted[label[len(rel_ids):][check[cell_ids]]] = True
    order = np.argsort(term_comp, kind="stable")
    bounds = np.flatnonzero(np.diff(term_comp[order])) + 1
    return [ks for ks in np.split(order, bounds) if wanted[term_comp[ks[0]]]]


def _one_relation(members, coefs, rhs, lo, hi, targets, lo_found, hi_found) -> None:
    """``sum(coefs * x[members]) = rhs`` over the box: each target's range by interval arithmetic. Coefs are
    +-1 here (sums), so ``x_i = (rhs - sum_{j != i} c_j x_j) / c_i``."""
    c = np.asarray(coefs, dtype=float)
    m = np.asarray(members)
    t_lo = np.where(c > 0, c * lo[m], c * hi[m])  # smallest value of each term
    t_hi = np.where(c > 0, c * hi[m], c * lo[m])
    s_lo, s_hi = t_lo.sum(), t_hi.sum()
    lo_inf, hi_inf = np.isinf(t_lo), np.isinf(t_hi)  # unbounded terms: the sum of the others without inf - inf
    f_lo, f_hi = t_lo[~lo_inf].sum(), t_hi[~hi_inf].sum()
    if s_lo > rhs + 1e-6 or s_hi < rhs - 1e-6:  # infeasible: the relation does not hold; bounds only
        for t in targets:
            lo_found[t], hi_found[t] = lo[t], hi[t]
        return
    for k, member in enumerate(members):
        if member not in targets:
            continue
        # c_k x_k = rhs - sum of the others
        others_lo = -INF if lo_inf.sum() - lo_inf[k] > 0 else f_lo - (0.0 if lo_inf[k] else t_lo[k])
        others_hi = INF if hi_inf.sum() - hi_inf[k] > 0 else f_hi - (0.0 if hi_inf[k] else t_hi[k])
        a, b = rhs - others_hi, rhs - others_lo  # range of c_k x_k
        v_lo, v_hi = (a / c[k], b / c[k]) if c[k] > 0 else (b / c[k], a / c[k])
        lo_found[member] = max(lo[member], v_lo)
        hi_found[member] = min(hi[member], v_hi)


def _solve(rows_k, cells_k, coefs_k, rhs, is_breakdown, lo, hi, check, need, lo_found, hi_found, cache,
           with_breakdowns: bool = True) -> None:
    """Linear programs over a component's relations (:func:`indicators.lp_ranges.ranges`); where its system has
    no solution (breakdowns that do not add up), again without its breakdown relations, then the bounds only."""
    members, col = np.unique(cells_k, return_inverse=True)
    targets = members[check[members]]
    use = np.ones(len(rows_k), dtype=bool) if with_breakdowns else ~is_breakdown[rows_k]
    rel_ids, row = np.unique(rows_k[use], return_inverse=True)
    b_eq = rhs[rel_ids]
    t_cols = np.searchsorted(members, targets)
    t_need = None if need is None else need[targets]
    key = None
    if cache is not None:
        key = b"|".join(a.tobytes() for a in (members, row, col[use], coefs_k[use], b_eq, lo[members], hi[members],
                                                  t_cols, np.zeros(0) if t_need is None else t_need))
    if key is not None and key in cache:
        found = cache[key]
    else:
        a_eq = csc_matrix((coefs_k[use], (row, col[use])), shape=(len(rel_ids), len(members)))
        found = ranges(a_eq, b_eq, lo[members], hi[members], t_cols, t_need) if len(rel_ids) else \
            (lo[targets], hi[targets], 0)
        if key is not None:
            cache[key] = found
    if found is None:
        if with_breakdowns and is_breakdown[rows_k].any():
            _solve(rows_k, cells_k, coefs_k, rhs, is_breakdown, lo, hi, check, need, lo_found, hi_found, cache,
                   with_breakdowns=False)
        else:
            lo_found[targets], hi_found[targets] = lo[targets], hi[targets]
        return
    lo_found[targets], hi_found[targets] = found[0], found[1]
