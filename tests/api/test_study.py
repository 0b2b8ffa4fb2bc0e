"""The library API: a Study opened once, plans evaluated warm, the disclosure rule as a type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubplan.api import Study
from hubplan.errors import InputError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
PROPOSAL = SCENARIOS / "council-proposal-2026.toml"
BEST = SCENARIOS / "council-proposal-2026-best.toml"


@pytest.fixture(scope="module")
def proposal(study_path: Path) -> Study:
    return Study.open(PROPOSAL, study_path=study_path)


@pytest.fixture(scope="module")
def best(study_path: Path) -> Study:
    """The best 8 of the 13 Care Dorset buildings: every building a candidate."""
    return Study.open(BEST, study_path=study_path)


def _same(a: object, b: object) -> bool:
    """Equal figures, NaN equal to NaN (as metrics.json writes them)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _plan_of(open_tiers: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Tier -> sites, from a record's site -> tiers."""
    plan: dict[str, list[str]] = {}
    for site, tiers in open_tiers.items():
        for tier in tiers:
            plan.setdefault(tier, []).append(site)
    return plan


def test_a_plan_scores_the_same_however_it_is_given(proposal: Study) -> None:
    """The scenario's fixed plan, given back by tier and site IDs, gives identical figures."""
    fixed, _ = proposal.allocate()
    given, _ = proposal.allocate(_plan_of(fixed.open_tiers))
    assert given.open_tiers == fixed.open_tiers
    assert _same(proposal.figures(given), proposal.figures(fixed))
    assert fixed.solver.status == given.solver.status == "evaluated"
    assert (fixed.solver.method, given.solver.method) == ("fixed plan", "plan as given")


def test_keeping_a_closed_building_open_shortens_journeys(best: Study) -> None:
    """A workshop's "what if this one stays open?": a hub added never lengthens anyone's hub journey."""
    chosen, _ = best.solve()
    assert chosen.solver.status == "optimal"
    closed = sorted(set(best.prepared.travel.destination_ids) - set(chosen.open_tiers))
    assert closed, "the best plan closes buildings"
    before = best.figures(chosen)["overall"]
    plan = _plan_of(chosen.open_tiers)
    again, _ = best.allocate(plan)
    assert _same(best.figures(again), best.figures(chosen)), "the chosen plan, given back, scores the same"
    changed = []
    for site in closed:
        after, _ = best.allocate({**plan, "hub": [*plan["hub"], site]})
        figures = best.figures(after)["overall"]
        assert figures["sites_open"] == before["sites_open"] + 1
        assert figures["groups"]["tier"]["hub"]["mean_minutes"] <= before["groups"]["tier"]["hub"]["mean_minutes"]
        changed.append(figures["mean_minutes"] < before["mean_minutes"] - 1e-9)
    assert any(changed), "some closed building is nearer than today's hubs for somebody"


def test_an_unknown_site_or_tier_is_one_line(proposal: Study) -> None:
    with pytest.raises(InputError, match=r"plan\.hub: site 'nowhere' is not a site of this scenario; fix: "):
        proposal.allocate({"hub": ["nowhere"]})
    with pytest.raises(InputError, match=r"plan: unknown tier 'hubb'.*did you mean 'hub'"):
        proposal.allocate({"hubb": ["x"]})


def test_figures_match_the_record(proposal: Study) -> None:
    """The light path (figures only) gives what the full record carries."""
    allocation, seconds = proposal.allocate()
    record = proposal.record(allocation, seconds)
    assert _same(proposal.figures(allocation), record.metrics)
    light = proposal.figures(allocation, breakdowns=False)["overall"]
    assert _same({k: v for k, v in record.metrics["overall"].items() if k != "groups"}, light)


def test_vary_shares_the_area_and_matrix(proposal: Study) -> None:
    """A varied scenario shares the study's area and travel matrix, and refuses a change of sites."""
    scenario = proposal.scenario.model_copy(update={"name": "varied"})
    varied = proposal.vary(scenario)
    assert varied.prepared.study is proposal.prepared.study and varied.prepared.travel is proposal.prepared.travel
    assert _same(varied.figures(varied.allocate()[0]), proposal.figures(proposal.allocate()[0]))
    roles = [role.model_copy(update={"role": "closed"}) if i == 0 else role
             for i, role in enumerate(proposal.scenario.sites.roles)]
    fewer = proposal.scenario.model_copy(
        update={"sites": proposal.scenario.sites.model_copy(update={"roles": roles})})
    with pytest.raises(ValueError, match="change which sites take part"):
        proposal.vary(fewer)
