"""The three ways :func:`hubplan.core.solve.solve` solves a problem; each ends in :func:`~hubplan.core.solution.finish`.

- :func:`solve_lagrangian`: plain p-median (an exact count of sites, no building
  costs, capacities or per-group counts) by the exact Lagrangian branch-and-bound of
  :mod:`hubplan.core.lagrange`.
- :func:`solve_sparse_median`: pure p-median / uncapacitated facility location,
  sparsified to each client's k nearest sites plus a slack priced at the (k+1)-th
  distance (Church 2008, BEAMR), solved, checked exactly, and k doubled for the
  clients that need it until the relaxation's bound is attained.
- :func:`solve_general`: the full model (:mod:`hubplan.core.formulate`), stage by
  stage when the objective is lexicographic.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hubplan.core import _mathopt
from hubplan.core._mathopt import EngineSettings
from hubplan.core.cuts import exclude_plans
from hubplan.core.formulate import formulate, hint_vector, open_sites, read_plan
from hubplan.core.heuristics import median_cost, p_median_heuristic
from hubplan.core.lagrange import p_median_branch_and_bound
from hubplan.core.mip import MipModel
from hubplan.core.problem import Problem
from hubplan.core.solution import (
    Plan,
    Solution,
    SolverReport,
    SolverStatus,
    Timing,
    assignment_table,
    finish,
    no_plan,
    relative_gap,
)
from hubplan.core.vocabulary import OBJECTIVE_TERMS, BoolArray, FloatArray, IntArray

__all__ = ["is_plain_p_median", "is_pure_median", "solve_general", "solve_lagrangian", "solve_sparse_median"]

logger = logging.getLogger(__name__)

Hint = Mapping[str, tuple[int, ...]]
#: Absolute slack when holding a lexicographic stage's optimum.
_LEX_ABS_TOL = 1e-6
#: The shortest time a stage or sparse iteration is given when the deadline has passed (seconds).
_MIN_STAGE_S = 0.05


# ====================================================================== which strategy applies
def _exact_count(problem: Problem) -> int:
    """The p of a plain p-median (its one tier's exact count; :func:`is_plain_p_median` guarantees one)."""
    count = problem.tiers[0].count
    if count is None:
        raise ValueError("a plain p-median needs its tier's exact count")
    return count


def is_pure_median(problem: Problem) -> bool:
    """One uncapacitated assign tier, a median (+ cost) objective; no closest assignment, reach or building limit."""
    tier = problem.tiers[0]
    objective = problem.objective
    return (
        len(problem.tiers) == 1
        and tier.mode == "assign"
        and tier.capacity is None
        and not problem.closest_assignment
        and problem.max_minutes_to_reach is None
        and problem.buildings is None
        and not objective.lexicographic
        and set(objective.active_terms()) <= {"median", "cost"}
        and objective.median > 0
    )


def is_plain_p_median(problem: Problem) -> bool:
    """Pure p-median with an exact count, no building costs and no per-group counts.

    Groups may still limit who reaches which site (``within_group``); that lives in
    :meth:`Problem.reachable` and so in the cost matrix.
    """
    tier = problem.tiers[0]
    return (
        is_pure_median(problem)
        and tier.count is not None
        and tier.fixed_cost is None
        and problem.building_cost is None
        and tier.group_count is None
        and tier.group_min is None
        and tier.group_max is None
    )


@dataclass(frozen=True)
class _MedianInputs:
    """The single tier's demand, journey times (``inf`` where not allowed), available and required sites."""

    demand: FloatArray
    minutes: FloatArray
    available: BoolArray
    required: IntArray

    @classmethod
    def of(cls, problem: Problem) -> _MedianInputs:
        tier = problem.tiers[0]
        demand = problem.tier_demand(tier)
        reach = problem.reachable(tier) & (demand > 0)[:, None]
        return cls(demand, np.where(reach, problem.minutes, np.inf), problem.available(tier),
                   np.flatnonzero(problem.required))


def _nearest_plan(problem: Problem, inputs: _MedianInputs, sites: IntArray) -> Plan:
    """Everyone served by the nearest of ``sites`` in the single tier."""
    served = np.flatnonzero(inputs.demand > 0)
    nearest = sites[np.argmin(inputs.minutes[np.ix_(served, sites)], axis=1)]
    table = assignment_table(problem, [(served, nearest, np.ones(served.size), 0)])
    return Plan({problem.tiers[0].name: tuple(int(j) for j in sites)}, table)


# ====================================================================== Lagrangian
def solve_lagrangian(problem: Problem, *, time_limit_s: float, relative_gap: float,
                     hint: Hint | None) -> Solution | None:
    """Plain p-median by :func:`hubplan.core.lagrange.p_median_branch_and_bound`.

    Returns ``None`` when no starting plan serves everyone (the problem may be
    infeasible); the MIP engine then decides and explains.
    """
    timing = Timing()
    count = _exact_count(problem)
    with timing.building():
        inputs = _MedianInputs.of(problem)
        served = inputs.demand > 0
        weighted = inputs.minutes[served] * inputs.demand[served, None]
        start = _usable_start(problem, inputs, weighted, hint)
        if start is None:
            start = p_median_heuristic(inputs.minutes, inputs.demand, p=count, allowed=inputs.available,
                                       fixed=inputs.required)
            if not np.isfinite(weighted[:, start].min(axis=1, initial=np.inf)).all():
                return None
    result = p_median_branch_and_bound(weighted, count, start=start, allowed=inputs.available,
                                       required=inputs.required,
                                       time_limit_s=max(time_limit_s - timing.build_seconds, 0.0),
                                       relative_gap=relative_gap)
    timing.solve_seconds += result.seconds
    scale = problem.objective.median
    message = (f"Lagrangian branch-and-bound: root bound {scale * result.root_bound:.6g}, "
               f"{result.closed_at_root} sites excluded at the root, nodes: {result.nodes}"
               + ("" if result.proven else "; time limit reached"))
    logger.info(message)
    status = SolverStatus.OPTIMAL if result.proven else SolverStatus.FEASIBLE
    report = SolverReport(status, scale * result.bound, scale * result.value, "lagrangian", message)
    return finish(problem, _nearest_plan(problem, inputs, result.sites), report, timing, gap_target=relative_gap)


def _usable_start(problem: Problem, inputs: _MedianInputs, weighted: FloatArray, hint: Hint | None) -> IntArray | None:
    """The hinted sites, if they are a complete plan that serves everyone."""
    tier = problem.tiers[0]
    start = np.unique(np.asarray(hint.get(tier.name, ()) if hint else (), dtype=np.int64))
    usable = (start.size == tier.count and bool(np.all((start >= 0) & (start < problem.n_sites)))
              and bool(inputs.available[start].all()) and np.isin(inputs.required, start).all()
              and bool(np.isfinite(weighted[:, start].min(axis=1, initial=np.inf)).all()))
    return start if usable else None


# ====================================================================== sparsified p-median
def solve_sparse_median(problem: Problem, *, time_limit_s: float, settings: EngineSettings,
                        hint: Hint | None) -> Solution:
    """k-nearest + slack (BEAMR) with an exactness loop, for one uncapacitated assign tier."""
    timing = Timing()
    deadline = time.perf_counter() + time_limit_s
    with timing.building():
        search = _SparseSearch.start(problem)
        if hint is None and is_plain_p_median(problem):
            hint = search.heuristic_hint()
    while True:
        search.iteration += 1
        with timing.building():
            model, layout = formulate(problem, keep=search.next_keep(), slack_cost=search.slack_cost())
            cost = problem.objective.median * model.term_vector("median") \
                + problem.objective.cost * model.term_vector("cost")
            hint_values = hint_vector(problem, model, layout, hint) if hint else None
            nonzeros = model.matrix().nnz
        logger.info("sparse p-median iteration %d: %d variables, %d non-zeros", search.iteration,
                    model.n_variables, nonzeros)
        run = _mathopt.run(model, cost, 0.0, time_limit_s=max(deadline - time.perf_counter(), _MIN_STAGE_S),
                           settings=settings, hint=hint_values)
        timing.solve_seconds += run.seconds
        if run.values is None:
            return no_plan(problem, SolverReport(run.status, run.bound, None, settings.engine, run.message), timing)
        sites = np.asarray(open_sites(problem, layout, run.values)[problem.tiers[0].name], dtype=np.int64)
        exact, outside = search.evaluate(sites)
        gap = relative_gap(exact, run.bound)
        proven = run.status == SolverStatus.OPTIMAL and gap is not None and gap <= settings.relative_gap + 1e-12
        if proven or not outside.any() or time.perf_counter() >= deadline or search.complete():
            break
        logger.info("exactness check: %d clients outside their k nearest; doubling k", int(outside.sum()))
        search.widen(outside)
        hint = {problem.tiers[0].name: tuple(int(j) for j in sites)}
    status = SolverStatus.OPTIMAL if proven else (SolverStatus.FEASIBLE if run.status.has_plan else run.status)
    message = f"{run.message}; sparse iterations={search.iteration}, k_max={search.k_max()}"
    report = SolverReport(status, run.bound, exact, settings.engine, message)
    return finish(problem, _nearest_plan(problem, search.inputs, sites), report, timing,
                  gap_target=settings.relative_gap)


class _SparseSearch:
    """The k nearest sites each client keeps, and the exact value of a plan against them."""

    def __init__(self, problem: Problem, inputs: _MedianInputs, k: IntArray) -> None:
        self.problem = problem
        self.inputs = inputs
        self.reach = np.isfinite(inputs.minutes)
        self.order = np.argsort(inputs.minutes, axis=1, kind="stable")
        self.n_reach = self.reach.sum(axis=1)
        self.k = k
        self.iteration = 0
        self._rows = np.arange(problem.n_clients)
        self._kept = np.zeros((problem.n_clients, problem.n_sites), bool)
        self._fixed_cost = problem.site_cost(problem.tiers[0])

    @classmethod
    def start(cls, problem: Problem) -> _SparseSearch:
        """K = ceil(2 m / p) nearest sites per client (all reachable ones without a site count)."""
        inputs = _MedianInputs.of(problem)
        p = problem.tiers[0].upper_count
        if p is not None and p > 0:
            k = np.full(problem.n_clients, max(2, math.ceil(2 * inputs.available.sum() / p)), dtype=np.int64)
        else:
            k = np.isfinite(inputs.minutes).sum(axis=1)
        return cls(problem, inputs, k)

    def heuristic_hint(self) -> Hint:
        """Greedy + vertex substitution, as a hint for the first iteration."""
        inputs, tier = self.inputs, self.problem.tiers[0]
        sites = p_median_heuristic(inputs.minutes, inputs.demand, p=_exact_count(self.problem),
                                   allowed=inputs.available, fixed=inputs.required)
        logger.info("heuristic start: %.6g", median_cost(inputs.minutes, inputs.demand, sites))
        return {tier.name: tuple(int(j) for j in sites)}

    def next_keep(self) -> BoolArray:
        """The pairs to model in the next iteration: each client's k nearest reachable sites."""
        self.k = np.minimum(self.k, self.n_reach)
        rank = np.empty_like(self.order)
        rank[self._rows[:, None], self.order] = np.arange(self.problem.n_sites)[None, :]
        self._kept = self.reach & (rank < self.k[:, None])
        return self._kept

    def slack_cost(self) -> FloatArray:
        """Each client's (k+1)-th nearest journey (``inf`` when it keeps all it can reach)."""
        m, rows, k = self.problem.n_sites, self._rows, self.k
        return np.where(k < self.n_reach, self.inputs.minutes[rows, self.order[rows, np.minimum(k, m - 1)]], np.inf)

    def evaluate(self, sites: IntArray) -> tuple[float, BoolArray]:
        """The plan's exact objective and the clients it serves outside the last model's pairs.

        Everyone goes to the nearest open site, as the full model would send them.
        """
        minutes, demand = self.inputs.minutes, self.inputs.demand
        nearest = (sites[np.argmin(minutes[:, sites], axis=1)] if sites.size
                   else np.zeros(self.problem.n_clients, np.int64))
        served = demand > 0
        objective = self.problem.objective
        exact = objective.median * float(np.sum(demand[served] * minutes[served, nearest[served]])) \
            + objective.cost * float(self._fixed_cost[sites].sum())
        return exact, served & ~self._kept[self._rows, nearest]

    def complete(self) -> bool:
        """True when every client keeps every site it can reach."""
        return bool((self.k >= self.n_reach).all())

    def widen(self, outside: BoolArray) -> None:
        """Double k for the clients served outside their k nearest."""
        self.k = np.where(outside, self.k * 2, self.k)

    def k_max(self) -> int:
        return int(self.k.max())


# ====================================================================== general model
def solve_general(problem: Problem, *, time_limit_s: float, settings: EngineSettings,
                  hint: Hint | None, exclude: Sequence[Hint] = (), distinct: str = "tiers") -> Solution:
    """The full model, one engine call per lexicographic stage (one in all for a weighted sum).

    ``exclude``: plans (open sites per tier) cut off by no-good rows (:func:`~hubplan.core.cuts.exclude_plans`),
    each by its open sites per tier or, with ``distinct="buildings"``, by its set of open buildings.
    """
    timing = Timing()
    with timing.building():
        model, layout = formulate(problem)
        exclude_plans(problem, model, layout, exclude, by=distinct)
        nonzeros = model.matrix().nnz
        terms = {t: model.term_vector(t) for t in OBJECTIVE_TERMS}
    logger.info("model: %d variables, %d rows, %d non-zeros (%.2f s)", model.n_variables, model.n_rows,
                nonzeros, timing.build_seconds)
    hint_values = hint_vector(problem, model, layout, hint) if hint else None
    deadline = time.perf_counter() + time_limit_s
    stages = problem.objective.lexicographic or (None,)
    stage_values: list[float] = []
    for stage in stages:
        cost, offset = _stage_objective(problem, model, terms, stage)
        run = _mathopt.run(model, cost, offset, time_limit_s=max(deadline - time.perf_counter(), _MIN_STAGE_S),
                           settings=settings, hint=hint_values)
        timing.solve_seconds += run.seconds
        if run.values is None or run.primal is None:
            break
        stage_values.append(run.primal)
        hint_values = run.values
        if stage is not None and stage != stages[-1]:
            _hold_stage(model, cost, offset, run.primal)
            if run.status != SolverStatus.OPTIMAL:
                break
    if run.values is None:
        report = SolverReport(run.status, run.bound, None, settings.engine, run.message, tuple(stage_values))
        return no_plan(problem, report, timing)
    status = run.status if len(stage_values) == len(stages) else SolverStatus.FEASIBLE
    report = SolverReport(status, run.bound, run.primal, settings.engine, run.message, tuple(stage_values))
    return finish(problem, read_plan(problem, layout, run.values), report, timing,
                  gap_target=settings.relative_gap, stage=stages[len(stage_values) - 1])


def _stage_objective(problem: Problem, model: MipModel, terms: dict[str, FloatArray],
                     stage: str | None) -> tuple[FloatArray, float]:
    """Cost vector and constant of one stage (``None`` = the weighted sum of every term)."""
    if stage is not None:
        return terms[stage], model.constant[stage]
    objective = problem.objective
    cost = np.zeros(model.n_variables)
    offset = 0.0
    for term in OBJECTIVE_TERMS:
        cost += objective.weight(term) * terms[term]
        offset += objective.weight(term) * model.constant[term]
    return cost, offset


def _hold_stage(model: MipModel, cost: FloatArray, offset: float, optimum: float) -> None:
    """Keep a stage's optimum (within a small slack) while the next stage is optimised."""
    nz = np.flatnonzero(cost)
    model.add_rows(np.zeros(nz.size), nz, cost[nz], -np.inf,
                   optimum - offset + max(_LEX_ABS_TOL, 1e-9 * abs(optimum)), 1)
