"""Who travels by the council's transport on a typical day, where from and to which site.

Pickup points are individual postcodes (Code-Point Open centroids): a client file's
own postcodes, or, for the census-based estimate, a seeded synthetic cohort drawn at
postcode level (:func:`hubplan.demand.synthetic_cohort`). Each person goes to the site
the plan sends their home area's tier to (when the plan splits an area's attendees
between sites, people are shared out by largest remainder, in a seeded order).

Then, per site and in a seeded random order (the same seed gives the same day):

1. ``council_transport_share`` of the site's attendees use the council's transport;
2. of those, a typical day's share, ``metrics.trips_per_week / service_days_per_week``,
   attend that day;
3. of those, ``wheelchair_share`` need a wheelchair space, unless the client file says
   who does (its ``wheelchair`` column).

Each step keeps the nearest whole number of people (halves round to even). The
operational list (with postcodes) never goes into public outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubplan.demand import apportion, geocode_client_file, synthetic_cohort
from hubplan.plan import Allocation, PreparedScenario
from hubplan.scenario import TransportConfig

__all__ = ["Passenger", "people_of_demand", "typical_day"]


@dataclass(frozen=True)
class Passenger:
    """One person travelling to a site on the typical day.

    Parameters
    ----------
    number
        A running number (stable for a scenario and seed), not an identifier of anyone.
    site_id, tier, segment
        Where they go, in which tier, and their demand segment.
    area_id
        Their home area (public outputs show only this).
    postcode
        Their pickup postcode (operational only; never published).
    lon, lat
        The postcode's centroid.
    wheelchair
        Whether they need a wheelchair space.
    """

    number: int
    site_id: str
    tier: str
    segment: str
    area_id: str
    postcode: str
    lon: float
    lat: float
    wheelchair: bool


def people_of_demand(prepared: PreparedScenario, config: TransportConfig) -> pd.DataFrame:
    """One row per attendee: ``postcode``, ``segment``, ``area_id``, ``wheelchair`` (float, NaN when unknown).

    A client file gives its own rows (``attendees`` expanded to one row each); a
    synthetic demand redraws its own cohort (same seed, same people); the estimate
    draws a cohort with the transport's ``seed``.
    """
    scenario = prepared.scenario
    demand_config = scenario.demand
    if demand_config.method == "client_file":
        path = scenario.resolve(demand_config.client_file)
        assert path is not None  # guaranteed by DemandConfig validation
        rows = geocode_client_file(prepared.study, demand_config, path).rows
        repeat = rows["attendees"].to_numpy(dtype=int)
        people = rows.loc[rows.index.repeat(repeat)].reset_index(drop=True)
        # a row's wheelchair count marks its first that many people
        position = _position_in_row(repeat)
        people["wheelchair"] = np.where(people["wheelchair"].isna(), np.nan,
                                        (position < people["wheelchair"].fillna(0)).astype(float))
        return people[["postcode", "segment", "area_id", "wheelchair"]]
    seed = demand_config.seed if demand_config.method == "synthetic" else config.seed
    cohort = synthetic_cohort(prepared.study, demand_config, seed=seed)
    area_of = prepared.study.postcodes.set_index("postcode")["area_id"]
    cohort["area_id"] = cohort["postcode"].map(area_of)
    cohort["wheelchair"] = np.nan
    return cohort[["postcode", "segment", "area_id", "wheelchair"]]


def _position_in_row(repeat: np.ndarray) -> np.ndarray:
    """0, 1, ... within each expanded row: ``[2, 1]`` -> ``[0, 1, 0]``."""
    starts = np.repeat(np.cumsum(repeat) - repeat, repeat)
    return np.arange(int(repeat.sum())) - starts


def _sites_of_people(people: pd.DataFrame, allocation: Allocation, segment_tier: dict[str, str],
                     rng: np.random.Generator) -> pd.DataFrame:
    """Give each person their site and tier from the plan's flows (area, tier) -> sites."""
    people = people.assign(tier=people["segment"].map(segment_tier), site_id="")
    flows = allocation.flows[allocation.flows["attendees"] > 0]
    shares = {key: group for key, group in flows.groupby(["area_id", "tier"], sort=True)}
    for key, group in people.groupby(["area_id", "tier"], sort=True):
        options = shares.get(key)
        if options is None:
            continue  # nobody is sent from this area in this tier (e.g. beyond every reach limit)
        counts = apportion(len(group), options["attendees"].to_numpy(dtype=float))
        order = rng.permutation(len(group))
        people.loc[group.index[order], "site_id"] = np.repeat(options["site_id"].to_numpy(), counts)
    return people[people["site_id"] != ""]


def _keep(count: int, share: float) -> int:
    """The nearest whole number of ``share`` of ``count`` people (halves to even)."""
    return int(np.rint(count * share))


def typical_day(prepared: PreparedScenario, allocation: Allocation, config: TransportConfig) -> tuple[Passenger, ...]:
    """The people who travel by the council's transport on a typical day (see the module docstring).

    Parameters
    ----------
    prepared
        The run's inputs (study area, demand, scenario).
    allocation
        The plan: which sites are open and where each home area's attendees go.
    config
        The scenario's ``[transport]`` table.

    Returns
    -------
    tuple of Passenger
        Ordered by site, then number.
    """
    rng = np.random.default_rng(config.seed)
    people = _sites_of_people(people_of_demand(prepared, config), allocation, prepared.scenario.segment_tiers(), rng)
    location = prepared.study.postcodes.set_index("postcode")[["lon", "lat"]]
    day_share = min(1.0, prepared.scenario.metrics.trips_per_week / config.service_days_per_week)
    passengers: list[Passenger] = []
    for site_id, group in people.groupby("site_id", sort=True):
        council = group.iloc[rng.permutation(len(group))[:_keep(len(group), config.council_transport_share)]]
        today = council.iloc[rng.permutation(len(council))[:_keep(len(council), day_share)]]
        known = today["wheelchair"].notna().all()
        needs = (today["wheelchair"] > 0).to_numpy() if known else \
            np.isin(np.arange(len(today)), rng.permutation(len(today))[:_keep(len(today), config.wheelchair_share)])
        for (_, person), wheelchair in zip(today.iterrows(), needs, strict=True):
            lon, lat = location.loc[person["postcode"]]
            passengers.append(Passenger(len(passengers), str(site_id), str(person["tier"]), str(person["segment"]),
                                        str(person["area_id"]), str(person["postcode"]), float(lon), float(lat),
                                        bool(wheelchair)))
    return tuple(passengers)
