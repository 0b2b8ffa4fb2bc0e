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

__all__ = ["atomic_directory", "check_output_parent", "remove_stale_siblings"]

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


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def remove_stale_siblings(target: Path) -> list[Path]:
    """Delete the temporary folders that killed runs left beside ``target``.

    A run writes into ``.<name>.tmp-<pid>-XXXX`` (and parks the previous output in
    ``.<name>.old-<pid>-XXXX`` while swapping). A SIGKILL cannot clean up, so the
    next run removes those whose process no longer exists; folders of live
    processes (a run of the same scenario going on now) are left alone.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    target = Path(target)
    removed = []
    for kind in ("tmp", "old"):
        prefix = f".{target.name}.{kind}-"
        for folder in target.parent.glob(f"{prefix}*-*"):
            pid = folder.name[len(prefix):].split("-", 1)[0]
            if folder.is_dir() and pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    for folder in removed:
        log.info("removed %s, left by a run that was killed", folder)
    return removed


@contextmanager
def atomic_directory(target: Path, *, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``target``; on success it replaces ``target``.

    Everything is written into ``<parent>/.<name>.tmp-<pid>-XXXX``. When the block ends
    without error, a previous ``target`` is renamed aside, the new folder is renamed
    in, and the old one is removed. If the block raises, the temporary folder is
    deleted and ``target`` is left exactly as it was. Temporary folders that killed
    runs left behind are removed first (:func:`remove_stale_siblings`).

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
        remove_stale_siblings(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=parent))
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
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=parent))
            target.replace(old / target.name)
        tmp.replace(target)
    except OSError as err:
        if old is not None and (old / target.name).exists() and not target.exists():
            (old / target.name).replace(target)  # put the previous run back
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise input_error(target, option, f"cannot replace the output folder ({err.strerror})", fix) from err
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("wrote %s", target)
