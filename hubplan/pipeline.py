"""The pipeline: scenario -> study -> demand -> sites -> travel -> plan -> [transport rounds] -> record.

Orchestration only. :func:`prepare` runs the stages every command shares;
:func:`evaluate_scenario` evaluates the scenario's fixed plan (its required sites,
:mod:`hubplan.baseline`); :func:`run_scenario` optimises the plan, or evaluates it
when there is nothing to choose. Both go through :func:`hubplan.optimise.optimise`,
so a fixed plan gives the same figures either way, and both return a
:class:`hubplan.record.RunRecord` (:mod:`hubplan.record`). When the scenario has a
``[transport]`` table, :func:`run_scenario` also routes the plan's minibus rounds
(:mod:`hubplan.rounds`) unless told not to; :func:`evaluate_scenario` when asked to. :func:`check_scenario`
runs every check that needs no solving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from hubplan.data.study import load_study_area
from hubplan.demand import load_demand
from hubplan.errors import input_error
from hubplan.plan import Allocation, PreparedScenario
from hubplan.points import Points
from hubplan.record import RunRecord, record_from_allocation
from hubplan.scenario import Scenario, load_scenario
from hubplan.siting import resolve_sites
from hubplan.travel import RoadOptions, travel_matrix

__all__ = [
    "Allocation",
    "PreparedScenario",
    "check_scenario",
    "evaluate_scenario",
    "prepare",
    "record_from_allocation",
    "run_scenario",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


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


def _prepare_any(
    scenario: Scenario | Path | str, study_path: Path | None, progress: Progress | None
) -> PreparedScenario:
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return prepare(loaded, study_path=study_path, progress=progress)


def check_scenario(scenario: Scenario, *, study_path: Path | None = None) -> PreparedScenario:
    """Run every check of a scenario that needs no solving (``hubplan scenario validate``).

    The scenario's sites against the study area (IDs, localities, added venues, a site
    both required and closed), its demand and travel times, the optimiser's problem
    and its pre-solve feasibility checks, and for a plan with nothing to choose the
    fixed plan's own checks: whatever ``hubplan run`` would stop on before solving.

    Parameters
    ----------
    scenario
        A validated scenario.
    study_path
        Override of the study-area GeoPackage.

    Returns
    -------
    PreparedScenario
        The scenario's inputs, as a run would prepare them.

    Raises
    ------
    InputError, InfeasibleError, DataError
        The first problem found, in one line with its fix.
    """
    from hubplan.core.checks import check_feasibility
    from hubplan.optimise import problem_to_solve

    prepared = prepare(scenario, study_path=study_path)
    problem, _ = problem_to_solve(prepared)
    check_feasibility(problem)
    return prepared


def _record(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float], *, transport: bool,
            transport_progress: Progress | None) -> RunRecord:
    """The run's record, with its transport plan routed when the scenario asks for one and ``transport`` is set."""
    plan = None
    if transport and prepared.scenario.transport is not None:
        from hubplan.rounds import plan_transport  # OR-Tools routing: loaded only when routing

        start = time.perf_counter()
        plan = plan_transport(prepared, allocation, progress=transport_progress)
        seconds = {**seconds, "transport": time.perf_counter() - start}
    return record_from_allocation(prepared, allocation, dict(prepared.seconds, **seconds), plan)


def evaluate_scenario(
    scenario: Scenario | Path | str, *, study_path: Path | None = None, progress: Progress | None = None,
    transport: bool = False, transport_progress: Progress | None = None,
) -> RunRecord:
    """Evaluate the scenario's fixed plan: its required sites open, each in every tier it may take.

    Attendees go where the optimiser's model sends them in that plan (their tier's
    nearest open site, within its reach and journey limits and capacities), so
    ``run`` reports the same figures for a scenario with nothing to choose.

    Parameters
    ----------
    scenario
        A scenario or the path of a scenario file.
    study_path
        Override of the study-area GeoPackage.
    progress
        Optional ``(done, total)`` callback for travel times.
    transport
        Route the minibus rounds when the scenario has a ``[transport]`` table (off by
        default here: an evaluation reports direct journeys; ``run_scenario`` routes by default).
    transport_progress
        Optional ``(done, total)`` callback over the rounds routed.

    Returns
    -------
    RunRecord
        Metrics overall and per locality, layers and manifest (and the transport plan).
    """
    from hubplan.optimise import optimise  # OR-Tools is heavy: loaded only when solving

    prepared = _prepare_any(scenario, study_path, progress)
    allocation, seconds = optimise(prepared, fixed=True)
    return _record(prepared, allocation, seconds, transport=transport, transport_progress=transport_progress)


def run_scenario(
    scenario: Scenario | Path | str, *, study_path: Path | None = None, progress: Progress | None = None,
    alternatives: int = 1, transport: bool = True, transport_progress: Progress | None = None,
) -> RunRecord:
    """Optimise a scenario: choose hubs, spokes and specialist sites, then assign attendees.

    Takes the same arguments as :func:`evaluate_scenario`, and ``alternatives``: how many
    best distinct plans to find (their records go to the manifest). The returned record
    carries the solver's status, objective, bound and gap in its manifest, or
    ``evaluated (fixed plan)`` when the scenario left nothing to choose.
    """
    from hubplan.optimise import optimise  # OR-Tools is heavy: loaded only when optimising

    prepared = _prepare_any(scenario, study_path, progress)
    allocation, seconds = optimise(prepared, alternatives=alternatives)
    return _record(prepared, allocation, seconds, transport=transport, transport_progress=transport_progress)
