"""The only module that imports OR-Tools: a :class:`~hubplan.core.formulate.MipModel` in; an :class:`EngineRun` out.

The model goes to HiGHS or SCIP through OR-Tools MathOpt as a ``ModelProto`` built
straight from the numpy arrays. MathOpt returns the incumbent when a time limit
is hit and accepts solution hints (the older ``pywraplp``/``model_builder`` HiGHS
wrappers lost the incumbent and crashed on hints).

Why not the public ``mathopt.Model``: ``mathopt.solve`` needs one (built from
the same proto with ``Model.from_model_proto``), exports it back to a proto, and
turns every variable of a hint and of the result into a Python object; on large
models that costs several times what building the proto does
(``benchmarks/mathopt_route.py``, see docs/guide/optimiser.md). So the solver is called
through ``ortools.math_opt.core.python.solver.solve``, the function
``mathopt.solve`` itself calls, with keyword arguments and named proto enums.
That function is not public API: ``pyproject.toml`` bounds ``ortools`` below 10 and
``tests/core/test_mathopt.py`` fails if its signature or behaviour changes.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import callback_pb2, model_parameters_pb2, model_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as _solver
from ortools.math_opt.python import mathopt

from hubplan.core.mip import MipModel
from hubplan.core.solution import SolverStatus
from hubplan.core.vocabulary import FloatArray
from hubplan.errors import SolverError

__all__ = ["ENGINES", "EngineRun", "EngineSettings", "run"]

logger = logging.getLogger(__name__)

#: Engines reachable through OR-Tools MathOpt, and the MathOpt solver behind each.
SOLVER_TYPES = {"highs": mathopt.SolverType.HIGHS, "scip": mathopt.SolverType.GSCIP}
ENGINES = tuple(SOLVER_TYPES)
#: The shortest time limit handed to an engine (seconds): MathOpt rejects zero.
_MIN_TIME_LIMIT_S = 0.01
#: Absolute gap at which an engine may stop (the relative gap is the caller's).
_ABSOLUTE_GAP = 1e-9

_Reason = result_pb2.TerminationReasonProto


@dataclass(frozen=True)
class EngineSettings:
    """How to run the engine, the same for every call of one solve.

    Parameters
    ----------
    engine
        One of :data:`ENGINES`.
    relative_gap
        Stop when the incumbent is proven within this relative gap.
    threads
        Threads for SCIP (HiGHS's MIP solver runs single-threaded here).
    """

    engine: str = "highs"
    relative_gap: float = 1e-4
    threads: int = 1


@dataclass(frozen=True)
class EngineRun:
    """What one engine call returned.

    Parameters
    ----------
    status
        How it ended.
    values
        The incumbent, one value per variable, or ``None`` without one.
    primal
        The engine's objective value of the incumbent (offset included).
    bound
        The proven bound, or ``None`` when not finite.
    seconds
        Wall time of the engine call.
    message
        Termination reason and the engine's detail.
    """

    status: SolverStatus
    values: FloatArray | None
    primal: float | None
    bound: float | None
    seconds: float
    message: str


def run(model: MipModel, cost: FloatArray, offset: float, *, time_limit_s: float, settings: EngineSettings,
        hint: FloatArray | None = None) -> EngineRun:
    """Minimise ``cost @ x + offset`` over ``model`` with the engine of ``settings``.

    Parameters
    ----------
    model
        Variables and rows.
    cost
        Objective coefficient of every variable.
    offset
        Constant added to the objective.
    time_limit_s
        Wall-clock limit of this call.
    settings
        Engine, gap and threads.
    hint
        A full starting vector, or ``None``.

    Returns
    -------
    EngineRun

    Notes
    -----
    The engine's own log goes to this module's logger at DEBUG level (``hubplan -vv``).

    Raises
    ------
    SolverError
        When OR-Tools reports an error (invalid model, solver unavailable).
    """
    parameters = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=max(float(time_limit_s), _MIN_TIME_LIMIT_S)),
        relative_gap_tolerance=float(settings.relative_gap),
        absolute_gap_tolerance=_ABSOLUTE_GAP,
        enable_output=False,
        threads=int(settings.threads) if settings.engine == "scip" else None,
    )

    def log_lines(lines: list[str]) -> None:
        for line in lines:
            logger.debug("%s: %s", settings.engine, line)

    proto = _model_proto(model, cost, offset)
    start = time.perf_counter()
    try:
        result = _solver.solve(
            model=proto,
            solver_type=SOLVER_TYPES[settings.engine].value,
            solver_initializer=mathopt.StreamableSolverInitArguments().to_proto(),
            parameters=parameters.to_proto(),
            model_parameters=_hint_proto(hint),
            message_callback=log_lines if logger.isEnabledFor(logging.DEBUG) else None,
            callback_registration=callback_pb2.CallbackRegistrationProto(),
            user_cb=None,
            interrupter=None,
        )
    except Exception as err:  # StatusNotOk from the C++ layer
        raise SolverError(f"{settings.engine} failed: {err}") from err
    seconds = time.perf_counter() - start
    return _engine_run(result, model.n_variables, seconds)


def _model_proto(model: MipModel, cost: FloatArray, offset: float) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto()
    lower, upper, integer = model.variable_bounds()
    proto.variables.ids.extend(range(model.n_variables))
    proto.variables.lower_bounds.extend(lower.tolist())
    proto.variables.upper_bounds.extend(upper.tolist())
    proto.variables.integers.extend(integer.tolist())
    nonzero = np.flatnonzero(cost)
    proto.objective.linear_coefficients.ids.extend(nonzero.tolist())
    proto.objective.linear_coefficients.values.extend(cost[nonzero].tolist())
    proto.objective.offset = float(offset)
    row_lower, row_upper = model.row_bounds()
    proto.linear_constraints.ids.extend(range(model.n_rows))
    proto.linear_constraints.lower_bounds.extend(row_lower.tolist())
    proto.linear_constraints.upper_bounds.extend(row_upper.tolist())
    coo = model.matrix().tocoo()
    proto.linear_constraint_matrix.row_ids.extend(coo.row.tolist())
    proto.linear_constraint_matrix.column_ids.extend(coo.col.tolist())
    proto.linear_constraint_matrix.coefficients.extend(coo.data.tolist())
    return proto


def _hint_proto(hint: FloatArray | None) -> model_parameters_pb2.ModelSolveParametersProto:
    proto = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        values = proto.solution_hints.add().variable_values
        values.ids.extend(range(len(hint)))
        values.values.extend(np.asarray(hint, float).tolist())
    return proto


def _engine_run(result: result_pb2.SolveResultProto, n_variables: int, seconds: float) -> EngineRun:
    values = primal = None
    if result.solutions and result.solutions[0].HasField("primal_solution"):
        primal_solution = result.solutions[0].primal_solution
        if primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE:
            values = np.zeros(n_variables)
            values[np.asarray(primal_solution.variable_values.ids, dtype=np.int64)] = np.asarray(
                primal_solution.variable_values.values)
            primal = float(primal_solution.objective_value)
    bound = float(result.termination.objective_bounds.dual_bound)
    reason = result.termination.reason
    return EngineRun(_status(reason, has_values=values is not None), values, primal,
                     bound if math.isfinite(bound) else None, seconds,
                     f"{_Reason.Name(reason)} {result.termination.detail}".strip())


def _status(reason: int, *, has_values: bool) -> SolverStatus:
    """The status of a termination reason (an incumbent makes any other stop ``feasible``)."""
    if reason == _Reason.TERMINATION_REASON_OPTIMAL:
        return SolverStatus.OPTIMAL
    if reason == _Reason.TERMINATION_REASON_INFEASIBLE:
        return SolverStatus.INFEASIBLE
    if reason in (_Reason.TERMINATION_REASON_UNBOUNDED, _Reason.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED):
        return SolverStatus.UNBOUNDED if has_values else SolverStatus.INFEASIBLE
    if has_values:
        return SolverStatus.FEASIBLE
    if reason == _Reason.TERMINATION_REASON_NO_SOLUTION_FOUND:
        return SolverStatus.NO_SOLUTION
    return SolverStatus.ERROR
