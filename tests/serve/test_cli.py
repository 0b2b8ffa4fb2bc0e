"""``hubplan serve`` on the command line: binds 127.0.0.1 by default, answers, stops on Ctrl-C; bad input: one line."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from hubplan.cli import main
from hubplan.serve.server import free_port

BEST = Path(__file__).resolve().parents[2] / "scenarios" / "council-proposal-2026-best.toml"
LAUNCH = "from hubplan.cli import main; main()"


def test_a_missing_scenario_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--no-progress", "serve", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "hubplan: error:" in result.output


def test_help_names_the_safe_default() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output


def test_the_server_starts_on_localhost_and_stops_on_ctrl_c(study_path: Path, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "--no-progress", "serve", str(BEST), "--study", str(study_path),
         "--port", str(port), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        page = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2.0)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None and page.status_code == 200, process.stderr.read() if process.poll() else ""
        assert httpx.get(f"http://127.0.0.1:{port}/api/plan", timeout=10).json()["reason"] is None
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=False)
        if listening.returncode == 0 and listening.stdout.strip():
            local = [line.split()[3] for line in listening.stdout.splitlines()]
            assert local == [f"127.0.0.1:{port}"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not out.exists()  # nothing saved, nothing written
