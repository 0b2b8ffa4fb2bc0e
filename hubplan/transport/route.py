"""Route a dial-a-ride instance with OR-Tools' vehicle-routing library.

The model: one vehicle per :class:`~hubplan.transport.darp.Vehicle`, each pickup and
drop-off a visit; pickup and drop-off of a request on the same vehicle, pickup first
(``AddPickupAndDelivery``); one capacity dimension per load dimension; a time
dimension whose cumul is the start of service (slack = waiting), bounded by each
node's window and, per vehicle, by the maximum route duration (span); per request
``B(drop-off) - B(pickup) - service(pickup) <= max ride time``. The arc cost is the
travel cost.

OR-Tools works in integers, so minutes and costs are multiplied by :data:`SCALE`.
Travel TIMES are rounded up, so that every schedule OR-Tools accepts is feasible in
exact arithmetic; travel COSTS are rounded to nearest, and the reported cost is the
exact one, recomputed by the independent checker (:mod:`hubplan.transport.check`).

The search is a heuristic: a result is the best found within the time limit, never a
proof of optimality.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from hubplan.errors import SolverError
from hubplan.transport.check import CheckReport, check_routes
from hubplan.transport.darp import DarpInstance

__all__ = ["SCALE", "RoutingResult", "SearchMode", "route"]

#: Integer units per minute (and per unit of cost) inside OR-Tools: rounding travel
#: times up to 1/SCALE minute costs at most a few thousandths of a minute per route.
SCALE = 10_000

#: Cost, in OR-Tools units, of leaving a pickup or drop-off unserved: far above any
#: route cost, so a request is left out only when the search finds no way to serve it.
UNSERVED_PENALTY = 10**12


class SearchMode(enum.Enum):
    """How OR-Tools searches.

    ``TUNED``
        Parallel cheapest insertion for the first solution, then guided local search
        until the time limit (the configuration measured best here; see the README).
    ``DEFAULT``
        OR-Tools' default search parameters with only the time limit set, for comparison.
    """

    TUNED = "tuned"
    DEFAULT = "default"


@dataclass(frozen=True)
class RoutingResult:
    """The best routes found and their independent check.

    Parameters
    ----------
    routes
        One tuple of node ids per vehicle in visiting order, depots left out
        (empty for a vehicle that stays at the depot).
    report
        The checker's verdict: exact cost, schedules and violations (none expected).
    seconds
        Wall-clock seconds the search took.
    time_limit_s
        The search's time limit.
    mode
        The search configuration used.
    """

    routes: tuple[tuple[int, ...], ...]
    report: CheckReport
    seconds: float
    time_limit_s: float
    mode: SearchMode

    @property
    def cost(self) -> float:
        """Exact routing cost, as recomputed by the checker."""
        return self.report.cost

    def describe(self) -> str:
        """One line: cost, feasibility and that the result is a heuristic's best, not an optimum."""
        verdict = "feasible" if self.report.feasible else f"INFEASIBLE ({len(self.report.violations)} violations)"
        return (f"cost {self.cost:.2f}, {verdict}; best found in {self.seconds:.1f} s "
                f"({self.mode.value} search, limit {self.time_limit_s:g} s; not proven optimal)")


def route(instance: DarpInstance, *, time_limit_s: float = 30.0, mode: SearchMode = SearchMode.TUNED) -> RoutingResult:
    """Find low-cost feasible routes for every request of ``instance``.

    Parameters
    ----------
    instance
        The dial-a-ride instance.
    time_limit_s
        Wall-clock limit of the search (the search runs until it, improving its best).
    mode
        Search configuration (:class:`SearchMode`).

    Returns
    -------
    RoutingResult
        The best routes found, checked independently.

    Raises
    ------
    SolverError
        When no solution serving every request is found within the time limit.
    """
    if time_limit_s <= 0:
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    manager, model = _build(instance)
    params = _search_parameters(mode, time_limit_s)
    t0 = time.perf_counter()
    solution = model.SolveWithParameters(params)
    seconds = time.perf_counter() - t0
    if solution is None:
        raise SolverError(f"{instance.name}: OR-Tools returned no routes within {time_limit_s:g} s "
                          f"(status {model.status()}); fix: allow more time")
    routes = []
    for vehicle in range(len(instance.vehicles)):
        index = model.Start(vehicle)
        stops = []
        index = solution.Value(model.NextVar(index))
        while not model.IsEnd(index):
            stops.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        routes.append(tuple(stops))
    return RoutingResult(routes=tuple(routes), report=check_routes(instance, routes), seconds=seconds,
                         time_limit_s=time_limit_s, mode=mode)


def _scaled(values: np.ndarray, *, up: bool) -> np.ndarray:
    """Minutes or costs in OR-Tools' integer units, rounded up or to nearest."""
    scaled = np.asarray(values, dtype=np.float64) * SCALE
    # a relative nudge keeps exact integers (windows, service times) from rounding up past themselves
    return (np.ceil(scaled - 1e-9 * np.maximum(1.0, np.abs(scaled))) if up else np.rint(scaled)).astype(np.int64)


def _build(instance: DarpInstance) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    """The OR-Tools routing model of ``instance`` (see the module docstring)."""
    n_nodes, n_vehicles = len(instance.nodes), len(instance.vehicles)
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_vehicles, [instance.start_depot] * n_vehicles,
                                           [instance.end_depot] * n_vehicles)
    model = pywrapcp.RoutingModel(manager)
    cost = model.RegisterTransitMatrix(_scaled(instance.travel, up=False).tolist())
    model.SetArcCostEvaluatorOfAllVehicles(cost)

    for d, name in enumerate(instance.dimensions):
        change = [instance.load_change(node)[d] for node in range(n_nodes)]
        capacities = [vehicle.capacity[d] for vehicle in instance.vehicles]
        model.AddDimensionWithVehicleCapacity(model.RegisterUnaryTransitVector(change), 0, capacities, True,
                                              f"load:{name}")

    service = np.array([node.service for node in instance.nodes])
    transit = _scaled(instance.travel, up=True) + _scaled(service, up=True)[:, None]
    horizon = int(_scaled(np.array([max(node.latest for node in instance.nodes)]), up=True)[0])
    model.AddDimension(model.RegisterTransitMatrix(transit.tolist()), horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    earliest = _scaled(np.array([node.earliest for node in instance.nodes]), up=True)
    latest = np.floor(np.array([node.latest for node in instance.nodes]) * SCALE + 1e-6).astype(np.int64)
    for node in range(n_nodes):
        if node not in (instance.start_depot, instance.end_depot):
            time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(earliest[node]), int(latest[node]))
    span = math.floor(instance.max_route_duration * SCALE + 1e-6)
    for vehicle in range(n_vehicles):
        start, end = instance.start_depot, instance.end_depot
        time_dim.CumulVar(model.Start(vehicle)).SetRange(int(earliest[start]), int(latest[start]))
        time_dim.CumulVar(model.End(vehicle)).SetRange(int(earliest[end]), int(latest[end]))
        time_dim.SetSpanUpperBoundForVehicle(span, vehicle)

    solver = model.solver()
    for req in instance.requests:
        pick, drop = manager.NodeToIndex(req.pickup), manager.NodeToIndex(req.dropoff)
        model.AddPickupAndDelivery(pick, drop)
        solver.Add(model.VehicleVar(pick) == model.VehicleVar(drop))
        # optional at a prohibitive price, so insertion heuristics always find a first solution;
        # a request left out shows up as UNSERVED in the check
        model.AddDisjunction([pick], UNSERVED_PENALTY)
        model.AddDisjunction([drop], UNSERVED_PENALTY)
        solver.Add(model.ActiveVar(pick) == model.ActiveVar(drop))
        # ride time as dimension precedences (which the search's filters see, unlike solver.Add):
        # B(drop) >= B(pick) and B(pick) >= B(drop) - (max ride + pickup service)
        ride_limit = math.floor((req.max_ride_time + instance.nodes[req.pickup].service) * SCALE + 1e-6)
        time_dim.AddNodePrecedence(pick, drop, 0)
        time_dim.AddNodePrecedence(drop, pick, -ride_limit)
    return manager, model


def _search_parameters(mode: SearchMode, time_limit_s: float) -> object:
    """OR-Tools search parameters for ``mode`` with the time limit set."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    if mode is SearchMode.TUNED:
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    return params
