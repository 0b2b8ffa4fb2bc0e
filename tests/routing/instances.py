"""Hand-made and random dial-a-ride instances shared by the transport tests."""

from __future__ import annotations

import numpy as np

from hubplan.routing.darp import DarpInstance, Node, Request, Vehicle, euclidean_matrix


def two_sided_instance(fixed_cost: float) -> DarpInstance:
    """Two requests on either side of the depot (x = 0), where one vehicle costs 100 and two cost 80 in travel.

    Request 1 goes from x=10 (pickup by minute 10) to x=20; request 2 from x=-10 to x=-20 (drop-off by
    minute 55). Two vehicles go straight out and back: 40 + 40. One vehicle must collect 1 at minute 10,
    then serve 2 with 1 on board and only then drop 1: 10 + 20 + 10 + 40 + 20 = 100. Every vehicle has two
    seats and one wheelchair space and costs ``fixed_cost`` when used.
    """
    xs = [0, 10, -10, 20, -20, 0]
    windows = {1: (0.0, 10.0), 4: (0.0, 55.0)}
    nodes = tuple(Node(i, float(x), 0.0, 0.0, *windows.get(i, (0.0, 1000.0))) for i, x in enumerate(xs))
    requests = (Request(1, 1, 3, (1, 0), 100.0), Request(2, 2, 4, (1, 0), 100.0))
    fleet = tuple(Vehicle((2, 1), fixed_cost=fixed_cost) for _ in range(2))
    return DarpInstance("two-sided", ("seats", "wheelchair spaces"), nodes, requests, fleet, 1000.0,
                        euclidean_matrix(nodes))


def planner_like_instance(n_requests: int, seed: int) -> DarpInstance:
    """A random day-service-sized instance: one depot, seats and wheelchair spaces, a mixed fleet with fixed costs.

    Homes and destinations are uniform in a 20 x 20 square around the depot; every fourth request is a
    wheelchair user (one seat and one wheelchair space); pickups open at a random minute 0..120 for an
    hour; 30 minutes ride at most, 8-hour routes. Fleet: three 8-seat minibuses without wheelchair
    space (fixed cost 50) and two 6-seat ones with two spaces (fixed cost 60).
    """
    rng = np.random.default_rng(seed)
    n = n_requests
    points = rng.uniform(-10.0, 10.0, size=(2 * n, 2))
    opens = rng.uniform(0.0, 120.0, size=n)
    windows = [(float(o), float(o) + 60.0) for o in opens] + [(0.0, 480.0)] * n
    nodes = (Node(0, 0.0, 0.0, 0.0, 0.0, 480.0),
             *(Node(i + 1, float(x), float(y), 1.0, *windows[i]) for i, (x, y) in enumerate(points)),
             Node(2 * n + 1, 0.0, 0.0, 0.0, 0.0, 480.0))
    requests = tuple(Request(i, i, n + i, (1, 1) if i % 4 == 0 else (1, 0), 30.0) for i in range(1, n + 1))
    fleet = (*(Vehicle((8, 0), fixed_cost=50.0) for _ in range(3)),
             *(Vehicle((6, 2), fixed_cost=60.0) for _ in range(2)))
    return DarpInstance(f"planner-{n}-{seed}", ("seats", "wheelchair spaces"), nodes, requests, fleet, 480.0,
                        euclidean_matrix(nodes))
