"""Issue 14: the Easy Read summary, in headless Chromium at desktop and phone sizes.

Every locality has a section; body text is at least 20 px; every point has its picture
beside it; nothing overflows sideways on a phone. Counts are the protected ones, said
as round numbers.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hubplan.api import publish, write_outputs
from hubplan.outputs.easy_read import about_people, easy_read_html
from hubplan.outputs.layers import public_layers
from hubplan.outputs.privacy import protect, suppress_metrics
from hubplan.record.run import RunRecord

VIEWPORTS = {"desktop": (1400, 1000), "phone": (412, 915)}

MEASURE = """() => {
    const points = [...document.querySelectorAll('.er-point')].map(li => {
        const picture = li.querySelector(':scope > svg.er-icon').getBoundingClientRect();
        const words = li.querySelector(':scope > .er-words').getBoundingClientRect();
        return {picture: [picture.left, picture.right, picture.top, picture.bottom, picture.width],
                words: [words.left, words.right, words.top, words.bottom]};
    });
    const sizes = [...document.querySelectorAll('.er-words p')].map(p => parseFloat(getComputedStyle(p).fontSize));
    const sections = [...document.querySelectorAll('section.er-locality')].map(s => s.querySelector('h2').innerText);
    const wide = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
                                                                    > window.innerWidth + 0.5).length;
    return {points, sizes, sections, wide, scroll: document.documentElement.scrollWidth, width: window.innerWidth};
}"""


def test_counts_are_round_and_protected(make_record) -> None:
    record = make_record(name="easy", integer_counts=True, suppress_below=5)
    protected = protect(record)
    metrics = suppress_metrics(protected.metrics, protected.suppress_below)
    page = easy_read_html(publish(record), public_layers(publish(protected)))
    for name, block in metrics["localities"].items():
        said = about_people(block["attendees"], "attendees" in block["suppressed"], 5)
        assert f"{said[:1].upper() + said[1:]} from {name} use day services." in page
    assert about_people(87.0, False, 5) == "about 90 people"


def test_names_are_escaped(make_record) -> None:
    record = make_record(name="easy")
    sites = record.sites.copy()
    sites.loc[sites["status"] == "open", "name"] = "<b>Hub</b> & co"
    hostile = replace(record, sites=sites)
    page = easy_read_html(publish(hostile), public_layers(publish(hostile)))
    assert "<b>Hub</b>" not in page and "&lt;b&gt;Hub&lt;/b&gt; &amp; co will stay open." in page


@pytest.fixture(scope="module")
def easy_run(make_record, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunRecord, Path]:
    """A record with spokes and hidden small counts, and its easy-read page written once for both viewports."""
    record = make_record(name="easy", spokes=4, seed=2, integer_counts=True, suppress_below=5)
    return record, write_outputs(record, tmp_path_factory.mktemp("easy"))[0] / "easy_read.html"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_easy_read_page_in_chromium(browser: Any, easy_run: tuple[RunRecord, Path], tmp_path: Path,
                                    viewport: str) -> None:
    record, page_path = easy_run
    width, height = VIEWPORTS[viewport]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route("http*://**", lambda route: route.abort())
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    seen: dict[str, Any] = page.evaluate(MEASURE)
    page.screenshot(path=str(tmp_path / f"easy_read-{viewport}.png"), full_page=True)
    page.close()
    assert seen["sections"] == list(record.localities["locality"])
    assert len(seen["points"]) >= 6 * len(seen["sections"])
    assert min(seen["sizes"]) >= 20, seen["sizes"]
    for point in seen["points"]:
        (_, p_right, p_top, p_bottom, p_width), (w_left, _, w_top, w_bottom) = point["picture"], point["words"]
        assert p_width >= 48  # a picture, not a dot
        assert p_right <= w_left  # beside the words, on their left
        assert p_top < w_bottom and w_top < p_bottom  # at the same height
    assert seen["scroll"] <= seen["width"] and seen["wide"] == 0, seen
