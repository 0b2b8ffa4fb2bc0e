"""Scenario files: a validated, frozen description of one planning option.

A scenario is a TOML file. Every section and field is described in the documentation
(``docs/guide/scenario-files.md``) and exported as JSON Schema by ``hubplan scenario schema``.
Unknown keys, wrong values, non-finite or absurdly large numbers and control
characters in names are errors whose one-line message names the file, the
field and the fix; :class:`hubplan.errors.InputError` carries them as
:class:`hubplan.errors.Issue` objects.

Modules: :mod:`~hubplan.scenario.fields` (strict base model, named limits,
checked text), :mod:`~hubplan.scenario.sections` (one model per TOML table),
:mod:`~hubplan.scenario.model` (the whole scenario and its cross-section rules),
:mod:`~hubplan.scenario.load` (TOML in, scenario or issues out).

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

from hubplan.scenario.fields import (
    MAX_ANNUAL_COST_GBP,
    MAX_ATTENDEES,
    MAX_JOURNEY_MINUTES,
    MAX_OBJECTIVE_WEIGHT,
    MAX_SITE_CAPACITY,
    MAX_SNAP_KM,
    MAX_TIME_LIMIT_S,
)
from hubplan.scenario.load import load_scenario, scenario_issues, scenario_json_schema
from hubplan.scenario.model import Scenario
from hubplan.scenario.sections import (
    ATTENDEES_ALL,
    ATTENDEES_AT_BOTH,
    ATTENDEES_CARE_DORSET_CENTRES,
    ATTENDEES_PRIVATE_PROVIDERS,
    COUNCIL_FACTS,
    EXISTING_BUILDING_KINDS,
    POPULATIONS,
    SITE_KINDS,
    ConstraintsConfig,
    DemandConfig,
    MetricsConfig,
    ObjectiveConfig,
    RoleRule,
    SegmentConfig,
    SiteAddition,
    SitesConfig,
    SolverConfig,
    TierConfig,
    TravelConfig,
)
from hubplan.scenario.transport import Depot, TransportConfig, VehicleType, clock

__all__ = [
    "ATTENDEES_ALL",
    "ATTENDEES_AT_BOTH",
    "ATTENDEES_CARE_DORSET_CENTRES",
    "ATTENDEES_PRIVATE_PROVIDERS",
    "COUNCIL_FACTS",
    "EXISTING_BUILDING_KINDS",
    "MAX_ANNUAL_COST_GBP",
    "MAX_ATTENDEES",
    "MAX_JOURNEY_MINUTES",
    "MAX_OBJECTIVE_WEIGHT",
    "MAX_SITE_CAPACITY",
    "MAX_SNAP_KM",
    "MAX_TIME_LIMIT_S",
    "POPULATIONS",
    "SITE_KINDS",
    "ConstraintsConfig",
    "DemandConfig",
    "Depot",
    "MetricsConfig",
    "ObjectiveConfig",
    "RoleRule",
    "Scenario",
    "SegmentConfig",
    "SiteAddition",
    "SitesConfig",
    "SolverConfig",
    "TierConfig",
    "TransportConfig",
    "TravelConfig",
    "VehicleType",
    "clock",
    "load_scenario",
    "scenario_issues",
    "scenario_json_schema",
]
