"""Helpers for tests that interrupt real hubplan processes (Ctrl-C while routing or sweeping)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil


def default_sigint() -> None:
    """In the child before exec: Ctrl-C handled as in a foreground shell (a background test run ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def alive(processes: list[psutil.Process]) -> list[int]:
    """The PIDs of ``processes`` still running (zombies count as gone)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process.pid)
        except psutil.NoSuchProcess:
            continue
    return running


#: The one line a command prints when Ctrl-C stops it.
INTERRUPTED = ["hubplan: interrupted (Ctrl-C); unfinished outputs were discarded"]


def interrupt(child: subprocess.Popen[str], *, to_group: bool, timeout: float) -> tuple[str, float]:
    """Send Ctrl-C to ``child`` (or its whole process group, as a terminal does); its stderr and the seconds it took.

    The child is killed if it is still running afterwards, whatever happened.
    """
    try:
        sent = time.monotonic()
        if to_group:
            os.killpg(child.pid, signal.SIGINT)
        else:
            child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=timeout)
        return err, time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
