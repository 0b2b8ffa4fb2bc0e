"""The transport plan's figures: vehicles, vehicle-km and -hours, ride times, exceptions, CO2e and cost.

Figures are for a typical service day and, times ``service_days_per_week x
metrics.weeks_per_year``, for a year. Each site keeps its own vehicles (an
assumption: no vehicle serves two sites in a day); a site needs, per vehicle type, the
larger of its morning and afternoon counts, since the same vehicles can run both.
Ride times count every passenger-trip of the day (morning and afternoon), a taxi trip
(an exception, :mod:`hubplan.transport.exceptions`) riding its direct drive.

Cost is the vehicles' day rates plus the exceptions' taxi fares. The generalised cost
adds what the routing also weighs: the vehicles' driving at
:data:`~hubplan.scenario.transport.DRIVING_GBP_PER_HOUR` and the passengers' minutes on
board beyond their direct drives at ``value_of_time_gbp_per_hour`` (whatever the
routing's ``objective``, so that plans compare on one scale). A taxi's CO2e is counted
at the first vehicle type's factor (an assumption: accessible taxis are van-based).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
from pydantic import JsonValue

from hubplan.scenario import TransportConfig
from hubplan.scenario.transport import DRIVING_GBP_PER_HOUR
from hubplan.transport.exceptions import TaxiTrip
from hubplan.transport.passengers import Passenger
from hubplan.transport.routing import RoutedSession

__all__ = ["TradeoffPoint", "TransportFigures", "figures_of"]


@dataclass(frozen=True)
class TransportFigures:
    """Transport figures for a group of sites (one site, a locality or the whole plan).

    Parameters
    ----------
    passengers, wheelchair_passengers
        People carried on the typical day, and how many of them need a wheelchair space.
    vehicles
        Vehicles needed (each site's larger session count, summed over sites).
    vehicles_by_type
        The same per vehicle type.
    vehicle_km_day, vehicle_hours_day
        Driven km and hours on duty (depot to depot) on the typical day.
    vehicle_km_year, vehicle_hours_year
        The same for a year.
    ride_mean_minutes, ride_p90_minutes, ride_max_minutes
        Minutes on board per passenger-trip.
    direct_mean_minutes
        The same trips' direct drives, for comparison.
    ride_over_direct
        Total minutes on board over the same trips' total direct drives (a ratio of totals:
        a 1-minute direct trip ridden for 20 minutes does not swamp it).
    extra_ride_mean_minutes
        Mean minutes each trip spends on board beyond its direct drive.
    exception_passengers
        People who travel by single-occupancy taxi on at least one trip (a count of people).
    taxi_km_day, taxi_cost_gbp_day
        The taxis' km and fares on the typical day.
    co2e_kg_day, co2e_tonnes_year
        Vehicle and taxi emissions (km x each type's factor).
    cost_gbp_day, cost_gbp_year
        Vehicles' daily cost (``daily_cost_gbp`` x vehicles needed) plus taxi fares.
    generalised_cost_gbp_day
        :attr:`cost_gbp_day` plus driving and passengers' excess ride at their prices (module docstring).
    """

    passengers: int
    wheelchair_passengers: int
    vehicles: int
    vehicles_by_type: Mapping[str, int]
    vehicle_km_day: float
    vehicle_hours_day: float
    vehicle_km_year: float
    vehicle_hours_year: float
    ride_mean_minutes: float
    ride_p90_minutes: float
    ride_max_minutes: float
    direct_mean_minutes: float
    ride_over_direct: float
    extra_ride_mean_minutes: float
    exception_passengers: int
    taxi_km_day: float
    taxi_cost_gbp_day: float
    co2e_kg_day: float
    co2e_tonnes_year: float
    cost_gbp_day: float
    cost_gbp_year: float
    generalised_cost_gbp_day: float

    def as_dict(self) -> dict[str, JsonValue]:
        """JSON-ready figures (``metrics.json``'s ``transport``)."""
        out: dict[str, JsonValue] = asdict(self)
        out["vehicles_by_type"] = dict(self.vehicles_by_type)
        return out


@dataclass(frozen=True)
class TradeoffPoint:
    """The whole plan routed at one value of passengers' time: a point of the cost/ride trade-off curve.

    Parameters
    ----------
    value_of_time_gbp_per_hour
        The value of time the routing minimised with (generalised objective).
    chosen
        Whether this is the plan's own setting (its routes are the plan's routes).
    vehicles, cost_gbp_year
        Vehicles needed and annual cost (vehicles and taxis). (No count of people: those are
        published under the disclosure rule in the plan's own figures only.)
    ride_mean_minutes, ride_p90_minutes, ride_over_direct
        The ride figures of :class:`TransportFigures` at this value.
    """

    value_of_time_gbp_per_hour: float
    chosen: bool
    vehicles: int
    cost_gbp_year: float
    ride_mean_minutes: float
    ride_p90_minutes: float
    ride_over_direct: float

    @classmethod
    def of(cls, value: float, figures: TransportFigures, *, chosen: bool) -> TradeoffPoint:
        """The point of ``figures``, the plan's figures routed at value of time ``value``."""
        return cls(value, chosen, figures.vehicles, figures.cost_gbp_year, figures.ride_mean_minutes,
                   figures.ride_p90_minutes, figures.ride_over_direct)

    def as_dict(self) -> dict[str, JsonValue]:
        """JSON-ready (an entry of ``metrics.json``'s ``transport.overall.tradeoff``)."""
        out: dict[str, JsonValue] = asdict(self)
        return out


def _vehicles_needed(sessions: Iterable[RoutedSession]) -> dict[str, int]:
    """Per vehicle type, each site's larger session count, summed over sites."""
    per_session = Counter((s.site_id, s.session, one.vehicle_type) for s in sessions for one in s.rounds)
    per_site: dict[tuple[str, str], int] = {}
    for (site, _, vehicle_type), count in per_session.items():
        per_site[site, vehicle_type] = max(per_site.get((site, vehicle_type), 0), count)
    needed: Counter[str] = Counter()
    for (_, vehicle_type), count in per_site.items():
        needed[vehicle_type] += count
    return dict(sorted(needed.items()))


def figures_of(sessions: list[RoutedSession], passengers: Iterable[Passenger], config: TransportConfig,
               days_per_year: float, taxi_trips: Iterable[TaxiTrip] = ()) -> TransportFigures:
    """The figures of ``sessions`` (any group of sites), whose passengers are ``passengers``.

    Parameters
    ----------
    sessions
        The routed sessions of the group's sites.
    passengers
        The group's passengers.
    config
        The ``[transport]`` table (vehicle types' costs and emission factors, taxi fares, value of time).
    days_per_year
        Service days in a year.
    taxi_trips
        The group's exceptions.
    """
    people = list(passengers)
    taxis = list(taxi_trips)
    types = {vehicle.name: vehicle for vehicle in config.vehicles}
    needed = _vehicles_needed(sessions)
    rounds = [one for session in sessions for one in session.rounds]
    km = sum(one.km for one in rounds)
    hours = sum(one.hours for one in rounds)
    taxi_km = sum(t.km for t in taxis)
    taxi_cost = sum(t.cost_gbp(config) for t in taxis)
    co2e = (sum(one.km * types[one.vehicle_type].co2e_kg_per_km for one in rounds)
            + taxi_km * config.vehicles[0].co2e_kg_per_km)
    cost = sum(count * types[name].daily_cost_gbp for name, count in needed.items()) + taxi_cost
    rides = np.array([ride for s in sessions for ride in s.ride_minutes.values()] + [t.minutes for t in taxis])
    direct = np.array([s.direct_minutes[number] for s in sessions for number in s.ride_minutes]
                      + [t.minutes for t in taxis])
    has_rides = rides.size > 0
    nan = float("nan")
    excess_hours = float((rides - direct).sum()) / 60.0 if has_rides else 0.0
    driving_hours = sum(one.drive_minutes for one in rounds) / 60.0
    return TransportFigures(
        passengers=len(people),
        wheelchair_passengers=sum(p.wheelchair for p in people),
        vehicles=sum(needed.values()),
        vehicles_by_type=needed,
        vehicle_km_day=km,
        vehicle_hours_day=hours,
        vehicle_km_year=km * days_per_year,
        vehicle_hours_year=hours * days_per_year,
        ride_mean_minutes=float(rides.mean()) if has_rides else nan,
        ride_p90_minutes=float(np.percentile(rides, 90)) if has_rides else nan,
        ride_max_minutes=float(rides.max()) if has_rides else nan,
        direct_mean_minutes=float(direct.mean()) if has_rides else nan,
        ride_over_direct=float(rides.sum() / direct.sum()) if has_rides and direct.sum() > 0 else nan,
        extra_ride_mean_minutes=float((rides - direct).mean()) if has_rides else nan,
        exception_passengers=len({(t.site_id, t.passenger) for t in taxis}),
        taxi_km_day=taxi_km,
        taxi_cost_gbp_day=taxi_cost,
        co2e_kg_day=co2e,
        co2e_tonnes_year=co2e * days_per_year / 1000.0,
        cost_gbp_day=cost,
        cost_gbp_year=cost * days_per_year,
        generalised_cost_gbp_day=(cost + DRIVING_GBP_PER_HOUR * driving_hours
                                  + config.value_of_time_gbp_per_hour * excess_hours),
    )
