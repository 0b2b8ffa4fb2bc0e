"""Compare runs side by side: the table a cabinet paper needs, with differences from a baseline.

A run is read from its folder (``metrics.json``, ``sites.geojson``, ``manifest.json``);
``hubplan compare`` runs scenario ``.toml`` arguments first and passes their folders
here. Counts already suppressed in a run's
``metrics.json`` stay suppressed here (shown as ``<N``; their differences are ``n/a``).

Besides the measures per locality, the table has rows per tier and per group of people
(segment) of the whole area, names sites whose tier changes (a hub that becomes a
specialist site...), names each run by its scenario's title, and warns when the runs
differ in assumptions (:mod:`hubplan.outputs.compare_assumptions`), since their
differences are then not the plan's alone. When any run routed its transport, each area
also has the transport plan's rows (vehicles, vehicle-km and -hours per day, ride times,
ride over direct drive, CO2e and cost per year), a run not routed shows ``not routed``
in them, and each run's line gives its transport status.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from hubplan.errors import input_error
from hubplan.files.atomic import atomic_directory
from hubplan.outputs.compare_assumptions import assumption_warnings
from hubplan.outputs.escape import PLAIN_TEXT, csv_text, markdown_cell, markdown_text, plot_text
from hubplan.outputs.report import REPORT_CSS
from hubplan.outputs.report.figures import gap_text
from hubplan.outputs.report.method import PLAN_STATUS
from hubplan.outputs.runfolder import MEASURES, TRANSPORT_MEASURES, RunSummary, read_run
from hubplan.record.manifest import Manifest

__all__ = ["COMPARISON_FILES", "COMPARISON_KIND", "MEASURES", "ComparisonTable", "RunSummary", "compare", "read_run"]

log = logging.getLogger(__name__)

COMPARISON_KIND = "comparison"
"""The kind recorded in a comparison folder's marker: only a comparison replaces it."""

COMPARISON_FILES = ("comparison.csv", "comparison.md", "comparison.html")
"""Every file :meth:`ComparisonTable.write` writes."""

_COUNT_MEASURES = {"isolated.rural", "isolated.urban"}
_SHARE_MEASURES = {"share_within.30", "share_within.45"}
_WHOLE_MEASURES = {"sites_open", "sites_closed", "buildings_kept", "annual_building_cost", "annual_travel_km"}

GROUP_KINDS = (("tier", "Tier"), ("segment", "Group"))
"""Breakdowns of ``metrics.json`` (``overall.groups``) that the comparison has rows for."""

GROUP_MEASURES: tuple[tuple[str, str], ...] = (
    ("attendees", "attendees"),
    ("mean_minutes", "mean journey (min)"),
    ("p90_minutes", "90th percentile journey (min)"),
    ("share_within.45", "share within 45 min"),
    ("isolated.total", "isolated attendees"),
    ("within_reach", "share within reach"),
)
"""``(key in a group block, label)`` of each per-tier and per-segment row."""

TRANSPORT_PREFIX = "transport"
"""First part of a transport row's measure (``transport/vehicles``)."""
NOT_ROUTED = "not routed"
"""What a transport cell of a run without a routed transport plan shows."""
_TRANSPORT_WHOLE = {"passengers", "vehicles", "vehicle_km_day", "cost_gbp_year", "exception_passengers"}
_TRANSPORT_RATIOS = {"ride_over_direct"}

_GROUP_COUNTS = {"attendees", "isolated.total"}
_GROUP_SHARES = {"share_within.45", "within_reach"}
GROUP_SEPARATOR = "/"
"""Separates the parts of a group row's measure (``tier/hub/mean_minutes``): names may hold dots."""


def _get(block: dict[str, Any], key: str) -> float | None:
    value: Any = block
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if value is None or isinstance(value, (str, bool)) else float(value)


def _suppressed(block: dict[str, Any], key: str) -> bool:
    return key in (block.get("suppressed") or [])


def _is_transport(measure: str) -> bool:
    return measure.startswith(TRANSPORT_PREFIX + GROUP_SEPARATOR)


def _kind_of(measure: str) -> str:
    """How a measure's cells are formatted: ``share``, ``whole``, ``ratio`` (2 decimals) or ``decimal``.

    Examples
    --------
    >>> _kind_of("share_within.30"), _kind_of("tier/hub/attendees"), _kind_of("mean_minutes")
    ('share', 'whole', 'decimal')
    >>> _kind_of("transport/vehicles"), _kind_of("transport/ride_over_direct"), _kind_of("transport/ride_mean_minutes")
    ('whole', 'ratio', 'decimal')
    """
    field_name = measure.split(GROUP_SEPARATOR)[-1] if GROUP_SEPARATOR in measure else None
    if _is_transport(measure):
        return "whole" if field_name in _TRANSPORT_WHOLE else "ratio" if field_name in _TRANSPORT_RATIOS \
            else "decimal"
    if measure in _SHARE_MEASURES or field_name in _GROUP_SHARES:
        return "share"
    if measure in _WHOLE_MEASURES or measure in _COUNT_MEASURES or field_name in _GROUP_COUNTS:
        return "whole"
    return "decimal"


@dataclass(frozen=True)
class ComparisonTable:
    """Runs side by side, with differences from a baseline.

    Attributes
    ----------
    runs
        Run names, in the order given.
    baseline
        The name differences are taken from.
    table
        Long table: ``area``, ``measure`` (key), ``label``, one column per run, and one
        ``"<run> - <baseline>"`` column per other run. Missing or suppressed values are NaN.
        Rows per tier and per segment have the area ``Overall`` and the measure
        ``<tier|segment>/<name>/<key>``.
    suppressed
        ``{(area, measure, run)}`` cells hidden by small-number suppression.
    site_changes
        ``{run: {"opened": [...], "closed": [...], "retiered": [...]}}``: sites open in the
        run and not in the baseline, the other way round (by name), and sites open in both
        whose tier changes (``"name: from X to Y"``).
    status
        ``{run: the plan's status in words and its gap}``.
    thresholds
        ``{run: suppression threshold or None}``.
    titles
        ``{run: the scenario's title}``.
    warnings
        Sentences naming the assumptions in which a run differs from the baseline.
    transport
        ``{run: the transport plan's status line, or None when not routed}``; the table has
        rows ``transport/<key>`` (:data:`~hubplan.outputs.runfolder.TRANSPORT_MEASURES`) per
        area when any run was routed, and a run without transport shows ``not routed`` in them.
    """

    runs: tuple[str, ...]
    baseline: str
    table: pd.DataFrame
    suppressed: frozenset[tuple[str, str, str]] = field(default_factory=frozenset)
    site_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, int | None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    transport: dict[str, str | None] = field(default_factory=dict)

    def value(self, area: str, measure: str, column: str) -> float:
        """Return one cell (NaN when missing or suppressed)."""
        row = self.table[(self.table["area"] == area) & (self.table["measure"] == measure)]
        return float(row[column].iloc[0])

    def _cell(self, area: str, measure: str, column: str, value: float) -> str:
        if column in self.runs and (area, measure, column) in self.suppressed:
            return f"<{self.thresholds.get(column)}"
        if column in self.runs and _is_transport(measure) and self.transport.get(column) is None:
            return NOT_ROUTED
        if pd.isna(value):
            return "n/a"
        sign = "+" if column not in self.runs and value > 0 else ""
        kind = _kind_of(measure)
        if kind == "share":
            return f"{sign}{100 * value:.1f}{' pts' if column not in self.runs else '%'}"
        if kind == "whole":
            return f"{sign}{math.floor(value + 0.5):,}"  # half up, as the differences are taken
        return f"{sign}{value:,.{ {'ratio': 2}.get(kind, 1)}f}"

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        """Return the header and formatted rows shared by Markdown and HTML."""
        value_columns = [c for c in self.table.columns if c not in {"area", "measure", "label"}]
        header = ["Area", "Measure", *value_columns]
        rows = [
            [r["area"], r["label"], *[self._cell(r["area"], r["measure"], c, self._shown(r, c)) for c in value_columns]]
            for _, r in self.table.iterrows()
        ]
        return header, rows

    def _shown(self, row: pd.Series, column: str) -> float:
        """The value a cell shows: a difference of whole numbers is the difference of the numbers shown.

        So a count shown as 9 in the baseline and 15 in a run differs by +6, never +7 (the
        difference of the unrounded values, rounded).
        """
        value = row[column]
        if column in self.runs or _kind_of(str(row["measure"])) != "whole" or pd.isna(value):
            return float(value)
        run = column.removesuffix(f" - {self.baseline}")
        if run not in self.runs or pd.isna(row[run]) or pd.isna(row[self.baseline]):
            return float(value)
        return float(math.floor(float(row[run]) + 0.5) - math.floor(float(row[self.baseline]) + 0.5))

    def _change_lines(self) -> list[str]:
        """Plain-text sentences: what each run opens, closes and re-tiers against the baseline."""
        lines = []
        for run, change in self.site_changes.items():
            who = f"{self.titles.get(run, run)} ({run}) against {self.titles.get(self.baseline, self.baseline)}"
            lines.append(f"{who}: opens {', '.join(change['opened']) or 'none'}; "
                         f"closes {', '.join(change['closed']) or 'none'}; "
                         f"changes tier: {'; '.join(change.get('retiered', [])) or 'none'}.")
        return lines

    def _run_lines(self) -> list[str]:
        routed = any(status is not None for status in self.transport.values())
        return [f"{self.titles.get(r, r)} ({r}): {self.status.get(r, 'n/a')}"
                + (f"; transport: {self.transport.get(r) or NOT_ROUTED}" if routed else "") for r in self.runs]

    def to_markdown(self) -> str:
        """Render the warnings, runs, table and site changes as Markdown (also what the terminal prints)."""
        header, rows = self.display_rows()
        md = markdown_text
        lines = []
        if self.warnings:
            lines += ["**Warning: these runs differ in their assumptions, so their differences are not "
                      "the plan's alone.**", "", *[f"- {md(w)}" for w in self.warnings], ""]
        lines += [f"Baseline: {md(self.titles.get(self.baseline, self.baseline))} ({md(self.baseline)})", ""]
        lines += [f"- {md(line)}" for line in self._run_lines()]
        lines.append("")
        lines.append("| " + " | ".join(markdown_cell(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
        for line in self._change_lines():
            lines += ["", md(line)]
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """Render the long table as CSV (NaN as empty).

        Text cells and column names (run names, locality keys) that a spreadsheet would
        run as a formula get a leading ``'`` (:func:`~hubplan.outputs.escape.csv_text`);
        numbers, negative ones included, are written as numbers.
        """
        table = self.table.rename(columns=csv_text)
        text = table.select_dtypes(include=["object", "string"]).columns
        table[text] = table[text].map(csv_text)
        csv: str = table.to_csv(index=False, float_format="%.6g", lineterminator="\n")
        return csv

    def chart_png(self) -> bytes:
        """Draw overall journey figures per run as a grouped bar chart (PNG bytes)."""
        overall = self.table[self.table["area"] == "Overall"].set_index("measure")
        keys = ["mean_minutes", "p90_minutes", "max_minutes"]
        fig = Figure(figsize=(7.0, 3.6))
        ax = fig.subplots()
        width = 0.8 / max(len(self.runs), 1)
        for i, run in enumerate(self.runs):
            values = [overall.at[k, run] if k in overall.index else float("nan") for k in keys]
            ax.bar([j + i * width for j in range(len(keys))], values, width=width, label=plot_text(run))
        ax.set_xticks([j + width * (len(self.runs) - 1) / 2 for j in range(len(keys))])
        ax.set_xticklabels(["Mean", "90th percentile", "Longest"])
        ax.set_ylabel("Journey minutes")
        for label in ax.legend(fontsize=8).get_texts():
            label.set(**PLAIN_TEXT)  # no TeX; plot_text escaped any "$" of a run name
        ax.set_title("Journey times, whole area")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
        return buffer.getvalue()

    def to_html(self) -> str:
        """Render a self-contained HTML page: warnings, runs, the table and an embedded PNG chart."""
        header, rows = self.display_rows()
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        chart = base64.b64encode(self.chart_png()).decode("ascii")
        warning = "" if not self.warnings else (
            '<div class="warning" role="note"><p><strong>Warning: these runs differ in their assumptions, so '
            "their differences are not the plan's alone.</strong></p><ul>"
            + "".join(f"<li>{esc(w)}</li>" for w in self.warnings) + "</ul></div>\n")
        status = "".join(f"<li>{esc(line)}</li>" for line in self._run_lines())
        changes = "".join(f"<p>{esc(line)}</p>" for line in self._change_lines())
        baseline = f"{self.titles.get(self.baseline, self.baseline)} ({self.baseline})"
        return (
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Comparison: {esc(', '.join(self.runs))}</title>\n"
            f"<style>{REPORT_CSS}{_COMPARE_CSS}</style>\n</head>\n<body>\n"
            f"<h1>Scenario comparison</h1>\n{warning}<p>Baseline: {esc(baseline)}</p>\n"
            f"<ul>{status}</ul>\n"
            f"<img alt=\"Journey times by run\" src=\"data:image/png;base64,{chart}\">\n"
            f"<div class=\"table-scroll\"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>\n"
            f"{changes}\n</body>\n</html>\n"
        )

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``comparison.csv``, ``comparison.md`` and ``comparison.html`` atomically."""
        with atomic_directory(Path(out_dir), kind=COMPARISON_KIND, legacy_files=COMPARISON_FILES) as tmp:
            (tmp / "comparison.csv").write_text(self.to_csv(), encoding="utf-8")
            (tmp / "comparison.md").write_text(self.to_markdown(), encoding="utf-8")
            (tmp / "comparison.html").write_text(self.to_html(), encoding="utf-8")
        return [Path(out_dir) / n for n in COMPARISON_FILES]


_COMPARE_CSS = """
.warning{border-left:6px solid #b35806;background:#fff4e5;padding:.4em 1em;margin:1em 0}
td:nth-child(2){text-align:left;white-space:normal;min-width:14em}
td:first-child,th:first-child{min-width:6em}
@media (max-width:600px){td:nth-child(2){min-width:10em}}
"""


def _status_text(manifest: Manifest) -> str:
    solver = manifest.solver
    words = PLAN_STATUS.get(solver.status, solver.status)
    return words if solver.status == "evaluated" else f"{words}, gap {gap_text(solver.gap)}"


def _read_folder(path: Path) -> RunSummary:
    path = Path(path)
    if path.is_dir():
        return read_run(path)
    raise input_error(path, "SCENARIO_OR_RUN_DIR", "neither a run folder nor a scenario .toml file",
                      "give a folder written by `hubplan run` or an existing scenario .toml")


def _measure_rows(runs: Sequence[RunSummary], hidden: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The rows of every locality measure, then of every tier and segment of the whole area."""
    routed = [run.transport for run in runs if run.transport is not None]
    areas = ["Overall", *sorted({a for r in runs for a in (r.metrics.get("localities") or {})}
                                | {a for t in routed for a in (t.get("localities") or {})})]
    records = []
    for area in areas:
        for key, label in MEASURES:
            row: dict[str, Any] = {"area": area, "measure": key, "label": label}
            for run in runs:
                block = (run.metrics.get("overall") if area == "Overall"
                         else (run.metrics.get("localities") or {}).get(area)) or {}
                value = _get(block, key)
                if key in _COUNT_MEASURES and _suppressed(block, key):
                    hidden.add((area, key, run.name))
                row[run.name] = float("nan") if value is None else value
            records.append(row)
        if routed:
            records += _transport_rows(runs, area, hidden)
    return records + _group_rows(runs, hidden)


def _transport_rows(runs: Sequence[RunSummary], area: str, hidden: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One row per transport measure of ``area`` (``Overall`` or a locality); NaN for a run not routed."""
    records = []
    for key, label in TRANSPORT_MEASURES:
        measure = GROUP_SEPARATOR.join((TRANSPORT_PREFIX, key))
        row: dict[str, Any] = {"area": area, "measure": measure, "label": label}
        for run in runs:
            transport = run.transport or {}
            block = (transport.get("overall") if area == "Overall"
                     else (transport.get("localities") or {}).get(area)) or {}
            value = _get(block, key)
            if _suppressed(block, key):
                hidden.add((area, measure, run.name))
            row[run.name] = float("nan") if value is None else value
        records.append(row)
    return records


def _group_rows(runs: Sequence[RunSummary], hidden: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
    records = []
    for kind, _ in GROUP_KINDS:
        blocks = {run.name: ((run.metrics.get("overall") or {}).get("groups") or {}).get(kind) or {} for run in runs}
        names = list(dict.fromkeys(name for run in runs for name in blocks[run.name]))
        for name in names:
            label = next(str(b[name].get("label") or name) for b in blocks.values() if name in b)
            for key, what in GROUP_MEASURES:
                measure = GROUP_SEPARATOR.join((kind, name, key))
                row: dict[str, Any] = {"area": "Overall", "measure": measure, "label": f"{label}: {what}"}
                for run in runs:
                    block = blocks[run.name].get(name) or {}
                    value = _get(block, key)
                    if key in _GROUP_COUNTS and _suppressed(block, key):
                        hidden.add(("Overall", measure, run.name))
                    row[run.name] = float("nan") if value is None else value
                if any(pd.notna(row[run.name]) or ("Overall", measure, run.name) in hidden for run in runs):
                    records.append(row)
    return records


def _site_changes(base_run: RunSummary, run: RunSummary) -> dict[str, list[str]]:
    base_open = {s for s, st in base_run.site_status.items() if st == "open"}
    run_open = {s for s, st in run.site_status.items() if st == "open"}
    site_name = {**base_run.site_names, **run.site_names}
    retiered = []
    for site in sorted(base_open & run_open, key=lambda s: site_name[s]):
        before, after = base_run.site_roles.get(site), run.site_roles.get(site)
        if before is not None and after is not None and (before.kind, before.tier) != (after.kind, after.tier):
            retiered.append(f"{site_name[site]} from {before.label or before.tier} to {after.label or after.tier}")
    return {
        "opened": sorted(site_name[s] for s in run_open - base_open),
        "closed": sorted(site_name[s] for s in base_open - run_open),
        "retiered": retiered,
    }


def compare(
    paths: Sequence[Path],
    *,
    baseline: str | None = None,
    out_dir: Path | None = None,
) -> ComparisonTable:
    """Compare run folders side by side.

    Parameters
    ----------
    paths
        Run folders written by ``hubplan run`` (:func:`hubplan.outputs.write_run`).
    baseline
        The run name differences are taken from (default: the first).
    out_dir
        If given, write ``comparison.csv``, ``.md`` and ``.html`` there.

    Returns
    -------
    ComparisonTable

    Raises
    ------
    InputError
        No paths, a path that is not a run folder, duplicate run
        names, or a baseline that is not among the runs.
    """
    if not paths:
        raise input_error(None, "SCENARIO_OR_RUN_DIR", "no runs given", "name at least one run folder")
    runs = [_read_folder(Path(p)) for p in paths]
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise input_error(None, "SCENARIO_OR_RUN_DIR", f"run names repeat: {names}",
                          "compare runs with different names")
    base = baseline if baseline is not None else names[0]
    if base not in names:
        raise input_error(None, "--baseline", f"{base!r} is not one of {names}",
                          "give the name of one of the compared runs")
    hidden: set[tuple[str, str, str]] = set()
    table = pd.DataFrame(_measure_rows(runs, hidden))
    for name in names:
        if name != base:
            table[f"{name} - {base}"] = table[name] - table[base]
    base_run = runs[names.index(base)]
    others = [run for run in runs if run.name != base]
    result = ComparisonTable(
        runs=tuple(names), baseline=base, table=table, suppressed=frozenset(hidden),
        site_changes={run.name: _site_changes(base_run, run) for run in others},
        status={r.name: _status_text(r.manifest) for r in runs},
        thresholds={r.name: r.metrics.get("suppress_below") for r in runs},
        titles={r.name: r.title or r.name for r in runs},
        warnings=tuple(w for run in others for w in assumption_warnings(base_run, run)),
        transport={r.name: None if r.transport is None else str(r.transport.get("status") or "routed")
                   for r in runs},
    )
    if out_dir is not None:
        result.write(Path(out_dir))
    return result
