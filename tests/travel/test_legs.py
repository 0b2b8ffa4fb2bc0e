"""Legs of bus rounds: zero at zero, fitted on the Dorset drive times, and the OSM path on Newport."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod, Transformer
from scipy.spatial import cKDTree

from hubplan.errors import DataError, InputError
from hubplan.points import Points
from hubplan.travel import ROUTE_FACTOR, crow_fly_km, travel_matrix
from hubplan.travel.base import RoadOptions
from hubplan.travel.calibrated import (
    PARAMETERS_FILE,
    find_calibration_csv,
    load_calibration_pairs,
    write_parameters,
)
from hubplan.travel.legs import (
    LEGS_KEY,
    SUPPORT_MIN_KM,
    LegMatrices,
    LegModel,
    calibrate_legs,
    calibrate_with_legs,
    leg_matrices,
    load_leg_parameters,
)
from hubplan.travel.osm import CONNECTOR_SPEED_KPH, RoadNetwork, osm_matrix
from hubplan.travel.roads import load_network

GEOD = Geod(ellps="WGS84")
# Measured on the shared data (seed 0), held out, 5-50 km: MAE 4.777, bias +0.004, p90 9.636 min
# (n 592); the calibrated single-trip model scores 4.73 on 0-50 km.
MAE_MAX_MIN = 5.0
BIAS_MAX_MIN = 0.5
DORCHESTER = (-2.4366, 50.7154)


@pytest.fixture(scope="module")
def refit(source_dir: Path) -> dict:
    return calibrate_with_legs(source_dir, seed=0)


@pytest.fixture(scope="module")
def model() -> LegModel:
    params = load_leg_parameters()
    return LegModel(params["form"], tuple(params["coefficients"]))


def _line(n: int, step_km: float, *, start: tuple[float, float] = DORCHESTER) -> Points:
    """``n`` points eastward from ``start``, ``step_km`` apart along a geodesic."""
    lon, lat = [start[0]], [start[1]]
    for _ in range(n - 1):
        x, y, _ = GEOD.fwd(lon[-1], lat[-1], 90.0, step_km * 1000.0)
        lon.append(x)
        lat.append(y)
    return Points(tuple(f"p{i}" for i in range(n)), np.array(lon), np.array(lat))


def test_committed_file_equals_a_refit_extended_to_legs(refit: dict) -> None:
    committed = json.loads(PARAMETERS_FILE.read_text())
    assert committed == json.loads(json.dumps(refit))
    assert LEGS_KEY in committed and committed[LEGS_KEY]["data"]["sha256"] == committed["data"]["sha256"]


def test_cross_validated_error_and_choice(refit: dict, source_dir: Path) -> None:
    legs = refit[LEGS_KEY]
    cv = legs["cross_validation"]
    assert cv["supported_range"]["mae_min"] <= MAE_MAX_MIN
    assert abs(cv["supported_range"]["bias_min"]) <= BIAS_MAX_MIN
    assert cv["supported_range"]["n"] > 500 and legs["n_below_supported_range"] == cv["by_band"][0]["n"]
    # no intercept, yet the long trips fit about as well as the calibrated model's 10-minute intercept
    assert cv["mae_min"] <= refit["cross_validation"]["mae_min"] + 0.1
    # the short door-to-door pairs are under-predicted: the leg leaves out their fixed part
    short = cv["by_band"][0]
    assert short["to_km"] == SUPPORT_MIN_KM and short["bias_min"] < -2.0
    chosen = next(c for c in legs["candidates"] if c["form"] == legs["form"])
    assert chosen["admissible"] and chosen["finite_speed_at_zero"]
    assert all(not c["admissible"] for c in legs["candidates"] if not c["finite_speed_at_zero"])
    other = calibrate_legs(source_dir, seed=7)
    assert other["form"] == legs["form"]
    assert abs(other["cross_validation"]["mae_min"] - cv["mae_min"]) < 0.2


def test_a_leg_of_zero_km_is_zero_minutes(model: LegModel) -> None:
    assert model.minutes(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    here = Points(("a", "b", "c"), np.array([-2.4366, -2.4366, -2.43]), np.array([50.7154, 50.7154, 50.72]))
    legs = leg_matrices(here)
    assert legs.minutes[0, 1] == 0.0 and legs.km[0, 1] == 0.0  # two people at one address
    assert np.diagonal(legs.minutes).tolist() == [0.0, 0.0, 0.0]
    assert 0.0 < legs.minutes[0, 2] < 5.0  # under a km: a few minutes, not the 10-minute intercept
    assert not legs.minutes.flags.writeable and legs.ids == ("a", "b", "c")


def test_legs_are_monotone_in_distance(model: LegModel) -> None:
    grid = np.linspace(0.0, 80.0, 8001)
    assert np.all(np.diff(model.minutes(grid)) > 0)
    # the implied road speed rises with distance: slower on short hops
    assert np.all(np.diff(model.road_kph(grid[1:])) > 0)
    assert model.road_kph_at_zero() == pytest.approx(load_leg_parameters()["speed_at_zero_road_kph"], abs=0.01)
    line = _line(12, 2.5)
    legs = leg_matrices(line)
    assert np.all(np.diff(legs.minutes[0]) > 0) and np.all(np.diff(legs.km[0]) > 0)
    np.testing.assert_allclose(legs.km, crow_fly_km(line, line) * ROUTE_FACTOR, rtol=1e-12)
    np.testing.assert_allclose(legs.minutes, legs.minutes.T, rtol=1e-9)


def test_a_chain_of_short_hops_costs_far_less_than_single_trips() -> None:
    line = _line(11, 1.0)  # ten 1 km hops
    legs = leg_matrices(line)
    single = travel_matrix(line, line, model="calibrated")
    hops = np.arange(10)
    leg_total = float(legs.minutes[hops, hops + 1].sum())
    single_total = float(single.minutes[hops, hops + 1].sum())
    # each calibrated trip carries the 10.15-minute fixed part: 10 x 11.1 min
    assert single_total == pytest.approx(111.0, abs=0.5)
    assert leg_total < 0.4 * single_total
    # stopping every km is not faster than one 10 km drive (the form is concave, zero at zero)
    assert legs.minutes[0, 10] < leg_total
    assert leg_total == pytest.approx(10 * 4.05, abs=0.2)  # the fitted 1 km hop (parameters file)


def test_the_fit_reproduces_the_longer_trips_within_its_stated_error(source_dir: Path) -> None:
    pairs, _ = load_calibration_pairs(find_calibration_csv(source_dir))
    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    homes = pairs.drop_duplicates("lsoa11cd")
    units = pairs.drop_duplicates("unit")
    h_lon, h_lat = to_wgs.transform(homes["lsoa_e"].to_numpy(float), homes["lsoa_n"].to_numpy(float))
    u_lon, u_lat = to_wgs.transform(units["unit_e"].to_numpy(float), units["unit_n"].to_numpy(float))
    points = Points(
        (*homes["lsoa11cd"], *units["unit"]), np.concatenate([h_lon, u_lon]), np.concatenate([h_lat, u_lat])
    )
    legs = leg_matrices(points)
    index = {pid: i for i, pid in enumerate(points.ids)}
    rows = pairs["lsoa11cd"].map(index).to_numpy()
    cols = pairs["unit"].map(index).to_numpy()
    resid = legs.minutes[rows, cols] - pairs["t_min"].to_numpy(float)
    d = pairs["d_geod_km"].to_numpy()
    np.testing.assert_allclose(legs.km[rows, cols], d * ROUTE_FACTOR, rtol=1e-6)
    stated = load_leg_parameters()["cross_validation"]
    lo, hi = load_leg_parameters()["supported_range_km"]
    supported = (d >= lo) & (d <= hi)
    assert np.mean(np.abs(resid[supported])) <= stated["supported_range"]["mae_min"]
    assert abs(np.mean(resid[supported])) < 0.2
    long_band = stated["by_band"][-1]
    longest = (d >= long_band["from_km"]) & (d <= long_band["to_km"])
    assert np.mean(np.abs(resid[longest])) <= long_band["mae_min"]
    assert abs(np.mean(resid[longest])) < 0.5


@pytest.fixture(scope="module")
def newport_file(source_dir: Path) -> Path:
    return source_dir / "roads" / "fixtures" / "newport-2023-06-13_drive.graphml.gz"


@pytest.fixture(scope="module")
def newport_net(newport_file: Path) -> RoadNetwork:
    return RoadNetwork.from_graph(load_network(newport_file))


def test_osm_legs_on_newport_are_fastest_paths(newport_file: Path, newport_net: RoadNetwork) -> None:
    main = np.flatnonzero(newport_net.main_component)
    idx = np.random.default_rng(3).choice(main, 25, replace=False)
    on_nodes = Points(tuple(f"n{i}" for i in idx), newport_net.lon[idx], newport_net.lat[idx])
    legs = leg_matrices(on_nodes, network=newport_file)
    tm = osm_matrix(on_nodes, on_nodes, network=newport_file)
    off = ~np.eye(len(idx), dtype=bool)
    # points on nodes have no connector: legs are exactly the network's fastest paths
    assert np.all(np.diagonal(tm.minutes) == 0.0)
    np.testing.assert_array_equal(legs.minutes[off], tm.minutes[off])
    np.testing.assert_array_equal(legs.km[off], tm.km[off])
    assert np.isfinite(legs.minutes).all() and (legs.minutes[off] > 0).all()
    assert legs.model.startswith("osm fastest paths on newport") and "OpenStreetMap" in legs.model
    assert "no fixed per-trip time" in legs.model


def test_osm_legs_of_points_snapping_to_one_node(newport_file: Path, newport_net: RoadNetwork) -> None:
    main = np.flatnonzero(newport_net.main_component)
    gap, _ = cKDTree(newport_net.xy[main]).query(newport_net.xy[main], k=2)
    lonely = main[np.argmax(gap[:, 1] > 200.0)]  # a node with no other node within 200 m
    far = main[0]
    lon0, lat0 = newport_net.lon[lonely], newport_net.lat[lonely]
    east = GEOD.fwd(lon0, lat0, 90.0, 30.0)[:2]
    north = GEOD.fwd(lon0, lat0, 0.0, 30.0)[:2]
    pts = Points(
        ("east", "north", "east_again", "far"),
        np.array([east[0], north[0], east[0], newport_net.lon[far]]),
        np.array([east[1], north[1], east[1], newport_net.lat[far]]),
    )
    nodes, snap_km = newport_net.snap(pts)
    assert nodes[:3].tolist() == [lonely] * 3 and nodes[3] != lonely
    legs = leg_matrices(pts, network=newport_file)
    tm = osm_matrix(pts, pts, network=newport_file)
    # two people at one address: 0, where osm_matrix goes out to the node and back
    assert legs.minutes[0, 2] == 0.0 == legs.minutes[2, 0] and tm.minutes[0, 2] > 0.0
    # neighbours on one node: the direct connector, shorter than via the node
    direct_km = crow_fly_km(pts, pts)[0, 1] * ROUTE_FACTOR
    assert legs.km[0, 1] == pytest.approx(direct_km, rel=1e-9)
    assert legs.minutes[0, 1] == pytest.approx(direct_km / CONNECTOR_SPEED_KPH * 60.0, rel=1e-9)
    assert legs.minutes[0, 1] < tm.minutes[0, 1]
    assert tm.km[0, 1] == pytest.approx((snap_km[0] + snap_km[1]) * ROUTE_FACTOR, abs=1e-6)
    # different nodes: the engine's path with both connectors, unchanged
    assert legs.minutes[0, 3] == tm.minutes[0, 3] and legs.km[3, 1] == tm.km[3, 1]
    assert np.diagonal(legs.minutes).tolist() == [0.0] * 4


def test_bad_input_errors(tmp_path: Path, newport_file: Path) -> None:
    swapped = Points(("x",), np.array([50.71]), np.array([-2.43]))
    with pytest.raises(InputError, match=r"s\.csv: points: .*outside Great Britain.*look swapped"):
        leg_matrices(swapped, source_label="s.csv")
    nowhere = Points(("x", "y"), np.array([-2.4, np.nan]), np.array([50.7, 50.7]))
    with pytest.raises(InputError, match=r"points: 1 of 2 points lie outside Great Britain.*, e\.g\. y"):
        leg_matrices(nowhere)
    here = Points(("a",), np.array([-3.0]), np.array([51.55]))
    with pytest.raises(InputError, match=r"s\.toml: travel\.network: network file .*does not exist"):
        leg_matrices(here, network=tmp_path / "nope.graphml.gz", source_label="s.toml")
    dorset = Points(("d",), np.array([DORCHESTER[0]]), np.array([DORCHESTER[1]]))
    with pytest.raises(InputError, match=r"travel\.max_snap_km: 1 of 1 origins are more than 2 km"):
        leg_matrices(dorset, network=newport_file, roads=RoadOptions(max_snap_km=2.0))
    without_legs = json.loads(PARAMETERS_FILE.read_text())
    del without_legs[LEGS_KEY]
    old_file = write_parameters(without_legs, tmp_path / "old.json")
    with pytest.raises(DataError, match=r"old\.json: no leg model under 'legs'; fix: run `hubplan travel calibrate`"):
        load_leg_parameters(old_file)
    with pytest.raises(InputError, match="--source: no roads/calibration"):
        calibrate_legs(tmp_path)
    with pytest.raises(ValueError, match="diagonal"):
        LegMatrices(("a", "b"), np.ones((2, 2)), np.ones((2, 2)), "x")
    with pytest.raises(ValueError, match=r"must both be \(2, 2\)"):
        LegMatrices(("a", "b"), np.zeros((2, 3)), np.zeros((2, 3)), "x")
    with pytest.raises(ValueError, match=">= 0"):
        LegMatrices(("a", "b"), np.array([[0.0, -1.0], [1.0, 0.0]]), np.zeros((2, 2)), "x")

