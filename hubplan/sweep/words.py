"""A sweep's parameters in a commissioner's words: ``tiers.hub.count=5`` becomes "5 hub sites in all".

Known scenario fields have a label written for people (:data:`FIELD_WORDS`, with
``{tier}`` for a tier's name in words); any other field is said as its last part with
its tier, so every parameter gets words and none is left as a dotted slug.

Examples
--------
>>> parameter_words({"demand.seed": 3, "tiers.hub.count": 6, "travel.speed_factor": 0.9})
'6 hub sites in all, road speeds x0.9'
>>> parameter_words({"demand.seed": 3, "tiers.hub.count": 6}, with_draw=True)
'6 hub sites in all, demand draw 3'
"""

from __future__ import annotations

from collections.abc import Mapping

from hubplan.sweep.spec import SEED_AXIS, SPEED_AXIS

__all__ = ["FIELD_WORDS", "axis_label", "parameter_words", "value_words"]

#: Scenario fields in words: the label (a column heading) and how one value reads (``{value}``, ``{tier}``).
FIELD_WORDS: Mapping[str, tuple[str, str]] = {
    SEED_AXIS: ("demand draw", "demand draw {value}"),
    SPEED_AXIS: ("road speeds (factor)", "road speeds x{value}"),
    "tiers.*.count": ("{tier} sites in all", "{value} {tier} sites in all"),
    "tiers.*.count_per_locality": ("{tier} sites per locality", "{value} {tier} sites per locality"),
    "tiers.*.min_count": ("at least this many {tier} sites", "at least {value} {tier} sites"),
    "tiers.*.max_count": ("at most this many {tier} sites", "at most {value} {tier} sites"),
    "tiers.*.capacity": ("places per {tier}", "{value} places per {tier}"),
    "tiers.*.annual_cost": ("annual cost per {tier} (GBP)", "GBP {value} a year per {tier}"),
    "tiers.*.max_minutes": ("longest {tier} journey allowed (minutes)", "{tier} journeys up to {value} minutes"),
    "tiers.*.radius_minutes": ("{tier} reach (minutes)", "{tier} reach {value} minutes"),
    "objective.isolation_minutes": ("isolation threshold (minutes)", "isolated beyond {value} minutes"),
    "objective.isolation_penalty": ("weight on isolation", "isolation weighted {value}"),
    "objective.cost_weight": ("weight on building cost", "building cost weighted {value}"),
    "constraints.budget": ("budget (GBP a year)", "budget GBP {value}"),
    "constraints.buildings": ("buildings in all", "{value} buildings in all"),
    "constraints.max_minutes": ("longest journey allowed (minutes)", "journeys up to {value} minutes"),
    "constraints.tiers_per_site": ("services per building", "up to {value} services per building"),
}


def _tier_words(tier: str) -> str:
    """A tier's name in words: ``specialist_ld`` -> ``specialist ld``."""
    return " ".join(tier.replace("_", " ").replace("-", " ").split())


def _pattern(axis: str) -> tuple[str, str]:
    """The :data:`FIELD_WORDS` key of ``axis`` and the tier it names (``""`` if none)."""
    parts = axis.split(".")
    if len(parts) == 3 and parts[0] == "tiers":
        return f"tiers.*.{parts[2]}", parts[1]
    return axis, ""


def _fallback(axis: str) -> tuple[str, str]:
    """Words for a field :data:`FIELD_WORDS` does not know: its last part, with its tier."""
    _, tier = _pattern(axis)
    last = _tier_words(axis.rsplit(".", 1)[-1])
    label = f"{_tier_words(tier)} {last}" if tier else last
    return label, f"{label} {{value}}"


def axis_label(axis: str) -> str:
    """A column heading for ``axis``.

    Examples
    --------
    >>> axis_label("tiers.hub.count"), axis_label("objective.isolation_minutes"), axis_label("tiers.hub.odd_field")
    ('hub sites in all', 'isolation threshold (minutes)', 'hub odd field')
    """
    key, tier = _pattern(axis)
    label = FIELD_WORDS.get(key, _fallback(axis))[0]
    return label.format(tier=_tier_words(tier))


def value_words(axis: str, value: object) -> str:
    """One parameter value in words.

    Examples
    --------
    >>> value_words("tiers.specialist_ld.count", 2), value_words("constraints.budget", 1500000)
    ('2 specialist ld sites in all', 'budget GBP 1,500,000')
    """
    key, tier = _pattern(axis)
    template = FIELD_WORDS.get(key, _fallback(axis))[1]
    shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000 else value
    return template.format(value=shown, tier=_tier_words(tier))


def parameter_words(parameters: Mapping[str, object], *, with_draw: bool = False) -> str:
    """A variant's (or a decision's) parameters in words, the demand draw last and only ``with_draw``.

    Returns ``"the scenario as it is"`` when nothing but the draw varies.
    """
    words = [value_words(axis, value) for axis, value in parameters.items() if axis != SEED_AXIS]
    if with_draw and SEED_AXIS in parameters:
        words.append(value_words(SEED_AXIS, parameters[SEED_AXIS]))
    return ", ".join(words) or "the scenario as it is"
