"""The trade-offs a sweep's plans are compared on, and the Pareto front over them.

Kept apart from :mod:`hubplan.sweep.results` (one row per variant) and
:mod:`hubplan.sweep.decisions` (one row per decision), which both take the front.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["TRADE_OFFS", "pareto_front"]

#: The trade-offs of the Pareto front, all to be made small: column -> label.
TRADE_OFFS: Mapping[str, str] = {
    "sites_open": "sites open",
    "mean_minutes": "mean journey (minutes)",
    "isolated": "people over the isolation threshold",
    "annual_building_cost": "annual building cost (GBP)",
}


def pareto_front(table: pd.DataFrame) -> pd.Series:
    """Whether each row (a variant, or a decision) is on the Pareto front of :data:`TRADE_OFFS`.

    On the front, none of the trade-offs can improve for free. A row without a plan is
    not on the front; a trade-off no row has a figure for (e.g. costs when no site has
    one) is left out.

    Examples
    --------
    >>> t = pd.DataFrame({"sites_open": [5, 6, 6], "mean_minutes": [20.0, 18.0, 19.0], "isolated": [3.0, 3.0, 3.0],
    ...                   "annual_building_cost": [np.nan] * 3, "status": ["optimal"] * 3})
    >>> pareto_front(t).tolist()
    [True, True, False]
    """
    planned = table["status"].isin(["optimal", "feasible"]).to_numpy()
    columns = [c for c in TRADE_OFFS if c in table and table.loc[planned, c].notna().any()]
    values = table[columns].to_numpy(dtype=float)
    values = np.where(np.isnan(values), np.inf, values)
    rows = np.flatnonzero(planned)
    front = np.zeros(len(table), bool)
    if rows.size and columns:
        sub = values[rows]
        no_worse = (sub[:, None, :] <= sub[None, :, :]).all(axis=2)   # [a, b]: a is no worse than b anywhere
        better = (sub[:, None, :] < sub[None, :, :]).any(axis=2)
        dominated = (no_worse & better).any(axis=0)
        front[rows] = ~dominated
    return pd.Series(front, index=table.index, name="on_pareto_front")
