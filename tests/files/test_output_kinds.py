"""Data loss by name (issue 20): each kind of output recognises only its own marker, never a name.

Every case builds real folders, runs the real writer or command, and compares the
folder's fingerprint (listing, bytes, mtimes) before and after.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hubplan.errors import InputError
from hubplan.files.atomic import MARKER, atomic_directory, remove_stale_siblings
from hubplan.files.marker import SCRATCH, check_replaceable, marked_kind, write_marker
from hubplan.outputs.operational import check_operational_folder
from hubplan.outputs.writer import LEGACY_RUN_FILES, LEGACY_WRITE_WINDOW_S, check_run_folder, is_unmarked_run

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
KINDS = ("run", "sweep", "operational", "comparison")


def _output(folder: Path, kind: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    write_marker(folder, kind)
    return folder


def _legacy_run(folder: Path, name: str | None = None) -> Path:
    """A run as hubplan wrote it before folders were marked: every legacy file, its manifest naming the folder."""
    folder.mkdir(parents=True)
    for file in sorted(LEGACY_RUN_FILES - {"manifest.json"}):
        (folder / file).write_text("x", encoding="utf-8")
    manifest = {"hubplan_version": "0.1.0", "scenario": {"name": name or folder.name, "file": "a.toml"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- kinds never replace each other
@pytest.mark.parametrize("existing", KINDS)
@pytest.mark.parametrize("writing", KINDS)
def test_an_output_replaces_only_its_own_kind(cli, tmp_path: Path, existing: str, writing: str) -> None:
    folder = _output(tmp_path / "name", existing, {"a.txt": "published"})
    before = cli.fingerprint(tmp_path)
    if existing == writing:
        with atomic_directory(folder, kind=writing) as tmp:
            (tmp / "b.txt").write_text("new", encoding="utf-8")
        assert sorted(p.name for p in folder.iterdir()) == [MARKER, "b.txt"]
        assert marked_kind(folder) == writing
        return
    a_kind = f"{'an' if writing[0] in 'aeiou' else 'a'} {writing}"
    with pytest.raises(InputError, match=f"the folder is a hubplan {existing} output, not {a_kind} output; fix: "):
        with atomic_directory(folder, kind=writing) as tmp:
            (tmp / "b.txt").write_text("new", encoding="utf-8")
    assert cli.fingerprint(tmp_path) == before


def test_a_marker_from_before_kinds_is_taken_only_by_the_kind_whose_files_it_lists(tmp_path: Path) -> None:
    folder = tmp_path / "old-sweep"
    folder.mkdir()
    (folder / "sweep.json").write_text("{}", encoding="utf-8")
    (folder / MARKER).write_text(json.dumps({"written_by": "hubplan", "files": ["sweep.json"]}), encoding="utf-8")
    check_replaceable(folder, kind="sweep", legacy_files=("sweep.json", "variants.csv"))
    with pytest.raises(InputError, match="the folder is another kind of hubplan output, not a run output"):
        check_replaceable(folder, kind="run", legacy_files=("manifest.json", "metrics.json"))


@pytest.mark.parametrize("marker", [
    "not json", '["a list"]', '{"written_by": "someone", "kind": "run", "files": []}',
    '{"written_by": "hubplan", "kind": 7, "files": []}', '{"written_by": "hubplan", "kind": "run", "files": "x"}',
    "[" * 100_000,
], ids=["text", "list", "other-writer", "kind-not-text", "files-not-list", "deeply-nested"])
def test_a_forged_or_broken_marker_is_not_a_marker(cli, tmp_path: Path, marker: str) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / MARKER).write_text(marker, encoding="utf-8")
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(InputError, match="the folder exists and hubplan did not write it"):
        check_replaceable(folder, kind="run")


def test_a_marker_that_is_a_link_or_huge_is_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "marker.json"
    elsewhere.write_text(json.dumps({"written_by": "hubplan", "kind": "run", "files": ["a.txt"]}), encoding="utf-8")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "a.txt").write_text("mine", encoding="utf-8")
    (linked / MARKER).symlink_to(elsewhere)
    with pytest.raises(InputError, match="hubplan did not write it"):
        check_replaceable(linked, kind="run")
    huge = tmp_path / "huge"
    huge.mkdir()
    (huge / MARKER).write_text(json.dumps({"written_by": "hubplan", "kind": "run", "files": ["a" * 2_000_000]}))
    with pytest.raises(InputError, match="hubplan did not write it"):
        check_replaceable(huge, kind="run")


def test_a_sweep_named_like_a_run_folder_leaves_the_run(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _output(out / "small", "run", {"manifest.json": "{}", "report.md": "# the council's run"})
    sweep = tmp_path / "small.sweep.toml"
    sweep.write_text(f'name = "small"\nscenario = "{SCENARIOS / "hub-per-locality.toml"}"\ndraws = 2\n',
                     encoding="utf-8")
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["sweep", str(sweep), "--out", str(out)])
    assert outcome.exit_code == 2, outcome.exception
    line = cli.one_error_line(outcome.stderr)
    assert "small: --out: the folder is a hubplan run output, not a sweep output; fix: " in line
    assert cli.fingerprint(tmp_path) == before


def test_a_sweep_never_replaces_a_users_folder_of_its_name(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "small").mkdir(parents=True)
    (out / "small" / "index.html").write_text("my web page", encoding="utf-8")
    sweep = tmp_path / "small.sweep.toml"
    sweep.write_text(f'name = "small"\nscenario = "{SCENARIOS / "hub-per-locality.toml"}"\ndraws = 2\n',
                     encoding="utf-8")
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["sweep", str(sweep), "--out", str(out)])
    assert outcome.exit_code == 2 and "hubplan did not write it" in cli.one_error_line(outcome.stderr)
    assert cli.fingerprint(tmp_path) == before


def _client_scenario(folder: Path, routed_copy) -> Path:
    (folder / "clients.csv").parent.mkdir(parents=True, exist_ok=True)
    (folder / "clients.csv").write_text("postcode,segment,attendees\nDT1 1AA,older_people,5\n", encoding="utf-8")
    return routed_copy("dorset-current.toml", "clients", folder,
                       demand='[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\n')


def test_operational_rounds_never_replace_a_sweep_at_their_path(cli, tmp_path: Path, study_path: Path,
                                                               routed_copy) -> None:
    scenario = _client_scenario(tmp_path / "in", routed_copy)
    out = tmp_path / "out"
    _output(out / "clients.operational", "sweep", {"sweep.json": "{}", "index.html": "<p>published</p>"})
    before = cli.fingerprint(tmp_path)
    outcome = cli.invoke(["run", str(scenario), "--study", str(study_path), "--out", str(out)])
    assert outcome.exit_code == 2, outcome.exception
    assert "clients.operational: --out: the folder is a hubplan sweep output, not an operational output" in \
        cli.one_error_line(outcome.stderr)
    assert cli.fingerprint(tmp_path) == before


def test_operational_rounds_never_go_through_a_symlinked_out(cli, tmp_path: Path, study_path: Path,
                                                             routed_copy) -> None:
    scenario = _client_scenario(tmp_path / "in", routed_copy)
    web = tmp_path / "var" / "www" / "consultation"
    web.mkdir(parents=True)
    (web / "index.html").write_text("public", encoding="utf-8")
    (tmp_path / "outputs").symlink_to(web)
    before = cli.fingerprint(tmp_path)
    for out in (tmp_path / "outputs", tmp_path / "outputs" / "deeper"):
        outcome = cli.invoke(["run", str(scenario), "--study", str(study_path), "--out", str(out)])
        assert outcome.exit_code == 2, outcome.exception
        assert f"--out: resolves through the symbolic link {tmp_path / 'outputs'} (to {web})" in \
            cli.one_error_line(outcome.stderr)
    assert cli.fingerprint(tmp_path) == before
    assert sorted(p.name for p in web.iterdir()) == ["index.html"]
    with pytest.raises(InputError, match="symbolic link"):
        check_operational_folder(tmp_path / "outputs", "clients")


# --------------------------------------------------------------------------- leftovers: marked, not named
def test_a_users_folder_named_like_a_leftover_survives_a_real_write(cli, tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    for name in (f".run.tmp-{gone.pid}-mine", f".run.old-{gone.pid}-backup", ".run.tmp-1-x"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "draft.docx").write_text("keep", encoding="utf-8")
    before = cli.fingerprint(tmp_path)
    with atomic_directory(tmp_path / "run", kind="run") as tmp:
        (tmp / "a.txt").write_text("x", encoding="utf-8")
    after = cli.fingerprint(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("run")} == before


def test_an_empty_unmarked_leftover_of_a_dead_process_is_swept_but_a_full_one_kept(tmp_path: Path) -> None:
    """Killed between making its folder and marking it, a run leaves an empty folder: nothing to lose."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    empty, full = tmp_path / f".run.tmp-{gone.pid}-abcd", tmp_path / f".run.tmp-{gone.pid}-efgh"
    empty.mkdir()
    full.mkdir()
    (full / "draft.docx").write_text("keep", encoding="utf-8")
    alive_empty = tmp_path / f".run.tmp-{os.getpid()}-ijkl"  # this process is alive: its folder may be in use
    alive_empty.mkdir()
    assert remove_stale_siblings(tmp_path / "run") == [empty]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([full.name, alive_empty.name])
    assert (full / "draft.docx").read_text(encoding="utf-8") == "keep"


def test_a_killed_writers_marked_leftover_is_swept(tmp_path: Path) -> None:
    """A real process is killed mid-write (SIGKILL); the next write removes what it left, by its mark."""
    code = ("import sys, time; from pathlib import Path; from hubplan.files.atomic import atomic_directory\n"
            "with atomic_directory(Path(sys.argv[1]), kind='run') as tmp:\n"
            "    (tmp / 'a.txt').write_text('x'); print('ready', flush=True); time.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "run")], stdout=subprocess.PIPE,
                             text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        left = [p for p in tmp_path.iterdir() if p.name.startswith(".run.tmp-")]
        assert len(left) == 1 and (left[0] / SCRATCH).is_file()
        assert remove_stale_siblings(tmp_path / "run") == []  # alive: kept
    finally:
        child.kill()
        child.wait()
    assert remove_stale_siblings(tmp_path / "run") == left
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- adopting runs from before markers
def test_a_whole_older_run_is_adopted(tmp_path: Path) -> None:
    folder = _legacy_run(tmp_path / "dorset-current")
    assert is_unmarked_run(folder)
    check_run_folder(tmp_path, "dorset-current")


@pytest.mark.parametrize("change", [
    "only-a-manifest", "file-missing", "file-added", "manifest-names-another", "manifest-not-hubplan",
    "edited-later", "a-file-is-a-link", "a-subfolder",
])
def test_a_users_folder_is_never_adopted_as_an_older_run(cli, tmp_path: Path, change: str) -> None:
    folder = _legacy_run(tmp_path / "dorset-current", name="other" if change == "manifest-names-another" else None)
    if change == "only-a-manifest":
        for path in folder.iterdir():
            if path.name != "manifest.json":
                path.unlink()
    elif change == "file-missing":
        (folder / "report.md").unlink()
    elif change == "file-added":
        (folder / "committee-notes.docx").write_text("mine", encoding="utf-8")
    elif change == "manifest-not-hubplan":
        (folder / "manifest.json").write_text('{"scenario": {"name": "dorset-current"}}', encoding="utf-8")
    elif change == "edited-later":
        later = (folder / "manifest.json").stat().st_mtime + LEGACY_WRITE_WINDOW_S + 60
        os.utime(folder / "report.md", (later, later))
    elif change == "a-file-is-a-link":
        (folder / "report.md").unlink()
        (folder / "report.md").symlink_to(tmp_path)
    elif change == "a-subfolder":
        (folder / "report.md").unlink()
        (folder / "report.md").mkdir()
        (folder / "report.md" / "draft.md").write_text("mine", encoding="utf-8")
    before = cli.fingerprint(tmp_path)
    assert not is_unmarked_run(folder)
    with pytest.raises(InputError, match="hubplan did not write it"):
        check_run_folder(tmp_path, "dorset-current")
    with pytest.raises(InputError, match="hubplan did not write it"):
        with atomic_directory(folder, kind="run", adopt=is_unmarked_run) as tmp:
            (tmp / "a.txt").write_text("x", encoding="utf-8")
    assert cli.fingerprint(tmp_path) == before


# --------------------------------------------------------------------------- private folders, whatever the umask
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_a_private_folder_is_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "x.operational", kind="operational", private=True) as tmp:
            (tmp / "rounds.csv").write_text("postcode\nDT1 1AA\n", encoding="utf-8")
            (tmp / "sub").mkdir()
            (tmp / "sub" / "more.csv").write_text("x", encoding="utf-8")
    finally:
        os.umask(old)
    folder = tmp_path / "x.operational"
    modes = {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert modes == {"rounds.csv": 0o600, MARKER: 0o600, "sub": 0o700, "sub/more.csv": 0o600}
