"""OR-Library proof: hubplan reproduces published optima (instances read from the shared folder)."""

from __future__ import annotations

import numpy as np
import pytest

from hubplan.core.orlib import instance_problem, read_pmed, reference_dir
from hubplan.core.solve import solve
from hubplan.errors import DataError

ORLIB = reference_dir() / "orlib"
pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(not (ORLIB / "optima.csv").exists(), reason="shared reference folder absent"),
]


@pytest.mark.parametrize(
    "name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5", "cap41", "cap71", "cap131", "cap71_uncap"]
)
def test_published_optimum(name):
    prob, opt = instance_problem(name)
    sol = solve(prob, time_limit_s=60)
    assert sol.status == "optimal"
    assert sol.gap <= 1e-4
    assert sol.objective == pytest.approx(opt.optimal_value, abs=2e-3)
    assert sol.best_bound <= opt.optimal_value + 2e-3


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_published_optimum_with_the_mip_engine(name):
    """The MIP path (sparsified p-median on HiGHS) also proves the optimum, not only the Lagrangian search."""
    prob, opt = instance_problem(name)
    sol = solve(prob, time_limit_s=60, lagrangian=False)
    assert sol.engine == "highs" and sol.status == "optimal"
    assert sol.objective == pytest.approx(opt.optimal_value, abs=2e-3)
    assert sol.best_bound <= opt.optimal_value + 2e-3


def test_cap_capacities_respected_and_uncap_differs():
    prob, _ = instance_problem("cap41")
    sol = solve(prob)
    used = sol.assignment.groupby("site")["attendees"].sum()
    cap = prob.tiers[0].capacity
    assert (used.to_numpy() <= cap[used.index.to_numpy()] + 1e-6).all()
    total = sol.assignment["attendees"].sum()
    assert total == pytest.approx(prob.demand.sum())


def test_pmed_parser_last_edge_wins(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("3 3 1\n1 2 5\n2 3 1\n1 2 2\n")
    prob = read_pmed(f)
    np.testing.assert_array_equal(prob.minutes, [[0, 2, 3], [2, 0, 1], [3, 1, 0]])
    assert prob.tiers[0].count == 1


def test_unknown_instance_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="instance: 'pmed99' not listed"):
        instance_problem("pmed99")
    with pytest.raises(DataError, match="cannot read OR-Library file"):
        read_pmed(tmp_path / "nope.txt")


@pytest.mark.parametrize("sparsify", [True, False])
def test_time_limit_never_claims_unproven_optimum(sparsify):
    """With the MIP engine, pmed16 (400 nodes, p=5) takes far longer than 1 s to prove; the status says so."""
    prob, opt = instance_problem("pmed16")
    sol = solve(prob, time_limit_s=1.0, sparsify=sparsify, lagrangian=False)
    assert sol.status in ("feasible", "no_solution")
    if sol.status == "feasible":
        assert sol.objective >= opt.optimal_value
        assert sol.gap is None or sol.gap > 1e-4
        if sol.best_bound is not None:
            assert sol.best_bound <= opt.optimal_value + 1e-6
    assert sol.build_seconds + sol.solve_seconds < 30
