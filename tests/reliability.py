"""Helpers shared by the reliability tests (issue 6): run the CLI and fingerprint folders.

Not a test module: ``test_corpus.py``, ``test_cli.py``, ``test_atomic_kill.py``,
``test_reproducible.py`` and ``test_limits.py`` import it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from hubplan.cli import main

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
CORPUS = Path(__file__).resolve().parent / "corpus"
HUBPLAN = Path(sys.executable).parent / "hubplan"
"""The installed console script (same virtualenv as the test run)."""

ERROR_PREFIX = "hubplan: error: "


@dataclass(frozen=True)
class Outcome:
    """Exit code and the two output streams of one ``hubplan`` invocation."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def invoke(args: list[str]) -> Outcome:
    """Run ``hubplan ARGS`` in this process (click's runner, separate stderr)."""
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    exception = result.exception if result.exit_code not in (0, 2) else None
    return Outcome(result.exit_code, result.stdout, result.stderr, exception)


def run_process(args: list[str], *, cwd: Path, timeout: float = 300) -> Outcome:
    """Run ``hubplan ARGS`` as a real subprocess in ``cwd``."""
    env = dict(os.environ, PYTHONWARNINGS="default", COLUMNS="200")
    done = subprocess.run(
        [str(HUBPLAN), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def fingerprint(root: Path) -> dict[str, tuple[str, int, int, str]]:
    """Every entry under ``root``: kind, size, mtime (ns) and SHA-256 of files.

    Two equal fingerprints mean the same listing, the same bytes and untouched mtimes.
    """
    entries: dict[str, tuple[str, int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink():
            entries[rel] = ("file", info.st_size, info.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            entries[rel] = ("dir" if path.is_dir() else "other", 0, info.st_mtime_ns, "")
    return entries


def file_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in a run folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def make_run(scenario: Path, study: Path, out: Path) -> Path:
    """Run a scenario in this process with ``hubplan run`` and return its output folder."""
    outcome = invoke(["run", str(scenario), "--study", str(study), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.stderr or repr(outcome.exception)
    return out / scenario.stem
