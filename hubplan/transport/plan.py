"""The outline transport plan of a run: passengers, instances, routing, figures.

:func:`plan_transport` takes a run's inputs and its plan (open sites, who goes where)
and returns a :class:`TransportPlan`: every open site's morning and afternoon rounds
with the figures per site, locality and overall. The routes are the router's best found
within its work budget, never claimed optimal; :attr:`TransportPlan.status` says so, and
says when the safety time cap cut a search short (figures may then differ between runs).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import JsonValue

from hubplan.errors import input_error
from hubplan.plan import Allocation, PreparedScenario
from hubplan.points import Points
from hubplan.progress import Progress
from hubplan.scenario import Depot, TransportConfig
from hubplan.transport.exceptions import TaxiTrip, taxi_trips_of, unreachable_trips
from hubplan.transport.figures import TradeoffPoint, TransportFigures, figures_of
from hubplan.transport.instances import Session, SiteInstance, build_instance, check_reachable, reach_failures
from hubplan.transport.passengers import Passenger, typical_day
from hubplan.transport.routing import RoutedSession, route_sessions
from hubplan.travel import RoadOptions, travel_model
from hubplan.travel.legs import leg_matrices

__all__ = ["KM_PER_DEGREE", "TransportPlan", "plan_transport"]

#: km per degree of latitude (and of longitude at the equator), for the router's planar coordinates.
KM_PER_DEGREE = 111.32



@dataclass(frozen=True)
class TransportPlan:
    """The routed transport plan of a run.

    Parameters
    ----------
    config
        The ``[transport]`` table it was built with.
    passengers
        Everyone carried on the typical day (postcodes: operational only).
    sessions
        Every routed (site, session).
    site_locality, site_names
        Site ID -> locality and name, for every site with passengers.
    legs_model
        One line on how leg times were computed.
    days_per_year
        Service days in a year (``service_days_per_week x metrics.weeks_per_year``).
    seconds, time_limit_s
        Wall time of the routing and its safety cap (in the manifest, not in the figures).
    taxi_trips
        The exceptions: trips by single-occupancy taxi, with their reasons.
    tradeoff
        The plan routed again at each of ``tradeoff_values_of_time`` (empty when none).
    """

    config: TransportConfig
    passengers: tuple[Passenger, ...]
    sessions: tuple[RoutedSession, ...]
    site_locality: Mapping[str, str]
    site_names: Mapping[str, str]
    legs_model: str
    days_per_year: float
    seconds: float
    time_limit_s: float
    taxi_trips: tuple[TaxiTrip, ...] = ()
    tradeoff: tuple[TradeoffPoint, ...] = ()

    def provenance(self) -> dict[str, JsonValue]:
        """How the plan was made, for ``manifest.json``: status, limits, leg model and every assumption."""
        return {
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "time_limit_s": self.time_limit_s,
            "legs_model": self.legs_model,
            "days_per_year": self.days_per_year,
            "settings": self.config.model_dump(mode="json"),
        }

    def metrics(self) -> dict[str, JsonValue]:
        """The figures for ``metrics.json``: overall (with the trade-off curve, if asked for), per locality and site."""
        overall = self.overall().as_dict()
        if self.tradeoff:
            overall["tradeoff"] = [point.as_dict() for point in self.tradeoff]
        return {
            "status": self.status,
            "overall": overall,
            "localities": {name: figures.as_dict() for name, figures in self.per_locality().items()},
            "sites": {site: figures.as_dict() for site, figures in self.per_site().items()},
        }

    @property
    def status(self) -> str:
        """How good the routes are, honestly: the router's best within its work budget, not a proven optimum.

        The same scenario, seed and settings give the same text (no wall time in it), so the
        figures block of ``metrics.json`` is reproducible; when the time cap ended any
        search early, the text says so and in how many sessions.
        """
        text = (f"best found with {self.config.search_steps:,} search steps per round "
                "(routing heuristic; not proven optimal)")
        capped = sum(s.capped for s in self.sessions)
        if capped:
            text += (f"; the safety time cap ({self.time_limit_s:g} s) cut {capped} of {len(self.sessions)} "
                     "searches short, so these routes may differ between runs")
        return text

    def _figures(self, sites: set[str]) -> TransportFigures:
        return figures_of([s for s in self.sessions if s.site_id in sites],
                          [p for p in self.passengers if p.site_id in sites], self.config, self.days_per_year,
                          [t for t in self.taxi_trips if t.site_id in sites])

    def overall(self) -> TransportFigures:
        """Figures for the whole plan."""
        return self._figures(set(self.site_locality))

    def per_locality(self) -> dict[str, TransportFigures]:
        """Figures per locality (of the sites)."""
        localities = sorted(set(self.site_locality.values()))
        return {name: self._figures({s for s, loc in self.site_locality.items() if loc == name})
                for name in localities}

    def per_site(self) -> dict[str, TransportFigures]:
        """Figures per site with passengers."""
        return {site: self._figures({site}) for site in sorted(self.site_locality)}


def _planar_km(points: Points) -> np.ndarray:
    """Equirectangular km about the points' mean latitude (for the router's neighbourhoods only)."""
    scale = np.cos(np.radians(float(np.mean(points.lat))))
    return np.column_stack([points.lon * KM_PER_DEGREE * scale, points.lat * KM_PER_DEGREE])


def _site_points(site_id: str, lon: float, lat: float, depot: Depot | str,
                 passengers: tuple[Passenger, ...]) -> Points:
    """``[depot, site, home 1, ..., home n]`` (the depot is the site with ``depot = "site"``)."""
    depot_lon, depot_lat = (lon, lat) if isinstance(depot, str) else (depot.lon, depot.lat)
    ids = ("depot", site_id, *(f"passenger-{p.number}" for p in passengers))
    return Points(ids, np.array([depot_lon, lon, *(p.lon for p in passengers)]),
                  np.array([depot_lat, lat, *(p.lat for p in passengers)]))


def _check_wheelchair_spaces(passengers: tuple[Passenger, ...], config: TransportConfig, source: str) -> None:
    needing = sum(p.wheelchair for p in passengers)
    if needing and not any(v.wheelchair_spaces for v in config.vehicles):
        raise input_error(source, "transport.vehicles",
                          f"{needing} passenger(s) need a wheelchair space but no vehicle type has one",
                          "give a vehicle type wheelchair_spaces = 1 or more")


MAX_PASSENGERS_PER_SITE = 500
"""Most passengers one site's rounds may carry on the typical day (the supported size of a routing).

A site's routing holds matrices over its 2n + 2 stops, so memory grows with the square of
its passengers (issue 20 measured 7.4 GB for 20,000 clients). Assumption: the council's 521
attendees in all, 60% of them on council transport, put a few dozen on any site's rounds;
500 is about ten times that, and a larger count is refused with one line before routing.
Measured (``hubplan transport``, 20 s routing, real Dorchester postcodes, one site): 250
passengers 526 MB and 500 passengers 593 MB at the peak of the largest process."""


def _check_site_sizes(by_site: dict[str, tuple[Passenger, ...]], site_names: dict[str, str], source: str) -> None:
    """Refuse, before any matrix is built, a site with more passengers than :data:`MAX_PASSENGERS_PER_SITE`."""
    largest = max(by_site.items(), key=lambda item: len(item[1]), default=None)
    if largest is not None and len(largest[1]) > MAX_PASSENGERS_PER_SITE:
        site_id, group = largest
        raise input_error(source, "transport", f"{len(group):,} passengers on the typical day at "
                          f"{site_names.get(site_id, site_id)}, more than the {MAX_PASSENGERS_PER_SITE} one site's "
                          "rounds are routed for", "check the demand (a client row's attendees, demand.total) or "
                          "lower transport.council_transport_share")


def plan_transport(prepared: PreparedScenario, allocation: Allocation, *, progress: Progress | None = None,
                   workers: int | None = None) -> TransportPlan:
    """Route the plan's morning and afternoon rounds (the scenario must have a ``[transport]`` table).

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        The plan (open sites; who goes where).
    progress
        ``(done, total)`` callback over the (site, session) instances.
    workers
        Processes for routing (default: the machine's cores).

    Returns
    -------
    TransportPlan
        Rounds and figures.

    Raises
    ------
    InputError
        A setting no round can meet for anyone at all (naming home areas and times; when
        only some cannot ride, they travel by taxi as exceptions), a passenger needing a
        wheelchair space with no vehicle that has one, or a fleet limit too small for a
        round's seats whatever the routes.
    """
    scenario = prepared.scenario
    config = scenario.transport
    if config is None:
        raise ValueError("plan_transport needs a scenario with a [transport] table")
    source = str(scenario.source_path or scenario.name)
    started = time.perf_counter()
    passengers = typical_day(prepared, allocation, config)
    _check_wheelchair_spaces(passengers, config, source)
    sites = prepared.sites.set_index("site_id")
    area_names = dict(zip(prepared.study.home_areas["area_id"], prepared.study.home_areas["name"], strict=True))
    roads = RoadOptions(speeds_kph=scenario.travel.speeds_kph or None, max_snap_km=scenario.travel.max_snap_km,
                        cache_dir=Path(".cache/hubplan"))
    network = scenario.resolve(scenario.travel.network) if travel_model(scenario.travel.model).uses_network else None
    riding: list[_Riders] = []
    taxis: list[TaxiTrip] = []
    km_of: dict[tuple[str, int], tuple[float, float]] = {}
    legs_model = "no passengers"
    unplanned: tuple[str, tuple[Passenger, ...], np.ndarray] | None = None
    by_site = {site_id: tuple(group) for site_id, group in itertools.groupby(passengers, key=lambda p: p.site_id)}
    _check_site_sizes(by_site, dict(zip(prepared.sites["site_id"], prepared.sites["name"], strict=True)), source)
    for site_id, group in sorted(by_site.items()):
        site = sites.loc[site_id]
        points = _site_points(site_id, float(site["lon"]), float(site["lat"]), config.depot, group)
        legs = leg_matrices(points, network=network, roads=roads)
        legs_model = legs.model
        reasons = reach_failures(group, legs.minutes, config)
        taxis += unreachable_trips(site_id, group, reasons, legs.minutes, legs.km)
        km_of.update({(site_id, p.number): (float(legs.km[2 + i, 1]), float(legs.km[1, 2 + i]))
                      for i, p in enumerate(group)})
        unplanned = unplanned or (site_id, group, legs.minutes)
        riders = [i for i in range(len(group)) if i not in reasons]
        if not riders:
            continue
        keep = np.array([0, 1, *(2 + i for i in riders)])
        minutes, km, xy = (legs.minutes[np.ix_(keep, keep)], legs.km[np.ix_(keep, keep)],
                           _planar_km(points)[keep])
        riding.append(_Riders(site_id, tuple(group[i] for i in riders), minutes, km, xy))
    if unplanned is not None and not riding:
        # nobody at all can ride a shared round: the settings, not a few passengers, are wrong
        site_id, group, minutes = unplanned
        check_reachable(site_id, str(sites.loc[site_id, "name"]), group, minutes, config, source=source,
                        area_names=area_names)

    def route_all(settings: TransportConfig, report: Progress | None) -> list[RoutedSession]:
        return _route(riding, settings, source=source, workers=workers, progress=report)

    routed = route_all(config, progress)
    unreachable = list(taxis)
    taxis += taxi_trips_of(routed, km_of)
    days_per_year = config.service_days_per_week * scenario.metrics.weeks_per_year
    tradeoff = []
    for value in config.tradeoff_values_of_time:
        settings = config.model_copy(update={"value_of_time_gbp_per_hour": value, "objective": "generalised"})
        others = routed if settings == config else route_all(settings, None)
        figures = figures_of(others, passengers, settings, days_per_year, unreachable + taxi_trips_of(others, km_of))
        tradeoff.append(TradeoffPoint.of(value, figures, chosen=settings == config))
    return TransportPlan(
        config=config,
        passengers=passengers,
        sessions=tuple(routed),
        site_locality={site_id: str(sites.loc[site_id, "locality"]) for site_id in by_site},
        site_names={site_id: str(sites.loc[site_id, "name"]) for site_id in by_site},
        legs_model=legs_model,
        days_per_year=days_per_year,
        seconds=time.perf_counter() - started,
        time_limit_s=config.time_limit_s,
        taxi_trips=tuple(sorted(taxis, key=lambda t: (t.site_id, t.passenger, t.session.value))),
        tradeoff=tuple(tradeoff),
    )


@dataclass(frozen=True, eq=False)
class _Riders:
    """A site's passengers who ride shared rounds, with the legs among ``[depot, site, their homes]``."""

    site_id: str
    passengers: tuple[Passenger, ...]
    minutes: np.ndarray
    km: np.ndarray
    xy: np.ndarray


def _route(riding: list[_Riders], config: TransportConfig, *, source: str, workers: int | None,
           progress: Progress | None) -> list[RoutedSession]:
    """Both sessions of every site with riders, routed under ``config``."""
    by_site = {site.site_id: site for site in riding}
    instances = [build_instance(site.site_id, session, site.passengers, site.minutes, site.km, site.xy, config)
                 for site in riding for session in Session]

    def rebuild(item: SiteInstance, scale: int) -> SiteInstance:
        site = by_site[item.site_id]
        return build_instance(item.site_id, item.session, item.passengers, site.minutes, site.km, site.xy, config,
                              scale=scale)

    return route_sessions(instances, rebuild, time_limit_s=config.time_limit_s, seed=config.seed,
                          steps=config.search_steps, source=source, workers=workers, progress=progress)

