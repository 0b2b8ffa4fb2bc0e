"""``hubplan network``: build or fetch the road network a scenario names."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hubplan.commands.options import cache_dir_option, speeds_option

__all__ = ["network"]


def _default_out(name: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "network"
    return Path("data") / "geo" / f"network-{slug}.graphml.gz"


network_out_option = click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="GraphML to write (default data/geo/network-NAME.graphml.gz).",
)


@click.group()
def network() -> None:
    """Road networks for the osm travel model."""


@network.command("build")
@click.option(
    "--osm",
    "osm",
    type=click.Path(path_type=Path),
    required=True,
    help="OpenStreetMap extract (.osm, .osm.bz2 or .graphml[.gz]).",
)
@network_out_option
@speeds_option
def build_command(osm: Path, out: Path | None, speeds: dict[str, float]) -> None:
    """Load an OSM file, add speeds and travel times, and write GraphML for scenarios."""
    from hubplan.files.atomic import check_output_file
    from hubplan.travel.roads import NETWORK_OUTPUT, build_network

    target = out or _default_out(osm.name.split(".")[0])
    check_output_file(target, what=NETWORK_OUTPUT, create_parent=True)  # before the network is loaded
    summary = build_network(osm, target, speeds_kph=speeds or None)
    click.echo(f"wrote {summary['out']}: {summary['nodes']} nodes, {summary['edges']} edges")


@network.command("fetch")
@click.option("--place", required=True, help='Place to geocode, e.g. "Dorset, England".')
@network_out_option
@cache_dir_option(Path(".cache/osmnx"), "osmnx download cache.")
@speeds_option
def fetch_command(place: str, out: Path | None, cache_dir: Path, speeds: dict[str, float]) -> None:
    """Download a drive network with osmnx (needs internet) and write GraphML."""
    from hubplan.files.atomic import check_output_file
    from hubplan.travel.roads import NETWORK_OUTPUT, fetch_network

    target = out or _default_out(place)
    check_output_file(target, what=NETWORK_OUTPUT, create_parent=True)  # before the download
    summary = fetch_network(place, target, cache_dir=cache_dir, speeds_kph=speeds or None)
    click.echo(f"wrote {summary['out']}: {summary['nodes']} nodes, {summary['edges']} edges")
