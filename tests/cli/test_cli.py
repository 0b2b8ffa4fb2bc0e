"""Command-line conventions (issue 6): --version, show-versions, -v/-q, --progress, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import hubplan
import hubplan.cli
from hubplan.versions import KEY_DEPENDENCIES

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

CURRENT = str(SCENARIOS / "dorset-current.toml")


def test_version(cli) -> None:
    """``hubplan --version`` prints the package version and exits 0."""
    outcome = cli.invoke(["--version"])
    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == f"hubplan, version {hubplan.__version__}"


def test_show_versions(cli) -> None:
    """``hubplan show-versions`` lists hubplan, Python and every key dependency with a version."""
    outcome = cli.invoke(["show-versions"])
    assert outcome.exit_code == 0
    rows = dict(line.split(maxsplit=1) for line in outcome.stdout.splitlines() if line.strip())
    assert rows["hubplan"] == hubplan.__version__
    for name in ("python", *KEY_DEPENDENCIES):
        assert re.match(r"^\d+\.\d+", rows[name]), (name, rows.get(name))


def test_help_lists_the_commands(cli) -> None:
    """-h works and names every command and global option."""
    outcome = cli.invoke(["-h"])
    assert outcome.exit_code == 0
    for word in ("data", "scenario", "evaluate", "run", "show-versions", "--verbose", "--quiet", "--no-progress"):
        assert word in outcome.stdout


def test_validate_and_schema(cli, tmp_path: Path) -> None:
    """``scenario validate`` accepts every shipped scenario; ``scenario schema`` prints JSON Schema."""
    paths = sorted(str(p) for p in SCENARIOS.glob("*.toml"))
    outcome = cli.invoke(["scenario", "validate", *paths])
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.count(": valid (") == len(paths)
    schema = json.loads(cli.invoke(["scenario", "schema"]).stdout)
    assert schema["title"] == "hubplan scenario"


def test_usage_error_is_exit_2(cli) -> None:
    """A mistyped option is bad input too: exit code 2."""
    outcome = cli.invoke(["evaluate", CURRENT, "--no-such-option"])
    assert outcome.exit_code == 2
    assert "No such option" in outcome.stderr


def test_verbosity_levels(cli, tmp_path: Path, study_path: Path) -> None:
    """Real processes: default and -q print no log lines, -v adds INFO, -vv adds DEBUG; stdout is unchanged."""
    base = ["evaluate", CURRENT, "--study", str(study_path)]
    quiet = cli.run_process(["-q", "--no-progress", *base], cwd=tmp_path)
    default = cli.run_process(["--no-progress", *base], cwd=tmp_path)
    verbose = cli.run_process(["-v", "--no-progress", *base], cwd=tmp_path)
    for outcome in (quiet, default, verbose):
        assert outcome.exit_code == 0, outcome.stderr
    assert quiet.stderr == "" and default.stderr == ""
    info = verbose.stderr.splitlines()
    assert info and all(line.startswith(("INFO ", "WARNING ")) for line in info)
    assert any(line.startswith("INFO hubplan.siting: site roles:") for line in info)
    assert quiet.stdout == default.stdout == verbose.stdout
    assert "All localities" in default.stdout


@pytest.mark.slow
def test_debug_and_progress(cli, tmp_path: Path, study_path: Path) -> None:
    """-vv logs DEBUG; --progress draws only on stderr, so stdout matches --no-progress."""
    base = ["evaluate", CURRENT, "--study", str(study_path)]
    debug = cli.run_process(["-vv", "--no-progress", *base], cwd=tmp_path)
    assert debug.exit_code == 0
    assert "DEBUG " in debug.stderr
    with_bar = cli.run_process(["-q", "--progress", *base], cwd=tmp_path)
    without = cli.run_process(["-q", "--no-progress", *base], cwd=tmp_path)
    assert with_bar.exit_code == without.exit_code == 0
    assert with_bar.stdout == without.stdout
    assert without.stderr == ""


def test_exit_codes_are_documented(cli) -> None:
    """Exit codes 0, 1, 2 and 130 (Ctrl-C) are described in the CLI's docstring and in the user guide."""
    doc = hubplan.cli.__doc__ or ""
    text = (REPO / "docs" / "guide" / "reliability.md").read_text(encoding="utf-8")
    for code in ("0", "1", "2", "130"):
        assert re.search(rf"^{code}\n\s+\S", doc, flags=re.MULTILINE), code
        assert re.search(rf"^\| `?{code}`? \|", text, flags=re.MULTILINE), code
    assert "hubplan: error: " in text and "; fix: " in text


def test_internal_error_is_exit_1(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A bug (not a HubplanError) is not dressed up as bad input: exit code 1."""
    import hubplan.scenario

    def broken(path: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(hubplan.scenario, "load_scenario", broken)
    outcome = cli.invoke(["scenario", "validate", CURRENT])
    assert outcome.exit_code == 1
    assert isinstance(outcome.exception, RuntimeError)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_unwritable_out_is_refused_before_any_solve(cli, command, tmp_path: Path, monkeypatch) -> None:
    """A file where the output folder should go fails at once, not after minutes of solving."""
    import hubplan.api

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("the scenario was solved before the output folder was checked")

    monkeypatch.setattr(hubplan.api.Study, "open", must_not_run)
    blocker = tmp_path / "a-file.txt"
    blocker.write_text("not a folder")
    out = blocker if command == "run" else blocker / "comparison"
    outcome = cli.invoke([command, CURRENT, "--out", str(out)])
    assert outcome.exit_code == 2, outcome.exception
    assert re.search(r"a-file\.txt: --out: cannot create the output folder \(Not a directory\); fix: ",
                     outcome.stderr)
    assert blocker.read_text() == "not a folder"
