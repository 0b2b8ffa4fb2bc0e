"""Checks of a :class:`~hubplan.core.problem.Problem`: whether it can be solved (and, re-exported, its inputs).

Every check is a small function returning a list of :class:`~hubplan.errors.Issue`,
each naming the field (as the problem's source calls it, see
:meth:`Problem.label <hubplan.core.problem.Problem.label>`), what is wrong and
the fix. :func:`input_issues` (in :mod:`hubplan.core.validation`) runs when a problem is built;
:func:`check_feasibility` explains, before any solver starts, why a valid problem
cannot be solved.

Examples
--------
>>> import numpy as np
>>> from hubplan.core.problem import Problem
>>> prob = Problem.from_matrix(np.array([[1.0, np.inf], [np.inf, np.inf]]), p=1)
>>> [str(issue) for issue in feasibility_issues(prob)]  # doctest: +NORMALIZE_WHITESPACE
['problem: tier facility: 1 client(s) with demand have no eligible site within reach (client 1);
  fix: add a candidate site near them, raise max_minutes or drop their demand']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from hubplan.core.problem import Problem, TierSpec
from hubplan.core.validation import field_issue, input_issues
from hubplan.errors import InfeasibleError, Issue

__all__ = ["check_feasibility", "feasibility_issues", "input_issues"]

#: Slack when comparing sums of floats (places with attendees, costs with the budget).
_SUM_TOL = 1e-9


def _names(ids: Sequence[str], idx: npt.NDArray[np.int64], limit: int = 5) -> str:
    """The first ``limit`` labels of ``idx``, then how many more."""
    shown = ", ".join(ids[i] for i in idx[:limit])
    more = len(idx) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def check_feasibility(problem: Problem) -> None:
    """Explain, before solving, why ``problem`` cannot be solved.

    Parameters
    ----------
    problem
        A validated problem.

    Raises
    ------
    InfeasibleError
        Carrying every :func:`feasibility_issues` found; the message explains the first.
    """
    issues = feasibility_issues(problem)
    if issues:
        raise InfeasibleError(issues=issues)


def feasibility_issues(problem: Problem) -> list[Issue]:
    """Every reason, found without a solver, why ``problem`` has no solution.

    Checks: clients with no eligible site within the cut-off; total (or, with
    ``within_group``, per-group) capacity below demand; more sites asked for than
    candidates (in total or per group); required sites eligible for no tier or
    beyond a tier's maximum; required sites costing more than the budget;
    ``min_sites`` clients with no site within T; clients with no site of the reach
    tiers within ``max_minutes_to_reach`` (or T, for ``min_sites`` by reach), each
    named with the journey to its nearest candidate.

    Parameters
    ----------
    problem
        A validated problem.

    Returns
    -------
    list of Issue
        Empty when no reason was found (the solver may still prove infeasibility).
    """
    assign = [t for t in problem.tiers if t.mode == "assign"]
    tiers_of_required = _tiers_per_required_site(problem)
    return [
        *(issue for tier in assign for issue in _reach_issues(problem, tier)),
        *_reach_limit_issues(problem),
        *_required_without_tier_issues(problem, tiers_of_required),
        *(issue for tier in problem.tiers for issue in _count_issues(problem, tier, tiers_of_required)),
        *_budget_issues(problem),
        *_buildings_issues(problem),
    ]


def _tiers_per_required_site(problem: Problem) -> npt.NDArray[np.int64]:
    """For each site, how many tiers a required site may take (0 for other sites)."""
    counts = np.zeros(problem.n_sites, dtype=np.int64)
    for tier in problem.tiers:
        counts += problem.available(tier) & problem.required
    return counts


def _reach_issues(problem: Problem, tier: TierSpec) -> Iterable[Issue]:
    """Clients no site can serve, clients beyond T under ``min_sites``, and places below demand."""
    demand = problem.tier_demand(tier)
    reach = problem.reachable(tier)
    stranded = np.flatnonzero((demand > 0) & ~reach.any(axis=1))
    if stranded.size:
        yield field_issue(problem, f"tier {tier.name}", f"{stranded.size} client(s) with demand have no eligible site "
                          f"within reach ({_names(problem.client_ids, stranded)})",
                          f"add a candidate site near them, raise {_max_minutes_label(problem, tier)} "
                          "or drop their demand")
    threshold = problem.objective.threshold_minutes
    if problem.objective.needs_min_sites and threshold is not None and problem.reach_tiers is None:
        far = np.flatnonzero((demand > 0) & ~(reach & (problem.minutes <= threshold)).any(axis=1))
        if far.size:
            yield field_issue(problem, "objective.min_sites", f"{far.size} client(s) have no {tier.name} site within "
                              f"{threshold:g} minutes ({_names(problem.client_ids, far)})",
                              f"raise {problem.label('objective.threshold_minutes')} or add candidate sites")
    if tier.capacity is not None:
        yield from _capacity_issues(problem, tier, tier.capacity, demand)


def _max_minutes_label(problem: Problem, tier: TierSpec) -> str:
    """The field that limits ``tier``'s journeys: its own ``max_minutes`` when set, else the problem's."""
    return problem.label(f"tiers.{tier.name}.max_minutes" if tier.max_minutes is not None else "max_minutes")


def _reach_limit_issues(problem: Problem) -> list[Issue]:
    """Clients whose nearest candidate site of the reach tiers is beyond the reach limit (or T for ``min_sites``)."""
    limits = []
    if problem.max_minutes_to_reach is not None:
        limits.append(("max_minutes_to_reach", problem.max_minutes_to_reach))
    threshold = problem.objective.threshold_minutes
    if problem.reach_tiers is not None and problem.objective.needs_min_sites and threshold is not None:
        limits.append(("objective.threshold_minutes", threshold))
    if not limits:
        return []
    nearest = problem.reach_minutes()
    has_demand = problem.demand.sum(axis=1) > 0
    names = " or ".join(problem.tiers[t].name for t in problem.reach_tier_indices())
    issues = []
    for field, limit in limits:
        far = np.flatnonzero(has_demand & ~(nearest <= limit))
        if not far.size:
            continue
        worst = float(nearest[far].max())
        shown = ", ".join(f"{problem.client_ids[i]} (nearest {_minutes_text(nearest[i])})" for i in far[:5])
        more = f" and {far.size - 5} more" if far.size > 5 else ""
        raise_to = f"raise {problem.label(field)} to at least {np.ceil(worst):g} or " if np.isfinite(worst) else ""
        issues.append(field_issue(problem, field, f"{far.size} client(s) with attendees have no candidate {names} site "
                                  f"within {limit:g} minutes: {shown}{more}",
                                  f"{raise_to}add candidate sites near them"))
    return issues


def _minutes_text(minutes: float) -> str:
    """A journey for people (``"none within reach"`` for ``inf``).

    Examples
    --------
    >>> _minutes_text(34.26), _minutes_text(float("inf"))
    ('34.3 min', 'none within reach')
    """
    return f"{minutes:.1f} min" if np.isfinite(minutes) else "none within reach"


def _capacity_issues(problem: Problem, tier: TierSpec, capacity: npt.NDArray[np.float64],
                     demand: npt.NDArray[np.float64]) -> Iterable[Issue]:
    places = np.where(problem.available(tier), capacity, 0.0)
    limit = tier.upper_count
    total = np.sort(places)[::-1][:limit].sum() if limit is not None else places.sum()
    field = f"tiers.{tier.name}.capacity"
    if total < demand.sum() - _SUM_TOL:
        yield field_issue(problem, field, f"at most {total:g} places for {demand.sum():g} attendees",
                          "raise capacities, allow more sites or add candidates")
        return
    if not problem.within(tier):
        return
    for gi, name in enumerate(problem.group_names):
        group_places = places[problem.site_group == gi].sum()
        group_demand = demand[problem.client_group == gi].sum()
        if group_places < group_demand - _SUM_TOL:
            yield field_issue(problem, field, f"locality {name} has {group_places:g} places for {group_demand:g} "
                              "attendees", f"raise capacities or add candidates in {name}")


def _required_without_tier_issues(problem: Problem, tiers_of_required: npt.NDArray[np.int64]) -> list[Issue]:
    stuck = np.flatnonzero(problem.required & (tiers_of_required == 0))
    if not stuck.size:
        return []
    return [field_issue(problem, "roles",
                        f"required site(s) {_names(problem.site_ids, stuck)} are eligible for no tier",
                        "make them eligible for a tier or change their role to candidate")]


def _count_issues(problem: Problem, tier: TierSpec, tiers_of_required: npt.NDArray[np.int64]) -> Iterable[Issue]:
    """A tier's counts against its candidates, the localities it must serve and its required sites."""
    available = problem.available(tier)
    low, high = tier.lower_count, tier.upper_count
    field = f"tiers.{tier.name}.count"
    if low is not None and low > available.sum():
        yield field_issue(problem, field, f"{low} sites asked for but only {int(available.sum())} candidates are "
                          "eligible", "lower the count or add eligible candidates")
    if tier.mode == "assign" and problem.within(tier) and high is not None:
        homes = np.unique(problem.client_group[problem.tier_demand(tier) > 0]).size
        if homes > high:
            yield field_issue(problem, field, f"at most {high} sites may open but attendees in {homes} localities must "
                              "be served within their own",
                              f"raise the count to at least {homes} or allow journeys across localities")
    only_this_tier = problem.required & available & (tiers_of_required == 1)
    if high is not None and only_this_tier.sum() > high:
        yield field_issue(problem, field, f"{int(only_this_tier.sum())} required sites can only be {tier.name}s but at "
                          f"most {high} may open", "raise the count or make some sites candidates")
    yield from _group_count_issues(problem, tier, available, only_this_tier)


def _group_count_issues(problem: Problem, tier: TierSpec, available: npt.NDArray[np.bool_],
                        only_this_tier: npt.NDArray[np.bool_]) -> Iterable[Issue]:
    """Per locality: fewer candidates than asked for, or more required sites than allowed."""
    candidates = np.bincount(problem.site_group[available], minlength=problem.n_groups)
    for name in ("group_count", "group_min"):
        limit = problem.group_limit(getattr(tier, name))
        if limit is None:
            continue
        for gi in np.flatnonzero(limit > candidates):
            yield field_issue(problem, f"tiers.{tier.name}.{name}", f"{int(limit[gi])} asked for in "
                              f"{problem.group_names[gi]} but only {int(candidates[gi])} eligible candidates there",
                              "lower the count or add candidates")
    required = np.bincount(problem.site_group[only_this_tier], minlength=problem.n_groups)
    for name in ("group_count", "group_max"):
        limit = problem.group_limit(getattr(tier, name))
        if limit is None:
            continue
        for gi in np.flatnonzero(required > limit):
            yield field_issue(problem, f"tiers.{tier.name}.{name}", f"{int(required[gi])} required sites in "
                              f"{problem.group_names[gi]} can only be {tier.name}s but at most "
                              f"{int(limit[gi])} may open",
                              "raise the count or make some sites candidates")


def _budget_issues(problem: Problem) -> list[Issue]:
    if problem.budget is None:
        return []
    cheapest = np.full(problem.n_sites, np.inf)
    for tier in problem.tiers:
        cost = np.zeros(problem.n_sites) if tier.fixed_cost is None else tier.fixed_cost
        cheapest = np.where(problem.available(tier), np.minimum(cheapest, cost), cheapest)
    if problem.building_cost is not None:
        cheapest = cheapest + problem.building_cost
    required_cost = float(np.where(problem.required & np.isfinite(cheapest), cheapest, 0.0).sum())
    if required_cost <= problem.budget + _SUM_TOL:
        return []
    return [field_issue(problem, "budget", f"{problem.budget:,.0f} GBP is below the {required_cost:,.0f} GBP the "
                        "required sites cost at least", "raise the budget or make some required sites candidates")]


def _buildings_issues(problem: Problem) -> list[Issue]:
    """More required sites than ``buildings``, or fewer sites that may open."""
    if problem.buildings is None:
        return []
    required = int(problem.required.sum())
    may_open = int(np.logical_or.reduce([problem.available(tier) for tier in problem.tiers]).sum())
    if required > problem.buildings:
        return [field_issue(problem, "buildings", f"{required} required sites but {problem.buildings} buildings",
                            "raise the number of buildings or make some required sites candidates")]
    if may_open < problem.buildings:
        return [field_issue(problem, "buildings", f"{problem.buildings} buildings asked for but only {may_open} sites "
                            "may open", "lower the number of buildings or add candidates")]
    return []
