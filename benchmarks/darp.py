"""Route Cordeau's dial-a-ride instances with hubplan and compare with their proven optima.

Usage::

    python benchmarks/darp.py /work/shared/reference/darp/a2-16.txt ... [--time-limit 60] [--json OUT]
    python benchmarks/darp.py FILE... --default-search      # OR-Tools' default search, same model
    python benchmarks/darp.py FILE... --routes OUT.json     # re-check saved routes, no solving

Prints one line per instance: its name, ``cost=`` (recomputed by the independent
checker), ``feasible=``, the proven optimum and the gap to it (read from the
``README.md`` next to the instance files), then a summary. Exits 1 when any
solution is infeasible. The router is a heuristic: every cost is the best found in
the time limit, not a proven optimum.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hubplan.routing.check import Violation, check_routes
from hubplan.routing.darp import DarpInstance, read_cordeau
from hubplan.routing.route import SearchMode, route
from hubplan.versions import machine_record

#: A row of the optimum table in the reference README: ``| a2-16 | 2 | 16 | 294.3 (1 decimal) |``.
_OPTIMUM_ROW = re.compile(r"^\|\s*(?P<name>[\w.-]+)\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*(?P<value>\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class BenchmarkRow:
    """One instance's result: routes, their checked cost and the gap to the proven optimum."""

    name: str
    cost: float
    feasible: bool
    violations: tuple[Violation, ...]
    routes: tuple[tuple[int, ...], ...]
    optimum: float | None
    seconds: float | None

    @property
    def gap_percent(self) -> float | None:
        """``100 * (cost - optimum) / optimum``, when the optimum is known."""
        return None if self.optimum is None else 100.0 * (self.cost - self.optimum) / self.optimum

    def line(self) -> str:
        """The printed line for this instance."""
        gap = "n/a" if self.gap_percent is None else f"{self.gap_percent:.2f}%"
        optimum = "n/a" if self.optimum is None else f"{self.optimum:g}"
        found = "" if self.seconds is None else f" (best found in {self.seconds:.1f} s, not proven optimal)"
        first = f" first violation: {self.violations[0]}" if self.violations else ""
        return (f"{self.name} cost={self.cost:.2f} feasible={str(self.feasible).lower()} optimum={optimum} "
                f"gap={gap}{found}{first}")


def read_optima(folder: Path) -> dict[str, float]:
    """Proven optima from the optimum table of ``folder/README.md`` (empty when there is none)."""
    readme = folder / "README.md"
    if not readme.exists():
        return {}
    rows = (_OPTIMUM_ROW.match(line) for line in readme.read_text().splitlines())
    return {m["name"]: float(m["value"]) for m in rows if m}


def evaluate(instance: DarpInstance, routes: Sequence[Sequence[int]], *, optimum: float | None = None,
             seconds: float | None = None) -> BenchmarkRow:
    """Check ``routes`` independently and compare their cost with ``optimum``."""
    report = check_routes(instance, routes)
    return BenchmarkRow(name=instance.name, cost=report.cost, feasible=report.feasible,
                        violations=report.violations, routes=tuple(tuple(r) for r in routes),
                        optimum=optimum, seconds=seconds)


def summary(rows: Sequence[BenchmarkRow]) -> str:
    """One line: how many instances were feasible, and the mean and largest gap."""
    gaps = [r.gap_percent for r in rows if r.gap_percent is not None]
    feasible = sum(r.feasible for r in rows)
    gap_text = f", mean gap {sum(gaps) / len(gaps):.2f}%, largest {max(gaps):.2f}%" if gaps else ""
    return f"{len(rows)} instances, {feasible} feasible{gap_text}"


def exit_code(rows: Sequence[BenchmarkRow]) -> int:
    """1 when any solution is infeasible, else 0."""
    return 0 if all(r.feasible for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path, help="instance files in Cordeau's format")
    ap.add_argument("--time-limit", type=float, default=60.0, help="search seconds per instance (default 60)")
    ap.add_argument("--json", type=Path, default=None, help="write each instance's cost and routes here")
    ap.add_argument("--default-search", action="store_true",
                    help="OR-Tools' default search parameters (same model, same time limit)")
    ap.add_argument("--routes", type=Path, default=None,
                    help="check the routes saved in this --json file instead of solving")
    args = ap.parse_args(argv)
    mode = SearchMode.DEFAULT if args.default_search else SearchMode.TUNED
    saved = json.loads(args.routes.read_text()) if args.routes else None
    rows = []
    for path in args.files:
        instance = read_cordeau(path)
        optimum = read_optima(path.parent).get(instance.name)
        if saved is not None:
            if instance.name not in saved:
                ap.error(f"{args.routes}: no routes for {instance.name}")
            row = evaluate(instance, saved[instance.name]["routes"], optimum=optimum)
        else:
            result = route(instance, time_limit_s=args.time_limit, mode=mode)
            row = evaluate(instance, result.routes, optimum=optimum, seconds=result.seconds)
        print(row.line(), flush=True)
        rows.append(row)
    print(summary(rows) + ("" if saved is not None else f" ({mode.value} search, {args.time_limit:g} s each)"))
    if args.json:
        results: dict[str, object] = {
            r.name: {"cost": r.cost, "feasible": r.feasible, "optimum": r.optimum, "gap_percent": r.gap_percent,
                     "seconds": r.seconds, "routes": [list(x) for x in r.routes]}
            for r in rows}
        command = ["benchmarks/darp.py", *(sys.argv[1:] if argv is None else argv)]
        results["recorded"] = machine_record(command)  # no instance is named "recorded"
        args.json.write_text(json.dumps(results, indent=1))
    return exit_code(rows)


if __name__ == "__main__":
    sys.exit(main())
