"""Start the workshop server: open the study once, build the app, run uvicorn on one host and port.

:func:`open_workshop` does the slow part (the study, the starting plan, one warm
evaluation); :func:`serve` binds to ``127.0.0.1`` unless told otherwise.
:class:`BackgroundServer` runs a server in a thread on a free local port, for tests
and benchmarks, and stops it cleanly.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from hubplan.api import Study
from hubplan.serve.app import create_app
from hubplan.serve.workshop import Workshop

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "BackgroundServer", "open_workshop", "serve"]

DEFAULT_HOST = "127.0.0.1"
"""Only this machine can reach the server unless ``--host`` says otherwise."""
DEFAULT_PORT = 8765


def open_workshop(scenario: Path, *, study_path: Path | None = None) -> Workshop:
    """Open the scenario's study, find its starting plan and score it once (so the first click is warm)."""
    workshop = Workshop(Study.open(scenario, study_path=study_path))
    workshop.outcome(workshop.start_plan)
    return workshop


def _hosts(host: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((host, DEFAULT_HOST, "localhost")))


def serve(workshop: Workshop, out_dir: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the workshop server until Ctrl-C.

    Parameters
    ----------
    workshop
        The warm workshop (:func:`open_workshop`).
    out_dir
        The only folder the server writes to.
    host, port
        Where to listen (``127.0.0.1``: this machine only).
    """
    app = create_app(workshop, out_dir, hosts=_hosts(host))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                limit_concurrency=64, timeout_keep_alive=5)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class BackgroundServer:
    """A workshop server on ``127.0.0.1`` in a background thread (``with BackgroundServer(...) as url:``)."""

    def __init__(self, workshop: Workshop, out_dir: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(create_app(workshop, out_dir, hosts=_hosts(DEFAULT_HOST)), host=DEFAULT_HOST,
                                port=self.port, log_level="warning", access_log=False, limit_concurrency=64)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="hubplan-serve")

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{DEFAULT_HOST}:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20.0
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workshop server did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10.0)
