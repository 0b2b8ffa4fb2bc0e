"""``hubplan travel``: travel-time matrices and the calibrated model's parameters."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["parse_speeds", "travel"]


def parse_speeds(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, float]:
    """Turn ``--speeds primary=64 --speeds residential=30`` (or comma lists) into a dict."""
    speeds: dict[str, float] = {}
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, sep, kph = item.partition("=")
            try:
                speed = float(kph)
            except ValueError:
                speed = float("nan")
            if not sep or not name.strip() or not speed > 0:
                raise click.BadParameter(
                    f"{item!r} is not CLASS=KPH with a positive speed (e.g. residential=30)",
                    ctx=ctx,
                    param=param,
                )
            speeds[name.strip()] = speed
    return speeds


speeds_option = click.option(
    "--speeds",
    multiple=True,
    callback=parse_speeds,
    metavar="CLASS=KPH[,...]",
    help="Override speeds per OSM highway class, e.g. --speeds residential=30,primary=64.",
)


@click.group()
def travel() -> None:
    """Travel minutes and road km between points; calibrate the offline model."""


@travel.command("matrix")
@click.option(
    "--origins", type=click.Path(path_type=Path), required=True, help="CSV with id,lat,lon."
)
@click.option(
    "--destinations", type=click.Path(path_type=Path), required=True, help="CSV with id,lat,lon."
)
@click.option(
    "--model", type=click.Choice(["calibrated", "osm"]), default="calibrated", show_default=True
)
@click.option(
    "--network",
    type=click.Path(path_type=Path),
    default=None,
    help="Road network (.osm, .osm.bz2, .graphml, .graphml.gz) for --model osm.",
)
@speeds_option
@click.option(
    "--max-snap-km",
    type=float,
    default=2.0,
    show_default=True,
    help="Farthest a point may be from the network (osm).",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    default=Path(".cache/hubplan"),
    show_default=True,
    help="Cache for osm matrices.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV to write: origin_id,destination_id,minutes,km.",
)
@click.pass_context
def matrix_command(
    ctx: click.Context,
    origins: Path,
    destinations: Path,
    model: str,
    network: Path | None,
    speeds: dict[str, float],
    max_snap_km: float,
    cache_dir: Path,
    out: Path,
) -> None:
    """Write minutes and road km from every origin to every destination."""
    from hubplan.travel import travel_matrix
    from hubplan.travel.io import read_points_csv, write_matrix_csv

    o = read_points_csv(origins, option="--origins")
    d = read_points_csv(destinations, option="--destinations")
    show = bool((ctx.obj or {}).get("progress"))
    with click.progressbar(
        length=1, label="shortest paths", file=sys.stderr if show else _Null()
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        tm = travel_matrix(
            o,
            d,
            model=model,
            network=network,
            speeds_kph=speeds or None,
            max_snap_km=max_snap_km,
            cache_dir=cache_dir,
            progress=progress,
        )
    write_matrix_csv(tm, out)
    click.echo(f"wrote {out}: {tm.minutes.size} pairs ({tm.model} model)")
    click.echo(_summary(tm.details))


class _Null:
    """A file-like sink so progress bars can be switched off."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False


def _summary(details: dict[str, Any] | Any) -> str:
    if details.get("model") == "calibrated":
        err = details["calibration_error"]
        return (
            f"calibrated {details['formula']} with coefficients {details['coefficients']}; "
            f"cross-validated MAE {err['mae_min']} min, bias {err['bias_min']} min, "
            f"p90 {err['p90_abs_min']} min (n={err['n']}); "
            f"{details['pairs_beyond_fitted_range']} pairs beyond the fitted range"
        )
    snap = details["snapping"]
    return (
        f"network {details['network_file']} ({details['network_nodes']} nodes); "
        f"farthest snap {max(snap['origins']['max_km'], snap['destinations']['max_km'])} km; "
        f"{details['unreachable_pairs']} unreachable pairs; cache hit: {details['cache_hit']}"
    )


@travel.command("calibrate")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="Data folder holding roads/calibration/ (default: $HUBPLAN_SOURCE or ../shared/data).",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the cross-validation folds."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Parameters file to write (default: the committed hubplan/travel/calibration.json).",
)
def calibrate_command(source: Path | None, seed: int, out: Path | None) -> None:
    """Refit the calibrated model by grouped cross-validation and write its parameters."""
    from hubplan.sources import default_source_dir
    from hubplan.travel.calibrated import PARAMETERS_FILE, calibrate, write_parameters

    params = calibrate(source or default_source_dir(), seed=seed)
    path = write_parameters(params, out or PARAMETERS_FILE)
    cv = params["cross_validation"]
    click.echo(
        f"wrote {path}: {params['form']} {params['coefficients']} fitted on d <= "
        f"{params['fit_max_km']} km (n={params['n_fit']}); "
        f"cross-validated MAE {cv['mae_min']} min, "
        f"bias {cv['bias_min']} min, p90 {cv['p90_abs_min']} min"
    )
