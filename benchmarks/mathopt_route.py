"""Benchmark: what the public MathOpt API would add to each engine call, against the proto route hubplan uses.

``hubplan.core._mathopt`` writes each model straight into a ``ModelProto`` and hands it to
the function ``mathopt.solve`` itself calls. The public route would also build a
``mathopt.Model`` from that proto (``Model.from_model_proto``), export it back inside
``mathopt.solve``, build a hint keyed by ``Variable`` objects and parse a full primal
solution into a ``{Variable: value}`` dict. This script times those four steps, and the
proto build they come on top of, on the full (not sparsified) model of OR-Library
instances; the engine's own solving time is the same either way and is not measured.

Usage::

    .venv/bin/python benchmarks/mathopt_route.py [--instances pmed1,pmed16,pmed26,pmed36] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ortools.math_opt import result_pb2, solution_pb2
from ortools.math_opt.python import mathopt
from ortools.math_opt.python import result as mathopt_result

from hubplan.core._mathopt import _model_proto
from hubplan.core.formulate import formulate
from hubplan.core.orlib import instance_problem


def _seconds(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = step()
    return time.perf_counter() - start, out


def _full_solution(model: mathopt.Model, n_variables: int) -> result_pb2.SolveResultProto:
    """A result proto with every variable valued, as an engine returns for a MIP."""
    proto = result_pb2.SolveResultProto()
    proto.termination.reason = result_pb2.TERMINATION_REASON_OPTIMAL
    proto.termination.problem_status.primal_status = result_pb2.FEASIBILITY_STATUS_FEASIBLE
    proto.termination.problem_status.dual_status = result_pb2.FEASIBILITY_STATUS_FEASIBLE
    primal = proto.solutions.add().primal_solution
    primal.feasibility_status = solution_pb2.SOLUTION_STATUS_FEASIBLE
    primal.variable_values.ids.extend(range(n_variables))
    primal.variable_values.values.extend(np.zeros(n_variables).tolist())
    return proto


def measure(name: str) -> dict[str, Any]:
    """Time the proto build and each extra step of the public route for one instance."""
    problem, _ = instance_problem(name)
    model, _ = formulate(problem)
    cost = model.term_vector("median")
    build, proto = _seconds(lambda: _model_proto(model, cost, 0.0))
    imported, public = _seconds(lambda: mathopt.Model.from_model_proto(proto))
    exported, _ = _seconds(public.export_model)
    hinted, _ = _seconds(lambda: mathopt.SolutionHint(
        variable_values=dict(zip(public.variables(), np.zeros(model.n_variables).tolist(), strict=True))))
    result = _full_solution(public, model.n_variables)

    def parse() -> np.ndarray:
        values = mathopt_result.parse_solve_result(result, public, validate=False).solutions[0].primal_solution
        out = np.zeros(model.n_variables)
        out[[v.id for v in values.variable_values]] = list(values.variable_values.values())
        return out

    parsed, _ = _seconds(parse)
    extra = imported + exported + hinted + parsed
    return {"instance": name, "variables": model.n_variables, "nonzeros": int(model.matrix().nnz),
            "proto_build_s": round(build, 3), "from_model_proto_s": round(imported, 3),
            "export_s": round(exported, 3), "hint_s": round(hinted, 3), "parse_s": round(parsed, 3),
            "public_extra_s": round(extra, 3)}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="pmed1,pmed16,pmed26,pmed36", help="comma-separated OR-Library names")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    args = ap.parse_args(argv)
    rows = []
    print(f"{'instance':10s} {'variables':>10s} {'proto build':>12s} {'public extra':>13s}")
    for name in [s for s in args.instances.split(",") if s]:
        row = measure(name)
        rows.append(row)
        print(f"{name:10s} {row['variables']:>10,d} {row['proto_build_s']:>10.3f} s {row['public_extra_s']:>11.3f} s",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps({"results": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
