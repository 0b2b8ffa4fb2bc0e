"""Issue 13: fixed plans through one path, validate's checks, whose demand, and the council's proposal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubplan.api import check_scenario, evaluate_scenario, run_scenario
from hubplan.errors import InputError
from hubplan.scenario import ATTENDEES_ALL, ATTENDEES_CARE_DORSET_CENTRES, Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
PROPOSAL = SCENARIOS / "council-proposal-2026.toml"
BEST = SCENARIOS / "council-proposal-2026-best.toml"


def _edited(path: Path, **sections: dict[str, object]) -> Scenario:
    """A scenario file with some keys of its sections replaced (``None`` removes one), validated again."""
    loaded = load_scenario(path)
    data = loaded.model_dump(exclude_none=True)
    for section, keys in sections.items():
        data[section] = {key: value for key, value in {**data.get(section, {}), **keys}.items() if value is not None}
    return Scenario.model_validate(data).model_copy(update={"source_path": loaded.source_path})


def _same(a: dict, b: dict) -> bool:
    """Identical metrics, NaN (an unknown cost) equal to NaN."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _open_tiers(record) -> dict[str, str]:
    sites = record.sites
    is_open = sites["status"] == "open"
    return dict(zip(sites.loc[is_open, "site_id"], sites.loc[is_open, "tier"], strict=True))


@pytest.fixture(scope="module")
def proposal(shipped):
    return shipped.record("council-proposal-2026")  # optimised (nothing to choose), not routed


@pytest.fixture(scope="module")
def best(shipped):
    return shipped.record("council-proposal-2026-best")  # optimised, not routed


# ------------------------------------------------------------------ 1. one path for a fixed plan
def test_evaluate_computes_what_run_computes_for_a_fixed_plan_with_specialist_tiers(study_path, proposal) -> None:
    """Before: evaluate sent everyone to the nearest centre whatever their tier (0 isolated, 29 min at most)."""
    evaluated = evaluate_scenario(PROPOSAL, study_path=study_path)
    assert _same(evaluated.metrics, proposal.metrics)
    assert evaluated.allocations.equals(proposal.allocations)
    overall = proposal.metrics["overall"]
    assert overall["max_minutes"] > 60  # the specialist hubs serve the whole county
    assert overall["isolated"]["rural"] + overall["isolated"]["urban"] > 0
    by_tier = evaluated.allocations.groupby("tier")["site_id"].unique()
    assert list(by_tier["specialist_ld"]) == ["CD-VERWOOD-CONNECT"]
    assert list(by_tier["specialist_dementia"]) == ["CD-WAREHAM-PLUS"]


def test_a_plan_with_nothing_to_choose_is_labelled_evaluated_never_optimal(cli, proposal, tmp_path: Path,
                                                                            study_path: Path) -> None:
    solver = proposal.manifest.solver
    assert (solver.status, solver.method, solver.proven_optimal) == ("evaluated", "fixed plan", False)
    outcome = cli.invoke(["run", str(PROPOSAL), "--study", str(study_path), "--out", str(tmp_path), "--no-transport"])
    assert outcome.exit_code == 0, outcome.stderr
    assert "evaluated (fixed plan)" in outcome.stdout.splitlines()[0]
    assert "transport plan" not in outcome.stdout
    assert "optimal" not in outcome.stdout.splitlines()[0]


def test_a_required_site_with_more_tiers_than_it_can_host_is_a_choice(study_path: Path) -> None:
    """run optimises it; evaluate cannot evaluate it and says how to fix the plan."""
    scenario = _edited(PROPOSAL, constraints={"tiers_per_site": 1})
    with pytest.raises(InputError, match=r"sites\.roles: required site CD-WAREHAM-PLUS may take tiers hub, "
                                         r"specialist_dementia but constraints\.tiers_per_site = 1"):
        evaluate_scenario(scenario, study_path=study_path)


# ------------------------------------------------------------------ 2. validate checks what needs no solving
@pytest.mark.parametrize(("edit", "message"), [
    ({"roles": [{"role": "required", "ids": ["CD-WAREHAM-PLUSS"]}]},
     r"sites\.roles\.0\.ids: unknown site ID\(s\) CD-WAREHAM-PLUSS; fix: did you mean 'CD-WAREHAM-PLUS'\?"),
    ({"roles": [{"role": "required", "kind": "day_centre", "locality": "purbeck"}]},
     r"sites\.roles\.0\.locality: unknown locality purbeck; fix: did you mean 'Purbeck'\?"),
])
def test_check_scenario_finds_what_run_would_stop_on(study_path: Path, edit, message) -> None:
    scenario = _edited(SCENARIOS / "dorset-current.toml", sites=edit)
    with pytest.raises(InputError, match=message):
        check_scenario(scenario, study_path=study_path)


def test_validate_checks_against_the_study_area_and_says_so(cli, study_path: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = cli.invoke(["scenario", "validate", str(PROPOSAL), "--study", str(study_path)])
    assert outcome.exit_code == 0, outcome.stderr
    assert "feasibility checked against" in outcome.stdout
    monkeypatch.chdir(tmp_path)  # no data/geo/study.gpkg here
    outcome = cli.invoke(["scenario", "validate", str(PROPOSAL)])
    assert outcome.exit_code == 0, outcome.stderr
    assert "were not checked (give --study)" in outcome.stdout


# ------------------------------------------------------------------ 3. whose demand
def test_the_population_planned_is_a_choice_recorded_in_the_manifest(shipped, study_path: Path) -> None:
    everyone = shipped.record("dorset-current", "evaluate")
    assert everyone.manifest.demand["population"] == "all_attendees"
    assert everyone.manifest.demand["population_attendees"] == ATTENDEES_ALL == 521
    scenario = _edited(SCENARIOS / "dorset-current.toml", demand={"population": "care_dorset_centres", "total": None})
    assert scenario.demand.total == ATTENDEES_CARE_DORSET_CENTRES == 303
    care_dorset = evaluate_scenario(scenario, study_path=study_path)
    assert care_dorset.manifest.demand["population"] == "care_dorset_centres"
    assert care_dorset.manifest.demand["population_attendees"] == 303
    assert care_dorset.allocations["attendees"].sum() == pytest.approx(303)


def test_a_total_contradicting_the_population_is_refused() -> None:
    with pytest.raises(ValueError, match="contradicts population = 'care_dorset_centres'"):
        _edited(SCENARIOS / "dorset-current.toml", demand={"population": "care_dorset_centres", "total": 521})


# ------------------------------------------------------------------ 4. the council's proposal and the best plan
def test_the_proposal_keeps_the_reported_buildings_in_their_tiers(proposal) -> None:
    assert _open_tiers(proposal) == {
        "CD-DORCHESTER-CONNECT": "hub", "CD-BRIDPORT-CONNECT": "hub", "CD-STOUR-CONNECT": "hub",
        "CD-BLANDFORD-CONNECT": "hub", "CD-FERNDOWN-PLUS": "hub", "CD-RIDGEWAY-CENTRE": "hub",
        "CD-WAREHAM-PLUS": "hub + specialist_dementia", "CD-VERWOOD-CONNECT": "specialist_ld",
    }


def test_the_best_plan_keeps_as_many_buildings_proven_optimal_and_no_worse(proposal, best) -> None:
    assert best.manifest.solver.status == "optimal" and best.manifest.solver.proven_optimal
    assert len(_open_tiers(best)) == len(_open_tiers(proposal)) == 8
    assert set(best.sites.loc[best.sites["status"] == "open", "kind"]) == {"day_centre"}
    assert sum(best.manifest.seconds.values()) < 30 and sum(proposal.manifest.seconds.values()) < 30
    assert best.metrics["overall"]["mean_minutes"] <= proposal.metrics["overall"]["mean_minutes"]


def test_the_building_count_is_a_constraint(study_path: Path) -> None:
    seven = run_scenario(_edited(BEST, constraints={"buildings": 7}), study_path=study_path, transport=False)
    assert len(_open_tiers(seven)) == 7
    with pytest.raises(Exception, match=r"constraints\.buildings: 12 buildings asked for but only 11 sites may open"):
        run_scenario(_edited(BEST, constraints={"buildings": 12}), study_path=study_path)
