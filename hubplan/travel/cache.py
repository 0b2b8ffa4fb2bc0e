"""An on-disk cache of travel matrices (``.npz``), keyed by everything that shapes them.

The key is a SHA-256 over the network file's bytes, the speeds and snapping
settings, and the points (ids and coordinates). So a changed network, speed or
point is a miss. A cache entry that cannot be read is logged and ignored,
never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hubplan.files.atomic import atomic_file
from hubplan.points import Points

__all__ = ["load_matrix", "matrix_key", "save_matrix"]

log = logging.getLogger(__name__)

#: Bump when the engine's output for the same inputs changes, to retire old entries.
CACHE_VERSION = 1


def matrix_key(
    *, network_sha256: str, settings: Mapping[str, Any], origins: Points, destinations: Points
) -> str:
    """Hex SHA-256 identifying one matrix computation.

    Examples
    --------
    >>> p = Points(("a",), np.array([-2.4]), np.array([50.7]))
    >>> k1 = matrix_key(network_sha256="00", settings={"s": 1}, origins=p, destinations=p)
    >>> k2 = matrix_key(network_sha256="00", settings={"s": 2}, origins=p, destinations=p)
    >>> len(k1), k1 == k2
    (64, False)
    """
    digest = hashlib.sha256()
    head = {"v": CACHE_VERSION, "network": network_sha256, "settings": settings}
    digest.update(json.dumps(head, sort_keys=True, default=str).encode())
    for pts in (origins, destinations):
        digest.update(json.dumps(list(pts.ids)).encode())
        digest.update(np.ascontiguousarray(pts.lon, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(pts.lat, dtype="<f8").tobytes())
    return digest.hexdigest()


def _path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / f"travel-{key[:32]}.npz"


def load_matrix(
    cache_dir: Path, key: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], dict[str, Any]] | None:
    """Return ``(minutes, km, details)`` for ``key``, or ``None`` on a miss or unreadable entry."""
    path = _path(cache_dir, key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            minutes = np.array(data["minutes"], dtype=np.float64)
            km = np.array(data["km"], dtype=np.float64)
            details = json.loads(str(data["details"]))
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        log.warning("ignoring unreadable travel cache entry %s (%s)", path, err)
        return None
    return minutes, km, details


def save_matrix(
    cache_dir: Path,
    key: str,
    minutes: npt.NDArray[np.float64],
    km: npt.NDArray[np.float64],
    details: Mapping[str, Any],
) -> Path:
    """Store a matrix atomically (:func:`~hubplan.files.atomic.atomic_file`); return its path.

    Raises
    ------
    InputError
        The cache folder cannot be written (e.g. a full disk).
    """
    path = _path(Path(cache_dir), key)
    with (
        atomic_file(path, option="--cache-dir", what="the travel-time cache", create_parent=True) as tmp,
        tmp.open("wb") as handle,
    ):
        np.savez_compressed(
            handle, key=np.array(key), minutes=minutes, km=km, details=np.array(json.dumps(details))
        )
    return path
