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

from hubplan.record.layers import EXISTING_BUILDING_KINDS, TIER_JOINER, TierKind

__all__ = [
    "CLOSING_SYMBOL", "MINUTE_BREAKS", "MINUTE_COLOURS", "NEW_RING", "NOT_SELECTED_SYMBOL", "NO_JOURNEY_COLOUR",
    "NO_JOURNEY_WORDS", "ROUND_LINE_WIDTH_PX", "SESSION_STYLE", "SPECIALIST_COLOURS", "STATUS_STYLE", "TIER_SYMBOL",
    "minute_class_labels", "minutes_colour", "site_symbol", "specialist_colours", "specialist_colours_of",
    "status_entries", "symbol_svg", "tier_entries", "tier_kinds_of", "tier_parts",
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


def tier_parts(tier: Any) -> list[str]:
    """The tiers of a site's ``tier`` (or ``tier_label``) value: one, several (``hub + specialist_ld``) or none.

    Examples
    --------
    >>> tier_parts("hub + specialist_ld"), tier_parts("hub"), tier_parts(None)
    (['hub', 'specialist_ld'], ['hub'], [])
    """
    return [part for part in str(tier).split(TIER_JOINER) if part] if isinstance(tier, str) else []


def tier_kinds_of(sites: pd.DataFrame, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{tier name: kind}`` of every tier an open site hosts.

    ``known`` (e.g. from the manifest's rules) comes first; then a site hosting one tier
    gives that tier its ``tier_kind``; a tier only ever sharing a building is a
    specialist when its public label says so (``Specialist: ...``), else a hub.

    Examples
    --------
    >>> sites = pd.DataFrame({"tier": ["hub", "hub + specialist_dementia"], "tier_kind": ["hub", "hub"],
    ...                       "tier_label": ["Hub", "Hub + Specialist: Older people living with dementia"]})
    >>> tier_kinds_of(sites)
    {'hub': 'hub', 'specialist_dementia': 'specialist'}
    """
    kinds = dict(known or {})
    rows = list(zip(sites["tier"], sites["tier_kind"], sites["tier_label"], strict=True))
    for tier, kind, _ in rows:
        parts = tier_parts(tier)
        if len(parts) == 1:
            kinds.setdefault(parts[0], str(kind))
    for tier, _, label in rows:
        for part, words in zip(tier_parts(tier), tier_parts(label), strict=False):
            kinds.setdefault(part, TierKind.SPECIALIST.value if words.startswith("Specialist")
                             else TierKind.HUB.value)
    return kinds


def specialist_colours_of(sites: pd.DataFrame, kinds: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """:func:`specialist_colours` of every specialist tier any site of ``sites`` hosts, alone or with others."""
    hosted = {part for tier in sites["tier"] for part in tier_parts(tier)}
    return specialist_colours([t for t in hosted if kinds.get(t) == TierKind.SPECIALIST.value])


def _shared_symbol(parts: Sequence[str], kinds: Mapping[str, str],
                   specialist_colour: Mapping[str, tuple[str, str]]) -> dict[str, Any] | None:
    """The symbol of a building hosting several tiers: its main tier's shape with the specialist's colour inside."""
    specialists = [p for p in parts if kinds.get(p) == TierKind.SPECIALIST.value and p in specialist_colour]
    main = [p for p in parts if kinds.get(p) == TierKind.HUB.value]
    if not specialists or (not main and len(specialists) < 2):
        return None
    if main:
        symbol = dict(TIER_SYMBOL[TierKind.HUB.value], size=24)
        inner = specialist_colour[specialists[0]]
    else:
        symbol = dict(TIER_SYMBOL[TierKind.SPECIALIST.value], size=26)
        symbol["fill"], symbol["color"] = specialist_colour[specialists[0]]
        inner = specialist_colour[specialists[1]]
    symbol["inner"], symbol["inner_color"] = inner
    return symbol


def site_symbol(site: Any, specialist_colour: Mapping[str, tuple[str, str]],
                kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The symbol of one site (a row of the sites layer): by status, then by kind of tier.

    Open sites get their tier's shape and colours and a :data:`NEW_RING` when they are
    not one of today's buildings (``ring``); closing and not selected sites their
    status's symbol. With ``kinds`` (:func:`tier_kinds_of`), a building hosting a hub
    and a specialist service is a hub square with the specialist's diamond inside
    (``inner``, ``inner_color``), so it never looks like a plain hub.
    """
    if site.status == "closed":
        return dict(CLOSING_SYMBOL)
    if site.status != "open":
        return dict(NOT_SELECTED_SYMBOL)
    parts = tier_parts(site.tier)
    shared = _shared_symbol(parts, kinds, specialist_colour) if kinds is not None and len(parts) > 1 else None
    symbol = shared or dict(TIER_SYMBOL.get(str(site.tier_kind), TIER_SYMBOL[TierKind.HUB.value]))
    if shared is None and site.tier_kind == TierKind.SPECIALIST.value:
        key = str(site.tier) if str(site.tier) in specialist_colour else next(
            (p for p in parts if p in specialist_colour), "")
        symbol["fill"], symbol["color"] = specialist_colour.get(key, (symbol["fill"], symbol["color"]))
    symbol["ring"] = NEW_RING if str(site.kind) not in EXISTING_BUILDING_KINDS else ""
    return symbol


def tier_entries(
    sites: pd.DataFrame, specialist_colour: Mapping[str, tuple[str, str]], kinds: Mapping[str, str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Key entries ``(words, symbol)`` of the open tiers: hubs, then specialists, then spokes.

    Parameters
    ----------
    sites
        Rows of the sites layer (``status``, ``tier``, ``tier_kind``, ``tier_label``).
    specialist_colour
        :func:`specialist_colours` of the specialist tiers.
    kinds
        :func:`tier_kinds_of`: with it, a building hosting several tiers gets its own
        entry and symbol (e.g. "Hub + Specialist: ...").
    """
    entries = []
    for kind in (TierKind.HUB, TierKind.SPECIALIST, TierKind.SPOKE):
        opened = sites[(sites["status"] == "open") & (sites["tier_kind"] == kind.value)]
        for tier, group in opened.groupby("tier", sort=True):
            parts = tier_parts(tier)
            shared = _shared_symbol(parts, kinds, specialist_colour) if kinds is not None and len(parts) > 1 \
                else None
            symbol = dict(shared or TIER_SYMBOL[kind.value], ring="")
            if shared is None and kind is TierKind.SPECIALIST:
                key = str(tier) if str(tier) in specialist_colour else next(
                    (p for p in parts if p in specialist_colour), "")
                symbol["fill"], symbol["color"] = specialist_colour.get(key, (symbol["fill"], symbol["color"]))
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
    if symbol.get("inner"):
        r = (hi - lo) * 0.34
        body += (f"<polygon points='{half},{half - r:.1f} {half + r:.1f},{half} {half},{half + r:.1f} "
                 f"{half - r:.1f},{half}' fill='{symbol['inner']}' stroke='#ffffff' stroke-width='1.2'/>")
    if symbol["shape"] == "cross":
        a, b = half - 3.2, half + 3.2
        body += f"<path d='M{a} {a}L{b} {b}M{b} {a}L{a} {b}' stroke='#fff' stroke-width='2'/>"
    if ring:
        body = (f"<circle cx='{half}' cy='{half}' r='{half - 1}' fill='none' stroke='{ring}' stroke-width='2.5'/>"
                + body)
    return f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' viewBox='0 0 {size} {size}'>"\
           f"{body}</svg>"
