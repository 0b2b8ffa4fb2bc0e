"""`compare` warns when routed runs' transport figures were made under different ride policies or objectives."""

from __future__ import annotations

from types import SimpleNamespace as NS

from hubplan.outputs.compare_assumptions import assumption_warnings


def _run(title: str, transport: dict) -> NS:
    manifest = NS(travel=NS(model="calibrated"), demand={"method": "estimate", "total": 521},
                  scenario=NS(rules={}), transport=transport)
    return NS(title=title, manifest=manifest, metrics={"overall": {"isolation_minutes": 45.0}})


def test_a_different_ride_policy_or_objective_is_a_warning_and_the_same_policy_is_not() -> None:
    policy = {"max_ride_minutes": 60.0, "max_ride_margin_minutes": 30.0, "max_ride_multiple": None,
              "objective": "generalised", "value_of_time_gbp_per_hour": 10.0, "search_steps": 5000}
    base = _run("proposal", {"settings": policy})
    assert assumption_warnings(base, _run("best", {"settings": dict(policy)})) == []
    other = _run("best", {"settings": {**policy, "max_ride_minutes": 90.0, "objective": "vehicles"}})
    assert assumption_warnings(base, other) == [
        "best differs from proposal in transport: longest ride (minutes): 90 against 60.",
        "best differs from proposal in transport: routing objective: vehicles against generalised.",
    ]
    assert assumption_warnings(base, _run("not routed", {})) == []  # nothing to compare
