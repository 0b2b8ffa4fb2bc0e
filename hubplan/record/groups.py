"""The run's breakdowns by group: the flows split by demand segment, and the tiers' labels and reach.

The optimiser assigns each tier's attendees as one quantity per home area; which
segments a flow carries follows from the tier (:attr:`hubplan.plan.Allocation.segments_by_tier`).
A flow is split over those segments in proportion to the home area's attendees of each:
the model does not tell apart attendees of one tier, so this is the split it implies
(exact whenever a home area's attendees of a tier all go to one site).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hubplan.metrics import GroupInputs
from hubplan.plan import Allocation, PreparedScenario
from hubplan.record.layers import TierKind, scenario_tier_labels, tier_kind

__all__ = ["group_inputs", "split_by_segment"]

SEGMENT_FLOW_COLUMNS = ("area_id", "site_id", "tier", "segment", "attendees", "minutes", "km")
"""Columns of :func:`split_by_segment`."""


def split_by_segment(
    flows: pd.DataFrame,
    area_ids: Sequence[str],
    segments: Sequence[str],
    attendees: np.ndarray,
    segments_by_tier: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Split each flow over the demand segments it carries.

    Parameters
    ----------
    flows
        ``area_id``, ``site_id``, ``tier``, ``attendees``, ``minutes``, ``km``.
    area_ids, segments, attendees
        The demand: ``attendees[i, s]`` people of segment ``segments[s]`` live in ``area_ids[i]``.
    segments_by_tier
        The segments the flows of each tier carry; a tier not listed (or listed with none)
        carries every segment of its home area.

    Returns
    -------
    pandas.DataFrame
        One row per flow and carried segment with attendees (:data:`SEGMENT_FLOW_COLUMNS`);
        rows of nobody are dropped.

    Examples
    --------
    >>> flows = pd.DataFrame({"area_id": ["a", "a"], "site_id": ["h", "s"], "tier": ["hub", "spec"],
    ...                       "attendees": [8.0, 2.0], "minutes": [10.0, 40.0], "km": [5.0, 30.0]})
    >>> demand = np.array([[6.0, 2.0, 2.0]])
    >>> out = split_by_segment(flows, ["a"], ["old", "other", "ld"], demand, {"hub": ["old", "other"], "spec": ["ld"]})
    >>> out[["site_id", "segment", "attendees"]].values.tolist()
    [['h', 'old', 6.0], ['h', 'other', 2.0], ['s', 'ld', 2.0]]
    """
    matrix = np.asarray(attendees, dtype=float).reshape(len(area_ids), len(segments))
    parts = []
    for tier in pd.unique(flows["tier"]):
        carried = [s for s in segments_by_tier.get(tier, ()) if s in segments] or list(segments)
        sub = matrix[:, [list(segments).index(s) for s in carried]]
        total = sub.sum(axis=1, keepdims=True)
        share = np.divide(sub, total, out=np.zeros_like(sub), where=total > 0)
        parts.append(pd.DataFrame({
            "area_id": np.repeat(np.asarray(area_ids, dtype=object), len(carried)),
            "tier": tier,
            "segment": np.tile(np.asarray(carried, dtype=object), len(area_ids)),
            "share": share.ravel(),
        }))  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=list(SEGMENT_FLOW_COLUMNS))
    shares = pd.concat(parts, ignore_index=True)
    out = flows.merge(shares, on=["area_id", "tier"], how="inner", validate="many_to_many")
    out["attendees"] = out["attendees"] * out["share"]
    out = out[out["attendees"] > 0]
    return out[list(SEGMENT_FLOW_COLUMNS)].reset_index(drop=True)


_KIND_ORDER = {TierKind.HUB.value: 0, TierKind.SPECIALIST.value: 1, TierKind.SPOKE.value: 2}


def group_inputs(prepared: PreparedScenario, allocation: Allocation) -> GroupInputs:
    """The segment split, labels, kinds and reach of a plan, for :func:`hubplan.metrics.compute_metrics`."""
    scenario = prepared.scenario
    demand = prepared.demand
    kinds = {name: tier_kind(config).value for name, config in scenario.tiers.items()}
    order = sorted(scenario.tiers, key=lambda name: _KIND_ORDER[kinds[name]])
    labels = scenario_tier_labels(prepared)
    segment_labels = {s.name: s.label or s.name for s in scenario.demand.segment_list() if s.name in demand.segments}
    return GroupInputs(
        segment_flows=split_by_segment(allocation.flows, demand.area_ids, demand.segments, demand.attendees,
                                       allocation.segments_by_tier),
        segment_labels=segment_labels,
        tier_labels={name: labels[name] for name in order},
        tier_kinds=kinds,
        reach_minutes={name: float(config.radius_minutes) for name, config in scenario.tiers.items()
                       if config.mode == "cover" and config.radius_minutes is not None},
    )
