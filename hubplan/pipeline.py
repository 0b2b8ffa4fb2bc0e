"""Prepare a scenario's inputs: scenario -> study area -> demand -> sites -> travel matrix.

:func:`prepare` runs the stages every plan shares, once; :class:`hubplan.api.Study`
holds the result warm and composes the later stages (optimise, record, route, publish).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from hubplan.data.study import load_study_area
from hubplan.demand import load_demand
from hubplan.errors import input_error
from hubplan.plan import PreparedScenario
from hubplan.points import Points
from hubplan.progress import Progress
from hubplan.scenario import Scenario
from hubplan.siting import resolve_sites
from hubplan.travel import RoadOptions, travel_matrix

__all__ = ["PreparedScenario", "prepare"]

log = logging.getLogger(__name__)


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
        roads=RoadOptions(speeds_kph=scenario.travel.speeds_kph or None,
                          max_snap_km=scenario.travel.max_snap_km, cache_dir=Path(".cache/hubplan")),
        progress=progress,
        source_label=str(scenario.source_path) if scenario.source_path else None,
    )
    seconds["travel"] = time.perf_counter() - start
    log.debug("prepared %s: stage seconds %s", scenario.name, {k: round(v, 3) for k, v in seconds.items()})
    return PreparedScenario(scenario, study, demand, sites, active, travel, seconds)
