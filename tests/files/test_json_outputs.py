"""Every JSON file hubplan writes is valid JSON: no bare NaN or Infinity.

The default scenario has no site capacities and no building costs, so its
``capacity_used`` and ``annual_building_cost`` are NaN inside hubplan: exactly the
values that used to reach ``evaluate --json`` as a bare ``NaN``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hubplan.files.jsontext import dumps_json

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


def _strict(text: str) -> Any:
    """Parse as RFC 8259 JSON: NaN, Infinity and -Infinity are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_the_strict_parser_refuses_what_python_writes_by_default() -> None:
    with pytest.raises(ValueError, match="NaN is not JSON"):
        _strict(json.dumps({"a": float("nan")}))
    assert _strict(dumps_json({"a": float("nan"), "b": [float("-inf"), 1.0]})) == {"a": None, "b": [None, 1.0]}


def test_every_json_output_of_a_run_and_of_evaluate_is_strict_json(cli, study_path: Path, tmp_path: Path) -> None:
    scenario = str(SCENARIOS / "dorset-current.toml")
    ran = cli.invoke(["run", scenario, "--study", str(study_path), "--out", str(tmp_path / "outputs")])
    assert ran.exit_code == 0, ran.stderr or ran.exception
    evaluated = cli.invoke(["evaluate", scenario, "--study", str(study_path), "--json", str(tmp_path / "metrics.json")])
    assert evaluated.exit_code == 0, evaluated.stderr or evaluated.exception

    folder = tmp_path / "outputs" / "dorset-current"
    files = sorted([*folder.glob("*.json"), *folder.glob("*.geojson"), tmp_path / "metrics.json"])
    assert {f.name for f in files} >= {"metrics.json", "manifest.json", "sites.geojson", "home_areas.geojson"}
    parsed = {f"{f.parent.name}/{f.name}": _strict(f.read_text(encoding="utf-8")) for f in files}

    # The values that are NaN inside hubplan are null in every file, not dropped.
    for name in ("dorset-current/metrics.json", f"{tmp_path.name}/metrics.json"):
        assert "annual_building_cost" in parsed[name]["overall"]
        assert parsed[name]["overall"]["annual_building_cost"] is None, name
    sites = [f["properties"] for f in parsed["dorset-current/sites.geojson"]["features"]]
    open_sites = [p for p in sites if p["status"] == "open"]
    assert open_sites and all(p["capacity"] is None and p["capacity_used"] is None for p in open_sites)
