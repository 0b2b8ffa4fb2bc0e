"""The documentation site: benchmark tables built from JSON, a strict build, a short README."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "docs" / "hooks"
RESULTS = REPO / "benchmarks" / "results"

RECORDED = {
    "recorded_utc": "2026-12-06T12:21:44+00:00", "machine": "Linux x86_64", "processor": "Test CPU",
    "cpus": 2, "load_average": [1.5, 0.75, 0.25], "python": "3.11.7", "hubplan": "0.1.0",
    "command": "benchmarks/orlib.py --instances pmed1,pmed2",
}


def _hook(name="benchmark_tables"):
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _orlib_row(name, objective, published, status="optimal", match=True, seconds=0.5):
    return {"instance": name, "n": 100, "sites": 100, "p": 5, "objective": objective, "published": published,
            "status": status, "engine": "lagrangian", "gap": 0.0, "bound": objective, "load_s": 0.01,
            "build_s": 0.0, "solve_s": seconds, "total_s": seconds, "match": match, "message": ""}


def _table_lines(markdown: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in markdown.splitlines() if line.startswith("|")]


def test_orlib_table_is_built_from_the_json_with_its_machine_and_date(tmp_path):
    hook = _hook()
    data = {"recorded": RECORDED, "wall_s": 3.0, "results": [
        _orlib_row("pmed1", 5819.0, 5819.0, seconds=0.25),
        _orlib_row("pmed2", 4100.0, 4093.0, status="feasible", match=False, seconds=2.75),
    ]}
    (tmp_path / "orlib.json").write_text(json.dumps(data))
    text = hook.benchmark_table("orlib", tmp_path)
    assert "Recorded 2026-12-06 12:21:44 UTC" in text
    assert "Linux x86_64, Test CPU, 2 CPUs" in text
    assert "load average 1.50 / 0.75 / 0.25" in text
    assert "Command:\n\n```sh\npython benchmarks/orlib.py --instances pmed1,pmed2\n```" in text
    assert "**1 of 2 instances proven optimal at the published optimum.**" in text
    assert "took 3.0 s in total; the slowest was pmed2 (2.8 s)" in text
    header, rule, *rows = _table_lines(text)
    assert header[:6] == ["instance", "clients", "p", "objective", "published optimum", "status"]
    assert len(rule) == len(header)
    assert rows[0][:6] == ["pmed1", "100", "5", "5,819", "5,819", "optimal"]
    assert rows[0][-2:] == ["0.25", "yes"]
    assert rows[1][3:6] == ["4,100", "4,093", "feasible"]
    assert rows[1][-1] == "**no**"


def test_darp_table_skips_the_record_and_summarises_the_gaps(tmp_path):
    hook = _hook()
    data = {
        "a2-16": {"cost": 294.25, "feasible": True, "optimum": 294.3, "gap_percent": -0.017, "seconds": 9.5,
                  "routes": [[1, 17]]},
        "a8-96": {"cost": 1250.0, "feasible": False, "optimum": 1229.66, "gap_percent": 1.654, "seconds": 10.0,
                  "routes": []},
        "recorded": dict(RECORDED, command="benchmarks/darp.py a2-16.txt a8-96.txt --time-limit 10"),
    }
    (tmp_path / "darp.json").write_text(json.dumps(data))
    text = hook.benchmark_table("darp", tmp_path)
    assert "--time-limit 10" in text
    assert "**1 of 2 solutions feasible**" in text
    assert "mean gap to the proven optima 0.82%, largest 1.65%" in text
    _, _, *rows = _table_lines(text)
    assert [r[0] for r in rows] == ["a2-16", "a8-96"]
    assert rows[0][1:7] == ["2", "16", "294.30", "294.25", "-0.02%", "yes"]
    assert rows[1][6] == "**no**"


def test_spopt_table_gives_ratios_only_where_spopt_proved_optimality(tmp_path):
    hook = _hook()
    common = {"published": 7824.0, "hubplan_objective": 7824.0, "hubplan_status": "optimal",
              "hubplan_engine": "lagrangian", "hubplan_s": 0.1}
    rows = [dict(common, instance="pmed1", spopt_objective=7824.0, spopt_result="optimal", spopt_s=5.0, ratio=50.0),
            dict(common, instance="pmed2", spopt_objective=7824.0, spopt_result="optimal", spopt_s=15.0, ratio=150.0),
            dict(common, instance="pmed6", spopt_objective=None, spopt_result="timed out", spopt_s=75.1, ratio=None)]
    (tmp_path / "spopt.json").write_text(json.dumps({"recorded": RECORDED, "results": rows}))
    text = hook.benchmark_table("spopt", tmp_path)
    assert "**hubplan proved 3 of 3 instances optimal; spopt proved 2 within its limit.**" in text
    assert "hubplan was 50x to 150x faster (median 100x)" in text
    _, _, *cells = _table_lines(text)
    assert cells[0][-4:] == ["7,824", "optimal", "5.0", "50x"]
    assert cells[2][-4:] == ["", "timed out", "75.1", ""]


def test_a_file_without_a_record_says_so(tmp_path):
    hook = _hook()
    (tmp_path / "orlib.json").write_text(json.dumps({"results": [_orlib_row("pmed1", 5819.0, 5819.0)]}))
    assert "does not record its machine or date" in hook.benchmark_table("orlib", tmp_path)


def test_markers_are_replaced_and_bad_ones_stop_the_build(tmp_path):
    hook = _hook()
    (tmp_path / "orlib.json").write_text(json.dumps({"results": [_orlib_row("pmed1", 5819.0, 5819.0)]}))
    page = "# Title\n\n<!-- benchmark-table: orlib -->\n\nAfter.\n"
    out = hook.replace_markers(page, tmp_path)
    assert "benchmark-table" not in out
    assert "| pmed1 |" in out and out.endswith("After.\n")
    with pytest.raises(PluginError, match="unknown table 'nope'"):
        hook.replace_markers("<!-- benchmark-table: nope -->", tmp_path)
    with pytest.raises(PluginError, match=r"darp\.json is missing"):
        hook.replace_markers("<!-- benchmark-table: darp -->", tmp_path)
    (tmp_path / "darp.json").write_text("{not json")
    with pytest.raises(PluginError, match="cannot be read as darp results"):
        hook.replace_markers("<!-- benchmark-table: darp -->", tmp_path)


def test_committed_results_render_one_row_per_result():
    hook = _hook()
    orlib = json.loads((RESULTS / "orlib.json").read_text())
    darp = json.loads((RESULTS / "darp.json").read_text())
    travel = json.loads((RESULTS / "travel-matrix.json").read_text())
    spopt = json.loads((RESULTS / "spopt.json").read_text())
    expected = {"orlib": len(orlib["results"]), "darp": len(darp) - 1, "travel-matrix": len(travel["rows"]),
                "spopt": len(spopt["results"]),
                "study_evaluate": 4,  # warm and cold, each by CPU and wall clock
                "serve_clicks": 3,  # a click by CPU and wall clock, and the load test
                "lrp": len(json.loads((RESULTS / "lrp.json").read_text())),
                "transport-policy": None}  # three tables: checked in test_transport_policy_tables
    assert set(expected) == set(hook.TABLES)
    for name, count in expected.items():
        text = hook.benchmark_table(name, RESULTS)
        if count is not None:
            assert len(_table_lines(text)) == count + 2, name
        assert text.startswith("*Recorded "), name


def test_every_marker_in_the_docs_names_a_table():
    hook = _hook()
    names = {m["name"] for page in (REPO / "docs").rglob("*.md") for m in hook.MARKER.finditer(page.read_text())}
    assert names == set(hook.TABLES)


def test_readme_is_short_and_its_links_exist():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "make test" in readme and "make run" in readme
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert links, "the README links into the docs"
    missing = [link for link in links if not link.startswith("http") and not (REPO / link).exists()]
    assert not missing


def test_sphinx_roles_in_docstrings_show_as_code():
    roles = _hook("sphinx_roles")
    html = "<p>See :class:<code>~hubplan.core.problem.Problem</code> and :mod:<code>hubplan.travel</code>.</p>"
    assert roles.plain_roles(html) == "<p>See <code>Problem</code> and <code>hubplan.travel</code>.</p>"
    assert roles.plain_roles("a :b:<code>c</code>") == "a :b:<code>c</code>"  # not a Sphinx role


@pytest.mark.slow
def test_site_builds_strictly_offline(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(REPO / "mkdocs.yml"),
         "--site-dir", str(site)],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    orlib = (site / "benchmarks" / "orlib.html").read_text()
    assert "benchmark-table" not in orlib
    assert "<td>pmed36</td>" in orlib
    reference = (site / "reference" / "core-solve.html").read_text()
    assert "warm_up" in reference and "hubplan.core.solve" in reference
    assert ":class:<code>" not in reference
    assert "older_dementia" in (site / "scenarios.html").read_text()  # shipped files are included
    assert not (site / "hooks").exists()
    external = re.compile(r"<(?:script|link|img)[^>]+(?:src|href)=\"https?://")
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    assert not [p.name for p in pages if external.search(p.read_text())]


def test_study_evaluate_table_states_the_warm_and_cold_paths():
    hook = _hook()
    data = json.loads((RESULTS / "study_evaluate.json").read_text())
    text = hook.benchmark_table("study_evaluate", RESULTS)
    rows = _table_lines(text)[2:]
    assert [r[0] for r in rows] == ["warm Study (one click)"] * 2 + [
        "cold: open the study, evaluate, build the record"] * 2
    assert rows[0][3] == f"{data['warm_cpu_ms']['median']:.1f}"
    assert f"({data['clicks']} clicks" in text


def test_transport_policy_tables_hold_every_run():
    hook = _hook()
    data = json.loads((RESULTS / "transport-policy.json").read_text())
    rows = _table_lines(hook.benchmark_table("transport-policy", RESULTS))
    labels = [row[0] for row in rows]
    assert all(run["label"] in labels for run in data["runs"])
    assert len(rows) == (2 + len(data["before"]) + len(data["runs"]) + 2 + len(data["curve"])
                         + 2 + len(data.get("policies", [])))
