"""Options and the progress bar that several commands share, defined once."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from hubplan.progress import Progress

__all__ = [
    "WORKERS_PER_CPU",
    "cache_dir_option",
    "checked_seconds",
    "checked_workers",
    "out_root_option",
    "parse_speeds",
    "progress_callback",
    "speeds_option",
    "study_option",
]


study_option = click.option(
    "--study", type=click.Path(path_type=Path), default=None,
    help="Study-area GeoPackage (default data/geo/study.gpkg)."
)


def parse_speeds(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
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


def out_root_option(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The ``--out`` folder under which a command writes its folder (``outputs/<kind>/``), passed as ``out_root``."""
    return click.option("--out", "out_root", type=click.Path(path_type=Path), default=Path("outputs"),
                        show_default=True, help=f"Folder under which outputs/<{kind}>/ is written.")


def cache_dir_option(default: Path, help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A ``--cache-dir`` option with the command's own default folder and meaning."""
    return click.option(
        "--cache-dir", type=click.Path(path_type=Path), default=default, show_default=True, help=help_text
    )


@contextlib.contextmanager
def progress_callback(enabled: bool, label: str) -> Iterator[Progress | None]:
    """Yield a ``(done, total)`` callback drawing a rich progress bar on stderr, or ``None`` when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as ProgressBar

    with ProgressBar(transient=True, console=Console(stderr=True)) as bar:  # stdout stays clean for the results
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


WORKERS_PER_CPU = 4
"""Most local worker processes per CPU (``--workers``). Assumption: a sweep's solves are CPU-bound,
so more processes than CPUs only share them; four per CPU leaves room to oversubscribe on purpose
and refuses a typo such as 512 (each worker holds the study area and matrix: 370-560 MB measured)."""


def checked_seconds(option: str, value: float | None, most: float) -> float | None:
    """``value`` if it is a finite number of seconds in (0, ``most``]; else a one-line error naming ``option``."""
    from hubplan.errors import input_error

    if value is None:
        return None
    if not math.isfinite(value) or not 0 < value <= most:
        raise input_error(option, repr(value), f"is not a number of seconds above 0 and at most {most:g}",
                          f"give {option} a number such as 30")
    return value


def checked_workers(value: int | None) -> int | None:
    """``value`` if it is between 1 and :data:`WORKERS_PER_CPU` per CPU of this machine; else a one-line error."""
    from hubplan.errors import input_error

    if value is None:
        return None
    cpus = os.cpu_count() or 1
    most = WORKERS_PER_CPU * cpus
    if not 1 <= value <= most:
        raise input_error("--workers", str(value), f"is not from 1 to {most} ({WORKERS_PER_CPU} per CPU, "
                          f"{cpus} CPUs here)", f"give at most {most}, or leave it out for one per CPU")
    return value
