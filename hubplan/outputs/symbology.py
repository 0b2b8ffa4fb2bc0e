"""One symbology for every map of a run: journey colours, site symbols by tier and status.

The web map (:mod:`hubplan.outputs.webmap`), the print maps
(:mod:`hubplan.outputs.staticmaps`), the Easy Read page
(:mod:`hubplan.outputs.easy_read`) and the QGIS styles (:mod:`hubplan.outputs.qgis`)
draw from these constants, so a hub is the same blue square and a 30-45 minute
journey the same yellow everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hubplan.record.layers import EXISTING_BUILDING_KINDS, TierKind

__all__ = [
    "CLOSING_SYMBOL", "MINUTE_BREAKS", "MINUTE_COLOURS", "NEW_RING", "NOT_SELECTED_SYMBOL", "NO_JOURNEY_COLOUR",
    "NO_JOURNEY_WORDS", "ROUND_LINE_WIDTH_PX", "SESSION_STYLE", "SPECIALIST_COLOURS", "STATUS_STYLE", "TIER_SYMBOL",
    "minute_class_labels", "minutes_colour", "site_symbol", "specialist_colours", "status_entries", "symbol_svg",
    "tier_entries",
]

MINUTE_BREAKS = (15, 30, 45, 60)
"""Upper bounds of the journey-minute classes (the ``share_within`` bands of the metrics)."""

MINUTE_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
"""ColorBrewer RdYlGn (5-class, reversed): up to 15, 30, 45, 60 minutes and beyond."""

NO_JOURNEY_COLOUR = "#bdbdbd"
"""Fill of a home area from which nobody uses the service shown."""

NO_JOURNEY_WORDS = "nobody from here uses it"
"""The key's words for :data:`NO_JOURNEY_COLOUR`."""

STATUS_STYLE: dict[str, dict[str, Any]] = {
    "open": {"color": "#08306b", "fill": "#2171b5", "label": "Open"},
    "closed": {"color": "#67000d", "fill": "#ef3b2c", "label": "Closing"},
    "not_selected": {"color": "#525252", "fill": "#d9d9d9", "label": "Not selected"},
}
"""Colours of the site statuses."""

NEW_RING = "#f1b300"
"""Outline of a site that is new to day services (not one of today's buildings)."""

SPECIALIST_COLOURS = (("#6a3d9a", "#3f007d"), ("#c51b7d", "#7a0177"), ("#8c510a", "#543005"))
"""Fill and outline of each specialist tier, in the scenario's order (ColorBrewer purples/pinks/browns)."""

TIER_SYMBOL: dict[str, dict[str, Any]] = {
    TierKind.HUB.value: {"shape": "square", "fill": "#2171b5", "color": "#08306b", "size": 20},
    TierKind.SPECIALIST.value: {"shape": "diamond", "fill": "#6a3d9a", "color": "#3f007d", "size": 22},
    TierKind.SPOKE.value: {"shape": "triangle", "fill": "#ff7f00", "color": "#a63603", "size": 16},
}
"""Shape, colours and size (pixels) of an open site, by kind of tier."""

CLOSING_SYMBOL = {"shape": "cross", "fill": STATUS_STYLE["closed"]["fill"], "color": STATUS_STYLE["closed"]["color"],
                  "size": 16}
SESSION_STYLE: dict[str, dict[str, str]] = {
    "morning": {"color": "#1b1b1b", "dash": "", "label": "Morning rounds (home to site)"},
    "afternoon": {"color": "#2166ac", "dash": "7 5", "label": "Afternoon rounds (site to home)"},
}
"""Minibus rounds by session: near-black solid in the morning, blue dashed in the afternoon (both stand
out on the journey greens, yellows and reds, and the dash tells them apart without colour)."""

ROUND_LINE_WIDTH_PX = 3
"""Width of a round's line on the web map (pixels)."""

NOT_SELECTED_SYMBOL = {"shape": "circle", "fill": STATUS_STYLE["not_selected"]["fill"],
                       "color": STATUS_STYLE["not_selected"]["color"], "size": 10}


def minutes_colour(minutes: float | None) -> str:
    """Return the fill colour of a journey time.

    Examples
    --------
    >>> minutes_colour(12.0), minutes_colour(75.0), minutes_colour(None)
    ('#1a9850', '#d73027', '#bdbdbd')
    """
    if minutes is None or pd.isna(minutes):
        return NO_JOURNEY_COLOUR
    for bound, colour in zip(MINUTE_BREAKS, MINUTE_COLOURS, strict=False):
        if minutes <= bound:
            return colour
    return MINUTE_COLOURS[-1]


def minute_class_labels() -> list[tuple[str, str]]:
    """``(colour, words)`` of each journey-minute class, shortest first.

    Examples
    --------
    >>> minute_class_labels()[0] == ("#1a9850", "0\u201315 min"), minute_class_labels()[-1]
    (True, ('#d73027', 'over 60 min'))
    """
    rows, lower = [], 0
    for bound, colour in zip(MINUTE_BREAKS, MINUTE_COLOURS, strict=False):
        rows.append((colour, f"{lower}–{bound} min"))  # noqa: RUF001 - en dash: a range
        lower = bound
    rows.append((MINUTE_COLOURS[-1], f"over {MINUTE_BREAKS[-1]} min"))
    return rows


def specialist_colours(tiers: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{tier: (fill, outline)}`` of the specialist tiers, in sorted order of their names."""
    return {t: SPECIALIST_COLOURS[i % len(SPECIALIST_COLOURS)] for i, t in enumerate(sorted(set(tiers)))}


def site_symbol(site: Any, specialist_colour: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """The symbol of one site (a row of the sites layer): by status, then by kind of tier.

    Open sites get their tier's shape and colours and a :data:`NEW_RING` when they are
    not one of today's buildings (``ring``); closing and not selected sites their
    status's symbol.
    """
    if site.status == "closed":
        return dict(CLOSING_SYMBOL)
    if site.status != "open":
        return dict(NOT_SELECTED_SYMBOL)
    symbol = dict(TIER_SYMBOL.get(str(site.tier_kind), TIER_SYMBOL[TierKind.HUB.value]))
    if site.tier_kind == TierKind.SPECIALIST.value:
        symbol["fill"], symbol["color"] = specialist_colour[str(site.tier)]
    symbol["ring"] = NEW_RING if str(site.kind) not in EXISTING_BUILDING_KINDS else ""
    return symbol


def tier_entries(
    sites: pd.DataFrame, specialist_colour: Mapping[str, tuple[str, str]]
) -> list[tuple[str, dict[str, Any]]]:
    """Key entries ``(words, symbol)`` of the open tiers: hubs, then specialists, then spokes.

    Parameters
    ----------
    sites
        Rows of the sites layer (``status``, ``tier``, ``tier_kind``, ``tier_label``).
    specialist_colour
        :func:`specialist_colours` of the specialist tiers.
    """
    entries = []
    for kind in (TierKind.HUB, TierKind.SPECIALIST, TierKind.SPOKE):
        opened = sites[(sites["status"] == "open") & (sites["tier_kind"] == kind.value)]
        for tier, group in opened.groupby("tier", sort=True):
            symbol = dict(TIER_SYMBOL[kind.value], ring="")
            if kind is TierKind.SPECIALIST:
                symbol["fill"], symbol["color"] = specialist_colour[str(tier)]
            label = str(group["tier_label"].iloc[0] or tier)
            entries.append((label if kind is not TierKind.SPOKE else "Spoke (activities near home)", symbol))
    return entries


def status_entries(sites: pd.DataFrame, *, not_selected: str = "Not selected") -> list[tuple[str, dict[str, Any]]]:
    """Key entries ``(words, symbol)`` of the statuses present: kept, new, closing, not selected.

    Parameters
    ----------
    sites
        Rows of the sites layer shown on the map (``status``, ``kind``).
    not_selected
        The words for candidate sites the plan does not use.
    """
    entries: list[tuple[str, dict[str, Any]]] = []
    opened = sites[sites["status"] == "open"]
    if opened["kind"].isin(EXISTING_BUILDING_KINDS).any():
        entries.append(("Kept: one of today's buildings", dict(TIER_SYMBOL["hub"], fill="#ffffff",
                                                              color="#252525", ring="")))
    if (~opened["kind"].isin(EXISTING_BUILDING_KINDS)).any():
        entries.append(("New: not used for day services today", dict(TIER_SYMBOL["hub"], fill="#ffffff",
                                                                     color="#252525", ring=NEW_RING)))
    if (sites["status"] == "closed").any():
        entries.append(("Closing", CLOSING_SYMBOL))
    if (sites["status"] == "not_selected").any():
        entries.append((not_selected, NOT_SELECTED_SYMBOL))
    return entries


def symbol_svg(symbol: Mapping[str, Any]) -> str:
    """An inline SVG of a site symbol (used by the web map's markers and key)."""
    size = int(symbol["size"])
    half = size / 2
    ring = symbol.get("ring") or ""
    stroke = f"stroke='{symbol['color']}' stroke-width='1.5'"
    inset = 3.5 if ring else 1.5
    lo, hi = inset, size - inset
    shapes = {
        "square": f"<rect x='{lo}' y='{lo}' width='{hi - lo}' height='{hi - lo}' rx='2'",
        "diamond": f"<polygon points='{half},{lo} {hi},{half} {half},{hi} {lo},{half}'",
        "triangle": f"<polygon points='{half},{lo} {hi},{hi - 1} {lo},{hi - 1}'",
        "circle": f"<circle cx='{half}' cy='{half}' r='{half - inset}'",
        "cross": f"<circle cx='{half}' cy='{half}' r='{half - inset}'",
    }
    body = f"{shapes[symbol['shape']]} fill='{symbol['fill']}' {stroke}/>"
    if symbol["shape"] == "cross":
        a, b = half - 3.2, half + 3.2
        body += f"<path d='M{a} {a}L{b} {b}M{b} {a}L{a} {b}' stroke='#fff' stroke-width='2'/>"
    if ring:
        body = (f"<circle cx='{half}' cy='{half}' r='{half - 1}' fill='none' stroke='{ring}' stroke-width='2.5'/>"
                + body)
    return f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' viewBox='0 0 {size} {size}'>"\
           f"{body}</svg>"
