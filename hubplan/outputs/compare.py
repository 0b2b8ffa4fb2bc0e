"""Compare runs side by side: the table a cabinet paper needs, with differences from a baseline.

A run is read from its folder (``metrics.json``, ``sites.geojson``, ``manifest.json``);
``hubplan compare`` runs scenario ``.toml`` arguments first and passes their folders
here. Counts already suppressed in a run's
``metrics.json`` stay suppressed here (shown as ``<N``; their differences are ``n/a``).
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from hubplan.errors import InputError, input_error
from hubplan.files.atomic import atomic_directory
from hubplan.outputs.escape import PLAIN_TEXT, csv_text, markdown_cell, markdown_text, plot_text
from hubplan.outputs.report import REPORT_CSS
from hubplan.record.manifest import Manifest, read_manifest

__all__ = ["MEASURES", "ComparisonTable", "RunSummary", "compare", "read_run"]

log = logging.getLogger(__name__)

MEASURES: tuple[tuple[str, str], ...] = (
    ("sites_open", "Sites open"),
    ("sites_closed", "Sites closed"),
    ("buildings_kept", "Existing buildings kept"),
    ("mean_minutes", "Mean journey (min)"),
    ("p90_minutes", "90th percentile journey (min)"),
    ("max_minutes", "Longest journey (min)"),
    ("share_within.30", "Share within 30 min"),
    ("share_within.45", "Share within 45 min"),
    ("isolated.rural", "Isolated attendees, rural"),
    ("isolated.urban", "Isolated attendees, urban"),
    ("annual_building_cost", "Annual building cost (£)"),
    ("annual_travel_km", "Annual travel (km)"),
    ("annual_co2e_tonnes", "Annual CO2e (t)"),
)
"""``(metrics key, label)`` of each compared measure; dotted keys reach into sub-dicts."""

_COUNT_MEASURES = {"isolated.rural", "isolated.urban"}
_SHARE_MEASURES = {"share_within.30", "share_within.45"}


@dataclass(frozen=True)
class RunSummary:
    """What a comparison needs from one written run."""

    name: str
    folder: Path
    metrics: dict[str, Any]
    manifest: Manifest
    site_status: dict[str, str]
    site_names: dict[str, str]


def read_run(folder: Path) -> RunSummary:
    """Read a run folder written by :func:`~hubplan.outputs.writer.write_run`.

    Raises
    ------
    InputError
        The folder lacks ``metrics.json``, ``manifest.json`` or ``sites.geojson``, one of
        them is not a regular file of UTF-8 JSON holding an object, a site feature has no
        ``site_id``, or a compared measure is not a number.
    """
    folder = Path(folder)
    loaded = {name: _json_object(folder / name) for name in ("metrics.json", "manifest.json", "sites.geojson")}
    _check_metrics(folder / "metrics.json", loaded["metrics.json"])
    _check_manifest(folder / "manifest.json", loaded["manifest.json"])
    props = _site_properties(folder / "sites.geojson", loaded["sites.geojson"])
    return RunSummary(
        name=folder.name,
        folder=folder,
        metrics=loaded["metrics.json"],
        manifest=read_manifest(loaded["manifest.json"], folder / "manifest.json"),
        site_status={p["site_id"]: p.get("status", "") for p in props},
        site_names={p["site_id"]: str(p.get("name") or p["site_id"]) for p in props},
    )


_RUN_AGAIN = "write the run again with `hubplan run` (or give its scenario .toml file)"


def _damaged(path: Path, field: str, problem: str) -> InputError:
    return input_error(path, field, problem, _RUN_AGAIN)


def _json_object(path: Path) -> dict[str, Any]:
    """A run file's JSON object, or a one-line error naming the file."""
    if not path.is_file():
        if not path.exists() and not path.is_symlink():
            raise input_error(path, "RUN_DIR", "missing",
                              "give a folder written by `hubplan run`, or a scenario .toml file")
        raise _damaged(path, "RUN_DIR", "not a regular file")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise _damaged(path, "RUN_DIR", f"cannot be read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise _damaged(path, "RUN_DIR", "not UTF-8 text") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _damaged(path, "RUN_DIR", f"not valid JSON ({err.msg}, line {err.lineno})") from err
    except RecursionError as err:
        raise _damaged(path, "RUN_DIR", "not valid JSON (nested too deeply)") from err
    if not isinstance(data, dict):
        raise _damaged(path, "RUN_DIR", f"holds {_json_type(data)}, not a JSON object")
    return data


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value, for messages.

    Examples
    --------
    >>> _json_type([1]), _json_type(None), _json_type("x"), _json_type(True), _json_type(2.5)
    ('an array', 'null', 'a string', 'a boolean', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _object_or_null(path: Path, field: str, value: Any) -> dict[str, Any]:
    """``value`` if it is an object, ``{}`` if null or absent; else an error naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _damaged(path, field, f"holds {_json_type(value)}, not an object")
    return value


def _check_metrics(path: Path, metrics: dict[str, Any]) -> None:
    """Every compared measure is a number or null, in blocks that are objects."""
    blocks = {"overall": _object_or_null(path, "overall", metrics.get("overall"))}
    localities = _object_or_null(path, "localities", metrics.get("localities"))
    for area, block in localities.items():
        blocks[f"localities.{area}"] = _object_or_null(path, f"localities.{area}", block)
    for where, block in blocks.items():
        suppressed = block.get("suppressed")
        if suppressed is not None and not isinstance(suppressed, list):
            raise _damaged(path, f"{where}.suppressed", f"holds {_json_type(suppressed)}, not an array")
        for key, _ in MEASURES:
            value: Any = block
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise _damaged(path, f"{where}.{key}", f"holds {_json_type(value)}, not a number")


def _check_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """The solver block the status line reads is an object with a numeric gap (or none)."""
    solver = _object_or_null(path, "solver", manifest.get("solver"))
    gap = solver.get("gap")
    if gap is not None and (isinstance(gap, bool) or not isinstance(gap, (int, float))):
        raise _damaged(path, "solver.gap", f"holds {_json_type(gap)}, not a number")


def _site_properties(path: Path, layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of each site feature, each with a non-empty string ``site_id``."""
    features = layer.get("features")
    if not isinstance(features, list):
        raise _damaged(path, "features", f"holds {_json_type(features)}, not an array of features")
    props = []
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise _damaged(path, f"features.{index}.properties", "not an object")
        site_id = properties.get("site_id")
        if not isinstance(site_id, str) or not site_id:
            raise _damaged(path, f"features.{index}.properties.site_id",
                           "missing" if site_id is None else f"holds {_json_type(site_id)}, not a site ID")
        props.append(properties)
    return props


def _get(block: dict[str, Any], key: str) -> float | None:
    value: Any = block
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if value is None else float(value)


def _suppressed(block: dict[str, Any], key: str) -> bool:
    return key in (block.get("suppressed") or [])


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
    suppressed
        ``{(area, measure, run)}`` cells hidden by small-number suppression.
    site_changes
        ``{run: {"opened": [...], "closed": [...]}}``: sites open in the run and not in
        the baseline, and the other way round (by name).
    status
        ``{run: solver status and gap text}``.
    thresholds
        ``{run: suppression threshold or None}``.
    """

    runs: tuple[str, ...]
    baseline: str
    table: pd.DataFrame
    suppressed: frozenset[tuple[str, str, str]] = field(default_factory=frozenset)
    site_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, int | None] = field(default_factory=dict)

    def value(self, area: str, measure: str, column: str) -> float:
        """Return one cell (NaN when missing or suppressed)."""
        row = self.table[(self.table["area"] == area) & (self.table["measure"] == measure)]
        return float(row[column].iloc[0])

    def _cell(self, area: str, measure: str, column: str, value: float) -> str:
        if column in self.runs and (area, measure, column) in self.suppressed:
            return f"<{self.thresholds.get(column)}"
        if pd.isna(value):
            return "n/a"
        sign = "+" if column not in self.runs and value > 0 else ""
        if measure in _SHARE_MEASURES:
            return f"{sign}{100 * value:.1f}{' pts' if column not in self.runs else '%'}"
        decimals = 0 if measure in {"sites_open", "sites_closed", "buildings_kept",
                                    "annual_building_cost", "annual_travel_km"} else 1
        return f"{sign}{value:,.{decimals}f}"

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        """Return the header and formatted rows shared by Markdown and HTML."""
        value_columns = [c for c in self.table.columns if c not in {"area", "measure", "label"}]
        header = ["Area", "Measure", *value_columns]
        rows = [
            [r["area"], r["label"], *[self._cell(r["area"], r["measure"], c, r[c]) for c in value_columns]]
            for _, r in self.table.iterrows()
        ]
        return header, rows

    def to_markdown(self) -> str:
        """Render the table (and site changes) as Markdown."""
        header, rows = self.display_rows()
        md = markdown_text
        lines = [f"Baseline: {md(self.baseline)}", ""]
        lines += [f"- {md(run)}: {md(self.status.get(run, 'n/a'))}" for run in self.runs]
        lines.append("")
        lines.append("| " + " | ".join(markdown_cell(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
        for run, change in self.site_changes.items():
            lines.append("")
            lines.append(f"{md(run)} vs {md(self.baseline)}: opens {md(', '.join(change['opened']) or 'none')}; "
                         f"closes {md(', '.join(change['closed']) or 'none')}.")
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
        return table.to_csv(index=False, float_format="%.6g", lineterminator="\n")

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
        """Render a self-contained HTML page: the table and an embedded PNG chart."""
        header, rows = self.display_rows()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
        )
        chart = base64.b64encode(self.chart_png()).decode("ascii")
        status = "".join(f"<li>{html.escape(r)}: {html.escape(self.status.get(r, 'n/a'))}</li>"
                         for r in self.runs)
        changes = "".join(
            f"<p>{html.escape(run)} vs {html.escape(self.baseline)}: opens "
            f"{html.escape(', '.join(c['opened']) or 'none')}; closes "
            f"{html.escape(', '.join(c['closed']) or 'none')}.</p>"
            for run, c in self.site_changes.items()
        )
        return (
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Comparison: {html.escape(', '.join(self.runs))}</title>\n"
            f"<style>{REPORT_CSS}</style>\n</head>\n<body>\n"
            f"<h1>Scenario comparison</h1>\n<p>Baseline: {html.escape(self.baseline)}</p>\n"
            f"<ul>{status}</ul>\n"
            f"<img alt=\"Journey times by run\" src=\"data:image/png;base64,{chart}\">\n"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n{changes}\n"
            "</body>\n</html>\n"
        )

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``comparison.csv``, ``comparison.md`` and ``comparison.html`` atomically."""
        with atomic_directory(Path(out_dir)) as tmp:
            (tmp / "comparison.csv").write_text(self.to_csv(), encoding="utf-8")
            (tmp / "comparison.md").write_text(self.to_markdown(), encoding="utf-8")
            (tmp / "comparison.html").write_text(self.to_html(), encoding="utf-8")
        return [Path(out_dir) / n for n in ("comparison.csv", "comparison.md", "comparison.html")]


def _status_text(manifest: Manifest) -> str:
    gap = manifest.solver.gap
    gap_text = "gap n/a" if gap is None else f"gap {100 * float(gap):.2f}%"
    return f"solver status {manifest.solver.status}, {gap_text}"


def _read_folder(path: Path) -> RunSummary:
    path = Path(path)
    if path.is_dir():
        return read_run(path)
    raise input_error(path, "SCENARIO_OR_RUN_DIR", "neither a run folder nor a scenario .toml file",
                      "give a folder written by `hubplan run` or an existing scenario .toml")


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
    areas = ["Overall", *sorted({a for r in runs for a in (r.metrics.get("localities") or {})})]
    records, hidden = [], set()
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
    table = pd.DataFrame(records)
    for name in names:
        if name != base:
            table[f"{name} - {base}"] = table[name] - table[base]
    base_run = runs[names.index(base)]
    base_open = {s for s, st in base_run.site_status.items() if st == "open"}
    changes = {}
    for run in runs:
        if run.name == base:
            continue
        run_open = {s for s, st in run.site_status.items() if st == "open"}
        site_name = {**base_run.site_names, **run.site_names}
        changes[run.name] = {
            "opened": sorted(site_name[s] for s in run_open - base_open),
            "closed": sorted(site_name[s] for s in base_open - run_open),
        }
    result = ComparisonTable(
        runs=tuple(names), baseline=base, table=table, suppressed=frozenset(hidden),
        site_changes=changes, status={r.name: _status_text(r.manifest) for r in runs},
        thresholds={r.name: r.metrics.get("suppress_below") for r in runs},
    )
    if out_dir is not None:
        result.write(Path(out_dir))
    return result
