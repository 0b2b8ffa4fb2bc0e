"""Travel minutes and road kilometres between home areas and sites.

Three models, one entry point (:func:`travel_matrix`):

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

from collections.abc import Callable
from pathlib import Path

from hubplan.errors import input_error
from hubplan.points import Points
from hubplan.travel.base import DEFAULT_ROADS, MODELS, ROUTE_FACTOR, RoadOptions, TravelMatrix, crow_fly_km

__all__ = ["MODELS", "ROUTE_FACTOR", "RoadOptions", "TravelMatrix", "crow_fly_km", "travel_matrix"]


def travel_matrix(
    origins: Points,
    destinations: Points,
    *,
    model: str = "calibrated",
    network: Path | None = None,
    matrix_file: Path | None = None,
    roads: RoadOptions = DEFAULT_ROADS,
    progress: Callable[[int, int], None] | None = None,
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
    if model == "calibrated":
        from hubplan.travel.calibrated import calibrated_matrix

        return calibrated_matrix(origins, destinations, source_label=source_label)
    if model == "osm":
        if network is None:
            raise input_error(
                source_label,
                "travel.network",
                "the osm model needs a road network file",
                "set travel.network to a .graphml.gz built with `hubplan network build`, "
                'or use model = "calibrated"',
            )
        from hubplan.travel.osm import osm_matrix

        return osm_matrix(
            origins,
            destinations,
            network=Path(network),
            roads=roads,
            progress=progress,
            source_label=source_label,
        )
    if model == "matrix":
        if matrix_file is None:
            raise input_error(
                source_label,
                "travel.matrix",
                "the matrix model needs an OD matrix CSV",
                "set travel.matrix to a CSV with origin_id,destination_id,minutes[,km]",
            )
        from hubplan.travel.external import external_matrix

        return external_matrix(
            origins, destinations, matrix_file=Path(matrix_file), source_label=source_label
        )
    raise input_error(
        source_label,
        "travel.model",
        f"unknown travel model {model!r}",
        f"use one of {', '.join(MODELS)}",
    )
