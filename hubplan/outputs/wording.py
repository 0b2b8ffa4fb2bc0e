"""Plain-English words shared by the maps and pages of a run.

Journey views (which journey a map colours the home areas by, and how it says so),
site kinds in words, ranges and lists as English writes them, and counts of people
published through the privacy rule (:mod:`hubplan.outputs.privacy`). The web map's
popups, the print maps and the Easy Read page all use them, so they say the same thing.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from hubplan.outputs.privacy import LOWER_SUFFIX, layer_count_text, publish_count
from hubplan.outputs.symbology import tier_kinds_of
from hubplan.record.layers import TIER_JOINER, TierKind
from hubplan.record.run import RunRecord

__all__ = [
    "KIND_WORDS", "JourneyView", "PublishedCounts", "is_missing", "join_words", "journey_views", "kind_words",
    "minutes_text", "people_count_text", "people_html", "rules_tier_kinds", "span_words", "tier_labels_of",
    "whole_parts",
]

KIND_WORDS = {"day_centre": "day centre", "gp_branch": "GP branch surgery", "settlement": "community venue"}
"""Site kinds in words; other kinds have their underscores turned to spaces."""


@dataclass(frozen=True)
class JourneyView:
    """One way of colouring the home areas: a column of the home-areas layer and its words."""

    key: str
    column: str
    title: str
    explanation: str


def is_missing(value: Any) -> bool:
    """Say whether a value is ``None`` or NaN (a suppressed or absent figure)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def tier_labels_of(sites: pd.DataFrame) -> dict[str, str]:
    """``{tier name: public label}`` of every tier an open site of the sites layer hosts.

    Examples
    --------
    >>> sites = pd.DataFrame({"tier": ["hub + specialist_ld", "hub", ""],
    ...                       "tier_label": ["Hub + Specialist: LD", "Hub", ""]})
    >>> tier_labels_of(sites)
    {'hub': 'Hub', 'specialist_ld': 'Specialist: LD'}
    """
    labels: dict[str, str] = {}
    if "tier" not in sites.columns or "tier_label" not in sites.columns:
        return labels
    for names, words in zip(sites["tier"], sites["tier_label"], strict=True):
        if not isinstance(names, str) or not names or not isinstance(words, str):
            continue
        split_names, split_words = names.split(TIER_JOINER), words.split(TIER_JOINER)
        if len(split_names) == len(split_words):
            labels.update(zip(split_names, split_words, strict=True))
    return labels


def kind_words(kind: str) -> str:
    """Say a site kind in words.

    Examples
    --------
    >>> kind_words("day_centre"), kind_words("library"), kind_words("village_hall")
    ('day centre', 'library', 'village hall')
    """
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def minutes_text(value: Any) -> str:
    """Minutes of a journey, or ``n/a``.

    Examples
    --------
    >>> minutes_text(12.4), minutes_text(None)
    ('12 min', 'n/a')
    """
    return "n/a" if is_missing(value) else f"{float(value):.0f} min"


def span_words(low: float, high: float) -> str:
    r"""A range of journey minutes in words.

    Examples
    --------
    >>> span_words(9.2, 31.4) == "9\u201331 minutes", span_words(12.0, 12.2)
    (True, '12 minutes')
    """
    a, b = round(low), round(high)
    return f"{a} minutes" if a == b else f"{a}–{b} minutes"  # noqa: RUF001 - en dash: a range


def join_words(words: Sequence[str]) -> str:
    """Join words as English does.

    Examples
    --------
    >>> join_words(["A"]), join_words(["A", "B"]), join_words(["A", "B", "C"])
    ('A', 'A and B', 'A, B and C')
    """
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def people_count_text(count: Any, suppressed: bool, threshold: int | None) -> str:
    """Say a published count of people in whole people (never "0.5 people" or "111.0 people").

    ``<5`` when suppressed, ``fewer than 1`` for a modelled fraction under a half, else
    a whole number, a half rounded up.

    Examples
    --------
    >>> people_count_text(111.005, False, None), people_count_text(0.4, False, None)
    ('111', 'fewer than 1')
    >>> people_count_text(0.5, False, None)
    '1'
    >>> people_count_text(None, True, 5), people_count_text(0.0, False, None), people_count_text(None, False, None)
    ('<5', '0', 'n/a')
    """
    if not suppressed and not is_missing(count) and 0 < float(count) < 0.5:
        return "fewer than 1"
    if not suppressed and not is_missing(count):
        count = math.floor(float(count) + 0.5)  # half up: 0.5 is one person, as a reader rounds
    return layer_count_text(count, suppressed, threshold, decimals=0)


def whole_parts(total: float, parts: Sequence[float]) -> list[int]:
    """Whole numbers for ``parts`` that add up to ``total`` rounded (largest remainders get the rounding).

    So "18 isolated (9 rural and 9 urban)" never reads "2 (1 rural and 2 urban)".

    Examples
    --------
    >>> whole_parts(1.6, [0.5, 1.1]), whole_parts(18.02, [8.71, 9.32]), whole_parts(0.0, [0.0, 0.0])
    ([1, 1], [9, 9], [0, 0])
    """
    target = math.floor(float(total) + 0.5)
    floors = [math.floor(float(p)) for p in parts]
    short = target - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(float(parts[i]) - floors[i]), i))
    for i in order[:max(short, 0)]:
        floors[i] += 1
    return floors


def people_html(text: str) -> str:
    """Wrap a published count (from :func:`people_count_text`) as 'N people', escaped."""
    noun = "person" if text in {"1", "1.0", "fewer than 1"} else "people"
    return f"<span class='hp-count'>{html.escape(text)}</span> {noun}"


def rules_tier_kinds(rules: Any) -> dict[str, str]:
    """``{tier: hub | specialist | spoke}`` from a manifest's scenario rules (as :func:`tier_kind` classifies).

    Examples
    --------
    >>> rules_tier_kinds({"tiers": {"hub": {"mode": "assign", "segments": None},
    ...                             "specialist_ld": {"mode": "assign", "segments": ["ld_complex"]},
    ...                             "spoke": {"mode": "cover", "segments": None}}})
    {'hub': 'hub', 'specialist_ld': 'specialist', 'spoke': 'spoke'}
    """
    tiers = (rules or {}).get("tiers") if isinstance(rules, dict) else None
    kinds = {}
    for name, tier in (tiers or {}).items():
        if not isinstance(tier, dict):
            continue
        kind = TierKind.SPOKE if tier.get("mode") == "cover" else \
            TierKind.HUB if tier.get("segments") is None else TierKind.SPECIALIST
        kinds[str(name)] = kind.value
    return kinds


class PublishedCounts:
    """Publish sums of people from the protected record's cells, by the privacy rule."""

    def __init__(self, record: RunRecord) -> None:
        self.threshold = record.suppress_below
        self.decimals = 0

    def text(self, estimate: float, lower: float) -> str:
        """A sum of cells (``estimate``, smallest possible ``lower``) as published text, in whole people."""
        published = publish_count(estimate, lower, self.threshold)
        suppressed = published is None and not is_missing(estimate)
        return people_count_text(published, suppressed, self.threshold)

    def cells(self, cells: pd.DataFrame) -> str:
        """The people in some allocation cells (of :func:`~hubplan.outputs.privacy.protect`), as text."""
        lower = cells["attendees" + LOWER_SUFFIX] if "attendees" + LOWER_SUFFIX in cells.columns else cells["attendees"]
        return self.text(float(cells["attendees"].sum()), float(lower.sum()))


def journey_views(homes: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, isolation: float) -> list[JourneyView]:
    """The journeys a map can colour the home areas by; the first is shown first.

    With more than one kind of service, the longest journey to any of them comes first:
    a map opening on the hub journey alone would hide the isolation a specialist
    service brings.

    Parameters
    ----------
    homes, sites
        The public ``home_areas`` and ``sites`` layers.
    isolation
        The isolation threshold in minutes.
    """
    kinds = set(tier_kinds_of(sites[sites["status"] == "open"]).values())
    views = []
    if homes["minutes_to_hub"].notna().any():
        views.append(JourneyView("hub", "minutes_to_hub", "Journey to your hub",
                                 "Minutes from home to the hub people here are assigned to."))
    if TierKind.SPECIALIST.value in kinds and homes["minutes_to_specialist"].notna().any():
        views.append(JourneyView("specialist", "minutes_to_specialist", "Journey to specialist provision",
                                 "The longest journey from here to a specialist site."))
    if TierKind.SPOKE.value in kinds and homes["minutes_to_spoke"].notna().any():
        views.append(JourneyView("spoke", "minutes_to_spoke", "Nearest spoke",
                                 "Minutes from home to the nearest spoke or hub."))
    if len(views) != 1 or views[0].key != "hub":  # the longest journey to any service first: it shows isolation
        views.insert(0, JourneyView("longest", "minutes_longest", "Longest journey, any service",
                                    f"The longest journey anyone from here makes; over {isolation:g} min isolates."))
    return views
