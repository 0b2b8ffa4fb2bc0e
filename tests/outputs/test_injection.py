"""Issue 12: user text in the HTML outputs is shown, never run (headless Chromium via Playwright).

One real run of a scenario whose every free-text field carries script payloads (title,
``[[sites.add]]`` name and operator, a segment label, ``metrics.co2e_source`` and the
scenario's file name), then a comparison of two copies of it under hostile run names
and a hostile locality key. Each page is opened in Chromium; the map's tooltips are
all hovered and its popups all opened. A payload that runs sets ``window.__pwned``
(or opens a dialog); the test also checks that the text reaches the reader literally.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from hubplan.api import run_scenario, write_outputs
from hubplan.outputs import compare

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]
pytest.importorskip("playwright.sync_api")  # the whole module drives a browser

IMG = '<img src=x onerror="window.__pwned=1">'
"""A payload without a slash: it fits in a file or folder name."""
SCRIPT = "</script><script>window.__pwned=1</script>"
LINK = "[click me](javascript:window.__pwned=1)"

TEXT = {
    "title": f"Title {IMG} {SCRIPT} {LINK} *not bold* `tick` $x^2$ &lt;kept&gt;",
    "site": f"Site {IMG} & <b>co</b> {LINK}",
    "operator": f"Operator <svg onload=window.__pwned=1></svg> {SCRIPT}",
    "label": f"Label {IMG} <javascript:window.__pwned=1>",
    "co2e_source": f"Source {SCRIPT} {IMG} _under_ &amp;",
}
"""Every free-text field of the scenario, each with payloads and Markdown syntax."""
SCENARIO_FILE = f"scenario {IMG}.toml"
RUN_NAMES = (f"run {IMG}", "=1+2 run")
AREA = f"Area {IMG}"


OPEN_EVERY_DETAIL = """() => {
    const hp = window.hubplan;
    const groups = [hp.areas, hp.catchments, hp.sites.open, hp.sites.closed, hp.sites.not_selected];
    const seen = {tooltips: [], popups: []};
    for (const group of groups) {
        hp.map.addLayer(group);  // layers hidden by default too
        group.eachLayer(layer => {
            const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
            const tip = layer.getTooltip();
            if (tip) {
                layer.openTooltip(at);
                if (tip.isOpen()) seen.tooltips.push(tip.getElement().innerText);
            }
            layer.fire('click', {latlng: at}, true);
            const popup = layer.getPopup();
            if (popup && popup.isOpen()) seen.popups.push(popup.getElement().innerText);
            hp.map.closePopup();
        });
    }
    return seen;
}"""


def _scenario(folder: Path) -> Path:
    data: dict[str, Any] = {
        "name": "hostile",
        "title": TEXT["title"],
        "demand": {"method": "estimate", "segments": [
            {"name": "older_people", "label": TEXT["label"], "share": 0.3, "weight": "pop_65_plus"},
            {"name": "others", "label": "Others", "share": 0.7, "weight": "pop_disabled"},
        ]},
        "travel": {"model": "calibrated"},
        "sites": {
            "roles": [{"role": "required", "kind": "day_centre", "operator": "Care Dorset"},
                      {"role": "required", "ids": ["hostile-site"]}],
            "add": [{"id": "hostile-site", "name": TEXT["site"], "operator": TEXT["operator"],
                     "lat": 50.715, "lon": -2.437}],
        },
        "tiers": {"hub": {"mode": "assign"}},
        "constraints": {"within_locality": False},
        "metrics": {"co2e_source": TEXT["co2e_source"]},
    }
    path = folder / SCENARIO_FILE
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pages(study_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html, map.html and easy_read.html of the hostile run, and comparison.html of two copies of it."""
    tmp = tmp_path_factory.mktemp("hostile")
    record = run_scenario(_scenario(tmp), study_path=study_path)
    run = write_outputs(record, tmp / "outputs")[0]
    first, second = (shutil.copytree(run, tmp / "runs" / name) for name in RUN_NAMES)
    metrics = json.loads((second / "metrics.json").read_text(encoding="utf-8"))
    metrics["localities"][AREA] = metrics["localities"].popitem()[1]
    (second / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    sites = json.loads((second / "sites.geojson").read_text(encoding="utf-8"))
    for feature in sites["features"]:
        if feature["properties"]["site_id"] == "hostile-site":
            feature["properties"]["status"] = "closed"  # the comparison names it as closing
    (second / "sites.geojson").write_text(json.dumps(sites), encoding="utf-8")
    compare([first, second], out_dir=tmp / "comparison")
    return {"report": run / "report.html", "map": run / "map.html", "easy_read": run / "easy_read.html",
            "comparison": tmp / "comparison" / "comparison.html"}


def _open(browser: Any, page_path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.route("http*://**", lambda route: route.abort())  # offline: no tiles, no beacons
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    return page, dialogs


def _assert_nothing_ran(page: Any, dialogs: list[str]) -> None:
    page.wait_for_timeout(200)  # let onerror/onload handlers of broken images fire
    assert page.evaluate("() => window.__pwned") is None, "a payload ran"
    assert not dialogs, dialogs
    assert not page.evaluate("() => [...document.scripts].some(s => s.text.trim() === 'window.__pwned=1')")
    assert not page.evaluate("() => document.querySelectorAll('[onerror],[onload]').length")
    hrefs = page.evaluate("() => [...document.querySelectorAll('[href],[src]')]"
                          ".map(e => e.getAttribute('href') || e.getAttribute('src'))")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:text"))]


def test_report_shows_payloads_as_text(browser: Any, pages: dict[str, Path]) -> None:
    page, dialogs = _open(browser, pages["report"])
    _assert_nothing_ran(page, dialogs)
    shown = page.evaluate("() => document.body.innerText")
    for field in ("title", "site", "label", "co2e_source"):
        assert TEXT[field] in shown, f"{field} is not shown literally"
    assert SCENARIO_FILE in shown
    assert page.title() == TEXT["title"]
    page.screenshot(path=str(pages["report"].with_name("report-shot.png")), full_page=False)
    page.close()


def test_map_tooltips_and_popups_show_payloads_as_text(browser: Any, pages: dict[str, Path]) -> None:
    page, dialogs = _open(browser, pages["map"])
    seen = page.evaluate(OPEN_EVERY_DETAIL)
    assert len(seen["tooltips"]) > 223 and len(seen["popups"]) > 223  # every home area, site, locality
    _assert_nothing_ran(page, dialogs)
    assert TEXT["site"] in seen["tooltips"]  # the site's own label
    assert seen["tooltips"].count(f"Catchment of {TEXT['site']}") == 1  # its catchment's tooltip
    popup = next(p for p in seen["popups"] if p.startswith(f"{TEXT['site']}\n"))
    assert TEXT["operator"] in popup
    assert TEXT["title"] in page.evaluate("() => document.body.innerText")
    page.screenshot(path=str(pages["map"].with_name("map-shot.png")))
    page.close()


def test_easy_read_shows_payloads_as_text(browser: Any, pages: dict[str, Path]) -> None:
    page, dialogs = _open(browser, pages["easy_read"])
    _assert_nothing_ran(page, dialogs)
    shown = page.evaluate("() => document.body.innerText")
    assert TEXT["title"] in shown
    assert f"{TEXT['site']} will open." in shown  # an added site is new to day services
    assert page.title() == f"{TEXT['title']}: Easy Read"
    page.close()


def test_comparison_shows_payloads_as_text(browser: Any, pages: dict[str, Path]) -> None:
    page, dialogs = _open(browser, pages["comparison"])
    _assert_nothing_ran(page, dialogs)
    shown = page.evaluate("() => document.body.innerText")
    for text in (*RUN_NAMES, AREA, TEXT["site"]):
        assert text in shown
    page.close()
