"""The public ``routes`` layer: one line per minibus round, drawn through home areas, never homes.

A round is drawn from its depot (the site it serves, or the scenario's named depot)
through the **home-area point** of each passenger it calls on (the representative
point of their LSOA, :attr:`~hubplan.record.run.RunRecord.area_points`), in the order
the vehicle calls, to the site, and back; consecutive identical points are merged, so
a round calling on three people in one home area passes that area's point once.

Why this cannot reveal an address: no vertex is a passenger's postcode or position.
Every vertex is a depot, a site or a home-area point, all of which the other public
layers already show, and a home area (LSOA) holds about 1,500 residents. The layer
carries no passenger numbers, no count of passengers per round or per stop, and no
postcodes: only the number of distinct home areas a round calls in
(``stops_in_home_areas``), which every line's own vertices show anyway.

A round's length and times are measured along the real pickup points, though: with
one home area on a round, its exact km would be the road distance to that home and
back, narrowing the address to a ring inside the area. For client-file runs (real
people, :attr:`~hubplan.record.run.RunRecord.suppress_below` set) km are therefore
published to the nearest :data:`CLIENT_KM_STEP` km and times to the nearest
:data:`CLIENT_CLOCK_STEP_MINUTES` minutes. Synthetic and estimated cohorts are not real
people and keep km to 0.1 km and times to the minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from hubplan.errors import DataError
from hubplan.record.run import RunRecord
from hubplan.scenario import Depot, clock

if TYPE_CHECKING:  # routing (OR-Tools) is loaded only when a run routes, never to write one
    from hubplan.transport import Round

__all__ = [
    "CLIENT_CLOCK_STEP_MINUTES",
    "CLIENT_KM_STEP",
    "ROUTES_LAYER",
    "ROUTE_COLUMNS",
    "SESSION_ORDER",
    "PublishedRound",
    "published_rounds",
    "routes_frame",
]

ROUTES_LAYER = "routes"
"""The layer's name in the GeoPackage and its GeoJSON file (``routes.geojson``)."""

ROUTE_COLUMNS = ("site_id", "name", "locality", "session", "vehicle", "vehicle_type", "departs", "returns", "km",
                 "stops_in_home_areas")
"""The routes layer's attributes, in order (nothing else about a round is published)."""

SESSION_ORDER = ("morning", "afternoon")
"""The sessions (:class:`hubplan.transport.Session` values) in the order of a day."""

KM_DECIMALS = 1
"""Decimals of a round's km for modelled (not client) demand."""

CLIENT_KM_STEP = 5.0
"""Client-file runs: a round's km to the nearest 5 km (a privacy coarsening, see the module docstring)."""

CLIENT_CLOCK_STEP_MINUTES = 15
"""Client-file runs: a round's departure and return to the nearest 15 minutes (same reason)."""


@dataclass(frozen=True)
class PublishedRound:
    """A round as the public may see it.

    Parameters
    ----------
    site_id, name, locality
        The site served.
    session
        ``morning`` or ``afternoon``.
    vehicle, vehicle_type
        The vehicle's number at the site in that session and its type.
    departs, returns
        ``HH:MM`` leaving and reaching the depot (coarsened for client-file runs).
    km
        Road km depot to depot (coarsened for client-file runs).
    stops_in_home_areas
        Distinct home areas the round calls in.
    coarse
        Whether km and times were coarsened (client-file run), so words can say "about".
    points
        The line's vertices (lon, lat): depot, site and home-area points only.
    """

    site_id: str
    name: str
    locality: str
    session: str
    vehicle: int
    vehicle_type: str
    departs: str
    returns: str
    km: float
    stops_in_home_areas: int
    coarse: bool
    points: tuple[tuple[float, float], ...]


def _step(value: float, step: float) -> float:
    return float(round(value / step) * step)


def _merged(points: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Drop each point equal to the one before it (a round calling twice in one area passes it once)."""
    out: list[tuple[float, float]] = []
    for point in points:
        if not out or out[-1] != point:
            out.append(point)
    if len(out) == 1:  # a round that never leaves one point: draw it as a zero-length line
        out.append(out[0])
    return tuple(out)


def published_rounds(record: RunRecord) -> list[PublishedRound]:
    """Every round of the run's transport plan as published (empty without a plan).

    Parameters
    ----------
    record
        The run; its ``transport`` passengers give each stop's home area only.

    Returns
    -------
    list of PublishedRound
        Sorted by site, session (morning first) and vehicle.

    Raises
    ------
    DataError
        A passenger's home area has no point in ``area_points``, or a site has no point.
    """
    plan = record.transport
    if plan is None:
        return []
    area_of = {p.number: p.area_id for p in plan.passengers}
    areas = record.area_points.to_crs("EPSG:4326") if record.area_points.crs else record.area_points
    area_point = {str(a): (float(g.x), float(g.y)) for a, g in zip(areas["area_id"], areas.geometry, strict=True)}
    sites = record.sites.to_crs("EPSG:4326") if record.sites.crs else record.sites
    site_point = {str(s): (float(g.x), float(g.y)) for s, g in zip(sites["site_id"], sites.geometry, strict=True)}
    missing = sorted({a for a in area_of.values() if a not in area_point})
    missing_sites = sorted({s.site_id for s in plan.sessions if s.site_id not in site_point})
    if missing or missing_sites:
        raise DataError(f"RunRecord.transport: home areas {missing[:5]} or sites {missing_sites[:5]} have no "
                        "point; fix: area_points and sites must hold every area and site the rounds call at")
    coarse = record.suppress_below is not None
    out = []
    for session in plan.sessions:
        site = site_point[session.site_id]
        depot = (plan.config.depot.lon, plan.config.depot.lat) if isinstance(plan.config.depot, Depot) else site
        for one in session.rounds:
            out.append(_published(one, site, depot, area_of, area_point, plan.site_names.get(one.site_id, ""),
                                  plan.site_locality.get(one.site_id, ""), coarse))
    return sorted(out, key=lambda r: (r.site_id, SESSION_ORDER.index(r.session), r.vehicle))


def _published(one: Round, site: tuple[float, float], depot: tuple[float, float], area_of: dict[int, str],
               area_point: dict[str, tuple[float, float]], name: str, locality: str, coarse: bool) -> PublishedRound:
    stops = [site if stop.at_site else area_point[area_of[stop.passenger]] for stop in one.stops]
    home_areas = {area_of[stop.passenger] for stop in one.stops if not stop.at_site}
    if coarse:
        departs = clock(_step(one.departs, CLIENT_CLOCK_STEP_MINUTES))
        returns = clock(_step(one.returns, CLIENT_CLOCK_STEP_MINUTES))
        km = _step(one.km, CLIENT_KM_STEP)
    else:
        departs, returns, km = clock(one.departs), clock(one.returns), round(one.km, KM_DECIMALS)
    return PublishedRound(
        site_id=one.site_id, name=name, locality=locality, session=one.session.value, vehicle=one.vehicle,
        vehicle_type=one.vehicle_type, departs=departs, returns=returns, km=km,
        stops_in_home_areas=len(home_areas), coarse=coarse, points=_merged([depot, *stops, depot]),
    )


def routes_frame(rounds: list[PublishedRound]) -> gpd.GeoDataFrame:
    """The ``routes`` layer: :data:`ROUTE_COLUMNS` and one LineString per round, EPSG:4326."""
    rows = pd.DataFrame([[getattr(r, c) for c in ROUTE_COLUMNS] for r in rounds], columns=list(ROUTE_COLUMNS))
    rows = rows.astype({"vehicle": "int64", "stops_in_home_areas": "int64", "km": "float64"})
    return gpd.GeoDataFrame(rows, geometry=[LineString(r.points) for r in rounds], crs="EPSG:4326")
