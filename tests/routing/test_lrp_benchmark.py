"""benchmarks/lrp.py: the printed line, the JSON record that re-checks, and exit codes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from hubplan.routing.lrp.check import LrpRoute, check_solution
from hubplan.routing.lrp.instance import read_prodhon

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "lrp.py"

#: 2 candidate depots, 4 customers in Prodhon's format (n, m, depots, customers, Q, depot
#: capacities, demands, opening costs, route cost, cost flag).
TINY = """4
2
0 0
20 0
1 1
2 -1
19 1
21 -1
10
25 25
5 5 5 5
300 400
100
0
"""


def _load():
    spec = importlib.util.spec_from_file_location("lrp_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_run_prints_one_line_and_writes_routes_that_recheck(tmp_path, capsys):
    path = tmp_path / "tiny.dat"
    path.write_text(TINY)
    (tmp_path / "bks.json").write_text(json.dumps({"tiny.dat": 1000}))
    out = tmp_path / "out" / "lrp.json"
    assert _load().main([str(path), "--json", str(out), "--final-steps", "2000"]) == 0
    first, summary = capsys.readouterr().out.splitlines()
    assert first.startswith("tiny cost=") and " gap=" in first and " feasible=true " in first
    assert "locate-then-route: cost=" in first and "gap ratio=" in first
    assert summary.startswith("1 instances, 1 feasible; location-routing mean gap")
    (record,) = json.loads(out.read_text())
    assert record["instance"] == "tiny" and record["seconds"] >= 0
    routes = [LrpRoute(r["depot"], tuple(r["customers"])) for r in record["routes"]]
    check = check_solution(read_prodhon(path), routes)
    assert check.feasible and check.cost == record["cost"]
    assert record["gap_percent"] == 100.0 * (record["cost"] - 1000) / 1000
    assert record["baseline"]["feasible"]


def test_bad_file_exits_two_with_one_line(tmp_path, capsys):
    path = tmp_path / "bad.dat"
    path.write_text(TINY.replace("\n0\n", "\n3\n"))
    assert _load().main([str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.dat: cost flag: must be 0" in err and "fix:" in err
