"""Checks of a :class:`~hubplan.core.problem.Problem`: its inputs, and whether it can be solved.

Every check is a small function returning a list of :class:`~hubplan.errors.Issue`,
each naming the field (as the problem's source calls it, see
:meth:`Problem.label <hubplan.core.problem.Problem.label>`), what is wrong and
the fix. :func:`input_issues` runs when a problem is built;
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
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from hubplan.core.vocabulary import OBJECTIVE_TERMS, ROLES, TIER_MODES
from hubplan.errors import InfeasibleError, Issue

if TYPE_CHECKING:
    from hubplan.core.problem import Problem, TierSpec

__all__ = ["check_feasibility", "feasibility_issues", "input_issues"]

#: Slack when comparing sums of floats (places with attendees, costs with the budget).
_SUM_TOL = 1e-9


def _issue(problem: Problem, field: str, what: str, fix: str) -> Issue:
    """An issue with ``field`` named as the problem's source calls it."""
    return Issue(problem.source, problem.label(field), what, fix)


def _names(ids: Sequence[str], idx: npt.NDArray[np.int64], limit: int = 5) -> str:
    """The first ``limit`` labels of ``idx``, then how many more."""
    shown = ", ".join(ids[i] for i in idx[:limit])
    more = len(idx) - limit
    return shown + (f" and {more} more" if more > 0 else "")


# ====================================================================== inputs
def input_issues(problem: Problem) -> list[Issue]:
    """Every problem with the shapes, names and values of ``problem``, in a stable order.

    Parameters
    ----------
    problem
        A problem whose fields are already arrays and tuples (as after construction).

    Returns
    -------
    list of Issue
        Empty when the problem is consistent.
    """
    if problem.minutes.ndim != 2:
        return [_issue(problem, "minutes", f"must be 2-D (clients x sites), got shape {problem.minutes.shape}",
                       "pass an (n, m) array")]
    return [
        *_matrix_issues(problem),
        *_demand_issues(problem),
        *_site_issues(problem),
        *_label_issues(problem),
        *_group_issues(problem),
        *_limit_issues(problem),
        *_building_issues(problem),
        *_tier_set_issues(problem),
        *(issue for tier in problem.tiers for issue in _tier_issues(problem, tier)),
        *_segment_issues(problem),
        *_weight_issues(problem),
        *_objective_issues(problem),
    ]


def _matrix_issues(problem: Problem) -> list[Issue]:
    minutes = problem.minutes
    n, m = minutes.shape
    issues = []
    if n == 0 or m == 0:
        issues.append(_issue(problem, "minutes", f"needs at least one client and one site, got {n} x {m}",
                             "add clients and sites"))
    if np.isnan(minutes).any() or (minutes < 0).any():
        issues.append(_issue(problem, "minutes", "must be >= 0 (np.inf = unreachable), found NaN or negative values",
                             "recompute the travel matrix"))
    return issues


def _demand_issues(problem: Problem) -> list[Issue]:
    demand, n = problem.demand, problem.n_clients
    issues = []
    if demand.ndim != 2 or demand.shape[0] != n:
        issues.append(_issue(problem, "demand", f"shape {demand.shape} does not match {n} clients",
                             "pass (n_clients, n_segments)"))
    elif demand.shape[1] != len(problem.segments):
        issues.append(_issue(problem, "segments", f"{len(problem.segments)} names for {demand.shape[1]} demand "
                             "columns", "give one name per demand column"))
    elif not np.isfinite(demand).all() or (demand < 0).any():
        issues.append(_issue(problem, "demand", "must be finite and >= 0", "fix the demand estimate"))
    if len(set(problem.segments)) != len(problem.segments):
        issues.append(_issue(problem, "segments", "names must be unique", "rename the duplicated segments"))
    return issues


def _site_issues(problem: Problem) -> list[Issue]:
    roles, m = problem.roles, problem.n_sites
    issues = []
    if len(roles) != m:
        issues.append(_issue(problem, "roles", f"{len(roles)} roles for {m} sites", "give one role per site"))
    for j, role in enumerate(roles):
        if role not in ROLES:
            site = problem.site_ids[j] if j < len(problem.site_ids) else j
            issues.append(_issue(problem, "roles", f"site {site} has role {role!r}", f"use one of {', '.join(ROLES)}"))
    return issues


def _label_issues(problem: Problem) -> list[Issue]:
    issues = []
    for name, ids, size in (("client_ids", problem.client_ids, problem.n_clients),
                            ("site_ids", problem.site_ids, problem.n_sites)):
        if len(ids) != size or len(set(ids)) != size:
            what = "client" if name == "client_ids" else "site"
            issues.append(_issue(problem, name, f"must be unique, one per {what}", "give unique labels"))
    return issues


def _group_issues(problem: Problem) -> list[Issue]:
    g = problem.n_groups
    issues = []
    for name, groups, size in (("client_group", problem.client_group, problem.n_clients),
                               ("site_group", problem.site_group, problem.n_sites)):
        if groups.shape != (size,):
            issues.append(_issue(problem, name, f"shape {groups.shape}, expected ({size},)",
                                 "give one group index each"))
        elif size and (groups.min() < 0 or groups.max() >= g):
            issues.append(_issue(problem, name, f"indices must lie in 0..{g - 1}", "match group_names"))
    return issues


def _limit_issues(problem: Problem) -> list[Issue]:
    issues = []
    if problem.max_minutes is not None and not problem.max_minutes > 0:
        issues.append(_issue(problem, "max_minutes", f"must be > 0, got {problem.max_minutes}",
                             "give a positive cut-off or none"))
    if problem.budget is not None and not problem.budget >= 0:
        issues.append(_issue(problem, "budget", f"must be >= 0, got {problem.budget}",
                             "give a non-negative budget or none"))
    if problem.max_minutes_to_reach is not None and not problem.max_minutes_to_reach > 0:
        issues.append(_issue(problem, "max_minutes_to_reach", f"must be > 0, got {problem.max_minutes_to_reach}",
                             "give a positive journey limit or none"))
    if problem.buildings is not None and not problem.buildings >= 1:
        issues.append(_issue(problem, "buildings", f"must be >= 1, got {problem.buildings}",
                             "give the number of buildings to keep open, or none"))
    if not problem.tiers_per_site >= 1:
        issues.append(_issue(problem, "tiers_per_site", f"must be >= 1, got {problem.tiers_per_site}",
                             "give 1 (one tier per site) or more"))
    return issues


def _building_issues(problem: Problem) -> list[Issue]:
    """Per-site building cost and existing-building flags."""
    m = problem.n_sites
    issues = []
    for name in ("building_cost", "existing"):
        values = getattr(problem, name)
        if values is not None and values.shape != (m,):
            issues.append(_issue(problem, name, f"shape {values.shape}, expected ({m},)", "give one value per site"))
    cost = problem.building_cost
    if cost is not None and cost.shape == (m,) and not (np.isfinite(cost) & (cost >= 0)).all():
        issues.append(_issue(problem, "building_cost", "must be finite and >= 0", "fix the site table"))
    return issues


def _tier_set_issues(problem: Problem) -> list[Issue]:
    names = [t.name for t in problem.tiers]
    issues = []
    if len(set(names)) != len(names):
        issues.append(_issue(problem, "tiers", "tier names must be unique", "rename the duplicated tiers"))
    if not any(t.mode == "assign" for t in problem.tiers):
        issues.append(_issue(problem, "tiers", "no tier has mode 'assign'", "add an assign tier (e.g. hub)"))
    return issues


def _tier_issues(problem: Problem, tier: TierSpec) -> list[Issue]:
    """Mode, segments, radius, per-site arrays and counts of one tier."""
    where = f"tiers.{tier.name}"
    issues = []
    if tier.mode not in TIER_MODES:
        issues.append(_issue(problem, f"{where}.mode", f"{tier.mode!r} is not a mode",
                             f"use one of {', '.join(TIER_MODES)}"))
    issues += [_issue(problem, f"{where}.segments", f"unknown segment {s!r}",
                      f"use one of {', '.join(problem.segments)}")
               for s in tier.segments if s not in problem.segments]
    if tier.mode == "cover" and (tier.radius_minutes is None or not tier.radius_minutes > 0):
        issues.append(_issue(problem, f"{where}.radius_minutes", "a cover tier needs a positive radius",
                             "give radius_minutes (e.g. 30)"))
    if tier.mode == "cover" and (tier.within_group is not None or tier.max_minutes is not None):
        issues.append(_issue(problem, f"{where}.within_group", "a cover tier assigns no one, so it has no reach "
                             "of its own", "leave within_group and max_minutes unset (its reach is radius_minutes)"))
    if tier.max_minutes is not None and not tier.max_minutes > 0:
        issues.append(_issue(problem, f"{where}.max_minutes", f"must be > 0, got {tier.max_minutes}",
                             "give a positive cut-off or none"))
    return issues + _tier_array_issues(problem, tier) + _tier_count_issues(problem, tier)


def _tier_array_issues(problem: Problem, tier: TierSpec) -> list[Issue]:
    m = problem.n_sites
    issues = []
    for name in ("capacity", "fixed_cost", "eligible"):
        values = getattr(tier, name)
        if values is None:
            continue
        if values.shape != (m,):
            issues.append(_issue(problem, f"tiers.{tier.name}.{name}", f"shape {values.shape}, expected ({m},)",
                                 "give one value per site"))
        elif name != "eligible" and (np.isnan(values).any() or (values < 0).any()):
            issues.append(_issue(problem, f"tiers.{tier.name}.{name}", "must be >= 0 (capacity may be inf)",
                                 "fix the site table"))
    return issues


def _tier_count_issues(problem: Problem, tier: TierSpec) -> list[Issue]:
    where = f"tiers.{tier.name}"
    issues = [_issue(problem, f"{where}.{name}", f"must be >= 0, got {value}", "give a non-negative count")
              for name in ("count", "min_count", "max_count")
              if (value := getattr(tier, name)) is not None and value < 0]
    if tier.count is not None and (tier.min_count is not None or tier.max_count is not None):
        issues.append(_issue(problem, f"{where}.count", "exact count given together with min_count/max_count",
                             "give either count or min/max"))
    if tier.min_count is not None and tier.max_count is not None and tier.min_count > tier.max_count:
        issues.append(_issue(problem, f"{where}.min_count", f"{tier.min_count} > max_count {tier.max_count}",
                             "swap or fix them"))
    for name in ("group_count", "group_min", "group_max"):
        value = getattr(tier, name)
        if isinstance(value, tuple) and len(value) != problem.n_groups:
            issues.append(_issue(problem, f"{where}.{name}", f"{len(value)} values for {problem.n_groups} groups",
                                 "give one count per locality or a single integer"))
        elif value is not None and (np.asarray(value) < 0).any():
            issues.append(_issue(problem, f"{where}.{name}", "counts must be >= 0", "give non-negative counts"))
    return issues


def _segment_issues(problem: Problem) -> list[Issue]:
    """Every segment is served by exactly one assign tier."""
    served: dict[str, list[str]] = {s: [] for s in problem.segments}
    for tier in problem.tiers:
        if tier.mode != "assign":
            continue
        for s in tier.segments or (problem.segments if len(problem.segments) == 1 else ()):
            if s in served:
                served[s].append(tier.name)
    return [_issue(problem, "tiers", f"segment {s!r} is served by {len(tiers)} assign tiers "
                   f"({', '.join(tiers) or 'none'})", "name each segment in exactly one assign tier")
            for s, tiers in served.items() if len(tiers) != 1]


def _weight_issues(problem: Problem) -> list[Issue]:
    objective = problem.objective
    issues = [_issue(problem, f"objective.{term}", f"weight must be finite and >= 0, got {w}", "give a weight >= 0")
              for term in OBJECTIVE_TERMS if not np.isfinite(w := objective.weight(term)) or w < 0]
    issues += [_issue(problem, "objective.lexicographic", f"unknown term {term!r}", f"use {', '.join(OBJECTIVE_TERMS)}")
               for term in objective.lexicographic if term not in OBJECTIVE_TERMS]
    if not objective.active_terms():
        issues.append(_issue(problem, "objective", "every weight is zero", "give at least one positive weight"))
    return issues


def _objective_issues(problem: Problem) -> list[Issue]:
    """Thresholds and weights the active terms need."""
    objective, n = problem.objective, problem.n_clients
    active = objective.active_terms()
    issues = []
    threshold = objective.threshold_minutes
    if ("coverage" in active or "min_sites" in active) and (threshold is None or not threshold > 0):
        issues.append(_issue(problem, "objective.threshold_minutes", "coverage and min_sites need T minutes",
                             "give e.g. 45"))
    if "isolation" in active and objective.isolation_minutes is None:
        issues.append(_issue(problem, "objective.isolation_minutes", "the isolation term needs a threshold",
                             "give e.g. 60"))
    weights = objective.isolation_weights
    if weights is not None and weights.shape != (n,):
        issues.append(_issue(problem, "objective.isolation_weights", f"shape {weights.shape}, expected ({n},)",
                             "give one weight per client"))
    if "spoke_coverage" in active and not any(t.mode == "cover" for t in problem.tiers):
        issues.append(_issue(problem, "objective.spoke_coverage", "rewards cover tiers but none is defined",
                             "add a cover tier or set the weight to 0"))
    return issues + _reach_tier_issues(problem)


def _reach_tier_issues(problem: Problem) -> list[Issue]:
    names = problem.reach_tiers
    if names is None:
        return []
    known = [t.name for t in problem.tiers]
    issues = [_issue(problem, "reach_tiers", f"unknown tier {name!r}", f"use {', '.join(known)}")
              for name in names if name not in known]
    if not names:
        issues.append(_issue(problem, "reach_tiers", "names no tier", "name the tiers that count, e.g. hub and spoke"))
    return issues


# ====================================================================== feasibility
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
        yield _issue(problem, f"tier {tier.name}", f"{stranded.size} client(s) with demand have no eligible site "
                     f"within reach ({_names(problem.client_ids, stranded)})",
                     f"add a candidate site near them, raise {_max_minutes_label(problem, tier)} or drop their demand")
    threshold = problem.objective.threshold_minutes
    if problem.objective.needs_min_sites and threshold is not None and problem.reach_tiers is None:
        far = np.flatnonzero((demand > 0) & ~(reach & (problem.minutes <= threshold)).any(axis=1))
        if far.size:
            yield _issue(problem, "objective.min_sites", f"{far.size} client(s) have no {tier.name} site within "
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
        issues.append(_issue(problem, field, f"{far.size} client(s) with attendees have no candidate {names} site "
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
        yield _issue(problem, field, f"at most {total:g} places for {demand.sum():g} attendees",
                     "raise capacities, allow more sites or add candidates")
        return
    if not problem.within(tier):
        return
    for gi, name in enumerate(problem.group_names):
        group_places = places[problem.site_group == gi].sum()
        group_demand = demand[problem.client_group == gi].sum()
        if group_places < group_demand - _SUM_TOL:
            yield _issue(problem, field, f"locality {name} has {group_places:g} places for {group_demand:g} "
                         "attendees", f"raise capacities or add candidates in {name}")


def _required_without_tier_issues(problem: Problem, tiers_of_required: npt.NDArray[np.int64]) -> list[Issue]:
    stuck = np.flatnonzero(problem.required & (tiers_of_required == 0))
    if not stuck.size:
        return []
    return [_issue(problem, "roles", f"required site(s) {_names(problem.site_ids, stuck)} are eligible for no tier",
                   "make them eligible for a tier or change their role to candidate")]


def _count_issues(problem: Problem, tier: TierSpec, tiers_of_required: npt.NDArray[np.int64]) -> Iterable[Issue]:
    """A tier's counts against its candidates, the localities it must serve and its required sites."""
    available = problem.available(tier)
    low, high = tier.lower_count, tier.upper_count
    field = f"tiers.{tier.name}.count"
    if low is not None and low > available.sum():
        yield _issue(problem, field, f"{low} sites asked for but only {int(available.sum())} candidates are "
                     "eligible", "lower the count or add eligible candidates")
    if tier.mode == "assign" and problem.within(tier) and high is not None:
        homes = np.unique(problem.client_group[problem.tier_demand(tier) > 0]).size
        if homes > high:
            yield _issue(problem, field, f"at most {high} sites may open but attendees in {homes} localities must "
                         "be served within their own",
                         f"raise the count to at least {homes} or allow journeys across localities")
    only_this_tier = problem.required & available & (tiers_of_required == 1)
    if high is not None and only_this_tier.sum() > high:
        yield _issue(problem, field, f"{int(only_this_tier.sum())} required sites can only be {tier.name}s but at "
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
            yield _issue(problem, f"tiers.{tier.name}.{name}", f"{int(limit[gi])} asked for in "
                         f"{problem.group_names[gi]} but only {int(candidates[gi])} eligible candidates there",
                         "lower the count or add candidates")
    required = np.bincount(problem.site_group[only_this_tier], minlength=problem.n_groups)
    for name in ("group_count", "group_max"):
        limit = problem.group_limit(getattr(tier, name))
        if limit is None:
            continue
        for gi in np.flatnonzero(required > limit):
            yield _issue(problem, f"tiers.{tier.name}.{name}", f"{int(required[gi])} required sites in "
                         f"{problem.group_names[gi]} can only be {tier.name}s but at most {int(limit[gi])} may open",
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
    return [_issue(problem, "budget", f"{problem.budget:,.0f} GBP is below the {required_cost:,.0f} GBP the "
                   "required sites cost at least", "raise the budget or make some required sites candidates")]


def _buildings_issues(problem: Problem) -> list[Issue]:
    """More required sites than ``buildings``, or fewer sites that may open."""
    if problem.buildings is None:
        return []
    required = int(problem.required.sum())
    may_open = int(np.logical_or.reduce([problem.available(tier) for tier in problem.tiers]).sum())
    if required > problem.buildings:
        return [_issue(problem, "buildings", f"{required} required sites but {problem.buildings} buildings",
                       "raise the number of buildings or make some required sites candidates")]
    if may_open < problem.buildings:
        return [_issue(problem, "buildings", f"{problem.buildings} buildings asked for but only {may_open} sites "
                       "may open", "lower the number of buildings or add candidates")]
    return []
