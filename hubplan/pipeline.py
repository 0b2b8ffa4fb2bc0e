"""The pipeline: scenario -> study -> demand -> sites -> travel -> (solve) -> metrics -> RunRecord.

:func:`prepare` does the stages every command shares; :func:`evaluate_scenario`
sends each home area to its nearest open site (today's network);
:func:`run_scenario` optimises the plan with :mod:`hubplan.model` and
:mod:`hubplan.solve`. Both return a :class:`hubplan.results.RunRecord`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hubplan import __version__
from hubplan.demand import Demand, load_demand
from hubplan.errors import InfeasibleError, input_error
from hubplan.metrics import compute_metrics
from hubplan.points import Points
from hubplan.results import RunRecord
from hubplan.scenario import Scenario, load_scenario
from hubplan.siting import resolve_sites
from hubplan.study import StudyArea, load_study_area
from hubplan.travel import TravelMatrix, travel_matrix
from hubplan.versions import dependency_versions

__all__ = [
    "Allocation",
    "PreparedScenario",
    "evaluate_scenario",
    "prepare",
    "record_from_allocation",
    "run_scenario",
]

log = logging.getLogger(__name__)

OSM_ATTRIBUTION = "Road network © OpenStreetMap contributors, ODbL 1.0"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PreparedScenario:
    """The inputs of a run, built once.

    Parameters
    ----------
    scenario
        The validated scenario.
    study
        The study area.
    demand
        Attendees per home area and segment.
    sites
        Every site with its role and tiers (see :func:`hubplan.siting.resolve_sites`).
    active
        Boolean mask of the sites that take part (required or candidate).
    travel
        Minutes and road km from every home area to every active site.
    seconds
        Wall time of each stage.
    """

    scenario: Scenario
    study: StudyArea
    demand: Demand
    sites: gpd.GeoDataFrame
    active: np.ndarray
    travel: TravelMatrix
    seconds: dict[str, float]


@dataclass(frozen=True)
class Allocation:
    """A plan: which sites are open in which tier, and who goes where.

    Parameters
    ----------
    open_tiers
        ``{site_id: tier}`` for every open site.
    flows
        ``area_id``, ``site_id``, ``tier``, ``attendees``, ``minutes``, ``km``.
    solver
        JSON-ready solver record (status, objective, bound, gap, seconds), or
        ``{"status": "evaluated"}`` for a plain evaluation.
    """

    open_tiers: dict[str, str]
    flows: pd.DataFrame
    solver: dict[str, Any]


def prepare(
    scenario: Scenario, *, study_path: Path | None = None, progress: Progress | None = None
) -> PreparedScenario:
    """Load the study area and build demand, site roles and travel times for a scenario.

    Parameters
    ----------
    scenario
        A validated scenario.
    study_path
        Override of the study-area GeoPackage (default: the scenario's ``study``,
        else ``data/geo/study.gpkg``).
    progress
        Optional callback ``(done, total)`` for long travel computations.

    Returns
    -------
    PreparedScenario
        Everything the evaluation and the optimiser need.
    """
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    study = load_study_area(study_path or scenario.resolve(scenario.study))
    seconds["study"] = time.perf_counter() - start
    start = time.perf_counter()
    demand = load_demand(study, scenario.demand, client_file=scenario.resolve(scenario.demand.client_file))
    seconds["demand"] = time.perf_counter() - start
    start = time.perf_counter()
    sites = resolve_sites(study, scenario)
    active = (sites["role"] != "closed").to_numpy()
    if not active.any():
        raise input_error(scenario.source_path, "sites.roles", "every site is closed",
                          "give some sites the role required or candidate")
    seconds["sites"] = time.perf_counter() - start
    start = time.perf_counter()
    active_sites = sites[active]
    travel = travel_matrix(
        study.area_points(),
        Points(tuple(active_sites["site_id"]), active_sites["lon"], active_sites["lat"]),
        model=scenario.travel.model,
        network=scenario.resolve(scenario.travel.network),
        matrix_file=scenario.resolve(scenario.travel.matrix),
        speeds_kph=scenario.travel.speeds_kph or None,
        max_snap_km=scenario.travel.max_snap_km,
        cache_dir=Path(".cache/hubplan"),
        progress=progress,
        source_label=str(scenario.source_path) if scenario.source_path else None,
    )
    seconds["travel"] = time.perf_counter() - start
    log.debug("prepared %s: stage seconds %s", scenario.name, {k: round(v, 3) for k, v in seconds.items()})
    return PreparedScenario(scenario, study, demand, sites, active, travel, seconds)


def _nearest_open(prepared: PreparedScenario) -> Allocation:
    scenario = prepared.scenario
    active_sites = prepared.sites[prepared.active].reset_index(drop=True)
    required = (active_sites["role"] == "required").to_numpy()
    if not required.any():
        raise input_error(scenario.source_path, "sites.roles",
                          "no site has role 'required', so nothing is open to evaluate",
                          "mark today's buildings as required (or use `hubplan run` to choose sites)")
    minutes = np.where(required[None, :], prepared.travel.minutes, np.inf)
    nearest = np.argmin(minutes, axis=1)
    rows = np.arange(minutes.shape[0])
    chosen_minutes = minutes[rows, nearest]
    unreachable = ~np.isfinite(chosen_minutes)
    if unreachable.any():
        ids = [prepared.demand.area_ids[i] for i in np.flatnonzero(unreachable)[:3]]
        raise input_error(scenario.source_path, "travel", f"home areas {', '.join(ids)} reach no open site",
                          "use a road network that connects every home area to a site")
    tier_columns = [f"tier_{name}" for name in scenario.tiers if scenario.tiers[name].mode == "assign"]
    site_tier = [
        next((c.removeprefix("tier_") for c in tier_columns if active_sites.at[j, c]), "hub")
        for j in range(len(active_sites))
    ]
    flows = pd.DataFrame({
        "area_id": prepared.demand.area_ids,
        "site_id": active_sites["site_id"].to_numpy()[nearest],
        "tier": np.array(site_tier, dtype=object)[nearest],
        "attendees": prepared.demand.per_area(),
        "minutes": chosen_minutes,
        "km": prepared.travel.km[rows, nearest],
    })  # fmt: skip
    open_tiers = {active_sites.at[j, "site_id"]: site_tier[j] for j in np.flatnonzero(required)}
    return Allocation(open_tiers, flows, {"status": "evaluated", "method": "nearest open site"})


EXISTING_BUILDING_KINDS = ("day_centre",)
"""Kinds of site that are today's day-service buildings: when not open in a plan, they close."""


def site_status(is_open: np.ndarray, kind: np.ndarray, role: np.ndarray) -> np.ndarray:
    """Status of each site in a plan, as the public reads it.

    ``open``; ``closed`` (an existing day-service building that the plan does not
    keep); ``not_selected`` (a candidate venue the plan does not use);
    ``excluded`` (a venue the scenario leaves out, e.g. a GP surgery in a
    scenario about day centres only).

    Examples
    --------
    >>> site_status(np.array([True, False, False, False]),
    ...             np.array(["day_centre", "day_centre", "library", "library"]),
    ...             np.array(["required", "candidate", "candidate", "closed"])).tolist()
    ['open', 'closed', 'not_selected', 'excluded']
    """
    existing = np.isin(kind, EXISTING_BUILDING_KINDS)
    not_open = np.where(existing, "closed", np.where(role == "closed", "excluded", "not_selected"))
    return np.where(is_open, "open", not_open)


def _tier_costs(prepared: PreparedScenario, open_tiers: dict[str, str]) -> pd.Series:
    sites = prepared.sites
    default = sites["site_id"].map(open_tiers).map(
        lambda tier: prepared.scenario.tiers[tier].annual_cost if isinstance(tier, str) else np.nan
    )
    return sites["annual_cost"].where(sites["annual_cost"].notna(), default)


def _sites_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    sites = prepared.sites.copy()
    tier = sites["site_id"].map(allocation.open_tiers)
    attendees = allocation.flows.groupby("site_id")["attendees"].sum()
    sites["tier"] = tier.fillna("")
    sites["status"] = site_status(tier.notna().to_numpy(), sites["kind"].to_numpy(), sites["role"].to_numpy())
    sites["attendees"] = sites["site_id"].map(attendees).fillna(0.0)
    sites["annual_cost"] = _tier_costs(prepared, allocation.open_tiers).where(tier.notna())
    capacity = sites["capacity"].where(
        sites["capacity"].notna(),
        tier.map(lambda t: prepared.scenario.tiers[t].capacity if isinstance(t, str) else np.nan),
    )
    sites["capacity"] = capacity.astype(float)
    sites["capacity_used"] = sites["attendees"] / sites["capacity"]
    keep = ["site_id", "name", "kind", "operator", "locality", "role", "tier", "status", "attendees",
            "capacity", "capacity_used", "annual_cost", "position_precision", "source", "lon", "lat", "geometry"]
    return sites[keep]


def _home_areas_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    areas = prepared.study.home_areas
    flows = allocation.flows
    main_site = flows.sort_values(["area_id", "attendees"], ascending=[True, False]).drop_duplicates("area_id")
    weighted = flows.assign(weighted=flows["attendees"] * flows["minutes"]).groupby("area_id")
    mean_minutes = weighted["weighted"].sum() / weighted["attendees"].sum().replace(0, np.nan)
    hub_flows = flows[flows["tier"] == "hub"]
    to_hub = hub_flows.groupby("area_id")["minutes"].max() if len(hub_flows) else pd.Series(dtype=float)
    isolation = prepared.scenario.objective.isolation_minutes
    layer = gpd.GeoDataFrame({
        "area_id": areas["area_id"],
        "name": areas["name"],
        "locality": areas["locality"],
        "attendees": prepared.demand.per_area(),
        "minutes_to_hub": areas["area_id"].map(to_hub).astype(float),
        "minutes_to_site": areas["area_id"].map(mean_minutes).astype(float),
        "minutes_to_spoke": areas["area_id"].map(_spoke_minutes(prepared, allocation)).astype(float),
        "assigned_site_id": areas["area_id"].map(main_site.set_index("area_id")["site_id"]).fillna(""),
        "rural_urban": areas["rural_urban"],
        "barriers_decile": areas["barriers_decile"].astype(int),
    }, geometry=areas.geometry.values, crs="EPSG:4326")  # fmt: skip
    layer["isolated"] = layer["minutes_to_site"] > isolation
    return layer


def _spoke_minutes(prepared: PreparedScenario, allocation: Allocation) -> pd.Series:
    spokes = [sid for sid, tier in allocation.open_tiers.items() if prepared.scenario.tiers[tier].mode == "cover"]
    if not spokes:
        return pd.Series(dtype=float)
    column_of = {sid: j for j, sid in enumerate(prepared.travel.destination_ids)}
    columns = [column_of[sid] for sid in allocation.open_tiers]
    best = prepared.travel.minutes[:, columns].min(axis=1)
    return pd.Series(best, index=list(prepared.demand.area_ids))


def _manifest(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float]) -> dict[str, Any]:
    scenario = prepared.scenario
    sources = prepared.study.sources[["key", "file", "sha256", "publisher", "licence"]].to_dict(orient="records")
    return {
        "hubplan_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario": {
            "name": scenario.name,
            "file": scenario.source_path.name if scenario.source_path else None,
            "sha256": scenario.sha256,
        },
        "study_area": {"file": prepared.study.path.name, "sha256": prepared.study.sha256},
        "data_sources": sources,
        "demand": dict(prepared.demand.details),
        "travel": {"model": prepared.travel.model, **dict(prepared.travel.details)},
        "solver": allocation.solver,
        "seconds": {key: round(value, 3) for key, value in seconds.items()},
        "versions": dependency_versions(),
    }


def record_from_allocation(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float]) -> RunRecord:
    """Assemble the :class:`RunRecord` of a plan (layers, metrics, manifest).

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        Open sites and flows (from the evaluation or the optimiser).
    seconds
        Wall time per stage, for the manifest.

    Returns
    -------
    RunRecord
        Ready for :func:`hubplan.outputs.write_run`.
    """
    scenario = prepared.scenario
    sites_layer = _sites_layer(prepared, allocation)
    home_areas = _home_areas_layer(prepared, allocation)
    metrics = compute_metrics(
        allocation.flows,
        home_areas,
        sites_layer,
        localities=prepared.study.locality_names,
        isolation_minutes=scenario.objective.isolation_minutes,
        params=scenario.metrics,
    )
    localities = prepared.study.localities[["locality", "code", "geometry"]].copy()
    localities["attendees"] = localities["locality"].map(home_areas.groupby("locality")["attendees"].sum())
    points = prepared.study.home_areas
    area_points = gpd.GeoDataFrame(
        {"area_id": points["area_id"]}, geometry=gpd.points_from_xy(points["pt_lon"], points["pt_lat"]), crs="EPSG:4326"
    )
    attributions = prepared.study.attributions + ((OSM_ATTRIBUTION,) if prepared.travel.model == "osm" else ())
    return RunRecord(
        name=scenario.name,
        title=scenario.title or scenario.name,
        localities=localities,
        home_areas=home_areas,
        sites=sites_layer,
        area_points=area_points,
        allocations=allocation.flows,
        metrics=metrics,
        manifest=_manifest(prepared, allocation, seconds),
        attributions=attributions,
        suppress_below=scenario.demand.suppress_below if prepared.demand.method == "client_file" else None,
    )


def _prepare_any(
    scenario: Scenario | Path | str, study_path: Path | None, progress: Progress | None
) -> PreparedScenario:
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return prepare(loaded, study_path=study_path, progress=progress)


def evaluate_scenario(
    scenario: Scenario | Path | str, *, study_path: Path | None = None, progress: Progress | None = None
) -> RunRecord:
    """Evaluate today's network: everyone goes to the nearest required (open) site.

    Parameters
    ----------
    scenario
        A scenario or the path of a scenario file.
    study_path
        Override of the study-area GeoPackage.
    progress
        Optional ``(done, total)`` callback.

    Returns
    -------
    RunRecord
        Metrics overall and per locality, layers and manifest.
    """
    prepared = _prepare_any(scenario, study_path, progress)
    start = time.perf_counter()
    allocation = _nearest_open(prepared)
    seconds = dict(prepared.seconds, assign=time.perf_counter() - start)
    return record_from_allocation(prepared, allocation, seconds)


def run_scenario(
    scenario: Scenario | Path | str, *, study_path: Path | None = None, progress: Progress | None = None
) -> RunRecord:
    """Optimise a scenario: choose hubs, spokes and specialist sites, then assign attendees.

    Takes the same arguments as :func:`evaluate_scenario`; the returned record
    carries the solver's status, objective, bound and gap in its manifest.
    """
    from hubplan.model import allocation_from_solution, build_problem, in_scenario_terms
    from hubplan.solve import solve

    prepared = _prepare_any(scenario, study_path, progress)
    scenario = prepared.scenario
    start = time.perf_counter()
    problem = build_problem(prepared)
    build_seconds = time.perf_counter() - start
    solver = scenario.solver
    try:
        solution = solve(
            problem,
            engine=solver.engine,
            time_limit_s=solver.time_limit_s,
            relative_gap=solver.relative_gap,
            threads=solver.threads,
        )
    except InfeasibleError as err:
        raise InfeasibleError(in_scenario_terms(str(err))) from err
    allocation = allocation_from_solution(prepared, problem, solution)
    seconds = dict(prepared.seconds, model=build_seconds, solve=solution.build_seconds + solution.solve_seconds)
    return record_from_allocation(prepared, allocation, seconds)
