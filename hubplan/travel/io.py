"""Read points from CSV and write travel matrices as CSV (for ``hubplan travel matrix``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from hubplan.errors import input_error
from hubplan.files.atomic import atomic_file
from hubplan.files.reading import POINTS_FILE
from hubplan.files.tables import CsvSpec, read_csv_table, shown
from hubplan.points import Points
from hubplan.travel.base import TravelMatrix, gb_extent, swapped_hint

__all__ = ["MATRIX_OUTPUT", "POINTS_CSV", "read_points_csv", "write_matrix_csv"]

POINTS_CSV = CsvSpec(("id", "lat", "lon"), (), "point", POINTS_FILE)
"""A points file: an id and WGS84 degrees per row."""

MATRIX_OUTPUT = "the matrix CSV"
"""How errors name the file :func:`write_matrix_csv` writes."""


def _listed(ids: Iterable[str], n: int = 5) -> str:
    """The first ``n`` ids, shortened, for a message."""
    return ", ".join(shown(i, quoted=False) for i in list(ids)[:n])


def read_points_csv(path: Path, *, option: str = "--origins") -> Points:
    r"""Read ``id,lat,lon`` (WGS84 degrees) points from a CSV.

    Parameters
    ----------
    path
        The CSV file.
    option
        The command-line option it came from, named in error messages.

    Returns
    -------
    Points

    Raises
    ------
    InputError
        On a missing file or column, empty or duplicate ids, non-numeric or
        out-of-range coordinates (with a hint when lat and lon look swapped).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "o.csv"
    ...     _ = p.write_text("id,lat,lon\nA,50.71,-2.44\n")
    ...     read_points_csv(p).ids
    ('A',)
    """
    path = Path(path)
    try:
        table = read_csv_table(path, POINTS_CSV, field=option).rows
    except FileNotFoundError as err:
        raise input_error(
            option, str(path), "file does not exist", "give an existing CSV with id,lat,lon"
        ) from err
    ids = table["id"]
    if (ids == "").any():
        raise input_error(path, "id", "some rows have no id", "give every point an id")
    dup = sorted(set(ids[ids.duplicated()]))
    if dup:
        raise input_error(path, "id", f"duplicate ids {_listed(dup)}", "make ids unique")
    coords = {}
    for column in ("lat", "lon"):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise input_error(
                path,
                column,
                f"{int(bad.sum())} values are not numbers (ids {_listed(ids[bad])})",
                "give decimal degrees",
            )
        coords[column] = values
    lat, lon = coords["lat"], coords["lon"]
    out = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if out.any():
        swapped = bool((np.abs(lon) <= 90).all() and (np.abs(lat) <= 180).all())
        raise input_error(
            path,
            "lat" if (np.abs(lat) > 90).any() else "lon",
            f"{int(out.sum())} points out of range (ids {_listed(ids[out])})"
            + ("; lat and lon look swapped" if swapped else ""),
            "swap the lat and lon columns"
            if swapped
            else "lat must be in -90..90, lon in -180..180",
        )
    if swapped_hint(lon, lat, gb_extent()):
        west, south, east, north = gb_extent()
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        if not inside.any():
            raise input_error(
                path,
                "lat,lon",
                "lat and lon look swapped: no point lies in Great Britain, "
                "but every point would if swapped",
                "swap the lat and lon columns (lat is degrees north, e.g. 50.7 in Dorset)",
            )
    return Points(tuple(ids), lon, lat)


def write_matrix_csv(matrix: TravelMatrix, out: Path) -> Path:
    """Write ``origin_id,destination_id,minutes,km`` atomically (:func:`~hubplan.files.atomic.atomic_file`).

    Unreachable pairs are written as ``inf``.

    Raises
    ------
    InputError
        ``out`` is a folder, or cannot be written (the previous file, if any, is left as it was).
    """
    out = Path(out)
    n_o, n_d = matrix.shape
    frame = pd.DataFrame(
        {
            "origin_id": np.repeat(np.asarray(matrix.origin_ids, dtype=object), n_d),
            "destination_id": np.tile(np.asarray(matrix.destination_ids, dtype=object), n_o),
            "minutes": np.round(matrix.minutes.ravel(), 3),
            "km": np.round(matrix.km.ravel(), 3),
        }
    )
    with atomic_file(out, what=MATRIX_OUTPUT, create_parent=True) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    return out
