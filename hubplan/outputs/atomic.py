"""Replace an output folder atomically: build beside it, then swap it in at the very end."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hubplan.errors import input_error

__all__ = ["atomic_directory", "check_output_parent"]

log = logging.getLogger(__name__)


def _fix(option: str) -> str:
    return f"choose a writable folder with {option} or fix its permissions"


def check_output_parent(parent: Path, *, option: str = "--out") -> None:
    """Fail early, before any long computation, when ``parent`` could not take an output folder.

    Nothing is created: the nearest existing ancestor of ``parent`` must be a folder
    this process may write into.

    Parameters
    ----------
    parent
        The folder under which outputs will be written.
    option
        The command-line option that chose it, named in the error.

    Raises
    ------
    InputError
        ``parent`` or an ancestor is a file, or the nearest existing folder is not writable.

    Examples
    --------
    >>> import tempfile
    >>> check_output_parent(Path(tempfile.mkdtemp()) / "not" / "yet" / "there")
    """
    existing = Path(parent).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        problem = errno.ENOTDIR
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = errno.EACCES
    else:
        return
    raise input_error(parent, option, f"cannot create the output folder ({os.strerror(problem)})", _fix(option))


@contextmanager
def atomic_directory(target: Path, *, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``target``; on success it replaces ``target``.

    Everything is written into ``<parent>/.<name>.tmp-XXXX``. When the block ends
    without error, a previous ``target`` is renamed aside, the new folder is renamed
    in, and the old one is removed. If the block raises, the temporary folder is
    deleted and ``target`` is left exactly as it was.

    Parameters
    ----------
    target
        The folder to create or replace.
    option
        The command-line option that chose the parent folder, named in errors.

    Yields
    ------
    pathlib.Path
        The temporary folder to write into.

    Raises
    ------
    InputError
        The parent folder cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_directory(root / "run") as tmp:
    ...     _ = (tmp / "a.txt").write_text("x")
    >>> sorted(p.name for p in root.iterdir()), (root / "run" / "a.txt").read_text()
    (['run'], 'x')
    """
    target = Path(target)
    parent = target.parent
    fix = _fix(option)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; a published run folder is world-readable
    except OSError as err:
        raise input_error(parent, option, f"cannot create the output folder ({err.strerror})", fix) from err
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old: Path | None = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
    except OSError as err:
        if old is not None and (old / target.name).exists() and not target.exists():
            os.replace(old / target.name, target)  # put the previous run back
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise input_error(target, option, f"cannot replace the output folder ({err.strerror})", fix) from err
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("wrote %s", target)
