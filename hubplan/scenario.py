"""Scenario files: a validated, frozen description of one planning option.

A scenario is a TOML file. Every section and field is described in the README
(*Scenario files*) and exported as JSON Schema by ``hubplan scenario schema``.
Unknown keys and wrong values are errors whose one-line message names the file,
the field and the fix.

Examples
--------
>>> import tempfile, pathlib
>>> text = '''
... name = "tiny"
... [[sites.roles]]
... role = "required"
... kind = "day_centre"
... [tiers.hub]
... '''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.toml"
>>> _ = path.write_text(text)
>>> scenario = load_scenario(path)
>>> scenario.demand.total, scenario.travel.model, sorted(scenario.tiers)
(521.0, 'calibrated', ['hub'])
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import tomllib
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from hubplan.errors import input_error
from hubplan.files.reading import SCENARIO_FILE, read_bounded

__all__ = [
    "COUNCIL_FACTS",
    "DemandConfig",
    "ObjectiveConfig",
    "RoleRule",
    "Scenario",
    "SegmentConfig",
    "SiteAddition",
    "SitesConfig",
    "SolverConfig",
    "TierConfig",
    "TravelConfig",
    "load_scenario",
    "scenario_json_schema",
]

COUNCIL_FACTS: Mapping[str, float] = {
    "attendees": 521,
    "attendees_care_dorset": 303,
    "attendees_private": 239,
    "attendees_both": 35,
    "share_aged_65_plus": 0.30,
    "share_learning_disability_of_18_64": 0.70,
    "localities": 5,
    "care_dorset_day_services": 13,
}
"""Figures from Dorset Council's day-opportunities papers (see README, *Sources of the defaults*)."""

SITE_KINDS = ("day_centre", "library", "gp_practice", "gp_branch", "settlement", "custom")
Role = Literal["required", "candidate", "closed"]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SegmentConfig(_Strict):
    """One group of attendees with similar needs.

    ``share`` of the total; ``weight`` is the home-area census column that
    spreads the segment over home areas (e.g. ``pop_65_plus``).
    """

    name: Name
    label: str = ""
    share: float = Field(ge=0, le=1)
    weight: Literal["pop_65_plus", "pop_16_64", "pop_disabled", "pop_total"] = "pop_disabled"


class DemandConfig(_Strict):
    """Where attendees live.

    ``method``: ``estimate`` spreads the council's totals over home areas by
    census population; ``client_file`` reads a council export (CSV with
    ``postcode,segment[,attendees]``); ``synthetic`` draws a seeded cohort of
    individual postcodes from the estimate.
    """

    method: Literal["estimate", "client_file", "synthetic"] = "estimate"
    total: float = Field(default=float(COUNCIL_FACTS["attendees"]), gt=0)
    share_aged_65_plus: float = Field(default=COUNCIL_FACTS["share_aged_65_plus"], ge=0, le=1)
    share_learning_disability_of_18_64: float = Field(
        default=COUNCIL_FACTS["share_learning_disability_of_18_64"], ge=0, le=1
    )
    segments: tuple[SegmentConfig, ...] | None = None
    client_file: Path | None = None
    on_unknown_postcode: Literal["error", "skip"] = "error"
    seed: int = 0
    suppress_below: int = Field(default=5, ge=0)

    @model_validator(mode="after")
    def _check(self) -> DemandConfig:
        if self.method == "client_file" and self.client_file is None:
            raise ValueError("client_file: required when method = 'client_file'; fix: give the CSV's path")
        if self.segments is not None:
            if not self.segments:
                raise ValueError("segments: empty; fix: list at least one segment or remove the key")
            total = math.fsum(s.share for s in self.segments)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"segments: shares sum to {total:g}, not 1; fix: make the shares add up to 1")
            names = [s.name for s in self.segments]
            if len(set(names)) != len(names):
                raise ValueError("segments: duplicate segment names; fix: give each segment its own name")
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


class TravelConfig(_Strict):
    """How journey times are computed.

    ``calibrated`` (default, offline) is fitted to real Dorset drive times;
    ``osm`` routes on an OpenStreetMap network file; ``matrix`` reads the user's
    own origin-destination CSV.
    """

    model: Literal["calibrated", "osm", "matrix"] = "calibrated"
    network: Path | None = None
    matrix: Path | None = None
    speeds_kph: dict[str, Annotated[float, Field(gt=0, le=130)]] = Field(default_factory=dict)
    max_snap_km: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> TravelConfig:
        if self.model == "osm" and self.network is None:
            raise ValueError("network: required when model = 'osm'; fix: name a .osm, .osm.bz2 or .graphml(.gz) file")
        if self.model == "matrix" and self.matrix is None:
            raise ValueError("matrix: required when model = 'matrix'; fix: name an origin-destination CSV")
        return self


class RoleRule(_Strict):
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
    capacity: float | None = Field(default=None, gt=0)
    annual_cost: float | None = Field(default=None, ge=0)

    @field_validator("ids", "kind", "locality", "operator", "tiers", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _needs_selector(self) -> RoleRule:
        if all(getattr(self, key) is None for key in ("ids", "kind", "locality", "operator")):
            raise ValueError("needs a selector; fix: add ids, kind, locality or operator to the rule")
        return self


class SiteAddition(_Strict):
    """A venue not in the study-area dataset (e.g. a village hall), given by position or postcode."""

    id: Name
    name: str = Field(min_length=1)
    kind: Literal[SITE_KINDS] = "custom"  # type: ignore[valid-type]
    operator: str = ""
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    postcode: str | None = None

    @model_validator(mode="after")
    def _position(self) -> SiteAddition:
        has_point = self.lat is not None and self.lon is not None
        if has_point == (self.postcode is not None) or (self.lat is None) != (self.lon is None):
            raise ValueError("give either lat and lon, or a postcode; fix: add one of them (not both)")
        return self


class SitesConfig(_Strict):
    """Which venues take part, and in which role."""

    roles: tuple[RoleRule, ...] = Field(min_length=1)
    add: tuple[SiteAddition, ...] = ()


class TierConfig(_Strict):
    """A tier of provision: ``hub``, ``spoke``, ``specialist`` (or any named tier).

    ``mode = "assign"``: every attendee of the tier's segments is assigned to
    one of its open sites. ``mode = "cover"``: sites bring activity within
    ``radius_minutes`` of home areas (spokes), without assignment.
    """

    mode: Literal["assign", "cover"] = "assign"
    segments: tuple[str, ...] | None = None
    count: int | None = Field(default=None, ge=0)
    count_per_locality: int | dict[str, Annotated[int, Field(ge=0)]] | None = None
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    capacity: float | None = Field(default=None, gt=0)
    annual_cost: float | None = Field(default=None, ge=0)
    radius_minutes: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> TierConfig:
        if self.mode == "cover" and self.radius_minutes is None:
            raise ValueError("radius_minutes: required for a cover tier; fix: give the spoke journey limit in minutes")
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            raise ValueError("min_count is above max_count; fix: swap or correct them")
        if isinstance(self.count_per_locality, int) and self.count_per_locality < 0:
            raise ValueError("count_per_locality: must be >= 0; fix: give a non-negative number")
        return self


class ObjectiveConfig(_Strict):
    """What the optimiser minimises or maximises.

    Weighted terms added to the main objective: ``isolation_penalty``
    (attendee-minutes charged per attendee whose journey exceeds
    ``isolation_minutes``; optionally scaled by the home area's IoD 2025
    Geographical Barriers score relative to the Dorset mean), ``cost_weight``
    (attendee-minutes per GBP of annual building cost) and ``spoke_reward``
    (attendee-minutes credited per attendee within reach of a spoke).

    ``type``: ``median`` (attendee-weighted journey minutes, plus penalties),
    ``coverage`` (attendees within ``coverage_minutes``), ``min_sites`` (fewest
    sites that reach everyone within ``coverage_minutes``), ``minimax``
    (the longest journey first, then attendee-minutes).
    """

    type: Literal["median", "coverage", "min_sites", "minimax"] = "median"
    coverage_minutes: float | None = Field(default=None, gt=0)
    isolation_minutes: float = Field(default=45.0, gt=0)
    isolation_penalty: float = Field(default=0.0, ge=0)
    weight_isolation_by_barriers: bool = False
    cost_weight: float = Field(default=0.0, ge=0)
    spoke_reward: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> ObjectiveConfig:
        if self.type in ("coverage", "min_sites") and self.coverage_minutes is None:
            raise ValueError(
                f"coverage_minutes: required for type = '{self.type}'; fix: give a journey limit in minutes"
            )
        return self


class ConstraintsConfig(_Strict):
    """Hard limits on the plan.

    ``max_minutes``: no journey longer than this; ``budget``: total annual
    building cost; ``closest_assignment``: everyone goes to the nearest open site
    of their tier; ``single_source``: a home area's attendees of a tier all go to
    one site; ``within_locality``: attendees are served in their own locality.
    """

    max_minutes: float | None = Field(default=None, gt=0)
    budget: float | None = Field(default=None, ge=0)
    closest_assignment: bool = False
    single_source: bool = False
    within_locality: bool = True


class SolverConfig(_Strict):
    """OR-Tools settings: engine, time limit, relative gap and threads."""

    engine: Literal["highs", "scip"] = "highs"
    time_limit_s: float = Field(default=30.0, gt=0)
    relative_gap: float = Field(default=1e-4, ge=0, lt=1)
    threads: int = Field(default=1, ge=1, le=64)


class MetricsConfig(_Strict):
    """Assumptions behind annual travel and carbon figures (see README, *Carbon*).

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
    co2e_source: str = "UK Government GHG conversion factors 2018, average car (petrol), kg CO2/km"


class Scenario(_Strict):
    """A validated scenario. Paths are resolved relative to the scenario file."""

    name: Name
    title: str = ""
    description: str = ""
    study: Path | None = None
    demand: DemandConfig = DemandConfig()
    travel: TravelConfig = TravelConfig()
    sites: SitesConfig
    tiers: dict[Name, TierConfig] = Field(min_length=1)
    objective: ObjectiveConfig = ObjectiveConfig()
    constraints: ConstraintsConfig = ConstraintsConfig()
    solver: SolverConfig = SolverConfig()
    metrics: MetricsConfig = MetricsConfig()
    source_path: Path | None = Field(default=None, exclude=True)
    sha256: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        segment_names = {s.name for s in self.demand.segment_list()}
        assign_tiers = [name for name, tier in self.tiers.items() if tier.mode == "assign"]
        if not assign_tiers:
            raise ValueError("tiers: no tier with mode = 'assign'; fix: add a [tiers.hub] table")
        explicit: dict[str, str] = {}
        for name, tier in self.tiers.items():
            for segment in tier.segments or ():
                if segment not in segment_names:
                    raise ValueError(
                        f"tiers.{name}.segments: unknown segment {segment!r}; fix: use one of "
                        f"{', '.join(sorted(segment_names))}"
                    )
                if tier.mode == "assign":
                    if segment in explicit:
                        raise ValueError(
                            f"tiers.{name}.segments: {segment!r} is already served by tier "
                            f"'{explicit[segment]}'; fix: give each segment to one assign tier"
                        )
                    explicit[segment] = name
        default_tiers = [name for name in assign_tiers if self.tiers[name].segments is None]
        unserved = segment_names - set(explicit)
        if unserved and len(default_tiers) != 1:
            raise ValueError(
                f"tiers: segments {', '.join(sorted(unserved))} are served by no assign tier; fix: leave "
                "'segments' out of exactly one assign tier (e.g. hub) so it serves the rest"
            )
        for index, rule in enumerate(self.sites.roles):
            for tier in rule.tiers or ():
                if tier not in self.tiers:
                    raise ValueError(
                        f"sites.roles.{index}.tiers: unknown tier {tier!r}; fix: use one of {', '.join(self.tiers)}"
                    )
        ids = [site.id for site in self.sites.add]
        if len(set(ids)) != len(ids):
            raise ValueError("sites.add: duplicate site id; fix: give each added site its own id")
        return self

    def segment_tiers(self) -> dict[str, str]:
        """Return the assign tier that serves each segment.

        Examples
        --------
        >>> s = Scenario(name="x", sites={"roles": [{"role": "required", "kind": "day_centre"}]},
        ...              tiers={"hub": {}})
        >>> s.segment_tiers()["older_people"]
        'hub'
        """
        result: dict[str, str] = {}
        default = next(n for n, t in self.tiers.items() if t.mode == "assign" and t.segments is None) if any(
            t.mode == "assign" and t.segments is None for t in self.tiers.values()
        ) else None
        for segment in self.demand.segment_list():
            owner = next(
                (n for n, t in self.tiers.items() if t.mode == "assign" and segment.name in (t.segments or ())),
                default,
            )
            if owner is not None:
                result[segment.name] = owner
        return result

    def resolve(self, path: Path | None) -> Path | None:
        """Resolve a path from the scenario relative to the scenario file's folder."""
        if path is None or path.is_absolute() or self.source_path is None:
            return path
        return (self.source_path.parent / path).resolve()


def _field_path(location: tuple[int | str, ...]) -> str:
    parts = (str(part) if str(part).isprintable() else repr(str(part)) for part in location)
    return ".".join(parts) or "(top level)"


_FIXES = {
    "extra_forbidden": "remove it or check its spelling against `hubplan scenario schema`",
    "missing": "add it (see the README's scenario reference)",
    "literal_error": "use one of the allowed values",
    "greater_than": "give a larger value",
    "greater_than_equal": "give a larger value",
    "less_than": "give a smaller value",
    "less_than_equal": "give a smaller value",
    "too_short": "add at least one entry",
    "string_pattern_mismatch": "use letters, digits, '_', '-' or '.' only",
}


def _message_for(error: Mapping[str, Any]) -> tuple[str, str, str]:
    location = tuple(error.get("loc", ()))
    problem = str(error.get("msg", "invalid"))
    kind = str(error.get("type", ""))
    if kind == "value_error":
        text = problem.removeprefix("Value error, ")
        field, _, rest = text.partition(": ")
        prefix = _field_path(location)
        if rest and "; fix: " in rest:
            body, _, fix = rest.partition("; fix: ")
            full_field = f"{prefix}.{field}" if location else field
            return full_field, body, fix
        body, _, fix = text.partition("; fix: ")
        return prefix, body, fix or "correct the value"
    if kind == "extra_forbidden":
        problem = "unknown key"
    elif "input" in error and kind not in ("missing",):
        problem = f"{problem} (got {error['input']!r})"
    return _field_path(location), problem, _FIXES.get(kind, "correct the value's type or format")


def _root_causes(errors: list[Any]) -> list[Any]:
    """Drop pydantic's follow-on ``too_short`` errors on a list whose only item was itself invalid.

    A ``[[sites.roles]]`` entry with a bad value also makes the list look empty
    ("at least 1 item after validation"); that second error is noise.
    """
    located = [tuple(error.get("loc", ())) for error in errors]
    kept = [
        error for error, loc in zip(errors, located, strict=True)
        if not (error.get("type") == "too_short"
                and any(len(other) > len(loc) and other[: len(loc)] == loc for other in located))
    ]
    return kept or errors


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        A TOML scenario file.

    Returns
    -------
    Scenario
        The frozen, validated scenario, with ``source_path`` and the file's ``sha256``.

    Raises
    ------
    InputError
        The file is missing, is not valid TOML (or UTF-8), or breaks the schema;
        the message names the file, the first offending field and the fix.
    """
    path = Path(path)
    try:
        raw = read_bounded(path, SCENARIO_FILE)
    except FileNotFoundError as err:
        raise input_error(path, "(file)", "scenario file not found", "check the path") from err
    except OSError as err:
        raise input_error(path, "(file)", f"cannot be read ({err.strerror})", "check the path and permissions") from err
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise input_error(path, "(file)", "not UTF-8 text", "save the file as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise input_error(path, "(syntax)", f"invalid TOML: {err}", "correct the TOML syntax at that line") from err
    for reserved in ("source_path", "sha256"):
        if reserved in data:
            raise input_error(path, reserved, "unknown key", "remove it (hubplan sets it itself)")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        errors = _root_causes(err.errors(include_url=False))
        first = errors[0]
        field, problem, fix = _message_for(first)
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise input_error(path, field, problem + suffix, fix) from err
    return scenario.model_copy(update={"source_path": path.resolve(), "sha256": hashlib.sha256(raw).hexdigest()})


def scenario_json_schema() -> str:
    """Return the scenario file's JSON Schema (pretty-printed).

    Examples
    --------
    >>> '"tiers"' in scenario_json_schema()
    True
    """
    schema = Scenario.model_json_schema(mode="validation")
    schema["properties"].pop("source_path", None)
    schema["properties"].pop("sha256", None)
    schema["title"] = "hubplan scenario"
    return json.dumps(schema, indent=2, sort_keys=True)
