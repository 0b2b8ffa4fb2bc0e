"""Never delete or overwrite what hubplan did not write (issue 12 §2).

``hubplan run`` and ``hubplan compare`` replace an output folder only if hubplan
wrote it (it carries the marker file, or is an unmarked run of an earlier
version); anything else is one line, exit code 2, untouched. A full disk while
writing a run is one line, exit code 2, with the previous run intact and no
empty or temporary folder left. Ctrl-C ends with one line and exit code 130,
leaving no temporary folder.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hubplan.files.atomic import MARKER
from hubplan.outputs.writer import LEGACY_RUN_FILES

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

SCENARIO = SCENARIOS / "dorset-current.toml"


@pytest.fixture(scope="module")
def previous_run(cli, study_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the default scenario, copied into each test that needs one."""
    return cli.make_run(SCENARIO, study_path, tmp_path_factory.mktemp("previous") / "outputs")


def _copy_run(previous_run: Path, out: Path) -> Path:
    shutil.copytree(previous_run, out / previous_run.name, copy_function=shutil.copy2)
    return out / previous_run.name


def _scenario_named(name: str, folder: Path) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', SCENARIO.read_text(encoding="utf-8")))
    return path


def test_run_never_replaces_the_users_own_folder(cli, tmp_path: Path, study_path: Path) -> None:
    """The report's case: a scenario named ``data`` run with ``--out .`` must not delete ./data/geo/study.gpkg."""
    (tmp_path / "data" / "geo").mkdir(parents=True)
    shutil.copy2(study_path, tmp_path / "data" / "geo" / "study.gpkg")
    scenario = _scenario_named("data", tmp_path)
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["run", str(scenario), "--study", str(study_path), "--out", str(tmp_path)])
    assert outcome.exit_code == 2, outcome.exception
    assert re.fullmatch(r".*/data: --out: the folder exists and hubplan did not write it; fix: move or rename it "
                        r".+", cli.one_error_line(outcome.stderr))
    assert cli.fingerprint(tmp_path) == before


def test_run_refuses_a_run_folder_the_user_added_files_to(cli, tmp_path: Path, study_path: Path,
                                                          previous_run: Path) -> None:
    folder = _copy_run(previous_run, tmp_path)
    (folder / "my-notes.docx").write_bytes(b"the committee's comments")
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["run", str(SCENARIO), "--study", str(study_path), "--out", str(tmp_path)])
    assert outcome.exit_code == 2, outcome.exception
    assert "the folder holds files hubplan did not write (my-notes.docx)" in cli.one_error_line(outcome.stderr)
    assert cli.fingerprint(tmp_path) == before


def test_run_replaces_its_own_runs_marked_or_older(cli, tmp_path: Path, study_path: Path, previous_run: Path) -> None:
    """A marked run is replaced; so is a whole unmarked run an earlier hubplan wrote (its files, its manifest)."""
    folder = _copy_run(previous_run, tmp_path)
    assert (folder / MARKER).is_file()
    for name in {p.name for p in folder.iterdir()} - LEGACY_RUN_FILES:
        (folder / name).unlink()  # as written before folders were marked (and before the Easy Read page)
    old_manifest = (folder / "manifest.json").read_bytes()
    assert cli.make_run(SCENARIO, study_path, tmp_path) == folder
    assert (folder / MARKER).is_file() and (folder / "manifest.json").read_bytes() != old_manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dorset-current"]


def test_compare_out_never_replaces_a_file_or_a_foreign_folder(cli, tmp_path: Path, previous_run: Path) -> None:
    run = _copy_run(previous_run, tmp_path / "runs")
    a_file = tmp_path / "comparison"
    a_file.write_text("my spreadsheet\n")
    foreign = tmp_path / "papers"
    foreign.mkdir()
    (foreign / "cabinet.md").write_text("draft\n")
    before = cli.fingerprint(tmp_path)
    for out, problem in ((a_file, "a file is at the path of the output folder"),
                         (foreign, "the folder exists and hubplan did not write it")):
        outcome = cli.invoke(["compare", str(run), "--out", str(out)])
        assert outcome.exit_code == 2, outcome.exception
        assert f"--out: {problem}; fix: " in cli.one_error_line(outcome.stderr)
    assert cli.fingerprint(tmp_path) == before
    ours = tmp_path / "ours"
    for _ in range(2):  # a comparison hubplan wrote is replaced
        outcome = cli.invoke(["compare", str(run), "--out", str(ours)])
        assert outcome.exit_code == 0, outcome.stderr
    assert sorted(p.name for p in ours.iterdir()) == [MARKER, "comparison.csv", "comparison.html", "comparison.md"]


@pytest.mark.parametrize("previous", [True, False], ids=["over-a-previous-run", "into-a-new-folder"])
def test_full_disk_during_run_is_one_line_and_leaves_nothing(cli,
    previous: bool, tmp_path: Path, study_path: Path, previous_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC half-way through writing: exit 2, previous run intact, no empty or temporary folder."""
    import hubplan.outputs.writer

    def full_disk(layers: object, folder: Path, **_kwargs: object) -> None:
        (folder / "map_sites.png").write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(hubplan.outputs.writer, "write_static_maps", full_disk)
    out = tmp_path / "outputs"
    if previous:
        _copy_run(previous_run, out)
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["run", str(SCENARIO), "--study", str(study_path), "--out", str(out)])
    assert outcome.exit_code == 2, outcome.exception
    assert re.fullmatch(r".*outputs/dorset-current: --out: cannot write the output folder \(No space left on "
                        r"device\); fix: free some disk space.+", cli.one_error_line(outcome.stderr))
    after = cli.fingerprint(tmp_path)
    if previous:  # outputs/ saw a temporary folder come and go (its mtime); everything in it is identical
        del after["outputs"], before["outputs"]
    assert after == before  # without a previous run: no outputs/ folder at all


def _default_sigint() -> None:
    """In the child before exec: Ctrl-C (SIGINT) handled as in a foreground shell."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_while_writing(cli, out: Path, study: Path, cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """Start a run, send SIGINT as soon as its temporary folder appears; None if it finished first."""
    process = subprocess.Popen(
        [str(cli.executable), "--no-progress", "run", str(SCENARIO), "--study", str(study), "--out", str(out)],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, COLUMNS="200"),
        # a foreground process as a user runs it: a test runner started in the background (`make test &`)
        # ignores SIGINT, and an ignored SIGINT is inherited, so hubplan would rightly not see Ctrl-C
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(out.glob(".dorset-current.tmp-*")):
            if process.poll() is not None or time.monotonic() > deadline:
                process.communicate()
                return None
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        if process.returncode == 0:  # the signal landed after the run had finished (a slow poll under load)
            return None
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_ctrl_c_mid_run_is_exit_130_one_line_and_no_temporary_folder(cli,
    tmp_path: Path, study_path: Path, previous_run: Path
) -> None:
    """A real process sent SIGINT while it writes: exit 130, one line, previous run intact, nothing else."""
    out = tmp_path / "outputs"
    for _ in range(3):  # the write takes seconds; retry in the unlikely case the run won the race
        shutil.rmtree(out, ignore_errors=True)
        folder = _copy_run(previous_run, out)
        before = cli.fingerprint(folder)
        done = _interrupt_while_writing(cli, out, study_path, tmp_path)
        if done is not None:
            break
    assert done is not None, "the run finished before it could be interrupted; the test proved nothing"
    assert done.returncode == 130, done.stderr
    assert "Aborted!" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == ["hubplan: interrupted (Ctrl-C); unfinished outputs were discarded"]
    assert sorted(p.name for p in out.iterdir()) == ["dorset-current"]
    assert cli.fingerprint(folder) == before
