"""An independent checker for location-routing solutions.

It shares nothing with the search but the instance's numbers: arc costs are
recomputed here from the coordinates (``ceil(100 * distance)`` for Prodhon's integer
convention, the one the best known values use), and every constraint is checked from the routes alone: each route's load
against the vehicle capacity, each depot's load against its capacity, each customer
served exactly once, and the total cost = opening costs of the depots that have a
route + the fixed cost of each route + travel.

Examples
--------
>>> from hubplan.routing.lrp.instance import LrpInstance
>>> inst = LrpInstance.from_points([[0, 0]], [[3, 4], [3, -4]], demand=[1, 1], vehicle_capacity=2,
...                                depot_capacity=[2], opening_cost=[50], route_cost=7)
>>> result = check_solution(inst, [LrpRoute(0, (0, 1))])
>>> result.feasible, result.cost
(True, 1857.0)
>>> check_solution(inst, [LrpRoute(0, (0,))]).violations
('customer 1 is served 0 times (must be exactly once)',)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hubplan.routing.lrp.instance import LrpInstance

__all__ = ["CheckResult", "LrpRoute", "check_solution"]

#: Loads may exceed a capacity by this much before it counts (demands are whole numbers in every set).
LOAD_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LrpRoute:
    """One vehicle's route: its depot and the customers in visiting order (0-based indices).

    The vehicle leaves ``depot``, visits ``customers`` and returns to ``depot``.
    """

    depot: int
    customers: tuple[int, ...]


@dataclass(frozen=True)
class CheckResult:
    """What the checker found.

    Parameters
    ----------
    feasible
        ``True`` when no constraint is violated.
    cost
        Opening + fixed route + travel cost, recomputed (also given when infeasible).
    opening, fixed, travel
        The three parts of :attr:`cost`.
    open_depots
        Depots with at least one route, ascending.
    violations
        One sentence per violated constraint.
    """

    feasible: bool
    cost: float
    opening: float
    fixed: float
    travel: float
    open_depots: tuple[int, ...]
    violations: tuple[str, ...]


def _arc(a: tuple[float, float], b: tuple[float, float], integer: bool) -> float:
    dist = math.hypot(a[0] - b[0], a[1] - b[1])
    return float(math.ceil(100.0 * dist - 1e-7)) if integer else dist


def _route_travel(inst: LrpInstance, route: LrpRoute) -> float:
    points = [tuple(inst.depot_xy[route.depot])]
    points += [tuple(inst.customer_xy[c]) for c in route.customers]
    points.append(points[0])
    return sum(_arc(points[k], points[k + 1], inst.integer_costs) for k in range(len(points) - 1))


def _index_violations(inst: LrpInstance, routes: Sequence[LrpRoute]) -> list[str]:
    found = []
    for r, route in enumerate(routes):
        if not 0 <= route.depot < inst.n_depots:
            found.append(f"route {r} starts at depot {route.depot}, which does not exist")
        if not route.customers:
            found.append(f"route {r} visits no customer")
        bad = [c for c in route.customers if not 0 <= c < inst.n_customers]
        if bad:
            found.append(f"route {r} visits customer {bad[0]}, which does not exist")
    return found


def check_solution(inst: LrpInstance, routes: Sequence[LrpRoute]) -> CheckResult:
    """Check ``routes`` against every constraint of ``inst`` and recompute their cost.

    Parameters
    ----------
    inst
        The instance.
    routes
        Every route of the solution (an empty route is a violation: it would be charged).

    Returns
    -------
    CheckResult
        Infeasible with reasons when indices are out of range (then the cost is ``nan``),
        a customer is missing or served more than once, or a capacity is exceeded.
    """
    violations = _index_violations(inst, routes)
    if any("does not exist" in v for v in violations):
        nan = float("nan")
        return CheckResult(False, nan, nan, nan, nan, (), tuple(violations))
    served = [0] * inst.n_customers
    depot_load = [0.0] * inst.n_depots
    travel = 0.0
    for r, route in enumerate(routes):
        load = 0.0
        for c in route.customers:
            served[c] += 1
            load += float(inst.demand[c])
        if load > inst.vehicle_capacity + LOAD_TOLERANCE:
            violations.append(f"route {r} (depot {route.depot}) carries {load:g}, more than the vehicle "
                              f"capacity {inst.vehicle_capacity:g}")
        depot_load[route.depot] += load
        travel += _route_travel(inst, route)
    for j, load in enumerate(depot_load):
        if load > float(inst.depot_capacity[j]) + LOAD_TOLERANCE:
            violations.append(f"depot {j} serves {load:g}, more than its capacity {float(inst.depot_capacity[j]):g}")
    violations += [f"customer {c} is served {k} times (must be exactly once)" for c, k in enumerate(served) if k != 1]
    open_depots = tuple(sorted({route.depot for route in routes}))
    opening = float(sum(float(inst.opening_cost[j]) for j in open_depots))
    fixed = inst.route_cost * len(routes)
    return CheckResult(not violations, opening + fixed + travel, opening, fixed, travel, open_depots,
                       tuple(violations))
