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
ones with two linear programs per checked cell (scipy's HiGHS). A range at least as wide as the protection
level protects the cell (``docs/methodology.md``, disclosure control).

Relations that do not hold in the data (breakdowns that overlap, such as age bands) make the attacker's system
infeasible; a component whose system is infeasible is solved again without its breakdown relations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

#: A component with more withheld counts to check than this is not solved (its ranges stay NaN: not checked):
#: two linear programs per count over hundreds of linked unknowns took minutes per run where nearly every count
#: of a large tree is small (a threshold of 50 on Eurostat's counts of unknown age). The group rule still holds
#: there; the cells are counted as not checked (docs/methodology.md).
MAX_TARGETS = 12

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


def feasible_ranges(cells: pd.DataFrame, rel: Relations) -> pd.DataFrame:
    """For every row with ``check``: the attacker's range ``lo_found, hi_found`` (NaN where not checked).
    ``x`` is the count (its true value; only published ones, ``unknown`` False, are used), ``lo``/``hi`` the
    bounds the attacker knows for unknown ones. With a ``need`` column (each cell's protection level), a range
    shown at least that wide by feasible points is given as their span, inside the true range (:func:`_settled`):
    what is under its level is always the exact range."""
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
    # components: cells joined by relations (union-find over the unknown cells)
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    first = {}
    for r, c in zip(u_rows.tolist(), u_cells.tolist(), strict=True):
        if r in first:
            ra, rb = find(first[r]), find(c)
            if ra != rb:
                parent[rb] = ra
        else:
            first[r] = c
    roots = np.array([find(i) for i in range(n)])
    rel_root = {r: roots[c] for r, c in first.items()}
    by_root: dict[int, list[int]] = {}
    for r, root in rel_root.items():
        by_root.setdefault(int(root), []).append(r)
    terms_of: dict[int, list[int]] = {}
    for k, r in enumerate(u_rows.tolist()):
        terms_of.setdefault(r, []).append(k)
    lo_found, hi_found = np.full(n, np.nan), np.full(n, np.nan)
    for i in np.flatnonzero(check):
        if not np.isnan(lo_found[i]):
            continue
        rels = by_root.get(int(roots[i]), [])
        if not rels:  # in no relation: the attacker has only the bounds
            lo_found[i], hi_found[i] = lo[i], hi[i]
            continue
        members = sorted({int(u_cells[k]) for r in rels for k in terms_of[r]})
        targets = [m for m in members if check[m]]
        if len(rels) == 1:
            ks = terms_of[rels[0]]
            _one_relation([int(u_cells[k]) for k in ks], u_coefs[ks], rhs[rels[0]], lo, hi, targets,
                          lo_found, hi_found)
        elif len(targets) <= MAX_TARGETS:
            _solve(members, rels, terms_of, u_cells, u_coefs, rhs, rel.breakdown, lo, hi, targets,
                   lo_found, hi_found, need=need)
    out["lo_found"], out["hi_found"] = lo_found, hi_found
    return out


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


def _settled(targets, col, a_eq, b_eq, bounds, need, lo_found, hi_found) -> set:
    """The targets whose range is shown wide enough by a few feasible points (vertices for the least and the most
    of the targets' sum and for six sums with random signs, every count capped far above the component's figures
    so that each program is bounded); their range is given as the span of those points, inside the true one."""
    if need is None or len(targets) < 2:
        return set()
    n = a_eq.shape[1]
    cap = float(np.abs(b_eq).sum() + sum(b for _, b in bounds if b is not None) + 1.0)
    capped = [(a, cap if b is None else b) for a, b in bounds]
    idx = [col[t] for t in targets]
    rng = np.random.default_rng(len(targets))  # fixed: the same release gives the same result
    signs = [np.ones(len(idx)), -np.ones(len(idx)), *(rng.choice([-1.0, 1.0], len(idx)) for _ in range(6))]
    points = []
    for sign in signs:
        cost = np.zeros(n)
        cost[idx] = sign
        r = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=capped, method="highs")
        if r.status == 0:
            points.append(r.x)
    if len(points) < 2:
        return set()
    values = np.asarray(points)[:, idx]
    done = set()
    for k, t in enumerate(targets):
        a, b = values[:, k].min(), values[:, k].max()
        if b - a >= need[t] - 1e-9:
            lo_found[t], hi_found[t] = a, (INF if b >= cap - 1e-6 else b)
            done.add(t)
    return done


def _solve(members, rels, terms_of, u_cells, u_coefs, rhs, is_breakdown, lo, hi, targets, lo_found,
           hi_found, with_breakdowns: bool = True, need=None) -> None:
    """Two linear programs per target over the component's relations (fewer where ``need``, the protection
    level of each cell, is given: see :func:`_settled`)."""
    use = [r for r in rels if with_breakdowns or not is_breakdown[r]]
    col = {m: k for k, m in enumerate(members)}
    data, ri, ci = [], [], []
    for row, r in enumerate(use):
        for k in terms_of[r]:
            data.append(u_coefs[k])
            ri.append(row)
            ci.append(col[int(u_cells[k])])
    a_eq = csr_matrix((data, (ri, ci)), shape=(len(use), len(members)))
    b_eq = np.asarray([rhs[r] for r in use])
    bounds = [(lo[m], None if np.isinf(hi[m]) else hi[m]) for m in members]
    # A few programs over all the targets at once give feasible points: where
    # a target's values at them are already as far apart as its protection level, its range is at least that
    # wide and it needs no programs of its own. Most targets of a large component are settled so.
    settled = _settled(targets, col, a_eq, b_eq, bounds, need, lo_found, hi_found)
    for t in targets:
        if t in settled:
            continue
        cost = np.zeros(len(members))
        cost[col[t]] = 1.0
        low = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 2:  # infeasible: drop the breakdown relations, then give only the bounds
            if with_breakdowns and any(is_breakdown[r] for r in use):
                _solve(members, rels, terms_of, u_cells, u_coefs, rhs, is_breakdown, lo, hi, targets,
                       lo_found, hi_found, with_breakdowns=False, need=need)
            else:
                for m in targets:
                    lo_found[m], hi_found[m] = lo[m], hi[m]
            return
        high = linprog(-cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lo_found[t] = low.fun if low.status == 0 else lo[t]
        hi_found[t] = -high.fun if high.status == 0 else INF
