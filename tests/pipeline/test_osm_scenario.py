"""A scenario switched to ``model = "osm"`` runs end to end on a real OpenStreetMap network.

No Dorset road network is available offline, so the real Newport (Wales) drive network
from the shared fixtures stands in. Dorset's home areas are far from it: with the default
``max_snap_km`` the run must stop with a clear error; with the limit raised the whole
pipeline runs through the OSM engine and the manifest records how far points were snapped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hubplan.api import run_scenario
from hubplan.cli import main

SCENARIO = """
name = "osm-newport"
[travel]
model = "osm"
network = "{network}"
{snap}
[[sites.roles]]
role = "required"
kind = "day_centre"
[tiers.hub]
[constraints]
within_locality = false
"""


def _scenario(tmp_path: Path, source_dir: Path, snap: str) -> Path:
    network = source_dir / "roads" / "fixtures" / "newport-2023-06-13_drive.graphml.gz"
    path = tmp_path / "osm.toml"
    path.write_text(SCENARIO.format(network=network.as_posix(), snap=snap), encoding="utf-8")
    return path


@pytest.mark.slow
def test_points_far_from_the_network_are_a_clear_error(tmp_path: Path, source_dir: Path, study_path: Path) -> None:
    path = _scenario(tmp_path, source_dir, "")
    result = CliRunner().invoke(main, ["evaluate", str(path), "--study", str(study_path)])
    assert result.exit_code == 2
    assert "osm.toml: travel.max_snap_km: 223 of 223" in result.output and "; fix: " in result.output
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_osm_scenario_runs_end_to_end(tmp_path: Path, source_dir: Path, study_path: Path) -> None:
    path = _scenario(tmp_path, source_dir, "max_snap_km = 400")
    record = run_scenario(path, study_path=study_path)
    assert record.manifest.travel.model == "osm"
    assert record.manifest.solver.status == "evaluated"  # every centre required: a fixed plan
    assert any("OpenStreetMap" in line for line in record.attributions)
    assert record.allocations["attendees"].sum() == pytest.approx(521)
    assert (record.allocations["minutes"] > 0).all()
    assert "snap" in str(record.manifest.travel.as_dict()).lower()
