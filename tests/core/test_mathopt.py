"""Contract of hubplan.core._mathopt with OR-Tools: the internal solve function it calls, and what comes back.

``_mathopt`` calls ``ortools.math_opt.core.python.solver.solve`` (not public API) for speed; these
tests fail when an OR-Tools release changes that function's parameters or results, before any
scenario gives a wrong answer.
"""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from ortools.math_opt import result_pb2
from ortools.math_opt.core.python import solver as internal_solver

from hubplan.core import _mathopt
from hubplan.core._mathopt import EngineSettings
from hubplan.core.formulate import MipModel
from hubplan.core.solution import SolverStatus

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _knapsack(capacity: float) -> tuple[MipModel, np.ndarray]:
    """Pick items 0..2 (values 5, 4, 3; weights 4, 3, 2) within ``capacity``; maximise value."""
    model = MipModel()
    x = model.add_variables(3, integer=True)
    model.add_rows(np.zeros(3), x, np.array([4.0, 3.0, 2.0]), -np.inf, capacity, 1)
    return model, -np.array([5.0, 4.0, 3.0])


def test_internal_solve_takes_the_keyword_arguments_the_adapter_passes():
    signature = internal_solver.solve.__doc__.splitlines()[0]
    names = re.findall(r"(\w+): ", signature[signature.index("(") + 1:signature.rindex(") ->")])
    assert names == ["model", "solver_type", "solver_initializer", "parameters", "model_parameters",
                     "message_callback", "callback_registration", "user_cb", "interrupter"]


def test_ortools_is_bounded_below_the_next_major_version():
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert "ortools>=9.10,<10" in dependencies


@pytest.mark.parametrize("engine", _mathopt.ENGINES)
def test_optimal_run_returns_values_objective_and_bound(engine):
    model, cost = _knapsack(5.0)
    run = _mathopt.run(model, cost, 1.0, time_limit_s=10, settings=EngineSettings(engine=engine),
                       hint=np.array([1.0, 0.0, 0.0]))
    assert run.status is SolverStatus.OPTIMAL
    np.testing.assert_allclose(run.values, [0.0, 1.0, 1.0], atol=1e-9)
    assert run.primal == pytest.approx(-6.0) and run.bound == pytest.approx(-6.0)
    assert run.message.startswith("TERMINATION_REASON_OPTIMAL")


def test_infeasible_run_has_no_values():
    model, cost = _knapsack(5.0)
    model.add_rows(np.zeros(3), np.arange(3), 1.0, 3.0, np.inf, 1)  # all three items: weight 9 > 5
    run = _mathopt.run(model, cost, 0.0, time_limit_s=10, settings=EngineSettings())
    assert run.status is SolverStatus.INFEASIBLE and run.values is None and run.primal is None


def test_engine_log_goes_to_debug(caplog):
    model, cost = _knapsack(5.0)
    with caplog.at_level(logging.DEBUG, logger=_mathopt.logger.name):
        _mathopt.run(model, cost, 0.0, time_limit_s=10, settings=EngineSettings())
    assert any(record.levelno == logging.DEBUG and record.getMessage().startswith("highs: ")
               for record in caplog.records)


def test_every_termination_reason_has_a_status():
    reasons = result_pb2.TerminationReasonProto
    named = {name: reasons.Value(name) for name in reasons.keys()}
    assert {"TERMINATION_REASON_OPTIMAL", "TERMINATION_REASON_INFEASIBLE", "TERMINATION_REASON_UNBOUNDED",
            "TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED", "TERMINATION_REASON_FEASIBLE",
            "TERMINATION_REASON_NO_SOLUTION_FOUND"} <= set(named)
    assert _mathopt._status(named["TERMINATION_REASON_FEASIBLE"], has_values=True) is SolverStatus.FEASIBLE
    assert _mathopt._status(named["TERMINATION_REASON_NO_SOLUTION_FOUND"], has_values=False) \
        is SolverStatus.NO_SOLUTION
    assert _mathopt._status(named["TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED"], has_values=False) \
        is SolverStatus.INFEASIBLE
    assert _mathopt._status(named["TERMINATION_REASON_NUMERICAL_ERROR"], has_values=False) is SolverStatus.ERROR
