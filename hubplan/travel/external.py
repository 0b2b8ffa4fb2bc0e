"""The ``matrix`` travel model: a user's own origin-destination matrix (CSV).

Tools such as TRACC or SHAPE export long tables of drive times. hubplan reads
``origin_id,destination_id,minutes[,km]``, one row per pair. Every requested
origin x destination pair must be present exactly once, minutes must be numbers
>= 0 (``inf``/empty is not accepted: leave such sites out or give a large time),
and ``km`` is optional. Without ``km``, road km are crow-fly km times
:data:`~hubplan.travel.base.ROUTE_FACTOR`. The file may be compressed (``.gz``,
``.bz2``, ``.xz``, ``.zip`` holding one CSV); it is decompressed while read, within a cap.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from hubplan.errors import input_error
from hubplan.files.reading import MATRIX_FILE
from hubplan.files.tables import CsvSpec, CsvTable, parse_csv_table, read_csv_table, shown
from hubplan.points import Points
from hubplan.travel import compressed
from hubplan.travel.base import (
    ROUTE_FACTOR,
    ROUTE_FACTOR_SOURCE,
    TravelMatrix,
    crow_fly_km,
    file_sha256,
)
from hubplan.travel.compressed import CompressedInput, compression_of, open_decompressed

__all__ = ["REQUIRED_COLUMNS", "external_matrix"]

log = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("origin_id", "destination_id", "minutes")
MATRIX_CSV = CsvSpec(REQUIRED_COLUMNS, ("km",), "origin-destination row", MATRIX_FILE)
"""An OD matrix: one row per pair; ``km`` optional."""
_FIELD = "travel.matrix"


def _examples(values: list[str], n: int = 5) -> str:
    listed = ", ".join(shown(value, quoted=False) for value in values[:n])
    return listed + (", ..." if len(values) > n else "")


def _read_matrix_csv(path: Path, label: str) -> CsvTable:
    """Read the matrix CSV; a compressed one (``.gz``, ``.bz2``, ``.xz``, ``.zip``) is decompressed as a stream.

    The decompressed bytes are capped at the smaller of the matrix file's size cap
    (:data:`~hubplan.files.reading.MATRIX_FILE`) and
    :data:`~hubplan.travel.compressed.MAX_DECOMPRESSED_BYTES`, so a decompression bomb stops there.
    """
    if compression_of(path) is None:
        return read_csv_table(path, MATRIX_CSV, source=label, field=_FIELD)
    if not path.exists():
        raise FileNotFoundError(path)
    cap = min(MATRIX_FILE.max_bytes, compressed.MAX_DECOMPRESSED_BYTES)
    with open_decompressed(CompressedInput(path, label, _FIELD, limit=cap)) as stream:
        data = stream.read()
    return parse_csv_table(data, MATRIX_CSV, label)


def external_matrix(
    origins: Points,
    destinations: Points,
    *,
    matrix_file: Path,
    source_label: str | None = None,
) -> TravelMatrix:
    r"""Read and validate an OD matrix CSV for the given origins and destinations.

    Parameters
    ----------
    origins, destinations
        The points whose pairs are needed (IDs must match the file's).
    matrix_file
        CSV with ``origin_id,destination_id,minutes[,km]``.
    source_label
        The scenario file, for error messages (default: the CSV itself).

    Returns
    -------
    TravelMatrix
        ``model="matrix"``; ``details`` has the file name, checksum, row counts and
        whether km were given.

    Raises
    ------
    InputError
        If the file is missing, lacks a column, has non-numeric or negative minutes or
        km, duplicate pairs, or lacks requested pairs (the message counts them and
        names a few).

    Examples
    --------
    >>> import tempfile, os
    >>> pts = Points(("a", "b"), np.array([-2.4, -2.2]), np.array([50.7, 50.8]))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "od.csv"
    ...     _ = path.write_text(
    ...         "origin_id,destination_id,minutes\na,a,0\na,b,20\nb,a,21\nb,b,0\n"
    ...     )
    ...     tm = external_matrix(pts, pts, matrix_file=path)
    >>> tm.minutes.tolist()
    [[0.0, 20.0], [21.0, 0.0]]
    """
    path = Path(matrix_file)
    label = f"{source_label}: {path.name}" if source_label else str(path)
    try:
        csv_table = _read_matrix_csv(path, label)
    except FileNotFoundError as err:
        raise input_error(
            source_label if source_label else path,
            _FIELD,
            f"matrix file {path} does not exist",
            f"give the path of a CSV with columns {MATRIX_CSV.header}",
        ) from err
    table = csv_table.rows
    has_km = csv_table.has("km")
    for column in ("minutes", "km") if has_km else ("minutes",):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float)) | (values.to_numpy(dtype=float) < 0)
        if bad.any():
            rows = [str(line) for line in csv_table.lines[bad]]
            raise input_error(
                label,
                column,
                f"{int(bad.sum())} rows are not finite numbers >= 0 (lines {_examples(rows)})",
                f"give every {column} as a non-negative number",
            )
        table[column] = values.astype(float)

    dup = table.duplicated(["origin_id", "destination_id"], keep="first")
    if dup.any():
        pairs = [
            f"{shown(o, quoted=False)}->{shown(d, quoted=False)}"
            for o, d in table.loc[dup, ["origin_id", "destination_id"]].itertuples(index=False)
        ]
        raise input_error(
            label,
            "origin_id,destination_id",
            f"{int(dup.sum())} duplicate pairs ({_examples(pairs)})",
            "keep one row per origin-destination pair",
        )
    o_index = {oid: i for i, oid in enumerate(origins.ids)}
    d_index = {did: j for j, did in enumerate(destinations.ids)}
    rows = table["origin_id"].map(o_index)
    cols = table["destination_id"].map(d_index)
    known = rows.notna() & cols.notna()
    unknown_o = sorted(set(table.loc[rows.isna(), "origin_id"]))
    unknown_d = sorted(set(table.loc[cols.isna(), "destination_id"]))
    if unknown_o or unknown_d:
        log.info(
            "%s: ignoring rows with %d unknown origin and %d unknown destination ids",
            path,
            len(unknown_o),
            len(unknown_d),
        )
    shape = (len(origins), len(destinations))
    minutes = np.full(shape, np.nan)
    km = np.full(shape, np.nan)
    r = rows[known].to_numpy(dtype=np.int64)
    c = cols[known].to_numpy(dtype=np.int64)
    minutes[r, c] = table.loc[known, "minutes"].to_numpy()
    if has_km:
        km[r, c] = table.loc[known, "km"].to_numpy()
    absent = np.isnan(minutes)
    if absent.any():
        ii, jj = np.nonzero(absent)
        pairs = [
            f"{origins.ids[i]}->{destinations.ids[j]}" for i, j in zip(ii[:5], jj[:5], strict=True)
        ]
        hint = ""
        if unknown_o or unknown_d:
            hint = (
                f" (the file has unknown ids: origins {_examples(unknown_o, 3) or 'none'}, "
                f"destinations {_examples(unknown_d, 3) or 'none'})"
            )
        raise input_error(
            label,
            "origin_id,destination_id",
            f"{int(absent.sum())} of {minutes.size} requested pairs are missing, "
            f"e.g. {', '.join(pairs)}{hint}",
            "export every home area x site pair, with ids matching the study area and sites",
        )
    if not has_km:
        km = crow_fly_km(origins, destinations) * ROUTE_FACTOR
    details = {
        "model": "matrix",
        "matrix_file": path.name,
        "matrix_sha256": file_sha256(path),
        "rows": len(table),
        "rows_used": int(known.sum()),
        "unknown_origin_ids": len(unknown_o),
        "unknown_destination_ids": len(unknown_d),
        "km_source": "file" if has_km else f"crow-fly x route factor {ROUTE_FACTOR}",
        **({} if has_km else {"route_factor_source": ROUTE_FACTOR_SOURCE}),
        "cache_hit": False,
    }
    return TravelMatrix(origins.ids, destinations.ids, minutes, km, "matrix", details)
