"""Static PNG maps for print: byte-stable (Agg rendering, fixed size and dpi, no Software tag).

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state), so
writing maps never opens a window nor changes the caller's backend. Titles, locality
names and attributions are plain text: a ``$`` prints as ``$`` (no mathtext, no TeX).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubplan.outputs.escape import PLAIN_TEXT, plot_text
from hubplan.outputs.symbology import MINUTE_BREAKS, MINUTE_COLOURS, STATUS_STYLE, minutes_colour

__all__ = ["FIGSIZE_INCHES", "PNG_DPI", "STATIC_MAPS", "write_static_maps"]

log = logging.getLogger(__name__)

FIGSIZE_INCHES = (8.0, 7.0)
"""Width and height of every static map (fits an A4 page with margins)."""
PNG_DPI = 110
"""Resolution of the PNGs (880 x 770 pixels)."""
STATIC_MAPS = {
    "map_journeys.png": "Journey minutes from each home area to its site",
    "map_sites.png": "Sites by status and hub catchments",
}
"""File name and caption of each static map."""


def _frame(ax: Axes, localities: gpd.GeoDataFrame, title: str) -> None:
    minx, miny, maxx, maxy = localities.total_bounds
    ax.set_aspect(1.0 / math.cos(math.radians((miny + maxy) / 2)))  # lon/lat at Dorset's latitude
    pad = 0.03
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_axis_off()
    ax.set_title(plot_text(title), fontsize=12, **PLAIN_TEXT)


def _save(fig: Figure, path: Path, attribution: str) -> None:
    fig.text(0.01, 0.01, plot_text(attribution), fontsize=5, wrap=True, va="bottom", **PLAIN_TEXT)
    fig.savefig(path, dpi=PNG_DPI, metadata={"Software": None})


def write_static_maps(
    layers: Mapping[str, gpd.GeoDataFrame], folder: Path, *, title: str, attribution: str
) -> list[Path]:
    """Draw :data:`STATIC_MAPS` into ``folder`` from the public layers; return the paths.

    Parameters
    ----------
    layers
        The output of :func:`hubplan.outputs.layers.public_layers`.
    folder
        Where to write the PNGs.
    title
        The run's title, used in each map's heading.
    attribution
        Sources line printed at the foot of each map.
    """
    localities, homes, sites = layers["localities"], layers["home_areas"], layers["sites"]
    paths = []

    fig = Figure(figsize=FIGSIZE_INCHES)
    ax = fig.subplots()
    homes.plot(ax=ax, color=[minutes_colour(m) for m in homes["minutes_to_site"]],
               edgecolor="#636363", linewidth=0.2)
    localities.boundary.plot(ax=ax, color="#252525", linewidth=1.0)
    opened = sites[sites["status"] == "open"]
    ax.scatter(opened.geometry.x, opened.geometry.y, s=28, c=STATUS_STYLE["open"]["fill"],
               edgecolors=STATUS_STYLE["open"]["color"], zorder=3)
    labels, lower = [], 0
    for bound in MINUTE_BREAKS:
        labels.append(f"{lower}–{bound} min")  # noqa: RUF001 - an en dash for a range
        lower = bound
    labels.append(f"over {MINUTE_BREAKS[-1]} min")
    handles: list[Artist] = [Patch(facecolor=c, edgecolor="#636363", label=t)
                             for c, t in zip(MINUTE_COLOURS, labels, strict=True)]
    handles.append(Line2D([], [], marker="o", linestyle="", color=STATUS_STYLE["open"]["fill"], label="Open site"))
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True)
    _frame(ax, localities, f"{title}: journey to assigned site")
    path = Path(folder) / "map_journeys.png"
    _save(fig, path, attribution)
    paths.append(path)

    fig = Figure(figsize=FIGSIZE_INCHES)
    ax = fig.subplots()
    localities.plot(ax=ax, color="#f0f0f0", edgecolor="#252525", linewidth=1.0)
    catch = layers["catchments"]
    if len(catch):
        catch.boundary.plot(ax=ax, color="#08306b", linewidth=0.8, linestyle="--")
    handles = []  # the legend entries of the second map
    for status, style in STATUS_STYLE.items():
        subset = sites[sites["status"] == status]
        if subset.empty:
            continue
        sizes = [40 if tier == "hub" else 18 for tier in subset["tier"]]
        ax.scatter(subset.geometry.x, subset.geometry.y, s=sizes, c=style["fill"],
                   edgecolors=style["color"], zorder=3 if status != "not_selected" else 2)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=style["fill"],
                              markeredgecolor=style["color"], label=f"{style['label']} site"))
    handles.append(Line2D([], [], color="#08306b", linestyle="--", label="Hub catchment"))
    for row in localities.itertuples():
        point = row.geometry.representative_point()
        ax.annotate(plot_text(row.locality), (point.x, point.y), fontsize=7, ha="center", color="#525252",
                    **PLAIN_TEXT)
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True)
    _frame(ax, localities, f"{title}: sites and catchments")
    path = Path(folder) / "map_sites.png"
    _save(fig, path, attribution)
    paths.append(path)
    log.debug("static maps: %s", [p.name for p in paths])
    return paths
