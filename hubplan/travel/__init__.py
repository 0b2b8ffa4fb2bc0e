"""Travel minutes and road kilometres between home areas and sites.

Three models, one class each in a registry (:mod:`hubplan.travel.models`), one entry
point (:func:`travel_matrix`):

``calibrated`` (offline default)
    Minutes from crow-fly distance, fitted to real Dorset drive times
    (:mod:`hubplan.travel.calibrated`).
``osm``
    Fastest paths on an OpenStreetMap drive network (:mod:`hubplan.travel.osm`).
``matrix``
    A user's own OD matrix CSV, e.g. exported from TRACC or SHAPE
    (:mod:`hubplan.travel.external`).

Every result carries ``details``: the parameters and error of the model,
ready for the run manifest.
"""

from __future__ import annotations

from pathlib import Path

from hubplan.points import Points
from hubplan.progress import Progress
from hubplan.travel.base import DEFAULT_ROADS, MODELS, ROUTE_FACTOR, RoadOptions, TravelMatrix, crow_fly_km
from hubplan.travel.models import TRAVEL_MODELS, TravelModel, TravelRequest, travel_model

__all__ = [
    "MODELS", "ROUTE_FACTOR", "TRAVEL_MODELS", "RoadOptions", "TravelMatrix", "TravelModel", "TravelRequest",
    "crow_fly_km", "travel_matrix", "travel_model",
]


def travel_matrix(
    origins: Points,
    destinations: Points,
    *,
    model: str = "calibrated",
    network: Path | None = None,
    matrix_file: Path | None = None,
    roads: RoadOptions = DEFAULT_ROADS,
    progress: Progress | None = None,
    source_label: str | None = None,
) -> TravelMatrix:
    """Minutes and road km from every origin to every destination.

    Parameters
    ----------
    origins, destinations
        WGS84 points (e.g. home-area population points and sites).
    model
        ``"calibrated"``, ``"osm"`` or ``"matrix"``.
    network
        The road network file for ``"osm"`` (``.osm``, ``.osm.bz2``, ``.graphml[.gz]``).
    matrix_file
        The OD CSV for ``"matrix"``.
    roads
        ``"osm"`` only: speeds per road class, snapping reach and the matrix cache.
    progress
        Called with ``(done, total)`` during long computations.
    source_label
        The scenario file, named in error messages.

    Returns
    -------
    TravelMatrix
        ``np.inf`` where unreachable; ``details`` for the run manifest.

    Raises
    ------
    InputError
        On an unknown model, a missing network or matrix file, or bad points.

    Examples
    --------
    >>> import numpy as np
    >>> homes = Points(("E01020374",), np.array([-1.856]), np.array([50.907]))
    >>> sites = Points(("S1", "S2"), np.array([-1.870, -2.160]), np.array([50.900, 50.860]))
    >>> tm = travel_matrix(homes, sites)
    >>> tm.model, tm.minutes.shape, bool(tm.minutes[0, 0] < tm.minutes[0, 1])
    ('calibrated', (1, 2), True)
    """
    request = TravelRequest(network=network, matrix_file=matrix_file, roads=roads, progress=progress,
                            source_label=source_label)
    return travel_model(model, source_label=source_label).matrix(origins, destinations, request)
