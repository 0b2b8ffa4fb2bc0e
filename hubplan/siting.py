"""Site roles: which venues a scenario keeps, may open or excludes, and in which tiers.

Rules in ``[[sites.roles]]`` are applied in order; a later rule overrides an
earlier one for the sites it matches. Sites matched by no rule are ``closed``
(left out). Venues added in ``[[sites.add]]`` are geocoded (postcode or
lat/lon) and must lie on the study area's land, within
:data:`STUDY_AREA_TOLERANCE_M` of it (not in the sea, not over the border).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from hubplan.data.schema import BRITISH_NATIONAL_GRID
from hubplan.data.study import StudyArea
from hubplan.demand import normalise_postcode
from hubplan.errors import input_error
from hubplan.scenario import RoleRule, Scenario
from hubplan.scenario.fields import fix_with_suggestions

__all__ = ["MAINLAND_TOLERANCE_M", "STUDY_AREA_TOLERANCE_M", "off_mainland", "resolve_sites"]

log = logging.getLogger(__name__)

STUDY_AREA_TOLERANCE_M = 200.0
"""How far outside the study area's land (metres) a site given by lat/lon may lie.

The localities are dissolved ONS LSOA 2011 BGC polygons: clipped to the coastline
(mean high water) and generalised to 20 m (``data/geo`` MANIFEST), so the sea is
outside them and a point 1.5 km off the coast is refused. The 200 m allow for a
venue on the shore given by coordinates read off a web map or a street-level
geocode (assumption: such positions are within about 180 m of the building), plus
the 20 m of generalisation (a point 102 m off the shore at Lyme Regis passes). Added
sites given by postcode are not measured: every Dorset Council postcode point lies
inside the localities (0 of the 13,235 in the built study lie outside).
"""


def _land(study: StudyArea) -> object:
    """The study area's land (the union of the localities), in metres on the British National Grid."""
    return study.localities.to_crs(BRITISH_NATIONAL_GRID).union_all()


MAINLAND_TOLERANCE_M = 100.0
"""How far from the mainland (metres) a home may lie and still be reached by road.

The mainland is the largest connected part of the study area's land (the localities,
clipped to mean high water and generalised to 20 m). A postcode point farther than this
from it lies on land with no road to the rest (in the built Dorset study: 2 of 13,235
postcodes, on Brownsea Island in Poole Harbour, reached by ferry; Portland is joined by
Chesil Beach and the A354 and is part of the mainland). Assumption: 100 m covers a
postcode point placed just off the shore, well under the 300 m-plus of water between
Brownsea and the mainland."""


def off_mainland(study: StudyArea, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each WGS84 point lies off the mainland (:data:`MAINLAND_TOLERANCE_M`): no road reaches it."""
    land = _land(study)
    parts = list(getattr(land, "geoms", [land]))
    mainland = max(parts, key=lambda part: part.area)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(BRITISH_NATIONAL_GRID)
    return np.asarray(points.distance(mainland) > MAINLAND_TOLERANCE_M, dtype=bool)


def _metres_outside(land: object, lon: float, lat: float) -> float:
    """How far a WGS84 point lies outside ``land`` (0 inside)."""
    point = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(BRITISH_NATIONAL_GRID).iloc[0]
    return float(land.distance(point))  # type: ignore[attr-defined]


def _distance_text(metres: float) -> str:
    """A distance for people.

    Examples
    --------
    >>> _distance_text(1489.4), _distance_text(153_200.0)
    ('1,489 m', '153 km')
    """
    return f"{metres:,.0f} m" if metres < 10_000 else f"{metres / 1000:,.0f} km"


def _added_sites(study: StudyArea, scenario: Scenario, source: Path | None) -> pd.DataFrame:
    if not scenario.sites.add:
        return pd.DataFrame(columns=study.sites.columns.drop("geometry"))
    land = _land(study)
    postcodes = study.postcodes.set_index("postcode")
    known = set(study.sites["site_id"])
    rows = []
    for index, site in enumerate(scenario.sites.add):
        field = f"sites.add.{index}"
        if site.id in known:
            raise input_error(source, f"{field}.id", f"'{site.id}' is already a site of the study area",
                              "choose a new id, or select the existing site in [[sites.roles]]")
        if site.postcode is not None:
            code = normalise_postcode(site.postcode)
            if code not in postcodes.index:
                raise input_error(source, f"{field}.postcode", f"'{site.postcode}' is not a Dorset Council postcode",
                                  "check the postcode, or give lat and lon")
            lon, lat = float(postcodes.at[code, "lon"]), float(postcodes.at[code, "lat"])
            precision = "postcode (Code-Point Open centroid)"
            outside_m = 0.0  # every Dorset Council postcode point lies inside the localities
        else:
            lon, lat = float(site.lon), float(site.lat)  # type: ignore[arg-type]
            precision = "coordinates given in the scenario"
            outside_m = _metres_outside(land, lon, lat)
            if outside_m > STUDY_AREA_TOLERANCE_M:
                if (-90 <= lon <= 90 and -180 <= lat <= 180
                        and _metres_outside(land, lat, lon) <= STUDY_AREA_TOLERANCE_M):
                    problem = f"lat={lat}, lon={lon} look swapped (the point is outside Dorset)"
                    fix = "swap lat and lon"
                else:
                    problem = (f"lat={lat}, lon={lon} is outside the Dorset Council area, "
                               f"{_distance_text(outside_m)} from its land (in the sea or over its border)")
                    fix = ("give WGS84 degrees of the building, on land in Dorset (lat about 50.5-51.1, lon about "
                           f"-2.97 to -1.68; at most {STUDY_AREA_TOLERANCE_M:.0f} m off the shore), or its postcode")
                raise input_error(source, f"{field}.lat", problem, fix)
        rows.append({
            "site_id": site.id, "name": site.name, "kind": site.kind, "operator": site.operator,
            "address": "", "postcode": site.postcode or "", "population": np.nan,
            "position_precision": precision, "source": "scenario file", "lon": lon, "lat": lat,
            "outside_localities_m": round(outside_m, 1),
        })  # fmt: skip
    added = pd.DataFrame(rows)
    points = gpd.GeoDataFrame(added, geometry=gpd.points_from_xy(added["lon"], added["lat"]), crs="EPSG:4326")
    nearest = gpd.sjoin_nearest(
        points.to_crs(BRITISH_NATIONAL_GRID),
        study.localities[["locality", "geometry"]].to_crs(BRITISH_NATIONAL_GRID),
        how="left",
    )
    added["locality"] = nearest[~nearest.index.duplicated()]["locality"].to_numpy()
    return added


def _matches(rule: RoleRule, sites: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(sites), dtype=bool)
    if rule.ids is not None:
        mask &= sites["site_id"].isin(rule.ids).to_numpy()
    if rule.kind is not None:
        mask &= sites["kind"].isin(rule.kind).to_numpy()
    if rule.locality is not None:
        mask &= sites["locality"].isin(rule.locality).to_numpy()
    if rule.operator is not None:
        mask &= sites["operator"].isin(rule.operator).to_numpy()
    return mask


def _check_rule(rule: RoleRule, index: int, sites: pd.DataFrame, study: StudyArea, source: Path | None) -> None:
    field = f"sites.roles.{index}"
    known_ids = set(sites["site_id"])
    unknown = sorted(set(rule.ids or ()) - known_ids)
    if unknown:
        raise input_error(source, f"{field}.ids", f"unknown site ID(s) {', '.join(unknown[:5])}",
                          fix_with_suggestions(unknown[:5], sorted(known_ids),
                                               "use IDs listed by `hubplan data sites`"))
    localities = set(study.locality_names)
    bad = sorted(set(rule.locality or ()) - localities)
    if bad:
        raise input_error(source, f"{field}.locality", f"unknown locality {', '.join(bad)}",
                          fix_with_suggestions(bad, sorted(localities), f"use one of {', '.join(sorted(localities))}"))
    if rule.ids is not None and len(set(rule.ids)) != len(rule.ids):
        raise input_error(source, f"{field}.ids", "a site ID is listed twice", "list each site once")
    if not _matches(rule, sites).any():
        raise input_error(source, field, "the rule matches no site",
                          "check its selectors (ids, kind, locality, operator)")


def resolve_sites(study: StudyArea, scenario: Scenario) -> gpd.GeoDataFrame:
    """Apply the scenario's role rules to the study's sites (and its added venues).

    Parameters
    ----------
    study
        The study area.
    scenario
        The validated scenario.

    Returns
    -------
    geopandas.GeoDataFrame
        Every site with ``role`` (required/candidate/closed), one boolean column
        ``tier_<name>`` per scenario tier (may take that tier), and per-site
        ``capacity`` and ``annual_cost`` (NaN: the tier's default).

    Raises
    ------
    InputError
        Unknown site IDs or localities, a rule matching nothing, a site listed
        by ID as both required and closed, or an added site outside Dorset.
    """
    source = scenario.source_path
    base = pd.DataFrame(study.sites.drop(columns="geometry"))
    sites = pd.concat([base, _added_sites(study, scenario, source)], ignore_index=True)
    sites["role"] = "closed"
    sites["capacity"] = np.nan
    sites["annual_cost"] = np.nan
    tier_names = list(scenario.tiers)
    for name in tier_names:
        sites[f"tier_{name}"] = True
    explicit_role: dict[str, tuple[str, int]] = {}
    for index, rule in enumerate(scenario.sites.roles):
        _check_rule(rule, index, sites, study, source)
        for site_id in rule.ids or ():
            earlier = explicit_role.get(site_id)
            if earlier is not None and {earlier[0], rule.role} == {"required", "closed"}:
                raise input_error(
                    source, f"sites.roles.{index}.ids",
                    f"'{site_id}' is required in rule {earlier[1]} and closed in rule {index}",
                    "decide whether to keep or close it and list it in one rule only",
                )
            explicit_role[site_id] = (rule.role, index)
        mask = _matches(rule, sites)
        sites.loc[mask, "role"] = rule.role
        if rule.tiers is not None:
            for name in tier_names:
                sites.loc[mask, f"tier_{name}"] = name in rule.tiers
        if rule.capacity is not None:
            sites.loc[mask, "capacity"] = rule.capacity
        if rule.annual_cost is not None:
            sites.loc[mask, "annual_cost"] = rule.annual_cost
    log.info("site roles: %s", sites["role"].value_counts().to_dict())
    return gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
