"""Benchmark: N demand draws of hub-per-locality, as a plain loop and on Dask with 1 and 2 worker processes.

All three runs solve the same variants (seeded synthetic cohorts ``demand.seed =
1..N``) in the same process tree, one after the other, and must give the same table.
The clocks time the sweep only: the shared inputs are built once before, and each
Dask cluster is started and warmed up (solver libraries loaded in every worker)
before its clock starts; the start-up is reported on its own line. Reported: wall
time of each run, the speed-up from 1 to 2 workers, the overhead of the 1-worker Dask
run over the plain loop, each worker's resident memory after its run, and the load
average before and after (the machine may be shared).

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/sweep.py [--draws 200] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

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


def _on_dask(spec: SweepSpec, shared: SharedInputs, workers: int) -> tuple[pd.DataFrame, dict[str, object]]:
    start = time.perf_counter()
    with dask_client(None, workers) as client:
        startup = time.perf_counter() - start
        cpu_before, main_before = client.run(_cpu_seconds), _cpu_seconds()
        start = time.perf_counter()
        results = run_on_dask(client, shared, spec.variants)
        seconds = time.perf_counter() - start
        cpu = sum(client.run(_cpu_seconds)[w] - cpu_before[w] for w in cpu_before)
        main_cpu = _cpu_seconds() - main_before
        memory = sorted(client.run(_worker_rss_mb).values())
    record = {"workers": workers, "seconds": seconds, "startup_seconds": startup, "worker_cpu_seconds": cpu,
              "scheduler_client_cpu_seconds": main_cpu, "worker_rss_mb": [round(m, 1) for m in memory]}
    return results_table(spec, results), record


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print a Markdown table; return 0 when the three tables agree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    spec = parse_vary(SCENARIO, [], draws=args.draws)
    shared = shared_inputs(spec.base)
    warm_up()
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    loop_table = results_table(spec, run_sequential(shared, spec.variants))
    loop_seconds, loop_cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    one_table, one = _on_dask(spec, shared, 1)
    two_table, two = _on_dask(spec, shared, 2)
    load_after = os.getloadavg()
    same = loop_table.equals(one_table) and loop_table.equals(two_table)
    speedup = float(one["seconds"]) / float(two["seconds"])  # type: ignore[arg-type]
    overhead = float(one["seconds"]) / loop_seconds - 1  # type: ignore[arg-type]
    print(f"{len(spec.variants)} variants (demand draws of {SCENARIO.name}); cpus: {os.cpu_count()}; "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print("| run | wall s | s / variant | CPU s (workers + scheduler/client) | start-up s | worker RSS MB |")
    print("|---|---:|---:|---:|---:|---|")
    print(f"| plain loop | {loop_seconds:.1f} | {loop_seconds / len(spec.variants):.3f} | {loop_cpu:.1f} | - | - |")
    for run in (one, two):
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        print(f"| Dask, {run['workers']} worker(s) | {seconds:.1f} | {seconds / len(spec.variants):.3f} | "
              f"{run['worker_cpu_seconds']:.1f} + {run['scheduler_client_cpu_seconds']:.1f} | "
              f"{float(run['startup_seconds']):.1f} | {run['worker_rss_mb']} |")  # type: ignore[arg-type]
    print(f"speed-up 1 -> 2 workers: {speedup:.2f}x; 1-worker Dask over the plain loop: {overhead:+.1%} wall; "
          f"tables identical: {same}")
    if args.json:
        args.json.write_text(json.dumps({
            "variants": len(spec.variants), "cpus": os.cpu_count(), "load_before": load_before,
            "load_after": load_after, "loop_seconds": loop_seconds, "loop_cpu_seconds": loop_cpu,
            "dask": [one, two], "speedup_1_to_2": speedup,
            "overhead_1_worker": overhead, "tables_identical": same,
        }, indent=2), encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
