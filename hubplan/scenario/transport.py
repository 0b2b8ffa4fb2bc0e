"""The ``[transport]`` section: who travels by the council's minibuses, on what vehicles, under which rules.

With a ``[transport]`` table, ``hubplan run`` (and ``hubplan transport``) route minibus
rounds for the plan: a morning round to each open site and an afternoon round back
(:mod:`hubplan.transport`). Every default below is an **assumption** (the council's papers
give no attendance frequency, transport share, fleet or timetable): each is a named
field, documented here and in the documentation (``docs/guide/transport.md``), to be replaced by the
council's own figures.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from hubplan.scenario.fields import (
    MAX_ANNUAL_COST_GBP,
    MAX_JOURNEY_MINUTES,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    Name,
    OneLine,
    StrictModel,
    scenario_issue,
)

__all__ = [
    "DEFAULT_VEHICLE",
    "DRIVING_GBP_PER_HOUR",
    "MAX_RIDE_MARGIN_MINUTES",
    "MAX_RIDE_MINUTES",
    "MINIBUS_CO2E_KG_PER_KM",
    "MINIBUS_CO2E_SOURCE",
    "SEARCH_STEPS",
    "TAXI_GBP_PER_KM",
    "TAXI_GBP_PER_TRIP",
    "TIME_CAP_S",
    "VALUE_OF_TIME_GBP_PER_HOUR",
    "Depot",
    "TransportConfig",
    "VehicleType",
    "clock",
]

#: kg CO2e per vehicle-km of a diesel minibus: the UK Government (DESNZ/DEFRA) GHG conversion
#: factor 2025 for "Vans, Class III (1.74 to 3.5 tonnes), Diesel", per km (CO2 0.27712, CH4
#: 0.000005, N2O 0.00165; well-to-tank excluded). Read from the published flat file as held in the
#: public repository scope3emissiontest-oss/JulesProject (defra_factors_2025_v2/
#: category_freighting_goods.csv). The tables have no minibus class; that a minibus falls in
#: this van class is an assumption (a heavier 4-4.5 t minibus would emit more).
MINIBUS_CO2E_KG_PER_KM = 0.27878
#: The citation written into every run with the factor.
MINIBUS_CO2E_SOURCE = ("UK Government GHG conversion factors 2025 (DESNZ), Vans Class III (1.74-3.5 t) diesel, "
                       "kg CO2e per km; minibus in this class: assumption")

#: Ruin-and-recreate steps per round (site and session): the routing's work budget. Chosen so that
#: the shipped Dorset plans route in well under a minute on a 2-core machine while more steps
#: change their figures little (docs/transport-policy.md); a setting, not a measured optimum.
SEARCH_STEPS = 5_000

#: Safety cap on the whole plan's routing (seconds): far above what the work budget needs, so
#: that it binds only on a machine much slower or busier than expected (the status then says so).
TIME_CAP_S = 300.0

#: Passengers' time, GBP per hour on board beyond the direct drive, in the generalised cost the
#: routing minimises. An ASSUMPTION, not a databook value: DfT's TAG Unit 3.5.6 (2006), tables 1-2,
#: valued non-working time at GBP 4.46 an hour ("other" purposes) and 5.04 (commuting) in 2002
#: prices; GBP 10 allows for twenty years' uprating and for passengers to whom a long ride is a
#: real burden. The trade-off at other values is in docs/transport-policy.md.
VALUE_OF_TIME_GBP_PER_HOUR = 10.0

#: What an hour of a vehicle's driving costs beyond its day rate (fuel and wear), GBP; the
#: generalised cost's vehicle-time term. An ASSUMPTION (about 40 km/h at 15p/km), and the
#: weight that makes the routing drive least once it uses fewest vehicles.
DRIVING_GBP_PER_HOUR = 6.0

#: The ride-time policy's absolute ceiling, minutes on board (an ASSUMPTION: councils' travel
#: policies commonly cap a journey at about an hour; a passenger whose direct drive alone is
#: longer travels by single-occupancy taxi, listed as an exception).
MAX_RIDE_MINUTES = 60.0

#: The ride-time policy's margin: a passenger rides at most their direct drive plus this many
#: minutes (an ASSUMPTION), so a 5-minute trip rides at most 35 minutes, not the ceiling.
MAX_RIDE_MARGIN_MINUTES = 30.0

#: A single-occupancy accessible taxi for a passenger no shared round can carry within the
#: limits: GBP per trip and per km. ASSUMPTIONS (placeholder fares, to be replaced by the
#: council's contract rates).
TAXI_GBP_PER_TRIP = 10.0
TAXI_GBP_PER_KM = 2.5

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _minutes_of_day(value: object) -> object:
    """``"09:30"`` -> 570 (minutes after midnight); numbers pass through for pydantic to check."""
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match is None:
            raise scenario_issue("", f"time {value!r} is not HH:MM", 'write times as "09:30"')
        return int(match[1]) * 60 + int(match[2])
    return value


#: A time of day in minutes after midnight, written ``"HH:MM"`` in the file.
ClockTime = Annotated[int, BeforeValidator(_minutes_of_day), Field(ge=0, lt=24 * 60)]


def clock(minutes: float) -> str:
    """Minutes after midnight as ``HH:MM`` (rounded down to the minute).

    Examples
    --------
    >>> clock(570), clock(615.9)
    ('09:30', '10:15')
    """
    whole = int(minutes) % (24 * 60)
    return f"{whole // 60:02d}:{whole % 60:02d}"


class VehicleType(StrictModel):
    """One kind of vehicle the routing may use.

    ``seats`` and ``wheelchair_spaces`` are the two capacities (a passenger who needs a
    wheelchair space takes one and no seat). ``daily_cost_gbp`` is what one vehicle costs
    per service day with its driver (an assumption unless the council's contract rate is
    given). ``available`` caps how many of this type one site may use (``None``: as many as
    the rounds need).
    """

    name: Name
    seats: int = Field(ge=1, le=100)
    wheelchair_spaces: int = Field(default=0, ge=0, le=20)
    daily_cost_gbp: float = Field(gt=0, le=MAX_ANNUAL_COST_GBP)
    co2e_kg_per_km: float = Field(default=MINIBUS_CO2E_KG_PER_KM, gt=0, le=100)
    co2e_source: OneLine = MINIBUS_CO2E_SOURCE
    available: int | None = Field(default=None, ge=1, le=1000)


#: The default vehicle: an accessible minibus. Seats, spaces and daily cost are assumptions
#: (a common accessible-minibus layout and a placeholder day rate with driver), not council figures.
DEFAULT_VEHICLE = VehicleType(name="accessible-minibus", seats=12, wheelchair_spaces=2, daily_cost_gbp=250.0)


class Depot(StrictModel):
    """Where every vehicle starts and ends its rounds, when not at the site it serves."""

    name: OneLine
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class TransportConfig(StrictModel):
    """The ``[transport]`` table (every default an assumption; see the module docstring).

    Who travels on a typical day: each attendee attends ``metrics.trips_per_week`` of
    the ``service_days_per_week`` days; ``council_transport_share`` of attendees travel by
    the council's transport (the rest independently); ``wheelchair_share`` of them need a
    wheelchair space (unless a client file has a ``wheelchair`` column).

    The rounds: vehicles start at the site they serve (``depot = "site"``) or at a named
    depot; in the morning every passenger must arrive between ``arrive_from`` and
    ``arrive_by``, in the afternoon leave between ``leave_from`` and ``leave_by``.

    The ride-time policy, relative to each passenger's direct drive: a passenger rides at
    most ``max_ride_minutes`` (the ceiling), at most their direct drive plus
    ``max_ride_margin_minutes`` (when set) and at most ``max_ride_multiple`` times their
    direct drive (when set). A passenger no shared round can carry within these limits
    (or the windows and round length) travels by a single-occupancy accessible taxi at
    ``taxi_gbp_per_trip`` plus ``taxi_gbp_per_km``, an exception listed with its reason.

    The objective: with ``objective = "generalised"`` the routing minimises vehicles' day
    rates, their driving (:data:`DRIVING_GBP_PER_HOUR`) and the passengers' minutes on board
    beyond their direct drives at ``value_of_time_gbp_per_hour``; ``"vehicles"`` drops the
    passengers' term (vehicles' costs only, rides bounded by the limits alone). Each value of
    ``tradeoff_values_of_time`` (none by default: each routes the whole plan again) adds a
    point to the figures' trade-off curve: annual cost against mean and 90th percentile ride.

    Each pickup and drop-off takes ``boarding_minutes`` (``wheelchair_boarding_minutes``
    for a wheelchair user); a vehicle's round lasts at most ``max_route_minutes``.
    ``max_vehicles_per_site`` is the fleet limit per site. ``search_steps`` is the routing
    search's work budget per round (site and session): the same scenario, seed and
    settings give the same routes whatever the machine's load. ``time_limit_s`` is only a
    safety cap on the whole plan's routing, and the plan's status says when it binds.
    ``seed`` fixes who travels on the typical day and the search's random choices.
    """

    council_transport_share: float = Field(default=0.6, gt=0, le=1)
    wheelchair_share: float = Field(default=0.15, ge=0, le=1)
    service_days_per_week: float = Field(default=5.0, gt=0, le=7)
    vehicles: tuple[VehicleType, ...] = Field(default=(DEFAULT_VEHICLE,), min_length=1, max_length=10)
    depot: Literal["site"] | Depot = "site"
    arrive_from: ClockTime = 9 * 60 + 15
    arrive_by: ClockTime = 10 * 60
    leave_from: ClockTime = 15 * 60
    leave_by: ClockTime = 15 * 60 + 30
    max_ride_minutes: float = Field(default=MAX_RIDE_MINUTES, gt=0, le=MAX_JOURNEY_MINUTES)
    max_ride_margin_minutes: float | None = Field(default=MAX_RIDE_MARGIN_MINUTES, ge=0, le=MAX_JOURNEY_MINUTES)
    max_ride_multiple: float | None = Field(default=None, ge=1, le=20)
    objective: Literal["generalised", "vehicles"] = "generalised"
    value_of_time_gbp_per_hour: float = Field(default=VALUE_OF_TIME_GBP_PER_HOUR, ge=0, le=1000)
    taxi_gbp_per_trip: float = Field(default=TAXI_GBP_PER_TRIP, ge=0, le=10_000)
    taxi_gbp_per_km: float = Field(default=TAXI_GBP_PER_KM, ge=0, le=1000)
    tradeoff_values_of_time: tuple[Annotated[float, Field(ge=0, le=1000)], ...] = Field(default=(), max_length=10)
    boarding_minutes: float = Field(default=2.0, ge=0, le=60)
    wheelchair_boarding_minutes: float = Field(default=5.0, ge=0, le=60)
    max_route_minutes: float = Field(default=180.0, gt=0, le=MAX_JOURNEY_MINUTES)
    max_vehicles_per_site: int | None = Field(default=None, ge=1, le=1000)
    search_steps: int = Field(default=SEARCH_STEPS, ge=0, le=10_000_000)
    time_limit_s: float = Field(default=TIME_CAP_S, gt=0, le=MAX_TIME_LIMIT_S)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _check_windows(self) -> TransportConfig:
        if self.arrive_by < self.arrive_from:
            raise scenario_issue("arrive_by", f"{clock(self.arrive_by)} is before arrive_from "
                                 f"{clock(self.arrive_from)}", "give arrive_by at or after arrive_from")
        if self.leave_by < self.leave_from:
            raise scenario_issue("leave_by", f"{clock(self.leave_by)} is before leave_from "
                                 f"{clock(self.leave_from)}", "give leave_by at or after leave_from")
        if self.leave_from < self.arrive_by:
            raise scenario_issue("leave_from", f"{clock(self.leave_from)} is before the morning's "
                                 f"arrive_by {clock(self.arrive_by)}", "give the afternoon window after the morning's")
        names = [vehicle.name for vehicle in self.vehicles]
        if len(set(names)) != len(names):
            raise scenario_issue("vehicles", "two vehicle types share a name", "give each its own name")
        return self
