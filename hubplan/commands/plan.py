"""``hubplan evaluate``, ``hubplan run`` and ``hubplan transport``: one library call each."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hubplan.commands.options import checked_seconds, out_root_option, progress_callback, study_option
from hubplan.provenance import SolverRecord, TravelProvenance

if TYPE_CHECKING:  # the scenario package is loaded when a command runs, not at start-up
    from hubplan.scenario import Scenario

__all__ = ["evaluate", "run", "solver_line", "transport", "travel_line"]


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


def solver_line(solver: SolverRecord) -> str:
    """How good the plan is, in one line: the solver's status and proof, or how a fixed plan was evaluated.

    Examples
    --------
    >>> solver_line(SolverRecord.evaluation("fixed plan"))
    'evaluated (fixed plan): nothing to choose, so nothing was optimised'
    >>> solver_line(SolverRecord("optimal", objective=12.5, best_bound=12.5, gap=0.0))
    'solver status optimal, objective 12.5, bound 12.5, gap 0.00%'
    """
    if solver.status == "evaluated":
        return f"evaluated ({solver.method}): nothing to choose, so nothing was optimised"
    return (f"solver status {solver.status}, objective {_figure(solver.objective, '.6g')}, "
            f"bound {_figure(solver.best_bound, '.6g')}, gap {_figure(solver.gap, '.2%')}")


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write the metrics as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, scenario_path: Path, study: Path | None, json_path: Path | None) -> None:
    """Evaluate the fixed plan (required sites, each in its tiers) and report journeys per locality."""
    from hubplan.api import Study, publish
    from hubplan.files.atomic import check_output_file, write_text_atomic
    from hubplan.files.jsontext import dumps_json
    from hubplan.tables import render_table

    if json_path is not None:
        check_output_file(json_path, option="--json", what="the metrics file")  # before the evaluation
    with progress_callback(ctx.obj.get("progress", False), "travel times") as progress:
        record = publish(Study.open(scenario_path, study_path=study, progress=progress).evaluate()).record
    overall = record.metrics["overall"]
    attendees = f"<{record.suppress_below}" if overall["attendees"] is None else f"{overall['attendees']:.0f}"
    click.echo(f"{record.title}: {overall['sites_open']} open sites, {attendees} attendees")
    click.echo(travel_line(record.manifest.travel))
    click.echo(f"isolated = journey over {overall['isolation_minutes']:g} minutes")
    click.echo(render_table(record.metrics))
    if json_path is not None:
        write_text_atomic(json_path, dumps_json(record.metrics), option="--json", what="the metrics file")


def _run_and_write(ctx: click.Context, scenario: Scenario, study: Path | None, out_root: Path, *,
                   alternatives: int, transport: bool, time_limit_s: float | None = None,
                   alternatives_differ: str = "buildings") -> None:
    """Optimise (or evaluate) a scenario, route its transport, write its outputs and print the tables."""
    from hubplan.api import Study, publish, write_outputs
    from hubplan.files.atomic import check_output_parent
    from hubplan.outputs.operational import NOT_FOR_PUBLICATION, check_operational_folder
    from hubplan.outputs.writer import check_run_folder
    from hubplan.tables import render_table, render_transport_table

    check_output_parent(out_root)  # before the solve, not after it
    check_run_folder(out_root, scenario.name)
    if transport and scenario.transport is not None and scenario.demand.method == "client_file":
        check_operational_folder(out_root, scenario.name)
    enabled = ctx.obj.get("progress", False)
    with progress_callback(enabled, "travel times") as progress, \
            progress_callback(enabled, "transport rounds") as rounds_progress:
        planned = Study.open(scenario, study_path=study, progress=progress).with_time_limit(time_limit_s).plan(
            alternatives=alternatives, transport=transport, transport_progress=rounds_progress,
            alternatives_differ=alternatives_differ)
    folder, operational = write_outputs(planned, out_root)
    record = publish(planned).record  # the console shows what the published outputs show
    solver = record.manifest.solver
    click.echo(f"{record.title}: {solver_line(solver)}")
    if alternatives > 1:
        from hubplan.alternatives import describe
        from hubplan.outputs.wording import tier_labels_of

        labels = tier_labels_of(record.sites)
        for plan in record.manifest.alternatives:
            click.echo(describe(plan, solver.objective_type, labels))
        found = len(record.manifest.alternatives) + 1
        if solver.status == "evaluated":
            click.echo("no other plans: the scenario fixes its plan, so there is nothing else to consider")
        elif found < alternatives:
            click.echo(f"no further distinct plan: {found} found in all, the best included")
    click.echo(travel_line(record.manifest.travel))
    click.echo(render_table(record.metrics))
    if "transport" in record.metrics:
        routed = record.metrics["transport"]
        click.echo(f"transport plan: {routed['status']}; per typical day unless marked per year")
        hidden = f"<{record.suppress_below}" if record.suppress_below else "hidden"
        click.echo(render_transport_table(routed, hidden=hidden))
    click.echo(f"outputs: {folder}")
    for name in ("map.html", "report.html"):
        if (folder / name).exists():
            click.echo(f"  {folder / name}")
    if operational is not None:
        click.echo(f"operational rounds ({NOT_FOR_PUBLICATION}): {operational / 'rounds.csv'}")


out_option = out_root_option("scenario")


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@out_option
@click.option("--alternatives", "alternatives", type=click.IntRange(1, 20), default=1, show_default=True,
              metavar="K", help="Find the K best distinct plans, the best included (compared in the report under "
              "'Other plans considered' and recorded in manifest.json).")
@click.option("--alternatives-differ", "alternatives_differ", type=click.Choice(["buildings", "tiers"]),
              default="buildings", show_default=True,
              help="What makes plans distinct: the set of open buildings, or also which building hosts which tier.")
@click.option("--no-transport", "no_transport", is_flag=True, default=False,
              help="Skip routing the minibus rounds even when the scenario has a [transport] table.")
@click.pass_context
def run(ctx: click.Context, scenario_path: Path, study: Path | None, out_root: Path, alternatives: int,
        alternatives_differ: str, no_transport: bool) -> None:
    """Optimise a scenario (or evaluate a fixed plan) and write its layers, map, report, metrics and manifest.

    With a [transport] table, also route the plan's morning and afternoon minibus rounds.
    """
    from hubplan.scenario import load_scenario

    _run_and_write(ctx, load_scenario(scenario_path), study, out_root, alternatives=alternatives,
                   transport=not no_transport, alternatives_differ=alternatives_differ)


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@out_option
@click.option("--time-limit", "time_limit_s", type=float, default=None, metavar="S",
              callback=lambda ctx, param, value: checked_seconds("--time-limit", value, 24 * 3600.0),
              help="Safety time cap on the whole plan's routing, which stops on its work budget "
              "(transport.search_steps) otherwise (default: the scenario's transport.time_limit_s).")
@click.pass_context
def transport(ctx: click.Context, scenario_path: Path, study: Path | None, out_root: Path,
              time_limit_s: float | None) -> None:
    """Plan a scenario and route its minibus rounds (the scenario needs a [transport] table).

    Prints vehicles, vehicle-km and -hours, ride times, CO2e and cost per locality, and
    writes the run's outputs with the transport figures and public routes layer.
    """
    from hubplan.errors import input_error
    from hubplan.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    if scenario.transport is None:
        raise input_error(scenario_path, "transport", "the scenario has no [transport] table",
                          "add one (see README, Transport plan), e.g. a line [transport] to take every default")
    _run_and_write(ctx, scenario, study, out_root, alternatives=1, transport=True, time_limit_s=time_limit_s)
