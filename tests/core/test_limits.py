"""Journey limits no plan can meet (issue 23): the home areas named and the smallest limit, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hubplan.core.limits import check_limits, limit_findings
from hubplan.core.problem import Problem
from hubplan.core.specs import TierSpec
from hubplan.errors import InfeasibleError


def _bottleneck(minutes: np.ndarray, p: int) -> float:
    """Brute force: the smallest longest journey over every set of ``p`` open sites (each client to its nearest)."""
    return min(float(minutes[:, list(sites)].min(axis=1).max())
               for sites in itertools.combinations(range(minutes.shape[1]), p))


def test_hand_made_case_names_the_areas_and_the_smallest_limit() -> None:
    """One site must serve three areas: site 1 does best (40 min); areas 0 and 2 are then beyond 20."""
    minutes = np.array([[5.0, 40.0], [50.0, 10.0], [30.0, 30.0]])
    prob = Problem.from_matrix(minutes, np.ones(3), p=1, max_minutes=20.0,
                               client_ids=("north", "east", "west"), source="hand.toml")
    [found] = limit_findings(prob)
    assert (found.field, found.limit, found.best, found.clients, found.proven) == ("max_minutes", 20.0, 40.0,
                                                                                    (0, 2), True)
    with pytest.raises(InfeasibleError) as caught:
        check_limits(prob)
    text = str(caught.value)
    assert "smallest limit any plan can meet is 40 minutes" in text
    assert "2 home area(s) travel longer than 20 minutes: north, west" in text
    assert "raise max_minutes to at least 40" in text and "east" not in text.split("minutes:")[-1].split(";")[0]


@pytest.mark.parametrize("seed", range(6))
def test_smallest_limit_matches_brute_force(seed: int) -> None:
    """Random 8 x 5 problems opening 2 sites: the bisection finds the brute-force bottleneck exactly."""
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(5.0, 90.0, size=(8, 5)).round(1)
    best = _bottleneck(minutes, 2)
    prob = Problem.from_matrix(minutes, rng.integers(1, 5, size=8).astype(float), p=2, max_minutes=best - 0.05)
    [found] = limit_findings(prob)
    assert found.best == pytest.approx(best)
    # the areas named travel beyond the limit asked for, at most the smallest limit, in some 2-site plan
    assert found.clients
    assert any(all(prob.max_minutes < minutes[c, list(s)].min() <= best for c in found.clients)
               for s in itertools.combinations(range(5), 2))
    assert limit_findings(Problem.from_matrix(minutes, np.ones(8), p=2, max_minutes=best)) == []


def test_a_tier_limit_is_named_with_its_tier() -> None:
    """A specialist tier with one site and its own limit: the finding names that tier's field, not the problem's."""
    minutes = np.array([[5.0, 40.0, 60.0], [50.0, 10.0, 35.0], [30.0, 30.0, 12.0]])
    demand = np.array([[2.0, 1.0], [2.0, 1.0], [2.0, 1.0]])
    tiers = (TierSpec("hub", segments=("a",), count=3),
             TierSpec("specialist", segments=("b",), count=1, max_minutes=30.0))
    prob = Problem(minutes=minutes, demand=demand, segments=("a", "b"), tiers=tiers, roles=("candidate",) * 3,
                   client_group=np.zeros(3, dtype=np.int64), site_group=np.zeros(3, dtype=np.int64),
                   group_names=("all",), tiers_per_site=2)
    [found] = limit_findings(prob)
    assert found.field == "tiers.specialist.max_minutes" and found.tiers == ("specialist",)
    assert found.best == pytest.approx(min(minutes.max(axis=0)))  # site 1 reaches all within 40
    assert found.best == 40.0 and found.clients == (0,)  # area 0 is 40 min from site 1


def test_limits_not_to_blame_give_no_finding() -> None:
    """Capacity below demand is infeasible whatever the limit: no journey limit is blamed."""
    minutes = np.array([[5.0, 40.0], [50.0, 10.0]])
    prob = Problem.from_matrix(minutes, np.array([5.0, 5.0]), p=1, capacity=np.array([6.0, 6.0]), max_minutes=20.0)
    assert limit_findings(prob) == []
