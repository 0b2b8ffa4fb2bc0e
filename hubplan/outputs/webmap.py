"""The consultation web map: one self-contained ``map.html`` (folium/Leaflet).

Leaflet's JavaScript and CSS are inlined from the XStatic-Leaflet package, so the
page works from a USB stick or an e-mail attachment: when the OpenStreetMap tiles
cannot load, the locality and home-area polygons still draw the county. Element ids
are renumbered before rendering, so the same run gives the same bytes.
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element

from hubplan.outputs.escape import html_text
from hubplan.outputs.privacy import layer_count_text
from hubplan.record.run import RunRecord

__all__ = ["MINUTE_BREAKS", "STATUS_STYLE", "build_map", "minutes_colour", "write_map"]

log = logging.getLogger(__name__)

MINUTE_BREAKS = (15, 30, 45, 60)
"""Upper bounds of the journey-minute classes (the ``share_within`` bands of the metrics)."""

MINUTE_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
"""ColorBrewer RdYlGn (5-class, reversed): up to 15, 30, 45, 60 minutes and beyond."""

STATUS_STYLE: dict[str, dict[str, Any]] = {
    "open": {"color": "#08306b", "fill": "#2171b5", "label": "Open"},
    "closed": {"color": "#67000d", "fill": "#ef3b2c", "label": "Closing"},
    "not_selected": {"color": "#525252", "fill": "#d9d9d9", "label": "Not selected"},
}
TIER_RADIUS = {"hub": 9, "specialist": 7, "spoke": 6}
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)'
)


def minutes_colour(minutes: float | None) -> str:
    """Return the fill colour of a journey time.

    Examples
    --------
    >>> minutes_colour(12.0), minutes_colour(75.0), minutes_colour(None)
    ('#1a9850', '#d73027', '#bdbdbd')
    """
    if minutes is None or pd.isna(minutes):
        return "#bdbdbd"
    for bound, colour in zip(MINUTE_BREAKS, MINUTE_COLOURS, strict=False):
        if minutes <= bound:
            return colour
    return MINUTE_COLOURS[-1]


def _leaflet_assets() -> tuple[str, str]:
    data = files("xstatic.pkg.leaflet").joinpath("data")
    return data.joinpath("leaflet.js").read_text("utf-8"), data.joinpath("leaflet.css").read_text("utf-8")


def _fmt(value: Any, unit: str = "", decimals: int = 1) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{float(value):,.{decimals}f}{unit}"


def _table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table style='font-size:12px'>{cells}</table>"


def _tooltip_values(values: Sequence[Any]) -> list[Any]:
    """Escape the text shown in a tooltip: folium's GeoJsonTooltip inserts it as HTML.

    Examples
    --------
    >>> _tooltip_values(["Site <b> & co", None])
    ['Site &lt;b&gt; & co', None]
    """
    return [html_text(v) if isinstance(v, str) else v for v in values]


def _site_journeys(allocations: pd.DataFrame) -> pd.DataFrame:
    alloc = allocations[allocations["attendees"] > 0]
    w = alloc.assign(wm=alloc["attendees"] * alloc["minutes"])
    grouped = w.groupby("site_id")
    return pd.DataFrame(
        {"mean_minutes": grouped["wm"].sum() / grouped["attendees"].sum(),
         "max_minutes": grouped["minutes"].max()}
    )


def _renumber_ids(root: Any) -> None:
    counter = itertools.count()

    def walk(element: Any) -> None:
        element._id = f"{next(counter):032x}"
        for child in list(element._children.values()):
            walk(child)

    walk(root)


def _legend(record: RunRecord) -> str:
    minute_rows = []
    lower = 0
    for bound, colour in zip(MINUTE_BREAKS, MINUTE_COLOURS, strict=False):
        minute_rows.append((colour, f"{lower}–{bound} min"))  # noqa: RUF001 - en dash: a range
        lower = bound
    minute_rows.append((MINUTE_COLOURS[-1], f"over {MINUTE_BREAKS[-1]} min"))
    swatches = "".join(
        f"<div><span style='display:inline-block;width:14px;height:10px;background:{c};"
        f"margin-right:4px;border:1px solid #777'></span>{html.escape(t)}</div>"
        for c, t in minute_rows
    )
    sites = "".join(
        f"<div><span style='display:inline-block;width:10px;height:10px;border-radius:50%;"
        f"background:{s['fill']};border:2px solid {s['color']};margin-right:4px'></span>"
        f"{html.escape(s['label'])} site</div>"
        for s in STATUS_STYLE.values()
    )
    note = ""
    if record.suppress_below is not None:
        note = (f"<div style='margin-top:4px'>Counts below {record.suppress_below} "
                f"are shown as &lt;{record.suppress_below}.</div>")
    return (
        "<div id='hubplan-legend' style='position:fixed;bottom:40px;left:10px;z-index:9999;"
        "background:white;padding:8px;border:1px solid #999;font:12px sans-serif;"
        "max-width:220px'><b>Journey to assigned site</b>" + swatches
        + "<b>Sites</b> (larger = hub)" + sites + note + "</div>"
    )


def build_map(record: RunRecord, layers: Mapping[str, gpd.GeoDataFrame]) -> folium.Map:
    """Build the folium map of a run from its public (already suppressed) layers.

    Parameters
    ----------
    record
        The run (title, attributions, allocations for journey figures).
    layers
        The output of :func:`hubplan.outputs.layers.public_layers`.

    Returns
    -------
    folium.Map
        With localities, home areas (coloured by minutes), catchments, allocation lines
        and sites (by status) as toggleable layers, a legend and attributions.
    """
    threshold = record.suppress_below
    localities = layers["localities"]
    minx, miny, maxx, maxy = localities.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None,
                      control_scale=True)
    fmap.default_js = []  # Leaflet is inlined below; no CDN scripts (jQuery, Bootstrap) needed
    fmap.default_css = []
    js, css = _leaflet_assets()
    fmap.get_root().header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    fmap.get_root().header.add_child(Element(f"<script>{js}</script>"), name="leaflet_inline")
    fmap.get_root().header.add_child(
        Element("<style>.leaflet-container{background:#eef3f7}</style>"), name="hubplan_css"
    )
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", attr=OSM_ATTRIBUTION).add_to(fmap)

    loc = localities.assign(
        locality=_tooltip_values(localities["locality"]),
        popup=[
            _table([("Locality", str(r.locality)),
                    ("Attendees", layer_count_text(r.attendees, r.suppressed, threshold))])
            for r in localities.itertuples()
        ]
    )[["locality", "popup", "geometry"]]
    folium.GeoJson(
        loc, name="Localities",
        style_function=lambda f: {"color": "#252525", "weight": 2.5, "fillColor": "#f0f0f0",
                                  "fillOpacity": 0.35},
        tooltip=folium.GeoJsonTooltip(fields=["locality"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(fmap)

    homes = layers["home_areas"]
    site_names = dict(zip(layers["sites"]["site_id"], layers["sites"]["name"], strict=True))
    ha = homes.assign(
        name=_tooltip_values(homes["name"]),
        fill=[minutes_colour(m) for m in homes["minutes_to_site"]],
        popup=[
            _table([
                ("Home area", f"{r.name} ({r.area_id})"), ("Locality", str(r.locality)),
                ("Attendees", layer_count_text(r.attendees, r.suppressed, threshold, decimals=1)),
                ("Site", site_names.get(r.assigned_site_id, str(r.assigned_site_id))),
                ("Minutes to site", _fmt(r.minutes_to_site)),
                ("Minutes to a hub", _fmt(r.minutes_to_hub)),
                ("Isolated", "yes" if r.isolated else "no"), ("Rural/urban", str(r.rural_urban)),
            ])
            for r in homes.itertuples()
        ],
    )[["area_id", "name", "fill", "popup", "geometry"]]
    folium.GeoJson(
        ha, name="Home areas: minutes to site",
        style_function=lambda f: {"color": "#636363", "weight": 0.5,
                                  "fillColor": f["properties"]["fill"], "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(fmap)

    catchments = layers["catchments"]
    if len(catchments):
        folium.GeoJson(
            catchments[["site_id", "name", "geometry"]].assign(name=_tooltip_values(catchments["name"])),
            name="Hub catchments",
            style_function=lambda f: {"color": "#08306b", "weight": 2, "dashArray": "6 4",
                                      "fillOpacity": 0.0},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(fmap)

    lines = layers["allocations"]
    if len(lines):
        folium.GeoJson(
            lines[["area_id", "site_id", "geometry"]], name="Journeys (straight lines)", show=False,
            style_function=lambda f: {"color": "#4d4d4d", "weight": 1, "opacity": 0.6},
        ).add_to(fmap)

    journeys = _site_journeys(pd.DataFrame(record.allocations))
    sites = layers["sites"]
    popups, radii = [], []
    for site in sites.itertuples():
        jr = journeys.loc[site.site_id] if site.site_id in journeys.index and not site.suppressed else None
        popups.append(_table([
            ("Site", str(site.name)), ("Operator", str(site.operator)), ("Locality", str(site.locality)),
            ("Role", str(site.role)), ("Tier", str(site.tier) or "n/a"), ("Status", str(site.status)),
            ("Attendees", layer_count_text(site.attendees, site.suppressed, threshold)),
            ("Mean journey", _fmt(None if jr is None else jr["mean_minutes"], " min")),
            ("Longest journey", _fmt(None if jr is None else jr["max_minutes"], " min")),
            ("Position", str(site.position_precision)),
        ]))
        radii.append(TIER_RADIUS.get(site.tier, 5) if site.status == "open" else 5)
    labels = _tooltip_values(sites["name"] + " (" + sites["status"] + ")")
    pts = sites.assign(popup=popups, radius=radii, label=labels)
    for status, style in STATUS_STYLE.items():
        subset = pts[pts["status"] == status][["site_id", "label", "popup", "radius", "geometry"]]
        if subset.empty:
            continue
        folium.GeoJson(
            subset, name=f"{style['label']} sites", show=status != "not_selected",
            marker=folium.CircleMarker(radius=6, weight=2, fill=True, fill_opacity=0.9),
            style_function=lambda f, st=style: {"color": st["color"], "fillColor": st["fill"],
                                                "radius": f["properties"]["radius"]},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
        ).add_to(fmap)

    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    title = (f"<div style='position:fixed;top:10px;left:60px;z-index:9999;background:white;"
             f"padding:6px 10px;border:1px solid #999;font:bold 15px sans-serif'>"
             f"{html.escape(record.title)}</div>")
    sources = "; ".join(html.escape(a) for a in record.attributions)
    footer = ("<div id='hubplan-attribution' style='position:fixed;bottom:0;left:0;right:0;"
              "z-index:9998;background:rgba(255,255,255,0.85);font:10px sans-serif;padding:2px 6px'>"
              f"Sources: {sources}. Tiles: {OSM_ATTRIBUTION}.</div>")
    for name, text in (("title", title), ("legend", _legend(record)), ("sources", footer)):
        fmap.get_root().html.add_child(Element(text), name=f"hubplan_{name}")
    return fmap


def write_map(record: RunRecord, layers: Mapping[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Render :func:`build_map` to ``path`` (byte-stable for the same run)."""
    fmap = build_map(record, layers)
    root = fmap.get_root()
    _renumber_ids(root)
    text = root.render()
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)

