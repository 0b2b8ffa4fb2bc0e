"""The OR-Library benchmark script: output, JSON record and exit codes (on instances that solve in seconds)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from hubplan.core.orlib import reference_dir

pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(
        not (reference_dir() / "orlib" / "optima.csv").exists(), reason="shared reference folder absent"
    ),
]
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "orlib.py"


def _load():
    spec = importlib.util.spec_from_file_location("orlib_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_matching_run_exits_zero_and_records_each_instance(tmp_path, capsys):
    bench = _load()
    out = tmp_path / "run.json"
    assert bench.main(["--instances", "pmed1,pmed4", "--cap", "cap41", "--json", str(out), "--markdown"]) == 0
    saved = json.loads(out.read_text())
    rows = saved["results"]
    assert [r["instance"] for r in rows] == ["pmed1", "pmed4", "cap41"]
    command = f"benchmarks/orlib.py --instances pmed1,pmed4 --cap cap41 --json {out} --markdown"
    assert saved["recorded"]["command"] == command
    assert saved["recorded"]["cpus"] >= 1 and saved["recorded"]["recorded_utc"].endswith("+00:00")
    assert all(r["match"] and r["status"] == "optimal" for r in rows)
    assert {r["instance"]: r["engine"] for r in rows} == {"pmed1": "lagrangian", "pmed4": "lagrangian",
                                                         "cap41": "highs"}
    printed = capsys.readouterr().out
    assert "| pmed1 | 100 | 5 | 5819.000 | 5819.0 | optimal | lagrangian |" in printed
    assert "3 instances, 3 optimal and matching" in printed


def test_no_lagrangian_flag_sends_p_median_to_the_mip_engine(tmp_path):
    bench = _load()
    out = tmp_path / "mip.json"
    assert bench.main(["--instances", "pmed4", "--no-lagrangian", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())["results"]
    assert row["engine"] == "highs" and row["match"] and row["objective"] == 3034.0


def test_unproven_result_exits_non_zero(capsys):
    """A time limit far too short to prove pmed6 must fail the run, not pass it."""
    bench = _load()
    assert bench.main(["--instances", "pmed6", "--time-limit", "0.001"]) == 1
    assert "MISMATCH or not optimal: pmed6" in capsys.readouterr().err


def test_spopt_table_marks_unfinished_runs_without_a_ratio():
    """The README table of the spopt comparison: a ratio only where spopt proved optimality."""
    spec = importlib.util.spec_from_file_location("spopt_benchmark", SCRIPT.with_name("spopt_pmedian.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    common = {"published": 7824.0, "hubplan_objective": 7824.0, "hubplan_status": "optimal",
              "hubplan_engine": "lagrangian", "hubplan_s": 0.1}
    rows = [dict(common, instance="pmed6", spopt_objective=7824.0, spopt_result="optimal", spopt_s=5.0, ratio=50.0),
            dict(common, instance="pmed6", spopt_objective=None, spopt_result="timed out", spopt_s=75.1, ratio=None)]
    table = module.markdown(rows).splitlines()
    assert table[2] == "| pmed6 | 7824 | 7824 | optimal | lagrangian | 0.10 | 7824 | optimal | 5.0 | 50.0x |"
    assert table[3] == "| pmed6 | 7824 | 7824 | optimal | lagrangian | 0.10 |  | timed out | 75.1 |  |"
