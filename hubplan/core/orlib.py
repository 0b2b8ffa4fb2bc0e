"""Read J.E. Beasley's OR-Library p-median and capacitated warehouse instances into Problems.

The instances and their published optima live in ``<repo>/../shared/reference/orlib``
(``optima.csv`` records where each value comes from). They are hubplan's proof of
correctness: the solver must reproduce every published optimum.

Formats
-------
pmed
    ``n m p`` then ``m`` lines ``i j cost``: an undirected graph, 1-based vertices;
    when an edge is listed twice the LAST cost wins. Clients = sites = vertices,
    cost = all-pairs shortest path length, demand 1, exactly ``p`` medians.
cap
    ``m n``; ``m`` lines ``capacity fixed_cost``; then per customer its demand
    followed by ``m`` numbers: the cost of serving ALL of its demand from each
    warehouse. Demand is splittable.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import csgraph_from_dense, shortest_path

from hubplan.core.problem import Objective, Problem
from hubplan.errors import DataError

__all__ = [
    "Optimum",
    "instance_problem",
    "read_cap",
    "read_optima",
    "read_pmed",
    "reference_dir",
]

logger = logging.getLogger(__name__)

#: Environment variable that may point at the shared reference folder.
REFERENCE_ENV_VAR = "HUBPLAN_REFERENCE"


def reference_dir() -> Path:
    """Return ``$HUBPLAN_REFERENCE`` or ``<repo>/../shared/reference``."""
    env = os.environ.get(REFERENCE_ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def _numbers(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError as err:
        raise DataError(f"{path}: cannot read OR-Library file ({err}); fix: check the path "
                        f"or set {REFERENCE_ENV_VAR}") from err


def read_pmed(path: str | Path) -> Problem:
    """Read an OR-Library ``pmed`` file as a p-median :class:`Problem`.

    Parameters
    ----------
    path
        The ``pmedN.txt`` file.

    Returns
    -------
    Problem
        Costs are shortest-path lengths (integers stored as floats).

    Raises
    ------
    DataError
        When the file is missing or malformed.
    """
    path = Path(path)
    tok = _numbers(path)
    try:
        n, m, p = (int(x) for x in tok[:3])
        edges = np.asarray(tok[3 : 3 + 3 * m], dtype=np.float64).reshape(m, 3)
    except ValueError as err:
        raise DataError(f"{path}: header/edges: not 'n m p' + m 'i j cost' lines ({err}); "
                        "fix: use an OR-Library pmed file") from err
    graph = np.full((n, n), np.inf)
    for i, j, c in edges:  # in file order: the last listing of an edge wins
        a, b = int(i) - 1, int(j) - 1
        graph[a, b] = graph[b, a] = c
    np.fill_diagonal(graph, np.inf)
    dist = shortest_path(csgraph_from_dense(graph, null_value=np.inf), method="D", directed=False)
    return Problem.from_matrix(dist, np.ones(n), p=p, source=path.name)


def read_cap(path: str | Path, *, capacitated: bool = True) -> Problem:
    """Read an OR-Library ``cap`` file as a facility-location :class:`Problem`.

    Parameters
    ----------
    path
        The ``capNNN.txt`` file.
    capacitated
        ``False`` ignores capacities (the ``*_uncap`` rows of ``optima.csv``).

    Returns
    -------
    Problem
        Cost per unit of demand = the file's all-demand cost / demand; objective =
        assignment cost + fixed cost.

    Raises
    ------
    DataError
        When the file is missing or malformed (e.g. the symbolic ``capacity`` of capa/b/c).
    """
    path = Path(path)
    tok = _numbers(path)
    try:
        m, n = int(tok[0]), int(tok[1])
        head = np.asarray(tok[2 : 2 + 2 * m], dtype=np.float64).reshape(m, 2)
        body = np.asarray(tok[2 + 2 * m : 2 + 2 * m + n * (m + 1)], dtype=np.float64).reshape(n, m + 1)
    except ValueError as err:
        raise DataError(f"{path}: warehouses/customers: malformed numbers ({err}); fix: use an "
                        "OR-Library cap file with numeric capacities") from err
    capacity, fixed = head[:, 0], head[:, 1]
    demand, total_cost = body[:, 0], body[:, 1:]
    unit = np.divide(total_cost, demand[:, None], out=np.zeros_like(total_cost),
                     where=demand[:, None] > 0)
    return Problem.from_matrix(
        unit, demand, fixed_cost=fixed, capacity=capacity if capacitated else None,
        objective=Objective(median=1.0, cost=1.0), source=path.name,
    )


@dataclass(frozen=True)
class Optimum:
    """One row of ``optima.csv``."""

    instance: str
    file: str
    optimal_value: float
    capacitated: bool


def read_optima(folder: str | Path | None = None) -> dict[str, Optimum]:
    """Read ``orlib/optima.csv``: instance name -> published optimum."""
    folder = Path(folder) if folder is not None else reference_dir() / "orlib"
    path = folder / "optima.csv"
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err}); fix: set {REFERENCE_ENV_VAR}") from err
    return {
        r["instance"]: Optimum(r["instance"], r["file"], float(r["optimal_value"]),
                               r.get("capacity_variant", "") != "ignore capacities")
        for r in rows
    }


def instance_problem(name: str, folder: str | Path | None = None) -> tuple[Problem, Optimum]:
    """Load an instance named in ``optima.csv`` (``pmed1``, ``cap41``, ``cap71_uncap``, ...).

    Parameters
    ----------
    name
        Instance name as in ``optima.csv``.
    folder
        The ``orlib`` folder; default ``reference_dir() / "orlib"``.

    Returns
    -------
    tuple
        The problem and its published optimum.

    Raises
    ------
    DataError
        When the name is not listed or a file cannot be read.
    """
    folder = Path(folder) if folder is not None else reference_dir() / "orlib"
    optima = read_optima(folder)
    if name not in optima:
        raise DataError(f"{folder / 'optima.csv'}: instance: {name!r} not listed; fix: use one of "
                        f"{', '.join(sorted(optima)[:6])}, ...")
    opt = optima[name]
    file = folder / opt.file
    if name.startswith("pmed"):
        return read_pmed(file), opt
    return read_cap(file, capacitated=opt.capacitated), opt
