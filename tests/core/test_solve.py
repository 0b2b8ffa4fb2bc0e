"""hubplan.core.solve against brute force on random small instances, plus model features."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hubplan.core.evaluation import score_plan
from hubplan.core.heuristics import median_cost, p_median_heuristic
from hubplan.core.problem import Objective, Problem, TierSpec
from hubplan.core.solution import Plan, SolverReport, SolverStatus, Timing, finish, no_plan
from hubplan.core.solve import solve
from hubplan.errors import InfeasibleError, InputError, SolverError

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, *, max_sites=6):
    n = draw(st.integers(3, 7))
    m = draw(st.integers(2, max_sites))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 60, size=(n, m)).astype(float)
    demand = rng.integers(1, 10, size=n).astype(float)
    p = draw(st.integers(1, m))
    return cost, demand, p, rng


def _subsets(m, p):
    return [np.array(c) for c in itertools.combinations(range(m), p)]


def _assert_consistent(prob, sol):
    """Invariants: everyone assigned to an open site of the tier; objective recomputed."""
    assert sol.status == "optimal"
    a = sol.assignment
    for tier in prob.tiers:
        if tier.mode != "assign":
            continue
        sub = a[a["tier"] == tier.name]
        assert set(sub["site"]) <= set(sol.open_sites[tier.name])
        got = sub.groupby("client")["attendees"].sum()
        want = prob.tier_demand(tier)
        for i in np.flatnonzero(want > 0):
            assert got[i] == pytest.approx(want[i], rel=1e-5)
    terms = score_plan(prob, sol.open_sites, a)
    assert terms == pytest.approx(dict(sol.terms))


@SETTINGS
@given(instances())
def test_p_median_matches_brute_force(inst):
    cost, demand, p, _ = inst
    prob = Problem.from_matrix(cost, demand, p=p)
    best = min(median_cost(cost, demand, s) for s in _subsets(cost.shape[1], p))
    for sparsify in (True, False):
        sol = solve(prob, sparsify=sparsify)
        _assert_consistent(prob, sol)
        assert len(sol.open_sites["facility"]) == p
        assert sol.objective == pytest.approx(best, rel=1e-9)


def _transport(cost, demand, cap, sites):
    """Splittable capacitated assignment cost for a fixed set of open sites (LP by scipy)."""
    n, k = cost.shape[0], len(sites)
    c = (cost[:, sites] * demand[:, None]).ravel()
    a_eq = np.kron(np.eye(n), np.ones(k))
    a_ub = np.zeros((k, n * k))
    for col in range(k):
        a_ub[col, col::k] = demand
    res = linprog(c, A_ub=a_ub, b_ub=cap[sites], A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1), method="highs")
    return res.fun if res.status == 0 else np.inf


@SETTINGS
@given(instances(max_sites=5))
def test_capacitated_facility_location_matches_brute_force(inst):
    cost, demand, _, rng = inst
    m = cost.shape[1]
    cap = rng.integers(5, 30, size=m).astype(float)
    fixed = rng.integers(0, 200, size=m).astype(float)
    if cap.sum() < demand.sum():
        cap *= demand.sum() / cap.sum() * 1.2
    prob = Problem.from_matrix(cost, demand, fixed_cost=fixed, capacity=cap)
    best = np.inf
    for k in range(1, m + 1):
        for s in _subsets(m, k):
            best = min(best, _transport(cost, demand, cap, s) + fixed[s].sum())
    sol = solve(prob)
    _assert_consistent(prob, sol)
    assert sol.objective == pytest.approx(best, rel=1e-6)
    used = sol.assignment.groupby("site")["attendees"].sum()
    assert (used <= cap[used.index] + 1e-6).all()


@SETTINGS
@given(instances(), st.data())
def test_group_counts_and_roles_match_brute_force(inst, data):
    cost, demand, _, rng = inst
    n, m = cost.shape
    site_group = rng.integers(0, 2, size=m)
    roles = list(data.draw(st.lists(st.sampled_from(["candidate", "required", "closed"]), min_size=m, max_size=m)))
    per_group = np.array([data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))])
    allowed = [s for k in range(1, m + 1) for s in _subsets(m, k)
               if all(roles[j] != "closed" for j in s)
               and all(j in s for j in range(m) if roles[j] == "required")
               and (np.bincount(site_group[s], minlength=2) <= per_group).all()]
    prob = Problem(
        minutes=cost, demand=demand, segments=("all",),
        tiers=(TierSpec("hub", segments=("all",), group_max=tuple(int(v) for v in per_group)),),
        roles=tuple(roles), client_group=np.zeros(n, int), site_group=site_group,
        group_names=("A", "B"),
    )
    if not allowed:
        try:
            assert solve(prob).status == "infeasible"
        except InfeasibleError:
            pass
        return
    best = min(median_cost(cost, demand, s) for s in allowed)
    sol = solve(prob)
    _assert_consistent(prob, sol)
    assert sol.objective == pytest.approx(best, rel=1e-9)
    opened = np.array(sol.open_sites["hub"])
    assert all(roles[j] != "closed" for j in opened)
    assert all(j in opened for j in range(m) if roles[j] == "required")


@SETTINGS
@given(instances(), st.integers(5, 50))
def test_coverage_matches_brute_force(inst, T):
    cost, demand, p, _ = inst
    m = cost.shape[1]
    prob = Problem.from_matrix(cost, demand, p=p,
                               objective=Objective(median=0.0, coverage=1.0, threshold_minutes=float(T)))
    best = max(demand[(cost[:, s] <= T).any(axis=1)].sum() for s in _subsets(m, p))
    sol = solve(prob)
    assert sol.status == "optimal"
    assert -sol.objective == pytest.approx(best)
    assert sol.coverage["facility"] == pytest.approx(best)


@SETTINGS
@given(instances())
def test_minimax_then_median_matches_brute_force(inst):
    cost, demand, p, _ = inst
    m = cost.shape[1]
    prob = Problem.from_matrix(cost, demand, p=p,
                               objective=Objective(median=1.0, minimax=1.0, lexicographic=("minimax", "median")))
    scored = [(cost[:, s].min(axis=1).max(), median_cost(cost, demand, s)) for s in _subsets(m, p)]
    best = min(scored)
    sol = solve(prob)
    _assert_consistent(prob, sol)
    assert sol.stages[0] == pytest.approx(best[0])
    assert sol.terms["minimax"] == pytest.approx(best[0])
    assert sol.objective == pytest.approx(best[1])


@SETTINGS
@given(instances(), st.integers(3, 40))
def test_min_sites_matches_brute_force(inst, T):
    cost, demand, _, _ = inst
    m = cost.shape[1]
    if not (cost <= T).any(axis=1).all():
        return
    prob = Problem.from_matrix(cost, demand,
                               objective=Objective(median=0.0, min_sites=1.0, threshold_minutes=float(T)))
    best = min(k for k in range(1, m + 1) for s in _subsets(m, k) if (cost[:, s] <= T).any(axis=1).all())
    sol = solve(prob)
    assert sol.status == "optimal"
    assert len(sol.open_sites["facility"]) == best == sol.objective


def test_closest_assignment_stops_skip_over():
    # capacity forces client 0 away from its nearest open site unless closest assignment holds
    cost = np.array([[1.0, 2.0, 9.0], [1.0, 5.0, 9.0], [9.0, 9.0, 1.0]])
    demand = np.array([5.0, 5.0, 1.0])
    cap = np.array([5.0, 10.0, 10.0])
    free = solve(Problem.from_matrix(cost, demand, p=2, capacity=cap))
    closest = solve(Problem.from_matrix(cost, demand, p=2, capacity=cap, closest_assignment=True))
    assert free.status == closest.status == "optimal"
    # free: sites {0, 1}; client 0 skips its nearest open site 0 (full) for site 1
    assert free.objective == pytest.approx(24.0) and free.open_sites["facility"] == (0, 1)
    assert set(free.assignment.loc[free.assignment["client"] == 0, "site"]) == {1}
    # closest: {0, 1} would send both to site 0 (over capacity), so {1, 2} is best
    assert closest.objective == pytest.approx(36.0) and closest.open_sites["facility"] == (1, 2)
    a = closest.assignment
    open_ = np.array(closest.open_sites["facility"])
    for i in range(3):
        assert set(a.loc[a["client"] == i, "site"]) == {int(open_[np.argmin(cost[i, open_])])}


def test_single_source_is_integral_and_no_better_than_split():
    cost = np.array([[1.0, 3.0], [2.0, 1.0], [1.0, 2.0]])
    demand = np.array([4.0, 4.0, 4.0])
    cap = np.array([6.0, 8.0])
    split = solve(Problem.from_matrix(cost, demand, p=2, capacity=cap))
    single = solve(Problem.from_matrix(cost, demand, p=2, capacity=cap, single_source=True))
    assert split.objective < single.objective
    assert single.assignment.groupby("client")["site"].nunique().max() == 1
    assert single.objective == pytest.approx(4 * 1 + 4 * 1 + 4 * 2)


def test_segments_tiers_spokes_budget_isolation():
    """Hub + specialist + spoke tiers with segments, localities, budget and isolation."""
    rng = np.random.default_rng(7)
    n, m = 12, 8
    xy_c, xy_s = rng.uniform(0, 60, (n, 2)), rng.uniform(0, 60, (m, 2))
    minutes = np.hypot(*(xy_c[:, None, :] - xy_s[None, :, :]).transpose(2, 0, 1)).round(1)
    demand = rng.integers(0, 6, size=(n, 2)).astype(float)
    fc = np.full(m, 100.0)
    prob = Problem(
        minutes=minutes, demand=demand, segments=("general", "complex"),
        tiers=(
            TierSpec("hub", segments=("general",), group_count=1, fixed_cost=fc),
            TierSpec("specialist", segments=("complex",), count=1, eligible=np.arange(m) < 4, fixed_cost=fc * 2),
            TierSpec("spoke", mode="cover", max_count=2, radius_minutes=15.0, fixed_cost=fc / 2),
        ),
        roles=("candidate",) * m,
        client_group=(xy_c[:, 0] > 30).astype(int), site_group=(xy_s[:, 0] > 30).astype(int),
        group_names=("West", "East"),
        objective=Objective(median=1.0, spoke_coverage=5.0, isolation=3.0, isolation_minutes=30.0),
        budget=500.0,
    )
    sol = solve(prob)
    _assert_consistent(prob, sol)
    opened = sol.open_sites
    assert len(opened["hub"]) == 2 and len(opened["specialist"]) == 1 and len(opened["spoke"]) <= 2
    assert not set(opened["hub"]) & set(opened["specialist"])
    assert {int(prob.site_group[j]) for j in opened["hub"]} == {0, 1}
    assert sol.terms["cost"] <= 500.0 + 1e-9
    assert set(sol.assignment["segment"]) == {"general", "complex"}
    # brute force over every plan: the weighted objective is the minimum
    best = np.inf
    w_gen, w_cx = demand[:, 0], demand[:, 1]
    for hw in range(m):
        for he in range(m):
            if prob.site_group[hw] != 0 or prob.site_group[he] != 1:
                continue
            for sp in range(4):
                if sp in (hw, he):
                    continue
                rest = [j for j in range(m) if j not in (hw, he, sp)]
                for k in range(3):
                    for spokes in itertools.combinations(rest, k):
                        cost = 100 * 2 + 200 + 50 * k
                        if cost > 500:
                            continue
                        d_hub = minutes[:, [hw, he]].min(axis=1)
                        d_sp = minutes[:, sp]
                        val = (w_gen * d_hub).sum() + (w_cx * d_sp).sum()
                        val += 3 * ((w_gen * (d_hub > 30)).sum() + (w_cx * (d_sp > 30)).sum())
                        near = (minutes[:, [hw, he, sp, *spokes]] <= 15).any(axis=1)
                        val -= 5 * demand.sum(axis=1)[near].sum()
                        best = min(best, val)
    assert sol.objective == pytest.approx(best, rel=1e-9)


def test_hint_and_heuristic_agree_with_exact():
    rng = np.random.default_rng(3)
    cost = rng.integers(1, 100, size=(40, 15)).astype(float)
    demand = rng.integers(1, 5, size=40).astype(float)
    heur = p_median_heuristic(cost, demand, p=4)
    sol = solve(Problem.from_matrix(cost, demand, p=4), hint={"facility": tuple(heur)}, sparsify=False)
    assert sol.status == "optimal"
    assert sol.objective <= median_cost(cost, demand, heur) + 1e-9


def test_bad_arguments():
    prob = Problem.from_matrix(np.ones((2, 2)), p=1)
    with pytest.raises(InputError, match="engine: 'gurobi' is not available"):
        solve(prob, engine="gurobi")
    with pytest.raises(InputError, match="time_limit_s: must be > 0"):
        solve(prob, time_limit_s=0)


def test_scip_engine_agrees_with_highs():
    rng = np.random.default_rng(11)
    cost = rng.integers(1, 50, size=(15, 6)).astype(float)
    prob = Problem.from_matrix(cost, np.ones(15), p=2)
    assert solve(prob, engine="scip", sparsify=False).objective == solve(prob).objective


def test_status_is_an_enum_that_reads_as_before():
    """Manifests and reports print the status; the enum must read exactly as the old strings did."""
    sol = solve(Problem.from_matrix(np.array([[1.0, 4.0], [5.0, 2.0]]), p=1))
    assert sol.status is SolverStatus.OPTIMAL
    assert json.dumps({"status": sol.status}) == '{"status": "optimal"}'
    assert f"{sol.status} {sol.status:9s}|" == "optimal optimal  |"
    assert [s.value for s in SolverStatus if s.has_plan] == ["optimal", "feasible"]


def _one_site_plan():
    prob = Problem.from_matrix(np.array([[1.0, 4.0], [5.0, 2.0]]), np.array([10.0, 20.0]), p=1)
    table = pd.DataFrame({"client": [0, 1], "segment": "all", "site": [0, 0], "tier": "facility",
                          "attendees": [10.0, 20.0]})
    return prob, Plan({"facility": (0,)}, table)


def test_finish_scores_the_plan_and_rejects_a_solver_that_claims_better():
    prob, plan = _one_site_plan()
    report = SolverReport(SolverStatus.FEASIBLE, 100.0, 110.0, "highs", "stopped")
    sol = finish(prob, plan, report, Timing(build_seconds=0.5, solve_seconds=1.5))
    assert sol.objective == 110.0 and sol.gap == pytest.approx(10 / 110)
    assert (sol.build_seconds, sol.solve_seconds, sol.engine) == (0.5, 1.5, "highs")
    assert sol.terms["median"] == 110.0 and sol.terms["min_sites"] == 1
    lying = SolverReport(SolverStatus.OPTIMAL, 100.0, 100.0, "highs")
    with pytest.raises(SolverError, match=r"solver objective 100\.000000 disagrees with the recomputed 110\.000000"):
        finish(prob, plan, lying, Timing())


def test_finish_logs_a_plan_better_than_claimed(caplog):
    prob, plan = _one_site_plan()
    finish(prob, plan, SolverReport(SolverStatus.FEASIBLE, 100.0, 120.0, "highs"), Timing(), gap_target=1e-4)
    assert "recomputed objective 110.000000 is better than the solver's 120.000000" in caplog.text


def test_no_plan_keeps_status_bound_and_timing():
    prob, _ = _one_site_plan()
    sol = no_plan(prob, SolverReport(SolverStatus.NO_SOLUTION, 3.0, None, "scip", "limit"), Timing(0.1, 2.0))
    assert not sol.has_plan and sol.objective is None and sol.best_bound == 3.0
    assert sol.assignment.empty and list(sol.assignment.columns) == ["client", "segment", "site", "tier", "attendees"]
