"""The study area: localities, home areas, postcodes and sites, loaded from the built GeoPackage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from hubplan.data.schema import DEFAULT_STUDY_PATH, LAYER_CONTRACTS, LAYERS, LayerContract
from hubplan.data.sources import file_sha256
from hubplan.errors import DataError, Issue
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
        The file is missing, is not a GeoPackage, lacks a layer or one of the columns
        in :data:`~hubplan.data.schema.LAYER_CONTRACTS`, or has an empty key or a
        non-finite (NaN) number where the contract needs one; the message names the
        layer and the column.
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
    study = StudyArea(
        path=path,
        sha256=file_sha256(path),
        localities=gpd.read_file(path, layer="localities", engine="pyogrio"),
        home_areas=gpd.read_file(path, layer="home_areas", engine="pyogrio"),
        postcodes=pd.DataFrame(postcodes),
        sites=gpd.read_file(path, layer="sites", engine="pyogrio"),
        sources=pd.DataFrame(pyogrio.read_dataframe(path, layer="sources", read_geometry=False)),
    )
    issues = [
        issue
        for contract in LAYER_CONTRACTS
        for issue in _layer_issues(path, contract, getattr(study, contract.name))
    ]
    if issues:
        raise DataError(issues=issues)
    return study


_REBUILD = "rebuild it with `hubplan data build` (or `make data`)"


def _layer_issues(path: Path, contract: LayerContract, frame: pd.DataFrame) -> list[Issue]:
    """What breaks ``contract`` in a loaded layer: missing columns, then empty or non-finite values.

    Examples
    --------
    >>> frame = pd.DataFrame({"area_id": ["A", "", "C"], "pop": [1.0, 2.0, float("nan")]})
    >>> contract = LayerContract("home_areas", keys=("area_id",), counts=("pop", "pop_65_plus"))
    >>> for issue in _layer_issues(Path("s.gpkg"), contract, frame):
    ...     print(f"{issue.field}: {issue.problem}")
    home_areas.pop_65_plus: missing column
    home_areas.area_id: 1 of 3 rows empty (e.g. row 2)
    home_areas.pop: 1 of 3 rows not a finite number >= 0 (e.g. C)
    """
    missing = [column for column in contract.columns if column not in frame.columns]
    issues = [Issue(path, f"{contract.name}.{column}", "missing column", _REBUILD) for column in missing]
    present = [column for column in contract.columns if column not in missing]
    for column in present:
        if column in contract.keys:
            values = frame[column]
            bad = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
            problem = "empty"
        elif column in contract.numbers or column in contract.counts:
            numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(numbers) | ((numbers < 0) if column in contract.counts else False)
            problem = "not a finite number >= 0" if column in contract.counts else "not a finite number"
        else:
            continue
        if bad.any():
            issues.append(Issue(path, f"{contract.name}.{column}", f"{int(bad.sum())} of {len(frame)} rows {problem} "
                                f"(e.g. {_first_row(frame, contract.keys[0], bad)})", _REBUILD))
    return issues


def _first_row(frame: pd.DataFrame, key: str, bad: np.ndarray) -> str:
    """The first flagged row, by its key if it has one, else by its 1-based number."""
    first = int(np.flatnonzero(bad)[0])
    label = frame[key].iloc[first] if key in frame.columns else None
    return label if isinstance(label, str) and label.strip() else f"row {first + 1}"
