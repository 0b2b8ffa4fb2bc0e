"""The sweep's summary page: one HTML file a commissioner can read without the tables.

Every text that comes from a scenario, a sweep file or the data (titles, site names,
parameters, failure reasons) goes through :func:`hubplan.outputs.escape.html_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from hubplan.outputs.escape import html_text
from hubplan.sweep.decisions import PLANNED, constant_figures
from hubplan.sweep.results import SITE_SEPARATOR, TIER_SEPARATOR, TRADE_OFFS
from hubplan.sweep.run import SweepTiming
from hubplan.sweep.spec import SEED_AXIS, SweepSpec
from hubplan.sweep.words import axis_label, parameter_words, value_words

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


def _count_words(n: int, one: str, many: str | None = None) -> str:
    """``1 draw``, ``3 draws``.

    Examples
    --------
    >>> _count_words(1, "draw"), _count_words(3, "draw"), _count_words(2, "plan", "different plans")
    ('1 draw', '3 draws', '2 different plans')
    """
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _axes(spec: SweepSpec) -> str:
    rows = []
    for axis, values in spec.axes.items():
        if axis == SEED_AXIS:
            shown = f"{len(values)} seeded cohorts of attendees drawn around the estimate (seeds {values[0]} to " \
                    f"{values[-1]})"
        else:
            words = [value_words(axis, value) for value in values[:12]]
            shown = "; ".join(words) + (f"; ... ({len(values)} values)" if len(values) > 12 else "")
        rows.append((axis_label(axis), shown))
    return _table(["what varies", "values"], rows, [False, False])


def _plan_names(open_sites: str, names: Mapping[str, str]) -> str:
    """A plan's sites by name, with their services when a site hosts more than one tier."""
    parts = []
    for item in open_sites.split(SITE_SEPARATOR) if open_sites else []:
        site, _, tiers = item.rpartition(":")
        name = names.get(site, site)
        hosted = tiers.split(TIER_SEPARATOR)
        parts.append(name if len(hosted) == 1 else f"{name} ({', '.join(t.replace('_', ' ') for t in hosted)})")
    return ", ".join(sorted(parts))


def _decisions(spec: SweepSpec, decisions: pd.DataFrame, names: Mapping[str, str]) -> str:
    """Robustness per decision: the plan chosen most often across the draws, and how often."""
    draws = len(spec.axes.get(SEED_AXIS, ())) or 1
    rows = []
    for _, row in decisions.head(MAX_ROWS).iterrows():
        params = {axis: row[axis] for axis in spec.axes if axis != SEED_AXIS}
        if not row["planned"]:
            rows.append([parameter_words(params), f"none of {draws}", "no plan", "", ""])
            continue
        top = round(float(row["top_plan_share"]) * int(row["planned"]))
        rows.append([parameter_words(params), f"{int(row['planned'])} of {draws}", _plan_names(row["top_plan"], names),
                     f"{top} of {int(row['planned'])} ({row['top_plan_share']:.0%})",
                     _count_words(int(row["plans"]), "plan", "different plans")])
    more = f'<p class="note">{len(decisions) - MAX_ROWS} more in variants.csv.</p>' \
        if len(decisions) > MAX_ROWS else ""
    return _table(["decision", "draws with a plan", "the plan chosen most often", "chosen in", "across the draws"],
                  rows, [False, True, False, True, True]) + more


def _robust_sites(shares: pd.DataFrame, names: Mapping[str, str], tiers: Sequence[str]) -> str:
    overall = shares[shares["group"] == "all"].sort_values(["share", "site_id"], ascending=[False, True])
    words = [tier.replace("_", " ") for tier in tiers]
    headers = ["site", "share of plans", *[f"as {tier}" for tier in words]] if len(tiers) > 1 else \
        ["site", "share of plans"]
    rows = []
    for row in overall.head(MAX_ROWS).itertuples(index=False):
        cells: list[object] = [names.get(row.site_id, row.site_id), f"{row.share:.0%}"]
        if len(tiers) > 1:
            cells += [f"{getattr(row, f'share_{tier}'):.0%}" for tier in tiers]
        rows.append(cells)
    return _table(headers, rows, [False] + [True] * (len(headers) - 1))


def _compared_sentence(spec: SweepSpec, decisions: pd.DataFrame) -> str:
    """How decisions are compared: over which draws, and which are left out."""
    if SEED_AXIS not in spec.axes:
        return "Each decision was planned once, with the scenario's own demand."
    compared = decisions[decisions["compared_draws"] > 0]
    n = int(compared["compared_draws"].max()) if len(compared) else 0
    left = decisions[(decisions["compared_draws"] == 0) & (decisions["planned"] > 0)]
    text = (f"Each decision is judged by its mean over the same {_count_words(n, 'demand draw')}, so that a "
            "lucky cohort of attendees does not make a decision look better than it is.")
    if len(left):
        text += (" Not compared, as they have no plan in some of those draws: "
                 + "; ".join(parameter_words({a: r[a] for a in spec.axes if a != SEED_AXIS})
                             for _, r in left.iterrows()) + ".")
    return text


def _left_out(table: pd.DataFrame) -> str:
    """Sentences for the figures the trade-offs leave out: the same in every variant, or known for none."""
    planned = table[table["status"].isin(PLANNED)]
    sentences = []
    for column, value in constant_figures(table).items():
        if column == "sites_open":
            continue
        shown = _number(value, ",.0f" if column != "mean_minutes" else ".1f")
        if column != "isolated":
            sentences.append(f"The {TRADE_OFFS[column]} is {shown} in every variant, so it gets no chart and does "
                             "not decide between plans.")
            continue
        who = "Nobody travels" if shown == "0" else f"{shown} people travel"
        sentences.append(f"{who} longer than the isolation threshold in any variant, so that figure gets no chart "
                         "and does not decide between plans.")
    for column in TRADE_OFFS:
        if column in planned and not planned[column].notna().any() and len(planned):
            sentences.append(f"No variant has a figure for the {TRADE_OFFS[column]} (no site in this sweep has a "
                             "known one), so it is left out of the comparison.")
    return "".join(f"<p>{html_text(text)}</p>" for text in sentences)


def _front(spec: SweepSpec, table: pd.DataFrame, decisions: pd.DataFrame) -> str:
    front = decisions[decisions["on_pareto_front"]].sort_values(["sites_open", "mean_minutes", "group"])
    flat = set(constant_figures(table)) - {"sites_open"}
    columns = [c for c in TRADE_OFFS if front[c].notna().any() and c not in flat]
    rows = [[parameter_words({axis: row[axis] for axis in spec.axes if axis != SEED_AXIS}),
             *[_number(row[c], ".1f" if c in ("mean_minutes", "isolated") else ",.0f") for c in columns]]
            for _, row in front.head(MAX_ROWS).iterrows()]
    more = f'<p class="note">{len(front) - MAX_ROWS} more in variants.csv.</p>' if len(front) > MAX_ROWS else ""
    mean = " (mean over the draws)" if SEED_AXIS in spec.axes else ""
    return _table(["decision", *[TRADE_OFFS[c] + ("" if c == "sites_open" else mean) for c in columns]], rows,
                  [False] + [True] * len(columns)) + more


def _failures(spec: SweepSpec, table: pd.DataFrame) -> str:
    failed = table[~table["status"].isin(PLANNED)]
    if failed.empty:
        return "<p>Every variant has a plan.</p>"
    rows = []
    for (_, reason), block in failed.groupby(["group", "reason"], sort=False):
        first = block.iloc[0]
        params = {axis: first[axis] for axis in spec.axes if axis != SEED_AXIS}
        draws = _count_words(len(block), "draw") if SEED_AXIS in spec.axes else "its only run"
        rows.append([parameter_words(params), draws, first["status"], reason])
    return (f"<p>{len(failed)} variant(s) have no plan. Each is a row of variants.csv with its reason; here they "
            "are grouped by decision.</p>"
            + _table(["decision", "in", "status", "why"], rows[:MAX_ROWS], [False, True, False, False]))


def summary_html(spec: SweepSpec, table: pd.DataFrame, shares: pd.DataFrame, names: Mapping[str, str],
                 timing: SweepTiming, decisions: pd.DataFrame) -> str:
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
    decisions
        :func:`hubplan.sweep.decisions.decision_table`.
    """
    tiers = list(spec.base.tiers)
    planned = int(table["status"].isin(PLANNED).sum())
    draws = len(spec.axes.get(SEED_AXIS, ()))
    shape = (f"{_count_words(len(decisions), 'decision')} (each setting of what varies), each planned for "
             f"{_count_words(draws, 'demand draw')}" if draws else _count_words(len(decisions), "decision"))
    have = "Every variant has a plan." if planned == len(table) else \
        f"{planned} of the {len(table)} variants have a plan."
    title = spec.title
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html_text(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{html_text(title)}</h1>
<p>How robust is the plan of <b>{html_text(spec.base.title or spec.base.name)}</b>? This sweep solved
{len(table)} variants of it exactly: {html_text(shape)}. {html_text(have)}</p>
{_axes(spec)}
<h2>How robust is each decision</h2>
<p>For each decision, the plan chosen most often across the demand draws, and in how many draws: a plan
chosen in nearly every draw does not depend on who exactly attends.</p>
{_decisions(spec, decisions, names)}
<h2>Which sites are chosen, and how often</h2>
<p>The share of the plans (variants with a plan) that open each site: a site chosen in nearly every
plan is a robust choice; one chosen in some plans only depends on the assumptions.</p>
{_robust_sites(shares, names, tiers)}
<img src="robustness.png" alt="Heat map of the share of plans that open each site, for all variants and per decision">
<h2>Trade-offs</h2>
<p>{html_text(_compared_sentence(spec, decisions))} The Pareto front holds the decisions that no other
decision beats on every one of: {html_text(", ".join(TRADE_OFFS.values()))}.</p>
{_left_out(table)}
<img src="tradeoffs.png" alt="Trade-off charts of the decisions (means over the draws) and of each draw">
{_front(spec, table, decisions)}
<h2>Variants without a plan</h2>
{_failures(spec, table)}
<h2>Files</h2>
<p>variants.csv and variants.parquet (one row per variant, sorted by variant ID), decisions.csv (one row
per decision: mean figures over the compared draws, the plan chosen most often), robustness.geojson and
robustness.csv (each site's share of the plans), robustness.png, tradeoffs.png, sweep.json.</p>
<p class="note">Solved by {html_text(timing.scheduler)} with {timing.workers} worker(s) in
{timing.seconds:,.0f} s.</p>
</body></html>
"""
