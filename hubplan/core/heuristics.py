"""Greedy-add and vertex-substitution heuristics for p-median warm starts (numpy only).

The greedy adds, one at a time, the site that most reduces attendee-weighted
cost; vertex substitution (Teitz & Bart 1968) then swaps an open site for a
closed one while that helps, using the fast best/second-best bookkeeping of
Resende & Werneck (2004, J. Heuristics 10:59-88). The result is a good upper
bound and a solver hint, never a claim of optimality.

Examples
--------
>>> cost = np.array([[0., 4., 9.], [4., 0., 5.], [9., 5., 0.]])
>>> sites = p_median_heuristic(cost, np.ones(3), p=1)
>>> sites.tolist(), median_cost(cost, np.ones(3), sites)
([1], 9.0)
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

__all__ = ["greedy_add", "median_cost", "p_median_heuristic", "vertex_substitution"]

logger = logging.getLogger(__name__)

#: Stand-in for an unreachable pair: large but finite so sums stay ordered.
_BIG = 1e15


def _weighted(cost: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    c = np.where(np.isfinite(cost), cost, _BIG)
    return c * np.asarray(weight, dtype=np.float64)[:, None]


def median_cost(
    cost: npt.NDArray[np.float64], weight: npt.NDArray[np.float64], sites: npt.ArrayLike
) -> float:
    """Weighted cost of serving every client from its nearest site in ``sites``.

    Parameters
    ----------
    cost
        ``(n, m)`` cost per unit of demand.
    weight
        ``(n,)`` demand.
    sites
        Indices of open sites.

    Returns
    -------
    float
        ``sum_i weight_i * min_{j in sites} cost_ij`` (``inf`` if a weighted client is unreachable).
    """
    idx = np.asarray(sites, dtype=np.int64)
    best = cost[:, idx].min(axis=1)
    w = np.asarray(weight, dtype=np.float64)
    if np.any(~np.isfinite(best) & (w > 0)):
        return float("inf")
    return float(np.sum(np.where(w > 0, w * np.where(np.isfinite(best), best, 0.0), 0.0)))


def greedy_add(
    cost: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    *,
    p: int,
    allowed: npt.NDArray[np.bool_] | None = None,
    fixed: npt.ArrayLike = (),
) -> npt.NDArray[np.int64]:
    """Open ``p`` sites greedily, starting from the ``fixed`` ones.

    Parameters
    ----------
    cost, weight
        As in :func:`median_cost`.
    p
        Number of sites to open in total.
    allowed
        ``(m,)`` mask of sites that may open; ``None`` = all.
    fixed
        Sites that must be open (counted in ``p``).

    Returns
    -------
    numpy.ndarray
        Sorted indices of the open sites.
    """
    wc = _weighted(cost, weight)
    m = wc.shape[1]
    allowed = np.ones(m, bool) if allowed is None else np.asarray(allowed, bool).copy()
    open_ = [int(j) for j in np.asarray(fixed, dtype=np.int64)]
    current = wc[:, open_].min(axis=1) if open_ else np.full(wc.shape[0], np.inf)
    allowed[open_] = False
    while len(open_) < p and allowed.any():
        totals = np.minimum(current[:, None], wc).sum(axis=0)
        totals[~allowed] = np.inf
        j = int(np.argmin(totals))
        open_.append(j)
        allowed[j] = False
        current = np.minimum(current, wc[:, j])
    return np.sort(np.asarray(open_, dtype=np.int64))


def vertex_substitution(
    cost: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    sites: npt.ArrayLike,
    *,
    allowed: npt.NDArray[np.bool_] | None = None,
    fixed: npt.ArrayLike = (),
    max_passes: int = 100,
) -> npt.NDArray[np.int64]:
    """Improve ``sites`` by single swaps (Teitz-Bart) until no swap helps.

    Parameters
    ----------
    cost, weight
        As in :func:`median_cost`.
    sites
        Starting open sites.
    allowed
        Sites that may be swapped in; ``None`` = all.
    fixed
        Open sites that must not be swapped out.
    max_passes
        Upper bound on improving passes.

    Returns
    -------
    numpy.ndarray
        Sorted indices of a swap-optimal set of open sites.
    """
    wc = _weighted(cost, weight)
    n, m = wc.shape
    allowed = np.ones(m, bool) if allowed is None else np.asarray(allowed, bool)
    fixed_set = {int(j) for j in np.asarray(fixed, dtype=np.int64)}
    open_ = np.asarray(sites, dtype=np.int64).copy()
    if open_.size < 2 and open_.size == m:
        return np.sort(open_)
    rows = np.arange(n)
    for _ in range(max_passes):
        sub = wc[:, open_]
        order = np.argsort(sub, axis=1)
        near = order[:, 0]
        d1 = sub[rows, near]
        d2 = sub[rows, order[:, 1]] if open_.size > 1 else np.full(n, _BIG * 1e3)
        base_total = d1.sum()
        is_open = np.zeros(m, bool)
        is_open[open_] = True
        best_delta, best_pair = -1e-9 * max(1.0, base_total), None
        removable = np.array([int(j) not in fixed_set for j in open_])
        for j_in in np.flatnonzero(allowed & ~is_open):
            dj = wc[:, j_in]
            gain = np.minimum(dj, d1) - d1
            repl = np.minimum(dj, d2) - d1
            extra = np.bincount(near, weights=repl - gain, minlength=open_.size)
            delta = gain.sum() + extra
            delta[~removable] = np.inf
            k = int(np.argmin(delta))
            if delta[k] < best_delta:
                best_delta, best_pair = float(delta[k]), (k, int(j_in))
        if best_pair is None:
            break
        open_[best_pair[0]] = best_pair[1]
    return np.sort(open_)


def p_median_heuristic(
    cost: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    *,
    p: int,
    allowed: npt.NDArray[np.bool_] | None = None,
    fixed: npt.ArrayLike = (),
) -> npt.NDArray[np.int64]:
    """Greedy-add followed by vertex substitution.

    Parameters
    ----------
    cost, weight, p, allowed, fixed
        As in :func:`greedy_add`.

    Returns
    -------
    numpy.ndarray
        Sorted indices of ``p`` open sites (fewer if fewer are allowed).
    """
    start = greedy_add(cost, weight, p=p, allowed=allowed, fixed=fixed)
    return vertex_substitution(cost, weight, start, allowed=allowed, fixed=fixed)
