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

import numpy as np
import pandas as pd

from hubplan.core.problem import Problem
from hubplan.core.vocabulary import OBJECTIVE_TERMS

__all__ = ["coverage", "objective_value", "score_plan"]


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
        Term -> value (``coverage`` and ``spoke_coverage`` as negative attendees).
    """
    objective = problem.objective
    terms = dict.fromkeys(OBJECTIVE_TERMS, 0.0)
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
        terms["min_sites"] += sites.size
        if tier.fixed_cost is not None and sites.size:
            terms["cost"] += float(tier.fixed_cost[sites].sum())
    covered = coverage(problem, open_sites)
    for tier in problem.tiers:
        if tier.name in covered:
            terms["spoke_coverage" if tier.mode == "cover" else "coverage"] -= covered[tier.name]
    return terms


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
    return float(sum(problem.objective.weight(t) * terms[t] for t in OBJECTIVE_TERMS))
