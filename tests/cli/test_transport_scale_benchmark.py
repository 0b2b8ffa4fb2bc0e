"""The transport-scale benchmark script: 20,000 clients are refused with one line, quickly, in bounded memory."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "transport_scale.py"


@pytest.mark.slow
def test_twenty_thousand_clients_are_refused_before_routing(study_path: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("transport_scale_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "run.json"
    assert bench.main(["--clients", "20000", "--json", str(out)]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["exit_code"] == 2
    assert "more than the 500 one site's rounds are routed for" in record["stderr_first_line"]
    assert record["peak_mb_largest_process"] < 4000  # was 7.4 GB before the bound (issue 20)
