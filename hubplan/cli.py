"""The ``hubplan`` command line: thin click commands, one library call each.

Exit codes
----------
0
    Success.
1
    An unexpected internal error (a bug: please report it with the traceback
    printed under ``-v``).
2
    Bad input, missing data, an infeasible scenario, a solver failure, or an
    output that cannot be written (a full disk, a folder hubplan did not write
    in the way): a one-line message names the file, the field and the fix.
130
    Interrupted by Ctrl-C (SIGINT): one line says so; unfinished outputs are
    discarded, and the previous outputs stay as they were.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from hubplan import __version__
from hubplan.errors import HubplanError

__all__ = ["main"]

log = logging.getLogger(__name__)


EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C: 128 + SIGINT (2), as shells report a process ended by it."""


class HubplanGroup(click.Group):
    """A click group that turns every :class:`HubplanError` into one line and exit code 2.

    Ctrl-C becomes one line and exit code 130 (not click's ``Aborted!`` and 1).
    """

    def main(self, args: Any = None, *more: Any, **options: Any) -> Any:
        """Run the command line; after Ctrl-C in a real process, end it at once (see :func:`_exit_now`).

        ``args is None`` means the real command line (the console script); a caller
        passing arguments (a test's ``CliRunner``) gets the usual ``SystemExit``.
        """
        try:
            return super().main(args, *more, **options)
        except SystemExit as done:
            if args is None and done.code == EXIT_INTERRUPTED:
                _exit_now(EXIT_INTERRUPTED)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the subcommand, translating hubplan errors and Ctrl-C."""
        try:
            return super().invoke(ctx)
        except HubplanError as err:
            one_line = str(err).replace("\r", "\\r").replace("\n", "\\n")
            click.echo(f"hubplan: error: {one_line}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("hubplan: interrupted (Ctrl-C); unfinished outputs were discarded", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _exit_now(code: int) -> None:
    """Kill this process's own child processes, flush the streams and exit with ``code`` without teardown.

    After Ctrl-C every output has already been discarded (the writers clean up as the
    interrupt passes through them); what is left is the interpreter's teardown of a
    sweep's or routing's modules and arrays, measured at 1.1-1.5 s after a sweep, which
    would break the promise to stop within 2 s. Worker processes this process started
    (a local Dask cluster's, a routing pool's) are killed first, so none is left behind.
    """
    import multiprocessing
    import multiprocessing.util
    import os

    for child in multiprocessing.active_children():
        child.kill()
    for child in multiprocessing.active_children():
        child.join(timeout=1)
    # release what the killed pools held (their semaphores), or the resource tracker complains on stderr
    multiprocessing.util._run_finalizers(0)  # type: ignore[attr-defined]
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@click.group(cls=HubplanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hubplan")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Draw progress bars on long steps (default: only on a terminal).",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, progress: bool | None) -> None:
    """Plan hub, spoke and specialist day services (Dorset Council's day opportunities)."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.obj["progress"] = (not quiet and sys.stderr.isatty()) if progress is None else progress


@main.command("show-versions")
def show_versions_command() -> None:
    """Print the versions of hubplan and its key dependencies."""
    from hubplan.versions import show_versions

    click.echo(show_versions())


def _register() -> None:
    """Add every subcommand (each module imports only click at load time, so ``--help`` stays fast)."""
    from hubplan.commands.compare import compare_command
    from hubplan.commands.data import data
    from hubplan.commands.network import network
    from hubplan.commands.plan import evaluate, run, transport
    from hubplan.commands.scenario import scenario
    from hubplan.commands.serve import serve_command
    from hubplan.commands.sweep import sweep
    from hubplan.commands.travel import travel

    for command in (data, scenario, evaluate, run, transport, compare_command, travel, network, sweep,
                    serve_command):
        main.add_command(command)


_register()
