"""docs/transport-policy.md shows the tables the policy benchmark renders from its committed results.

The page holds a benchmark-table marker; the docs build (docs/hooks/benchmark_tables.py) replaces it
with the script's own tables, so a page can never show figures the results file does not hold.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "transport_policy.py"
RESULTS = REPO / "benchmarks" / "results" / "transport-policy.json"


def _script():
    spec = importlib.util.spec_from_file_location("transport_policy", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_page_holds_the_tables_rendered_from_the_committed_results() -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    tables = _script().markdown(results)
    page = (REPO / "docs" / "transport-policy.md").read_text(encoding="utf-8")
    assert "<!-- benchmark-table: transport-policy -->" in page
    assert "| run | vehicles |" not in page, "no table typed into the page by hand"
    shipped = next(run for run in results["runs"] if run["label"] == "best: after (shipped)")
    assert "| best: after (shipped) | " + str(shipped["overall"]["vehicles"]) + " | " in tables
    assert "not proven optimal" in shipped["status"] and "time cap" not in shipped["status"]
