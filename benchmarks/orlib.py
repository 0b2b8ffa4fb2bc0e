"""Solve OR-Library instances with hubplan and compare with the published optima.

Usage::

    python benchmarks/orlib.py --instances pmed1,pmed2 --cap cap41,cap71_uncap --json out.json
    python benchmarks/orlib.py --all-pmed

Prints instance, objective, published optimum, status, seconds; exits 1 on any
mismatch or non-optimal status. Seconds exclude the engines' one-time start-up
(``hubplan.core.solve.warm_up`` runs first).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hubplan.core.orlib import instance_problem
from hubplan.core.solve import solve, warm_up
from hubplan.versions import machine_record


def run(names: list[str], *, time_limit_s: float, engine: str, lagrangian: bool = True) -> list[dict]:
    """Solve each named instance; return one result dict per instance."""
    warm_up()  # one-time engine costs (MathOpt start-up, the compiled kernel's load)
    out = []
    for name in names:
        t0 = time.perf_counter()
        prob, opt = instance_problem(name)
        load_s = time.perf_counter() - t0
        sol = solve(prob, engine=engine, time_limit_s=time_limit_s, lagrangian=lagrangian)
        total = time.perf_counter() - t0
        ok = (
            sol.status == "optimal"
            and sol.objective is not None
            and abs(sol.objective - opt.optimal_value) <= 1e-6 * max(1.0, opt.optimal_value) + 1e-3
        )
        row = {
            "instance": name, "n": prob.n_clients, "sites": prob.n_sites,
            "p": prob.tiers[0].count, "objective": sol.objective, "published": opt.optimal_value,
            "status": sol.status, "engine": sol.engine, "gap": sol.gap, "bound": sol.best_bound,
            "load_s": round(load_s, 3),
            "build_s": round(sol.build_seconds, 3), "solve_s": round(sol.solve_seconds, 3),
            "total_s": round(total, 3), "match": ok, "message": sol.message,
        }
        print(f"{name:12s} {sol.objective!s:>14} {opt.optimal_value:>14} {sol.status:9s} {sol.engine:10s} "
              f"{total:8.2f} s {'OK' if ok else 'MISMATCH'}", flush=True)
        out.append(row)
    return out


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table (the docs build theirs from the --json results)."""
    lines = ["| instance | clients | p | objective | published | status | engine | gap | seconds |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gap = "" if r["gap"] is None else f"{r['gap']:.1e}"
        p = "" if r["p"] is None else r["p"]
        lines.append(f"| {r['instance']} | {r['n']} | {p} | {r['objective']:.3f} | {r['published']} | "
                     f"{r['status']} | {r['engine']} | {gap} | {r['total_s']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="", help="comma-separated pmed names")
    ap.add_argument("--all-pmed", action="store_true", help="pmed1..pmed40")
    ap.add_argument("--cap", default="", help="comma-separated cap names (cap41, cap71_uncap, ...)")
    ap.add_argument("--time-limit", type=float, default=600.0, help="seconds per instance")
    ap.add_argument("--engine", default="highs", help="MIP engine: highs or scip")
    ap.add_argument("--no-lagrangian", action="store_true",
                    help="use the MIP engine even where the Lagrangian branch-and-bound applies")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    ap.add_argument("--markdown", action="store_true", help="also print the results as a Markdown table")
    args = ap.parse_args(argv)
    names = [s for s in args.instances.split(",") if s]
    if args.all_pmed:
        names += [f"pmed{i}" for i in range(1, 41) if f"pmed{i}" not in names]
    names += [s for s in args.cap.split(",") if s]
    if not names:
        ap.error("name instances with --instances/--cap or use --all-pmed")
    t0 = time.perf_counter()
    rows = run(names, time_limit_s=args.time_limit, engine=args.engine,
               lagrangian=not args.no_lagrangian)
    wall = time.perf_counter() - t0
    bad = [r["instance"] for r in rows if not r["match"]]
    print(f"{len(rows)} instances, {len(rows) - len(bad)} optimal and matching, {wall:.1f} s total")
    if args.markdown:
        print(markdown(rows))
    if args.json:
        command = ["benchmarks/orlib.py", *(sys.argv[1:] if argv is None else argv)]
        record = {"recorded": machine_record(command), "wall_s": wall, "results": rows}
        args.json.write_text(json.dumps(record, indent=1))
    if bad:
        print("MISMATCH or not optimal: " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
