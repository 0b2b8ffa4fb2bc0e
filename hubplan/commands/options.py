"""Options and the progress bar that several commands share, defined once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from hubplan.progress import Progress

__all__ = [
    "cache_dir_option", "out_root_option", "parse_speeds", "progress_callback", "speeds_option", "study_option",
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
