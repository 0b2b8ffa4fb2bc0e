"""The sweep's charts as PNG: how often each site is chosen, and the trade-off curves with the Pareto front."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hubplan.outputs.escape import plot_text
from hubplan.sweep.decisions import PLANNED, constant_figures
from hubplan.sweep.results import TRADE_OFFS
from hubplan.sweep.spec import SEED_AXIS

__all__ = ["robustness_chart", "trade_off_chart"]

#: PNG resolution (dots per inch).
DPI = 110
#: Fixed metadata, so that the same sweep writes the same bytes.
PNG_METADATA = {"Software": None}
#: The most sites the robustness chart lists (those chosen most often).
MAX_SITES = 30


def robustness_chart(shares: pd.DataFrame, names: Mapping[str, str], path: Path, *, title: str) -> Path:
    """A heat map: each site's share of the plans, for all variants and per group (e.g. per hub count).

    Parameters
    ----------
    shares
        From :func:`hubplan.sweep.results.site_shares`.
    names
        Site ID -> name.
    path
        The PNG to write.
    title
        The sweep's title.
    """
    wide = shares.pivot_table(index="site_id", columns="group_label", values="share", sort=False)
    order = list(dict.fromkeys(shares["group_label"]))
    wide = wide[order].fillna(0.0)
    wide = wide.loc[wide["all variants"].sort_values(ascending=False, kind="stable").index[:MAX_SITES]]
    fig = Figure(figsize=(2.4 + 1.1 * len(order), 1.4 + 0.32 * len(wide)))
    ax = fig.subplots()
    image = ax.imshow(wide.to_numpy(), cmap="Greens", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(order)), [plot_text(label) for label in order], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(wide)), [plot_text(names.get(site, site)) for site in wide.index], fontsize=8)
    for (i, j), value in np.ndenumerate(wide.to_numpy()):
        ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7, color="white" if value > 0.6 else "black")
    ax.set_title(plot_text(f"{title}\nshare of plans that open each site"), fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04, format=lambda x, _: f"{x:.0%}")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, metadata=PNG_METADATA)
    return path


def trade_off_chart(table: pd.DataFrame, decisions: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Trade-off charts: mean journey, isolated attendees and annual cost against open sites (and cost vs journey).

    Each variant (one demand draw of a decision) is a light point; each decision's mean
    over the compared draws a dark one, ringed when on the Pareto front of decisions. A
    trade-off without figures (no building costs), or whose figure is the same in every
    variant (:func:`hubplan.sweep.decisions.constant_figures`: a flat line says
    nothing), gets no panel; the summary page says why.

    Parameters
    ----------
    table
        :func:`hubplan.sweep.results.results_table`.
    decisions
        :func:`hubplan.sweep.decisions.decision_table`.
    path
        The PNG to write.
    title
        The sweep's title.
    """
    planned = table[table["status"].isin(PLANNED)]
    flat = constant_figures(table)
    pairs = [("sites_open", "mean_minutes"), ("sites_open", "isolated"), ("sites_open", "annual_building_cost"),
             ("annual_building_cost", "mean_minutes")]
    pairs = [(x, y) for x, y in pairs
             if planned[x].notna().any() and planned[y].notna().any() and y not in flat
             and (x != "annual_building_cost" or x not in flat)]
    fig = Figure(figsize=(max(4.2 * len(pairs), 6.4), 4.2))
    axes = fig.subplots(1, max(len(pairs), 1), squeeze=False)
    compared = decisions[decisions["compared_draws"] > 0]
    front = compared[compared["on_pareto_front"]]
    for ax, (x, y) in zip(axes[0], pairs, strict=False):
        ax.scatter(planned[x], planned[y], s=10, alpha=0.25, color="#7a9cc6", label="one demand draw")
        ax.scatter(compared[x], compared[y], s=26, color="#08306b", label="a decision: mean over draws")
        ax.scatter(front[x], front[y], s=90, facecolors="none", edgecolors="#d94801", linewidths=1.5,
                   label="on the Pareto front")
        if x == "sites_open":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(TRADE_OFFS[x])
        ax.set_ylabel(TRADE_OFFS[y])
        ax.grid(alpha=0.3)
    if not pairs:
        message = "no variant has a plan" if planned.empty else "every figure is the same in every variant"
        axes[0][0].text(0.5, 0.5, message, ha="center", va="center")
        axes[0][0].set_axis_off()
    else:
        axes[0][0].legend(fontsize=7)
    over = "each decision's mean over the demand draws" if SEED_AXIS in table.columns else "each decision"
    fig.suptitle(plot_text(f"{title}\ntrade-offs: {over}"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, metadata=PNG_METADATA)
    return path
