"""The plan's types: what the stages hand to each other between preparing a run and recording it.

Types only: :func:`hubplan.pipeline.prepare` builds a :class:`PreparedScenario`;
:mod:`hubplan.baseline` and :mod:`hubplan.optimise` turn it into an
:class:`Allocation`; :mod:`hubplan.record` turns both into a run record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import JsonValue

from hubplan.data.study import StudyArea
from hubplan.demand import Demand
from hubplan.provenance import SolverRecord
from hubplan.scenario import Scenario
from hubplan.travel import TravelMatrix

__all__ = ["Allocation", "AlternativePlan", "PlanFigures", "PreparedScenario", "TierSwap"]


@dataclass(frozen=True)
class PreparedScenario:
    """The inputs of a run, built once.

    Parameters
    ----------
    scenario
        The validated scenario.
    study
        The study area.
    demand
        Attendees per home area and segment.
    sites
        Every site with its role and tiers (see :func:`hubplan.siting.resolve_sites`).
    active
        Boolean mask of the sites that take part (required or candidate).
    travel
        Minutes and road km from every home area to every active site.
    seconds
        Wall time of each stage.
    """

    scenario: Scenario
    study: StudyArea
    demand: Demand
    sites: gpd.GeoDataFrame
    active: np.ndarray
    travel: TravelMatrix
    seconds: dict[str, float]


@dataclass(frozen=True)
class TierSwap:
    """How an alternative plan differs from the best in one tier.

    Parameters
    ----------
    tier
        The tier.
    opened
        Site IDs open in this tier in the alternative but not in the best plan.
    closed
        Site IDs open in this tier in the best plan but not in the alternative.
    """

    tier: str
    opened: tuple[str, ...]
    closed: tuple[str, ...]


@dataclass(frozen=True)
class PlanFigures:
    """The figures a commissioner compares plans by, computed as the run's own metrics are.

    Parameters
    ----------
    isolated, isolated_rural, isolated_urban
        Attendees travelling longer than the isolation threshold, in all and from rural
        and urban home areas (``None`` when withheld for client records).
    isolation_minutes
        The threshold.
    longest_minutes, mean_minutes
        The longest journey of any attendee and the mean journey.
    annual_building_cost
        Sum of the open buildings' annual costs (``None`` when no open site has a known cost).
    buildings_kept, sites_closed, sites_open
        Today's day centres kept open and closed, and the sites open in all.
    annual_co2e_tonnes
        CO2e of the attendees' journeys in a year (the car-based travel model of the metrics).
    """

    isolated: float | None
    isolated_rural: float | None
    isolated_urban: float | None
    isolation_minutes: float
    longest_minutes: float
    mean_minutes: float
    annual_building_cost: float | None
    buildings_kept: int
    sites_closed: int
    sites_open: int
    annual_co2e_tonnes: float | None = None

    def withheld(self) -> PlanFigures:
        """The figures without counts of people (for client records)."""
        return replace(self, isolated=None, isolated_rural=None, isolated_urban=None)


@dataclass(frozen=True)
class AlternativePlan:
    """One of the near-best plans (``hubplan run --alternatives K``), for the manifest and the report.

    Parameters
    ----------
    rank
        2 for the second best plan, 3 for the third, ... (the best is the run's plan).
    status
        ``optimal`` when the solver proved it the best plan but those ranked above it.
    objective, best_bound
        Its objective and the proven bound over the plans not ranked above it
        (``None`` when withheld for client records).
    gap_to_best
        ``(objective - best objective) / |best objective|``.
    open_tiers
        ``{site_id: tiers}`` of every open site.
    swaps
        What it changes against the best plan, per tier that differs.
    site_names
        Site ID -> name of every site in ``swaps``.
    same_buildings
        True when it opens the same buildings as the best plan (it moves tiers between them only).
    opens, closes
        Site IDs of the buildings it opens that the best plan does not, and those the best plan opens but it does not.
    figures
        Its journeys, isolation, building cost and buildings kept and closed, when computed
        (:func:`hubplan.record.alternatives.with_figures`).
    """

    rank: int
    status: str
    objective: float | None
    best_bound: float | None
    gap_to_best: float | None
    open_tiers: Mapping[str, tuple[str, ...]]
    swaps: tuple[TierSwap, ...]
    site_names: Mapping[str, str] = field(default_factory=dict)
    same_buildings: bool = False
    opens: tuple[str, ...] = ()
    closes: tuple[str, ...] = ()
    figures: PlanFigures | None = None

    def withheld(self) -> AlternativePlan:
        """The plan without the figures that weigh exact counts of people (for client records)."""
        figures = None if self.figures is None else self.figures.withheld()
        return replace(self, objective=None, best_bound=None, gap_to_best=None, figures=figures)

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON-ready record (``manifest.json``'s ``alternatives``)."""
        return {
            "rank": self.rank, "status": self.status, "objective": self.objective, "best_bound": self.best_bound,
            "gap_to_best": self.gap_to_best, "open_tiers": {k: list(v) for k, v in self.open_tiers.items()},
            "swaps": [{"tier": s.tier, "opened": list(s.opened), "closed": list(s.closed)} for s in self.swaps],
            "site_names": dict(self.site_names), "same_buildings": self.same_buildings,
            "opens": list(self.opens), "closes": list(self.closes),
            "figures": None if self.figures is None else {
                name: getattr(self.figures, name) for name in PlanFigures.__dataclass_fields__},
        }


@dataclass(frozen=True)
class Allocation:
    """A plan: which sites are open in which tier, and who goes where.

    Parameters
    ----------
    open_tiers
        ``{site_id: tiers}`` for every open site: the tiers it hosts, in the
        scenario's order (one, unless ``constraints.tiers_per_site`` lets a site host several).
    flows
        ``area_id``, ``site_id``, ``tier``, ``attendees``, ``minutes``, ``km``.
    solver
        How good the plan is: the solver's status, objective, bound and gap, or
        :meth:`SolverRecord.evaluation` for a plain evaluation.
    segments_by_tier
        The demand segments the flows of each tier carry. A tier not listed carries every
        segment of its home area (an evaluation sends everyone to the nearest open site).
    alternatives
        The next best distinct plans, when asked for (:mod:`hubplan.alternatives`).
    alternative_flows
        Each alternative's flows (as ``flows``), in the order of ``alternatives``, for
        their figures (:func:`hubplan.record.alternatives.with_figures`).
    """

    open_tiers: dict[str, tuple[str, ...]]
    flows: pd.DataFrame
    solver: SolverRecord
    segments_by_tier: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    alternatives: tuple[AlternativePlan, ...] = ()
    alternative_flows: tuple[pd.DataFrame, ...] = field(default=(), repr=False, compare=False)
