"""Journey limits no plan can meet: which limit, which home areas, and the smallest limit any plan can meet.

A journey limit (the problem's ``max_minutes`` or a tier's own) can make a valid
problem infeasible in ways no single-client check sees: one specialist site must
reach the whole area, a few buildings must serve every locality. :func:`limit_issues`
finds each limit that, relaxed on its own, lets a plan exist, and computes the
smallest value of that limit any plan can meet under every other rule: a bisection
over the journey times of the travel matrix, each step a feasibility solve of the
full model. The home areas named are those that still travel beyond the limit asked
for in the plan that meets that smallest value.

Examples
--------
>>> import numpy as np
>>> from hubplan.core.problem import Problem
>>> minutes = np.array([[5.0, 40.0], [50.0, 10.0], [30.0, 30.0]])
>>> prob = Problem.from_matrix(minutes, np.ones(3), p=1, max_minutes=20.0)
>>> found = limit_findings(prob)
>>> [(f.field, f.limit, f.best, f.clients) for f in found]
[('max_minutes', 20.0, 40.0, (0, 2))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hubplan.core.checks import feasibility_issues
from hubplan.core.problem import Problem
from hubplan.core.solution import Solution, SolverStatus
from hubplan.core.solve import solve
from hubplan.core.validation import field_issue
from hubplan.errors import InfeasibleError, Issue

__all__ = ["LimitFinding", "check_limits", "limit_findings", "limit_issues"]

#: Wall-time safety cap of each feasibility solve (seconds); a solve that reaches it
#: counts as "no plan found", and the finding says the value is not proven.
FEASIBILITY_TIME_LIMIT_S = 20.0

#: The relative gap each feasibility solve stops at: any plan proves a limit can be met.
_FEASIBILITY_GAP = 0.5

#: How many home areas a message names before "and N more".
_NAMED_AREAS = 5


@dataclass(frozen=True)
class LimitFinding:
    """A journey limit no plan can meet, and the smallest one any plan can.

    Parameters
    ----------
    field
        The problem field: ``"max_minutes"`` or ``"tiers.<name>.max_minutes"``.
    tiers
        The tiers the limit applies to.
    limit
        The limit asked for (minutes).
    best
        The smallest value of this limit any plan meets under every other rule (a
        journey time of the travel matrix).
    clients
        The clients with attendees who travel beyond ``limit`` in the plan meeting ``best``.
    proven
        False when a feasibility solve reached its time cap, so ``best`` may be too high.
    others_lifted
        True when no single limit is to blame: ``best`` is then this limit's smallest
        value with the problem's other journey limits lifted.
    """

    field: str
    tiers: tuple[str, ...]
    limit: float
    best: float
    clients: tuple[int, ...]
    proven: bool
    others_lifted: bool = False


def _limit_fields(problem: Problem) -> list[tuple[str, float, tuple[str, ...]]]:
    """Each journey limit set: its field, value and the assign tiers it binds."""
    assign = [t for t in problem.tiers if t.mode == "assign"]
    fields = []
    if problem.max_minutes is not None:
        bound = tuple(t.name for t in assign if t.max_minutes is None)
        if bound:
            fields.append(("max_minutes", float(problem.max_minutes), bound))
    fields += [(f"tiers.{t.name}.max_minutes", float(t.max_minutes), (t.name,))
               for t in assign if t.max_minutes is not None]
    return fields


def _with_limit(problem: Problem, field: str, value: float | None) -> Problem:
    """``problem`` with one journey limit set to ``value`` (``None`` lifts it)."""
    if field == "max_minutes":
        return dataclasses.replace(problem, max_minutes=value)
    name = field.split(".")[1]
    tiers = tuple(dataclasses.replace(t, max_minutes=value) if t.name == name else t for t in problem.tiers)
    return dataclasses.replace(problem, tiers=tiers)


def _attempt(problem: Problem) -> tuple[Solution | None, bool]:
    """A plan of ``problem`` (any plan) or ``None``, and whether "none" is proven (not just none found in time)."""
    if feasibility_issues(problem):
        return None, True
    solution = solve(problem, lagrangian=False, relative_gap=_FEASIBILITY_GAP, time_limit_s=FEASIBILITY_TIME_LIMIT_S)
    return (solution, True) if solution.has_plan else (None, solution.status == SolverStatus.INFEASIBLE)


def _longest(problem: Problem, solution: Solution, tiers: tuple[str, ...]) -> float:
    """The longest journey of ``solution`` in ``tiers``."""
    table = solution.assignment
    rows = table[table["tier"].astype(str).isin(tiers) & (table["attendees"] > 0)]
    minutes = problem.minutes[rows["client"].to_numpy(dtype=int), rows["site"].to_numpy(dtype=int)]
    return float(minutes.max(initial=0.0))


def _beyond(problem: Problem, solution: Solution, tiers: tuple[str, ...], limit: float) -> tuple[int, ...]:
    """Clients of ``solution`` travelling beyond ``limit`` in ``tiers``, longest journey first."""
    table = solution.assignment
    rows = table[table["tier"].astype(str).isin(tiers) & (table["attendees"] > 0)]
    clients = rows["client"].to_numpy(dtype=int)
    minutes = problem.minutes[clients, rows["site"].to_numpy(dtype=int)]
    worst: dict[int, float] = {}
    for client, value in zip(clients, minutes, strict=True):
        if value > limit:
            worst[int(client)] = max(worst.get(int(client), 0.0), float(value))
    return tuple(sorted(worst, key=lambda c: (-worst[c], c)))


def _candidates(problem: Problem, low: float, high: float) -> npt.NDArray[np.float64]:
    """The journey times of the matrix in ``(low, high]``: the values the smallest limit can take."""
    values = problem.minutes[np.isfinite(problem.minutes)]
    return np.unique(values[(values > low) & (values <= high)])


def _smallest(problem: Problem, field: str, tiers: tuple[str, ...], limit: float,
              relaxed: Solution) -> LimitFinding:
    """Bisect the matrix's journey times for the smallest value of ``field`` a plan meets."""
    values = _candidates(problem, limit, _longest(problem, relaxed, tiers))
    best_plan, proven = relaxed, True
    lo, hi = 0, len(values) - 1  # values[hi] is met (the relaxed plan's longest journey)
    while lo < hi:
        mid = (lo + hi) // 2
        found, settled = _attempt(_with_limit(problem, field, float(values[mid])))
        if found is not None:
            hi, best_plan = mid, found
        else:
            lo, proven = mid + 1, proven and settled
    best = float(values[hi]) if len(values) else _longest(problem, relaxed, tiers)
    if best_plan is relaxed and len(values):
        again, _ = _attempt(_with_limit(problem, field, best))
        best_plan = again if again is not None else relaxed
    clients = _beyond(problem, best_plan, tiers, limit)
    broken = tuple(t for t in tiers if _beyond(problem, best_plan, (t,), limit))
    return LimitFinding(field, broken or tiers, limit, best, clients, proven)



def limit_findings(problem: Problem) -> list[LimitFinding]:
    """Every journey limit of ``problem`` that, lifted alone, lets a plan exist, with its smallest achievable value.

    Parameters
    ----------
    problem
        A validated problem, usually one the solver (or a pre-solve check) found infeasible.

    Returns
    -------
    list of LimitFinding
        Empty when the problem has a plan, or when the journey limits are not to
        blame (lifting all of them still leaves no plan). When no single limit is to
        blame but several together are, each is bisected with the others lifted
        (``others_lifted``).
    """
    fields = _limit_fields(problem)
    if not fields or _attempt(problem)[0] is not None:
        return []
    findings = []
    for field, limit, tiers in fields:
        relaxed, _ = _attempt(_with_limit(problem, field, None))
        if relaxed is not None:
            findings.append(_smallest(problem, field, tiers, limit, relaxed))
    if findings or len(fields) == 1:
        return findings
    for field, limit, tiers in fields:
        lifted = problem
        for other, _, _ in fields:
            lifted = lifted if other == field else _with_limit(lifted, other, None)
        if _attempt(lifted)[0] is not None:
            continue  # this limit holds once the others are lifted
        relaxed, _ = _attempt(_with_limit(lifted, field, None))
        if relaxed is not None:
            found = _smallest(lifted, field, tiers, limit, relaxed)
            findings.append(dataclasses.replace(found, others_lifted=True))
    return findings


def _areas(problem: Problem, clients: Sequence[int]) -> str:
    """Home areas in words: ID and locality, the first few then how many more."""
    shown = [f"{problem.client_ids[c]} ({problem.group_names[problem.client_group[c]]})"
             if problem.n_groups > 1 else str(problem.client_ids[c]) for c in clients[:_NAMED_AREAS]]
    more = len(clients) - _NAMED_AREAS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def limit_issues(problem: Problem) -> list[Issue]:
    """One :class:`~hubplan.errors.Issue` per :func:`limit_findings`, in scenario terms.

    Examples
    --------
    >>> import numpy as np
    >>> from hubplan.core.problem import Problem
    >>> minutes = np.array([[5.0, 40.0], [50.0, 10.0], [30.0, 30.0]])
    >>> prob = Problem.from_matrix(minutes, np.ones(3), p=1, max_minutes=20.0)
    >>> print(limit_issues(prob)[0])  # doctest: +NORMALIZE_WHITESPACE
    problem: max_minutes: no plan keeps every facility journey within 20 minutes: the smallest limit any plan
    can meet is 40 minutes, and even then 2 home area(s) travel longer than 20 minutes: client 0, client 2;
    fix: raise max_minutes to at least 40 or add candidate sites near those home areas
    """
    issues = []
    for found in limit_findings(problem):
        tiers = " or ".join(found.tiers)
        best = f"{found.best:g}" if found.best == round(found.best, 1) else f"{found.best:.1f}"
        proven = "" if found.proven else " (not proven: a solve reached its time cap)"
        lifted = " with the other journey limits lifted" if found.others_lifted else ""
        what = (f"no plan keeps every {tiers} journey within {found.limit:g} minutes: the smallest limit any plan "
                f"can meet{lifted} is {best} minutes{proven}, and even then {len(found.clients)} home area(s) travel "
                f"longer than {found.limit:g} minutes: {_areas(problem, found.clients)}")
        fix = (f"raise {problem.label(found.field)} to at least {np.ceil(found.best):g} or add candidate sites "
               "near those home areas")
        issues.append(field_issue(problem, found.field, what, fix))
    return issues


def check_limits(problem: Problem) -> None:
    """Raise the :func:`limit_issues` of ``problem``, if any.

    Raises
    ------
    InfeasibleError
        A journey limit no plan can meet, named with its home areas and smallest achievable value.
    """
    issues = limit_issues(problem)
    if issues:
        raise InfeasibleError(issues=issues)
