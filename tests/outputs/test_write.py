"""write_run on real Dorset data: files, RFC 7946 layers, GDAL read-back, determinism, atomicity."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from shapely.geometry import shape

from hubplan.api import write_outputs
from hubplan.errors import DataError, InputError
from hubplan.files.atomic import MARKER, remove_stale_siblings
from hubplan.files.marker import SCRATCH
from hubplan.outputs import OUTPUT_FILES
from hubplan.outputs.layers import LAYER_NAMES

OGRINFO = shutil.which("ogrinfo")
DORSET_BBOX = (-3.0, 50.5, -1.7, 51.1)  # generous box around the Dorset Council area


@pytest.fixture(scope="module")
def hubs_record(make_record):
    return make_record(name="hubs_only", spokes=0)


@pytest.fixture(scope="module")
def written(hubs_record, tmp_path_factory) -> Path:
    return write_outputs(hubs_record, tmp_path_factory.mktemp("out"))[0]


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def test_every_output_file_is_written_and_no_temp_left(written: Path) -> None:
    assert sorted(p.name for p in written.iterdir()) == sorted([*OUTPUT_FILES, MARKER])
    assert json.loads((written / MARKER).read_text()) == {"written_by": "hubplan", "kind": "run",
                                                          "files": sorted(OUTPUT_FILES)}
    assert [p.name for p in written.parent.iterdir()] == ["hubs_only"]


@pytest.mark.parametrize("layer", LAYER_NAMES)
def test_geojson_layers_follow_rfc7946(record_constants, written: Path, layer: str) -> None:
    doc = json.loads((written / f"{layer}.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert doc["attribution"] == list(record_constants.attributions)
    assert doc["features"], layer
    for feature in doc["features"]:
        assert set(feature) == {"type", "properties", "geometry"}
        geom = shape(feature["geometry"])
        assert geom.is_valid, (layer, feature["properties"])
        minx, miny, maxx, maxy = geom.bounds
        assert DORSET_BBOX[0] <= minx <= maxx <= DORSET_BBOX[2]
        assert DORSET_BBOX[1] <= miny <= maxy <= DORSET_BBOX[3]
        for x, y in _all_coords(feature["geometry"]["coordinates"]):
            assert round(x, 6) == x and round(y, 6) == y
        polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
        for poly in (p for p in polys if p.geom_type == "Polygon"):
            assert poly.exterior.is_ccw, "exterior rings must be counter-clockwise"
            assert all(not ring.is_ccw for ring in poly.interiors), "holes must be clockwise"


def _all_coords(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
        return
    for item in coords:
        yield from _all_coords(item)


def test_layers_hold_the_run(record_constants, written: Path, hubs_record) -> None:
    sites = {f["properties"]["site_id"]: f["properties"] for f in _features(written / "sites.geojson")}
    assert len(sites) == len(hubs_record.sites) == 42  # 11 Care Dorset centres + 31 libraries
    assert sites["care-ridgeway-centre"]["status"] == "closed"
    assert sum(p["status"] == "open" for p in sites.values()) == 10
    homes = _features(written / "home_areas.geojson")
    assert len(homes) == 223  # LSOA 2021 in Dorset Council (geo/MANIFEST.md)
    assert sum(f["properties"]["attendees"] for f in homes) == pytest.approx(record_constants.total_attendees, abs=0.5)
    assert all("postcode" not in f["properties"] for f in homes)
    # allocation lines run from the area's population point to its site
    points = dict(zip(hubs_record.area_points["area_id"], hubs_record.area_points.geometry, strict=True))
    site_pts = dict(zip(hubs_record.sites["site_id"], hubs_record.sites.geometry, strict=True))
    lines = _features(written / "allocations.geojson")
    assert len(lines) == 223
    for f in lines[:25]:
        (x0, y0), (x1, y1) = f["geometry"]["coordinates"]
        start, end = points[f["properties"]["area_id"]], site_pts[f["properties"]["site_id"]]
        assert (x0, y0) == pytest.approx((start.x, start.y), abs=1e-6)
        assert (x1, y1) == pytest.approx((end.x, end.y), abs=1e-6)
    # every home area lies in exactly one hub catchment; catchment totals add up
    catch = _features(written / "catchments.geojson")
    assert len(catch) == 10
    assert sum(f["properties"]["n_areas"] for f in catch) == 223
    assert sum(f["properties"]["attendees"] for f in catch) == pytest.approx(record_constants.total_attendees, abs=0.5)
    dorchester = next(f for f in catch if f["properties"]["site_id"] == "care-dorchester-connect")
    # Weymouth has no open hub (Ridgeway closed), so Dorchester's catchment reaches Weymouth
    assert shape(dorchester["geometry"]).contains(
        shape({"type": "Point", "coordinates": [-2.4565, 50.6140]})
    )


def test_metrics_and_manifest_json(record_constants, written: Path, hubs_record) -> None:
    metrics = json.loads((written / "metrics.json").read_text())
    assert metrics["overall"]["mean_minutes"] == pytest.approx(hubs_record.metrics["overall"]["mean_minutes"])
    assert metrics["overall"]["sites_open"] == 10
    assert metrics["overall"]["suppressed"] == []
    assert metrics["suppress_below"] is None
    text = (written / "manifest.json").read_text()
    manifest = json.loads(text)
    assert list(manifest) == sorted(manifest)
    assert manifest["attributions"] == list(record_constants.attributions)
    assert manifest["solver"]["status"] == "feasible"


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo not installed (Debian gdal-bin)")
def test_gdal_ogrinfo_reads_every_layer(written: Path) -> None:
    for layer in LAYER_NAMES:
        n = len(_features(written / f"{layer}.geojson"))
        out = subprocess.run([OGRINFO, "-ro", "-so", "-al", str(written / f"{layer}.geojson")],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        assert f"Feature Count: {n}" in out, layer
    out = subprocess.run([OGRINFO, "-ro", "-so", "-al", str(written / "layers.gpkg")],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    for layer in LAYER_NAMES:
        assert f"Layer name: {layer}" in out
    assert out.count("attribution=Contains OS data") == len(LAYER_NAMES)


def test_report_names_sites_and_does_not_claim_optimality(record_constants, written: Path) -> None:
    report = (written / "report.md").read_text()
    for name in ("East Dorset", "North Dorset", "Purbeck", "West Dorset", "Weymouth and Portland"):
        assert name in report
    closes = report.split("### Existing buildings that close (1)")[1].split("###")[0]
    assert "Ridgeway Centre" in closes
    assert "optimal" not in report.lower() and "proven best" not in report.lower()
    assert "**Best plan found within the time limit.**" in report
    assert "4.6" in report  # the travel model's error, from the manifest
    assert "![" in report and "map_journeys.png" in report
    page = (written / "report.html").read_text()
    assert "<table>" in page and 'src="map_sites.png"' in page and "<style>" in page
    assert all(a.split(";")[0] in page for a in record_constants.attributions)


def test_report_says_optimal_only_when_proven(make_record, tmp_path: Path) -> None:
    record = make_record(name="proven", spokes=0, solver_status="optimal")
    report = (write_outputs(record, tmp_path)[0] / "report.md").read_text()
    assert "**Proven best plan.** The solver proved that no plan meeting the scenario's rules scores better" in report


def test_rerun_is_byte_identical(written: Path, hubs_record, tmp_path: Path) -> None:
    again = write_outputs(hubs_record, tmp_path)[0]
    for name in OUTPUT_FILES:
        if name == "layers.gpkg":  # SQLite stores a write timestamp; compared by ogrinfo above
            continue
        assert (again / name).read_bytes() == (written / name).read_bytes(), name


def test_failure_mid_write_keeps_previous_run(hubs_record, tmp_path: Path) -> None:
    first = write_outputs(hubs_record, tmp_path)[0]
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    # a manifest value JSON cannot hold: fails after the layers were written into the temp folder
    broken = replace(hubs_record, manifest=replace(hubs_record.manifest, demand={"bad": object()}))
    with pytest.raises(TypeError):
        write_outputs(broken, tmp_path)[0]
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["hubs_only"]


def test_missing_column_is_a_data_error(hubs_record, tmp_path: Path) -> None:
    broken = replace(hubs_record, home_areas=hubs_record.home_areas.drop(columns=["minutes_to_site"]))
    with pytest.raises(DataError, match=r"home_areas.*minutes_to_site"):
        write_outputs(broken, tmp_path)[0]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder_is_an_input_error(hubs_record, tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(InputError, match=r"not_a_folder: --out: cannot create.*; fix: choose a writable"):
        write_outputs(hubs_record, blocker)[0]


def test_unsafe_run_name_is_an_input_error(hubs_record, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"name: '\.\./escape' cannot be used"):
        write_outputs(replace(hubs_record, name="../escape"), tmp_path)[0]


UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b")


def test_no_postcodes_in_any_text_output(written: Path) -> None:
    for name in OUTPUT_FILES:
        if name.endswith((".png", ".gpkg")):
            continue
        text = (written / name).read_text(encoding="utf-8")
        if name == "map.html":  # skip the inlined Leaflet library itself
            text = text.split("</script>", 1)[1]
        assert not UK_POSTCODE.search(text), (name, UK_POSTCODE.search(text))


def test_stale_folders_of_killed_runs_are_swept_but_live_ones_kept(tmp_path: Path) -> None:
    """Only temporary folders hubplan marked, whose process has gone, are removed, and only this target's.

    A folder merely named like a leftover (the user's own, or one whose mark names another
    process) is never removed: the name is a pattern a user can also write.
    """
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead, alive = gone.pid, os.getpid()
    marked = {f".run.tmp-{dead}-abc": dead, f".run.old-{dead}-def": dead, f".run.tmp-{alive}-ghi": alive,
              ".run.tmp-legacy": dead, f".other.tmp-{dead}-jkl": dead, f".run.tmp-{dead}-xyz": alive}
    unmarked = [f".run.tmp-{dead}-mine", f".run.old-{dead}-photos"]
    for name in [*marked, *unmarked]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "partial.geojson").write_text("{")
    for name, pid in marked.items():
        (tmp_path / name / SCRATCH).write_text(json.dumps({"written_by": "hubplan", "pid": pid}))
    removed = remove_stale_siblings(tmp_path / "run")
    assert sorted(p.name for p in removed) == sorted(list(marked)[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*list(marked)[2:], *unmarked])
