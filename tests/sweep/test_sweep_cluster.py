"""Sweeps and clusters (issue 20): bad scheduler addresses, listeners that are not Dask, lost workers, Ctrl-C.

Every listener is started by the test on 127.0.0.1 and stopped by it; every case is
bounded in time (``--scheduler-timeout 1``), ends with one line and exit code 2 (130
for Ctrl-C), and leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from hubplan.errors import ClusterError, InputError
from hubplan.sweep.cluster import parse_scheduler_address, reach_scheduler
from hubplan.sweep.run import _ready, run_on_dask
from hubplan.sweep.spec import load_sweep
from hubplan.sweep.worker import shared_inputs
from tests.processes import INTERRUPTED, alive, default_sigint, interrupt

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REPO = SCENARIOS.parent
BOUND_S = 8.0
"""Wall time a refused scheduler may take with --scheduler-timeout 1 (import and spec loading included)."""


def _sweep_file(folder: Path, draws: int = 2) -> Path:
    path = folder / "small.sweep.toml"
    path.write_text(f'name = "small"\nscenario = "{SCENARIOS / "hub-per-locality.toml"}"\n'
                    f'unset = ["tiers.hub.count_per_locality"]\ndraws = {draws}\n'
                    '[vary]\n"tiers.hub.count" = [3, 5, 6]\n',
                    encoding="utf-8")
    return path


class Listener:
    """A TCP listener on 127.0.0.1 that is not a Dask scheduler; stopped by :meth:`stop`."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        replies = {
            "garbage": b"\xff\x00garbage" * 64,
            "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "huge-frame": struct.pack("<Q", 1 << 40) + b"\x00" * 64,  # announces a terabyte
            "ssh": b"SSH-2.0-OpenSSH_9.6\r\n",
        }
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "closing":
                conn.close()
                continue
            self.conns.append(conn)
            if self.mode in replies:
                try:
                    conn.sendall(replies[self.mode])
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener(request: pytest.FixtureRequest) -> Iterator[Listener]:
    started = Listener(request.param)
    yield started
    started.stop()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- addresses and listeners
@pytest.mark.parametrize("listener", ["silent", "garbage", "http", "closing", "huge-frame", "ssh"], indirect=True)
def test_a_listener_that_is_not_a_dask_scheduler_is_one_line_within_the_timeout(cli, tmp_path: Path,
                                                                                listener: Listener) -> None:
    start = time.monotonic()
    outcome = cli.invoke(["sweep", str(_sweep_file(tmp_path)), "--scheduler", f"tcp://127.0.0.1:{listener.port}",
                          "--scheduler-timeout", "1", "--out", str(tmp_path / "out")])
    took = time.monotonic() - start
    assert outcome.exit_code == 2, (outcome.exception, outcome.stderr)
    line = cli.one_error_line(outcome.stderr)
    assert line.startswith(f"--scheduler: tcp://127.0.0.1:{listener.port}: ") and "; fix: " in line, line
    assert took < BOUND_S, took
    assert not (tmp_path / "out").exists()


def test_a_closed_port_is_one_line_at_once(cli, tmp_path: Path) -> None:
    port = _closed_port()
    start = time.monotonic()
    outcome = cli.invoke(["sweep", str(_sweep_file(tmp_path)), "--scheduler", f"127.0.0.1:{port}",
                          "--scheduler-timeout", "1"])
    assert outcome.exit_code == 2
    assert f"--scheduler: tcp://127.0.0.1:{port}: cannot reach the scheduler (Connection refused)" in \
        cli.one_error_line(outcome.stderr)
    assert time.monotonic() - start < BOUND_S


def test_reaching_is_bounded_by_the_injected_timeout() -> None:
    silent = Listener("silent")
    try:
        start = time.monotonic()
        with pytest.raises(InputError, match=r"no Dask scheduler answered within 0\.5 s"):
            reach_scheduler(f"tcp://127.0.0.1:{silent.port}", timeout_s=0.5)
        assert time.monotonic() - start < 2.0
    finally:
        silent.stop()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786", "tls://[::1]:8786",
                                     "tcp://scheduler.example.org:1"])
def test_a_good_address_is_parsed(address: str) -> None:
    parsed = parse_scheduler_address(address)
    assert 1 <= parsed.port <= 65535 and parsed.scheme in ("tcp", "tls")


# --------------------------------------------------------------------------- real schedulers
@pytest.fixture
def bare_scheduler() -> Iterator[str]:
    """A real Dask scheduler with no workers, in this process, on 127.0.0.1."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0"
                      ) as cluster:
        yield cluster.scheduler_address


def test_a_scheduler_without_workers_stops_with_exit_2_and_says_so(cli, tmp_path: Path, study_path: Path,
                                                                   bare_scheduler: str) -> None:
    start = time.monotonic()
    outcome = cli.invoke(["sweep", str(_sweep_file(tmp_path)), "--scheduler", bare_scheduler,
                          "--scheduler-timeout", "1", "--study", str(study_path), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 2, (outcome.exception, outcome.stderr)
    line = cli.one_error_line(outcome.stderr)
    assert f"--scheduler: {bare_scheduler}: the scheduler has no workers (none joined within 1 s)" in line
    assert time.monotonic() - start < BOUND_S + 20  # the shared inputs are read first
    assert not (tmp_path / "out").exists()


def test_a_worker_address_is_not_a_scheduler(bare_scheduler: str) -> None:
    import asyncio

    from dask.distributed import Worker

    async def check() -> str:
        async with Worker(bare_scheduler, host="127.0.0.1", nthreads=1) as worker:
            try:
                await asyncio.to_thread(reach_scheduler, worker.address, 2.0)
            except Exception as err:
                return str(err)
        return "reached"

    assert "the peer there is a Dask Worker, not a scheduler" in asyncio.run(check())


@pytest.fixture(scope="module")
def small(study_path: Path, tmp_path_factory: pytest.TempPathFactory):
    spec = load_sweep(_sweep_file(tmp_path_factory.mktemp("sweep"), draws=8))
    return spec, shared_inputs(spec.base, study_path=study_path)


@pytest.mark.slow
def test_a_cluster_that_loses_every_worker_stops_the_sweep(small, bare_scheduler: str) -> None:
    """Its only worker (a separate process) is killed mid-sweep: ClusterError after the grace, never success."""
    from dask.distributed import Client

    spec, shared = small
    env = dict(os.environ, PYTHONPATH=str(REPO))
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", bare_scheduler, "--no-nanny",
                               "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        with Client(bare_scheduler) as client:
            client.wait_for_workers(1, timeout=60)

            def kill(done: int, total: int) -> None:
                if done == 1:
                    worker.kill()

            start = time.monotonic()
            # the broadcast inputs die with the last worker, so dask gives the tasks up: "lost"
            with pytest.raises(ClusterError, match=r"(no workers for 2 s|\d+ of 24 variants were lost with their "
                                                   r"workers)"):
                run_on_dask(client, shared, spec.variants, kill, grace_s=2.0)
            assert time.monotonic() - start < 60
    finally:
        worker.kill()
        worker.wait()


def test_waiting_on_a_cluster_with_no_worker_stops_after_the_grace(bare_scheduler: str) -> None:
    from dask.distributed import Client, as_completed

    with Client(bare_scheduler) as client:
        pending = as_completed([client.submit(sum, [1, 2], pure=False)])
        start = time.monotonic()
        with pytest.raises(ClusterError, match=r"the Dask cluster has had no workers for 1 s, with 1 tasks"):
            _ready(pending, client, 1.0)
        assert time.monotonic() - start < 5


@pytest.mark.slow
def test_scaling_the_cluster_to_nothing_stops_the_sweep(small) -> None:
    """The local cluster is scaled to no workers mid-sweep: dask forgets the tasks; still ClusterError."""
    from dask.distributed import Client, LocalCluster

    spec, shared = small
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        def retire(done: int, total: int) -> None:
            if done == 1:
                threading.Thread(target=lambda: cluster.scale(0), daemon=True).start()

        with pytest.raises(ClusterError, match=r"(no workers for 2 s|variants were lost with their workers)"):
            run_on_dask(client, shared, spec.variants, retire, grace_s=2.0)


@pytest.mark.slow
def test_tasks_lost_with_their_killed_worker_stop_the_sweep(small) -> None:
    """A worker killed mid-task (SIGKILL), dask allowed no retry: ClusterError naming the lost variants."""
    import dask
    from dask.distributed import Client, LocalCluster

    spec, shared = small
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

        def kill(done: int, total: int) -> None:
            if done == 1:
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)

        with pytest.raises(ClusterError, match=r"\d+ of 24 variants were lost with their workers \(KilledWorker"):
            run_on_dask(client, shared, spec.variants, kill, grace_s=30.0)


# --------------------------------------------------------------------------- Ctrl-C
@pytest.mark.slow
@pytest.mark.parametrize("to_group", [False, True], ids=["to-hubplan", "to-the-terminal-group"])
def test_ctrl_c_mid_sweep_exits_130_within_2_s_with_no_process_left(cli, tmp_path: Path, study_path: Path,
                                                                   to_group: bool) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    child = subprocess.Popen([str(cli.executable), "--no-progress", "sweep", str(_sweep_file(tmp_path, draws=40)),
                              "--workers", "2", "--study", str(study_path), "--out", str(tmp_path / "out")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True, preexec_fn=default_sigint)
    try:
        assert child.stderr is not None
        seen = [child.stderr.readline(), child.stderr.readline()]
        assert "dask: 2 workers" in seen[1], seen  # (the first says how many variants)
        time.sleep(2)  # solving now
        family = psutil.Process(child.pid).children(recursive=True)
        assert len(family) >= 2
    except BaseException:
        child.kill()
        child.wait()
        raise
    err, took = interrupt(child, to_group=to_group, timeout=30)
    assert child.returncode == 130, err
    assert err.splitlines() == INTERRUPTED, err
    assert took < 2.0, took
    time.sleep(0.5)
    assert alive(family) == []
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["small.sweep.toml"]


def test_sweep_workers_are_bounded(cli, tmp_path: Path) -> None:
    most = 4 * (os.cpu_count() or 1)
    for value in ("0", str(most + 1), "512", "-3"):
        outcome = cli.invoke(["sweep", str(_sweep_file(tmp_path)), "--workers", value])
        assert outcome.exit_code == 2
        assert f"--workers: {value}: is not from 1 to {most}" in cli.one_error_line(outcome.stderr)
