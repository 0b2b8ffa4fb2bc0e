"""A typed capacitated location-routing instance and a reader for Prodhon's file format.

The capacitated location-routing problem (LRP): open a subset of candidate depots
(each with an opening cost and a capacity) and route vehicles (each with a capacity
and a fixed cost per route used) from the open depots, so that every customer is
visited exactly once by a route that starts and ends at the same open depot, no route
carries more than the vehicle capacity and no depot serves more than its capacity.
The cost is the opening costs of the depots used, plus the fixed cost of each route,
plus the travel costs.

File format (Prodhon 2006; also Barreto's and Tuzun-Burke's sets converted to it), all
numbers whitespace-separated::

    n                      number of customers
    m                      number of candidate depots
    m lines: x y           depot coordinates
    n lines: x y           customer coordinates
    Q                      vehicle capacity
    m values               depot capacities
    n values               customer demands
    m values               depot opening costs
    F                      fixed cost per route used
    flag                   0: integer arc costs from 100 * Euclidean distance;
                           1: arc cost = the Euclidean distance itself

With flag 0 (every Prodhon instance) the best known values of the literature use
``ceil(100 * distance)``: routes of cost 54,793, 39,104, 48,908 and 37,542 on
coord20-5-1, -1b, -2 and -2b (their proven optima) recompute to exactly those values
with it, and to 20-24 less with truncation (which the reference README states) or 9-16
less with rounding. So :attr:`LrpInstance.cost` holds the rounded-up integers.

Examples
--------
>>> inst = LrpInstance.from_points([[0, 0], [10, 0]], [[1, 0], [11, 0], [12, 0]],
...                                demand=[1, 1, 1], vehicle_capacity=2,
...                                depot_capacity=[3, 3], opening_cost=[100, 100], route_cost=10)
>>> inst.n_customers, inst.n_depots, int(inst.cost[0, 2]), int(inst.cost[2, 3])
(3, 2, 100, 1000)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hubplan.errors import InputError, input_error

__all__ = ["LrpInstance", "arc_costs", "read_prodhon"]

FloatArray = npt.NDArray[np.float64]

#: Slack below a whole number that still rounds to it (floating-point noise in 100 * distance).
INTEGER_TOLERANCE = 1e-7

_FORMAT_FIX = ("use the Prodhon LRP format: n, m, m depot 'x y' lines, n customer 'x y' lines, vehicle capacity, "
               "m depot capacities, n demands, m opening costs, route cost, cost flag (0 or 1)")


def arc_costs(points: npt.ArrayLike, *, integer: bool) -> FloatArray:
    """Travel cost between every pair of points.

    Parameters
    ----------
    points
        Coordinates, shape ``(k, 2)``.
    integer
        ``True``: ``ceil(100 * distance)`` (Prodhon's flag 0; see the module docstring);
        ``False``: the Euclidean distance.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` symmetric, zero diagonal.

    Examples
    --------
    >>> arc_costs([[0, 0], [3, 4], [1, 1]], integer=True).tolist()
    [[0.0, 500.0, 142.0], [500.0, 0.0, 361.0], [142.0, 361.0, 0.0]]
    """
    xy = np.asarray(points, dtype=np.float64)
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    # the tolerance keeps an exact whole distance (3-4-5) from rounding up past itself
    return np.ceil(100.0 * dist - INTEGER_TOLERANCE) + 0.0 if integer else dist  # + 0.0: no -0.0


def _frozen(values: npt.ArrayLike) -> FloatArray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class LrpInstance:
    """A capacitated location-routing instance (arrays are read-only).

    Node numbering in :attr:`cost`: depots ``0..m-1``, then customers ``m..m+n-1``
    (customer ``i`` is node ``m + i``).

    Parameters
    ----------
    name
        The instance's name (the file stem when read from a file).
    depot_xy, customer_xy
        Coordinates, shapes ``(m, 2)`` and ``(n, 2)``.
    demand
        Demand of each customer, ``(n,)``.
    vehicle_capacity
        Largest load of one route.
    depot_capacity
        Largest total load of the routes of each depot, ``(m,)``.
    opening_cost
        Cost of opening each depot, ``(m,)``.
    route_cost
        Fixed cost of each route (vehicle) used.
    integer_costs
        Whether arc costs are ``ceil(100 * distance)`` (Prodhon's flag 0) or distances.
    cost
        Arc costs between all nodes, ``(m + n, m + n)``, derived from the coordinates.
    """

    name: str
    depot_xy: FloatArray
    customer_xy: FloatArray
    demand: FloatArray
    vehicle_capacity: float
    depot_capacity: FloatArray
    opening_cost: FloatArray
    route_cost: float
    integer_costs: bool
    cost: FloatArray

    @classmethod
    def from_points(  # noqa: PLR0913 - the instance's fields, by name
        cls,
        depot_xy: npt.ArrayLike,
        customer_xy: npt.ArrayLike,
        *,
        demand: npt.ArrayLike,
        vehicle_capacity: float,
        depot_capacity: npt.ArrayLike,
        opening_cost: npt.ArrayLike,
        route_cost: float,
        integer_costs: bool = True,
        name: str = "lrp",
    ) -> LrpInstance:
        """Build an instance from coordinates, deriving the arc costs (arguments as the fields).

        Raises
        ------
        InputError
            When shapes disagree or a value is negative or not finite.
        """
        dxy = np.asarray(depot_xy, dtype=np.float64).reshape(-1, 2)
        cxy = np.asarray(customer_xy, dtype=np.float64).reshape(-1, 2)
        points = np.vstack([dxy, cxy])
        inst = cls(name=name, depot_xy=_frozen(dxy), customer_xy=_frozen(cxy), demand=_frozen(demand),
                   vehicle_capacity=float(vehicle_capacity), depot_capacity=_frozen(depot_capacity),
                   opening_cost=_frozen(opening_cost), route_cost=float(route_cost),
                   integer_costs=bool(integer_costs), cost=_frozen(arc_costs(points, integer=integer_costs)))
        inst.validate()
        return inst

    @property
    def n_customers(self) -> int:
        """Number of customers ``n``."""
        return int(self.customer_xy.shape[0])

    @property
    def n_depots(self) -> int:
        """Number of candidate depots ``m``."""
        return int(self.depot_xy.shape[0])

    def validate(self) -> None:
        """Check shapes and values.

        Raises
        ------
        InputError
            Naming the first bad field.
        """
        n, m = self.n_customers, self.n_depots
        checks = [("demand", self.demand, n), ("depot capacities", self.depot_capacity, m),
                  ("opening costs", self.opening_cost, m)]
        if n < 1 or m < 1:
            raise input_error(self.name, "n, m", f"need at least one customer and one depot, got n={n}, m={m}",
                              _FORMAT_FIX)
        for field, values, size in checks:
            if values.shape != (size,):
                raise input_error(self.name, field, f"expected {size} values, got {values.shape[0]}", _FORMAT_FIX)
            if not (np.all(np.isfinite(values)) and np.all(values >= 0)):
                raise input_error(self.name, field, "must be finite and >= 0", "correct the value in the file")
        for field, value in (("vehicle capacity", self.vehicle_capacity), ("route cost", self.route_cost)):
            if not (np.isfinite(value) and value >= 0):
                raise input_error(self.name, field, f"must be finite and >= 0, got {value}", "correct the file")
        too_big = np.flatnonzero(self.demand > self.vehicle_capacity)
        if too_big.size:
            raise input_error(self.name, "demand", f"customer {int(too_big[0])} needs "
                              f"{self.demand[too_big[0]]:g}, more than the vehicle capacity "
                              f"{self.vehicle_capacity:g}", "split the customer or raise the capacity")
        if self.depot_capacity.sum() < self.demand.sum():
            raise input_error(self.name, "depot capacities", f"total {self.depot_capacity.sum():g} is below "
                              f"the total demand {self.demand.sum():g}", "add depots or raise capacities")


def _numbers(path: Path) -> list[float]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise input_error(path, "file", f"cannot be read ({err.strerror})", "give an existing LRP file") from err
    try:
        return [float(tok) for tok in text.split()]
    except ValueError as err:
        raise input_error(path, "numbers", f"not a number ({err})", _FORMAT_FIX) from err


def read_prodhon(path: str | Path) -> LrpInstance:
    """Read a location-routing instance in Prodhon's format (module docstring).

    Parameters
    ----------
    path
        The ``.dat`` file.

    Returns
    -------
    LrpInstance
        Named by the file's stem.

    Raises
    ------
    InputError
        When the file is missing, truncated or inconsistent (the message names the field).
    """
    path = Path(path)
    tok = _numbers(path)
    if len(tok) < 2:
        raise input_error(path, "n, m", "the file does not start with two counts", _FORMAT_FIX)
    n, m = int(tok[0]), int(tok[1])
    if n != tok[0] or m != tok[1] or n < 1 or m < 1:
        raise input_error(path, "n, m", f"counts must be positive integers, got {tok[0]:g} and {tok[1]:g}",
                          _FORMAT_FIX)
    need = 2 + 2 * m + 2 * n + 1 + m + n + m + 1 + 1
    if len(tok) < need:
        raise input_error(path, "file", f"{len(tok)} numbers, but n={n}, m={m} need {need}", _FORMAT_FIX)
    at = 2
    depot_xy = np.array(tok[at:at + 2 * m]).reshape(m, 2)
    at += 2 * m
    customer_xy = np.array(tok[at:at + 2 * n]).reshape(n, 2)
    at += 2 * n
    vehicle_capacity = tok[at]
    depot_capacity = tok[at + 1:at + 1 + m]
    at += 1 + m
    demand = tok[at:at + n]
    opening_cost = tok[at + n:at + n + m]
    at += n + m
    route_cost, flag = tok[at], tok[at + 1]
    if flag not in (0.0, 1.0):
        raise input_error(path, "cost flag", f"must be 0 (integer costs) or 1 (real), got {flag:g}", _FORMAT_FIX)
    try:
        return LrpInstance.from_points(depot_xy, customer_xy, demand=demand, vehicle_capacity=vehicle_capacity,
                                       depot_capacity=depot_capacity, opening_cost=opening_cost,
                                       route_cost=route_cost, integer_costs=flag == 0.0, name=path.stem)
    except InputError as err:
        first = err.issues[0]
        raise input_error(path, first.field, first.problem, first.fix) from err
