"""Ctrl-C while routing (issue 20): exit 130 within 2 s, one line, no process left, nothing written.

``hubplan transport`` routes in a pool of spawned processes; before, Ctrl-C waited for every
queued routing (106-112 s measured). The test waits until the pool's processes exist,
sends SIGINT to hubplan alone and to its whole process group (as a terminal does), and
times the exit.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.processes import INTERRUPTED, alive, default_sigint, interrupt

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("to_group", [False, True], ids=["to-hubplan", "to-the-terminal-group"])
def test_ctrl_c_while_routing_exits_130_within_2_s(cli, tmp_path: Path, study_path: Path, routed_copy,
                                                   to_group: bool) -> None:
    # a search budget far beyond the seconds the test waits, so that Ctrl-C finds it routing
    scenario = routed_copy("dorset-current.toml", "interrupted", tmp_path / "in", steps=5_000_000)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    child = subprocess.Popen([str(cli.executable), "--no-progress", "transport", str(scenario), "--study",
                              str(study_path), "--out", str(out), "--time-limit", "600"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True, preexec_fn=default_sigint)
    try:
        me = psutil.Process(child.pid)
        deadline = time.monotonic() + 240
        while not me.children(recursive=True) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)  # the plan is solved in this process; routing starts the pool
        assert child.poll() is None, child.communicate()
        time.sleep(3)  # routing now
        family = me.children(recursive=True)
        assert family
    except BaseException:
        child.kill()
        child.wait()
        raise
    err, took = interrupt(child, to_group=to_group, timeout=60)
    assert child.returncode == 130, err
    assert err.splitlines() == INTERRUPTED, err
    assert took < 2.0, took
    time.sleep(0.5)
    assert alive(family) == []
    assert not out.exists()
