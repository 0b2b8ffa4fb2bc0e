"""Validation and pre-solve feasibility explanations of hubplan.core.problem and hubplan.core.checks."""

from __future__ import annotations

import numpy as np
import pytest

from hubplan.core.checks import check_feasibility, feasibility_issues, input_issues
from hubplan.core.problem import Objective, Problem, TierSpec
from hubplan.errors import InfeasibleError, InputError, Issue


def _two_tier(**overrides):
    """4 clients x 5 sites, two localities, hub tier (segment a) + specialist tier (segment b)."""
    minutes = np.array(
        [[5.0, 20, 40, 50, 12], [15, 8, 35, 45, 30], [40, 35, 6, 18, 25], [50, 45, 14, 7, 33]]
    )
    kw = dict(
        minutes=minutes,
        demand=np.array([[3.0, 1], [2, 0], [4, 2], [1, 1]]),
        segments=("a", "b"),
        tiers=(
            TierSpec("hub", segments=("a",), group_count=1),
            TierSpec("specialist", segments=("b",), count=1, eligible=np.array([0, 0, 0, 0, 1], bool)),
        ),
        roles=("candidate",) * 5,
        client_group=np.array([0, 0, 1, 1]),
        site_group=np.array([0, 0, 1, 1, 0]),
        group_names=("West", "East"),
        source="scenario.toml",
    )
    kw.update(overrides)
    return Problem(**kw)


def test_valid_problem_is_frozen_and_read_only():
    prob = _two_tier()
    assert prob.n_clients == 4 and prob.n_sites == 5 and prob.n_groups == 2
    with pytest.raises(ValueError, match="read-only"):
        prob.minutes[0, 0] = 1.0
    np.testing.assert_array_equal(prob.tier_demand(prob.tiers[0]), [3, 2, 4, 1])
    np.testing.assert_array_equal(prob.available(prob.tiers[1]), [0, 0, 0, 0, 1])


def test_validate_reports_every_problem_at_once():
    with pytest.raises(InputError) as info:
        _two_tier(
            demand=np.array([[3.0, -1], [2, 0], [4, 2], [1, 1]]),
            roles=("candidate", "open", "candidate", "candidate", "closed"),
            tiers=(TierSpec("hub", segments=("a", "zzz"), count=2, min_count=1),),
        )
    issues = info.value.issues
    assert [issue.field for issue in issues] == ["demand", "roles", "tiers.hub.segments", "tiers.hub.count", "tiers"]
    assert issues[1] == Issue("scenario.toml", "roles", "site site 1 has role 'open'",
                              "use one of required, candidate, closed")
    assert "segment 'b' is served by 0 assign tiers" in issues[4].problem
    assert str(info.value) == (
        "scenario.toml: demand: must be finite and >= 0; fix: fix the demand estimate (and 4 more problems)"
    )


def test_validate_objective_needs_thresholds():
    with pytest.raises(InputError, match=r"objective.threshold_minutes: coverage and min_sites need T"):
        _two_tier(objective=Objective(median=0.0, coverage=1.0))
    with pytest.raises(InputError, match=r"objective.isolation_minutes"):
        _two_tier(objective=Objective(isolation=2.0))
    with pytest.raises(InputError, match=r"objective.spoke_coverage: rewards cover tiers but none"):
        _two_tier(objective=Objective(spoke_coverage=1.0))
    with pytest.raises(InputError, match="every weight is zero"):
        _two_tier(objective=Objective(median=0.0))


def test_from_matrix_rejects_bad_shapes():
    with pytest.raises(InputError, match="cost: must be a 2-D matrix"):
        Problem.from_matrix(np.ones(3), p=1)
    with pytest.raises(InputError, match="minutes: must be >= 0"):
        Problem.from_matrix(np.array([[1.0, -2.0]]), p=1)


def test_feasible_problem_passes_check():
    check_feasibility(_two_tier())


def test_infeasible_no_site_within_cutoff():
    prob = _two_tier(max_minutes=7.5)
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(prob)
    hub, specialist = info.value.issues
    assert str(hub) == ("scenario.toml: tier hub: 1 client(s) with demand have no eligible site within reach "
                        "(client 1); fix: add a candidate site near them, raise max_minutes or drop their demand")
    assert specialist.field == "tier specialist" and specialist.problem.startswith("3 client(s)")


def test_infeasible_capacity_below_demand():
    cap = np.array([2.0, 2, 2, 2, 2])
    prob = _two_tier(tiers=(TierSpec("hub", segments=("a",), count=2, capacity=cap),
                            TierSpec("specialist", segments=("b",), count=1,
                                     eligible=np.array([0, 0, 0, 0, 1], bool))))
    with pytest.raises(InfeasibleError, match=r"tiers.hub.capacity: at most 4 places for 10 attendees"):
        check_feasibility(prob)
    grouped = _two_tier(
        within_group=True,
        tiers=(TierSpec("hub", segments=("a",), capacity=np.array([9.0, 9, 2, 2, 0])),
               TierSpec("specialist", segments=("b",), count=1, eligible=np.array([0, 0, 0, 0, 1], bool))),
    )
    with pytest.raises(InfeasibleError, match="locality East has 4 places for 5 attendees"):
        check_feasibility(grouped)


def test_infeasible_more_sites_than_candidates():
    prob = _two_tier(tiers=(TierSpec("hub", segments=("a",), group_count=(1, 3)),
                            TierSpec("specialist", segments=("b",), count=2,
                                     eligible=np.array([0, 0, 0, 0, 1], bool))))
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(prob)
    messages = [str(issue) for issue in info.value.issues]
    assert "tiers.hub.group_count: 3 asked for in East but only 2 eligible candidates there" in messages[0]
    assert "tiers.specialist.count: 2 sites asked for but only 1 candidates are eligible" in messages[1]


def test_infeasible_required_site_ineligible_or_closed_elsewhere():
    prob = _two_tier(
        roles=("candidate", "candidate", "candidate", "candidate", "required"),
        tiers=(TierSpec("hub", segments=("a",), eligible=np.array([1, 1, 1, 1, 0], bool)),
               TierSpec("specialist", segments=("b",), count=1, eligible=np.array([1, 0, 0, 0, 0], bool))),
    )
    with pytest.raises(InfeasibleError, match=r"required site\(s\) site 4 are eligible for no tier"):
        check_feasibility(prob)


def test_infeasible_budget_below_required_cost():
    fc = np.array([1000.0, 2000, 3000, 4000, 5000])
    prob = _two_tier(
        roles=("required", "candidate", "required", "candidate", "candidate"),
        budget=3500.0,
        tiers=(TierSpec("hub", segments=("a",), group_count=1, fixed_cost=fc),
               TierSpec("specialist", segments=("b",), count=1, eligible=np.array([0, 0, 0, 0, 1], bool))),
    )
    with pytest.raises(InfeasibleError, match="budget: 3,500 GBP is below the 4,000 GBP the required sites"):
        check_feasibility(prob)


def test_infeasible_required_sites_exceed_tier_maximum():
    prob = _two_tier(roles=("required", "required", "candidate", "candidate", "candidate"))
    with pytest.raises(InfeasibleError, match=r"tiers.hub.group_count: 2 required sites in West can only be hubs"):
        check_feasibility(prob)


def test_every_message_names_fields_as_the_source_does():
    """With the scenario's labels, every issue (not only the first) and its fix speak in scenario terms."""
    from hubplan.optimise import scenario_field_labels

    labels = scenario_field_labels(("hub", "specialist"))
    prob = _two_tier(max_minutes=7.5, roles=("required", "required", "candidate", "candidate", "candidate"),
                     field_labels=labels)
    issues = info_issues(prob)
    assert [issue.field for issue in issues] == ["tier hub", "tier specialist", "tiers.hub.count_per_locality"]
    assert all(issue.fix.endswith("raise constraints.max_minutes or drop their demand") for issue in issues[:2])
    budget = _two_tier(roles=("required", "candidate", "required", "candidate", "candidate"), budget=3500.0,
                       tiers=(TierSpec("hub", segments=("a",), group_count=1, fixed_cost=np.full(5, 2000.0)),
                              _two_tier().tiers[1]), field_labels=labels)
    assert [issue.field for issue in info_issues(budget)] == ["constraints.budget"]
    with pytest.raises(InputError, match=r"^scenario.toml: constraints.max_minutes: must be > 0, got -1.0; fix: "):
        _two_tier(max_minutes=-1.0, field_labels=labels)


def test_labels_default_to_the_numpy_field_names():
    prob = _two_tier(objective=Objective(min_sites=1.0, threshold_minutes=6.0))
    first = info_issues(prob)[0]
    assert first.field == "objective.min_sites"
    assert first.fix == "raise objective.threshold_minutes or add candidate sites"
    labelled = _two_tier(objective=Objective(min_sites=1.0, threshold_minutes=6.0),
                         field_labels={"objective.threshold_minutes": "objective.coverage_minutes"})
    assert info_issues(labelled)[0].fix == "raise objective.coverage_minutes or add candidate sites"


def test_checks_return_issues_and_a_valid_problem_has_none():
    prob = _two_tier()
    assert input_issues(prob) == [] and feasibility_issues(prob) == []
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(_two_tier(max_minutes=7.5))
    assert info.value.issues == tuple(feasibility_issues(_two_tier(max_minutes=7.5)))
    assert str(info.value).endswith("(and 1 more problem)")


def info_issues(prob):
    """The feasibility issues of ``prob``, as :func:`check_feasibility` raises them."""
    with pytest.raises(InfeasibleError) as info:
        check_feasibility(prob)
    return list(info.value.issues)
