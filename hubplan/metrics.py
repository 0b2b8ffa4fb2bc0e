"""Journey, isolation, building-cost and carbon figures, overall and per locality.

Metrics are computed from allocations (attendees sent from a home area to a
site, with the journey's minutes and road km), so they apply equally to
today's network (``hubplan evaluate``) and to an optimised plan (``hubplan run``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hubplan.scenario import MetricsConfig

__all__ = ["SHARE_THRESHOLDS", "compute_metrics", "weighted_quantile"]

SHARE_THRESHOLDS: tuple[int, ...] = (15, 30, 45, 60)
"""Journey limits (minutes) for the 'share within' figures."""


def weighted_quantile(
    values: npt.ArrayLike, weights: npt.ArrayLike, quantile: float
) -> float:
    """Return the smallest value whose cumulative weight share reaches ``quantile``.

    Parameters
    ----------
    values, weights
        Journey minutes and the attendees making them.
    quantile
        In ``[0, 1]``.

    Returns
    -------
    float
        NaN when the weights sum to zero.

    Examples
    --------
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.5)
    20.0
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.9)
    30.0
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / total
    index = int(np.searchsorted(cumulative, quantile - 1e-12, side="left"))
    return float(values[order][min(index, len(values) - 1)])


def _journey_figures(
    rows: pd.DataFrame, isolation_minutes: float, params: MetricsConfig
) -> dict[str, Any]:
    weights = rows["attendees"].to_numpy(dtype=float)
    minutes = rows["minutes"].to_numpy(dtype=float)
    km = rows["km"].to_numpy(dtype=float)
    total = float(weights.sum())
    travelling = weights > 0
    isolated = minutes > isolation_minutes
    rural = rows["rural_urban"].to_numpy() == "Rural"
    legs = 2.0 if params.return_journeys else 1.0
    annual_km = float((weights * km).sum() * legs * params.trips_per_week * params.weeks_per_year)
    with np.errstate(invalid="ignore"):
        mean = float((weights * minutes).sum() / total) if total > 0 else float("nan")
    return {
        "attendees": total,
        "mean_minutes": mean,
        "median_minutes": weighted_quantile(minutes, weights, 0.5),
        "p90_minutes": weighted_quantile(minutes, weights, 0.9),
        "max_minutes": float(minutes[travelling].max()) if travelling.any() else float("nan"),
        "share_within": {
            str(limit): (float(weights[minutes <= limit].sum() / total) if total > 0 else float("nan"))
            for limit in SHARE_THRESHOLDS
        },
        "isolation_minutes": isolation_minutes,
        "isolated": {
            "rural": float(weights[isolated & rural].sum()),
            "urban": float(weights[isolated & ~rural].sum()),
            "total": float(weights[isolated].sum()),
        },
        "annual_travel_km": annual_km,
        "annual_co2e_tonnes": annual_km * params.co2e_kg_per_km / 1000.0,
    }


def _site_figures(sites: pd.DataFrame) -> dict[str, Any]:
    is_open = sites["status"] == "open"
    existing = sites["kind"] == "day_centre"
    return {
        "sites_open": int(is_open.sum()),
        "sites_closed": int((existing & ~is_open).sum()),
        "buildings_kept": int((existing & is_open).sum()),
        "annual_building_cost": float(sites.loc[is_open, "annual_cost"].sum(min_count=1)),
    }


def compute_metrics(
    allocations: pd.DataFrame,
    home_areas: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    localities: Sequence[str],
    isolation_minutes: float,
    params: MetricsConfig,
) -> dict[str, Any]:
    """Compute the run's figures overall and per locality.

    Parameters
    ----------
    allocations
        ``area_id``, ``site_id``, ``attendees``, ``minutes``, ``km``: one row
        per home area and site (and tier) that attendees travel between.
    home_areas
        ``area_id``, ``locality``, ``rural_urban``.
    sites
        ``site_id``, ``kind``, ``locality``, ``status`` (open/closed/not_selected),
        ``annual_cost`` (NaN = not known; the total is NaN when no open site has a cost).
    localities
        Locality names, in reporting order.
    isolation_minutes
        Journeys longer than this count as isolated.
    params
        Travel-frequency and carbon assumptions.

    Returns
    -------
    dict
        ``{"overall": {...}, "localities": {name: {...}}, "parameters": {...}}``, JSON-ready.
    """
    rows = allocations.merge(
        home_areas[["area_id", "locality", "rural_urban"]], on="area_id", how="left", validate="many_to_one"
    )
    overall = _journey_figures(rows, isolation_minutes, params) | _site_figures(sites)
    per_locality: dict[str, Mapping[str, Any]] = {}
    for name in localities:
        per_locality[name] = _journey_figures(
            rows[rows["locality"] == name], isolation_minutes, params
        ) | _site_figures(sites[sites["locality"] == name])
    return {
        "overall": overall,
        "localities": per_locality,
        "parameters": {
            "trips_per_week": params.trips_per_week,
            "weeks_per_year": params.weeks_per_year,
            "return_journeys": params.return_journeys,
            "co2e_kg_per_km": params.co2e_kg_per_km,
            "co2e_source": params.co2e_source,
            "share_thresholds_minutes": list(SHARE_THRESHOLDS),
        },
    }
