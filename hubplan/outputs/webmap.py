"""The consultation web map: one self-contained ``map.html`` (Leaflet, inlined).

Leaflet's JavaScript and CSS are inlined from the XStatic-Leaflet package, so the
page works from a USB stick or an e-mail attachment: when the OpenStreetMap tiles
cannot load, the locality and home-area polygons still draw the county.

What a reader sees:

- home areas coloured by one journey at a time, chosen in the key: to your hub, to
  specialist provision (the longest specialist journey), to the nearest spoke, or the
  longest journey of any service; areas where ANY attendee travels beyond the
  isolation threshold are hatched and outlined in every view;
- sites drawn by tier (shape and colour: hub square, specialist diamond, spoke
  triangle, a hub square with the specialist's diamond inside for a building hosting
  both) and status (kept building, new venue, closing, not selected), open and
  closing sites labelled with their names (hubs, specialists and closing sites always,
  spokes from :data:`SPOKE_LABEL_ZOOM`), each label placed where it hides no other
  label or site (the page tries 32 places around each site, in order of
  priority), co-located sites set a few pixels apart;
- the home areas coloured first by the longest journey to any service, so the
  isolation a specialist service brings shows at once;
- popups in plain English; every count of people goes through
  :mod:`hubplan.outputs.privacy` and every user text through :func:`html_text`;
- one attribution line with a link to the full list of sources and licences;
- for a run with a transport plan, the "Minibus rounds" layer (off at first, in the
  layer list): one line per vehicle round through the home areas' points, never a home,
  coloured by session, with a plain-English popup and a key entry.

The page is generated from a template and JSON data (sorted keys), so the same run
gives the same bytes. Colours and symbols come from :mod:`hubplan.outputs.symbology`
and the shared words from :mod:`hubplan.outputs.wording`; this module writes the
popups and the key.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import mapping

from hubplan.outputs.escape import html_text
from hubplan.outputs.published import Published
from hubplan.outputs.routes import ROUTES_LAYER
from hubplan.outputs.symbology import (
    MINUTE_BREAKS,
    MINUTE_COLOURS,
    NO_JOURNEY_COLOUR,
    NO_JOURNEY_WORDS,
    ROUND_LINE_WIDTH_PX,
    SESSION_STYLE,
    minute_class_labels,
    site_symbol,
    specialist_colours_of,
    status_entries,
    symbol_svg,
    tier_entries,
    tier_kinds_of,
    tier_parts,
)
from hubplan.outputs.wording import (
    JourneyView,
    PublishedCounts,
    is_missing,
    join_words,
    journey_views,
    kind_words,
    minutes_text,
    people_count_text,
    people_html,
    rules_tier_kinds,
    span_words,
)
from hubplan.record.layers import EXISTING_BUILDING_KINDS, TierKind
from hubplan.record.run import RunRecord

__all__ = ["SPOKE_LABEL_ZOOM", "build_map", "map_data", "write_map"]

log = logging.getLogger(__name__)

SPOKE_LABEL_ZOOM = 10
"""Spokes are labelled from this zoom on (hubs and specialists always): a county of labels is unreadable."""

COLOCATED_METRES = 150.0
"""Sites closer than this are drawn a few pixels apart so that each can be seen and clicked."""
COLOCATED_OFFSET_PX = 11

OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)'
)
OSM_SHORT = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
"""The tiles' credit on the one attribution line (the full one is in the sources panel)."""
LEAFLET_ATTRIBUTION = '<a href="https://leafletjs.com">Leaflet</a> (BSD-2-Clause)'


def _geometry(geom: Any) -> dict[str, Any] | None:
    return None if geom is None or geom.is_empty else mapping(geom)


def _served_localities(cells: pd.DataFrame, area_locality: Mapping[str, str], all_localities: int) -> str:
    names = sorted({area_locality.get(a, "") for a in cells["area_id"]} - {""})
    if not names:
        return ""
    if len(names) == all_localities and all_localities > 1:
        return "the whole council area"
    return join_words([html_text(n) for n in names])


def _site_heading(site: Any) -> str:
    operator = f" · run by {html_text(site.operator)}" if str(site.operator or "").strip() else ""
    return f"<b>{html_text(site.name)}</b><br><span class='hp-muted'>{html_text(kind_words(str(site.kind)))}{operator}"\
           f" · {html_text(site.locality)}</span>"


def _roles(site: Any, cells: pd.DataFrame, kinds: Mapping[str, str], area_locality: Mapping[str, str],
           n_localities: int) -> str:
    """Every service the building hosts, one line each, with the localities each serves.

    A building hosting a hub and a specialist service reads "Hub for Purbeck" and
    "Specialist: Older people living with dementia, for the whole council area": each
    service with the areas its own attendees come from.
    """
    parts, labels = tier_parts(site.tier), tier_parts(site.tier_label)
    lines = []
    for k, tier in enumerate(parts):
        label = html_text(labels[k] if k < len(labels) else tier)
        kind = kinds.get(tier, str(site.tier_kind))
        used = cells[(cells["attendees"] > 0) & (cells["tier"] == tier)] if "tier" in cells.columns else cells
        served = _served_localities(used, area_locality, n_localities)
        lines.append({"hub": f"Hub for {served}" if served else "Hub",
                      "specialist": f"{label}, for {served}" if served else label,
                      "spoke": "Spoke: activities near home (people are not assigned to spokes)"}.get(kind, label))
    return "<br>".join(lines)


def _open_site_text(site: Any, cells: pd.DataFrame, counts: PublishedCounts, role: str) -> str:
    kind = str(site.tier_kind)
    if kind == TierKind.SPOKE.value and cells.empty:
        figures = ""
    else:
        people = people_html(people_count_text(site.attendees, site.suppressed, counts.threshold))
        used = cells[cells["attendees"] > 0]
        journeys = "" if site.suppressed or used.empty else \
            f"; journeys {span_words(used['minutes'].min(), used['minutes'].max())}"
        figures = f"<br>{people}{journeys}"
    kept = str(site.kind) in EXISTING_BUILDING_KINDS
    status = "Kept: one of today's day-service buildings" if kept else \
        "New: not used for day services today"
    capacity = ""
    if not is_missing(site.capacity) and not is_missing(site.capacity_used):
        capacity = f"<br>Capacity {float(site.capacity):,.0f} ({float(site.capacity_used):.0%} used)"
    return f"{role}{figures}<br>{status}{capacity}"


def _closing_text(site: Any, nearby: Sequence[str], cells: pd.DataFrame, names: Mapping[str, str],
                  counts: PublishedCounts) -> str:
    head = "Closing in this plan."
    if not nearby:
        return f"{head} No home area has it as its nearest of today's day-service buildings."
    mine = cells[cells["area_id"].isin(nearby) & (cells["attendees"] > 0)]
    total = counts.cells(mine)
    n = len(nearby)
    text = (f"{head} It is the nearest of today's day-service buildings (in a straight line) for {n} home "
            f"area{'s' if n != 1 else ''}, where {people_html(total)} live who use day services.")
    if mine.empty:
        return text
    parts = []
    for site_id, group in sorted(mine.groupby("site_id"), key=lambda kv: -float(kv[1]["attendees"].sum())):
        where = html_text(names.get(site_id, site_id))
        parts.append(f"<li>{where}: {people_html(counts.cells(group))}, "
                     f"{span_words(group['minutes'].min(), group['minutes'].max())}</li>")
    return f"{text}<br>In this plan they go to:<ul class='hp-list'>{''.join(parts)}</ul>"


def _nearest_existing(points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> dict[str, str]:
    """``{area_id: site_id}`` of the nearest of today's day-service buildings (straight line, metres)."""
    existing = sites[sites["kind"].isin(EXISTING_BUILDING_KINDS) & sites["status"].isin(["open", "closed"])]
    if existing.empty or points.empty:
        return {}
    british = "EPSG:27700"  # British National Grid: distances in metres
    a = points.to_crs(british)
    b = existing.to_crs(british)
    ax, ay = a.geometry.x.to_numpy()[:, None], a.geometry.y.to_numpy()[:, None]
    distance = np.hypot(ax - b.geometry.x.to_numpy()[None, :], ay - b.geometry.y.to_numpy()[None, :])
    nearest = existing["site_id"].to_numpy()[np.argmin(distance, axis=1)]
    return dict(zip(points["area_id"], nearest, strict=True))


def _offsets(sites: gpd.GeoDataFrame) -> list[tuple[int, int]]:
    """Pixel offsets that set co-located sites (within :data:`COLOCATED_METRES`) apart, in a ring."""
    metres = sites.to_crs("EPSG:27700").geometry
    x, y = metres.x.to_numpy(), metres.y.to_numpy()
    group = list(range(len(sites)))
    for i in range(len(sites)):
        for j in range(i):
            if group[j] == j and math.hypot(x[i] - x[j], y[i] - y[j]) < COLOCATED_METRES:
                group[i] = j
                break
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(i)
    out = [(0, 0)] * len(sites)
    for items in members.values():
        if len(items) < 2:
            continue
        for k, i in enumerate(items):
            angle = 2 * math.pi * k / len(items)
            out[i] = (round(COLOCATED_OFFSET_PX * math.cos(angle)), round(-COLOCATED_OFFSET_PX * math.sin(angle)))
    return out


def _hatch_swatch() -> str:
    return ("<svg width='22' height='14'><rect width='22' height='14' fill='url(#hp-hatch)' stroke='#111' "
            "stroke-width='2'/></svg>")


def _round_words(r: Any, coarse: bool) -> tuple[str, str]:
    """A round in plain English (escaped): ``("Morning round 2 to Wareham Plus", "leaves 08:12, ...")``."""
    about = "about " if coarse else ""
    to = "to" if r.session == "morning" else "from"
    areas = f"{r.stops_in_home_areas} home area{'' if r.stops_in_home_areas == 1 else 's'}"
    km = f"{r.km:,.0f}" if coarse else f"{r.km:,.1f}"
    return (f"{html_text(str(r.session).capitalize())} round {r.vehicle} {to} {html_text(r.name)}",
            f"leaves {about}{html_text(r.departs)}, back {about}{html_text(r.returns)}, {about}{km} km, "
            f"calls in {areas}")


def _round_rows(routes: gpd.GeoDataFrame, coarse: bool) -> list[dict[str, Any]]:
    """The minibus rounds for the page: session, popup and tooltip (escaped) and the line."""
    note = ("The line joins the centre points of the home areas the round calls in, not anyone's home."
            + (" Times and km are rounded (client records)." if coarse else ""))
    rows = []
    for r in routes.itertuples():
        heading, details = _round_words(r, coarse)
        rows.append({
            "session": str(r.session), "tooltip": heading,
            "popup": f"<div class='hp-popup'><b>{heading}</b>: {details}.<br><span class='hp-muted'>Vehicle: "
                     f"{html_text(str(r.vehicle_type).replace('-', ' '))}. {note}</span></div>",
            "geometry": _geometry(r.geometry),
        })
    return rows


def _line_swatch(style: Mapping[str, str]) -> str:
    dash = f" stroke-dasharray='{style['dash']}'" if style["dash"] else ""
    return (f"<svg width='22' height='10'><line x1='1' y1='5' x2='21' y2='5' stroke='{style['color']}' "
            f"stroke-width='{ROUND_LINE_WIDTH_PX}'{dash}/></svg>")


def _rounds_legend() -> str:
    rows = "".join(f"<div class='hp-row' data-entry='round'>{_line_swatch(style)} {html.escape(style['label'])}</div>"
                   for style in SESSION_STYLE.values())
    return (f"<div class='hp-head'>Minibus rounds</div>{rows}"
            "<div class='hp-note'>Off at first: turn on “Minibus rounds” in the layer list.</div>")


def _legend(views: Sequence[JourneyView], tiers: Sequence[tuple[str, dict[str, Any]]],
            statuses: Sequence[tuple[str, dict[str, Any]]], record: RunRecord, isolation: float,
            rounds: bool = False) -> str:
    radios = "".join(
        f"<label><input type='radio' name='hp-view' value='{v.key}'{' checked' if i == 0 else ''}> "
        f"{html.escape(v.title)}</label>"
        for i, v in enumerate(views)
    )
    rows = [*minute_class_labels(), (NO_JOURNEY_COLOUR, NO_JOURNEY_WORDS)]
    swatches = "".join(f"<div class='hp-row'><span class='hp-swatch' style='background:{c}'></span>{t}</div>"
                       for c, t in rows)
    isolated = (f"<div class='hp-row' data-entry='isolated'>{_hatch_swatch()} Isolated: someone travels over "
                f"{isolation:g} min</div>")
    tier_rows = "".join(f"<div class='hp-row' data-entry='tier'>{symbol_svg(s)} {html_text(t)}</div>" for t, s in tiers)
    status_rows = "".join(f"<div class='hp-row' data-entry='status'>{symbol_svg(s)} {html.escape(t)}</div>"
                          for t, s in statuses)
    note = ""
    if record.suppress_below is not None:
        note = (f"<div class='hp-note'>Counts of people below {record.suppress_below} are shown as "
                f"&lt;{record.suppress_below}, others rounded to 5.</div>")
    else:
        note = "<div class='hp-note'>People are modelled estimates, not client records.</div>"
    return (
        "<button type='button' id='hp-legend-toggle' aria-expanded='true'>Key</button>"
        "<div id='hp-legend-body'>"
        f"<div class='hp-head'>Colour the home areas by</div><div id='hp-views'>{radios}</div>"
        f"<div id='hp-view-note' class='hp-note'></div>{swatches}{isolated}"
        f"<div class='hp-head'>Sites</div>{tier_rows}{status_rows}{_rounds_legend() if rounds else ''}{note}</div>"
    )


def _crown(attributions: Sequence[str]) -> str:
    return "© Crown copyright · " if any("Crown copyright" in a for a in attributions) else ""


def _json(data: Any) -> str:
    """JSON for a <script> element: sorted keys; ``<``, ``>`` and ``&`` as escapes, so no text ends the script."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _uses(count: str) -> str:
    """``"2 people from here use day services."`` with the verb agreeing with the count."""
    verb = "uses" if people_html(count).endswith(" person") else "use"
    return f"{people_html(count)} from here {verb} day services."


def _label_priority(site: Any, kinds: Mapping[str, str]) -> int:
    """Which labels the page places first when they compete for room: specialist services, hubs, closing, spokes."""
    if site.status == "closed":
        return 2
    if site.status != "open":
        return 4
    hosted = {kinds.get(tier, str(site.tier_kind)) for tier in tier_parts(site.tier)}
    if TierKind.SPECIALIST.value in hosted:
        return 0
    return 1 if TierKind.HUB.value in hosted else 3


def _number(value: Any) -> float | None:
    return None if is_missing(value) else round(float(value), 3)


def map_data(published: Published, layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, Any]:
    """Everything the page draws, as JSON-ready data (HTML of popups and labels already escaped).

    Parameters
    ----------
    published
        The run as the disclosure rule publishes it.
    layers
        The output of :func:`hubplan.outputs.layers.public_layers`.

    Returns
    -------
    dict
        ``views``, ``areas``, ``isolated``, ``localities``, ``catchments``, ``lines``,
        ``sites``, ``rounds`` (empty without a transport plan), ``sessions`` (their line
        styles), ``bounds``, ``spokeLabelZoom``.
    """
    record = published.record
    counts = PublishedCounts(record)
    isolation = float(record.metrics["overall"]["isolation_minutes"])
    homes, sites = layers["home_areas"], layers["sites"]
    cells = pd.DataFrame(record.allocations)
    area_locality = dict(zip(homes["area_id"], homes["locality"], strict=True))
    names = dict(zip(sites["site_id"], sites["name"], strict=True))
    n_localities = len(layers["localities"])
    views = journey_views(homes, sites, isolation)
    kind_of = dict(zip(sites["site_id"], sites["tier_kind"], strict=True))
    tier_kind = tier_kinds_of(sites[sites["status"] == "open"], rules_tier_kinds(record.manifest.scenario.rules))

    areas = []
    for r in homes.itertuples():
        mine = cells[(cells["area_id"] == r.area_id) & (cells["attendees"] > 0)]
        hubs = mine[mine["tier"].map(tier_kind) == TierKind.HUB.value] if "tier" in mine.columns else \
            mine[mine["site_id"].map(kind_of) == TierKind.HUB.value]
        lines = [f"<b>{html_text(r.name)}</b> <span class='hp-muted'>({html_text(r.area_id)}), "
                 f"{html_text(r.locality)}, {html_text(str(r.rural_urban).lower())}</span>",
                 _uses(people_count_text(r.attendees, r.suppressed, counts.threshold))]
        if not hubs.empty:
            hub = hubs.sort_values(["attendees", "site_id"], ascending=[False, True]).iloc[0]["site_id"]
            lines.append(f"Journey to your hub ({html_text(names.get(hub, hub))}): {minutes_text(r.minutes_to_hub)}")
        if not is_missing(r.minutes_to_specialist):
            lines.append(f"Journey to specialist provision: up to {minutes_text(r.minutes_to_specialist)}"
                         f" (average {minutes_text(r.minutes_to_specialist_mean)})")
        if not is_missing(r.minutes_to_spoke):
            lines.append(f"Nearest spoke: {minutes_text(r.minutes_to_spoke)}")
        if r.isolated:
            far = people_count_text(r.isolated_attendees, r.isolated_suppressed, counts.threshold)
            lines.append(f"<b class='hp-isolated'>Isolated:</b> {people_html(far)} from here travel over "
                         f"{isolation:g} minutes (longest {minutes_text(r.minutes_longest)}).")
        elif not mine.empty:
            lines.append(f"Nobody from here travels over {isolation:g} minutes.")
        areas.append({
            "id": str(r.area_id), "name": html_text(r.name), "isolated": bool(r.isolated),
            "popup": "<div class='hp-popup'>" + "<br>".join(lines) + "</div>",
            "minutes": {v.key: _number(getattr(r, v.column)) for v in views},
            "geometry": _geometry(r.geometry),
        })

    nearest = _nearest_existing(record.area_points, sites)
    shown = sites[sites["status"].isin(["open", "closed", "not_selected"])].reset_index(drop=True)
    kinds = tier_kinds_of(shown[shown["status"] == "open"], rules_tier_kinds(record.manifest.scenario.rules))
    specialist_colour = specialist_colours_of(shown[shown["status"] == "open"], kinds)
    site_rows = []
    for site, (dx, dy) in zip(shown.itertuples(), _offsets(shown), strict=True):
        to_site = cells[cells["site_id"] == site.site_id]
        if site.status == "open":
            role = _roles(site, to_site, kinds, area_locality, n_localities)
            body = _open_site_text(site, to_site, counts, role)
        elif site.status == "closed":
            body = _closing_text(site, sorted(a for a, s in nearest.items() if s == site.site_id), cells, names,
                                 counts)
        else:
            body = "Not used in this plan: considered as a possible site."
        symbol = site_symbol(site, specialist_colour, kinds)
        site_rows.append({
            "id": str(site.site_id), "name": html_text(site.name), "status": str(site.status),
            "kind": str(site.tier_kind) if site.status == "open" else str(site.status),
            "priority": _label_priority(site, kinds),
            "lat": float(site.geometry.y), "lon": float(site.geometry.x), "dx": dx, "dy": dy,
            "size": int(symbol["size"]), "svg": symbol_svg(symbol),
            "popup": f"<div class='hp-popup'>{_site_heading(site)}<br>{body}</div>",
        })

    tiers = tier_entries(shown, specialist_colour, kinds)
    closing = sorted(str(n) for n in shown.loc[shown["status"] == "closed", "name"])  # escaped in the key
    statuses = [(f"Closing: {join_words(closing)}" if words == "Closing" and closing else words, symbol)
                for words, symbol in status_entries(shown, not_selected="Not selected (hidden at first; see layers)")]

    minx, miny, maxx, maxy = (float(v) for v in layers["localities"].total_bounds)
    routes = layers.get(ROUTES_LAYER)
    rounds = [] if routes is None else _round_rows(routes, coarse=record.suppress_below is not None)
    return {
        "views": [{"key": v.key, "title": v.title, "explanation": v.explanation} for v in views],
        "areas": areas,
        "localities": [{"name": html_text(r.locality), "geometry": _geometry(r.geometry)}
                       for r in layers["localities"].itertuples()],
        "catchments": [{"name": html_text(r.name), "geometry": _geometry(r.geometry)}
                       for r in layers["catchments"].itertuples()],
        "lines": [_geometry(g) for g in layers["allocations"].geometry],
        "sites": site_rows,
        "rounds": rounds,
        "sessions": {name: dict(style) for name, style in SESSION_STYLE.items()},
        "roundWidth": ROUND_LINE_WIDTH_PX,
        "bounds": [[miny, minx], [maxy, maxx]],
        "spokeLabelZoom": SPOKE_LABEL_ZOOM,
        "colours": {"breaks": list(MINUTE_BREAKS), "fills": list(MINUTE_COLOURS), "none": NO_JOURNEY_COLOUR},
        "legend": _legend(views, tiers, statuses, record, isolation, rounds=bool(rounds)),
    }


def _leaflet_assets() -> tuple[str, str]:
    data = files("xstatic.pkg.leaflet").joinpath("data")
    return data.joinpath("leaflet.js").read_text("utf-8"), data.joinpath("leaflet.css").read_text("utf-8")


def _asset(name: str) -> str:
    return files("hubplan.outputs").joinpath("webmap_assets").joinpath(name).read_text("utf-8")


def build_map(published: Published, layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    """Build the web map of a run as one HTML page.

    Parameters
    ----------
    published
        The run as the disclosure rule publishes it (title, attributions, allocations for journey figures).
    layers
        The output of :func:`hubplan.outputs.layers.public_layers` (counts already
        published by the privacy rule).

    Returns
    -------
    str
        The page: Leaflet, styles, data and script inlined; no network needed.
    """
    js, css = _leaflet_assets()
    record = published.record
    data = map_data(published, layers)
    attributions = list(dict.fromkeys(record.attributions))
    sources = "".join(f"<li>{html.escape(a)}</li>" for a in attributions)
    sources += f"<li>Map tiles (when online): {OSM_ATTRIBUTION}</li><li>Map library: {LEAFLET_ATTRIBUTION}</li>"
    attribution = (f"<a href='#' id='hp-sources-link'>Sources &amp; licences</a> · {html.escape(_crown(attributions))}"
                   f"{OSM_SHORT}")
    title = html.escape(record.title)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{title}</title>\n<style>{css}</style>\n<script>{js}</script>\n"
        f"<style>{_asset('webmap.css')}</style>\n</head>\n<body>\n"
        "<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>"
        "<pattern id='hp-hatch' patternUnits='userSpaceOnUse' width='7' height='7' patternTransform='rotate(45)'>"
        "<rect width='7' height='7' fill='#ffffff' fill-opacity='0.25'/>"
        "<line x1='0' y1='0' x2='0' y2='7' stroke='#111111' stroke-width='1.8'/></pattern></defs></svg>\n"
        "<div id='map'></div>\n"
        f"<template id='hp-title'>{title}</template>\n"
        f"<template id='hp-attribution'>{attribution}</template>\n"
        "<div id='hubplan-sources' hidden>"
        "<button type='button' id='hp-sources-close' aria-label='Close'>&times;</button>"
        f"<b>Sources and licences</b><ul>{sources}</ul></div>\n"
        f"<script>const HUBPLAN_DATA = {_json(data)};</script>\n"
        f"<script>{_asset('webmap.js')}</script>\n</body>\n</html>\n"
    )


def write_map(published: Published, layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Write :func:`build_map` to ``path`` (byte-stable for the same run)."""
    Path(path).write_text(build_map(published, layers), encoding="utf-8")
    return Path(path)
