"""End to end: evaluate and run the shipped scenarios on the real study area."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hubplan.api import evaluate_scenario, run_scenario, write_outputs
from hubplan.cli import main
from hubplan.record.manifest import read_manifest
from hubplan.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

SHIPPED = sorted(path.name for path in SCENARIOS.glob("*.toml"))


def test_evaluate_cli_prints_the_locality_table(study_path: Path) -> None:
    result = CliRunner().invoke(main, ["evaluate", str(SCENARIOS / "dorset-current.toml"), "--study", str(study_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Today's Care Dorset day centres (all open): 11 open sites, 521 attendees")
    assert "cross-validated error on real Dorset drive times: MAE" in lines[1]
    for name in ("East Dorset", "North Dorset", "Purbeck", "West Dorset", "Weymouth and Portland", "All localities"):
        assert any(line.startswith(name) for line in lines), name


def test_evaluate_sends_everyone_to_the_nearest_open_centre(study_path: Path) -> None:
    record = evaluate_scenario(SCENARIOS / "dorset-current.toml", study_path=study_path)
    flows = record.allocations
    assert flows["attendees"].sum() == pytest.approx(521)
    open_sites = set(record.sites.loc[record.sites["status"] == "open", "site_id"])
    assert len(open_sites) == 11 and set(flows["site_id"]) <= open_sites
    overall = record.metrics["overall"]
    assert overall["mean_minutes"] <= overall["p90_minutes"] <= overall["max_minutes"]
    assert 0 <= overall["share_within"]["15"] <= overall["share_within"]["30"] <= 1
    localities = record.metrics["localities"]
    assert sum(localities[name]["attendees"] for name in localities) == pytest.approx(521)


def test_run_matches_evaluate_when_every_centre_is_required(study_path: Path) -> None:
    evaluated = evaluate_scenario(SCENARIOS / "dorset-current.toml", study_path=study_path)
    run = run_scenario(SCENARIOS / "dorset-current.toml", study_path=study_path)
    assert run.manifest.solver.status == "evaluated"  # nothing to choose: evaluated, never "optimal"
    assert json.dumps(run.metrics, sort_keys=True) == json.dumps(evaluated.metrics, sort_keys=True)  # NaN too


#: Shipped scenarios that leave nothing to choose: `run` evaluates them (status "evaluated").
FIXED_PLANS = ("council-proposal-2026.toml", "dorset-current.toml")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_is_proven_optimal_quickly(name: str, study_path: Path) -> None:
    record = run_scenario(SCENARIOS / name, study_path=study_path, transport=False)  # routing: tests/transport
    solver = record.manifest.solver
    if name in FIXED_PLANS:
        assert solver.status == "evaluated" and solver.method == "fixed plan" and not solver.proven_optimal
    else:
        assert solver.status == "optimal" and solver.proven_optimal
        assert solver.gap is not None and solver.gap <= load_scenario(SCENARIOS / name).solver.relative_gap
    assert sum(record.manifest.seconds.values()) < 30
    assert record.allocations["attendees"].sum() == pytest.approx(521)


def test_one_hub_per_locality(study_path: Path) -> None:
    record = run_scenario(SCENARIOS / "hub-per-locality.toml", study_path=study_path)
    hubs = record.sites[record.sites["tier"] == "hub"]
    assert sorted(hubs["locality"]) == sorted(record.localities["locality"])
    flows = record.allocations.merge(record.sites[["site_id", "locality"]], on="site_id")
    areas = record.home_areas.set_index("area_id")["locality"]
    assert (flows["locality"].to_numpy() == flows["area_id"].map(areas).to_numpy()).all()


def test_specialist_sites_serve_only_their_segments(study_path: Path) -> None:
    record = run_scenario(SCENARIOS / "specialist.toml", study_path=study_path)
    by_tier = record.allocations.groupby("tier")["attendees"].sum()
    assert by_tier["specialist_dementia"] == pytest.approx(521 * 0.12)
    assert by_tier["specialist_ld"] == pytest.approx(521 * 0.098)
    specialist = record.sites[record.sites["tier"].str.startswith("specialist")]
    assert len(specialist) == 2 and (specialist["kind"] == "day_centre").all()
    assert (specialist["attendees"] <= 80 + 1e-6).all()


def test_spokes_are_opened_within_their_limit(study_path: Path) -> None:
    record = run_scenario(SCENARIOS / "services-not-buildings.toml", study_path=study_path)
    spokes = record.sites[record.sites["tier"] == "spoke"]
    assert 0 < len(spokes) <= 15
    assert np.isfinite(record.home_areas["minutes_to_spoke"]).all()
    assert record.metrics["overall"]["annual_building_cost"] == pytest.approx(5 * 120000 + len(spokes) * 8000)


def test_run_cli_writes_outputs_and_manifest(study_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--no-progress", "run", str(SCENARIOS / "hub-per-locality.toml"), "--study", str(study_path),
               "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "hub-per-locality"
    assert f"outputs: {folder}" in result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["sha256"] == load_scenario(SCENARIOS / "hub-per-locality.toml").sha256
    assert manifest["solver"]["status"] == "optimal"
    assert manifest["travel"]["calibration_error"]["mae_min"] > 0
    assert {source["key"] for source in manifest["data_sources"]} >= {"postcodes", "libraries"}
    assert json.loads((folder / "metrics.json").read_text())["overall"]["attendees"] == pytest.approx(521)


def test_county_wide_p_median_runs_through_the_lagrangian_engine(tmp_path: Path, study_path: Path) -> None:
    """Three hubs for the whole county among every site: a plain p-median, proven by the Lagrangian search.

    The same problem solved by HiGHS must give the same attendee-minutes, and the manifest
    must name the engine that proved it.
    """
    from hubplan.core.solve import ENGINE_LABELS, solve
    from hubplan.optimise import build_problem
    from hubplan.pipeline import prepare

    path = tmp_path / "three-hubs.toml"
    path.write_text(
        'name = "three-hubs"\n'
        '[demand]\nmethod = "estimate"\n'
        '[[sites.roles]]\nrole = "candidate"\nkind = ["day_centre", "library", "settlement"]\n'
        '[tiers.hub]\nmode = "assign"\ncount = 3\n'
        '[objective]\ntype = "median"\n'
        '[constraints]\nwithin_locality = false\n'
    )
    record = run_scenario(path, study_path=study_path)
    solver = record.manifest.solver
    assert solver.status == "optimal"
    assert solver.engine == ENGINE_LABELS["lagrangian"]
    assert solver.gap is not None and solver.relative_gap_target is not None
    assert solver.gap < solver.relative_gap_target
    assert record.allocations["attendees"].sum() == pytest.approx(521)
    assert (record.sites["status"] == "open").sum() == 3
    problem = build_problem(prepare(load_scenario(path), study_path=study_path))
    mip = solve(problem, lagrangian=False, time_limit_s=120)
    assert mip.status == "optimal" and mip.engine == "highs"
    assert solver.objective == pytest.approx(mip.objective, rel=1e-4)


def test_report_states_the_travel_model_and_its_error(study_path: Path, tmp_path: Path) -> None:
    """The report's assumptions name the travel model and its cross-validated error, as the manifest records them."""
    record = run_scenario(SCENARIOS / "dorset-current.toml", study_path=study_path)
    folder = write_outputs(record, tmp_path)[0]
    error = json.loads((folder / "manifest.json").read_text())["travel"]["calibration_error"]
    report = (folder / "report.md").read_text()
    section = report.split("### Travel model and its error\n")[1].split("#")[0]
    assert "| Model | calibrated |" in section
    assert f"| Mean absolute error | {error['mae_min']:.2f} min |" in section
    assert f"| 90th percentile of the absolute error | {error['p90_abs_min']:.2f} min |" in section
    assert error["scored_on"] in section and error["scheme"] in section
    assert "<h3>Travel model and its error</h3>" in (folder / "report.html").read_text()


def test_manifest_file_reads_back_as_the_record(study_path: Path, tmp_path: Path) -> None:
    """manifest.json is the typed manifest's as_dict(), and the one reader gives the same manifest back."""
    record = run_scenario(SCENARIOS / "services-not-buildings.toml", study_path=study_path)
    path = write_outputs(record, tmp_path)[0] / "manifest.json"
    written = json.loads(path.read_text())
    assert {key: written[key] for key in record.manifest.as_dict()} == json.loads(
        json.dumps(record.manifest.as_dict()))
    assert read_manifest(written, path) == record.manifest
