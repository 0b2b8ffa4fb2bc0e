"""Read the CSV files users give hubplan, all by the same rules.

Rules
    UTF-8 with or without a byte-order mark (Excel writes one). Header names are
    trimmed and lower-cased; cells are trimmed. Blank lines are skipped. A row
    with more fields than the header is an error (a stray comma would otherwise
    shift every later column); a row with fewer fields has empty trailing cells.
    Every row keeps the physical line it starts on, counting blank lines and the
    lines inside quoted multi-line cells, so messages point at the line an editor
    shows. Cells quoted in messages are shortened (:func:`shown`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from hubplan.errors import input_error
from hubplan.files.reading import InputLimit, read_bounded

__all__ = ["CsvSpec", "CsvTable", "parse_csv_table", "read_csv_table", "shown"]

SHOWN_CHARS = 40
"""Longest cell quoted in full in a message; longer ones are cut (a pasted paragraph is not an id)."""


def shown(value: object, *, quoted: bool = True, limit: int = SHOWN_CHARS) -> str:
    """A cell as a message shows it: ``repr`` (or as is), cut to ``limit`` characters with its full length.

    Examples
    --------
    >>> shown("DT1 1AA"), shown("E01020000", quoted=False)
    ("'DT1 1AA'", 'E01020000')
    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (100 characters)"
    """
    text = str(value)
    if len(text) <= limit:
        return repr(text) if quoted else text
    cut = text[:limit] + "..."
    return f"{cut!r} ({len(text)} characters)" if quoted else f"{cut} ({len(text)} characters)"


@dataclass(frozen=True)
class CsvSpec:
    """What a CSV must hold, and how to name it in messages.

    Parameters
    ----------
    required
        Columns every file must have (lower case).
    optional
        Columns that are read when present.
    row
        What one data row is, e.g. ``"client row"`` (``"no client rows"``).
    limit
        The file's kind and size cap.

    Examples
    --------
    >>> from hubplan.files.reading import CLIENT_FILE
    >>> CsvSpec(("postcode", "segment"), ("attendees",), "client row", CLIENT_FILE).header
    'postcode,segment[,attendees]'
    """

    required: tuple[str, ...]
    optional: tuple[str, ...]
    row: str
    limit: InputLimit

    @property
    def header(self) -> str:
        """The header this file should have, as written in a fix."""
        return ",".join(self.required) + "".join(f"[,{name}]" for name in self.optional)


@dataclass(frozen=True)
class CsvTable:
    """The rows of a CSV, as trimmed strings, with the physical line each starts on.

    Attributes
    ----------
    rows
        One string column per required or present optional column (others dropped).
    lines
        ``lines[i]`` is the 1-based line of the file on which row ``i`` starts.
    """

    rows: pd.DataFrame
    lines: npt.NDArray[np.int64]

    def has(self, column: str) -> bool:
        """Whether the file has ``column``."""
        return column in self.rows.columns


def _decode(raw: bytes, source: str | Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise input_error(
            source, "(encoding)", f"not UTF-8 (bad byte at offset {err.start})", "export the file as UTF-8 CSV"
        ) from err


def _records(text: str, source: str | Path) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of ``text``, each with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if record and (len(record) > 1 or record[0].strip()):
                yield start, record
    except csv.Error as err:
        raise input_error(source, "(rows)", f"line {reader.line_num}: not valid CSV ({err})",
                          "export a comma-separated file") from err


def read_csv_table(
    path: Path | str, spec: CsvSpec, *, source: str | Path | None = None, field: str = "(file)"
) -> CsvTable:
    r"""Read a CSV by the module's rules and check it has the columns ``spec`` requires.

    Parameters
    ----------
    path
        The CSV file (read with :func:`~hubplan.files.reading.read_bounded`).
    spec
        Its columns, the name of a row, and its size cap.
    source
        How messages name the file (default: its path).
    field
        The setting or option that named the file, for errors about the file as a whole
        (not a regular file, too large).

    Returns
    -------
    CsvTable

    Raises
    ------
    FileNotFoundError
        The file does not exist (callers say so in their own words).
    InputError
        Not a regular file or too large; not UTF-8; empty; not valid CSV; a row with
        more fields than the header; a required column missing or a column named
        twice; no data rows. The message gives the physical line.

    Examples
    --------
    >>> import tempfile
    >>> from hubplan.files.reading import CLIENT_FILE
    >>> path = Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = path.write_bytes(b'\xef\xbb\xbf Postcode ,SEGMENT\n\n"DT1\n1AA", older_people\n')
    >>> table = read_csv_table(path, CsvSpec(("postcode", "segment"), (), "client row", CLIENT_FILE))
    >>> table.rows.to_dict("records"), table.lines.tolist()
    ([{'postcode': 'DT1\n1AA', 'segment': 'older_people'}], [3])
    """
    path = Path(path)
    return parse_csv_table(read_bounded(path, spec.limit, source=source, field=field),
                           spec, path if source is None else source)


def parse_csv_table(data: bytes, spec: CsvSpec, where: str | Path) -> CsvTable:
    """Parse CSV bytes already read within their cap (e.g. a decompressed stream) by the module's rules.

    Parameters
    ----------
    data
        The file's bytes.
    spec
        Its columns, the name of a row, and its size cap.
    where
        How messages name the file.

    Returns
    -------
    CsvTable

    Raises
    ------
    InputError
        As :func:`read_csv_table`, for the content.
    """
    text = _decode(data, where)
    records = _records(text, where)
    first = next(records, None)
    if first is None:  # nothing but blank lines (or empty cells)
        raise input_error(where, "(rows)", "the file is empty", f"export at least one {spec.row} with a header")
    header = [name.strip().lower() for name in first[1]]
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        raise input_error(where, ", ".join(twice), "column named twice in the header", "keep one of them")
    missing = [name for name in spec.required if name not in header]
    if missing:
        raise input_error(where, ", ".join(missing), "missing column" + "s" * (len(missing) > 1),
                          f"give a header row with {spec.header}")
    columns: dict[str, list[str]] = {name: [] for name in (*spec.required, *spec.optional) if name in header}
    positions = [(header.index(name), cells) for name, cells in columns.items()]
    lines: list[int] = []
    for start, record in records:
        if len(record) > len(header):
            raise input_error(
                where, "(rows)", f"line {start}: {len(record)} fields, but the header has {len(header)}",
                "remove the extra field, or quote a cell that holds a comma",
            )
        for position, cells in positions:  # a short row has empty trailing cells
            cells.append(record[position].strip() if position < len(record) else "")
        lines.append(start)
    if not lines:
        raise input_error(where, "(rows)", f"no {spec.row}s", f"export at least one {spec.row}")
    return CsvTable(pd.DataFrame(columns, dtype=str), np.asarray(lines, dtype=np.int64))
