"""Exact feasibility and cheapest insertion for the compiled dial-a-ride search (:mod:`hubplan.routing.lns`).

Feasibility is exact for the integer model that :mod:`hubplan.routing.route` gives
OR-Tools (the same transit times, rounded up, and windows), so routes found here are
feasible for OR-Tools and, through its rounding, for the independent checker: on a
fixed stop sequence every constraint is a bound or a difference constraint
(``B(next) >= B(stop) + transit``, ``B(pickup) >= B(drop-off) - ride limit``,
``B(start) >= B(end) - duration limit``), so raising the start times to the least
fixpoint of these lower bounds gives the earliest schedule, and the route is feasible
exactly when that schedule meets every window. Once each passenger's direct path
along the route fits their ride limit, no cycle of these constraints is positive and
the fixpoint is reached within one pass per ride constraint.

Insertion positions are first screened by necessary conditions (capacity, the earliest
arrival against each window, the latest start at the next stop that keeps the rest of
the route on time, the direct ride along the route) and only the cheapest survivors get
the exact test, which is what keeps a search step cheap.

The cost of an insertion is the change in travel cost, plus the vehicle's fixed cost when
the route was empty, plus ``ride_cost`` times the change in the passengers' minutes on
board beyond their direct drives. Those minutes are counted as in
:func:`hubplan.routing.lns.ride_minutes`: each leg's ``ride_arc`` (service at its first
stop plus the drive) times the passengers aboard on it, less each passenger's own
pickup service and direct drive; waiting with passengers aboard is not counted (the
checker's schedule keeps it least; its exact figure is the one reported).
"""

# numba's nopython mode compiles the legacy np.random functions (its own generator, seeded
# in hubplan.routing.lns), not numpy Generator methods: NPY002 does not apply here.
# ruff: noqa: NPY002

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["BLINK_RATE", "best_insertion", "feasible", "insert"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Probability of skipping an insertion position (SISR's blink rate; the paper suggests 0.01).
BLINK_RATE = 0.01


# The compiled kernels waive C901 and PLR0913 as hubplan.core.lagrange's does: nopython
# mode takes arrays and scalars, not hubplan's objects, so the state arrives as separate
# arguments, and each hot loop stays in one body.
@numba.njit(cache=True)
def feasible(  # noqa: C901, PLR0913
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
def best_insertion(  # noqa: C901, PLR0913
    p: int, routes: IntArray, lengths: IntArray, n: int, transit: IntArray, earliest: IntArray, latest: IntArray,
    ride: IntArray, span: int, cost: FloatArray, change: IntArray, capacity: IntArray, fixed: FloatArray,
    ride_arc: FloatArray, ride_base: FloatArray, ride_cost: float,
    seq: IntArray, candidate: IntArray, ready: IntArray, last: IntArray, loads: IntArray, prefix: IntArray,
    times: IntArray, position: IntArray, aboard: IntArray, ride_prefix: FloatArray,
) -> tuple[float, int, int, int]:  # pragma: no cover - compiled
    """Cheapest feasible insertion of request ``p`` (pickup node): (cost increase, vehicle, i, j), vehicle -1 if none.

    The pickup goes after stop ``i`` and the drop-off after stop ``j >= i`` of the route's
    stop sequence (start depot at 0); ``j == i`` puts the drop-off right after the pickup.
    The cost increase includes the passengers' ride cost (module docstring).
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
        ready[0], prefix[0], aboard[0], ride_prefix[0] = earliest[0], 0, 0, 0.0
        for dim in range(dims):
            loads[0, dim] = 0
        for k in range(1, m):
            ready[k] = max(earliest[seq[k]], ready[k - 1] + transit[seq[k - 1], seq[k]])
            prefix[k] = prefix[k - 1] + transit[seq[k - 1], seq[k]]
            ride_prefix[k] = ride_prefix[k - 1] + ride_arc[seq[k - 1], seq[k]]
            aboard[k] = aboard[k - 1] + (1 if seq[k] <= n else -1) if k < m - 1 else 0
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
            # riders already aboard take the detour through p; the new passenger rides from p
            pickup_ride = aboard[i] * (ride_arc[a, p] + ride_arc[p, b] - ride_arc[a, b]) + ride_arc[p, b] - ride_base[p]
            for j in range(i, m - 1):
                if j == i:
                    if not drop_next_fits:
                        continue
                    delta = cost[a, p] + cost[p, d] + cost[d, b] - cost[a, b] + ride_cost * (
                        aboard[i] * (ride_arc[a, p] + ride_arc[p, d] + ride_arc[d, b] - ride_arc[a, b])
                        + ride_arc[p, d] - ride_base[p])
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
                    c, e = seq[j], seq[j + 1]
                    delta = pickup_delta + cost[c, d] + cost[d, e] - cost[c, e] + ride_cost * (
                        pickup_ride + ride_prefix[j] - ride_prefix[i + 1] + ride_arc[c, d]
                        + aboard[j] * (ride_arc[c, d] + ride_arc[d, e] - ride_arc[c, e]))
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
                if feasible(candidate, size, v, n, transit, earliest, latest, ride, span, change, capacity,
                             times, position):
                    best, best_v, best_i, best_j = delta, v, i, j
    return best, best_v, best_i, best_j


@numba.njit(cache=True)
def insert(routes: IntArray, lengths: IntArray, v: int, p: int, d: int, i: int, j: int,
           buffer: IntArray) -> None:  # pragma: no cover - compiled
    """Put pickup ``p`` after stop ``i`` and drop-off ``d`` after stop ``j`` of route ``v`` (as in best_insertion)."""
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

