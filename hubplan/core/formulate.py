"""Assemble the mixed-integer model of a :class:`~hubplan.core.problem.Problem` as sparse numpy blocks.

Formulation (ReVelle-Swain with the strong link ``x_ij <= y_j``): ``y`` binary per
(tier, available site), ``x`` per (tier, client, reachable site), continuous
(splittable) or binary (``single_source``). A site takes one tier at most, unless
the problem lets sites host several (``tiers_per_site`` > 1): then a binary
building decision ``b_j`` sits above the tier decisions (``y_tj <= b_j``,
``b_j <= sum_t y_tj <= tiers_per_site * b_j``) and carries everything counted once
per building: its cost, the site count of ``min_sites`` and ``new_venues``. With
one tier per site ``b_j = sum_t y_tj``, so those coefficients go on each ``y_tj``
and the model is exactly the one-tier model. Optional blocks, one function each:
capacities with the cover cut, closest assignment as a running sum, coverage and
min-sites rows (per assign tier, or by reach over the reach tiers), the reach
limit, minimax by threshold binaries ``r_k`` over the sorted distinct journey
times, cover-tier (spoke) coverage, budget, counts per tier and group. Every block
is vectorised; nothing here knows which engine will solve the model.

The sparsified p-median (``keep``/``slack_cost``) prices each client's journeys
beyond its ``k`` nearest sites at the ``(k+1)``-th distance through a slack
variable (Church 2008, BEAMR), so the model stays small and its optimum is a
lower bound on the full model's.

Examples
--------
>>> from hubplan.core.problem import Problem
>>> model, layout = formulate(Problem.from_matrix(np.array([[1.0, 2.0], [3.0, 1.0]]), p=1))
>>> model.n_variables, model.n_rows   # 2 y, 4 x; 2 one-tier rows, 1 count, 2 demand, 4 links
(6, 9)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from hubplan.core.problem import Problem, TierSpec
from hubplan.core.solution import Plan, assignment_table
from hubplan.core.vocabulary import OBJECTIVE_TERMS, FloatArray, IntArray

__all__ = ["Layout", "MipModel", "Pairs", "formulate", "hint_vector", "read_plan"]

#: Assignment values below this are solver noise and dropped.
_X_EPS = 1e-6


class MipModel:
    """Variables, rows and objective terms of a mixed-integer model, accumulated as numpy blocks."""

    def __init__(self) -> None:
        self._lb: list[FloatArray] = []
        self._ub: list[FloatArray] = []
        self._integer: list[np.ndarray] = []
        self.n_variables = 0
        self._row: list[IntArray] = []
        self._col: list[IntArray] = []
        self._val: list[FloatArray] = []
        self._row_lo: list[FloatArray] = []
        self._row_hi: list[FloatArray] = []
        self.n_rows = 0
        self._terms: dict[str, list[tuple[IntArray, FloatArray]]] = {t: [] for t in OBJECTIVE_TERMS}
        #: Constant part of each objective term.
        self.constant: dict[str, float] = dict.fromkeys(OBJECTIVE_TERMS, 0.0)
        self._matrix: sp.csr_matrix | None = None

    def add_variables(self, k: int, *, lb: float | FloatArray = 0.0, ub: float | FloatArray = 1.0,
                      integer: bool = False) -> IntArray:
        """Add ``k`` variables; return their indices."""
        idx = np.arange(self.n_variables, self.n_variables + k, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, float), (k,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, float), (k,)).copy())
        self._integer.append(np.full(k, integer))
        self.n_variables += k
        return idx

    def add_rows(self, row: np.ndarray, col: np.ndarray, val: np.ndarray | float,
                 lo: np.ndarray | float, hi: np.ndarray | float, n_rows: int) -> None:
        """Add ``n_rows`` rows ``lo <= A x <= hi`` given as coordinates (``row`` counts from 0 within the block)."""
        row = np.asarray(row, np.int64)
        col = np.asarray(col, np.int64)
        self._row.append(row + self.n_rows)
        self._col.append(col)
        self._val.append(np.broadcast_to(np.asarray(val, float), col.shape).copy())
        self._row_lo.append(np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy())
        self._row_hi.append(np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy())
        self.n_rows += n_rows
        self._matrix = None

    def add_term(self, name: str, idx: np.ndarray, coef: np.ndarray | float) -> None:
        """Add ``coef * x[idx]`` to the objective term ``name``."""
        idx = np.asarray(idx, np.int64)
        self._terms[name].append((idx, np.broadcast_to(np.asarray(coef, float), idx.shape).copy()))

    def term_vector(self, name: str) -> FloatArray:
        """The coefficients of the objective term ``name`` over all variables."""
        vec = np.zeros(self.n_variables)
        for idx, coef in self._terms[name]:
            np.add.at(vec, idx, coef)
        return vec

    def variable_bounds(self) -> tuple[FloatArray, FloatArray, np.ndarray]:
        """Lower bounds, upper bounds and integrality of every variable."""
        if not self._lb:
            return np.zeros(0), np.zeros(0), np.zeros(0, bool)
        return np.concatenate(self._lb), np.concatenate(self._ub), np.concatenate(self._integer)

    def row_bounds(self) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds of every row."""
        if not self._row_lo:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(self._row_lo), np.concatenate(self._row_hi)

    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix, duplicates summed, indices sorted (cached until rows are added)."""
        if self._matrix is None:
            self._matrix = self._assemble()
        return self._matrix

    def _assemble(self) -> sp.csr_matrix:
        if not self._row:
            return sp.csr_matrix((0, self.n_variables))
        a = sp.coo_matrix(
            (np.concatenate(self._val), (np.concatenate(self._row), np.concatenate(self._col))),
            shape=(self.n_rows, self.n_variables),
        ).tocsr()
        a.sum_duplicates()
        a.sort_indices()
        return a


class Pairs(NamedTuple):
    """The assignment variables of one tier: client, site and variable index of each allowed pair."""

    clients: IntArray
    sites: IntArray
    variables: IntArray


@dataclass
class Layout:
    """Where each decision lives in the variable vector."""

    #: Per tier: ``(m,)`` variable index of ``y`` for each site, -1 where the site may not open.
    y: list[IntArray] = field(default_factory=list)
    #: Sites shared by tiers only: ``(m,)`` variable index of the building decision ``b``, -1 where none.
    building: IntArray | None = None
    #: Per assign tier (by tier index): its assignment variables.
    pairs: dict[int, Pairs] = field(default_factory=dict)
    #: Per assign tier, sparsified models only: clients with a slack variable, and those variables.
    slack: dict[int, tuple[IntArray, IntArray]] = field(default_factory=dict)


def formulate(problem: Problem, *, keep: np.ndarray | None = None,
              slack_cost: np.ndarray | None = None) -> tuple[MipModel, Layout]:
    """Assemble the model of ``problem``.

    Parameters
    ----------
    problem
        The problem.
    keep
        Sparsified p-median only: ``(n, m)`` pairs to model (the others go through the slack).
    slack_cost
        Sparsified p-median only: ``(n,)`` journey cost of each client's slack (``inf`` = none).

    Returns
    -------
    tuple of (MipModel, Layout)
    """
    model, layout = MipModel(), Layout()
    _site_decisions(problem, model, layout)
    _per_building_terms(problem, model, layout)
    _count_rows(problem, model, layout)
    _budget_row(problem, model, layout)
    assigned = [
        _assignment_tier(problem, model, layout, t, keep=keep, slack_cost=slack_cost)
        for t, tier in enumerate(problem.tiers) if tier.mode == "assign"
    ]
    _reach_rows(problem, model, layout)
    active = problem.objective.active_terms()
    if "minimax" in active and assigned:
        _minimax(model, assigned)
    if "spoke_coverage" in active:
        for t, tier in enumerate(problem.tiers):
            if tier.mode == "cover":
                _cover_tier(problem, model, layout, t)
    return model, layout


# ---------------------------------------------------------------------- sites, counts, budget
def _site_decisions(problem: Problem, model: MipModel, layout: Layout) -> None:
    """``y`` per tier and available site; with one tier per site, a site takes at most one, a required site one.

    When sites may host several tiers, the building rows of :func:`_building_rows` replace the one-tier row.
    """
    for tier in problem.tiers:
        sites = np.flatnonzero(problem.available(tier))
        yv = model.add_variables(sites.size, integer=True)
        if tier.fixed_cost is not None:
            model.add_term("cost", yv, tier.fixed_cost[sites])
        if not problem.shares_sites:
            model.add_term("min_sites", yv, 1.0)
        ymap = np.full(problem.n_sites, -1, dtype=np.int64)
        ymap[sites] = yv
        layout.y.append(ymap)
    if problem.shares_sites:
        _building_rows(problem, model, layout)
        return
    y = np.stack(layout.y)
    tt, jj = np.nonzero(y >= 0)
    model.add_rows(jj, y[tt, jj], 1.0, np.where(problem.required, 1.0, 0.0), 1.0, problem.n_sites)


def _building_rows(problem: Problem, model: MipModel, layout: Layout) -> None:
    """``b_j`` per site that may open in some tier: ``y_tj <= b_j`` and ``b_j <= sum_t y_tj <= K b_j``.

    A required site's building is open (``b_j = 1``), so it hosts at least one tier.
    """
    y = np.stack(layout.y)
    sites = np.flatnonzero((y >= 0).any(axis=0))
    bv = model.add_variables(sites.size, lb=np.where(problem.required[sites], 1.0, 0.0), integer=True)
    bmap = np.full(problem.n_sites, -1, dtype=np.int64)
    bmap[sites] = bv
    layout.building = bmap
    model.add_term("min_sites", bv, 1.0)
    tt, jj = np.nonzero(y >= 0)
    _at_most(model, y[tt, jj], bmap[jj])
    row_of = np.full(problem.n_sites, -1, dtype=np.int64)
    row_of[sites] = np.arange(sites.size)
    k = sites.size
    # b_j - sum_t y_tj <= 0 and sum_t y_tj - K b_j <= 0
    model.add_rows(np.concatenate([np.arange(k), row_of[jj]]), np.concatenate([bv, y[tt, jj]]),
                   np.concatenate([np.ones(k), -np.ones(jj.size)]), -np.inf, 0.0, k)
    model.add_rows(np.concatenate([np.arange(k), row_of[jj]]), np.concatenate([bv, y[tt, jj]]),
                   np.concatenate([np.full(k, -float(problem.tiers_per_site)), np.ones(jj.size)]), -np.inf, 0.0, k)


def _per_building_terms(problem: Problem, model: MipModel, layout: Layout) -> None:
    """Building cost and new venues: on ``b`` when sites are shared, else on every ``y`` (``b_j = sum_t y_tj``)."""
    new = problem.new_venue()
    counts_new = "new_venues" in problem.objective.active_terms()
    for site_var in _building_columns(problem, layout):
        sites = np.flatnonzero(site_var >= 0)
        if problem.building_cost is not None:
            model.add_term("cost", site_var[sites], problem.building_cost[sites])
        if counts_new:
            model.add_term("new_venues", site_var[sites], new[sites].astype(float))


def _building_columns(problem: Problem, layout: Layout) -> list[IntArray]:
    """The ``(m,)`` variable maps that together say "the building is open": ``b``, or each tier's ``y``."""
    return [layout.building] if layout.building is not None else list(layout.y)


def _bounds(low: int | IntArray | None, high: int | IntArray | None) -> tuple[float | IntArray, float | IntArray]:
    """Row bounds, unbounded where a limit is not set."""
    return (-np.inf if low is None else low), (np.inf if high is None else high)


def _count_rows(problem: Problem, model: MipModel, layout: Layout) -> None:
    """Sites per tier in total and per group."""
    for tier, ymap in zip(problem.tiers, layout.y, strict=True):
        sites = np.flatnonzero(ymap >= 0)
        low, high = tier.lower_count, tier.upper_count
        if low is not None or high is not None:
            model.add_rows(np.zeros(sites.size), ymap[sites], 1.0, *_bounds(low, high), 1)
        group_low = problem.group_limit(tier.lower_group_count)
        group_high = problem.group_limit(tier.upper_group_count)
        if group_low is not None or group_high is not None:
            model.add_rows(problem.site_group[sites], ymap[sites], 1.0, *_bounds(group_low, group_high),
                           problem.n_groups)


def _budget_row(problem: Problem, model: MipModel, layout: Layout) -> None:
    if problem.budget is None:
        return
    cols, vals = [], []
    for tier, ymap in zip(problem.tiers, layout.y, strict=True):
        if tier.fixed_cost is not None:
            sites = np.flatnonzero(ymap >= 0)
            cols.append(ymap[sites])
            vals.append(tier.fixed_cost[sites])
    if problem.building_cost is not None:
        for site_var in _building_columns(problem, layout):
            sites = np.flatnonzero(site_var >= 0)
            cols.append(site_var[sites])
            vals.append(problem.building_cost[sites])
    if cols:
        c = np.concatenate(cols)
        model.add_rows(np.zeros(c.size), c, np.concatenate(vals), -np.inf, problem.budget, 1)


# ---------------------------------------------------------------------- assignment tiers
def _assignment_tier(problem: Problem, model: MipModel, layout: Layout, t: int, *,
                     keep: np.ndarray | None, slack_cost: np.ndarray | None) -> tuple[IntArray, FloatArray]:
    """``x`` of one assign tier with its rows; returns the variables and their journey minutes."""
    tier, ymap = problem.tiers[t], layout.y[t]
    demand = problem.tier_demand(tier)
    reach = problem.reachable(tier) & (demand > 0)[:, None]
    if keep is not None:
        reach &= keep
    ii, jj = np.nonzero(reach)
    minutes = problem.minutes[ii, jj]
    xv = model.add_variables(ii.size, integer=problem.single_source)
    pairs = layout.pairs[t] = Pairs(ii, jj, xv)
    model.add_term("median", xv, demand[ii] * minutes)
    objective = problem.objective
    if "isolation" in objective.active_terms():
        weights = objective.isolation_weights if objective.isolation_weights is not None else np.ones(problem.n_clients)
        cutoff = objective.isolation_minutes if objective.isolation_minutes is not None else np.inf
        model.add_term("isolation", xv, demand[ii] * weights[ii] * (minutes > cutoff))
    _demand_rows(problem, model, layout, t, demand, slack_cost)
    _link_rows(model, xv, ymap[jj])
    if tier.capacity is not None:
        _capacity_rows(problem, model, tier, ymap, pairs, demand)
    if problem.closest_assignment and ii.size:
        _closest_rows(model, pairs, minutes, ymap)
    if problem.reach_tiers is None:
        _threshold_rows(problem, model, tier, ymap, demand)
    return xv, minutes


def _demand_rows(problem: Problem, model: MipModel, layout: Layout, t: int, demand: FloatArray,
                 slack_cost: np.ndarray | None) -> None:
    """Each client's demand fully assigned (through its slack ``u_i`` in the sparsified p-median)."""
    ii, _, xv = layout.pairs[t]
    clients = np.flatnonzero(demand > 0)
    row_of = np.full(problem.n_clients, -1, dtype=np.int64)
    row_of[clients] = np.arange(clients.size)
    rows, cols, vals = [row_of[ii]], [xv], [np.ones(ii.size)]
    if slack_cost is not None:
        has = clients[np.isfinite(slack_cost[clients])]
        uv = model.add_variables(has.size)
        layout.slack[t] = (has, uv)
        model.add_term("median", uv, demand[has] * slack_cost[has])
        rows.append(row_of[has])
        cols.append(uv)
        vals.append(np.ones(has.size))
    model.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), 1.0, 1.0, clients.size)


def _at_most(model: MipModel, smaller: IntArray, larger: IntArray) -> None:
    """Rows ``x[smaller[k]] - x[larger[k]] <= 0``."""
    k = smaller.size
    model.add_rows(np.repeat(np.arange(k), 2), np.column_stack([smaller, larger]).ravel(),
                   np.tile([1.0, -1.0], k), -np.inf, 0.0, k)


def _link_rows(model: MipModel, xv: IntArray, yv: IntArray) -> None:
    """The strong link ``x_ij <= y_j``."""
    _at_most(model, xv, yv)


def _capacity_rows(problem: Problem, model: MipModel, tier: TierSpec, ymap: IntArray, pairs: Pairs,
                   demand: FloatArray) -> None:
    """Attendees per site within the tier's capacity there, and the cover cut: open capacity covers all demand."""
    ii, jj, xv = pairs
    capacity = tier.capacity if tier.capacity is not None else np.full(problem.n_sites, np.inf)
    capped = np.flatnonzero((ymap >= 0) & np.isfinite(capacity))
    if capped.size:
        row_site = np.full(problem.n_sites, -1, dtype=np.int64)
        row_site[capped] = np.arange(capped.size)
        sel = row_site[jj] >= 0
        model.add_rows(np.concatenate([row_site[jj[sel]], np.arange(capped.size)]),
                       np.concatenate([xv[sel], ymap[capped]]),
                       np.concatenate([demand[ii[sel]], -capacity[capped]]), -np.inf, 0.0, capped.size)
    sites = np.flatnonzero(ymap >= 0)
    if np.isfinite(capacity[sites]).all() and not problem.within(tier):
        model.add_rows(np.zeros(sites.size), ymap[sites], capacity[sites], demand.sum(), np.inf, 1)


def _closest_rows(model: MipModel, pairs: Pairs, minutes: FloatArray, ymap: IntArray) -> None:
    """Closest assignment: no open site is nearer than the one a client is assigned to.

    A running sum ``S_r = S_{r-1} + x_r`` over each client's sites in (minutes, index)
    order, with ``S_r >= y_{j(r)}``.
    """
    ii, jj, xv = pairs
    k = ii.size
    order = np.lexsort((jj, minutes, ii))
    sv = model.add_variables(k, ub=1.0)
    o_i = ii[order]
    first = np.r_[True, o_i[1:] != o_i[:-1]]
    prev = np.where(first, -1, np.r_[-1, order[:-1]])
    r_idx = np.arange(k)
    has_prev = prev >= 0
    # S_order[r] - x_order[r] - S_prev = 0
    model.add_rows(np.concatenate([r_idx, r_idx, r_idx[has_prev]]),
                   np.concatenate([sv[order], xv[order], sv[prev[has_prev]]]),
                   np.concatenate([np.ones(k), -np.ones(k), -np.ones(has_prev.sum())]), 0.0, 0.0, k)
    model.add_rows(np.repeat(r_idx, 2), np.column_stack([sv[order], ymap[jj[order]]]).ravel(),
                   np.tile([1.0, -1.0], k), 0.0, np.inf, k)


def _threshold_rows(problem: Problem, model: MipModel, tier: TierSpec, ymap: IntArray,
                    demand: FloatArray) -> None:
    """Coverage within T (``z_i`` <= open sites of the tier within T) and min-sites (at least one within T)."""
    objective = problem.objective
    active = objective.active_terms()
    threshold = objective.threshold_minutes
    if threshold is None or not ("coverage" in active or "min_sites" in active):
        return
    near = problem.reachable(tier) & (problem.minutes <= threshold) & (demand > 0)[:, None]
    if "coverage" in active:
        ci = np.flatnonzero(near.any(axis=1))
        zv = model.add_variables(ci.size)
        model.add_term("coverage", zv, -demand[ci])
        pi, pj = np.nonzero(near[ci])
        model.add_rows(np.concatenate([np.arange(ci.size), pi]), np.concatenate([zv, ymap[pj]]),
                       np.concatenate([np.ones(ci.size), -np.ones(pi.size)]), -np.inf, 0.0, ci.size)
    if "min_sites" in active:
        ci = np.flatnonzero(demand > 0)
        pi, pj = np.nonzero(near[ci])
        model.add_rows(pi, ymap[pj], 1.0, 1.0, np.inf, ci.size)


# ---------------------------------------------------------------------- reach by any open site of the reach tiers
def _reach_rows(problem: Problem, model: MipModel, layout: Layout) -> None:
    """Reach over the reach tiers: coverage and min-sites by reach (with ``reach_tiers``) and the reach limit.

    A client counts as reached within T when an open site of any reach tier is
    usable within T (:meth:`Problem.reach_pairs`); its whole demand counts.
    """
    objective = problem.objective
    active = objective.active_terms()
    demand = problem.demand.sum(axis=1)
    threshold = objective.threshold_minutes
    if problem.reach_tiers is not None and threshold is not None:
        if "coverage" in active:
            ci, rows, cols = _reach_columns(problem, layout, threshold, demand, every_client=False)
            zv = model.add_variables(ci.size)
            model.add_term("coverage", zv, -demand[ci])
            model.add_rows(np.concatenate([np.arange(ci.size), rows]), np.concatenate([zv, cols]),
                           np.concatenate([np.ones(ci.size), -np.ones(rows.size)]), -np.inf, 0.0, ci.size)
        if "min_sites" in active:
            _at_least_one_within(problem, model, layout, threshold, demand)
    if problem.max_minutes_to_reach is not None:
        _at_least_one_within(problem, model, layout, problem.max_minutes_to_reach, demand)


def _reach_columns(problem: Problem, layout: Layout, limit: float, demand: FloatArray, *,
                   every_client: bool) -> tuple[IntArray, IntArray, IntArray]:
    """Rows of "an open reach-tier site within ``limit``": ``(clients, row, column)``.

    The clients are those with demand (only those with a candidate within ``limit``
    unless ``every_client``); each (row, column) pair is a client's row and the ``y``
    of a reach-tier site usable within ``limit``.
    """
    near = [problem.reach_pairs(problem.tiers[t]) & (problem.minutes <= limit) for t in problem.reach_tier_indices()]
    has_demand = demand > 0
    any_near = np.logical_or.reduce(near) if near else np.zeros_like(problem.minutes, bool)
    ci = np.flatnonzero(has_demand if every_client else has_demand & any_near.any(axis=1))
    rows, cols = [], []
    for t, pairs in zip(problem.reach_tier_indices(), near, strict=True):
        pi, pj = np.nonzero(pairs[ci])
        rows.append(pi)
        cols.append(layout.y[t][pj])
    if not rows:
        return ci, np.zeros(0, np.int64), np.zeros(0, np.int64)
    return ci, np.concatenate(rows), np.concatenate(cols)


def _at_least_one_within(problem: Problem, model: MipModel, layout: Layout, limit: float,
                         demand: FloatArray) -> None:
    """Every client with demand has an open reach-tier site within ``limit``."""
    ci, rows, cols = _reach_columns(problem, layout, limit, demand, every_client=True)
    model.add_rows(rows, cols, 1.0, 1.0, np.inf, ci.size)


# ---------------------------------------------------------------------- minimax, cover tiers
def _minimax(model: MipModel, assigned: list[tuple[IntArray, FloatArray]]) -> None:
    """``L = D_0 + sum_k (D_k - D_{k-1}) r_k`` with ``x_p <= r_{k(p)}`` and ``r_k <= r_{k-1}``."""
    xv_all = np.concatenate([xv for xv, _ in assigned])
    minutes = np.concatenate([d for _, d in assigned])
    levels, level_of = np.unique(minutes, return_inverse=True)
    if not levels.size:
        return
    model.constant["minimax"] += float(levels[0])
    if levels.size == 1:
        return
    rv = model.add_variables(levels.size - 1, integer=True)
    model.add_term("minimax", rv, np.diff(levels))
    if rv.size > 1:
        _at_most(model, rv[1:], rv[:-1])
    sel = level_of > 0
    _at_most(model, xv_all[sel], rv[level_of[sel] - 1])


def _cover_tier(problem: Problem, model: MipModel, layout: Layout, t: int) -> None:
    """Spoke coverage: ``z_i`` <= open sites of this cover tier or of any assign tier within the radius."""
    tier = problem.tiers[t]
    demand = problem.tier_demand(tier)
    counted = [t2 for t2, other in enumerate(problem.tiers) if t2 == t or other.mode == "assign"]
    candidate = np.zeros(problem.n_sites, bool)
    for t2 in counted:
        candidate |= layout.y[t2] >= 0
    radius = tier.radius_minutes if tier.radius_minutes is not None else np.inf  # validated: cover tiers have one
    near = (np.isfinite(problem.minutes) & (problem.minutes <= radius) & (demand > 0)[:, None]
            & candidate[None, :])
    ci = np.flatnonzero(near.any(axis=1))
    zv = model.add_variables(ci.size)
    model.add_term("spoke_coverage", zv, -demand[ci])
    rows, cols, vals = [np.arange(ci.size)], [zv], [np.ones(ci.size)]
    pi, pj = np.nonzero(near[ci])
    for t2 in counted:
        ok = layout.y[t2][pj] >= 0
        rows.append(pi[ok])
        cols.append(layout.y[t2][pj[ok]])
        vals.append(-np.ones(int(ok.sum())))
    model.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), -np.inf, 0.0, ci.size)


# ---------------------------------------------------------------------- hints and plans
def hint_vector(problem: Problem, model: MipModel, layout: Layout,
                hint: Mapping[str, tuple[int, ...]]) -> FloatArray:
    """Full 0/1 starting vector: hinted sites open, each client on its nearest hinted site."""
    vec = np.zeros(model.n_variables)
    for t, tier in enumerate(problem.tiers):
        sites = np.asarray(hint.get(tier.name, ()), dtype=np.int64)
        ymap = layout.y[t]
        sites = sites[ymap[sites] >= 0] if sites.size else sites
        vec[ymap[sites]] = 1.0
        if layout.building is not None:
            vec[layout.building[sites]] = 1.0
        if t in layout.pairs and sites.size:
            _hint_assignment(problem, layout, t, sites, vec)
    return vec


def _hint_assignment(problem: Problem, layout: Layout, t: int, sites: IntArray, vec: FloatArray) -> None:
    """Set each client's pair to its nearest hinted site (or its slack when none is modelled)."""
    ii, jj, xv = layout.pairs[t]
    is_open = np.zeros(problem.n_sites, bool)
    is_open[sites] = True
    d = np.where(is_open[jj], problem.minutes[ii, jj], np.inf)
    order = np.lexsort((d, ii))
    first = np.r_[True, ii[order][1:] != ii[order][:-1]]
    best = order[first & np.isfinite(d[order])]
    vec[xv[best]] = 1.0
    if t in layout.slack:
        has, uv = layout.slack[t]
        assigned = np.zeros(problem.n_clients, bool)
        assigned[ii[best]] = True
        vec[uv[~assigned[has]]] = 1.0


def open_sites(problem: Problem, layout: Layout, values: FloatArray) -> dict[str, tuple[int, ...]]:
    """Tier name -> sites whose ``y`` is 1 in ``values``."""
    out = {}
    for tier, ymap in zip(problem.tiers, layout.y, strict=True):
        sites = np.flatnonzero((ymap >= 0) & (values[np.maximum(ymap, 0)] > 0.5))
        out[tier.name] = tuple(int(j) for j in sites)
    return out


def read_plan(problem: Problem, layout: Layout, values: FloatArray) -> Plan:
    """The open sites and assignment encoded in a solution vector ``values``."""
    rows = []
    for t, (ii, jj, xv) in layout.pairs.items():
        share = np.clip(values[xv], 0.0, 1.0)
        keep = share > _X_EPS
        rows.append((ii[keep], jj[keep], share[keep], t))
    return Plan(open_sites(problem, layout, values), assignment_table(problem, rows))
