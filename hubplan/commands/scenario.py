"""``hubplan scenario``: validate scenario files and export their JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from hubplan.commands.options import study_option

__all__ = ["scenario"]


@click.group()
def scenario() -> None:
    """Check scenario files."""


@scenario.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@study_option
def validate_command(paths: tuple[Path, ...], study: Path | None) -> None:
    """Validate scenario files: every check short of solving (the first error stops with exit code 2).

    With a study area (--study, the scenario's own `study`, or data/geo/study.gpkg when it exists)
    the sites, localities, demand, travel and the pre-solve feasibility checks run too, and a journey
    limit (max_minutes) is checked with feasibility solves: one no plan can meet is named with the home
    areas beyond it and the smallest limit any plan can meet.
    """
    from hubplan.api import check_scenario
    from hubplan.data.schema import DEFAULT_STUDY_PATH
    from hubplan.scenario import load_scenario

    for path in paths:
        loaded = load_scenario(path)
        study_path = study or loaded.resolve(loaded.study)
        if study_path is None and DEFAULT_STUDY_PATH.is_file():
            study_path = DEFAULT_STUDY_PATH
        if study_path is None:
            click.echo(f"{path}: valid ({loaded.name}); no study area at {DEFAULT_STUDY_PATH}, so its sites, "
                       "localities and feasibility were not checked (give --study)")
            continue
        check_scenario(loaded, study_path=study_path)
        click.echo(f"{path}: valid ({loaded.name}; sites, demand, travel and feasibility checked against "
                   f"{study_path})")


@scenario.command("schema")
def schema_command() -> None:
    """Print the scenario files' JSON Schema."""
    from hubplan.scenario import scenario_json_schema

    click.echo(scenario_json_schema())
