"""Benchmark: warm re-evaluation of changed plans through the library API, against a cold evaluation.

A workshop asks "what if this building stays open?", "what if this hub closes?", "what
if the specialist service moves here?". Each question is a *click*: a plan changed by
one building, scored through :class:`hubplan.api.Study` on warm data (study area,
travel matrix and demand loaded once) into the indicators a workshop shows (the
metrics overall, per locality and per group). The clicks are every such change of the
best plan of ``council-proposal-2026-best.toml``.

The peer, in the same run, is the cold path each question takes without a warm study:
open the scenario (study area, demand, sites, travel matrix), evaluate the plan and
build its full record, as ``hubplan evaluate`` does. Reported: wall and CPU
milliseconds per click (median, 95th percentile, longest) for both, the ratio of their
CPU medians, and the load average before and after (the machine may be shared: CPU
time is the figure that load disturbs least).

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/study_evaluate.py [--repeat 3] [--cold 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from latency import latency_summary  # benchmarks/latency.py, beside this script

from hubplan.api import SiteHint, Study
from hubplan.core.solve import warm_up
from hubplan.errors import HubplanError
from hubplan.versions import machine_record

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "council-proposal-2026-best.toml"


def _by_tier(open_tiers: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = {}
    for site, tiers in sorted(open_tiers.items()):
        for tier in tiers:
            plan.setdefault(tier, []).append(site)
    return plan


def clicks(study: Study, plan: dict[str, list[str]]) -> Iterator[tuple[str, SiteHint]]:
    """Every plan one workshop click away: a hub added or removed, a specialist service moved."""
    sites = list(study.prepared.travel.destination_ids)
    hubs = plan.get("hub", [])
    for site in sites:
        if site in hubs:
            yield f"close hub {site}", {**plan, "hub": [s for s in hubs if s != site]}
        else:
            yield f"open hub {site}", {**plan, "hub": [*hubs, site]}
    for tier, hosts in plan.items():
        if tier == "hub":
            continue
        for site in sites:
            if site not in hosts:
                yield f"move {tier} to {site}", {**plan, tier: [site]}


def _timed(work: Callable[[], object]) -> tuple[float, float, bool]:
    """Wall and CPU milliseconds taken by ``work``, and whether it gave a plan.

    A change the model cannot carry (an infeasible plan) is an answer too, given as a one-line reason.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        work()
        answered = True
    except HubplanError:
        answered = False
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0, answered


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print (and optionally write) its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="times each warm click is timed")
    ap.add_argument("--cold", type=int, default=10, help="clicks timed on the cold path (each opens the study)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)

    warm_up()
    load_before = os.getloadavg()
    study = Study.open(SCENARIO)
    best, _ = study.solve()
    plan = _by_tier(best.open_tiers)
    changes = list(clicks(study, plan))
    study.figures(study.allocate(plan)[0])  # first use loads what the clicks share

    def warm(change: SiteHint) -> Callable[[], object]:
        return lambda: study.figures(study.allocate(change)[0])

    def cold(change: SiteHint) -> Callable[[], object]:
        def run() -> object:
            fresh = Study.open(SCENARIO)
            allocation, seconds = fresh.allocate(change)
            return fresh.record(allocation, seconds)
        return run

    warm_ms: list[float] = []
    warm_cpu: list[float] = []
    answered = 0
    for _ in range(args.repeat):
        for _label, change in changes:
            ms, cpu, ok = _timed(warm(change))
            warm_ms.append(ms)
            warm_cpu.append(cpu)
            answered += ok
    cold = [_timed(cold(change)) for _label, change in changes[: args.cold]]
    load_after = os.getloadavg()

    result: dict[str, Any] = {
        "recorded": machine_record(["benchmarks/study_evaluate.py", *(argv if argv is not None else sys.argv[1:])]),
        "load_after": [round(x, 2) for x in load_after],
        "scenario": SCENARIO.name,
        "clicks": len(changes),
        "answered_share": answered / len(warm_ms),
        "warm_ms": latency_summary(warm_ms),
        "warm_cpu_ms": latency_summary(warm_cpu),
        "cold_ms": latency_summary([wall for wall, _cpu, _ok in cold]),
        "cold_cpu_ms": latency_summary([cpu for _wall, cpu, _ok in cold]),
    }
    result["cold_over_warm_cpu_median"] = result["cold_cpu_ms"]["median"] / result["warm_cpu_ms"]["median"]
    print(f"{len(changes)} clicks x {args.repeat}: warm wall median {result['warm_ms']['median']:.1f} ms, "
          f"p95 {result['warm_ms']['p95']:.1f} ms; warm CPU median {result['warm_cpu_ms']['median']:.1f} ms, "
          f"p95 {result['warm_cpu_ms']['p95']:.1f} ms; cold CPU median {result['cold_cpu_ms']['median']:.0f} ms "
          f"({result['cold_over_warm_cpu_median']:.0f}x the warm); load {load_before[0]:.1f} -> {load_after[0]:.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
