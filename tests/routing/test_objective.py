"""The routing objective: passengers' excess ride priced in, a work budget, reproducible routes."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from itertools import pairwise

import pytest

from hubplan.routing.darp import DarpInstance
from hubplan.routing.route import _lns_model, route
from tests.routing.instances import planner_like_instance, two_sided_instance


def _generalised_cost(instance: DarpInstance, routes, schedules) -> tuple[float, float]:
    """Travel + fixed costs + ride_cost x excess ride, recomputed from the routes and their start times.

    Returns (generalised cost, excess ride minutes). Only the start-of-service times are taken
    from the checker's schedules; everything else is read from the instance.
    """
    end = instance.end_depot
    travel = sum(instance.travel[a, b] for r in routes if r for a, b in pairwise([0, *r, end]))
    fixed = sum(instance.vehicles[v].fixed_cost for v, r in enumerate(routes) if r)
    excess = 0.0
    for r, schedule in zip(routes, schedules, strict=True):
        start = dict(zip([0, *r, end], schedule.start_of_service, strict=True))
        for req in instance.requests:
            if req.pickup in r:
                ride = start[req.dropoff] - start[req.pickup] - instance.nodes[req.pickup].service
                excess += ride - instance.travel[req.pickup, req.dropoff]
    return travel + fixed + instance.ride_cost * excess, excess


def test_the_generalised_cost_is_recomputed_independently_from_the_routes():
    inst = dataclasses.replace(planner_like_instance(20, 2), ride_cost=0.5)
    result = route(inst, time_limit_s=60.0, steps=1500, seed=3)
    assert result.report.feasible
    cost, excess = _generalised_cost(inst, result.routes, result.report.routes)
    assert excess > 0
    assert result.report.excess_ride_minutes == pytest.approx(excess, abs=1e-6)
    assert result.report.ride_cost == pytest.approx(0.5 * excess, abs=1e-6)
    assert result.cost == pytest.approx(cost, abs=1e-6)


def test_the_search_counts_rides_as_the_checker_does_when_nobody_waits_aboard():
    from hubplan.routing.lns import ride_minutes

    inst = dataclasses.replace(two_sided_instance(30.0), ride_cost=1.0)
    # one vehicle: request 1 rides 20 + 10 + 40 = 70 minutes for a 10-minute direct drive, request 2 its direct 10
    assert ride_minutes(_lns_model(inst), [[1, 2, 4, 3], []]) == pytest.approx(60.0)


@pytest.mark.parametrize(("ride_cost", "vehicles", "excess", "cost"), [
    (0.0, 1, 60.0, 100.0 + 30.0),  # vehicles only: one vehicle (100 + 30) beats two (80 + 60); request 1 rides 70
    (1.0, 2, 0.0, 80.0 + 60.0),  # one vehicle would cost 130 + 60 minutes of excess ride: two (140) are cheaper
])
def test_pricing_passengers_time_chooses_shorter_rides_when_they_are_worth_it(ride_cost, vehicles, excess, cost):
    inst = dataclasses.replace(two_sided_instance(30.0), ride_cost=ride_cost)
    result = route(inst, time_limit_s=30.0, steps=300)
    assert result.report.feasible
    assert len(result.report.vehicles_used) == vehicles
    assert result.report.excess_ride_minutes == pytest.approx(excess, abs=1e-3)
    assert result.cost == pytest.approx(cost + ride_cost * excess, abs=1e-3)


def test_a_negative_ride_cost_is_rejected():
    with pytest.raises(ValueError, match="ride_cost"):
        dataclasses.replace(two_sided_instance(0.0), ride_cost=-1.0)


def test_the_same_budget_and_seed_give_the_same_routes_even_on_a_loaded_machine():
    inst = dataclasses.replace(planner_like_instance(40, 3), ride_cost=0.2)
    quiet = route(inst, time_limit_s=300.0, steps=3000, seed=7)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # loads the other core
    try:
        loaded = route(inst, time_limit_s=300.0, steps=3000, seed=7)
    finally:
        busy.kill()
        busy.wait()
    assert not quiet.capped and not loaded.capped
    assert quiet.steps == loaded.steps == 3000
    assert quiet.routes == loaded.routes
    assert quiet.cost == loaded.cost


def test_a_time_cap_that_binds_is_reported():
    result = route(planner_like_instance(20, 2), time_limit_s=0.5, steps=10**9)
    assert result.capped
    assert 0 < result.steps < 10**9
    assert "time cap" in result.describe()
