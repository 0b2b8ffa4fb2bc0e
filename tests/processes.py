"""Helpers for tests that interrupt real hubplan processes (Ctrl-C while routing or sweeping)."""

from __future__ import annotations

import signal

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
