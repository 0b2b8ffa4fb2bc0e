"""The furniture of a print map: true distances, scale bar, north arrow, clear placement.

Print maps are drawn in the British National Grid (:data:`BRITISH_GRID`, metres), so
one kilometre is the same length across and up the page and a scale bar is true.
Boxes (the key, the scale bar and north arrow) are put where they cover no land:
each corner of the map is tried in turn and kept only when its box, in display
coordinates, misses the land polygons and every box already placed; when no corner
is clear, the box goes under the map (outside it) and the map moves up.
Name labels are nudged around their point (:data:`LABEL_OFFSETS`) to the first spot
that overlaps no other label, symbol or box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.offsetbox import AnchoredOffsetbox, AuxTransformBox, DrawingArea, HPacker, TextArea, VPacker
from matplotlib.patches import Polygon, Rectangle
from matplotlib.patheffects import withStroke
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from hubplan.outputs.escape import PLAIN_TEXT, plot_text

__all__ = [
    "BELOW", "BRITISH_GRID", "CORNERS", "LABEL_OFFSETS", "Placement", "add_furniture", "floor_anchor",
    "interior_point", "label_areas", "label_points", "land_in_display", "nice_length", "north_angle", "place_clear",
    "symbol_boxes", "two_lines",
]

BRITISH_GRID = "EPSG:27700"
"""British National Grid: metres east and north, true distances across England."""

CORNERS = ("lower left", "upper left", "upper right", "lower right", "center left", "center right")
"""Where a box is tried, in order: first the sea to the south-west of Dorset."""

BELOW = "below"
"""Where a box goes when no corner is clear: under the map, above the sources line."""
BELOW_GAP_PX = 6.0

LABEL_OFFSETS: tuple[tuple[float, float, str, str], ...] = (
    (7, 3, "left", "bottom"), (7, -3, "left", "top"), (-7, 3, "right", "bottom"), (-7, -3, "right", "top"),
    (0, 8, "center", "bottom"), (0, -8, "center", "top"), (9, 0, "left", "center"), (-9, 0, "right", "center"),
    (14, 12, "left", "bottom"), (-14, 12, "right", "bottom"), (14, -12, "left", "top"), (-14, -12, "right", "top"),
    (0, 18, "center", "bottom"), (0, -18, "center", "top"),
)
"""Offsets (points) and alignments tried for a name label, nearest first."""

HALO = [withStroke(linewidth=2.5, foreground="white")]
"""A white outline that keeps a label readable over any fill."""

OUTSIDE_PENALTY = 100
"""Score of a label spot outside the figure (or its area): worse than overlapping any number of labels."""

OVERLAP_COST = 3
"""Score of a label spot per label, symbol or box it overlaps."""

OUTSIDE_AREA_COST = 10
"""Score of an area's name lying wholly outside the area (in part: that share of it, rounded)."""

AREA_LABEL_CANDIDATES = 40
"""Spots tried for an area's name: its pole of inaccessibility, then grid points farthest from its edge."""

POLE_TOLERANCE_METRES = 200.0
"""Precision of the pole of inaccessibility (:func:`shapely.ops.polylabel`) of a locality."""


@dataclass
class Placement:
    """What a print map already holds: the land in display coordinates and the boxes placed.

    Attributes
    ----------
    ax
        The map's axes.
    renderer
        The figure's renderer (sizes of text in pixels).
    land
        The land in the map's data coordinates (British National Grid).
    taken
        Display boxes already placed (key, furniture, labels, symbols).
    floor
        Display height under which nothing may go (the top of the sources line).
    """

    ax: Axes
    renderer: RendererBase
    land: BaseGeometry
    taken: list[Bbox]
    floor: float = 0.0

    def clear(self, box: Bbox, *, avoid_land: bool = True) -> bool:
        """Say whether ``box`` misses the land (when ``avoid_land``) and every box placed, inside the figure."""
        figure = self.ax.figure.bbox
        if box.x0 < figure.x0 or box.y0 < figure.y0 or box.x1 > figure.x1 or box.y1 > figure.y1:
            return False
        if any(box.overlaps(other) for other in self.taken):
            return False
        return not (avoid_land and land_in_display(self.ax, self.land).intersects(shapely.box(*box.extents)))

    def crowding(self, box: Bbox, within: BaseGeometry | None = None) -> int:
        """How bad a label spot is: boxes overlapped, and :data:`OUTSIDE_PENALTY` if it leaves the figure.

        Each box overlapped costs :data:`OVERLAP_COST`; with ``within`` (a polygon in
        display coordinates), the share of the box outside it costs up to
        :data:`OUTSIDE_AREA_COST`.
        """
        figure = self.ax.figure.bbox
        inside = figure.x0 <= box.x0 and figure.y0 <= box.y0 and box.x1 <= figure.x1 and box.y1 <= figure.y1
        score = OVERLAP_COST * sum(box.overlaps(other) for other in self.taken) + (0 if inside else OUTSIDE_PENALTY)
        if within is not None:
            rectangle = shapely.box(*box.extents)
            outside = 1.0 - within.intersection(rectangle).area / max(rectangle.area, 1e-9)
            score += round(OUTSIDE_AREA_COST * outside)
        return score


def land_in_display(ax: Axes, land: BaseGeometry) -> BaseGeometry:
    """The land polygons in display (pixel) coordinates of ``ax`` as it is now drawn."""
    ax.apply_aspect()
    return shapely.transform(land, ax.transData.transform)


def place_clear(placement: Placement, make: Callable[[str], Artist]) -> Artist:
    """Add the box ``make(corner)`` at the first corner where it covers no land nor other box.

    Parameters
    ----------
    placement
        The map being drawn.
    make
        Builds the box (a legend or an anchored box) at a corner of :data:`CORNERS`,
        or for :data:`BELOW` anchored in figure coordinates on ``placement.floor``, and
        adds it to the figure.

    Returns
    -------
    matplotlib.artist.Artist
        The box, placed; its display box joins ``placement.taken``. When no corner is
        clear, the box goes below the map (outside it) and the map is raised above it.
    """
    for corner in CORNERS:
        artist = make(corner)
        box = artist.get_window_extent(placement.renderer)
        if placement.clear(box):
            placement.taken.append(box)
            return artist
        artist.remove()
    artist = make(BELOW)
    box = artist.get_window_extent(placement.renderer)
    placement.taken.append(box)
    figure = placement.ax.figure
    placement.floor = box.y1 + BELOW_GAP_PX
    figure.subplots_adjust(bottom=placement.floor / figure.bbox.height)
    placement.ax.apply_aspect()
    return artist


def floor_anchor(placement: Placement, x: float) -> tuple[float, float]:
    """Figure coordinates of a point at ``x`` (fraction of the width) on ``placement.floor``."""
    return (x, placement.floor / placement.ax.figure.bbox.height)


def nice_length(span_metres: float, fraction: float = 0.2) -> float:
    """A round length (1, 2 or 5 times a power of ten, in km) near ``fraction`` of a span.

    Examples
    --------
    >>> nice_length(95_000), nice_length(12_000), nice_length(400_000)
    (10.0, 2.0, 50.0)
    """
    target = span_metres * fraction / 1000.0
    power = 10.0 ** math.floor(math.log10(target))
    return max(step * power for step in (1.0, 2.0, 5.0) if step * power <= target)


def north_angle(centre_lon: float, centre_lat: float) -> float:
    """Degrees from grid north (up the page) to true north at a point, anticlockwise.

    Examples
    --------
    >>> round(abs(north_angle(-2.0, 50.7)), 3), round(north_angle(-2.4, 50.7), 2)  # west of 2 W: true north leans east
    (0.0, -0.31)
    """
    to_grid = Transformer.from_crs("EPSG:4326", BRITISH_GRID, always_xy=True)
    x0, y0 = to_grid.transform(centre_lon, centre_lat)
    x1, y1 = to_grid.transform(centre_lon, centre_lat + 0.05)
    return math.degrees(math.atan2(-(x1 - x0), y1 - y0))


def _north_arrow(angle: float) -> VPacker:
    area = DrawingArea(16, 24)
    cx, cy = 8.0, 12.0
    points = [(0.0, 11.0), (6.0, -9.0), (0.0, -4.0), (-6.0, -9.0)]
    turn = math.radians(angle)
    rotated = [(cx + x * math.cos(turn) - y * math.sin(turn), cy + x * math.sin(turn) + y * math.cos(turn))
               for x, y in points]
    area.add_artist(Polygon(rotated, closed=True, facecolor="#252525", edgecolor="#252525"))
    letter = TextArea("N", textprops={"fontsize": 9, "fontweight": "bold", **PLAIN_TEXT})
    return VPacker(children=[letter, area], align="center", pad=0, sep=1)


def _scale_bar(ax: Axes, km: float) -> VPacker:
    bar = AuxTransformBox(ax.transData)
    metres = km * 1000.0
    ax.apply_aspect()
    height = abs(ax.transData.inverted().transform((0, 4))[1] - ax.transData.inverted().transform((0, 0))[1])
    for i, fill in enumerate(("#252525", "#ffffff", "#252525", "#ffffff")):
        bar.add_artist(Rectangle((i * metres / 4, 0), metres / 4, height, facecolor=fill, edgecolor="#252525",
                                 linewidth=0.6))
    label = TextArea(f"0 – {km:g} km", textprops={"fontsize": 7, **PLAIN_TEXT})  # noqa: RUF001 - a range
    return VPacker(children=[bar, label], align="center", pad=0, sep=2)


def add_furniture(placement: Placement, *, north: float) -> Artist:
    """Add a north arrow and a scale bar (in km, true in the British National Grid) in one clear box.

    Parameters
    ----------
    placement
        The map being drawn (data coordinates in metres).
    north
        :func:`north_angle` at the map's centre.
    """
    ax = placement.ax
    x0, x1 = ax.get_xlim()
    km = nice_length(x1 - x0)

    def make(corner: str) -> Artist:
        row = HPacker(children=[_north_arrow(north), _scale_bar(ax, km)], align="bottom", pad=0, sep=10)
        where: dict[str, Any] = {"loc": corner}
        if corner == BELOW:
            where = {"loc": "lower left", "bbox_to_anchor": floor_anchor(placement, 0.01),
                     "bbox_transform": ax.figure.transFigure}
        box = AnchoredOffsetbox(child=row, pad=0.4, borderpad=0.6, frameon=True, **where)
        box.patch.set(facecolor="white", alpha=0.85, edgecolor="#bdbdbd")
        ax.add_artist(box)
        return box

    return place_clear(placement, make)


def interior_point(geometry: BaseGeometry) -> shapely.Point:
    """The pole of inaccessibility of the largest part: the point farthest from its edge (the coast).

    Examples
    --------
    >>> coast = shapely.Polygon([(0, 0), (10_000, 0), (10_000, 10_000), (0, 500)])  # a thin western tail
    >>> p = interior_point(coast)
    >>> coast.boundary.distance(p) > 3_000
    True
    """
    parts = list(shapely.get_parts(geometry))
    largest = max(parts, key=lambda part: part.area)
    return polylabel(largest, tolerance=POLE_TOLERANCE_METRES)


def two_lines(text: str) -> str:
    r"""Break a name into two lines at the space nearest its middle (one word stays as it is).

    Examples
    --------
    >>> two_lines("Weymouth and Portland"), two_lines("Purbeck")
    ('Weymouth and\nPortland', 'Purbeck')
    """
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: (abs(2 * i - len(text)), i))
    return text[:cut] + "\n" + text[cut + 1:]


def _inner_spots(geometry: BaseGeometry) -> list[shapely.Point]:
    """The pole of inaccessibility, then points of a grid over the largest part, deepest first."""
    largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
    minx, miny, maxx, maxy = largest.bounds
    steps = 12
    grid = [shapely.Point(minx + (maxx - minx) * (i + 0.5) / steps, miny + (maxy - miny) * (j + 0.5) / steps)
            for i in range(steps) for j in range(steps)]
    inside = [p for p in grid if largest.contains(p)]
    edge = largest.boundary
    inside.sort(key=lambda p: (-edge.distance(p), p.x, p.y))
    return [interior_point(geometry), *inside[: AREA_LABEL_CANDIDATES - 1]]


SEA_LABEL_OFFSETS = tuple((radius * math.cos(math.radians(a)), radius * math.sin(math.radians(a)))
                          for radius in (40.0, 65.0, 90.0) for a in (0, 180, 315, 225, 45, 135, 270, 90))
"""Offsets (points) from an area's centre tried for its name, with a leader line, when it fits nowhere inside."""


T = TypeVar("T")
A = TypeVar("A", bound=Artist)


def least_crowded(
    attempts: Iterable[T], draw: Callable[[T], tuple[A, Bbox]], crowding: Callable[[Bbox], int]
) -> tuple[int, A, Bbox] | None:
    """Draw each attempt in turn and keep the least crowded label (the first clear one stops the search).

    Parameters
    ----------
    attempts
        Where or how to try the label, best first.
    draw
        Draws one attempt and returns the label and its box in display coordinates.
    crowding
        How much a box overlaps what is already drawn (0: clear).

    Returns
    -------
    tuple of (int, label, Bbox) or None
        The kept label's crowding, the label and its box; ``None`` when there was no attempt.
        Every other label drawn on the way is removed.
    """
    best: tuple[int, A, Bbox] | None = None
    for attempt in attempts:
        label, box = draw(attempt)
        score = crowding(box)
        if best is None or score < best[0]:
            if best is not None:
                best[1].remove()
            best = (score, label, box)
        else:
            label.remove()
        if score == 0:
            break
    return best


def _area_label_inside(placement: Placement, geometry: BaseGeometry, name: str,
                       fontsize: float) -> tuple[int, Artist, Bbox]:
    """The least crowded of :func:`_inner_spots` for the name, on one line then on two."""
    ax = placement.ax
    within = land_in_display(ax, geometry)
    tries = [(spot, text) for text in dict.fromkeys([name, two_lines(name)]) for spot in _inner_spots(geometry)]

    def draw(attempt: tuple[Any, str]) -> tuple[Artist, Bbox]:
        spot, text = attempt
        label = ax.text(spot.x, spot.y, plot_text(text), fontsize=fontsize, ha="center", va="center",
                        color="#525252", style="italic", path_effects=HALO, zorder=5, linespacing=1.0,
                        **PLAIN_TEXT)
        return label, label.get_window_extent(placement.renderer)

    best = least_crowded(tries, draw, lambda box: placement.crowding(box, within))
    assert best is not None  # _inner_spots always holds the pole
    return best


def _area_label_in_sea(placement: Placement, geometry: BaseGeometry, name: str,
                       fontsize: float) -> tuple[Artist, Bbox] | None:
    """The name beside the area, off the land, with a leader line to its pole; ``None`` when nowhere is clear."""
    pole = interior_point(geometry)
    for text in dict.fromkeys([name, two_lines(name)]):
        for dx, dy in SEA_LABEL_OFFSETS:
            label = placement.ax.annotate(
                plot_text(text), (pole.x, pole.y), xytext=(dx, dy), textcoords="offset points", ha="center",
                va="center", fontsize=fontsize, color="#525252", style="italic", path_effects=HALO, zorder=5,
                linespacing=1.0, annotation_clip=False, arrowprops={"arrowstyle": "-", "color": "#737373", "lw": 0.7},
                **PLAIN_TEXT)
            box = label.get_window_extent(placement.renderer)
            if placement.clear(box):
                return label, box
            label.remove()
    return None


def label_areas(
    placement: Placement, areas: Sequence[tuple[BaseGeometry, str]], *, fontsize: float = 8.0
) -> list[Artist]:
    """Name areas inside themselves, far from their edge (the coast), clear of symbols and labels.

    Each name goes to the first of :func:`_inner_spots` where its box lies inside the
    area and overlaps nothing placed, else on two lines; when nowhere inside is clear
    (a small area), beside the area off the land with a leader line; else to the least
    crowded spot inside.

    Parameters
    ----------
    placement
        The map being drawn; each label's box joins ``placement.taken``.
    areas
        ``(polygon in data coordinates, name)``.
    fontsize
        Points.
    """
    out: list[Artist] = []
    for geometry, name in areas:
        score, label, box = _area_label_inside(placement, geometry, name, fontsize)
        if score > 0 and (beside := _area_label_in_sea(placement, geometry, name, fontsize)) is not None:
            label.remove()
            label, box = beside
        placement.taken.append(box)
        out.append(label)
    return out


def label_points(
    placement: Placement, points: Sequence[tuple[float, float, str]], *, fontsize: float = 7.0
) -> list[Annotation]:
    """Label points with names, each nudged to the first offset that overlaps nothing placed.

    Parameters
    ----------
    placement
        The map being drawn; each label's box joins ``placement.taken``.
    points
        ``(x, y, text)`` in data coordinates, most important first (they choose first).
    fontsize
        Points.

    Returns
    -------
    list of matplotlib.text.Annotation
        One label per point, at a clear spot, or at the least crowded one when none is.
    """
    ax = placement.ax
    labels = []
    for x, y, text in points:
        def draw(offset: tuple[float, float, str, str], x: float = x, y: float = y,
                 text: str = text) -> tuple[Annotation, Bbox]:
            dx, dy, ha, va = offset
            label = ax.annotate(plot_text(text), (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=fontsize, fontweight="bold", color="#111111", path_effects=HALO,
                                zorder=6, annotation_clip=False, **PLAIN_TEXT)
            return label, label.get_window_extent(placement.renderer).expanded(1.04, 1.1)

        best = least_crowded(LABEL_OFFSETS, draw, placement.crowding)
        if best is not None:
            placement.taken.append(best[2])
            labels.append(best[1])
    return labels


def symbol_boxes(ax: Axes, points: gpd.GeoSeries, radius_px: float = 6.0) -> list[Bbox]:
    """Display boxes around site symbols, so labels do not cover them."""
    ax.apply_aspect()
    if not len(points):
        return []
    xy = ax.transData.transform(np.column_stack([points.x.to_numpy(), points.y.to_numpy()]))
    return [Bbox.from_extents(px - radius_px, py - radius_px, px + radius_px, py + radius_px) for px, py in xy]
