"""The scenario as a whole: its sections and the rules that span them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from hubplan.scenario.fields import (
    FilePath,
    Name,
    OneLine,
    Paragraph,
    StrictModel,
    fix_with_suggestions,
    scenario_issue,
)
from hubplan.scenario.sections import (
    ConstraintsConfig,
    DemandConfig,
    MetricsConfig,
    ObjectiveConfig,
    SitesConfig,
    SolverConfig,
    TierConfig,
    TravelConfig,
)
from hubplan.scenario.transport import TransportConfig

__all__ = ["Scenario"]


class Scenario(StrictModel):
    """A validated scenario. Paths are resolved relative to the scenario file."""

    name: Name
    title: OneLine = ""
    description: Paragraph = ""
    study: FilePath | None = None
    demand: DemandConfig = DemandConfig()
    travel: TravelConfig = TravelConfig()
    sites: SitesConfig
    tiers: dict[Name, TierConfig] = Field(min_length=1)
    objective: ObjectiveConfig = ObjectiveConfig()
    constraints: ConstraintsConfig = ConstraintsConfig()
    solver: SolverConfig = SolverConfig()
    metrics: MetricsConfig = MetricsConfig()
    transport: TransportConfig | None = None
    source_path: Path | None = Field(default=None, exclude=True)
    sha256: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        segment_names = {s.name for s in self.demand.segment_list()}
        assign_tiers = [name for name, tier in self.tiers.items() if tier.mode == "assign"]
        if not assign_tiers:
            raise scenario_issue("tiers", "no tier with mode = 'assign'", "add a [tiers.hub] table")
        explicit: dict[str, str] = {}
        for name, tier in self.tiers.items():
            for segment in tier.segments or ():
                if segment not in segment_names:
                    raise scenario_issue(
                        f"tiers.{name}.segments", f"unknown segment {segment!r}",
                        fix_with_suggestions([segment], segment_names,
                                             f"use one of {', '.join(sorted(segment_names))}"),
                    )
                if tier.mode == "assign":
                    if segment in explicit:
                        raise scenario_issue(
                            f"tiers.{name}.segments", f"{segment!r} is already served by tier '{explicit[segment]}'",
                            "give each segment to one assign tier",
                        )
                    explicit[segment] = name
        default_tiers = [name for name in assign_tiers if self.tiers[name].segments is None]
        unserved = segment_names - set(explicit)
        if unserved and len(default_tiers) != 1:
            raise scenario_issue(
                "tiers", f"segments {', '.join(sorted(unserved))} are served by no assign tier",
                "leave 'segments' out of exactly one assign tier (e.g. hub) so it serves the rest",
            )
        for index, rule in enumerate(self.sites.roles):
            for tier_name in rule.tiers or ():
                if tier_name not in self.tiers:
                    raise scenario_issue(
                        f"sites.roles.{index}.tiers", f"unknown tier {tier_name!r}",
                        fix_with_suggestions([tier_name], self.tiers, f"use one of {', '.join(self.tiers)}"),
                    )
        ids = [site.id for site in self.sites.add]
        if len(set(ids)) != len(ids):
            raise scenario_issue("sites.add", "duplicate site id", "give each added site its own id")
        return self

    @model_validator(mode="after")
    def _check_reach(self) -> Scenario:
        reach = self.objective.reach_tiers
        for name in reach or ():
            if name not in self.tiers:
                raise scenario_issue("objective.reach_tiers", f"unknown tier {name!r}",
                                     fix_with_suggestions([name], self.tiers, f"use one of {', '.join(self.tiers)}"))
        if reach is not None and self.objective.type not in ("coverage", "min_sites") \
                and self.constraints.max_minutes_to_any is None:
            raise scenario_issue("objective.reach_tiers", "has no effect: only objective types coverage and "
                                 "min_sites and constraints.max_minutes_to_any measure reach",
                                 "set one of them, or remove reach_tiers")
        if self.constraints.tiers_per_site > len(self.tiers):
            raise scenario_issue("constraints.tiers_per_site", f"{self.constraints.tiers_per_site} is more than "
                                 f"the scenario's {len(self.tiers)} tiers", f"give at most {len(self.tiers)}")
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
        default = next((n for n, t in self.tiers.items() if t.mode == "assign" and t.segments is None), None)
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
