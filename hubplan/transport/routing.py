"""Route every open site's morning and afternoon rounds, several sites at once.

Each (site, session) is an independent dial-a-ride instance
(:mod:`hubplan.transport.instances`), routed by :func:`hubplan.routing.route.route` in a
process pool (one process per core, at most one per instance). Each instance's search
stops on a work budget (``transport.search_steps`` steps), so the routes depend only on
the scenario, seed and settings, not on the machine's load or the order the pool
finishes in. The plan's time limit is only a safety cap, shared out in proportion to
each instance's passengers (at least :data:`MIN_ROUND_SECONDS` each); a session whose
search it cut short is marked :attr:`RoutedSession.capped`. Each result is re-checked
exactly by :mod:`hubplan.routing.check`; the routes are a heuristic's best found,
never claimed optimal.

When the router leaves someone unserved although the vehicles offered were not capped
(route-duration limits, not seats, bind), the instance is rebuilt with more vehicles and
routed again (up to :data:`MAX_VEHICLE_SCALE`). Whoever is still unserved then, or
unserved by a capped fleet, is listed in :attr:`RoutedSession.unserved` with the reason,
to travel by single-occupancy taxi (:mod:`hubplan.transport.exceptions`): the plan is always
produced. A capped fleet too small for a round's seats or wheelchair spaces whatever the
routes is an error found before routing (:func:`~hubplan.transport.instances.fleet_shortfall`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from hubplan.errors import SolverError, input_error
from hubplan.progress import Progress
from hubplan.routing.check import ViolationKind
from hubplan.routing.lns import warm_up
from hubplan.routing.route import RoutingResult, route
from hubplan.transport.instances import Session, SiteInstance, fleet_shortfall

__all__ = ["MAX_VEHICLE_SCALE", "MIN_ROUND_SECONDS", "Round", "RoutedSession", "Stop", "route_sessions"]

#: No instance's safety cap is below this (seconds), so that a small round's cap does not bind
#: on a busy machine before its work budget is spent.
MIN_ROUND_SECONDS = 10.0

#: How many times the vehicles offered may be doubled when duration limits leave people unserved.
MAX_VEHICLE_SCALE = 8

Rebuild = Callable[[SiteInstance, int], SiteInstance]


@dataclass(frozen=True)
class Stop:
    """A vehicle calls to pick up or set down one passenger.

    Parameters
    ----------
    passenger
        :attr:`hubplan.transport.passengers.Passenger.number`.
    boards
        ``True`` for a pickup, ``False`` for a drop-off.
    minute
        Start of service, minutes after midnight.
    at_site
        Whether the stop is at the site (else at the passenger's home).
    """

    passenger: int
    boards: bool
    minute: float
    at_site: bool


@dataclass(frozen=True)
class Round:
    """One vehicle's round in one session.

    Parameters
    ----------
    site_id, session
        Which site and round.
    vehicle, vehicle_type
        The vehicle's number at the site in that session, and its type's name.
    stops
        Every pickup and drop-off in order.
    departs, returns
        Leaving and reaching the depot (minutes after midnight).
    km
        Road km driven, depot to depot.
    drive_minutes
        Minutes spent driving (legs only: no boarding, no waiting).
    """

    site_id: str
    session: Session
    vehicle: int
    vehicle_type: str
    stops: tuple[Stop, ...]
    departs: float
    returns: float
    km: float
    drive_minutes: float = 0.0

    @property
    def hours(self) -> float:
        """Hours from leaving the depot to returning."""
        return (self.returns - self.departs) / 60.0


@dataclass(frozen=True)
class RoutedSession:
    """A site's routed session: its rounds and each passenger's ride.

    Parameters
    ----------
    site_id, session
        Which site and round.
    rounds
        The vehicles used, each with its round.
    ride_minutes, direct_minutes
        Per passenger number: minutes on board, and the direct drive between home and site.
    seconds, time_limit_s
        Wall time of the search and its safety cap.
    steps
        Search steps made.
    capped
        Whether the time cap, not the work budget, ended the search.
    unserved
        Passenger numbers no round of this session carries (they travel by taxi).
    unserved_reason
        Why, in words (empty when everyone is carried).
    """

    site_id: str
    session: Session
    rounds: tuple[Round, ...]
    ride_minutes: dict[int, float]
    direct_minutes: dict[int, float]
    seconds: float
    time_limit_s: float
    steps: int = 0
    capped: bool = False
    unserved: tuple[int, ...] = ()
    unserved_reason: str = ""


def _route_one(instance: SiteInstance, time_limit_s: float, seed: int, steps: int) -> RoutingResult:
    """The task run in a worker process (the compiled search made ready first, outside the time cap)."""
    warm_up()
    return route(instance.instance, time_limit_s=time_limit_s, seed=seed, steps=steps)


def _limits(instances: list[SiteInstance], total_s: float, workers: int) -> list[float]:
    """Each instance's share of ``total_s`` x ``workers``, in proportion to its passengers."""
    sizes = np.array([len(item.passengers) for item in instances], dtype=float)
    shares = total_s * workers * sizes / sizes.sum()
    return [max(MIN_ROUND_SECONDS, float(share)) for share in shares]


def _session(item: SiteInstance, result: RoutingResult, reason: str = "") -> RoutedSession:
    """The routed session from the checker's schedules."""
    n = len(item.passengers)
    rounds: list[Round] = []
    for schedule in result.report.routes:
        if len(schedule.stops) <= 2:
            continue  # the vehicle stayed at the depot
        stops = []
        for node, minute in zip(schedule.stops[1:-1], schedule.start_of_service[1:-1], strict=True):
            boards = node <= n
            passenger = item.passengers[(node if boards else node - n) - 1]
            at_site = boards == (item.session is Session.AFTERNOON)
            stops.append(Stop(passenger.number, boards, float(minute), at_site))
        km = float(sum(item.km[a, b] for a, b in zip(schedule.stops[:-1], schedule.stops[1:], strict=True)))
        rounds.append(Round(item.site_id, item.session, len(rounds) + 1, item.vehicle_types[schedule.vehicle].name,
                            tuple(stops), float(schedule.start_of_service[0]), float(schedule.start_of_service[-1]),
                            km, float(schedule.cost)))
    rides = {item.passengers[number - 1].number: float(ride)
             for schedule in result.report.routes for number, ride in schedule.ride_times.items()}
    direct = {p.number: float(d) for p, d in zip(item.passengers, item.direct_minutes, strict=True)}
    unserved = tuple(item.passengers[number - 1].number for number in result.report.unserved_requests)
    return RoutedSession(item.site_id, item.session, tuple(rounds), rides, direct, result.seconds, result.time_limit_s,
                         result.steps, result.capped, unserved, reason if unserved else "")


def _unserved(result: RoutingResult) -> int:
    return sum(v.kind is ViolationKind.UNSERVED for v in result.report.violations)


def route_sessions(instances: list[SiteInstance], rebuild: Rebuild, *, time_limit_s: float, seed: int,
                   steps: int, source: str, workers: int | None = None,
                   progress: Progress | None = None) -> list[RoutedSession]:
    """Route every instance in a process pool; retry with more vehicles when duration limits bind.

    Parameters
    ----------
    instances
        One per (site, session) with passengers.
    rebuild
        ``rebuild(instance, scale)``: the same round offered ``scale`` times the vehicles.
    time_limit_s
        Wall-clock safety cap for the whole plan (shared out, see the module docstring).
    seed
        Seed of the router's randomised rounds.
    steps
        Work budget of each instance's search (see the module docstring).
    source
        The scenario file, for error messages.
    workers
        Processes (default: the machine's cores, at most one per instance).
    progress
        ``(done, total)`` callback, called as instances finish.

    Returns
    -------
    list of RoutedSession
        In the order of ``instances``.

    Raises
    ------
    InputError
        Before routing, when a capped fleet (``available``, ``max_vehicles_per_site``) has
        too few seats or wheelchair spaces for a round whatever the routes.
    SolverError
        When the router breaks a rule (the independent check disagrees).
    """
    if not instances:
        return []
    for item in instances:
        shortfall = fleet_shortfall(item)
        if shortfall is not None:
            raise input_error(source, "transport.max_vehicles_per_site",
                              f"the fleet limit is too small at site {item.site_id}: {shortfall}",
                              "raise transport.max_vehicles_per_site or the vehicle types' 'available'")
    workers = max(1, min(workers or os.cpu_count() or 1, len(instances)))
    if multiprocessing.current_process().daemon:
        workers = 1
    limits = _limits(instances, time_limit_s, workers)
    done: dict[int, RoutedSession] = {}
    pending = {index: (item, 1) for index, item in enumerate(instances)}
    with _executor(workers) as pool, _abandoned_on_interrupt(pool):
        while pending:
            futures = {pool.submit(_route_one, item, limits[index], seed, steps): index
                       for index, (item, _) in pending.items()}
            retry: dict[int, tuple[SiteInstance, int]] = {}
            for future in concurrent.futures.as_completed(futures):
                index = futures[future]
                item, scale = pending[index]
                result = future.result()
                broken = [v for v in result.report.violations if v.kind is not ViolationKind.UNSERVED]
                if broken:
                    raise SolverError(f"{item.instance.name}: the independent check rejected the routes: "
                                      f"{broken[0]}; fix: report this as a bug")
                reason = _unserved_reason(item, scale) if _unserved(result) else ""
                if reason == _RETRY:
                    retry[index] = (rebuild(item, scale * 2), scale * 2)
                    continue
                done[index] = _session(item, result, reason)
                if progress is not None:
                    progress(len(done), len(instances))
            pending = retry
    return [done[index] for index in range(len(instances))]


@contextlib.contextmanager
def _abandoned_on_interrupt(pool: concurrent.futures.Executor) -> Iterator[None]:
    """On Ctrl-C (or any error), drop the queued routings instead of running them all first.

    ``with pool`` alone would wait for every queued instance on the way out (106-112 s
    measured after Ctrl-C, issue 20): the queue is cancelled and the pool's own worker
    processes, busy with instances whose results nobody will read, are killed.
    """
    try:
        yield
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):  # the pool's own, still running
            process.kill()
        raise


def _executor(workers: int) -> concurrent.futures.Executor:
    """A pool of ``workers`` spawned processes, or one thread (the caller's work, in order) for one worker.

    Processes are spawned, not forked: the optimiser's solver threads may still be alive
    in this process. A script calling this with more than one worker therefore needs the
    usual ``if __name__ == "__main__":`` guard. A daemon process (e.g. a Dask worker)
    cannot start children, so it routes in-process.
    """
    if workers <= 1 or multiprocessing.current_process().daemon:
        return concurrent.futures.ThreadPoolExecutor(max_workers=1)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_leave_ctrl_c_to_the_caller)


def _leave_ctrl_c_to_the_caller() -> None:
    """A routing worker ignores Ctrl-C: the command that started it kills it (no traceback from a worker).

    Ctrl-C at a terminal reaches the whole process group; the caller stops its pool at once
    (:func:`_abandoned_on_interrupt`) and says so in one line.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: :func:`_unserved_reason`'s answer when routing again with more vehicles may still help.
_RETRY = "retry"


def _unserved_reason(item: SiteInstance, scale: int) -> str:
    """Why passengers were left unserved, or :data:`_RETRY` when more vehicles may still carry them."""
    if item.fleet_limited:
        return (f"no shared round within the limits with the fleet limit of {len(item.instance.vehicles)} "
                "vehicle(s) (transport.max_vehicles_per_site, vehicle types' 'available')")
    if scale >= MAX_VEHICLE_SCALE:
        return ("no shared round found within the ride, window and round-length limits "
                "(transport.max_ride_minutes, max_ride_margin_minutes, max_route_minutes)")
    return _RETRY
