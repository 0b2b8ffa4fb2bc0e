"""The consultation report of a run: ``report.md`` and the same text as ``report.html``.

Written for a reader without GIS: first what the plan changes for people in each
locality (plain sentences), then journeys by tier, group of people, rural/urban home
and deprivation, the figures per locality, which sites open, stay open or close, the
transport plan when the run routed one (:mod:`hubplan.outputs.report.transport`), how
sure the plan is (in words: a proven best plan, an evaluated fixed plan, or the best
plan found within the time limit and how far it may be from the best), what it
assumed (demand, the travel model and its error, rules and parameters) and where
the data came from. Numbers are formatted (:mod:`hubplan.outputs.report.figures`);
user text is escaped (:mod:`hubplan.outputs.escape`); counts are the published ones
(:mod:`hubplan.outputs.privacy`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd

from hubplan.outputs.escape import markdown_code, markdown_text, render_markdown
from hubplan.outputs.published import Published
from hubplan.outputs.report.journeys import CAR_CO2_NOTE, group_tables, headline, locality_table
from hubplan.outputs.report.method import (
    PLAN_STATUS,
    assumption_sections,
    solver_sentence,
    sources_section,
    status_section,
)
from hubplan.outputs.report.plans import plans_section
from hubplan.outputs.report.sites import md_table, site_sections
from hubplan.outputs.report.transport import transport_section

__all__ = ["REPORT_CSS", "report_markdown", "solver_sentence", "write_report"]

log = logging.getLogger(__name__)

REPORT_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:62em;margin:2em auto;padding:0 1em;
color:#222;line-height:1.5;font-size:17px}
h1{border-bottom:3px solid #08306b;font-size:1.8em;line-height:1.2}
h2{margin-top:2em;border-bottom:1px solid #ccd;padding-bottom:.2em;color:#08306b}
h3{margin-top:1.5em}
.table-scroll{overflow-x:auto;margin:1em 0;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef3f7}
td:not(:first-child){text-align:right;white-space:nowrap}
td:nth-child(2):last-child{text-align:left;white-space:normal;min-width:6em}
td[style*="text-align: left"]{white-space:normal}
td:first-child,th:first-child{min-width:10em;position:sticky;left:0;background:#fff;z-index:1}
th:first-child{background:#eef3f7}
img{max-width:100%;border:1px solid #ddd}
code{background:#f4f4f4;padding:0 3px;word-break:break-all}
li{margin:.3em 0}
@media (max-width:600px){body{font-size:16px;margin:1em auto}h1{font-size:1.45em}
th,td{padding:3px 5px}td:first-child,th:first-child{min-width:7.5em;max-width:9em}
.table-scroll{box-shadow:inset -8px 0 6px -6px #999}}
"""


def report_markdown(
    published: Published,
    layers: Mapping[str, gpd.GeoDataFrame],
    images: Mapping[str, str],
    files: Sequence[str] = (),
) -> str:
    """Write the report of a run as Markdown.

    Parameters
    ----------
    published
        The run as the disclosure rule publishes it (title, manifest, attributions, metrics).
    layers
        Public layers (:func:`hubplan.outputs.layers.public_layers`).
    images
        ``{png file name: caption}`` of the static maps next to the report.
    files
        Names of the other files in the run folder, listed at the end.

    Returns
    -------
    str
        Markdown text.
    """
    record, metrics = published.record, published.metrics
    threshold = record.suppress_below
    manifest = record.manifest
    sites = layers["sites"]
    overall = metrics.get("overall", {})
    status = PLAN_STATUS.get(manifest.solver.status, manifest.solver.status)
    parts = [f"# {markdown_text(record.title)}\n",
             f"{markdown_text(status)}. Run {markdown_code(record.name)}, made with hubplan "
             f"{markdown_text(manifest.hubplan_version)}.\n"]
    parts += headline(metrics, sites, threshold)
    if overall.get("groups"):
        parts.append("## Who is affected\n")
        parts += group_tables(overall, threshold)
    if metrics.get("localities"):
        parts += ["## By locality\n", locality_table(metrics, threshold) + "\n", CAR_CO2_NOTE + "\n"]
    parts.append("## Sites: which open, stay open or close\n")
    parts += site_sections(sites, threshold)
    parts += plans_section(manifest.alternatives, overall, sites, manifest.solver.objective_type)
    parts += transport_section(manifest, metrics, threshold)
    parts += status_section(manifest.solver)
    parts += assumption_sections(manifest, metrics.get("parameters") or {}, threshold)
    if images:
        parts.append("## Maps\n")
        for name, caption in images.items():
            parts.append(f"![{markdown_text(caption)}]({name})\n\n*{markdown_text(caption)}.*\n")
    parts += sources_section(manifest.data_sources, record.attributions)
    scenario = manifest.scenario
    parts += ["## Scenario\n", md_table(["Item", "Value"], [
        ("Name", scenario.name), ("Title", scenario.title or record.title), ("File", scenario.file or "n/a"),
        ("File checksum (SHA-256)", scenario.sha256)]) + "\n"]
    if files:
        parts.append("## Files in this folder\n")
        parts += [f"- {markdown_code(name)}" for name in files]
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def report_html(text: str, title: str) -> str:
    """The report's Markdown as a self-contained page; wide tables scroll sideways on a phone."""
    body = render_markdown(text).replace("<table>", '<div class="table-scroll"><table>')
    body = body.replace("</table>", "</table></div>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{REPORT_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_report(text: str, folder: Path, *, title: str) -> list[Path]:
    """Write ``report.md`` and ``report.html`` (inline CSS; images are the PNGs beside it)."""
    folder = Path(folder)
    md_path = folder / "report.md"
    md_path.write_text(text, encoding="utf-8")
    html_path = folder / "report.html"
    html_path.write_text(report_html(text, title), encoding="utf-8")
    return [md_path, html_path]
