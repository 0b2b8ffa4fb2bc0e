"""Location-routing search: which depots to open, and the routes from them.

A location neighbourhood around the compiled ruin-and-recreate routing search of
:mod:`hubplan.routing.lrp.kernels`:

1. **Screen.** Every set of candidate depots whose capacities cover the total demand
   (enumerated when there are at most :data:`MAX_ENUMERATED_DEPOTS` candidates; beyond
   that, reached by add/drop/swap moves from all depots open) gets a greedy start and a
   short, cold routing search (:attr:`LrpSettings.screen_steps` steps). A set is skipped
   when its opening costs plus the fixed cost of the fewest routes that can carry the
   demand already reach the best cost found (a valid lower bound for that set).
2. **Location search.** From each of the :attr:`LrpSettings.starts` best screened sets,
   after a longer routing search (:attr:`LrpSettings.refine_steps`): every set one
   depot added, dropped or swapped away is ranked by a cheap estimate, the cost of the
   current routes repaired for it (routes of a closed depot, and customers nearer a new
   depot than to their own, re-inserted greedily) after a short cold search
   (:attr:`LrpSettings.move_steps`); the :attr:`LrpSettings.confirm` best estimates are
   confirmed by longer searches, and the best of them is taken when it beats the
   current cost; at most :attr:`LrpSettings.max_moves` moves, never back to a set
   already searched.
3. **Long search.** The :attr:`LrpSettings.final_count` best sets found get
   :attr:`LrpSettings.final_steps` more steps; the best solution seen anywhere is returned.

Inside every search a depot of the set that loses its last route is no longer charged,
and one step in a hundred empties one depot, so a set also stands for its subsets.

Every round stops on its number of steps (a work budget), so results are reproducible
for a seed; :attr:`LrpSettings.time_limit_s` is only a safety cap (a run that hits it
says so). The result is the best found, not a proven optimum.

Examples
--------
>>> from hubplan.routing.lrp.instance import LrpInstance
>>> inst = LrpInstance.from_points([[0, 0], [10, 0]], [[1, 0], [11, 0], [12, 0]], demand=[1, 1, 1],
...                                vehicle_capacity=2, depot_capacity=[3, 3], opening_cost=[100, 100],
...                                route_cost=10)
>>> result = solve_lrp(inst, LrpSettings(screen_steps=50, refine_steps=100, move_steps=50, final_steps=200))
>>> result.cost, result.open_depots
(820.0, (0, 1))
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hubplan.errors import SolverError
from hubplan.routing.lrp import kernels
from hubplan.routing.lrp.check import LrpRoute
from hubplan.routing.lrp.instance import LrpInstance

__all__ = ["LrpResult", "LrpSettings", "route_from_depots", "solve_lrp"]

#: Candidate depots up to which every depot set is screened (2^12 = 4096 sets at most).
MAX_ENUMERATED_DEPOTS = 12
#: Steps per compiled call between looks at the clock.
STEPS_PER_CALL = 5000


@dataclass(frozen=True)
class LrpSettings:
    """Work budget and search parameters (defaults set from a few runs on Prodhon's instances, docs/lrp.md).

    Parameters
    ----------
    screen_steps
        Routing steps per screened depot set.
    starts
        Number of best screened sets a location search starts from.
    refine_steps
        Routing steps at each start and after each location move taken.
    move_steps
        Routing steps that estimate one location move.
    confirm
        Moves with the best estimates confirmed by ``refine_steps`` steps each.
    max_moves
        Location moves taken from one start at most.
    final_count, final_steps
        How many of the best sets found get the long search, and its steps.
    start_temperature, end_temperature
        Simulated-annealing temperatures of the refine and long searches, as shares of
        a typical arc's cost (the starting travel cost over the number of arcs). The
        screening search runs at a tenth of them.
    seed
        Seed of the search's random generator.
    time_limit_s
        Safety cap on the wall time of the whole search (seconds).
    """

    screen_steps: int = 300
    starts: int = 3
    refine_steps: int = 20_000
    move_steps: int = 3_000
    confirm: int = 3
    max_moves: int = 10
    final_count: int = 2
    final_steps: int = 500_000
    start_temperature: float = 0.5
    end_temperature: float = 0.005
    seed: int = 0
    time_limit_s: float = 60.0


@dataclass(frozen=True)
class LrpResult:
    """The best solution found.

    Parameters
    ----------
    routes
        Every route, with its depot and customers in visiting order.
    cost
        Opening + fixed route + travel cost, as computed by the search.
    open_depots
        Depots with at least one route.
    steps
        Routing steps done (the work spent).
    seconds
        Wall time of the search.
    hit_time_limit
        ``True`` when the safety cap stopped a round before its budget (the result then
        depends on the machine's speed).
    sets_screened
        Depot sets that were routed in the screening round.
    """

    routes: tuple[LrpRoute, ...]
    cost: float
    open_depots: tuple[int, ...]
    steps: int
    seconds: float
    hit_time_limit: bool
    sets_screened: int


@dataclass
class _Run:
    """Book-keeping of one search: the instance arrays, the clock, the work done, the best state."""

    inst: LrpInstance
    settings: LrpSettings
    deadline: float
    neighbours: np.ndarray = field(init=False)
    steps: int = 0
    hit_time_limit: bool = False
    best_cost: float = math.inf
    best_routes: tuple[LrpRoute, ...] = ()

    def __post_init__(self) -> None:
        m = self.inst.n_depots
        self.neighbours = np.argsort(self.inst.cost[m:, m:], axis=1, kind="stable").astype(np.int64)

    def data(self, depots: Iterable[int]) -> kernels.Data:
        """The kernels' arrays with routes from ``depots``."""
        inst = self.inst
        allowed = np.zeros(inst.n_depots, np.bool_)
        allowed[list(depots)] = True
        cost = np.ascontiguousarray(inst.cost)
        opening = np.array(inst.opening_cost)
        return kernels.Data(cost, np.array(inst.demand), inst.vehicle_capacity, np.array(inst.depot_capacity),
                            opening, inst.route_cost, self.neighbours, allowed,
                            kernels.overload_cost(cost, opening, inst.route_cost))

    def out_of_time(self) -> bool:
        """Whether the safety cap has passed; never before a solution within every capacity is found."""
        if self.best_routes and time.monotonic() >= self.deadline:
            self.hit_time_limit = True
        return self.hit_time_limit

    def anneal(self, data: kernels.Data, cur: kernels.State, steps: int, temps: tuple[float, float]) -> float:
        """``steps`` steps from ``cur`` in calls of :data:`STEPS_PER_CALL`; returns the best cost."""
        best = kernels.empty_state(self.inst.n_customers, self.inst.n_depots)
        kernels.copy_state(cur, best)
        done = 0
        t0, t1 = temps
        while done < steps and not self.out_of_time():
            chunk = min(STEPS_PER_CALL, steps - done)
            span = np.array([t0 * (t1 / t0) ** (done / steps), t0 * (t1 / t0) ** ((done + chunk) / steps)])
            kernels.anneal(data, cur, best, chunk, span)
            done += chunk
        self.steps += done
        kernels.copy_state(best, cur)
        cost = float(kernels.state_cost(data, cur))
        if cost < self.best_cost - 1e-9 and kernels.overload(data, cur) == 0.0:
            self.best_cost, self.best_routes = cost, _routes(cur)
        return cost


def _routes(st: kernels.State) -> tuple[LrpRoute, ...]:
    return tuple(LrpRoute(int(st.depot[r]), tuple(int(c) for c in st.routes[r, : st.length[r]]))
                 for r in range(int(st.counts[0])))


def _typical_arc(inst: LrpInstance, data: kernels.Data, st: kernels.State) -> float:
    """The search's temperature unit: the routes' travel and fixed costs per customer (no penalty)."""
    cost = float(kernels.state_cost(data, st)) - float(kernels.overload(data, st)) * data.overload_cost
    cost -= float(data.opening_cost[st.depot_routes > 0].sum())
    return max(cost, 1.0) / inst.n_customers


def _greedy(run: _Run, data: kernels.Data) -> kernels.State:
    st = kernels.empty_state(run.inst.n_customers, run.inst.n_depots)
    kernels.recreate_all(data, st)
    return st


def _fewest_routes_cost(inst: LrpInstance) -> float:
    return inst.route_cost * math.ceil(float(inst.demand.sum()) / inst.vehicle_capacity - 1e-9)


def _enumerated_sets(inst: LrpInstance) -> list[tuple[int, ...]]:
    """Every depot set whose capacity covers the demand, cheapest opening first."""
    total = float(inst.demand.sum())
    sets = [s for k in range(1, inst.n_depots + 1) for s in itertools.combinations(range(inst.n_depots), k)
            if float(inst.depot_capacity[list(s)].sum()) >= total]
    return sorted(sets, key=lambda s: (float(inst.opening_cost[list(s)].sum()), s))


@dataclass
class _Screened:
    cost: float
    depots: tuple[int, ...]
    state: kernels.State


def _screen_one(run: _Run, depots: tuple[int, ...], floor: float) -> _Screened | None:
    inst = run.inst
    if float(inst.opening_cost[list(depots)].sum()) + floor >= run.best_cost:
        return None
    data = run.data(depots)
    st = _greedy(run, data)
    arc = _typical_arc(inst, data, st)
    temps = (0.1 * run.settings.start_temperature * arc, 0.1 * run.settings.end_temperature * arc)
    cost = run.anneal(data, st, run.settings.screen_steps, temps)
    return _Screened(cost, depots, st)


def _neighbour_sets(inst: LrpInstance, depots: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Sets one add, drop or swap away from ``depots`` whose capacity covers the demand."""
    inside, outside = set(depots), set(range(inst.n_depots)) - set(depots)
    moves = [inside | {j} for j in outside] + [inside - {i} for i in inside]
    moves += [(inside - {i}) | {j} for i in inside for j in outside]
    total = float(inst.demand.sum())
    return [tuple(sorted(s)) for s in moves if s and float(inst.depot_capacity[sorted(s)].sum()) >= total]


def _screen(run: _Run) -> list[_Screened]:
    """Round 1: route every promising depot set briefly (module docstring)."""
    inst, floor = run.inst, _fewest_routes_cost(run.inst)
    found: dict[tuple[int, ...], _Screened | None] = {}
    if inst.n_depots <= MAX_ENUMERATED_DEPOTS:
        for depots in _enumerated_sets(inst):
            if run.out_of_time():
                break
            found[depots] = _screen_one(run, depots, floor)
    else:
        current = tuple(range(inst.n_depots))
        found[current] = _screen_one(run, current, floor)
        improved = True
        while improved and not run.out_of_time():
            improved = False
            for depots in _neighbour_sets(inst, current):
                if depots not in found:
                    found[depots] = _screen_one(run, depots, floor)
            best = min((s for s in found.values() if s is not None), key=lambda s: s.cost, default=None)
            if best is not None and best.depots != current:
                current, improved = best.depots, True
    return sorted((s for s in found.values() if s is not None), key=lambda s: s.cost)


def _copy(st: kernels.State) -> kernels.State:
    out = kernels.empty_state(st.where.shape[0], st.depot_load.shape[0])
    kernels.copy_state(st, out)
    return out


def _deepen(run: _Run, item: _Screened, steps: int) -> _Screened:
    """``item`` after ``steps`` more steps of the warm search."""
    data = run.data(item.depots)
    arc = _typical_arc(run.inst, data, item.state)
    temps = (run.settings.start_temperature * arc, run.settings.end_temperature * arc)
    cost = run.anneal(data, item.state, steps, temps)
    used = item.depots
    if kernels.overload(data, item.state) == 0.0:
        used = tuple(int(j) for j in np.flatnonzero(item.state.depot_routes > 0))
    return _Screened(cost, used, item.state)


def _move(run: _Run, item: _Screened, depots: tuple[int, ...]) -> _Screened:
    """The estimate of moving ``item`` to the depots ``depots`` (module docstring, round 2)."""
    data = run.data(depots)
    st = _copy(item.state)
    new = np.zeros(run.inst.n_depots, np.bool_)
    new[[j for j in depots if j not in item.depots]] = True
    kernels.ruin_for_depots(data, st, new)
    kernels.recreate_all(data, st)
    arc = _typical_arc(run.inst, data, st)
    temps = (0.1 * run.settings.start_temperature * arc, 0.1 * run.settings.end_temperature * arc)
    return _Screened(run.anneal(data, st, run.settings.move_steps, temps), depots, st)


def _location_search(run: _Run, item: _Screened, visited: set[tuple[int, ...]]) -> _Screened:
    """Round 2 from one start: add/drop/swap moves ranked by estimate, the best few confirmed."""
    floor = _fewest_routes_cost(run.inst)
    item = _deepen(run, item, run.settings.refine_steps)
    visited.add(item.depots)
    for _ in range(run.settings.max_moves):
        moves = [_move(run, item, depots) for depots in _neighbour_sets(run.inst, item.depots)
                 if depots not in visited and not run.out_of_time()
                 and float(run.inst.opening_cost[list(depots)].sum()) + floor < run.best_cost]
        moves.sort(key=lambda s: s.cost)
        confirmed = [_deepen(run, move, run.settings.refine_steps) for move in moves[:run.settings.confirm]]
        visited.update(move.depots for move in moves[:run.settings.confirm])
        visited.update(move.depots for move in confirmed)
        best = min(confirmed, key=lambda s: s.cost, default=None)
        if best is None or best.cost >= item.cost - 1e-9:
            break
        item = best
    return item


def _result(run: _Run, started: float, screened: int) -> LrpResult:
    if not run.best_routes:
        raise SolverError(f"{run.inst.name}: no routes within the depot capacities were found in the work "
                          "budget; fix: raise the depot capacities or the budget (LrpSettings)")
    open_depots = tuple(sorted({r.depot for r in run.best_routes}))
    return LrpResult(run.best_routes, run.best_cost, open_depots, run.steps, time.monotonic() - started,
                     run.hit_time_limit, screened)


def solve_lrp(inst: LrpInstance, settings: LrpSettings | None = None,
              progress: Callable[[str], None] | None = None) -> LrpResult:
    """Choose the depots and routes of ``inst`` (best found; see the module docstring).

    Parameters
    ----------
    inst
        The instance.
    settings
        Work budget and parameters; ``None`` = the defaults.
    progress
        Called with one line after each round.

    Returns
    -------
    LrpResult
        The best solution seen in any round.

    Raises
    ------
    SolverError
        When no routes within the depot capacities were found (capacities that cannot be packed).
    """
    settings = settings or LrpSettings()
    started = time.monotonic()
    kernels.seed_kernels(settings.seed)
    run = _Run(inst, settings, started + settings.time_limit_s)
    pool = _screen(run)
    say = progress or (lambda _line: None)
    say(f"{inst.name}: screened {len(pool)} depot sets, best {run.best_cost:.0f}")
    found: dict[tuple[int, ...], _Screened] = {}
    visited: set[tuple[int, ...]] = set()
    for item in pool[:settings.starts]:
        if item.depots in visited:
            continue
        end = _location_search(run, item, visited)
        if end.depots not in found or end.cost < found[end.depots].cost:
            found[end.depots] = end
        say(f"{inst.name}: location search from {item.depots} ended at {end.depots}, best {run.best_cost:.0f}")
    for end in sorted(found.values(), key=lambda s: s.cost)[:settings.final_count]:
        _deepen(run, end, settings.final_steps)
    say(f"{inst.name}: long searches done, best {run.best_cost:.0f}")
    return _result(run, started, len(pool))


def route_from_depots(inst: LrpInstance, depots: Sequence[int], settings: LrpSettings | None = None) -> LrpResult:
    """Route ``inst`` from the given depots only (the routing half of locate-then-route).

    Parameters
    ----------
    inst
        The instance.
    depots
        Depots routes may start from (a depot left without routes is not charged).
    settings
        Its ``final_steps`` are the routing budget.

    Returns
    -------
    LrpResult
        The best routes found from those depots.

    Raises
    ------
    SolverError
        When no routes within the depots' capacities were found.
    """
    settings = settings or LrpSettings()
    started = time.monotonic()
    kernels.seed_kernels(settings.seed)
    run = _Run(inst, settings, started + settings.time_limit_s)
    depots = tuple(sorted(int(j) for j in depots))
    data = run.data(depots)
    _deepen(run, _Screened(math.inf, depots, _greedy(run, data)), settings.final_steps)
    return _result(run, started, 1)
