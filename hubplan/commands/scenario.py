"""``hubplan scenario``: validate scenario files and export their JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["scenario"]


@click.group()
def scenario() -> None:
    """Check scenario files."""


@scenario.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Validate one or more scenario files (the first error stops with exit code 2)."""
    from hubplan.scenario import load_scenario

    for path in paths:
        loaded = load_scenario(path)
        click.echo(f"{path}: valid ({loaded.name})")


@scenario.command("schema")
def schema_command() -> None:
    """Print the scenario files' JSON Schema."""
    from hubplan.scenario import scenario_json_schema

    click.echo(scenario_json_schema())
