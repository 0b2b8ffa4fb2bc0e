"""Build the study-area dataset (one GeoPackage) from the public source folder.

``hubplan data build`` reads the files listed in :mod:`hubplan.data.sources`,
checks their columns, derives the layers below and writes them atomically to
``data/geo/study.gpkg``:

``localities``
    The five former districts of Dorset Council.
``home_areas``
    The 223 LSOA 2021 areas with Census 2021 population by age and disability,
    rural-urban class, IoD 2025 (with the Geographical Barriers score), their
    locality, and a representative point that follows where people live: the
    mean of the area's Code-Point Open postcode points.
``postcodes``
    Code-Point Open postcode points, for offline geocoding.
``sites``
    Every venue with a stable ID, name, kind, operator, locality, position,
    position precision and source.
``sources``
    Each input file's checksum, publisher, licence and attribution.

Rebuilding from the same inputs gives the same layers (the build is idempotent).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from hubplan.data.schema import BRITISH_NATIONAL_GRID, DEFAULT_STUDY_PATH, WGS84
from hubplan.data.sources import SOURCES, SourceFile, file_sha256
from hubplan.errors import DataError
from hubplan.files.atomic import atomic_file

__all__ = ["DEFAULT_STUDY_PATH", "BuildSummary", "build_study_area", "site_id_slug"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildSummary:
    """What a build wrote.

    Parameters
    ----------
    path
        The GeoPackage written.
    counts
        Rows per layer.
    """

    path: Path
    counts: dict[str, int]


def site_id_slug(name: str) -> str:
    """Turn a venue name into an upper-case ID fragment.

    Examples
    --------
    >>> site_id_slug("Shaftesbury Trinity Centre (Bimport)")
    'SHAFTESBURY-TRINITY-CENTRE-BIMPORT'
    """
    return re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")


def _source_by_key(key: str) -> SourceFile:
    return next(source for source in SOURCES if source.key == key)


def _check_columns(frame: pd.DataFrame, source: SourceFile, path: Path) -> None:
    missing = [column for column in source.columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} ({source.key}); fix: use the file "
            "as published (see docs/data-sources.md) or a source folder laid out like ../shared/data"
        )


def _read_csv(source_dir: Path, key: str, **kwargs: object) -> pd.DataFrame:
    source = _source_by_key(key)
    path = source.path(source_dir)
    try:
        frame = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: cannot be read as CSV ({err}); fix: restore the original file") from err
    _check_columns(frame, source, path)
    return frame


def _read_vector(source_dir: Path, key: str) -> gpd.GeoDataFrame:
    source = _source_by_key(key)
    path = source.path(source_dir)
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as err:
        raise DataError(f"{path}: cannot be read as GeoJSON ({err}); fix: restore the original file") from err
    _check_columns(frame, source, path)
    return frame.to_crs(WGS84)


def _localities(source_dir: Path) -> gpd.GeoDataFrame:
    raw = _read_vector(source_dir, "localities")
    frame = gpd.GeoDataFrame(
        {
            "locality": raw["lad18nm"].astype(str),
            "code": raw["lad18cd"].astype(str),
            "area_km2": raw["area_km2"].astype(float),
        },
        geometry=raw.geometry.values,
        crs=WGS84,
    )
    return frame.sort_values("code").reset_index(drop=True)


def _postcodes(source_dir: Path) -> pd.DataFrame:
    raw = _read_csv(source_dir, "postcodes", dtype={"postcode": str})
    frame = pd.DataFrame(
        {
            "postcode": raw["postcode"].str.upper().str.strip(),
            "area_id": raw["lsoa21cd_pip"].astype(str),
            "locality": raw["lad18nm"].astype(str),
            "positional_quality": raw["positional_quality"].astype(int),
            "lon": raw["lon"].astype(float),
            "lat": raw["lat"].astype(float),
        }
    )
    if frame["postcode"].duplicated().any():
        duplicated = frame.loc[frame["postcode"].duplicated(), "postcode"].iloc[0]
        raise DataError(f"postcodes: duplicate postcode {duplicated}; fix: restore the original file")
    return frame.sort_values("postcode").reset_index(drop=True)


def _home_areas(source_dir: Path, postcodes: pd.DataFrame) -> gpd.GeoDataFrame:
    polygons = _read_vector(source_dir, "home_area_polygons")[["lsoa21cd", "geometry"]]
    attributes = _read_csv(source_dir, "home_area_attributes")
    merged = attributes.merge(polygons, on="lsoa21cd", how="left", validate="one_to_one")
    if merged["geometry"].isna().any():
        missing = merged.loc[merged["geometry"].isna(), "lsoa21cd"].tolist()
        raise DataError(f"home areas {missing[:3]} have attributes but no polygon; fix: use matching files")
    by_area = postcodes.groupby("area_id").agg(
        n_postcodes=("postcode", "size"), pt_lon=("lon", "mean"), pt_lat=("lat", "mean")
    )
    merged = merged.join(by_area, on="lsoa21cd")
    has_postcodes = merged["n_postcodes"].fillna(0) > 0
    merged["n_postcodes"] = merged["n_postcodes"].fillna(0).astype(int)
    merged["point_basis"] = np.where(has_postcodes, "mean of postcode points", "inside point of polygon")
    merged["pt_lon"] = merged["pt_lon"].where(has_postcodes, merged["inside_pt_lon"]).round(6)
    merged["pt_lat"] = merged["pt_lat"].where(has_postcodes, merged["inside_pt_lat"]).round(6)
    columns = {
        "lsoa21cd": "area_id",
        "lsoa21nm": "name",
        "lad18nm": "locality",
        "lad18cd": "locality_code",
        "area_km2": "area_km2",
        "c21_total": "pop_total",
        "c21_age_0_15": "pop_0_15",
        "c21_age_16_64": "pop_16_64",
        "c21_age_65plus": "pop_65_plus",
        "c21_disabled_under_the_equality_act": "pop_disabled",
        "c21_not_disabled_under_the_equality_act": "pop_not_disabled",
        "ruc21cd": "ruc21cd",
        "ruc21nm": "ruc21nm",
        "ruc21_urban_rural": "rural_urban",
        "imd25_score": "imd25_score",
        "imd25_decile": "imd25_decile",
        "imd25_geog_barriers_score": "barriers_score",
        "imd25_geog_barriers_decile": "barriers_decile",
        "n_postcodes": "n_postcodes",
        "point_basis": "point_basis",
        "pt_lon": "pt_lon",
        "pt_lat": "pt_lat",
    }
    frame = merged[list(columns)].rename(columns=columns)
    for column in ("pop_total", "pop_0_15", "pop_16_64", "pop_65_plus", "pop_disabled", "pop_not_disabled"):
        frame[column] = frame[column].astype(float)
    result = gpd.GeoDataFrame(frame, geometry=merged["geometry"].values, crs=WGS84)
    return result.sort_values("area_id").reset_index(drop=True)


@dataclass(frozen=True)
class _SiteSource:
    """What one source file's sites are: their kind, how precisely they are placed, and the source's name."""

    kind: str
    precision: str
    source: str


def _sites_frame(
    rows: pd.DataFrame,
    *,
    site_ids: pd.Series,
    origin: _SiteSource,
    operator: pd.Series | str,
    address: pd.Series | str = "",
    postcode: pd.Series | str = "",
    population: pd.Series | float = np.nan,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": site_ids.astype(str).values,
            "name": rows["name"].astype(str).values,
            "kind": origin.kind,
            "operator": operator if isinstance(operator, str) else operator.astype(str).values,
            "address": address if isinstance(address, str) else address.fillna("").astype(str).values,
            "postcode": postcode if isinstance(postcode, str) else postcode.fillna("").astype(str).values,
            "population": population if isinstance(population, float) else population.astype(float).values,
            "position_precision": origin.precision,
            "source": origin.source,
            "lon": rows["lon"].astype(float).values,
            "lat": rows["lat"].astype(float).values,
        }
    )


def _sites(source_dir: Path, localities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    centres = _read_csv(source_dir, "care_dorset_centres")
    libraries = _read_csv(source_dir, "libraries", dtype={"postcode": str})
    practices = _read_csv(source_dir, "gp_practices", dtype={"postcode": str})
    branches = _read_csv(source_dir, "gp_branches", dtype={"postcode": str})
    settlements = _read_csv(source_dir, "settlements").rename(columns={"bua22nm": "name"})
    library_operator = np.where(
        libraries["subtype"].str.contains("community", case=False, na=False),
        "Community-run (Dorset Council supported)",
        "Dorset Council",
    )
    parts = [
        _sites_frame(
            centres,
            site_ids="CD-" + centres["name"].map(site_id_slug),
            origin=_SiteSource("day_centre", "town (OS Open Names point of the town; building postcode not published)",
                               "Care Dorset day services (press and provider pages)"),
            operator=centres["operator"],
            address=(centres["street_as_reported"].fillna("") + ", " + centres["town"]).str.lstrip(", "),
        ),
        _sites_frame(
            libraries,
            site_ids="LIB-" + libraries["name"].map(site_id_slug),
            origin=_SiteSource("library", "postcode (Code-Point Open centroid)",
                               "DCMS/ACE public libraries 2023"),
            operator=pd.Series(library_operator),
            address=libraries["address"] if "address" in libraries else "",
            postcode=libraries["postcode"],
        ),
        _sites_frame(
            practices,
            site_ids="GP-" + practices["ods_code"].astype(str),
            origin=_SiteSource("gp_practice", "postcode (Code-Point Open centroid)",
                               "NHS ODS epraccur (c. Sept 2025)"),
            operator=practices["name"],
            address=practices["address"] if "address" in practices else "",
            postcode=practices["postcode"],
        ),
        _sites_frame(
            branches,
            site_ids="GPB-" + branches["ods_code"].astype(str),
            origin=_SiteSource("gp_branch", "postcode (Code-Point Open centroid)",
                               "NHS ODS ebranchs (April 2017; stale)"),
            operator=branches["parent_practice_name"],
            address=branches["address"] if "address" in branches else "",
            postcode=branches["postcode"],
        ),
        _sites_frame(
            settlements,
            site_ids="BUA-" + settlements["bua22cd"].astype(str),
            origin=_SiteSource("settlement", "settlement (OS Open Names point of the built-up area)",
                               "ONS Census 2021 built-up areas; OS Open Names"),
            operator="",
            population=settlements["census2021_population"],
        ),
    ]
    frame = pd.concat(parts, ignore_index=True)
    duplicated = frame["site_id"].duplicated(keep=False)
    if duplicated.any():
        raise DataError(
            f"sites: duplicate site IDs {sorted(set(frame.loc[duplicated, 'site_id']))[:3]}; "
            "fix: restore the original site files"
        )
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84)
    projected = points.to_crs(BRITISH_NATIONAL_GRID)
    joined = gpd.sjoin_nearest(
        projected,
        localities[["locality", "geometry"]].to_crs(BRITISH_NATIONAL_GRID),
        how="left",
        distance_col="locality_distance_m",
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    points["locality"] = joined["locality"].values
    points["outside_localities_m"] = joined["locality_distance_m"].round(1).values
    ordered = [
        "site_id", "name", "kind", "operator", "locality", "address", "postcode", "population",
        "position_precision", "source", "lon", "lat", "outside_localities_m", "geometry",
    ]  # fmt: skip
    return points[ordered].sort_values("site_id").reset_index(drop=True)


def _sources_table(source_dir: Path) -> pd.DataFrame:
    rows = []
    for source in SOURCES:
        path = source.path(source_dir)
        rows.append(
            {
                "key": source.key,
                "file": source.relative_path,
                "sha256": file_sha256(path),
                "bytes": path.stat().st_size,
                "publisher": source.publisher,
                "licence": source.licence,
                "attribution": source.attribution,
            }
        )
    return pd.DataFrame(rows)


STUDY_OUTPUT = "the study-area GeoPackage"
"""How errors name the file :func:`build_study_area` writes."""


def build_study_area(source_dir: Path, out_path: Path = DEFAULT_STUDY_PATH) -> BuildSummary:
    """Build the study-area GeoPackage from a source folder.

    Parameters
    ----------
    source_dir
        A folder laid out like ``../shared/data``.
    out_path
        The GeoPackage to write; replaced atomically.

    Returns
    -------
    BuildSummary
        The path and the row count of each layer.

    Raises
    ------
    DataError
        A source file or column is missing, or a file cannot be read.
    InputError
        ``out_path`` is a folder or cannot be written (a previous file is left as it was).
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise DataError(
            f"{source_dir}: source folder not found; fix: pass --source DIR laid out like ../shared/data"
        )
    sources = _sources_table(source_dir)
    localities = _localities(source_dir)
    postcodes = _postcodes(source_dir)
    home_areas = _home_areas(source_dir, postcodes)
    sites = _sites(source_dir, localities)
    postcode_points = gpd.GeoDataFrame(
        postcodes, geometry=gpd.points_from_xy(postcodes["lon"], postcodes["lat"]), crs=WGS84
    )
    out_path = Path(out_path)
    with atomic_file(out_path, what=STUDY_OUTPUT, create_parent=True) as temporary:
        for name, layer in (
            ("localities", localities),
            ("home_areas", home_areas),
            ("postcodes", postcode_points),
            ("sites", sites),
        ):
            pyogrio.write_dataframe(layer, temporary, layer=name, driver="GPKG")
        pyogrio.write_dataframe(sources, temporary, layer="sources", driver="GPKG")
    counts = {
        "localities": len(localities),
        "home_areas": len(home_areas),
        "postcodes": len(postcodes),
        "sites": len(sites),
        "sources": len(sources),
    }
    log.info("wrote %s: %s", out_path, counts)
    return BuildSummary(out_path, counts)
