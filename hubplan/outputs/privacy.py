"""Small-number suppression: the one rule every public output applies to counts of people.

When demand comes from a client file (``RunRecord.suppress_below`` is set), a count
of people that is greater than zero and below the threshold could identify someone, so
public layers, map popups, reports, ``metrics.json`` and comparison tables show it as
``null`` (with a ``suppressed`` flag) or as ``"<5"`` in text. Zero is shown: it reveals
no person. Totals are always computed from the unsuppressed figures first, then the
total itself goes through the same rule.

The threshold of 5 (:data:`DEFAULT_SUPPRESS_BELOW`) follows the common NHS and
ONS small-numbers practice of suppressing counts of 1 to 4 (e.g. NHS England,
"Analysis and Presentation of Small Numbers"); a scenario may choose a higher one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "COUNT_METRIC_KEYS",
    "DEFAULT_SUPPRESS_BELOW",
    "count_text",
    "is_suppressed",
    "layer_count_text",
    "public_count",
    "suppress_columns",
    "suppress_metrics",
]

DEFAULT_SUPPRESS_BELOW = 5
"""Default threshold: counts of 1 to 4 people are suppressed (NHS/ONS small-numbers practice)."""

COUNT_METRIC_KEYS = ("attendees", "isolated")
"""Keys of a metrics block (``overall`` or one locality) that hold counts of people."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def is_suppressed(count: float | None, threshold: int | None) -> bool:
    """Return whether ``count`` must be hidden under the small-number rule.

    Parameters
    ----------
    count
        A count of people (may be fractional for modelled estimates, or missing).
    threshold
        ``RunRecord.suppress_below``; ``None`` disables suppression.

    Returns
    -------
    bool
        True when ``0 < count < threshold``.

    Examples
    --------
    >>> is_suppressed(3, 5), is_suppressed(0, 5), is_suppressed(5, 5), is_suppressed(3, None)
    (True, False, False, False)
    """
    if threshold is None or _missing(count):
        return False
    return 0 < float(count) < threshold  # type: ignore[arg-type]


def public_count(count: float | None, threshold: int | None) -> float | None:
    """Return ``count`` as it may be published: ``None`` when suppressed or missing.

    Examples
    --------
    >>> public_count(12.0, 5), public_count(2.0, 5), public_count(2.0, None)
    (12.0, None, 2.0)
    """
    if _missing(count) or is_suppressed(count, threshold):
        return None
    return float(count)  # type: ignore[arg-type]


def count_text(count: float | None, threshold: int | None, *, decimals: int = 0) -> str:
    """Format a count of people for text (reports, popups): ``"<5"`` when suppressed.

    Parameters
    ----------
    count
        The count (``None``/NaN prints as ``"n/a"``).
    threshold
        ``RunRecord.suppress_below`` or ``None``.
    decimals
        Decimal places for published values.

    Examples
    --------
    >>> count_text(1234.4, 5), count_text(3, 5), count_text(3, None), count_text(None, 5)
    ('1,234', '<5', '3', 'n/a')
    """
    if _missing(count):
        return "n/a"
    if is_suppressed(count, threshold):
        return f"<{threshold}"
    return f"{float(count):,.{decimals}f}"  # type: ignore[arg-type]


def layer_count_text(
    count: float | None, suppressed: bool, threshold: int | None, *, decimals: int = 0
) -> str:
    """Format a count from a public layer, whose suppressed values are already missing.

    Examples
    --------
    >>> layer_count_text(float("nan"), True, 5), layer_count_text(7.0, False, 5)
    ('<5', '7')
    """
    if suppressed and threshold is not None:
        return f"<{threshold}"
    return count_text(count, threshold, decimals=decimals)


def suppress_columns(
    frame: pd.DataFrame, columns: Iterable[str], threshold: int | None
) -> pd.DataFrame:
    """Return a copy of ``frame`` with small counts in ``columns`` set to missing.

    A boolean ``suppressed`` column is added (True where any of ``columns`` was hidden),
    so the schema is the same whether or not suppression applies.

    Parameters
    ----------
    frame
        Any table (GeoDataFrames keep their geometry).
    columns
        Columns holding counts of people.
    threshold
        ``RunRecord.suppress_below`` or ``None``.

    Returns
    -------
    pandas.DataFrame
        The same type as ``frame``.

    Examples
    --------
    >>> out = suppress_columns(pd.DataFrame({"attendees": [0.0, 2.0, 9.0]}), ["attendees"], 5)
    >>> out["attendees"].tolist(), out["suppressed"].tolist()
    ([0.0, nan, 9.0], [False, True, False])
    """
    out = frame.copy()
    flag = pd.Series(False, index=out.index)
    for column in columns:
        hidden = out[column].map(lambda v: is_suppressed(v, threshold)).astype(bool)
        out[column] = out[column].astype(float).where(~hidden)
        flag |= hidden
    out["suppressed"] = flag.to_numpy(dtype=bool)
    return out


def _suppress_block(block: Mapping[str, Any], threshold: int | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(block)
    hidden: list[str] = []
    for key in COUNT_METRIC_KEYS:
        value = out.get(key)
        if isinstance(value, Mapping):
            sub = dict(value)
            for sub_key, sub_value in value.items():
                if is_suppressed(sub_value, threshold):
                    sub[sub_key] = None
                    hidden.append(f"{key}.{sub_key}")
            out[key] = sub
        elif is_suppressed(value, threshold):
            out[key] = None
            hidden.append(key)
    out["suppressed"] = hidden
    return out


def suppress_metrics(metrics: Mapping[str, Any], threshold: int | None) -> dict[str, Any]:
    """Return a copy of a metrics dict with small counts of people set to ``None``.

    Applies to the ``attendees`` and ``isolated`` figures of ``overall`` and of every
    locality; each block gains a ``suppressed`` list naming what was hidden. Other
    sections (``parameters`` ...) are copied unchanged.

    Examples
    --------
    >>> m = {"overall": {"attendees": 40, "isolated": {"rural": 3, "urban": 0, "total": 3}},
    ...      "localities": {"Purbeck": {"attendees": 2, "isolated": {"rural": 0}}}}
    >>> s = suppress_metrics(m, 5)
    >>> s["overall"]["isolated"], s["overall"]["suppressed"]
    ({'rural': None, 'urban': 0, 'total': None}, ['isolated.rural', 'isolated.total'])
    >>> s["localities"]["Purbeck"]["attendees"] is None
    True
    """
    out: dict[str, Any] = dict(metrics)
    if "overall" in metrics:
        out["overall"] = _suppress_block(metrics["overall"], threshold)
    if "localities" in metrics:
        out["localities"] = {
            name: _suppress_block(block, threshold)
            for name, block in metrics["localities"].items()
        }
    out["suppress_below"] = threshold
    return out
