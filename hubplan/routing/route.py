"""Route a dial-a-ride instance with OR-Tools' vehicle-routing library.

The model: one vehicle per :class:`~hubplan.routing.darp.Vehicle`, each pickup and
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
exact one, recomputed by the independent checker (:mod:`hubplan.routing.check`).

The tuned search (:attr:`SearchMode.TUNED`) has three phases: OR-Tools finds a first
solution; the compiled ruin-and-recreate search of :mod:`hubplan.routing.lns`
(string removals, cheapest re-insertion, simulated annealing) improves it on the same
integer time model; OR-Tools' greedy local search polishes its best, and the polished
routes are kept only when they are no dearer under the instance's own objective (OR-Tools
prices vehicles only, not the passengers' ``ride_cost``). Before any of it the windows are
narrowed (:data:`TIGHTEN_WINDOWS`). OR-Tools' local search alone stalls on the larger
benchmarks, while the compiled search makes thousands of steps per second.

Work budget and reproducibility: with ``steps`` given, the first solution is OR-Tools'
first solution alone, the compiled search makes exactly ``steps`` steps and the polish
runs to its local optimum, so the same instance, seed and budget give the same routes
whatever the machine's load; the time limit is then only a safety cap, and
:attr:`RoutingResult.capped` says when it ended a phase early (the routes may then
differ from run to run). Without ``steps`` (the benchmarks' mode) OR-Tools' guided
local search runs for :data:`GUIDED_SEARCH_SHARE` of the time limit and the compiled
search until :data:`POLISH_SHARE` of it is left.

The search is a heuristic: a result is the best found within its budget, never a
proof of optimality. The compiled search is built by numba on its first use (about
15 s on this machine, counted in that call's time) and cached on disk after that.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from hubplan.errors import SolverError
from hubplan.routing.check import CheckReport, check_routes
from hubplan.routing.darp import DarpInstance
from hubplan.routing.lns import LnsModel, improve_routes, relatedness, ride_minutes

__all__ = ["SCALE", "RoutingResult", "SearchMode", "route"]

#: Integer units per minute (and per unit of cost) inside OR-Tools: rounding travel
#: times up to 1/SCALE minute costs at most a few thousandths of a minute per route.
SCALE = 10_000

#: Share of the time limit given to OR-Tools' guided local search before the compiled
#: ruin-and-recreate search when no step budget is given (a start, not a contest: 0.02
#: instead made no difference beyond run-to-run noise on a7-84 and a8-96).
GUIDED_SEARCH_SHARE = 0.1

#: First-solution strategies for the guided search, in order; the next is tried only when the
#: search from the previous leaves a request unserved (measured: on a3-36 parallel cheapest
#: insertion left request 7 out in every run; local cheapest insertion served all 36).
FIRST_SOLUTION_STRATEGIES = (
    routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
)

#: Narrow each request's windows by its other window and ride limit before the search
#: (Cordeau 2006): no feasible route is lost, and the compiled search screens insertion
#: positions by the windows, so narrower windows reject hopeless positions sooner.
TIGHTEN_WINDOWS = True

#: Share of the time limit left for OR-Tools' local search from the ruin-and-recreate best.
POLISH_SHARE = 0.05

#: OR-Tools' metaheuristic for that final polish.
POLISH_METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT


class SearchMode(enum.Enum):
    """How OR-Tools searches.

    ``TUNED``
        Parallel cheapest insertion for the first solution (others when it leaves a
        request out: :data:`FIRST_SOLUTION_STRATEGIES`), guided local search for
        :data:`GUIDED_SEARCH_SHARE` of the time limit, the compiled ruin-and-recreate
        search (:mod:`hubplan.routing.lns`), then OR-Tools' greedy local search for
        the last :data:`POLISH_SHARE` (the configuration measured best here; see the README).
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
        The search's time limit (a safety cap when ``steps`` is set).
    mode
        The search configuration used.
    steps
        Ruin-and-recreate steps made (0 in the default mode).
    capped
        Whether the time limit cut a phase short of its work budget (always ``False``
        without a step budget, where the time limit is the budget).
    """

    routes: tuple[tuple[int, ...], ...]
    report: CheckReport
    seconds: float
    time_limit_s: float
    mode: SearchMode
    steps: int = 0
    capped: bool = False

    @property
    def cost(self) -> float:
        """Exact routing cost, as recomputed by the checker."""
        return self.report.cost

    def describe(self) -> str:
        """One line: cost, feasibility and that the result is a heuristic's best, not an optimum."""
        verdict = "feasible" if self.report.feasible else f"INFEASIBLE ({len(self.report.violations)} violations)"
        cap = "; the time cap ended the search early" if self.capped else ""
        return (f"cost {self.cost:.2f}, {verdict}; best found in {self.seconds:.1f} s, {self.steps} steps "
                f"({self.mode.value} search, limit {self.time_limit_s:g} s; not proven optimal){cap}")


def route(instance: DarpInstance, *, time_limit_s: float = 30.0, mode: SearchMode = SearchMode.TUNED,
          seed: int = 0, steps: int | None = None) -> RoutingResult:
    """Find low-cost feasible routes for every request of ``instance``.

    Parameters
    ----------
    instance
        The dial-a-ride instance; its objective includes the passengers' excess ride when
        ``instance.ride_cost`` is positive (the compiled search and the check count it).
    time_limit_s
        Wall-clock limit: the budget itself without ``steps``, only a safety cap with it.
    mode
        Search configuration (:class:`SearchMode`).
    seed
        Seed of the ruin-and-recreate search of the tuned mode.
    steps
        Work budget of the compiled search (tuned mode): with it, the routes depend only
        on the instance, seed and budget, unless the time cap binds
        (:attr:`RoutingResult.capped`); without it, the search runs to the time limit.

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
    if steps is not None and steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    t0 = time.perf_counter()
    manager, model = _build(instance)
    deadline = t0 + time_limit_s
    done, capped = 0, False
    if mode is SearchMode.DEFAULT:
        solution = model.SolveWithParameters(_search_parameters(mode, time_limit_s))
        if solution is None:
            raise _no_routes(instance, model, time_limit_s)
        routes = _routes_of(model, manager, solution, len(instance.vehicles))
    else:
        first_s = time_limit_s * GUIDED_SEARCH_SHARE if steps is None else time_limit_s
        routes, _, capped = _guided_search(instance, manager, model, first_s, deadline, first_only=steps is not None)
        lns = _lns_model(instance)
        outcome = improve_routes(lns, [list(r) for r in routes], seed=seed, steps=steps,
                                 deadline=deadline - (time_limit_s * POLISH_SHARE if steps is None else 0.0))
        polished, polish_capped = _polish(instance, manager, model, outcome.routes, deadline)
        routes = _cheaper(lns, polished, outcome.routes)
        done, capped = outcome.steps, steps is not None and (capped or outcome.capped or polish_capped)
    seconds = time.perf_counter() - t0
    return RoutingResult(routes=routes, report=check_routes(instance, routes), seconds=seconds,
                         time_limit_s=time_limit_s, mode=mode, steps=done, capped=capped)


def _cheaper(lns: LnsModel, polished: tuple[tuple[int, ...], ...],
             searched: list[list[int]]) -> tuple[tuple[int, ...], ...]:
    """The polished routes unless they cost more than the searched ones under the full objective.

    OR-Tools' polish prices vehicles only; with a ride cost it may lengthen rides, so both
    are priced as the compiled search prices them (a request left out at its price).
    """
    def total(routes: list[list[int]]) -> float:
        served = sum(len(r) for r in routes) // 2
        travel = sum(float(lns.cost[a, b]) for r in routes if r for a, b in
                     zip([0, *r], [*r, 2 * lns.n + 1], strict=True))
        fixed = sum(float(lns.fixed[v]) for v, r in enumerate(routes) if r)
        return (travel + fixed + lns.ride_cost * ride_minutes(lns, routes)
                + lns.unserved_price() * (lns.n - served))

    as_lists = [list(r) for r in polished]
    return polished if total(as_lists) <= total(searched) + 1e-9 else tuple(tuple(r) for r in searched)


def _no_routes(instance: DarpInstance, model: pywrapcp.RoutingModel, time_limit_s: float) -> SolverError:
    """The error for a search that returned no routes at all."""
    return SolverError(f"{instance.name}: OR-Tools returned no routes within {time_limit_s:g} s "
                       f"(status {model.status()}); fix: allow more time")


def _guided_search(instance: DarpInstance, manager: pywrapcp.RoutingIndexManager, model: pywrapcp.RoutingModel,
                   budget_s: float, deadline: float, *,
                   first_only: bool) -> tuple[tuple[tuple[int, ...], ...], int, bool]:
    """A first solution from each of :data:`FIRST_SOLUTION_STRATEGIES` in turn until one serves everyone.

    With ``first_only`` each attempt is OR-Tools' first solution alone (deterministic; the
    time is only a cap), else it is improved by guided local search for ``budget_s``
    (within ``deadline``). Returns the cheapest result (by OR-Tools' objective, in which an
    unserved request costs more than any complete solution), that objective, and whether
    the time cap cut an attempt short.
    """
    best: tuple[tuple[tuple[int, ...], ...], int] | None = None
    capped = False
    for strategy in FIRST_SOLUTION_STRATEGIES:
        remaining = deadline - time.perf_counter()
        if best is not None and remaining <= 0.05:
            capped = capped or first_only
            break
        params = _search_parameters(SearchMode.TUNED, max(0.05, min(budget_s, remaining)))
        params.first_solution_strategy = strategy
        if first_only:
            params.solution_limit = 1
        solution = model.SolveWithParameters(params)
        capped = capped or (first_only and model.status() == _TIMEOUT)
        if solution is None:
            continue
        found = (_routes_of(model, manager, solution, len(instance.vehicles)), solution.ObjectiveValue())
        if best is None or found[1] < best[1]:
            best = found
        if sum(map(len, found[0])) == 2 * instance.n_requests:
            break
    if best is None:
        raise _no_routes(instance, model, budget_s)
    return best[0], best[1], capped


#: OR-Tools' search statuses that mean the time limit, not the search, ended it.
_TIMEOUT_STATUSES = (
    routing_enums_pb2.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT,
    routing_enums_pb2.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED,
)
_TIMEOUT = routing_enums_pb2.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT


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


def _lns_model(instance: DarpInstance) -> LnsModel:
    """The arrays :mod:`~hubplan.routing.lns` searches with: the OR-Tools model's integer times, exact costs."""
    timing = _timing(instance)
    n_nodes = len(instance.nodes)
    service = np.array([node.service for node in instance.nodes], dtype=np.float64)
    ride_base = np.zeros(n_nodes, dtype=np.float64)
    for req in instance.requests:
        ride_base[req.pickup] = service[req.pickup] + instance.travel[req.pickup, req.dropoff]
    return LnsModel(
        n=instance.n_requests, transit=timing.transit, earliest=timing.earliest, latest=timing.latest,
        ride=timing.ride_limits, span=timing.span, cost=np.ascontiguousarray(instance.travel, dtype=np.float64),
        change=np.array([instance.load_change(node) for node in range(n_nodes)], dtype=np.int64),
        capacity=np.array([v.capacity for v in instance.vehicles], dtype=np.int64),
        fixed=np.array([v.fixed_cost for v in instance.vehicles], dtype=np.float64),
        related=relatedness(instance.travel, instance.n_requests),
        ride_arc=np.ascontiguousarray(instance.travel + service[:, None], dtype=np.float64),
        ride_base=ride_base, ride_cost=float(instance.ride_cost))


def _polish(instance: DarpInstance, manager: pywrapcp.RoutingIndexManager, model: pywrapcp.RoutingModel,
            routes: list[list[int]], deadline: float) -> tuple[tuple[tuple[int, ...], ...], bool]:
    """OR-Tools local search (greedy descent) from ``routes`` to a local optimum, ``deadline`` as a cap.

    Returns the routes (``routes`` when no time is left) and whether the deadline cut the descent short.
    """
    remaining = deadline - time.perf_counter()
    start = model.ReadAssignmentFromRoutes(routes, True)
    if remaining > 0.05 and start is not None:
        params = _search_parameters(SearchMode.TUNED, remaining)
        params.local_search_metaheuristic = POLISH_METAHEURISTIC
        solution = model.SolveFromAssignmentWithParameters(start, params)
        capped = model.status() in _TIMEOUT_STATUSES
        if solution is not None:
            return _routes_of(model, manager, solution, len(instance.vehicles)), capped
        return tuple(tuple(r) for r in routes), capped
    return tuple(tuple(r) for r in routes), start is not None


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

    timing = _timing(instance)
    horizon = int(timing.latest.max())
    model.AddDimension(model.RegisterTransitMatrix(timing.transit.tolist()), horizon, horizon, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    earliest, latest, ride_limits = timing.earliest, timing.latest, timing.ride_limits
    for node in range(n_nodes):
        if node not in (instance.start_depot, instance.end_depot):
            time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(earliest[node]), int(latest[node]))
    span = timing.span
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
        time_dim.AddNodePrecedence(pick, drop, 0)
        time_dim.AddNodePrecedence(drop, pick, -int(ride_limits[req.pickup]))
    return manager, model


@dataclass(frozen=True)
class _Timing:
    """The time model in OR-Tools' integer units, shared by the OR-Tools model and :mod:`~hubplan.routing.lns`.

    ``transit[a, b]`` is the service at ``a`` plus the travel ``a -> b``, rounded up;
    ``earliest``/``latest`` the (tightened) windows; ``ride_limits[p]`` the longest
    ``B(drop-off) - B(p)`` for pickup node ``p`` (max ride + pickup service, 0 for other
    nodes); ``span`` the longest route duration.
    """

    transit: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    ride_limits: np.ndarray
    span: int


def _timing(instance: DarpInstance) -> _Timing:
    """The integer time model of ``instance`` (see :class:`_Timing`)."""
    service = np.array([node.service for node in instance.nodes])
    transit = _scaled(instance.travel, up=True) + _scaled(service, up=True)[:, None]
    earliest = _scaled(np.array([node.earliest for node in instance.nodes]), up=True)
    latest = np.floor(np.array([node.latest for node in instance.nodes]) * SCALE + 1e-6).astype(np.int64)
    ride_limits = np.zeros(len(instance.nodes), dtype=np.int64)
    for req in instance.requests:
        ride_limits[req.pickup] = math.floor((req.max_ride_time + instance.nodes[req.pickup].service) * SCALE + 1e-6)
    if TIGHTEN_WINDOWS:
        earliest, latest = _tightened_windows(instance, earliest, latest, transit, ride_limits)
    return _Timing(transit=transit, earliest=earliest, latest=latest, ride_limits=ride_limits,
                   span=math.floor(instance.max_route_duration * SCALE + 1e-6))


def _tightened_windows(instance: DarpInstance, earliest: np.ndarray, latest: np.ndarray, transit: np.ndarray,
                       ride_limits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time windows narrowed by what each request's other window and ride limit imply (Cordeau 2006, sec. 5.1).

    In OR-Tools units, for a request with pickup ``p``, drop-off ``d``, direct transit
    ``t = transit[p, d]`` (travel + pickup service) and ride limit ``R``: ``B(d)`` lies in
    ``[e(p) + t, l(p) + R]`` and ``B(p)`` in ``[e(d) - R, l(d) - t]``. Both are implied by
    the model's constraints (same integer transits), so no feasible route is lost; the
    search's filters and insertion heuristics then reject hopeless positions earlier. A
    request whose narrowed window is empty cannot be served at all; it keeps its own
    windows and the search leaves it out (the check reports it unserved).
    """
    earliest, latest = earliest.copy(), latest.copy()
    for req in instance.requests:
        p, d = req.pickup, req.dropoff
        ride, direct = int(ride_limits[p]), int(transit[p, d])
        e_d, l_d = max(earliest[d], earliest[p] + direct), min(latest[d], latest[p] + ride)
        e_p, l_p = max(earliest[p], e_d - ride), min(latest[p], l_d - direct)
        if e_p <= l_p and e_d <= l_d:
            earliest[p], latest[p], earliest[d], latest[d] = e_p, l_p, e_d, l_d
    return earliest, latest


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
