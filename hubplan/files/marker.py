"""The marker files by which hubplan recognises its own folders, and nothing else.

Every output folder hubplan writes carries :data:`MARKER`, a JSON file naming the
*kind* of output (``"run"``, ``"sweep"``, ``"operational"``, ``"comparison"``, ...) and
the files it holds. An output folder is replaced only by an output of the same kind
(:func:`check_replaceable`): a sweep named like a run folder, or a run whose operational
rounds would land on a sweep's ``<name>.operational`` folder, is a one-line error, not
a replacement.

A temporary folder (``.<name>.tmp-<pid>-XXXX``, ``.<name>.old-<pid>-XXXX``) carries
:data:`SCRATCH` from the moment it is made; a later write removes a killed process's
leftovers only when they carry it (:func:`is_scratch`), never because a folder's name
matches the pattern, which a user can also write.

Nothing here trusts a name: what is recognised is the marker's content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection
from pathlib import Path

from hubplan.errors import input_error

__all__ = [
    "MARKER",
    "MARKER_BYTES",
    "SCRATCH",
    "check_replaceable",
    "is_scratch",
    "marked_kind",
    "write_marker",
    "write_scratch",
]

MARKER = ".hubplan-output"
"""The file that marks a folder as written by hubplan: its kind and the files it holds (JSON)."""

SCRATCH = ".hubplan-scratch"
"""The file that marks a temporary folder of a write in progress: the writer's pid (JSON)."""

MARKER_BYTES = 1 << 20
"""The largest marker file read (1 MiB; a real one lists a few dozen names): larger is not a marker."""

_WRITTEN_BY = "hubplan"


def _read_json(path: Path) -> object:
    """The JSON in the regular file ``path``, or ``None`` if it is absent, not regular, too large or not JSON."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MARKER_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def _marker(folder: Path) -> tuple[str | None, set[str]] | None:
    """``(kind, files)`` from the marker in ``folder`` (kind ``None`` if written before kinds were recorded)."""
    listed = _read_json(folder / MARKER)
    if not isinstance(listed, dict) or listed.get("written_by") != _WRITTEN_BY:
        return None
    files = listed.get("files")
    kind = listed.get("kind")
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    if kind is not None and not isinstance(kind, str):
        return None
    return kind, set(files)


def marked_kind(folder: Path) -> str | None:
    """The kind recorded in ``folder``'s marker; ``None`` if it has no valid marker or none recorded.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_marker(folder, "sweep"); marked_kind(folder)
    'sweep'
    """
    found = _marker(Path(folder))
    return None if found is None else found[0]


def write_marker(folder: Path, kind: str) -> None:
    """Write :data:`MARKER` into ``folder``: ``kind`` and the names of every other entry in it."""
    names = sorted(entry.name for entry in Path(folder).iterdir() if entry.name not in (MARKER, SCRATCH))
    text = json.dumps({"written_by": _WRITTEN_BY, "kind": kind, "files": names}, indent=1) + "\n"
    (Path(folder) / MARKER).write_text(text, encoding="utf-8")


def write_scratch(folder: Path) -> None:
    """Mark ``folder`` as this process's temporary folder (:data:`SCRATCH`)."""
    text = json.dumps({"written_by": _WRITTEN_BY, "pid": os.getpid()}) + "\n"
    (Path(folder) / SCRATCH).write_text(text, encoding="utf-8")


def is_scratch(folder: Path, pid: int) -> bool:
    """Whether ``folder`` is a temporary folder hubplan made in process ``pid`` (its :data:`SCRATCH` says so).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> is_scratch(folder, os.getpid())
    False
    >>> write_scratch(folder); is_scratch(folder, os.getpid())
    True
    """
    found = _read_json(Path(folder) / SCRATCH)
    return isinstance(found, dict) and found.get("written_by") == _WRITTEN_BY and found.get("pid") == pid


def _refuse_marked(target: Path, option: str, kind: str, found: tuple[str | None, set[str]],
                   legacy_files: Collection[str], entries: list[str]) -> None:
    marked, listed = found
    a_kind = f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
    fix = f"choose another name or another {option} (hubplan replaces an output only with one of its kind)"
    if marked is None and not listed <= set(legacy_files):
        raise input_error(target, option, f"the folder is another kind of hubplan output, not {a_kind} output", fix)
    if marked is not None and marked != kind:
        raise input_error(target, option, f"the folder is a hubplan {marked} output, not {a_kind} output", fix)
    foreign = [name for name in entries if name not in listed and name != MARKER]
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise input_error(
            target, option, f"the folder holds files hubplan did not write ({', '.join(foreign[:3])}{more})",
            f"move those files out of it, or choose another {option}",
        )


def check_replaceable(
    target: Path, *, kind: str, option: str = "--out", adopt: Callable[[Path], bool] | None = None,
    legacy_files: Collection[str] = (),
) -> None:
    """Fail unless ``target`` is absent, empty, or an output of ``kind`` hubplan wrote and that holds nothing else.

    Parameters
    ----------
    target
        The output folder about to be written.
    kind
        The kind of output about to be written; a marked folder of another kind is refused.
    option
        The command-line option that chose its parent folder, named in the error.
    adopt
        Recognises an unmarked folder as the caller's own older output (written
        before folders carried :data:`MARKER`).
    legacy_files
        The files an output of ``kind`` may hold: a marker written before kinds were
        recorded is taken as this kind's only if every file it lists is one of them.

    Raises
    ------
    InputError
        ``target`` is a file, a symbolic link, an unmarked folder that ``adopt``
        does not recognise, a marked folder of another kind, or a marked folder
        holding files hubplan did not write.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "mine").mkdir(); _ = (root / "mine" / "notes.txt").write_text("keep me")
    >>> check_replaceable(root / "mine", kind="run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hubplan.errors.InputError: ...mine: --out: the folder exists and hubplan did not write it; fix: ...
    >>> (root / "a-run").mkdir(); write_marker(root / "a-run", "run")
    >>> check_replaceable(root / "a-run", kind="sweep")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hubplan.errors.InputError: ...a-run: --out: the folder is a hubplan run output, not a sweep output; fix: ...
    """
    target = Path(target)
    fix = f"move or rename it (hubplan never replaces what it did not write), or choose another {option}"
    if not os.path.lexists(target):
        return
    if target.is_symlink() or not target.is_dir():
        what = "a symbolic link" if target.is_symlink() else "a file"
        raise input_error(target, option, f"{what} is at the path of the output folder", fix)
    try:
        entries = sorted(entry.name for entry in target.iterdir())
    except OSError as err:
        raise input_error(target, option, f"cannot read the output folder ({err.strerror})", fix) from err
    if not entries:
        return
    found = _marker(target)
    if found is None:
        if adopt is not None and adopt(target):
            return
        raise input_error(target, option, "the folder exists and hubplan did not write it", fix)
    _refuse_marked(target, option, kind, found, legacy_files, entries)
