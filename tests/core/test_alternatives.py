"""Near-best alternatives (hubplan.core.alternatives) against brute-force enumeration of the K best plans."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubplan.core._mathopt import EngineSettings
from hubplan.core.alternatives import near_best
from hubplan.core.cuts import exclude_plans
from hubplan.core.formulate import formulate
from hubplan.core.heuristics import median_cost
from hubplan.core.problem import Problem
from hubplan.core.strategies import solve_general

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw):
    n = draw(st.integers(3, 7))
    m = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    cost = rng.uniform(1, 60, size=(n, m))  # continuous: ties between plans have probability zero
    demand = rng.integers(1, 10, size=n).astype(float)
    p = draw(st.integers(1, m))
    k = draw(st.integers(1, 5))
    return cost, demand, p, k, rng


@SETTINGS
@given(instances())
def test_k_best_p_median_plans_match_brute_force(inst):
    cost, demand, p, k, _ = inst
    prob = Problem.from_matrix(cost, demand, p=p)
    plans = {tuple(s): median_cost(cost, demand, np.array(s)) for s in itertools.combinations(range(cost.shape[1]), p)}
    want = sorted(plans.items(), key=lambda item: item[1])[:k]
    ranked = near_best(prob, k, relative_gap=0.0)
    assert len(ranked) == len(want)  # fewer than k only when fewer plans exist
    got_sites = [plan.solution.open_sites["facility"] for plan in ranked]
    assert len(set(got_sites)) == len(got_sites)
    assert [plan.solution.objective for plan in ranked] == pytest.approx([value for _, value in want], rel=1e-9)
    for plan in ranked:
        assert plan.solution.objective == pytest.approx(plans[plan.solution.open_sites["facility"]], rel=1e-9)
        assert plan.gap_to_best == pytest.approx((plan.solution.objective - want[0][1]) / want[0][1], abs=1e-9)
    assert [plan.rank for plan in ranked] == list(range(1, len(ranked) + 1))


@SETTINGS
@given(instances())
def test_k_best_facility_location_with_costs_and_free_count_matches_brute_force(inst):
    cost, demand, _, k, rng = inst
    m = cost.shape[1]
    fixed = rng.uniform(0, 200, size=m)
    prob = Problem.from_matrix(cost, demand, fixed_cost=fixed)
    plans = {}
    for size in range(1, m + 1):
        for s in itertools.combinations(range(m), size):
            plans[s] = median_cost(cost, demand, np.array(s)) + fixed[list(s)].sum()
    want = sorted(plans.values())[:k]
    ranked = near_best(prob, k, relative_gap=0.0)
    assert [plan.solution.objective for plan in ranked] == pytest.approx(want, rel=1e-7)
    for plan in ranked:
        assert plan.solution.objective == pytest.approx(plans[plan.solution.open_sites["facility"]], rel=1e-7)


def test_no_good_cut_removes_exactly_the_excluded_plan():
    cost = np.array([[1.0, 4.0, 6.0], [5.0, 2.0, 3.0], [8.0, 6.0, 1.0]])
    prob = Problem.from_matrix(cost, np.array([10.0, 20.0, 5.0]), p=2)
    model, layout = formulate(prob)
    before = model.n_rows
    exclude_plans(prob, model, layout, [{"facility": (0, 2)}, {"facility": (9,)}])  # (9,) is no site: no row
    assert model.n_rows == before + 1
    settings = EngineSettings()
    once = solve_general(prob, time_limit_s=10, settings=settings, hint=None, exclude=[{"facility": (0, 2)}])
    assert once.open_sites["facility"] == (0, 1)
    twice = solve_general(prob, time_limit_s=10, settings=settings, hint=None,
                          exclude=[{"facility": (0, 2)}, {"facility": (0, 1)}])
    assert twice.open_sites["facility"] == (1, 2)


def test_stops_when_no_other_plan_exists():
    prob = Problem.from_matrix(np.array([[1.0, 2.0], [3.0, 1.0]]), p=2)  # only one plan opens both sites
    ranked = near_best(prob, 3)
    assert [plan.solution.open_sites["facility"] for plan in ranked] == [(0, 1)]


def test_a_twin_of_an_existing_building_is_not_offered_as_an_alternative():
    # site 1 is a new venue on the same point as existing site 0: choosing it is the same plan
    cost = np.array([[1.0, 1.0, 5.0, 9.0], [2.0, 2.0, 3.0, 1.0]])
    prob = Problem.from_matrix(cost, np.array([5.0, 1.0]), p=1, existing=np.array([True, False, False, False]))
    ranked = near_best(prob, 3, relative_gap=0.0)
    sites = [plan.solution.open_sites["facility"] for plan in ranked]
    assert sites == [(0,), (2,), (3,)]
    assert [plan.solution.objective for plan in ranked] == pytest.approx([7.0, 28.0, 46.0])


def test_rejects_k_below_one():
    with pytest.raises(ValueError, match="k must be >= 1"):
        near_best(Problem.from_matrix(np.ones((2, 2)), p=1), 0)


def test_run_records_and_prints_the_alternatives(cli, study_path, tmp_path):
    import json
    import re

    from hubplan.api import run_scenario

    record = run_scenario(SCENARIOS / "hub-per-locality.toml", study_path=study_path, alternatives=3)
    best = record.manifest.solver.objective
    plans = record.manifest.alternatives
    assert [plan.rank for plan in plans] == [2, 3]
    hubs = {site for site, tiers in record.sites.set_index("site_id")["status"].items() if tiers == "open"}
    for plan in plans:
        assert plan.objective >= best - 1e-6 and plan.gap_to_best == pytest.approx((plan.objective - best) / best)
        assert set(plan.open_tiers) != hubs  # distinct from the best plan
        assert all(swap.tier == "hub" and len(swap.opened) == len(swap.closed) >= 1 for swap in plan.swaps)
        assert set(plan.open_tiers) == (hubs - set(plan.swaps[0].closed)) | set(plan.swaps[0].opened)
    assert plans[0].objective <= plans[1].objective + 1e-6

    outcome = cli.invoke(["--no-progress", "run", str(SCENARIOS / "hub-per-locality.toml"), "--study", str(study_path),
                      "--out", str(tmp_path), "--alternatives", "3"])
    assert outcome.exit_code == 0, outcome.stderr
    lines = re.findall(r"^(second|third) best: [0-9.]+% more attendee-minutes, .+ instead of .+$", outcome.stdout,
                       re.MULTILINE)
    assert lines == ["second", "third"]
    manifest = json.loads((tmp_path / "hub-per-locality" / "manifest.json").read_text())
    assert [plan["rank"] for plan in manifest["alternatives"]] == [2, 3]
    assert manifest["alternatives"][0]["swaps"][0]["tier"] == "hub"


def test_a_run_without_alternatives_writes_no_alternatives_key(study_path, tmp_path):
    from hubplan.api import run_scenario

    record = run_scenario(SCENARIOS / "hub-per-locality.toml", study_path=study_path)
    assert record.manifest.alternatives == () and "alternatives" not in record.manifest.as_dict()


def test_withheld_alternative_keeps_the_sites_but_not_the_figures():
    from hubplan.alternatives import describe
    from hubplan.plan import AlternativePlan, TierSwap

    plan = AlternativePlan(2, "optimal", 10.0, 10.0, 0.5, {"a": ("hub",)}, (TierSwap("hub", ("a",), ()),), {"a": "A"})
    withheld = plan.withheld()
    assert (withheld.objective, withheld.best_bound, withheld.gap_to_best) == (None, None, None)
    assert withheld.swaps == plan.swaps
    assert describe(withheld, "median") == "second best: figures withheld, adds A"
