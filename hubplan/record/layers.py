"""The run's layers as rows: sites with their status, home areas with their journeys."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hubplan.data.schema import WGS84
from hubplan.plan import Allocation, PreparedScenario
from hubplan.scenario import EXISTING_BUILDING_KINDS

__all__ = ["EXISTING_BUILDING_KINDS", "TIER_JOINER", "home_areas_layer", "site_status", "sites_layer"]

TIER_JOINER = " + "
"""How the ``tier`` column names the tiers of a site hosting several (``hub + specialist_dementia``)."""


def site_status(is_open: np.ndarray, kind: np.ndarray, role: np.ndarray) -> np.ndarray:
    """Status of each site in a plan, as the public reads it.

    ``open``; ``closed`` (an existing day-service building that the plan does not
    keep); ``not_selected`` (a candidate venue the plan does not use);
    ``excluded`` (a venue the scenario leaves out, e.g. a GP surgery in a
    scenario about day centres only).

    Examples
    --------
    >>> site_status(np.array([True, False, False, False]),
    ...             np.array(["day_centre", "day_centre", "library", "library"]),
    ...             np.array(["required", "candidate", "candidate", "closed"])).tolist()
    ['open', 'closed', 'not_selected', 'excluded']
    """
    existing = np.isin(kind, EXISTING_BUILDING_KINDS)
    not_open = np.where(existing, "closed", np.where(role == "closed", "excluded", "not_selected"))
    return np.where(is_open, "open", not_open)


def _tier_defaults(prepared: PreparedScenario, hosted: pd.Series, key: str) -> pd.Series:
    """The sum of the hosted tiers' default ``key`` (``annual_cost`` or ``capacity``); NaN if one has none."""
    tiers = prepared.scenario.tiers

    def total(names: object) -> float:
        if not isinstance(names, tuple):
            return np.nan
        values = [getattr(tiers[name], key) for name in names]
        return np.nan if any(v is None for v in values) else float(sum(values))

    return hosted.map(total)


def sites_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    """Every site with its tiers, status, attendees, capacity and annual cost in the plan.

    A site hosting several tiers has them joined with :data:`TIER_JOINER`; its own
    ``annual_cost`` (its building's) counts once, else its tiers' costs add up; its
    capacity is the sum of its tiers' places (NaN where a tier is unlimited).
    """
    sites = prepared.sites.copy()
    hosted = sites["site_id"].map(allocation.open_tiers)
    is_open = hosted.notna()
    attendees = allocation.flows.groupby("site_id")["attendees"].sum()
    sites["tier"] = hosted.map(lambda names: TIER_JOINER.join(names) if isinstance(names, tuple) else "")
    sites["status"] = site_status(is_open.to_numpy(), sites["kind"].to_numpy(), sites["role"].to_numpy())
    sites["attendees"] = sites["site_id"].map(attendees).fillna(0.0)
    own_cost = sites["annual_cost"]
    sites["annual_cost"] = own_cost.where(own_cost.notna(), _tier_defaults(prepared, hosted, "annual_cost"))
    sites["annual_cost"] = sites["annual_cost"].where(is_open)
    places = hosted.map(lambda names: len(names) if isinstance(names, tuple) else 1)
    capacity = (sites["capacity"] * places).where(sites["capacity"].notna(),
                                                  _tier_defaults(prepared, hosted, "capacity"))
    sites["capacity"] = capacity.astype(float)
    sites["capacity_used"] = sites["attendees"] / sites["capacity"]
    keep = ["site_id", "name", "kind", "operator", "locality", "role", "tier", "status", "attendees",
            "capacity", "capacity_used", "annual_cost", "position_precision", "source", "lon", "lat", "geometry"]
    return sites[keep]


def home_areas_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    """Every home area with its attendees, journeys to hub, site and spoke, and isolation."""
    areas = prepared.study.home_areas
    flows = allocation.flows
    main_site = flows.sort_values(["area_id", "attendees"], ascending=[True, False]).drop_duplicates("area_id")
    weighted = flows.assign(weighted=flows["attendees"] * flows["minutes"]).groupby("area_id")
    mean_minutes = weighted["weighted"].sum() / weighted["attendees"].sum().replace(0, np.nan)
    hub_flows = flows[flows["tier"] == "hub"]
    to_hub = hub_flows.groupby("area_id")["minutes"].max() if len(hub_flows) else pd.Series(dtype=float)
    isolation = prepared.scenario.objective.isolation_minutes
    layer = gpd.GeoDataFrame({
        "area_id": areas["area_id"],
        "name": areas["name"],
        "locality": areas["locality"],
        "attendees": prepared.demand.per_area(),
        "minutes_to_hub": areas["area_id"].map(to_hub).astype(float),
        "minutes_to_site": areas["area_id"].map(mean_minutes).astype(float),
        "minutes_to_spoke": areas["area_id"].map(_spoke_minutes(prepared, allocation)).astype(float),
        "assigned_site_id": areas["area_id"].map(main_site.set_index("area_id")["site_id"]).fillna(""),
        "rural_urban": areas["rural_urban"],
        "barriers_decile": areas["barriers_decile"].astype(int),
    }, geometry=areas.geometry.values, crs=WGS84)  # fmt: skip
    layer["isolated"] = layer["minutes_to_site"] > isolation
    return layer


def _spoke_minutes(prepared: PreparedScenario, allocation: Allocation) -> pd.Series:
    tiers = prepared.scenario.tiers
    spokes = [sid for sid, names in allocation.open_tiers.items() if any(tiers[t].mode == "cover" for t in names)]
    if not spokes:
        return pd.Series(dtype=float)
    column_of = {sid: j for j, sid in enumerate(prepared.travel.destination_ids)}
    columns = [column_of[sid] for sid in allocation.open_tiers]
    best = prepared.travel.minutes[:, columns].min(axis=1)
    return pd.Series(best, index=list(prepared.demand.area_ids))
