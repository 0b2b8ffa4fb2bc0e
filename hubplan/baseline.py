"""Today's network as it is: every home area goes to its nearest open (required) site."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubplan.errors import input_error
from hubplan.plan import Allocation, PreparedScenario
from hubplan.provenance import SolverRecord

__all__ = ["NEAREST_OPEN_SITE", "nearest_open"]

NEAREST_OPEN_SITE = "nearest open site"
"""How an evaluation assigns attendees, as the solver record names it."""


def nearest_open(prepared: PreparedScenario) -> Allocation:
    """Send every home area to its nearest required site.

    Parameters
    ----------
    prepared
        The run's inputs.

    Returns
    -------
    Allocation
        Open sites (the required ones) and each home area's flow to its nearest.

    Raises
    ------
    InputError
        No site is required, or a home area reaches none of them.
    """
    scenario = prepared.scenario
    active_sites = prepared.sites[prepared.active].reset_index(drop=True)
    required = (active_sites["role"] == "required").to_numpy()
    if not required.any():
        raise input_error(scenario.source_path, "sites.roles",
                          "no site has role 'required', so nothing is open to evaluate",
                          "mark today's buildings as required (or use `hubplan run` to choose sites)")
    minutes = np.where(required[None, :], prepared.travel.minutes, np.inf)
    nearest = np.argmin(minutes, axis=1)
    rows = np.arange(minutes.shape[0])
    chosen_minutes = minutes[rows, nearest]
    unreachable = ~np.isfinite(chosen_minutes)
    if unreachable.any():
        ids = [prepared.demand.area_ids[i] for i in np.flatnonzero(unreachable)[:3]]
        raise input_error(scenario.source_path, "travel", f"home areas {', '.join(ids)} reach no open site",
                          "use a road network that connects every home area to a site")
    tier_columns = [f"tier_{name}" for name in scenario.tiers if scenario.tiers[name].mode == "assign"]
    site_tier = [
        next((c.removeprefix("tier_") for c in tier_columns if active_sites.at[j, c]), "hub")
        for j in range(len(active_sites))
    ]
    flows = pd.DataFrame({
        "area_id": prepared.demand.area_ids,
        "site_id": active_sites["site_id"].to_numpy()[nearest],
        "tier": np.array(site_tier, dtype=object)[nearest],
        "attendees": prepared.demand.per_area(),
        "minutes": chosen_minutes,
        "km": prepared.travel.km[rows, nearest],
    })  # fmt: skip
    open_tiers: dict[str, tuple[str, ...]] = {
        str(active_sites.at[j, "site_id"]): (site_tier[j],) for j in np.flatnonzero(required)
    }
    return Allocation(open_tiers, flows, SolverRecord.evaluation(NEAREST_OPEN_SITE))
