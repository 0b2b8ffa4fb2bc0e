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

from hubplan.api import SiteHint, Study
from hubplan.data.study import StudyArea
from hubplan.errors import HubplanError, InfeasibleError, SolverError
from hubplan.scenario import Scenario
from hubplan.sweep.spec import SPEED_AXIS, Variant, apply_parameters
from hubplan.travel import TravelMatrix

__all__ = ["SharedInputs", "VariantResult", "shared_inputs", "solve_variant", "solve_variants"]

log = logging.getLogger(__name__)



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
        ``optimal``, ``feasible``, ``evaluated`` (the variant left nothing to choose),
        ``infeasible``, ``invalid`` (the parameters make no valid scenario), ``no_solution`` or ``error``.
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
        """True when the variant has a plan (optimal, feasible or evaluated)."""
        return self.status in ("optimal", "feasible", "evaluated")

    def hint(self) -> SiteHint:
        """Tier -> site IDs of this variant's plan, to warm-start another."""
        tiers: dict[str, list[str]] = {}
        for site, names in sorted(self.open_tiers.items()):
            for name in names:
                tiers.setdefault(name, []).append(site)
        return {name: tuple(sites) for name, sites in tiers.items()}


def shared_inputs(base: Scenario, *, study_path: Path | None = None) -> SharedInputs:
    """Load the study area and compute the base scenario's travel matrix, once for the whole sweep."""
    prepared = Study.open(base, study_path=study_path).prepared
    return SharedInputs(base, prepared.study, prepared.travel)


def _scaled(travel: TravelMatrix, factor: float) -> TravelMatrix:
    """Journeys at ``factor`` times the speed: minutes divided by ``factor``, km unchanged."""
    if factor == 1:
        return travel
    details = dict(travel.details, sweep_speed_factor=factor)
    return replace(travel, minutes=travel.minutes / factor, details=details)


def _solved(shared: SharedInputs, variant: Variant, hint: SiteHint | None) -> VariantResult:
    """Solve one variant through the library API: its study shares the sweep's area and travel matrix."""
    scenario = apply_parameters(shared.base, variant.parameters)
    travel = _scaled(shared.travel, float(variant.parameters.get(SPEED_AXIS, 1.0)))
    study = Study.sharing(scenario, shared.study, travel)
    allocation, _ = study.solve(hint=hint)
    solver = allocation.solver
    overall = study.figures(allocation, breakdowns=False)["overall"]
    return VariantResult(variant, solver.status, "", solver.objective, solver.best_bound, solver.gap,
                         dict(sorted(allocation.open_tiers.items())), overall)


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
