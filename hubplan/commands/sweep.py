"""``hubplan sweep``: solve many variants of a scenario on dask.distributed and say how robust the plan is."""

from __future__ import annotations

from pathlib import Path

import click

from hubplan.commands.options import checked_seconds, checked_workers, out_root_option, progress_callback, study_option

__all__ = ["sweep"]


@click.command("sweep")
@click.argument("source", metavar="SWEEP_OR_SCENARIO", type=click.Path(path_type=Path))
@click.option("--vary", "vary", multiple=True, metavar="FIELD=VALUES",
              help="Vary a scenario field (SOURCE is then a scenario), e.g. --vary tiers.hub.count=5..9 "
                   "--vary objective.isolation_minutes=40,45,50 --vary travel.speed_factor=0.9,1,1.1.")
@click.option("--draws", type=click.IntRange(1, 100_000), default=None,
              help="With --vary: this many seeded synthetic demand draws (demand.seed 1..N).")
@click.option("--unset", multiple=True, metavar="FIELD",
              help="With --vary: remove a field of the scenario, e.g. tiers.hub.count_per_locality.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster (tcp://HOST:PORT) instead of a local one.")
@click.option("--scheduler-timeout", "timeout_s", type=float, default=None, metavar="SECONDS",
              callback=lambda ctx, param, value: checked_seconds("--scheduler-timeout", value, 600.0),
              help="How long reaching the scheduler may take (default 20).")
@click.option("--workers", type=int, default=None, callback=lambda ctx, param, value: checked_workers(value),
              help="Worker processes of the local cluster (default: one per CPU; at most 4 per CPU).")
@study_option
@out_root_option("sweep")
def sweep(source: Path, vary: tuple[str, ...], draws: int | None, unset: tuple[str, ...],  # noqa: PLR0913
          scheduler: str | None, timeout_s: float | None, workers: int | None, study: Path | None,
          out_root: Path) -> None:
    """Solve every combination of a sweep's parameters; write the table, robustness layer, charts and summary.

    SOURCE is a sweep file (``*.sweep.toml``), or a scenario with ``--vary`` options.
    """
    from hubplan.files.atomic import check_output_parent
    from hubplan.sweep.cluster import SCHEDULER_TIMEOUT_S, parse_scheduler_address
    from hubplan.sweep.run import dask_client, run_on_dask, timed
    from hubplan.sweep.spec import load_sweep, parse_vary
    from hubplan.sweep.worker import shared_inputs
    from hubplan.sweep.writer import check_sweep_folder, write_sweep

    if scheduler is not None:
        parse_scheduler_address(scheduler)  # a malformed address is refused before anything is read
    spec = parse_vary(source, vary, draws=draws, unset=unset) if vary or draws else load_sweep(source)
    check_output_parent(out_root)
    check_sweep_folder(out_root, spec.name)  # before solving: never over a run or a user's folder
    shared = shared_inputs(spec.base, study_path=study)
    # reached (and its workers checked) before anything is printed: a refusal is the only line
    with dask_client(scheduler, workers, timeout_s or SCHEDULER_TIMEOUT_S) as client:
        n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
        click.echo(f"{spec.title}: {len(spec.variants)} variants of {spec.base.name}", err=True)
        click.echo(f"dask: {n_workers} workers; dashboard: {client.dashboard_link}", err=True)
        show = click.get_current_context().find_root().obj.get("progress", False)
        with progress_callback(show, "variants") as progress:
            results, timing = timed(lambda: run_on_dask(client, shared, spec.variants, progress),
                                    scheduler or "local cluster", n_workers)
    folder = write_sweep(spec, shared, results, timing, out_root)
    planned = sum(result.has_plan for result in results)
    click.echo(f"{planned} of {len(results)} variants have a plan ({timing.seconds:.0f} s on {n_workers} workers)")
    for result in results:
        if not result.has_plan:
            click.echo(f"  {result.variant.variant_id} {result.status}: {result.reason}")
    click.echo(f"outputs: {folder}")
    click.echo(f"  {folder / 'index.html'}")

