"""Ruin-and-recreate search for dial-a-ride routes, compiled with numba.

Slack induction by string removals (SISR; Christiaens & Vanden Berghe 2020, Transportation
Science 54(2):417-433) adapted to pickup-and-drop-off pairs: each step removes a few
strings of consecutive stops from routes near a random request (every request with a
stop in a string is removed whole), re-inserts the removed requests one by one at their
cheapest feasible positions (a few positions skipped at random, the "blinks"), and
accepts the result by simulated annealing; the best routes seen are kept.

Feasibility is exact for the integer model that :mod:`hubplan.transport.route` gives
OR-Tools (the same transit times, rounded up, and windows), so routes found here are
feasible for OR-Tools and, through its rounding, for the independent checker: on a
fixed stop sequence every constraint is a bound or a difference constraint
(``B(next) >= B(stop) + transit``, ``B(pickup) >= B(drop-off) - ride limit``,
``B(start) >= B(end) - duration limit``), so raising the start times to the least
fixpoint of these lower bounds gives the earliest schedule, and the route is feasible
exactly when that schedule meets every window. Once each passenger's direct path
along the route fits their ride limit, no cycle of these constraints is positive and
the fixpoint is reached within one pass per ride constraint.

Positions are first screened by necessary conditions (capacity, the earliest arrival
against each window, the latest start at the next stop that keeps the rest of the route
on time, the direct ride along the route) and only the cheapest survivors get the exact
test; that screening made the search about eight times faster (a8-96: 45,000 steps in
30 s before, 300,000-375,000 after).

Parameters were set from single runs on Cordeau's a6-72, a7-84 and a8-96, 30 s, from
empty routes, on a machine shared with other jobs (load average 4-5), so differences of
a few tenths of a percent are noise: start temperature 0.03, 0.1, 0.3 and 1.0 typical
arcs gave a8-96 4.28%, 1.27-2.76%, 1.16-2.18% and 0.96-1.75% above the optimum and a7-84
(0.1: 0.60-1.22%, 0.3: 0.75%, 1.0: 0.74-1.09%). The removal sizes and the blink rate
are the SISR paper's (they are compile-time constants of the cached kernels, so trying
other values needs a recompilation; that was not measured). Removing a whole route in
5% of the steps lets the fleet shrink when vehicles have fixed costs: on six random
day-service instances of 30-40 requests (``planner_like_instance`` in the tests, 5 s
each) the total cost was 3096.86 with 18 vehicles without it, 3022.11 with 17 vehicles
at 5% and 3056.36 with 18 at 20% (single runs).
"""

# numba's nopython mode compiles the legacy np.random functions (its own generator, seeded
# by _seed), not numpy Generator methods: NPY002 does not apply to the compiled kernels.
# ruff: noqa: NPY002

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["LnsModel", "improve_routes", "relatedness", "route_is_feasible"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Average number of requests removed per step (SISR's c-bar; the paper suggests 10).
AVERAGE_REMOVED = 10
#: Longest string of consecutive stops removed from one route (SISR's L-max; the paper suggests 10).
MAX_STRING = 10
#: Probability of skipping an insertion position (SISR's blink rate; the paper suggests 0.01).
BLINK_RATE = 0.01
#: Simulated-annealing temperatures at the start and end of the search (falling
#: exponentially with the time used), as shares of the starting cost divided by the number
#: of requests, a typical arc's cost (chosen from the runs in the module docstring).
START_TEMPERATURE_SHARE, END_TEMPERATURE_SHARE = 0.3, 0.001
#: Probability that a step removes one whole route instead of strings, so that the fleet
#: can shrink when vehicles have fixed costs (measurements in the module docstring).
ROUTE_REMOVAL_RATE = 0.05
#: Search steps per compiled call between checks of the clock.
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

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles."""
        return int(self.capacity.shape[0])

    def unserved_price(self) -> float:
        """Price of an unserved request: above any complete solution's cost (cf. the OR-Tools model)."""
        arcs = 2 * self.n + self.n_vehicles
        return float(arcs * self.cost.max() + self.fixed.sum() + 1.0)


def relatedness(cost: FloatArray, n: int) -> IntArray:
    """Requests ordered by closeness to each request (see :attr:`LnsModel.related`)."""
    pickups, dropoffs = np.arange(1, n + 1), np.arange(n + 1, 2 * n + 1)
    distance = cost[np.ix_(pickups, pickups)] + cost[np.ix_(dropoffs, dropoffs)]
    np.fill_diagonal(distance, -1.0)
    return np.argsort(distance, axis=1, kind="stable").astype(np.int64)


def improve_routes(model: LnsModel, routes: list[list[int]], *, deadline: float, seed: int) -> list[list[int]]:
    """Improve ``routes`` by ruin and recreate with simulated annealing until ``deadline``.

    Parameters
    ----------
    model
        The instance's arrays.
    routes
        A starting solution: node ids per vehicle, depots left out; it must be feasible
        (requests may be missing: they are inserted when possible).
    deadline
        :func:`time.perf_counter` value at which to stop.
    seed
        Seed of the random choices.

    Returns
    -------
    list of list of int
        The best routes found (cheapest, requests left out priced by :meth:`LnsModel.unserved_price`).
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
              model.capacity, model.fixed, model.related, price)
    _seed(seed)
    current_cost = _total_cost(current, lengths, n, model.cost, model.fixed, price)
    best_cost = current_cost
    started = time.perf_counter()
    total = max(deadline - started, 1e-9)
    scale = current_cost / max(n, 1) if current_cost < price else model.cost.max()
    t_start, t_end = START_TEMPERATURE_SHARE * scale, END_TEMPERATURE_SHARE * scale
    while (now := time.perf_counter()) < deadline:
        progress = (now - started) / total
        temperature = t_start * (t_end / t_start) ** progress
        current_cost, best_cost = _search_steps(current, lengths, best, best_lengths, current_cost, best_cost,
                                                temperature, STEPS_PER_CALL, ROUTE_REMOVAL_RATE, *arrays)
    return [best[v, :best_lengths[v]].tolist() for v in range(k)]


def route_is_feasible(model: LnsModel, vehicle: int, stops: list[int]) -> bool:
    """Whether ``stops`` (depots left out) is a feasible route for ``vehicle`` in the search's integer model."""
    sequence = np.array([0, *stops, 2 * model.n + 1], dtype=np.int64)
    scratch = np.zeros(2 * model.n + 2, dtype=np.int64)
    return bool(_feasible(sequence, sequence.size, vehicle, model.n, model.transit, model.earliest, model.latest,
                          model.ride, model.span, model.change, model.capacity, scratch, scratch.copy()))


@numba.njit(cache=True)
def _seed(seed: int) -> None:  # pragma: no cover - compiled
    """Seed numba's own random generator (separate from numpy's)."""
    np.random.seed(seed)


@numba.njit(cache=True)
def _total_cost(routes: IntArray, lengths: IntArray, n: int, cost: FloatArray, fixed: FloatArray,
                price: float) -> float:  # pragma: no cover - compiled
    """Travel plus fixed costs of the routes plus ``price`` per request left out."""
    end = 2 * n + 1
    total, served = 0.0, 0
    for v in range(routes.shape[0]):
        m = lengths[v]
        if m == 0:
            continue
        total += fixed[v] + cost[0, routes[v, 0]] + cost[routes[v, m - 1], end]
        for k in range(m - 1):
            total += cost[routes[v, k], routes[v, k + 1]]
        served += m // 2
    return total + price * (n - served)


# The compiled kernels waive C901 and PLR0913 as hubplan.core.lagrange's does: nopython
# mode takes arrays and scalars, not hubplan's objects, so the state arrives as separate
# arguments, and each hot loop stays in one body.
@numba.njit(cache=True)
def _feasible(  # noqa: C901, PLR0913
    seq: IntArray, m: int, v: int, n: int, transit: IntArray, earliest: IntArray, latest: IntArray, ride: IntArray,
    span: int, change: IntArray, capacity: IntArray, times: IntArray, position: IntArray,
) -> bool:  # pragma: no cover - compiled
    """Whether stop sequence ``seq[:m]`` (depots included) is feasible for vehicle ``v`` (module docstring)."""
    for d in range(change.shape[1]):
        load = 0
        for k in range(1, m - 1):
            load += change[seq[k], d]
            if load > capacity[v, d]:
                return False
    times[0] = 0
    for k in range(1, m):
        times[k] = times[k - 1] + transit[seq[k - 1], seq[k]]  # prefix sums of transit, for now
        position[seq[k]] = k
    if times[m - 1] > span:
        return False
    for k in range(1, m - 1):
        node = seq[k]
        if node <= n and times[position[node + n]] - times[k] > ride[node]:
            return False
    for k in range(m):
        times[k] = earliest[seq[k]]
    for _ in range(m + 2):
        for k in range(1, m):
            arrival = times[k - 1] + transit[seq[k - 1], seq[k]]
            if arrival > times[k]:
                times[k] = arrival
        for k in range(m):
            if times[k] > latest[seq[k]]:
                return False
        changed = False
        for k in range(1, m - 1):
            node = seq[k]
            if node <= n:
                need = times[position[node + n]] - ride[node]
                if need > times[k]:
                    times[k] = need
                    changed = True
        need = times[m - 1] - span
        if need > times[0]:
            times[0] = need
            changed = True
        if not changed:
            return True
    return False


@numba.njit(cache=True)
def _best_insertion(  # noqa: C901, PLR0913
    p: int, routes: IntArray, lengths: IntArray, n: int, transit: IntArray, earliest: IntArray, latest: IntArray,
    ride: IntArray, span: int, cost: FloatArray, change: IntArray, capacity: IntArray, fixed: FloatArray,
    seq: IntArray, candidate: IntArray, ready: IntArray, last: IntArray, loads: IntArray, prefix: IntArray,
    times: IntArray, position: IntArray,
) -> tuple[float, int, int, int]:  # pragma: no cover - compiled
    """Cheapest feasible insertion of request ``p`` (pickup node): (cost increase, vehicle, i, j), vehicle -1 if none.

    The pickup goes after stop ``i`` and the drop-off after stop ``j >= i`` of the route's
    stop sequence (start depot at 0); ``j == i`` puts the drop-off right after the pickup.
    """
    d, end, dims = p + n, 2 * n + 1, change.shape[1]
    best, best_v, best_i, best_j = np.inf, -1, -1, -1
    if transit[p, d] > ride[p]:
        return best, best_v, best_i, best_j
    for v in range(routes.shape[0]):
        fits = True
        for dim in range(dims):
            if change[p, dim] > capacity[v, dim]:
                fits = False
        if not fits:
            continue
        m = lengths[v] + 2
        seq[0], seq[m - 1] = 0, end
        for k in range(lengths[v]):
            seq[k + 1] = routes[v, k]
        ready[0], prefix[0] = earliest[0], 0
        for dim in range(dims):
            loads[0, dim] = 0
        for k in range(1, m):
            ready[k] = max(earliest[seq[k]], ready[k - 1] + transit[seq[k - 1], seq[k]])
            prefix[k] = prefix[k - 1] + transit[seq[k - 1], seq[k]]
            for dim in range(dims):
                loads[k, dim] = loads[k - 1, dim] + change[seq[k], dim]
        # the latest start at each stop that still lets the route reach its later windows (rides ignored)
        last[m - 1] = latest[end]
        for k in range(m - 2, -1, -1):
            last[k] = min(latest[seq[k]], last[k + 1] - transit[seq[k], seq[k + 1]])
        opening = fixed[v] if lengths[v] == 0 else 0.0
        for i in range(m - 1):
            if ready[i] > latest[p]:
                break
            at_pickup = max(earliest[p], ready[i] + transit[seq[i], p])
            if at_pickup > latest[p]:
                continue
            # necessary: the stop after the pickup is still reached in time (or the drop-off right after it)
            at_drop_next = max(earliest[d], at_pickup + transit[p, d])
            drop_next_fits = at_drop_next <= latest[d] and at_drop_next + transit[d, seq[i + 1]] <= last[i + 1]
            pickup_fits = at_pickup + transit[p, seq[i + 1]] <= last[i + 1]
            if not (drop_next_fits or pickup_fits):
                continue
            fits = True
            for dim in range(dims):
                if loads[i, dim] + change[p, dim] > capacity[v, dim]:
                    fits = False
            if not fits:
                continue
            a, b = seq[i], seq[i + 1]
            pickup_delta = cost[a, p] + cost[p, b] - cost[a, b]
            for j in range(i, m - 1):
                if j == i:
                    if not drop_next_fits:
                        continue
                    delta = cost[a, p] + cost[p, d] + cost[d, b] - cost[a, b]
                else:
                    if not pickup_fits:
                        break
                    over = False
                    for dim in range(dims):
                        if loads[j, dim] + change[p, dim] > capacity[v, dim]:
                            over = True
                    if over or transit[p, b] + prefix[j] - prefix[i + 1] > ride[p] or ready[j] > latest[d]:
                        break
                    if transit[p, b] + prefix[j] - prefix[i + 1] + transit[seq[j], d] > ride[p]:
                        continue
                    at_drop = max(earliest[d], ready[j] + transit[seq[j], d])
                    if at_drop > latest[d] or at_drop + transit[d, seq[j + 1]] > last[j + 1]:
                        continue
                    delta = pickup_delta + cost[seq[j], d] + cost[d, seq[j + 1]] - cost[seq[j], seq[j + 1]]
                delta += opening
                if delta >= best or np.random.random() < BLINK_RATE:
                    continue
                size = 0
                for k in range(m):
                    candidate[size] = seq[k]
                    size += 1
                    if k == i:
                        candidate[size] = p
                        size += 1
                    if k == j:
                        candidate[size] = d
                        size += 1
                if _feasible(candidate, size, v, n, transit, earliest, latest, ride, span, change, capacity,
                             times, position):
                    best, best_v, best_i, best_j = delta, v, i, j
    return best, best_v, best_i, best_j


@numba.njit(cache=True)
def _insert(routes: IntArray, lengths: IntArray, v: int, p: int, d: int, i: int, j: int,
            buffer: IntArray) -> None:  # pragma: no cover - compiled
    """Put pickup ``p`` after stop ``i`` and drop-off ``d`` after stop ``j`` of route ``v`` (as ``_best_insertion``)."""
    m = lengths[v]
    size = 0
    for k in range(m + 1):  # k = number of route stops already copied = sequence position
        if k == i:
            buffer[size] = p
            size += 1
        if k == j:
            buffer[size] = d
            size += 1
        if k < m:
            buffer[size] = routes[v, k]
            size += 1
    for k in range(size):
        routes[v, k] = buffer[k]
    lengths[v] = size


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
    fixed: FloatArray, related: IntArray, price: float,
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
    position = np.zeros(nodes, dtype=np.int64)
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
            _, v, i, j = _best_insertion(p, routes, route_lengths, n, transit, earliest, latest, ride, span, cost,
                                         change, capacity, fixed, seq, candidate, ready, last, loads, prefix,
                                         times, position)
            if v >= 0:
                _insert(routes, route_lengths, v, p, p + n, i, j, buffer)
        found = _total_cost(routes, route_lengths, n, cost, fixed, price)
        if found < current_cost - temperature * math.log(np.random.random()):
            current[:, :] = routes
            lengths[:] = route_lengths
            current_cost = found
            if found < best_cost:
                best[:, :] = routes
                best_lengths[:] = route_lengths
                best_cost = found
    return current_cost, best_cost
