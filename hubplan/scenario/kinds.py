"""What each tier of a scenario is to the public: hub, specialist or spoke."""

from __future__ import annotations

from enum import Enum

from hubplan.scenario.sections import TierConfig

__all__ = ["TierKind", "tier_kind"]


class TierKind(str, Enum):
    """What a tier of provision is to the public, whatever the scenario calls it.

    ``hub``: an assign tier serving every segment no other tier names (the default);
    ``specialist``: an assign tier serving named segments; ``spoke``: a cover tier
    (activity brought near home, no assignment).
    """

    HUB = "hub"
    SPECIALIST = "specialist"
    SPOKE = "spoke"


def tier_kind(tier: TierConfig) -> TierKind:
    """Classify a scenario tier as hub, specialist or spoke.

    Examples
    --------
    >>> [tier_kind(TierConfig(**c)).value for c in ({}, {"segments": ["ld"]},
    ...                                             {"mode": "cover", "radius_minutes": 20})]
    ['hub', 'specialist', 'spoke']
    """
    if tier.mode == "cover":
        return TierKind.SPOKE
    return TierKind.HUB if tier.segments is None else TierKind.SPECIALIST
