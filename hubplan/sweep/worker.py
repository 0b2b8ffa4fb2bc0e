"""Solve one variant of a sweep: the task each Dask worker runs (and the plain loop, for comparison).

:class:`SharedInputs` is what every variant reads and none changes: the study area,
the base scenario and its travel matrix. It is built once
(:func:`shared_inputs`) and sent to each worker once. :func:`solve_variant` applies a
variant's parameters, draws its demand, solves it (warm-started from a hint) and
returns a :class:`VariantResult`: figures when there is a plan, else the status and
the reason, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hubplan.data.study import StudyArea
from hubplan.errors import HubplanError, InfeasibleError, SolverError
from hubplan.plan import PreparedScenario
from hubplan.scenario import Scenario
from hubplan.sweep.spec import SPEED_AXIS, Variant, apply_parameters
from hubplan.travel import TravelMatrix

__all__ = ["SharedInputs", "VariantResult", "shared_inputs", "solve_variant", "solve_variants"]

log = logging.getLogger(__name__)

#: Hint: tier -> site IDs of a starting plan.
SiteHint = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class SharedInputs:
    """What every variant of a sweep reads: loaded and sent to each worker once.

    Parameters
    ----------
    base
        The base scenario (the sweep's fixed edits applied).
    study
        The study area.
    travel
        Minutes and km from every home area to the base scenario's active sites.
    """

    base: Scenario
    study: StudyArea
    travel: TravelMatrix


@dataclass(frozen=True)
class VariantResult:
    """The outcome of one variant.

    Parameters
    ----------
    variant
        Its ID and parameters.
    status
        ``optimal``, ``feasible``, ``infeasible``, ``invalid`` (the parameters make no
        valid scenario), ``no_solution`` or ``error``.
    reason
        Why there is no plan (empty when there is one).
    objective, bound, gap
        The solver's figures.
    open_tiers
        Site ID -> tiers of every open site.
    figures
        The plan's overall metrics (:func:`hubplan.metrics.compute_metrics`'s ``overall``).
    """

    variant: Variant
    status: str
    reason: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    open_tiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    figures: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """True when the variant has a plan (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def hint(self) -> SiteHint:
        """Tier -> site IDs of this variant's plan, to warm-start another."""
        tiers: dict[str, list[str]] = {}
        for site, names in sorted(self.open_tiers.items()):
            for name in names:
                tiers.setdefault(name, []).append(site)
        return {name: tuple(sites) for name, sites in tiers.items()}


def shared_inputs(base: Scenario, *, study_path: Path | None = None) -> SharedInputs:
    """Load the study area and compute the base scenario's travel matrix, once for the whole sweep."""
    from hubplan.pipeline import prepare

    prepared = prepare(base, study_path=study_path)
    return SharedInputs(base, prepared.study, prepared.travel)


def _scaled(travel: TravelMatrix, factor: float) -> TravelMatrix:
    """Journeys at ``factor`` times the speed: minutes divided by ``factor``, km unchanged."""
    if factor == 1:
        return travel
    details = dict(travel.details, sweep_speed_factor=factor)
    return replace(travel, minutes=travel.minutes / factor, details=details)


def _prepared(shared: SharedInputs, variant: Variant) -> PreparedScenario:
    from hubplan.demand import load_demand
    from hubplan.siting import resolve_sites

    scenario = apply_parameters(shared.base, variant.parameters)
    sites = resolve_sites(shared.study, scenario)
    active = (sites["role"] != "closed").to_numpy()
    if tuple(sites.loc[active, "site_id"]) != tuple(shared.travel.destination_ids):
        raise ValueError("the parameters change which sites take part, but a sweep shares one travel matrix: "
                         "vary only what keeps the candidate sites")
    demand = load_demand(shared.study, scenario.demand, client_file=scenario.resolve(scenario.demand.client_file))
    travel = _scaled(shared.travel, float(variant.parameters.get(SPEED_AXIS, 1.0)))
    return PreparedScenario(scenario, shared.study, demand, sites, active, travel, {})


def _index_hint(site_ids: tuple[str, ...], hint: SiteHint | None) -> dict[str, tuple[int, ...]] | None:
    if not hint:
        return None
    index = {site: j for j, site in enumerate(site_ids)}
    return {tier: tuple(index[s] for s in sites if s in index) for tier, sites in hint.items()}


def _solved(shared: SharedInputs, variant: Variant, hint: SiteHint | None) -> VariantResult:
    from hubplan.core.solve import solve
    from hubplan.metrics import compute_metrics
    from hubplan.optimise import allocation_from_solution, build_problem
    from hubplan.record.layers import sites_layer

    prepared = _prepared(shared, variant)
    problem = build_problem(prepared)
    config = prepared.scenario.solver
    solution = solve(problem, engine=config.engine, time_limit_s=config.time_limit_s,
                     relative_gap=config.relative_gap, threads=config.threads,
                     hint=_index_hint(problem.site_ids, hint))
    allocation = allocation_from_solution(prepared, problem, solution)
    scenario = prepared.scenario
    metrics = compute_metrics(allocation.flows, shared.study.home_areas, sites_layer(prepared, allocation),
                              localities=shared.study.locality_names,
                              isolation_minutes=scenario.objective.isolation_minutes, params=scenario.metrics)
    return VariantResult(variant, str(solution.status), "", solution.objective, solution.best_bound, solution.gap,
                         dict(sorted(allocation.open_tiers.items())), metrics["overall"])


def solve_variant(shared: SharedInputs, variant: Variant, hint: SiteHint | None = None) -> VariantResult:
    """Solve one variant; a failure becomes a result with its status and reason.

    Parameters
    ----------
    shared
        The sweep's shared inputs.
    variant
        The parameters to apply to the base scenario.
    hint
        Tier -> site IDs of a starting plan (the plan of a variant of the same group).

    Returns
    -------
    VariantResult
    """
    try:
        return _solved(shared, variant, hint)
    except Exception as err:  # every failure is a row (see _failure), never the end of the sweep
        return _failure(shared, variant, err)


def solve_variants(shared: SharedInputs, variants: Sequence[Variant],
                   hint: SiteHint | None = None) -> list[VariantResult]:
    """Solve a batch of variants (one Dask task) with the same hint, one result each."""
    return [solve_variant(shared, variant, hint) for variant in variants]


def _failure(shared: SharedInputs, variant: Variant, error: Exception) -> VariantResult:
    """The row of a variant without a plan: its status and the reason (local folders cut to file names)."""
    status, reason = _status_and_reason(variant, error)
    source = shared.base.source_path
    if source is not None:
        reason = reason.replace(str(source), source.name)
    return VariantResult(variant, status, reason)


def _status_and_reason(variant: Variant, error: Exception) -> tuple[str, str]:
    """``infeasible``, ``no_solution`` (time limit), ``invalid`` (bad parameters) or ``error`` (a bug), and why."""
    from pydantic import ValidationError

    if isinstance(error, InfeasibleError):
        return "infeasible", str(error)
    if isinstance(error, SolverError):
        return "no_solution", str(error)
    if isinstance(error, ValidationError):
        return "invalid", "; ".join(e["msg"] for e in error.errors(include_url=False))
    if isinstance(error, (HubplanError, ValueError)):
        return "invalid", str(error)
    log.error("variant %s failed", variant.variant_id, exc_info=error)  # a bug, recorded so the sweep goes on
    return "error", f"{type(error).__name__}: {error}"
