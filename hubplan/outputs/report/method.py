"""How sure the plan is and what it rests on.

The plan's status in words, the travel model and its error, the named assumptions,
and the data sources as a readable list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hubplan.outputs.escape import markdown_text
from hubplan.outputs.report.figures import gap_text, minutes, number, share, whole
from hubplan.outputs.report.sites import md_table
from hubplan.provenance import SolverRecord, TravelProvenance
from hubplan.record.manifest import DataSource, Manifest

__all__ = [
    "PLAN_STATUS", "assumption_sections", "solver_sentence", "sources_section", "status_section", "travel_rows",
]

PLAN_STATUS: Mapping[str, str] = {
    "optimal": "Proven best plan",
    "evaluated": "Evaluated fixed plan",
    "feasible": "Best plan found within the time limit",
}
"""The solver's status (:data:`hubplan.provenance.PlanStatus`) in words."""

OBJECTIVES: Mapping[str, str] = {
    "median": "Least total journey time (plus any penalties)",
    "coverage": "Most attendees within the coverage time",
    "min_sites": "Fewest sites that reach everyone within the coverage time",
    "minimax": "Shortest longest journey, then least total journey time",
}

DEMAND_METHODS: Mapping[str, str] = {
    "estimate": "Estimate: the council's totals and shares, spread over home areas by Census 2021 population",
    "client_file": "Client records: a council export of home postcodes",
    "synthetic": "Synthetic cohort drawn from the estimate (a robustness study, not real people)",
}

SPREAD_BY: Mapping[str, str] = {
    "pop_65_plus": "Census 2021 residents aged 65 and over",
    "pop_16_64": "Census 2021 residents aged 16 to 64",
    "pop_disabled": "Census 2021 residents disabled under the Equality Act",
    "pop_total": "Census 2021 residents",
}


def solver_sentence(solver: SolverRecord) -> str:
    """Say how good the plan is in words; the word *optimal* is never used, *proven* only when it is.

    Examples
    --------
    >>> solver_sentence(SolverRecord("optimal", gap=1.5e-15, relative_gap_target=1e-4))[:60]
    '**Proven best plan.** The solver proved that no plan meeting'
    >>> text = solver_sentence(SolverRecord("feasible", gap=0.031, time_limit_s=30))
    >>> text[:90]
    '**Best plan found within the time limit.** The solver stopped at its time limit of 30 seco'
    >>> "may be up to 3.10% worse than the best possible plan" in text
    True

    """
    words = PLAN_STATUS.get(solver.status, markdown_text(solver.status))
    if solver.status == "optimal":
        target = ("" if solver.relative_gap_target is None
                  else f", within the target of {gap_text(solver.relative_gap_target)}")
        return (f"**{words}.** The solver proved that no plan meeting the scenario's rules scores better "
                f"(gap to the proven bound: {gap_text(solver.gap)}{target}).")
    if solver.status == "evaluated":
        return (f"**{words}.** Nothing was optimised: these figures describe the sites the scenario fixes, "
                "each in its tiers, with everyone going to the nearest open site of the tier that serves them.")
    limit = "" if solver.time_limit_s is None else f" of {whole(solver.time_limit_s)} seconds"
    distance = ("how far it is from the best possible plan is not known." if solver.gap is None else
                f"it may be up to {gap_text(solver.gap)} worse than the best possible plan (the solver's bound).")
    return (f"**{words}.** The solver stopped at its time limit{limit}. "
            f"This is the best plan it found; {distance}")


def status_section(solver: SolverRecord) -> list[str]:
    """The plan's status in words, and the solver's figures formatted."""
    parts = ["## How sure is this plan\n", solver_sentence(solver) + "\n"]
    if solver.status == "evaluated":
        return parts
    withheld = "withheld (it weighs the exact client counts)"
    rows = [
        ("Status", PLAN_STATUS.get(solver.status, solver.status)),
        ("Gap to the proven bound", gap_text(solver.gap)),
        ("Gap target", gap_text(solver.relative_gap_target)),
        ("Time limit", "none" if solver.time_limit_s is None else f"{whole(solver.time_limit_s)} s"),
        ("Engine", solver.engine or "n/a"),
        ("Aim", OBJECTIVES.get(solver.objective_type or "", solver.objective_type or "n/a")),
        ("Plan score (attendee-minutes and penalties)",
         withheld if solver.objective is None else whole(solver.objective)),
        ("Proven bound", withheld if solver.best_bound is None else whole(solver.best_bound)),
    ]
    rows += [(f"Objective term: {term.replace('_', ' ')}", whole(value)) for term, value in solver.terms.items()]
    rows += [(f"Within spoke reach: {tier.replace('_', ' ')}", share(value)) for tier, value in solver.coverage.items()]
    return [*parts, md_table(["Solver figure", "Value"], rows) + "\n"]


def travel_rows(travel: TravelProvenance) -> list[tuple[str, str]]:
    """The travel model's name and its cross-validated error on real drive times.

    Examples
    --------
    >>> travel_rows(TravelProvenance("osm"))
    [('Model', 'osm'), ('Cross-validated error', 'not measured for this model')]
    """
    rows = [("Model", travel.model)]
    formula = travel.details.get("formula")
    if isinstance(formula, str):
        rows.append(("Formula", formula))
    error = travel.calibration_error
    if error is None:
        return [*rows, ("Cross-validated error", "not measured for this model")]
    rows += [
        ("Mean absolute error", f"{error.mae_min:.2f} min"),
        ("Bias (mean of predicted minus observed)", f"{error.bias_min:+.2f} min"),
        ("90th percentile of the absolute error", f"{error.p90_abs_min:.2f} min"),
        ("Journeys scored", whole(error.n)),
        ("Scored on", error.scored_on),
        ("Validation", error.scheme),
    ]
    caveat = travel.details.get("caveat")
    return [*rows, ("Caveat", caveat)] if isinstance(caveat, str) else rows


def _demand_rows(demand: Mapping[str, Any], threshold: int | None) -> list[str]:
    method = str(demand.get("method", ""))
    rows = [("Method", DEMAND_METHODS.get(method, method))]
    if demand.get("total") is not None:
        rows.append(("Attendees", whole(demand["total"])))
    elif threshold is not None:
        rows.append(("Attendees", f"<{threshold}"))
    if isinstance(demand.get("source"), str):
        rows.append(("Source", demand["source"]))
    parts = [md_table(["Item", "Value"], rows) + "\n"]
    segments = [s for s in demand.get("segments") or [] if isinstance(s, Mapping)]
    if segments:
        parts.append(md_table(["Group of people", "Share of attendees", "Spread over home areas by"], [
            [str(s.get("label") or s.get("name")), share(s.get("share")), SPREAD_BY.get(str(s.get("weight")), "n/a")]
            for s in segments]) + "\n")
    return parts


def _rule_rows(rules: Mapping[str, Any], parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = []
    if rules.get("isolation_minutes") is not None:
        rows.append(("Isolated: a journey longer than", minutes(rules["isolation_minutes"], words=True)))
    if rules.get("max_minutes") is not None:
        rows.append(("No journey longer than", minutes(rules["max_minutes"], words=True)))
    if "within_locality" in rules:
        rows.append(("Attendees served in their own locality", "yes" if rules["within_locality"] else "no"))
    for name, tier in (rules.get("tiers") or {}).items():
        if isinstance(tier, Mapping) and tier.get("radius_minutes") is not None:
            rows.append((f"Reach of a {name.replace('_', ' ')} site", minutes(tier["radius_minutes"], words=True)))
    if parameters:
        rows += [
            ("Trips per week (assumption: the council's papers give no frequency)",
             number(parameters.get("trips_per_week"))),
            ("Weeks per year (assumption)", number(parameters.get("weeks_per_year"))),
            ("Return journeys counted", "yes" if parameters.get("return_journeys") else "no"),
            ("Carbon per km", f"{number(parameters.get('co2e_kg_per_km'), 3)} kg CO2e"),
            ("Source of the carbon factor", str(parameters.get("co2e_source") or "n/a")),
        ]
    return rows


def assumption_sections(manifest: Manifest, parameters: Mapping[str, Any], threshold: int | None) -> list[str]:
    """Demand, the travel model and its error, and the scenario's rules and parameters."""
    parts = ["## Assumptions\n"]
    if threshold is not None:
        parts.append(
            f"Demand comes from client records: counts of people below {threshold} are shown as <{threshold}, "
            "other counts are rounded to the nearest 5, and figures derived from a suppressed count are not "
            "shown (see the README, *Privacy*).\n")
    if manifest.demand:
        parts += ["### Who attends\n", *_demand_rows(manifest.demand, threshold)]
    parts += ["### Travel model and its error\n", md_table(["Item", "Value"], travel_rows(manifest.travel)) + "\n"]
    rows = _rule_rows(manifest.scenario.rules, parameters)
    if rows:
        parts += ["### Rules and parameters\n", md_table(["Assumption", "Value"], rows) + "\n"]
    return parts


def sources_section(sources: Sequence[DataSource], attributions: Sequence[str]) -> list[str]:
    """The data sources as a readable list (publisher, what, licence), then the attribution lines."""
    parts = ["## Data sources and attributions\n"]
    parts += [f"- **{markdown_text(s.publisher)}** ({markdown_text(s.key.replace('_', ' '))}). "
              f"Licence: {markdown_text(s.licence)}." for s in sources]
    if sources:
        parts.append("")
    if attributions:
        parts += ["### Attribution lines the licences require\n", *[f"- {markdown_text(a)}" for a in attributions], ""]
    return parts
