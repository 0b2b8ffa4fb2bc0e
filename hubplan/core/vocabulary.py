"""The numpy core's vocabulary: tier modes, site roles, objective terms and array types.

Shared by :mod:`hubplan.core.problem` (which uses the words) and
:mod:`hubplan.core.checks` (which rejects anything else), so neither imports the other's
internals.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "OBJECTIVE_TERMS",
    "OPTIONAL_TERMS",
    "ROLES",
    "TIER_MODES",
    "BoolArray",
    "FloatArray",
    "GroupCount",
    "IntArray",
]

#: Modes a tier can take: ``assign`` (attendees are allocated to an open site of
#: the tier) or ``cover`` (no allocation; a client counts as covered when an open
#: site of this tier, or of an assign tier, lies within ``radius_minutes``).
#: A site may host several tiers at once when the problem allows it (``tiers_per_site``).
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
    "new_venues",
)
#: Terms scored (and so recorded) only when the objective weighs them; a plan scored before
#: they existed reads the same.
OPTIONAL_TERMS = ("new_venues",)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: A count per group (locality): one integer for every group, a tuple with one per group, or none.
GroupCount = int | tuple[int, ...] | None
