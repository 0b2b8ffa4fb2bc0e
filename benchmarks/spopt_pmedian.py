"""spopt 0.7 ``PMedian.from_cost_matrix`` (PuLP + CBC, its default) vs hubplan on OR-Library pmed.

Usage::

    python benchmarks/spopt_pmedian.py --instances pmed1,pmed2 [--all-pmed] [--time-limit 120] [--json out.json]

Both get the same shortest-path cost matrix (built by ``hubplan.core.orlib``). spopt runs in a
child process with a hard wall-clock limit covering model building and CBC (CBC also
gets ``timeLimit``); beyond it spopt is reported as "timed out". spopt counts as proven
optimal only when PuLP's ``sol_status`` is ``LpSolutionOptimal`` (its ``status`` is 1 for
any integer-feasible stop). Seconds are model building + solving inside each tool (not
interpreter start-up, imports, the shared shortest-path matrix, or the engines' one-time
initialisation, which ``hubplan.core.solve.warm_up`` pays before the first instance). Ratio = spopt seconds / hubplan
seconds, where spopt proved optimality.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _spopt_child(name: str, time_limit: float) -> None:
    """Run spopt on one instance and print a JSON line (runs in the child process)."""
    import numpy as np
    import pulp
    from spopt.locate import PMedian

    from hubplan.core.orlib import instance_problem

    prob, _ = instance_problem(name)
    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(prob.minutes, np.ones(prob.n_clients), p_facilities=prob.tiers[0].count)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1))
    secs = time.perf_counter() - t0
    print(json.dumps({
        "objective": pulp.value(model.problem.objective), "status": int(model.problem.status),
        "sol_status": int(model.problem.sol_status), "seconds": secs,
    }))


def run_spopt(name: str, time_limit: float) -> dict:
    """Run spopt in a child process with a hard wall-clock limit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--spopt-child", name, "--time-limit", str(time_limit)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        out, _err = proc.communicate(timeout=time_limit + 15)  # + interpreter start-up
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own session: spopt + its CBC
        proc.communicate()
        return {"result": "timed out", "seconds": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"result": "error", "seconds": wall}
    proven = res["sol_status"] == 1
    res["result"] = "optimal" if proven else "stopped, not proven"
    res["wall_seconds"] = wall
    return res


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table (printed with --markdown)."""
    lines = ["| instance | optimum | hubplan | hubplan status | engine | hubplan s | spopt | spopt result "
             "| spopt s | ratio |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        spopt = "" if r["spopt_objective"] is None else f"{r['spopt_objective']:.0f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        lines.append(f"| {r['instance']} | {r['published']:.0f} | {r['hubplan_objective']:.0f} | "
                     f"{r['hubplan_status']} | {r['hubplan_engine']} | {r['hubplan_s']:.2f} | {spopt} | "
                     f"{r['spopt_result']} | {r['spopt_s']:.1f} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="")
    ap.add_argument("--all-pmed", action="store_true")
    ap.add_argument("--time-limit", type=float, default=120.0, help="spopt seconds per instance")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--markdown", action="store_true", help="also print the results as a Markdown table")
    ap.add_argument("--spopt-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.spopt_child:
        _spopt_child(args.spopt_child, args.time_limit)
        return 0
    from hubplan.core.orlib import instance_problem
    from hubplan.core.solve import solve, warm_up
    from hubplan.versions import machine_record

    names = [s for s in args.instances.split(",") if s]
    if args.all_pmed:
        names += [f"pmed{i}" for i in range(1, 41) if f"pmed{i}" not in names]
    if not names:
        ap.error("name instances with --instances or use --all-pmed")
    warm_up()  # one-time engine costs, as spopt pays its imports before its clock starts
    rows = []
    print(f"{'instance':10s} {'optimum':>8s} {'hubplan':>8s} {'status':8s} {'h_s':>7s} "
          f"{'spopt':>8s} {'spopt result':24s} {'s_s':>7s} {'ratio':>7s}")
    for name in names:
        prob, opt = instance_problem(name)
        sol = solve(prob, time_limit_s=600)
        h_s = sol.build_seconds + sol.solve_seconds
        sp = run_spopt(name, args.time_limit)
        ratio = sp["seconds"] / h_s if sp["result"] == "optimal" else None
        row = {"instance": name, "published": opt.optimal_value, "hubplan_objective": sol.objective,
               "hubplan_status": sol.status, "hubplan_engine": sol.engine, "hubplan_s": round(h_s, 3),
               "spopt_objective": sp.get("objective"), "spopt_result": sp["result"],
               "spopt_sol_status": sp.get("sol_status"), "spopt_pulp_status": sp.get("status"),
               "spopt_s": round(sp["seconds"], 3), "ratio": None if ratio is None else round(ratio, 1)}
        rows.append(row)
        print(f"{name:10s} {opt.optimal_value:8.0f} {sol.objective!s:>8} {sol.status:8s} {h_s:7.2f} "
              f"{sp.get('objective')!s:>8} {sp['result']:24s} {sp['seconds']:7.1f} "
              f"{'' if ratio is None else f'{ratio:7.1f}'}", flush=True)
        if args.json:  # after every instance, so a long run can be read while it goes
            command = ["benchmarks/spopt_pmedian.py", *(sys.argv[1:] if argv is None else argv)]
            args.json.write_text(json.dumps({"recorded": machine_record(command), "results": rows}, indent=1))
    if args.markdown:
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
