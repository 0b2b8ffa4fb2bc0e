"""Optimise a prepared scenario: scenario -> numpy problem -> exact solve -> plan.

This is the one place where geodata meets the numpy core (:mod:`hubplan.core`):
home areas become clients, the scenario's active sites become candidate
columns, localities become groups and the scenario's tiers and objective become
their numpy counterparts; the solver's open sites and assignment come back as
an :class:`hubplan.plan.Allocation`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from hubplan.baseline import FIXED_PLAN, GIVEN_PLAN, fix_plan, fixed_plan_issues, has_choice, pin_plan
from hubplan.core.limits import check_limits
from hubplan.core.problem import Objective, Problem, TierSpec
from hubplan.core.solution import Solution, SolverStatus
from hubplan.core.solve import ENGINE_LABELS, solve
from hubplan.errors import InfeasibleError, InputError, SolverError, input_error
from hubplan.plan import Allocation, PreparedScenario
from hubplan.provenance import SolverRecord
from hubplan.scenario import EXISTING_BUILDING_KINDS, Scenario, TierConfig
from hubplan.scenario.fields import fix_with_suggestions

__all__ = [
    "SiteHint", "allocation_from_solution", "build_problem", "evaluate_plan", "optimise", "problem_to_solve",
    "scenario_field_labels",
]

LEXICOGRAPHIC_SECOND_STAGE = "median"

SiteHint = Mapping[str, Sequence[str]]
"""Tier name -> site IDs: a plan to start the search from, or a plan to evaluate."""

#: How the numpy problem's fields are called in a scenario file, for messages (tier fields apart).
SCENARIO_FIELDS: dict[str, str] = {
    "budget": "constraints.budget",
    "max_minutes": "constraints.max_minutes",
    "roles": "sites.roles",
    "objective.threshold_minutes": "objective.coverage_minutes",
    "max_minutes_to_reach": "constraints.max_minutes_to_any",
    "reach_tiers": "objective.reach_tiers",
    "tiers_per_site": "constraints.tiers_per_site",
    "buildings": "constraints.buildings",
    "building_cost": "sites.roles.annual_cost",
}
#: The per-group counts of a tier, all set from the scenario's ``count_per_locality``.
_GROUP_COUNT_FIELDS = ("group_count", "group_min", "group_max")


def scenario_field_labels(tier_names: Iterable[str]) -> dict[str, str]:
    """Numpy field -> scenario field, for a scenario with these tiers.

    Examples
    --------
    >>> scenario_field_labels(["hub"])["tiers.hub.group_min"]
    'tiers.hub.count_per_locality'
    """
    names = tuple(tier_names)
    per_tier = {f"tiers.{name}.{field}": f"tiers.{name}.count_per_locality"
                for name in names for field in _GROUP_COUNT_FIELDS}
    reach = {f"tiers.{name}.within_group": f"tiers.{name}.reach" for name in names}
    return {**SCENARIO_FIELDS, **per_tier, **reach}


def _group_counts(
    scenario: Scenario, name: str, tier: TierConfig, localities: tuple[str, ...]
) -> int | tuple[int, ...] | None:
    value = tier.count_per_locality
    if value is None or isinstance(value, int):
        return value
    unknown = sorted(set(value) - set(localities))
    if unknown:
        raise input_error(scenario.source_path, f"tiers.{name}.count_per_locality",
                          f"unknown locality {', '.join(unknown)}",
                          fix_with_suggestions(unknown, localities, f"use the localities {', '.join(localities)}"))
    missing = [loc for loc in localities if loc not in value]
    if missing:
        raise input_error(scenario.source_path, f"tiers.{name}.count_per_locality",
                          f"no count for {', '.join(missing)}", "give a count for every locality (0 for none)")
    return tuple(value[loc] for loc in localities)


def _per_site(override: pd.Series, default: float | None, *, unknown: float) -> np.ndarray | None:
    """Per-site values: the site's own, else the tier's default, else ``unknown``; ``None`` if none is set."""
    if default is None and override.isna().all():
        return None
    values: np.ndarray = override.fillna(unknown if default is None else default).to_numpy(dtype=float)
    return values


def _tier_cost(sites: pd.DataFrame, tier: TierConfig) -> np.ndarray | None:
    """A tier's annual cost at each site without a cost of its own (whose building cost is its own figure)."""
    if tier.annual_cost is None:
        return None
    return np.where(sites["annual_cost"].notna().to_numpy(), 0.0, tier.annual_cost)


def _building_cost(sites: pd.DataFrame) -> np.ndarray | None:
    """Each site's own ``annual_cost`` (from ``[[sites.roles]]``), paid once however many tiers it hosts."""
    own = sites["annual_cost"]
    return None if own.isna().all() else own.fillna(0.0).to_numpy(dtype=float)


def _tiers(prepared: PreparedScenario, sites: pd.DataFrame) -> tuple[TierSpec, ...]:
    """The scenario's tiers; a site's own ``annual_cost`` is its building's, a tier's the cost where it has none."""
    scenario = prepared.scenario
    served = scenario.segment_tiers()
    localities = prepared.study.locality_names
    specs = []
    for name, tier in scenario.tiers.items():
        segments = tuple(seg for seg, owner in served.items() if owner == name) if tier.mode == "assign" else (
            tier.segments or ()
        )
        specs.append(TierSpec(
            name=name,
            mode=tier.mode,
            segments=segments,
            count=tier.count,
            min_count=tier.min_count,
            max_count=tier.max_count,
            group_count=_group_counts(scenario, name, tier, localities),
            capacity=_per_site(sites["capacity"], tier.capacity, unknown=np.inf) if tier.mode == "assign" else None,
            fixed_cost=_tier_cost(sites, tier),
            eligible=sites[f"tier_{name}"].to_numpy(dtype=bool),
            radius_minutes=tier.radius_minutes,
            within_group=None if tier.reach is None else tier.reach == "locality",
            max_minutes=tier.max_minutes,
        ))  # fmt: skip
    return tuple(specs)


def _objective(prepared: PreparedScenario) -> Objective:
    config = prepared.scenario.objective
    weights = None
    if config.weight_isolation_by_barriers:
        score = prepared.study.home_areas["barriers_score"].to_numpy(dtype=float)
        weights = score / score.mean()
    lexicographic = () if config.type == "median" else (config.type, LEXICOGRAPHIC_SECOND_STAGE)
    return Objective(
        median=1.0,
        coverage=float(config.type == "coverage"),
        min_sites=float(config.type == "min_sites"),
        minimax=float(config.type == "minimax"),
        isolation=config.isolation_penalty,
        cost=config.cost_weight,
        spoke_coverage=config.spoke_reward,
        new_venues=config.new_venue_cost,
        threshold_minutes=config.coverage_minutes,
        isolation_minutes=config.isolation_minutes,
        isolation_weights=weights,
        lexicographic=lexicographic,
    )


def build_problem(prepared: PreparedScenario) -> Problem:
    """Build the numpy problem for a prepared scenario.

    Parameters
    ----------
    prepared
        Demand, site roles and travel times of the scenario.

    Returns
    -------
    Problem
        Clients = home areas; sites = the scenario's required and candidate sites.
    """
    scenario = prepared.scenario
    sites = prepared.sites[prepared.active].reset_index(drop=True)
    localities = list(prepared.study.locality_names)
    constraints = scenario.constraints
    return Problem(
        minutes=prepared.travel.minutes,
        demand=prepared.demand.attendees,
        segments=prepared.demand.segments,
        tiers=_tiers(prepared, sites),
        roles=tuple(sites["role"]),
        client_group=prepared.study.home_areas["locality"].map(localities.index).to_numpy(),
        site_group=sites["locality"].map(localities.index).to_numpy(),
        group_names=tuple(localities),
        objective=_objective(prepared),
        budget=constraints.budget,
        max_minutes=constraints.max_minutes,
        single_source=constraints.single_source,
        closest_assignment=constraints.closest_assignment,
        within_group=constraints.within_locality,
        tiers_per_site=constraints.tiers_per_site,
        building_cost=_building_cost(sites),
        existing=sites["kind"].isin(EXISTING_BUILDING_KINDS).to_numpy(),
        reach_tiers=scenario.objective.reach_tiers,
        max_minutes_to_reach=constraints.max_minutes_to_any,
        buildings=constraints.buildings,
        client_ids=prepared.demand.area_ids,
        site_ids=tuple(sites["site_id"]),
        source=str(scenario.source_path or scenario.name),
        field_labels=scenario_field_labels(tuple(scenario.tiers)),
    )


def _solver_record(solution: Solution, scenario: Scenario) -> SolverRecord:
    """The record of a solution that has a plan (its status is optimal or feasible)."""
    return SolverRecord(
        status="optimal" if solution.status == SolverStatus.OPTIMAL else "feasible",
        objective=solution.objective,
        best_bound=solution.best_bound,
        gap=solution.gap,
        relative_gap_target=scenario.solver.relative_gap,
        time_limit_s=scenario.solver.time_limit_s,
        engine=ENGINE_LABELS.get(solution.engine, solution.engine),
        terms=dict(solution.terms),
        coverage=dict(solution.coverage),
        stages=tuple(solution.stages),
        message=solution.message,
        objective_type=scenario.objective.type,
    )


def allocation_from_solution(prepared: PreparedScenario, problem: Problem, solution: Solution, *,
                             fixed: bool = False, method: str = FIXED_PLAN) -> Allocation:
    """Turn the solver's open sites and assignment into a plan of flows.

    A ``fixed`` plan (nothing was chosen) is recorded as ``evaluated (<method>)``, e.g.
    ``evaluated (fixed plan)``, not with the solver's status.

    Raises
    ------
    InfeasibleError
        The solver proved the scenario's constraints cannot all be met.
    SolverError
        No plan was found within the time limit, or the solver failed.
    """
    scenario = prepared.scenario
    if solution.status == SolverStatus.INFEASIBLE:
        check_limits(problem)
        reach = ", max_minutes_to_any" if scenario.constraints.max_minutes_to_any is not None else ""
        raise InfeasibleError(
            f"{scenario.source_path or scenario.name}: constraints: no plan meets every rule at once, though each "
            f"check of a single rule passes; fix: relax counts, capacities, max_minutes{reach} or budget"
        )
    if not solution.has_plan:
        raise SolverError(
            f"{scenario.source_path or scenario.name}: solver.time_limit_s: no plan found within "
            f"{scenario.solver.time_limit_s:g} s (status {solution.status.value}); fix: raise solver.time_limit_s"
        )
    site_ids = np.array(problem.site_ids, dtype=object)
    area_ids = np.array(problem.client_ids, dtype=object)
    table = solution.assignment
    flows = pd.DataFrame({
        "area_id": area_ids[table["client"].to_numpy(dtype=int)],
        "site_id": site_ids[table["site"].to_numpy(dtype=int)],
        "tier": table["tier"].astype(str).to_numpy(),
        "attendees": table["attendees"].to_numpy(dtype=float),
        "client": table["client"].to_numpy(dtype=int),
        "site": table["site"].to_numpy(dtype=int),
    }).groupby(["area_id", "site_id", "tier", "client", "site"], as_index=False)["attendees"].sum()  # fmt: skip
    flows["minutes"] = prepared.travel.minutes[flows["client"], flows["site"]]
    flows["km"] = prepared.travel.km[flows["client"], flows["site"]]
    flows = flows.drop(columns=["client", "site"]).sort_values(["area_id", "tier", "site_id"]).reset_index(drop=True)
    carried = {tier.name: tier.segments for tier in problem.tiers if tier.mode == "assign" and tier.segments}
    record = SolverRecord.evaluation(method) if fixed else _solver_record(solution, scenario)
    return Allocation(_open_tiers(problem, solution), flows, record, segments_by_tier=carried)


def _open_tiers(problem: Problem, solution: Solution) -> dict[str, tuple[str, ...]]:
    """Site ID -> the tiers it hosts, in the scenario's tier order."""
    hosted: dict[str, list[str]] = {}
    for tier in problem.tiers:
        for j in solution.open_sites.get(tier.name, ()):
            hosted.setdefault(problem.site_ids[j], []).append(tier.name)
    return {site_id: tuple(names) for site_id, names in hosted.items()}


def problem_to_solve(prepared: PreparedScenario, *, fixed: bool = False) -> tuple[Problem, bool]:
    """The problem the solver gets, and whether it is a fixed plan (nothing to choose).

    With ``fixed`` (``hubplan evaluate``), or when the scenario leaves nothing to
    choose (:func:`hubplan.baseline.has_choice`), the problem is the scenario's fixed
    plan (:func:`hubplan.baseline.fix_plan`), checked first.

    Raises
    ------
    InputError
        The fixed plan cannot be evaluated (no required site, a tier hosted nowhere,
        counts it breaks), see :func:`hubplan.baseline.fixed_plan_issues`.
    """
    problem = build_problem(prepared)
    if not fixed and has_choice(problem):
        return problem, False
    issues = fixed_plan_issues(problem)
    if issues:
        raise InputError(issues=issues)
    return fix_plan(problem), True


def optimise(prepared: PreparedScenario, *, fixed: bool = False, alternatives: int = 1,
             hint: SiteHint | None = None,
             alternatives_differ: str = "buildings") -> tuple[Allocation, dict[str, float]]:
    """Build the problem of a prepared scenario, solve it exactly and return the plan.

    Parameters
    ----------
    prepared
        The run's inputs.
    fixed
        Evaluate the scenario's fixed plan (its required sites, each in every tier it
        may take) instead of choosing; a scenario with nothing to choose is evaluated so anyway.
    alternatives
        How many best distinct plans to find, the best included (1 = the best only); the
        others go to :attr:`Allocation.alternatives` (:mod:`hubplan.alternatives`), their
        flows to :attr:`Allocation.alternative_flows`.
    hint
        A plan to start the search from (tier -> site IDs; sites not taking part are ignored).
    alternatives_differ
        ``"buildings"``: each alternative opens a different set of buildings; ``"tiers"``:
        it may keep the buildings and move a tier between them.

    Returns
    -------
    tuple of (Allocation, dict)
        The plan with its solver record, and the wall time of building the
        model (``model``) and of solving it (``solve``).

    Raises
    ------
    InfeasibleError
        The scenario's constraints cannot all be met (explained in scenario terms, see
        :func:`scenario_field_labels`).
    SolverError
        No plan was found within the time limit, or the solver failed.
    """
    start = time.perf_counter()
    problem, is_fixed = problem_to_solve(prepared, fixed=fixed)
    build_seconds = time.perf_counter() - start
    solver = prepared.scenario.solver
    try:
        solution = solve(problem, engine=solver.engine, time_limit_s=solver.time_limit_s,
                         relative_gap=solver.relative_gap, threads=solver.threads,
                         hint=_index_hint(problem.site_ids, hint))
    except InfeasibleError:
        check_limits(problem)  # a journey limit to blame is named with its smallest achievable value
        raise
    allocation = allocation_from_solution(prepared, problem, solution, fixed=is_fixed)
    seconds = {"model": build_seconds, "solve": solution.build_seconds + solution.solve_seconds}
    if alternatives > 1 and not is_fixed:
        from hubplan.alternatives import alternative_plans
        from hubplan.core.alternatives import near_best

        start = time.perf_counter()
        ranked = near_best(problem, alternatives, best=solution, engine=solver.engine,
                           time_limit_s=solver.time_limit_s, relative_gap=solver.relative_gap, threads=solver.threads,
                           distinct=alternatives_differ)
        flows = tuple(allocation_from_solution(prepared, problem, plan.solution).flows for plan in ranked[1:])
        allocation = replace(allocation, alternatives=alternative_plans(prepared, problem, ranked),
                             alternative_flows=flows)
        seconds["alternatives"] = time.perf_counter() - start
    return allocation, seconds


def _index_hint(site_ids: Sequence[str], hint: SiteHint | None) -> dict[str, tuple[int, ...]] | None:
    """A hint by site ID as the core's column indices (IDs not among the sites are dropped)."""
    if not hint:
        return None
    index = {site: j for j, site in enumerate(site_ids)}
    return {tier: tuple(index[s] for s in sites if s in index) for tier, sites in hint.items()}


def _hosted(prepared: PreparedScenario, problem: Problem, plan: SiteHint) -> np.ndarray:
    """The ``(tiers, m)`` table of a plan given by tier name and site IDs, each name checked."""
    source = prepared.scenario.source_path or prepared.scenario.name
    tier_index = {tier.name: t for t, tier in enumerate(problem.tiers)}
    site_index = {site: j for j, site in enumerate(problem.site_ids)}
    hosted = np.zeros((len(problem.tiers), problem.n_sites), dtype=bool)
    for tier, sites in plan.items():
        if tier not in tier_index:
            raise input_error(source, "plan", f"unknown tier {tier!r}",
                              fix_with_suggestions([tier], tuple(tier_index), f"use one of {', '.join(tier_index)}"))
        for site in sites:
            if site not in site_index:
                raise input_error(source, f"plan.{tier}", f"site {site!r} is not a site of this scenario",
                                  "use a site ID of the scenario's required or candidate sites")
            hosted[tier_index[tier], site_index[site]] = True
    return hosted


def evaluate_plan(prepared: PreparedScenario, plan: SiteHint) -> tuple[Allocation, dict[str, float]]:
    """Score a plan given by tier name and site IDs, through the optimiser's own model.

    Attendees go where the model sends them in that plan (their tier's nearest open
    site, within reach and capacities); the plan is recorded as ``evaluated (plan as
    given)``. The scenario's limits on choosing (number of buildings, budget, longest
    journey) do not bind a given plan: its figures show how far it is from them.

    Parameters
    ----------
    prepared
        The run's inputs.
    plan
        Tier name -> the site IDs that host it.

    Returns
    -------
    tuple of (Allocation, dict)
        The plan with its record, and the wall time of building (``model``) and scoring it (``solve``).

    Raises
    ------
    InputError
        An unknown tier or site.
    InfeasibleError
        The plan cannot carry every attendee within the scenario's limits and capacities.
    """
    start = time.perf_counter()
    problem = build_problem(prepared)
    # a given plan is scored, not judged: the limits on choosing (buildings, budget, longest journey) do not
    # bind it, so its figures say how far it is from them; who may use which site (reach) still holds
    pinned = replace(pin_plan(problem, _hosted(prepared, problem, plan)),
                     buildings=None, budget=None, max_minutes=None, max_minutes_to_reach=None)
    build_seconds = time.perf_counter() - start
    solver = prepared.scenario.solver
    solution = solve(pinned, engine=solver.engine, time_limit_s=solver.time_limit_s,
                     relative_gap=solver.relative_gap, threads=solver.threads)
    allocation = allocation_from_solution(prepared, pinned, solution, fixed=True, method=GIVEN_PLAN)
    return allocation, {"model": build_seconds, "solve": solution.build_seconds + solution.solve_seconds}
