"""Write outputs atomically, and never replace what hubplan did not write.

A folder of outputs (:func:`atomic_directory`) or a single output file
(:func:`atomic_file`, :func:`write_text_atomic`, :func:`write_bytes_atomic`) is
written into a temporary sibling, flushed to disk with ``fsync`` and renamed
into place with ``os.replace`` only when it is complete: a full disk, an error,
Ctrl-C or a kill leaves the previous output exactly as it was and no temporary
file or folder behind (a killed process's are swept by the next write, see
:func:`remove_stale_siblings`). ``OSError`` while writing becomes a one-line
:class:`~hubplan.errors.InputError` naming the path and the option that chose it.

An existing output folder is replaced only if hubplan wrote it as the same kind
of output: every folder :func:`atomic_directory` writes carries a marker file,
:data:`~hubplan.files.marker.MARKER`, recording its kind and the files it holds,
and a folder is replaced only if it carries one of that kind and holds nothing
else (or is empty, or a caller recognises it as its own older output). A plain
file, a symbolic link, an unmarked folder, another kind's folder or a marked one
with files the user added is a one-line error and stays untouched (see
:mod:`hubplan.files.marker`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from hubplan.errors import input_error
from hubplan.files.durable import (
    fsync_file,
    fsync_folder,
    missing_ancestors,
    remove_empty,
    sigint_deferred,
    unwritable,
    write_error,
)
from hubplan.files.marker import MARKER, SCRATCH, check_replaceable, is_scratch, write_marker, write_scratch

__all__ = [
    "MARKER",
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "atomic_directory",
    "atomic_file",
    "check_output_file",
    "check_output_parent",
    "check_replaceable",
    "remove_stale_siblings",
    "write_bytes_atomic",
    "write_text_atomic",
]

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
    problem = unwritable(parent, create=True)
    if problem is not None:
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
    ``.<name>.old-<pid>-XXXX`` while swapping), each marked with
    :data:`~hubplan.files.marker.SCRATCH` naming the pid. A SIGKILL cannot clean up,
    so the next run removes those whose marker names a process that no longer exists.
    A folder is never removed for its name alone (a user may name a folder so):
    without the marker, or with a live process's, it is left alone. The one exception is
    an *empty* folder of that name whose process is gone: a run killed between making its
    folder and marking it leaves exactly that, and an empty folder holds nothing anybody
    wrote (it is removed with ``rmdir``, which refuses a folder that is not empty).

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
            if not (folder.is_dir() and not folder.is_symlink() and pid.isdigit()) or _process_alive(int(pid)):
                continue
            if is_scratch(folder, int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            elif _removed_if_empty(folder):
                removed.append(folder)
    for folder in removed:
        log.info("removed %s, left by a run that was killed", folder)
    return removed


def _removed_if_empty(folder: Path) -> bool:
    """Remove ``folder`` if it is empty (atomically: ``rmdir`` refuses otherwise); whether it was."""
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def _scratch_folder(target: Path, kind: str) -> Path:
    """A new private temporary folder ``.<name>.<kind>-<pid>-XXXX`` beside ``target``, marked as scratch."""
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.{kind}-{os.getpid()}-", dir=target.parent))
    write_scratch(folder)
    return folder


def _file_fix(create_parent: bool) -> str:
    return "give a path in a writable folder" if create_parent else "give a path in an existing, writable folder"


def check_output_file(
    path: Path, *, option: str = "--out", what: str = "the file", create_parent: bool = False
) -> None:
    """Fail early, before any long computation, when ``path`` could not be written as a file.

    Parameters
    ----------
    path
        The file to write.
    option
        The command-line option that chose it, named in the error.
    what
        What the file is, in the message (``"the metrics file"``).
    create_parent
        Whether missing parent folders will be created.

    Raises
    ------
    InputError
        A folder is at ``path``, or its folder does not exist (unless it will be
        created), is not a folder, or is not writable.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_output_file(folder / "a.csv")
    >>> check_output_file(folder, what="the matrix CSV")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hubplan.errors.InputError: ...: --out: cannot write the matrix CSV (a folder is at that path); fix: ...
    """
    path = Path(path)
    if path.is_dir():
        raise input_error(path, option, f"cannot write {what} (a folder is at that path)",
                          "give the path of a file, not of a folder")
    problem = unwritable(path.parent, create=create_parent)
    if problem is not None:
        raise input_error(path, option, f"cannot write {what} ({os.strerror(problem)})", _file_fix(create_parent))


@contextmanager
def atomic_file(
    path: Path, *, option: str = "--out", what: str = "the file", create_parent: bool = False
) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s new contents to; on success it replaces ``path``.

    The temporary path lies in a private folder ``<parent>/.<name>.tmp-<pid>-XXXX``
    (the writer may put scratch files beside it). When the block ends without
    error the file is flushed (``fsync``) and renamed over ``path`` with
    ``os.replace``; Ctrl-C cannot split the rename. On any error, or Ctrl-C, the
    private folder (and any parent folder this call created) is removed and
    ``path`` is left exactly as it was: never truncated, never half-written.

    Parameters
    ----------
    path
        The file to create or replace.
    option
        The command-line option that chose it, named in errors.
    what
        What the file is, in errors (``"the metrics file"``).
    create_parent
        Create missing parent folders (removed again if the write fails).

    Yields
    ------
    pathlib.Path
        The temporary file to write (it does not exist yet).

    Raises
    ------
    InputError
        A folder is at ``path``; its folder cannot be written; or an ``OSError``
        (e.g. a full disk) while writing or renaming.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_file(root / "a.txt") as tmp:
    ...     _ = tmp.write_text("x")
    >>> [p.name for p in root.iterdir()], (root / "a.txt").read_text()
    (['a.txt'], 'x')
    """
    path = Path(path)
    fix = _file_fix(create_parent)
    check_output_file(path, option=option, what=what, create_parent=create_parent)
    created = missing_ancestors(path.parent) if create_parent else []
    try:
        if create_parent:
            path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_siblings(path)
        scratch = _scratch_folder(path, "tmp")
    except OSError as err:
        remove_empty(created)
        raise write_error(path, option, what, err, fix) from err
    try:
        yield scratch / path.name
        fsync_file(scratch / path.name)
        with sigint_deferred():
            (scratch / path.name).replace(path)
            shutil.rmtree(scratch, ignore_errors=True)
        fsync_folder(path.parent)
    except BaseException as err:
        with sigint_deferred():
            shutil.rmtree(scratch, ignore_errors=True)
            remove_empty(created)
        if isinstance(err, OSError):
            raise write_error(path, option, what, err, fix) from err
        raise


def write_text_atomic(
    path: Path, text: str, *, option: str = "--out", what: str = "the file", create_parent: bool = False
) -> Path:
    r"""Write ``text`` as UTF-8 to ``path`` with :func:`atomic_file` (same keyword options); return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> write_text_atomic(Path(tempfile.mkdtemp()) / "a.json", "{}\n").read_text()
    '{}\n'
    """
    with atomic_file(Path(path), option=option, what=what, create_parent=create_parent) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(
    path: Path, data: bytes, *, option: str = "--out", what: str = "the file", create_parent: bool = False
) -> Path:
    r"""Write ``data`` to ``path`` with :func:`atomic_file` (same keyword options); return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> write_bytes_atomic(Path(tempfile.mkdtemp()) / "a.bin", b"\x00").read_bytes()
    b'\x00'
    """
    with atomic_file(Path(path), option=option, what=what, create_parent=create_parent) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _fsync_tree(folder: Path) -> None:
    for entry in sorted(folder.rglob("*")):
        if entry.is_file() and not entry.is_symlink():
            fsync_file(entry)
    fsync_folder(folder)


PRIVATE_FOLDER = 0o700
"""Mode of a private output folder (:func:`atomic_directory` with ``private=True``): the owner only."""

PRIVATE_FILE = 0o600
"""Mode of every file in a private output folder, whatever the umask: the owner only."""


def _make_private(folder: Path) -> None:
    """Set every folder under ``folder`` (itself included) to 0700 and every file to 0600."""
    for entry in folder.rglob("*"):
        if not entry.is_symlink():
            entry.chmod(PRIVATE_FOLDER if entry.is_dir() else PRIVATE_FILE)
    folder.chmod(PRIVATE_FOLDER)


def _finish(tmp: Path, kind: str, private: bool) -> None:
    """Replace the scratch mark with the output marker, set private modes and flush everything."""
    (tmp / SCRATCH).unlink()
    write_marker(tmp, kind)
    if private:
        _make_private(tmp)
    _fsync_tree(tmp)


@contextmanager
def atomic_directory(
    target: Path, *, kind: str, option: str = "--out", adopt: Callable[[Path], bool] | None = None,
    legacy_files: Collection[str] = (), private: bool = False,
) -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``target``; on success it replaces ``target``.

    Everything is written into ``<parent>/.<name>.tmp-<pid>-XXXX`` (marked as scratch,
    see :func:`remove_stale_siblings`). When the block ends without error, :data:`MARKER`
    is added with ``kind``, the files are flushed (``fsync``), a previous ``target`` is
    renamed aside, the new folder is renamed in, and the old one is removed; Ctrl-C
    cannot split these steps. If the block raises (or Ctrl-C arrives), the temporary
    folder and any parent folder this call created are deleted and ``target`` is left
    exactly as it was.

    Parameters
    ----------
    target
        The folder to create or replace: it must be absent, or pass
        :func:`check_replaceable` for ``kind`` (checked before and again at the swap).
    kind
        The kind of output (``"run"``, ``"sweep"``, ...), recorded in the marker.
    option
        The command-line option that chose the parent folder, named in errors.
    adopt, legacy_files
        See :func:`check_replaceable`.
    private
        The folder and its files are for the owner only (0700 and 0600, whatever the
        umask); otherwise the folder is world-readable (0755) like a published one.

    Yields
    ------
    pathlib.Path
        The temporary folder to write into.

    Raises
    ------
    InputError
        ``target`` exists and hubplan did not write it as a ``kind``; the parent folder
        cannot be created or written; or an ``OSError`` (e.g. a full disk) while writing.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_directory(root / "run", kind="run") as tmp:
    ...     _ = (tmp / "a.txt").write_text("x")
    >>> sorted(p.name for p in root.iterdir()), sorted(p.name for p in (root / "run").iterdir())
    (['run'], ['.hubplan-output', 'a.txt'])
    """
    target = Path(target)
    parent = target.parent
    fix = _fix(option)
    check_replaceable(target, kind=kind, option=option, adopt=adopt, legacy_files=legacy_files)
    created = missing_ancestors(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_siblings(target)
        tmp = _scratch_folder(target, "tmp")  # mkdtemp makes it private (0700)
        if not private:
            tmp.chmod(0o755)  # a published run folder is world-readable
    except OSError as err:
        remove_empty(created)
        raise input_error(parent, option, f"cannot create the output folder ({err.strerror})", fix) from err
    try:
        yield tmp
        _finish(tmp, kind, private)
        with sigint_deferred():
            # nothing foreign appeared meanwhile
            check_replaceable(target, kind=kind, option=option, adopt=adopt, legacy_files=legacy_files)
            _swap(tmp, target, option)
    except BaseException as err:
        with sigint_deferred():
            shutil.rmtree(tmp, ignore_errors=True)
            remove_empty(created)
        if isinstance(err, OSError):
            raise write_error(target, option, "the output folder", err, fix) from err
        raise
    log.info("wrote %s", target)


def _swap(tmp: Path, target: Path, option: str) -> None:
    """Rename ``tmp`` to ``target``, parking and then deleting a previous ``target``."""
    old: Path | None = None
    try:
        if os.path.lexists(target):
            old = _scratch_folder(target, "old")
            target.replace(old / target.name)
        tmp.replace(target)
    except OSError as err:
        if old is not None and os.path.lexists(old / target.name) and not os.path.lexists(target):
            (old / target.name).replace(target)  # put the previous output back
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise input_error(target, option, f"cannot replace the output folder ({err.strerror})",
                          _fix(option)) from err
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fsync_folder(target.parent)
