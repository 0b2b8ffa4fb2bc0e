"""Breakdowns of journeys by tier, segment, rural/urban class and deprivation (issue 13), by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubplan.api import run_scenario
from hubplan.metrics import GroupInputs, compute_metrics
from hubplan.record.groups import split_by_segment
from hubplan.scenario import MetricsConfig

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Two home areas: "a" (rural, IMD decile 2, locality North) and "b" (urban, decile 9, South).
# Segments: old (a: 6, b: 2), ld (a: 2, b: 0), other (a: 2, b: 4).
# Tier hub carries old + other, tier spec carries ld; area a's hub attendees split over two sites.
AREA_IDS = ["a", "b"]
SEGMENTS = ["old", "ld", "other"]
DEMAND = np.array([[6.0, 2.0, 2.0], [2.0, 0.0, 4.0]])
FLOWS = pd.DataFrame({
    "area_id": ["a", "a", "a", "b"],
    "site_id": ["h1", "h2", "s", "h2"],
    "tier": ["hub", "hub", "spec", "hub"],
    "attendees": [4.0, 4.0, 2.0, 6.0],
    "minutes": [10.0, 30.0, 50.0, 20.0],
    "km": [5.0, 20.0, 40.0, 10.0],
})  # fmt: skip
HOME = pd.DataFrame({"area_id": AREA_IDS, "locality": ["North", "South"], "rural_urban": ["Rural", "Urban"],
                     "imd_decile": [2, 9], "minutes_to_spoke": [25.0, 5.0]})
SITES = pd.DataFrame({"site_id": ["h1", "h2", "s"], "kind": ["day_centre", "library", "day_centre"],
                      "locality": ["North", "South", "North"], "status": ["open", "open", "open"],
                      "annual_cost": [np.nan, np.nan, np.nan]})


def _metrics() -> dict:
    split = split_by_segment(FLOWS, AREA_IDS, SEGMENTS, DEMAND, {"hub": ("old", "other"), "spec": ("ld",)})
    inputs = GroupInputs(split, {"old": "Older people", "ld": "Learning disability", "other": "Other"},
                         {"hub": "Hub", "spec": "Specialist", "spoke": "Spoke"},
                         {"hub": "hub", "spec": "specialist", "spoke": "spoke"}, {"spoke": 20.0})
    return compute_metrics(FLOWS, HOME, SITES, localities=["North", "South"], isolation_minutes=45,
                           params=MetricsConfig(), groups=inputs)


def test_segment_split_follows_the_tier_and_the_area_mix() -> None:
    split = split_by_segment(FLOWS, AREA_IDS, SEGMENTS, DEMAND, {"hub": ("old", "other"), "spec": ("ld",)})
    got = {(r.area_id, r.site_id, r.segment): r.attendees for r in split.itertuples()}
    # area a's hub flows (4 + 4) carry old:other = 6:2; b's hub flow carries old:other = 2:4
    assert got == pytest.approx({("a", "h1", "old"): 3.0, ("a", "h1", "other"): 1.0, ("a", "h2", "old"): 3.0,
                                 ("a", "h2", "other"): 1.0, ("a", "s", "ld"): 2.0, ("b", "h2", "old"): 2.0,
                                 ("b", "h2", "other"): 4.0})
    # a tier not listed carries every segment (an evaluation of today's network)
    whole = split_by_segment(FLOWS[FLOWS["area_id"] == "b"], AREA_IDS, SEGMENTS, DEMAND, {})
    assert dict(zip(whole["segment"], whole["attendees"], strict=True)) == {"old": 2.0, "other": 4.0}


def test_breakdowns_match_a_hand_computation() -> None:
    groups = _metrics()["overall"]["groups"]
    hub = groups["tier"]["hub"]
    # hub journeys: 4 x 10, 4 x 30, 6 x 20 -> mean 280 / 14 = 20; p90 = 30; max 30; none isolated
    assert hub["attendees"] == 14 and hub["mean_minutes"] == pytest.approx(20.0)
    assert (hub["p90_minutes"], hub["max_minutes"], hub["isolated"]) == (30.0, 30.0, {"total": 0.0})
    assert hub["share_within"] == pytest.approx({"15": 4 / 14, "30": 1.0, "45": 1.0, "60": 1.0})
    spec = groups["tier"]["spec"]
    assert (spec["attendees"], spec["mean_minutes"], spec["isolated"]["total"]) == (2.0, 50.0, 2.0)
    assert spec["share_within"] == {"15": 0.0, "30": 0.0, "45": 0.0, "60": 1.0}
    # spoke reach: nearest spoke 25 min for a's 10 attendees, 5 min for b's 6; radius 20
    spoke = groups["tier"]["spoke"]
    assert spoke["mean_minutes"] == pytest.approx((10 * 25 + 6 * 5) / 16)
    assert (spoke["beyond_reach"], spoke["within_reach"]) == (10.0, pytest.approx(6 / 16))
    # segment old: a 3 x 10 + 3 x 30, b 2 x 20 -> 160 / 8 = 20; ld all 50 min
    old = groups["segment"]["old"]
    assert old["attendees"] == pytest.approx(8.0) and old["mean_minutes"] == pytest.approx(20.0)
    assert old["max_minutes"] == 30.0 and old["label"] == "Older people"
    assert groups["segment"]["ld"]["isolated"]["total"] == pytest.approx(2.0)
    other = groups["segment"]["other"]  # a 1 x 10 + 1 x 30, b 4 x 20 -> 120 / 6
    assert other["mean_minutes"] == pytest.approx(20.0) and other["share_within"]["15"] == pytest.approx(1 / 6)
    rural, urban = groups["rural_urban"]["Rural"], groups["rural_urban"]["Urban"]
    assert rural["attendees"] == 10 and rural["mean_minutes"] == pytest.approx((40 + 120 + 100) / 10)
    assert rural["isolated"]["total"] == 2.0 and urban["mean_minutes"] == 20.0
    assert groups["deprivation"]["1-2"]["attendees"] == 10 and groups["deprivation"]["9-10"]["attendees"] == 6
    assert groups["deprivation"]["5-6"]["attendees"] == 0 and math.isnan(groups["deprivation"]["5-6"]["mean_minutes"])


def test_locality_breakdowns_cover_only_the_locality() -> None:
    metrics = _metrics()
    north = metrics["localities"]["North"]["groups"]
    assert north["tier"]["hub"]["attendees"] == 8 and north["segment"]["old"]["attendees"] == pytest.approx(6.0)
    assert north["rural_urban"]["Urban"]["attendees"] == 0
    assert metrics["localities"]["South"]["groups"]["segment"]["ld"]["attendees"] == 0


def test_segments_served_by_their_own_tier_match_it(study_path: Path) -> None:
    """In the shipped specialist scenario each specialist tier serves one segment: same journeys."""
    record = run_scenario(SCENARIOS / "specialist.toml", study_path=study_path)
    groups = record.metrics["overall"]["groups"]
    for tier, segment in (("specialist_dementia", "older_dementia"), ("specialist_ld", "ld_complex")):
        assert groups["tier"][tier]["attendees"] == pytest.approx(groups["segment"][segment]["attendees"])
        assert groups["tier"][tier]["mean_minutes"] == pytest.approx(groups["segment"][segment]["mean_minutes"])
    total = sum(block["attendees"] for block in groups["segment"].values())
    assert total == pytest.approx(record.metrics["overall"]["attendees"])
    assert sum(b["isolated"]["total"] for b in groups["rural_urban"].values()) == pytest.approx(
        record.metrics["overall"]["isolated"]["total"])
