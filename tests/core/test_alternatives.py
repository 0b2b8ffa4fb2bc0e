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
    lines = re.findall(r"^(second|third) best: [0-9.]+% more travel time in all; .+ instead of .+$", outcome.stdout,
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
    assert describe(withheld, "median") == "second best: figures withheld; hub also at A"


def _two_tier(cost: np.ndarray, demand: np.ndarray, tiers_per_site: int = 2) -> Problem:
    """Tier "a" serves segment a and tier "b" segment b, one site each; a building may host both (by default)."""
    from hubplan.core.specs import TierSpec

    n, m = cost.shape
    both = demand if demand.ndim == 2 else np.column_stack([demand, demand[::-1]])
    return Problem(minutes=cost, demand=both, segments=("a", "b"),
                   tiers=(TierSpec("a", segments=("a",), count=1), TierSpec("b", segments=("b",), count=1)),
                   roles=("candidate",) * m, client_group=np.zeros(n, dtype=np.int64),
                   site_group=np.zeros(m, dtype=np.int64), group_names=("all",), tiers_per_site=tiers_per_site)


@SETTINGS
@given(instances(), st.sampled_from([1, 2]))
def test_alternatives_by_buildings_match_brute_force(inst, tiers_per_site):
    """Two one-site tiers (sharing a building or not): the K best plans by buildings are the K best building sets."""
    cost, demand, _, k, _ = inst
    m = cost.shape[1]
    prob = _two_tier(cost, demand, tiers_per_site)
    # brute force: every (site of a, site of b); a building set's value is its best plan
    per_set: dict[frozenset[int], float] = {}
    for a, b in itertools.product(range(m), repeat=2):
        if a == b and tiers_per_site == 1:
            continue
        value = float(demand @ cost[:, a] + demand[::-1] @ cost[:, b])
        key = frozenset((a, b))
        per_set[key] = min(per_set.get(key, np.inf), value)
    want = sorted(per_set.values())[:k]
    ranked = near_best(prob, k, relative_gap=0.0, distinct="buildings")
    assert [plan.solution.objective for plan in ranked] == pytest.approx(want, rel=1e-7)
    sets = [frozenset(s for sites in plan.solution.open_sites.values() for s in sites) for plan in ranked]
    assert len(set(sets)) == len(sets)  # every plan opens a different set of buildings


def test_alternatives_by_tiers_may_keep_the_buildings():
    """With ``distinct="tiers"`` the second plan may swap which building hosts which tier; by buildings it may not.

    One tier per site (building cuts on the tier decisions): best a at 0, b at 1 (2); swapped (10);
    any plan using site 2 costs 51.
    """
    cost = np.array([[1.0, 5.0, 50.0], [5.0, 1.0, 50.0]])
    prob = _two_tier(cost, np.array([[1.0, 0.0], [0.0, 1.0]]), tiers_per_site=1)
    by_tiers = near_best(prob, 2, relative_gap=0.0, distinct="tiers")
    by_buildings = near_best(prob, 2, relative_gap=0.0, distinct="buildings")
    buildings = [frozenset(s for sites in plan.solution.open_sites.values() for s in sites) for plan in by_tiers]
    assert buildings[0] == buildings[1]  # the same two buildings, tiers swapped
    assert [plan.solution.objective for plan in by_tiers] == pytest.approx([2.0, 10.0])
    buildings = [frozenset(s for sites in plan.solution.open_sites.values() for s in sites) for plan in by_buildings]
    assert buildings[0] != buildings[1] and 2 in buildings[1]
    assert [plan.solution.objective for plan in by_buildings] == pytest.approx([2.0, 51.0])
    with pytest.raises(ValueError, match="distinct must be one of"):
        near_best(prob, 2, distinct="rooms")


def test_council_alternatives_differ_in_buildings_with_figures_in_the_report(cli, study_path, tmp_path):
    """``--alternatives 3`` on the best-8 scenario: 3 plans in all, each a different set of buildings, each with
    its figures in the manifest and a row in the report's "Other plans considered", in words (no tier slugs)."""
    import json

    outcome = cli.invoke(["--no-progress", "run", str(SCENARIOS / "council-proposal-2026-best.toml"), "--study",
                          str(study_path), "--out", str(tmp_path), "--no-transport", "--alternatives", "3"])
    assert outcome.exit_code == 0, outcome.stderr
    folder = tmp_path / "council-proposal-2026-best"
    manifest = json.loads((folder / "manifest.json").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())["overall"]
    plans = manifest["alternatives"]
    assert [plan["rank"] for plan in plans] == [2, 3]
    sites = json.loads((folder / "sites.geojson").read_text())["features"]
    best = frozenset(f["properties"]["site_id"] for f in sites if f["properties"]["status"] == "open")
    sets = [frozenset(plan["open_tiers"]) for plan in plans]
    assert len({best, *sets}) == 3 and not any(plan["same_buildings"] for plan in plans)
    for plan in plans:
        figures = plan["figures"]
        assert figures["buildings_kept"] == len(plan["open_tiers"]) == 8 and figures["sites_closed"] == 3
        assert figures["isolated"] == pytest.approx(figures["isolated_rural"] + figures["isolated_urban"])
        assert plan["gap_to_best"] > 0 and figures["longest_minutes"] >= figures["mean_minutes"] > 0
        assert figures["isolation_minutes"] == metrics["isolation_minutes"]
        assert plan["opens"] and plan["closes"]
    report = (folder / "report.md").read_text()
    section = report.split("## Other plans considered", 1)[1].split("\n## ", 1)[0]
    assert "| Second best |" in section and "| Third best |" in section and "| This plan (best) |" in section
    assert "specialist_" not in section and "attendee-minutes" not in section
    console = [line for line in outcome.stdout.splitlines() if " best: " in line]
    assert len(console) == 2 and not any("specialist_" in line or "attendee" in line for line in console)


def test_a_fixed_plan_has_no_alternatives_and_says_why(cli, study_path, tmp_path):
    """The proposal fixes every building: ``--alternatives 3`` says there is nothing else to consider."""
    outcome = cli.invoke(["--no-progress", "run", str(SCENARIOS / "council-proposal-2026.toml"), "--study",
                          str(study_path), "--out", str(tmp_path), "--no-transport", "--alternatives", "3"])
    assert outcome.exit_code == 0, outcome.stderr
    assert "no other plans: the scenario fixes its plan, so there is nothing else to consider" in outcome.stdout
    assert "Other plans considered" not in (tmp_path / "council-proposal-2026" / "report.md").read_text()
