"""The sweep's summary page: one HTML file a commissioner can read without the tables.

Every text that comes from a scenario, a sweep file or the data (titles, site names,
parameters, failure reasons) goes through :func:`hubplan.outputs.escape.html_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from hubplan.outputs.escape import html_text
from hubplan.sweep.results import TRADE_OFFS, group_label
from hubplan.sweep.run import SweepTiming
from hubplan.sweep.spec import SweepSpec

__all__ = ["summary_html"]

#: The most rows of each table on the page (the CSV has them all).
MAX_ROWS = 20

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b;
       line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0 1.5rem; }
.note { color: #555; font-size: 0.9rem; }
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool]) -> str:
    head = "".join(f"<th>{html_text(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{html_text(c)}</td>' if n else f"<td>{html_text(c)}</td>"
                         for c, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value: object, spec: str = ",.1f") -> str:
    return "n/a" if value is None or pd.isna(value) else format(float(value), spec)  # type: ignore[arg-type]


def _axes(spec: SweepSpec) -> str:
    rows = []
    for axis, values in spec.axes.items():
        shown = ", ".join(map(str, values[:12])) + (f", ... ({len(values)} values)" if len(values) > 12 else "")
        rows.append((axis, shown))
    return _table(["varies", "values"], rows, [False, False])


def _robust_sites(shares: pd.DataFrame, names: Mapping[str, str], tiers: Sequence[str]) -> str:
    overall = shares[shares["group"] == "all"].sort_values(["share", "site_id"], ascending=[False, True])
    headers = ["site", "share of plans", *[f"as {tier}" for tier in tiers]] if len(tiers) > 1 else \
        ["site", "share of plans"]
    rows = []
    for row in overall.head(MAX_ROWS).itertuples(index=False):
        cells: list[object] = [names.get(row.site_id, row.site_id), f"{row.share:.0%}"]
        if len(tiers) > 1:
            cells += [f"{getattr(row, f'share_{tier}'):.0%}" for tier in tiers]
        rows.append(cells)
    return _table(headers, rows, [False] + [True] * (len(headers) - 1))


def _front(spec: SweepSpec, table: pd.DataFrame) -> str:
    front = table[table["on_pareto_front"]].sort_values(["sites_open", "mean_minutes", "variant_id"])
    columns = [c for c in TRADE_OFFS if front[c].notna().any()]
    rows = [[row["variant_id"], group_label({axis: row[axis] for axis in spec.axes}) if spec.axes else "base",
             *[_number(row[c], ",.0f" if c != "mean_minutes" else ".1f") for c in columns]]
            for _, row in front.head(MAX_ROWS).iterrows()]
    more = f'<p class="note">{len(front) - MAX_ROWS} more in variants.csv.</p>' if len(front) > MAX_ROWS else ""
    return _table(["variant", "parameters", *[TRADE_OFFS[c] for c in columns]], rows,
                  [False, False] + [True] * len(columns)) + more


def _failures(spec: SweepSpec, table: pd.DataFrame) -> str:
    failed = table[~table["status"].isin(["optimal", "feasible"])]
    if failed.empty:
        return "<p>Every variant has a plan.</p>"
    rows = [[row["variant_id"], group_label({axis: row[axis] for axis in spec.axes}), row["status"], row["reason"]]
            for _, row in failed.head(MAX_ROWS).iterrows()]
    return (f"<p>{len(failed)} variant(s) have no plan; each is a row of variants.csv with its reason.</p>"
            + _table(["variant", "parameters", "status", "reason"], rows, [False] * 4))


def summary_html(spec: SweepSpec, table: pd.DataFrame, shares: pd.DataFrame, names: Mapping[str, str],
                 timing: SweepTiming) -> str:
    """The summary page.

    Parameters
    ----------
    spec
        The sweep.
    table
        :func:`hubplan.sweep.results.results_table`.
    shares
        :func:`hubplan.sweep.results.site_shares`.
    names
        Site ID -> name.
    timing
        How the sweep was run (shown at the foot of the page).
    """
    tiers = list(spec.base.tiers)
    counts = table["status"].value_counts().sort_index()
    status = ", ".join(f"{n} {name}" for name, n in counts.items())
    draws = len(spec.axes.get("demand.seed", ()))
    draw_text = (f"{draws} seeded synthetic cohorts of attendees drawn around the estimate" if draws
                 else "the scenario's own demand")
    title = spec.title
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html_text(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{html_text(title)}</h1>
<p>How robust is the plan of <b>{html_text(spec.base.title or spec.base.name)}</b>? This sweep solved
{len(table)} variants of it exactly ({html_text(status)}), with {html_text(draw_text)}.</p>
{_axes(spec)}
<h2>Which sites are chosen, and how often</h2>
<p>The share of the plans (variants with a plan) that open each site: a site chosen in nearly every
plan is a robust choice; one chosen in some plans only depends on the assumptions.</p>
{_robust_sites(shares, names, tiers)}
<img src="robustness.png" alt="Heat map of the share of plans that open each site, for all variants and per group">
<h2>Trade-offs</h2>
<p>Each point is a variant. The Pareto front holds the variants that no other variant beats on every
one of: {html_text(", ".join(TRADE_OFFS.values()))} (a figure no variant has is left out).</p>
<img src="tradeoffs.png" alt="Trade-off curves of the variants with the Pareto front">
{_front(spec, table)}
<h2>Variants without a plan</h2>
{_failures(spec, table)}
<h2>Files</h2>
<p>variants.csv and variants.parquet (one row per variant, sorted by variant ID), robustness.geojson and
robustness.csv (each site's share of the plans), robustness.png, tradeoffs.png, sweep.json.</p>
<p class="note">Solved by {html_text(timing.scheduler)} with {timing.workers} worker(s) in
{timing.seconds:,.0f} s.</p>
</body></html>
"""
