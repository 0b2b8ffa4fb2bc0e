"""Issue 12 without a browser: CSV formula cells, literal Markdown, ``$`` in PNG maps, no file echo."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from hubplan.api import publish
from hubplan.errors import InputError
from hubplan.outputs import compare
from hubplan.outputs.escape import csv_text, markdown_cell, markdown_code, markdown_text, render_markdown
from hubplan.outputs.layers import public_layers
from hubplan.outputs.staticmaps import write_static_maps
from hubplan.travel.io import read_points_csv

FORMULA_NAMES = ("=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB")


@pytest.fixture(scope="module")
def manifest(make_record) -> dict:
    """A manifest as hubplan writes it (compare reads it back with its typed reader)."""
    return make_record(name="manifest-template").manifest.as_dict()


def _run_folder(manifest: dict, root: Path, name: str, mean: float, areas: dict[str, float]) -> Path:
    """The three files :func:`hubplan.outputs.compare.read_run` needs, nothing else."""
    folder = root / name
    folder.mkdir(parents=True)
    block = {"mean_minutes": mean, "sites_open": 3}
    metrics = {"overall": block, "localities": {a: {"mean_minutes": m} for a, m in areas.items()}}
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    return folder


def test_csv_text_quotes_formula_starts_only() -> None:
    assert [csv_text(v) for v in ("=x", "+x", "-x", "@x", "\tx", "\rx")] == [
        "'=x", "'+x", "'-x", "'@x", "'\tx", "'\rx"]
    assert [csv_text(v) for v in ("x=1", "Dorset", -2.5, 3, None)] == ["x=1", "Dorset", -2.5, 3, None]


def test_comparison_csv_neutralises_formula_text_but_not_negative_numbers(manifest: dict, tmp_path: Path) -> None:
    areas = {name: 10.0 for name in FORMULA_NAMES}
    base = _run_folder(manifest, tmp_path, "baseline", 20.0, areas)
    runs = [_run_folder(manifest, tmp_path, name, 18.5, {a: 9.0 for a in areas}) for name in FORMULA_NAMES]
    compare([base, *runs], out_dir=tmp_path / "cmp")
    with (tmp_path / "cmp" / "comparison.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    cells = [*header, *[c for row in body for c in row]]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    texts = [c for c in cells if c.startswith("-") and not re.fullmatch(r"-[0-9.e+-]+", c)]
    assert not texts, texts
    for name in FORMULA_NAMES:
        assert f"'{name}" in header and f"'{name} - baseline" in header
        assert any(row[0] == f"'{name}" for row in body)  # the locality key
    mean = next(row for row in body if row[0] == "Overall" and row[1] == "mean_minutes")
    assert mean[header.index(f"'{FORMULA_NAMES[0]} - baseline")] == "-1.5"  # still a number
    assert mean[header.index("baseline")] == "20"


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)> & <b>bold</b>",
        "[click](javascript:alert(1)) ![i](javascript:x) <javascript:alert(1)> <a@b.org>",
        "*em* _em_ __strong__ `code` \\* a_b_c snake_case",
        "&lt;kept&gt; &amp; &#60; AT&T",
        "pipes | in | cells",
    ],
)
def test_markdown_escaping_renders_text_literally(text: str) -> None:
    heading = render_markdown(f"# {markdown_text(text)}\n")
    assert "<a" not in heading and "<img" not in heading and "<b>" not in heading
    assert html.unescape(re.fullmatch(r"<h1>(.*)</h1>", heading).group(1)) == text
    table = render_markdown(f"| A |\n|---|\n| {markdown_cell(text)} |\n")
    assert html.unescape(re.search(r"<td>(.*)</td>", table).group(1)) == text
    code = render_markdown(f"- {markdown_code(text + '`')}\n")
    assert html.unescape(re.search(r"<code>(.*)</code>", code).group(1)) == text + "`"


def test_markdown_renderer_drops_raw_html_and_unsafe_links() -> None:
    out = render_markdown('<script>x()</script>\n\n[a](javascript:x) [b](https://ok.org) ![c](data:text/html,x)\n')
    assert "<script" not in out and 'href="https://ok.org"' in out
    assert "javascript:" not in out and "data:" not in out


def test_static_maps_print_dollar_signs_literally(make_record, tmp_path: Path) -> None:
    record = make_record(name="dollars")
    # mathtext would try to parse "$\nocommand$" and fail to draw the map at all
    paths = write_static_maps(public_layers(publish(record)), tmp_path, title=r"From $\nocommand$ to $5$",
                              attribution=r"Sources: $\frac{1}$")
    assert [p.name for p in paths] == ["map_journeys.png", "map_sites.png"]


def test_points_csv_error_does_not_echo_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$y$j9T$SECRETHASH:19800:0:99999:7:::\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_points_csv(secret)
    assert "SECRET" not in str(caught.value) and "root" not in str(caught.value).replace(str(tmp_path), "")
    assert "id, lat, lon" in str(caught.value)
