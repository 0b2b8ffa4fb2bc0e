"""Privacy by inference (issue 20): attacks on the transport figures of a client-file run, with known answers.

A client file puts 7 real Dorset postcodes (DT1 1A*) on Dorchester Connect's rounds and
exactly one (DT6 3AA) on Bridport Connect's, everyone travelling on the typical day
(``council_transport_share = 1``, two service days for two trips a week) in one-seat
cars, so that a round is a passenger. The attacks:

* **inversion** through the shipped leg model and the study's postcodes: Bridport's
  exact vehicle-km picks out a handful of postcodes, the client's among them. The
  published outputs must give the attacker no km (nor hours, CO2e, cost) for that site,
  and no total from which to difference it;
* **counting**: Bridport's rounds equal its passengers (one seat each); the published
  vehicles, vehicles by type and route lines must not show them;
* **differencing two runs**: the hidden client moved elsewhere (a different km, other
  ride times) must change no published figure and no published route.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubplan.api import run_scenario, write_outputs
from hubplan.outputs.privacy import TRANSPORT_DERIVED_KEYS, protect
from hubplan.outputs.privacy_transport import TRANSPORT_STEPS, VEHICLE_KEYS
from hubplan.outputs.routes import published_rounds
from hubplan.points import Points
from hubplan.record.run import RunRecord
from hubplan.travel.legs import leg_matrices

HIDDEN, VISIBLE = "CD-BRIDPORT-CONNECT", "CD-DORCHESTER-CONNECT"
CLIENT = "DT6 3AA"
ONE_SEAT = ('\n[[transport.vehicles]]\nname = "one-seat-car"\nseats = 1\nwheelchair_spaces = 1\n'
            'daily_cost_gbp = 100.0\n')
PUBLISHED_KEYS = (*VEHICLE_KEYS, *TRANSPORT_DERIVED_KEYS)


@pytest.fixture(scope="module")
def attacked(study, study_path: Path, routed_copy, tmp_path_factory: pytest.TempPathFactory) -> RunRecord:
    """The run as the pipeline made it (unprotected): the attacker's target, and the known answer."""
    folder = tmp_path_factory.mktemp("inference")
    dorchester = study.postcodes[study.postcodes["postcode"].str.startswith("DT1 1A")]["postcode"].head(7)
    rows = [(code, "older_people", 1) for code in [*dorchester, CLIENT]]
    pd.DataFrame(rows, columns=["postcode", "segment", "attendees"]).to_csv(folder / "clients.csv", index=False)
    scenario = routed_copy("dorset-current.toml", "inference", folder,
                           demand='[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\n',
                           settings="council_transport_share = 1.0\nservice_days_per_week = 2.0\n", tables=ONE_SEAT)
    record = run_scenario(scenario, study_path=study_path)
    sites = record.metrics["transport"]["sites"]
    assert sites[HIDDEN]["passengers"] == 1 and sites[VISIBLE]["passengers"] == 7, sites
    return record


@pytest.fixture(scope="module")
def written(attacked: RunRecord, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_outputs(attacked, tmp_path_factory.mktemp("out"))[0]


def _metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["transport"]


def _candidates_matching(record: RunRecord, study, km: float, tolerance: float) -> list[str]:
    """The attacker: every postcode within 25 km whose single-passenger rounds the leg model makes ``km`` long."""
    site = record.sites.set_index("site_id").loc[HIDDEN]
    codes = study.postcodes
    near = codes[np.hypot((codes["lon"] - site["lon"]) * 0.64, codes["lat"] - site["lat"]) * 111.0 < 25.0]
    points = Points(("site", *near["postcode"]), np.array([site["lon"], *near["lon"]]),
                    np.array([site["lat"], *near["lat"]]))
    legs = leg_matrices(points)
    # morning: site -> home -> site; afternoon: site -> home -> site (the depot is the site)
    predicted = 2.0 * (legs.km[0, 1:] + legs.km[1:, 0])
    return [code for code, value in zip(near["postcode"], predicted, strict=True) if abs(value - km) <= tolerance]


def test_the_inversion_attack_works_on_the_exact_km_and_finds_nothing_published(attacked: RunRecord, written: Path,
                                                                                study) -> None:
    exact = attacked.metrics["transport"]["sites"][HIDDEN]["vehicle_km_day"]
    found = _candidates_matching(attacked, study, exact, tolerance=0.05)
    assert CLIENT in found and len(found) <= 20, found  # the attack is real: the exact km points at the client
    published = _metrics(written)
    hidden = published["sites"][HIDDEN]
    assert hidden["passengers"] is None
    assert {key: hidden.get(key) for key in PUBLISHED_KEYS if hidden.get(key) is not None} == {}
    # no total gives it back: the locality and the whole plan leave the lone hidden site out
    locality = attacked.sites.set_index("site_id").loc[HIDDEN, "locality"]
    for block in (published["localities"][locality], published["overall"]):
        assert block["sites_left_out"] == 1
        assert block["vehicle_km_day"] == published["sites"][VISIBLE]["vehicle_km_day"]


def test_rounds_equal_to_passengers_are_not_published(attacked: RunRecord, written: Path) -> None:
    plan = attacked.transport
    assert plan is not None
    morning = [one for s in plan.sessions if s.site_id == HIDDEN and s.session.value == "morning" for one in s.rounds]
    assert len(morning) == 1  # one seat: the hidden site's rounds count its passengers exactly
    published = _metrics(written)
    assert published["sites"][HIDDEN]["vehicles"] is None and published["sites"][HIDDEN]["vehicles_by_type"] is None
    assert published["overall"]["vehicles"] == published["sites"][VISIBLE]["vehicles"]
    routes = json.loads((written / "routes.geojson").read_text(encoding="utf-8"))["features"]
    assert routes and {f["properties"]["site_id"] for f in routes} == {VISIBLE}
    assert {one.site_id for one in published_rounds(protect(attacked))} == {VISIBLE}


def _moved(record: RunRecord, factor: float) -> RunRecord:
    """The same run with the hidden client living elsewhere: longer rounds, other ride times."""
    plan = record.transport
    assert plan is not None
    sessions = tuple(
        replace(s, rounds=tuple(replace(one, km=one.km * factor, returns=one.returns + 9.0) for one in s.rounds),
                ride_minutes={n: m + 7.0 for n, m in s.ride_minutes.items()},
                direct_minutes={n: m + 5.0 for n, m in s.direct_minutes.items()})
        if s.site_id == HIDDEN else s for s in plan.sessions)
    moved = replace(plan, sessions=sessions)
    transport = {**record.metrics["transport"], **moved.metrics()}  # the same run otherwise (its no-road note too)
    return replace(record, transport=moved, metrics={**record.metrics, "transport": transport})


def test_differencing_two_runs_that_differ_in_the_hidden_client_shows_nothing(attacked: RunRecord) -> None:
    moved = _moved(attacked, 2.5)
    assert moved.metrics["transport"]["overall"]["vehicle_km_day"] != \
        attacked.metrics["transport"]["overall"]["vehicle_km_day"]  # the exact figures do differ
    first, second = protect(attacked), protect(moved)
    assert first.metrics["transport"] == second.metrics["transport"]
    assert published_rounds(first) == published_rounds(second)


def test_published_transport_figures_are_coarsened(written: Path) -> None:
    published = _metrics(written)
    for block in (published["overall"], *published["localities"].values(), *published["sites"].values()):
        for key, step in TRANSPORT_STEPS.items():
            value = block.get(key)
            if isinstance(value, (int, float)):
                assert abs(value / step - round(value / step)) < 1e-6, (key, value)


def test_a_pool_of_hidden_sites_with_enough_people_is_counted_and_nothing_is_differenced() -> None:
    from hubplan.outputs.disclosure import band
    from hubplan.outputs.privacy_transport import covered_sites

    people = {"a": 12, "b": 2, "c": 3, "d": 4, "e": 1}
    locality = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Z"}
    covered = covered_sites({s: band(n, 5) for s, n in people.items()}, locality, 5)
    assert covered == {"a", "c", "d"}  # Y's hidden pool certainly holds >= 5 (3 + 3); X's and Z's do not
