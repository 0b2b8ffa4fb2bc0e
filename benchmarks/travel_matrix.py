"""Benchmark: origins x sites drive-time matrix on the real Newport OSM network.

Compares hubplan's engine (compile to CSR, KD-tree snapping, scipy Dijkstra on a
combined time+length weight) with networkx single-source Dijkstra per origin and
with pair-by-pair ``nx.shortest_path_length``. The networkx runs are timed on a
seeded sample of origins and pairs and scaled up to the full matrix (the table
says so). The script also times two design choices: snapping with a cKDTree
against ``osmnx.distance.nearest_nodes``, and the combined weight against a
time-only Dijkstra.

Usage::

    .venv/bin/python benchmarks/travel_matrix.py [--origins 500] [--sites 100]
        [--nx-origins 40] [--nx-pairs 200] [--seed 0] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from hubplan.points import Points
from hubplan.travel.osm import RoadNetwork, osm_matrix
from hubplan.travel.roads import load_network
from hubplan.versions import machine_record

REPO = Path(__file__).resolve().parents[1]
SOURCE = Path(os.environ.get("HUBPLAN_SOURCE", REPO.parent / "shared" / "data"))
NETWORK = SOURCE / "roads" / "fixtures" / "newport-2023-06-13_drive.graphml.gz"


def _points(
    net: RoadNetwork, n: int, rng: np.random.Generator, prefix: str
) -> tuple[Points, np.ndarray]:
    """``n`` points within 150 m of random main-component nodes (so snapping has work to do)."""
    idx = rng.choice(np.flatnonzero(net.main_component), n, replace=False)
    lon, lat, _ = Geod(ellps="WGS84").fwd(
        net.lon[idx], net.lat[idx], rng.uniform(0, 360, n), rng.uniform(0, 150, n)
    )
    return Points(tuple(f"{prefix}{i}" for i in range(n)), np.asarray(lon), np.asarray(lat)), idx


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=500)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument(
        "--nx-origins", type=int, default=40, help="origins timed for networkx per-origin"
    )
    parser.add_argument(
        "--nx-pairs", type=int, default=200, help="pairs timed for pair-by-pair networkx"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    graph = load_network(NETWORK)
    t_load = time.perf_counter() - t0
    net = RoadNetwork.from_graph(graph)
    origins, _ = _points(net, args.origins, rng, "o")
    sites, _ = _points(net, args.sites, rng, "s")

    t0 = time.perf_counter()
    tm = osm_matrix(origins, sites, network=NETWORK, graph=graph)
    t_engine = time.perf_counter() - t0
    o_nodes, _ = net.snap(origins)
    s_nodes, _ = net.snap(sites)
    o_ids, s_ids = net.node_ids[o_nodes], net.node_ids[s_nodes]
    n_pairs = args.origins * args.sites

    # networkx, one single-source Dijkstra per origin (sample, scaled)
    sample = rng.choice(args.origins, min(args.nx_origins, args.origins), replace=False)
    t0 = time.perf_counter()
    nx_lengths = [
        nx.single_source_dijkstra_path_length(graph, o_ids[i], weight="travel_time") for i in sample
    ]
    t_nx_origin_sample = time.perf_counter() - t0
    seconds, _ = net.shortest(o_nodes[sample], s_nodes)
    worst = max(
        float(np.max(np.abs(np.array([lengths[s] for s in s_ids]) - seconds[k])))
        for k, lengths in enumerate(nx_lengths)
    )
    t_nx_origin = t_nx_origin_sample / len(sample) * args.origins

    # networkx, one Dijkstra per site on the reversed graph (the direction hubplan picks here)
    reverse = graph.reverse(copy=False)
    site_sample = rng.choice(args.sites, min(args.nx_origins, args.sites), replace=False)
    t0 = time.perf_counter()
    for j in site_sample:
        nx.single_source_dijkstra_path_length(reverse, s_ids[j], weight="travel_time")
    t_nx_site = (time.perf_counter() - t0) / len(site_sample) * args.sites

    # networkx pair by pair (sample, scaled)
    pairs = [
        (int(rng.integers(args.origins)), int(rng.integers(args.sites)))
        for _ in range(args.nx_pairs)
    ]
    t0 = time.perf_counter()
    for i, j in pairs:
        nx.shortest_path_length(graph, o_ids[i], s_ids[j], weight="travel_time")
    t_nx_pair = (time.perf_counter() - t0) / len(pairs) * n_pairs

    # design choices: snapping, and combined weight vs time only
    import osmnx as ox

    t0 = time.perf_counter()
    net.snap(origins)
    t_kdtree = time.perf_counter() - t0
    t0 = time.perf_counter()
    ox.distance.nearest_nodes(graph, origins.lon, origins.lat, return_dist=True)
    t_ox_nearest = time.perf_counter() - t0
    time_only = net.weights.copy()
    time_only.data = np.floor(time_only.data / net.radix)
    uniq = np.unique(s_nodes)
    t0 = time.perf_counter()
    dijkstra(time_only.T.tocsr(), indices=uniq)
    t_time_only = time.perf_counter() - t0
    t0 = time.perf_counter()
    dijkstra(net.weights.T.tocsr(), indices=uniq)
    t_combined = time.perf_counter() - t0

    rows = [
        ("load Newport graphml.gz (osmnx)", t_load, None, "once per run; cached matrices skip it"),
        (
            f"hubplan engine {args.origins}x{args.sites} (compile+snap+paths)",
            t_engine,
            1.0,
            f"compile {tm.details['seconds_compile']:.3f} s, "
            f"paths {tm.details['seconds_paths']:.3f} s",
        ),
        (
            "networkx single-source per origin",
            t_nx_origin,
            t_nx_origin / t_engine,
            f"timed on {len(sample)} origins, scaled x{args.origins / len(sample):.1f}",
        ),
        (
            "networkx single-source per site, reversed graph",
            t_nx_site,
            t_nx_site / t_engine,
            f"timed on {len(site_sample)} sites, scaled x{args.sites / len(site_sample):.1f}",
        ),
        (
            "networkx shortest_path_length per pair",
            t_nx_pair,
            t_nx_pair / t_engine,
            f"timed on {len(pairs)} pairs, scaled x{n_pairs / len(pairs):.0f}",
        ),
        (f"snap {args.origins} points: cKDTree (UTM)", t_kdtree, None, "chosen"),
        (
            f"snap {args.origins} points: ox.distance.nearest_nodes",
            t_ox_nearest,
            t_ox_nearest / t_kdtree,
            "BallTree haversine (scikit-learn), built per call",
        ),
        (f"Dijkstra from {len(uniq)} sites: time-only weight", t_time_only, None, "no km"),
        (
            f"Dijkstra from {len(uniq)} sites: combined time+length",
            t_combined,
            t_combined / t_time_only,
            "gives km of the fastest path too",
        ),
    ]
    print(
        f"Newport: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; "
        f"{args.origins} origins x {args.sites} sites = {n_pairs} pairs; seed {args.seed}"
    )
    print(f"max |engine - networkx| on sampled origins (node to node): {worst:.4f} s")
    print(f"{'step':<58} {'seconds':>9} {'ratio':>8}  note")
    for name, sec, ratio, note in rows:
        print(f"{name:<58} {sec:>9.3f} {'' if ratio is None else f'{ratio:.1f}x':>8}  {note}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "nodes": graph.number_of_nodes(),
                    "edges": graph.number_of_edges(),
                    "origins": args.origins,
                    "sites": args.sites,
                    "seed": args.seed,
                    "max_abs_diff_s": worst,
                    "rows": [
                        {"step": n, "seconds": s, "ratio": r, "note": t} for n, s, r, t in rows
                    ],
                    "recorded": machine_record(["benchmarks/travel_matrix.py", *sys.argv[1:]]),
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
