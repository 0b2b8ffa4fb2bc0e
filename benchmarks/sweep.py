"""Benchmark: N demand draws of hub-per-locality, as a plain loop and on Dask with 1 and 2 worker processes.

All three runs solve the same variants (seeded synthetic cohorts ``demand.seed =
1..N``) in the same process tree, one after the other, and must give the same table.
The clocks time the sweep only: the shared inputs are built once before, and each
Dask cluster is started and warmed up (solver libraries loaded in every worker)
before its clock starts; the start-up is reported on its own line. Reported: wall
time of each run, the speed-up from 1 to 2 workers, the overhead of the 1-worker Dask
run over the plain loop, each worker's resident memory after its run, and the load
average before and after each round (the machine may be shared). ``--rounds`` repeats
the three runs, every other round in the opposite order.

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/sweep.py [--draws 200] [--rounds 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubplan.core.solve import warm_up
from hubplan.sweep.results import results_table
from hubplan.sweep.run import dask_client, run_on_dask, run_sequential
from hubplan.sweep.spec import SweepSpec, parse_vary
from hubplan.sweep.worker import SharedInputs, shared_inputs

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "hub-per-locality.toml"


def _worker_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


@dataclass(frozen=True)
class RunRecord:
    """One timed run of the sweep.

    Parameters
    ----------
    workers
        Dask worker processes; 0 for the plain loop.
    seconds
        Wall time of the sweep (start-up excluded).
    cpu_seconds
        CPU time of the process(es) that solved (the loop's process, or the workers together).
    scheduler_client_cpu_seconds
        CPU time of the main process (scheduler and client) during a Dask run; 0 for the loop.
    startup_seconds
        Starting and warming up the cluster; 0 for the loop.
    worker_rss_mb
        Each worker's resident memory after the run.
    """

    workers: int
    seconds: float
    cpu_seconds: float
    scheduler_client_cpu_seconds: float = 0.0
    startup_seconds: float = 0.0
    worker_rss_mb: tuple[float, ...] = ()

    def row(self, n_variants: int) -> str:
        """The Markdown table row of this run."""
        per_variant = f"{self.seconds:.1f} | {self.seconds / n_variants:.3f}"
        if self.workers == 0:
            return f"| plain loop | {per_variant} | {self.cpu_seconds:.1f} | - | - |"
        return (f"| Dask, {self.workers} worker(s) | {per_variant} | {self.cpu_seconds:.1f} + "
                f"{self.scheduler_client_cpu_seconds:.1f} | {self.startup_seconds:.1f} | "
                f"{[round(m) for m in self.worker_rss_mb]} |")


def _loop(spec: SweepSpec, shared: SharedInputs) -> tuple[pd.DataFrame, RunRecord]:
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    table = results_table(spec, run_sequential(shared, spec.variants))
    return table, RunRecord(0, time.perf_counter() - start, _cpu_seconds() - cpu_start)


def _on_dask(spec: SweepSpec, shared: SharedInputs, workers: int) -> tuple[pd.DataFrame, RunRecord]:
    start = time.perf_counter()
    with dask_client(None, workers) as client:
        startup = time.perf_counter() - start
        cpu_before, main_before = client.run(_cpu_seconds), _cpu_seconds()
        start = time.perf_counter()
        results = run_on_dask(client, shared, spec.variants)
        seconds = time.perf_counter() - start
        cpu = sum(client.run(_cpu_seconds)[w] - cpu_before[w] for w in cpu_before)
        main_cpu = _cpu_seconds() - main_before
        memory = tuple(sorted(client.run(_worker_rss_mb).values()))
    return results_table(spec, results), RunRecord(workers, seconds, cpu, main_cpu, startup, memory)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print a Markdown table per round; return 0 when every table agrees.

    With ``--rounds 2`` or more, the runs go in the opposite order every other round
    (loop, 1, 2 workers; then 2, 1 workers, loop), so a machine that slows down or
    speeds up during the benchmark weighs on every run alike; the overhead and the
    speed-up are then those of the runs' summed wall times.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    spec = parse_vary(SCENARIO, [], draws=args.draws)
    shared = shared_inputs(spec.base)
    warm_up()
    n = len(spec.variants)
    tables: list[pd.DataFrame] = []
    rounds: list[dict[str, Any]] = []
    wall = dict.fromkeys((0, 1, 2), 0.0)
    print(f"{n} variants (demand draws of {SCENARIO.name}); cpus: {os.cpu_count()}")
    for number in range(args.rounds):
        load_before = os.getloadavg()
        records = []
        for workers in (0, 1, 2) if number % 2 == 0 else (2, 1, 0):
            table, record = _loop(spec, shared) if workers == 0 else _on_dask(spec, shared, workers)
            tables.append(table)
            records.append(record)
            wall[workers] += record.seconds
        load_after = os.getloadavg()
        rounds.append({"load_before": load_before, "load_after": load_after, "runs": [asdict(r) for r in records]})
        print(f"\nround {number + 1}: load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
        print("| run | wall s | s / variant | CPU s (workers + scheduler/client) | start-up s | worker RSS MB |")
        print("|---|---:|---:|---:|---:|---|")
        for record in sorted(records, key=lambda r: r.workers):
            print(record.row(n))
    same = all(tables[0].equals(table) for table in tables[1:])
    speedup, overhead = wall[1] / wall[2], wall[1] / wall[0] - 1
    print(f"\nover {args.rounds} round(s): speed-up 1 -> 2 workers: {speedup:.2f}x; "
          f"1-worker Dask over the plain loop: {overhead:+.1%} wall; tables identical: {same}")
    if args.json:
        args.json.write_text(json.dumps({
            "variants": n, "cpus": os.cpu_count(), "rounds": rounds,
            "speedup_1_to_2": speedup, "overhead_1_worker": overhead, "tables_identical": same,
        }, indent=2), encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
