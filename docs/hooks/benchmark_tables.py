"""MkDocs hook: benchmark tables built from the benchmark scripts' JSON results.

A page holds a marker such as ``<!-- benchmark-table: orlib -->``; when the site is
built, the marker is replaced by a Markdown table made from
``benchmarks/results/orlib.json`` (written by ``benchmarks/orlib.py --json``), headed by
the machine, date and command recorded in that file. No figure is typed into a page by
hand, so the tables always show the committed results.

A marker naming no known table, or a results file that is missing or unreadable, stops
the build (``mkdocs build --strict`` fails), so a broken table never reaches the site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from statistics import mean, median
from typing import Any

from mkdocs.exceptions import PluginError

#: ``<!-- benchmark-table: NAME -->``; NAME is the results file's stem in ``benchmarks/results``.
MARKER = re.compile(r"<!--\s*benchmark-table:\s*(?P<name>[\w-]+)\s*-->")

#: Where the results live, relative to the folder of ``mkdocs.yml``.
RESULTS_DIR = Path("benchmarks") / "results"

#: Cordeau's instance names: ``a<vehicles>-<requests>``.
_DARP_NAME = re.compile(r"^a(?P<vehicles>\d+)-(?P<requests>\d+)$")


def _number(value: float | None, decimals: int = 2) -> str:
    """``value`` with ``decimals`` places, thousands separated; an empty cell for ``None``."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def _row(cells: Sequence[object]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str) -> list[str]:
    """A Markdown table; ``align`` holds one ``l`` or ``r`` per column."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return [_row(header), _row(rule), *(_row(r) for r in rows)]


def recorded_line(record: Mapping[str, Any] | None) -> str:
    """One sentence saying when, where and how the results were recorded.

    Parameters
    ----------
    record : mapping or None
        The ``recorded`` block of a results file (see ``hubplan.versions.machine_record``).

    Returns
    -------
    str
        A Markdown paragraph, then the command as a code block; says so when the file records
        nothing.
    """
    if not record:
        return "*The results file does not record its machine or date.*"
    parts = []
    if record.get("recorded_utc"):
        parts.append(f"Recorded {record['recorded_utc'].replace('T', ' ').replace('+00:00', ' UTC')}")
    machine = ", ".join(
        str(x) for x in (record.get("machine"), record.get("processor")) if x and x != "unknown"
    )
    if record.get("cpus"):
        machine += f", {record['cpus']} CPUs"
    if machine:
        parts.append(f"on {machine}")
    load = record.get("load_average")
    if load:
        parts.append("load average " + " / ".join(f"{x:.2f}" for x in load) + " (1, 5, 15 min) when it ended")
    versions = ", ".join(f"{k} {record[k]}" for k in ("hubplan", "python") if record.get(k))
    if versions:
        parts.append(versions)
    line = "*" + "; ".join(parts) + ".*"
    if record.get("command"):
        line += f" Command:\n\n```sh\npython {record['command']}\n```"
    return line


def orlib_table(data: Mapping[str, Any]) -> str:
    """The OR-Library table from ``benchmarks/orlib.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"recorded": {...}, "wall_s": float, "results": [row, ...]}``.

    Returns
    -------
    str
        The recorded line, a summary sentence and one table row per instance.
    """
    rows = data["results"]
    body = []
    for r in rows:
        gap = "" if r.get("gap") is None else f"{r['gap']:.1e}"
        body.append([
            r["instance"], r["n"], "" if r.get("p") is None else r["p"], _number(r["objective"], 3),
            _number(r["published"], 3), r["status"], r["engine"], gap, f"{r['total_s']:.2f}",
            "yes" if r["match"] else "**no**",
        ])
    matched = sum(1 for r in rows if r["match"])
    pmed = [r for r in rows if str(r["instance"]).startswith("pmed")]
    summary = (f"**{matched} of {len(rows)} instances proven optimal at the published optimum.**")
    if pmed:
        slowest = max(pmed, key=lambda r: r["total_s"])
        summary += (f" The {len(pmed)} pmed instances took {sum(r['total_s'] for r in pmed):.1f} s in total;"
                    f" the slowest was {slowest['instance']} ({slowest['total_s']:.1f} s).")
    header = ["instance", "clients", "p", "objective", "published optimum", "status", "engine",
              "gap", "seconds", "matches"]
    table = _table(header, body, "lrrrrlllrl")
    return "\n".join([recorded_line(data.get("recorded")), "", summary, "", *table])


def darp_table(data: Mapping[str, Any]) -> str:
    """The dial-a-ride table from ``benchmarks/darp.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{instance: {"cost", "feasible", "optimum", "gap_percent", "seconds", "routes"}, ...,
        "recorded": {...}}``.

    Returns
    -------
    str
        The recorded line, a summary sentence and one table row per instance.
    """
    names = [k for k in data if k != "recorded"]
    body = []
    for name in names:
        r = data[name]
        shape = _DARP_NAME.match(name)
        vehicles, requests = (shape["vehicles"], shape["requests"]) if shape else ("", "")
        gap = r.get("gap_percent")
        body.append([
            name, vehicles, requests, _number(r.get("optimum")), _number(r["cost"]),
            "" if gap is None else f"{gap:.2f}%", "yes" if r["feasible"] else "**no**",
            "" if r.get("seconds") is None else f"{r['seconds']:.1f}",
        ])
    gaps = [data[n]["gap_percent"] for n in names if data[n].get("gap_percent") is not None]
    feasible = sum(1 for n in names if data[n]["feasible"])
    summary = f"**{feasible} of {len(names)} solutions feasible** (checked by the independent checker)"
    if gaps:
        summary += f"; mean gap to the proven optima {mean(gaps):.2f}%, largest {max(gaps):.2f}%"
    summary += ". Costs are the best found in the time limit, never claimed optimal."
    header = ["instance", "vehicles", "requests", "proven optimum", "hubplan cost", "gap", "feasible", "seconds"]
    table = _table(header, body, "lrrrrrlr")
    return "\n".join([recorded_line(data.get("recorded")), "", summary, "", *table])


def spopt_table(data: Mapping[str, Any]) -> str:
    """The hubplan-against-spopt table from ``benchmarks/spopt_pmedian.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"recorded": {...}, "results": [row, ...]}``.

    Returns
    -------
    str
        The recorded line, a summary sentence and one table row per instance.
    """
    rows = data["results"]
    body = [[
        r["instance"], _number(r["published"]), _number(r["hubplan_objective"]), r["hubplan_status"],
        r["hubplan_engine"], f"{r['hubplan_s']:.2f}", _number(r.get("spopt_objective")), r["spopt_result"],
        f"{r['spopt_s']:.1f}", "" if r.get("ratio") is None else f"{r['ratio']:.0f}x",
    ] for r in rows]
    proven = sum(1 for r in rows if r["hubplan_status"] == "optimal")
    spopt_proven = sum(1 for r in rows if r["spopt_result"] == "optimal")
    summary = (f"**hubplan proved {proven} of {len(rows)} instances optimal; spopt proved {spopt_proven}"
               " within its limit.**")
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    if ratios:
        summary += (f" Where both proved optimality, hubplan was {min(ratios):.0f}x to {max(ratios):.0f}x faster"
                    f" (median {median(ratios):.0f}x).")
    header = ["instance", "optimum", "hubplan", "hubplan status", "engine", "hubplan s", "spopt",
              "spopt result", "spopt s", "ratio"]
    table = _table(header, body, "lrrllrrlrr")
    return "\n".join([recorded_line(data.get("recorded")), "", summary, "", *table])


def travel_matrix_table(data: Mapping[str, Any]) -> str:
    """The travel-matrix table from ``benchmarks/travel_matrix.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"nodes", "edges", "origins", "sites", "seed", "max_abs_diff_s", "rows": [...], "recorded"}``.

    Returns
    -------
    str
        The recorded line, the network and matrix sizes and one table row per step.
    """
    body = [[r["step"], f"{r['seconds']:.3f}", "" if r.get("ratio") is None else f"{r['ratio']:,.1f}x",
             r.get("note", "")] for r in data["rows"]]
    summary = (f"Network: {data['nodes']:,} nodes and {data['edges']:,} edges; {data['origins']:,} origins x "
               f"{data['sites']:,} sites, seed {data['seed']}. Largest difference from networkx on the "
               f"sampled origins (node to node): {data['max_abs_diff_s']:.4f} s.")
    table = _table(["step", "seconds", "ratio", "note"], body, "lrrl")
    return "\n".join([recorded_line(data.get("recorded")), "", summary, "", *table])


def study_evaluate_table(data: Mapping[str, Any]) -> str:
    """The warm what-if table from ``benchmarks/study_evaluate.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"scenario", "clicks", "answered_share", "warm_ms", "warm_cpu_ms", "cold_ms", "cold_cpu_ms",
        "cold_over_warm_cpu_median", "recorded"}``; each ``*_ms`` block has ``n``, ``median``, ``p95``
        and ``max``.

    Returns
    -------
    str
        The recorded line, the workload and one row per path and clock.
    """
    rows = [
        [label, clock, data[key]["n"], f"{data[key]['median']:.1f}", f"{data[key]['p95']:.1f}",
         f"{data[key]['max']:.1f}"]
        for label, clock, key in (("warm Study (one click)", "CPU", "warm_cpu_ms"),
                                  ("warm Study (one click)", "wall", "warm_ms"),
                                  ("cold: open the study, evaluate, build the record", "CPU", "cold_cpu_ms"),
                                  ("cold: open the study, evaluate, build the record", "wall", "cold_ms"))
    ]
    summary = (f"Workload: every plan one click away from the best plan of `{data['scenario']}` "
               f"({data['clicks']} clicks: a hub opened or closed, a specialist service moved); "
               f"{data['answered_share']:.0%} of them give figures, the rest a one-line reason "
               f"(a locality without a hub). The cold path's CPU median is "
               f"{data['cold_over_warm_cpu_median']:.0f} times the warm one's.")
    table = _table(["path", "clock", "clicks timed", "median ms", "95th percentile ms", "longest ms"], rows,
                   "llrrrr")
    return "\n".join([recorded_line(data.get("recorded")), "", summary, "", *table])


def serve_clicks_table(data: Mapping[str, Any]) -> str:
    """The workshop-click table from ``benchmarks/serve_clicks.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"date", "scenario", "machine": {"cpus", "load_before", "load_after"}, "open_seconds",
        "first_page_seconds", "clicks", "repeat", "http": {"wall_ms", "cpu_ms", "feasible_share"},
        "load": {"sessions", "seconds", "clicks", "errors", "wall_ms", "peak_rss_mb"}}``.

    Returns
    -------
    str
        The date, machine and load, the workload, and one row per measure.
    """
    machine, http, load = data["machine"], data["http"], data["load"]
    header = (f"*Recorded {data['date']} on {machine['cpus']} CPUs, load average "
              f"{machine['load_before'][0]:.1f} before and {machine['load_after'][0]:.1f} after.*")
    summary = (f"`{data['scenario']}`: the study opened and its starting plan solved in "
               f"{data['open_seconds']:.1f} s, the first page {data['first_page_seconds']:.2f} s later; "
               f"{data['clicks']} clicks x {data['repeat']} rounds, {http['feasible_share']:.0%} of them giving "
               f"figures (the rest a plain reason).")
    rows = [
        ["one click, uncached", "CPU", http["cpu_ms"]["n"], f"{http['cpu_ms']['median']:.0f}",
         f"{http['cpu_ms']['p95']:.0f}", f"{http['cpu_ms']['max']:.0f}"],
        ["one click, uncached", "wall", http["wall_ms"]["n"], f"{http['wall_ms']['median']:.0f}",
         f"{http['wall_ms']['p95']:.0f}", f"{http['wall_ms']['max']:.0f}"],
        [f"{load['sessions']} sessions for {load['seconds']:.0f} s ({load['errors']} errors, peak "
         f"{load['peak_rss_mb']:.0f} MB)", "wall", load["wall_ms"]["n"], f"{load['wall_ms']['median']:.0f}",
         f"{load['wall_ms']['p95']:.0f}", f"{load['wall_ms']['max']:.0f}"],
    ]
    table = _table(["measure", "clock", "clicks", "median ms", "95th percentile ms", "longest ms"], rows, "llrrrr")
    return "\n".join([header, "", summary, "", *table])


def _benchmark_script(name: str) -> Any:
    """The module of ``benchmarks/NAME.py``, for a table its own script knows how to print."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"_benchmark_{name}", Path("benchmarks") / f"{name}.py")
    if spec is None or spec.loader is None:
        raise PluginError(f"benchmark-table: benchmarks/{name}.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def lrp_table(data: Sequence[Mapping[str, Any]]) -> str:
    """The location-routing table from ``benchmarks/lrp.py --json`` results.

    The file is the list of instance records the issue fixes (every route, for re-checking),
    so the table is the benchmark script's own (``benchmarks/lrp.py --table``): one row per
    instance with the locate-then-route baseline beside it, then the mean gaps and their ratio.

    Parameters
    ----------
    data : sequence of mappings
        One record per instance: ``instance``, ``best_known``, ``cost``, ``gap_percent``,
        ``open_depots``, ``seconds`` and ``baseline`` with the same fields.

    Returns
    -------
    str
        The table and the summary line.
    """
    note = ("*Recorded by `benchmarks/lrp.py` in one run on the shared 2-core machine; the file is the list of "
            "instance records with every route that the benchmark's JSON format fixes, so it holds no machine "
            "block: the command and the load are given above.*")
    return note + "\n\n" + str(_benchmark_script("lrp").markdown_table(data))


def transport_policy_table(data: Mapping[str, Any]) -> str:
    """The transport-policy tables from ``benchmarks/transport_policy.py --json`` results.

    Parameters
    ----------
    data : mapping
        ``{"before": {plan: figures}, "runs": [...], "curve": [...], "policies": [...]}``.

    Returns
    -------
    str
        The before/after table, the value-of-time curve and the ride-policy curve, as the
        script prints them (``--markdown``).
    """
    note = ("*Recorded by `benchmarks/transport_policy.py` on the shared 2-core machine; the page above "
            "gives the date and the load.*")
    return note + "\n\n" + str(_benchmark_script("transport_policy").markdown(data))


#: Marker name -> table builder; the name is also the results file's stem.
TABLES: dict[str, Callable[[Any], str]] = {
    "orlib": orlib_table,
    "darp": darp_table,
    "spopt": spopt_table,
    "travel-matrix": travel_matrix_table,
    "study_evaluate": study_evaluate_table,
    "serve_clicks": serve_clicks_table,
    "lrp": lrp_table,
    "transport-policy": transport_policy_table,
}


def benchmark_table(name: str, results_dir: Path) -> str:
    """The Markdown table for marker ``name``, built from ``results_dir/NAME.json``.

    Parameters
    ----------
    name : str
        A key of :data:`TABLES`.
    results_dir : Path
        The folder holding the results files.

    Returns
    -------
    str
        Markdown.

    Raises
    ------
    PluginError
        For an unknown name or a missing, unreadable or malformed results file.
    """
    if name not in TABLES:
        raise PluginError(f"benchmark-table: unknown table {name!r}; use one of {', '.join(sorted(TABLES))}")
    path = results_dir / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return TABLES[name](data)
    except FileNotFoundError as err:
        raise PluginError(f"benchmark-table: {path} is missing; run the benchmark with --json {path}") from err
    except (ValueError, KeyError, TypeError) as err:
        raise PluginError(f"benchmark-table: {path} cannot be read as {name} results: {err!r}") from err


def replace_markers(markdown: str, results_dir: Path) -> str:
    """Replace every benchmark-table marker in ``markdown`` by its table."""
    return MARKER.sub(lambda m: benchmark_table(m["name"], results_dir), markdown)


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: fill the benchmark tables of a page before it is rendered."""
    root = Path(config["config_file_path"]).parent
    return replace_markers(markdown, root / RESULTS_DIR)
