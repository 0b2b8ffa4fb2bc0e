"""With a client file, the server shows only what the disclosure rule publishes (banded, suppressed, no postcodes)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hubplan.api import Study, publish

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEGMENTS = ("older_dementia", "older_other", "ld_complex", "working_age_ld", "working_age_other")


@pytest.fixture(scope="module")
def client_workshop(study, study_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """``council-proposal-2026-best.toml`` planned for a client file of real Dorset postcodes, few per area."""
    from hubplan.serve.workshop import Workshop

    root = tmp_path_factory.mktemp("serve-clients")
    first_postcode = study.postcodes.groupby("area_id")["postcode"].first()
    areas = sorted(study.home_areas["area_id"])[::3]
    pd.DataFrame({
        "postcode": [first_postcode[a] for a in areas],
        "segment": [SEGMENTS[i % len(SEGMENTS)] for i in range(len(areas))],
        "attendees": [1 + i % 4 for i in range(len(areas))],
    }).to_csv(root / "clients.csv", index=False)
    text = (SCENARIOS / "council-proposal-2026-best.toml").read_text(encoding="utf-8")
    text = text.replace('method = "estimate"', 'method = "client_file"\nclient_file = "clients.csv"', 1)
    text = text.replace('name = "council-proposal-2026-best"', 'name = "serve-clients"', 1)
    (root / "serve-clients.toml").write_text(text, encoding="utf-8")
    return Workshop(Study.open(root / "serve-clients.toml", study_path=study_path)), first_postcode


def test_client_records_are_published_before_they_are_shown(client_workshop) -> None:
    from fastapi.testclient import TestClient

    from hubplan.serve.app import create_app

    workshop, postcodes = client_workshop
    assert workshop.client_records
    with TestClient(create_app(workshop, Path("unused"))) as client:
        raw = client.post("/api/click", json={"site": "CD-VERWOOD-CONNECT"}).text
    answer = json.loads(raw)
    indicators = answer["indicators"]
    assert indicators["suppress_below"] == 5
    hidden = [loc for loc in indicators["localities"] if loc["suppressed"]]
    assert hidden, "some small counts of a locality are suppressed"
    assert any(value is None for loc in hidden for value in loc["isolated"].values())
    assert not any(code in raw for code in postcodes.head(50))  # no postcode leaves the server
    plan = workshop.board
    allocation, seconds = workshop.study.allocate({t: s for t, s in _hint(answer["roles"], plan).items()})
    published = publish(workshop.study.record(allocation, seconds)).metrics
    assert indicators["overall"]["isolated"]["total"] == published["overall"]["isolated"]["total"]
    assert indicators["overall"]["attendees"] == published["overall"]["attendees"]


def _hint(roles: dict[str, str], board) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = {}
    for site, token in roles.items():
        for tier in board.parse(site, token):
            plan.setdefault(tier, []).append(site)
    return plan
