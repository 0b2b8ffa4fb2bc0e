"""A sweep's decisions: the variants that differ only in their demand draw, compared over the same draws.

A *decision* is one setting of the parameters a commissioner chooses (e.g. 6 hubs);
its variants are that setting planned for each demand draw. Comparing single variants
would favour the luckiest cohort, so decisions are compared by the mean of each figure
over the draws, and only over the draws in which every decision with a plan has one (when
no draw is common to all, over the draws of the decisions planned most often). The
Pareto front (:func:`hubplan.sweep.results.pareto_front`) is taken over decisions;
robustness per decision is the plan chosen most often across its draws and how often.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"group": ["g5", "g5", "g6", "g6"], "tiers.hub.count": [5, 5, 6, 6],
...                   "demand.seed": [1, 2, 1, 2], "status": ["optimal"] * 4, "sites_open": [5.0, 5.0, 6.0, 6.0],
...                   "open_sites": ["a:hub;b:hub", "a:hub;b:hub", "a:hub;b:hub;c:hub", "a:hub;c:hub;d:hub"],
...                   "mean_minutes": [20.0, 22.0, 18.0, 19.0], "isolated": [2.0, 4.0, 1.0, 1.0],
...                   "annual_building_cost": [float("nan")] * 4})
>>> d = decision_table(("tiers.hub.count", "demand.seed"), t)
>>> d[["tiers.hub.count", "mean_minutes", "isolated", "top_plan_share", "plans", "on_pareto_front"]].values.tolist()
[[5, 21.0, 3.0, 1.0, 1, True], [6, 18.5, 1.0, 0.5, 2, True]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from hubplan.sweep.front import TRADE_OFFS, pareto_front
from hubplan.sweep.spec import SEED_AXIS

__all__ = ["PLANNED", "constant_figures", "decision_table", "front_of_variants"]

#: Statuses of a variant with a plan.
PLANNED = ("optimal", "feasible")


def _common_draws(axes: Sequence[str], planned: pd.DataFrame, groups: Sequence[str]) -> set[object]:
    """The demand draws in which every decision of ``groups`` has a plan (all rows when draws do not vary)."""
    if SEED_AXIS not in axes:
        return set()
    per_group = [set(planned.loc[planned["group"] == g, SEED_AXIS]) for g in groups]
    return set.intersection(*per_group) if per_group else set()


def decision_table(axes: Sequence[str], table: pd.DataFrame) -> pd.DataFrame:
    """One row per decision: its parameters, draws, mean figures over the common draws, top plan and front.

    Parameters
    ----------
    axes
        The sweep's axes (``SweepSpec.axes``).
    table
        :func:`hubplan.sweep.results.results_table`.

    Returns
    -------
    pandas.DataFrame
        ``group``, one column per axis but the draw, ``variants``, ``planned`` (variants
        with a plan), ``compared_draws`` (the draws the means are over), the
        :data:`~hubplan.sweep.results.TRADE_OFFS` figures as means, ``top_plan``
        (``open_sites`` of the plan chosen most often), ``top_plan_share`` (of the
        decision's plans), ``plans`` (distinct plans) and ``on_pareto_front``. A
        decision without a plan in every compared draw is not compared (NaN figures).
    """
    others = [axis for axis in axes if axis != SEED_AXIS]
    if table.empty:
        return pd.DataFrame(columns=["group", *others, "variants", "planned", "compared_draws", *TRADE_OFFS,
                                     "top_plan", "top_plan_share", "plans", "on_pareto_front"])
    planned = table[table["status"].isin(PLANNED)]
    groups = list(dict.fromkeys(table["group"]))
    full = [g for g in groups if (planned["group"] == g).any()]
    common = _common_draws(axes, planned, full)
    if SEED_AXIS in axes and not common:  # no draw all share: compare the decisions planned most often
        counts = planned.groupby("group").size()
        full = [g for g in full if int(counts.get(g, 0)) == int(counts.max())]
        common = _common_draws(axes, planned, full)
    rows = []
    for group in groups:
        mine = table[table["group"] == group]
        ok = planned[planned["group"] == group]
        row: dict[str, object] = {"group": group, **{axis: mine[axis].iloc[0] for axis in others},
                                  "variants": len(mine), "planned": len(ok)}
        compared = ok[ok[SEED_AXIS].isin(common)] if common else ok
        in_front = group in full
        row["compared_draws"] = len(compared) if in_front else 0
        for column in TRADE_OFFS:
            values = compared[column] if column in compared else pd.Series(dtype=float)
            row[column] = float(values.mean()) if in_front and values.notna().any() else float("nan")
        tally = ok["open_sites"].value_counts(sort=False) if len(ok) else pd.Series(dtype=int)
        if len(tally):
            ranked = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
            row |= {"top_plan": ranked[0][0], "top_plan_share": ranked[0][1] / len(ok), "plans": len(tally)}
        else:
            row |= {"top_plan": "", "top_plan_share": float("nan"), "plans": 0}
        row["status"] = "optimal" if in_front else "not compared"
        rows.append(row)
    out = pd.DataFrame(rows)
    out["on_pareto_front"] = pareto_front(out).to_numpy()
    return out.drop(columns="status").sort_values(others or ["group"], kind="stable").reset_index(drop=True)


def front_of_variants(table: pd.DataFrame, decisions: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Whether each variant belongs to a decision on the front (``on_pareto_front`` of ``variants.csv``)."""
    front = set(decisions.loc[decisions["on_pareto_front"], "group"])
    on_front: npt.NDArray[np.bool_] = (table["group"].isin(front) & table["status"].isin(PLANNED)).to_numpy(dtype=bool)
    return on_front


def constant_figures(table: pd.DataFrame, columns: Sequence[str] = tuple(TRADE_OFFS)) -> dict[str, float]:
    """The figures every variant with a plan shares (a chart of them would be flat): column -> value.

    A figure no variant has (all NaN, e.g. building costs when no site has one) is not listed.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["optimal"] * 2, "isolated": [0.0, 0.0], "mean_minutes": [20.0, 21.0],
    ...                   "sites_open": [5.0, 5.0], "annual_building_cost": [float("nan")] * 2})
    >>> constant_figures(t)
    {'sites_open': 5.0, 'isolated': 0.0}
    """
    planned = table[table["status"].isin(PLANNED)]
    out = {}
    for column in columns:
        values = planned[column].dropna() if column in planned else pd.Series(dtype=float)
        if len(values) and float(values.max() - values.min()) <= 1e-9 * max(1.0, abs(float(values.max()))):
            out[column] = float(values.iloc[0])
    return out
