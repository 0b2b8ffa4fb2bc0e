"""Atomic outputs (issue 6): SIGKILL a run while it writes; the folder is always one complete run.

A real ``hubplan run`` process is started over a folder holding a previous run
of the same scenario. The test waits until the run's temporary folder appears
(the writer has started) and kills it with SIGKILL after a different delay on
each try, so the kill lands at different points of the write, or after the swap
on a fast machine. After each kill the folder must be one complete run: the
previous one untouched (byte-for-byte and mtime-for-mtime), or the new one whole
(a rerun writes the same bytes, so the same listing and contents, every file new; only the
manifest's clock readings, ``created_utc`` and the stage ``seconds``, differ).
Never a mixture, never a missing file, never a temporary one.
"""

from __future__ import annotations

import json
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
    """Start a run, SIGKILL it ``delay`` s after its temp folder appears; True if the kill ended it."""
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


CLOCK_READINGS = ("created_utc", "seconds")
"""Manifest fields a rerun of the same scenario writes differently: when it ran and how long each stage took."""


def _manifest_without_clock(folder: Path) -> dict[str, object]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {key: value for key, value in manifest.items() if key not in CLOCK_READINGS}


def _one_complete_run(folder: Path, previous: dict[str, tuple[str, int, int, str]], cli,
                      manifest: dict[str, object]) -> str:
    """Assert ``folder`` is the ``previous`` run untouched or a whole new one; return which ("old" or "new")."""
    assert folder.is_dir(), f"{folder} is missing after the kill"
    now = cli.fingerprint(folder)
    assert {rel: (kind, digest) for rel, (kind, _, _, digest) in now.items() if rel != "manifest.json"} == \
        {rel: (kind, digest) for rel, (kind, _, _, digest) in previous.items() if rel != "manifest.json"}, \
        "the folder's listing or contents differ from a complete run"
    assert ("manifest.json" in now) and _manifest_without_clock(folder) == manifest, \
        "the manifest is missing or is not this scenario's run"
    files = [rel for rel, entry in previous.items() if entry[0] == "file"]
    rewritten = {rel for rel in files if now[rel][2] != previous[rel][2]}
    assert rewritten in (set(), set(files)), f"a mixture of two runs: only {sorted(rewritten)} were rewritten"
    return "new" if rewritten else "old"


@pytest.mark.slow
def test_sigkill_mid_write_leaves_previous_run_intact(cli, tmp_path: Path, study_path: Path) -> None:
    """Whenever the kill lands, outputs/dorset-current/ is one complete run, the previous or the new one."""
    out = tmp_path / "outputs"
    folder = cli.make_run(SCENARIO, study_path, out)
    previous = cli.fingerprint(folder)
    assert "manifest.json" in previous and "map.html" in previous
    manifest = _manifest_without_clock(folder)
    outcomes = []
    for delay in DELAYS_S:
        killed = _kill_while_writing(cli, out, study_path, delay, tmp_path)
        outcome = _one_complete_run(folder, previous, cli, manifest)
        outcomes.append((delay, killed, outcome))
        previous = cli.fingerprint(folder)
    # the kill 0 s after the temporary folder appears lands before the swap on any machine:
    # without it the test would not have shown that a killed write leaves the previous run
    assert (0.0, True, "old") in outcomes, outcomes
    # a kill mid-write leaves the temporary folder (unless the run got to the swap first);
    # the next complete run sweeps up whatever the killed ones left
    cli.make_run(SCENARIO, study_path, out)
    assert sorted(p.name for p in out.iterdir()) == ["dorset-current"]
