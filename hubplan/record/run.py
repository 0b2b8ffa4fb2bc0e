"""The record of one run: what the pipeline hands to the output writers.

The pipeline (``hubplan.pipeline``) fills a :class:`RunRecord`; the writers in
``hubplan.outputs`` only read it. Geometries are WGS84 (EPSG:4326).

Columns
-------
localities
    ``locality`` (name), ``code``, ``attendees``, ``geometry`` (polygons).
home_areas
    ``area_id``, ``name``, ``locality``, ``attendees`` (estimated, float),
    ``minutes_to_site`` (mean over the area's attendees, every tier),
    ``minutes_to_hub`` (longest journey to a hub), ``minutes_to_specialist`` and
    ``minutes_to_specialist_mean`` (longest and mean journey to specialist
    provision, over every specialist tier; NaN without specialist attendees),
    ``minutes_longest`` (longest journey of any attendee, any tier),
    ``minutes_to_spoke`` (nearest open spoke or hub, NaN when no spokes),
    ``assigned_site_id`` (the site taking most of the area's attendees),
    ``isolated`` (bool: ANY attendee of the area, in any tier, travels beyond the
    isolation threshold), ``isolated_attendees`` (how many do; a count of people),
    ``rural_urban`` ("Rural"/"Urban"), ``barriers_decile`` (IoD 2025
    Geographical Barriers decile), ``imd_decile`` (IMD 2025 decile, 1 = most
    deprived), ``geometry`` (polygons).
sites
    ``site_id``, ``name``, ``kind``, ``operator``, ``locality``, ``role``
    (required/candidate/closed), ``tier`` (the scenario's tier name, or empty),
    ``tier_kind`` (hub/specialist/spoke or empty, see
    :class:`hubplan.record.layers.TierKind`), ``tier_label`` (the tier name in words),
    ``status`` (open; closed: an existing day centre the plan does not keep;
    not_selected: a candidate venue not used; excluded: left out by the scenario),
    ``attendees`` (assigned),
    ``capacity``, ``capacity_used`` (share, NaN without capacity),
    ``annual_cost``, ``position_precision``, ``source``, ``geometry`` (points).
allocations
    ``area_id``, ``site_id``, ``tier``, ``attendees``, ``minutes``, ``km``
    (a plain DataFrame; the writers draw lines from area points to sites).
area_points
    ``area_id``, ``geometry``: the representative (population) point of each
    home area, where journeys start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from hubplan.metrics import GroupInputs
from hubplan.record.manifest import Manifest

if TYPE_CHECKING:  # routing (OR-Tools) is loaded only when a run routes
    from hubplan.transport import TransportPlan

__all__ = ["RunRecord"]


@dataclass(frozen=True)
class RunRecord:
    """Everything one run produced, ready to be written.

    Parameters
    ----------
    name
        The scenario's name, used for the output folder.
    title
        A human title for maps and reports.
    localities, home_areas, sites, area_points
        GeoDataFrames in EPSG:4326 with the columns listed in the module docstring.
    allocations
        Attendees sent from each home area to each site.
    metrics
        JSON-ready figures: ``{"overall": {...}, "localities": {name: {...}}}``.
    manifest
        Provenance: versions, scenario hash, data sources, travel model and its
        error, solver status, objective, bound, gap, timings.
    attributions
        Licence attribution lines that every output must carry.
    suppress_below
        Counts below this are suppressed in public outputs (``None``: no suppression,
        e.g. when demand is a modelled estimate rather than client records).
    groups
        The flows split by demand segment and the tiers' labels and reach, behind the
        metrics' breakdowns (``None``: the metrics have none).
    transport
        The routed transport plan (``None`` without ``[transport]``). Its passengers carry
        postcodes: writers of public outputs show only home areas.
    """

    name: str
    title: str
    localities: gpd.GeoDataFrame
    home_areas: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    area_points: gpd.GeoDataFrame
    allocations: pd.DataFrame
    metrics: Mapping[str, Any]
    manifest: Manifest
    attributions: tuple[str, ...] = field(default_factory=tuple)
    suppress_below: int | None = None
    groups: GroupInputs | None = None
    transport: TransportPlan | None = None
