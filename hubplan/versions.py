"""Versions of hubplan and the libraries its results depend on."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from hubplan import __version__

__all__ = ["dependency_versions", "show_versions"]

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
