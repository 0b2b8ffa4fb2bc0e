"""The compiled subgradient steps of the Lagrangian p-median search (:mod:`hubplan.core.lagrange`).

Each client's costs are sorted once (:class:`RowSorted`), so a step walks only the
pairs cheaper than that client's multiplier; :func:`ascent_steps` runs a slice of
Held-Wolfe-Crowder steps in one numba call, and :func:`kth_smallest` is the selection
it uses for the ``p`` smallest site values.
"""

from __future__ import annotations

import numba
import numpy as np

from hubplan.core.vocabulary import BoolArray, FloatArray, IntArray

__all__ = ["RowSorted", "ascent_steps", "kth_smallest"]


class RowSorted:
    """Each client's costs in ascending order, with the site of each entry.

    The ascent only touches the pairs cheaper than a client's multiplier, and a
    sorted row lets it stop at the first one that is not, so an iteration costs
    the number of useful pairs rather than the whole matrix.
    """

    def __init__(self, cost: FloatArray) -> None:
        self.order = np.argsort(cost, axis=1, kind="stable")
        self.cost = np.ascontiguousarray(np.take_along_axis(cost, self.order, axis=1))


@numba.njit(cache=True, nogil=True)
def kth_smallest(values: FloatArray, k: int) -> float:  # pragma: no cover - compiled
    """The ``k``-th smallest entry (0-based) of ``values``, which it reorders.

    Hoare's selection; written out because numba compiles ``np.partition`` far more
    slowly than this loop (see docs/guide/optimiser.md).
    """
    lo, hi = 0, values.size - 1
    while lo < hi:
        pivot = values[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return float(values[k])
    return float(values[k])


# The compiled kernel, the one waiver of C901 and PLR0913 in the core (RUF100 until the
# project selects those rules): numba's nopython mode takes arrays and scalars, not
# hubplan's objects, so the search state arrives as separate arguments, and the loops stay
# in one body so that the hot path is one compiled call per slice of steps.
@numba.njit(cache=True, nogil=True)
def ascent_steps(  # noqa: C901, PLR0913, RUF100
    sorted_cost: FloatArray, order: IntArray, live: BoolArray, forced_idx: IntArray, free_idx: IntArray, q: int,
    lam: FloatArray, best_lam: FloatArray, state: FloatArray, target: float, cutoff: float, patience: int,
    iterations: int, min_step: float,
) -> bool:  # pragma: no cover - compiled
    """Up to ``iterations`` subgradient steps; ``lam``, ``best_lam`` and ``state`` change in place.

    ``state`` holds (best bound, step scale, iterations without improvement).
    Returns True when the ascent is over: the bound passed ``cutoff``, the step
    scale fell below ``min_step`` or the relaxed plan became feasible.
    """
    n, m = sorted_cost.shape
    best, step, stall = state[0], state[1], int(state[2])
    rho = np.empty(m)
    chosen = np.empty(m, np.bool_)
    free_rho = np.empty(free_idx.size)
    subgradient = np.empty(n)
    finished = False
    # explicit loops instead of slice assignment, which numba compiles far more slowly
    for _ in range(iterations):
        for j in range(m):
            rho[j] = 0.0
            chosen[j] = False
        value = 0.0
        for i in range(n):
            li = lam[i]
            value += li
            for k in range(m):
                c = sorted_cost[i, k]
                if c >= li:
                    break
                j = order[i, k]
                if live[j]:
                    rho[j] += c - li
        for j in forced_idx:
            chosen[j] = True
            value += rho[j]
        if q >= free_idx.size:
            for j in free_idx:
                chosen[j] = True
                value += rho[j]
        elif q > 0:
            for t in range(free_idx.size):
                free_rho[t] = rho[free_idx[t]]
            threshold = kth_smallest(free_rho, q - 1)
            picked = 0
            for j in free_idx:  # the q smallest: those below the threshold, then ties
                if rho[j] < threshold:
                    chosen[j] = True
                    value += rho[j]
                    picked += 1
            for j in free_idx:
                if picked == q:
                    break
                if rho[j] == threshold:
                    chosen[j] = True
                    value += threshold
                    picked += 1
        if value > best + 1e-9 * max(1.0, abs(value)):
            best, stall = value, 0
            for i in range(n):
                best_lam[i] = lam[i]
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2.0, 0
        if best > cutoff or step < min_step:
            finished = True
            break
        # subgradient: 1 - (chosen sites cheaper for the client than its multiplier)
        norm = 0.0
        for i in range(n):
            li = lam[i]
            served = 0
            for k in range(m):
                if sorted_cost[i, k] >= li:
                    break
                if chosen[order[i, k]]:
                    served += 1
            subgradient[i] = 1.0 - served
            norm += subgradient[i] * subgradient[i]
        if norm == 0.0:  # the relaxed plan is feasible: its bound is attained
            finished = True
            break
        scale = step * (target - value) / norm
        for i in range(n):
            lam[i] += scale * subgradient[i]
    state[0], state[1], state[2] = best, step, stall
    return finished
