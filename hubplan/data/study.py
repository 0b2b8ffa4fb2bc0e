"""The study area: localities, home areas, postcodes and sites, loaded from the built GeoPackage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from hubplan.data.schema import DEFAULT_STUDY_PATH, LAYERS
from hubplan.data.sources import file_sha256
from hubplan.errors import DataError
from hubplan.points import Points

__all__ = ["StudyArea", "load_study_area"]


@dataclass(frozen=True)
class StudyArea:
    """The geography a scenario plans over (all layers in EPSG:4326).

    Parameters
    ----------
    path
        The GeoPackage it was read from.
    sha256
        Checksum of that file, recorded in run manifests.
    localities, home_areas, sites
        GeoDataFrames as written by :func:`hubplan.data.build.build_study_area`.
    postcodes
        Postcode points (``postcode``, ``area_id``, ``locality``, ``lon``, ``lat``).
    sources
        Provenance of every input file (checksum, publisher, licence, attribution).
    """

    path: Path
    sha256: str
    localities: gpd.GeoDataFrame
    home_areas: gpd.GeoDataFrame
    postcodes: pd.DataFrame
    sites: gpd.GeoDataFrame
    sources: pd.DataFrame

    @property
    def locality_names(self) -> tuple[str, ...]:
        """Locality names in code order."""
        return tuple(self.localities["locality"])

    @property
    def attributions(self) -> tuple[str, ...]:
        """Distinct attribution lines of the sources, plus the OSM line when roads are used."""
        return tuple(dict.fromkeys(self.sources["attribution"]))

    def area_points(self) -> Points:
        """Return the home areas' representative points (where journeys start)."""
        return Points(tuple(self.home_areas["area_id"]), self.home_areas["pt_lon"], self.home_areas["pt_lat"])


def load_study_area(path: Path | None = None) -> StudyArea:
    """Read the study-area GeoPackage written by ``hubplan data build``.

    Parameters
    ----------
    path
        The GeoPackage; default ``data/geo/study.gpkg``.

    Returns
    -------
    StudyArea
        The layers, ready for demand, travel and optimisation.

    Raises
    ------
    DataError
        The file is missing, is not a GeoPackage, or lacks a layer.
    """
    path = Path(path) if path is not None else DEFAULT_STUDY_PATH
    if not path.is_file():
        raise DataError(f"{path}: study-area dataset not found; fix: run `hubplan data build` (or `make data`)")
    try:
        present = {name for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as err:
        raise DataError(
            f"{path}: not a readable GeoPackage ({err}); fix: rebuild it with `hubplan data build`"
        ) from err
    missing = [layer for layer in LAYERS if layer not in present]
    if missing:
        raise DataError(f"{path}: missing layer(s) {', '.join(missing)}; fix: rebuild it with `hubplan data build`")
    postcodes = pyogrio.read_dataframe(path, layer="postcodes", read_geometry=False)
    return StudyArea(
        path=path,
        sha256=file_sha256(path),
        localities=gpd.read_file(path, layer="localities", engine="pyogrio"),
        home_areas=gpd.read_file(path, layer="home_areas", engine="pyogrio"),
        postcodes=pd.DataFrame(postcodes),
        sites=gpd.read_file(path, layer="sites", engine="pyogrio"),
        sources=pd.DataFrame(pyogrio.read_dataframe(path, layer="sources", read_geometry=False)),
    )
