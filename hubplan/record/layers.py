"""The run's layers as rows: sites with their status, home areas with their journeys."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from hubplan.data.schema import WGS84
from hubplan.plan import Allocation, PreparedScenario
from hubplan.scenario import EXISTING_BUILDING_KINDS
from hubplan.scenario.kinds import TierKind, tier_kind

__all__ = [
    "EXISTING_BUILDING_KINDS", "TIER_JOINER", "TierKind", "area_journeys", "flows_with_kinds", "home_areas_layer",
    "metric_areas", "scenario_tier_labels", "site_status", "sites_layer", "tier_kind", "tier_label",
]

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


def tier_label(name: str, served: tuple[str, ...] = ()) -> str:
    """Name a tier for the public: tiers carry no label, so their name in words.

    A specialist tier whose segments all have labels is named after them instead.

    Parameters
    ----------
    name
        The scenario's tier name (``specialist_dementia``).
    served
        Labels of the segments a specialist tier serves (empty: use the name).

    Examples
    --------
    >>> tier_label("specialist_dementia"), tier_label("hub"), tier_label("")
    ('Specialist dementia', 'Hub', '')
    >>> tier_label("specialist_ld", ("Working age, complex needs",))
    'Specialist: Working age, complex needs'
    """
    if served and all(served):
        return "Specialist: " + "; ".join(served)
    words = " ".join(name.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def scenario_tier_labels(prepared: PreparedScenario) -> dict[str, str]:
    """``{tier name: public label}`` of every tier of the scenario."""
    scenario = prepared.scenario
    labels = {segment.name: segment.label for segment in scenario.demand.segment_list()}
    out = {}
    for name, config in scenario.tiers.items():
        specialist = tier_kind(config) is TierKind.SPECIALIST
        served = tuple(labels.get(s, "") for s in config.segments or ()) if specialist else ()
        out[name] = tier_label(name, served)
    return out


def _tier_defaults(prepared: PreparedScenario, hosted: pd.Series, key: str) -> pd.Series:
    """The sum of the hosted tiers' default ``key`` (``annual_cost`` or ``capacity``); NaN if one has none."""
    tiers = prepared.scenario.tiers

    def total(names: object) -> float:
        if not isinstance(names, tuple):
            return np.nan
        values = [getattr(tiers[name], key) for name in names]
        return np.nan if any(v is None for v in values) else float(sum(values))

    return hosted.map(total)


def _site_kind(names: tuple[str, ...], kinds: Mapping[str, str]) -> str:
    """The kind a site shows on maps: its most prominent tier's (hub, then specialist, then spoke)."""
    hosted = {kinds[name] for name in names}
    return next((kind.value for kind in TierKind if kind.value in hosted), "")


def sites_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    """Every site with its tiers, status, attendees, capacity and annual cost in the plan.

    A site hosting several tiers has them joined with :data:`TIER_JOINER` (and their
    public labels likewise); its ``tier_kind`` is the most prominent of them. Its own
    ``annual_cost`` (its building's) counts once, else its tiers' costs add up; its
    capacity is the sum of its tiers' places (NaN where a tier is unlimited).
    """
    sites = prepared.sites.copy()
    hosted = sites["site_id"].map(allocation.open_tiers)
    is_open = hosted.notna()
    attendees = allocation.flows.groupby("site_id")["attendees"].sum()
    kinds = _tier_kinds(prepared)
    labels = scenario_tier_labels(prepared)
    sites["tier"] = hosted.map(lambda names: TIER_JOINER.join(names) if isinstance(names, tuple) else "")
    sites["tier_kind"] = hosted.map(lambda names: _site_kind(names, kinds) if isinstance(names, tuple) else "")
    sites["tier_label"] = hosted.map(
        lambda names: TIER_JOINER.join(labels[n] for n in names) if isinstance(names, tuple) else "")
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
    keep = ["site_id", "name", "kind", "operator", "locality", "role", "tier", "tier_kind", "tier_label", "status",
            "attendees", "capacity", "capacity_used", "annual_cost", "position_precision", "source", "lon", "lat",
            "geometry"]
    return sites[keep]


def _tier_kinds(prepared: PreparedScenario) -> dict[str, str]:
    """``{tier name: TierKind value}`` of every tier of the scenario."""
    return {name: tier_kind(config).value for name, config in prepared.scenario.tiers.items()}


def flows_with_kinds(prepared: PreparedScenario, flows: pd.DataFrame) -> pd.DataFrame:
    """The plan's flows with the ``tier_kind`` (hub, specialist, spoke) of each flow's tier."""
    return flows.assign(tier_kind=flows["tier"].map(_tier_kinds(prepared)).fillna(""))


AREA_JOURNEY_COLUMNS = (
    "minutes_to_site", "minutes_to_hub", "minutes_to_specialist", "minutes_to_specialist_mean",
    "minutes_longest", "isolated", "isolated_attendees", "assigned_site_id",
)
"""Columns of :func:`area_journeys`, one row per home area."""


def area_journeys(flows: pd.DataFrame, isolation_minutes: float) -> pd.DataFrame:
    """Summarise the journeys of each home area's attendees, per kind of tier.

    Parameters
    ----------
    flows
        ``area_id``, ``site_id``, ``tier_kind``, ``attendees``, ``minutes``: the plan's
        flows (:func:`flows_with_kinds`; or the privacy rule's cells standing for them).
    isolation_minutes
        Journeys longer than this isolate.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_id`` (areas with attendees travelling), columns
        :data:`AREA_JOURNEY_COLUMNS`: mean minutes over all attendees
        (``minutes_to_site``), the longest hub journey, the longest and the mean
        specialist journey, the longest journey of any tier, ``isolated`` (any
        attendee beyond ``isolation_minutes``), how many attendees that is, and the
        site taking most attendees (ties: the first site id).

    Examples
    --------
    >>> flows = pd.DataFrame({"area_id": ["a", "a", "b"], "site_id": ["h", "s", "h"],
    ...                       "tier_kind": ["hub", "specialist", "hub"],
    ...                       "attendees": [9.0, 1.0, 4.0], "minutes": [20.0, 60.0, 10.0]})
    >>> out = area_journeys(flows, 45)
    >>> out.loc["a", ["minutes_to_site", "minutes_to_hub", "minutes_to_specialist", "isolated_attendees"]].tolist()
    [24.0, 20.0, 60.0, 1.0]
    >>> out["isolated"].tolist(), bool(pd.isna(out.loc["b", "minutes_to_specialist"]))
    ([True, False], True)
    """
    used = flows[flows["attendees"] > 0]
    kind = used["tier_kind"]
    used = used.assign(weighted=used["attendees"] * used["minutes"],
                       far=used["attendees"].where(used["minutes"] > isolation_minutes, 0.0))
    by_area = used.groupby("area_id")
    hub = used[kind == TierKind.HUB.value].groupby("area_id")
    specialist = used[kind == TierKind.SPECIALIST.value].groupby("area_id")
    main = used.sort_values(["area_id", "attendees", "site_id"], ascending=[True, False, True],
                            kind="stable").drop_duplicates("area_id").set_index("area_id")["site_id"]
    out = pd.DataFrame({
        "minutes_to_site": by_area["weighted"].sum() / by_area["attendees"].sum(),
        "minutes_to_hub": hub["minutes"].max(),
        "minutes_to_specialist": specialist["minutes"].max(),
        "minutes_to_specialist_mean": specialist["weighted"].sum() / specialist["attendees"].sum(),
        "minutes_longest": by_area["minutes"].max(),
        "isolated_attendees": by_area["far"].sum(),
        "assigned_site_id": main,
    })  # fmt: skip
    out["isolated"] = out["isolated_attendees"] > 0
    out.index.name = "area_id"
    return out[list(AREA_JOURNEY_COLUMNS)]


def home_areas_layer(prepared: PreparedScenario, allocation: Allocation) -> gpd.GeoDataFrame:
    """Every home area with its attendees, journeys per kind of tier, nearest spoke and isolation."""
    areas = prepared.study.home_areas
    flows = flows_with_kinds(prepared, allocation.flows)
    journeys = area_journeys(flows, prepared.scenario.objective.isolation_minutes)
    kinds = _tier_kinds(prepared)
    site_kinds = {sid: {kinds[name] for name in names} for sid, names in allocation.open_tiers.items()}
    ids = areas["area_id"]
    layer = gpd.GeoDataFrame({
        "area_id": ids,
        "name": areas["name"],
        "locality": areas["locality"],
        "attendees": prepared.demand.per_area(),
        "minutes_to_hub": ids.map(journeys["minutes_to_hub"]).astype(float),
        "minutes_to_site": ids.map(journeys["minutes_to_site"]).astype(float),
        "minutes_to_specialist": ids.map(journeys["minutes_to_specialist"]).astype(float),
        "minutes_to_specialist_mean": ids.map(journeys["minutes_to_specialist_mean"]).astype(float),
        "minutes_longest": ids.map(journeys["minutes_longest"]).astype(float),
        "minutes_to_spoke": ids.map(_spoke_minutes(prepared, site_kinds)).astype(float),
        "assigned_site_id": ids.map(journeys["assigned_site_id"]).fillna(""),
        "isolated": ids.map(journeys["isolated"]).fillna(False).astype(bool),
        "isolated_attendees": ids.map(journeys["isolated_attendees"]).fillna(0.0).astype(float),
        "rural_urban": areas["rural_urban"],
        "barriers_decile": areas["barriers_decile"].astype(int),
        "imd_decile": areas["imd25_decile"].astype(int),
    }, geometry=areas.geometry.values, crs=WGS84)  # fmt: skip
    return layer


def metric_areas(prepared: PreparedScenario, allocation: Allocation) -> pd.DataFrame:
    """The home-area columns the metrics read (:func:`hubplan.metrics.compute_metrics`), without the layer's journeys.

    ``area_id``, ``locality``, ``rural_urban``, ``imd_decile`` and ``minutes_to_spoke``,
    valued as in :func:`home_areas_layer`: the light path for scoring many plans.
    """
    areas = prepared.study.home_areas
    kinds = _tier_kinds(prepared)
    site_kinds = {sid: {kinds[name] for name in names} for sid, names in allocation.open_tiers.items()}
    ids = areas["area_id"]
    return pd.DataFrame({
        "area_id": ids,
        "locality": areas["locality"],
        "rural_urban": areas["rural_urban"],
        "imd_decile": areas["imd25_decile"].astype(int),
        "minutes_to_spoke": ids.map(_spoke_minutes(prepared, site_kinds)).astype(float),
    })


def _spoke_minutes(prepared: PreparedScenario, site_kinds: Mapping[str, set[str]]) -> pd.Series:
    """Minutes from each home area to its nearest open spoke or hub (empty when no spoke is open)."""
    if not any(TierKind.SPOKE.value in kinds for kinds in site_kinds.values()):
        return pd.Series(dtype=float)
    column_of = {sid: j for j, sid in enumerate(prepared.travel.destination_ids)}
    near = {TierKind.SPOKE.value, TierKind.HUB.value}
    columns = [column_of[sid] for sid, kinds in site_kinds.items() if kinds & near]
    best = prepared.travel.minutes[:, columns].min(axis=1)
    return pd.Series(best, index=list(prepared.demand.area_ids))
