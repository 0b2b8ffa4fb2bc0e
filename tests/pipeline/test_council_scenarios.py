"""Dorset Council's model in scenario files, on the real study area: shared sites, per-tier reach,
reach by hub or spoke, and keeping today's buildings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubplan.api import run_scenario
from hubplan.errors import InfeasibleError, InputError
from hubplan.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _edited(name: str, **sections: dict[str, object]) -> Scenario:
    """A shipped scenario with some keys of its sections (``tiers`` by tier name) replaced, validated again."""
    data = load_scenario(SCENARIOS / name).model_dump(exclude_none=True)
    for section, keys in sections.items():
        for key, value in keys.items():
            if value is None:
                data[section].pop(key, None)
            elif isinstance(value, dict) and isinstance(data[section].get(key), dict):
                data[section][key] = {**data[section][key], **value}
            else:
                data[section][key] = value
    return Scenario.model_validate(data)


def _open(record) -> dict[str, str]:
    sites = record.sites
    return dict(zip(sites.loc[sites["status"] == "open", "site_id"], sites.loc[sites["status"] == "open", "tier"],
                    strict=True))


def test_new_venue_cost_keeps_ferndown_plus_and_the_ridgeway_centre(study_path: Path) -> None:
    """A library 300 m from a day centre's town point wins by a few attendee-minutes; a named price keeps the centre."""
    plain = _open(run_scenario(SCENARIOS / "hub-per-locality.toml", study_path=study_path))
    assert {"LIB-WEST-MOORS-LIBRARY", "LIB-WEYMOUTH-LIBRARY-LEARNING-CENTRE"} <= set(plain)
    record = run_scenario(_edited("hub-per-locality.toml", objective={"new_venue_cost": 30.0}), study_path=study_path)
    kept = _open(record)
    assert {"CD-FERNDOWN-PLUS", "CD-RIDGEWAY-CENTRE"} <= set(kept)
    assert not any(site.startswith("LIB-") for site in kept)
    solver = record.manifest.solver
    assert solver.proven_optimal and solver.terms["new_venues"] == 0.0
    assert 9730 < solver.terms["median"] < 9760  # 26 attendee-minutes a week more than the libraries


def test_hubs_serve_their_locality_and_specialists_the_county(study_path: Path) -> None:
    scenario = _edited("specialist.toml", constraints={"within_locality": True},
                       tiers={"specialist_dementia": {"reach": "county"}, "specialist_ld": {"reach": "county"}})
    record = run_scenario(scenario, study_path=study_path)
    flows = record.allocations.merge(record.sites[["site_id", "locality"]], on="site_id")
    flows = flows.merge(record.home_areas[["area_id", "locality"]], on="area_id", suffixes=("_site", "_home"))
    crossing = flows["locality_site"] != flows["locality_home"]
    assert not crossing[flows["tier"] == "hub"].any()
    assert crossing[flows["tier"] != "hub"].any()


def test_a_day_centre_hosts_a_hub_and_a_specialist_service(study_path: Path) -> None:
    scenario = _edited("specialist.toml", constraints={"within_locality": True, "tiers_per_site": 2},
                       tiers={"specialist_dementia": {"reach": "county"}, "specialist_ld": {"reach": "county"}})
    record = run_scenario(scenario, study_path=study_path)
    shared = {site: tier for site, tier in _open(record).items() if " + " in tier}
    assert shared, "no site hosts two tiers"
    assert all(tier.startswith("hub + specialist_") for tier in shared.values())
    assert record.manifest.solver.terms["min_sites"] == len(_open(record))


def test_fewest_spokes_so_nobody_is_beyond_30_minutes_of_a_hub_or_a_spoke(study_path: Path) -> None:
    scenario = _edited("services-not-buildings.toml", tiers={"spoke": {"max_count": None}},
                       objective={"type": "min_sites", "coverage_minutes": 30.0, "reach_tiers": ["hub", "spoke"]})
    record = run_scenario(scenario, study_path=study_path)
    solver = record.manifest.solver
    assert solver.proven_optimal and solver.terms["coverage"] == pytest.approx(-521.0)  # every attendee
    tiers = list(_open(record).values())
    assert tiers.count("hub") == 5 and tiers.count("spoke") >= 1
    assert record.home_areas.loc[record.home_areas["attendees"] > 0, "minutes_to_spoke"].max() <= 30.0


def test_an_unreachable_limit_names_home_areas_and_their_nearest_candidate(study_path: Path) -> None:
    scenario = _edited("services-not-buildings.toml", constraints={"max_minutes_to_any": 12.0},
                       objective={"reach_tiers": ["hub", "spoke"]})
    with pytest.raises(InfeasibleError, match=r"constraints\.max_minutes_to_any: 22 client\(s\) with attendees have "
                       r"no candidate hub or spoke site within 12 minutes: E\d+ \(nearest 1[2-4]\.\d min\)"):
        run_scenario(scenario, study_path=study_path)


SPOKES = (SCENARIOS / "services-not-buildings.toml").read_text()


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('mode = "cover"', 'mode = "cover"\nreach = "county"', r"tiers\.spoke\.reach: a cover tier assigns no one"),
    ('type = "median"', 'type = "median"\nreach_tiers = ["hub", "day"]', r"objective\.reach_tiers: unknown tier 'day'"),
    ('type = "median"', 'type = "median"\nreach_tiers = ["hub"]', r"objective\.reach_tiers: has no effect"),
    ("within_locality = true", "tiers_per_site = 3",
     r"constraints\.tiers_per_site: 3 is more than the scenario's 2 tiers; fix: give at most 2"),
    ("count_per_locality = 1", 'count_per_locality = 1\nreach = "region"',
     r"tiers\.hub\.reach: Input should be 'locality' or 'county'"),
])
def test_new_keys_are_checked(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = tmp_path / "edited.toml"
    path.write_text(SPOKES.replace(old, new, 1))
    with pytest.raises(InputError, match=expected):
        load_scenario(path)
