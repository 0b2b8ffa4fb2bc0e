"""QGIS styles for ``layers.gpkg``: sites and home areas open styled and labelled as on the web map.

QGIS reads a layer's default style from the GeoPackage's ``layer_styles`` table (the
table its *Save Style > In Database* writes): one row per style with the layer name
(``f_table_name``), its geometry column, the style as QML (``styleQML``) and
``useAsDefault``. :func:`style_rows` builds those rows; the QML is made with
:mod:`xml.etree.ElementTree`, so every value is escaped and the XML is well formed.

Styles (colours and shapes are those of :mod:`hubplan.outputs.webmap`):

- ``sites``: rule-based symbols by tier kind and status (hub square, specialist
  diamond, spoke triangle, a gold ring round a new venue, closing a red cross, not
  selected a small grey dot), open sites labelled with their names;
- ``home_areas``: coloured by journey minutes (the default: to the hub; also the
  longest journey of any service and, when present, to specialist provision), with
  isolated areas hatched and outlined in every style;
- ``routes`` (runs with a transport plan): minibus rounds by session, morning solid,
  afternoon dashed, in the web map's colours.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from hubplan.outputs.symbology import (
    CLOSING_SYMBOL,
    MINUTE_BREAKS,
    MINUTE_COLOURS,
    NEW_RING,
    NO_JOURNEY_COLOUR,
    NOT_SELECTED_SYMBOL,
    ROUND_LINE_WIDTH_PX,
    SESSION_STYLE,
    TIER_SYMBOL,
)
from hubplan.record.layers import EXISTING_BUILDING_KINDS

__all__ = ["GEOMETRY_COLUMN", "QGIS_VERSION", "STYLE_COLUMNS", "QgisStyle", "style_rows"]

QGIS_VERSION = "3.28.0-Firenze"
"""The QGIS version written into the QML (3.28 LTR reads and writes this format)."""

GEOMETRY_COLUMN = "geom"
"""GDAL's geometry column name in a GeoPackage."""

STYLE_COLUMNS = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                 "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time")
"""Columns of QGIS's ``layer_styles`` table."""

MARKER_MM = {"hub": 4.2, "specialist": 4.6, "spoke": 3.6}
"""Marker sizes in millimetres (the web map's pixel sizes at about 96 dpi, a little smaller)."""


@dataclass(frozen=True)
class QgisStyle:
    """One row of ``layer_styles``: a named QML style of a layer."""

    layer: str
    name: str
    qml: str
    default: bool
    description: str


def _rgba(colour: str) -> str:
    """``#rrggbb`` as QGIS's ``r,g,b,a``.

    Examples
    --------
    >>> _rgba("#2171b5")
    '33,113,181,255'
    """
    value = colour.lstrip("#")
    return ",".join(str(int(value[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    option_map = ET.SubElement(parent, "Option", type="Map")
    for key, value in values.items():
        ET.SubElement(option_map, "Option", name=key, type="QString", value=value)


def _symbol(symbols: ET.Element, name: str, kind: str) -> ET.Element:
    return ET.SubElement(symbols, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")


def _layer(symbol: ET.Element, cls: str, values: dict[str, str]) -> ET.Element:
    layer = ET.SubElement(symbol, "layer", attrib={"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    _options(layer, values)
    return layer


def _marker(symbols: ET.Element, name: str, shape: str, fill: str, outline: str, size: float,
            angle: float = 0.0) -> None:
    _layer(_symbol(symbols, name, "marker"), "SimpleMarker", {
        "name": shape, "color": _rgba(fill), "outline_color": _rgba(outline), "outline_width": "0.35",
        "outline_width_unit": "MM", "size": f"{size:g}", "size_unit": "MM", "angle": f"{angle:g}",
        "outline_style": "solid" if outline else "no",
    })


def _ring(symbols: ET.Element, name: str, size: float) -> None:
    _layer(_symbol(symbols, name, "marker"), "SimpleMarker", {
        "name": "circle", "color": "0,0,0,0", "outline_color": _rgba(NEW_RING), "outline_width": "0.7",
        "outline_width_unit": "MM", "size": f"{size:g}", "size_unit": "MM", "outline_style": "solid",
    })


def _fill(symbols: ET.Element, name: str, colour: str) -> None:
    _layer(_symbol(symbols, name, "fill"), "SimpleFill", {
        "color": _rgba(colour)[:-3] + "191", "outline_color": "99,99,99,255", "outline_width": "0.1",
        "outline_width_unit": "MM", "style": "solid", "outline_style": "solid",
    })


def _hatch(symbols: ET.Element, name: str) -> None:
    symbol = _symbol(symbols, name, "fill")
    hatch = _layer(symbol, "LinePatternFill", {
        "angle": "45", "distance": "1.6", "distance_unit": "MM", "line_width": "0.35", "line_width_unit": "MM",
        "color": "17,17,17,255",
    })
    line = ET.SubElement(hatch, "symbol", type="line", name=f"@{name}@0", alpha="1", clip_to_extent="1",
                         force_rhr="0")
    _layer(line, "SimpleLine", {"line_color": "17,17,17,255", "line_width": "0.35", "line_width_unit": "MM",
                                "line_style": "solid"})
    _layer(symbol, "SimpleLine", {"line_color": "17,17,17,255", "line_width": "0.5", "line_width_unit": "MM",
                                  "line_style": "solid"})


def _document(geometry_type: int) -> tuple[ET.Element, ET.Element, ET.Element]:
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling")
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0", enableorderby="0",
                             forceraster="0", referencescale="-1")
    rules = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    ET.SubElement(root, "layerGeometryType").text = str(geometry_type)
    return root, rules, symbols


def _rule(rules: ET.Element, index: int, label: str, expression: str) -> str:
    ET.SubElement(rules, "rule", key=f"rule{index}", symbol=str(index), label=label, filter=expression)
    return str(index)


def _text(root: ET.Element) -> str:
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def sites_qml() -> str:
    """The QML of the sites layer: symbols by tier and status, open sites labelled."""
    root, rules, symbols = _document(geometry_type=0)
    existing = _quoted(EXISTING_BUILDING_KINDS)
    entries: list[tuple[str, str]] = [
        ("Not selected", "\"status\" = 'not_selected'"),
        ("Closing", "\"status\" = 'closed'"),
        ("New: not used for day services today", f"\"status\" = 'open' AND \"kind\" NOT IN ({existing})"),
        *((f"{kind.capitalize()}", f"\"status\" = 'open' AND \"tier_kind\" = '{kind}'") for kind in TIER_SYMBOL),
    ]
    for index, (label, expression) in enumerate(entries):
        name = _rule(rules, index, label, expression)
        if label == "Not selected":
            _marker(symbols, name, "circle", NOT_SELECTED_SYMBOL["fill"], NOT_SELECTED_SYMBOL["color"], 2.0)
        elif label == "Closing":
            _marker(symbols, name, "cross_fill", CLOSING_SYMBOL["fill"], CLOSING_SYMBOL["color"], 3.6, angle=45)
        elif label.startswith("New"):
            _ring(symbols, name, 6.0)
        else:
            kind = label.lower()
            style = TIER_SYMBOL[kind]
            _marker(symbols, name, style["shape"], style["fill"], style["color"], MARKER_MM[kind])
    labeling = ET.SubElement(root, "labeling", type="rule-based")
    label_rules = ET.SubElement(labeling, "rules", key="labels")
    rule = ET.SubElement(label_rules, "rule", key="label0", filter="\"status\" = 'open'", description="Open sites")
    settings = ET.SubElement(rule, "settings", calloutType="simple")
    text_style = ET.SubElement(settings, "text-style", fieldName="name", isExpression="0", fontSize="9",
                               fontSizeUnit="Point", fontWeight="63", textColor="0,0,0,255", namedStyle="Bold")
    ET.SubElement(text_style, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="0.9")
    ET.SubElement(settings, "placement", placement="6", dist="1.5", distUnits="MM", priority="8")
    ET.SubElement(settings, "rendering", scaleVisibility="0", obstacle="1", displayAll="0", drawLabels="1")
    return _text(root)


def home_areas_qml(column: str) -> str:
    """The QML of the home-areas layer coloured by ``column`` (minutes), isolated areas hatched."""
    root, rules, symbols = _document(geometry_type=2)
    quoted = f'"{column}"'
    lower = 0
    index = 0
    for bound, colour in zip(MINUTE_BREAKS, MINUTE_COLOURS, strict=False):
        _fill(symbols, _rule(rules, index, f"{lower}-{bound} min", f"{quoted} > {lower} AND {quoted} <= {bound}"
                             if lower else f"{quoted} <= {bound}"), colour)
        lower = bound
        index += 1
    _fill(symbols, _rule(rules, index, f"over {MINUTE_BREAKS[-1]} min", f"{quoted} > {MINUTE_BREAKS[-1]}"),
          MINUTE_COLOURS[-1])
    _fill(symbols, _rule(rules, index + 1, "nobody from here uses it", f"{quoted} IS NULL"), NO_JOURNEY_COLOUR)
    _hatch(symbols, _rule(rules, index + 2, "Isolated: someone travels beyond the threshold", '"isolated"'))
    return _text(root)


MM_PER_PX = 25.4 / 96
"""Millimetres per screen pixel at 96 dpi (QGIS line widths are in millimetres)."""


def routes_qml() -> str:
    """The QML of the routes layer: one line symbol per session (morning solid, afternoon dashed)."""
    root, rules, symbols = _document(geometry_type=1)
    for index, (session, style) in enumerate(SESSION_STYLE.items()):
        name = _rule(rules, index, style["label"], f"\"session\" = '{session}'")
        dash = style["dash"].replace(" ", ";")
        _layer(_symbol(symbols, name, "line"), "SimpleLine", {
            "line_color": _rgba(style["color"]), "line_width": f"{ROUND_LINE_WIDTH_PX * MM_PER_PX:.2f}",
            "line_width_unit": "MM", "line_style": "solid", "use_custom_dash": "1" if dash else "0",
            "customdash": dash or "5;2", "customdash_unit": "Pixel", "capstyle": "round", "joinstyle": "round",
        })
    return _text(root)


HOME_AREA_STYLES = (
    ("minutes_to_hub", "Journey to your hub"),
    ("minutes_to_specialist", "Journey to specialist provision"),
    ("minutes_to_spoke", "Nearest spoke"),
    ("minutes_longest", "Longest journey, any service"),
)
"""Home-area styles: the column coloured and the style name; the first is the default."""


def style_rows(home_areas: pd.DataFrame, *, routes: bool = False) -> list[QgisStyle]:
    """The styles to store: sites, home areas by each journey the run has (the hub's is the default), routes.

    Parameters
    ----------
    home_areas
        The public home-areas layer (a style is written for each journey column with values).
    routes
        Whether the GeoPackage has the ``routes`` layer (then it gets its style too).

    Returns
    -------
    list of QgisStyle
        Exactly one default style per layer.

    Examples
    --------
    >>> rows = style_rows(pd.DataFrame({"minutes_to_hub": [9.0], "minutes_to_specialist": [None],
    ...                                 "minutes_to_spoke": [None], "minutes_longest": [9.0]}))
    >>> [(r.layer, r.name, r.default) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
    [('sites', 'Sites by tier and status', True),
     ('home_areas', 'Journey to your hub', True),
     ('home_areas', 'Longest journey, any service', False)]
    """
    rows = [QgisStyle("sites", "Sites by tier and status", sites_qml(), True,
                      "Hub square, specialist diamond, spoke triangle; gold ring: new venue; red cross: closing.")]
    present = [(c, n) for c, n in HOME_AREA_STYLES if c in home_areas.columns and home_areas[c].notna().any()]
    for index, (column, name) in enumerate(present):
        rows.append(QgisStyle("home_areas", name, home_areas_qml(column), index == 0,
                              f"Home areas coloured by {column}; isolated areas hatched."))
    if routes:
        rows.append(QgisStyle("routes", "Minibus rounds by session", routes_qml(), True,
                              "Morning rounds solid, afternoon rounds dashed; lines pass home-area points only."))
    return rows
