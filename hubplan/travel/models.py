"""The travel models, one class each, behind one registry (:data:`TRAVEL_MODELS`).

A model turns origins and destinations into a :class:`~hubplan.travel.base.TravelMatrix`.
Each says what it needs (a road network, an OD matrix file) and which licence line its
outputs carry, so callers ask the registry instead of comparing model names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from hubplan.errors import input_error
from hubplan.points import Points
from hubplan.progress import Progress
from hubplan.travel.base import DEFAULT_ROADS, MODELS, OSM_ATTRIBUTION, RoadOptions, TravelMatrix

__all__ = ["TRAVEL_MODELS", "CalibratedTravel", "MatrixTravel", "OsmTravel", "TravelModel", "TravelRequest",
           "travel_model"]


@dataclass(frozen=True)
class TravelRequest:
    """What a model may need besides the points.

    Parameters
    ----------
    network
        The road network file (``osm``).
    matrix_file
        The OD matrix CSV (``matrix``).
    roads
        Speeds per road class, snapping reach and the matrix cache (``osm``).
    progress
        Called with ``(done, total)`` during long computations.
    source_label
        The scenario file, named in error messages.
    """

    network: Path | None = None
    matrix_file: Path | None = None
    roads: RoadOptions = field(default=DEFAULT_ROADS)
    progress: Progress | None = None
    source_label: str | None = None


class TravelModel(Protocol):
    """A way of timing journeys from home areas to sites."""

    name: ClassVar[str]
    """The model's name in scenario files (``[travel] model``) and manifests."""
    attribution: ClassVar[str | None]
    """The licence line every output built on the model carries (``None``: none of its own)."""
    uses_network: ClassVar[bool]
    """Whether the model times journeys on the scenario's road network (so minibus legs do too)."""

    def matrix(self, origins: Points, destinations: Points, request: TravelRequest) -> TravelMatrix:
        """Minutes and road km from every origin to every destination."""
        ...


class CalibratedTravel:
    """Minutes from crow-fly distance, fitted to real Dorset drive times (:mod:`hubplan.travel.calibrated`)."""

    name: ClassVar[str] = "calibrated"
    attribution: ClassVar[str | None] = None
    uses_network: ClassVar[bool] = False

    def matrix(self, origins: Points, destinations: Points, request: TravelRequest) -> TravelMatrix:
        """Minutes and road km from the fitted model."""
        from hubplan.travel.calibrated import calibrated_matrix

        return calibrated_matrix(origins, destinations, source_label=request.source_label)


class OsmTravel:
    """Fastest paths on an OpenStreetMap drive network (:mod:`hubplan.travel.osm`)."""

    name: ClassVar[str] = "osm"
    attribution: ClassVar[str | None] = OSM_ATTRIBUTION
    uses_network: ClassVar[bool] = True

    def matrix(self, origins: Points, destinations: Points, request: TravelRequest) -> TravelMatrix:
        """Minutes and road km on the network; one line naming ``travel.network`` when it is missing."""
        if request.network is None:
            raise input_error(request.source_label, "travel.network", "the osm model needs a road network file",
                              "set travel.network to a .graphml.gz built with `hubplan network build`, "
                              'or use model = "calibrated"')
        from hubplan.travel.osm import osm_matrix

        return osm_matrix(origins, destinations, network=Path(request.network), roads=request.roads,
                          progress=request.progress, source_label=request.source_label)


class MatrixTravel:
    """A user's own OD matrix CSV, e.g. exported from TRACC or SHAPE (:mod:`hubplan.travel.external`)."""

    name: ClassVar[str] = "matrix"
    attribution: ClassVar[str | None] = None
    uses_network: ClassVar[bool] = False

    def matrix(self, origins: Points, destinations: Points, request: TravelRequest) -> TravelMatrix:
        """Minutes and km from the file; one line naming ``travel.matrix`` when it is missing."""
        if request.matrix_file is None:
            raise input_error(request.source_label, "travel.matrix", "the matrix model needs an OD matrix CSV",
                              "set travel.matrix to a CSV with origin_id,destination_id,minutes[,km]")
        from hubplan.travel.external import external_matrix

        return external_matrix(origins, destinations, matrix_file=Path(request.matrix_file),
                               source_label=request.source_label)


TRAVEL_MODELS: Mapping[str, TravelModel] = {
    model.name: model for model in (CalibratedTravel(), OsmTravel(), MatrixTravel())
}
"""Every travel model by name, in :data:`~hubplan.travel.base.MODELS` order."""

assert tuple(TRAVEL_MODELS) == MODELS, "the registry and the names a TravelMatrix accepts must agree"


def travel_model(name: str, *, source_label: str | None = None) -> TravelModel:
    """The travel model called ``name``.

    Raises
    ------
    InputError
        No model has that name.

    Examples
    --------
    >>> travel_model("osm").uses_network, travel_model("calibrated").attribution is None
    (True, True)
    """
    try:
        return TRAVEL_MODELS[name]
    except KeyError:
        raise input_error(source_label, "travel.model", f"unknown travel model {name!r}",
                          f"use one of {', '.join(TRAVEL_MODELS)}") from None
