"""Solve capacitated location-routing instances (Prodhon's format) and compare with the best known costs.

Usage::

    python benchmarks/lrp.py /work/shared/reference/lrp/coord*.dat [--time-limit 60] [--json OUT]
    python benchmarks/lrp.py --table benchmarks/results/lrp.json     # the Markdown table of a saved run

Prints one line per instance: its name, ``cost=`` (recomputed by the independent
checker), ``gap=`` to the best known cost (read from ``bks.json`` beside the instance
files), ``feasible=``, the seconds and, beside it, the locate-then-route baseline:
the depots chosen by hubplan's exact facility-location engine (:func:`hubplan.core.solve.solve`,
each customer's cost estimated as a direct round trip from its depot, the opening costs
and the depot capacities, single-sourced), then routed from those depots by the same
routing search with as many steps as the location-routing search used. Then a summary
with the mean gaps and their ratio. The search is a heuristic: every cost is the best
found within a work budget (the time limit is only a safety cap), never a proven optimum.

Exits 1 when any solution (of either method) is infeasible, 2 on a bad input file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hubplan.core.problem import Problem
from hubplan.core.solve import solve
from hubplan.errors import InputError
from hubplan.routing.lrp.check import check_solution
from hubplan.routing.lrp.instance import LrpInstance, read_prodhon
from hubplan.routing.lrp.solve import LrpResult, LrpSettings, route_from_depots, solve_lrp


@dataclass(frozen=True)
class Outcome:
    """One method's checked solution of one instance."""

    cost: float
    feasible: bool
    seconds: float
    depots: tuple[int, ...]
    result: LrpResult
    first_violation: str

    def gap(self, best_known: float | None) -> float | None:
        """Percentage above ``best_known`` (``None`` when unknown)."""
        return None if best_known is None else 100.0 * (self.cost - best_known) / best_known

    def record(self, name: str, best_known: float | None) -> dict[str, Any]:
        """The JSON record: every route, so that anyone can re-check it."""
        return {"instance": name, "cost": self.cost, "seconds": round(self.seconds, 2),
                "routes": [{"depot": r.depot, "customers": list(r.customers)} for r in self.result.routes],
                "feasible": self.feasible, "best_known": best_known, "gap_percent": self.gap(best_known),
                "open_depots": list(self.depots), "steps": self.result.steps,
                "hit_time_limit": self.result.hit_time_limit}


def _checked(inst: LrpInstance, result: LrpResult, seconds: float) -> Outcome:
    check = check_solution(inst, result.routes)
    return Outcome(check.cost, check.feasible, seconds, check.open_depots, result,
                   check.violations[0] if check.violations else "")


def locate_by_round_trips(inst: LrpInstance, time_limit_s: float) -> tuple[int, ...]:
    """The depots of the exact facility-location plan with round-trip costs (the baseline's first half)."""
    m = inst.n_depots
    round_trip = 2.0 * inst.cost[m:, :m]
    unit = round_trip / inst.demand[:, None]
    problem = Problem.from_matrix(unit, inst.demand, fixed_cost=inst.opening_cost, capacity=inst.depot_capacity,
                                  single_source=True, source=inst.name)
    solution = solve(problem, time_limit_s=time_limit_s)
    return tuple(int(j) for j in solution.open_sites["facility"])


def run_instance(inst: LrpInstance, settings: LrpSettings) -> tuple[Outcome, Outcome]:
    """The location-routing search and the locate-then-route baseline on ``inst``."""
    start = time.monotonic()
    result = solve_lrp(inst, settings)
    engine = _checked(inst, result, time.monotonic() - start)
    start = time.monotonic()
    depots = locate_by_round_trips(inst, settings.time_limit_s)
    routed = route_from_depots(inst, depots, dataclasses.replace(settings, final_steps=result.steps))
    return engine, _checked(inst, routed, time.monotonic() - start)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


def line(name: str, engine: Outcome, baseline: Outcome, best_known: float | None) -> str:
    """The printed line of one instance."""
    gap, base_gap = engine.gap(best_known), baseline.gap(best_known)
    ratio = "n/a" if gap is None or base_gap is None or gap <= 0 else f"{base_gap / gap:.1f}"
    capped = " HIT TIME LIMIT" if engine.result.hit_time_limit else ""
    bad = f" first violation: {engine.first_violation or baseline.first_violation}" if (
        engine.first_violation or baseline.first_violation) else ""
    return (f"{name} cost={engine.cost:.0f} gap={_pct(gap)} feasible={str(engine.feasible).lower()} "
            f"depots={list(engine.depots)} (best found in {engine.seconds:.1f} s{capped}) | locate-then-route: "
            f"cost={baseline.cost:.0f} gap={_pct(base_gap)} feasible={str(baseline.feasible).lower()} "
            f"depots={list(baseline.depots)} | gap ratio={ratio}{bad}")


def summary(records: Sequence[dict[str, Any]]) -> str:
    """Mean and largest gaps of both methods and the ratio of the mean gaps, from the JSON records."""
    n = len(records)
    feasible = sum(bool(r["feasible"] and r["baseline"]["feasible"]) for r in records)
    known = [r for r in records if r["gap_percent"] is not None]
    gaps = [float(r["gap_percent"]) for r in known]
    base_gaps = [float(r["baseline"]["gap_percent"]) for r in known]
    if not gaps:
        return f"{n} instances, {feasible} feasible"
    mean, base = float(np.mean(gaps)), float(np.mean(base_gaps))
    ratio = f"{base / mean:.1f}" if mean > 0 else "n/a"
    return (f"{n} instances, {feasible} feasible; location-routing mean gap {mean:.2f}%, largest "
            f"{max(gaps):.2f}%; locate-then-route mean gap {base:.2f}%, largest {max(base_gaps):.2f}%; "
            f"ratio of mean gaps {ratio}")


def _cell(value: object, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def markdown_table(records: Sequence[dict[str, Any]]) -> str:
    """The Markdown table of a saved run (``--json`` output), one row per instance, then the means."""
    rows = ["| instance | best known | cost | gap % | depots | seconds | locate-then-route cost | its gap % "
            "| its depots |", "|---|---:|---:|---:|---|---:|---:|---:|---|"]
    for rec in records:
        base = rec["baseline"]
        rows.append(f"| {rec['instance']} | {_cell(rec['best_known'])} | {_cell(rec['cost'], 0)} | "
                    f"{_cell(rec['gap_percent'])} | {rec['open_depots']} | {_cell(rec['seconds'], 1)} | "
                    f"{_cell(base['cost'], 0)} | {_cell(base['gap_percent'])} | {base['open_depots']} |")
    return "\n".join(rows) + "\n\n" + summary(records)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="instance files in Prodhon's format")
    ap.add_argument("--table", type=Path, default=None, help="print the Markdown table of this --json file, no solving")
    ap.add_argument("--time-limit", type=float, default=60.0, help="safety cap in seconds per search (default 60)")
    ap.add_argument("--json", type=Path, default=None, help="write each instance's cost, seconds and routes here")
    ap.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    ap.add_argument("--final-steps", type=int, default=LrpSettings.final_steps,
                    help=f"steps of each long search (default {LrpSettings.final_steps:,}; fewer for a quick look)")
    args = ap.parse_args(argv)
    if args.table is not None:
        print(markdown_table(json.loads(args.table.read_text())))
        return 0
    if not args.files:
        ap.error("give instance files (or --table FILE)")
    settings = LrpSettings(seed=args.seed, time_limit_s=args.time_limit, final_steps=args.final_steps)
    records: list[dict[str, Any]] = []
    for path in args.files:
        try:
            inst = read_prodhon(path)
        except InputError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        bks_file = path.parent / "bks.json"
        best_known = json.loads(bks_file.read_text()).get(path.name) if bks_file.exists() else None
        engine, baseline = run_instance(inst, settings)
        print(line(inst.name, engine, baseline, best_known), flush=True)
        records.append({**engine.record(inst.name, best_known),
                        "baseline": baseline.record(inst.name, best_known)})
    print(summary(records))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(records, indent=1) + "\n")
    return 0 if all(r["feasible"] and r["baseline"]["feasible"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
