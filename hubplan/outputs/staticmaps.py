"""Static PNG maps for print: byte-stable (Agg rendering, fixed size and dpi, no Software tag).

Two maps, drawn in the British National Grid so distances are true
(:mod:`hubplan.outputs.printmap`):

- ``map_journeys.png``: home areas coloured by the web map's first journey view (to your
  hub, usually), grey where nobody uses that service, hatched where anyone travels over
  the isolation threshold; open sites with their tier's symbol and name;
- ``map_sites.png``: every site by tier and status, hub catchments, locality names at
  their pole of inaccessibility (far from the coast) and the names of open sites.

Both carry a scale bar in km, a north arrow and a key, each placed where it covers no
land. Symbols and colours are the web map's (:mod:`hubplan.outputs.symbology`).

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state), so
writing maps never opens a window nor changes the caller's backend. Titles, names and
attributions are plain text: a ``$`` prints as ``$`` (no mathtext, no TeX).
"""

from __future__ import annotations

import logging
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubplan.outputs.escape import PLAIN_TEXT, plot_text
from hubplan.outputs.printmap import (
    BELOW,
    BELOW_GAP_PX,
    BRITISH_GRID,
    Placement,
    add_furniture,
    floor_anchor,
    label_areas,
    label_points,
    north_angle,
    place_clear,
    symbol_boxes,
)
from hubplan.outputs.symbology import (
    NO_JOURNEY_COLOUR,
    NO_JOURNEY_WORDS,
    minute_class_labels,
    minutes_colour,
    site_symbol,
    specialist_colours_of,
    status_entries,
    tier_entries,
    tier_kinds_of,
)
from hubplan.outputs.wording import journey_views
from hubplan.record.layers import TierKind

__all__ = ["FIGSIZE_INCHES", "PNG_DPI", "STATIC_MAPS", "draw_static_maps", "footer_attribution", "write_static_maps"]

log = logging.getLogger(__name__)

FIGSIZE_INCHES = (8.0, 7.0)
"""Width and height of every static map (fits an A4 page with margins)."""
PNG_DPI = 110
"""Resolution of the PNGs (880 x 770 pixels)."""
STATIC_MAPS = {
    "map_journeys.png": "Journey minutes from each home area, isolated areas hatched",
    "map_sites.png": "Sites by tier and status, and hub catchments",
}
"""File name and caption of each static map."""

MARKERS = {"square": "s", "diamond": "D", "triangle": "^", "circle": "o", "cross": "o"}
"""Matplotlib markers of the web map's symbol shapes."""
POINTS_PER_PIXEL = 0.5
"""Marker size in points per pixel of the web map's symbol (880-pixel maps read like the screen)."""
HATCH = "////"
ISOLATED_EDGE = "#111111"
ATTRIBUTION_CHARS = 200
"""Characters per line of the 5-point sources line across the page."""
KEY_CHARS = 34
"""Longer words in the key (a specialist tier's segments) wrap onto a second line."""
MAP_PAD_METRES = 3000.0
"""Margin around the localities' bounds."""


def footer_attribution(attributions: Sequence[str]) -> str:
    r"""The sources line of a print map: every statement of every attribution, each once, in order.

    The sources' attributions repeat statements ("Source: Office for National
    Statistics licensed under ...", the same Crown copyright year); a print map has
    room for each statement once. Nothing is reworded, so every required notice stays.

    Examples
    --------
    >>> footer_attribution(["Source: ONS. Contains OS data 2021", "Source: ONS. Contains OS data 2025; Royal Mail"])
    'Sources: Source: ONS; Contains OS data 2021; Contains OS data 2025; Royal Mail'
    """
    statements: dict[str, None] = {}
    for line in attributions:
        for part in re.split(r"\.\s+(?=[A-Z])|;\s*", line.strip()):
            statement = part.strip().rstrip(".")
            if statement:
                statements.setdefault(statement, None)
    return "Sources: " + "; ".join(statements)


def _markers(symbol: Mapping[str, Any]) -> list[Line2D]:
    """The Line2D handles that draw a web-map symbol (ring, shape, cross) in a key."""
    size = POINTS_PER_PIXEL * float(symbol["size"])
    parts = []
    if symbol.get("ring"):
        parts.append(Line2D([], [], marker="o", linestyle="", markersize=size * 1.25, markerfacecolor="none",
                            markeredgecolor=symbol["ring"], markeredgewidth=2.0))
    parts.append(Line2D([], [], marker=MARKERS[symbol["shape"]], linestyle="", markersize=size,
                        markerfacecolor=symbol["fill"], markeredgecolor=symbol["color"], markeredgewidth=1.0))
    if symbol["shape"] == "cross":
        parts.append(Line2D([], [], marker="x", linestyle="", markersize=size * 0.45, markeredgecolor="white",
                            markeredgewidth=1.5))
    if symbol.get("inner"):  # a building hosting a hub and a specialist service: the specialist's diamond inside
        parts.append(Line2D([], [], marker="D", linestyle="", markersize=size * 0.42,
                            markerfacecolor=symbol["inner"], markeredgecolor="white", markeredgewidth=0.8))
    return parts


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame, specialist_colour: Mapping[str, tuple[str, str]]) -> None:
    """Draw each site with its web-map symbol: not selected first, open sites on top."""
    order = {"not_selected": 0, "closed": 1, "open": 2}
    kinds = tier_kinds_of(sites[sites["status"] == "open"])
    for site in sorted(sites.itertuples(), key=lambda s: (order.get(str(s.status), 0), str(s.site_id))):
        for part in _markers(site_symbol(site, specialist_colour, kinds)):
            ax.plot([site.geometry.x], [site.geometry.y], marker=part.get_marker(), linestyle="",
                    markersize=part.get_markersize(), markerfacecolor=part.get_markerfacecolor(),
                    markeredgecolor=part.get_markeredgecolor(), markeredgewidth=part.get_markeredgewidth(),
                    zorder=4 + order.get(str(site.status), 0) / 10)


def _site_key(sites: gpd.GeoDataFrame, specialist_colour: Mapping[str, tuple[str, str]]) -> list[tuple[Any, str]]:
    entries = tier_entries(sites, specialist_colour, tier_kinds_of(sites[sites["status"] == "open"])) \
        + status_entries(sites)
    return [(tuple(_markers(symbol)), textwrap.fill(plot_text(words), KEY_CHARS)) for words, symbol in entries]


def _legend_maker(placement: Placement, entries: list[tuple[Any, str]]) -> Callable[[str], Artist]:
    ax = placement.ax
    handles = [h for h, _ in entries]
    words = [t for _, t in entries]

    style: dict[str, Any] = {"frameon": True, "framealpha": 0.92, "borderaxespad": 0.6, "labelspacing": 0.7,
                             "handler_map": {tuple: HandlerTuple(ndivide=1, pad=0)}, "prop": {"size": 7}}

    def make(corner: str) -> Artist:
        if corner == BELOW:
            figure = ax.figure
            return figure.legend(handles, words, loc="lower center",
                                 bbox_to_anchor=floor_anchor(placement, 0.5), ncol=2, **style)
        return ax.legend(handles, words, loc=corner, **style)  # type: ignore[call-overload,no-any-return]
    return make


def _figure(localities: gpd.GeoDataFrame, title: str, attribution: str) -> tuple[Figure, Axes, Placement]:
    fig = Figure(figsize=FIGSIZE_INCHES)
    canvas = FigureCanvasAgg(fig)
    sources = textwrap.fill(plot_text(attribution), ATTRIBUTION_CHARS)
    text = fig.text(0.01, 0.01, sources, fontsize=5, va="bottom", **PLAIN_TEXT)
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # unannotated in matplotlib's Agg backend
    bottom = (text.get_window_extent(renderer).height + 12) / fig.bbox.height
    fig.subplots_adjust(left=0.02, right=0.98, bottom=bottom, top=0.93)
    ax = fig.subplots()
    ax.set_title(plot_text(title), fontsize=12, **PLAIN_TEXT)
    minx, miny, maxx, maxy = localities.total_bounds
    ax.set_xlim(minx - MAP_PAD_METRES, maxx + MAP_PAD_METRES)
    ax.set_ylim(miny - MAP_PAD_METRES, maxy + MAP_PAD_METRES)
    ax.set_aspect("equal")
    ax.set_axis_off()
    land = shapely.union_all(list(localities.geometry))
    sources_box = text.get_window_extent(renderer)
    return fig, ax, Placement(ax, renderer, land, [sources_box], floor=sources_box.y1 + BELOW_GAP_PX)


def _finish(placement: Placement, entries: list[tuple[Any, str]], sites: gpd.GeoDataFrame,
            localities: gpd.GeoDataFrame | None, north: float) -> None:
    """Key, scale bar and north arrow where they cover no land; then locality and site names."""
    ax = placement.ax
    place_clear(placement, _legend_maker(placement, entries))
    add_furniture(placement, north=north)
    shown = sites[sites["status"].isin(["open", "closed", "not_selected"])]
    placement.taken += symbol_boxes(ax, shown.geometry)
    if localities is not None:
        label_areas(placement, [(row.geometry, str(row.locality)) for row in localities.itertuples()])
    rank = {TierKind.HUB.value: 0, TierKind.SPECIALIST.value: 1, TierKind.SPOKE.value: 2}
    opened = sites[sites["status"] == "open"]
    ordered = sorted(opened.itertuples(), key=lambda s: (rank.get(str(s.tier_kind), 3), str(s.name)))
    label_points(placement, [(s.geometry.x, s.geometry.y, str(s.name)) for s in ordered])


def _journeys_map(layers: Mapping[str, gpd.GeoDataFrame], title: str, attribution: str,
                  isolation: float | None, north: float) -> Figure:
    localities, homes, sites = layers["localities"], layers["home_areas"], layers["sites"]
    views = journey_views(homes, sites, float("nan") if isolation is None else isolation)
    column, heading = (views[0].column, views[0].title) if views else ("minutes_to_site", "Journey to site")
    fig, ax, placement = _figure(localities, f"{title}: {heading.lower()}", attribution)
    minutes = homes[column]
    homes.plot(ax=ax, color=[minutes_colour(m) for m in minutes], edgecolor="#636363", linewidth=0.2)
    isolated = homes[homes["isolated"].fillna(False).astype(bool)]
    if len(isolated):
        isolated.plot(ax=ax, facecolor="none", edgecolor=ISOLATED_EDGE, hatch=HATCH, linewidth=1.0)
    localities.boundary.plot(ax=ax, color="#252525", linewidth=1.0)
    opened = sites[sites["status"] == "open"]
    colours = specialist_colours_of(opened, tier_kinds_of(opened))
    _draw_sites(ax, opened, colours)
    entries: list[tuple[Any, str]] = [(Patch(facecolor=c, edgecolor="#636363"), t) for c, t in minute_class_labels()]
    if minutes.isna().any():
        entries.append((Patch(facecolor=NO_JOURNEY_COLOUR, edgecolor="#636363"), NO_JOURNEY_WORDS))
    if len(isolated):
        limit = "the limit" if isolation is None else f"{isolation:g} min"
        entries.append((Patch(facecolor="white", edgecolor=ISOLATED_EDGE, hatch=HATCH),
                        f"Isolated: someone travels over {limit}"))
    entries += _site_key(opened, colours)
    _finish(placement, entries, opened, None, north)
    return fig


def _sites_map(layers: Mapping[str, gpd.GeoDataFrame], title: str, attribution: str, north: float) -> Figure:
    localities, sites = layers["localities"], layers["sites"]
    fig, ax, placement = _figure(localities, f"{title}: sites and catchments", attribution)
    localities.plot(ax=ax, color="#f0f0f0", edgecolor="#252525", linewidth=1.0)
    catch = layers["catchments"]
    if len(catch):
        catch.boundary.plot(ax=ax, color="#08306b", linewidth=0.8, linestyle="--")
    shown = sites[sites["status"].isin(["open", "closed", "not_selected"])]
    colours = specialist_colours_of(shown[shown["status"] == "open"], tier_kinds_of(shown[shown["status"] == "open"]))
    _draw_sites(ax, shown, colours)
    entries = _site_key(shown, colours)
    if len(catch):
        entries.append((Line2D([], [], color="#08306b", linestyle="--"), "Hub catchment"))
    _finish(placement, entries, shown, localities, north)
    return fig


def draw_static_maps(
    layers: Mapping[str, gpd.GeoDataFrame], *, title: str, attribution: str, isolation_minutes: float | None = None
) -> dict[str, Figure]:
    """Draw :data:`STATIC_MAPS` from the public layers, as figures not yet saved.

    Parameters
    ----------
    layers
        The output of :func:`hubplan.outputs.layers.public_layers` (WGS84).
    title
        The run's title, used in each map's heading.
    attribution
        Sources line printed at the foot of each map.
    isolation_minutes
        The isolation threshold named in the key (``None``: "the limit").

    Returns
    -------
    dict
        ``{file name: figure}``.
    """
    projected = {name: layer.to_crs(BRITISH_GRID) for name, layer in layers.items()}
    lon, lat = (float(v) for v in layers["localities"].union_all().centroid.coords[0])
    north = north_angle(lon, lat)
    return {
        "map_journeys.png": _journeys_map(projected, title, attribution, isolation_minutes, north),
        "map_sites.png": _sites_map(projected, title, attribution, north),
    }


def write_static_maps(
    layers: Mapping[str, gpd.GeoDataFrame], folder: Path, *, title: str, attribution: str,
    isolation_minutes: float | None = None,
) -> list[Path]:
    """Draw :data:`STATIC_MAPS` into ``folder`` (see :func:`draw_static_maps`); return the paths."""
    paths = []
    for name, fig in draw_static_maps(layers, title=title, attribution=attribution,
                                      isolation_minutes=isolation_minutes).items():
        path = Path(folder) / name
        fig.savefig(path, dpi=PNG_DPI, metadata={"Software": None})
        paths.append(path)
    log.debug("static maps: %s", [p.name for p in paths])
    return paths

