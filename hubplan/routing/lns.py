"""Ruin-and-recreate search for dial-a-ride routes, compiled with numba.

Slack induction by string removals (SISR; Christiaens & Vanden Berghe 2020, Transportation
Science 54(2):417-433) adapted to pickup-and-drop-off pairs: each step removes a few
strings of consecutive stops from routes near a random request (every request with a
stop in a string is removed whole), re-inserts the removed requests one by one at their
cheapest feasible positions (:mod:`hubplan.routing.insertion`; a few positions skipped
at random, the "blinks"), and accepts the result by simulated annealing; the best routes
seen are kept.

The objective is the routes' travel cost, the fixed cost of each vehicle used and, when
``ride_cost`` is positive, the passengers' minutes on board beyond their direct drives
at that price (:func:`ride_minutes`); a request left out costs
:meth:`LnsModel.unserved_price`, more than any complete solution.

The search stops after a given number of steps (its work budget), so that the same
instance, start and seed give the same routes whatever the machine's load; the
annealing temperature falls with the share of the budget used. A deadline is only a
safety cap; :func:`improve_routes` says how many steps were made, so a caller can
report when the cap, not the budget, ended the search. Without a step budget the
search runs to the deadline (the benchmarks' mode, measured per second).

Parameters: the removal sizes and the blink rate are the SISR paper's. The starting
temperature (a share of a typical arc's cost) and the share of steps that remove a whole
route (so that the fleet can shrink when vehicles have fixed costs) were chosen on
Cordeau's larger instances and on random day-service instances; both are compile-time
constants of the cached kernels or arguments of them, named below.
"""

# numba's nopython mode compiles the legacy np.random functions (its own generator, seeded
# by _seed), not numpy Generator methods: NPY002 does not apply to the compiled kernels.
# ruff: noqa: NPY002

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from hubplan.routing.insertion import best_insertion, feasible, insert

__all__ = ["LnsModel", "SearchOutcome", "improve_routes", "relatedness", "ride_minutes", "route_is_feasible", "warm_up"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Average number of requests removed per step (SISR's c-bar; the paper suggests 10).
AVERAGE_REMOVED = 10
#: Longest string of consecutive stops removed from one route (SISR's L-max; the paper suggests 10).
MAX_STRING = 10
#: Simulated-annealing temperatures at the start and end of the search (falling
#: exponentially with the share of the step budget, or of the time, used), as shares of the
#: starting cost divided by the number of requests, a typical arc's cost.
START_TEMPERATURE_SHARE, END_TEMPERATURE_SHARE = 0.3, 0.001
#: Probability that a step removes one whole route instead of strings, so that the fleet
#: can shrink when vehicles have fixed costs.
ROUTE_REMOVAL_RATE = 0.05
#: Search steps per compiled call between checks of the clock (and of the temperature).
STEPS_PER_CALL = 200


@dataclass(frozen=True)
class LnsModel:
    """The instance as arrays for the compiled search (times in OR-Tools' integer units).

    Parameters
    ----------
    n
        Number of requests: pickup ``i`` is node ``i``, its drop-off ``n + i``, the start
        depot node 0 and the end depot node ``2n + 1``.
    transit
        ``transit[a, b]``: service at ``a`` plus travel ``a -> b``, rounded up.
    earliest, latest
        Each node's window for the start of service.
    ride
        ``ride[p]``: the longest ``B(drop-off) - B(p)`` for pickup node ``p`` (0 elsewhere).
    span
        The longest ``B(end depot) - B(start depot)``.
    cost
        Travel cost between nodes (exact, not rounded).
    change
        Load change at each node per load dimension.
    capacity
        Capacity of each vehicle per load dimension.
    fixed
        Fixed cost of each vehicle, paid when its route has a stop.
    related
        Row ``r``: request indices (0-based) ordered by closeness to request ``r`` (the
        sum of the pickup-pickup and drop-off-drop-off distances), ``r`` first.
    ride_arc
        ``ride_arc[a, b]``: minutes on board from the start of service at ``a`` to
        reaching ``b`` (service at ``a`` plus the drive; exact, not rounded).
    ride_base
        ``ride_base[p]``: pickup ``p``'s service plus its direct drive (0 elsewhere): a
        passenger's excess ride is its legs' ``ride_arc`` sum less this.
    ride_cost
        Price of a passenger-minute beyond the direct drive (0: vehicles' costs only).
    """

    n: int
    transit: IntArray
    earliest: IntArray
    latest: IntArray
    ride: IntArray
    span: int
    cost: FloatArray
    change: IntArray
    capacity: IntArray
    fixed: FloatArray
    related: IntArray
    ride_arc: FloatArray
    ride_base: FloatArray
    ride_cost: float = 0.0

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles."""
        return int(self.capacity.shape[0])

    def unserved_price(self) -> float:
        """Price of an unserved request: above any complete solution's cost (cf. the OR-Tools model)."""
        arcs = 2 * self.n + self.n_vehicles
        riding = self.ride_cost * self.n * arcs * float(self.ride_arc.max(initial=0.0))
        return float(arcs * self.cost.max() + self.fixed.sum() + riding + 1.0)


def relatedness(cost: FloatArray, n: int) -> IntArray:
    """Requests ordered by closeness to each request (see :attr:`LnsModel.related`)."""
    pickups, dropoffs = np.arange(1, n + 1), np.arange(n + 1, 2 * n + 1)
    distance = cost[np.ix_(pickups, pickups)] + cost[np.ix_(dropoffs, dropoffs)]
    np.fill_diagonal(distance, -1.0)
    return np.argsort(distance, axis=1, kind="stable").astype(np.int64)


@dataclass(frozen=True)
class SearchOutcome:
    """What :func:`improve_routes` found and how much work it did.

    Parameters
    ----------
    routes
        The best routes found: node ids per vehicle, depots left out.
    steps
        Ruin-and-recreate steps made.
    capped
        Whether the deadline stopped the search before its step budget was used.
    """

    routes: list[list[int]]
    steps: int
    capped: bool


def improve_routes(model: LnsModel, routes: list[list[int]], *, deadline: float, seed: int,
                   steps: int | None = None) -> SearchOutcome:
    """Improve ``routes`` by ruin and recreate with simulated annealing for ``steps`` steps.

    Parameters
    ----------
    model
        The instance's arrays.
    routes
        A starting solution: node ids per vehicle, depots left out; it must be feasible
        (requests may be missing: they are inserted when possible).
    deadline
        :func:`time.perf_counter` value at which to stop in any case (a safety cap).
    seed
        Seed of the random choices.
    steps
        The work budget; the same model, start, seed and budget give the same routes
        unless the deadline comes first. ``None``: run until the deadline.

    Returns
    -------
    SearchOutcome
        The best routes found (cheapest, requests left out priced by
        :meth:`LnsModel.unserved_price`), the steps made and whether the deadline cut them short.
    """
    n, k = model.n, model.n_vehicles
    current = np.zeros((k, 2 * n), dtype=np.int64)
    lengths = np.zeros(k, dtype=np.int64)
    for v, stops in enumerate(routes):
        current[v, :len(stops)] = stops
        lengths[v] = len(stops)
    best, best_lengths = current.copy(), lengths.copy()
    price = model.unserved_price()
    arrays = (model.transit, model.earliest, model.latest, model.ride, model.span, model.cost, model.change,
              model.capacity, model.fixed, model.related, model.ride_arc, model.ride_base, model.ride_cost, price)
    _seed(seed)
    current_cost = _total_cost(current, lengths, n, model.cost, model.fixed, model.ride_arc, model.ride_base,
                               model.ride_cost, price)
    best_cost = current_cost
    started = time.perf_counter()
    total = max(deadline - started, 1e-9)
    scale = current_cost / max(n, 1) if current_cost < price else model.cost.max()
    t_start, t_end = START_TEMPERATURE_SHARE * scale, END_TEMPERATURE_SHARE * scale
    done = 0
    while (now := time.perf_counter()) < deadline and (steps is None or done < steps):
        progress = (now - started) / total if steps is None else done / steps
        temperature = t_start * (t_end / t_start) ** progress
        chunk = STEPS_PER_CALL if steps is None else min(STEPS_PER_CALL, steps - done)
        current_cost, best_cost = _search_steps(current, lengths, best, best_lengths, current_cost, best_cost,
                                                temperature, chunk, ROUTE_REMOVAL_RATE, *arrays)
        done += chunk
    return SearchOutcome([best[v, :best_lengths[v]].tolist() for v in range(k)], done,
                         capped=steps is not None and done < steps)


def ride_minutes(model: LnsModel, routes: list[list[int]]) -> float:
    """The passengers' minutes on board beyond their direct drives, as the search counts them (waits excluded).

    Each leg's :attr:`LnsModel.ride_arc` times the passengers aboard on it, less each
    carried passenger's :attr:`LnsModel.ride_base`.
    """
    total = 0.0
    for stops in routes:
        aboard = 0
        for a, b in itertools.pairwise(stops):
            aboard += 1 if a <= model.n else -1
            total += aboard * float(model.ride_arc[a, b])
        total -= sum(float(model.ride_base[node]) for node in stops if node <= model.n)
    return total


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel of the search on a one-request instance.

    A caller that times the search calls this first, so that a first run in a fresh
    environment does not spend its time cap compiling.
    """
    n = 1
    transit = np.ones((2 * n + 2, 2 * n + 2), dtype=np.int64)
    cost = np.ones((2 * n + 2, 2 * n + 2), dtype=np.float64)
    model = LnsModel(n=n, transit=transit, earliest=np.zeros(4, dtype=np.int64),
                     latest=np.full(4, 100, dtype=np.int64), ride=np.array([0, 10, 0, 0], dtype=np.int64), span=100,
                     cost=cost, change=np.array([[0], [1], [-1], [0]], dtype=np.int64),
                     capacity=np.ones((1, 1), dtype=np.int64), fixed=np.zeros(1, dtype=np.float64),
                     related=np.zeros((1, 1), dtype=np.int64), ride_arc=cost.copy(), ride_base=np.zeros(4),
                     ride_cost=1.0)
    improve_routes(model, [[]], deadline=time.perf_counter() + 600.0, seed=0, steps=2)
    route_is_feasible(model, 0, [1, 2])


def route_is_feasible(model: LnsModel, vehicle: int, stops: list[int]) -> bool:
    """Whether ``stops`` (depots left out) is a feasible route for ``vehicle`` in the search's integer model."""
    sequence = np.array([0, *stops, 2 * model.n + 1], dtype=np.int64)
    scratch = np.zeros(2 * model.n + 2, dtype=np.int64)
    return bool(feasible(sequence, sequence.size, vehicle, model.n, model.transit, model.earliest, model.latest,
                          model.ride, model.span, model.change, model.capacity, scratch, scratch.copy()))


@numba.njit(cache=True)
def _seed(seed: int) -> None:  # pragma: no cover - compiled
    """Seed numba's own random generator (separate from numpy's)."""
    np.random.seed(seed)


@numba.njit(cache=True)
def _total_cost(routes: IntArray, lengths: IntArray, n: int, cost: FloatArray, fixed: FloatArray,  # noqa: PLR0913
                ride_arc: FloatArray, ride_base: FloatArray, ride_cost: float,
                price: float) -> float:  # pragma: no cover - compiled
    """Travel and fixed costs, passengers' excess ride at ``ride_cost``, ``price`` per request left out."""
    end = 2 * n + 1
    total, served, riding = 0.0, 0, 0.0
    for v in range(routes.shape[0]):
        m = lengths[v]
        if m == 0:
            continue
        total += fixed[v] + cost[0, routes[v, 0]] + cost[routes[v, m - 1], end]
        aboard = 0
        for k in range(m - 1):
            a, b = routes[v, k], routes[v, k + 1]
            total += cost[a, b]
            if a <= n:
                aboard += 1
                riding -= ride_base[a]
            else:
                aboard -= 1
            riding += aboard * ride_arc[a, b]
        served += m // 2
    total += ride_cost * riding
    return total + price * (n - served)



@numba.njit(cache=True)
def _ruin(  # noqa: C901
    routes: IntArray, lengths: IntArray, n: int, related: IntArray, removed: IntArray, buffer: IntArray,
    route_removal: float,
) -> int:  # pragma: no cover - compiled
    """Remove strings of stops from routes near a random request; the removed requests' pickups go to ``removed``.

    With probability ``route_removal`` a whole random route is removed instead. Returns
    how many requests were removed (unserved requests are added too, so that they are
    offered a place again).
    """
    vehicles = routes.shape[0]
    route_of = np.full(n + 1, -1, dtype=np.int64)
    used, stops = 0, 0
    for v in range(vehicles):
        for k in range(lengths[v]):
            if routes[v, k] <= n:
                route_of[routes[v, k]] = v
        if lengths[v] > 0:
            used += 1
            stops += lengths[v]
    count = 0
    for r in range(1, n + 1):
        if route_of[r] < 0:
            removed[count] = r
            count += 1
    if used == 0:
        return count
    if np.random.random() < route_removal:
        chosen = np.random.randint(0, used)
        for v in range(vehicles):
            if lengths[v] > 0:
                if chosen == 0:
                    for k in range(lengths[v]):
                        if routes[v, k] <= n:
                            removed[count] = routes[v, k]
                            count += 1
                    lengths[v] = 0
                    return count
                chosen -= 1
    longest = min(float(MAX_STRING), stops / used)
    routes_to_ruin = int(np.random.random() * (4.0 * AVERAGE_REMOVED / (1.0 + longest) - 1.0)) + 1
    seed_request = np.random.randint(0, n)
    while route_of[seed_request + 1] < 0:
        seed_request = np.random.randint(0, n)
    ruined = np.zeros(vehicles, dtype=np.bool_)
    gone = np.zeros(n + 1, dtype=np.bool_)
    done = 0
    for r in related[seed_request]:
        if done >= routes_to_ruin:
            break
        v = route_of[r + 1]
        if v < 0 or ruined[v]:
            continue
        m = lengths[v]
        length = int(np.random.random() * min(longest, float(m))) + 1
        at = 0
        while routes[v, at] != r + 1:
            at += 1
        first = max(0, min(at - np.random.randint(0, length), m - length))
        for k in range(first, first + length):
            node = routes[v, k]
            request = node if node <= n else node - n
            if not gone[request]:
                gone[request] = True
                removed[count] = request
                count += 1
        size = 0
        for k in range(m):
            node = routes[v, k]
            if not gone[node if node <= n else node - n]:
                buffer[size] = node
                size += 1
        for k in range(size):
            routes[v, k] = buffer[k]
        lengths[v] = size
        ruined[v] = True
        done += 1
    return count


@numba.njit(cache=True)
def _search_steps(  # noqa: PLR0913
    current: IntArray, lengths: IntArray, best: IntArray, best_lengths: IntArray, current_cost: float,
    best_cost: float, temperature: float, steps: int, route_removal: float, transit: IntArray, earliest: IntArray,
    latest: IntArray, ride: IntArray, span: int, cost: FloatArray, change: IntArray, capacity: IntArray,
    fixed: FloatArray, related: IntArray, ride_arc: FloatArray, ride_base: FloatArray, ride_cost: float, price: float,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """``steps`` ruin-and-recreate steps at ``temperature`` (arrays change in place); returns (current, best) cost."""
    width = current.shape[1]
    n = width // 2
    nodes = 2 * n + 2
    routes, route_lengths = current.copy(), lengths.copy()
    removed = np.zeros(n, dtype=np.int64)
    order = np.zeros(n, dtype=np.float64)
    buffer = np.zeros(nodes, dtype=np.int64)
    seq, candidate = np.zeros(nodes, dtype=np.int64), np.zeros(nodes, dtype=np.int64)
    ready, last = np.zeros(nodes, dtype=np.int64), np.zeros(nodes, dtype=np.int64)
    prefix, times = np.zeros(nodes, dtype=np.int64), np.zeros(nodes, dtype=np.int64)
    position, aboard = np.zeros(nodes, dtype=np.int64), np.zeros(nodes, dtype=np.int64)
    ride_prefix = np.zeros(nodes, dtype=np.float64)
    loads = np.zeros((nodes, change.shape[1]), dtype=np.int64)
    for _ in range(steps):
        routes[:, :] = current
        route_lengths[:] = lengths
        count = _ruin(routes, route_lengths, n, related, removed, buffer, route_removal)
        rule = np.random.randint(0, 3)  # SISR's sort orders: random, earliest pickup window, farthest first
        for k in range(count):
            p = removed[k]
            if rule == 0:
                order[k] = np.random.random()
            elif rule == 1:
                order[k] = latest[p]
            else:
                order[k] = -cost[0, p] - cost[p + n, 2 * n + 1]
        ranked = np.argsort(order[:count], kind="mergesort")
        for k in ranked:
            p = removed[k]
            _, v, i, j = best_insertion(p, routes, route_lengths, n, transit, earliest, latest, ride, span, cost,
                                        change, capacity, fixed, ride_arc, ride_base, ride_cost, seq, candidate,
                                        ready, last, loads, prefix, times, position, aboard, ride_prefix)
            if v >= 0:
                insert(routes, route_lengths, v, p, p + n, i, j, buffer)
        found = _total_cost(routes, route_lengths, n, cost, fixed, ride_arc, ride_base, ride_cost, price)
        if found < current_cost - temperature * math.log(np.random.random()):
            current[:, :] = routes
            lengths[:] = route_lengths
            current_cost = found
            if found < best_cost:
                best[:, :] = routes
                best_lengths[:] = route_lengths
                best_cost = found
    return current_cost, best_cost
