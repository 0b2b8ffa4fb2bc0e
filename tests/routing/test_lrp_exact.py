"""The location-routing engine matches exact optima found by brute force on tiny instances.

The exact solver here shares nothing with the engine: arc costs from the coordinates,
every route's best visiting order by trying all orders, the cheapest way to split each
customer set into routes from each depot, and every assignment of customers to depots.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hubplan.routing.lrp.check import check_solution
from hubplan.routing.lrp.instance import LrpInstance
from hubplan.routing.lrp.solve import LrpSettings, solve_lrp


def _arc(a, b) -> float:
    return float(math.ceil(100.0 * math.hypot(a[0] - b[0], a[1] - b[1]) - 1e-7))


def brute_force(inst: LrpInstance) -> float:
    """The exact optimum of a tiny instance (enumeration; about n! * 2^n * m work)."""
    n, m = inst.n_customers, inst.n_depots
    cust = [tuple(p) for p in inst.customer_xy]
    full = 1 << n
    load = [sum(float(inst.demand[c]) for c in range(n) if mask >> c & 1) for mask in range(full)]
    best_set: list[list[float]] = []  # cheapest way to serve exactly `mask` by routes from depot j
    for j in range(m):
        home = tuple(inst.depot_xy[j])
        tour = [math.inf] * full
        for mask in range(1, full):
            members = [c for c in range(n) if mask >> c & 1]
            if load[mask] <= inst.vehicle_capacity:
                tour[mask] = min(
                    _arc(home, cust[order[0]]) + _arc(cust[order[-1]], home)
                    + sum(_arc(cust[a], cust[b]) for a, b in itertools.pairwise(order))
                    for order in itertools.permutations(members))
        routes = [0.0] + [math.inf] * (full - 1)
        for mask in range(1, full):
            low = mask & -mask
            sub = mask
            while sub:
                if sub & low and tour[sub] < math.inf:
                    routes[mask] = min(routes[mask], inst.route_cost + tour[sub] + routes[mask ^ sub])
                sub = (sub - 1) & mask
        best_set.append(routes)
    best = math.inf
    for owner in itertools.product(range(m), repeat=n):
        masks = [sum(1 << c for c in range(n) if owner[c] == j) for j in range(m)]
        if any(load[masks[j]] > inst.depot_capacity[j] for j in range(m)):
            continue
        best = min(best, sum(best_set[j][masks[j]] + float(inst.opening_cost[j]) for j in range(m) if masks[j]))
    return best


def tiny_instance(seed: int) -> LrpInstance:
    """3 candidate depots, 6 customers; vehicles carry 2-3 customers, no depot can serve all."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(5, 15, size=6)
    return LrpInstance.from_points(
        rng.integers(0, 50, size=(3, 2)), rng.integers(0, 50, size=(6, 2)), demand=demand,
        vehicle_capacity=float(rng.integers(25, 35)), depot_capacity=np.full(3, 0.7 * demand.sum()).round(),
        opening_cost=rng.integers(1_000, 4_000, size=3), route_cost=500.0, name=f"tiny{seed}")


@pytest.mark.parametrize("seed", range(6))
def test_engine_matches_the_brute_force_optimum(seed):
    inst = tiny_instance(seed)
    optimum = brute_force(inst)
    result = solve_lrp(inst, LrpSettings(screen_steps=200, starts=3, refine_steps=3_000, move_steps=300,
                                         final_count=2, final_steps=10_000, seed=seed))
    check = check_solution(inst, result.routes)
    assert check.feasible and check.cost == result.cost
    assert result.cost == optimum


def test_brute_force_sees_depot_capacities():
    """With room for everyone at one depot the optimum is lower than with the 70% limit."""
    inst = tiny_instance(0)
    roomy = LrpInstance.from_points(inst.depot_xy, inst.customer_xy, demand=inst.demand,
                                    vehicle_capacity=inst.vehicle_capacity,
                                    depot_capacity=np.full(3, inst.demand.sum()), opening_cost=inst.opening_cost,
                                    route_cost=inst.route_cost)
    assert brute_force(roomy) < brute_force(inst)
