"""Issue 14: the print maps carry names, a scale bar, a north arrow and a key that covers no land.

The figures are inspected before saving (:func:`draw_static_maps`): their text
artists, the key's box in display coordinates against the land polygons, the
locality names against their polygons, the hatching of isolated areas.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.offsetbox import AnchoredOffsetbox
from matplotlib.text import Text

from hubplan.api import publish
from hubplan.outputs.layers import public_layers
from hubplan.outputs.printmap import BRITISH_GRID, nice_length
from hubplan.outputs.staticmaps import STATIC_MAPS, draw_static_maps
from hubplan.outputs.symbology import NO_JOURNEY_WORDS

TITLE = "Plan costing $5 to $10"


@pytest.fixture(scope="module")
def drawn(make_record, record_constants) -> tuple[dict[str, Figure], dict[str, gpd.GeoDataFrame]]:
    record = make_record(name="print", spokes=4, seed=3)
    layers = public_layers(publish(record))
    homes = layers["home_areas"]
    far = homes["minutes_to_hub"].nlargest(6).index  # the fixture isolates nobody at 25 min: mark some
    homes.loc[far, "isolated"] = True
    homes.loc[homes.index[:2], "minutes_to_hub"] = float("nan")  # nobody from here uses a hub
    figures = draw_static_maps(layers, title=TITLE, attribution="Sources: test data $1",
                               isolation_minutes=record_constants.isolation_minutes)
    return figures, layers


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def _land(fig: Figure, layers: dict[str, gpd.GeoDataFrame]) -> Any:
    ax = fig.axes[0]
    ax.apply_aspect()
    land = shapely.union_all(list(layers["localities"].to_crs(BRITISH_GRID).geometry))
    return shapely.transform(land, ax.transData.transform)


def test_both_maps_are_drawn(drawn: tuple[dict[str, Figure], Any]) -> None:
    figures, _ = drawn
    assert list(figures) == list(STATIC_MAPS)


@pytest.mark.parametrize("name", list(STATIC_MAPS))
def test_open_sites_scale_bar_and_north_arrow_are_labelled(drawn: tuple[dict[str, Figure], Any], name: str) -> None:
    figures, layers = drawn
    texts = _texts(figures[name])
    opened = layers["sites"][layers["sites"]["status"] == "open"]
    assert len(opened) >= 10
    missing = [n for n in opened["name"] if n not in texts]
    assert not missing, f"site names not on {name}: {missing}"
    assert "N" in texts
    assert any(re.fullmatch(r"0 – \d+ km", t) for t in texts), texts  # noqa: RUF001 - a range


@pytest.mark.parametrize("name", list(STATIC_MAPS))
def test_key_and_furniture_cover_no_land(drawn: tuple[dict[str, Figure], Any], name: str) -> None:
    figures, layers = drawn
    fig = figures[name]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    land = _land(fig, layers)
    boxes = [a for a in [*fig.axes[0].get_children(), *fig.legends] if isinstance(a, (Legend, AnchoredOffsetbox))]
    assert len(boxes) == 2  # the key, and the scale bar with the north arrow
    for box in boxes:
        extent = box.get_window_extent(renderer)
        assert not land.intersects(shapely.box(*extent.extents)), f"{type(box).__name__} covers land on {name}"
    assert land.area > 0.25 * fig.bbox.width * fig.bbox.height  # the land is drawn large, not squeezed aside


def test_the_check_can_fail_when_the_key_sits_on_land(drawn: tuple[dict[str, Figure], Any]) -> None:
    figures, layers = drawn
    fig = figures["map_sites.png"]
    ax = fig.axes[0]
    extent = [*fig.legends, ax.get_legend()][0].get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    cx, cy = ax.bbox.x0 + ax.bbox.width / 2, ax.bbox.y0 + ax.bbox.height / 2
    centred = shapely.box(cx - extent.width / 2, cy - extent.height / 2, cx + extent.width / 2, cy + extent.height / 2)
    assert _land(fig, layers).intersects(centred)  # the same key in the middle of the map would cover land


def test_journey_key_lists_grey_and_hatched_areas(record_constants, drawn: tuple[dict[str, Figure], Any]) -> None:
    """The journeys map shows the first view (the longest journey to any service, issue 23): grey is in the key
    exactly when some home area has no such journey."""
    from hubplan.outputs.wording import journey_views

    figures, layers = drawn
    fig = figures["map_journeys.png"]
    keys = [t.get_text() for t in [*fig.legends, fig.axes[0].get_legend()][0].get_texts()]
    first = journey_views(layers["home_areas"], layers["sites"], record_constants.isolation_minutes)[0]
    assert first.key == "longest"
    assert (NO_JOURNEY_WORDS in keys) == bool(layers["home_areas"][first.column].isna().any())
    assert f"Isolated: someone travels over {record_constants.isolation_minutes} min" in keys
    assert {"Hub", "Spoke (activities near home)"} <= set(keys)
    hatched = [c for c in fig.axes[0].collections if c.get_hatch()]
    assert hatched and len(hatched[0].get_paths()) >= 6


def test_locality_names_sit_inside_their_locality_away_from_the_coast(
    drawn: tuple[dict[str, Figure], Any],
) -> None:
    figures, layers = drawn
    ax = figures["map_sites.png"].axes[0]
    localities = layers["localities"].to_crs(BRITISH_GRID).set_index("locality")
    placed = {t.get_text().replace("\n", " "): t.get_position() for t in ax.texts}
    for name, geometry in localities.geometry.items():
        assert name in placed, f"{name} not labelled"
        point = shapely.Point(placed[name])
        assert geometry.contains(point), name
    west = localities.geometry["West Dorset"]
    assert west.boundary.distance(shapely.Point(placed["West Dorset"])) > 5000  # well inland, not on the coast


def test_dollar_signs_stay_literal(drawn: tuple[dict[str, Figure], Any]) -> None:
    figures, _ = drawn
    for fig in figures.values():
        for text in fig.findobj(Text):
            shown, is_math = text._preprocess_math(text.get_text())
            assert is_math is False, shown
        title = fig.axes[0].title
        assert title._preprocess_math(title.get_text())[0].startswith(TITLE)


def test_nice_length_is_a_round_fifth_of_the_span() -> None:
    assert nice_length(96_000) == 10.0 and nice_length(26_000) == 5.0


def test_footer_names_every_attribution_statement_once(study) -> None:
    import re

    from hubplan.outputs.staticmaps import footer_attribution

    footer = footer_attribution(study.attributions)
    statements = footer.removeprefix("Sources: ").split("; ")
    assert len(statements) == len(set(statements)), "a statement is printed twice"
    for line in study.attributions:
        for part in re.split(r"\.\s+(?=[A-Z])|;\s*", line.strip()):
            assert part.strip().rstrip(".") in statements, part
    assert len(footer) < len("Sources: " + "; ".join(study.attributions))
