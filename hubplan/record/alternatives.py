"""The figures of each near-best alternative, computed as the run's own metrics are.

:func:`with_figures` builds each alternative's sites and home-areas layers and its
metrics with the same functions as the best plan's (:mod:`hubplan.record.layers`,
:func:`hubplan.metrics.compute_metrics`), so the report's table of plans compares
like with like: isolated attendees, longest and mean journey, building cost,
buildings kept and closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hubplan.metrics import compute_metrics
from hubplan.plan import Allocation, AlternativePlan, PlanFigures, PreparedScenario
from hubplan.record.layers import home_areas_layer, sites_layer

__all__ = ["plan_figures", "with_figures"]


def _optional(value: Any) -> float | None:
    """A figure, ``None`` for NaN (no open site has a known cost)."""
    return None if value is None or value != value else float(value)


def plan_figures(overall: Mapping[str, Any]) -> PlanFigures:
    """A plan's :class:`~hubplan.plan.PlanFigures` from its ``metrics["overall"]`` block.

    Examples
    --------
    >>> block = {"isolated": {"total": 3.0, "rural": 2.0, "urban": 1.0}, "isolation_minutes": 45.0,
    ...          "max_minutes": 50.0, "mean_minutes": 20.0, "annual_building_cost": float("nan"),
    ...          "buildings_kept": 8, "sites_closed": 3, "sites_open": 8, "annual_co2e_tonnes": 12.0}
    >>> plan_figures(block).annual_building_cost is None, plan_figures(block).isolated
    (True, 3.0)
    """
    isolated = overall.get("isolated") or {}
    return PlanFigures(
        isolated=_optional(isolated.get("total")), isolated_rural=_optional(isolated.get("rural")),
        isolated_urban=_optional(isolated.get("urban")), isolation_minutes=float(overall["isolation_minutes"]),
        longest_minutes=float(overall["max_minutes"]), mean_minutes=float(overall["mean_minutes"]),
        annual_building_cost=_optional(overall.get("annual_building_cost")),
        buildings_kept=int(overall["buildings_kept"]), sites_closed=int(overall["sites_closed"]),
        sites_open=int(overall["sites_open"]), annual_co2e_tonnes=_optional(overall.get("annual_co2e_tonnes")),
    )  # fmt: skip


def _figures(prepared: PreparedScenario, allocation: Allocation) -> PlanFigures:
    scenario = prepared.scenario
    metrics = compute_metrics(allocation.flows, home_areas_layer(prepared, allocation),
                              sites_layer(prepared, allocation), localities=(),
                              isolation_minutes=scenario.objective.isolation_minutes, params=scenario.metrics)
    return plan_figures(metrics["overall"])


def with_figures(prepared: PreparedScenario, allocation: Allocation) -> tuple[AlternativePlan, ...]:
    """The allocation's alternatives, each with its :class:`~hubplan.plan.PlanFigures`.

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        The best plan, with its ``alternatives`` and their ``alternative_flows``.

    Returns
    -------
    tuple of AlternativePlan
        As ``allocation.alternatives``; those without flows keep ``figures=None``.
    """
    plans = []
    for k, plan in enumerate(allocation.alternatives):
        if k >= len(allocation.alternative_flows):
            plans.append(plan)
            continue
        other = Allocation({site: tuple(tiers) for site, tiers in plan.open_tiers.items()},
                           allocation.alternative_flows[k], allocation.solver,
                           segments_by_tier=allocation.segments_by_tier)
        plans.append(replace(plan, figures=_figures(prepared, other)))
    return tuple(plans)
