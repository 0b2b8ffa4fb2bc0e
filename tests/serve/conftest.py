"""Fixtures for the workshop server: one warm workshop per test session, clients and a real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BEST = SCENARIOS / "council-proposal-2026-best.toml"
"""Every Care Dorset centre a candidate, three tiers, two tiers per building at most."""


@pytest.fixture(scope="session")
def workshop(study_path: Path):
    """The warm workshop of ``council-proposal-2026-best.toml`` on the real study area."""
    from hubplan.serve.server import open_workshop

    return open_workshop(BEST, study_path=study_path)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """The server's output folder for one test."""
    return tmp_path / "serve-out"


@pytest.fixture
def app(workshop, out_dir: Path):
    """A fresh app (its own sessions) on the shared warm workshop."""
    from hubplan.serve.app import create_app

    return create_app(workshop, out_dir)


@pytest.fixture
def new_client(app) -> Iterator[Callable[[], object]]:
    """``new_client()``: a test client with its own cookie jar, so its own session."""
    from fastapi.testclient import TestClient

    made: list[TestClient] = []

    def make() -> TestClient:
        made.append(TestClient(app, raise_server_exceptions=False))
        return made[-1]

    yield make
    for client in made:
        client.close()
