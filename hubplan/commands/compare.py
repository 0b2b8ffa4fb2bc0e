"""``hubplan compare``: runs side by side, with differences from a baseline."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["compare_command"]


@click.command("compare")
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="SCENARIO_OR_RUN_DIR...")
@click.option("--baseline", default=None, help="Run name to take differences from (default: the first).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("outputs/comparison"),
              show_default=True, help="Folder for comparison.csv, .md and .html.")
@click.option("--runs-out", "runs_root", type=click.Path(path_type=Path), default=Path("outputs"),
              show_default=True, help="Where scenario .toml files given as arguments are written.")
def compare_command(runs: tuple[Path, ...], baseline: str | None, out_dir: Path, runs_root: Path) -> None:
    """Compare run folders (or scenario .toml files, run first) side by side."""
    from hubplan.files.atomic import check_output_parent, check_replaceable
    from hubplan.outputs import compare
    from hubplan.outputs.compare import COMPARISON_FILES, COMPARISON_KIND
    from hubplan.outputs.operational import check_operational_folder
    from hubplan.outputs.writer import check_run_folder
    from hubplan.scenario import load_scenario

    check_output_parent(out_dir.parent)  # before any scenario is run
    check_replaceable(out_dir, kind=COMPARISON_KIND, legacy_files=COMPARISON_FILES)
    check_output_parent(runs_root, option="--runs-out")
    for path in filter(_is_scenario, runs):
        scenario = load_scenario(path)
        check_run_folder(runs_root, scenario.name, option="--runs-out")
        if scenario.transport is not None and scenario.demand.method == "client_file":
            check_operational_folder(runs_root, scenario.name, option="--runs-out")
    folders = [_run_folder(path, runs_root) for path in runs]
    table = compare(folders, baseline=baseline, out_dir=out_dir)
    click.echo(table.to_markdown(), nl=False)
    click.echo(f"comparison: {out_dir}", err=True)


def _is_scenario(path: Path) -> bool:
    return path.suffix == ".toml" and path.is_file()


def _run_folder(path: Path, runs_root: Path) -> Path:
    """A run folder as given, or the folder of a scenario ``.toml`` run now and written under ``runs_root``."""
    if _is_scenario(path):
        from hubplan.api import Study, write_outputs
        from hubplan.outputs.operational import NOT_FOR_PUBLICATION

        folder, operational = write_outputs(Study.open(path).plan(), runs_root)  # operational rounds beside it
        if operational is not None:
            click.echo(f"operational rounds ({NOT_FOR_PUBLICATION}): {operational / 'rounds.csv'}", err=True)
        return folder
    return path
