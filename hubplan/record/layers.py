"""The run's layers as rows: sites with their status, home areas with their journeys."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hubplan.data.schema import WGS84
from hubplan.plan import Allocation, PreparedScenario

__all__ = ["EXISTING_BUILDING_KINDS", "home_areas_layer", "site_status", "sites_layer"]


EXISTING_BUILDING_KINDS = ("day_centre",)
"""Kinds of site that are today's day-service buildings: when not open in a plan, they close."""


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


def _tier_costs(prepared: PreparedScenario, open_tiers: dict[str, str]) -> pd.Series:
    sites = prepared.sites
    default = sites["site_id"].map(open_tiers).map(
        lambda tier: prepared.scenario.tiers[tier].annual_cost if isinstance(tier, str) else np.nan
    )
    return sites["annual_cost"].where(sites["annual_cost"].notna(), default)


def sites_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    """Every site with its tier, status, attendees, capacity and annual cost in the plan."""
    sites = prepared.sites.copy()
    tier = sites["site_id"].map(allocation.open_tiers)
    attendees = allocation.flows.groupby("site_id")["attendees"].sum()
    sites["tier"] = tier.fillna("")
    sites["status"] = site_status(tier.notna().to_numpy(), sites["kind"].to_numpy(), sites["role"].to_numpy())
    sites["attendees"] = sites["site_id"].map(attendees).fillna(0.0)
    sites["annual_cost"] = _tier_costs(prepared, allocation.open_tiers).where(tier.notna())
    capacity = sites["capacity"].where(
        sites["capacity"].notna(),
        tier.map(lambda t: prepared.scenario.tiers[t].capacity if isinstance(t, str) else np.nan),
    )
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
    spokes = [sid for sid, tier in allocation.open_tiers.items() if prepared.scenario.tiers[tier].mode == "cover"]
    if not spokes:
        return pd.Series(dtype=float)
    column_of = {sid: j for j, sid in enumerate(prepared.travel.destination_ids)}
    columns = [column_of[sid] for sid in allocation.open_tiers]
    best = prepared.travel.minutes[:, columns].min(axis=1)
    return pd.Series(best, index=list(prepared.demand.area_ids))
