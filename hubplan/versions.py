"""Versions of hubplan and the libraries its results depend on."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from hubplan import __version__

__all__ = ["dependency_versions", "machine_record", "show_versions"]

KEY_DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "numba",
    "networkx",
    "shapely",
    "pyproj",
    "pyogrio",
    "geopandas",
    "osmnx",
    "ortools",
    "pydantic",
    "click",
    "matplotlib",
)


def dependency_versions() -> dict[str, str]:
    """Return ``{package: version}`` for hubplan, Python and its key dependencies.

    Returns
    -------
    dict of str to str
        ``"not installed"`` for a missing package.

    Examples
    --------
    >>> dependency_versions()["hubplan"] == __version__
    True
    """
    found = {"hubplan": __version__, "python": platform.python_version()}
    for name in KEY_DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def show_versions() -> str:
    """Return the versions as aligned ``name: version`` lines."""
    versions = dependency_versions()
    width = max(map(len, versions))
    return "\n".join(f"{name:<{width}}  {ver}" for name, ver in versions.items())


def _processor() -> str:
    """The CPU model from ``/proc/cpuinfo`` (Linux), else :func:`platform.processor`."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_record(command: Sequence[str]) -> dict[str, object]:
    """Where, when and how a benchmark ran, for its JSON results.

    Parameters
    ----------
    command : sequence of str
        The command line that produced the results (program and arguments).

    Returns
    -------
    dict of str to object
        ``recorded_utc`` (ISO 8601, seconds), ``machine`` (system and architecture),
        ``processor``, ``cpus``, ``load_average`` (1, 5 and 15 minutes, when the system
        reports it), ``python``, ``hubplan`` and ``command``.

    Examples
    --------
    >>> record = machine_record(["benchmarks/orlib.py", "--all-pmed"])
    >>> record["command"], record["hubplan"] == __version__
    ('benchmarks/orlib.py --all-pmed', True)
    """
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not reported on this system
        load = None
    return {
        "recorded_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "processor": _processor(),
        "cpus": os.cpu_count(),
        "load_average": load,
        "python": platform.python_version(),
        "hubplan": __version__,
        "command": " ".join(command),
    }
