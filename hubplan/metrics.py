"""Journey, isolation, building-cost and carbon figures, overall and per locality, and who they fall on.

Metrics are computed from allocations (attendees sent from a home area to a
site, with the journey's minutes and road km), so they apply equally to
today's network (``hubplan evaluate``) and to an optimised plan (``hubplan run``).

Each block (``overall`` and every locality) can also break its journeys down by
the groups an Equality Impact Assessment asks about (:func:`group_figures`): the
tier of provision, the demand segment, the rural/urban class and the deprivation
(IMD 2025 decile) of the home area.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hubplan.scenario import MetricsConfig
from hubplan.scenario.kinds import TierKind

__all__ = [
    "DEPRIVATION_GROUPS",
    "GROUP_KINDS",
    "SHARE_THRESHOLDS",
    "GroupInputs",
    "compute_metrics",
    "group_figures",
    "weighted_quantile",
]

SHARE_THRESHOLDS: tuple[int, ...] = (15, 30, 45, 60)
"""Journey limits (minutes) for the 'share within' figures."""

DEPRIVATION_GROUPS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("1-2", "Deciles 1-2 (most deprived 20%)", (1, 2)),
    ("3-4", "Deciles 3-4", (3, 4)),
    ("5-6", "Deciles 5-6", (5, 6)),
    ("7-8", "Deciles 7-8", (7, 8)),
    ("9-10", "Deciles 9-10 (least deprived 20%)", (9, 10)),
)
"""``(key, label, deciles)``: home areas grouped by their English Indices of Deprivation 2025
decile (1 = most deprived 10% of areas in England), two deciles to a group."""

GROUP_KINDS: tuple[str, ...] = ("tier", "segment", "rural_urban", "deprivation")
"""The breakdowns of a metrics block's ``groups``, in reporting order."""

RURAL_URBAN_LABELS: Mapping[str, str] = {"Rural": "Rural home areas", "Urban": "Urban home areas"}
"""Labels of the ONS 2021 rural/urban classes of home areas."""

SPOKE = TierKind.SPOKE.value
"""The kind of a cover tier, as the groups' ``kind`` names it."""


@dataclass(frozen=True)
class GroupInputs:
    """What the breakdowns need beyond the flows.

    Parameters
    ----------
    segment_flows
        The flows split by demand segment: ``area_id``, ``site_id``, ``tier``,
        ``segment``, ``attendees``, ``minutes`` (see
        :func:`hubplan.record.groups.split_by_segment`).
    segment_labels
        ``{segment name: label}``, in the scenario's order.
    tier_labels
        ``{tier name: label}``, in reporting order (hub, specialists, spokes).
    tier_kinds
        ``{tier name: "hub" | "specialist" | "spoke"}``.
    reach_minutes
        ``{cover tier: radius_minutes}``: how near home a spoke brings activity.
    """

    segment_flows: pd.DataFrame
    segment_labels: Mapping[str, str] = field(default_factory=dict)
    tier_labels: Mapping[str, str] = field(default_factory=dict)
    tier_kinds: Mapping[str, str] = field(default_factory=dict)
    reach_minutes: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Columns:
    """Flows as named numpy columns, so that selecting a group is a boolean mask, not pandas indexing.

    A metrics run selects hundreds of groups (localities x tiers, segments, classes,
    deciles); on numpy arrays each selection keeps the rows' order, so every sum is the
    same as over the frame's rows.
    """

    arrays: Mapping[str, np.ndarray]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Columns:
        """The frame's columns as arrays."""
        return cls({str(name): frame[name].to_numpy() for name in frame.columns})

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __contains__(self, name: object) -> bool:
        return name in self.arrays

    def select(self, mask: npt.NDArray[np.bool_]) -> _Columns:
        """The rows where ``mask`` holds, in order."""
        return _Columns({name: values[mask] for name, values in self.arrays.items()})


def weighted_quantile(
    values: npt.ArrayLike, weights: npt.ArrayLike, quantile: float
) -> float:
    """Return the smallest value whose cumulative weight share reaches ``quantile``.

    Parameters
    ----------
    values, weights
        Journey minutes and the attendees making them.
    quantile
        In ``[0, 1]``.

    Returns
    -------
    float
        NaN when the weights sum to zero.

    Examples
    --------
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.5)
    20.0
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.9)
    30.0
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / total
    index = int(np.searchsorted(cumulative, quantile - 1e-12, side="left"))
    return float(values[order][min(index, len(values) - 1)])


def _minutes_figures(minutes: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Attendees, mean, median, 90th percentile and longest journey and shares within each limit."""
    total = float(weights.sum())
    travelling = weights > 0
    with np.errstate(invalid="ignore"):
        mean = float((weights * minutes).sum() / total) if total > 0 else float("nan")
    return {
        "attendees": total,
        "mean_minutes": mean,
        "median_minutes": weighted_quantile(minutes, weights, 0.5),
        "p90_minutes": weighted_quantile(minutes, weights, 0.9),
        "max_minutes": float(minutes[travelling].max()) if travelling.any() else float("nan"),
        "share_within": {
            str(limit): (float(weights[minutes <= limit].sum() / total) if total > 0 else float("nan"))
            for limit in SHARE_THRESHOLDS
        },
    }


def _journey_figures(
    rows: _Columns, isolation_minutes: float, params: MetricsConfig
) -> dict[str, Any]:
    weights = rows["attendees"].astype(float)
    minutes = rows["minutes"].astype(float)
    km = rows["km"].astype(float)
    isolated = minutes > isolation_minutes
    rural = rows["rural_urban"] == "Rural"
    legs = 2.0 if params.return_journeys else 1.0
    annual_km = float((weights * km).sum() * legs * params.trips_per_week * params.weeks_per_year)
    return _minutes_figures(minutes, weights) | {
        "isolation_minutes": isolation_minutes,
        "isolated": {
            "rural": float(weights[isolated & rural].sum()),
            "urban": float(weights[isolated & ~rural].sum()),
            "total": float(weights[isolated].sum()),
        },
        "annual_travel_km": annual_km,
        "annual_co2e_tonnes": annual_km * params.co2e_kg_per_km / 1000.0,
    }


def _group_block(rows: _Columns, minutes_column: str, isolation_minutes: float, label: str) -> dict[str, Any]:
    """Journey figures of one group: who travels how long, and how many beyond the isolation limit."""
    weights = rows["attendees"].astype(float)
    minutes = rows[minutes_column].astype(float)
    isolated = float(weights[minutes > isolation_minutes].sum())
    return {"label": label, **_minutes_figures(minutes, weights), "isolated": {"total": isolated}}


def _reach_block(rows: _Columns, radius: float, label: str) -> dict[str, Any]:
    """Spoke reach: journeys to the nearest open spoke or hub, and who has none within ``radius``."""
    weights = rows["attendees"].astype(float)
    minutes = rows["minutes_to_spoke"].astype(float)
    total = float(weights.sum())
    within = float(weights[minutes <= radius].sum())
    return {
        "label": label, "kind": SPOKE, **_minutes_figures(minutes, weights), "reach_minutes": float(radius),
        "within_reach": within / total if total > 0 else float("nan"), "beyond_reach": total - within,
    }


def _tier_groups(rows: _Columns, inputs: GroupInputs, isolation_minutes: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tier, label in inputs.tier_labels.items():
        if inputs.tier_kinds.get(tier) == SPOKE:
            if tier in inputs.reach_minutes and "minutes_to_spoke" in rows:
                out[tier] = _reach_block(rows, inputs.reach_minutes[tier], label)
            continue
        block = _group_block(rows.select(rows["tier"] == tier), "minutes", isolation_minutes, label)
        out[tier] = block | {"kind": inputs.tier_kinds.get(tier, "")}
    return out


def group_figures(
    rows: pd.DataFrame, segment_rows: pd.DataFrame, inputs: GroupInputs, isolation_minutes: float
) -> dict[str, dict[str, Any]]:
    """Break the journeys of one block down by tier, segment, rural/urban class and deprivation.

    Parameters
    ----------
    rows
        The block's flows with their home area's ``rural_urban``, ``imd_decile`` (if the
        study has it) and ``minutes_to_spoke`` (if spokes are open).
    segment_rows
        The block's flows split by segment (:attr:`GroupInputs.segment_flows`).
    inputs
        Labels, kinds and reach of the run's tiers and segments.
    isolation_minutes
        Journeys longer than this count as isolated.

    Returns
    -------
    dict
        ``{"tier": {...}, "segment": {...}, "rural_urban": {...}, "deprivation": {...}}``:
        one block per group with ``label``, ``attendees``, mean, median, 90th-percentile
        and longest journey minutes, ``share_within`` and ``isolated.total``. A spoke
        tier's block describes the journey to the nearest open spoke or hub instead,
        with ``reach_minutes``, ``within_reach`` (share) and ``beyond_reach`` (count).
        Deprivation groups appear only when the home areas carry an IMD decile.

    Examples
    --------
    >>> flows = pd.DataFrame({"area_id": ["a", "b"], "tier": ["hub", "hub"], "attendees": [3.0, 1.0],
    ...                       "minutes": [10.0, 50.0], "rural_urban": ["Urban", "Rural"]})
    >>> split = flows.assign(segment=["older", "older"])
    >>> groups = group_figures(flows, split, GroupInputs(split, {"older": "Older"}, {"hub": "Hub"},
    ...                                                  {"hub": "hub"}), 45)
    >>> groups["tier"]["hub"]["mean_minutes"], groups["rural_urban"]["Rural"]["isolated"]
    (20.0, {'total': 1.0})
    """
    return _group_figures(_Columns.of(rows), _Columns.of(segment_rows), inputs, isolation_minutes)


def _group_figures(
    rows: _Columns, segment_rows: _Columns, inputs: GroupInputs, isolation_minutes: float
) -> dict[str, dict[str, Any]]:
    """:func:`group_figures` on columns."""
    def by(frame: _Columns, column: str, key: object, label: str) -> dict[str, Any]:
        return _group_block(frame.select(frame[column] == key), "minutes", isolation_minutes, label)

    groups: dict[str, dict[str, Any]] = {
        "tier": _tier_groups(rows, inputs, isolation_minutes),
        "segment": {name: by(segment_rows, "segment", name, label or name)
                    for name, label in inputs.segment_labels.items()},
        "rural_urban": {key: by(rows, "rural_urban", key, label) for key, label in RURAL_URBAN_LABELS.items()},
    }
    if "imd_decile" in rows:
        groups["deprivation"] = {
            key: _group_block(rows.select(np.isin(rows["imd_decile"], deciles)), "minutes", isolation_minutes, label)
            for key, label, deciles in DEPRIVATION_GROUPS
        }
    return groups


def _site_figures(sites: pd.DataFrame) -> dict[str, Any]:
    is_open = sites["status"] == "open"
    existing = sites["kind"] == "day_centre"
    return {
        "sites_open": int(is_open.sum()),
        "sites_closed": int((existing & ~is_open).sum()),
        "buildings_kept": int((existing & is_open).sum()),
        "annual_building_cost": float(sites.loc[is_open, "annual_cost"].sum(min_count=1)),
    }


_AREA_COLUMNS = ("area_id", "locality", "rural_urban", "imd_decile", "minutes_to_spoke")
"""Home-area columns a flow takes on, when the home areas have them."""


def compute_metrics(
    allocations: pd.DataFrame,
    home_areas: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    localities: Sequence[str],
    isolation_minutes: float,
    params: MetricsConfig,
    groups: GroupInputs | None = None,
) -> dict[str, Any]:
    """Compute the run's figures overall and per locality.

    Parameters
    ----------
    allocations
        ``area_id``, ``site_id``, ``tier``, ``attendees``, ``minutes``, ``km``: one row
        per home area and site (and tier) that attendees travel between.
    home_areas
        ``area_id``, ``locality``, ``rural_urban``; for the breakdowns also
        ``imd_decile`` and ``minutes_to_spoke`` when the run has them.
    sites
        ``site_id``, ``kind``, ``locality``, ``status`` (open/closed/not_selected),
        ``annual_cost`` (NaN = not known; the total is NaN when no open site has a cost).
    localities
        Locality names, in reporting order.
    isolation_minutes
        Journeys longer than this count as isolated.
    params
        Travel-frequency and carbon assumptions.
    groups
        Labels and segment split for the breakdowns; ``None``: no ``groups`` in the blocks.

    Returns
    -------
    dict
        ``{"overall": {...}, "localities": {name: {...}}, "parameters": {...}}``, JSON-ready;
        with ``groups``, every block has a ``groups`` entry (:func:`group_figures`).
    """
    columns = [c for c in _AREA_COLUMNS if c in home_areas.columns]
    rows = allocations.merge(home_areas[columns], on="area_id", how="left", validate="many_to_one")
    segment_rows = pd.DataFrame()
    if groups is not None:
        segment_rows = groups.segment_flows.merge(home_areas[["area_id", "locality"]], on="area_id", how="left",
                                                  validate="many_to_one")

    flows, segment_flows = _Columns.of(rows), _Columns.of(segment_rows)

    def block(selected: npt.NDArray[np.bool_], segment_selected: npt.NDArray[np.bool_] | None,
              site_rows: pd.DataFrame) -> dict[str, Any]:
        part = flows.select(selected)
        figures = _journey_figures(part, isolation_minutes, params) | _site_figures(site_rows)
        if groups is not None and segment_selected is not None:
            figures["groups"] = _group_figures(part, segment_flows.select(segment_selected), groups,
                                               isolation_minutes)
        return figures

    everyone = np.ones(len(rows), dtype=bool)
    overall = block(everyone, np.ones(len(segment_rows), dtype=bool) if groups is not None else None, sites)
    per_locality: dict[str, Mapping[str, Any]] = {}
    for name in localities:
        in_segment = segment_flows["locality"] == name if groups is not None else None
        per_locality[name] = block(flows["locality"] == name, in_segment, sites[sites["locality"] == name])
    return {
        "overall": overall,
        "localities": per_locality,
        "parameters": {
            "trips_per_week": params.trips_per_week,
            "weeks_per_year": params.weeks_per_year,
            "return_journeys": params.return_journeys,
            "co2e_kg_per_km": params.co2e_kg_per_km,
            "co2e_source": params.co2e_source,
            "share_thresholds_minutes": list(SHARE_THRESHOLDS),
        },
    }
