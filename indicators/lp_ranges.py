"""The range of each of several unknowns over one linear system: linear programs that share one model.

For a component of the attacker's system (:mod:`indicators.disclosure_audit`): ``A x = b`` with ``lower <= x <=
upper``, the smallest and largest value of each target unknown. The model is handed to HiGHS once; each program
changes only the objective (one cost on, the last one off) and starts from the basis of the one before, a few
pivots away. Every solution is a feasible point: for each target the least and greatest value seen over all of
them so far bound its range from inside, and a target whose values already lie its protection level apart
(``need``) is wide enough without programs of its own ("incidental widening"). Two programs over the sum of the
targets (least and most, every count capped far above the component's figures so that the program is bounded)
give points at opposite corners first; on the Eurostat test config they settle most targets.
"""

from __future__ import annotations

import numpy as np
from highspy import HighsLp, HighsModelStatus, MatrixFormat, kHighsInf
from scipy.sparse import csc_matrix

try:  # The public ``highspy.Highs`` subclass prints a banner to the process's standard output at its first
    # construction, before any option can silence it (``openmeasure disclosure audit`` would print it); its
    # base class is the same solver without the Python callbacks this module does not use.
    from highspy._core import _Highs
except ImportError:  # pragma: no cover - a highspy that keeps its bindings elsewhere
    from highspy import Highs as _Highs

INF = np.inf
OPTIMAL, INFEASIBLE = HighsModelStatus.kOptimal, HighsModelStatus.kInfeasible
UNBOUNDED = (HighsModelStatus.kUnbounded, HighsModelStatus.kUnboundedOrInfeasible)


class _Model:
    """One component's programs: ``solve(costs)`` with ``costs`` {column: cost}, the other costs 0."""

    def __init__(self, a_eq: csc_matrix, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray):
        lp = HighsLp()
        lp.num_col_, lp.num_row_ = a_eq.shape[1], a_eq.shape[0]
        lp.col_cost_ = np.zeros(a_eq.shape[1])
        lp.col_lower_, lp.col_upper_ = lower, np.where(np.isinf(upper), kHighsInf, upper)
        lp.row_lower_ = lp.row_upper_ = b_eq
        lp.a_matrix_.format_ = MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a_eq.indptr, a_eq.indices, a_eq.data
        self.h = _Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.passModel(lp)
        self.n, self.b = a_eq.shape[1], b_eq
        self.on = np.zeros(0, dtype=np.int32)
        self.programs = 0

    def bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.h.changeColsBounds(len(cols), cols.astype(np.int32), lower, np.where(np.isinf(upper), kHighsInf, upper))

    def solve(self, cols: np.ndarray, costs: np.ndarray):
        """The status, objective value and solution of ``min sum(costs * x[cols])``."""
        if len(self.on):
            self.h.changeColsCost(len(self.on), self.on, np.zeros(len(self.on)))
        self.on = cols.astype(np.int32)
        self.h.changeColsCost(len(self.on), self.on, costs.astype(float))
        self.h.run()
        self.programs += 1
        status = self.h.getModelStatus()
        if status not in (OPTIMAL, INFEASIBLE, *UNBOUNDED):  # the warm start went astray: again from scratch
            self.h.clearSolver()
            self.h.run()
            status = self.h.getModelStatus()
        if status != OPTIMAL:
            return status, np.nan, None
        return status, self.h.getInfo().objective_function_value, np.asarray(self.h.getSolution().col_value)


def ranges(a_eq: csc_matrix, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray, targets: np.ndarray,
           need: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``lo, hi`` per target column (``targets``) and the number of programs solved, or None where the system
    has no solution. Without ``need`` both ends are exact; with it (each target's protection level), a target
    whose feasible points lie at least ``need`` apart is given their span, inside its true range: only a range
    narrower than its level is always exact, so what is decided from the ranges is the same."""
    model = _Model(a_eq, b_eq, lower, upper)
    k = len(targets)
    seen_lo, seen_hi = np.full(k, INF), np.full(k, -INF)
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)

    def look(x: np.ndarray) -> None:
        np.minimum(seen_lo, x[targets], out=seen_lo)
        np.maximum(seen_hi, x[targets], out=seen_hi)

    status, _, x = model.solve(targets[:0], np.zeros(0))  # a feasible point, or none
    if status == INFEASIBLE or x is None:
        return None
    look(x)
    if need is not None and k >= 2:
        _push(model, targets, lower, upper, need, seen_lo, seen_hi, look)

    def wide(j: int) -> bool:
        return need is not None and seen_hi[j] - seen_lo[j] >= need[j] - 1e-9

    one = np.ones(1)
    for j in range(k):
        if wide(j):
            lo[j], hi[j] = seen_lo[j], seen_hi[j]
            continue
        status, value, x = model.solve(targets[j:j + 1], one)
        if x is None:  # cannot be: the system has a point and every count is at least its lower bound
            return None
        lo[j] = value
        look(x)
        if wide(j):
            hi[j] = seen_hi[j]
            continue
        status, value, x = model.solve(targets[j:j + 1], -one)
        if status in UNBOUNDED:
            hi[j] = INF
        elif x is None:
            return None
        else:
            hi[j] = -value
            look(x)
    return lo + 0.0, hi + 0.0, model.programs  # + 0.0: no -0 from the solver in what is printed


#: rounds of :func:`_push` at most; it also stops at the first round that settles no target
PUSH_ROUNDS = 8


def _push(model: _Model, targets, lower, upper, need, seen_lo, seen_hi, look) -> None:
    """Programs over all the targets at once that look for the points showing them wide: the least and the most
    of their sum (every count capped at ``cap``, far above the component's figures, so that the program is
    bounded), then rounds that cap each unsettled target at its least
    value seen plus its protection level and maximise their sum (and the mirror: floor at the most seen less the
    level, minimise). Every point seen so far satisfies those caps, so each program has a solution, and a
    target that reaches its cap is settled."""
    cols = np.arange(model.n)
    cap = float(np.abs(model.b).sum() + np.abs(upper[~np.isinf(upper)]).sum() + np.abs(lower).sum() + 1.0)
    model.bounds(cols, lower, np.minimum(upper, cap))
    for sign in (1.0, -1.0):
        x = model.solve(targets, np.full(len(targets), sign))[2]
        if x is not None:
            look(x)
    model.bounds(cols, lower, upper)
    open_ = seen_hi - seen_lo < need - 1e-9
    for _ in range(PUSH_ROUNDS):
        if not open_.any():
            break
        t = targets[open_]
        for up in (True, False):
            if up:
                model.bounds(t, lower[t], np.minimum(upper[t], seen_lo[open_] + need[open_]))
            else:
                model.bounds(t, np.maximum(lower[t], seen_hi[open_] - need[open_]), upper[t])
            x = model.solve(t, np.full(len(t), -1.0 if up else 1.0))[2]
            model.bounds(t, lower[t], upper[t])
            if x is not None:
                look(x)
        still = seen_hi - seen_lo < need - 1e-9
        if still.sum() == open_.sum():
            break
        open_ = still
