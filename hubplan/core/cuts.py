"""No-good cuts: rows that cut whole plans off a :class:`~hubplan.core.formulate.MipModel`.

Used by :mod:`hubplan.core.alternatives` to find the next best distinct plan: each
row removes exactly one set of open sites per tier and leaves every other plan
feasible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hubplan.core.formulate import Layout, MipModel
from hubplan.core.problem import Problem
from hubplan.core.vocabulary import FloatArray, IntArray

__all__ = ["exclude_plans"]


def exclude_plans(problem: Problem, model: MipModel, layout: Layout,
                  plans: Sequence[Mapping[str, tuple[int, ...]]]) -> None:
    """Cut off each of ``plans`` (open sites per tier) with one no-good row; every other plan stays feasible.

    With ``S`` the plan's open (tier, site) pairs, the row is
    ``sum_{(t,j) not in S} y_tj - sum_{(t,j) in S} y_tj >= 1 - |S|``: it fails only when
    exactly the sites of ``S`` are open in exactly their tiers. A plan naming a site
    its tier may not open is infeasible already and gets no row.
    """
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[float] = []
    for plan in plans:
        chosen = [np.asarray(plan.get(tier.name, ()), dtype=np.int64) for tier in problem.tiers]
        if not all(_may_open(layout.y[t], sites) for t, sites in enumerate(chosen)):
            continue
        for t, ymap in enumerate(layout.y):
            sites = np.flatnonzero(ymap >= 0)
            inside = np.isin(sites, chosen[t])
            rows.append(np.full(sites.size, len(lower)))
            cols.append(ymap[sites])
            vals.append(np.where(inside, -1.0, 1.0))
        lower.append(1.0 - sum(np.unique(sites).size for sites in chosen))
    if lower:
        model.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), np.asarray(lower),
                       np.inf, len(lower))


def _may_open(ymap: IntArray, sites: IntArray) -> bool:
    """Whether every one of ``sites`` is a site of the problem that the tier may open."""
    inside = (sites >= 0) & (sites < ymap.size)
    return bool(inside.all() and (ymap[sites] >= 0).all())
