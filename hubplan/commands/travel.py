"""``hubplan travel``: travel-time matrices and the calibrated model's parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hubplan.commands.options import cache_dir_option, progress_callback, speeds_option

__all__ = ["travel"]


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
@cache_dir_option(Path(".cache/hubplan"), "Cache for osm matrices.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV to write: origin_id,destination_id,minutes,km.",
)
@click.pass_context
def matrix_command(  # noqa: PLR0913 - click passes one parameter per option
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
    from hubplan.files.atomic import check_output_file
    from hubplan.travel import RoadOptions, travel_matrix
    from hubplan.travel.io import MATRIX_OUTPUT, read_points_csv, write_matrix_csv

    check_output_file(out, what=MATRIX_OUTPUT, create_parent=True)  # before the shortest paths
    o = read_points_csv(origins, option="--origins")
    d = read_points_csv(destinations, option="--destinations")
    with progress_callback(bool((ctx.obj or {}).get("progress")), "shortest paths") as progress:
        tm = travel_matrix(
            o,
            d,
            model=model,
            network=network,
            roads=RoadOptions(speeds_kph=speeds or None, max_snap_km=max_snap_km, cache_dir=cache_dir),
            progress=progress,
        )
    write_matrix_csv(tm, out)
    click.echo(f"wrote {out}: {tm.minutes.size} pairs ({tm.model} model)")
    click.echo(_summary(tm.details))


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
    """Refit the calibrated model and the bus-round leg model by grouped cross-validation; write both."""
    from hubplan.data.sources import default_source_dir
    from hubplan.files.atomic import check_output_file
    from hubplan.travel.calibrated import PARAMETERS_FILE, PARAMETERS_OUTPUT, write_parameters
    from hubplan.travel.legs import LEGS_KEY, calibrate_with_legs

    check_output_file(out or PARAMETERS_FILE, what=PARAMETERS_OUTPUT, create_parent=True)
    params = calibrate_with_legs(source or default_source_dir(), seed=seed)
    path = write_parameters(params, out or PARAMETERS_FILE)
    cv = params["cross_validation"]
    click.echo(
        f"wrote {path}: {params['form']} {params['coefficients']} fitted on d <= "
        f"{params['fit_max_km']} km (n={params['n_fit']}); "
        f"cross-validated MAE {cv['mae_min']} min, "
        f"bias {cv['bias_min']} min, p90 {cv['p90_abs_min']} min"
    )
    legs = params[LEGS_KEY]
    supported = legs["cross_validation"]["supported_range"]
    lo, hi = legs["supported_range_km"]
    click.echo(
        f"legs of bus rounds: {legs['form']} {legs['coefficients']} (zero at 0 km); "
        f"cross-validated MAE {supported['mae_min']} min, bias {supported['bias_min']} min "
        f"on {lo:g}-{hi:g} km, the range it is supported by"
    )
