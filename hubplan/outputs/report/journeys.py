"""What the plan means for people: the headline per locality and the journey tables by group.

Every figure comes from the published metrics (:func:`hubplan.outputs.privacy.suppress_metrics`):
a count the privacy rule hides prints as ``<5`` and the figures derived from it as ``n/a``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hubplan.metrics import GROUP_KINDS, SHARE_THRESHOLDS
from hubplan.outputs.escape import markdown_text
from hubplan.outputs.report.figures import minutes, money, number, people, share, whole
from hubplan.outputs.report.sites import SiteChange, change_of, locality_changes, md_table
from hubplan.outputs.wording import whole_parts

__all__ = ["GROUP_HEADINGS", "group_tables", "headline", "locality_table"]

GROUP_HEADINGS: Mapping[str, tuple[str, str]] = {
    "tier": ("By tier of provision", "Journeys to each tier's sites (a person may use more than one tier)."),
    "segment": ("By group of people", "Journeys of each group of attendees the scenario names."),
    "rural_urban": ("By rural or urban home", "Journeys by the ONS 2021 rural/urban class of the home area."),
    "deprivation": ("By deprivation of the home area",
                    "Journeys by the English Indices of Deprivation 2025 decile of the home area "
                    "(decile 1: the most deprived 10% of areas in England)."),
}
"""``{group kind: (heading, one-line explanation)}`` of the breakdown tables."""


def _hidden(block: Mapping[str, Any], key: str) -> bool:
    return key in (block.get("suppressed") or [])


def _count(block: Mapping[str, Any], key: str, threshold: int | None) -> str:
    value: Any = block
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return people(value, _hidden(block, key), threshold)


def _isolated_sentence(block: Mapping[str, Any], threshold: int | None) -> str:
    limit = minutes(block.get("isolation_minutes"), words=True)
    iso = block.get("isolated") or {}
    total = iso.get("total")
    if _hidden(block, "isolated.total"):
        return f"Fewer than {threshold} people travel more than {limit}."
    if not total:
        return f"Nobody travels more than {limit}."
    verb = "travels" if whole(total) == "1" else "travel"
    detail = ""
    if "rural" in iso and "urban" in iso:
        rural, urban = _parts(block, threshold)
        detail = f" ({rural} from rural and {urban} from urban home areas)"
    return f"{whole(total)} {verb} more than {limit}{detail}."


def _parts(block: Mapping[str, Any], threshold: int | None) -> tuple[str, str]:
    """The rural and urban parts of the isolated total, as whole numbers that add up to the total shown.

    A part the privacy rule hides is shown as it publishes it (``<5``); otherwise the
    rounding goes to the larger remainder (:func:`hubplan.outputs.wording.whole_parts`),
    so "2 (1 rural and 2 urban)" cannot appear.
    """
    iso = block.get("isolated") or {}
    hidden = _hidden(block, "isolated.rural") or _hidden(block, "isolated.urban") or _hidden(block, "isolated.total")
    values: list[Any] = [iso.get("total"), iso.get("rural"), iso.get("urban")]
    if hidden or any(v is None or v != v for v in values):
        return _count(block, "isolated.rural", threshold), _count(block, "isolated.urban", threshold)
    total, *parts = (float(v) for v in values)
    rural, urban = whole_parts(total, parts)
    return f"{rural:,}", f"{urban:,}"


def _journey_sentences(block: Mapping[str, Any], threshold: int | None, where: str = "live here") -> str:
    if _hidden(block, "attendees"):
        return f"Fewer than {threshold} attendees {where}: too few to publish their journeys."
    return (
        f"About {whole(block.get('attendees'))} attendees {where}. Half travel "
        f"{minutes(block.get('median_minutes'), words=True)} or less and 9 in 10 travel "
        f"{minutes(block.get('p90_minutes'), words=True)} or less; the longest journey is "
        f"{minutes(block.get('max_minutes'), words=True)}. " + _isolated_sentence(block, threshold)
    )


def headline(metrics: Mapping[str, Any], sites: pd.DataFrame, threshold: int | None) -> list[str]:
    """The report's first section: what the plan changes for people, overall and in each locality."""
    overall = metrics.get("overall") or {}
    changes = change_of(sites).value_counts()
    opened = int(changes.get(SiteChange.KEPT, 0) + changes.get(SiteChange.NEW, 0))
    parts = ["## What changes for people\n",
             f"{opened} sites are open in this plan: {int(changes.get(SiteChange.KEPT, 0))} of today's buildings "
             f"kept and {int(changes.get(SiteChange.NEW, 0))} new; {int(changes.get(SiteChange.CLOSES, 0))} of "
             f"today's buildings close. " + _journey_sentences(overall, threshold, "in all") + "\n"]
    for name, block in (metrics.get("localities") or {}).items():
        parts.append(f"**{markdown_text(name)}.** {locality_changes(sites, name)} "
                     f"{_journey_sentences(block, threshold)}\n")
    return parts


def _group_row(block: Mapping[str, Any], threshold: int | None) -> list[str]:
    shares = block.get("share_within") or {}
    return [
        str(block.get("label") or ""),
        _count(block, "attendees", threshold),
        minutes(block.get("mean_minutes")),
        minutes(block.get("p90_minutes")),
        minutes(block.get("max_minutes")),
        *[share(shares.get(str(limit))) for limit in SHARE_THRESHOLDS],
        _count(block, "isolated.total", threshold),
    ]


def _reach_sentence(block: Mapping[str, Any], threshold: int | None) -> str:
    if _hidden(block, "attendees"):
        return f"{markdown_text(block.get('label'))}: too few attendees to publish."
    beyond = _count(block, "beyond_reach", threshold)
    return (f"{markdown_text(block.get('label'))}: {share(block.get('within_reach'))} of attendees live within "
            f"{minutes(block.get('reach_minutes'), words=True)} of an open spoke or hub; "
            f"{beyond} {'does' if beyond == '1' else 'do'} not. Half live within "
            f"{minutes(block.get('median_minutes'), words=True)} of one.")


def group_tables(block: Mapping[str, Any], threshold: int | None) -> list[str]:
    """The breakdown tables of one metrics block (by tier, segment, rural/urban, deprivation)."""
    groups = block.get("groups") or {}
    limit = minutes(block.get("isolation_minutes"))
    header = ["Group", "Attendees", "Average journey", "9 in 10 within", "Longest",
              *[f"Within {t} min" for t in SHARE_THRESHOLDS], f"Over {limit}"]
    parts = []
    for kind in GROUP_KINDS:
        blocks = groups.get(kind) or {}
        if not blocks:
            continue
        heading, note = GROUP_HEADINGS[kind]
        parts += [f"### {heading}\n", note + "\n"]
        rows = [_group_row(b, threshold) for b in blocks.values() if b.get("kind") != "spoke"]
        if rows:
            parts.append(md_table(header, rows) + "\n")
        parts += [_reach_sentence(b, threshold) + "\n" for b in blocks.values() if b.get("kind") == "spoke"]
    return parts


def _locality_rows(block: Mapping[str, Any], threshold: int | None) -> list[tuple[str, str]]:
    shares = block.get("share_within") or {}
    limit = minutes(block.get("isolation_minutes"))
    return [
        ("Attendees", _count(block, "attendees", threshold)),
        ("Average journey", minutes(block.get("mean_minutes"))),
        ("Half travel at most", minutes(block.get("median_minutes"))),
        ("9 in 10 travel at most", minutes(block.get("p90_minutes"))),
        ("Longest journey", minutes(block.get("max_minutes"))),
        *[(f"Within {t} min", share(shares.get(str(t)))) for t in SHARE_THRESHOLDS],
        (f"Over {limit}, all homes", _count(block, "isolated.total", threshold)),
        (f"Over {limit}, rural homes", _parts(block, threshold)[0]),
        (f"Over {limit}, urban homes", _parts(block, threshold)[1]),
        ("Sites open", whole(block.get("sites_open"))),
        ("Existing buildings kept", whole(block.get("buildings_kept"))),
        ("Existing buildings closed", whole(block.get("sites_closed"))),
        ("Annual building cost", money(block.get("annual_building_cost"))),
        ("Annual travel (as if by car)", f"{whole(block.get('annual_travel_km'))} km"),
        ("Annual CO2e (as if by car)", f"{number(block.get('annual_co2e_tonnes'))} t"),
    ]


CAR_CO2_NOTE = ("Travel and CO2e in this table count every attendee's return journey as if made by car, at the "
                "carbon factor under *Assumptions*: a like-for-like measure of how far the plan makes people "
                "travel, not of how they travel.")
"""What the car-based travel and CO2e figures are (the transport plan's minibus CO2e is a different measure)."""


def locality_table(metrics: Mapping[str, Any], threshold: int | None) -> str:
    """Measures (rows) by the whole area and each locality (columns): the whole area first, so a phone shows it."""
    blocks = {"Whole area": metrics.get("overall") or {}, **(metrics.get("localities") or {})}
    columns = {name: dict(_locality_rows(block, threshold)) for name, block in blocks.items()}
    measures = [m for m, _ in _locality_rows(metrics.get("overall") or {}, threshold)]
    rows = [[m, *[columns[name].get(m, "n/a") for name in blocks]] for m in measures]
    return md_table(["Measure", *blocks], rows)
