"""Site rounds on hand-made legs: the instance's windows and loads, routing, the checks no round can meet, figures."""

from __future__ import annotations

import numpy as np
import pytest

from hubplan.errors import InputError
from hubplan.routing.check import check_routes
from hubplan.scenario import TransportConfig, VehicleType
from hubplan.transport.figures import figures_of
from hubplan.transport.instances import Session, SiteInstance, build_instance, check_reachable, reach_failures
from hubplan.transport.passengers import Passenger
from hubplan.transport.routing import route_sessions

MINIBUS = VehicleType(name="minibus", seats=4, wheelchair_spaces=1, daily_cost_gbp=200.0, co2e_kg_per_km=0.25,
                      co2e_source="test factor")


def line_legs(positions_km: list[float], kph: float = 40.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minutes, km and planar coordinates among points on a straight road (point 0 the depot = site, 1 the site)."""
    x = np.array([0.0, 0.0, *positions_km])
    km = np.abs(x[:, None] - x[None, :])
    return km / kph * 60.0, km, np.column_stack([x, np.zeros_like(x)])


def passengers_at(count: int, wheelchair: tuple[int, ...] = ()) -> tuple[Passenger, ...]:
    return tuple(Passenger(i, "S1", "hub", "older_people", f"A{i % 3}", f"DT1 {i}AA", 0.0, 0.0, i in wheelchair)
                 for i in range(count))


def config(**changes: object) -> TransportConfig:
    return TransportConfig(vehicles=(MINIBUS,), **changes)


def test_morning_instance_has_the_site_window_and_tightened_home_windows() -> None:
    minutes, km, xy = line_legs([10.0, 20.0])
    item = build_instance("S1", Session.MORNING, passengers_at(2, wheelchair=(1,)), minutes, km, xy,
                          config(arrive_from="09:15", arrive_by="10:00", boarding_minutes=2,
                                 wheelchair_boarding_minutes=5, max_ride_minutes=60))
    inst = item.instance
    assert inst.n_requests == 2 and inst.dimensions == ("seats", "wheelchair spaces")
    assert [r.load for r in inst.requests] == [(1, 0), (0, 1)]
    drop = inst.nodes[3]
    assert (drop.earliest, drop.latest) == (555.0, 600.0)
    # home 2 is 20 km = 30 min from the site, boarding 5: picked up no later than 10:00 - 35 min
    assert inst.nodes[2].latest == pytest.approx(600 - 30 - 5) and inst.nodes[2].service == 5
    assert inst.nodes[2].earliest == pytest.approx(555 - 60 - 5)
    assert item.direct_minutes.tolist() == pytest.approx([15.0, 30.0])
    assert inst.vehicles[0].fixed_cost > 0 and inst.vehicles[0].capacity == (4, 1)


def test_rounds_carry_everyone_within_every_rule_and_share_vehicles() -> None:
    """Six people on one road and 4-seat buses: every rule met, as the independent check confirms."""
    positions = [3.0, 5.0, 8.0, 12.0, 15.0, 18.0]
    minutes, km, xy = line_legs(positions)
    people = passengers_at(len(positions), wheelchair=(2,))
    settings = config(max_ride_minutes=45)
    items = [build_instance("S1", session, people, minutes, km, xy, settings) for session in Session]
    routed = route_sessions(items, lambda item, scale: item, time_limit_s=60, seed=1, steps=300, source="test.toml",
                            workers=1)
    for item, session in zip(items, routed, strict=True):
        assert sorted(session.ride_minutes) == [p.number for p in people]
        for number, ride in session.ride_minutes.items():
            assert session.direct_minutes[number] - 1e-6 <= ride <= 45 + 1e-6
        for one in session.rounds:  # 5 seated on 4 seats: never more than 4 on board (one bus may go twice)
            on_board = np.cumsum([(1 if s.boards else -1) * (s.passenger != 2) for s in one.stops])
            assert on_board.max() <= 4
        routes = [[s.passenger + 1 + (0 if s.boards else len(people)) for s in r.stops] for r in session.rounds]
        assert check_routes(item.instance, routes).feasible
        for one in session.rounds:
            at_site = [stop.minute for stop in one.stops if stop.at_site]
            window = (555, 600) if session.session is Session.MORNING else (900, 930)
            assert all(window[0] - 1e-6 <= m <= window[1] + 1e-6 for m in at_site)
    figures = figures_of(routed, people, settings, days_per_year=240)
    assert figures.vehicles == max(len(s.rounds) for s in routed)
    assert figures.passengers == 6 and figures.wheelchair_passengers == 1
    assert figures.vehicle_km_day >= 2 * 2 * 18  # each session drives out to 18 km and back at least once
    assert figures.co2e_kg_day == pytest.approx(figures.vehicle_km_day * 0.25)
    assert figures.cost_gbp_year == pytest.approx(figures.vehicles * 200 * 240)
    assert figures.ride_max_minutes <= 45 + 1e-6 and figures.ride_over_direct >= 1 - 1e-9
    assert figures.extra_ride_mean_minutes >= -1e-9


def test_a_ride_limit_below_the_direct_drive_names_the_home_area_and_times() -> None:
    minutes, _km, _xy = line_legs([5.0, 40.0])  # 40 km at 40 km/h: 60 min direct
    people = passengers_at(2)
    with pytest.raises(InputError) as caught:
        check_reachable("S1", "Hub One", people, minutes, config(max_ride_minutes=45), source="plan.toml",
                        area_names={"A1": "Chickerell 3"})
    message = str(caught.value)
    assert "transport.max_ride_minutes" in message and "A1 (Chickerell 3)" in message
    assert "60 min against 45 min" in message and "DT1" not in message  # no postcode in the message


def test_a_round_longer_than_allowed_even_alone_is_rejected() -> None:
    minutes, _km, _xy = line_legs([30.0])  # 45 min each way
    with pytest.raises(InputError, match="max_route_minutes"):
        check_reachable("S1", "Hub One", passengers_at(1), minutes, config(max_route_minutes=80),
                        source="plan.toml", area_names={})


def test_a_fleet_limit_without_enough_seats_is_an_input_error_before_routing(monkeypatch) -> None:
    positions = [float(k) for k in range(1, 10)]
    minutes, km, xy = line_legs(positions)
    people = passengers_at(len(positions))  # 9 seated, 4 seats per bus, one bus allowed, one round each
    item = build_instance("S1", Session.MORNING, people, minutes, km, xy,
                          config(max_vehicles_per_site=1, max_route_minutes=40))
    assert item.fleet_limited and len(item.instance.vehicles) == 1

    def no_routing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("routed before the fleet check")

    monkeypatch.setattr("hubplan.transport.routing.route", no_routing)
    with pytest.raises(InputError, match=r"transport.max_vehicles_per_site: the fleet limit is too small at site S1: "
                                         r"1 vehicle\(s\) with 4 seat\(s\) .* cannot carry 9 seated"):
        route_sessions([item], lambda item, scale: item, time_limit_s=60, seed=0, steps=300, source="plan.toml",
                       workers=1)


def test_passengers_a_capped_fleet_cannot_reach_in_time_go_by_taxi_with_the_reason() -> None:
    """One bus with seats for all four, but the two far homes lie in opposite directions: one round reaches one."""
    x = np.array([0.0, 0.0, 2.0, 3.0, -20.0, 20.0])  # depot = site, four homes; 20 km = 30 min
    km = np.abs(x[:, None] - x[None, :])
    people = passengers_at(4)
    settings = config(max_vehicles_per_site=1, max_route_minutes=80)  # one far home: 75 min
    item = build_instance("S1", Session.MORNING, people, km / 40 * 60, km, np.column_stack([x, 0 * x]), settings)
    assert len(item.instance.vehicles) == 1 and item.fleet_limited
    routed = route_sessions([item], lambda item, scale: item, time_limit_s=60, seed=0, steps=300,
                            source="plan.toml", workers=1)[0]
    assert len(routed.unserved) == 1 and routed.unserved[0] in (2, 3)  # one far home fits the round, not both
    assert set(routed.ride_minutes) == {0, 1, 2, 3} - set(routed.unserved)
    assert "fleet limit of 1 vehicle(s)" in routed.unserved_reason
    from hubplan.transport.exceptions import taxi_trips_of

    trips = taxi_trips_of([routed], {("S1", p.number): (abs(x[2 + p.number]), abs(x[2 + p.number]))
                                     for p in people})
    assert [(t.passenger, t.km, t.minutes) for t in trips] == [(routed.unserved[0], 20.0, 30.0)]
    figures = figures_of([routed], people, settings, days_per_year=240, taxi_trips=trips)
    assert figures.exception_passengers == 1 and figures.taxi_km_day == 20.0
    fare = settings.taxi_gbp_per_trip + 20.0 * settings.taxi_gbp_per_km
    assert figures.taxi_cost_gbp_day == pytest.approx(fare)
    assert figures.cost_gbp_day == pytest.approx(200.0 + fare)
    assert figures.ride_max_minutes >= 30.0  # the taxi rides its direct 30 minutes


def test_reach_failures_name_the_rule_for_each_passenger_who_cannot_ride_a_round() -> None:
    minutes, _km, _xy = line_legs([5.0, 50.0])  # 7.5 and 75 min direct
    reasons = reach_failures(passengers_at(2), minutes, config(max_ride_minutes=60))
    assert list(reasons) == [1]
    assert reasons[1] == "the direct ride takes 75 min against 60 min allowed (transport.max_ride_minutes)"


def test_the_ride_policy_limits_rides_relative_to_the_direct_drive() -> None:
    """A 5-minute trip may ride 5 + 30 = 35 minutes, not the ceiling; a 45-minute one the 60-minute ceiling."""
    minutes, km, xy = line_legs([10.0 / 3, 30.0])  # 5 and 45 min direct at 40 km/h
    item = build_instance("S1", Session.MORNING, passengers_at(2), minutes, km, xy,
                          config(max_ride_minutes=60, max_ride_margin_minutes=30))
    assert [r.max_ride_time for r in item.instance.requests] == pytest.approx([35.0, 60.0])
    assert TransportConfig().max_ride_minutes == 60 and TransportConfig().max_ride_margin_minutes == 30


def test_more_vehicles_are_offered_when_round_lengths_not_seats_bind() -> None:
    """Twelve people 30 km out in twelve directions, 4 seats: each needs a bus of their own within 100 minutes."""
    angles = np.arange(12) * np.pi / 6
    xy = np.vstack([[0.0, 0.0], [0.0, 0.0], np.column_stack([30 * np.cos(angles), 30 * np.sin(angles)])])
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    minutes = km / 40 * 60
    people = passengers_at(12)
    settings = config(max_route_minutes=100)
    items = [build_instance("S1", Session.MORNING, people, minutes, km, xy, settings)]
    assert len(items[0].instance.vehicles) == 8  # two per bus the seats need (3), plus two
    rebuilt: list[int] = []

    def rebuild(item: SiteInstance, scale: int) -> SiteInstance:
        rebuilt.append(scale)
        return build_instance("S1", Session.MORNING, people, minutes, km, xy, settings, scale=scale)

    routed = route_sessions(items, rebuild, time_limit_s=60, seed=0, steps=300, source="plan.toml",
                            workers=1)
    assert rebuilt == [2]
    assert len(routed[0].rounds) == 12 and all(len(r.stops) == 2 for r in routed[0].rounds)


def test_a_depot_too_far_to_arrive_in_time_names_the_times() -> None:
    """Depot 200 km west of the site, home 150 km east: even leaving at midnight the bus is at the site too late."""
    x = np.array([-200.0, 0.0, 150.0])
    km = np.abs(x[:, None] - x[None, :])
    with pytest.raises(InputError) as caught:
        check_reachable("S1", "Hub One", passengers_at(1), km / 40 * 60,
                        config(max_ride_minutes=600, max_route_minutes=1440), source="plan.toml", area_names={})
    message = str(caught.value)
    # 525 min to the home, 2 min boarding, 225 min to the site: 12:32, against 10:00
    assert "transport.arrive_by" in message and "reaches the site at 12:32 against 10:00 at the latest" in message


def test_an_afternoon_trip_home_past_midnight_is_rejected() -> None:
    x = np.array([-200.0, 0.0, 150.0])
    km = np.abs(x[:, None] - x[None, :])
    with pytest.raises(InputError, match=r"transport\.leave_from: .* gets back to the depot at \d\d:\d\d the next "
                                         r"day against midnight"):
        check_reachable("S1", "Hub One", passengers_at(1), km / 40 * 60,
                        config(max_ride_minutes=600, max_route_minutes=1440, arrive_by="23:00", leave_from="23:00",
                               leave_by="23:30", arrive_from="22:00"),
                        source="plan.toml", area_names={})
