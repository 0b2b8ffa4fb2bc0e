"""An Easy Read summary of a run: ``easy_read.html``, one section per locality.

People with learning disabilities are consulted in Easy Read (Department of Health,
"Making written information easier to understand for people with learning
disabilities", 2010): short sentences, one idea per line, large type and a picture
beside each point. The page says what changes in each locality ("Blandford Connect
will stay open." "It will be a hub." "Most people will travel 30 minutes or less."),
with a small map of the locality and its places.

The figures are the report's: the protected record and the published metrics, so
every count of people has gone through the privacy rule
(:mod:`hubplan.outputs.privacy`); counts are then said as round numbers ("about 90
people", :func:`about_people`). Every user text (title, names of places and
localities, tier labels) is escaped. The page is one file with no scripts and no
outside resources; the same run gives the same bytes.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from hubplan.outputs.easy_read_style import EASY_READ_CSS, ICON_SPRITE, Icon, icon
from hubplan.outputs.published import Published
from hubplan.outputs.symbology import STATUS_STYLE, site_symbol, specialist_colours_of, tier_kinds_of, tier_parts
from hubplan.outputs.wording import is_missing, rules_tier_kinds
from hubplan.record.layers import EXISTING_BUILDING_KINDS, TierKind
from hubplan.record.run import RunRecord

__all__ = ["MOST", "about_people", "easy_read_html", "journey_words", "write_easy_read"]

log = logging.getLogger(__name__)

MOST = 0.5
"""'Most people' means more than this share of them."""

ROUND_SMALL, ROUND_LARGE, LARGE_FROM = 5, 10, 20
"""Easy Read says round numbers: counts under 20 to the nearest 5, larger ones to the nearest 10 (a style
choice for readability, applied on top of the published counts; assumption, not from the guidance)."""

MAP_WIDTH_PX = 360
"""Width of a locality's map in the page (SVG user units; it scales down on a phone)."""
MAP_SIMPLIFY_METRES = 150.0
"""Outline detail kept in the small maps (the page stays small)."""
BRITISH_GRID = "EPSG:27700"


def about_people(count: Any, suppressed: bool, threshold: int | None) -> str:
    """Say a published count of people as Easy Read does: a round number after 'about'.

    Parameters
    ----------
    count
        The published count (``None``/NaN when suppressed or unknown).
    suppressed
        Whether the privacy rule hid it.
    threshold
        ``RunRecord.suppress_below``.

    Examples
    --------
    >>> about_people(90.0, False, 5), about_people(521.3, False, None), about_people(12.0, False, None)
    ('about 90 people', 'about 520 people', 'about 10 people')
    >>> about_people(None, True, 5), about_people(0.0, False, 5), about_people(1.4, False, None)
    ('fewer than 5 people', 'nobody', 'fewer than 5 people')
    """
    if suppressed:
        return f"fewer than {threshold or ROUND_SMALL} people"
    if is_missing(count):
        return "an unknown number of people"
    value = float(count)
    if value == 0:
        return "nobody"
    if value < ROUND_SMALL:
        return f"fewer than {ROUND_SMALL} people"
    base = ROUND_LARGE if value >= LARGE_FROM else ROUND_SMALL
    return f"about {base * int(value / base + 0.5):,} people"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def journey_words(block: Mapping[str, Any]) -> list[str]:
    """Say how long journeys are from a published metrics block, one idea per line.

    Examples
    --------
    >>> journey_words({"share_within": {"15": 0.2, "30": 0.87, "45": 1.0, "60": 1.0}})
    ['Most people will travel 30 minutes or less.']
    >>> journey_words({"share_within": {"15": 1.0, "30": 1.0}})
    ['Everyone will travel 15 minutes or less.']
    >>> journey_words({"share_within": {"15": None}})
    []
    """
    shares = {int(k): v for k, v in (block.get("share_within") or {}).items() if not is_missing(v)}
    if not shares:
        return []
    everyone = [band for band in sorted(shares) if shares[band] >= 1.0]
    most = [band for band in sorted(shares) if shares[band] > MOST]
    if everyone and (not most or everyone[0] == most[0]):
        return [f"Everyone will travel {everyone[0]} minutes or less."]
    if most:
        return [f"Most people will travel {most[0]} minutes or less."]
    return [f"Most people will travel more than {max(shares)} minutes."]


def _point(which: Icon, lines: Sequence[str]) -> str:
    words = "".join(f"<p>{line}</p>" for line in lines)
    return f"<li class='er-point'>{icon(which)}<div class='er-words'>{words}</div></li>"


def _role_lines(site: Any, kinds: Mapping[str, str], from_elsewhere: set[str]) -> list[str]:
    """What a building will be: every service it hosts, one idea per line.

    A building hosting a hub and a specialist service says both ("It will be a hub."
    then "It will also be a specialist centre."), and a service people come to from
    other localities says so.
    """
    lines: list[str] = []
    labels = tier_parts(site.tier_label)
    for k, tier in enumerate(tier_parts(site.tier)):
        kind = kinds.get(tier, str(site.tier_kind))
        also = " also" if lines else ""
        if kind == TierKind.SPOKE.value:
            lines += [f"It will{also} be a spoke.", "A spoke has activities near where people live."]
        elif kind == TierKind.SPECIALIST.value:
            label = (labels[k] if k < len(labels) else tier).removeprefix("Specialist: ")
            lines += [f"It will{also} be a specialist centre.", f"It is for: {html.escape(label)}."]
            if tier in from_elsewhere:
                lines.append("People from other areas will come here for it too.")
        else:
            lines += [f"It will{also} be a hub.", "A hub is the main place people go to."]
    return lines


def _site_points(sites: pd.DataFrame, kinds: Mapping[str, str], elsewhere: Mapping[str, set[str]]) -> list[str]:
    """What happens to each place in a locality: stays open, opens, closes; and every service it will have."""
    points = []
    rank = {TierKind.HUB.value: 0, TierKind.SPECIALIST.value: 1, TierKind.SPOKE.value: 2}
    opened = sites[sites["status"] == "open"]
    for site in sorted(opened.itertuples(), key=lambda s: (rank.get(str(s.tier_kind), 3), str(s.name))):
        name = html.escape(str(site.name))
        kept = str(site.kind) in EXISTING_BUILDING_KINDS
        if str(site.kind) == "settlement":  # a village or town, not a building
            points.append(_point(Icon.BUILDING_NEW, [f"There will be activities in {name}.",
                                                     "They are near where people live."]))
            continue
        lines = [f"{name} will stay open." if kept else f"{name} will open."]
        if not kept:
            lines.append("It is a new place for day services.")
        lines += _role_lines(site, kinds, elsewhere.get(str(site.site_id), set()))
        points.append(_point(Icon.BUILDING if kept else Icon.BUILDING_NEW, lines))
    for site in sorted(sites[sites["status"] == "closed"].itertuples(), key=lambda s: str(s.name)):
        points.append(_point(Icon.BUILDING_CLOSED, [f"{html.escape(str(site.name))} will close."]))
    return points


def _from_elsewhere(record: RunRecord, sites: pd.DataFrame) -> dict[str, set[str]]:
    """``{site_id: tiers}`` whose attendees come from outside the site's own locality."""
    cells = pd.DataFrame(record.allocations)
    if cells.empty or "tier" not in cells.columns:
        return {}
    where = dict(zip(record.home_areas["area_id"], record.home_areas["locality"], strict=True))
    own = dict(zip(sites["site_id"], sites["locality"], strict=True))
    used = cells[cells["attendees"] > 0]
    away = used[used["area_id"].map(where) != used["site_id"].map(own)]
    out: dict[str, set[str]] = {}
    for site_id, tier in zip(away["site_id"], away["tier"], strict=True):
        out.setdefault(str(site_id), set()).add(str(tier))
    return out


def _main_hub(record: RunRecord, locality: str, names: Mapping[str, str], kinds: Mapping[str, str]) -> str | None:
    """The hub most people of a locality go to (from the protected cells, hub journeys only), or ``None``.

    ``kinds`` maps tier names to their kind (a hub building's specialist journeys do not count).
    """
    cells = pd.DataFrame(record.allocations)
    where = dict(zip(record.home_areas["area_id"], record.home_areas["locality"], strict=True))
    mine = cells[(cells["area_id"].map(where) == locality) & (cells["attendees"] > 0)]
    mine = mine[mine["tier"].map(kinds) == TierKind.HUB.value]
    if mine.empty:
        return None
    totals = mine.groupby("site_id")["attendees"].sum().sort_index()
    return names.get(str(totals.idxmax()))


def _travel_points(block: Mapping[str, Any], hub: str | None, threshold: int | None) -> list[str]:
    points = []
    if hub:
        points.append(_point(Icon.BUILDING, [f"Most people will go to {html.escape(hub)}."]))
    journeys = journey_words(block)
    if journeys:
        points.append(_point(Icon.CLOCK, journeys))
    return points + _long_points(block, threshold)


def _long_points(block: Mapping[str, Any], threshold: int | None) -> list[str]:
    """How many people will have a long journey (over the isolation threshold), or that nobody will."""
    limit = block.get("isolation_minutes")
    isolated = (block.get("isolated") or {}).get("total")
    hidden = "isolated.total" in (block.get("suppressed") or [])
    if limit is None or not (hidden or not is_missing(isolated)):
        return []
    who = about_people(isolated, hidden, threshold)
    if who == "nobody":
        return [_point(Icon.CLOCK, [f"Nobody will travel more than {float(limit):g} minutes."])]
    return [_point(Icon.CLOCK_LONG, [f"{_capital(who)} will travel more than {float(limit):g} minutes.",
                                     "That is a long journey."])]


def _locality_map(localities: gpd.GeoDataFrame, locality: str, sites: gpd.GeoDataFrame,
                  look: tuple[Mapping[str, tuple[str, str]], Mapping[str, str]]) -> str:
    """A small SVG map: the locality (its neighbours pale), its open and closing places by symbol, with their names.

    ``look`` is the run's specialist colours and tier kinds, so a symbol is the web map's.
    Each name goes beside its place where it covers no other name or place (:func:`_label_spot`).
    """
    colours, kinds = look
    outlines = localities.to_crs(BRITISH_GRID).set_index("locality").geometry.simplify(MAP_SIMPLIFY_METRES)
    minx, miny, maxx, maxy = outlines[locality].bounds
    pad = 0.06 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = MAP_WIDTH_PX / (maxx - minx)
    height = round((maxy - miny) * scale)

    def path(geometry: Any) -> str:
        rings = []
        for part in shapely.get_parts(shapely.clip_by_rect(geometry, minx, miny, maxx, maxy)):
            if part.geom_type != "Polygon":
                continue
            for ring in [part.exterior, *part.interiors]:
                xy = [f"{(x - minx) * scale:.1f} {(maxy - y) * scale:.1f}" for x, y in ring.coords]
                rings.append("M" + "L".join(xy) + "Z")
        return "".join(rings)

    shapes = [f"<path d='{path(g)}' fill='#f7f7f7' stroke='#bdbdbd' stroke-width='1'/>"
              for name, g in outlines.items() if name != locality]
    shapes.append(f"<path d='{path(outlines[locality])}' fill='#c6dbef' stroke='#08306b' stroke-width='2.5'/>")
    shown = sites[sites["status"].isin(["open", "closed"])].to_crs(BRITISH_GRID)
    ordered = sorted(shown.itertuples(), key=lambda s: (s.status == "open", str(s.site_id)))
    points = [((s.geometry.x - minx) * scale, (maxy - s.geometry.y) * scale) for s in ordered]
    for site, (x, y) in zip(ordered, points, strict=True):
        shapes.append(_marker(site_symbol(site, colours, kinds), x, y))
    taken = [(x - MARKER_HALF, y - MARKER_HALF, 2 * MARKER_HALF, 2 * MARKER_HALF) for x, y in points]
    for site, (x, y) in sorted(zip(ordered, points, strict=True), key=lambda item: (item[0].status != "open",
                                                                                    str(item[0].name))):
        spot = _label_spot(str(site.name), x, y, taken, MAP_WIDTH_PX, height)
        taken.append(spot)
        colour = "#67000d" if site.status == "closed" else "#111111"
        shapes.append(f"<text x='{spot[0]:.1f}' y='{spot[1] + LABEL_PX:.1f}' font-size='{LABEL_PX}' "
                      f"fill='{colour}' stroke='#ffffff' stroke-width='3' paint-order='stroke' "
                      f"font-weight='600'>{html.escape(str(site.name))}</text>")
    names = [html.escape(str(n)) for n in shown.loc[shown["status"] == "open", "name"]]
    words = f"Map of {html.escape(locality)}" + (f" with {', '.join(names)}" if names else "")
    return (f"<svg class='er-map' viewBox='0 0 {MAP_WIDTH_PX} {height}' role='img' aria-label='{words}'>"
            + "".join(shapes) + "</svg>")


LABEL_PX = 13
"""Font size of the place names on the small maps (SVG units)."""
LABEL_CHAR_PX = 7.4
"""Width of one character of a place name at :data:`LABEL_PX` (an estimate for a sans-serif bold face)."""
MARKER_HALF = 14.0
"""Half the width a place's symbol covers on the small maps, its ring included."""


def _label_spot(name: str, x: float, y: float, taken: Sequence[tuple[float, float, float, float]],
                width: float, height: float) -> tuple[float, float, float, float]:
    """The box ``(left, top, width, height)`` for a place name beside ``(x, y)`` that overlaps least.

    Right, left, above and below are tried in turn; the first free one inside the map
    wins, else the one overlapping least.

    Examples
    --------
    >>> _label_spot("Wareham", 100.0, 50.0, [], 360.0, 200.0)[:2]
    (116.0, 43.5)
    >>> _label_spot("Wareham", 100.0, 50.0, [(116.0, 40.0, 60.0, 20.0)], 360.0, 200.0)[0] < 100
    True
    """
    w, h, gap = LABEL_CHAR_PX * len(name), LABEL_PX, MARKER_HALF + 2
    tries = [(x + gap, y - h / 2), (x - gap - w, y - h / 2), (x - w / 2, y - gap - h), (x - w / 2, y + gap)]
    best, best_cost = (tries[0][0], tries[0][1], w, h), math.inf
    for left, top in tries:
        cost = sum(_overlap((left, top, w, h), box) for box in taken)
        cost += w * h - _overlap((left, top, w, h), (0.0, 0.0, width, height))
        if cost < best_cost:
            best, best_cost = (left, top, w, h), cost
        if cost == 0:
            break
    return best


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The area two boxes ``(left, top, width, height)`` share."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _marker(symbol: Mapping[str, Any], x: float, y: float) -> str:
    r = 11.0 if symbol["shape"] != "cross" else 9.0
    style = f"fill='{symbol['fill']}' stroke='{symbol['color']}' stroke-width='2'"
    shapes = {
        "square": f"<rect x='{x - r:.1f}' y='{y - r:.1f}' width='{2 * r:.1f}' height='{2 * r:.1f}' {style}/>",
        "diamond": f"<polygon points='{x:.1f},{y - r - 2:.1f} {x + r + 2:.1f},{y:.1f} {x:.1f},{y + r + 2:.1f} "
                   f"{x - r - 2:.1f},{y:.1f}' {style}/>",
        "triangle": f"<polygon points='{x:.1f},{y - r:.1f} {x + r:.1f},{y + r:.1f} {x - r:.1f},{y + r:.1f}' {style}/>",
    }
    if symbol["shape"] in shapes:
        ring = (f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r + 5:.1f}' fill='none' stroke='{symbol['ring']}' "
                f"stroke-width='3'/>") if symbol.get("ring") else ""
        inner = (f"<polygon points='{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}' "
                 f"fill='{symbol['inner']}' stroke='#ffffff' stroke-width='1.2'/>") if symbol.get("inner") else ""
        return ring + shapes[symbol["shape"]] + inner
    closed = STATUS_STYLE["closed"]
    return (f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='{closed['fill']}' stroke='{closed['color']}' "
            f"stroke-width='2'/><path d='M{x - 4:.1f} {y - 4:.1f}l8 8m0 -8l-8 8' stroke='#ffffff' stroke-width='2.5'/>")


def _overview(record: RunRecord, metrics: Mapping[str, Any]) -> list[str]:
    overall = metrics.get("overall") or {}
    hidden = "attendees" in (overall.get("suppressed") or [])
    people = about_people(overall.get("attendees"), hidden, record.suppress_below)
    points = [
        _point(Icon.BUILDING, ["This is a plan for day services.",
                               "Day services are places adults go to in the day."]),
        _point(Icon.PERSON, [f"{_capital(people)} use day services.",
                             "We have rounded the numbers to make them easy to read."]),
    ]
    journeys = journey_words(overall)
    if journeys:
        points.append(_point(Icon.CLOCK, journeys))
    points += _long_points(overall, record.suppress_below)
    return points + bus_points(metrics.get("transport"), record.suppress_below, overall.get("isolation_minutes"))


def bus_points(transport: Mapping[str, Any] | None, threshold: int | None, long_minutes: Any = None) -> list[str]:
    """The minibus plan in Easy Read: how many people and buses on a normal day, and the longest ride.

    Counts are said as :func:`about_people` says them; the longest ride is rounded up to 5
    minutes and shown with the long-journey clock when over ``long_minutes`` (the run's
    isolation threshold); a figure withheld from publication is left out. When anyone goes
    by taxi instead (an exception, counted or withheld under the disclosure rule), a line
    says so, without a number, and the longest ride is not called a bus ride.

    Examples
    --------
    >>> figures = {"passengers": 124, "vehicles": 23, "ride_max_minutes": 88.6, "suppressed": []}
    >>> points = bus_points({"overall": figures}, None, 45)
    >>> [line.split("</p>")[0] for point in points for line in point.split("<p>")[1:]]  # doctest: +NORMALIZE_WHITESPACE
    ['Some people go on a council minibus.', 'On a normal day, about 120 people go on 23 minibuses.',
     'The longest bus ride is about 90 minutes.', 'That is a long time.']
    >>> taxi = {**figures, "exception_passengers": None, "suppressed": ["exception_passengers"]}
    >>> [line.split("</p>")[0] for point in bus_points({"overall": taxi}, 5, 45)
    ...  for line in point.split("<p>")[1:]][2:4]  # doctest: +NORMALIZE_WHITESPACE
    ['Some people go by taxi instead.', 'The longest ride is about 90 minutes.']
    >>> bus_points(None, None)
    []
    """
    overall = (transport or {}).get("overall")
    if not overall:
        return []
    hidden = "passengers" in (overall.get("suppressed") or [])
    people = about_people(overall.get("passengers"), hidden, threshold)
    buses = overall.get("vehicles")
    lines = ["Some people go on a council minibus."]
    if not is_missing(buses):
        least = "at least " if overall.get("sites_left_out") else ""  # some sites' buses are withheld
        lines.append(f"On a normal day, {people} go on {least}{int(buses)} minibus{'es' if int(buses) != 1 else ''}.")
    by_taxi = overall.get("exception_passengers")
    taxis = "exception_passengers" in (overall.get("suppressed") or []) or (
        not is_missing(by_taxi) and float(by_taxi) > 0)
    if taxis:
        lines.append("Some people go by taxi instead.")
    points = [_point(Icon.BUS, lines)]
    longest = overall.get("ride_max_minutes")
    if not is_missing(longest):
        rounded = ROUND_SMALL * math.ceil(float(longest) / ROUND_SMALL)
        long = not is_missing(long_minutes) and rounded > float(long_minutes)
        ride = "ride" if taxis else "bus ride"
        points.append(_point(Icon.CLOCK_LONG if long else Icon.CLOCK,
                             [f"The longest {ride} is about {rounded} minutes."] + (["That is a long time."] if long
                                                                                    else [])))
    return points


def easy_read_html(published: Published, layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    """Build the Easy Read page of a run.

    Parameters
    ----------
    published
        The run as the disclosure rule publishes it (its metrics as in the report).
    layers
        The output of :func:`hubplan.outputs.layers.public_layers`.

    Returns
    -------
    str
        One HTML page: no scripts, no outside resources.
    """
    record, metrics = published.record, published.metrics
    sites = layers["sites"]
    names = dict(zip(sites["site_id"], sites["name"], strict=True))
    tier_kinds = tier_kinds_of(sites[sites["status"] == "open"], rules_tier_kinds(record.manifest.scenario.rules))
    elsewhere = _from_elsewhere(record, sites)
    look = (specialist_colours_of(sites[sites["status"] == "open"], tier_kinds), tier_kinds)
    blocks = metrics.get("localities") or {}
    sections = []
    for row in layers["localities"].itertuples():
        locality = str(row.locality)
        block = blocks.get(locality) or {}
        hidden = "attendees" in (block.get("suppressed") or [])
        who = about_people(block.get("attendees"), hidden, record.suppress_below)
        points = [_point(Icon.PERSON, [f"{_capital(who)} from {html.escape(locality)} use day services."])]
        points += _site_points(sites[sites["locality"] == locality], tier_kinds, elsewhere)
        points += _travel_points(block, _main_hub(record, locality, names, tier_kinds), record.suppress_below)
        sections.append(
            f"<section class='er-locality' data-locality='{html.escape(locality, quote=True)}'>"
            f"<h2>{html.escape(locality)}</h2><div class='er-section'><ul class='er-points'>{''.join(points)}</ul>"
            f"<figure>{_locality_map(layers['localities'], locality, sites[sites['locality'] == locality], look)}"
            f"<figcaption class='er-map-caption'>Map of {html.escape(locality)}.</figcaption></figure></div>"
            "</section>"
        )
    title = html.escape(record.title)
    return (
        "<!DOCTYPE html>\n<html lang='en-GB'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{title}: Easy Read</title>\n<style>{EASY_READ_CSS}</style>\n</head>\n<body>\n{ICON_SPRITE}\n"
        f"<main>\n<h1>{title}</h1>\n<p class='er-subtitle'>Easy Read summary</p>\n"
        f"<section class='er-overview'><ul class='er-points'>{''.join(_overview(record, metrics))}</ul></section>\n"
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_easy_read(published: Published, layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Write :func:`easy_read_html` to ``path`` (byte-stable for the same run)."""
    Path(path).write_text(easy_read_html(published, layers), encoding="utf-8")
    log.debug("easy read summary: %s", path)
    return Path(path)
