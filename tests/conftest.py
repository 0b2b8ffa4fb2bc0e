"""Shared fixtures: the real source folder and a study area built from it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = Path(os.environ.get("HUBPLAN_SOURCE", REPO.parent / "shared" / "data")).resolve()
SCENARIOS = REPO / "scenarios"


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """The real public data folder (``../shared/data`` or ``$HUBPLAN_SOURCE``)."""
    if not SOURCE.is_dir():
        pytest.fail(f"shared data not found at {SOURCE}; set HUBPLAN_SOURCE")
    return SOURCE


@pytest.fixture(scope="session")
def study_path(source_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study-area GeoPackage built from the real data for this test session."""
    from hubplan.data.build import build_study_area

    return build_study_area(source_dir, tmp_path_factory.mktemp("study") / "study.gpkg").path


@pytest.fixture(scope="session")
def study(study_path: Path):
    """The loaded study area."""
    from hubplan.data.study import load_study_area

    return load_study_area(study_path)
