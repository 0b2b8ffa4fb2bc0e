"""The malformed-input corpus (issue 6): every bad input gives exit 2, one line, and writes nothing.

The cases live in ``tests/corpus/cases.toml`` (see the comment at its top). Each
case runs in its own empty working folder; the test fingerprints that folder
(listing, bytes, mtimes) before and after, so a case that writes anything, or
touches a previous run's outputs, fails.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hubplan.files.marker import write_marker

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
CORPUS = REPO / "tests" / "corpus"

CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
BY_ID = {case["id"]: case for case in CASES}

# A representative case of each family, also run as a real subprocess (true stderr, logging included).
SUBPROCESS_IDS = ("broken-toml", "unknown-site-id", "client-latin1", "osm-corrupt-network", "missing-study",
                  "run-capacity-below-demand")

# Every kind of mistake the issue lists must have at least one case.
REQUIRED_COVERAGE = (
    "broken TOML", "scenario not UTF-8", "unknown key (top level)", "unknown key (nested table)",
    "wrong type (string for a number)", "bad enum value", "unknown site ID", "duplicate site ID in a rule",
    "a rule that matches nothing", "unknown locality", "coordinates outside Dorset",
    "latitude and longitude swapped", "unknown postcode for an added site", "zero capacity", "negative capacity",
    "negative cost", "segment shares that do not sum to 1", "duplicate segment names",
    "empty demand (client file with no rows)", "client CSV with bad postcodes", "client CSV in the wrong encoding",
    "client CSV with a missing column", "client CSV with bad counts", "client CSV with an unknown segment",
    "missing client file", "missing network file (model = osm)", "corrupt network file (not gzip)",
    "missing matrix file (model = matrix)", "infeasible: capacity below demand",
    "infeasible: more hubs per locality than candidate sites", "a site both required and closed",
    "infeasible: budget below the required sites' cost", "--out is a file", "--out under a read-only folder",
    "missing study-area file (--study)", "missing scenario file", "tier refers to an unknown segment",
    "role rule refers to an unknown tier",
)

# Issue 12 ("Numbers"): each class of bad number or text has at least one case.
NUMBER_AND_TEXT_COVERAGE = (
    "NaN number", "infinite number", "absurd magnitude", "negative seed",
    "control character in a name, title or label", "control character in a file path",
)

# Issue 20: the classes of the second safety pass, each with cases ("CLASS: what").
ISSUE_20_CLASSES = ("scheduler", "sweep", "privacy", "transport number", "output name")


@pytest.fixture(scope="session")
def previous_run(cli, study_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the default scenario: the outputs a failing command must leave alone."""
    out = tmp_path_factory.mktemp("previous") / "outputs"
    outcome = cli.invoke(["run", str(SCENARIOS / "dorset-current.toml"), "--study", str(study_path), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.stderr or outcome.exception
    assert (out / "dorset-current" / "manifest.json").is_file()
    return out


def _readonly_folder(tmp_path: Path) -> Path:
    """A folder in which this process cannot create anything."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    # root ignores permission bits; sysfs refuses new folders even to root.
    folder = Path("/sys/hubplan-read-only")
    try:
        folder.mkdir()
    except OSError:
        return folder
    folder.rmdir()
    pytest.skip("no folder is read-only for this (root) user")


def _prepare(case: dict[str, Any], tmp_path: Path, study_path: Path, request: pytest.FixtureRequest) -> list[str]:
    work = tmp_path / "work"
    work.mkdir()
    out = work / "outputs"
    if case.get("previous_run"):
        shutil.copytree(request.getfixturevalue("previous_run"), out, copy_function=shutil.copy2)
    a_file = work / "a-file.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    readonly = _readonly_folder(tmp_path) if any("{readonly}" in arg for arg in case["args"]) else tmp_path
    values = {
        "corpus": str(CORPUS), "study": str(study_path), "scenarios": str(SCENARIOS), "tmp": str(work),
        "out": str(out), "a_file": str(a_file), "readonly": str(readonly),
    }  # fmt: skip
    for step in case.get("setup", []):
        _setup(step[0], [part.format(**values) for part in step[1:]])
    return [arg.format(**values) for arg in case["args"]]


def _setup(action: str, parts: list[str]) -> None:
    """One ``setup`` step of a case (see cases.toml): real folders, files, markers, links and FIFOs."""
    path = Path(parts[0])
    if action == "mkdir":
        path.mkdir(parents=True, exist_ok=True)
    elif action == "file":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(parts[1], encoding="utf-8")
    elif action == "marker":  # a folder hubplan wrote as this kind of output
        path.mkdir(parents=True, exist_ok=True)
        write_marker(path, parts[1])
    elif action == "symlink":
        Path(parts[1]).mkdir(parents=True, exist_ok=True)
        path.symlink_to(parts[1])
    elif action == "fifo":
        os.mkfifo(path)
    else:
        raise ValueError(f"unknown setup step {action!r}")


def _check(cli, case: dict[str, Any], exit_code: int, stdout: str, stderr: str, error: BaseException | None) -> None:
    assert exit_code == 2, f"{case['id']}: exit {exit_code}, stderr {stderr!r}, exception {error!r}"
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"{case['id']}: expected one stderr line, got {lines!r}"
    line = lines[0]
    assert line.startswith(cli.error_prefix), line
    message = line.removeprefix(cli.error_prefix)
    assert "; fix: " in message, message
    assert re.fullmatch(case["expect"], message), f"{case['id']}: {message!r} does not match {case['expect']!r}"


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    marks = []
    if case.get("previous_run"):
        marks.append(pytest.mark.slow)  # the first one builds the previous run (~10 s)
    if case.get("xfail"):
        marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
    return marks


def test_corpus_is_large_and_covers_the_issue() -> None:
    """At least 40 cases, unique ids, every listed mistake covered, every corpus file used."""
    assert len(CASES) >= 40
    assert len(BY_ID) == len(CASES)
    covered = {case["covers"] for case in CASES}
    assert not [item for item in REQUIRED_COVERAGE if item not in covered]
    used = " ".join(" ".join(case["args"]) for case in CASES)
    referenced = {path.name for path in CORPUS.glob("*.toml") if path.name != "cases.toml"}
    assert not sorted(name for name in referenced if f"{{corpus}}/{name}" not in used)


def test_corpus_covers_numbers_and_text() -> None:
    """Issue 12: NaN, infinities, absurd magnitudes, negative seeds and control characters each have cases."""
    covered = [case["covers"] for case in CASES]
    assert {item: covered.count(item) for item in NUMBER_AND_TEXT_COVERAGE if covered.count(item) == 0} == {}
    assert sum(covered.count(item) for item in NUMBER_AND_TEXT_COVERAGE) >= 12

def test_corpus_covers_the_second_safety_pass() -> None:
    """Issue 20: at least 60 cases across scheduler addresses, sweep inputs, privacy, transport numbers and names."""
    classes = [case["covers"].split(":", 1)[0] for case in CASES if ":" in case["covers"]]
    counts = {name: classes.count(name) for name in ISSUE_20_CLASSES}
    assert all(counts.values()), counts
    assert sum(counts.values()) >= 60, counts


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"], marks=_marks(c)) for c in CASES])
def test_malformed_input(cli,
    case: dict[str, Any], tmp_path: Path, study_path: Path, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit code 2, one line naming file, field and fix; nothing written, previous run intact."""
    args = _prepare(case, tmp_path, study_path, request)
    work = tmp_path / "work"
    monkeypatch.chdir(work)
    before = cli.fingerprint(work)
    outcome = cli.invoke(args)
    _check(cli, case, outcome.exit_code, outcome.stdout, outcome.stderr, outcome.exception)
    assert cli.fingerprint(work) == before, "the failed command wrote or touched files"


@pytest.mark.parametrize("case_id", SUBPROCESS_IDS)
def test_malformed_input_subprocess(cli,
    case_id: str, tmp_path: Path, study_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same contract through a real process: only the message reaches stderr (no log noise)."""
    case = BY_ID[case_id]
    args = _prepare(case, tmp_path, study_path, request)
    work = tmp_path / "work"
    before = cli.fingerprint(work)
    outcome = cli.run_process(args, cwd=work)
    _check(cli, case, outcome.exit_code, outcome.stdout, outcome.stderr, None)
    assert cli.fingerprint(work) == before
