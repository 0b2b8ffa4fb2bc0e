"""OpenStreetMap road networks for the ``osm`` travel model: load, give speeds, build, fetch.

Networks
    ``.osm`` / ``.osm.bz2`` / ``.xml`` (OSM XML, via :func:`osmnx.graph_from_xml`),
    ``.graphml`` and ``.graphml.gz`` (:func:`osmnx.load_graphml`). A compressed file is
    first decompressed to a temporary file, within
    :data:`~hubplan.travel.compressed.MAX_DECOMPRESSED_BYTES`. For ``.osm.pbf``,
    convert to XML first (see the error message). Edges with no ``highway`` tag
    are dropped.
Speeds
    :func:`osmnx.routing.add_edge_speeds` imputes free-flow speeds from
    ``maxspeed`` tags, falling back to :data:`FALLBACK_SPEED_KPH`. Each road class
    named in ``speeds_kph`` is then **overridden** on every edge of that class.

Routing on a loaded network is :mod:`hubplan.travel.osm`.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from hubplan.errors import DataError, input_error
from hubplan.files.atomic import atomic_file
from hubplan.files.reading import NETWORK_FILE, check_readable
from hubplan.travel.base import file_sha256
from hubplan.travel.compressed import CompressedInput, compression_of, decompressed_copy

__all__ = ["FALLBACK_SPEED_KPH", "NETWORK_OUTPUT", "add_speeds", "build_network", "fetch_network", "load_network"]

log = logging.getLogger(__name__)

#: Speed (km/h) for road classes with no ``maxspeed`` anywhere in the network: 30 mph,
#: the limit on restricted roads in England (Road Traffic Regulation Act 1984, s.81).
FALLBACK_SPEED_KPH: float = 30 * 1.609344

_XML_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".osm.xml", ".osm.xml.bz2")
_GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")
_PBF_SUFFIXES = (".pbf", ".osm.pbf")
_FIELD = "travel.network"


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_PBF_SUFFIXES):
        return "pbf"
    if name.endswith(_GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(_XML_SUFFIXES):
        return "xml"
    return "unknown"


def load_network(
    path: Path,
    *,
    speeds_kph: Mapping[str, float] | None = None,
    source_label: str | None = None,
    field: str = _FIELD,
) -> nx.MultiDiGraph:
    """Load a drive network and make sure every edge has ``speed_kph`` and ``travel_time``.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.xml``, ``.graphml`` or ``.graphml.gz``.
    speeds_kph
        Per road class (OSM ``highway`` value) speeds that override the edge speeds.
        If given, speeds are recomputed even when a GraphML file carries its own.
    source_label
        The file that named the network (e.g. a scenario), for error messages.
    field
        The setting or option that named it, for error messages.

    Returns
    -------
    networkx.MultiDiGraph
        The road graph (edges without ``highway`` dropped), in WGS84.

    Raises
    ------
    InputError
        If the file is missing, unreadable, of an unsupported format, or holds no roads.
    """
    path = Path(path)
    where = source_label if source_label is not None else path
    try:
        check_readable(path, NETWORK_FILE, source=source_label, field=field)  # before a parser reads it
    except FileNotFoundError as err:
        raise input_error(
            where,
            field,
            f"network file {path} does not exist",
            "give the path of a .osm, .osm.bz2, .graphml or .graphml.gz file "
            "(build one with `hubplan network build --osm FILE`)",
        ) from err
    kind = _kind(path)
    if kind == "pbf":
        raise input_error(
            where,
            field,
            f"{path.name} is OSM PBF, which hubplan does not read",
            f"convert it to XML first, e.g. `osmium cat {path.name} -o network.osm.bz2` "
            "(osmium-tool) or `osmconvert`, then `hubplan network build --osm network.osm.bz2`",
        )
    if kind == "unknown":
        raise input_error(
            where,
            field,
            f"cannot tell the format of {path.name}",
            "name the file .osm, .osm.bz2, .graphml or .graphml.gz",
        )
    import osmnx as ox

    started = time.perf_counter()
    with _plain_network_file(path, kind, where, field) as plain:
        try:
            if kind == "xml":
                graph = ox.graph_from_xml(plain, retain_all=True)
            else:
                graph = ox.load_graphml(plain)
        except Exception as err:  # osmnx/networkx/XML parsers raise many types on corrupt files
            raise input_error(
                where,
                field,
                f"cannot read network file {path} ({type(err).__name__}: {err})",
                "check the file is complete and in the format its name says; re-download or rebuild it",
            ) from err
    graph = _keep_roads(graph)
    if graph.number_of_edges() == 0:
        raise input_error(
            where,
            field,
            f"{path} holds no roads (no edges with a highway tag)",
            "use an OpenStreetMap drive network of the study area",
        )
    has_times = all("travel_time" in d for _, _, d in graph.edges(data=True))
    if speeds_kph or not has_times:
        graph = add_speeds(graph, speeds_kph=speeds_kph)
    log.info(
        "loaded %s: %d nodes, %d edges in %.1f s",
        path,
        graph.number_of_nodes(),
        graph.number_of_edges(),
        time.perf_counter() - started,
    )
    return graph


@contextmanager
def _plain_network_file(path: Path, kind: str, where: str | Path, field: str) -> Iterator[Path]:
    """The network file itself, or a temporary decompressed copy when its name says compressed.

    Raises
    ------
    InputError
        The compressed file is damaged or expands beyond
        :data:`~hubplan.travel.compressed.MAX_DECOMPRESSED_BYTES`.
    """
    if compression_of(path) is None:
        yield path
        return
    plain_name = "network.osm" if kind == "xml" else "network.graphml"
    with decompressed_copy(CompressedInput(path, where, field), plain_name) as plain:
        yield plain


def _keep_roads(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    drop = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not d.get("highway")]
    if drop:
        log.info("dropping %d edges with no highway tag", len(drop))
        graph = graph.copy()
        graph.remove_edges_from(drop)
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return graph


def add_speeds(
    graph: nx.MultiDiGraph, *, speeds_kph: Mapping[str, float] | None = None
) -> nx.MultiDiGraph:
    """Set ``speed_kph`` and ``travel_time`` (s) on every edge.

    Speeds come from :func:`osmnx.routing.add_edge_speeds` (``maxspeed`` tags,
    imputed per class, :data:`FALLBACK_SPEED_KPH` otherwise). Then every edge whose
    (first) ``highway`` class is a key of ``speeds_kph`` takes that speed.

    Raises
    ------
    InputError
        If a speed is not a positive number.
    """
    import osmnx as ox

    speeds = {str(k): float(v) for k, v in (speeds_kph or {}).items()}
    bad = {k: v for k, v in speeds.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise input_error(
            None,
            "travel.speeds_kph",
            f"speeds must be positive km/h, got {bad}",
            "give each road class a speed above 0",
        )
    graph = ox.routing.add_edge_speeds(
        graph, hwy_speeds=speeds or None, fallback=FALLBACK_SPEED_KPH
    )
    if speeds:
        for _, _, data in graph.edges(data=True):
            hwy = data["highway"][0] if isinstance(data["highway"], list) else data["highway"]
            if hwy in speeds:
                data["speed_kph"] = speeds[hwy]
    return ox.routing.add_edge_travel_times(graph)


def build_network(
    osm: Path,
    out: Path,
    *,
    speeds_kph: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Load an OSM file, add speeds and travel times, and write it as GraphML (gzip if ``.gz``).

    Returns
    -------
    dict
        Summary: ``out``, ``nodes``, ``edges``, ``source_sha256``.

    Raises
    ------
    InputError
        If the input cannot be read or ``out`` is not ``.graphml``/``.graphml.gz``.
    """
    out = Path(out)
    if not out.name.lower().endswith(_GRAPHML_SUFFIXES):
        raise input_error(
            None,
            "--out",
            f"{out.name} is not a GraphML file name",
            "end the name with .graphml.gz (or .graphml)",
        )
    graph = load_network(Path(osm), speeds_kph=speeds_kph, source_label=str(osm), field="--osm")
    _write_graphml(graph, out)
    return {
        "out": str(out),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "source_sha256": file_sha256(Path(osm)),
    }


NETWORK_OUTPUT = "the network file"
"""How errors name the GraphML file :func:`build_network` and :func:`fetch_network` write."""


def _write_graphml(graph: nx.MultiDiGraph, out: Path) -> None:
    """Write GraphML (gzip if the name ends ``.gz``) atomically: a failed write leaves ``out`` as it was."""
    import osmnx as ox

    with atomic_file(out, what=NETWORK_OUTPUT, create_parent=True) as tmp:
        if out.name.lower().endswith(".gz"):
            plain = tmp.with_name(tmp.name + ".graphml")  # scratch beside the temporary file, removed with it
            ox.save_graphml(graph, plain)
            with plain.open("rb") as src, gzip.open(tmp, "wb", compresslevel=6) as dst:
                shutil.copyfileobj(src, dst)
        else:
            ox.save_graphml(graph, tmp)


def fetch_network(
    place: str,
    out: Path,
    *,
    cache_dir: Path | None = None,
    speeds_kph: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Download a drive network for a place with osmnx (needs internet) and save it as GraphML.

    Raises
    ------
    DataError
        If the download fails (e.g. offline), with the fix of building from a local file.
    """
    import osmnx as ox

    saved = (ox.settings.use_cache, ox.settings.cache_folder)
    if cache_dir is not None:
        ox.settings.use_cache, ox.settings.cache_folder = True, str(cache_dir)
    try:
        graph = ox.graph_from_place(place, network_type="drive", retain_all=True)
    except Exception as err:  # requests / osmnx raise several types when offline
        raise DataError(
            f"--place: cannot download the road network for {place!r} "
            f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no detail'}); "
            "fix: connect to the internet, or download an OSM extract (e.g. Geofabrik) and run "
            "`hubplan network build --osm FILE`"
        ) from err
    finally:
        ox.settings.use_cache, ox.settings.cache_folder = saved
    graph = add_speeds(_keep_roads(graph), speeds_kph=speeds_kph)
    out = Path(out)
    _write_graphml(graph, out)
    return {"out": str(out), "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
