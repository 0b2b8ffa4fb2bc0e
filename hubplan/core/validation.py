"""The input checks of a problem: shapes, names and values, run whenever a Problem is built.

Every check is a small function returning a list of :class:`~hubplan.errors.Issue`,
each naming the field (as the problem's source calls it, see
:meth:`ProblemData.label <hubplan.core.specs.ProblemData.label>`), what is wrong and
the fix. The checks read only the fields (:class:`~hubplan.core.specs.ProblemData`), so
:mod:`hubplan.core.problem` imports them and not the other way round; why a valid problem
cannot be solved is :mod:`hubplan.core.checks`.

Examples
--------
>>> import numpy as np
>>> from hubplan.core.specs import ProblemData, TierSpec
>>> fields = ProblemData(np.ones((1, 2)), np.ones(1), ("all",), (TierSpec("hub", segments=("all",)),),
...                      ("candidate", "open"), np.zeros(1), np.zeros(2), ("all",))
>>> [str(issue) for issue in input_issues(fields)]
["problem: roles: site site 1 has role 'open'; fix: use one of required, candidate, closed"]
"""

from __future__ import annotations

import numpy as np

from hubplan.core.specs import ProblemData, TierSpec
from hubplan.core.vocabulary import OBJECTIVE_TERMS, ROLES, TIER_MODES
from hubplan.errors import Issue

__all__ = ["field_issue", "input_issues"]


def field_issue(problem: ProblemData, field: str, what: str, fix: str) -> Issue:
    """An issue with ``field`` named as the problem's source calls it."""
    return Issue(problem.source, problem.label(field), what, fix)



def input_issues(problem: ProblemData) -> list[Issue]:
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
        return [field_issue(problem, "minutes", f"must be 2-D (clients x sites), got shape {problem.minutes.shape}",
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


def _matrix_issues(problem: ProblemData) -> list[Issue]:
    minutes = problem.minutes
    n, m = minutes.shape
    issues = []
    if n == 0 or m == 0:
        issues.append(field_issue(problem, "minutes", f"needs at least one client and one site, got {n} x {m}",
                                  "add clients and sites"))
    if np.isnan(minutes).any() or (minutes < 0).any():
        issues.append(field_issue(problem, "minutes",
                                  "must be >= 0 (np.inf = unreachable), found NaN or negative values",
                                  "recompute the travel matrix"))
    return issues


def _demand_issues(problem: ProblemData) -> list[Issue]:
    demand, n = problem.demand, problem.n_clients
    issues = []
    if demand.ndim != 2 or demand.shape[0] != n:
        issues.append(field_issue(problem, "demand", f"shape {demand.shape} does not match {n} clients",
                                  "pass (n_clients, n_segments)"))
    elif demand.shape[1] != len(problem.segments):
        issues.append(field_issue(problem, "segments", f"{len(problem.segments)} names for {demand.shape[1]} demand "
                                  "columns", "give one name per demand column"))
    elif not np.isfinite(demand).all() or (demand < 0).any():
        issues.append(field_issue(problem, "demand", "must be finite and >= 0", "fix the demand estimate"))
    if len(set(problem.segments)) != len(problem.segments):
        issues.append(field_issue(problem, "segments", "names must be unique", "rename the duplicated segments"))
    return issues


def _site_issues(problem: ProblemData) -> list[Issue]:
    roles, m = problem.roles, problem.n_sites
    issues = []
    if len(roles) != m:
        issues.append(field_issue(problem, "roles", f"{len(roles)} roles for {m} sites", "give one role per site"))
    for j, role in enumerate(roles):
        if role not in ROLES:
            site = problem.site_ids[j] if j < len(problem.site_ids) else j
            issues.append(field_issue(problem, "roles", f"site {site} has role {role!r}",
                                      f"use one of {', '.join(ROLES)}"))
    return issues


def _label_issues(problem: ProblemData) -> list[Issue]:
    issues = []
    for name, ids, size in (("client_ids", problem.client_ids, problem.n_clients),
                            ("site_ids", problem.site_ids, problem.n_sites)):
        if len(ids) != size or len(set(ids)) != size:
            what = "client" if name == "client_ids" else "site"
            issues.append(field_issue(problem, name, f"must be unique, one per {what}", "give unique labels"))
    return issues


def _group_issues(problem: ProblemData) -> list[Issue]:
    g = problem.n_groups
    issues = []
    for name, groups, size in (("client_group", problem.client_group, problem.n_clients),
                               ("site_group", problem.site_group, problem.n_sites)):
        if groups.shape != (size,):
            issues.append(field_issue(problem, name, f"shape {groups.shape}, expected ({size},)",
                                      "give one group index each"))
        elif size and (groups.min() < 0 or groups.max() >= g):
            issues.append(field_issue(problem, name, f"indices must lie in 0..{g - 1}", "match group_names"))
    return issues


def _limit_issues(problem: ProblemData) -> list[Issue]:
    issues = []
    if problem.max_minutes is not None and not problem.max_minutes > 0:
        issues.append(field_issue(problem, "max_minutes", f"must be > 0, got {problem.max_minutes}",
                                  "give a positive cut-off or none"))
    if problem.budget is not None and not problem.budget >= 0:
        issues.append(field_issue(problem, "budget", f"must be >= 0, got {problem.budget}",
                                  "give a non-negative budget or none"))
    if problem.max_minutes_to_reach is not None and not problem.max_minutes_to_reach > 0:
        issues.append(field_issue(problem, "max_minutes_to_reach", f"must be > 0, got {problem.max_minutes_to_reach}",
                                  "give a positive journey limit or none"))
    if problem.buildings is not None and not problem.buildings >= 1:
        issues.append(field_issue(problem, "buildings", f"must be >= 1, got {problem.buildings}",
                                  "give the number of buildings to keep open, or none"))
    if not problem.tiers_per_site >= 1:
        issues.append(field_issue(problem, "tiers_per_site", f"must be >= 1, got {problem.tiers_per_site}",
                                  "give 1 (one tier per site) or more"))
    return issues


def _building_issues(problem: ProblemData) -> list[Issue]:
    """Per-site building cost and existing-building flags."""
    m = problem.n_sites
    issues = []
    for name in ("building_cost", "existing"):
        values = getattr(problem, name)
        if values is not None and values.shape != (m,):
            issues.append(field_issue(problem, name, f"shape {values.shape}, expected ({m},)",
                                      "give one value per site"))
    cost = problem.building_cost
    if cost is not None and cost.shape == (m,) and not (np.isfinite(cost) & (cost >= 0)).all():
        issues.append(field_issue(problem, "building_cost", "must be finite and >= 0", "fix the site table"))
    return issues


def _tier_set_issues(problem: ProblemData) -> list[Issue]:
    names = [t.name for t in problem.tiers]
    issues = []
    if len(set(names)) != len(names):
        issues.append(field_issue(problem, "tiers", "tier names must be unique", "rename the duplicated tiers"))
    if not any(t.mode == "assign" for t in problem.tiers):
        issues.append(field_issue(problem, "tiers", "no tier has mode 'assign'", "add an assign tier (e.g. hub)"))
    return issues


def _tier_issues(problem: ProblemData, tier: TierSpec) -> list[Issue]:
    """Mode, segments, radius, per-site arrays and counts of one tier."""
    where = f"tiers.{tier.name}"
    issues = []
    if tier.mode not in TIER_MODES:
        issues.append(field_issue(problem, f"{where}.mode", f"{tier.mode!r} is not a mode",
                                  f"use one of {', '.join(TIER_MODES)}"))
    issues += [field_issue(problem, f"{where}.segments", f"unknown segment {s!r}",
                           f"use one of {', '.join(problem.segments)}")
               for s in tier.segments if s not in problem.segments]
    if tier.mode == "cover" and (tier.radius_minutes is None or not tier.radius_minutes > 0):
        issues.append(field_issue(problem, f"{where}.radius_minutes", "a cover tier needs a positive radius",
                                  "give radius_minutes (e.g. 30)"))
    if tier.mode == "cover" and (tier.within_group is not None or tier.max_minutes is not None):
        issues.append(field_issue(problem, f"{where}.within_group", "a cover tier assigns no one, so it has no reach "
                                  "of its own",
                                  "leave within_group and max_minutes unset (its reach is radius_minutes)"))
    if tier.max_minutes is not None and not tier.max_minutes > 0:
        issues.append(field_issue(problem, f"{where}.max_minutes", f"must be > 0, got {tier.max_minutes}",
                                  "give a positive cut-off or none"))
    return issues + _tier_array_issues(problem, tier) + _tier_count_issues(problem, tier)


def _tier_array_issues(problem: ProblemData, tier: TierSpec) -> list[Issue]:
    m = problem.n_sites
    issues = []
    for name in ("capacity", "fixed_cost", "eligible"):
        values = getattr(tier, name)
        if values is None:
            continue
        if values.shape != (m,):
            issues.append(field_issue(problem, f"tiers.{tier.name}.{name}", f"shape {values.shape}, expected ({m},)",
                                      "give one value per site"))
        elif name != "eligible" and (np.isnan(values).any() or (values < 0).any()):
            issues.append(field_issue(problem, f"tiers.{tier.name}.{name}", "must be >= 0 (capacity may be inf)",
                                      "fix the site table"))
    return issues


def _tier_count_issues(problem: ProblemData, tier: TierSpec) -> list[Issue]:
    where = f"tiers.{tier.name}"
    issues = [field_issue(problem, f"{where}.{name}", f"must be >= 0, got {value}", "give a non-negative count")
              for name in ("count", "min_count", "max_count")
              if (value := getattr(tier, name)) is not None and value < 0]
    if tier.count is not None and (tier.min_count is not None or tier.max_count is not None):
        issues.append(field_issue(problem, f"{where}.count", "exact count given together with min_count/max_count",
                                  "give either count or min/max"))
    if tier.min_count is not None and tier.max_count is not None and tier.min_count > tier.max_count:
        issues.append(field_issue(problem, f"{where}.min_count", f"{tier.min_count} > max_count {tier.max_count}",
                                  "swap or fix them"))
    for name in ("group_count", "group_min", "group_max"):
        value = getattr(tier, name)
        if isinstance(value, tuple) and len(value) != problem.n_groups:
            issues.append(field_issue(problem, f"{where}.{name}", f"{len(value)} values for {problem.n_groups} groups",
                                      "give one count per locality or a single integer"))
        elif value is not None and (np.asarray(value) < 0).any():
            issues.append(field_issue(problem, f"{where}.{name}", "counts must be >= 0", "give non-negative counts"))
    return issues


def _segment_issues(problem: ProblemData) -> list[Issue]:
    """Every segment is served by exactly one assign tier."""
    served: dict[str, list[str]] = {s: [] for s in problem.segments}
    for tier in problem.tiers:
        if tier.mode != "assign":
            continue
        for s in tier.segments or (problem.segments if len(problem.segments) == 1 else ()):
            if s in served:
                served[s].append(tier.name)
    return [field_issue(problem, "tiers", f"segment {s!r} is served by {len(tiers)} assign tiers "
                        f"({', '.join(tiers) or 'none'})", "name each segment in exactly one assign tier")
            for s, tiers in served.items() if len(tiers) != 1]


def _weight_issues(problem: ProblemData) -> list[Issue]:
    objective = problem.objective
    issues = [field_issue(problem, f"objective.{term}", f"weight must be finite and >= 0, got {w}",
                          "give a weight >= 0")
              for term in OBJECTIVE_TERMS if not np.isfinite(w := objective.weight(term)) or w < 0]
    issues += [field_issue(problem, "objective.lexicographic", f"unknown term {term!r}",
                           f"use {', '.join(OBJECTIVE_TERMS)}")
               for term in objective.lexicographic if term not in OBJECTIVE_TERMS]
    if not objective.active_terms():
        issues.append(field_issue(problem, "objective", "every weight is zero", "give at least one positive weight"))
    return issues


def _objective_issues(problem: ProblemData) -> list[Issue]:
    """Thresholds and weights the active terms need."""
    objective, n = problem.objective, problem.n_clients
    active = objective.active_terms()
    issues = []
    threshold = objective.threshold_minutes
    if ("coverage" in active or "min_sites" in active) and (threshold is None or not threshold > 0):
        issues.append(field_issue(problem, "objective.threshold_minutes", "coverage and min_sites need T minutes",
                                  "give e.g. 45"))
    if "isolation" in active and objective.isolation_minutes is None:
        issues.append(field_issue(problem, "objective.isolation_minutes", "the isolation term needs a threshold",
                                  "give e.g. 60"))
    weights = objective.isolation_weights
    if weights is not None and weights.shape != (n,):
        issues.append(field_issue(problem, "objective.isolation_weights", f"shape {weights.shape}, expected ({n},)",
                                  "give one weight per client"))
    if "spoke_coverage" in active and not any(t.mode == "cover" for t in problem.tiers):
        issues.append(field_issue(problem, "objective.spoke_coverage", "rewards cover tiers but none is defined",
                                  "add a cover tier or set the weight to 0"))
    return issues + _reach_tier_issues(problem)


def _reach_tier_issues(problem: ProblemData) -> list[Issue]:
    names = problem.reach_tiers
    if names is None:
        return []
    known = [t.name for t in problem.tiers]
    issues = [field_issue(problem, "reach_tiers", f"unknown tier {name!r}", f"use {', '.join(known)}")
              for name in names if name not in known]
    if not names:
        issues.append(field_issue(problem, "reach_tiers", "names no tier",
                                  "name the tiers that count, e.g. hub and spoke"))
    return issues
