"""The workshop server's JSON API, through FastAPI's test client, on the real Dorset study.

Figures are checked against the library API scoring the same plan, and a saved plan
against its own run: the server adds no arithmetic of its own.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hubplan.api import Study

VERWOOD = "CD-VERWOOD-CONNECT"
WAREHAM = "CD-WAREHAM-PLUS"


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _plan_hint(roles: dict[str, str], workshop) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = {}
    for site, token in roles.items():
        for tier in workshop.board.parse(site, token):
            plan.setdefault(tier, []).append(site)
    return plan


def test_page_is_served_with_its_assets_and_guards(new_client) -> None:
    client = new_client()
    page = client.get("/")
    assert page.status_code == 200
    assert "&lt;" not in page.text or "<script>" not in page.text
    assert "/static/leaflet/leaflet.js" in page.text and "<script>" not in page.text  # no inline script
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "httponly" in page.headers["set-cookie"].lower() and "samesite=strict" in page.headers["set-cookie"].lower()
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "serve.js", "serve.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../../etc/passwd").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_board_lists_every_candidate_building_and_its_roles(new_client, workshop) -> None:
    board = new_client().get("/api/board").json()
    ids = {b["id"] for b in board["buildings"]}
    assert ids == set(workshop.study.prepared.travel.destination_ids)
    verwood = next(b for b in board["buildings"] if b["id"] == VERWOOD)
    tokens = [r["token"] for r in verwood["roles"]]
    assert tokens[:4] == ["closed", "hub", "specialist:specialist_dementia", "specialist:specialist_ld"]
    assert "hub+specialist:specialist_ld" in tokens  # two tiers per building in this scenario
    assert board["layers"]["areas"]["type"] == "FeatureCollection"


def test_a_click_changes_the_indicators_as_the_library_scores_the_plan(new_client, workshop) -> None:
    client = new_client()
    before = client.get("/api/plan").json()
    assert before["roles"][VERWOOD] == "closed" and before["reason"] is None
    after = client.post("/api/click", json={"site": VERWOOD}).json()
    assert after["roles"][VERWOOD] == "hub"
    assert after["can_undo"] is True
    study: Study = workshop.study
    allocation, _ = study.allocate(_plan_hint(after["roles"], workshop))
    figures = study.figures(allocation)
    shown = after["indicators"]["overall"]
    assert shown["mean_minutes"] == round(figures["overall"]["mean_minutes"], 1)
    assert shown["isolated"]["total"] == round(figures["overall"]["isolated"]["total"], 1)
    assert shown["buildings"]["open"] == figures["overall"]["sites_open"] == 9
    assert shown["mean_minutes"] != before["indicators"]["overall"]["mean_minutes"]
    east = next(loc for loc in after["indicators"]["localities"] if loc["name"] == "East Dorset")
    assert east["mean_minutes"] == round(figures["localities"]["East Dorset"]["mean_minutes"], 1)
    hub_before, hub_after = before["indicators"]["areas"]["hub"], after["indicators"]["areas"]["hub"]
    changed = [a for a, m in hub_after.items() if hub_before.get(a) != m]
    assert changed, "some home areas are recoloured"


def test_a_plan_the_model_cannot_carry_gives_one_plain_line(new_client) -> None:
    client = new_client()
    answer = client.post("/api/plan", json={"roles": {WAREHAM: "closed"}})
    assert answer.status_code == 200
    body = answer.json()
    assert body["indicators"] is None
    assert body["reason"] == ("Purbeck has no hub: people there would have nowhere to go. "
                              "Open one of its buildings as a hub.")
    ld = client.post("/api/undo").json()["roles"]
    sites = [s for s, token in ld.items() if "specialist:specialist_ld" in token]
    reason = client.post("/api/plan", json={"roles": dict.fromkeys(sites, "hub")}).json()["reason"]
    assert reason.startswith("No building hosts") and "\n" not in reason


def test_undo_reset_and_a_named_history(new_client, workshop) -> None:
    client = new_client()
    start = client.get("/api/plan").json()["roles"]
    client.post("/api/click", json={"site": VERWOOD})
    kept = client.post("/api/history", json={"name": "Verwood open"}).json()
    assert [h["name"] for h in kept["history"]] == ["Verwood open"]
    client.post("/api/click", json={"site": VERWOOD})
    assert client.post("/api/undo").json()["roles"][VERWOOD] == "hub"
    assert client.post("/api/undo").json()["roles"] == start
    assert client.post("/api/undo").json()["can_undo"] is False  # nothing more to undo: unchanged
    client.post("/api/plan", json={"roles": {VERWOOD: "specialist:specialist_ld"}})
    assert client.post("/api/reset").json()["roles"] == start
    assert client.post("/api/history/restore", json={"index": 0}).json()["roles"][VERWOOD] == "hub"
    assert client.post("/api/history/restore", json={"index": 5}).status_code == 422


@pytest.mark.parametrize(("path", "body", "status", "words"), [
    ("/api/click", {"site": "NOT-A-SITE"}, 404, "unknown building"),
    ("/api/plan", {"roles": {"NOT-A-SITE": "hub"}}, 404, "unknown building"),
    ("/api/plan", {"roles": {VERWOOD: "spoke"}}, 422, "cannot take the role"),
    ("/api/plan", {"roles": {VERWOOD: "hub+specialist:specialist_ld+specialist:specialist_dementia"}}, 422,
     "at most 2"),
    ("/api/plan", {"roles": [VERWOOD]}, 422, "bad request"),
    ("/api/plan", {"roles": {}, "extra": 1}, 422, "bad request"),
    ("/api/click", {}, 422, "bad request"),
    ("/api/history", {"name": ""}, 422, "bad request"),
    ("/api/save", {"name": "../../escape"}, 422, "lower-case"),
    ("/api/save", {"name": "x" * 61}, 422, "bad request"),
])
def test_bad_requests_get_a_4xx_with_one_line(new_client, path: str, body: object, status: int, words: str) -> None:
    answer = new_client().post(path, json=body)
    assert answer.status_code == status
    message = answer.json()["error"]
    assert words in message and "\n" not in message and "Traceback" not in message


def test_malformed_and_oversized_bodies_are_refused(new_client, out_dir: Path) -> None:
    client = new_client()
    bad = client.post("/api/click", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "JSON" in bad.json()["error"]
    big = client.post("/api/plan", content=b'{"roles": {"' + b"x" * 20_000 + b'": "hub"}}',
                      headers={"content-type": "application/json"})
    assert big.status_code == 413 and "larger than" in big.json()["error"]
    streamed = client.post("/api/plan", content=iter([b"x" * 10_000, b"x" * 10_000]),
                           headers={"content-type": "application/json"})  # no Content-Length: counted as it comes
    assert streamed.status_code == 413
    assert client.get("/api/plan", headers={"host": "evil.example"}).status_code == 400  # no DNS rebinding
    assert not out_dir.exists()


def test_sessions_do_not_see_each_others_plans(new_client) -> None:
    table_a, table_b = new_client(), new_client()
    start = table_b.get("/api/plan").json()["roles"]
    table_a.post("/api/click", json={"site": VERWOOD})
    assert table_a.get("/api/plan").json()["roles"][VERWOOD] == "hub"
    assert table_b.get("/api/plan").json()["roles"] == start
    assert table_b.post("/api/undo").json()["can_undo"] is False


def test_a_saved_plan_runs_to_the_same_figures(new_client, workshop, out_dir: Path, study_path: Path) -> None:
    client = new_client()
    client.post("/api/plan", json={"roles": {VERWOOD: "hub+specialist:specialist_ld",
                                             "CD-DORCHESTER-CONNECT": "hub"}})
    shown = client.get("/api/plan").json()
    saved = client.post("/api/save", json={"name": "verwood-both", "title": "<b>Verwood</b> & both"})
    assert saved.status_code == 200
    path = out_dir / "verwood-both.toml"
    assert saved.json()["file"] == "verwood-both.toml" and path.is_file()
    assert sorted(p.name for p in out_dir.iterdir()) == ["verwood-both.toml"]
    record = Study.open(path, study_path=study_path).plan(transport=False)  # what `hubplan run` does
    assert record.manifest.solver.status == "evaluated"
    live = workshop.outcome(_plan(workshop, shown["roles"])).figures
    assert _same(record.metrics["overall"], live["overall"])
    assert _same(record.metrics["localities"], live["localities"])
    assert record.title == "<b>Verwood</b> & both"


def _plan(workshop, roles: dict[str, str]):
    from hubplan.serve.board import Plan

    return Plan.of({site: workshop.board.parse(site, token) for site, token in roles.items()})


def test_script_in_a_name_is_kept_as_text(new_client) -> None:
    payload = "<script>alert('x')</script>"
    history = new_client().post("/api/history", json={"name": payload}).json()["history"]
    assert history[0]["name"] == payload  # JSON carries it as text; the page sets it with textContent


def test_best_plan_from_here_runs_in_the_background_and_compares(new_client) -> None:
    client = new_client()
    client.post("/api/plan", json={"roles": {VERWOOD: "hub"}})
    started = client.post("/api/best").json()["search"]
    assert started["state"] in ("waiting", "running", "done")
    deadline = time.monotonic() + 120
    search = started
    while search["state"] in ("waiting", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        search = client.get("/api/best").json()["search"]
    assert search["state"] == "done", search
    assert search["status"] in ("optimal", "best found")
    comparison = search["comparison"]
    assert comparison["best_roles"][VERWOOD] != "closed"  # the table's open building stays open
    assert comparison["best"]["mean_minutes"] <= comparison["current"]["mean_minutes"]
    adopted = client.post("/api/best/adopt").json()
    assert adopted["roles"] == comparison["best_roles"]
