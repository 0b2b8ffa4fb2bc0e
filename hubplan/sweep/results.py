"""A sweep's results as tables: one row per variant, the Pareto front, and how often each site is chosen.

Everything here is a pure function of the variants' results (no timings), so the same
sweep gives the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hubplan.sweep.decisions import decision_table, front_of_variants
from hubplan.sweep.front import TRADE_OFFS, pareto_front
from hubplan.sweep.spec import SEED_AXIS, SweepSpec
from hubplan.sweep.words import parameter_words
from hubplan.sweep.worker import VariantResult

__all__ = ["FIGURE_COLUMNS", "TRADE_OFFS", "group_label", "pareto_front", "results_table", "site_shares"]

#: Figures of each variant's plan: column -> key in the metrics' ``overall`` block.
FIGURE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "attendees": ("attendees",),
    "mean_minutes": ("mean_minutes",),
    "p90_minutes": ("p90_minutes",),
    "max_minutes": ("max_minutes",),
    "isolated": ("isolated", "total"),
    "isolated_rural": ("isolated", "rural"),
    "annual_building_cost": ("annual_building_cost",),
    "annual_travel_km": ("annual_travel_km",),
    "annual_co2e_tonnes": ("annual_co2e_tonnes",),
}
#: Separators of the ``open_sites`` column: sites, and a site's tiers.
SITE_SEPARATOR, TIER_SEPARATOR = ";", "|"


def _figure(figures: Mapping[str, object], path: tuple[str, ...]) -> float:
    value: object = figures
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return float("nan")
        value = value[key]
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def _open_sites_text(open_tiers: Mapping[str, tuple[str, ...]]) -> str:
    """``SITE:tier|tier;SITE:tier``, sites sorted.

    Examples
    --------
    >>> _open_sites_text({"b": ("hub",), "a": ("hub", "spoke")})
    'a:hub|spoke;b:hub'
    """
    return SITE_SEPARATOR.join(f"{site}:{TIER_SEPARATOR.join(tiers)}" for site, tiers in sorted(open_tiers.items()))


def results_table(spec: SweepSpec, results: Sequence[VariantResult]) -> pd.DataFrame:
    """One row per variant, sorted by ID: parameters, status, solver figures, sites and the plan's figures.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant_id``, ``group``, one per axis, ``status``, ``reason``,
        ``objective``, ``bound``, ``gap``, ``sites_open``, ``open_sites``, the
        :data:`FIGURE_COLUMNS` and ``on_pareto_front`` (the variant's decision, its
        parameters but the demand draw, is on the front of decisions compared over the
        same draws: :func:`hubplan.sweep.decisions.decision_table`).
    """
    rows = []
    for result in sorted(results, key=lambda r: r.variant.variant_id):
        row: dict[str, object] = {"variant_id": result.variant.variant_id, "group": result.variant.group}
        row |= {axis: result.variant.parameters.get(axis) for axis in spec.axes}
        row |= {
            "status": result.status, "reason": result.reason,
            "objective": result.objective, "bound": result.bound, "gap": result.gap,
            "sites_open": len(result.open_tiers) if result.has_plan else None,
            "open_sites": _open_sites_text(result.open_tiers),
        }  # fmt: skip
        row |= {column: _figure(result.figures, path) for column, path in FIGURE_COLUMNS.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    for column in ("objective", "bound", "gap", "sites_open"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table["on_pareto_front"] = front_of_variants(table, decision_table(tuple(spec.axes), table))
    return table


def group_label(parameters: Mapping[str, object]) -> str:
    """The parameters but the demand draw, in words (:func:`hubplan.sweep.words.parameter_words`).

    Examples
    --------
    >>> group_label({"demand.seed": 3, "tiers.hub.count": 6})
    '6 hub sites in all'
    """
    return parameter_words(parameters)


def site_shares(spec: SweepSpec, table: pd.DataFrame, tiers: Sequence[str]) -> pd.DataFrame:
    """How often each site is chosen, over the variants with a plan: overall, per tier, per group.

    Parameters
    ----------
    spec
        The sweep (its axes name the groups).
    table
        From :func:`results_table`.
    tiers
        The scenario's tier names.

    Returns
    -------
    pandas.DataFrame
        One row per site that any variant opens and per group (and ``all`` for every
        variant): ``group``, ``group_label``, ``site_id``, ``variants`` (with a plan),
        ``share`` (of them opening the site in any tier) and ``share_<tier>``.
    """
    planned = table[table["status"].isin(["optimal", "feasible"])]
    chosen = [dict(_parse_open_sites(text)) for text in planned["open_sites"]]
    blocks = [("all", "all variants", np.arange(len(planned)))]
    others = [axis for axis in spec.axes if axis != SEED_AXIS]
    if others:
        groups = planned.reset_index(drop=True).groupby("group", sort=True).groups
        heads = {group: planned.iloc[int(rows[0])] for group, rows in groups.items()}
        for group in sorted(groups, key=lambda g: tuple(_order(heads[g][axis]) for axis in others)):
            label = group_label({axis: heads[group][axis] for axis in spec.axes})
            blocks.append((str(group), label, np.asarray(groups[group], dtype=int)))
    sites = sorted({site for plan in chosen for site in plan})
    out = []
    for group, label, rows in blocks:
        n = len(rows)
        for site in sites:
            hosted = [chosen[i].get(site, ()) for i in rows]
            row: dict[str, object] = {"group": group, "group_label": label, "site_id": site, "variants": n,
                                      "share": sum(bool(h) for h in hosted) / n if n else float("nan")}
            row |= {f"share_{tier}": (sum(tier in h for h in hosted) / n if n else float("nan")) for tier in tiers}
            out.append(row)
    return pd.DataFrame(out)


def _order(value: object) -> tuple[int, float, str]:
    """Numbers in numeric order, before words."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _parse_open_sites(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Invert :func:`_open_sites_text`.

    Examples
    --------
    >>> _parse_open_sites("a:hub|spoke;b:hub")
    [('a', ('hub', 'spoke')), ('b', ('hub',))]
    """
    if not text:
        return []
    pairs = []
    for item in text.split(SITE_SEPARATOR):
        site, _, tiers = item.rpartition(":")
        pairs.append((site, tuple(tiers.split(TIER_SEPARATOR))))
    return pairs
