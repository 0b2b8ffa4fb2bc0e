"""The web map opened in headless Chromium, offline: it must draw Dorset, not a blank page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from hubplan.api import publish
from hubplan.outputs.layers import public_layers
from hubplan.outputs.webmap import write_map


def _screenshot(chromium_path: str, page: Path, png: Path, profile: Path) -> np.ndarray:
    subprocess.run(
        [chromium_path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=1000,800",
         page.resolve().as_uri()],
        capture_output=True, timeout=120, check=True,
    )
    return mpimg.imread(png)[:, :, :3]


@pytest.mark.browser
@pytest.mark.slow
def test_map_draws_offline(chromium_path: str, make_record, tmp_path: Path) -> None:
    record = make_record(name="browser", spokes=6, seed=1)
    page = write_map(publish(record), public_layers(publish(record)), tmp_path / "map.html")
    pixels = _screenshot(chromium_path, page, tmp_path / "shot.png", tmp_path / "profile")
    assert pixels.shape[:2] == (800, 1000)
    flat = (pixels * 255).round().astype(np.uint8).reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[np.argmax(counts)]
    drawn = np.any(flat != background, axis=1).mean()
    assert len(colours) > 100, "a blank or single-colour page"
    assert drawn > 0.25, f"only {drawn:.0%} of the page differs from the background"
    # the home areas are filled with the journey-class greens (within 30 minutes everywhere here)
    green = (flat[:, 1].astype(int) - flat[:, 0].astype(int) > 40) & (flat[:, 1] > 120)
    assert green.mean() > 0.10


@pytest.mark.browser
@pytest.mark.slow
def test_page_without_data_is_blank_so_the_check_can_fail(chromium_path: str, tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body style='background:#eef3f7'></body></html>")
    flat = _screenshot(chromium_path, page, tmp_path / "shot.png", tmp_path / "profile").reshape(-1, 3)
    assert len(np.unique(flat, axis=0)) < 5
