"""The operational rounds of a real client-file run stay owner-only whatever the umask (issue 20)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hubplan.files.atomic import MARKER

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_operational_rounds_are_owner_only_under_umask_zero(routed_client_run, study_path: Path,
                                                           tmp_path: Path) -> None:
    """A real client-file run with routed rounds, umask 000: the postcodes file is still 0600."""
    scenario = next(routed_client_run.out_root.parent.glob("*.toml"))
    shutil.copy2(routed_client_run.out_root.parent / "clients.csv", tmp_path / "clients.csv")
    shutil.copy2(scenario, tmp_path / scenario.name)
    code = ("import os, sys; from hubplan.cli import main; os.umask(0)\n"
            "sys.exit(main(['--no-progress', 'run', sys.argv[1], '--study', sys.argv[2], '--out', sys.argv[3]]))")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / scenario.name), str(study_path),
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    operational = tmp_path / "out" / f"{scenario.stem}.operational"
    assert stat.S_IMODE(operational.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in operational.iterdir()} == {
        "rounds.csv": 0o600, "exceptions.csv": 0o600, "README.txt": 0o600, MARKER: 0o600}
    assert stat.S_IMODE((tmp_path / "out" / scenario.stem / "report.md").stat().st_mode) & 0o004  # public stays
