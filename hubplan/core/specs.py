"""The plain data of the location problem: tiers, the objective and a problem's fields.

:class:`TierSpec` and :class:`Objective` are what a :class:`~hubplan.core.problem.Problem`
is made of; :class:`ProblemData` holds a problem's fields, normalised to read-only arrays
and tuples but not yet checked. Nothing here imports the rest of the core but
:mod:`hubplan.core.vocabulary`, so the input checks (:mod:`hubplan.core.validation`) can read
these types and :mod:`hubplan.core.problem` can build on both without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from hubplan.core.vocabulary import OBJECTIVE_TERMS, BoolArray, FloatArray, GroupCount, IntArray

__all__ = ["Objective", "ProblemData", "TierSpec"]


def _frozen(values: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
    """A read-only copy of ``values`` as an array of ``dtype``."""
    out: npt.NDArray[Any] = np.array(values, dtype=dtype)
    out.setflags(write=False)
    return out


def _frozen_or_none(dtype: type) -> Callable[[npt.ArrayLike | None], npt.NDArray[Any] | None]:
    return lambda values: None if values is None else _frozen(values, dtype)


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _group_count(value: Any) -> GroupCount:
    """An integer stays an integer; any other sequence becomes a tuple of integers."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    return tuple(int(v) for v in value)


def _demand_matrix(values: npt.ArrayLike) -> FloatArray:
    """Demand as a read-only ``(n, s)`` float matrix (a vector is one segment)."""
    demand = np.array(values, dtype=np.float64)
    if demand.ndim == 1:
        demand = demand[:, None]
    demand.setflags(write=False)
    return demand


def _normalise(obj: object, converters: Mapping[str, Callable[[Any], Any]]) -> None:
    """Convert the named fields of a frozen dataclass in place (the one place that bypasses frozen)."""
    for name, convert in converters.items():
        object.__setattr__(obj, name, convert(getattr(obj, name)))


@dataclass(frozen=True)
class TierSpec:
    """One tier of service (hub, spoke, specialist, ...).

    Parameters
    ----------
    name
        Tier name, unique within a problem.
    mode
        ``"assign"`` or ``"cover"`` (see :data:`TIER_MODES`).
    segments
        Demand segments the tier serves (assign) or counts as covered (cover;
        empty = every segment). Every segment is served by exactly one assign tier.
    count, min_count, max_count
        Exact / minimum / maximum number of open sites of this tier in total.
    group_count, group_min, group_max
        The same per group (locality): one integer for every group, or a tuple
        with one integer per group.
    capacity
        Attendees per site, shape ``(m,)`` (``np.inf`` = unlimited); ``None`` =
        uncapacitated.
    fixed_cost
        Annual cost (GBP) of opening each site in this tier, shape ``(m,)``.
    eligible
        Which sites may take this tier, shape ``(m,)`` bool; ``None`` = all.
    radius_minutes
        Cover tiers only: a client is covered within this many minutes.
    within_group
        Assign tiers: clients may only be assigned to sites of their own group
        (locality); ``None`` = the problem's ``within_group``.
    max_minutes
        Assign tiers: assignments longer than this are not allowed; ``None`` = the
        problem's ``max_minutes``.
    """

    name: str
    mode: str = "assign"
    segments: tuple[str, ...] = ()
    count: int | None = None
    min_count: int | None = None
    max_count: int | None = None
    group_count: GroupCount = None
    group_min: GroupCount = None
    group_max: GroupCount = None
    capacity: FloatArray | None = None
    fixed_cost: FloatArray | None = None
    eligible: BoolArray | None = None
    radius_minutes: float | None = None
    within_group: bool | None = None
    max_minutes: float | None = None

    def __post_init__(self) -> None:
        _normalise(self, {
            "segments": _strings,
            "capacity": _frozen_or_none(np.float64),
            "fixed_cost": _frozen_or_none(np.float64),
            "eligible": _frozen_or_none(bool),
            "group_count": _group_count,
            "group_min": _group_count,
            "group_max": _group_count,
        })  # fmt: skip

    @property
    def lower_count(self) -> int | None:
        """The fewest sites of this tier that must open in total (``count`` or ``min_count``)."""
        return self.count if self.count is not None else self.min_count

    @property
    def upper_count(self) -> int | None:
        """The most sites of this tier that may open in total (``count`` or ``max_count``)."""
        return self.count if self.count is not None else self.max_count

    @property
    def lower_group_count(self) -> GroupCount:
        """The fewest sites per group (``group_count`` or ``group_min``)."""
        return self.group_count if self.group_count is not None else self.group_min

    @property
    def upper_group_count(self) -> GroupCount:
        """The most sites per group (``group_count`` or ``group_max``)."""
        return self.group_count if self.group_count is not None else self.group_max


@dataclass(frozen=True)
class Objective:
    """What to optimise: a weighted sum of terms, or terms in lexicographic order.

    Minimised: ``median`` x attendee-minutes - ``coverage`` x attendees with an open
    site of their tier within ``threshold_minutes`` + ``min_sites`` x open sites
    (and every client must then have a site within ``threshold_minutes``) +
    ``minimax`` x longest assigned journey + ``isolation`` x attendees (times
    ``isolation_weights``) assigned beyond ``isolation_minutes`` + ``cost`` x GBP of
    fixed cost - ``spoke_coverage`` x attendees covered by cover tiers + ``new_venues`` x
    open sites that are not existing buildings (see ``Problem.existing``).

    With ``Problem.reach_tiers`` set, ``coverage`` and ``min_sites`` measure each
    client's journey to the nearest open site of any of those tiers (its whole
    demand counts) instead of each assign tier's journey to its own sites.

    Parameters
    ----------
    median, coverage, min_sites, minimax, isolation, cost, spoke_coverage, new_venues
        Non-negative weights of the terms above.
    threshold_minutes
        T for ``coverage`` and ``min_sites``.
    isolation_minutes
        Isolation threshold for the ``isolation`` term.
    isolation_weights
        Optional per-client multiplier (e.g. IoD Geographical Barriers score), shape ``(n,)``.
    lexicographic
        Term names optimised one after another, each stage holding the previous
        optima (e.g. ``("minimax", "median")``). Empty = weighted sum.
    """

    median: float = 1.0
    coverage: float = 0.0
    min_sites: float = 0.0
    minimax: float = 0.0
    isolation: float = 0.0
    cost: float = 0.0
    spoke_coverage: float = 0.0
    new_venues: float = 0.0
    threshold_minutes: float | None = None
    isolation_minutes: float | None = None
    isolation_weights: FloatArray | None = None
    lexicographic: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _normalise(self, {"isolation_weights": _frozen_or_none(np.float64), "lexicographic": tuple})

    def weight(self, term: str) -> float:
        """Return the weight of ``term`` (one of :data:`OBJECTIVE_TERMS`)."""
        return float(getattr(self, term))

    def active_terms(self) -> tuple[str, ...]:
        """Terms with a non-zero weight or named in ``lexicographic``."""
        return tuple(
            t for t in OBJECTIVE_TERMS if self.weight(t) != 0.0 or t in self.lexicographic
        )

    @property
    def needs_min_sites(self) -> bool:
        """True when every client must have a site within ``threshold_minutes``."""
        return self.min_sites > 0 or "min_sites" in self.lexicographic


@dataclass(frozen=True)
class ProblemData:
    """The fields of a facility-location problem, normalised to read-only arrays and tuples but not yet checked.

    :class:`~hubplan.core.problem.Problem` adds the checks (it cannot be built inconsistent) and
    everything derived from the fields; the input checks (:mod:`hubplan.core.validation`) read only
    these fields, so they sit below the problem they validate.

    Parameters
    ----------
    minutes
        Journey cost from each client to each site, shape ``(n, m)``; ``np.inf`` =
        unreachable.
    demand
        Attendees per client and segment, shape ``(n, s)``.
    segments
        Segment names, length ``s``.
    tiers
        The tiers; at least one in ``assign`` mode.
    roles
        ``required`` / ``candidate`` / ``closed`` per site, length ``m``.
    client_group, site_group
        Group (locality) index of each client and site.
    group_names
        Names of the groups.
    objective
        See :class:`Objective`.
    budget
        Upper bound on total fixed cost (GBP), or ``None``.
    max_minutes
        Assignments longer than this are not allowed, or ``None`` (a tier's own
        ``max_minutes`` takes precedence).
    single_source
        Each client's demand of a tier goes to one site (binary assignment).
    closest_assignment
        Each client goes to the nearest open site of each tier (ties broken by site order).
    within_group
        Clients may only be assigned to sites of their own group (a tier's own
        ``within_group`` takes precedence).
    tiers_per_site
        How many tiers one site may host at once (1 = one tier per site). Above 1,
        each site has a building decision above its tier decisions: a tier opens
        only in an open building, and ``building_cost`` is paid once per building.
    building_cost
        Annual cost (GBP) of each site's building, ``(m,)``, paid once when the site
        hosts any tier (on top of each tier's ``fixed_cost``); ``None`` = none.
    existing
        Which sites are existing buildings, ``(m,)`` bool; ``None`` = none. The
        ``new_venues`` term counts the open sites that are not, and a plan never
        opens a new venue where an identical existing building stays shut (see
        :func:`hubplan.core.ties.prefer_existing`).
    reach_tiers
        Tiers whose open sites count as "an activity site within reach" for the
        ``coverage`` and ``min_sites`` terms and for ``max_minutes_to_reach``;
        ``None`` = ``coverage``/``min_sites`` measure each assign tier against its
        own sites, and ``max_minutes_to_reach`` counts every tier.
    max_minutes_to_reach
        Every client with demand must have an open site of the reach tiers within
        this many minutes, or ``None``.
    buildings
        Exactly this many sites open (a site hosting several tiers counts once), or ``None``.
    client_ids, site_ids
        Labels used in messages and outputs.
    source
        Where the problem came from (file name), used in error messages.
    field_labels
        How this problem's fields are called where it came from, for messages: field
        name -> label (e.g. ``{"budget": "constraints.budget"}`` for a scenario file).
        Fields not listed keep their own name (see :meth:`label`).

    """

    minutes: FloatArray
    demand: FloatArray
    segments: tuple[str, ...]
    tiers: tuple[TierSpec, ...]
    roles: tuple[str, ...]
    client_group: IntArray
    site_group: IntArray
    group_names: tuple[str, ...]
    objective: Objective = field(default_factory=Objective)
    budget: float | None = None
    max_minutes: float | None = None
    single_source: bool = False
    closest_assignment: bool = False
    within_group: bool = False
    tiers_per_site: int = 1
    building_cost: FloatArray | None = None
    existing: BoolArray | None = None
    reach_tiers: tuple[str, ...] | None = None
    max_minutes_to_reach: float | None = None
    buildings: int | None = None
    client_ids: tuple[str, ...] = ()
    site_ids: tuple[str, ...] = ()
    source: str = "problem"
    field_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _normalise(self, {
            "minutes": lambda values: _frozen(values, np.float64),
            "demand": _demand_matrix,
            "segments": _strings,
            "tiers": tuple,
            "roles": _strings,
            "client_group": lambda values: _frozen(values, np.int64),
            "site_group": lambda values: _frozen(values, np.int64),
            "group_names": _strings,
            "building_cost": _frozen_or_none(np.float64),
            "existing": _frozen_or_none(bool),
            "reach_tiers": lambda names: None if names is None else _strings(names),
            "client_ids": lambda ids: _strings(ids or (f"client {i}" for i in range(self._shape[0]))),
            "site_ids": lambda ids: _strings(ids or (f"site {j}" for j in range(self._shape[1]))),
            "field_labels": lambda labels: MappingProxyType(dict(labels)),
        })  # fmt: skip

    @property
    def _shape(self) -> tuple[int, int]:
        """``(n, m)``, or ``(0, 0)`` while ``minutes`` is not a matrix (caught by the checks)."""
        shape = np.shape(self.minutes)
        return (int(shape[0]), int(shape[1])) if len(shape) == 2 else (0, 0)

    @property
    def n_clients(self) -> int:
        """Number of clients (home areas)."""
        return int(self.minutes.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return int(self.minutes.shape[1])

    @property
    def n_groups(self) -> int:
        """Number of groups (localities)."""
        return len(self.group_names)

    def label(self, field_name: str) -> str:
        """What ``field_name`` is called where the problem came from (see ``field_labels``).

        Examples
        --------
        >>> from hubplan.core.problem import Problem
        >>> prob = Problem.from_matrix(np.ones((1, 1)), p=1, field_labels={"budget": "constraints.budget"})
        >>> prob.label("budget"), prob.label("max_minutes")
        ('constraints.budget', 'max_minutes')
        """
        return self.field_labels.get(field_name, field_name)
