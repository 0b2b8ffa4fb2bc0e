"""The run's provenance: versions, scenario hash, data sources, travel model and solver."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hubplan import __version__
from hubplan.plan import Allocation, PreparedScenario
from hubplan.versions import dependency_versions

__all__ = ["build_manifest"]


def build_manifest(prepared: PreparedScenario, allocation: Allocation, seconds: dict[str, float]) -> dict[str, Any]:
    """The JSON-ready provenance of a run (``manifest.json``)."""
    scenario = prepared.scenario
    sources = prepared.study.sources[["key", "file", "sha256", "publisher", "licence"]].to_dict(orient="records")
    return {
        "hubplan_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario": {
            "name": scenario.name,
            "file": scenario.source_path.name if scenario.source_path else None,
            "sha256": scenario.sha256,
        },
        "study_area": {"file": prepared.study.path.name, "sha256": prepared.study.sha256},
        "data_sources": sources,
        "demand": dict(prepared.demand.details),
        "travel": {"model": prepared.travel.model, **dict(prepared.travel.details)},
        "solver": allocation.solver,
        "seconds": {key: round(value, 3) for key, value in seconds.items()},
        "versions": dependency_versions(),
    }
