"""``hubplan travel`` and ``hubplan network`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hubplan.cli import main
from hubplan.points import Points
from hubplan.travel import travel_matrix
from hubplan.travel.calibrated import PARAMETERS_FILE


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def _csv(path: Path, rows: list[tuple[str, float, float]]) -> Path:
    pd.DataFrame(rows, columns=["id", "lat", "lon"]).to_csv(path, index=False)
    return path


def test_travel_matrix_calibrated(runner: CliRunner, tmp_path: Path) -> None:
    o = _csv(tmp_path / "o.csv", [("A", 50.7154, -2.4366), ("B", 50.6139, -2.4571)])
    d = _csv(tmp_path / "d.csv", [("S1", 50.8560, -2.1649), ("S2", 50.7154, -2.4366)])
    out = tmp_path / "out" / "m.csv"
    result = runner.invoke(
        main, ["travel", "matrix", "--origins", str(o), "--destinations", str(d), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "cross-validated MAE" in result.output
    table = pd.read_csv(out, dtype={"origin_id": str, "destination_id": str})
    assert list(table.columns) == ["origin_id", "destination_id", "minutes", "km"]
    expected = travel_matrix(
        Points(("A", "B"), np.array([-2.4366, -2.4571]), np.array([50.7154, 50.6139])),
        Points(("S1", "S2"), np.array([-2.1649, -2.4366]), np.array([50.8560, 50.7154])),
    )
    np.testing.assert_allclose(table["minutes"].to_numpy(), expected.minutes.ravel(), atol=1e-3)
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left no temp file


def test_travel_matrix_osm_with_cache(runner: CliRunner, tmp_path: Path, source_dir: Path) -> None:
    network = source_dir / "roads" / "fixtures" / "West-Oakland.osm.bz2"
    o = _csv(tmp_path / "o.csv", [("A", 37.8100, -122.3000), ("B", 37.8150, -122.2950)])
    d = _csv(tmp_path / "d.csv", [("S", 37.8080, -122.3050)])
    args = [
        "travel",
        "matrix",
        "--origins",
        str(o),
        "--destinations",
        str(d),
        "--model",
        "osm",
        "--network",
        str(network),
        "--cache-dir",
        str(tmp_path / "c"),
        "--out",
        str(tmp_path / "m.csv"),
    ]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "cache hit: False" in first.output
    second = runner.invoke(main, args)
    assert "cache hit: True" in second.output
    table = pd.read_csv(tmp_path / "m.csv")
    assert len(table) == 2 and (table["minutes"] > 0).all() and np.isfinite(table["km"]).all()


def _matrix_args(points: Path, out: Path, *extra: str) -> list[str]:
    """Arguments of `hubplan travel matrix` from one points file to itself."""
    return ["travel", "matrix", "--origins", str(points), "--destinations", str(points), *extra, "--out", str(out)]


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        ([("A", -2.4366, 50.7154)], "lat and lon look swapped"),
        ([("A", 95.0, -2.4)], "lat: 1 points out of range"),
        ([("A", 50.7, -2.4), ("A", 50.8, -2.3)], "id: duplicate ids A"),
    ],
)
def test_travel_matrix_bad_points(
    runner: CliRunner, tmp_path: Path, rows: list, pattern: str
) -> None:
    o = _csv(tmp_path / "o.csv", rows)
    result = runner.invoke(main, _matrix_args(o, tmp_path / "m.csv"))
    assert result.exit_code == 2
    assert result.output.startswith("hubplan: error: ")
    assert pattern in result.output
    assert not (tmp_path / "m.csv").exists()


def test_travel_matrix_missing_columns_and_network(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "o.csv"
    bad.write_text("name,lat,lon\nA,50.7,-2.4\n")
    result = runner.invoke(main, _matrix_args(bad, tmp_path / "m.csv"))
    assert result.exit_code == 2 and "id: missing column; fix: give a header row with id,lat,lon" in result.output
    o = _csv(tmp_path / "p.csv", [("A", 50.7, -2.4)])
    result = runner.invoke(main, _matrix_args(o, tmp_path / "m.csv", "--model", "osm"))
    assert (
        result.exit_code == 2
        and "travel.network: the osm model needs a road network" in result.output
    )


def test_travel_calibrate_writes_the_committed_parameters(
    runner: CliRunner, tmp_path: Path, source_dir: Path
) -> None:
    out = tmp_path / "calibration.json"
    result = runner.invoke(
        main, ["travel", "calibrate", "--source", str(source_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "cross-validated MAE" in result.output and "legs of bus rounds: log" in result.output
    written = json.loads(out.read_text())
    committed = json.loads(PARAMETERS_FILE.read_text())
    assert written == committed
    result = runner.invoke(
        main, ["travel", "calibrate", "--source", str(tmp_path), "--out", str(out)]
    )
    assert result.exit_code == 2 and "no roads/calibration" in result.output


def test_network_build(runner: CliRunner, tmp_path: Path, source_dir: Path) -> None:
    osm = source_dir / "roads" / "fixtures" / "West-Oakland.osm.bz2"
    out = tmp_path / "network-oakland.graphml.gz"
    result = runner.invoke(
        main,
        [
            "network",
            "build",
            "--osm",
            str(osm),
            "--out",
            str(out),
            "--speeds",
            "residential=25,primary=50",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "51 nodes, 110 edges" in result.output and out.is_file()
    bad = runner.invoke(
        main, ["network", "build", "--osm", str(osm), "--speeds", "residential=fast"]
    )
    assert bad.exit_code == 2 and "CLASS=KPH" in bad.output
    missing = runner.invoke(main, ["network", "build", "--osm", str(tmp_path / "none.osm")])
    assert missing.exit_code == 2 and "none.osm: --osm: network file" in missing.output


def test_network_fetch_unreachable_server_is_one_line(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import osmnx as ox

    # a real request to a closed local port: the same failure path as being offline
    monkeypatch.setattr(ox.settings, "nominatim_url", "http://127.0.0.1:9/")
    monkeypatch.setattr(ox.settings, "requests_timeout", 5)
    result = runner.invoke(
        main,
        [
            "network",
            "fetch",
            "--place",
            "Dorset, England",
            "--cache-dir",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "n.graphml.gz"),
        ],
    )
    assert result.exit_code == 2
    assert result.output.startswith("hubplan: error: --place: cannot download")
    assert "hubplan network build --osm FILE" in result.output
    assert len(result.output.strip().splitlines()) == 1
