"""The plan's types: what the stages hand to each other between preparing a run and recording it.

Types only: :func:`hubplan.pipeline.prepare` builds a :class:`PreparedScenario`;
:mod:`hubplan.baseline` and :mod:`hubplan.optimise` turn it into an
:class:`Allocation`; :mod:`hubplan.record` turns both into a run record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hubplan.data.study import StudyArea
from hubplan.demand import Demand
from hubplan.provenance import SolverRecord
from hubplan.scenario import Scenario
from hubplan.travel import TravelMatrix

__all__ = ["Allocation", "PreparedScenario"]


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
    """

    open_tiers: dict[str, tuple[str, ...]]
    flows: pd.DataFrame
    solver: SolverRecord
    segments_by_tier: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
