"""Route a dial-a-ride instance with OR-Tools' vehicle-routing library.

The model: one vehicle per :class:`~hubplan.transport.darp.Vehicle`, each pickup and
drop-off a visit; pickup and drop-off of a request on the same vehicle, pickup first
(``AddPickupAndDelivery``); one capacity dimension per load dimension; a time
dimension whose cumul is the start of service (slack = waiting), bounded by each
node's window and, per vehicle, by the maximum route duration (span); per request
``B(drop-off) - B(pickup) - service(pickup) <= max ride time``. The arc cost is the
travel cost; a vehicle's fixed cost is added when it serves anyone
(``SetFixedCostOfVehicle``).

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
import random
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from hubplan.errors import SolverError
from hubplan.transport.check import CheckReport, check_routes
from hubplan.transport.darp import DarpInstance

__all__ = ["SCALE", "RoutingResult", "SearchMode", "route"]

#: Integer units per minute (and per unit of cost) inside OR-Tools: rounding travel
#: times up to 1/SCALE minute costs at most a few thousandths of a minute per route.
SCALE = 10_000

#: Share of the time limit given to guided local search before ruin-and-recreate (measured:
#: on a5-60 in 60 s, 30 s + 30 s reached 815.57 where 60 s of guided search alone, penalties
#: reset at each new best, reached 817.47; single runs on a loaded machine, see the README).
GUIDED_SEARCH_SHARE = 0.5

#: First-solution strategies for the guided search, in order; the next is tried only when the
#: search from the previous leaves a request unserved (measured: on a3-36 parallel cheapest
#: insertion left request 7 out in every run; local cheapest insertion served all 36).
FIRST_SOLUTION_STRATEGIES = (
    routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
)

#: Share of the requests removed in a ruin-and-recreate round (on average; 0.5-1.5 times it).
RUIN_SHARE = 0.1

#: Seconds of OR-Tools local search allowed to re-insert the removed requests in one round.
RECREATE_LIMIT_S = 2.0

#: A dearer round result is accepted with this probability when it is within
#: :data:`ACCEPT_WORSE_RATIO` of the current cost (a choice, not tuned further).
ACCEPT_WORSE_PROBABILITY = 0.1
ACCEPT_WORSE_RATIO = 0.005


class SearchMode(enum.Enum):
    """How OR-Tools searches.

    ``TUNED``
        Parallel cheapest insertion for the first solution (others when it leaves a
        request out: :data:`FIRST_SOLUTION_STRATEGIES`), guided local search for
        :data:`GUIDED_SEARCH_SHARE` of the time limit, then ruin-and-recreate rounds
        until the limit (the configuration measured best here; see the README).
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


def route(instance: DarpInstance, *, time_limit_s: float = 30.0, mode: SearchMode = SearchMode.TUNED,
          seed: int = 0) -> RoutingResult:
    """Find low-cost feasible routes for every request of ``instance``.

    Parameters
    ----------
    instance
        The dial-a-ride instance.
    time_limit_s
        Wall-clock limit of the search (the search runs until it, improving its best).
    mode
        Search configuration (:class:`SearchMode`).
    seed
        Seed of the ruin-and-recreate rounds of the tuned search (results also depend on
        how much the machine gets done before the time limit).

    Returns
    -------
    RoutingResult
        The best routes found, checked independently.

    Raises
    ------
    SolverError
        When OR-Tools returns no routes at all. (Requests it cannot fit are left out
        instead, and the check reports them as unserved.)
    """
    if time_limit_s <= 0:
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    t0 = time.perf_counter()
    manager, model = _build(instance)
    deadline = t0 + time_limit_s
    if mode is SearchMode.DEFAULT:
        solution = model.SolveWithParameters(_search_parameters(mode, time_limit_s))
        if solution is None:
            raise _no_routes(instance, model, time_limit_s)
        routes = _routes_of(model, manager, solution, len(instance.vehicles))
    else:
        routes, cost = _guided_search(instance, manager, model, time_limit_s * GUIDED_SEARCH_SHARE, deadline)
        routes = _ruin_and_recreate(instance, manager, model, routes, cost, deadline=deadline, seed=seed)
    seconds = time.perf_counter() - t0
    return RoutingResult(routes=routes, report=check_routes(instance, routes), seconds=seconds,
                         time_limit_s=time_limit_s, mode=mode)


def _no_routes(instance: DarpInstance, model: pywrapcp.RoutingModel, time_limit_s: float) -> SolverError:
    """The error for a search that returned no routes at all."""
    return SolverError(f"{instance.name}: OR-Tools returned no routes within {time_limit_s:g} s "
                       f"(status {model.status()}); fix: allow more time")


def _guided_search(instance: DarpInstance, manager: pywrapcp.RoutingIndexManager, model: pywrapcp.RoutingModel,
                   budget_s: float, deadline: float) -> tuple[tuple[tuple[int, ...], ...], int]:
    """Guided local search from each of :data:`FIRST_SOLUTION_STRATEGIES` in turn until one serves everyone.

    Each attempt gets ``budget_s`` (within ``deadline``); the cheapest result (by OR-Tools'
    objective, in which an unserved request costs more than any complete solution) is returned
    with that objective.
    """
    best: tuple[tuple[tuple[int, ...], ...], int] | None = None
    for strategy in FIRST_SOLUTION_STRATEGIES:
        remaining = deadline - time.perf_counter()
        if best is not None and remaining <= 0.05:
            break
        params = _search_parameters(SearchMode.TUNED, max(0.05, min(budget_s, remaining)))
        params.first_solution_strategy = strategy
        solution = model.SolveWithParameters(params)
        if solution is None:
            continue
        found = (_routes_of(model, manager, solution, len(instance.vehicles)), solution.ObjectiveValue())
        if best is None or found[1] < best[1]:
            best = found
        if sum(map(len, found[0])) == 2 * instance.n_requests:
            break
    if best is None:
        raise _no_routes(instance, model, budget_s)
    return best


def _routes_of(model: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, solution: pywrapcp.Assignment,
               n_vehicles: int) -> tuple[tuple[int, ...], ...]:
    """Node ids per vehicle in visiting order, depots left out."""
    routes = []
    for vehicle in range(n_vehicles):
        stops = []
        index = solution.Value(model.NextVar(model.Start(vehicle)))
        while not model.IsEnd(index):
            stops.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        routes.append(tuple(stops))
    return tuple(routes)


def _ruin_and_recreate(instance: DarpInstance, manager: pywrapcp.RoutingIndexManager, model: pywrapcp.RoutingModel,
                       routes: tuple[tuple[int, ...], ...], cost: int, *, deadline: float,
                       seed: int) -> tuple[tuple[int, ...], ...]:
    """Improve ``routes`` until ``deadline``: remove a cluster of requests, let OR-Tools re-insert them.

    Each round takes the current routes, removes the requests whose pickup-drop-off
    midpoints lie nearest a random request's (about :data:`RUIN_SHARE` of all requests),
    and runs OR-Tools' local search (greedy descent, insertion operators) from there for
    at most :data:`RECREATE_LIMIT_S`. A round's result replaces the current routes when it
    is cheaper, or, with probability :data:`ACCEPT_WORSE_PROBABILITY`, when it is at most
    :data:`ACCEPT_WORSE_RATIO` dearer (to leave local optima); the best is kept throughout.
    """
    n = instance.n_requests
    rng = random.Random(seed)
    coordinates = np.array([(node.x, node.y) for node in instance.nodes])
    midpoints = (coordinates[1:n + 1] + coordinates[n + 1:2 * n + 1]) / 2
    best, best_cost = routes, cost
    current, current_cost = routes, cost
    while (remaining := deadline - time.perf_counter()) > 0.05:
        centre = midpoints[rng.randrange(n)]
        count = max(2, round(RUIN_SHARE * n * rng.uniform(0.5, 1.5)))
        nearest = np.argsort(np.hypot(*(midpoints - centre).T), kind="stable")[:count] + 1  # request numbers
        removed = set(nearest.tolist()) | {int(r) + n for r in nearest}
        partial = [[node for node in r if node not in removed] for r in current]
        start = model.ReadAssignmentFromRoutes(partial, True)
        params = _search_parameters(SearchMode.TUNED, min(RECREATE_LIMIT_S, remaining))
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        solution = None if start is None else model.SolveFromAssignmentWithParameters(start, params)
        if solution is None:
            continue
        found = solution.ObjectiveValue()
        if found < current_cost or (found <= current_cost * (1 + ACCEPT_WORSE_RATIO)
                                    and rng.random() < ACCEPT_WORSE_PROBABILITY):
            current, current_cost = _routes_of(model, manager, solution, len(instance.vehicles)), found
        if found < best_cost:
            best, best_cost = current, found
    return best


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
    for vehicle, fixed in enumerate(_scaled(np.array([v.fixed_cost for v in instance.vehicles]), up=False)):
        model.SetFixedCostOfVehicle(int(fixed), vehicle)

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
    penalty = _unserved_penalty(instance)
    for req in instance.requests:
        pick, drop = manager.NodeToIndex(req.pickup), manager.NodeToIndex(req.dropoff)
        model.AddPickupAndDelivery(pick, drop)
        solver.Add(model.VehicleVar(pick) == model.VehicleVar(drop))
        # optional at a prohibitive price, so insertion heuristics always find a first solution;
        # a request left out shows up as UNSERVED in the check
        model.AddDisjunction([pick], penalty)
        model.AddDisjunction([drop], penalty)
        solver.Add(model.ActiveVar(pick) == model.ActiveVar(drop))
        # ride time as dimension precedences (which the search's filters see, unlike solver.Add):
        # B(drop) >= B(pick) and B(pick) >= B(drop) - (max ride + pickup service)
        ride_limit = math.floor((req.max_ride_time + instance.nodes[req.pickup].service) * SCALE + 1e-6)
        time_dim.AddNodePrecedence(pick, drop, 0)
        time_dim.AddNodePrecedence(drop, pick, -ride_limit)
    return manager, model


def _unserved_penalty(instance: DarpInstance) -> int:
    """Price (OR-Tools units) of leaving a pickup or drop-off out: above any complete solution's cost.

    The routes have at most ``2n + K`` arcs in all (``K`` vehicles), each no dearer than
    the longest, and at most every vehicle's fixed cost is paid, so no solution serving
    everyone costs more; a request is then left out only when the search has no way to
    serve it. The price is kept that small (not astronomically large) because guided
    local search scales its arc penalties by the objective.
    """
    arcs = 2 * instance.n_requests + len(instance.vehicles)
    fixed = int(_scaled(np.array([v.fixed_cost for v in instance.vehicles]), up=False).sum())
    return int(arcs * np.ceil(instance.travel.max() * SCALE)) + fixed + 1


def _search_parameters(mode: SearchMode, time_limit_s: float) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools search parameters for ``mode`` with the time limit set."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    if mode is SearchMode.TUNED:
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    return params
