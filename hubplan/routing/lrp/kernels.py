"""Compiled ruin-and-recreate routing from a set of depots (numba).

Slack induction by string removals (SISR; Christiaens & Vanden Berghe 2020,
Transportation Science 54(2):417-433) for capacitated routes from several depots with
depot capacities and costs: each step removes a few strings of consecutive customers
from routes near a random customer (or, rarely, one whole route or every route of one
depot), re-inserts them one by one at their cheapest feasible positions (a few skipped
at random, the "blinks"), considering every route and a new route at every allowed
depot, and accepts the result by simulated annealing. A route's depot is then moved to
the allowed depot nearest its two ends when that is cheaper.

The cost of a state is the opening cost of every depot with a route, plus the fixed cost
per route, plus travel, so a depot that loses its last route stops being charged, and a
new route at an unused depot pays its opening cost. Vehicle capacities are never
exceeded; depot capacities may be, at :attr:`Data.overload_cost` per unit over, a
penalty so large (:func:`overload_cost`) that the search first minimises the overload,
then the cost: a greedy start that cannot pack a tight set of depots (coord100-10-1 has
sets whose capacities equal the demand exactly) is repaired by the search instead of
being lost. The search stops after a given
number of steps (a work budget); the caller checks the clock between calls.

State layout (a :class:`State` of arrays, customers numbered ``0..n-1``, node of customer
``c`` = ``m + c`` in the cost matrix): ``routes[r, :length[r]]`` the customers of route
``r``, ``depot[r]`` its depot, ``load[r]`` its load; routes ``0..counts[0]-1`` are in use.
"""

# numba's nopython mode compiles the legacy np.random functions (its own generator, seeded
# by seed_kernels), not numpy Generator methods: NPY002 does not apply to the compiled kernels.
# ruff: noqa: NPY002

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["Data", "State", "anneal", "empty_state", "overload", "overload_cost", "recreate_all",
           "ruin_for_depots", "seed_kernels", "state_cost"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Average number of customers removed per step (SISR's c-bar; the paper suggests 10).
AVERAGE_REMOVED = 10.0
#: Longest string removed from one route (SISR's L-max; the paper suggests 10).
MAX_STRING = 10.0
#: Probability of skipping an insertion position (SISR's blink rate; the paper suggests 0.01).
BLINK_RATE = 0.01
#: Split-string removal keeps ``m`` customers inside the removed window; ``m`` grows while a
#: uniform draw exceeds this (SISR's beta; the paper suggests 0.01).
SPLIT_BETA = 0.01
#: Probability that a step removes one whole route (so the fleet can shrink; assumption,
#: as :data:`hubplan.routing.lns.ROUTE_REMOVAL_RATE`).
ROUTE_REMOVAL_RATE = 0.05
#: Probability that a step removes every route of one depot (a depot-closing move inside
#: the allowed depots; assumption, not tuned).
DEPOT_REMOVAL_RATE = 0.01


class Data(NamedTuple):
    """The instance as arrays for the kernels (fields documented in the module docstring)."""

    cost: FloatArray  # (m+n, m+n) arc costs, depots first
    demand: FloatArray  # (n,)
    vehicle_capacity: float
    depot_capacity: FloatArray  # (m,)
    opening_cost: FloatArray  # (m,)
    route_cost: float
    neighbours: IntArray  # (n, n) customers by increasing cost from each customer (itself first)
    allowed: BoolArray  # (m,) depots routes may start from
    overload_cost: float  # cost per unit of load over a depot's capacity


class State(NamedTuple):
    """A set of routes; ``counts[0]`` = routes in use (see the module docstring)."""

    routes: IntArray  # (n, n)
    length: IntArray  # (n,)
    depot: IntArray  # (n,)
    load: FloatArray  # (n,)
    where: IntArray  # (n,) route of each customer, -1 when unrouted
    depot_load: FloatArray  # (m,)
    depot_routes: IntArray  # (m,)
    counts: IntArray  # (1,)


def empty_state(n: int, m: int) -> State:
    """A state with no routes for ``n`` customers and ``m`` depots."""
    return State(np.zeros((n, n), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n),
                 np.full(n, -1, np.int64), np.zeros(m), np.zeros(m, np.int64), np.zeros(1, np.int64))


@numba.njit(cache=True)
def seed_kernels(seed: int) -> None:
    """Seed the compiled kernels' random generator."""
    np.random.seed(seed)


@numba.njit(cache=True)
def copy_state(src: State, dst: State) -> None:
    """Copy ``src`` into ``dst`` (rows in use only)."""
    nr = src.counts[0]
    for r in range(nr):
        ln = src.length[r]
        dst.routes[r, :ln] = src.routes[r, :ln]
    dst.length[:nr] = src.length[:nr]
    dst.depot[:nr] = src.depot[:nr]
    dst.load[:nr] = src.load[:nr]
    dst.where[:] = src.where
    dst.depot_load[:] = src.depot_load
    dst.depot_routes[:] = src.depot_routes
    dst.counts[0] = nr


@numba.njit(cache=True)
def route_travel(data: Data, st: State, r: int) -> float:
    """Travel cost of route ``r``."""
    ln = st.length[r]
    if ln == 0:
        return 0.0
    m = data.opening_cost.shape[0]
    d = st.depot[r]
    total = data.cost[d, m + st.routes[r, 0]] + data.cost[m + st.routes[r, ln - 1], d]
    for k in range(ln - 1):
        total += data.cost[m + st.routes[r, k], m + st.routes[r, k + 1]]
    return float(total)


def overload_cost(cost: FloatArray, opening_cost: FloatArray, route_cost: float) -> float:
    """A penalty per unit of depot overload that outweighs any saving of cost.

    It is the cost of opening every depot, one route per customer and the longest arc
    twice per customer: more than any two solutions' costs differ by.
    """
    n = cost.shape[0] - opening_cost.shape[0]
    return float(opening_cost.sum() + n * (route_cost + 2.0 * cost.max()) + 1.0)


@numba.njit(cache=True)
def overload(data: Data, st: State) -> float:
    """Total load over the depots' capacities."""
    total = 0.0
    for j in range(data.opening_cost.shape[0]):
        total += max(0.0, st.depot_load[j] - data.depot_capacity[j])
    return total


@numba.njit(cache=True)
def _over(data: Data, j: int, load: float) -> float:
    return float(data.overload_cost * max(0.0, load - data.depot_capacity[j]))


@numba.njit(cache=True)
def state_cost(data: Data, st: State) -> float:
    """Opening costs of depots with routes + fixed route costs + travel (+ the overload penalty)."""
    total = overload(data, st) * data.overload_cost
    for r in range(st.counts[0]):
        total += route_travel(data, st, r) + data.route_cost
    for j in range(data.opening_cost.shape[0]):
        if st.depot_routes[j] > 0:
            total += data.opening_cost[j]
    return total


@numba.njit(cache=True)
def _renumber(st: State, r: int) -> None:
    for k in range(st.length[r]):
        st.where[st.routes[r, k]] = r


@numba.njit(cache=True)
def _remove_range(data: Data, st: State, r: int, start: int, stop: int, removed: IntArray, nrem: int) -> int:
    """Remove positions ``start..stop-1`` of route ``r`` into ``removed``; returns the new count."""
    ln = st.length[r]
    for k in range(start, stop):
        c = st.routes[r, k]
        removed[nrem] = c
        nrem += 1
        st.where[c] = -1
        st.load[r] -= data.demand[c]
        st.depot_load[st.depot[r]] -= data.demand[c]
    width = stop - start
    for k in range(start, ln - width):
        st.routes[r, k] = st.routes[r, k + width]
    st.length[r] = ln - width
    return nrem


@numba.njit(cache=True)
def _drop_empty_routes(st: State) -> None:
    r = 0
    while r < st.counts[0]:
        if st.length[r] > 0:
            r += 1
            continue
        st.depot_routes[st.depot[r]] -= 1
        last = st.counts[0] - 1
        if r != last:
            ln = st.length[last]
            st.routes[r, :ln] = st.routes[last, :ln]
            st.length[r] = ln
            st.depot[r] = st.depot[last]
            st.load[r] = st.load[last]
            _renumber(st, r)
        st.length[last] = 0
        st.counts[0] = last


@numba.njit(cache=True)
def _remove_strings(data: Data, st: State, removed: IntArray, ruined: BoolArray) -> int:
    """SISR's string and split-string removals around a random customer; returns the number removed."""
    n = data.demand.shape[0]
    nr = st.counts[0]
    ls_max = min(MAX_STRING, n / max(nr, 1))
    ks_max = 4.0 * AVERAGE_REMOVED / (1.0 + ls_max) - 1.0
    strings = int(np.random.random() * ks_max) + 1
    ruined[:nr] = False
    seed = np.random.randint(n)
    nrem = 0
    done = 0
    for idx in range(n):
        c = data.neighbours[seed, idx]
        r = st.where[c]
        if r < 0 or ruined[r]:
            continue
        ln = st.length[r]
        size = int(np.random.random() * min(float(ln), ls_max)) + 1
        pos = 0
        while st.routes[r, pos] != c:
            pos += 1
        if size == ln or np.random.random() < 0.5:
            lo, hi = max(0, pos - size + 1), min(pos, ln - size)
            start = lo + np.random.randint(hi - lo + 1)
            nrem = _remove_range(data, st, r, start, start + size, removed, nrem)
        else:
            kept = 1
            while kept < ln - size and np.random.random() > SPLIT_BETA:
                kept += 1
            width = size + kept
            lo, hi = max(0, pos - width + 1), min(pos, ln - width)
            start = lo + np.random.randint(hi - lo + 1)
            keep_at = start + np.random.randint(size + 1)
            nrem = _remove_range(data, st, r, keep_at + kept, start + width, removed, nrem)
            nrem = _remove_range(data, st, r, start, keep_at, removed, nrem)
        _renumber(st, r)
        ruined[r] = True
        done += 1
        if done >= strings:
            break
    return nrem


@numba.njit(cache=True)
def _remove_routes(data: Data, st: State, removed: IntArray, whole_depot: bool) -> int:
    """Remove one random route, or every route of the depot of a random route."""
    nr = st.counts[0]
    if nr == 0:
        return 0
    pick = np.random.randint(nr)
    target = st.depot[pick]
    nrem = 0
    for r in range(nr):
        if r == pick or (whole_depot and st.depot[r] == target):
            nrem = _remove_range(data, st, r, 0, st.length[r], removed, nrem)
    return nrem


@numba.njit(cache=True)
def _order(data: Data, removed: IntArray, nrem: int) -> None:
    """SISR's insertion orders: random (weight 4), demand (4), far from depots (2), near (1)."""
    m = data.opening_cost.shape[0]
    kind = np.random.random() * 11.0
    if kind < 4.0:
        np.random.shuffle(removed[:nrem])
        return
    key = np.empty(nrem)
    for k in range(nrem):
        c = removed[k]
        if kind < 8.0:
            key[k] = -data.demand[c] + np.random.random() * 1e-6
        else:
            near = np.inf
            for j in range(m):
                if data.allowed[j]:
                    near = min(near, data.cost[j, m + c])
            key[k] = -near if kind < 10.0 else near
    idx = np.argsort(key)
    tmp = removed[:nrem].copy()
    for k in range(nrem):
        removed[k] = tmp[idx[k]]


@numba.njit(cache=True)
def _insert_one(data: Data, st: State, c: int, blink: float) -> bool:
    """Insert customer ``c`` at its cheapest feasible position (or a new route); ``False`` if none."""
    m = data.opening_cost.shape[0]
    node = m + c
    dem = data.demand[c]
    best, best_r, best_p = np.inf, -1, -1
    for r in range(st.counts[0]):
        d = st.depot[r]
        if st.load[r] + dem > data.vehicle_capacity:
            continue
        penalty = _over(data, d, st.depot_load[d] + dem) - _over(data, d, st.depot_load[d])
        if penalty >= best:
            continue
        ln = st.length[r]
        prev = d
        for p in range(ln + 1):
            nxt = d if p == ln else m + st.routes[r, p]
            if blink == 0.0 or np.random.random() >= blink:
                delta = penalty + data.cost[prev, node] + data.cost[node, nxt] - data.cost[prev, nxt]
                if delta < best:
                    best, best_r, best_p = delta, r, p
            prev = nxt
    best_new = -1
    for j in range(m):
        if not data.allowed[j]:
            continue
        delta = data.route_cost + data.cost[j, node] + data.cost[node, j]
        delta += _over(data, j, st.depot_load[j] + dem) - _over(data, j, st.depot_load[j])
        if st.depot_routes[j] == 0:
            delta += data.opening_cost[j]
        if delta < best:
            best, best_new = delta, j
    if best_new >= 0:
        r = st.counts[0]
        st.counts[0] = r + 1
        st.depot[r] = best_new
        st.length[r] = 0
        st.load[r] = 0.0
        st.depot_routes[best_new] += 1
        best_r, best_p = r, 0
    elif best_r < 0:
        return False
    ln = st.length[best_r]
    for k in range(ln, best_p, -1):
        st.routes[best_r, k] = st.routes[best_r, k - 1]
    st.routes[best_r, best_p] = c
    st.length[best_r] = ln + 1
    st.load[best_r] += dem
    st.depot_load[st.depot[best_r]] += dem
    _renumber(st, best_r)
    return True


@numba.njit(cache=True)
def _insert_all(data: Data, st: State, removed: IntArray, nrem: int, blink: float) -> bool:
    """Insert ``removed[:nrem]`` in order; ``False`` when one has nowhere to go (no allowed depot)."""
    for k in range(nrem):
        if not _insert_one(data, st, removed[k], blink):
            return False
    return True


@numba.njit(cache=True)
def _best_depots(data: Data, st: State) -> None:
    """Move each route to the allowed depot nearest its ends when that lowers the cost."""
    m = data.opening_cost.shape[0]
    for r in range(st.counts[0]):
        d = st.depot[r]
        a, b = m + st.routes[r, 0], m + st.routes[r, st.length[r] - 1]
        load = st.load[r]
        here = data.cost[d, a] + data.cost[b, d] - (data.opening_cost[d] if st.depot_routes[d] == 1 else 0.0)
        here += _over(data, d, st.depot_load[d]) - _over(data, d, st.depot_load[d] - load)
        best, best_j = here, d
        for j in range(m):
            if j == d or not data.allowed[j]:
                continue
            there = data.cost[j, a] + data.cost[b, j] + (data.opening_cost[j] if st.depot_routes[j] == 0 else 0.0)
            there += _over(data, j, st.depot_load[j] + load) - _over(data, j, st.depot_load[j])
            if there < best - 1e-9:
                best, best_j = there, j
        if best_j != d:
            st.depot_load[d] -= st.load[r]
            st.depot_routes[d] -= 1
            st.depot_load[best_j] += st.load[r]
            st.depot_routes[best_j] += 1
            st.depot[r] = best_j


@numba.njit(cache=True)
def ruin_for_depots(data: Data, st: State, new: BoolArray) -> None:
    """Unroute the customers a change of depots concerns, before :func:`recreate_all`.

    Every route whose depot is no longer allowed loses all its customers, and every
    customer nearer to a ``new`` depot than to its route's depot leaves its route.
    """
    m = data.opening_cost.shape[0]
    removed = np.empty(data.demand.shape[0], np.int64)
    for r in range(st.counts[0]):
        d = st.depot[r]
        if not data.allowed[d]:
            _remove_range(data, st, r, 0, st.length[r], removed, 0)
            continue
        k = 0
        while k < st.length[r]:
            node = m + st.routes[r, k]
            closer = False
            for j in range(m):
                if new[j] and data.cost[j, node] < data.cost[d, node]:
                    closer = True
            if closer:
                _remove_range(data, st, r, k, k + 1, removed, 0)
            else:
                k += 1
        _renumber(st, r)
    _drop_empty_routes(st)


@numba.njit(cache=True)
def recreate_all(data: Data, st: State) -> None:
    """Route every unrouted customer greedily (one of SISR's insertion orders, no blinks)."""
    n = data.demand.shape[0]
    removed = np.empty(n, np.int64)
    nrem = 0
    for c in range(n):
        if st.where[c] < 0:
            removed[nrem] = c
            nrem += 1
    _order(data, removed, nrem)
    _insert_all(data, st, removed, nrem, 0.0)
    _best_depots(data, st)


@numba.njit(cache=True)
def anneal(data: Data, cur: State, best: State, steps: int, temps: FloatArray) -> FloatArray:
    """Run ``steps`` ruin-and-recreate steps from ``cur``, keeping the best state in ``best``.

    Parameters
    ----------
    data
        The instance.
    cur, best
        The current and best states (updated in place); a state within the depot
        capacities is better than any over them, whatever their costs.
    steps
        Number of steps.
    temps
        ``[start, end]`` temperatures of this call (falling exponentially over the steps).

    Returns
    -------
    numpy.ndarray
        ``[current cost, best cost, accepted steps]``.
    """
    n = data.demand.shape[0]
    cand = State(cur.routes.copy(), cur.length.copy(), cur.depot.copy(), cur.load.copy(), cur.where.copy(),
                 cur.depot_load.copy(), cur.depot_routes.copy(), cur.counts.copy())
    removed = np.empty(n, np.int64)
    ruined = np.zeros(n, np.bool_)
    cur_cost, best_cost = state_cost(data, cur), state_cost(data, best)
    best_ok = overload(data, best) == 0.0
    accepted = 0
    for step in range(steps):
        temp = temps[0] * (temps[1] / temps[0]) ** (step / max(steps, 1))
        copy_state(cur, cand)
        draw = np.random.random()
        if draw < DEPOT_REMOVAL_RATE:
            nrem = _remove_routes(data, cand, removed, True)
        elif draw < DEPOT_REMOVAL_RATE + ROUTE_REMOVAL_RATE:
            nrem = _remove_routes(data, cand, removed, False)
        else:
            nrem = _remove_strings(data, cand, removed, ruined)
        _drop_empty_routes(cand)
        _order(data, removed, nrem)
        if not _insert_all(data, cand, removed, nrem, BLINK_RATE):
            continue
        _best_depots(data, cand)
        cost = state_cost(data, cand)
        if cost < cur_cost - temp * np.log(np.random.random()):
            copy_state(cand, cur)
            cur_cost = cost
            accepted += 1
            ok = overload(data, cur) == 0.0
            if (ok and not best_ok) or (ok == best_ok and cost < best_cost - 1e-9):
                copy_state(cur, best)
                best_cost, best_ok = cost, ok
    return np.array([cur_cost, best_cost, float(accepted)])
