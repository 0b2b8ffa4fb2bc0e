"""Reproducibility (issue 6): the same scenario run twice gives byte-identical outputs.

Every file of the two run folders is compared byte for byte, except
``manifest.json``, where every key is compared except the creation time and the
stage and solver timings.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

TIMING_KEYS = {"created_utc", "seconds", "wall_seconds", "solve_seconds", "build_seconds"}
"""Manifest keys (at any depth) that record when or how long, not what."""


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


STAMPED_TABLES = ('INSERT INTO "gpkg_contents"', 'INSERT INTO "gpkg_metadata_reference"')
"""GeoPackage tables whose rows carry a write time (last_change, timestamp)."""
GPKG_STAMP = re.compile(r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z'")


def _gpkg_dump(path: Path) -> list[str]:
    """Every SQL statement of a GeoPackage, with the write-time stamps GDAL adds blanked."""
    with sqlite3.connect(path) as connection:
        return [
            GPKG_STAMP.sub("'<last_change>'", line) if line.startswith(STAMPED_TABLES) else line
            for line in connection.iterdump()
        ]


@pytest.fixture(scope="module")
def two_runs(cli, tmp_path_factory: pytest.TempPathFactory, study_path: Path) -> tuple[Path, Path]:
    """The scenario with one hub per locality, run twice into separate folders."""
    scenario = SCENARIOS / "hub-per-locality.toml"
    root = tmp_path_factory.mktemp("reproducible")
    return cli.make_run(scenario, study_path, root / "a"), cli.make_run(scenario, study_path, root / "b")


@pytest.mark.slow
def test_two_runs_are_identical(cli, two_runs: tuple[Path, Path]) -> None:
    """Layers, maps, report and metrics are byte-identical; the manifest differs only in timings."""
    first, second = two_runs
    digests_a, digests_b = cli.file_digests(first), cli.file_digests(second)
    assert sorted(digests_a) == sorted(digests_b)
    assert {"metrics.json", "sites.geojson", "layers.gpkg", "map.html", "report.md"} <= set(digests_a)
    skip = {"manifest.json", "layers.gpkg"}  # the GeoPackage is compared by content below
    differing = sorted(f for f in digests_a if f not in skip and digests_a[f] != digests_b[f])
    assert not differing, f"files differ between two runs: {differing}"
    manifest_a = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    manifest_b = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert "created_utc" in manifest_a and "seconds" in manifest_a
    assert _without_timings(manifest_a) == _without_timings(manifest_b)
    assert manifest_a["solver"]["status"] == "optimal"
    assert _gpkg_dump(first / "layers.gpkg") == _gpkg_dump(second / "layers.gpkg")


@pytest.mark.slow
def test_geopackage_bytes_are_identical(two_runs: tuple[Path, Path]) -> None:
    """layers.gpkg should be byte-identical too, like every other layer."""
    first, second = two_runs
    assert (first / "layers.gpkg").read_bytes() == (second / "layers.gpkg").read_bytes()
