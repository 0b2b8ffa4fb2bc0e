"""Exact p-median by Lagrangian relaxation and branch-and-bound (numpy, with the subgradient steps compiled by numba).

The assignment constraints ``sum_j x_ij = 1`` are relaxed with multipliers
``lam_i``; each site then has the value ``rho_j = sum_i min(0, c_ij - lam_i)`` and
the relaxation opens the ``p`` sites with the most negative values, so the bound

    L(lam) = sum_i lam_i + (sum of the p smallest rho_j)

is a valid lower bound for every ``lam`` and costs one pass over the cost matrix.
Subgradient ascent (Held, Wolfe & Crowder 1974 step rule) drives it to the LP
bound. Penalty tests then close every site whose forced opening would lift the
bound above the incumbent, and open every site whose forced closing would; the
remaining gap is closed by depth-first branching on sites (open first), each node
re-optimising the multipliers from its parent's (Beasley 1985, EJOR 21:270-273;
Beasley 1993, EJOR 65:383-399). The search is exact: a node is discarded only
when its bound shows it cannot beat the incumbent by more than the tolerance
(strictly less than one unit when every cost is an integer).

The incumbent starts from the caller's plan (greedy + vertex substitution, see
:mod:`hubplan.core.strategies`) and improves with every node's relaxed plan.

Examples
--------
>>> cost = np.array([[0., 4., 9.], [4., 0., 5.], [9., 5., 0.]])
>>> result = p_median_branch_and_bound(cost, p=1, start=np.array([0]))
>>> result.sites.tolist(), result.value, result.proven
([1], 9.0, True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from hubplan.core.heuristics import vertex_substitution
from hubplan.core.vocabulary import BoolArray, FloatArray, IntArray

__all__ = ["MedianResult", "p_median_branch_and_bound"]

#: Subgradient schedule at the root: first step scale, halvings after this many
#: non-improving iterations, and an iteration cap.
ROOT_STEP, ROOT_PATIENCE, ROOT_ITERATIONS = 2.0, 30, 5000
#: The same for a branch node, which starts from its parent's multipliers: the root's step
#: and patience at nodes too cut both the nodes and the solve time (measurements in the README).
NODE_STEP, NODE_PATIENCE, NODE_ITERATIONS = 2.0, 30, 300
#: A node's relaxed plan within this fraction of the incumbent gets vertex substitution.
LOCAL_SEARCH_WITHIN = 0.005
#: Stop ascending once the step scale falls below this.
MIN_STEP = 1e-4
#: The compiled ascent checks the time limit after this many iterations.
DEADLINE_CHECK_EVERY = 64


@dataclass(frozen=True)
class MedianResult:
    """Outcome of :func:`p_median_branch_and_bound`.

    Attributes
    ----------
    sites
        Sorted column indices of the best plan found.
    value
        Its cost (everyone served by the nearest open site).
    bound
        Proven lower bound on the optimum.
    proven
        True when the search finished, so ``value`` is optimal within the tolerance.
    root_bound
        The Lagrangian bound at the root, before branching.
    closed_at_root
        Sites the root penalty tests excluded.
    nodes
        Branch-and-bound nodes evaluated (the root counts as one).
    seconds
        Wall-clock time.
    """

    sites: IntArray
    value: float
    bound: float
    proven: bool
    root_bound: float
    closed_at_root: int
    nodes: int
    seconds: float


@dataclass
class _Node:
    forced: BoolArray  # sites forced open
    free: BoolArray  # sites still undecided
    lam: FloatArray
    parent_bound: float


@dataclass
class _Relaxation:
    """The relaxed plan at a node: bound, site values and the free sites ranked by value."""

    bound: float
    rho: FloatArray
    ranked_free: IntArray
    q: int  # sites still to choose among the free ones

    @property
    def chosen(self) -> IntArray:
        return self.ranked_free[: self.q]


def _relax(cost: FloatArray, lam: FloatArray, forced: BoolArray, free: BoolArray, q: int) -> _Relaxation:
    """The relaxed plan at multipliers ``lam``: the forced sites and the ``q`` best free ones."""
    rho = np.minimum(0.0, cost - lam[:, None]).sum(axis=0)
    free_idx = np.flatnonzero(free)
    ranked = free_idx[np.argsort(rho[free_idx], kind="stable")]
    bound = float(lam.sum() + rho[forced].sum() + rho[ranked[:q]].sum())
    return _Relaxation(bound, rho, ranked, q)


def _penalty_tests(relaxed: _Relaxation, limit: float) -> tuple[IntArray, IntArray, float]:
    """Free sites a node can close or must open, by the bound each decision would give.

    Forcing open a free site outside the relaxed plan swaps it for the last one in;
    forcing closed a site inside swaps it for the first one out. Either swap lifts
    the bound by the difference of their values, and a swap that lifts it above
    ``limit`` cannot lead to a better plan.

    Returns
    -------
    tuple
        Sites to close, sites to open, and the smallest bound among the swaps ruled
        out (``inf`` when none is).
    """
    q, rho, ranked = relaxed.q, relaxed.rho, relaxed.ranked_free
    outside, inside = ranked[q:], ranked[:q]
    if_opened = relaxed.bound - rho[ranked[q - 1]] + rho[outside]
    if_closed = relaxed.bound - rho[inside] + rho[ranked[q]]
    close, keep_open = if_opened > limit, if_closed > limit
    ruled_out = np.concatenate([if_opened[close], if_closed[keep_open]])
    return outside[close], inside[keep_open], float(ruled_out.min(initial=math.inf))


class _RowSorted:
    """Each client's costs in ascending order, with the site of each entry.

    The ascent only touches the pairs cheaper than a client's multiplier, and a
    sorted row lets it stop at the first one that is not, so an iteration costs
    the number of useful pairs rather than the whole matrix.
    """

    def __init__(self, cost: FloatArray) -> None:
        self.order = np.argsort(cost, axis=1, kind="stable")
        self.cost = np.ascontiguousarray(np.take_along_axis(cost, self.order, axis=1))


@numba.njit(cache=True, nogil=True)
def _kth_smallest(values: FloatArray, k: int) -> float:  # pragma: no cover - compiled
    """The ``k``-th smallest entry (0-based) of ``values``, which it reorders.

    Hoare's selection; written out because numba compiles ``np.partition`` far more
    slowly than this loop (see the README).
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
def _ascent_steps(  # noqa: C901, PLR0913, RUF100
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
            threshold = _kth_smallest(free_rho, q - 1)
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


def _plan_cost(cost: FloatArray, sites: IntArray) -> float:
    return float(cost[:, sites].min(axis=1).sum())


def _initial_multipliers(cost: FloatArray) -> FloatArray:
    """Each client's second-nearest cost (its nearest when it reaches only one site)."""
    two = np.partition(cost, 1, axis=1)[:, :2] if cost.shape[1] > 1 else np.repeat(cost, 2, axis=1)
    return np.where(np.isfinite(two[:, 1]), two[:, 1], two[:, 0])


def p_median_branch_and_bound(
    cost: npt.ArrayLike,
    p: int,
    *,
    start: npt.ArrayLike,
    allowed: npt.ArrayLike | None = None,
    required: npt.ArrayLike = (),
    time_limit_s: float = math.inf,
    relative_gap: float = 0.0,
) -> MedianResult:
    """Open ``p`` sites minimising total cost, with a proof of optimality.

    Parameters
    ----------
    cost
        ``(n, m)`` cost of serving each client from each site, already weighted by
        demand; ``np.inf`` marks a pair that may not be used. Every client must
        reach at least one allowed site.
    p
        Sites to open (``required`` ones included).
    start
        Indices of ``p`` allowed sites, the required ones among them, that serve
        every client at finite cost: the first incumbent.
    allowed
        Boolean mask of sites that may open; default all.
    required
        Sites that must open.
    time_limit_s
        Stop branching after this many seconds; the result then carries the best
        plan, the proven bound and ``proven=False``.
    relative_gap
        Discard nodes that cannot improve the incumbent by more than this fraction.

    Returns
    -------
    MedianResult
        The plan, its cost, the proven bound and search statistics.
    """
    t0 = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    m = cost.shape[1]
    search = _Search(cost, p, np.ones(m, bool) if allowed is None else np.asarray(allowed, dtype=bool).copy(),
                     np.asarray(required, dtype=np.int64), relative_gap, t0 + time_limit_s)
    search.best_sites = np.sort(np.asarray(start, dtype=np.int64))
    search.best_value = _plan_cost(cost, search.best_sites)
    stack = [search.root()]
    while stack and time.perf_counter() < search.deadline:
        stack += search.explore(stack.pop())
    open_bounds = [search.certified(node.parent_bound) for node in stack]
    bound = min([search.best_value, search.leaf_bound, *open_bounds])
    return MedianResult(search.best_sites, search.best_value, float(bound), not stack, float(search.root_bound),
                        max(search.closed_at_root, 0), max(search.nodes, 1), time.perf_counter() - t0)


@dataclass(frozen=True)
class _Schedule:
    """A subgradient schedule: first step scale, halvings after ``patience`` non-improving steps, a cap."""

    step: float
    patience: int
    iterations: int


class _Search:
    """State of one branch-and-bound: the (shrinking) cost matrix, the incumbent and the bounds."""

    def __init__(self, cost: FloatArray, p: int, allowed: BoolArray, required: IntArray, relative_gap: float,
                 deadline: float) -> None:
        self.cost, self.p, self.relative_gap, self.deadline = cost, p, relative_gap, deadline
        self.allowed, self.required = allowed, np.zeros(cost.shape[1], bool)
        self.required[required] = True
        self.rows = _RowSorted(cost)
        self.columns = np.arange(cost.shape[1])  # original index of each column (it shrinks after the root)
        finite = cost[np.isfinite(cost)]
        self.integral = bool(np.all(finite == np.round(finite)))
        self.best_sites = np.zeros(0, np.int64)  # the incumbent (original column indices) and its cost
        self.best_value = math.inf
        self.root_bound = -math.inf
        self.leaf_bound = math.inf  # the smallest certified bound among discarded nodes and sites
        self.nodes = 0
        self.closed_at_root = -1

    # ------------------------------------------------------------------ tolerances
    def cutoff(self) -> float:
        """Bounds above this cannot beat the incumbent by more than the tolerance."""
        value = self.best_value
        unit = 1.0 - 1e-6 if self.integral else 1e-9 * max(1.0, abs(value))
        return value - max(unit, self.relative_gap * abs(value))

    def certified(self, bound: float) -> float:
        """A bound rounded up to the next integer when every cost is one."""
        return math.ceil(bound - 1e-6) if self.integral and math.isfinite(bound) else bound

    def consider(self, plan: IntArray) -> float:
        """Cost of ``plan`` (columns of the current matrix); keep it when it beats the incumbent."""
        value = _plan_cost(self.cost, plan)
        if value < self.best_value:
            self.best_sites, self.best_value = np.sort(self.columns[plan]), value
        return value

    def _improve(self, plan: IntArray) -> IntArray:
        return vertex_substitution(self.cost, np.ones(self.cost.shape[0]), plan, allowed=self.allowed,
                                   fixed=np.flatnonzero(self.required))

    # ------------------------------------------------------------------ ascent
    def ascend(self, lam: FloatArray, forced: BoolArray, free: BoolArray,
               schedule: _Schedule) -> tuple[float, FloatArray]:
        """Subgradient ascent on ``L(lam)``; returns the best bound and its multipliers.

        The compiled steps run in slices of :data:`DEADLINE_CHECK_EVERY` iterations so
        that the time limit is honoured within one slice.
        """
        q = self.p - int(forced.sum())
        lam = np.array(lam, dtype=np.float64)
        best_lam = lam.copy()
        state = np.array([-math.inf, schedule.step, 0.0])
        live, forced_idx, free_idx = forced | free, np.flatnonzero(forced), np.flatnonzero(free)
        target, cutoff = self.best_value, self.cutoff()
        done, iterations = 0, max(schedule.iterations, 1)  # one step at least: the bound at ``lam``
        while done < iterations:
            chunk = min(DEADLINE_CHECK_EVERY, iterations - done)
            if time.perf_counter() > self.deadline:
                if done:
                    break
                chunk = 1
            if _ascent_steps(self.rows.cost, self.rows.order, live, forced_idx, free_idx, q, lam, best_lam, state,
                             target, cutoff, schedule.patience, chunk, MIN_STEP):
                break
            done += chunk
        return float(state[0]), best_lam

    # ------------------------------------------------------------------ root and nodes
    def root(self) -> _Node:
        """Ascend at the root; the relaxed plan, improved by vertex substitution, often beats the start."""
        start_value = self.best_value
        forced = self.required.copy()
        free = self.allowed & ~forced
        lam = _initial_multipliers(np.where(self.allowed[None, :], self.cost, np.inf))
        self.root_bound, lam = self.ascend(lam, forced, free, _Schedule(ROOT_STEP, ROOT_PATIENCE, ROOT_ITERATIONS))
        relaxed = _relax(self.cost, lam, forced, free, self.p - int(forced.sum()))
        if self.consider(self._improve(np.concatenate([np.flatnonzero(forced), relaxed.chosen]))) < start_value:
            # a better target: ascend again from here
            self.root_bound, lam = self.ascend(lam, forced, free,
                                               _Schedule(ROOT_STEP / 4, ROOT_PATIENCE, ROOT_ITERATIONS))
        return _Node(forced, free, lam, self.root_bound)

    def explore(self, node: _Node) -> list[_Node]:
        """Bound ``node``, try its relaxed plan, fix sites by the penalty tests; return its children."""
        if node.parent_bound > self.cutoff():  # the incumbent improved since it was queued
            self.leaf_bound = min(self.leaf_bound, self.certified(node.parent_bound))
            return []
        self.nodes += 1
        q = self.p - int(node.forced.sum())
        if q < 0 or int(node.free.sum()) < q:
            return []  # no plan of p sites in this node
        if self.nodes > 1:
            _, node.lam = self.ascend(node.lam, node.forced, node.free,
                                      _Schedule(NODE_STEP, NODE_PATIENCE, NODE_ITERATIONS))
        relaxed = _relax(self.cost, node.lam, node.forced, node.free, q)
        plan = np.concatenate([np.flatnonzero(node.forced), relaxed.chosen])
        value = self.consider(plan)
        if value < self.best_value * (1.0 + LOCAL_SEARCH_WITHIN):
            value = self.consider(self._improve(plan))
        if relaxed.bound > self.cutoff():
            self.leaf_bound = min(self.leaf_bound, self.certified(relaxed.bound))
            return []
        if q == 0 or int(node.free.sum()) == q:
            self.leaf_bound = min(self.leaf_bound, value)  # this node holds exactly one plan
            return []
        return self._fix_and_branch(node, relaxed)

    def _fix_and_branch(self, node: _Node, relaxed: _Relaxation) -> list[_Node]:
        forced, free = node.forced.copy(), node.free.copy()
        to_close, to_open, ruled_out = _penalty_tests(relaxed, self.cutoff())
        self.leaf_bound = min(self.leaf_bound, self.certified(ruled_out))
        free[to_close] = False
        forced[to_open] = True
        free[to_open] = False
        if self.nodes == 1:
            forced, free = self._shrink(forced, free)
        q = self.p - int(forced.sum())
        n_free = int(free.sum())
        if n_free < q:
            return []  # the penalty tests excluded every completion
        if q == 0 or n_free == q:
            self.leaf_bound = min(self.leaf_bound, self.consider(np.flatnonzero(forced | free)))
            return []
        # branch on the chosen free site that is dearest to close (fewer nodes than the least
        # settled one; see the README); its closed branch usually dies at once and its open
        # branch has one site fewer to choose
        again = _relax(self.cost, node.lam, forced, free, q)
        chosen = again.chosen
        first_out = again.rho[again.ranked_free[q]]
        site = chosen[int(np.argmax(first_out - again.rho[chosen]))]
        closed_branch = free.copy()
        closed_branch[site] = False
        open_branch, open_free = forced.copy(), free.copy()
        open_branch[site], open_free[site] = True, False
        return [_Node(forced, closed_branch, node.lam, again.bound),
                _Node(open_branch, open_free, node.lam, again.bound)]

    def _shrink(self, forced: BoolArray, free: BoolArray) -> tuple[BoolArray, BoolArray]:
        """After the root: drop the columns of the sites that can no longer open."""
        keep = forced | free
        self.closed_at_root = int(self.allowed.sum() - keep.sum())
        self.cost, self.columns = self.cost[:, keep], self.columns[keep]
        self.rows = _RowSorted(self.cost)
        self.allowed, self.required = self.allowed[keep], self.required[keep]
        return forced[keep], free[keep]
