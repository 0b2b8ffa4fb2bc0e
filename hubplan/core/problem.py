"""The location problem as plain numpy arrays: clients, sites, tiers, roles, objective.

This stage knows nothing about geodata or solvers. A :class:`Problem` holds a
journey-cost matrix (minutes, ``np.inf`` = unreachable), demand per client and
segment, the tiers a site may take (hub, spoke, specialist, ...), each site's
role (required / candidate / closed), localities as integer groups, and the
objective. :func:`check_feasibility` explains in plain words why a problem
cannot be solved before any solver is started.

Examples
--------
A 3-client, 4-site p-median with p = 2:

>>> cost = np.array([[1., 4., 6., 9.], [5., 2., 3., 7.], [8., 6., 1., 2.]])
>>> prob = Problem.from_matrix(cost, np.array([10., 20., 5.]), p=2)
>>> prob.n_clients, prob.n_sites, prob.tiers[0].count
(3, 4, 2)
>>> check_feasibility(prob)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hubplan.errors import InfeasibleError, InputError

__all__ = [
    "OBJECTIVE_TERMS",
    "ROLES",
    "TIER_MODES",
    "Objective",
    "Problem",
    "TierSpec",
    "check_feasibility",
]

logger = logging.getLogger(__name__)

#: Modes a tier can take: ``assign`` (attendees are allocated to an open site of
#: the tier) or ``cover`` (no allocation; a client counts as covered when an open
#: site of this tier, or of an assign tier, lies within ``radius_minutes``).
TIER_MODES = ("assign", "cover")
#: Site roles, in the vocabulary of Esri's location-allocation.
ROLES = ("required", "candidate", "closed")
#: Objective terms that can be weighted or ordered lexicographically.
OBJECTIVE_TERMS = (
    "median",
    "coverage",
    "min_sites",
    "minimax",
    "isolation",
    "cost",
    "spoke_coverage",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GroupCount = int | tuple[int, ...] | None


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(str(s) for s in self.segments))
        for name, dtype in (("capacity", np.float64), ("fixed_cost", np.float64), ("eligible", bool)):
            value = getattr(self, name)
            if value is not None:
                arr = np.array(value, dtype=dtype)
                arr.setflags(write=False)
                object.__setattr__(self, name, arr)
        for name in ("group_count", "group_min", "group_max"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, int | np.integer):
                object.__setattr__(self, name, tuple(int(v) for v in value))


@dataclass(frozen=True)
class Objective:
    """What to optimise: a weighted sum of terms, or terms in lexicographic order.

    Minimised: ``median`` x attendee-minutes - ``coverage`` x attendees with an open
    site of their tier within ``threshold_minutes`` + ``min_sites`` x open sites
    (and every client must then have a site within ``threshold_minutes``) +
    ``minimax`` x longest assigned journey + ``isolation`` x attendees (times
    ``isolation_weights``) assigned beyond ``isolation_minutes`` + ``cost`` x GBP of
    fixed cost - ``spoke_coverage`` x attendees covered by cover tiers.

    Parameters
    ----------
    median, coverage, min_sites, minimax, isolation, cost, spoke_coverage
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
    threshold_minutes: float | None = None
    isolation_minutes: float | None = None
    isolation_weights: FloatArray | None = None
    lexicographic: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.isolation_weights is not None:
            arr = np.array(self.isolation_weights, dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, "isolation_weights", arr)
        object.__setattr__(self, "lexicographic", tuple(self.lexicographic))

    def weight(self, term: str) -> float:
        """Return the weight of ``term`` (one of :data:`OBJECTIVE_TERMS`)."""
        return float(getattr(self, term))

    def active_terms(self) -> tuple[str, ...]:
        """Terms with a non-zero weight or named in ``lexicographic``."""
        return tuple(
            t for t in OBJECTIVE_TERMS if self.weight(t) != 0.0 or t in self.lexicographic
        )


def _frozen(arr: npt.ArrayLike, dtype: type) -> npt.NDArray:
    out = np.array(arr, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Problem:
    """A validated, immutable facility-location problem.

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
        Assignments longer than this are not allowed, or ``None``.
    single_source
        Each client's demand of a tier goes to one site (binary assignment).
    closest_assignment
        Each client goes to the nearest open site of each tier (ties broken by site order).
    within_group
        Clients may only be assigned to sites of their own group.
    client_ids, site_ids
        Labels used in messages and outputs.
    source
        Where the problem came from (file name), used in error messages.
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
    client_ids: tuple[str, ...] = ()
    site_ids: tuple[str, ...] = ()
    source: str = "problem"

    def __post_init__(self) -> None:
        minutes = _frozen(self.minutes, np.float64)
        demand = np.array(self.demand, dtype=np.float64)
        if demand.ndim == 1:
            demand = demand[:, None]
        demand.setflags(write=False)
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "demand", demand)
        object.__setattr__(self, "segments", tuple(str(s) for s in self.segments))
        object.__setattr__(self, "tiers", tuple(self.tiers))
        object.__setattr__(self, "roles", tuple(str(r) for r in self.roles))
        object.__setattr__(self, "client_group", _frozen(self.client_group, np.int64))
        object.__setattr__(self, "site_group", _frozen(self.site_group, np.int64))
        object.__setattr__(self, "group_names", tuple(str(g) for g in self.group_names))
        n = minutes.shape[0] if minutes.ndim == 2 else 0
        m = minutes.shape[1] if minutes.ndim == 2 else 0
        if not self.client_ids:
            object.__setattr__(self, "client_ids", tuple(f"client {i}" for i in range(n)))
        if not self.site_ids:
            object.__setattr__(self, "site_ids", tuple(f"site {j}" for j in range(m)))
        object.__setattr__(self, "client_ids", tuple(str(c) for c in self.client_ids))
        object.__setattr__(self, "site_ids", tuple(str(s) for s in self.site_ids))
        self.validate()

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
        max_minutes: float | None = None,
        single_source: bool = False,
        closest_assignment: bool = False,
        objective: Objective | None = None,
        source: str = "problem",
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
        max_minutes, single_source, closest_assignment, objective, source
            As in :class:`Problem`.

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
            raise InputError(f"{source}: cost: must be a 2-D matrix, got shape {cost_arr.shape}; "
                             "fix: pass an (n_clients, n_sites) array")
        n, m = cost_arr.shape
        dem = np.ones(n) if demand is None else np.asarray(demand, dtype=np.float64).reshape(-1)
        if objective is None:
            objective = Objective(median=1.0, cost=1.0 if fixed_cost is not None else 0.0)
        tier = TierSpec(
            "facility",
            segments=("all",),
            count=p,
            capacity=None if capacity is None else np.asarray(capacity, dtype=np.float64),
            fixed_cost=None if fixed_cost is None else np.asarray(fixed_cost, dtype=np.float64),
        )
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
            max_minutes=max_minutes,
            single_source=single_source,
            closest_assignment=closest_assignment,
            source=source,
        )

    # ------------------------------------------------------------------ shape helpers
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

    def tier_index(self, name: str) -> int:
        """Return the position of the tier called ``name``."""
        for k, tier in enumerate(self.tiers):
            if tier.name == name:
                return k
        raise KeyError(name)

    def tier_demand(self, tier: TierSpec) -> FloatArray:
        """Attendees of each client in the segments ``tier`` serves (all if none named), ``(n,)``."""
        if not tier.segments:
            return self.demand.sum(axis=1)
        cols = [self.segments.index(s) for s in tier.segments]
        return self.demand[:, cols].sum(axis=1)

    def available(self, tier: TierSpec) -> BoolArray:
        """Sites that may open in ``tier``: eligible and not closed, ``(m,)``."""
        elig = np.ones(self.n_sites, bool) if tier.eligible is None else tier.eligible
        return elig & (np.asarray(self.roles) != "closed")

    def reachable(self, tier: TierSpec) -> BoolArray:
        """Client-site pairs allowed for assignment in ``tier``, ``(n, m)``."""
        ok = np.isfinite(self.minutes) & self.available(tier)[None, :]
        if self.max_minutes is not None:
            ok &= self.minutes <= self.max_minutes
        if self.within_group:
            ok &= self.client_group[:, None] == self.site_group[None, :]
        return ok

    def group_limit(self, value: GroupCount) -> IntArray | None:
        """Expand a per-group count (int or tuple) to one integer per group."""
        if value is None:
            return None
        if isinstance(value, int | np.integer):
            return np.full(self.n_groups, int(value), dtype=np.int64)
        return np.asarray(value, dtype=np.int64)

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check shapes, names and values; report every problem at once.

        Raises
        ------
        InputError
            One line per problem, joined by `` | ``, each naming the field and the fix.
        """
        problems: list[str] = []

        def bad(field_: str, problem: str, fix: str) -> None:
            problems.append(f"{self.source}: {field_}: {problem}; fix: {fix}")

        mins, dem = self.minutes, self.demand
        if mins.ndim != 2:
            bad("minutes", f"must be 2-D (clients x sites), got shape {mins.shape}", "pass an (n, m) array")
            raise InputError(" | ".join(problems))
        n, m = mins.shape
        if n == 0 or m == 0:
            bad("minutes", f"needs at least one client and one site, got {n} x {m}", "add clients and sites")
        if np.isnan(mins).any() or (mins < 0).any():
            bad("minutes", "must be >= 0 (np.inf = unreachable), found NaN or negative values",
                "recompute the travel matrix")
        if dem.ndim != 2 or dem.shape[0] != n:
            bad("demand", f"shape {dem.shape} does not match {n} clients", "pass (n_clients, n_segments)")
        elif dem.shape[1] != len(self.segments):
            bad("segments", f"{len(self.segments)} names for {dem.shape[1]} demand columns",
                "give one name per demand column")
        elif not np.isfinite(dem).all() or (dem < 0).any():
            bad("demand", "must be finite and >= 0", "fix the demand estimate")
        if len(set(self.segments)) != len(self.segments):
            bad("segments", "names must be unique", "rename the duplicated segments")
        if len(self.roles) != m:
            bad("roles", f"{len(self.roles)} roles for {m} sites", "give one role per site")
        for j, role in enumerate(self.roles):
            if role not in ROLES:
                bad("roles", f"site {self.site_ids[j] if j < len(self.site_ids) else j} has role "
                    f"{role!r}", f"use one of {', '.join(ROLES)}")
        if len(self.client_ids) != n or len(set(self.client_ids)) != n:
            bad("client_ids", "must be unique, one per client", "give unique labels")
        if len(self.site_ids) != m or len(set(self.site_ids)) != m:
            bad("site_ids", "must be unique, one per site", "give unique labels")
        g = len(self.group_names)
        for name, arr, size in (("client_group", self.client_group, n), ("site_group", self.site_group, m)):
            if arr.shape != (size,):
                bad(name, f"shape {arr.shape}, expected ({size},)", "give one group index each")
            elif size and (arr.min() < 0 or arr.max() >= g):
                bad(name, f"indices must lie in 0..{g - 1}", "match group_names")
        if self.max_minutes is not None and not self.max_minutes > 0:
            bad("max_minutes", f"must be > 0, got {self.max_minutes}", "give a positive cut-off or none")
        if self.budget is not None and not self.budget >= 0:
            bad("budget", f"must be >= 0, got {self.budget}", "give a non-negative budget or none")
        self._validate_tiers(bad, n, m)
        self._validate_objective(bad, n)
        if problems:
            raise InputError(" | ".join(problems))

    def _validate_tiers(self, bad, n: int, m: int) -> None:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            bad("tiers", "tier names must be unique", "rename the duplicated tiers")
        if not any(t.mode == "assign" for t in self.tiers):
            bad("tiers", "no tier has mode 'assign'", "add an assign tier (e.g. hub)")
        served: dict[str, list[str]] = {s: [] for s in self.segments}
        for t in self.tiers:
            where = f"tiers.{t.name}"
            if t.mode not in TIER_MODES:
                bad(f"{where}.mode", f"{t.mode!r} is not a mode", f"use one of {', '.join(TIER_MODES)}")
            for s in t.segments:
                if s not in served:
                    bad(f"{where}.segments", f"unknown segment {s!r}", f"use one of {', '.join(self.segments)}")
                elif t.mode == "assign":
                    served[s].append(t.name)
            if t.mode == "assign" and not t.segments and len(self.segments) == 1:
                served[self.segments[0]].append(t.name)
            if t.mode == "cover" and (t.radius_minutes is None or not t.radius_minutes > 0):
                bad(f"{where}.radius_minutes", "a cover tier needs a positive radius",
                    "give radius_minutes (e.g. 30)")
            for arr_name in ("capacity", "fixed_cost", "eligible"):
                arr = getattr(t, arr_name)
                if arr is None:
                    continue
                if arr.shape != (m,):
                    bad(f"{where}.{arr_name}", f"shape {arr.shape}, expected ({m},)", "give one value per site")
                elif arr_name != "eligible" and (np.isnan(arr).any() or (arr < 0).any()):
                    bad(f"{where}.{arr_name}", "must be >= 0 (capacity may be inf)", "fix the site table")
            for cname in ("count", "min_count", "max_count"):
                v = getattr(t, cname)
                if v is not None and v < 0:
                    bad(f"{where}.{cname}", f"must be >= 0, got {v}", "give a non-negative count")
            if t.count is not None and (t.min_count is not None or t.max_count is not None):
                bad(f"{where}.count", "exact count given together with min_count/max_count",
                    "give either count or min/max")
            if t.min_count is not None and t.max_count is not None and t.min_count > t.max_count:
                bad(f"{where}.min_count", f"{t.min_count} > max_count {t.max_count}", "swap or fix them")
            for cname in ("group_count", "group_min", "group_max"):
                v = getattr(t, cname)
                if isinstance(v, tuple) and len(v) != len(self.group_names):
                    bad(f"{where}.{cname}", f"{len(v)} values for {len(self.group_names)} groups",
                        "give one count per locality or a single integer")
                elif v is not None and (np.asarray(v) < 0).any():
                    bad(f"{where}.{cname}", "counts must be >= 0", "give non-negative counts")
        for s, tiers in served.items():
            if len(tiers) != 1:
                bad("tiers", f"segment {s!r} is served by {len(tiers)} assign tiers ({', '.join(tiers) or 'none'})",
                    "name each segment in exactly one assign tier")

    def _validate_objective(self, bad, n: int) -> None:
        obj = self.objective
        for term in OBJECTIVE_TERMS:
            w = obj.weight(term)
            if not np.isfinite(w) or w < 0:
                bad(f"objective.{term}", f"weight must be finite and >= 0, got {w}", "give a weight >= 0")
        for term in obj.lexicographic:
            if term not in OBJECTIVE_TERMS:
                bad("objective.lexicographic", f"unknown term {term!r}", f"use {', '.join(OBJECTIVE_TERMS)}")
        active = obj.active_terms()
        if not active:
            bad("objective", "every weight is zero", "give at least one positive weight")
        if ("coverage" in active or "min_sites" in active) and (
            obj.threshold_minutes is None or not obj.threshold_minutes > 0
        ):
            bad("objective.threshold_minutes", "coverage and min_sites need T minutes", "give e.g. 45")
        if "isolation" in active and obj.isolation_minutes is None:
            bad("objective.isolation_minutes", "the isolation term needs a threshold", "give e.g. 60")
        if obj.isolation_weights is not None and obj.isolation_weights.shape != (n,):
            bad("objective.isolation_weights", f"shape {obj.isolation_weights.shape}, expected ({n},)",
                "give one weight per client")
        if "spoke_coverage" in active and not any(t.mode == "cover" for t in self.tiers):
            bad("objective.spoke_coverage", "rewards cover tiers but none is defined",
                "add a cover tier or set the weight to 0")


def _names(ids: Sequence[str], idx: npt.NDArray[np.int64], limit: int = 5) -> str:
    shown = ", ".join(ids[i] for i in idx[:limit])
    more = len(idx) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def check_feasibility(problem: Problem) -> None:
    """Explain, before solving, why ``problem`` cannot be solved.

    Checks: clients with no eligible site within the cut-off; total (or, with
    ``within_group``, per-group) capacity below demand; more sites asked for than
    candidates (in total or per group); required sites eligible for no tier or
    beyond a tier's maximum; required sites costing more than the budget;
    ``min_sites`` clients with no site within T.

    Parameters
    ----------
    problem
        A validated problem.

    Raises
    ------
    InfeasibleError
        With a one-line message naming the cause and what to change.

    Examples
    --------
    >>> prob = Problem.from_matrix(np.array([[1.0, np.inf], [np.inf, np.inf]]), p=1)
    >>> try:  # doctest: +NORMALIZE_WHITESPACE
    ...     check_feasibility(prob)
    ... except InfeasibleError as err:
    ...     print(err)
    problem: tier facility: 1 client(s) with demand have no eligible site within reach (client 1);
    fix: add a candidate site near them, raise max_minutes or drop their demand
    """
    src = problem.source
    roles = np.asarray(problem.roles)
    required = roles == "required"
    msgs: list[str] = []
    assign = [t for t in problem.tiers if t.mode == "assign"]
    for t in assign:
        w = problem.tier_demand(t)
        reach = problem.reachable(t)
        stranded = np.flatnonzero((w > 0) & ~reach.any(axis=1))
        if stranded.size:
            msgs.append(
                f"{src}: tier {t.name}: {stranded.size} client(s) with demand have no eligible site "
                f"within reach ({_names(problem.client_ids, stranded)}); fix: add a candidate site near "
                "them, raise max_minutes or drop their demand"
            )
        T = problem.objective.threshold_minutes
        if problem.objective.min_sites > 0 or "min_sites" in problem.objective.lexicographic:
            far = np.flatnonzero((w > 0) & ~(reach & (problem.minutes <= T)).any(axis=1))
            if far.size:
                msgs.append(
                    f"{src}: objective.min_sites: {far.size} client(s) have no {t.name} site within "
                    f"{T:g} minutes ({_names(problem.client_ids, far)}); fix: raise threshold_minutes "
                    "or add candidate sites"
                )
        if t.capacity is not None:
            avail = problem.available(t)
            cap = np.where(avail, t.capacity, 0.0)
            limit = t.count if t.count is not None else t.max_count
            total_cap = np.sort(cap)[::-1][:limit].sum() if limit is not None else cap.sum()
            if total_cap < w.sum() - 1e-9:
                msgs.append(
                    f"{src}: tiers.{t.name}.capacity: at most {total_cap:g} places for {w.sum():g} "
                    "attendees; fix: raise capacities, allow more sites or add candidates"
                )
            elif problem.within_group:
                for gi, gname in enumerate(problem.group_names):
                    gcap = cap[problem.site_group == gi].sum()
                    gdem = w[problem.client_group == gi].sum()
                    if gcap < gdem - 1e-9:
                        msgs.append(
                            f"{src}: tiers.{t.name}.capacity: locality {gname} has {gcap:g} places for "
                            f"{gdem:g} attendees; fix: raise capacities or add candidates in {gname}"
                        )
    n_req_elig = np.zeros(problem.n_sites, dtype=np.int64)
    for t in problem.tiers:
        n_req_elig += problem.available(t) & required
    bad_req = np.flatnonzero(required & (n_req_elig == 0))
    if bad_req.size:
        msgs.append(
            f"{src}: roles: required site(s) {_names(problem.site_ids, bad_req)} are eligible for no "
            "tier; fix: make them eligible for a tier or change their role to candidate"
        )
    for t in problem.tiers:
        avail = problem.available(t)
        lo = t.count if t.count is not None else t.min_count
        hi = t.count if t.count is not None else t.max_count
        if lo is not None and lo > avail.sum():
            msgs.append(
                f"{src}: tiers.{t.name}.count: {lo} sites asked for but only {int(avail.sum())} "
                "candidates are eligible; fix: lower the count or add eligible candidates"
            )
        if t.mode == "assign" and problem.within_group and hi is not None:
            homes = np.unique(problem.client_group[problem.tier_demand(t) > 0]).size
            if homes > hi:
                msgs.append(
                    f"{src}: tiers.{t.name}.count: at most {hi} sites may open but attendees in {homes} "
                    "localities must be served within their own; fix: raise the count to at least "
                    f"{homes} or allow journeys across localities"
                )
        only_here = required & avail & (n_req_elig == 1)
        if hi is not None and only_here.sum() > hi:
            msgs.append(
                f"{src}: tiers.{t.name}.count: {int(only_here.sum())} required sites can only be "
                f"{t.name}s but at most {hi} may open; fix: raise the count or make some sites candidates"
            )
        for cname in ("group_count", "group_min"):
            lim = problem.group_limit(getattr(t, cname))
            if lim is None:
                continue
            per_group = np.bincount(problem.site_group[avail], minlength=problem.n_groups)
            short = np.flatnonzero(lim > per_group)
            for gi in short:
                msgs.append(
                    f"{src}: tiers.{t.name}.{cname}: {int(lim[gi])} asked for in "
                    f"{problem.group_names[gi]} but only {int(per_group[gi])} eligible candidates there; "
                    "fix: lower the count or add candidates"
                )
        for cname in ("group_count", "group_max"):
            lim = problem.group_limit(getattr(t, cname))
            if lim is None:
                continue
            req_g = np.bincount(problem.site_group[only_here], minlength=problem.n_groups)
            for gi in np.flatnonzero(req_g > lim):
                msgs.append(
                    f"{src}: tiers.{t.name}.{cname}: {int(req_g[gi])} required sites in "
                    f"{problem.group_names[gi]} can only be {t.name}s but at most {int(lim[gi])} may open; "
                    "fix: raise the count or make some sites candidates"
                )
    if problem.budget is not None:
        cheapest = np.full(problem.n_sites, np.inf)
        for t in problem.tiers:
            fc = np.zeros(problem.n_sites) if t.fixed_cost is None else t.fixed_cost
            cheapest = np.where(problem.available(t), np.minimum(cheapest, fc), cheapest)
        req_cost = float(np.where(required & np.isfinite(cheapest), cheapest, 0.0).sum())
        if req_cost > problem.budget + 1e-9:
            msgs.append(
                f"{src}: budget: {problem.budget:,.0f} GBP is below the {req_cost:,.0f} GBP the required "
                "sites cost at least; fix: raise the budget or make some required sites candidates"
            )
    if msgs:
        raise InfeasibleError(" | ".join(msgs))
