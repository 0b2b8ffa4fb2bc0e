"""The transport plan on the real study area: the council's proposal and the best plan, routed end to end."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hubplan.api import run_scenario
from hubplan.errors import InputError
from hubplan.pipeline import prepare
from hubplan.scenario import Scenario, load_scenario
from hubplan.scenario.transport import DRIVING_GBP_PER_HOUR
from hubplan.transport import Session
from hubplan.transport.instances import ride_limits
from hubplan.transport.passengers import typical_day

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\b")
LOCALITIES = {"East Dorset", "North Dorset", "Purbeck", "West Dorset", "Weymouth and Portland"}

#: Search steps per round in these tests (the shipped budget is larger; quality is not under test). The
#: routed proposal and best plan come from the session's ``shipped`` fixture instead (routed with
#: tests/conftest.py's ROUTING_TEST_STEPS, once for every test that reads them).
TEST_STEPS = 300


def _quick(name: str, **transport: object) -> Scenario:
    """A shipped scenario with its [transport] table given a small work budget (and any other changes)."""
    loaded = load_scenario(SCENARIOS / name)
    assert loaded.transport is not None
    settings = loaded.transport.model_copy(update={"search_steps": TEST_STEPS, **transport})
    return loaded.model_copy(update={"transport": settings})


@pytest.fixture(scope="module")
def proposal(shipped):
    """The proposal routed for the suite's routing time (shared with the output tests, read-only)."""
    return shipped.record("council-proposal-2026", "routed")


@pytest.fixture(scope="module")
def best(shipped):
    return shipped.record("council-proposal-2026-best", "routed")


def test_the_typical_day_follows_the_named_shares_and_is_reproducible(study_path: Path) -> None:
    scenario = _quick("council-proposal-2026.toml")
    prepared = prepare(scenario, study_path=study_path)
    from hubplan.optimise import optimise

    allocation, _ = optimise(prepared, fixed=True)
    day = typical_day(prepared, allocation, scenario.transport)
    assert day == typical_day(prepared, allocation, scenario.transport)  # same seed, same people
    config = scenario.transport
    share = config.council_transport_share * scenario.metrics.trips_per_week / config.service_days_per_week
    # 521 attendees x 0.6 x 2/5 = 125, give or take a person per site from rounding
    assert abs(len(day) - 521 * share) <= len({p.site_id for p in day})
    wheelchair = sum(p.wheelchair for p in day)
    assert abs(wheelchair - len(day) * config.wheelchair_share) <= len({p.site_id for p in day})
    open_sites = set(allocation.open_tiers)
    assert {p.site_id for p in day} <= open_sites
    codes = set(prepared.study.postcodes["postcode"])
    assert all(p.postcode in codes for p in day)
    other = typical_day(prepared, allocation, config.model_copy(update={"seed": 1}))
    assert [p.postcode for p in other] != [p.postcode for p in day]


def test_every_passenger_rides_within_the_rules_to_their_plan_site(proposal) -> None:
    plan = proposal.transport
    config = plan.config
    for session in plan.sessions:
        people = {p.number for p in plan.passengers if p.site_id == session.site_id}
        by_taxi = {t.passenger for t in plan.taxi_trips
                   if t.site_id == session.site_id and t.session is session.session}
        assert set(session.ride_minutes) == people - by_taxi
        for number, ride in session.ride_minutes.items():
            direct = session.direct_minutes[number]
            limit = ride_limits(np.array([direct]), config)[0]
            assert direct - 1e-6 <= ride <= limit + 1e-6 <= config.max_ride_minutes + 2e-6
            assert ride <= direct + config.max_ride_margin_minutes + 1e-6  # a 5-minute trip never rides 51
        for one in session.rounds:
            assert one.hours * 60 <= config.max_route_minutes + 1e-6
            at_site = [stop.minute for stop in one.stops if stop.at_site]
            low, high = ((config.arrive_from, config.arrive_by) if session.session is Session.MORNING
                         else (config.leave_from, config.leave_by))
            assert all(low - 1e-6 <= minute <= high + 1e-6 for minute in at_site)
    assert "not proven optimal" in plan.status and "optimal" not in plan.status.replace("not proven optimal", "")


def test_figures_per_locality_add_up_to_the_plan(proposal) -> None:
    transport = proposal.metrics["transport"]
    assert set(transport["localities"]) <= LOCALITIES and len(transport["localities"]) == 5
    overall = transport["overall"]
    for key in ("passengers", "vehicles", "vehicle_km_day", "co2e_kg_day", "cost_gbp_year"):
        assert sum(block[key] for block in transport["localities"].values()) == pytest.approx(overall[key])
    seats = proposal.transport.config.vehicles[0].seats
    assert overall["vehicles"] >= math.ceil(overall["passengers"] / seats)
    assert overall["ride_mean_minutes"] <= overall["ride_p90_minutes"] <= overall["ride_max_minutes"]
    assert overall["ride_over_direct"] >= 1.0
    assert overall["co2e_kg_day"] == pytest.approx((overall["vehicle_km_day"] + overall["taxi_km_day"]) * 0.27878)
    assert overall["vehicle_km_year"] == pytest.approx(overall["vehicle_km_day"] * 5 * 48)
    assert proposal.manifest.transport["settings"]["vehicles"][0]["co2e_source"].startswith("UK Government")


def test_the_best_plan_needs_fewer_vehicle_km_than_the_proposal(proposal, best) -> None:
    """The proposal's county-wide specialist hubs draw passengers from far away: more driving every day."""
    routed = {name: record.metrics["transport"]["overall"] for name, record in (("proposal", proposal),
                                                                               ("best", best))}
    assert routed["proposal"]["vehicle_km_day"] > routed["best"]["vehicle_km_day"]
    assert routed["proposal"]["co2e_tonnes_year"] > routed["best"]["co2e_tonnes_year"]


def test_passengers_beyond_the_ride_ceiling_go_by_taxi_and_the_plan_is_still_made(study_path: Path) -> None:
    record = run_scenario(_quick("council-proposal-2026.toml", max_ride_minutes=20.0), study_path=study_path)
    plan = record.transport
    assert plan.sessions and plan.taxi_trips
    people = {p.number: p for p in plan.passengers}
    longest: dict[int, float] = {}
    for trip in plan.taxi_trips:
        assert trip.reason.endswith("(transport.max_ride_minutes)") or "no shared round" in trip.reason
        if trip.reason.endswith("(transport.max_ride_minutes)"):
            longest[trip.passenger] = max(longest.get(trip.passenger, 0.0), trip.minutes)
        assert not POSTCODE.search(trip.reason) and people[trip.passenger].postcode not in trip.reason
    assert longest and all(minutes > 20.0 for minutes in longest.values())  # beyond the ceiling either way
    overall = record.metrics["transport"]["overall"]
    assert overall["exception_passengers"] == len({(t.site_id, t.passenger) for t in plan.taxi_trips})
    assert overall["taxi_cost_gbp_day"] == pytest.approx(sum(t.cost_gbp(plan.config) for t in plan.taxi_trips))
    assert not POSTCODE.search(json.dumps(record.metrics["transport"]))


def test_settings_no_passenger_can_meet_are_one_line_errors_naming_home_areas_not_postcodes(study_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        run_scenario(_quick("council-proposal-2026.toml", max_route_minutes=3.0), study_path=study_path)
    message = str(caught.value)
    assert "transport.max_route_minutes" in message and "cannot be carried" in message
    assert "\n" not in message
    assert re.search(r"E0\d{7} \(", message)  # a home area and its name
    assert not POSTCODE.search(message)


def test_the_generalised_cost_is_recomputed_from_the_rounds_and_rides(best) -> None:
    plan = best.transport
    config = plan.config
    overall = best.metrics["transport"]["overall"]
    day_rates = sum(count * next(v.daily_cost_gbp for v in config.vehicles if v.name == name)
                    for name, count in overall["vehicles_by_type"].items())
    fares = sum(config.taxi_gbp_per_trip + config.taxi_gbp_per_km * t.km for t in plan.taxi_trips)
    driving = sum(one.drive_minutes for s in plan.sessions for one in s.rounds) / 60 * DRIVING_GBP_PER_HOUR
    excess = sum(ride - s.direct_minutes[n] for s in plan.sessions for n, ride in s.ride_minutes.items()) / 60
    expected = day_rates + fares + driving + config.value_of_time_gbp_per_hour * excess
    assert overall["generalised_cost_gbp_day"] == pytest.approx(expected)
    assert overall["cost_gbp_day"] == pytest.approx(day_rates + fares)


def test_routed_figures_are_byte_identical_across_runs_even_on_a_loaded_machine(study_path: Path) -> None:
    scenario = _quick("council-proposal-2026-best.toml")
    first = run_scenario(scenario, study_path=study_path)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # loads another core
    try:
        second = run_scenario(scenario, study_path=study_path)
    finally:
        busy.kill()
        busy.wait()
    assert "time cap" not in first.transport.status
    blocks = [json.dumps(r.metrics["transport"], sort_keys=True) for r in (first, second)]
    assert blocks[0] == blocks[1]


def test_the_tradeoff_curve_routes_the_plan_at_each_value_of_time(study_path: Path) -> None:
    record = run_scenario(_quick("council-proposal-2026-best.toml", tradeoff_values_of_time=(0.0, 10.0)),
                          study_path=study_path)
    overall = record.metrics["transport"]["overall"]
    curve = overall["tradeoff"]
    assert [point["value_of_time_gbp_per_hour"] for point in curve] == [0.0, 10.0]
    assert [point["chosen"] for point in curve] == [False, True]
    chosen = curve[1]  # the plan's own setting: its own routes and figures
    for key in ("vehicles", "cost_gbp_year", "ride_mean_minutes", "ride_p90_minutes", "ride_over_direct"):
        assert chosen[key] == overall[key]
    assert curve[0]["ride_mean_minutes"] >= chosen["ride_mean_minutes"]  # passengers' time unpriced: longer rides
