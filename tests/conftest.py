"""Fixtures shared by every test folder.

* ``source_dir``, ``study_path``, ``study``: the real Dorset data (``../shared/data`` or
  ``$HUBPLAN_SOURCE``) and a study area built from it once per session. Every test that
  asks for one of them is marked ``data`` automatically (see
  :func:`pytest_collection_modifyitems`), so ``pytest -m "not data"`` runs without them.
* ``cli``: a :class:`CliHarness` that runs ``hubplan`` in this process or as a real
  subprocess and fingerprints folders (the reliability tests of issue 6).
* ``routed_copy``: a shipped scenario copied with its transport routed quickly.
* ``shipped``: each shipped scenario run (evaluated, routed) once per session and its run
  folder written once (:class:`ShippedRuns`). Tests read these records and folders and
  never change them: a test that needs to change one copies it first.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest
from click.testing import CliRunner

if TYPE_CHECKING:
    from hubplan.record.run import RunRecord

REPO = Path(__file__).resolve().parents[1]
SOURCE = Path(os.environ.get("HUBPLAN_SOURCE", REPO.parent / "shared" / "data")).resolve()

DATA_FIXTURES = frozenset({"source_dir", "study_path", "study"})
"""Fixtures that read the real Dorset data; a test using any of them (even indirectly) is marked ``data``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the Dorset data ``data``."""
    for item in items:
        if DATA_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.data)


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """The real public data folder (``../shared/data`` or ``$HUBPLAN_SOURCE``)."""
    if not SOURCE.is_dir():
        pytest.fail(f"shared data not found at {SOURCE}; set HUBPLAN_SOURCE")
    return SOURCE


@pytest.fixture(scope="session")
def study_path(source_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study-area GeoPackage built from the real data for this test session."""
    from hubplan.data.build import build_study_area

    return build_study_area(source_dir, tmp_path_factory.mktemp("study") / "study.gpkg").path


@pytest.fixture(scope="session")
def study(study_path: Path):
    """The loaded study area."""
    from hubplan.data.study import load_study_area

    return load_study_area(study_path)


@dataclass(frozen=True)
class Outcome:
    """Exit code and the two output streams of one ``hubplan`` invocation."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


@dataclass(frozen=True)
class CliHarness:
    """Run ``hubplan`` and fingerprint folders (the reliability tests of issue 6)."""

    executable: Path
    """The installed console script (same virtualenv as the test run)."""
    error_prefix: str = "hubplan: error: "

    @staticmethod
    def invoke(args: list[str]) -> Outcome:
        """Run ``hubplan ARGS`` in this process (click's runner, separate stderr)."""
        from hubplan.cli import main

        result = CliRunner().invoke(main, args, catch_exceptions=True)
        exception = result.exception if result.exit_code not in (0, 2) else None
        return Outcome(result.exit_code, result.stdout, result.stderr, exception)

    def run_process(self, args: list[str], *, cwd: Path, timeout: float = 300) -> Outcome:
        """Run ``hubplan ARGS`` as a real subprocess in ``cwd``."""
        env = dict(os.environ, PYTHONWARNINGS="default", COLUMNS="200")
        done = subprocess.run(
            [str(self.executable), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
            check=False,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    def one_error_line(self, stderr: str) -> str:
        """Assert ``stderr`` is one ``hubplan: error:`` line and return the message after the prefix."""
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(self.error_prefix), lines
        return lines[0].removeprefix(self.error_prefix)

    @staticmethod
    def fingerprint(root: Path) -> dict[str, tuple[str, int, int, str]]:
        """Every entry under ``root``: kind, size, mtime (ns) and SHA-256 of files.

        Two equal fingerprints mean the same listing, the same bytes and untouched mtimes.
        """
        entries: dict[str, tuple[str, int, int, str]] = {}
        for path in sorted(root.rglob("*")):
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not path.is_symlink():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                entries[rel] = ("file", info.st_size, info.st_mtime_ns, digest)
            else:
                entries[rel] = ("dir" if path.is_dir() else "other", 0, info.st_mtime_ns, "")
        return entries

    @staticmethod
    def file_digests(folder: Path) -> dict[str, str]:
        """SHA-256 of every file in a run folder, by relative path."""
        return {
            path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }

    def make_run(self, scenario: Path, study: Path, out: Path) -> Path:
        """Run a scenario in this process with ``hubplan run`` and return its output folder."""
        outcome = self.invoke(["run", str(scenario), "--study", str(study), "--out", str(out)])
        assert outcome.exit_code == 0, outcome.stderr or repr(outcome.exception)
        return out / scenario.stem


@pytest.fixture(scope="session")
def cli() -> CliHarness:
    """Run ``hubplan`` in-process or as a subprocess, and fingerprint folders."""
    return CliHarness(Path(sys.executable).parent / "hubplan")


SCENARIOS = REPO / "scenarios"
ROUTING_TEST_SECONDS = 120
"""Safety cap on routing the whole plan in transport tests (a test budget, not a planning setting)."""
ROUTING_TEST_STEPS = 300
"""Search steps per round in routed test copies: the work budget, so routed figures are reproducible."""


def _routed_copy(base: str, name: str, folder: Path, *, demand: str | None = None, settings: str = "",
                 tables: str = "", seconds: float = ROUTING_TEST_SECONDS, steps: int = ROUTING_TEST_STEPS) -> Path:
    """A copy of ``scenarios/<base>`` named ``name`` in ``folder``, routed with ROUTING_TEST_STEPS steps per round.

    ``demand`` replaces its ``[demand]`` table (and its segments); a ``[transport]`` table is
    added when it has none, ``settings`` (``key = value`` lines) go into it and ``tables``
    (e.g. ``[[transport.vehicles]]``) at the end of the file.
    """
    text = (SCENARIOS / base).read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', text, count=1)  # the scenario's, not a segment's
    if demand is not None:
        text = re.sub(r"(?ms)^\[demand\]\n.*?(?=^\[(?!\[demand\.))", demand + "\n", text)
    if "[transport]" not in text:
        text += "\n[transport]\n"
    text = text.replace("[transport]\n", f"[transport]\ntime_limit_s = {seconds:g}\n"
                                          f"search_steps = {steps}\n{settings}")
    text += tables
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def routed_copy() -> Callable[..., Path]:
    """``routed_copy(base, name, folder, ...)``: a scenario copy routed quickly (:func:`_routed_copy`)."""
    return _routed_copy


How = Literal["run", "evaluate", "routed"]
"""How :class:`ShippedRuns` runs a shipped scenario (see :meth:`ShippedRuns.record`)."""


@dataclass(frozen=True)
class ShippedRuns:
    """The shipped scenarios, each run once per session and written once, on first use.

    The records and folders are shared by every test that asks for them: read them, never
    change them (copy a folder, or ``dataclasses.replace`` a record, first).
    """

    study_path: Path
    root: Path
    _records: dict[tuple[str, How], RunRecord] = field(default_factory=dict)
    _folders: dict[tuple[str, How], Path] = field(default_factory=dict)

    def record(self, name: str, how: How = "run") -> RunRecord:
        """``scenarios/<name>.toml`` optimised without routing (``run``), its fixed plan evaluated
        (``evaluate``), or optimised and routed for ROUTING_TEST_SECONDS (``routed``, a copy
        made by :func:`_routed_copy` under the same name).
        """
        from hubplan.api import Study

        key = (name, how)
        if key not in self._records:
            path = SCENARIOS / f"{name}.toml"
            if how == "evaluate":
                record = Study.open(path, study_path=self.study_path).evaluate()
            elif how == "routed":
                record = Study.open(_routed_copy(path.name, name, self.root / "in"), study_path=self.study_path).plan()
                assert record.transport is not None, f"{name} has no [transport] table"
            else:
                record = Study.open(path, study_path=self.study_path).plan(transport=False)
            self._records[key] = record
        return self._records[key]

    def folder(self, name: str, how: How = "run") -> Path:
        """The run folder of :meth:`record` written by ``write_outputs`` (under ``<root>/<how>/``)."""
        from hubplan.api import write_outputs

        key = (name, how)
        if key not in self._folders:
            self._folders[key] = write_outputs(self.record(name, how), self.root / how)[0]
        return self._folders[key]


@pytest.fixture(scope="session")
def shipped(study_path: Path, tmp_path_factory: pytest.TempPathFactory) -> ShippedRuns:
    """The shipped scenarios run, evaluated or routed once per session (:class:`ShippedRuns`)."""
    return ShippedRuns(study_path, tmp_path_factory.mktemp("shipped"))
