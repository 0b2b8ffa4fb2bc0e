"""Read an input file only if it is an ordinary file of a sensible size.

``Path.read_bytes`` on a FIFO waits for a writer for ever; on ``/dev/zero`` or
``/dev/urandom`` it reads until memory runs out; on a folder or a symbolic-link
loop it raises an :class:`OSError` that would surface as a traceback. Every
input hubplan reads goes through :func:`read_bounded` (or, when a library reads
the file itself, :func:`check_readable` first): the file is opened with
``O_NONBLOCK`` (so opening a FIFO cannot block), checked with ``fstat`` on the
open descriptor (so what is checked is what is read), and refused with a
one-line :class:`~hubplan.errors.InputError` unless it is a regular file within
the cap for its kind of input.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from hubplan.errors import InputError, input_error

__all__ = [
    "CLIENT_FILE",
    "MATRIX_FILE",
    "NETWORK_FILE",
    "POINTS_FILE",
    "SCENARIO_FILE",
    "InputLimit",
    "check_readable",
    "read_bounded",
]

MB = 1_000_000


@dataclass(frozen=True)
class InputLimit:
    """A kind of input file and the largest size hubplan accepts for it.

    Parameters
    ----------
    label
        What the file is, in the user's words (``"scenario file"``).
    max_bytes
        The cap; a larger file is refused before it is read.

    """

    label: str
    max_bytes: int


SCENARIO_FILE = InputLimit("scenario file", 1 * MB)
"""Assumption: 1 MB. The shipped scenarios are 0.8-2.2 kB (measured); even one with a rule
for each of the study area's 227 sites stays far below this."""

CLIENT_FILE = InputLimit("client file", 50 * MB)
"""Assumption: 50 MB. The council's papers give 521 attendees; at about 30 bytes a row
(``postcode,segment,attendees``) their export is some 16 kB, so 50 MB is over a million rows."""

POINTS_FILE = InputLimit("points CSV", 50 * MB)
"""Assumption: 50 MB. All 13,235 study-area postcodes as ``id,lat,lon`` take 0.37 MB (measured)."""

MATRIX_FILE = InputLimit("matrix CSV", 100 * MB)
"""Assumption: 100 MB. The 223 home areas x 227 sites of the study area (50,621 pairs) take
1.96 MB as ``origin_id,destination_id,minutes,km`` (measured with ``hubplan travel matrix``).
The file is parsed in memory, so the cap also bounds memory: a 99 MB matrix (2.55 million rows)
took 22 s and 1.5 GB to read on the 2-core development machine (measured)."""

NETWORK_FILE = InputLimit("road network file", 2_000 * MB)
"""Assumption, not measured on a Dorset network (none ships with hubplan): 2 GB. The road
network fixtures in the data folder are 12 kB to 0.9 MB; osmnx holds the whole graph in
memory, so a file near this cap is already more than a laptop can route on."""


def _size(n_bytes: int) -> str:
    """Bytes in the units people read.

    Examples
    --------
    >>> _size(2_000_000_000), _size(1_000_000), _size(1_500), _size(12)
    ('2 GB', '1 MB', '1.5 kB', '12 bytes')
    """
    for unit, factor in (("GB", 1_000_000_000), ("MB", MB), ("kB", 1_000)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.4g} {unit}"
    return f"{n_bytes} bytes"


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refusal(
    path: Path, limit: InputLimit, source: str | Path | None, field: str, mode: int, size: int | None
) -> InputError | None:
    """The error for a file that is not a regular file within ``limit``, or ``None`` if it is fine.

    ``size`` is ``None`` for a file that grew past the cap while it was read.
    """
    where = path if source is None else source
    subject = "it" if source is None else str(path)  # the message names the file once
    if stat.S_ISDIR(mode):  # worded like the OSError a plain read gives, as the messages always were
        return input_error(where, field, f"cannot be read ({os.strerror(errno.EISDIR)})",
                           "check the path and permissions")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        return input_error(where, field, f"{subject} is {kind}, not a regular file",
                           f"give the path of an ordinary {limit.label}")
    cap = f"the {_size(limit.max_bytes)} cap for a {limit.label}"
    if size is None:
        return input_error(where, field, f"{subject} grew past {cap} while being read",
                           "give a file that is not being written")
    if size > limit.max_bytes:
        return input_error(where, field, f"{subject} is {_size(size)}, over {cap}",
                           f"check that this is the right file (a {limit.label} is never that large)")
    return None


def _open(path: Path, limit: InputLimit, source: str | Path | None, field: str) -> int:
    """Open ``path`` for reading without blocking and return the descriptor once it is checked."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as err:
        raise input_error(path if source is None else source, field,
                          f"cannot be read ({err.strerror})", "check the path and permissions") from err
    try:
        info = os.fstat(fd)
        refusal = _refusal(path, limit, source, field, info.st_mode, info.st_size)
        if refusal is not None:
            raise refusal
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_readable(
    path: Path | str, limit: InputLimit, *, source: str | Path | None = None, field: str = "(file)"
) -> int:
    """Check that ``path`` is a regular file within ``limit``, for a library that reads it itself.

    Parameters
    ----------
    path
        The file.
    limit
        Its kind and size cap.
    source
        Where the path came from (e.g. the scenario file), named in errors; default the path.
    field
        The field or option that named the file.

    Returns
    -------
    int
        The file's size in bytes.

    Raises
    ------
    FileNotFoundError
        The file does not exist (callers say so in their own words).
    InputError
        It cannot be opened, is not a regular file (a folder, FIFO, device, ...) or is
        larger than ``limit``.

    Examples
    --------
    >>> check_readable("/dev/zero", SCENARIO_FILE, field="path")
    Traceback (most recent call last):
    ...
    hubplan.errors.InputError: /dev/zero: path: it is a character device, not a regular file; \
fix: give the path of an ordinary scenario file
    """
    fd = _open(Path(path), limit, source, field)
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def read_bounded(
    path: Path | str, limit: InputLimit, *, source: str | Path | None = None, field: str = "(file)"
) -> bytes:
    r"""Read a whole input file, refusing anything but a regular file within ``limit``.

    The size is checked on the open descriptor and again while reading, so a file
    that grows after the check is still refused once it passes the cap.

    Parameters
    ----------
    path
        The file.
    limit
        Its kind and size cap.
    source
        Where the path came from (e.g. the scenario file), named in errors; default the path.
    field
        The field or option that named the file.

    Returns
    -------
    bytes
        The file's contents.

    Raises
    ------
    FileNotFoundError
        The file does not exist (callers say so in their own words).
    InputError
        It cannot be opened or read, is not a regular file, or is larger than ``limit``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.toml"
    >>> _ = path.write_bytes(b'name = "a"\n')
    >>> read_bounded(path, SCENARIO_FILE)
    b'name = "a"\n'
    """
    path = Path(path)
    fd = _open(path, limit, source, field)
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit.max_bytes + 1)
    except OSError as err:
        raise input_error(path if source is None else source, field,
                          f"cannot be read ({err.strerror})", "check the path and permissions") from err
    finally:
        os.close(fd)
    if len(data) > limit.max_bytes:
        refusal = _refusal(path, limit, source, field, stat.S_IFREG, None)
        assert refusal is not None
        raise refusal
    return data
