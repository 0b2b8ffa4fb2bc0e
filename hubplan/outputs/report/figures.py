"""Numbers as a reader without GIS reads them: thousands separators, whole minutes, shares as %, money as £.

Every figure in the report goes through one of these; ``None`` and NaN print as
``n/a``. Counts of people go through :func:`people`, which applies the published
suppression (``<5``) of :mod:`hubplan.outputs.privacy`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["NOT_AVAILABLE", "gap_text", "minutes", "money", "number", "people", "share", "whole"]

NOT_AVAILABLE = "n/a"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def whole(value: Any) -> str:
    """A whole number with thousands separators.

    Examples
    --------
    >>> whole(1564986.4), whole(None), whole(float("nan")), whole(2)
    ('1,564,986', 'n/a', 'n/a', '2')
    """
    return NOT_AVAILABLE if _missing(value) else f"{float(value):,.0f}"


def number(value: Any, decimals: int = 1) -> str:
    """A number with thousands separators and ``decimals`` decimals (at most 3).

    Examples
    --------
    >>> number(275.43), number(0.176, 3), number(None)
    ('275.4', '0.176', 'n/a')
    """
    return NOT_AVAILABLE if _missing(value) else f"{float(value):,.{min(decimals, 3)}f}"


def minutes(value: Any, *, words: bool = False) -> str:
    """Journey minutes as a whole number (``words``: spelt out, for sentences).

    Examples
    --------
    >>> minutes(20.62), minutes(45.0, words=True), minutes(1.2, words=True), minutes(None)
    ('21 min', '45 minutes', '1 minute', 'n/a')
    """
    if _missing(value):
        return NOT_AVAILABLE
    text = f"{float(value):,.0f}"
    if not words:
        return f"{text} min"
    return f"{text} minute{'' if text == '1' else 's'}"


def share(value: Any) -> str:
    """A share as a whole percentage; never rounds a part up to all or down to none.

    Examples
    --------
    >>> share(0.873), share(0.998), share(1.0), share(0.003), share(0.0), share(None)
    ('87%', '>99%', '100%', '<1%', '0%', 'n/a')
    """
    if _missing(value):
        return NOT_AVAILABLE
    percent = 100.0 * float(value)
    if 0 < percent < 1:
        return "<1%"
    if 99 < percent < 100:
        return ">99%"
    return f"{percent:.0f}%"


def money(value: Any) -> str:
    """Pounds sterling, whole pounds, the sign before the number.

    Examples
    --------
    >>> money(664000), money(1234.5), money(None)
    ('£664,000', '£1,234', 'n/a')
    """
    return NOT_AVAILABLE if _missing(value) else f"£{float(value):,.0f}"


def people(value: Any, suppressed: bool, threshold: int | None) -> str:
    """A published count of people: ``<5`` when suppressed, else a whole number.

    Examples
    --------
    >>> people(None, True, 5), people(120.0, False, 5), people(3.4, False, None)
    ('<5', '120', '3')
    """
    if suppressed and threshold is not None:
        return f"<{threshold}"
    return whole(value)


def gap_text(gap: Any) -> str:
    """The solver's relative gap as a percentage (two decimals; tiny gaps as 'less than 0.01%').

    Examples
    --------
    >>> gap_text(1.5e-15), gap_text(0.0312), gap_text(0.0), gap_text(None)
    ('less than 0.01%', '3.12%', '0%', 'not reported')
    """
    if _missing(gap):
        return "not reported"
    value = 100.0 * float(gap)
    if value == 0:
        return "0%"
    return "less than 0.01%" if value < 0.005 else f"{value:.2f}%"
