"""``hubplan evaluate`` and ``hubplan run``: one library call each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hubplan.commands.options import progress_callback, study_option

__all__ = ["evaluate", "run"]

def travel_line(manifest: dict[str, Any]) -> str:
    """One line naming the travel model and its stated error."""
    travel = manifest["travel"]
    error = travel.get("calibration_error")
    if isinstance(error, dict) and "mae_min" in error:
        return (
            f"travel model: {travel['model']} (cross-validated error on real Dorset drive times: "
            f"MAE {error['mae_min']:.1f} min, bias {error['bias_min']:+.1f} min, "
            f"90th percentile {error['p90_abs_min']:.1f} min; {error.get('scored_on', '')})"
        )
    return f"travel model: {travel['model']}"


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write the metrics as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, scenario_path: Path, study: Path | None, json_path: Path | None) -> None:
    """Send each home area to its nearest open site and report journeys per locality."""
    from hubplan.files.atomic import check_output_file, write_text_atomic
    from hubplan.pipeline import evaluate_scenario
    from hubplan.tables import render_table

    if json_path is not None:
        check_output_file(json_path, option="--json", what="the metrics file")  # before the evaluation
    with progress_callback(ctx.obj.get("progress", False), "travel times") as progress:
        record = evaluate_scenario(scenario_path, study_path=study, progress=progress)
    overall = record.metrics["overall"]
    click.echo(f"{record.title}: {overall['sites_open']} open sites, {overall['attendees']:.0f} attendees")
    click.echo(travel_line(dict(record.manifest)))
    click.echo(f"isolated = journey over {overall['isolation_minutes']:g} minutes")
    click.echo(render_table(record.metrics))
    if json_path is not None:
        text = json.dumps(record.metrics, indent=2, sort_keys=True) + "\n"
        write_text_atomic(json_path, text, option="--json", what="the metrics file")


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True,
              help="Folder under which outputs/<scenario>/ is written.")
@click.pass_context
def run(ctx: click.Context, scenario_path: Path, study: Path | None, out_root: Path) -> None:
    """Optimise a scenario and write its layers, map, report, metrics and manifest."""
    from hubplan.files.atomic import check_output_parent, check_replaceable
    from hubplan.outputs.writer import is_unmarked_run, write_run
    from hubplan.pipeline import run_scenario
    from hubplan.scenario import load_scenario
    from hubplan.tables import render_table

    check_output_parent(out_root)  # before the solve, not after it
    check_replaceable(out_root / load_scenario(scenario_path).name, adopt=is_unmarked_run)
    with progress_callback(ctx.obj.get("progress", False), "travel times") as progress:
        record = run_scenario(scenario_path, study_path=study, progress=progress)
    folder = write_run(record, out_root)
    solver = record.manifest["solver"]
    objective = solver.get("objective", float("nan"))
    click.echo(f"{record.title}: solver status {solver['status']}, objective {objective:.6g}, "
               f"bound {solver.get('best_bound', float('nan')):.6g}, gap {solver.get('gap', float('nan')):.2%}")
    click.echo(travel_line(dict(record.manifest)))
    click.echo(render_table(record.metrics))
    click.echo(f"outputs: {folder}")
    for name in ("map.html", "report.html"):
        if (folder / name).exists():
            click.echo(f"  {folder / name}")
