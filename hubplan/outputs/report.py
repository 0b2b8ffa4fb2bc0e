"""The consultation report of a run: ``report.md`` and the same text as ``report.html``.

The report states what the run found (headline figures, a table per locality, which
sites open, stay or close), how sure it is (solver status and gap: the word *optimal*
appears only when the manifest's status is ``"optimal"``), what it assumed (demand
estimate, travel model and its error, parameters) and where the data came from.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from hubplan.outputs.escape import markdown_cell, markdown_code, markdown_text, render_markdown
from hubplan.outputs.privacy import layer_count_text
from hubplan.provenance import SolverRecord, TravelProvenance
from hubplan.record.run import RunRecord

__all__ = ["fmt_value", "report_markdown", "solver_sentence", "write_report"]

log = logging.getLogger(__name__)

REPORT_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #bbb;padding:3px 8px;text-align:left}
th{background:#eef3f7}
td:not(:first-child){text-align:right}
img{max-width:100%;border:1px solid #ddd}
code{background:#f4f4f4;padding:0 3px}
h1{border-bottom:2px solid #08306b}
"""


def fmt_value(value: Any, *, decimals: int = 1, unit: str = "", percent: bool = False) -> str:
    """Format a figure for the report; ``None``/NaN prints as ``n/a``.

    Examples
    --------
    >>> fmt_value(12.345), fmt_value(0.4123, percent=True), fmt_value(None), fmt_value(2e6, decimals=0, unit=" £")
    ('12.3', '41.2%', 'n/a', '2,000,000 £')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if percent:
        return f"{100.0 * float(value):.{decimals}f}%"
    return f"{float(value):,.{decimals}f}{unit}"


def solver_sentence(solver: SolverRecord) -> str:
    """Say how good the plan is, claiming optimality only for the status ``"optimal"``.

    Examples
    --------
    >>> solver_sentence(SolverRecord("optimal", gap=0.0))
    'The solver proved this plan optimal (status optimal, gap 0.00%).'
    >>> "optimal" in solver_sentence(SolverRecord("feasible", gap=0.031)).lower()
    False
    """
    status = solver.status
    gap = solver.gap
    gap_text = "not reported" if gap is None else f"{100.0 * float(gap):.2f}%"
    if status == "optimal":
        return f"The solver proved this plan optimal (status {status}, gap {gap_text})."
    return (
        f"The solver stopped with status **{markdown_text(status)}**: this is the best plan it found, and it "
        f"is not proven to be the best possible (gap to the bound: {gap_text})."
    )


def _block_rows(block: Mapping[str, Any], threshold: int | None) -> list[tuple[str, str]]:
    share = block.get("share_within", {}) or {}
    iso = block.get("isolated", {}) or {}
    hidden = set(block.get("suppressed") or [])  # already suppressed by suppress_metrics

    def people(key: str, value: Any) -> str:
        return layer_count_text(value, key in hidden, threshold)

    rows = [
        ("Attendees", people("attendees", block.get("attendees"))),
        ("Mean journey", fmt_value(block.get("mean_minutes"), unit=" min")),
        ("Median journey", fmt_value(block.get("median_minutes"), unit=" min")),
        ("90th percentile journey", fmt_value(block.get("p90_minutes"), unit=" min")),
        ("Longest journey", fmt_value(block.get("max_minutes"), unit=" min")),
    ]
    rows += [(f"Share within {band} min", fmt_value(share.get(band), percent=True)) for band in share]
    limit = block.get("isolation_minutes")
    rows += [
        (f"Isolated (over {limit} min), rural", people("isolated.rural", iso.get("rural"))),
        (f"Isolated (over {limit} min), urban", people("isolated.urban", iso.get("urban"))),
        ("Sites open", fmt_value(block.get("sites_open"), decimals=0)),
        ("Sites closed", fmt_value(block.get("sites_closed"), decimals=0)),
        ("Existing buildings kept", fmt_value(block.get("buildings_kept"), decimals=0)),
        ("Annual building cost", fmt_value(block.get("annual_building_cost"), decimals=0, unit=" £")),
        ("Annual travel", fmt_value(block.get("annual_travel_km"), decimals=0, unit=" km")),
        ("Annual CO2e", fmt_value(block.get("annual_co2e_tonnes"), unit=" t")),
    ]
    return rows


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _flat(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _flat(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            rows.append((name, "; ".join(str(v) for v in value)))
        else:
            rows.append((name, "n/a" if value is None else str(value)))
    return rows


def _travel_rows(travel: TravelProvenance) -> list[tuple[str, str]]:
    """The travel model's name and its cross-validated error on real drive times.

    Examples
    --------
    >>> _travel_rows(TravelProvenance("osm"))
    [('Model', 'osm'), ('Cross-validated error', 'not measured for this model')]
    """
    rows = [("Model", travel.model)]
    error = travel.calibration_error
    if error is None:
        return [*rows, ("Cross-validated error", "not measured for this model")]
    return [
        *rows,
        ("Mean absolute error", fmt_value(error.mae_min, decimals=2, unit=" min")),
        ("Bias (mean of predicted minus observed)", f"{error.bias_min:+.2f} min"),
        ("90th percentile of the absolute error", fmt_value(error.p90_abs_min, decimals=2, unit=" min")),
        ("Journeys scored", fmt_value(error.n, decimals=0)),
        ("Scored on", error.scored_on),
        ("Validation", error.scheme),
    ]


def _site_sections(sites: gpd.GeoDataFrame, threshold: int | None) -> list[str]:
    groups = [
        ("Existing buildings that stay open", (sites["status"] == "open") & (sites["role"] == "required")),
        ("Sites that open", (sites["status"] == "open") & (sites["role"] != "required")),
        ("Sites that close", sites["status"] == "closed"),
        ("Candidate sites not selected", sites["status"] == "not_selected"),
    ]
    out = []
    for heading, mask in groups:
        subset = sites[mask].sort_values(["locality", "name"])
        out.append(f"### {heading} ({len(subset)})\n")
        if subset.empty:
            out.append("None.\n")
            continue
        rows = [
            [str(r.name), str(r.locality), str(r.tier) or "n/a", str(r.kind),
             layer_count_text(r.attendees, r.suppressed, threshold)]
            for r in subset.itertuples()
        ]
        out.append(_md_table(["Site", "Locality", "Tier", "Kind", "Attendees"], rows) + "\n")
    return out


def report_markdown(
    record: RunRecord,
    layers: Mapping[str, gpd.GeoDataFrame],
    metrics: Mapping[str, Any],
    images: Mapping[str, str],
    files: Sequence[str] = (),
) -> str:
    """Write the report of a run as Markdown.

    Parameters
    ----------
    record
        The run (title, manifest, attributions, suppression threshold).
    layers
        Public layers (:func:`hubplan.outputs.layers.public_layers`).
    metrics
        The metrics as published (already suppressed).
    images
        ``{png file name: caption}`` of the static maps next to the report.
    files
        Names of the other files in the run folder, listed at the end.

    Returns
    -------
    str
        Markdown text.
    """
    threshold = record.suppress_below
    manifest = record.manifest
    overall = metrics.get("overall", {})
    parts = [f"# {markdown_text(record.title)}\n",
             f"Run {markdown_code(record.name)}; hubplan {markdown_text(manifest.hubplan_version)}.\n"]

    parts.append("## Headline figures\n")
    parts.append(_md_table(["Measure", "Whole area"], _block_rows(overall, threshold)) + "\n")

    localities = metrics.get("localities", {})
    if localities:
        parts.append("## By locality\n")
        names = list(localities)
        per = [dict(_block_rows(localities[n], threshold)) for n in names]
        measures = [m for m, _ in _block_rows(overall, threshold)]
        rows = [[m, *[p.get(m, "n/a") for p in per]] for m in measures]
        parts.append(_md_table(["Measure", *names], rows) + "\n")

    parts.append("## Sites: which open, stay or close\n")
    parts += _site_sections(layers["sites"], threshold)

    parts.append("## How good is this plan\n")
    parts.append(solver_sentence(manifest.solver) + "\n")
    parts.append(_md_table(["Solver figure", "Value"], _flat(manifest.solver.as_dict())) + "\n")

    parts.append("## Assumptions\n")
    if threshold is not None:
        parts.append(
            f"Demand comes from client records: counts of people below {threshold} are shown "
            f"as <{threshold}, other counts are rounded to the nearest 5, and figures derived from "
            "a suppressed count are not shown (see the README, *Privacy*).\n"
        )
    if manifest.demand:
        parts.append("### Demand estimate\n")
        parts.append(_md_table(["Item", "Value"], _flat(manifest.demand)) + "\n")
    parts.append("### Travel model and its error\n")
    parts.append(_md_table(["Item", "Value"], _travel_rows(manifest.travel)) + "\n")
    if metrics.get("parameters"):
        parts.append("### Parameters\n")
        parts.append(_md_table(["Parameter", "Value"], _flat(metrics["parameters"])) + "\n")

    if images:
        parts.append("## Maps\n")
        for name, caption in images.items():
            parts.append(f"![{caption}]({name})\n\n*{caption}.*\n")

    parts.append("## Data sources and attributions\n")
    if manifest.data_sources:
        parts += [f"- {markdown_code(str(source.as_dict()))}" for source in manifest.data_sources]
        parts.append("")
    parts += [f"- {markdown_text(a)}" for a in record.attributions]
    parts.append("")
    parts.append("## Scenario\n")
    parts.append(_md_table(["Item", "Value"], _flat(manifest.scenario.as_dict())) + "\n")
    if files:
        parts.append("## Files in this folder\n")
        parts += [f"- {markdown_code(name)}" for name in files]
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def write_report(text: str, folder: Path, *, title: str) -> list[Path]:
    """Write ``report.md`` and ``report.html`` (inline CSS; images are the PNGs beside it)."""
    folder = Path(folder)
    md_path = folder / "report.md"
    md_path.write_text(text, encoding="utf-8")
    body = render_markdown(text)
    page = (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{REPORT_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    html_path = folder / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return [md_path, html_path]
