"""The steps every atomic write shares: flushing to disk, holding back Ctrl-C, cleaning up, naming errors.

:mod:`hubplan.files.atomic` builds its single-file and folder writers from these; they
are public to the package, not to users (their errors name a path and an option, in the
one-line form of :func:`hubplan.errors.input_error`).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hubplan.errors import InputError, input_error

__all__ = [
    "fsync_file",
    "fsync_folder",
    "missing_ancestors",
    "remove_empty",
    "sigint_deferred",
    "unwritable",
    "write_error",
]

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)

log = logging.getLogger(__name__)


def missing_ancestors(folder: Path) -> list[Path]:
    """The folders :meth:`Path.mkdir` with ``parents=True`` would create for ``folder``, deepest first."""
    missing = []
    folder = Path(folder).absolute()
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove the folders this write created, deepest first, as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk (an error, e.g. a full disk, is raised: the file is not safe)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk where the file system allows it; best effort."""
    try:
        fsync_file(folder)
    except OSError as err:
        log.debug("cannot fsync folder %s (%s)", folder, err)


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) while the block runs, then raise it: renames and clean-ups finish whole."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if received:
        raise KeyboardInterrupt


def write_error(path: Path, option: str, what: str, err: OSError, fix: str) -> InputError:
    """The one-line error for an ``OSError`` while writing ``path``."""
    if err.errno in _NO_SPACE:
        fix = f"free some disk space, or choose a place on another disk with {option}"
    return input_error(path, option, f"cannot write {what} ({err.strerror or err})", fix)


def unwritable(folder: Path, *, create: bool) -> int | None:
    """Why no file could be created in ``folder`` (an ``errno``), or ``None`` if one could."""
    existing = Path(folder).absolute()
    if create:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
    if not existing.exists():
        return errno.ENOENT
    if not existing.is_dir():
        return errno.ENOTDIR
    if not os.access(existing, os.W_OK | os.X_OK):
        return errno.EACCES
    return None
