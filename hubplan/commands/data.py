"""``hubplan data``: build and inspect the study-area dataset."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["data"]


@click.group()
def data() -> None:
    """Build and inspect the study-area dataset (data/geo/study.gpkg)."""


@data.command("build")
@click.option("--source", type=click.Path(path_type=Path), default=None,
              help="Source folder laid out like ../shared/data (default: $HUBPLAN_SOURCE or ../shared/data).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="GeoPackage to write (default data/geo/study.gpkg).")
def build_command(source: Path | None, out: Path | None) -> None:
    """Build the study-area GeoPackage from the public source files."""
    from hubplan.data.build import STUDY_OUTPUT, build_study_area
    from hubplan.data.schema import DEFAULT_STUDY_PATH
    from hubplan.data.sources import default_source_dir
    from hubplan.files.atomic import check_output_file

    check_output_file(out or DEFAULT_STUDY_PATH, what=STUDY_OUTPUT, create_parent=True)  # before the build
    summary = build_study_area(source or default_source_dir(), out or DEFAULT_STUDY_PATH)
    counts = ", ".join(f"{count} {layer}" for layer, count in summary.counts.items())
    click.echo(f"wrote {summary.path}: {counts}")


@data.command("sites")
@click.option("--study", type=click.Path(path_type=Path), default=None, help="Study-area GeoPackage.")
@click.option("--kind", default=None, help="Only sites of this kind (day_centre, library, gp_practice, ...).")
def sites_command(study: Path | None, kind: str | None) -> None:
    """List site IDs, names, kinds and localities (for scenario files)."""
    from hubplan.data.study import load_study_area

    sites = load_study_area(study).sites
    if kind is not None:
        sites = sites[sites["kind"] == kind]
    click.echo(sites[["site_id", "name", "kind", "locality"]].to_string(index=False))
