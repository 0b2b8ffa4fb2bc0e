"""What a solve returns: the frozen :class:`Solution`, its :class:`SolverStatus`, and the one way to finish it.

Every strategy hands its plan to :func:`finish` (or, without a plan, to
:func:`no_plan`): the plan is scored in numpy (:mod:`hubplan.core.evaluation`),
the solver's claimed objective is checked against that score, and the gap and
timings are filled in the same way whichever engine ran.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubplan.core.evaluation import Plan, coverage, objective_value, score_plan
from hubplan.core.problem import Problem
from hubplan.core.ties import prefer_existing
from hubplan.errors import SolverError

__all__ = ["Plan", "Solution", "SolverReport", "SolverStatus", "Timing", "assignment_table", "finish", "no_plan"]

logger = logging.getLogger(__name__)

#: Floor of the denominator of the relative gap, so a zero objective does not divide by zero.
_GAP_FLOOR = 1e-9


class SolverStatus(enum.StrEnum):
    """How a solve ended; the value is the word written to manifests and reports."""

    OPTIMAL = "optimal"
    """Proven within the relative gap."""
    FEASIBLE = "feasible"
    """A plan, but the gap was not closed (time limit)."""
    INFEASIBLE = "infeasible"
    """The solver proved no plan meets the constraints."""
    NO_SOLUTION = "no_solution"
    """A limit was hit before any plan was found."""
    UNBOUNDED = "unbounded"
    """The objective can decrease without end (a modelling error)."""
    ERROR = "error"
    """The solver stopped for another reason (numerical trouble, ...)."""

    @property
    def has_plan(self) -> bool:
        """True for the statuses that come with open sites."""
        return self in (SolverStatus.OPTIMAL, SolverStatus.FEASIBLE)


@dataclass(frozen=True)
class Solution:
    """The immutable result of :func:`hubplan.core.solve.solve`.

    Parameters
    ----------
    status
        See :class:`SolverStatus`.
    objective
        Objective of the returned plan, recomputed in numpy (last stage when lexicographic).
    best_bound
        Proven lower bound on the objective (``None`` if unknown).
    gap
        ``(objective - best_bound) / max(|objective|, 1e-9)``.
    open_sites
        Tier name -> sorted site indices.
    assignment
        Columns ``client``, ``segment``, ``site``, ``tier``, ``attendees``.
    coverage
        Tier name -> attendees within the tier's radius (cover tiers) or within
        ``threshold_minutes`` (assign tiers, when set).
    terms
        Objective term -> value for the returned plan (rewards as negative numbers).
    engine, build_seconds, solve_seconds, message
        Provenance.
    stages
        Objective value of each lexicographic stage.
    """

    status: SolverStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    open_sites: Mapping[str, tuple[int, ...]]
    assignment: pd.DataFrame
    coverage: Mapping[str, float] = field(default_factory=dict)
    terms: Mapping[str, float] = field(default_factory=dict)
    engine: str = "highs"
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    message: str = ""
    stages: tuple[float, ...] = ()

    @property
    def has_plan(self) -> bool:
        """True when the solution carries open sites (optimal or feasible)."""
        return SolverStatus(self.status).has_plan


@dataclass(frozen=True)
class SolverReport:
    """What an engine says about its plan, to be checked by :func:`finish`.

    Parameters
    ----------
    status
        How the solve ended.
    bound
        Proven lower bound, if any.
    claimed
        The engine's own objective value for the plan (checked against the numpy score), if any.
    engine
        Key of :data:`hubplan.core.solve.ENGINE_LABELS`.
    message
        The engine's account (termination reason, nodes, iterations).
    stages
        Objective value of each lexicographic stage solved.
    """

    status: SolverStatus
    bound: float | None
    claimed: float | None
    engine: str
    message: str = ""
    stages: tuple[float, ...] = ()


@dataclass
class Timing:
    """Seconds spent building models and in engines, accumulated across a strategy's calls."""

    build_seconds: float = 0.0
    solve_seconds: float = 0.0

    @contextmanager
    def building(self) -> Iterator[None]:
        """Count the time spent in the ``with`` block as building."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.build_seconds += time.perf_counter() - start


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``(objective - bound) / max(|objective|, 1e-9)``, never negative; ``None`` when either is unknown."""
    if objective is None or bound is None:
        return None
    return max(0.0, (objective - bound) / max(abs(objective), _GAP_FLOOR))


def assignment_table(problem: Problem,
                     rows: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, int]]) -> pd.DataFrame:
    """Expand ``(clients, sites, shares, tier index)`` blocks to one row per client, segment and site."""
    parts = []
    for ci, sj, share, t in rows:
        tier = problem.tiers[t]
        for segment in tier.segments or problem.segments:
            attendees = problem.demand[ci, problem.segments.index(segment)] * share
            keep = attendees > 0
            parts.append(pd.DataFrame({
                "client": ci[keep], "segment": segment, "site": sj[keep], "tier": tier.name,
                "attendees": attendees[keep],
            }))  # fmt: skip
    if not parts:
        return pd.DataFrame({"client": np.zeros(0, np.int64), "segment": pd.Series(dtype=str),
                             "site": np.zeros(0, np.int64), "tier": pd.Series(dtype=str),
                             "attendees": np.zeros(0)})
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["tier", "client", "segment", "site"], ignore_index=True)


def finish(problem: Problem, plan: Plan, report: SolverReport, timing: Timing, *,
           gap_target: float = 0.0, stage: str | None = None) -> Solution:
    """Score ``plan`` in numpy, check the engine's claim against it, and build the :class:`Solution`.

    Ties are first broken towards existing buildings (:func:`hubplan.core.ties.prefer_existing`),
    which never worsens any term.

    Parameters
    ----------
    problem
        The problem solved.
    plan
        The engine's plan.
    report
        The engine's status, bound and claimed objective.
    timing
        Seconds spent building and solving.
    gap_target
        The relative gap the engine was asked for (a plan better than claimed by more is logged).
    stage
        The lexicographic stage whose term the objective is (``None`` = the weighted sum).

    Returns
    -------
    Solution

    Raises
    ------
    SolverError
        When the plan's own value is worse than the engine claimed: a bug in hubplan's model.
    """
    plan = prefer_existing(problem, plan)
    terms = score_plan(problem, plan.open_sites, plan.assignment)
    value = objective_value(problem, terms, stage)
    _check_claim(value, report.claimed, gap_target)
    return Solution(report.status, value, report.bound, relative_gap(value, report.bound), plan.open_sites,
                    plan.assignment, coverage=coverage(problem, plan.open_sites), terms=terms,
                    engine=report.engine, build_seconds=timing.build_seconds, solve_seconds=timing.solve_seconds,
                    message=report.message, stages=report.stages)


def no_plan(problem: Problem, report: SolverReport, timing: Timing) -> Solution:
    """The :class:`Solution` of a solve that ended without a plan (infeasible, no solution, error)."""
    return Solution(report.status, None, report.bound, None, {}, assignment_table(problem, []),
                    engine=report.engine, build_seconds=timing.build_seconds, solve_seconds=timing.solve_seconds,
                    message=report.message, stages=report.stages)


def _check_claim(recomputed: float, claimed: float | None, gap_target: float) -> None:
    """The plan's own value must match what the engine claims (it may only be better)."""
    if claimed is None:
        return
    tol = 1e-6 * max(1.0, abs(claimed)) + 1e-6
    if recomputed > claimed + tol:
        raise SolverError(
            f"solver objective {claimed:.6f} disagrees with the recomputed {recomputed:.6f}; "
            "this is a bug in hubplan's model, please report it with the scenario"
        )
    if recomputed < claimed - max(tol, gap_target * abs(claimed)):
        logger.warning("recomputed objective %.6f is better than the solver's %.6f", recomputed, claimed)
