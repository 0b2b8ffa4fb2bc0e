"""``hubplan serve``: the live what-if server for co-production workshops (one library call)."""

from __future__ import annotations

from pathlib import Path

import click

from hubplan.commands.options import out_root_option, progress_callback, study_option

__all__ = ["serve_command"]


@click.command("serve")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@study_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: 127.0.0.1 is this machine only; give 0.0.0.0 to let the room's "
                   "tablets in (on a trusted network).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="TCP port.")
@out_root_option("serve")
@click.pass_context
def serve_command(ctx: click.Context, scenario_path: Path, study: Path | None, host: str, port: int,
                  out_root: Path) -> None:
    """Start a local web app for workshops: click buildings, see journeys and isolation change at once.

    Saved plans (scenario files) go to OUT/serve/, the only folder the server writes to.
    """
    from hubplan.serve.server import open_workshop, serve

    out_dir = out_root / "serve"
    with progress_callback(ctx.obj.get("progress", False), "travel times"):
        workshop = open_workshop(scenario_path, study_path=study)
    if not ctx.obj.get("quiet"):
        click.echo(f"hubplan serve: {workshop.study.scenario.name} on http://{host}:{port}/ "
                   f"(saved plans go to {out_dir}); Ctrl-C stops it", err=True)
    serve(workshop, out_dir, host=host, port=port)
