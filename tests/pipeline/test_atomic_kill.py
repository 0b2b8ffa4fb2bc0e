"""Atomic outputs (issue 6): SIGKILL a run while it writes; the previous run stays intact.

A real ``hubplan run`` process is started over a folder holding a previous run
of the same scenario. The test waits until the run's temporary folder appears
(the writer has started) and kills it with SIGKILL after a different delay on
each try, so the kill lands at different points of the write. After each kill
the previous run must be byte-for-byte and mtime-for-mtime unchanged.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

SCENARIO = SCENARIOS / "dorset-current.toml"
DELAYS_S = (0.0, 0.3, 1.0, 2.5)
"""Pause between seeing the temporary folder and the kill, one try each."""


def _kill_while_writing(cli, out: Path, study: Path, delay: float, cwd: Path) -> bool:
    """Start a run, SIGKILL it ``delay`` s after its temp folder appears; True if it died mid-write."""
    process = subprocess.Popen(
        [str(cli.executable), "-q", "--no-progress", "run", str(SCENARIO), "--study", str(study), "--out", str(out)],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(out.glob(".dorset-current.tmp-*")):
            if process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_sigkill_mid_write_leaves_previous_run_intact(cli, tmp_path: Path, study_path: Path) -> None:
    """Whenever the kill lands, outputs/dorset-current/ is the complete previous run."""
    out = tmp_path / "outputs"
    folder = cli.make_run(SCENARIO, study_path, out)
    before = cli.fingerprint(folder)
    assert "manifest.json" in before and "map.html" in before
    killed_mid_write = 0
    for delay in DELAYS_S:
        if _kill_while_writing(cli, out, study_path, delay, tmp_path):
            killed_mid_write += 1
        assert cli.fingerprint(folder) == before, f"previous run changed after a kill {delay} s into the write"
    assert killed_mid_write >= 2, "the runs finished before they could be killed; the test proved nothing"
    # a kill mid-write leaves the temporary folder (unless the run got to the swap first);
    # the next complete run sweeps up whatever the killed ones left
    cli.make_run(SCENARIO, study_path, out)
    assert sorted(p.name for p in out.iterdir()) == ["dorset-current"]
