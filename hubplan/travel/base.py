"""The travel matrix type and the geometry shared by every travel model.

Distances are ellipsoidal (WGS84) great-circle kilometres computed with
:class:`pyproj.Geod`; road kilometres, where a model has no network, are
crow-fly kilometres times :data:`ROUTE_FACTOR`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Geod

from hubplan.data.sources import file_sha256
from hubplan.errors import input_error
from hubplan.points import Points

__all__ = [
    "DEFAULT_ROADS",
    "MODELS",
    "OSM_ATTRIBUTION",
    "ROUTE_FACTOR",
    "ROUTE_FACTOR_SOURCE",
    "RoadOptions",
    "TravelMatrix",
    "crow_fly_km",
    "file_sha256",
    "gb_extent",
    "swapped_hint",
]

OSM_ATTRIBUTION = "Road network © OpenStreetMap contributors, ODbL 1.0"
"""The licence line every output built on an OpenStreetMap road network carries."""

@dataclass(frozen=True)
class RoadOptions:
    """How the ``osm`` model routes on a road network (the other models ignore these).

    Parameters
    ----------
    speeds_kph
        Speeds per OSM ``highway`` class, overriding the network's.
    max_snap_km
        Farthest a point may be from the network.
    cache_dir
        Folder for cached matrices (``None``: no cache).
    """

    speeds_kph: Mapping[str, float] | None = None
    max_snap_km: float = 2.0
    cache_dir: Path | None = None


DEFAULT_ROADS = RoadOptions()
"""Default routing options: the networks' own speeds, 2 km snapping reach, no cache."""

#: The travel models :func:`hubplan.travel.travel_matrix` knows.
MODELS: tuple[str, ...] = ("calibrated", "osm", "matrix")

#: Road distance / straight-line distance. Ballou, Rahardja & Sakai (2002), "Selected
#: country circuity factors for road travel distance estimation", Transportation Research
#: Part A 36(9): 843-848, give about 1.4 for England; Lovelace (thesis, circuity section)
#: recommends a single value of 1.4 for the UK. Cole (1968) found a mean of 1.4 over 12
#: British districts. See ``roads/MANIFEST.md`` in the shared source-data folder.
ROUTE_FACTOR: float = 1.4
ROUTE_FACTOR_SOURCE: str = (
    "Ballou, Rahardja & Sakai (2002) Transp. Res. A 36(9):843-848 (about 1.4 for England); "
    "Lovelace, route-factor review (single UK value 1.4)"
)

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class TravelMatrix:
    """Minutes and road kilometres from every origin to every destination.

    Parameters
    ----------
    origin_ids, destination_ids
        Labels of the rows and columns.
    minutes
        ``(n_origins, n_destinations)`` drive minutes; ``np.inf`` where unreachable.
    km
        Road kilometres, same shape; ``np.inf`` where unreachable.
    model
        ``"calibrated"``, ``"osm"`` or ``"matrix"``.
    details
        JSON-ready provenance: parameters, calibration error, network file and
        checksum, snapping report, cache hit. It goes into every run's manifest.

    Examples
    --------
    >>> tm = TravelMatrix(("a",), ("x", "y"), np.array([[5.0, 7.0]]), np.array([[3.0, 4.0]]),
    ...                   "matrix", {})
    >>> tm.minutes.shape
    (1, 2)
    """

    origin_ids: tuple[str, ...]
    destination_ids: tuple[str, ...]
    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    model: str
    details: Mapping[str, Any]

    def __post_init__(self) -> None:
        minutes = np.asarray(self.minutes, dtype=np.float64)
        km = np.asarray(self.km, dtype=np.float64)
        shape = (len(self.origin_ids), len(self.destination_ids))
        if minutes.shape != shape or km.shape != shape:
            raise ValueError(
                f"TravelMatrix: minutes {minutes.shape} and km {km.shape} must both be {shape}"
            )
        if self.model not in MODELS:
            raise ValueError(f"TravelMatrix: model must be one of {MODELS}, got {self.model!r}")
        minutes.setflags(write=False)
        km.setflags(write=False)
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "km", km)
        object.__setattr__(self, "origin_ids", tuple(str(i) for i in self.origin_ids))
        object.__setattr__(self, "destination_ids", tuple(str(i) for i in self.destination_ids))

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        return (len(self.origin_ids), len(self.destination_ids))


def crow_fly_km(origins: Points, destinations: Points) -> npt.NDArray[np.float64]:
    """Ellipsoidal straight-line kilometres between every origin and destination.

    Parameters
    ----------
    origins, destinations
        WGS84 points.

    Returns
    -------
    numpy.ndarray
        ``(len(origins), len(destinations))`` kilometres on the WGS84 ellipsoid.

    Examples
    --------
    >>> dorchester = Points(("d",), np.array([-2.4366]), np.array([50.7154]))
    >>> blandford = Points(("b",), np.array([-2.1649]), np.array([50.8560]))
    >>> round(float(crow_fly_km(dorchester, blandford)[0, 0]), 1)
    24.7
    """
    n_o, n_d = len(origins), len(destinations)
    if n_o == 0 or n_d == 0:
        return np.zeros((n_o, n_d))
    lon1 = np.repeat(origins.lon, n_d)
    lat1 = np.repeat(origins.lat, n_d)
    lon2 = np.tile(destinations.lon, n_o)
    lat2 = np.tile(destinations.lat, n_o)
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=np.float64).reshape(n_o, n_d) / 1000.0


def gb_extent() -> tuple[float, float, float, float]:
    """Return ``(west, south, east, north)`` of British National Grid's area of use (EPSG:27700).

    Examples
    --------
    >>> west, south, east, north = gb_extent()
    >>> west < -2.4 < east and south < 50.7 < north
    True
    """
    area = CRS.from_epsg(27700).area_of_use
    assert area is not None  # EPSG:27700 always carries one
    return (area.west, area.south, area.east, area.north)


def swapped_hint(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    extent: tuple[float, float, float, float],
) -> bool:
    """Whether swapping longitude and latitude would put every point inside ``extent``.

    Examples
    --------
    >>> swapped_hint(np.array([50.7]), np.array([-2.4]), (-9.0, 49.0, 2.0, 61.0))
    True
    """
    west, south, east, north = extent
    inside = (lat >= west) & (lat <= east) & (lon >= south) & (lon <= north)
    return bool(len(lon)) and bool(inside.all())


def check_inside(
    points: Points,
    extent: tuple[float, float, float, float],
    *,
    source: str | None,
    field: str,
    what: str,
) -> None:
    """Raise an :class:`~hubplan.errors.InputError` if any point lies outside ``extent``.

    The message counts the points, names a few, and says when latitude and
    longitude look swapped.
    """
    west, south, east, north = extent
    outside = ~(
        (points.lon >= west) & (points.lon <= east) & (points.lat >= south) & (points.lat <= north)
    )
    if not outside.any():
        return
    ids = [points.ids[i] for i in np.flatnonzero(outside)[:5]]
    problem = (
        f"{int(outside.sum())} of {len(points)} points lie outside {what} "
        f"(lon {west:.3f}..{east:.3f}, lat {south:.3f}..{north:.3f}), e.g. {', '.join(ids)}"
    )
    if swapped_hint(points.lon, points.lat, extent):
        problem += "; latitude and longitude look swapped"
        fix = "swap the lat and lon values (lat is degrees north, lon degrees east)"
    else:
        fix = "check the coordinates are WGS84 degrees (EPSG:4326) in the study area"
    raise input_error(source, field, problem, fix)
