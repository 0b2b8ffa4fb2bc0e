"""Typed provenance that the stages hand up to the run manifest: the solver's record and the travel model's.

A leaf module (it imports nothing of hubplan): the plan
(:class:`hubplan.plan.Allocation`) carries a :class:`SolverRecord`; the run
manifest (:mod:`hubplan.record.manifest`) carries both. Each type has one
``as_dict()`` that gives its part of ``manifest.json`` and one reader of that
part, so a key is spelled in one place only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import JsonValue, TypeAdapter

__all__ = [
    "CalibrationError",
    "ErrorFigures",
    "JsonObject",
    "PlanStatus",
    "SolverRecord",
    "TravelProvenance",
]

JsonObject = Mapping[str, JsonValue]
"""A JSON object recorded as it is (e.g. a travel model's parameters), read by no one but people."""

PlanStatus = Literal["optimal", "feasible", "evaluated"]
"""How good a plan is: ``optimal`` (proven within the relative gap), ``feasible`` (the best plan
found, not proven) or ``evaluated`` (not optimised: today's open sites, nearest one each)."""

EVALUATED: PlanStatus = "evaluated"


@dataclass(frozen=True)
class SolverRecord:
    """What the solver reports about a plan (``manifest.json``'s ``solver``).

    Parameters
    ----------
    status
        See :data:`PlanStatus`.
    objective, best_bound, gap
        The plan's objective value, the proven bound and the relative gap between them.
    relative_gap_target, time_limit_s
        The scenario's solver settings.
    engine
        The engine that solved it, as named in reports (e.g. ``"HiGHS via OR-Tools MathOpt"``).
    terms
        The value of each objective term in the plan.
    coverage
        Share of attendees within reach of a cover tier, per tier.
    stages
        The objective value of each lexicographic stage.
    message
        The engine's own termination message.
    objective_type
        The scenario's ``objective.type``.
    method
        How an evaluated plan was made (only for ``status = "evaluated"``).

    Examples
    --------
    >>> SolverRecord.evaluation("nearest open site").as_dict()
    {'status': 'evaluated', 'method': 'nearest open site'}
    >>> record = SolverRecord("optimal", objective=10.0, best_bound=10.0, gap=0.0)
    >>> record.proven_optimal, SolverRecord.from_json(record.as_dict()) == record
    (True, True)
    """

    status: PlanStatus
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    relative_gap_target: float | None = None
    time_limit_s: float | None = None
    engine: str | None = None
    terms: Mapping[str, float] = field(default_factory=dict)
    coverage: Mapping[str, float] = field(default_factory=dict)
    stages: tuple[float, ...] = ()
    message: str = ""
    objective_type: str | None = None
    method: str | None = None

    @classmethod
    def evaluation(cls, method: str) -> SolverRecord:
        """The record of a plan that was evaluated, not optimised."""
        return cls(EVALUATED, method=method)

    @property
    def proven_optimal(self) -> bool:
        """Whether the solver proved the plan optimal within the relative gap."""
        return self.status == "optimal"

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready record, keys in the order the report lists them."""
        if self.status == EVALUATED:
            return {"status": self.status, "method": self.method}
        return {
            "status": self.status,
            "proven_optimal": self.proven_optimal,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": self.gap,
            "relative_gap_target": self.relative_gap_target,
            "time_limit_s": self.time_limit_s,
            "engine": self.engine,
            "terms": dict(self.terms),
            "coverage": dict(self.coverage),
            "stages": list(self.stages),
            "message": self.message,
            "objective_type": self.objective_type,
        }

    @classmethod
    def from_json(cls, data: object) -> SolverRecord:
        """Read :meth:`as_dict`'s output back (``proven_optimal`` is derived, not read).

        Raises
        ------
        pydantic.ValidationError
            A key is missing or has the wrong type.
        """
        return _SOLVER_RECORD.validate_python(data)


@dataclass(frozen=True)
class ErrorFigures:
    """Errors of predicted against observed journey minutes.

    Parameters
    ----------
    mae_min
        Mean absolute error (minutes).
    bias_min
        Mean of predicted minus observed (minutes).
    p90_abs_min
        90th percentile of the absolute error (minutes).
    n
        Number of journeys scored.
    """

    mae_min: float
    bias_min: float
    p90_abs_min: float
    n: int

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready figures."""
        return {"mae_min": self.mae_min, "bias_min": self.bias_min, "p90_abs_min": self.p90_abs_min, "n": self.n}


@dataclass(frozen=True)
class CalibrationError(ErrorFigures):
    """A travel model's error on real drive times (for hubplan's model: cross-validated, on held-out pairs).

    Parameters
    ----------
    scheme
        How the error was measured (e.g. how the journeys were split into folds).
    scored_on
        Which journeys the figures are scored on.
    all_distances
        The same figures over every held-out journey, if scored.
    """

    scheme: str
    scored_on: str
    all_distances: ErrorFigures | None = None

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready error (the calibration file's ``cross_validation``)."""
        return {
            "scheme": self.scheme,
            "scored_on": self.scored_on,
            **super().as_dict(),
            **({} if self.all_distances is None else {"all_distances": self.all_distances.as_dict()}),
        }


@dataclass(frozen=True)
class TravelProvenance:
    """The travel model of a run and its error (``manifest.json``'s ``travel``).

    Parameters
    ----------
    model
        ``calibrated``, ``osm`` or ``matrix``.
    calibration_error
        The cross-validated error of a calibrated model; ``None`` for the others.
    details
        Everything else the travel model recorded (parameters, files and checksums,
        snapping report, cache hit), kept as it is.

    Examples
    --------
    >>> travel = TravelProvenance.from_flat({"model": "matrix", "matrix_file": "od.csv"})
    >>> travel.model, travel.calibration_error, travel.as_dict()
    ('matrix', None, {'model': 'matrix', 'matrix_file': 'od.csv'})
    """

    model: str
    calibration_error: CalibrationError | None = None
    details: JsonObject = field(default_factory=dict)

    @classmethod
    def from_flat(cls, flat: JsonObject) -> TravelProvenance:
        """Read the flat layout of ``manifest.json`` (and of a travel matrix's ``details`` plus ``model``).

        Raises
        ------
        pydantic.ValidationError
            ``model`` is missing or not text, or ``calibration_error`` is malformed.
        """
        details = dict(flat)
        head = _TRAVEL_HEAD.validate_python(
            {"model": details.pop("model", None), "calibration_error": details.pop("calibration_error", None)}
        )
        return cls(head.model, head.calibration_error, details)

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready, flat record: the model, its details and its error."""
        error = {} if self.calibration_error is None else {"calibration_error": self.calibration_error.as_dict()}
        return {"model": self.model, **self.details, **error}


@dataclass(frozen=True)
class _TravelHead:
    model: str
    calibration_error: CalibrationError | None


_SOLVER_RECORD = TypeAdapter(SolverRecord)
_TRAVEL_HEAD = TypeAdapter(_TravelHead)
