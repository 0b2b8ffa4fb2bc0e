"""Near-best alternatives: the K best distinct plans of a problem, by no-good cuts on the site variables.

The best plan comes from :func:`hubplan.core.solve.solve` as usual (its checks run
once, there). Each further plan is the optimum of the full model
(:func:`hubplan.core.strategies.solve_general`) with every plan found so far cut off
(:func:`hubplan.core.cuts.exclude_plans`): "distinct" means, by default, a different
set of open buildings (``distinct="buildings"``: a plan that only moves a tier from
one open building to another is not an alternative), or with ``distinct="tiers"`` a
different set of open sites in some tier. So the second plan is proven (within the relative
gap) the best of all plans but the first, the third the best of all but the first
two, and so on; the search stops early when no other feasible plan exists.

A plan that :func:`~hubplan.core.ties.prefer_existing` would move onto an existing
building is the same plan as that building's: its twin variants
(:func:`~hubplan.core.ties.twin_variants`) are cut off with it, so an alternative
is never the best plan again under another name.

Examples
--------
>>> import numpy as np
>>> from hubplan.core.problem import Problem
>>> cost = np.array([[1., 4., 6.], [5., 2., 3.], [8., 6., 1.]])
>>> ranked = near_best(Problem.from_matrix(cost, np.array([10., 20., 5.]), p=2), 3)
>>> [(plan.rank, plan.solution.objective, plan.solution.open_sites["facility"]) for plan in ranked]
[(1, 75.0, (0, 2)), (2, 80.0, (0, 1)), (3, 85.0, (1, 2))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hubplan.core._mathopt import EngineSettings
from hubplan.core.cuts import DISTINCT
from hubplan.core.problem import Problem
from hubplan.core.solution import Solution
from hubplan.core.solve import solve
from hubplan.core.strategies import solve_general
from hubplan.core.ties import twin_variants

__all__ = ["RankedPlan", "gap_to_best", "near_best"]

#: The smallest objective magnitude a relative gap divides by.
_GAP_FLOOR = 1e-9


@dataclass(frozen=True)
class RankedPlan:
    """One of the K best plans.

    Parameters
    ----------
    rank
        1 for the best plan, 2 for the second best, ...
    solution
        The plan, with the solver's status, objective and bound for it (its bound is
        over all plans not yet cut off, so ``optimal`` proves its rank).
    gap_to_best
        ``(objective - best objective) / |best objective|`` (0 for the best plan).
    """

    rank: int
    solution: Solution
    gap_to_best: float | None


def gap_to_best(objective: float | None, best: float | None) -> float | None:
    """How much worse ``objective`` is than ``best``, relative to ``best``.

    Examples
    --------
    >>> gap_to_best(101.2, 100.0)
    0.012...
    >>> gap_to_best(None, 100.0) is None
    True
    """
    if objective is None or best is None:
        return None
    return (objective - best) / max(abs(best), _GAP_FLOOR)


def near_best(problem: Problem, k: int, *, best: Solution | None = None, engine: str = "highs",
              time_limit_s: float = 30.0, relative_gap: float = 1e-4, threads: int = 1,
              distinct: str = "buildings") -> tuple[RankedPlan, ...]:
    """The ``k`` best distinct plans of ``problem``, best first.

    Parameters
    ----------
    problem
        The problem.
    k
        How many plans, >= 1.
    best
        The problem's best solution when already solved (else it is solved here).
    engine, time_limit_s, relative_gap, threads
        As for :func:`hubplan.core.solve.solve`; the time limit applies to each solve.
    distinct
        ``"buildings"``: each plan opens a different set of buildings; ``"tiers"``: each
        differs in the open sites of some tier (see :data:`hubplan.core.cuts.DISTINCT`).

    Returns
    -------
    tuple of RankedPlan
        Up to ``k`` plans: fewer when fewer feasible plans exist, or when a solve
        ends without a plan (time limit); none when the best has no plan.

    Raises
    ------
    ValueError
        When ``k`` < 1 or ``distinct`` is unknown.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if distinct not in DISTINCT:
        raise ValueError(f"distinct must be one of {DISTINCT}, got {distinct!r}")
    settings = EngineSettings(engine=engine, relative_gap=relative_gap, threads=threads)
    if best is None:
        best = solve(problem, engine=engine, time_limit_s=time_limit_s, relative_gap=relative_gap, threads=threads)
    if not best.has_plan:
        return ()
    ranked = [RankedPlan(1, best, 0.0)]
    excluded: list[Mapping[str, tuple[int, ...]]] = []
    while len(ranked) < k:
        last = ranked[-1].solution.open_sites
        excluded += [last, *twin_variants(problem, last)]
        solution = solve_general(problem, time_limit_s=time_limit_s, settings=settings, hint=None, exclude=excluded,
                                 distinct=distinct)
        if not solution.has_plan:
            break
        ranked.append(RankedPlan(len(ranked) + 1, solution, gap_to_best(solution.objective, best.objective)))
    return tuple(ranked)
