"""The sections of a scenario file: demand, travel, sites, tiers, objective, constraints, solver, metrics.

Each section is a frozen pydantic model; :class:`hubplan.scenario.Scenario`
holds one of each. A rule that involves several fields of one section is
checked here and raised as :func:`~hubplan.scenario.fields.scenario_issue`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from hubplan.scenario.fields import (
    MAX_ANNUAL_COST_GBP,
    MAX_ATTENDEES,
    MAX_JOURNEY_MINUTES,
    MAX_OBJECTIVE_WEIGHT,
    MAX_SEED,
    MAX_SITE_CAPACITY,
    MAX_SNAP_KM,
    MAX_TIME_LIMIT_S,
    FilePath,
    Name,
    OneLine,
    StrictModel,
    scenario_issue,
)

__all__ = [
    "ATTENDEES_ALL",
    "ATTENDEES_AT_BOTH",
    "ATTENDEES_CARE_DORSET_CENTRES",
    "ATTENDEES_PRIVATE_PROVIDERS",
    "COUNCIL_FACTS",
    "EXISTING_BUILDING_KINDS",
    "POPULATIONS",
    "SITE_KINDS",
    "ConstraintsConfig",
    "DemandConfig",
    "MetricsConfig",
    "ObjectiveConfig",
    "Role",
    "RoleRule",
    "SegmentConfig",
    "SiteAddition",
    "SitesConfig",
    "SolverConfig",
    "TierConfig",
    "TravelConfig",
]

ATTENDEES_ALL = 521
"""Adults who attend day services in the Dorset Council area, at Care Dorset's centres or private
providers (Dorset Council's adult social care papers on day opportunities)."""

ATTENDEES_CARE_DORSET_CENTRES = 303
"""Of :data:`ATTENDEES_ALL`, those who attend Care Dorset's centres (the same papers)."""

ATTENDEES_PRIVATE_PROVIDERS = 239
"""Of :data:`ATTENDEES_ALL`, those who attend private providers (the same papers)."""

ATTENDEES_AT_BOTH = 35
"""Attendees counted in both :data:`ATTENDEES_CARE_DORSET_CENTRES` and :data:`ATTENDEES_PRIVATE_PROVIDERS`
(the same papers; 303 + 239 - 35 = 507: the papers do not say where the other 14 of the 521 attend)."""

Population = Literal["all_attendees", "care_dorset_centres"]
"""Whose demand a scenario plans for (``[demand] population``)."""

POPULATIONS: Mapping[str, int] = {
    "all_attendees": ATTENDEES_ALL,
    "care_dorset_centres": ATTENDEES_CARE_DORSET_CENTRES,
}
"""The attendees of each :data:`Population`, from Dorset Council's papers: everyone who attends day
services (521), or only those at Care Dorset's centres (303)."""

COUNCIL_FACTS: Mapping[str, float] = {
    "attendees": ATTENDEES_ALL,
    "attendees_care_dorset": ATTENDEES_CARE_DORSET_CENTRES,
    "attendees_private": ATTENDEES_PRIVATE_PROVIDERS,
    "attendees_both": ATTENDEES_AT_BOTH,
    "share_aged_65_plus": 0.30,
    "share_learning_disability_of_18_64": 0.70,
    "localities": 5,
    "care_dorset_day_services": 13,
}
"""Figures from Dorset Council's day-opportunities papers (see ``docs/guide/demand.md``)."""

SITE_KINDS = ("day_centre", "library", "gp_practice", "gp_branch", "settlement", "custom")
EXISTING_BUILDING_KINDS = ("day_centre",)
"""Kinds of site that are today's day-service buildings: kept or closed by a plan, never "new venues"."""
Role = Literal["required", "candidate", "closed"]

Capacity = Annotated[float, Field(gt=0, le=MAX_SITE_CAPACITY)]
AnnualCost = Annotated[float, Field(ge=0, le=MAX_ANNUAL_COST_GBP)]
JourneyMinutes = Annotated[float, Field(gt=0, le=MAX_JOURNEY_MINUTES)]
Weight = Annotated[float, Field(ge=0, le=MAX_OBJECTIVE_WEIGHT)]


class SegmentConfig(StrictModel):
    """One group of attendees with similar needs.

    ``share`` of the total; ``weight`` is the home-area census column that
    spreads the segment over home areas (e.g. ``pop_65_plus``).
    """

    name: Name
    label: OneLine = ""
    share: float = Field(ge=0, le=1)
    weight: Literal["pop_65_plus", "pop_16_64", "pop_disabled", "pop_total"] = "pop_disabled"


class DemandConfig(StrictModel):
    """Where attendees live.

    ``population``: whose demand is planned, ``all_attendees`` (the council's
    521, at Care Dorset's centres and private providers alike) or
    ``care_dorset_centres`` (the 303 at Care Dorset's centres); ``total`` follows
    it unless given (a total that contradicts an explicit population is an error).
    ``method``: ``estimate`` spreads the council's totals over home areas by
    census population; ``client_file`` reads a council export (CSV with
    ``postcode,segment[,attendees]``); ``synthetic`` draws a seeded cohort of
    individual postcodes from the estimate.
    """

    method: Literal["estimate", "client_file", "synthetic"] = "estimate"
    population: Population = "all_attendees"
    total: float = Field(default=float(ATTENDEES_ALL), gt=0, le=MAX_ATTENDEES)
    share_aged_65_plus: float = Field(default=COUNCIL_FACTS["share_aged_65_plus"], ge=0, le=1)
    share_learning_disability_of_18_64: float = Field(
        default=COUNCIL_FACTS["share_learning_disability_of_18_64"], ge=0, le=1
    )
    segments: tuple[SegmentConfig, ...] | None = None
    client_file: FilePath | None = None
    on_unknown_postcode: Literal["error", "skip"] = "error"
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    suppress_below: int = Field(default=5, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _total_from_population(cls, data: Any) -> Any:
        """Without a ``total``, plan for the chosen population's attendees."""
        if not isinstance(data, Mapping) or data.get("population") not in POPULATIONS:
            return data  # the field checks report a missing or unknown population
        count = POPULATIONS[data["population"]]
        if "total" not in data:
            return {**data, "total": float(count)}
        total = data["total"]
        if isinstance(total, int | float) and not isinstance(total, bool) and total != count:
            raise scenario_issue(
                "total", f"{total:g} attendees contradicts population = '{data['population']}' ({count} attendees "
                "in the council's papers)", "remove total (it follows population), or remove population",
            )
        return data

    @property
    def population_attendees(self) -> int:
        """The council's count of the chosen population (see :data:`POPULATIONS`)."""
        return POPULATIONS[self.population]

    @model_validator(mode="after")
    def _check(self) -> DemandConfig:
        if self.method == "client_file" and self.client_file is None:
            raise scenario_issue("client_file", "required when method = 'client_file'", "give the CSV's path")
        if self.segments is not None:
            if not self.segments:
                raise scenario_issue("segments", "empty", "list at least one segment or remove the key")
            total = math.fsum(s.share for s in self.segments)
            if abs(total - 1.0) > 1e-9:
                raise scenario_issue("segments", f"shares sum to {total:g}, not 1", "make the shares add up to 1")
            names = [s.name for s in self.segments]
            if len(set(names)) != len(names):
                raise scenario_issue("segments", "duplicate segment names", "give each segment its own name")
        return self

    def segment_list(self) -> tuple[SegmentConfig, ...]:
        """Return the segments: explicit ones, or the three derived from the council's shares.

        Examples
        --------
        >>> [(s.name, round(s.share, 2)) for s in DemandConfig().segment_list()]
        [('older_people', 0.3), ('working_age_ld', 0.49), ('working_age_other', 0.21)]
        """
        if self.segments is not None:
            return self.segments
        working = 1.0 - self.share_aged_65_plus
        ld = working * self.share_learning_disability_of_18_64
        candidates = (
            SegmentConfig(
                name="older_people", label="Older people (65+)", share=self.share_aged_65_plus,
                weight="pop_65_plus",
            ),
            SegmentConfig(
                name="working_age_ld", label="Working age (18-64) with a learning disability",
                share=ld, weight="pop_disabled",
            ),
            SegmentConfig(
                name="working_age_other", label="Working age (18-64), other needs",
                share=working - ld, weight="pop_disabled",
            ),
        )  # fmt: skip
        return tuple(s for s in candidates if s.share > 0)


class TravelConfig(StrictModel):
    """How journey times are computed.

    ``calibrated`` (default, offline) is fitted to real Dorset drive times;
    ``osm`` routes on an OpenStreetMap network file; ``matrix`` reads the user's
    own origin-destination CSV.
    """

    model: Literal["calibrated", "osm", "matrix"] = "calibrated"
    network: FilePath | None = None
    matrix: FilePath | None = None
    speeds_kph: dict[str, Annotated[float, Field(gt=0, le=130)]] = Field(default_factory=dict)
    max_snap_km: float = Field(default=2.0, gt=0, le=MAX_SNAP_KM)

    @model_validator(mode="after")
    def _check(self) -> TravelConfig:
        if self.model == "osm" and self.network is None:
            raise scenario_issue(
                "network", "required when model = 'osm'", "name a .osm, .osm.bz2 or .graphml(.gz) file"
            )
        if self.model == "matrix" and self.matrix is None:
            raise scenario_issue("matrix", "required when model = 'matrix'", "name an origin-destination CSV")
        return self


class RoleRule(StrictModel):
    """Give the sites that match every selector a role (later rules override earlier ones).

    Selectors: ``ids``, ``kind``, ``locality``, ``operator`` (each one value or
    a list). ``tiers`` limits which tiers the matched sites may take (default:
    every tier in the scenario).
    """

    role: Role
    ids: tuple[str, ...] | None = None
    kind: tuple[Literal[SITE_KINDS], ...] | None = None  # type: ignore[valid-type]
    locality: tuple[str, ...] | None = None
    operator: tuple[str, ...] | None = None
    tiers: tuple[str, ...] | None = None
    capacity: Capacity | None = None
    annual_cost: AnnualCost | None = None

    @field_validator("ids", "kind", "locality", "operator", "tiers", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _needs_selector(self) -> RoleRule:
        if all(getattr(self, key) is None for key in ("ids", "kind", "locality", "operator")):
            raise scenario_issue("", "needs a selector", "add ids, kind, locality or operator to the rule")
        return self


class SiteAddition(StrictModel):
    """A venue not in the study-area dataset (e.g. a village hall), given by position or postcode."""

    id: Name
    name: OneLine = Field(min_length=1)
    kind: Literal[SITE_KINDS] = "custom"  # type: ignore[valid-type]
    operator: OneLine = ""
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    postcode: str | None = None

    @model_validator(mode="after")
    def _position(self) -> SiteAddition:
        has_point = self.lat is not None and self.lon is not None
        if has_point == (self.postcode is not None) or (self.lat is None) != (self.lon is None):
            raise scenario_issue("", "give either lat and lon, or a postcode", "add one of them (not both)")
        return self


class SitesConfig(StrictModel):
    """Which venues take part, and in which role."""

    roles: tuple[RoleRule, ...] = Field(min_length=1)
    add: tuple[SiteAddition, ...] = ()


class TierConfig(StrictModel):
    """A tier of provision: ``hub``, ``spoke``, ``specialist`` (or any named tier).

    ``mode = "assign"``: every attendee of the tier's segments is assigned to
    one of its open sites. ``mode = "cover"``: sites bring activity within
    ``radius_minutes`` of home areas (spokes), without assignment.

    Assign tiers only: ``reach`` says whom the tier's sites serve, ``"locality"``
    (attendees of the site's own locality) or ``"county"`` (anyone), default
    ``constraints.within_locality``; ``max_minutes`` is the tier's longest journey,
    default ``constraints.max_minutes``.
    """

    mode: Literal["assign", "cover"] = "assign"
    segments: tuple[str, ...] | None = None
    count: int | None = Field(default=None, ge=0)
    count_per_locality: int | dict[str, Annotated[int, Field(ge=0)]] | None = None
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    capacity: Capacity | None = None
    annual_cost: AnnualCost | None = None
    radius_minutes: JourneyMinutes | None = None
    reach: Literal["locality", "county"] | None = None
    max_minutes: JourneyMinutes | None = None

    @model_validator(mode="after")
    def _check(self) -> TierConfig:
        if self.mode == "cover" and self.radius_minutes is None:
            raise scenario_issue(
                "radius_minutes", "required for a cover tier", "give the spoke journey limit in minutes"
            )
        for key in ("reach", "max_minutes"):
            if self.mode == "cover" and getattr(self, key) is not None:
                raise scenario_issue(key, "a cover tier assigns no one, so it has no reach of its own",
                                     "remove it (a cover tier's reach is radius_minutes)")
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            raise scenario_issue("", "min_count is above max_count", "swap or correct them")
        if isinstance(self.count_per_locality, int) and self.count_per_locality < 0:
            raise scenario_issue("count_per_locality", "must be >= 0", "give a non-negative number")
        return self


class ObjectiveConfig(StrictModel):
    """What the optimiser minimises or maximises.

    Weighted terms added to the main objective: ``isolation_penalty``
    (attendee-minutes charged per attendee whose journey exceeds
    ``isolation_minutes``; optionally scaled by the home area's IoD 2025
    Geographical Barriers score relative to the Dorset mean), ``cost_weight``
    (attendee-minutes per GBP of annual building cost), ``spoke_reward``
    (attendee-minutes credited per attendee within reach of a spoke) and
    ``new_venue_cost`` (attendee-minutes charged per open site that is not an
    existing day centre, so a plan keeps today's buildings unless moving saves more).

    ``type``: ``median`` (attendee-weighted journey minutes, plus penalties),
    ``coverage`` (attendees within ``coverage_minutes``), ``min_sites`` (fewest
    sites that reach everyone within ``coverage_minutes``), ``minimax``
    (the longest journey first, then attendee-minutes).

    ``reach_tiers``: the tiers whose open sites count as within reach for
    ``coverage``, ``min_sites`` and ``constraints.max_minutes_to_any`` (e.g. hub and
    spoke); unset, ``coverage`` and ``min_sites`` measure each assign tier's
    attendees against that tier's own sites.
    """

    type: Literal["median", "coverage", "min_sites", "minimax"] = "median"
    coverage_minutes: JourneyMinutes | None = None
    isolation_minutes: JourneyMinutes = 45.0
    isolation_penalty: Weight = 0.0
    weight_isolation_by_barriers: bool = False
    cost_weight: Weight = 0.0
    spoke_reward: Weight = 0.0
    new_venue_cost: Weight = 0.0
    reach_tiers: tuple[Name, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ObjectiveConfig:
        if self.type in ("coverage", "min_sites") and self.coverage_minutes is None:
            raise scenario_issue(
                "coverage_minutes", f"required for type = '{self.type}'", "give a journey limit in minutes"
            )
        if self.reach_tiers is not None and len(set(self.reach_tiers)) != len(self.reach_tiers):
            raise scenario_issue("reach_tiers", "a tier is listed twice", "list each tier once")
        return self


class ConstraintsConfig(StrictModel):
    """Hard limits on the plan.

    ``max_minutes``: no journey longer than this; ``budget``: total annual
    building cost; ``closest_assignment``: everyone goes to the nearest open site
    of their tier; ``single_source``: a home area's attendees of a tier all go to
    one site; ``within_locality``: attendees are served in their own locality
    (the default of each assign tier's ``reach``); ``max_minutes_to_any``: every
    home area with attendees has an open site of ``objective.reach_tiers`` (default:
    any tier) within this many minutes; ``tiers_per_site``: how many tiers one site
    may host at once (its own ``annual_cost`` is then paid once); ``buildings``:
    exactly this many sites open (a site hosting several tiers counts once), e.g.
    to compare plans that keep the same number of buildings.
    """

    max_minutes: JourneyMinutes | None = None
    budget: AnnualCost | None = None
    closest_assignment: bool = False
    single_source: bool = False
    within_locality: bool = True
    max_minutes_to_any: JourneyMinutes | None = None
    tiers_per_site: int = Field(default=1, ge=1)
    buildings: int | None = Field(default=None, ge=1)


class SolverConfig(StrictModel):
    """OR-Tools settings: engine, time limit, relative gap and threads."""

    engine: Literal["highs", "scip"] = "highs"
    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_TIME_LIMIT_S)
    relative_gap: float = Field(default=1e-4, ge=0, lt=1)
    threads: int = Field(default=1, ge=1, le=64)


class MetricsConfig(StrictModel):
    """Assumptions behind annual travel and carbon figures (see ``docs/guide/scenario-files.md``, *Carbon*).

    ``trips_per_week`` and ``weeks_per_year`` are assumptions (the council's
    papers give no attendance frequency): change them per scenario.
    ``co2e_kg_per_km`` defaults to the UK Government GHG conversion factor for an
    average petrol car (2018 set, 0.176 kg CO2 per km, as tabulated by
    creds2/defraEmissionsFactors); replace it with the current DESNZ factor for
    the fleet in use.
    """

    trips_per_week: float = Field(default=2.0, gt=0, le=14)
    weeks_per_year: float = Field(default=48.0, gt=0, le=52)
    return_journeys: bool = True
    co2e_kg_per_km: float = Field(default=0.176, gt=0)
    co2e_source: OneLine = "UK Government GHG conversion factors 2018, average car (petrol), kg CO2/km"


