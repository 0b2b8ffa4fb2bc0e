"""Public map layers of a run: built once, written as RFC 7946 GeoJSON and one GeoPackage.

:func:`public_layers` turns a :class:`~hubplan.record.run.RunRecord` into five
GeoDataFrames (``localities``, ``sites``, ``home_areas``, ``allocations``,
``catchments``), and a sixth, ``routes``, when the run has a transport plan
(:mod:`hubplan.outputs.routes`: minibus rounds drawn through home-area points only),
each with a fixed column list (nothing else from the record leaks out),
small counts suppressed (:mod:`hubplan.outputs.privacy`), geometries snapped to
1e-6 degrees and polygons oriented by the right-hand rule. :func:`geojson_text`
serialises one layer deterministically: same record, same bytes.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import LineString, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from hubplan.errors import DataError
from hubplan.outputs.privacy import LOWER_SUFFIX, suppress_columns
from hubplan.outputs.published import Published
from hubplan.outputs.qgis import GEOMETRY_COLUMN, STYLE_COLUMNS, style_rows
from hubplan.outputs.routes import ROUTES_LAYER, published_rounds, routes_frame

__all__ = [
    "COORDINATE_DECIMALS",
    "LAYER_NAMES",
    "ROUTES_LAYER",
    "clean_geometry",
    "geojson_text",
    "public_layers",
    "write_geojson_layers",
    "write_geopackage",
]

log = logging.getLogger(__name__)

COORDINATE_DECIMALS = 6
"""Decimal places of longitude/latitude (about 0.1 m), as RFC 7946 section 11.2 suggests."""

PROPERTY_DECIMALS = 3
"""Decimal places of float attributes (minutes, km, attendees) in the public layers."""

GPKG_VERSION = "1.2"
#: The timestamp written into the GeoPackage tables (the run time is in manifest.json instead).
FIXED_GPKG_DATE = "2000-01-01T00:00:00.000Z"
"""GeoPackage version written: 1.2 is read without warnings by GDAL 3.x and QGIS 3.x."""

LAYER_NAMES = ("localities", "sites", "home_areas", "allocations", "catchments")
"""The public layers, in drawing order (background first)."""

_COLUMNS: dict[str, tuple[str, ...]] = {
    "localities": ("locality", "code", "attendees"),
    "home_areas": (
        "area_id", "name", "locality", "attendees", "minutes_to_site", "minutes_to_hub",
        "minutes_to_specialist", "minutes_to_specialist_mean", "minutes_longest",
        "minutes_to_spoke", "assigned_site_id", "isolated", "isolated_attendees", "rural_urban",
        "barriers_decile",
    ),
    "sites": (
        "site_id", "name", "kind", "operator", "locality", "role", "tier", "tier_kind", "tier_label", "status",
        "attendees", "capacity", "capacity_used", "annual_cost", "position_precision", "source",
    ),
    "allocations": ("area_id", "site_id", "tier", "attendees", "minutes", "km"),
}

_DESCRIPTIONS = {
    "localities": "The five localities (former districts) with the attendees living there.",
    "sites": "Every site in the scenario with its role, tier, status and assigned attendees.",
    "home_areas": "Home areas (LSOA 2021) with attendees, journey minutes to hub, specialist provision and "
                  "nearest spoke, and isolation (any attendee beyond the threshold).",
    "allocations": "Straight lines from each home area's population point to the site it uses.",
    "catchments": "The home areas each hub serves (its main hub), dissolved.",
    ROUTES_LAYER: "Minibus rounds of a typical day, one line per vehicle round: depot, the home-area point of "
                  "each home area it calls in (never a home), the site and back. No passenger counts.",
}


def _require(frame: pd.DataFrame, columns: Sequence[str], layer: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"RunRecord.{layer}: missing columns {missing}; fix: the pipeline must fill every "
            "column listed in hubplan/record/run.py"
        )


def clean_geometry(geom: BaseGeometry | None, *, polygonal: bool = False) -> BaseGeometry | None:
    """Snap a WGS84 geometry to 1e-6 degrees, keep it valid and orient its rings (RFC 7946).

    Parameters
    ----------
    geom
        Any shapely geometry in lon/lat, or ``None``.
    polygonal
        Keep only the polygonal parts (a polygon layer never gains stray lines or points
        from snapping).

    Returns
    -------
    shapely geometry or None
        Valid; exterior rings counter-clockwise, holes clockwise.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> g = clean_geometry(Polygon([(0, 0), (0, 1.0000004), (1, 1), (1, 0)]), polygonal=True)
    >>> g.exterior.is_ccw, g.wkt
    (True, 'POLYGON ((0 1, 0 0, 1 0, 1 1, 0 1))')
    """
    if geom is None or geom.is_empty:
        return None
    snapped = shapely.set_precision(geom, 10.0**-COORDINATE_DECIMALS)
    if not snapped.is_valid:
        snapped = shapely.make_valid(snapped)
    # exact decimal rounding (set_precision can leave 1-ulp noise that prints as 17 digits)
    snapped = shapely.transform(snapped, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    if polygonal:
        parts = [p for p in shapely.get_parts(snapped) if p.geom_type in {"Polygon", "MultiPolygon"}]
        polys = [q for p in parts for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])]
        if not polys:
            return None
        polys = [orient(p, sign=1.0) for p in polys]
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return snapped


def _clean_frame(frame: gpd.GeoDataFrame, *, polygonal: bool) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = [clean_geometry(g, polygonal=polygonal) for g in out.geometry]
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def _to_wgs84(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise DataError(f"RunRecord.{layer}: no CRS; fix: set EPSG:4326 in the pipeline")
    return frame.to_crs("EPSG:4326") if frame.crs.to_epsg() != 4326 else frame


def _catchments(
    home_areas: gpd.GeoDataFrame, sites: pd.DataFrame, allocations: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Dissolve each area into the hub that receives most of its attendees."""
    hub_rows = allocations[allocations["tier"] == "hub"]
    if hub_rows.empty:  # a model without tiers: every open site is a catchment centre
        hub_rows = allocations
    hub_rows = hub_rows[hub_rows["attendees"] > 0].sort_values(
        ["area_id", "attendees", "site_id"], ascending=[True, False, True]
    )
    main = hub_rows.drop_duplicates("area_id")[["area_id", "site_id"]]
    areas = home_areas.merge(main, on="area_id", how="inner")
    totals = hub_rows.groupby("site_id")["attendees"].sum()
    lower_column = "attendees" + LOWER_SUFFIX
    lowers = hub_rows.groupby("site_id")[lower_column].sum() if lower_column in hub_rows.columns else totals
    weighted = hub_rows.assign(w=hub_rows["attendees"] * hub_rows["minutes"])
    mean_min = weighted.groupby("site_id")["w"].sum() / totals
    max_min = hub_rows.groupby("site_id")["minutes"].max()
    names = sites.set_index("site_id")
    rows = []
    for site_id, group in areas.groupby("site_id", sort=True):
        rows.append(
            {
                "site_id": site_id,
                "name": names.at[site_id, "name"] if site_id in names.index else "",
                "tier": names.at[site_id, "tier"] if site_id in names.index else "",
                "locality": names.at[site_id, "locality"] if site_id in names.index else "",
                "n_areas": len(group),
                "attendees": float(totals.get(site_id, 0.0)),
                lower_column: float(lowers.get(site_id, 0.0)),
                "mean_minutes": float(mean_min.get(site_id, math.nan)),
                "max_minutes": float(max_min.get(site_id, math.nan)),
                "geometry": shapely.union_all(list(group.geometry)),
            }
        )
    columns = ["site_id", "name", "tier", "locality", "n_areas", "attendees", lower_column, "mean_minutes",
               "max_minutes", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:4326")


def public_layers(published: Published) -> dict[str, gpd.GeoDataFrame]:
    """Build the public layers of a run, with small counts suppressed.

    Parameters
    ----------
    published
        The run as the disclosure rule publishes it (columns as documented in :mod:`hubplan.record.run`).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Keyed by :data:`LAYER_NAMES`, rows sorted by their id, EPSG:4326, each with a
        ``suppressed`` flag column; then :data:`ROUTES_LAYER` when the run has a
        transport plan (no counts of people, so no flag).

    Raises
    ------
    DataError
        A frame lacks a documented column or a CRS.
    """
    record = published.record  # counts stand for their bands (client records only)
    threshold = record.suppress_below
    for layer in ("localities", "home_areas", "sites", "allocations"):
        _require(getattr(record, layer), _COLUMNS[layer], layer)
    _require(record.area_points, ("area_id",), "area_points")

    localities = _to_wgs84(record.localities, "localities")
    home_areas = _to_wgs84(record.home_areas, "home_areas")
    sites = _to_wgs84(record.sites, "sites")
    points = _to_wgs84(record.area_points, "area_points")
    lower = [c for c in ("attendees" + LOWER_SUFFIX,) if c in record.allocations.columns]
    alloc = pd.DataFrame(record.allocations)[[*_COLUMNS["allocations"], *lower]].copy()
    alloc = alloc[alloc["attendees"] > 0]

    out: dict[str, gpd.GeoDataFrame] = {}
    loc = localities[[*_COLUMNS["localities"], *lower, "geometry"]].sort_values("locality")
    out["localities"] = _clean_frame(suppress_columns(loc, ["attendees"], threshold), polygonal=True)

    st = sites[[*_COLUMNS["sites"], *lower, "geometry"]].sort_values("site_id")
    st = suppress_columns(st, ["attendees"], threshold, derived=["capacity_used"])  # capacity x share
    out["sites"] = _clean_frame(st, polygonal=False)

    isolated_lower = [c for c in ("isolated_attendees" + LOWER_SUFFIX,) if c in home_areas.columns]
    ha = home_areas[[*_COLUMNS["home_areas"], *lower, *isolated_lower, "geometry"]].sort_values("area_id")
    isolated = suppress_columns(ha[["isolated_attendees", *isolated_lower]], ["isolated_attendees"], threshold)
    ha = suppress_columns(ha.drop(columns=isolated_lower), ["attendees"], threshold)
    ha["isolated_attendees"] = isolated["isolated_attendees"]
    ha["isolated_suppressed"] = isolated["suppressed"]
    out["home_areas"] = _clean_frame(ha, polygonal=True)

    # catchments from unsuppressed figures (totals before suppression), then suppressed
    catch = _catchments(home_areas, sites, alloc)
    out["catchments"] = _clean_frame(
        suppress_columns(catch, ["attendees"], threshold, derived=["mean_minutes", "max_minutes"]),
        polygonal=True,
    )

    start = dict(zip(points["area_id"], points.geometry, strict=True))
    end = dict(zip(sites["site_id"], sites.geometry, strict=True))
    unknown = sorted(set(alloc["area_id"]) - set(start)) + sorted(set(alloc["site_id"]) - set(end))
    if unknown:
        raise DataError(
            f"RunRecord.allocations: ids with no point {unknown[:5]}; fix: every allocation must "
            "name an area in area_points and a site in sites"
        )
    alloc = alloc.sort_values(["area_id", "site_id", "tier"]).reset_index(drop=True)
    lines = [
        LineString([start[a].coords[0], end[s].coords[0]])
        for a, s in zip(alloc["area_id"], alloc["site_id"], strict=True)
    ]
    al = gpd.GeoDataFrame(alloc, geometry=lines, crs="EPSG:4326")
    out["allocations"] = _clean_frame(suppress_columns(al, ["attendees"], threshold), polygonal=False)
    if record.transport is not None:
        out[ROUTES_LAYER] = _clean_frame(routes_frame(published_rounds(record)), polygonal=False)
    return {name: out[name].reset_index(drop=True) for name in (*LAYER_NAMES, ROUTES_LAYER) if name in out}


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value) or math.isinf(value):
            return None
        rounded = round(float(value), PROPERTY_DECIMALS)
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if pd.isna(value):
        return None
    return str(value)


def _coords(obj: Any) -> Any:
    if isinstance(obj, (tuple, list)):
        if obj and isinstance(obj[0], (int, float)):
            return [float(v) for v in obj]
        return [_coords(v) for v in obj]
    return obj


def _geometry_json(geom: BaseGeometry | None) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    m = mapping(geom)
    if m["type"] == "GeometryCollection":
        return {"type": m["type"], "geometries": [_geometry_json(g) for g in geom.geoms]}
    return {"type": m["type"], "coordinates": _coords(m["coordinates"])}


def geojson_text(
    frame: gpd.GeoDataFrame, *, name: str, attribution: Sequence[str], description: str = ""
) -> str:
    """Serialise a layer as an RFC 7946 FeatureCollection, deterministically.

    No ``crs`` member; ``name``, ``description`` and ``attribution`` are foreign members
    (RFC 7946 section 6.1). One feature per line, keys in a fixed order.

    Parameters
    ----------
    frame
        A layer from :func:`public_layers` (EPSG:4326, cleaned geometries).
    name, description
        Layer name and a one-line description.
    attribution
        Licence attribution lines of the sources.

    Returns
    -------
    str
        UTF-8 text ending in a newline.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"a": [1.23456]}, geometry=[Point(-2.5, 50.7)], crs="EPSG:4326")
    >>> print(geojson_text(f, name="x", attribution=["OGL v3"]))  # doctest: +NORMALIZE_WHITESPACE
    {"type":"FeatureCollection","name":"x","description":"","attribution":["OGL v3"],"features":[
    {"type":"Feature","properties":{"a":1.235},"geometry":{"type":"Point","coordinates":[-2.5,50.7]}}
    ]}
    """
    head = {
        "type": "FeatureCollection",
        "name": name,
        "description": description,
        "attribution": list(attribution),
    }
    columns = [c for c in frame.columns if c != frame.geometry.name]
    lines = []
    for row, geom in zip(frame[columns].itertuples(index=False), frame.geometry, strict=True):
        feature = {
            "type": "Feature",
            "properties": {c: _json_value(v) for c, v in zip(columns, row, strict=True)},
            "geometry": _geometry_json(geom),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    head_text = json.dumps(head, ensure_ascii=False, separators=(",", ":"), allow_nan=False)[:-1]
    return head_text + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_geojson_layers(
    layers: Mapping[str, gpd.GeoDataFrame], folder: Path, *, attribution: Sequence[str]
) -> list[Path]:
    """Write each layer to ``folder/<name>.geojson``; return the paths written."""
    paths = []
    for name, frame in layers.items():
        path = Path(folder) / f"{name}.geojson"
        text = geojson_text(
            frame, name=name, attribution=attribution, description=_DESCRIPTIONS.get(name, "")
        )
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_geopackage(
    layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, attribution: Sequence[str]
) -> Path:
    """Write all layers into one GeoPackage for QGIS, each carrying its attributions.

    The attribution goes into each layer's ``gpkg_contents.description`` and into the
    layer metadata (``attribution`` item), where QGIS and ``ogrinfo`` show it. QGIS
    styles of the sites and home areas go into the ``layer_styles`` table
    (:mod:`hubplan.outputs.qgis`), so both open styled and labelled as on the web map.
    """
    text = "; ".join(attribution)
    # GDAL stamps gpkg_contents with the clock unless OGR_CURRENT_DATE is set: fix it so reruns are byte-identical.
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        _write_layers(layers, path, text)
        if "home_areas" in layers:
            _write_styles(layers["home_areas"], path, has_routes=ROUTES_LAYER in layers)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return Path(path)


def _write_layers(layers: Mapping[str, gpd.GeoDataFrame], path: Path, text: str) -> None:
    for name, frame in layers.items():
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            append=False,
            dataset_options={"VERSION": GPKG_VERSION},
            layer_options={"DESCRIPTION": f"{_DESCRIPTIONS.get(name, name)} Attribution: {text}"},
            layer_metadata={"attribution": text, "description": _DESCRIPTIONS.get(name, "")},
        )


def _write_styles(home_areas: gpd.GeoDataFrame, path: Path, *, has_routes: bool) -> None:
    """Write QGIS's ``layer_styles`` table (an attributes table, through GDAL, after the layers)."""
    rows = style_rows(home_areas, routes=has_routes)
    table = pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": [r.layer for r in rows],
        "f_geometry_column": GEOMETRY_COLUMN, "styleName": [r.name for r in rows],
        "styleQML": [r.qml for r in rows], "styleSLD": "", "useAsDefault": [r.default for r in rows],
        "description": [r.description for r in rows], "owner": "", "ui": "",
        # the run time is in manifest.json: a fixed stamp keeps reruns byte-identical
        "update_time": pd.Timestamp(FIXED_GPKG_DATE),
    }, columns=list(STYLE_COLUMNS))  # fmt: skip
    pyogrio.write_dataframe(table, path, layer="layer_styles", driver="GPKG", append=False,
                            layer_options={"FID": "id"})
