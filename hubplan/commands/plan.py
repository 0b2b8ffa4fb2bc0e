"""``hubplan evaluate`` and ``hubplan run``: one library call each."""

from __future__ import annotations

from pathlib import Path

import click

from hubplan.commands.options import progress_callback, study_option
from hubplan.provenance import TravelProvenance

__all__ = ["evaluate", "run", "travel_line"]


def travel_line(travel: TravelProvenance) -> str:
    """One line naming the travel model and its stated error."""
    error = travel.calibration_error
    if error is None:
        return f"travel model: {travel.model}"
    return (
        f"travel model: {travel.model} (cross-validated error on real Dorset drive times: "
        f"MAE {error.mae_min:.1f} min, bias {error.bias_min:+.1f} min, "
        f"90th percentile {error.p90_abs_min:.1f} min; {error.scored_on})"
    )


def _figure(value: float | None, spec: str) -> str:
    """A solver figure, or ``n/a`` when the solver reported none."""
    return "n/a" if value is None else format(value, spec)


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write the metrics as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, scenario_path: Path, study: Path | None, json_path: Path | None) -> None:
    """Send each home area to its nearest open site and report journeys per locality."""
    from hubplan.outputs.privacy import protect
    from hubplan.pipeline import evaluate_scenario
    from hubplan.tables import render_table

    with progress_callback(ctx.obj.get("progress", False), "travel times") as progress:
        record = protect(evaluate_scenario(scenario_path, study_path=study, progress=progress))
    overall = record.metrics["overall"]
    attendees = f"<{record.suppress_below}" if overall["attendees"] is None else f"{overall['attendees']:.0f}"
    click.echo(f"{record.title}: {overall['sites_open']} open sites, {attendees} attendees")
    click.echo(travel_line(record.manifest.travel))
    click.echo(f"isolated = journey over {overall['isolation_minutes']:g} minutes")
    click.echo(render_table(record.metrics))
    if json_path is not None:
        from hubplan.errors import input_error
        from hubplan.files.jsontext import dumps_json

        try:
            json_path.write_text(dumps_json(record.metrics), encoding="utf-8")
        except OSError as err:
            raise input_error(json_path, "--json", f"cannot write the metrics file ({err.strerror})",
                              "give a path in an existing, writable folder") from err


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True,
              help="Folder under which outputs/<scenario>/ is written.")
@click.option("--alternatives", "alternatives", type=click.IntRange(1, 20), default=1, show_default=True,
              metavar="K", help="Also find the next best distinct plans, K in all (recorded in manifest.json).")
@click.pass_context
def run(ctx: click.Context, scenario_path: Path, study: Path | None, out_root: Path, alternatives: int) -> None:
    """Optimise a scenario and write its layers, map, report, metrics and manifest."""
    from hubplan.files.atomic import check_output_parent
    from hubplan.outputs import write_run
    from hubplan.outputs.privacy import protect
    from hubplan.pipeline import run_scenario
    from hubplan.tables import render_table

    check_output_parent(out_root)  # before the solve, not after it
    with progress_callback(ctx.obj.get("progress", False), "travel times") as progress:
        record = run_scenario(scenario_path, study_path=study, progress=progress, alternatives=alternatives)
    record = protect(record)  # the console shows what the published outputs show
    folder = write_run(record, out_root)
    solver = record.manifest.solver
    click.echo(f"{record.title}: solver status {solver.status}, objective {_figure(solver.objective, '.6g')}, "
               f"bound {_figure(solver.best_bound, '.6g')}, gap {_figure(solver.gap, '.2%')}")
    if alternatives > 1:
        from hubplan.alternatives import describe

        for plan in record.manifest.alternatives:
            click.echo(describe(plan, solver.objective_type))
        if len(record.manifest.alternatives) < alternatives - 1:
            click.echo(f"no further distinct plan: {len(record.manifest.alternatives) + 1} found in all")
    click.echo(travel_line(record.manifest.travel))
    click.echo(render_table(record.metrics))
    click.echo(f"outputs: {folder}")
    for name in ("map.html", "report.html"):
        if (folder / name).exists():
            click.echo(f"  {folder / name}")
