"""Which sites open, stay open or close, as the report lists and tells them.

A site's place in the plan follows from its ``status`` and whether it is one of
today's day-service buildings (:data:`hubplan.record.layers.EXISTING_BUILDING_KINDS`):
an existing building that is open is *kept*, any other open site is *new*, an
existing building that is not open *closes*, and a candidate venue not used is
*not used*.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import pandas as pd

from hubplan.outputs.escape import markdown_cell, markdown_text
from hubplan.outputs.privacy import layer_count_text
from hubplan.record.layers import EXISTING_BUILDING_KINDS

__all__ = ["KIND_LABELS", "SiteChange", "change_of", "join_names", "locality_changes", "md_table", "site_sections"]

KIND_LABELS = {
    "day_centre": "Day centre", "library": "Library", "gp_practice": "GP practice",
    "gp_branch": "GP branch surgery", "settlement": "Village or town venue", "custom": "Added venue",
}
"""Site kinds (:data:`hubplan.scenario.SITE_KINDS`) in words."""


class SiteChange(str, Enum):
    """What a plan does to a site, in the report's words."""

    KEPT = "Existing buildings kept open"
    NEW = "New sites that open"
    CLOSES = "Existing buildings that close"
    UNUSED = "Candidate venues not used"


def change_of(sites: pd.DataFrame) -> pd.Series:
    """The :class:`SiteChange` of each site (``None`` for excluded venues).

    Examples
    --------
    >>> sites = pd.DataFrame({"status": ["open", "open", "closed", "not_selected", "excluded"],
    ...                       "kind": ["day_centre", "library", "day_centre", "library", "gp_practice"]})
    >>> [c.name if c else None for c in change_of(sites)]
    ['KEPT', 'NEW', 'CLOSES', 'UNUSED', None]
    """
    existing = sites["kind"].isin(EXISTING_BUILDING_KINDS)
    is_open = sites["status"] == "open"
    change = pd.Series([None] * len(sites), index=sites.index, dtype=object)
    change[is_open & existing] = SiteChange.KEPT
    change[is_open & ~existing] = SiteChange.NEW
    change[sites["status"] == "closed"] = SiteChange.CLOSES
    change[sites["status"] == "not_selected"] = SiteChange.UNUSED
    return change


def join_names(names: Sequence[str]) -> str:
    """Names as a sentence list.

    Examples
    --------
    >>> join_names(["A"]), join_names(["A", "B"]), join_names(["A", "B", "C"])
    ('A', 'A and B', 'A, B and C')
    """
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


_RULES = {"l": ":---", "r": "---:"}
"""Markdown's column rules for left and right alignment."""


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """A Markdown table; every cell is escaped (:func:`~hubplan.outputs.escape.markdown_cell`).

    ``align`` gives one ``l`` (words: left, and wrapped on the page) or ``r`` (figures) per
    column; without it the page's style decides (first column left, the rest right).

    Examples
    --------
    >>> md_table(["Site", "People"], [["Hub", "5"]], align="lr").splitlines()[1]
    '|:---|---:|'
    """
    rules = [_RULES[a] for a in align] if align is not None else ["---"] * len(header)
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def site_sections(sites: pd.DataFrame, threshold: int | None) -> list[str]:
    """One list per :class:`SiteChange`: site, locality, role in the plan, type, attendees."""
    changes = change_of(sites)
    out = []
    for change in SiteChange:
        subset = sites[changes == change].sort_values(["locality", "name"])
        out.append(f"### {change.value} ({len(subset)})\n")
        if subset.empty:
            out.append("No sites.\n")
            continue
        is_open = change in (SiteChange.KEPT, SiteChange.NEW)
        header = ["Site", "Locality", "Role in the plan", "Type"] + (["Attendees"] if is_open else [])
        rows = []
        for r in subset.itertuples():
            row = [str(r.name), str(r.locality), str(r.tier_label) or "-", KIND_LABELS.get(str(r.kind), str(r.kind))]
            if is_open:
                row.append(layer_count_text(r.attendees, bool(r.suppressed), threshold))
            rows.append(row)
        out.append(md_table(header, rows, align="llll" + ("r" if is_open else "")) + "\n")
    return out


def locality_changes(sites: pd.DataFrame, locality: str) -> str:
    """Plain sentences: which sites in ``locality`` close, open and stay open (escaped Markdown)."""
    here = sites[sites["locality"] == locality].sort_values("name")
    changes = change_of(here)
    sentences = []

    def named(change: SiteChange, with_role: bool) -> list[str]:
        rows = here[changes == change]
        return [markdown_text(f"{r.name} ({str(r.tier_label).lower()})" if with_role and r.tier_label else r.name)
                for r in rows.itertuples()]

    closes, opens, kept = named(SiteChange.CLOSES, False), named(SiteChange.NEW, True), named(SiteChange.KEPT, True)
    if closes:
        sentences.append(f"{join_names(closes)} {'closes' if len(closes) == 1 else 'close'}.")
    if opens:
        sentences.append(f"{join_names(opens)} {'opens' if len(opens) == 1 else 'open'}.")
    if kept:
        sentences.append(f"{join_names(kept)} {'stays' if len(kept) == 1 else 'stay'} open.")
    if not closes:
        sentences.append("No existing building closes.")
    return " ".join(sentences)
