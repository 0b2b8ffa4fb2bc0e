"""`hubplan transport` refuses what no round can meet: one line naming file, field and fix; exit 2; nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hubplan.errors import InputError

REPO = Path(__file__).resolve().parents[2]


def _refused(cli, scenario: Path, study_path: Path, out: Path) -> str:
    """Run ``hubplan transport``; check the one-line refusal and that nothing was written; return the line."""
    outcome = cli.invoke(["--no-progress", "transport", str(scenario), "--study", str(study_path), "--out", str(out)])
    assert outcome.exit_code == 2, (outcome.stdout, outcome.stderr)
    assert outcome.exception is None or isinstance(outcome.exception, InputError | SystemExit)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(cli.error_prefix) and "Traceback" not in outcome.stderr, lines
    assert "; fix: " in lines[0] and str(scenario) in lines[0]
    assert not out.exists() and outcome.stdout == ""
    return lines[0]


def test_a_scenario_without_transport_is_refused(cli, study_path: Path, tmp_path: Path) -> None:
    line = _refused(cli, REPO / "scenarios" / "dorset-current.toml", study_path, tmp_path / "out")
    assert ": transport: the scenario has no [transport] table; fix: add one" in line


def test_a_vehicle_with_no_seats_is_refused(cli, study_path: Path, routed_copy: Callable[..., Path],
                                            tmp_path: Path) -> None:
    scenario = routed_copy("council-proposal-2026.toml", "no-seats", tmp_path, tables=(
        '\n[[transport.vehicles]]\nname = "van"\nseats = 0\nwheelchair_spaces = 1\ndaily_cost_gbp = 200\n'))
    line = _refused(cli, scenario, study_path, tmp_path / "out")
    assert "transport.vehicles" in line and "seats" in line


def test_a_round_limit_nobody_can_meet_names_home_areas_and_times(cli, study_path: Path,
                                                                   routed_copy: Callable[..., Path],
                                                                   tmp_path: Path) -> None:
    """Boarding and alighting alone take 4 minutes: no passenger at all can ride a 3-minute round."""
    scenario = routed_copy("council-proposal-2026.toml", "short-rounds", tmp_path, settings="max_route_minutes = 3\n")
    line = _refused(cli, scenario, study_path, tmp_path / "out")
    assert ": transport.max_route_minutes: " in line
    assert "E010" in line  # a home area's code (LSOA 2021), never a postcode
    assert "min against 3 min" in line


def test_a_fleet_limit_too_small_is_refused(cli, study_path: Path, routed_copy: Callable[..., Path],
                                            tmp_path: Path) -> None:
    # two seats and one van cannot carry a site's passengers however long the search: route for 1 s, not 4
    scenario = routed_copy("council-proposal-2026.toml", "one-van", tmp_path, settings="max_vehicles_per_site = 1\n",
                           seconds=1, tables=(
        '\n[[transport.vehicles]]\nname = "small-van"\nseats = 2\nwheelchair_spaces = 1\ndaily_cost_gbp = 200\n'))
    line = _refused(cli, scenario, study_path, tmp_path / "out")
    assert ": transport.max_vehicles_per_site: the fleet limit is too small at site " in line


@pytest.mark.parametrize(("setting", "field"), [
    ("value_of_time_gbp_per_hour = -1\n", "transport.value_of_time_gbp_per_hour"),
    ('objective = "fastest"\n', "transport.objective"),
    ("max_ride_margin_minutes = -5\n", "transport.max_ride_margin_minutes"),
    ("max_ride_multiple = 0.5\n", "transport.max_ride_multiple"),
    ("taxi_gbp_per_km = -2\n", "transport.taxi_gbp_per_km"),
])
def test_impossible_policy_and_objective_settings_are_one_line_errors(cli, study_path: Path,
                                                                     routed_copy: Callable[..., Path],
                                                                     tmp_path: Path, setting: str,
                                                                     field: str) -> None:
    scenario = routed_copy("council-proposal-2026.toml", "bad-setting", tmp_path, settings=setting)
    line = _refused(cli, scenario, study_path, tmp_path / "out")
    assert f": {field}: " in line
