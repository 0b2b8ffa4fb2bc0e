"""The run's provenance: versions, scenario hash, data sources, travel model and solver.

:class:`Manifest` is the typed ``manifest.json``: :func:`build_manifest` makes it
for a run, :meth:`Manifest.as_dict` writes it, and :func:`read_manifest` reads a
run folder's file back (for ``hubplan compare``). The writer adds the run's
``attributions`` and ``suppress_below``, which the reader leaves to the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import JsonValue, TypeAdapter, ValidationError

from hubplan import __version__
from hubplan.errors import InputError, Issue
from hubplan.plan import Allocation, AlternativePlan, PreparedScenario
from hubplan.provenance import JsonObject, SolverRecord, TravelProvenance
from hubplan.versions import dependency_versions

__all__ = ["DataSource", "Manifest", "ScenarioFile", "StudyFile", "build_manifest", "read_manifest", "scenario_rules"]

REWRITE_FIX = "write the run again with `hubplan run`"


@dataclass(frozen=True)
class ScenarioFile:
    """The scenario a run came from: its name, file name and the file's sha256.

    ``title`` (the scenario's title) and ``rules`` (who is served where: the isolation
    threshold, the journey limit, whether attendees stay in their locality, each tier's
    mode, segments and reach) let ``hubplan compare`` name runs and warn when they differ
    in assumptions; manifests written before they were recorded read back with ``None``
    and ``{}``.
    """

    name: str
    file: str | None
    sha256: str
    title: str | None = None
    rules: JsonObject = field(default_factory=dict)

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready record."""
        return {"name": self.name, "file": self.file, "sha256": self.sha256, "title": self.title,
                "rules": dict(self.rules)}


@dataclass(frozen=True)
class StudyFile:
    """The study-area GeoPackage a run used: file name and sha256."""

    file: str
    sha256: str

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready record."""
        return {"file": self.file, "sha256": self.sha256}


@dataclass(frozen=True)
class DataSource:
    """One published dataset behind the study area."""

    key: str
    file: str
    sha256: str
    publisher: str
    licence: str

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready record."""
        return {"key": self.key, "file": self.file, "sha256": self.sha256, "publisher": self.publisher,
                "licence": self.licence}


@dataclass(frozen=True)
class Manifest:
    """The provenance of one run (``manifest.json``).

    Parameters
    ----------
    hubplan_version
        The version that made the run.
    created_utc
        When, as ISO 8601 in UTC.
    scenario, study_area
        The scenario and study-area files, with checksums.
    data_sources
        The published datasets behind the study area.
    demand
        How demand was estimated or read (parameters and totals, no client records).
    travel
        The travel model and its error.
    solver
        How good the plan is.
    seconds
        Wall time of each stage.
    versions
        Versions of Python and the key dependencies.
    alternatives
        The next best distinct plans, when the run asked for them (``hubplan run --alternatives K``).
    transport
        How the transport plan was made, when the scenario has ``[transport]``: its status
        ("best found in N s", never optimal), time limit, leg model and every assumption.
    """

    hubplan_version: str
    created_utc: str
    scenario: ScenarioFile
    study_area: StudyFile
    data_sources: tuple[DataSource, ...]
    demand: JsonObject
    travel: TravelProvenance
    solver: SolverRecord
    seconds: Mapping[str, float]
    versions: Mapping[str, str]
    alternatives: tuple[AlternativePlan, ...] = ()
    transport: JsonObject = field(default_factory=dict)

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready manifest, as ``manifest.json`` holds it (before the writer's additions)."""
        record: dict[str, JsonValue] = {
            "hubplan_version": self.hubplan_version,
            "created_utc": self.created_utc,
            "scenario": self.scenario.as_dict(),
            "study_area": self.study_area.as_dict(),
            "data_sources": [source.as_dict() for source in self.data_sources],
            "demand": dict(self.demand),
            "travel": self.travel.as_dict(),
            "solver": self.solver.as_dict(),
            "seconds": dict(self.seconds),
            "versions": dict(self.versions),
        }
        if self.alternatives:
            record["alternatives"] = [plan.as_dict() for plan in self.alternatives]
        if self.transport:
            record["transport"] = dict(self.transport)
        return record


_MANIFEST: TypeAdapter[Manifest] = TypeAdapter(Manifest)


def scenario_rules(prepared: PreparedScenario) -> dict[str, JsonValue]:
    """Who the scenario serves where: the assumptions two runs must share to compare like with like."""
    scenario = prepared.scenario
    tiers: dict[str, JsonValue] = {
        name: {"mode": tier.mode, "segments": list(tier.segments) if tier.segments is not None else None,
               "radius_minutes": tier.radius_minutes}
        for name, tier in scenario.tiers.items()
    }
    return {
        "isolation_minutes": scenario.objective.isolation_minutes,
        "max_minutes": scenario.constraints.max_minutes,
        "within_locality": scenario.constraints.within_locality,
        "tiers": tiers,
    }


def build_manifest(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float],
                   transport: JsonObject | None = None) -> Manifest:
    """The provenance of a run.

    Parameters
    ----------
    prepared
        The run's inputs.
    allocation
        The plan, with its solver record.
    seconds
        Wall time per stage (rounded to milliseconds here).
    transport
        The transport plan's provenance (:meth:`hubplan.transport.TransportPlan.provenance`), if any.

    Returns
    -------
    Manifest
    """
    scenario = prepared.scenario
    columns = ["key", "file", "sha256", "publisher", "licence"]
    return Manifest(
        hubplan_version=__version__,
        created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        scenario=ScenarioFile(
            name=scenario.name,
            file=scenario.source_path.name if scenario.source_path else None,
            sha256=scenario.sha256,
            title=scenario.title or scenario.name,
            rules=scenario_rules(prepared),
        ),
        study_area=StudyFile(file=prepared.study.path.name, sha256=prepared.study.sha256),
        data_sources=tuple(DataSource(**row) for row in prepared.study.sources[columns].to_dict(orient="records")),
        demand=dict(prepared.demand.details),
        travel=TravelProvenance.from_flat({"model": prepared.travel.model, **prepared.travel.details}),
        solver=allocation.solver,
        seconds={key: round(value, 3) for key, value in seconds.items()},
        versions=dependency_versions(),
        alternatives=allocation.alternatives,
        transport=dict(transport or {}),
    )


def _first_issue(error: ValidationError, source: Path, prefix: str = "") -> Issue:
    detail = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in (prefix, *detail["loc"]) if part != "")
    return Issue(source, field or "(file)", f"{detail['msg']} in a manifest written by hubplan", REWRITE_FIX)


def read_manifest(data: object, source: Path) -> Manifest:
    """Read the parsed JSON of a run folder's ``manifest.json``.

    Parameters
    ----------
    data
        The file's parsed JSON.
    source
        The file, for error messages.

    Returns
    -------
    Manifest
        The provenance, as :func:`build_manifest` made it (the writer's ``attributions``
        and ``suppress_below`` are left out: the run's other files carry them).

    Raises
    ------
    InputError
        The JSON is not a manifest written by hubplan (a key is missing or has the wrong type).
    """
    if not isinstance(data, Mapping):
        raise InputError(issues=[Issue(source, "(file)", "not a JSON object", REWRITE_FIX)])
    travel = data.get("travel")
    if not isinstance(travel, Mapping):
        raise InputError(issues=[Issue(source, "travel", "missing or not a JSON object", REWRITE_FIX)])
    try:
        parsed_travel = TravelProvenance.from_flat(travel)
    except ValidationError as err:
        raise InputError(issues=[_first_issue(err, source, "travel")]) from err
    try:
        return _MANIFEST.validate_python({**data, "travel": parsed_travel})
    except ValidationError as err:
        raise InputError(issues=[_first_issue(err, source)]) from err
