"""Solve a :class:`~hubplan.core.problem.Problem` exactly: argument checks, the pre-solve explanation, the strategy.

Plain p-median problems go to hubplan's own Lagrangian branch-and-bound
(:mod:`hubplan.core.lagrange`), pure p-median / facility-location problems to the
sparsified model with its exactness loop, everything else to the full model; the
last two run on HiGHS (default) or SCIP through OR-Tools MathOpt
(:mod:`hubplan.core._mathopt`). See :mod:`hubplan.core.strategies`. The
:attr:`Solution.engine` says which engine solved a problem.

Examples
--------
>>> from hubplan.core.problem import Problem
>>> cost = np.array([[1., 4., 6., 9.], [5., 2., 3., 7.], [8., 6., 1., 2.]])
>>> sol = solve(Problem.from_matrix(cost, np.array([10., 20., 5.]), p=2))
>>> sol.status, sol.objective, sol.open_sites["facility"]
(<SolverStatus.OPTIMAL: 'optimal'>, 75.0, (0, 2))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hubplan.core import strategies
from hubplan.core._mathopt import ENGINES, EngineSettings
from hubplan.core.checks import check_feasibility
from hubplan.core.problem import Problem
from hubplan.core.solution import Solution, SolverStatus
from hubplan.errors import InputError, Issue

__all__ = ["ENGINES", "ENGINE_LABELS", "Solution", "SolverStatus", "solve", "warm_up"]

#: How each value of :attr:`Solution.engine` is named in manifests and reports.
ENGINE_LABELS = {
    "highs": "HiGHS via OR-Tools MathOpt",
    "scip": "SCIP via OR-Tools MathOpt",
    "lagrangian": "hubplan Lagrangian branch-and-bound (hubplan.core.lagrange)",
}


def solve(
    problem: Problem,
    *,
    engine: str = "highs",
    time_limit_s: float = 30.0,
    relative_gap: float = 1e-4,
    threads: int = 1,
    hint: Mapping[str, tuple[int, ...]] | None = None,
    sparsify: bool = True,
    lagrangian: bool = True,
) -> Solution:
    """Solve ``problem`` to proven optimality (within ``relative_gap``) or to the time limit.

    Parameters
    ----------
    problem
        The validated problem; :func:`~hubplan.core.checks.check_feasibility` runs first.
    engine
        ``"highs"`` (default) or ``"scip"``.
    time_limit_s
        Wall-clock limit for all solver calls together.
    relative_gap
        Stop when the incumbent is proven within this relative gap.
    threads
        Threads for SCIP (HiGHS's MIP solver runs single-threaded here).
    hint
        Tier -> site indices of a starting plan (e.g. the previous scenario's hubs).
        Pure p-median problems get a greedy + vertex-substitution hint when none is given.
    sparsify
        Use the k-nearest + slack (BEAMR) reduction with its exactness loop on pure
        p-median / facility-location problems.
    lagrangian
        Solve plain p-median problems (an exact count of sites, no building
        costs, capacities or per-group counts) with the Lagrangian
        branch-and-bound of :mod:`hubplan.core.lagrange`; ``False`` always uses ``engine``.

    Returns
    -------
    Solution
        ``status`` is ``optimal`` only when the gap was proven within ``relative_gap``.

    Raises
    ------
    InfeasibleError
        When the pre-solve check finds the problem cannot be satisfied.
    InputError
        For bad arguments.
    SolverError
        When the solver fails or its objective disagrees with the recomputed one.

    Notes
    -----
    The engines' own log lines go to :mod:`hubplan.core._mathopt`'s logger at DEBUG level.
    """
    settings = EngineSettings(engine=engine, relative_gap=relative_gap, threads=threads)
    issues = _argument_issues(settings, time_limit_s)
    if issues:
        raise InputError(issues=issues)
    check_feasibility(problem)
    if lagrangian and strategies.is_plain_p_median(problem):
        solution = strategies.solve_lagrangian(problem, time_limit_s=time_limit_s, relative_gap=relative_gap,
                                               hint=hint)
        if solution is not None:
            return solution
    if sparsify and strategies.is_pure_median(problem):
        return strategies.solve_sparse_median(problem, time_limit_s=time_limit_s, settings=settings, hint=hint)
    return strategies.solve_general(problem, time_limit_s=time_limit_s, settings=settings, hint=hint)


def _argument_issues(settings: EngineSettings, time_limit_s: float) -> list[Issue]:
    issues = []
    if settings.engine not in ENGINES:
        issues.append(Issue("solve", "engine", f"{settings.engine!r} is not available",
                            f"use one of {', '.join(ENGINES)}"))
    if not time_limit_s > 0:
        issues.append(Issue("solve", "time_limit_s", f"must be > 0, got {time_limit_s}", "give seconds, e.g. 30"))
    if not 0 <= settings.relative_gap < 1:
        issues.append(Issue("solve", "relative_gap", f"must be in [0, 1), got {settings.relative_gap}", "e.g. 1e-4"))
    if settings.threads < 1:
        issues.append(Issue("solve", "threads", f"must be >= 1, got {settings.threads}", "give 1 or more"))
    return issues


def warm_up() -> None:
    """Pay the engines' one-time costs now rather than in the first timed solve.

    The first MathOpt/HiGHS solve in a process initialises the library, and the
    first Lagrangian search loads its compiled kernel from numba's on-disk cache
    (the very first run on a machine compiles it). Benchmarks call this before
    their clocks start, as a peer's imports are paid before its own.
    """
    tiny = Problem.from_matrix(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]]), p=1)
    solve(tiny, lagrangian=False)
    solve(tiny, lagrangian=True)
