"""The workshop page in Debian's headless Chromium against a real server on 127.0.0.1.

The server is started and stopped by the test (a uvicorn thread on a free port). A click
on a building changes the indicators and the home areas' colours, and the figures shown
agree with the JSON API; undo brings them back; a script in a plan's name stays text.
Screenshots go to the test's temporary folder (``SERVE_SHOTS`` keeps them elsewhere).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1400, 1000), "phone": (412, 915)}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VERWOOD = "CD-VERWOOD-CONNECT"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.skip("chromium not installed (Debian package chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=found, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(workshop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from hubplan.serve.server import BackgroundServer

    with BackgroundServer(workshop, tmp_path_factory.mktemp("serve-out")) as url:
        yield url


def _open(chromium: Any, url: str, size: str) -> tuple[Any, Any, list[str]]:
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.route("https://**", lambda route: route.abort())  # offline: no tiles
    page.goto(url, wait_until="load")
    page.wait_for_selector("body[data-ready='true']", timeout=20_000)
    return context, page, errors


def _fills(page: Any) -> list[str]:
    return page.eval_on_selector_all("#map path.leaflet-interactive[fill-opacity='0.55']",
                                     "els => els.map(e => e.getAttribute('fill'))")


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SERVE_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_click_a_building_changes_the_indicators_and_colours(chromium, server: str, size: str,
                                                             tmp_path: Path) -> None:
    context, page, errors = _open(chromium, server, size)
    try:
        mean = page.locator("#hp-mean .hp-card-value")
        before_mean, before_fills = mean.inner_text(), _fills(page)
        assert before_mean.endswith("min") and len(before_fills) > 200
        _shot(page, tmp_path, f"serve-{size}-start")
        page.locator(f"[data-site='{VERWOOD}']").click()
        page.wait_for_selector(f"[data-site='{VERWOOD}'][data-role='hub']")
        page.wait_for_function("m => document.querySelector('#hp-mean .hp-card-value').textContent !== m",
                               arg=before_mean)
        api = context.request.get(f"{server}/api/plan").json()  # the same session's cookie
        assert api["roles"][VERWOOD] == "hub"
        shown = api["indicators"]["overall"]["mean_minutes"]
        assert mean.inner_text() == f"{shown:,g} min"
        assert _fills(page) != before_fills
        _shot(page, tmp_path, f"serve-{size}-clicked")
        page.locator("#hp-undo").click()
        page.wait_for_function("m => document.querySelector('#hp-mean .hp-card-value').textContent === m",
                               arg=before_mean)
        assert _fills(page) == before_fills
        page.locator("#hp-easy").click()
        assert page.locator("#hp-easyread").is_visible()
        assert "minutes" in page.locator("#hp-easyread").inner_text()
        _shot(page, tmp_path, f"serve-{size}-easy-read")
        assert not errors, errors
    finally:
        context.close()


def test_a_script_in_a_plan_name_stays_inert(chromium, server: str) -> None:
    context, page, errors = _open(chromium, server, "desktop")
    try:
        payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
        page.locator("#hp-keep summary").click()
        page.locator("#hp-history-name").fill(payload)
        page.locator("#hp-history-form button").click()
        page.wait_for_selector("#hp-history li")
        assert payload in page.locator("#hp-history li").first.inner_text()
        assert page.locator("#hp-history img").count() == 0
        page.wait_for_timeout(200)
        assert not errors, errors
    finally:
        context.close()


def test_a_plan_without_a_hub_shows_its_reason(chromium, server: str) -> None:
    context, page, errors = _open(chromium, server, "phone")
    try:
        page.locator("[data-site='CD-WAREHAM-PLUS']").click()
        page.wait_for_selector("#hp-reason:not([hidden])")
        text = page.locator("#hp-reason").inner_text()
        assert "Purbeck has no hub" in text or "No building hosts" in text
        assert not errors, errors
    finally:
        context.close()


def test_move_a_specialist_service_to_another_building(chromium, server: str, tmp_path: Path) -> None:
    context, page, errors = _open(chromium, server, "desktop")
    try:
        page.locator(f"[data-site='{VERWOOD}']").click()  # closed -> hub, and its popup opens
        page.wait_for_selector(f"[data-site='{VERWOOD}'][data-role='hub']")
        move = page.locator(".hp-move", has_text="complex learning-disability")
        assert "from Dorchester Connect" in move.inner_text()
        _shot(page, tmp_path, "serve-desktop-move")
        move.click()
        page.wait_for_selector(f"[data-site='{VERWOOD}'][data-role='hub+specialist:specialist_ld']")
        roles = context.request.get(f"{server}/api/plan").json()["roles"]
        assert roles[VERWOOD] == "hub+specialist:specialist_ld"
        assert roles["CD-DORCHESTER-CONNECT"] == "hub"
        assert [s for s, r in roles.items() if "specialist_ld" in r] == [VERWOOD]
        assert not errors, errors
    finally:
        context.close()


def test_find_the_best_plan_from_here_and_use_it(chromium, server: str, tmp_path: Path) -> None:
    context, page, errors = _open(chromium, server, "desktop")
    try:
        page.locator(f"[data-site='{VERWOOD}']").click()
        page.wait_for_selector(f"[data-site='{VERWOOD}'][data-role='hub']")
        page.locator("#hp-best").click()
        page.wait_for_selector("#hp-search:not([hidden])")
        page.wait_for_selector("#hp-adopt, #hp-search >> text=already that plan", timeout=120_000)
        text = page.locator("#hp-search").inner_text()
        assert "keeps the open buildings" in text and "this plan:" in text
        _shot(page, tmp_path, "serve-desktop-best")
        if page.locator("#hp-adopt").count():
            page.locator("#hp-adopt").click()
            page.wait_for_selector("#hp-search >> text=already that plan")
        roles = context.request.get(f"{server}/api/plan").json()["roles"]
        assert roles[VERWOOD] != "closed"  # the table's choice was kept
        assert not errors, errors
    finally:
        context.close()
