"""The osm travel model on real OpenStreetMap fixtures (Newport, West Oakland, Bavaria)."""

from __future__ import annotations

import bz2
import itertools
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Geod

from hubplan.errors import InputError
from hubplan.points import Points
from hubplan.travel import travel_matrix
from hubplan.travel.base import RoadOptions
from hubplan.travel.osm import CONNECTOR_SPEED_KPH, RoadNetwork, osm_matrix
from hubplan.travel.roads import build_network, load_network

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def fixtures(source_dir: Path) -> Path:
    return source_dir / "roads" / "fixtures"


@pytest.fixture(scope="module")
def newport_file(fixtures: Path) -> Path:
    return fixtures / "newport-2023-06-13_drive.graphml.gz"


@pytest.fixture(scope="module")
def newport(newport_file: Path) -> nx.MultiDiGraph:
    return load_network(newport_file)


@pytest.fixture(scope="module")
def newport_net(newport: nx.MultiDiGraph) -> RoadNetwork:
    return RoadNetwork.from_graph(newport)


def _node_points(net: RoadNetwork, idx: np.ndarray, prefix: str) -> Points:
    return Points(tuple(f"{prefix}{i}" for i in idx), net.lon[idx], net.lat[idx])


def _nx_length_along(graph: nx.MultiDiGraph, path: list) -> float:
    total = 0.0
    for u, v in itertools.pairwise(path):
        best = min(graph[u][v].values(), key=lambda d: (d["travel_time"], d["length"]))
        total += best["length"]
    return total


@pytest.mark.parametrize(("n_orig", "n_dest"), [(40, 7), (5, 30)])
def test_matrix_equals_networkx_on_sampled_pairs(
    newport: nx.MultiDiGraph, newport_net: RoadNetwork, newport_file: Path, n_orig: int, n_dest: int
) -> None:
    rng = np.random.default_rng(42)
    main = np.flatnonzero(newport_net.main_component)
    o_idx = rng.choice(main, n_orig, replace=False)
    d_idx = rng.choice(main, n_dest, replace=False)
    tm = osm_matrix(
        _node_points(newport_net, o_idx, "o"),
        _node_points(newport_net, d_idx, "d"),
        network=newport_file,
        graph=newport,
    )
    assert tm.model == "osm" and tm.details["unreachable_pairs"] == 0
    for _ in range(12):
        i, j = int(rng.integers(n_orig)), int(rng.integers(n_dest))
        src, dst = newport_net.node_ids[o_idx[i]], newport_net.node_ids[d_idx[j]]
        seconds = nx.single_source_dijkstra_path_length(newport, src, weight="travel_time")[dst]
        # times are summed in whole milliseconds per edge
        assert tm.minutes[i, j] == pytest.approx(seconds / 60.0, abs=0.01)
        path = nx.dijkstra_path(newport, src, dst, weight="travel_time")
        assert tm.km[i, j] == pytest.approx(_nx_length_along(newport, path) / 1000.0, abs=0.01)


def test_unreachable_pairs_are_inf(newport: nx.MultiDiGraph, newport_net: RoadNetwork) -> None:
    outside = np.flatnonzero(~newport_net.main_component)
    main = np.flatnonzero(newport_net.main_component)
    # a node outside the main component that cannot reach the main component
    stuck = next(
        int(i)
        for i in outside
        if not nx.has_path(newport, newport_net.node_ids[i], newport_net.node_ids[main[0]])
    )
    seconds, metres = newport_net.shortest(np.array([stuck]), main[:3])
    assert np.isinf(seconds).all() and np.isinf(metres).all()
    assert np.isfinite(newport_net.shortest(main[:2], main[:3])[0]).all()


def test_snapping_near_node_and_far_point(
    newport: nx.MultiDiGraph, newport_net: RoadNetwork, newport_file: Path
) -> None:
    main = np.flatnonzero(newport_net.main_component)
    a, b = main[100], main[2000]
    at_a = _node_points(newport_net, np.array([a]), "a")
    lon, lat, _ = GEOD.fwd(newport_net.lon[b], newport_net.lat[b], 90.0, 5.0)  # 5 m east of b
    near_b = Points(("b",), np.array([lon]), np.array([lat]))
    tm = osm_matrix(at_a, near_b, network=newport_file, graph=newport)
    snapped, dist = newport_net.snap(near_b)
    assert snapped[0] == b and dist[0] == pytest.approx(0.005, abs=0.002)
    seconds = nx.shortest_path_length(
        newport, newport_net.node_ids[a], newport_net.node_ids[b], weight="travel_time"
    )
    connector_min = dist[0] * 1.4 / CONNECTOR_SPEED_KPH * 60.0
    assert tm.minutes[0, 0] == pytest.approx(seconds / 60.0 + connector_min, abs=0.01)
    assert tm.details["snapping"]["destinations"]["max_km"] == pytest.approx(dist[0], abs=1e-4)

    lon, lat, _ = GEOD.fwd(newport_net.lon[b], newport_net.lat[b], 180.0, 30_000.0)  # 30 km south
    far = Points(
        ("far1", "ok"), np.array([lon, newport_net.lon[b]]), np.array([lat, newport_net.lat[b]])
    )
    with pytest.raises(
        InputError, match=r"s\.toml: travel\.max_snap_km: 1 of 2 destinations .*far1"
    ):
        osm_matrix(at_a, far, network=newport_file, graph=newport, source_label="s.toml")
    # the same point passes with a larger limit (reported in details)
    tm = osm_matrix(at_a, far, network=newport_file, graph=newport, roads=RoadOptions(max_snap_km=40.0))
    assert tm.details["snapping"]["destinations"]["farthest"][0]["id"] == "far1"


def test_loading_drops_edges_without_highway(fixtures: Path) -> None:
    graph = load_network(fixtures / "West-Oakland.osm.bz2")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (51, 110)
    assert all(d.get("highway") and d["travel_time"] > 0 for _, _, d in graph.edges(data=True))
    small = load_network(fixtures / "planet_10.068,48.135_10.071,48.137.osm")
    assert (small.number_of_nodes(), small.number_of_edges()) == (23, 42)


def test_speed_overrides_apply_to_every_edge_of_the_class(fixtures: Path) -> None:
    base = load_network(fixtures / "West-Oakland.osm.bz2")
    slow = load_network(fixtures / "West-Oakland.osm.bz2", speeds_kph={"residential": 10.0})
    n_res = 0
    for u, v, k, d in slow.edges(keys=True, data=True):
        hwy = d["highway"][0] if isinstance(d["highway"], list) else d["highway"]
        if hwy == "residential":
            n_res += 1
            assert d["speed_kph"] == 10.0
            assert d["travel_time"] == pytest.approx(d["length"] / (10.0 / 3.6), rel=1e-3)
            assert d["travel_time"] >= base[u][v][k]["travel_time"]
    assert n_res > 0
    with pytest.raises(InputError, match=r"travel\.speeds_kph: speeds must be positive"):
        load_network(fixtures / "West-Oakland.osm.bz2", speeds_kph={"primary": -5.0})


def test_network_file_errors(tmp_path: Path) -> None:
    p = Points(("a",), np.array([-3.0]), np.array([51.55]))
    with pytest.raises(
        InputError, match=r"s\.toml: travel\.network: network file .*does not exist"
    ):
        travel_matrix(
            p, p, model="osm", network=tmp_path / "nope.graphml.gz", source_label="s.toml"
        )
    corrupt = tmp_path / "broken.osm"
    corrupt.write_text("<osm><node id='1' lat='51' lon=")
    with pytest.raises(
        InputError, match=r"travel\.network: cannot read network file .*; fix: check the file"
    ):
        travel_matrix(p, p, model="osm", network=corrupt)
    bad_gz = tmp_path / "broken.graphml.gz"
    bad_gz.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"broken\.graphml\.gz cannot be decompressed as gzip \(Not a gzipped"):
        load_network(bad_gz)
    pbf = tmp_path / "dorset-latest.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0d")
    with pytest.raises(InputError, match=r"OSM PBF.*osmium cat"):
        load_network(pbf)


def test_cache_hit_and_invalidation(fixtures: Path, tmp_path: Path) -> None:
    network = tmp_path / "oakland.osm.bz2"
    shutil.copyfile(fixtures / "West-Oakland.osm.bz2", network)
    net = RoadNetwork.from_graph(load_network(network))
    main = np.flatnonzero(net.main_component)
    origins, sites = _node_points(net, main[:6], "o"), _node_points(net, main[6:9], "s")
    cache = tmp_path / "cache"
    first = travel_matrix(origins, sites, model="osm", network=network, roads=RoadOptions(cache_dir=cache))
    second = travel_matrix(origins, sites, model="osm", network=network, roads=RoadOptions(cache_dir=cache))
    assert first.details["cache_hit"] is False and second.details["cache_hit"] is True
    np.testing.assert_array_equal(first.minutes, second.minutes)
    np.testing.assert_array_equal(first.km, second.km)
    # moved points: miss
    moved = Points(sites.ids, sites.lon + 1e-4, sites.lat)
    assert (
        travel_matrix(origins, moved, model="osm", network=network, roads=RoadOptions(cache_dir=cache)).details[
            "cache_hit"
        ]
        is False
    )
    # other speeds: miss
    slow = travel_matrix(
        origins,
        sites,
        model="osm",
        network=network,
        roads=RoadOptions(cache_dir=cache, speeds_kph={"residential": 10.0}),
    )
    assert slow.details["cache_hit"] is False
    # changed network bytes (same roads, recompressed): miss
    network.write_bytes(bz2.compress(bz2.decompress(network.read_bytes()), compresslevel=1))
    again = travel_matrix(origins, sites, model="osm", network=network, roads=RoadOptions(cache_dir=cache))
    assert again.details["cache_hit"] is False
    np.testing.assert_allclose(again.minutes, first.minutes)
    # a corrupt cache entry is ignored, not trusted
    for entry in cache.glob("travel-*.npz"):
        entry.write_bytes(b"garbage")
    assert (
        travel_matrix(origins, sites, model="osm", network=network, roads=RoadOptions(cache_dir=cache)).details[
            "cache_hit"
        ]
        is False
    )


def test_build_network_round_trip(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "net" / "network-oakland.graphml.gz"
    summary = build_network(fixtures / "West-Oakland.osm.bz2", out)
    assert summary["edges"] == 110 and out.is_file()
    graph = load_network(out)
    assert graph.number_of_edges() == 110
    assert all(d["travel_time"] > 0 for _, _, d in graph.edges(data=True))
    with pytest.raises(InputError, match=r"--out: x\.txt is not a GraphML"):
        build_network(fixtures / "West-Oakland.osm.bz2", tmp_path / "x.txt")


@pytest.mark.slow
def test_newport_xml_matches_graphml(fixtures: Path, newport: nx.MultiDiGraph) -> None:
    xml = load_network(fixtures / "newport-2023-06-13_drive.osm.bz2", speeds_kph=None)
    assert (xml.number_of_nodes(), xml.number_of_edges()) == (6049, 12732)
    assert (newport.number_of_nodes(), newport.number_of_edges()) == (6049, 12732)
