"""The location problem as plain numpy arrays: clients, sites, tiers, roles, objective.

This stage knows nothing about geodata or solvers. A :class:`Problem` holds a
journey-cost matrix (minutes, ``np.inf`` = unreachable), demand per client and
segment, the tiers a site may take (hub, spoke, specialist, ...), each site's
role (required / candidate / closed), localities as integer groups, and the
objective. Its parts are in :mod:`hubplan.core.specs`; it is checked when built
(:func:`hubplan.core.validation.input_issues`);
:func:`hubplan.core.checks.check_feasibility` explains in plain words why a
problem cannot be solved before any solver is started.

Examples
--------
A 3-client, 4-site p-median with p = 2:

>>> cost = np.array([[1., 4., 6., 9.], [5., 2., 3., 7.], [8., 6., 1., 2.]])
>>> prob = Problem.from_matrix(cost, np.array([10., 20., 5.]), p=2)
>>> prob.n_clients, prob.n_sites, prob.tiers[0].count
(3, 4, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hubplan.core.specs import Objective, ProblemData, TierSpec
from hubplan.core.validation import input_issues
from hubplan.core.vocabulary import OBJECTIVE_TERMS, ROLES, TIER_MODES, BoolArray, FloatArray, GroupCount, IntArray
from hubplan.errors import InputError, input_error

__all__ = [
    "OBJECTIVE_TERMS",
    "ROLES",
    "TIER_MODES",
    "Objective",
    "Problem",
    "TierSpec",
]


@dataclass(frozen=True)
class Problem(ProblemData):
    """A validated, immutable facility-location problem.

    Its fields, and what each means, are those of :class:`~hubplan.core.specs.ProblemData`;
    building one runs every input check.

    Raises
    ------
    InputError
        When built with inconsistent shapes, names or values; its ``issues`` list
        every problem found (see :func:`hubplan.core.validation.input_issues`).
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        issues = input_issues(self)
        if issues:
            raise InputError(issues=issues)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_matrix(
        cls,
        cost: npt.ArrayLike,
        demand: npt.ArrayLike | None = None,
        *,
        p: int | None = None,
        fixed_cost: npt.ArrayLike | None = None,
        capacity: npt.ArrayLike | None = None,
        objective: Objective | None = None,
        **options: Any,
    ) -> Problem:
        """Build a plain p-median or facility-location problem from a cost matrix.

        Parameters
        ----------
        cost
            Cost per unit of demand, shape ``(n, m)`` (``np.inf`` = unreachable).
        demand
            Demand per client, shape ``(n,)``; ``None`` = 1 each.
        p
            Exact number of sites to open; ``None`` = free (use ``fixed_cost``).
        fixed_cost
            Cost of opening each site; the objective then adds it with weight 1.
        capacity
            Capacity of each site; ``None`` = uncapacitated.
        objective
            As in :class:`Problem`; ``None`` = the median plus, with ``fixed_cost``, the cost.
        **options
            Further fields of :class:`Problem` (``max_minutes``, ``single_source``,
            ``closest_assignment``, ``source``, ...).

        Returns
        -------
        Problem
            One assign tier ``"facility"``, one segment ``"all"``, one group, all sites candidates.

        Examples
        --------
        >>> prob = Problem.from_matrix(np.ones((2, 3)), p=1)
        >>> prob.demand.shape, prob.roles
        ((2, 1), ('candidate', 'candidate', 'candidate'))
        """
        cost_arr = np.asarray(cost, dtype=np.float64)
        if cost_arr.ndim != 2:
            raise input_error(options.get("source", "problem"), "cost",
                              f"must be a 2-D matrix, got shape {cost_arr.shape}",
                              "pass an (n_clients, n_sites) array")
        n, m = cost_arr.shape
        dem = np.ones(n) if demand is None else np.asarray(demand, dtype=np.float64).reshape(-1)
        if objective is None:
            objective = Objective(median=1.0, cost=1.0 if fixed_cost is not None else 0.0)
        tier = TierSpec("facility", segments=("all",), count=p,
                        capacity=None if capacity is None else np.asarray(capacity, dtype=np.float64),
                        fixed_cost=None if fixed_cost is None else np.asarray(fixed_cost, dtype=np.float64))
        return cls(
            minutes=cost_arr,
            demand=dem[:, None] if dem.shape[0] == n else dem,
            segments=("all",),
            tiers=(tier,),
            roles=("candidate",) * m,
            client_group=np.zeros(n, dtype=np.int64),
            site_group=np.zeros(m, dtype=np.int64),
            group_names=("all",),
            objective=objective,
            **options,
        )

    # ------------------------------------------------------------------ derived from the fields
    @property
    def required(self) -> BoolArray:
        """Sites whose role is ``required``, ``(m,)``."""
        required: BoolArray = np.asarray(self.roles) == "required"
        return required

    def tier_index(self, name: str) -> int:
        """Return the position of the tier called ``name``."""
        for k, tier in enumerate(self.tiers):
            if tier.name == name:
                return k
        raise KeyError(name)

    def tier_demand(self, tier: TierSpec) -> FloatArray:
        """Attendees of each client in the segments ``tier`` serves (all if none named), ``(n,)``."""
        if not tier.segments:
            everyone: FloatArray = self.demand.sum(axis=1)
            return everyone
        cols = [self.segments.index(s) for s in tier.segments]
        served: FloatArray = self.demand[:, cols].sum(axis=1)
        return served

    def available(self, tier: TierSpec) -> BoolArray:
        """Sites that may open in ``tier``: eligible and not closed, ``(m,)``."""
        elig = np.ones(self.n_sites, bool) if tier.eligible is None else tier.eligible
        may_open: BoolArray = elig & (np.asarray(self.roles) != "closed")
        return may_open

    def within(self, tier: TierSpec) -> bool:
        """Whether ``tier`` serves clients in their own group only (its own setting, else the problem's)."""
        return self.within_group if tier.within_group is None else tier.within_group

    def tier_max_minutes(self, tier: TierSpec) -> float | None:
        """The longest assignment allowed in ``tier`` (its own limit, else the problem's)."""
        return self.max_minutes if tier.max_minutes is None else tier.max_minutes

    def reachable(self, tier: TierSpec) -> BoolArray:
        """Client-site pairs allowed for assignment in ``tier``, ``(n, m)``."""
        ok = np.isfinite(self.minutes) & self.available(tier)[None, :]
        limit = self.tier_max_minutes(tier)
        if limit is not None:
            ok &= self.minutes <= limit
        if self.within(tier):
            ok &= self.client_group[:, None] == self.site_group[None, :]
        return ok

    # ------------------------------------------------------------------ buildings and reach
    @property
    def shares_sites(self) -> bool:
        """True when a site may host several tiers (the model then has building decisions)."""
        return self.tiers_per_site > 1 and len(self.tiers) > 1

    def site_cost(self, tier: TierSpec) -> FloatArray:
        """Annual cost of opening each site in ``tier`` alone: the tier's cost plus the building's, ``(m,)``."""
        cost = np.zeros(self.n_sites) if tier.fixed_cost is None else np.array(tier.fixed_cost)
        return cost if self.building_cost is None else cost + self.building_cost

    def new_venue(self) -> BoolArray:
        """Sites that are not existing buildings, ``(m,)``."""
        return np.ones(self.n_sites, bool) if self.existing is None else ~self.existing

    def reach_tier_indices(self) -> tuple[int, ...]:
        """Positions of the tiers whose open sites count for reach (every tier when ``reach_tiers`` is unset)."""
        names = self.reach_tiers if self.reach_tiers is not None else tuple(t.name for t in self.tiers)
        return tuple(k for k, tier in enumerate(self.tiers) if tier.name in names)

    def reach_pairs(self, tier: TierSpec) -> BoolArray:
        """Client-site pairs where an open site of ``tier`` is usable, ``(n, m)``.

        An assign tier's sites count where the tier may serve the client
        (:meth:`reachable`); a cover tier's wherever the journey is possible.
        """
        if tier.mode == "assign":
            return self.reachable(tier)
        return np.isfinite(self.minutes) & self.available(tier)[None, :]

    def reach_minutes(self) -> FloatArray:
        """Each client's journey to the nearest site that could open in a reach tier, ``(n,)`` (``inf`` = none)."""
        best = np.full(self.n_clients, np.inf)
        for t in self.reach_tier_indices():
            tier = self.tiers[t]
            best = np.minimum(best, np.where(self.reach_pairs(tier), self.minutes, np.inf).min(axis=1, initial=np.inf))
        return best

    def group_limit(self, value: GroupCount) -> IntArray | None:
        """Expand a per-group count (int or tuple) to one integer per group."""
        if value is None:
            return None
        if isinstance(value, int | np.integer):
            return np.full(self.n_groups, int(value), dtype=np.int64)
        return np.asarray(value, dtype=np.int64)
