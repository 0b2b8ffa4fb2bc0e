"""A typed dial-a-ride instance and a reader for Cordeau's benchmark format.

A dial-a-ride problem (DARP) asks for vehicle routes that carry every request from
its pickup node to its drop-off node, subject to vehicle capacity (here per load
dimension, e.g. seats and wheelchair spaces), time windows (waiting is allowed), a
maximum ride time per request and a maximum route duration. Day-service transport
(minibuses collecting attendees at home and taking them to a centre, and back) is
one.

Conventions (those of Cordeau 2006, used throughout :mod:`hubplan.routing`)
-----------------------------------------------------------------------------
- Node ``0`` is the start depot, nodes ``1..n`` the pickups, ``n+1..2n`` the
  drop-offs (request ``i`` is picked up at ``i`` and dropped at ``n+i``) and node
  ``2n+1`` the end depot (a copy of node 0 when the file has none).
- The start of service at a node must lie in its time window; a vehicle arriving
  early waits.
- Ride time runs from the END of pickup service to the START of drop-off service.
- Route duration runs from leaving the start depot to reaching the end depot.
- Travel time = routing cost = Euclidean distance (not rounded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hubplan.errors import input_error

__all__ = [
    "CORDEAU_DIMENSIONS",
    "DarpInstance",
    "Node",
    "Request",
    "Vehicle",
    "read_cordeau",
]

#: The load dimension of Cordeau's instances: each request needs seats, nothing else.
CORDEAU_DIMENSIONS = ("seats",)

_FORMAT_FIX = "use Cordeau's DARP format: 'K N T Q L' then one 'id x y service load earliest latest' line per node"


@dataclass(frozen=True)
class Node:
    """A place a vehicle serves: a depot, a pickup or a drop-off.

    Parameters
    ----------
    id
        The node's number (its row and column in :attr:`DarpInstance.travel`).
    x, y
        Planar coordinates (the travel matrix is derived from them by the reader).
    service
        Minutes spent serving the node (boarding or alighting).
    earliest, latest
        The window in which service must start (minutes).
    """

    id: int
    x: float
    y: float
    service: float
    earliest: float
    latest: float


@dataclass(frozen=True)
class Request:
    """One passenger (or group) to carry from a pickup node to a drop-off node.

    Parameters
    ----------
    number
        The request's number ``1..n``.
    pickup, dropoff
        Node ids.
    load
        Units needed in each load dimension of the instance (e.g. ``(1, 0)`` = one
        seat, no wheelchair space).
    max_ride_time
        Longest allowed time from the end of pickup service to the start of
        drop-off service (minutes).
    """

    number: int
    pickup: int
    dropoff: int
    load: tuple[int, ...]
    max_ride_time: float


@dataclass(frozen=True)
class Vehicle:
    """One vehicle: its capacity in each load dimension of the instance, and its fixed cost.

    Parameters
    ----------
    capacity
        Units it can carry at once in each load dimension of the instance.
    fixed_cost
        Cost counted once when the vehicle serves at least one request (nothing when it
        stays at the depot), in the units of the travel cost; a fixed cost above the
        travel a second vehicle would save makes the routing use fewer vehicles.
    """

    capacity: tuple[int, ...]
    fixed_cost: float = 0.0


@dataclass(frozen=True, eq=False)
class DarpInstance:
    """A dial-a-ride instance (see the module docstring for its conventions).

    Parameters
    ----------
    name
        A label (the file stem for files read from disk).
    dimensions
        Names of the load dimensions, e.g. ``("seats", "wheelchair spaces")``.
    nodes
        All nodes, ``nodes[i].id == i``: start depot, pickups, drop-offs, end depot.
    requests
        Requests ``1..n`` in order.
    vehicles
        The fleet; every vehicle starts at :attr:`start_depot` and ends at :attr:`end_depot`.
    max_route_duration
        Longest allowed time from leaving the start depot to reaching the end depot.
    travel
        Travel time (= cost) between nodes, shape ``(len(nodes), len(nodes))``.
    ride_cost
        Cost per passenger-minute on board beyond the direct drive (a request's ride time
        minus ``travel[pickup, dropoff]``), in the units of the travel cost; ``0`` (the
        default, and Cordeau's objective) counts vehicles' costs only. A positive value
        makes the objective a generalised cost: vehicles' costs plus passengers' excess
        ride time valued at this price.
    """

    name: str
    dimensions: tuple[str, ...]
    nodes: tuple[Node, ...]
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    max_route_duration: float
    travel: np.ndarray
    ride_cost: float = 0.0

    def __post_init__(self) -> None:
        """Check the invariants the checker and the solver rely on."""
        n_nodes = len(self.nodes)
        if [node.id for node in self.nodes] != list(range(n_nodes)):
            raise ValueError("nodes must be numbered 0..len(nodes)-1 in order")
        if self.travel.shape != (n_nodes, n_nodes):
            raise ValueError(f"travel must be {n_nodes}x{n_nodes}, got {self.travel.shape}")
        n = len(self.requests)
        if n_nodes != 2 * n + 2:
            raise ValueError(f"{n} requests need {2 * n + 2} nodes (two depots), got {n_nodes}")
        for i, req in enumerate(self.requests, start=1):
            if (req.number, req.pickup, req.dropoff) != (i, i, n + i):
                raise ValueError(f"request {i} must be picked up at node {i} and dropped at node {n + i}")
            if len(req.load) != len(self.dimensions):
                raise ValueError(f"request {i} has {len(req.load)} loads for {len(self.dimensions)} dimensions")
        for vehicle in self.vehicles:
            if len(vehicle.capacity) != len(self.dimensions):
                raise ValueError(f"a vehicle has {len(vehicle.capacity)} capacities "
                                 f"for {len(self.dimensions)} dimensions")
            if not (math.isfinite(vehicle.fixed_cost) and vehicle.fixed_cost >= 0):
                raise ValueError(f"a vehicle has fixed cost {vehicle.fixed_cost}; it must be finite and >= 0")
        if not (math.isfinite(self.ride_cost) and self.ride_cost >= 0):
            raise ValueError(f"ride_cost is {self.ride_cost}; it must be finite and >= 0")
        self.travel.setflags(write=False)

    @property
    def start_depot(self) -> int:
        """Node id of the start depot (always 0)."""
        return 0

    @property
    def end_depot(self) -> int:
        """Node id of the end depot (``2n + 1``)."""
        return len(self.nodes) - 1

    @property
    def n_requests(self) -> int:
        """Number of requests ``n``."""
        return len(self.requests)

    def request_of(self, node: int) -> Request:
        """The request whose pickup or drop-off is ``node`` (not a depot)."""
        n = self.n_requests
        if not 1 <= node <= 2 * n:
            raise ValueError(f"node {node} is not a pickup or drop-off (1..{2 * n})")
        return self.requests[(node - 1) % n]

    def load_change(self, node: int) -> tuple[int, ...]:
        """Change in each load dimension when serving ``node``: +load at a pickup, -load at a drop-off, 0 at a depot."""
        if node in (self.start_depot, self.end_depot):
            return (0,) * len(self.dimensions)
        req = self.request_of(node)
        sign = 1 if node == req.pickup else -1
        return tuple(sign * q for q in req.load)


def euclidean_matrix(nodes: tuple[Node, ...]) -> np.ndarray:
    """Euclidean distances between the nodes' coordinates, not rounded."""
    xy = np.array([(node.x, node.y) for node in nodes], dtype=np.float64)
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def read_cordeau(path: str | Path) -> DarpInstance:
    """Read a dial-a-ride instance in Cordeau's (2006) format.

    Line 1 is ``K N T Q L`` (vehicles, node count, maximum route duration, vehicle
    capacity, maximum ride time). Then one line per node, ``id x y service load
    earliest latest``: depot 0, pickups ``1..n``, drop-offs ``n+1..2n`` and optionally
    an end depot ``2n+1``. ``N`` is ``2n`` in most files but ``n`` in some (a3-18,
    a4-16), so ``n`` is taken from the number of node lines and ``N`` only checked
    to be one of the two.

    Parameters
    ----------
    path
        The instance file.

    Returns
    -------
    DarpInstance
        One load dimension (:data:`CORDEAU_DIMENSIONS`), ``K`` identical vehicles,
        the same ride-time limit for every request, Euclidean travel times.

    Raises
    ------
    InputError
        One line naming the file, the line and the fix, when the file is unreadable
        or does not follow the format.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise input_error(path, "file", f"cannot read it ({err.__class__.__name__})",
                          "give the path of a readable DARP instance file") from err
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise input_error(path, "line 1", "the file is empty", _FORMAT_FIX)
    header_line, header = lines[0]
    k, n_nodes_declared, duration, capacity, ride = _numbers(path, header_line, header, "header 'K N T Q L'", 5)
    if k != int(k) or k < 1 or capacity != int(capacity) or capacity < 0:
        raise input_error(path, f"line {header_line}", "K must be a whole number >= 1 and Q a whole number >= 0",
                          _FORMAT_FIX)
    rows = [(number, _numbers(path, number, fields, "node 'id x y service load earliest latest'", 7))
            for number, fields in lines[1:]]
    for expected_id, (number, row) in enumerate(rows):
        if row[0] != expected_id:
            raise input_error(path, f"line {number}", f"node id {row[0]:g} where {expected_id} was expected",
                              "number the nodes 0, 1, 2, ... in order, one per line")
    n, has_end_depot = divmod(len(rows) - 1, 2)
    if n < 1 or n_nodes_declared not in (n, 2 * n):
        raise input_error(path, f"line {header_line}",
                          f"N = {n_nodes_declared:g} but the file has {len(rows)} node lines "
                          f"(depot, {n} pickups, {n} drop-offs{', end depot' if has_end_depot else ''})",
                          "give N = 2n (or n) for n requests, with lines for depot 0, nodes 1..2n "
                          "and optionally an end depot 2n+1")
    nodes = [Node(id=int(r[0]), x=r[1], y=r[2], service=r[3], earliest=r[5], latest=r[6]) for _, r in rows]
    for number, row in rows:
        if row[5] > row[6] or row[3] < 0:
            raise input_error(path, f"line {number}", f"window {row[5]:g}..{row[6]:g} with service {row[3]:g}",
                              "give earliest <= latest and a service time >= 0")
    requests = []
    for i in range(1, n + 1):
        (p_line, pickup), (d_line, dropoff) = rows[i], rows[n + i]
        if pickup[4] != int(pickup[4]) or pickup[4] < 0 or dropoff[4] != -pickup[4]:
            raise input_error(path, f"line {d_line}",
                              f"drop-off {n + i} has load {dropoff[4]:g} but pickup {i} (line {p_line}) "
                              f"has load {pickup[4]:g}",
                              "give each pickup a whole load >= 0 and its drop-off the same load negated")
        requests.append(Request(number=i, pickup=i, dropoff=n + i, load=(int(pickup[4]),), max_ride_time=ride))
    if not has_end_depot:
        depot = nodes[0]
        nodes.append(Node(2 * n + 1, depot.x, depot.y, depot.service, depot.earliest, depot.latest))
    all_nodes = tuple(nodes)
    return DarpInstance(
        name=path.stem,
        dimensions=CORDEAU_DIMENSIONS,
        nodes=all_nodes,
        requests=tuple(requests),
        vehicles=tuple(Vehicle(capacity=(int(capacity),)) for _ in range(int(k))),
        max_route_duration=duration,
        travel=euclidean_matrix(all_nodes),
    )


def _numbers(path: Path, line: int, fields: list[str], what: str, count: int) -> list[float]:
    """``count`` finite numbers from one line, or an :class:`InputError` naming the line."""
    try:
        values = [float(field) for field in fields]
    except ValueError:
        values = []
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise input_error(path, f"line {line}", f"expected {count} numbers ({what}), got {len(fields)} fields",
                          _FORMAT_FIX)
    return values
