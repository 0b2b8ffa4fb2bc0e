"""The record of a run: layers, metrics and provenance of a plan, ready for the writers.

:func:`record_from_allocation` assembles a :class:`RunRecord` from a prepared
scenario and its plan; the writers in :mod:`hubplan.outputs` only read it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from hubplan.data.schema import WGS84
from hubplan.metrics import GroupInputs, compute_metrics
from hubplan.plan import Allocation, PreparedScenario
from hubplan.record.alternatives import with_figures
from hubplan.record.groups import group_inputs
from hubplan.record.layers import flows_with_kinds, home_areas_layer, metric_areas, sites_layer
from hubplan.record.manifest import build_manifest
from hubplan.record.run import RunRecord

if TYPE_CHECKING:  # routing (OR-Tools) is loaded only when a run routes
    from pydantic import JsonValue

    from hubplan.transport import TransportPlan
from hubplan.travel import travel_model

__all__ = ["RunRecord", "figures_from_allocation", "record_from_allocation"]


def record_from_allocation(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float],
                           transport: TransportPlan | None = None) -> RunRecord:
    """Assemble the :class:`RunRecord` of a plan (layers, metrics, manifest).

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        Open sites and flows (from the evaluation or the optimiser).
    seconds
        Wall time per stage, for the manifest.
    transport
        The routed transport plan, when the scenario has ``[transport]`` and it was asked for.

    Returns
    -------
    RunRecord
        Ready for :func:`hubplan.outputs.write_run`.
    """
    scenario = prepared.scenario
    if allocation.alternatives:
        allocation = replace(allocation, alternatives=with_figures(prepared, allocation))
    sites = sites_layer(prepared, allocation)
    home_areas = home_areas_layer(prepared, allocation)
    groups = group_inputs(prepared, allocation)
    metrics = _metrics(prepared, allocation, sites, home_areas, groups)
    if transport is not None:
        metrics = {**metrics, "transport": {**transport.metrics(), "no_road": _no_road(prepared, transport)}}
    localities = prepared.study.localities[["locality", "code", "geometry"]].copy()
    localities["attendees"] = localities["locality"].map(home_areas.groupby("locality")["attendees"].sum())
    points = prepared.study.home_areas
    area_points = gpd.GeoDataFrame(
        {"area_id": points["area_id"]}, geometry=gpd.points_from_xy(points["pt_lon"], points["pt_lat"]), crs=WGS84
    )
    model = travel_model(prepared.travel.model)
    attributions = prepared.study.attributions + ((model.attribution,) if model.attribution else ())
    return RunRecord(
        name=scenario.name,
        title=scenario.title or scenario.name,
        localities=localities,
        home_areas=home_areas,
        sites=sites,
        area_points=area_points,
        allocations=flows_with_kinds(prepared, allocation.flows),
        metrics=metrics,
        manifest=build_manifest(prepared, allocation, seconds, transport.provenance() if transport else None),
        attributions=attributions,
        suppress_below=scenario.demand.suppress_below if prepared.demand.method == "client_file" else None,
        groups=groups,
        transport=transport,
    )


def figures_from_allocation(prepared: PreparedScenario, allocation: Allocation, *,
                            breakdowns: bool = True) -> dict[str, Any]:
    """The metrics of a plan (overall, per locality, with breakdowns), as :func:`record_from_allocation` has them.

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        Open sites and flows.
    breakdowns
        Break each block down by tier, segment, rural/urban class and deprivation.

    Returns
    -------
    dict
        :func:`hubplan.metrics.compute_metrics`'s figures, without transport.
    """
    sites = sites_layer(prepared, allocation)
    areas = metric_areas(prepared, allocation)
    return _metrics(prepared, allocation, sites, areas, group_inputs(prepared, allocation) if breakdowns else None)


def _metrics(prepared: PreparedScenario, allocation: Allocation, sites: gpd.GeoDataFrame,
             home_areas: pd.DataFrame, groups: GroupInputs | None) -> dict[str, Any]:
    scenario = prepared.scenario
    return compute_metrics(
        allocation.flows,
        home_areas,
        sites,
        localities=prepared.study.locality_names,
        isolation_minutes=scenario.objective.isolation_minutes,
        params=scenario.metrics,
        groups=groups,
    )


def _no_road(prepared: PreparedScenario, transport: TransportPlan) -> dict[str, JsonValue]:
    """Passengers whose homes no road reaches (:func:`hubplan.siting.off_mainland`): their count, areas and numbers.

    The routed rides assume a road; the report and the operational file say so. Passenger
    numbers are for the operational file only (:mod:`hubplan.outputs.privacy_transport`
    removes them, and the areas, for client records).
    """
    import numpy as np

    from hubplan.siting import off_mainland

    people = [p for p in transport.passengers if p.postcode]
    if not people:
        return {"passengers": 0, "home_areas": [], "numbers": []}
    off = off_mainland(prepared.study, np.array([p.lon for p in people]), np.array([p.lat for p in people]))
    names = dict(zip(prepared.study.home_areas["area_id"], prepared.study.home_areas["name"], strict=True))
    stranded = [p for p, flag in zip(people, off, strict=True) if flag]
    areas: list[JsonValue] = [*sorted({str(names.get(p.area_id, p.area_id)) for p in stranded})]
    numbers: list[JsonValue] = [p.number for p in stranded]
    return {"passengers": len(stranded), "home_areas": areas, "numbers": numbers}
