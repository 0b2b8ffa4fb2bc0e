"""The disclosure rule's primitives: bands of small counts, suppression, rounding, and their text.

The rule itself (which outputs apply it, and why it cannot be undone) is stated in
:mod:`hubplan.outputs.privacy`; its transport part in :mod:`hubplan.outputs.privacy_transport`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "CLIENT_ROW_KEYS",
    "COUNT_METRIC_KEYS",
    "DEFAULT_SUPPRESS_BELOW",
    "DERIVED_METRIC_KEYS",
    "GAP_DECIMALS",
    "LOWER_SUFFIX",
    "ROUNDING_BASE",
    "Band",
    "band",
    "count_text",
    "is_suppressed",
    "layer_count_text",
    "public_count",
    "publish_count",
    "round_to_base",
]

DEFAULT_SUPPRESS_BELOW = 5
"""Default threshold: counts of 1 to 4 people are suppressed (NHS/ONS small-numbers practice)."""

ROUNDING_BASE = 5
"""Published counts from client records are rounded to a multiple of this (ONS/NHS practice)."""

COUNT_METRIC_KEYS = ("attendees", "isolated", "beyond_reach")
"""Keys of a metrics block (``overall``, one locality or one group) that hold counts of people."""

DERIVED_METRIC_KEYS = (
    "mean_minutes", "median_minutes", "p90_minutes", "max_minutes", "share_within",
    "annual_travel_km", "annual_co2e_tonnes", "within_reach",
)
"""Figures of a metrics block computed from its attendees: suppressed when they are."""

LOWER_SUFFIX = "_min"
"""Suffix of the column holding a count's smallest possible value (``attendees_min``)."""

GAP_DECIMALS = 4
"""Decimals of the solver's relative gap published for client records (0.01 percentage points)."""

CLIENT_ROW_KEYS = ("rows_geocoded", "rows_skipped")
"""Client-file row tallies in the manifest's ``demand`` block (``rows`` is their sum)."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


@dataclass(frozen=True)
class Band:
    """What a cell of people stands for in every output.

    Attributes
    ----------
    estimate
        The value used in sums and statistics: the cell itself, or the midpoint of the
        band of a hidden cell.
    lower
        The smallest count the cell can be given its band (the cell itself when shown).
    """

    estimate: float
    lower: float


def band(count: float, threshold: int | None) -> Band:
    """Return the band a cell of ``count`` people stands for.

    Hidden counts (1 to ``threshold - 1``) fall into two bands of whole numbers, each
    with at least two members (``1-2`` and ``3-4`` for a threshold of 5; one band
    ``1-(threshold-1)`` below a threshold of 5).

    Parameters
    ----------
    count
        People in one allocation cell (a whole number for client records).
    threshold
        ``RunRecord.suppress_below``; ``None`` disables protection.

    Returns
    -------
    Band

    Examples
    --------
    >>> [band(c, 5) for c in (0, 1, 2, 3, 4, 7)]  # doctest: +NORMALIZE_WHITESPACE
    [Band(estimate=0.0, lower=0.0), Band(estimate=1.5, lower=1.0), Band(estimate=1.5, lower=1.0),
     Band(estimate=3.5, lower=3.0), Band(estimate=3.5, lower=3.0), Band(estimate=7.0, lower=7.0)]
    """
    value = float(count)
    if not is_suppressed(value, threshold):
        return Band(value, value)
    top = int(threshold) - 1  # type: ignore[arg-type]
    split = top // 2 if top >= 4 else top  # the last member of the low band
    low, high = (1, split) if value < split + 0.5 else (split + 1, top)
    return Band((low + high) / 2.0, float(low))


def round_to_base(value: float, base: int = ROUNDING_BASE) -> float:
    """Round to the nearest multiple of ``base`` (halves go up).

    Examples
    --------
    >>> round_to_base(521), round_to_base(7.5), round_to_base(12.4)
    (520.0, 10.0, 10.0)
    """
    return float(base * math.floor(float(value) / base + 0.5))


def publish_count(estimate: float | None, lower: float | None, threshold: int | None) -> float | None:
    """Return a count as it may be published: the one rule every output uses.

    Parameters
    ----------
    estimate
        The count computed from the cells (:func:`band` estimates).
    lower
        Its smallest possible value given the bands (``None``: same as ``estimate``).
    threshold
        ``RunRecord.suppress_below``; ``None`` (modelled estimates) returns ``estimate``.

    Returns
    -------
    float or None
        ``0`` when nobody is counted, ``None`` (suppressed) when ``lower`` is below
        ``threshold``, else ``estimate`` rounded to :data:`ROUNDING_BASE`.

    Examples
    --------
    >>> publish_count(0, 0, 5), publish_count(3.5, 3, 5), publish_count(5.0, 4, 5), publish_count(521, 521, 5)
    (0.0, None, None, 520.0)
    >>> publish_count(3.2, None, None)
    3.2
    """
    if _missing(estimate):
        return None
    value = float(estimate)  # type: ignore[arg-type]
    if threshold is None:
        return value
    if value == 0:
        return 0.0
    floor = value if _missing(lower) else float(lower)  # type: ignore[arg-type]
    if floor < threshold:
        return None
    return round_to_base(value)


def is_suppressed(count: float | None, threshold: int | None) -> bool:
    """Return whether a single count of ``count`` people is hidden under the rule.

    Examples
    --------
    >>> is_suppressed(3, 5), is_suppressed(0, 5), is_suppressed(5, 5), is_suppressed(3, None)
    (True, False, False, False)
    """
    if threshold is None or _missing(count):
        return False
    return 0 < float(count) < threshold  # type: ignore[arg-type]


def public_count(count: float | None, threshold: int | None) -> float | None:
    """Return a single count as published: ``None`` when suppressed or missing, else rounded.

    Examples
    --------
    >>> public_count(12.0, 5), public_count(2.0, 5), public_count(2.0, None)
    (10.0, None, 2.0)
    """
    return publish_count(count, count, threshold)


def count_text(count: float | None, threshold: int | None, *, decimals: int = 0) -> str:
    """Format a single count of people for text: ``"<5"`` when suppressed, rounded otherwise.

    Examples
    --------
    >>> count_text(1234.4, 5), count_text(3, 5), count_text(3, None), count_text(None, 5)
    ('1,235', '<5', '3', 'n/a')
    """
    if _missing(count):
        return "n/a"
    return layer_count_text(public_count(count, threshold), is_suppressed(count, threshold), threshold,
                            decimals=decimals)


def layer_count_text(
    count: float | None, suppressed: bool, threshold: int | None, *, decimals: int = 0
) -> str:
    """Format a count from a public layer, whose suppressed values are already missing.

    Examples
    --------
    >>> layer_count_text(float("nan"), True, 5), layer_count_text(7.0, False, None)
    ('<5', '7')
    """
    if suppressed and threshold is not None:
        return f"<{threshold}"
    if _missing(count):
        return "n/a"
    return f"{float(count):,.{decimals}f}"  # type: ignore[arg-type]
