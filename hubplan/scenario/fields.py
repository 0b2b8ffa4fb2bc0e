"""The building blocks of scenario fields: the strict base model, named limits, and checked text.

Every number in a scenario must be finite (``inf`` and ``nan`` are rejected),
and the ones that reach the solver or size an array have a named upper bound
below. The bounds are assumptions, not council figures: each is far above any
real plan and exists to turn a typo into a one-line error instead of an
overflow, an exhausted memory or a solver failure.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

__all__ = [
    "ISSUE_ERROR_TYPE",
    "MAX_ANNUAL_COST_GBP",
    "MAX_ATTENDEES",
    "MAX_JOURNEY_MINUTES",
    "MAX_OBJECTIVE_WEIGHT",
    "MAX_SEED",
    "MAX_SITE_CAPACITY",
    "MAX_SNAP_KM",
    "MAX_TIME_LIMIT_S",
    "FilePath",
    "Name",
    "OneLine",
    "Paragraph",
    "StrictModel",
    "close_match",
    "fix_with_suggestions",
    "scenario_issue",
]

MAX_ATTENDEES = 400_000
"""Most attendees a scenario may have (``demand.total``).

Assumption: above the Dorset Council area's 379,589 residents (ONS Census 2021,
the study area's ``pop_total``), so a larger total is a typo; it also bounds the
synthetic cohort, which draws one postcode per attendee.
"""

MAX_SITE_CAPACITY = MAX_ATTENDEES
"""Most places one site may offer (``capacity``): no site needs more places than there can be attendees."""

MAX_ANNUAL_COST_GBP = 1_000_000_000
"""Largest annual cost in GBP (a site's or tier's ``annual_cost``, and ``constraints.budget``).

Assumption: a thousand million pounds a year is beyond any day-service plan, so a
larger figure is a typo; HiGHS treats costs near 1e20 as infinite.
"""

MAX_JOURNEY_MINUTES = 24 * 60
"""Longest journey limit in minutes (``radius_minutes``, ``coverage_minutes``, ``isolation_minutes``,
``max_minutes``). Assumption: a one-way journey limit beyond a day is a typo."""

MAX_OBJECTIVE_WEIGHT = 1_000_000
"""Largest weight of an objective term (``isolation_penalty``, ``cost_weight``, ``spoke_reward``).

Assumption: the shipped scenarios use 0.01 to 60; a million already lets one term
outweigh every journey of the council's 521 attendees, so a larger weight is a typo.
"""

MAX_TIME_LIMIT_S = 24 * 60 * 60
"""Longest solver time limit in seconds. Assumption: the shipped scenarios are proven optimal in
seconds, so a limit beyond a day is a typo (``inf`` used to crash the solver's timer)."""

MAX_SEED = 2**32 - 1
"""Largest random seed (``demand.seed``, ``transport.seed``, a sweep's seeds). Assumption: the
range of a 32-bit seed, which every generator hubplan seeds accepts; 2**64 used to reach them."""

MAX_SNAP_KM = 1_000
"""Farthest a point may be snapped to the road network, in km (``travel.max_snap_km``).

Assumption: a round figure above the length of Great Britain, so only a typo exceeds it.
"""

NEAR_MISS_CUTOFF = 0.8
"""How alike (difflib's ratio, 0 to 1) a misspelt name must be to a known one to be suggested.

Assumption, tuned on the study area's names: high enough that an unrelated site ID sharing the
``CD-`` prefix and ``-CENTRE`` suffix is not offered (``CD-ATLANTIS-CENTRE`` is 0.6 alike to
``CD-SWANAGE-DAY-CENTRE``), low enough for a dropped or doubled letter (``CD-BLANDFORD-CONECT``, 0.97).
"""

ISSUE_ERROR_TYPE = "hubplan_issue"
"""The pydantic error type of a check written for hubplan; its context holds the Issue's parts."""

LINE_BREAKS = frozenset("\n\r\t")
"""Control characters a multi-line text (``description``) may hold."""


class StrictModel(BaseModel):
    """A frozen model that forbids unknown keys and non-finite numbers, and strips whitespace."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


def scenario_issue(field: str, problem: str, fix: str) -> PydanticCustomError:
    """An error to raise from a validator: the field (relative to the model), problem and fix.

    The loader turns it into an :class:`hubplan.errors.Issue` from its context,
    without parsing the message.

    Examples
    --------
    >>> error = scenario_issue("radius_minutes", "required for a cover tier", "give the limit")
    >>> error.type, error.context["field"], str(error)
    ('hubplan_issue', 'radius_minutes', 'radius_minutes: required for a cover tier; fix: give the limit')
    """
    return PydanticCustomError(
        ISSUE_ERROR_TYPE, "{field}: {problem}; fix: {fix}", {"field": field, "problem": problem, "fix": fix}
    )


def _first_control_character(value: str, allowed: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    r"""Position and character of the first control character or line separator, if any.

    Examples
    --------
    >>> _first_control_character("Hub\x00 A"), _first_control_character("Hub A")
    ((3, '\x00'), None)
    """
    for position, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return position, char
    return None


def _reject_control_characters(value: str, allowed: frozenset[str], what: str) -> str:
    found = _first_control_character(value, allowed)
    if found is not None:
        position, char = found
        raise scenario_issue(
            "", f"contains the control character U+{ord(char):04X} at position {position}",
            f"remove it ({what})",
        )
    return value


def _one_line(value: str) -> str:
    return _reject_control_characters(value, frozenset(), "names, titles and labels are one line of plain text")


def _paragraph(value: str) -> str:
    return _reject_control_characters(value, LINE_BREAKS, "only line breaks and tabs are allowed")


def _plain_path(value: Path) -> Path:
    _reject_control_characters(str(value), frozenset(), "a file name holds no control characters")
    return value


Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]
"""An identifier: letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit."""

OneLine = Annotated[str, AfterValidator(_one_line)]
"""A name, title or label shown to the public: one line, no control characters."""

Paragraph = Annotated[str, AfterValidator(_paragraph)]
"""A free text that may span lines: no control characters but line breaks and tabs."""

FilePath = Annotated[Path, AfterValidator(_plain_path)]
"""A file path from the scenario: no control characters (a NUL byte cannot name a file)."""


def close_match(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` most likely meant: the same but for case, else the nearest near miss.

    Examples
    --------
    >>> close_match("west dorset", ["West Dorset", "Purbeck"]), close_match("Purbek", ["West Dorset", "Purbeck"])
    ('West Dorset', 'Purbeck')
    >>> close_match("Poole", ["West Dorset", "Purbeck"]) is None
    True
    """
    by_folded = {option.casefold(): option for option in known}
    folded = name.casefold()
    if folded in by_folded:
        return by_folded[folded]
    found = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=NEAR_MISS_CUTOFF)
    return by_folded[found[0]] if found else None


def fix_with_suggestions(unknown: Sequence[str], known: Iterable[str], otherwise: str) -> str:
    """A fix that asks "did you mean ...?" for the unknown names with a near miss, else ``otherwise``.

    Examples
    --------
    >>> fix_with_suggestions(["CD-WAREHAM-PLUSS"], ["CD-WAREHAM-PLUS"], "use IDs listed by `hubplan data sites`")
    "did you mean 'CD-WAREHAM-PLUS'? (else use IDs listed by `hubplan data sites`)"
    >>> fix_with_suggestions(["Poole"], ["Purbeck"], "use one of Purbeck")
    'use one of Purbeck'
    """
    options = list(known)
    meant = [match for match in (close_match(name, options) for name in unknown) if match is not None]
    if not meant:
        return otherwise
    return f"did you mean {', '.join(repr(name) for name in dict.fromkeys(meant))}? (else {otherwise})"
