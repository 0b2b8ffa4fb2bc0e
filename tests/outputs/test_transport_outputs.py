"""Issue 15, item 5: the transport plan in the consultation outputs (routes layer, web map, report).

The council's proposal is run for real with a short routing limit (a scenario copy with
``[transport] search_steps = 300``), once for the session (the ``shipped`` fixture). The checks: every vertex of
the ``routes`` layer is a depot, site or home-area point and none is a passenger's
position; the layer has one line per round and only its documented attributes; the map
carries the rounds (escaped, off at first) and the browser draws them when the layer is
turned on; the report has the *Transport plan* section with its assumptions.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hubplan.api import publish
from hubplan.outputs.layers import COORDINATE_DECIMALS, public_layers
from hubplan.outputs.routes import (
    CLIENT_CLOCK_STEP_MINUTES,
    CLIENT_KM_STEP,
    ROUTE_COLUMNS,
    ROUTES_LAYER,
    published_rounds,
)
from hubplan.outputs.webmap import build_map
from hubplan.record.run import RunRecord

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "outputs" / "screenshots"
VIEWS = ("desktop", "phone")  # the viewports of the open_map fixture
HOSTILE_NAME = "Wareham <img src=x onerror=alert(1)> & *Plus*"


@pytest.fixture(scope="module")
def record(shipped) -> RunRecord:
    result = shipped.record("council-proposal-2026", "routed")
    assert result.transport is not None
    return result


@pytest.fixture(scope="module")
def folder(shipped) -> Path:
    return shipped.folder("council-proposal-2026", "routed")  # shared: read, never changed


def _snap(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)


def _rounds_of(record: RunRecord) -> list[Any]:
    assert record.transport is not None
    return [one for session in record.transport.sessions for one in session.rounds]


# --- the routes layer ---------------------------------------------------------------------------

def test_routes_pass_only_depot_site_and_home_area_points(record: RunRecord) -> None:
    routes = public_layers(publish(record))[ROUTES_LAYER]
    assert record.transport is not None
    areas = {_snap(g.x, g.y) for g in record.area_points.geometry}
    sites = {_snap(g.x, g.y) for g in record.sites.geometry}
    homes = {_snap(p.lon, p.lat) for p in record.transport.passengers}
    assert homes - areas, "the check is empty if every passenger stood on an area point"
    for line in routes.geometry:
        vertices = [_snap(x, y) for x, y in line.coords]
        assert all(v in areas or v in sites for v in vertices), vertices
        assert not set(vertices) & homes
        assert all(a != b for a, b in pairwise(vertices)), "repeated points not merged"


def test_one_line_per_round_with_the_documented_attributes(record: RunRecord) -> None:
    routes = public_layers(publish(record))[ROUTES_LAYER]
    rounds = _rounds_of(record)
    assert len(routes) == len(rounds) > 0
    assert list(routes.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert set(routes["session"]) == {"morning", "afternoon"}
    assert routes["departs"].str.fullmatch(r"\d\d:\d\d").all() and routes["returns"].str.fullmatch(r"\d\d:\d\d").all()
    assert (routes["km"] == routes["km"].round(1)).all()
    assert sorted(routes["km"]) == sorted(round(one.km, 1) for one in rounds)
    assert record.transport is not None
    area_of = {p.number: p.area_id for p in record.transport.passengers}
    expected = sorted(len({area_of[s.passenger] for s in one.stops if not s.at_site}) for one in rounds)
    assert sorted(routes["stops_in_home_areas"]) == expected
    names = dict(zip(record.sites["site_id"], record.sites["name"], strict=True))
    assert (routes["name"] == routes["site_id"].map(names)).all()


def test_client_file_runs_publish_coarse_km_and_times_and_no_passenger_counts(record: RunRecord) -> None:
    exact = published_rounds(record)
    coarse = published_rounds(replace(record, suppress_below=5))
    assert len(coarse) == len(exact)
    assert all(r.km % CLIENT_KM_STEP == 0 for r in coarse)
    minutes = [int(t[:2]) * 60 + int(t[3:]) for r in coarse for t in (r.departs, r.returns)]
    assert all(m % CLIENT_CLOCK_STEP_MINUTES == 0 for m in minutes)
    assert any(r.km % CLIENT_KM_STEP for r in exact), "exact km would pass the check trivially"
    assert not {"passengers", "attendees"} & set(ROUTE_COLUMNS)


def test_written_run_has_the_routes_layer_styled_and_no_postcode(record: RunRecord, folder: Path) -> None:
    doc = json.loads((folder / "routes.geojson").read_text(encoding="utf-8"))
    assert len(doc["features"]) == len(_rounds_of(record))
    assert all(f["geometry"]["type"] == "LineString" for f in doc["features"])
    with sqlite3.connect(folder / "layers.gpkg") as db:
        assert db.execute("SELECT count(*) FROM routes").fetchone()[0] == len(_rounds_of(record))
        styles = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'routes' AND useAsDefault")
        qml = ET.fromstring(styles.fetchone()[0].split("\n", 1)[1])
    assert {r.get("filter") for r in qml.iter("rule")} == {"\"session\" = 'morning'", "\"session\" = 'afternoon'"}
    assert record.transport is not None
    postcodes = {p.postcode for p in record.transport.passengers}
    for path in folder.iterdir():
        if path.suffix in {".geojson", ".html", ".md", ".json"}:
            text = path.read_text(encoding="utf-8")
            assert not [pc for pc in postcodes if pc in text], path.name
    assert "routes.geojson" in json.loads((folder / ".hubplan-output").read_text())["files"]


# --- the web map --------------------------------------------------------------------------------

def _page_data(text: str) -> dict[str, Any]:
    return json.loads(re.search(r"const HUBPLAN_DATA = (\{.*?\});</script>", text).group(1))


def test_map_has_the_rounds_in_plain_english(record: RunRecord, folder: Path) -> None:
    data = _page_data((folder / "map.html").read_text(encoding="utf-8"))
    rounds = data["rounds"]
    assert len(rounds) == len(_rounds_of(record))
    pattern = (r"<b>(Morning round \d+ to|Afternoon round \d+ from) [^<]+</b>: leaves \d\d:\d\d, back \d\d:\d\d, "
               r"[\d,]+\.\d km, calls in \d+ home areas?\.")
    assert all(re.search(pattern, r["popup"]) for r in rounds), rounds[0]["popup"]
    assert "Minibus rounds" in data["legend"]
    assert "Minibus rounds" in (folder / "map.html").read_text(encoding="utf-8")


def test_map_escapes_a_site_name_in_round_popups(record: RunRecord) -> None:
    assert record.transport is not None
    site = record.transport.sessions[0].site_id
    sites = record.sites.copy()
    sites.loc[sites["site_id"] == site, "name"] = HOSTILE_NAME
    hostile = replace(record, sites=sites,
                      transport=replace(record.transport, site_names={**record.transport.site_names,
                                                                     site: HOSTILE_NAME}))
    text = build_map(publish(hostile), public_layers(publish(hostile)))
    mine = [r for r in _page_data(text)["rounds"] if "onerror" in r["popup"]]
    assert mine
    for r in mine:
        assert "<img" not in r["popup"] and "&lt;img src=x onerror=alert(1)&gt;" in r["popup"]
        assert "<img" not in r["tooltip"]


# --- the report ---------------------------------------------------------------------------------

def test_report_has_the_transport_plan_with_its_assumptions(record: RunRecord, folder: Path) -> None:
    text = (folder / "report.md").read_text(encoding="utf-8")
    section = text.split("## Transport plan\n", 1)[1].split("\n## ", 1)[0]
    assert "not optimal" in section.lower() and "optimal plan" not in section.lower()
    assert record.transport is not None
    assert f"{len(record.transport.passengers)} people travel" in section
    for locality in record.metrics["transport"]["localities"]:
        assert f"| {locality} " in section or f" {locality} |" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "(assumption" in line]
    assert len(rows) >= 10
    assert "09:15 and 10:00" in section or re.search(r"\d\d:\d\d and \d\d:\d\d", section)
    assert "DESNZ" in section and "leg model" in section
    assert "| Value of passengers' time on board beyond the direct drive (assumption) | £10.00 an hour |" in section
    assert "| Taxi for a passenger no shared round can carry (assumption) | £10.00 a trip plus £2.50 a km |" in section
    assert "| Longest ride beyond the direct drive (assumption) | 30 minutes |" in section
    assert "search steps" in section and "safety time limit" in section
    overall = record.metrics["transport"]["overall"]
    assert f"£{overall['cost_gbp_year']:,.0f}" in section
    assert f"{overall['co2e_tonnes_year']:,.1f} t" in section
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h2>Transport plan</h2>" in page and "<h3>Transport assumptions</h3>" in page


def test_easy_read_says_how_many_ride_the_minibuses(record: RunRecord, folder: Path) -> None:
    """The Easy Read page puts the bus plan in short sentences: people and buses on a normal day, the longest ride."""
    page = (folder / "easy_read.html").read_text(encoding="utf-8")
    overall = record.metrics["transport"]["overall"]
    assert "Some people go on a council minibus." in page
    assert f"go on {overall['vehicles']} minibuses." in page
    longest = 5 * math.ceil(overall["ride_max_minutes"] / 5)
    if overall["exception_passengers"]:  # a taxi ride may be the longest
        assert "Some people go by taxi instead." in page and f"The longest ride is about {longest} minutes." in page
    else:
        assert f"The longest bus ride is about {longest} minutes." in page and "taxi" not in page


# --- in the browser -----------------------------------------------------------------------------

def _drawn_rounds(page: Any) -> int:
    return page.evaluate("() => document.querySelectorAll('.leaflet-hp-rounds-pane path').length")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("size", VIEWS)
def test_turning_the_rounds_on_draws_them(open_map: Callable[[Path, str], Any], record: RunRecord, folder: Path,
                                          size: str) -> None:
    page = open_map(folder, size)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    assert _drawn_rounds(page) == 0, "the rounds are off at first"
    if size == "phone":  # the layer list starts folded on a narrow screen and opens under the pointer
        page.hover("#hubplan-layers")
    page.get_by_label("Minibus rounds").check()
    page.wait_for_timeout(200)
    assert _drawn_rounds(page) == len(_rounds_of(record))
    colours = page.evaluate("() => [...document.querySelectorAll('.leaflet-hp-rounds-pane path')]"
                            ".map(p => p.getAttribute('stroke'))")
    assert set(colours) == {"#1b1b1b", "#2166ac"}
    box = page.evaluate("() => { const r = document.querySelector('.leaflet-hp-rounds-pane svg')"
                        ".getBoundingClientRect(); return [r.width, r.height]; }")
    assert box[0] > 50 and box[1] > 50
    assert not errors, errors
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"transport-rounds-{size}.png"))
    page.close()
