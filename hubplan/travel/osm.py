"""The ``osm`` travel model: shortest drive times on an OpenStreetMap road network.

Stages: load a network file (:mod:`hubplan.travel.roads`), compile the graph
into a CSR matrix, snap points to nodes, then run many-to-many Dijkstra with
:func:`scipy.sparse.csgraph.dijkstra`.

Fastest path and its length
    One Dijkstra on a combined integer weight ``ms * R + metres``, where ``R`` is
    a power of ten above the network's total length. It minimises time first and
    breaks ties on length. Both the minutes and the road km of the fastest path
    are decoded exactly from the one sum. Times are rounded to 1 ms and lengths
    to 1 m per edge. Parallel edges keep the minimum.
Snapping
    A point snaps to the nearest node of the network's largest strongly connected
    component, so a point near a clipped dead end does not become unreachable.
    Nearest neighbours come from a :class:`scipy.spatial.cKDTree` on node
    coordinates projected to the local UTM zone. Points more than
    ``max_snap_km`` from every node are an :class:`~hubplan.errors.InputError`.
    The rest get a connector leg of crow-fly distance times
    :data:`~hubplan.travel.base.ROUTE_FACTOR`, driven at
    :data:`CONNECTOR_SPEED_KPH`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from hubplan.errors import DataError, input_error
from hubplan.points import Points
from hubplan.travel.base import DEFAULT_ROADS, ROUTE_FACTOR, RoadOptions, TravelMatrix, file_sha256, swapped_hint
from hubplan.travel.cache import load_matrix, matrix_key, save_matrix
from hubplan.travel.roads import FALLBACK_SPEED_KPH, load_network

__all__ = ["CONNECTOR_SPEED_KPH", "DEFAULT_MAX_SNAP_KM", "RoadNetwork", "osm_matrix"]

log = logging.getLogger(__name__)

#: Speed (km/h) on the connector leg from a point to its snapped node: 20 mph, the limit
#: the Department for Transport recommends for residential streets (DfT Circular 01/2013,
#: "Setting Local Speed Limits").
CONNECTOR_SPEED_KPH: float = 20 * 1.609344
#: Reach of a point to its node before it is an error (km), when the caller gives none.
DEFAULT_MAX_SNAP_KM: float = DEFAULT_ROADS.max_snap_km

_MS_PER_S = 1000.0
_EXACT = 2.0**53


@dataclass(frozen=True)
class RoadNetwork:
    """A road graph compiled for fast many-to-many shortest paths.

    Build with :meth:`from_graph`. ``weights`` holds the combined
    ``milliseconds * radix + metres`` edge weights (parallel edges: the minimum).
    """

    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    weights: sp.csr_matrix
    radix: float
    main_component: npt.NDArray[np.bool_]
    crs: CRS
    xy: npt.NDArray[np.float64]
    _tree: cKDTree = dataclass_field(repr=False)

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> RoadNetwork:
        """Compile a graph with ``travel_time`` (s) and ``length`` (m) on every edge.

        Examples
        --------
        >>> g = nx.MultiDiGraph(crs="epsg:4326")
        >>> g.add_node(1, x=-2.40, y=50.70); g.add_node(2, x=-2.39, y=50.70)
        >>> _ = g.add_edge(1, 2, travel_time=60.0, length=700.0)
        >>> net = RoadNetwork.from_graph(g)
        >>> net.weights.nnz, int(net.main_component.sum())
        (1, 1)
        """
        nodes = list(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        x = np.array([graph.nodes[n]["x"] for n in nodes], dtype=np.float64)
        y = np.array([graph.nodes[n]["y"] for n in nodes], dtype=np.float64)
        graph_crs = CRS.from_user_input(graph.graph.get("crs", "epsg:4326"))
        if not graph_crs.is_geographic:
            x, y = Transformer.from_crs(graph_crs, "EPSG:4326", always_xy=True).transform(x, y)
        rows, cols, ms, metres = [], [], [], []
        for u, v, data in graph.edges(data=True):
            if u == v:
                continue
            rows.append(index[u])
            cols.append(index[v])
            ms.append(float(data["travel_time"]) * _MS_PER_S)
            metres.append(float(data["length"]))
        n = len(nodes)
        ms_arr = np.rint(np.asarray(ms, dtype=np.float64))
        m_arr = np.rint(np.asarray(metres, dtype=np.float64))
        radix = float(10 ** int(np.ceil(np.log10(m_arr.sum() + 2.0))))
        # A zero-time zero-length edge would vanish from a sparse matrix: floor at 1 m.
        combined = np.maximum(ms_arr * radix + m_arr, 1.0)
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        order = np.lexsort((combined, c, r))
        r, c, combined = r[order], c[order], combined[order]
        first = np.ones(len(r), dtype=bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        weights = sp.csr_matrix((combined[first], (r[first], c[first])), shape=(n, n))
        _, labels = connected_components(weights, directed=True, connection="strong")
        main = labels == np.bincount(labels).argmax()
        crs = _utm_crs(float(np.median(x)), float(np.median(y)))
        px, py = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(x, y)
        xy = np.column_stack([px, py])
        tree = cKDTree(xy[main])
        return cls(np.asarray(nodes), x, y, weights, radix, main, crs, xy, tree)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of the nodes, degrees."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def snap(self, points: Points) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Nearest main-component node (index into ``node_ids``) and its distance (km)."""
        px, py = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True).transform(
            points.lon, points.lat
        )
        dist, idx = self._tree.query(np.column_stack([px, py]))
        main_idx = np.flatnonzero(self.main_component)
        return main_idx[np.asarray(idx, dtype=np.int64)], np.asarray(
            dist, dtype=np.float64
        ) / 1000.0

    def shortest(
        self,
        sources: npt.NDArray[np.int64],
        targets: npt.NDArray[np.int64],
        *,
        progress: Callable[[int, int], None] | None = None,
        chunk: int = 64,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Fastest-path seconds and metres from each source node to each target node.

        Runs Dijkstra from whichever side has fewer distinct nodes (on the
        reversed graph when from the targets). Unreachable pairs are ``inf``.
        """
        src_u, src_inv = np.unique(sources, return_inverse=True)
        tgt_u, tgt_inv = np.unique(targets, return_inverse=True)
        reverse = len(tgt_u) < len(src_u)
        graph = self.weights.T.tocsr() if reverse else self.weights
        starts, ends = (tgt_u, src_u) if reverse else (src_u, tgt_u)
        total = np.empty((len(starts), len(ends)))
        for lo in range(0, len(starts), chunk):
            block = starts[lo : lo + chunk]
            dist = dijkstra(graph, directed=True, indices=block)
            total[lo : lo + len(block)] = dist[:, ends]
            if progress is not None:
                progress(min(lo + chunk, len(starts)), len(starts))
        if reverse:
            total = total.T
        finite = np.isfinite(total)
        if finite.any() and total[finite].max() >= _EXACT:
            raise DataError(
                "road network too large for the exact combined time+length weight; "
                "fix: split the network into smaller study areas"
            )
        as_int = np.where(finite, total, 0).astype(np.int64)
        ms, metres = np.divmod(as_int, np.int64(self.radix))
        seconds = np.where(finite, ms / _MS_PER_S, np.inf)
        length = np.where(finite, metres.astype(np.float64), np.inf)
        return seconds[np.ix_(src_inv, tgt_inv)], length[np.ix_(src_inv, tgt_inv)]


def _utm_crs(lon: float, lat: float) -> CRS:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _snap_checked(
    net: RoadNetwork,
    points: Points,
    *,
    max_snap_km: float,
    what: str,
    network: Path,
    source_label: str | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    nodes, dist = net.snap(points)
    far = dist > max_snap_km
    if far.any():
        ids = ", ".join(f"{points.ids[i]} ({dist[i]:.1f} km)" for i in np.flatnonzero(far)[:5])
        west, south, east, north = net.extent
        problem = (
            f"{int(far.sum())} of {len(points)} {what} are more than {max_snap_km:g} km from "
            f"any road of {network.name}, e.g. {ids}"
        )
        if swapped_hint(points.lon, points.lat, net.extent):
            problem += "; latitude and longitude look swapped"
        raise input_error(
            source_label if source_label is not None else network,
            "travel.max_snap_km",
            problem,
            f"check the {what}' coordinates lie within the network "
            f"(lon {west:.3f}..{east:.3f}, lat {south:.3f}..{north:.3f}), use a network "
            "that covers them, or raise travel.max_snap_km",
        )
    return nodes, dist


def _snap_report(points: Points, dist: npt.NDArray[np.float64]) -> dict[str, Any]:
    worst = np.argsort(-dist)[:5]
    return {
        "n": len(points),
        "max_km": round(float(dist.max()), 4) if len(dist) else 0.0,
        "mean_km": round(float(dist.mean()), 4) if len(dist) else 0.0,
        "over_0_5_km": int(np.count_nonzero(dist > 0.5)),
        "farthest": [{"id": points.ids[i], "km": round(float(dist[i]), 4)} for i in worst],
    }


def osm_matrix(
    origins: Points,
    destinations: Points,
    *,
    network: Path,
    roads: RoadOptions = DEFAULT_ROADS,
    progress: Callable[[int, int], None] | None = None,
    source_label: str | None = None,
    graph: nx.MultiDiGraph | None = None,
) -> TravelMatrix:
    """Fastest drive minutes and their road km on an OSM network.

    Parameters
    ----------
    origins, destinations
        WGS84 points.
    network
        The network file (its bytes key the cache and appear in ``details``).
    roads
        Speed overrides per road class (km/h), the farthest a point may be from a
        network node, and the folder for cached matrices (``None``: no caching).
    progress
        Called with ``(done, total)`` Dijkstra sources.
    source_label
        The scenario file, for error messages.
    graph
        The already-loaded graph of ``network`` (skips loading; tests and benchmarks).

    Returns
    -------
    TravelMatrix
        ``model="osm"``; ``details`` has the network file and checksum, speeds,
        snapping report, unreachable count and cache hit.

    Raises
    ------
    InputError
        If the network file is missing or unreadable, or a point is farther than
        ``max_snap_km`` from the network.
    """
    speeds_kph, max_snap_km, cache_dir = roads.speeds_kph, roads.max_snap_km, roads.cache_dir
    network = Path(network)
    if not network.is_file():
        load_network(network, source_label=source_label)  # raises the uniform message
    if not (np.isfinite(max_snap_km) and max_snap_km > 0):
        raise input_error(
            source_label,
            "travel.max_snap_km",
            f"must be > 0 km, got {max_snap_km}",
            "give a positive distance in km",
        )
    sha = file_sha256(network)
    settings = {
        "speeds_kph": dict(sorted((speeds_kph or {}).items())),
        "fallback_kph": FALLBACK_SPEED_KPH,
        "connector_kph": CONNECTOR_SPEED_KPH,
        "route_factor": ROUTE_FACTOR,
        "max_snap_km": max_snap_km,
    }
    key = matrix_key(
        network_sha256=sha, settings=settings, origins=origins, destinations=destinations
    )
    if cache_dir is not None:
        hit = load_matrix(Path(cache_dir), key)
        if hit is not None:
            cached_minutes, cached_km, cached_details = hit
            cached_details["cache_hit"] = True
            log.info("travel matrix cache hit %s", key[:12])
            return TravelMatrix(origins.ids, destinations.ids, cached_minutes, cached_km, "osm", cached_details)

    started = time.perf_counter()
    if graph is None:
        graph = load_network(network, speeds_kph=speeds_kph, source_label=source_label)
    net = RoadNetwork.from_graph(graph)
    loaded = time.perf_counter()
    o_nodes, o_km = _snap_checked(
        net,
        origins,
        max_snap_km=max_snap_km,
        what="origins",
        network=network,
        source_label=source_label,
    )
    d_nodes, d_km = _snap_checked(
        net,
        destinations,
        max_snap_km=max_snap_km,
        what="destinations",
        network=network,
        source_label=source_label,
    )
    seconds, metres = net.shortest(o_nodes, d_nodes, progress=progress)
    connector_km = (o_km[:, None] + d_km[None, :]) * ROUTE_FACTOR
    minutes = seconds / 60.0 + connector_km / CONNECTOR_SPEED_KPH * 60.0
    km = metres / 1000.0 + connector_km
    unreachable = ~np.isfinite(minutes)
    details: dict[str, Any] = {
        "model": "osm",
        "network_file": network.name,
        "network_sha256": sha,
        "network_nodes": len(net.node_ids),
        "network_edges": int(net.weights.nnz),
        "main_component_nodes": int(net.main_component.sum()),
        "speeds_kph": settings["speeds_kph"],
        "fallback_speed_kph": round(FALLBACK_SPEED_KPH, 3),
        "fallback_speed_source": (
            "30 mph restricted-road limit, Road Traffic Regulation Act 1984 s.81"
        ),
        "connector_speed_kph": round(CONNECTOR_SPEED_KPH, 3),
        "connector_speed_source": "20 mph, DfT Circular 01/2013 Setting Local Speed Limits",
        "connector_route_factor": ROUTE_FACTOR,
        "max_snap_km": max_snap_km,
        "snapping": {
            "origins": _snap_report(origins, o_km),
            "destinations": _snap_report(destinations, d_km),
        },
        "unreachable_pairs": int(unreachable.sum()),
        "pairs": int(minutes.size),
        "seconds_compile": round(loaded - started, 3),
        "seconds_paths": round(time.perf_counter() - loaded, 3),
        "cache_hit": False,
    }
    if unreachable.any():
        log.warning(
            "%d of %d origin-destination pairs are unreachable", unreachable.sum(), minutes.size
        )
    if cache_dir is not None:
        save_matrix(Path(cache_dir), key, minutes, km, details)
    return TravelMatrix(origins.ids, destinations.ids, minutes, km, "osm", details)
