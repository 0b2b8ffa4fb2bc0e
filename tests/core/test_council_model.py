"""Dorset Council's hub, spoke and specialist model in the core: shared sites, per-tier reach, reach by
any open site, and the preference for existing buildings, each against brute force where it can be."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubplan.core.checks import feasibility_issues
from hubplan.core.problem import Objective, Problem, TierSpec
from hubplan.core.solution import SolverStatus
from hubplan.core.solve import solve
from hubplan.errors import InfeasibleError

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _two_segment_problem(minutes, demand, tiers, **options):
    n, m = np.shape(minutes)
    return Problem(
        minutes=np.asarray(minutes, float), demand=np.asarray(demand, float), segments=("general", "complex"),
        tiers=tiers, roles=options.pop("roles", ("candidate",) * m),
        client_group=options.pop("client_group", np.zeros(n, int)),
        site_group=options.pop("site_group", np.zeros(m, int)),
        group_names=options.pop("group_names", ("all",)), **options,
    )  # fmt: skip


# ====================================================================== co-located tiers
def _hub_and_specialist(tiers_per_site, *, capacity=None):
    """Two clients beside site 0, one far away beside site 1; site 0 is the only specialist candidate."""
    minutes = [[1.0, 30.0], [1.0, 30.0], [30.0, 1.0]]
    demand = [[4.0, 2.0], [4.0, 2.0], [4.0, 0.0]]
    tiers = (
        TierSpec("hub", segments=("general",), count=1, fixed_cost=[100.0, 100.0]),
        TierSpec("specialist", segments=("complex",), count=1, eligible=[True, False], capacity=capacity),
    )
    return _two_segment_problem(minutes, demand, tiers, tiers_per_site=tiers_per_site,
                                building_cost=np.array([1000.0, 1000.0]),
                                objective=Objective(median=1.0, cost=0.01))


def test_a_site_hosts_two_tiers_and_its_building_is_paid_once():
    shared = solve(_hub_and_specialist(2))
    assert shared.open_sites == {"hub": (0,), "specialist": (0,)}
    # one building (1000) + the hub's own cost (100): the building is not paid twice
    assert shared.terms["cost"] == pytest.approx(1100.0)
    assert shared.terms["min_sites"] == 1.0
    assert shared.objective == pytest.approx(4 + 4 + 4 * 30 + 2 + 2 + 0.01 * 1100)
    alone = solve(_hub_and_specialist(1))
    assert alone.open_sites == {"hub": (1,), "specialist": (0,)}
    assert alone.terms["cost"] == pytest.approx(2100.0)


def test_each_tier_keeps_its_own_capacity_at_a_shared_site():
    shared = solve(_hub_and_specialist(2, capacity=np.array([4.0, 4.0])))
    assert shared.status == SolverStatus.OPTIMAL and shared.open_sites == {"hub": (0,), "specialist": (0,)}
    a = shared.assignment
    specialist, hub = a[a["tier"] == "specialist"], a[a["tier"] == "hub"]
    assert specialist["attendees"].sum() == pytest.approx(4.0) and set(specialist["site"]) == {0}
    # the hub's 12 attendees at the same site are not held to the specialist's 4 places
    assert hub["attendees"].sum() == pytest.approx(12.0) and set(hub["site"]) == {0}
    with pytest.raises(InfeasibleError, match=r"tiers\.specialist\.capacity: at most 3 places for 4 attendees"):
        solve(_hub_and_specialist(2, capacity=np.array([3.0, 0.0])))


def test_a_required_building_hosts_a_tier_even_when_sites_are_shared():
    prob = _hub_and_specialist(2)
    prob = Problem(**{**prob.__dict__, "roles": ("candidate", "required"), "tiers": (
        prob.tiers[0], TierSpec("specialist", segments=("complex",), count=1))})
    sol = solve(prob)
    assert 1 in sol.open_sites["hub"] + sol.open_sites["specialist"]


# ====================================================================== per-tier reach
def test_reach_is_set_per_tier():
    """Hubs serve their own locality, the specialist the whole area (as specialist.toml means)."""
    minutes = [[1.0, 5.0, 9.0], [5.0, 1.0, 9.0], [9.0, 9.0, 1.0]]
    demand = [[3.0, 1.0], [3.0, 1.0], [3.0, 1.0]]
    tiers = (
        TierSpec("hub", segments=("general",), group_count=1, eligible=[True, True, True], within_group=True),
        TierSpec("specialist", segments=("complex",), count=1, within_group=False),
    )
    prob = _two_segment_problem(minutes, demand, tiers, client_group=np.array([0, 1, 1]),
                                site_group=np.array([0, 1, 1]), group_names=("west", "east"), within_group=True,
                                tiers_per_site=2)
    sol = solve(prob)
    a = sol.assignment
    hub = a[a["tier"] == "hub"]
    assert (prob.client_group[hub["client"]] == prob.site_group[hub["site"]]).all()
    specialist = a[a["tier"] == "specialist"]
    assert specialist["site"].nunique() == 1
    assert (prob.client_group[specialist["client"]] != prob.site_group[specialist["site"]]).any()
    # with the problem-wide rule alone the specialist could not serve the other locality
    strict = Problem(**{**prob.__dict__, "tiers": (tiers[0], TierSpec("specialist", segments=("complex",), count=1))})
    with pytest.raises(InfeasibleError, match="attendees in 2 localities must be served within their own"):
        solve(strict)


def test_a_tier_has_its_own_journey_limit():
    minutes = np.array([[1.0, 20.0], [20.0, 1.0]])
    demand = [[1.0, 1.0], [1.0, 1.0]]
    tiers = (TierSpec("hub", segments=("general",), count=1),
             TierSpec("specialist", segments=("complex",), min_count=1, max_minutes=10.0))
    prob = _two_segment_problem(minutes, demand, tiers, tiers_per_site=2)
    a = solve(prob).assignment
    journeys = minutes[a["client"], a["site"]]
    assert journeys[a["tier"] == "hub"].max() == 20.0  # the hub has no limit of its own
    assert journeys[a["tier"] == "specialist"].max() == 1.0  # the specialist opens twice to stay within 10
    stranded = _two_segment_problem(minutes + np.array([[0.0, 0.0], [0.0, 15.0]]), demand, tiers, tiers_per_site=2,
                                    field_labels={"tiers.specialist.max_minutes": "tiers.specialist.max_minutes"})
    with pytest.raises(InfeasibleError, match=r"tier specialist: 1 client.* raise tiers\.specialist\.max_minutes"):
        solve(stranded)


# ====================================================================== reach by any open site
def _spokes(**options):
    """Four villages on a line 20 minutes apart; the hub can only be in the first."""
    x = np.array([0.0, 20.0, 40.0, 60.0])
    minutes = np.abs(x[:, None] - x[None, :])
    tiers = (TierSpec("hub", segments=("all",), count=1, eligible=[True, False, False, False]),
             TierSpec("spoke", mode="cover", radius_minutes=25.0, fixed_cost=np.ones(4)))
    return Problem(minutes=minutes, demand=np.ones((4, 1)), segments=("all",), tiers=tiers, roles=("candidate",) * 4,
                   client_group=np.zeros(4, int), site_group=np.zeros(4, int), group_names=("all",),
                   field_labels={"max_minutes_to_reach": "constraints.max_minutes_to_any",
                                 "objective.threshold_minutes": "objective.coverage_minutes"}, **options)


def test_fewest_spokes_so_nobody_is_beyond_30_minutes_of_a_hub_or_a_spoke():
    sol = solve(_spokes(reach_tiers=("hub", "spoke"),
                        objective=Objective(min_sites=1.0, threshold_minutes=30.0,
                                            lexicographic=("min_sites", "median"))))
    assert sol.status == SolverStatus.OPTIMAL
    assert sol.open_sites["hub"] == (0,)
    assert len(sol.open_sites["spoke"]) == 1 and sol.open_sites["spoke"][0] in (2, 3)
    # without the spokes counting, the same question is answered by the hub alone: infeasible
    with pytest.raises(InfeasibleError, match=r"no hub site within 30 minutes"):
        solve(_spokes(objective=Objective(min_sites=1.0, threshold_minutes=30.0,
                                          lexicographic=("min_sites", "median"))))


def test_the_reach_limit_is_a_constraint_on_any_objective():
    sol = solve(_spokes(max_minutes_to_reach=30.0, objective=Objective(median=1.0, cost=1.0)))
    assert sol.open_sites["hub"] == (0,) and sol.open_sites["spoke"] in ((2,), (3,))
    # coverage by reach counts the spokes' villages too; by tier, only the hub's own
    by_reach = solve(_spokes(reach_tiers=("hub", "spoke"), objective=Objective(coverage=1.0, threshold_minutes=10.0)))
    assert by_reach.terms["coverage"] == pytest.approx(-4.0)
    by_tier = solve(_spokes(objective=Objective(coverage=1.0, threshold_minutes=10.0)))
    assert by_tier.terms["coverage"] == pytest.approx(-1.0)


def test_an_unreachable_limit_names_the_home_areas_and_their_nearest_candidate_before_solving():
    prob = _spokes(max_minutes_to_reach=30.0, reach_tiers=("hub",))
    issues = feasibility_issues(prob)
    assert [str(i) for i in issues] == [
        "problem: constraints.max_minutes_to_any: 2 client(s) with attendees have no candidate hub site within "
        "30 minutes: client 2 (nearest 40.0 min), client 3 (nearest 60.0 min); fix: raise "
        "constraints.max_minutes_to_any to at least 60 or add candidate sites near them"]
    with pytest.raises(InfeasibleError, match=r"client 2 \(nearest 40\.0 min\)"):
        solve(prob)
    far = _spokes(reach_tiers=("hub", "spoke"), objective=Objective(min_sites=1.0, threshold_minutes=10.0))
    assert "objective.coverage_minutes: 0 client" not in str(feasibility_issues(far))
    narrow = _spokes(reach_tiers=("hub",), objective=Objective(min_sites=1.0, threshold_minutes=10.0))
    assert "objective.coverage_minutes: 3 client(s)" in str(feasibility_issues(narrow)[0])


# ====================================================================== existing buildings
def _twins(order):
    """Sites 0 and 1 stand on the same point; ``order[1]`` is the existing building, ``order[0]`` a new venue."""
    minutes = np.array([[3.0, 3.0, 9.0], [4.0, 4.0, 1.0], [2.0, 2.0, 8.0]])
    existing = np.zeros(3, bool)
    existing[order[1]] = True
    return Problem.from_matrix(minutes, np.array([5.0, 1.0, 4.0]), p=1, existing=existing)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_tie_between_a_new_venue_and_an_existing_building_keeps_the_building(order):
    """Whichever of the twins the solver meets first, the existing building is the one kept."""
    for lagrangian in (True, False):
        sol = solve(_twins(order), lagrangian=lagrangian)
        assert sol.open_sites["facility"] == (order[1],)
        assert set(sol.assignment["site"]) == {order[1]}


def test_new_venue_cost_keeps_an_existing_building_a_few_minutes_worse():
    minutes = np.array([[10.0, 11.0], [10.0, 11.0]])
    existing = np.array([False, True])
    plain = solve(Problem.from_matrix(minutes, np.ones(2), p=1, existing=existing))
    assert plain.open_sites["facility"] == (0,) and "new_venues" not in plain.terms
    kept = solve(Problem.from_matrix(minutes, np.ones(2), p=1, existing=existing,
                                     objective=Objective(median=1.0, new_venues=3.0)))
    assert kept.open_sites["facility"] == (1,)
    assert kept.terms["new_venues"] == 0.0 and kept.objective == pytest.approx(22.0)
    moved = solve(Problem.from_matrix(minutes, np.ones(2), p=1, existing=existing,
                                      objective=Objective(median=1.0, new_venues=1.0)))
    assert moved.open_sites["facility"] == (0,) and moved.objective == pytest.approx(21.0)


# ====================================================================== brute force
@st.composite
def council_instances(draw):
    """Hub (assign), specialist (assign, one site) and optional spoke (cover) tiers on up to 4 sites."""
    n = draw(st.integers(3, 6))
    m = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    minutes = rng.integers(1, 40, size=(n, m)).astype(float)
    demand = rng.integers(0, 5, size=(n, 2)).astype(float)
    demand[0] = np.maximum(demand[0], 1.0)
    client_group = rng.integers(0, 2, size=n)
    site_group = np.arange(m) % 2
    with_spoke = draw(st.booleans())
    tiers = [
        TierSpec("hub", segments=("general",), min_count=1, fixed_cost=rng.integers(0, 50, m).astype(float),
                 within_group=draw(st.sampled_from([None, True, False]))),
        TierSpec("specialist", segments=("complex",), count=1, within_group=False,
                 eligible=rng.random(m) < 0.7 if draw(st.booleans()) else None,
                 max_minutes=draw(st.sampled_from([None, 35.0]))),
    ]
    if with_spoke:
        tiers.append(TierSpec("spoke", mode="cover", radius_minutes=15.0, max_count=2,
                              fixed_cost=rng.integers(0, 20, m).astype(float)))
    reach_limit = draw(st.sampled_from([None, 25.0, 35.0]))
    return Problem(
        minutes=minutes, demand=demand, segments=("general", "complex"), tiers=tuple(tiers),
        roles=tuple(draw(st.sampled_from(["candidate", "candidate", "required", "closed"])) for _ in range(m)),
        client_group=client_group, site_group=site_group, group_names=("west", "east"),
        within_group=draw(st.booleans()), tiers_per_site=draw(st.integers(1, 2)),
        building_cost=rng.integers(0, 100, m).astype(float) if draw(st.booleans()) else None,
        existing=rng.random(m) < 0.5,
        reach_tiers=draw(st.sampled_from([None, ("hub",), ("hub", "spoke") if with_spoke else ("specialist",)])),
        max_minutes_to_reach=reach_limit,
        objective=Objective(median=1.0, cost=0.1, new_venues=float(draw(st.sampled_from([0, 7]))),
                            spoke_coverage=2.0 if with_spoke else 0.0),
    )  # fmt: skip


def _brute_force(prob):
    """The best objective over every way of giving each site a set of tiers (inf when none is feasible)."""
    m, tiers = prob.n_sites, prob.tiers
    options = []
    for j in range(m):
        allowed = [t for t, tier in enumerate(tiers) if prob.available(tier)[j]]
        sets = [c for k in range(prob.tiers_per_site + 1) for c in itertools.combinations(allowed, k)]
        options.append([s for s in sets if s or prob.roles[j] != "required"])
    best = np.inf
    for plan in itertools.product(*options):
        best = min(best, _plan_value(prob, plan))
    return best


def _plan_value(prob, plan):
    tiers, m = prob.tiers, prob.n_sites
    open_in = np.array([[t in plan[j] for j in range(m)] for t in range(len(tiers))])
    for t, tier in enumerate(tiers):
        count = open_in[t].sum()
        if (tier.lower_count is not None and count < tier.lower_count) or \
                (tier.upper_count is not None and count > tier.upper_count):
            return np.inf
    value, nearest_reach = 0.0, np.full(prob.n_clients, np.inf)
    for t, tier in enumerate(tiers):
        usable = np.where(prob.reach_pairs(tier) & open_in[t][None, :], prob.minutes, np.inf)
        if prob.reach_tiers is None or tier.name in prob.reach_tiers:
            nearest_reach = np.minimum(nearest_reach, usable.min(axis=1))
        if tier.mode == "assign":
            demand = prob.tier_demand(tier)
            journey = np.where(demand > 0, np.where(prob.reachable(tier) & open_in[t][None, :], prob.minutes,
                                                    np.inf).min(axis=1), 0.0)
            value += float(np.sum(demand * journey))
        if tier.fixed_cost is not None:
            value += 0.1 * float(tier.fixed_cost[open_in[t]].sum())
    buildings = open_in.any(axis=0)
    if prob.building_cost is not None:
        value += 0.1 * float(prob.building_cost[buildings].sum())
    value += prob.objective.new_venues * float((buildings & ~prob.existing).sum())
    total = prob.demand.sum(axis=1)
    if prob.max_minutes_to_reach is not None and (nearest_reach[total > 0] > prob.max_minutes_to_reach).any():
        return np.inf
    for t, tier in enumerate(tiers):
        if tier.mode == "cover":
            counted = open_in[t] | open_in[[k for k, other in enumerate(tiers) if other.mode == "assign"]].any(axis=0)
            covered = (prob.minutes[:, counted] <= tier.radius_minutes).any(axis=1)
            value -= prob.objective.spoke_coverage * float(total[covered].sum())
    return value


@SETTINGS
@given(council_instances())
def test_several_tiers_shared_sites_and_reach_match_brute_force(prob):
    best = _brute_force(prob)
    if not np.isfinite(best):
        try:
            sol = solve(prob, relative_gap=0.0)
        except InfeasibleError:
            return
        assert sol.status == SolverStatus.INFEASIBLE
        return
    sol = solve(prob, relative_gap=0.0)
    assert sol.status == SolverStatus.OPTIMAL
    assert sol.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    opened = np.zeros((len(prob.tiers), prob.n_sites), bool)
    for t, tier in enumerate(prob.tiers):
        opened[t, list(sol.open_sites[tier.name])] = True
    assert opened.sum(axis=0).max() <= prob.tiers_per_site
