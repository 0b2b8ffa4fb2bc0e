"""No-good cuts: rows that cut whole plans off a :class:`~hubplan.core.formulate.MipModel`.

Used by :mod:`hubplan.core.alternatives` to find the next best distinct plan. By
tiers, each row removes exactly one set of open sites per tier and leaves every
other plan feasible; by buildings, each row removes every plan with one set of open
buildings (whichever tiers they host), so the next plan opens different buildings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hubplan.core.formulate import Layout, MipModel
from hubplan.core.problem import Problem
from hubplan.core.vocabulary import FloatArray, IntArray

__all__ = ["DISTINCT", "exclude_plans"]

#: What makes two plans distinct: the set of open buildings, or the open sites of each tier.
DISTINCT = ("buildings", "tiers")


def exclude_plans(problem: Problem, model: MipModel, layout: Layout,
                  plans: Sequence[Mapping[str, tuple[int, ...]]], *, by: str = "tiers") -> None:
    """Cut off each of ``plans`` (open sites per tier) with one no-good row; every other plan stays feasible.

    By ``"tiers"``, with ``S`` the plan's open (tier, site) pairs, the row is
    ``sum_{(t,j) not in S} y_tj - sum_{(t,j) in S} y_tj >= 1 - |S|``: it fails only when
    exactly the sites of ``S`` are open in exactly their tiers. A plan naming a site
    its tier may not open is infeasible already and gets no row.

    By ``"buildings"``, with ``B`` the plan's open buildings (sites open in any tier),
    the same row over the building decisions ``b_j`` (or, with one tier per site,
    ``b_j = sum_t y_tj``) fails for every plan opening exactly the buildings of ``B``.
    """
    if by == "buildings":
        _exclude_buildings(problem, model, layout, plans)
        return
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


def _exclude_buildings(problem: Problem, model: MipModel, layout: Layout,
                       plans: Sequence[Mapping[str, tuple[int, ...]]]) -> None:
    """One row per plan: ``sum_{j not in B} b_j - sum_{j in B} b_j >= 1 - |B|`` over the building columns."""
    columns = [layout.building] if layout.building is not None else list(layout.y)
    may_open = np.logical_or.reduce([ymap >= 0 for ymap in columns])
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[float] = []
    for plan in plans:
        chosen = np.unique(np.concatenate([np.asarray(plan.get(t.name, ()), dtype=np.int64) for t in problem.tiers]))
        if not (((chosen >= 0) & (chosen < problem.n_sites)).all() and may_open[chosen].all()):
            continue
        for ymap in columns:
            sites = np.flatnonzero(ymap >= 0)
            rows.append(np.full(sites.size, len(lower)))
            cols.append(ymap[sites])
            vals.append(np.where(np.isin(sites, chosen), -1.0, 1.0))
        lower.append(1.0 - chosen.size)
    if lower:
        model.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), np.asarray(lower),
                       np.inf, len(lower))
