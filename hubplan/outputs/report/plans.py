"""The report's "Other plans considered": the near-best alternatives beside this plan, in a commissioner's figures.

Each row is a plan (this one first): how much more travel time it needs in all, what
it changes in buildings and services, the longest journey, how many people travel
longer than the isolation threshold, the buildings kept and closed, and the annual
building cost, all computed as this plan's own metrics are
(:func:`hubplan.record.alternatives.with_figures`). Services are named by their
public labels; counts of people are whole, or withheld for client records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hubplan.alternatives import change_words, gap_words, ordinal
from hubplan.outputs.escape import markdown_text
from hubplan.outputs.report.figures import minutes, money, whole
from hubplan.outputs.report.sites import md_table
from hubplan.outputs.wording import tier_labels_of
from hubplan.plan import AlternativePlan, PlanFigures
from hubplan.record.alternatives import plan_figures

__all__ = ["plans_section"]

HEADER = ("Plan", "Travel time in all", "Longest journey", "People travelling over {limit}",
          "Today's day centres kept / closed", "Annual building cost")
"""The table's columns (``{limit}``: the isolation threshold in words)."""


def _isolated(figures: PlanFigures | None) -> str:
    return "withheld" if figures is None or figures.isolated is None else whole(figures.isolated)


def _row(name: str, travel: str, figures: PlanFigures | None) -> list[str]:
    if figures is None:
        return [name, travel, "n/a", "n/a", "n/a", "n/a"]
    cost = money(figures.annual_building_cost) if figures.annual_building_cost is not None else "not known"
    return [name, travel, minutes(figures.longest_minutes), _isolated(figures),
            f"{figures.buildings_kept} / {figures.sites_closed}", cost]


def _gap(plan: AlternativePlan, objective_type: str | None) -> str:
    """The plan's gap to the best for the table: ``"0.8% more"``, or the words of :func:`gap_words`."""
    words = gap_words(plan, objective_type)
    return words.removesuffix(" travel time in all")


def _best_figures(overall: Mapping[str, Any]) -> PlanFigures | None:
    """Give the run's own plan's figures from the published metrics (``None`` when a figure is missing)."""
    try:
        figures = plan_figures(overall)
    except (KeyError, TypeError, ValueError):
        return None
    hidden = set(overall.get("suppressed") or ())
    return figures.withheld() if hidden & {"isolated.total", "isolated.rural", "isolated.urban"} else figures


def plans_section(alternatives: Sequence[AlternativePlan], overall: Mapping[str, Any], sites: pd.DataFrame,
                  objective_type: str | None) -> list[str]:
    """The section's Markdown parts (none when the run found no alternative).

    Parameters
    ----------
    alternatives
        The manifest's alternatives (second best onwards).
    overall
        The published ``metrics["overall"]`` of this plan.
    sites
        The public sites layer (for the services' labels).
    objective_type
        The scenario's aim (``median``: the gap is travel time).

    Returns
    -------
    list of str
    """
    if not alternatives:
        return []
    labels = tier_labels_of(sites)
    limit = minutes(overall.get("isolation_minutes"), words=True)
    rows = [_row("This plan (best)", "the least", _best_figures(overall))]
    rows += [_row(ordinal(plan.rank).capitalize(), _gap(plan, objective_type), plan.figures)
             for plan in alternatives]
    changes = [f"- **{markdown_text(ordinal(plan.rank).capitalize())}**: "
               + markdown_text("; ".join(change_words(plan, labels))
                               + ("; the same buildings" if plan.same_buildings else "")) + "."
               for plan in alternatives]
    distinct = ("a different set of buildings" if not any(plan.same_buildings for plan in alternatives)
                else "different buildings or the same buildings hosting different services")
    proven = ("each is proven the best of the plans not ranked above it"
              if all(plan.status == "optimal" for plan in alternatives)
              else "each is the best the solver found, within its time limit, among the plans not ranked above it")
    measure = ("'Travel time in all' is how much more time all attendees together spend travelling than in "
               "this plan." if objective_type == "median" else
               "'Travel time in all' gives how much worse each plan scores by the scenario's aim.")
    intro = (f"Besides this plan, the solver found the {len(alternatives)} next best plan"
             f"{'s' if len(alternatives) > 1 else ''} under the same rules, each using {distinct}. "
             f"They are shown to compare, not recommended: {proven}. {measure}")
    return ["## Other plans considered\n", intro + "\n", "What each changes against this plan:\n", *changes, "",
            md_table([h.format(limit=limit) for h in HEADER], rows) + "\n"]
