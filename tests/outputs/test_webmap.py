"""Issue 14 (map parts): the web map and the GeoPackage tell the public the truth at a glance.

Two shipped scenarios are run for real: ``specialist`` (hubs plus two specialist
tiers serving the whole county, so some attendees travel far) and
``services-not-buildings`` (hubs plus spokes). The browser tests open each
``map.html`` in Debian's Chromium (Playwright) at desktop (1400x1000) and phone
(412x915) sizes and check what a person sees; screenshots are saved under
``outputs/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from hubplan.record.run import RunRecord

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "outputs" / "screenshots"
SCENARIOS = ("specialist", "services-not-buildings")
VIEWS = ("desktop", "phone")  # the viewports of the open_map fixture


@pytest.fixture(scope="module")
def runs(shipped) -> dict[str, tuple[RunRecord, Path]]:
    """The two scenarios' records and run folders, shared with the other tests (read-only)."""
    return {name: (shipped.record(name), shipped.folder(name)) for name in SCENARIOS}


def _page_data(folder: Path) -> dict[str, Any]:
    text = (folder / "map.html").read_text(encoding="utf-8")
    return json.loads(re.search(r"const HUBPLAN_DATA = (\{.*?\});</script>", text).group(1))


# --- the home-areas layer: journeys per tier, isolation by ANY attendee -------------------------

def test_isolated_when_any_attendee_of_any_tier_travels_beyond_the_threshold(runs) -> None:
    record, folder = runs["specialist"]
    limit = record.metrics["overall"]["isolation_minutes"]
    flows = pd.DataFrame(record.allocations)
    far = flows[(flows["attendees"] > 0) & (flows["minutes"] > limit)]
    homes = record.home_areas.set_index("area_id")
    assert set(homes.index[homes["isolated"]]) == set(far["area_id"])
    # the old rule (mean journey over the area's attendees) hides these areas
    hidden = homes[homes["isolated"] & (homes["minutes_to_site"] <= limit)]
    assert len(hidden) > 10
    assert homes["isolated_attendees"].sum() == pytest.approx(record.metrics["overall"]["isolated"]["total"])
    assert (homes.loc[homes["isolated"], "minutes_longest"] > limit).all()
    # the specialist journey is the long one: its column shows what the hub column cannot
    assert homes["minutes_to_specialist"].max() > limit >= homes["minutes_to_hub"].max() - 15
    public = gpd.read_file(folder / "home_areas.geojson")
    assert public["isolated"].sum() == homes["isolated"].sum()
    for column in ("minutes_to_specialist", "minutes_to_specialist_mean", "minutes_longest", "isolated_attendees"):
        assert column in public.columns


def test_sites_layer_names_the_kind_of_tier_in_words(runs) -> None:
    sites = gpd.read_file(runs["specialist"][1] / "sites.geojson")
    opened = sites[sites["status"] == "open"]
    assert set(opened["tier_kind"]) == {"hub", "specialist"}
    labels = set(opened.loc[opened["tier_kind"] == "specialist", "tier_label"])
    assert labels == {"Specialist: Older people living with dementia",
                      "Specialist: Working age, complex learning-disability needs"}
    spokes = gpd.read_file(runs["services-not-buildings"][1] / "sites.geojson")
    assert "spoke" in set(spokes.loc[spokes["status"] == "open", "tier_kind"])


def test_popups_are_plain_english(runs) -> None:
    data = _page_data(runs["specialist"][1])
    popups = [s["popup"] for s in data["sites"]] + [a["popup"] for a in data["areas"]]
    for jargon in ("Role:", "Tier:", "Status:", "specialist_dementia", "not_selected", "Isolated: no"):
        assert not any(jargon in p for p in popups), jargon
    hubs = [s["popup"] for s in data["sites"] if s["kind"] == "hub"]
    assert hubs and all(re.search(r"Hub for .+<br><span class='hp-count'>[\d,.]+</span> people; journeys "
                                  r"\d+(–\d+)? minutes", p) for p in hubs)  # noqa: RUF001 - en dash
    closing = [s["popup"] for s in data["sites"] if s["status"] == "closed"]
    assert closing and all("Closing in this plan" in p for p in closing)
    assert any("In this plan they go to:" in p for p in closing)
    isolated = [a["popup"] for a in data["areas"] if a["isolated"]]
    assert isolated and all("Isolated:" in p and "travel over 45 minutes" in p for p in isolated)


# --- QGIS styles in the GeoPackage -------------------------------------------------------------

def test_geopackage_carries_one_default_qgis_style_per_layer(runs) -> None:
    gpkg = runs["specialist"][1] / "layers.gpkg"
    with sqlite3.connect(gpkg) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault, update_time "
                          "FROM layer_styles ORDER BY id").fetchall()
        kinds = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        geometry = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    assert kinds["layer_styles"] == "attributes"
    defaults = pd.DataFrame(rows, columns=["layer", "geom", "name", "qml", "default", "time"])
    assert defaults.groupby("layer")["default"].sum().to_dict() == {"home_areas": 1, "sites": 1}
    assert (defaults["geom"] == defaults["layer"].map(geometry)).all()
    assert set(defaults["time"]) == {"2000-01-01T00:00:00.000Z"}  # reruns stay byte-identical
    parsed = {(r.layer, r.name): ET.fromstring(r.qml.split("\n", 1)[1]) for r in defaults.itertuples()}
    sites = parsed[("sites", "Sites by tier and status")]
    filters = [rule.get("filter") for rule in sites.iter("rule") if rule.get("symbol") is not None]
    for kind in ("hub", "specialist", "spoke"):
        assert any(f"\"tier_kind\" = '{kind}'" in f for f in filters)
    assert any("'closed'" in f for f in filters) and any("'not_selected'" in f for f in filters)
    shapes = {o.get("value") for o in sites.iter("Option") if o.get("name") == "name"}
    assert {"square", "diamond", "triangle"} <= shapes
    assert sites.find("labeling").get("type") == "rule-based"
    assert sites.find(".//text-style").get("fieldName") == "name"
    homes = parsed[("home_areas", "Journey to your hub")]
    assert any('"minutes_to_hub"' in (r.get("filter") or "") for r in homes.iter("rule"))
    assert any(r.get("filter") == '"isolated"' for r in homes.iter("rule"))
    assert any(layer.get("class") == "LinePatternFill" for layer in homes.iter("layer"))
    assert ("home_areas", "Journey to specialist provision") in parsed


# --- in the browser ----------------------------------------------------------------------------

def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).bounding_box()


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def _label_visible(page: Any, site_id: str) -> bool:
    return page.evaluate("""id => {
        const m = window.hubplan.labelled.find(m => m.hpSite.id === id);
        const el = m.getTooltip().getElement();
        if (!el || getComputedStyle(el).display === 'none') return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
    }""", site_id)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("size", VIEWS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_what_a_reader_sees(open_map: Callable[[Path, str], Any], runs, scenario: str, size: str) -> None:
    folder = runs[scenario][1]
    sites = gpd.read_file(folder / "sites.geojson")
    shown = sites[sites["status"].isin(["open", "closed", "not_selected"])]
    page = open_map(folder, size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{scenario}-{size}.png"))

    # controls: one attribution line; title, key, layers and attribution never overlap; county fitted
    boxes = {name: _box(page, sel) for name, sel in (
        ("title", "#hubplan-title"), ("legend", "#hubplan-legend"), ("layers", "#hubplan-layers"),
        ("attribution", "#hubplan-attribution"))}
    assert boxes["attribution"]["height"] <= 20, boxes["attribution"]
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
    assert page.evaluate("() => window.hubplan.map.getBounds().contains(HUBPLAN_DATA.bounds)")
    assert page.evaluate("() => document.querySelectorAll('#hubplan-attribution').length") == 1
    assert page.locator("#hubplan-attribution").inner_text().count("Crown copyright") == 1

    # the key (folded on a phone: unfold it) has an entry for every tier and every status
    if size == "phone":
        assert not page.locator("#hp-legend-body").is_visible()
        page.click("#hp-legend-toggle")
        expanded = {name: _box(page, sel) for name, sel in (("legend", "#hubplan-legend"),
                                                             ("title", "#hubplan-title"))}
        assert not _overlap(expanded["legend"], expanded["title"])
        assert not _overlap(expanded["legend"], boxes["attribution"])
    key = page.locator("#hubplan-legend").inner_text()
    opened = shown[shown["status"] == "open"]
    for label in opened.loc[opened["tier_kind"] != "spoke", "tier_label"].unique():
        assert label in key
    if (opened["tier_kind"] == "spoke").any():
        assert "Spoke" in key
    expected = {"closed": "Closing", "not_selected": "Not selected"}
    for status in set(shown["status"]) - {"open"}:
        assert expected[status] in key
    assert ("Kept:" in key) == opened["kind"].eq("day_centre").any()
    assert ("New:" in key) == (~opened["kind"].eq("day_centre")).any()
    assert "Isolated: someone travels over 45 min" in key
    if size == "phone":
        page.click("#hp-legend-toggle")

    # every open site's name: hubs and specialists at the default zoom, spokes at their locality's zoom
    # (the scripts below return nothing: Leaflet's calls return the map or marker, which Playwright
    # would serialise, object graph and all, for seconds each time)
    for site in opened.itertuples():
        if site.tier_kind != "spoke":
            assert _label_visible(page, site.site_id), site.name
    for site in opened[opened["tier_kind"] == "spoke"].itertuples():
        page.evaluate("([lat, lon]) => { window.hubplan.map.setView([lat, lon], 10.5, {animate: false}); }",
                      [site.geometry.y, site.geometry.x])
        assert _label_visible(page, site.site_id), site.name
    page.evaluate("() => { window.hubplan.fit(); }")

    # hovering a hub shows its plain-English popup
    hub = opened[opened["tier_kind"] == "hub"].iloc[0]
    page.evaluate("id => { window.hubplan.labelled.find(m => m.hpSite.id === id).fire('mouseover'); }", hub.site_id)
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert popup.startswith(hub["name"]) and "Hub for" in popup and re.search(r"\d+ people; journeys", popup)
    page.evaluate("() => { window.hubplan.map.closePopup(); }")

    # isolated areas are hatched on the map in every view
    isolated = gpd.read_file(folder / "home_areas.geojson")["isolated"].sum()
    hatched = "() => document.querySelectorAll('.leaflet-hp-isolated-pane path[fill=\"url(#hp-hatch)\"]').length"
    if scenario == "specialist":
        assert isolated > 0
    assert page.evaluate(hatched) == isolated
    for radio in page.locator("input[name=hp-view]").all():
        if size == "phone" and not radio.is_visible():
            page.click("#hp-legend-toggle")
        radio.check()
        assert page.evaluate(hatched) == isolated
    if scenario == "specialist":
        page.locator("input[name=hp-view][value=specialist]").check()
        fills = page.evaluate("() => [...document.querySelectorAll('.leaflet-hp-areas-pane path')]"
                              ".map(p => p.getAttribute('fill'))")
        assert "#fc8d59" in fills or "#d73027" in fills  # journeys over 45 minutes show in warm colours
        page.screenshot(path=str(SCREENSHOTS / f"{scenario}-{size}-specialist-view.png"))
    page.close()
