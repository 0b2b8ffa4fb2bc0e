"""The score of a fixed plan, recomputed in numpy: objective terms, coverage and the objective value.

Every solver's plan is scored here, so a :class:`~hubplan.core.solution.Solution`'s
objective never rests on a solver's own arithmetic.

Examples
--------
>>> import pandas as pd
>>> from hubplan.core.problem import Problem
>>> prob = Problem.from_matrix(np.array([[1.0, 4.0], [5.0, 2.0]]), np.array([10.0, 20.0]), p=1)
>>> table = pd.DataFrame({"client": [0, 1], "site": [0, 0], "attendees": [10.0, 20.0]})
>>> terms = score_plan(prob, {"facility": (0,)}, table)
>>> terms["median"], terms["minimax"], objective_value(prob, terms)
(110.0, 5.0, 110.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubplan.core.problem import Problem
from hubplan.core.vocabulary import OBJECTIVE_TERMS, OPTIONAL_TERMS, BoolArray, FloatArray

__all__ = ["Plan", "coverage", "objective_value", "open_buildings", "reach_journeys", "score_plan"]


@dataclass(frozen=True)
class Plan:
    """Open sites per tier and who goes where, before scoring."""

    open_sites: Mapping[str, tuple[int, ...]]
    assignment: pd.DataFrame


def score_plan(problem: Problem, open_sites: Mapping[str, tuple[int, ...]],
               assignment: pd.DataFrame) -> dict[str, float]:
    """Recompute every objective term of a plan in numpy.

    Parameters
    ----------
    problem
        The problem.
    open_sites
        Tier name -> open site indices.
    assignment
        Columns ``client``, ``site`` and ``attendees`` (as in
        :attr:`hubplan.core.solution.Solution.assignment`).

    Returns
    -------
    dict
        Term -> value (``coverage`` and ``spoke_coverage`` as negative attendees);
        the :data:`~hubplan.core.vocabulary.OPTIONAL_TERMS` only when weighted.
        ``min_sites`` counts open sites (a site hosting two tiers once), ``cost``
        adds each open site's ``building_cost`` once.
    """
    objective = problem.objective
    active = objective.active_terms()
    terms = {t: 0.0 for t in OBJECTIVE_TERMS if t not in OPTIONAL_TERMS or t in active}
    if len(assignment):
        ci = assignment["client"].to_numpy()
        sj = assignment["site"].to_numpy()
        attendees = assignment["attendees"].to_numpy(dtype=float)
        minutes = problem.minutes[ci, sj]
        terms["median"] = float(np.sum(attendees * minutes))
        terms["minimax"] = float(minutes.max())
        if objective.isolation_minutes is not None:
            weights = objective.isolation_weights
            weight = np.ones(ci.size) if weights is None else weights[ci]
            terms["isolation"] = float(np.sum(attendees * weight * (minutes > objective.isolation_minutes)))
    for tier in problem.tiers:
        sites = np.asarray(open_sites.get(tier.name, ()), dtype=np.int64)
        if not problem.shares_sites:
            terms["min_sites"] += sites.size
        if tier.fixed_cost is not None and sites.size:
            terms["cost"] += float(tier.fixed_cost[sites].sum())
    _score_buildings(problem, open_buildings(problem, open_sites), terms)
    covered = coverage(problem, open_sites)
    for tier in problem.tiers:
        if tier.name in covered and (tier.mode == "cover" or problem.reach_tiers is None):
            terms["spoke_coverage" if tier.mode == "cover" else "coverage"] -= covered[tier.name]
    threshold = objective.threshold_minutes
    if problem.reach_tiers is not None and threshold is not None:
        demand = problem.demand.sum(axis=1)
        terms["coverage"] = -float(demand[reach_journeys(problem, open_sites) <= threshold].sum())
    return terms


def _score_buildings(problem: Problem, buildings: BoolArray, terms: dict[str, float]) -> None:
    """The per-building parts of ``terms``: site count (shared sites), building cost and new venues."""
    if problem.shares_sites:
        terms["min_sites"] += float(buildings.sum())
    if problem.building_cost is not None:
        terms["cost"] += float(problem.building_cost[buildings].sum())
    if "new_venues" in terms:
        terms["new_venues"] = float((buildings & problem.new_venue()).sum())


def open_buildings(problem: Problem, open_sites: Mapping[str, tuple[int, ...]]) -> BoolArray:
    """Sites open in any tier, ``(m,)``."""
    out = np.zeros(problem.n_sites, bool)
    for tier in problem.tiers:
        out[list(open_sites.get(tier.name, ()))] = True
    return out


def reach_journeys(problem: Problem, open_sites: Mapping[str, tuple[int, ...]]) -> FloatArray:
    """Each client's journey to its nearest usable open site of the reach tiers, ``(n,)`` (``inf`` = none)."""
    best = np.full(problem.n_clients, np.inf)
    for t in problem.reach_tier_indices():
        tier = problem.tiers[t]
        sites = np.zeros(problem.n_sites, bool)
        sites[list(open_sites.get(tier.name, ()))] = True
        usable = problem.reach_pairs(tier) & sites[None, :]
        best = np.minimum(best, np.where(usable, problem.minutes, np.inf).min(axis=1, initial=np.inf))
    return best


def coverage(problem: Problem, open_sites: Mapping[str, tuple[int, ...]]) -> dict[str, float]:
    """Attendees covered per tier (see :attr:`hubplan.core.solution.Solution.coverage`).

    A cover tier's clients count within its radius of an open site of the tier or of
    an assign tier; an assign tier's within ``threshold_minutes`` of its own open
    sites (only when the threshold is set).
    """
    out: dict[str, float] = {}
    assign_open = np.zeros(problem.n_sites, bool)
    for tier in problem.tiers:
        if tier.mode == "assign":
            assign_open[list(open_sites.get(tier.name, ()))] = True
    threshold = problem.objective.threshold_minutes
    for tier in problem.tiers:
        sites = np.zeros(problem.n_sites, bool)
        sites[list(open_sites.get(tier.name, ()))] = True
        if tier.mode == "cover" and tier.radius_minutes is not None:
            near = (problem.minutes <= tier.radius_minutes) & (sites | assign_open)[None, :]
        elif threshold is not None:
            near = problem.reachable(tier) & (problem.minutes <= threshold) & sites[None, :]
        else:
            continue
        out[tier.name] = float(problem.tier_demand(tier)[near.any(axis=1)].sum())
    return out


def objective_value(problem: Problem, terms: Mapping[str, float], stage: str | None = None) -> float:
    """The weighted sum of ``terms``, or the one term ``stage`` of a lexicographic objective."""
    if stage is not None:
        return float(terms[stage])
    return float(sum(problem.objective.weight(t) * terms[t] for t in OBJECTIVE_TERMS if t in terms))
