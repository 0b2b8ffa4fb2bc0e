"""An independent checker for dial-a-ride routes: it trusts nothing the solver says.

Given an instance and one list of node ids per vehicle (depots left out), it
recomputes everything from the instance alone: that each request is served exactly
once, by one vehicle, pickup before drop-off; the load in each dimension after every
stop; a schedule; ride times; route durations; and the cost (travel plus the fixed
cost of each vehicle used, plus, when the instance prices passengers' time, their
excess ride time in the reported schedule at ``ride_cost``).

Schedules are exact. With ride-time limits, the earliest arrival at every stop is
not enough: a vehicle may have to wait before a pickup (or leave the depot later) so
that a passenger already on board, or the one being collected, does not ride too
long. Every constraint on a route's start-of-service times ``B`` is a difference
constraint or a bound, so the checker solves small linear programmes per route
(:func:`scipy.optimize.linprog`, HiGHS) with elastic lateness, ride-time excess and
duration excess, lexicographically: (1) the least lateness at each stop, which no
schedule can avoid (a window is reported broken only then); (2) with lateness held
there, the least ride-time and duration excess (zero exactly when the route has a
feasible schedule); (3) when feasible, the least total ride time plus route duration
(no waiting with passengers on board, no setting off earlier than needed), and among
those schedules (4) the earliest.
"""

from __future__ import annotations

import enum
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from hubplan.errors import SolverError
from hubplan.routing.darp import DarpInstance

__all__ = ["TOLERANCE", "CheckReport", "RouteSchedule", "Violation", "ViolationKind", "check_routes"]

#: Minutes (and load units) a value may exceed its limit by before it counts as a
#: violation: floating-point round-off of the schedule LP, nothing more.
TOLERANCE = 1e-6


class ViolationKind(enum.Enum):
    """The ways a set of dial-a-ride routes can be wrong."""

    NOT_A_REQUEST_NODE = "not a pickup or drop-off"
    TOO_MANY_ROUTES = "more routes than vehicles"
    VISITED_TWICE = "node visited more than once"
    UNSERVED = "request not fully served"
    SPLIT_REQUEST = "pickup and drop-off on different vehicles"
    DROPOFF_BEFORE_PICKUP = "drop-off before pickup"
    CAPACITY = "load above capacity"
    TIME_WINDOW = "service starts after the window closes"
    RIDE_TIME = "ride time above the limit"
    ROUTE_DURATION = "route duration above the limit"


@dataclass(frozen=True)
class Violation:
    """One broken constraint.

    Parameters
    ----------
    kind
        What is broken.
    vehicle
        Index of the route (vehicle) concerned, if any.
    node
        Node concerned, if any.
    request
        Request number concerned, if any.
    excess
        By how much a limit is exceeded (minutes or load units), for limit violations.
    """

    kind: ViolationKind
    vehicle: int | None = None
    node: int | None = None
    request: int | None = None
    excess: float | None = None

    def __str__(self) -> str:
        where = ", ".join(f"{label} {value}" for label, value in
                          (("vehicle", self.vehicle), ("node", self.node), ("request", self.request))
                          if value is not None)
        by = f" by {self.excess:.6g}" if self.excess is not None else ""
        return f"{self.kind.value}{by}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class RouteSchedule:
    """One vehicle's route as recomputed by the checker.

    Parameters
    ----------
    vehicle
        Index of the vehicle.
    stops
        Node ids in visiting order, start and end depots included.
    start_of_service
        Start of service at each stop (leaving time at the start depot, arrival at the
        end depot); when the route is feasible, the schedule with the least riding
        and duration (the earliest such), otherwise a least-violation schedule; empty when the route has nodes that are
        not pickups or drop-offs.
    loads
        Load in each dimension on leaving each stop.
    ride_times
        Ride time of each request carried wholly on this route, by request number.
    duration
        End-depot arrival minus start-depot departure in :attr:`start_of_service`.
    cost
        Travel cost of the route (``nan`` when a node id is out of range).
    """

    vehicle: int
    stops: tuple[int, ...]
    start_of_service: tuple[float, ...]
    loads: tuple[tuple[int, ...], ...]
    ride_times: dict[int, float]
    duration: float
    cost: float


@dataclass(frozen=True)
class CheckReport:
    """The checker's verdict on a set of routes.

    Parameters
    ----------
    cost
        Total cost: the routes' travel costs plus the fixed cost of every vehicle that
        serves at least one stop, plus the passengers' excess ride time at the instance's
        ``ride_cost`` (the generalised cost; nothing when ``ride_cost`` is 0).
    routes
        Each route as recomputed.
    violations
        Every constraint found broken; empty when the routes are feasible.
    fixed_cost
        The fixed costs included in :attr:`cost` (those of the vehicles used).
    excess_ride_minutes
        Total minutes the requests carried ride beyond their direct drive (ride time
        minus ``travel[pickup, dropoff]``) in the reported schedules.
    ride_cost
        The passengers' share of :attr:`cost`: ``instance.ride_cost`` x :attr:`excess_ride_minutes`.
    """

    cost: float
    routes: tuple[RouteSchedule, ...]
    violations: tuple[Violation, ...]
    fixed_cost: float = 0.0
    excess_ride_minutes: float = 0.0
    ride_cost: float = 0.0

    @property
    def feasible(self) -> bool:
        """Whether no constraint is broken."""
        return not self.violations

    @property
    def travel_cost(self) -> float:
        """The routes' travel costs alone (:attr:`cost` without the fixed costs and the passengers' ride cost)."""
        return float(sum(route.cost for route in self.routes))

    @property
    def vehicles_used(self) -> tuple[int, ...]:
        """Indices of the vehicles whose route has at least one stop."""
        return tuple(route.vehicle for route in self.routes if len(route.stops) > 2)

    @property
    def unserved_requests(self) -> tuple[int, ...]:
        """Numbers of the requests not fully served (pickup or drop-off missing), ascending."""
        return tuple(sorted(v.request for v in self.violations
                            if v.kind is ViolationKind.UNSERVED and v.request is not None))

    def kinds(self) -> set[ViolationKind]:
        """The kinds of violation found."""
        return {v.kind for v in self.violations}


def check_routes(instance: DarpInstance, routes: Sequence[Sequence[int]]) -> CheckReport:
    """Check dial-a-ride routes against every constraint of ``instance``.

    Parameters
    ----------
    instance
        The instance.
    routes
        One sequence of node ids per vehicle, in visiting order, depots left out
        (fewer sequences than vehicles: the rest stay at the depot).

    Returns
    -------
    CheckReport
        Cost, recomputed routes and the list of violations.
    """
    violations: list[Violation] = []
    if len(routes) > len(instance.vehicles):
        violations.append(Violation(ViolationKind.TOO_MANY_ROUTES, excess=len(routes) - len(instance.vehicles)))
    violations += _service_violations(instance, routes)
    schedules = []
    for vehicle, route in enumerate(routes):
        schedule, route_violations = _check_route(instance, vehicle, [int(node) for node in route])
        schedules.append(schedule)
        violations += route_violations
    # a route beyond the fleet (reported as TOO_MANY_ROUTES) has no vehicle, so no fixed cost
    fixed = float(sum(instance.vehicles[vehicle].fixed_cost for vehicle, route in enumerate(routes)
                      if route and vehicle < len(instance.vehicles)))
    travel = float(sum(s.cost for s in schedules))
    excess = float(sum(ride - instance.travel[instance.requests[number - 1].pickup,
                                              instance.requests[number - 1].dropoff]
                       for s in schedules for number, ride in s.ride_times.items()))
    riding = instance.ride_cost * excess
    return CheckReport(cost=travel + fixed + riding, routes=tuple(schedules), violations=tuple(violations),
                       fixed_cost=fixed, excess_ride_minutes=excess, ride_cost=riding)


def _service_violations(instance: DarpInstance, routes: Sequence[Sequence[int]]) -> list[Violation]:
    """Each request served exactly once, by one vehicle, pickup first; nothing else visited."""
    out: list[Violation] = []
    n = instance.n_requests
    visits: Counter[int] = Counter()
    where: dict[int, tuple[int, int]] = {}  # node -> (vehicle, position) of its first visit
    for vehicle, route in enumerate(routes):
        for position, node in enumerate(route):
            node = int(node)
            if not 1 <= node <= 2 * n:
                out.append(Violation(ViolationKind.NOT_A_REQUEST_NODE, vehicle=vehicle, node=node))
                continue
            visits[node] += 1
            where.setdefault(node, (vehicle, position))
    out += [Violation(ViolationKind.VISITED_TWICE, node=node, request=instance.request_of(node).number)
            for node, count in sorted(visits.items()) if count > 1]
    for req in instance.requests:
        if req.pickup not in where or req.dropoff not in where:
            out.append(Violation(ViolationKind.UNSERVED, request=req.number))
            continue
        (pick_vehicle, pick_pos), (drop_vehicle, drop_pos) = where[req.pickup], where[req.dropoff]
        if pick_vehicle != drop_vehicle:
            out.append(Violation(ViolationKind.SPLIT_REQUEST, request=req.number))
        elif drop_pos < pick_pos:
            out.append(Violation(ViolationKind.DROPOFF_BEFORE_PICKUP, vehicle=pick_vehicle, request=req.number))
    return out


def _check_route(instance: DarpInstance, vehicle: int, route: list[int]) -> tuple[RouteSchedule, list[Violation]]:
    """Loads, cost, schedule, ride times and duration of one route, and what they break."""
    stops = (instance.start_depot, *route, instance.end_depot)
    n_nodes = len(instance.nodes)
    if any(not 0 <= node < n_nodes for node in stops):
        return RouteSchedule(vehicle, stops, (), (), {}, float("nan"), float("nan")), []
    cost = float(sum(instance.travel[a, b] for a, b in itertools.pairwise(stops)))
    if not route:
        return RouteSchedule(vehicle, stops, (0.0, 0.0), ((0,) * len(instance.dimensions),) * 2, {}, 0.0, 0.0), []
    violations: list[Violation] = []
    # a route beyond the fleet (reported as TOO_MANY_ROUTES) is measured against the last vehicle
    capacity = np.array(instance.vehicles[min(vehicle, len(instance.vehicles) - 1)].capacity)
    changes = np.array([instance.load_change(node) if 1 <= node <= 2 * instance.n_requests
                        else (0,) * len(instance.dimensions) for node in stops])
    loads = np.cumsum(changes, axis=0)
    for position, node in enumerate(stops):
        over = loads[position] - capacity
        if (over > 0).any():
            violations.append(Violation(ViolationKind.CAPACITY, vehicle=vehicle, node=node,
                                        excess=float(over.max())))
    if any(not 1 <= node <= 2 * instance.n_requests for node in route):
        # a depot inside the route: no meaningful schedule (already reported as NOT_A_REQUEST_NODE)
        return RouteSchedule(vehicle, stops, (), tuple(map(tuple, loads.tolist())), {}, float("nan"), cost), violations
    rides = _carried_requests(instance, route)
    times, schedule_violations = _schedule(instance, vehicle, stops, rides)
    violations += schedule_violations
    ride_times = {req: times[d] - times[p] - instance.nodes[stops[p]].service for req, (p, d) in rides.items()}
    schedule = RouteSchedule(vehicle, stops, tuple(times.tolist()), tuple(map(tuple, loads.tolist())),
                             ride_times, float(times[-1] - times[0]), cost)
    return schedule, violations


def _carried_requests(instance: DarpInstance, route: list[int]) -> dict[int, tuple[int, int]]:
    """Requests picked up then dropped off on this route: number -> (pickup stop, drop-off stop) positions."""
    position: dict[int, int] = {}
    for index, node in enumerate(route, start=1):  # stop 0 is the start depot
        position.setdefault(node, index)
    out = {}
    for req in instance.requests:
        p, d = position.get(req.pickup), position.get(req.dropoff)
        if p is not None and d is not None and p < d:
            out[req.number] = (p, d)
    return out


def _schedule(instance: DarpInstance, vehicle: int, stops: tuple[int, ...],
              rides: dict[int, tuple[int, int]]) -> tuple[np.ndarray, list[Violation]]:
    """Exact schedule of one route: least violation, then (if none) least riding and duration, then earliest."""
    m = len(stops)
    nodes = [instance.nodes[node] for node in stops]
    ride_list = sorted(rides.items())
    n_late, n_ride = m, len(ride_list)
    n_vars = m + n_late + n_ride + 1  # B, lateness, ride excess, duration excess
    rows, rhs = [], []

    def row(coefs: dict[int, float], bound: float) -> None:
        vec = np.zeros(n_vars)
        for index, value in coefs.items():
            vec[index] += value
        rows.append(vec)
        rhs.append(bound)

    for k in range(m - 1):  # B_k + s_k + t(k, k+1) <= B_{k+1}
        row({k: 1.0, k + 1: -1.0}, -(nodes[k].service + float(instance.travel[stops[k], stops[k + 1]])))
    for k in range(m):  # B_k <= latest_k + lateness_k
        row({k: 1.0, m + k: -1.0}, nodes[k].latest)
    for j, (number, (p, d)) in enumerate(ride_list):  # B_d - (B_p + s_p) <= L + excess
        req = instance.requests[number - 1]
        row({d: 1.0, p: -1.0, m + n_late + j: -1.0}, req.max_ride_time + nodes[p].service)
    row({m - 1: 1.0, 0: -1.0, n_vars - 1: -1.0}, instance.max_route_duration)
    a_ub, b_ub = np.array(rows), np.array(rhs)
    bounds: list[tuple[float, float | None]] = [(node.earliest, None) for node in nodes]
    bounds += [(0.0, None)] * (n_late + n_ride + 1)
    n_slack = n_late + n_ride + 1
    # 1. least lateness, ride time and duration ignored: lateness no schedule can avoid
    lateness = _solve_lp(np.r_[np.zeros(m), np.ones(n_late), np.zeros(n_ride + 1)], a_ub, b_ub, bounds)[m:m + n_late]
    # 2. with lateness held there, least ride-time and duration excess
    bounds = [*bounds[:m], *[(0.0, float(late) + TOLERANCE) for late in lateness], *bounds[m + n_late:]]
    least = _solve_lp(np.r_[np.zeros(m + n_late), np.ones(n_ride + 1)], a_ub, b_ub, bounds)
    slack = least[m:]
    if (slack > TOLERANCE).any():
        out = [Violation(ViolationKind.TIME_WINDOW, vehicle=vehicle, node=stops[k], excess=float(slack[k]))
               for k in range(m) if slack[k] > TOLERANCE]
        out += [Violation(ViolationKind.RIDE_TIME, vehicle=vehicle, request=number,
                          excess=float(slack[n_late + j]))
                for j, (number, _) in enumerate(ride_list) if slack[n_late + j] > TOLERANCE]
        if slack[-1] > TOLERANCE:
            out.append(Violation(ViolationKind.ROUTE_DURATION, vehicle=vehicle, excess=float(slack[-1])))
        return least[:m], out
    # 3. feasible: the least total ride time plus route duration (what passengers and the
    # driver live with; no needless waiting with people on board or before setting off),
    # slacks held at their (round-off sized) least values
    held: list[tuple[float, float | None]] = [*bounds[:m], *[(0.0, max(0.0, float(value))) for value in slack]]
    riding = np.zeros(n_vars)
    for _, (p, d) in ride_list:
        riding[d] += 1.0
        riding[p] -= 1.0
    riding[m - 1] += 1.0
    riding[0] -= 1.0
    least_riding = _solve_lp(riding, a_ub, b_ub, held)
    # 4. among those schedules, the earliest
    a_held = np.vstack([a_ub, riding])
    b_held = np.r_[b_ub, float(riding @ least_riding) + TOLERANCE]
    earliest = _solve_lp(np.r_[np.ones(m), np.zeros(n_slack)], a_held, b_held, held)
    return earliest[:m], []


def _solve_lp(cost: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray,
              bounds: list[tuple[float, float | None]]) -> np.ndarray:
    """Solve ``min cost.x`` s.t. ``a_ub x <= b_ub`` and bounds (always feasible here: slacks are elastic)."""
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if result.status != 0:
        raise SolverError(f"route schedule LP failed: {result.message}")
    return np.asarray(result.x)
