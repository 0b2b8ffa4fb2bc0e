"""Small-number suppression in every public output of a run with client-like counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hubplan.api import write_outputs
from hubplan.outputs.privacy import DEFAULT_SUPPRESS_BELOW, count_text, is_suppressed

TOTAL = 300  # whole attendees, shared over 223 areas: many areas get 1-4 (honest small counts)


@pytest.fixture(scope="module")
def record(make_record):
    return make_record(name="clients", spokes=4, seed=3, total_attendees=TOTAL, integer_counts=True,
                       suppress_below=DEFAULT_SUPPRESS_BELOW)


@pytest.fixture(scope="module")
def written(record, tmp_path_factory) -> Path:
    return write_outputs(record, tmp_path_factory.mktemp("private"))[0]


def test_fixture_really_has_small_counts(record) -> None:
    counts = record.home_areas["attendees"]
    assert ((counts > 0) & (counts < 5)).sum() > 50
    assert counts.sum() == TOTAL


@pytest.mark.parametrize("layer", ["home_areas", "allocations", "sites", "localities", "catchments"])
def test_layers_hide_small_counts(written: Path, layer: str) -> None:
    features = json.loads((written / f"{layer}.geojson").read_text())["features"]
    for f in features:
        props = f["properties"]
        value = props["attendees"]
        assert value is None or value == 0 or value >= 5, props
        assert props["suppressed"] is (value is None)
        if layer == "sites" and props["suppressed"]:
            assert props["capacity_used"] is None


def test_home_areas_flag_suppression(written: Path, record) -> None:
    props = [f["properties"] for f in json.loads((written / "home_areas.geojson").read_text())["features"]]
    raw = dict(zip(record.home_areas["area_id"], record.home_areas["attendees"], strict=True))
    hidden = [p["area_id"] for p in props if p["suppressed"]]
    assert hidden and all(0 < raw[a] < 5 for a in hidden)
    assert all(p["attendees"] == 5 * round(raw[p["area_id"]] / 5) for p in props if not p["suppressed"])


def test_totals_are_computed_from_the_bands_and_rounded(written: Path, record) -> None:
    metrics = json.loads((written / "metrics.json").read_text())
    hidden = int(((record.allocations["attendees"] > 0) & (record.allocations["attendees"] < 5)).sum())
    overall = metrics["overall"]["attendees"]
    assert overall % 5 == 0 and abs(overall - TOTAL) <= 0.5 * hidden + 2.5  # hidden cells stand for 1.5 or 3.5
    assert metrics["suppress_below"] == 5
    localities = json.loads((written / "localities.geojson").read_text())["features"]
    assert abs(sum(f["properties"]["attendees"] for f in localities) - overall) <= 2.5 * (len(localities) + 1)
    catchments = json.loads((written / "catchments.geojson").read_text())["features"]
    hub_total = sum(f["properties"]["attendees"] or 0 for f in catchments)
    assert hub_total > 0 and all(f["properties"]["attendees"] != 0 for f in catchments)


def test_metrics_json_hides_small_isolated_counts(record, tmp_path: Path) -> None:
    metrics = json.loads((write_outputs(record, tmp_path)[0] / "metrics.json").read_text())
    for name, block in [("overall", metrics["overall"]), *metrics["localities"].items()]:
        raw = record.metrics["overall"] if name == "overall" else record.metrics["localities"][name]
        for key in ("rural", "urban", "total"):
            if 0 < raw["isolated"][key] < 5:
                assert block["isolated"][key] is None and f"isolated.{key}" in block["suppressed"]
            else:  # rounded to 5 after hidden cells stand for their band midpoints
                assert block["isolated"][key] is None or block["isolated"][key] % 5 == 0


def test_popups_and_report_show_less_than_five(written: Path) -> None:
    page = (written / "map.html").read_text()
    # popups travel as JSON strings inside the page: undo the JSON escapes of <, > and &
    page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    shown = re.findall(r"<span class='hp-count'>([^<]+)</span>", page)
    assert "&lt;5" in shown
    numbers = [float(s.replace(",", "")) for s in shown if s != "&lt;5"]
    assert numbers and all(n == 0 or n >= 5 for n in numbers)
    report = (written / "report.md").read_text()
    assert "<5" in report and "counts of people below 5" in report


def test_rule_is_one_function() -> None:
    assert [is_suppressed(v, 5) for v in (0, 0.5, 4.99, 5, 12)] == [False, True, True, False, False]
    assert count_text(4, 5) == "<5" and count_text(4, None) == "4" and count_text(12, 5) == "10"
