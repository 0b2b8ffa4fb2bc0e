"""One dial-a-ride instance per open site and session: the morning round in, the afternoon round home.

Morning: every passenger is picked up at home and dropped at the site, where service
must start between ``arrive_from`` and ``arrive_by``. Afternoon: every passenger is
picked up at the site between ``leave_from`` and ``leave_by`` and dropped at home.
Vehicles start and end at the site (or the named depot); a round lasts at most
``max_route_minutes``. Each passenger's ride is limited by the policy of
:func:`ride_limits` (a ceiling, the direct drive plus a margin, a multiple of the direct
drive). Boarding and alighting take ``boarding_minutes`` (``wheelchair_boarding_minutes``
for a wheelchair user) at each stop. Loads have two dimensions: seats and wheelchair
spaces. The routing minimises the generalised cost (:func:`ride_cost`,
:data:`VEHICLE_MINUTES_PER_GBP`) unless the scenario asks for vehicles' costs only.

Times are minutes after midnight; legs come from :mod:`hubplan.travel.legs` (minutes
and road km between any two stops), so neighbouring pickups are not charged a whole
door-to-door trip each. Before routing, :func:`check_reachable` rejects a setting that
no round could meet, even carrying one passenger directly, naming the home areas.

The home windows are tightened from the site's (as Cordeau 2006 does), which lets the
router's filters prune sooner without excluding any feasible schedule: in the morning a
pickup must start no later than ``arrive_by`` minus the direct leg and no earlier than
``arrive_from`` minus the longest allowed ride; in the afternoon, symmetrically.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from hubplan.errors import input_error
from hubplan.routing.darp import DarpInstance, Node, Request, Vehicle
from hubplan.scenario import TransportConfig, VehicleType, clock
from hubplan.scenario.transport import DRIVING_GBP_PER_HOUR
from hubplan.transport.passengers import Passenger

__all__ = [
    "DIMENSIONS",
    "VEHICLE_MINUTES_PER_GBP",
    "Session",
    "SiteInstance",
    "build_instance",
    "check_reachable",
    "fleet_shortfall",
    "reach_failures",
    "ride_cost",
    "ride_limits",
]

#: The two capacities of a vehicle, in the order of :class:`hubplan.routing.darp.Request.load`.
DIMENSIONS = ("seats", "wheelchair spaces")

#: The routing's cost unit is a vehicle-minute of driving, priced at
#: :data:`~hubplan.scenario.transport.DRIVING_GBP_PER_HOUR`; a pound is this many of them (10 at
#: GBP 6 an hour, so a 250-pound day rate outweighs 41 hours of driving and the routing uses as few
#: vehicles as it can before it drives least). The routing's cost in this unit, divided by it, is
#: the generalised cost in GBP: day rates + driving + passengers' excess ride at the value of time.
VEHICLE_MINUTES_PER_GBP = 60.0 / DRIVING_GBP_PER_HOUR

#: Vehicles offered to the router per vehicle its seats alone would need, plus spares (unused ones cost
#: nothing; too few leave people unserved when ride and round-length limits, not seats, bind, and the
#: round is then routed again with more). Measured on the council's proposal (27 Nov 2026): with one
#: per seat-need plus one, 4 of 16 rounds had to be routed again, some twice.
OFFER_PER_NEEDED = 2
OFFER_SPARE = 2

#: Minutes of the day: the routing horizon.
DAY_MINUTES = 24 * 60


class Session(enum.Enum):
    """Which round: to the site in the morning, or home in the afternoon."""

    MORNING = "morning"
    AFTERNOON = "afternoon"


@dataclass(frozen=True)
class SiteInstance:
    """A site's round for one session, ready to route.

    Parameters
    ----------
    site_id, session
        Which site and round.
    passengers
        The passengers, in request order (request ``i`` is ``passengers[i - 1]``).
    vehicle_types
        The type of each vehicle of the instance, in order.
    instance
        The dial-a-ride instance (travel in minutes).
    km
        Road km between the instance's nodes (same shape as ``instance.travel``).
    direct_minutes
        Each passenger's direct drive between home and site (the leg model, no stops).
    fleet_limited
        Whether the vehicles offered are capped by ``available`` or ``max_vehicles_per_site``.
    """

    site_id: str
    session: Session
    passengers: tuple[Passenger, ...]
    vehicle_types: tuple[VehicleType, ...]
    instance: DarpInstance
    km: np.ndarray
    direct_minutes: np.ndarray
    fleet_limited: bool


def ride_limits(direct_minutes: np.ndarray, config: TransportConfig) -> np.ndarray:
    """Each passenger's longest allowed ride: the ceiling, the direct drive plus the margin, the multiple of it.

    Examples
    --------
    >>> from hubplan.scenario import TransportConfig
    >>> ride_limits(np.array([5.0, 10.0, 50.0]), TransportConfig(max_ride_minutes=60, max_ride_margin_minutes=30,
    ...                                                       max_ride_multiple=2)).tolist()
    [10.0, 20.0, 60.0]
    >>> ride_limits(np.array([5.0, 40.0]), TransportConfig(max_ride_minutes=60, max_ride_margin_minutes=30)).tolist()
    [35.0, 60.0]
    """
    direct = np.asarray(direct_minutes, dtype=float)
    limits = np.full(len(direct), config.max_ride_minutes, dtype=float)
    if config.max_ride_margin_minutes is not None:
        limits = np.minimum(limits, direct + config.max_ride_margin_minutes)
    if config.max_ride_multiple is not None:
        limits = np.minimum(limits, config.max_ride_multiple * direct)
    return limits


def ride_cost(config: TransportConfig) -> float:
    """The routing's price of a passenger-minute beyond the direct drive, in vehicle-minutes (0 for ``vehicles``).

    Examples
    --------
    >>> from hubplan.scenario import TransportConfig
    >>> round(ride_cost(TransportConfig(value_of_time_gbp_per_hour=12.0)), 6)  # GBP 0.20 a minute x 10 per GBP
    2.0
    >>> ride_cost(TransportConfig(objective="vehicles"))
    0.0
    """
    if config.objective == "vehicles":
        return 0.0
    return config.value_of_time_gbp_per_hour / 60.0 * VEHICLE_MINUTES_PER_GBP


def _boarding(passenger: Passenger, config: TransportConfig) -> float:
    return config.wheelchair_boarding_minutes if passenger.wheelchair else config.boarding_minutes


@dataclass(frozen=True)
class _Reach:
    """One rule a passenger's direct trip must meet: what is measured, its value and its limit per passenger."""

    field: str
    fix: str
    measured: np.ndarray
    allowed: np.ndarray
    clock_times: bool

    def text(self, i: int) -> str:
        """The worst passenger's figure against the limit, in minutes or as times of day."""
        if self.clock_times:
            return f"{_time_of_day(self.measured[i])} against {_time_of_day(self.allowed[i])} at the latest"
        return f"{self.measured[i]:.0f} min against {self.allowed[i]:.0f} min allowed"


def _reach_rules(passengers: tuple[Passenger, ...], minutes: np.ndarray, config: TransportConfig) -> tuple[_Reach, ...]:
    """The rules each passenger's direct trip must meet (see :func:`check_reachable`)."""
    depot_to_home, home_to_site, home_to_depot = minutes[0, 2:], minutes[2:, 1], minutes[2:, 0]
    depot_to_site, site_to_home, site_to_depot = float(minutes[0, 1]), minutes[1, 2:], float(minutes[1, 0])
    direct = np.maximum(home_to_site, site_to_home)
    boarding = np.array([_boarding(p, config) for p in passengers])
    morning_round = depot_to_home + 2 * boarding + home_to_site + site_to_depot
    afternoon_round = depot_to_site + 2 * boarding + site_to_home + home_to_depot
    everyone = np.ones(len(passengers))
    return (
        _Reach("max_ride_minutes", "raise transport.max_ride_minutes (or max_ride_multiple), or plan a nearer site "
               "for them", direct, ride_limits(direct, config), clock_times=False),
        _Reach("max_route_minutes", "raise transport.max_route_minutes, or start vehicles nearer (transport.depot)",
               np.maximum(morning_round, afternoon_round), config.max_route_minutes * everyone, clock_times=False),
        _Reach("arrive_by", "allow a later arrival (transport.arrive_by), or start vehicles nearer (transport.depot)",
               depot_to_home + boarding + home_to_site, config.arrive_by * everyone, clock_times=True),
        _Reach("leave_from", "allow an earlier departure (transport.leave_from), or start vehicles nearer "
               "(transport.depot)", config.leave_from + 2 * boarding + site_to_home + home_to_depot,
               float(DAY_MINUTES) * everyone, clock_times=True),
    )


def reach_failures(passengers: tuple[Passenger, ...], minutes: np.ndarray, config: TransportConfig) -> dict[int, str]:
    """Passengers (by index) whose direct trip alone breaks a rule, each with the first rule it breaks, in words.

    These travel by single-occupancy taxi (:mod:`hubplan.transport.exceptions`). The words
    name the setting and the minutes or times, never a postcode or home area.
    """
    out: dict[int, str] = {}
    for rule in _reach_rules(passengers, minutes, config):
        for i in np.flatnonzero(rule.measured > rule.allowed + 1e-9):
            out.setdefault(int(i), f"{_REACH_WORDS[rule.field]} {rule.text(int(i))} (transport.{rule.field})")
    return dict(sorted(out.items()))


def check_reachable(site_id: str, site_name: str, passengers: tuple[Passenger, ...], minutes: np.ndarray,
                    config: TransportConfig, *, source: str, area_names: dict[str, str]) -> None:
    """Reject settings that no round can meet, even one vehicle carrying one passenger directly.

    For each passenger and both sessions: the direct ride must fit the ride limit; the
    round depot -> home -> site -> depot (with boarding) must fit ``max_route_minutes``;
    leaving the depot at 00:00, the direct trip must reach the site by ``arrive_by``; and
    leaving the site at ``leave_from``, it must be back at the depot by midnight.
    ``minutes`` are the legs among ``[depot, site, home 1, ..., home n]`` (as for
    :func:`build_instance`). A plan calls this only when no passenger at all can ride a
    shared round; otherwise those who cannot are exceptions (:func:`reach_failures`).

    Raises
    ------
    InputError
        Naming the home areas (never a postcode), the minutes or times and the setting to change.
    """
    for rule in _reach_rules(passengers, minutes, config):
        over = np.flatnonzero(rule.measured > rule.allowed + 1e-9)
        if over.size:
            areas = sorted({passengers[i].area_id for i in over})
            worst = int(over[np.argmax(rule.measured[over] - rule.allowed[over])])
            named = ", ".join(f"{area} ({area_names.get(area, area)})" for area in areas[:3])
            more = f" and {len(areas) - 3} more" if len(areas) > 3 else ""
            raise input_error(
                source, f"transport.{rule.field}",
                f"{len(over)} passenger(s) of {site_name} ({site_id}) from {named}{more} cannot be carried even "
                f"alone: {_REACH_WORDS[rule.field]} {rule.text(worst)}", rule.fix)


def _time_of_day(minutes: float) -> str:
    """``HH:MM``, ``midnight`` for the end of the day, and ``HH:MM the next day`` beyond it."""
    if minutes == DAY_MINUTES:
        return "midnight"
    return clock(minutes) + (" the next day" if minutes > DAY_MINUTES else "")


#: What each reach rule measures, in words (before the figure and its limit).
_REACH_WORDS = {
    "max_ride_minutes": "the direct ride takes",
    "max_route_minutes": "the shortest round takes",
    "arrive_by": "leaving the depot at 00:00, the direct trip reaches the site at",
    "leave_from": "the direct trip home gets back to the depot at",
}


def _vehicles(types: tuple[VehicleType, ...], passengers: tuple[Passenger, ...], config: TransportConfig,
              scale: int) -> tuple[tuple[VehicleType, ...], bool]:
    """The vehicles offered to the router (see :data:`OFFER_PER_NEEDED`; times ``scale``), within the fleet limits."""
    wheelchair = sum(p.wheelchair for p in passengers)
    seated = len(passengers) - wheelchair
    offered: list[VehicleType] = []
    limited = False
    for vehicle_type in types:
        need = math.ceil(seated / vehicle_type.seats)
        if wheelchair:
            need = max(need, math.ceil(wheelchair / vehicle_type.wheelchair_spaces)
                       if vehicle_type.wheelchair_spaces else 0)
        count = min(len(passengers), (OFFER_PER_NEEDED * max(1, need) + OFFER_SPARE) * scale)
        if vehicle_type.available is not None and vehicle_type.available < count:
            count, limited = vehicle_type.available, True
        offered.extend([vehicle_type] * count)
    if config.max_vehicles_per_site is not None and config.max_vehicles_per_site < len(offered):
        # keep the types in the scenario's order, each type's share of the cap in turn
        offered, limited = offered[:config.max_vehicles_per_site], True
    return tuple(offered), limited


def fleet_shortfall(item: SiteInstance) -> str | None:
    """Why a capped fleet cannot carry a round's passengers whatever the routes, or ``None``.

    Every passenger of a round is aboard at once at the site (the morning's last stop, the
    afternoon's first), so the vehicles offered need a seat for each passenger without a
    wheelchair and a wheelchair space for each with one. Only a capped fleet can fall short
    (uncapped, enough vehicles are offered), and this is known before any routing.
    """
    if not item.fleet_limited:
        return None
    wheelchair = sum(p.wheelchair for p in item.passengers)
    seated = len(item.passengers) - wheelchair
    seats = sum(v.seats for v in item.vehicle_types)
    spaces = sum(v.wheelchair_spaces for v in item.vehicle_types)
    if seats >= seated and spaces >= wheelchair:
        return None
    return (f"{len(item.vehicle_types)} vehicle(s) with {seats} seat(s) and {spaces} wheelchair space(s) cannot "
            f"carry {seated} seated and {wheelchair} wheelchair passenger(s) in the {item.session.value}")


def build_instance(site_id: str, session: Session, passengers: tuple[Passenger, ...], minutes: np.ndarray,
                   km: np.ndarray, xy_km: np.ndarray, config: TransportConfig, *, scale: int = 1) -> SiteInstance:
    """The dial-a-ride instance of one site's round.

    Parameters
    ----------
    site_id, session
        Which site and round.
    passengers
        The site's passengers on the typical day (at least one).
    minutes, km
        Leg minutes and road km among the points ``[depot, site, home 1, ..., home n]``
        (the depot is the site itself with ``depot = "site"``: rows 0 and 1 then coincide).
    xy_km
        Planar coordinates of the same points (km), which the router's ruin step uses to
        find neighbouring requests.
    config
        The ``[transport]`` table.
    scale
        Multiplies the number of vehicles offered (the router is retried with more when
        route-duration limits, not capacity, leave someone unserved).

    Returns
    -------
    SiteInstance
        The instance with its passengers, vehicle types and km matrix.
    """
    n = len(passengers)
    homes = np.arange(2, 2 + n)
    direct = minutes[homes, 1] if session is Session.MORNING else minutes[1, homes]
    limits = ride_limits(direct, config)
    boarding = [_boarding(p, config) for p in passengers]
    # node -> point: 0 depot, 1..n pickups, n+1..2n drop-offs, 2n+1 end depot
    if session is Session.MORNING:
        point = np.concatenate([[0], homes, np.ones(n, dtype=int), [0]])
        windows = [(max(0.0, config.arrive_from - limits[i] - boarding[i]), config.arrive_by - direct[i] - boarding[i])
                   for i in range(n)] + [(float(config.arrive_from), float(config.arrive_by))] * n
    else:
        point = np.concatenate([[0], np.ones(n, dtype=int), homes, [0]])
        windows = [(float(config.leave_from), float(config.leave_by))] * n + \
            [(config.leave_from + boarding[i] + direct[i], config.leave_by + boarding[i] + limits[i]) for i in range(n)]
    depot_window = (0.0, float(DAY_MINUTES))
    all_windows = [depot_window, *windows, depot_window]
    services = [0.0, *boarding, *boarding, 0.0]
    nodes = tuple(Node(i, float(xy_km[point[i], 0]), float(xy_km[point[i], 1]), services[i], *all_windows[i])
                  for i in range(2 * n + 2))
    requests = tuple(Request(i + 1, i + 1, n + i + 1, (0, 1) if p.wheelchair else (1, 0), float(limits[i]))
                     for i, p in enumerate(passengers))
    types, limited = _vehicles(config.vehicles, passengers, config, scale)
    vehicles = tuple(Vehicle((t.seats, t.wheelchair_spaces), fixed_cost=t.daily_cost_gbp * VEHICLE_MINUTES_PER_GBP)
                     for t in types)
    travel = minutes[np.ix_(point, point)]
    instance = DarpInstance(f"{site_id}-{session.value}", DIMENSIONS, nodes, requests, vehicles,
                            config.max_route_minutes, np.array(travel, dtype=float), ride_cost=ride_cost(config))
    return SiteInstance(site_id, session, passengers, types, instance, km[np.ix_(point, point)], direct, limited)

