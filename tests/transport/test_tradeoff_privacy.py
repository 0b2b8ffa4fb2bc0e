"""The trade-off curve and the exception count under the disclosure rule (hubplan.outputs.privacy)."""

from __future__ import annotations

from hubplan.outputs.privacy import suppress_transport


def _site(passengers: int, exceptions: int) -> dict:
    return {"passengers": passengers, "wheelchair_passengers": 0, "exception_passengers": exceptions,
            "vehicles": 1, "ride_mean_minutes": 20.0}


def test_exception_counts_are_people_counts_and_a_hidden_plan_loses_its_tradeoff_curve() -> None:
    curve = [{"value_of_time_gbp_per_hour": 0.0, "chosen": False, "vehicles": 1, "cost_gbp_year": 6e4,
              "ride_mean_minutes": 25.0, "ride_p90_minutes": 30.0, "ride_over_direct": 1.5}]
    small = {"overall": {**_site(3, 1), "tradeoff": curve}, "localities": {}, "sites": {"s1": _site(3, 1)}}
    out = suppress_transport(small, {"s1": "A"}, 5)
    assert out["sites"]["s1"]["exception_passengers"] is None
    assert "exception_passengers" in out["sites"]["s1"]["suppressed"]
    assert out["overall"]["tradeoff"] is None  # derived from hidden passengers' trips
    big = {"overall": {**_site(40, 2), "tradeoff": curve}, "localities": {}, "sites": {"s1": _site(40, 2)}}
    out = suppress_transport(big, {"s1": "A"}, 5)
    assert out["overall"]["passengers"] == 40 and out["overall"]["exception_passengers"] is None
    assert out["overall"]["tradeoff"] == curve


def test_the_report_shows_the_curve_with_the_plans_own_point_marked_and_nothing_when_withheld() -> None:
    from hubplan.outputs.report.transport import _tradeoff_part

    curve = [{"value_of_time_gbp_per_hour": 0.0, "chosen": False, "vehicles": 28, "cost_gbp_year": 1_680_000.0,
              "ride_mean_minutes": 29.8, "ride_p90_minutes": 52.0, "ride_over_direct": 1.96},
             {"value_of_time_gbp_per_hour": 10.0, "chosen": True, "vehicles": 28, "cost_gbp_year": 1_680_000.0,
              "ride_mean_minutes": 21.7, "ride_p90_minutes": 47.7, "ride_over_direct": 1.43}]
    text = "\n".join(_tradeoff_part(curve))
    assert "### Cost against time on board" in text
    assert "| £10.00 an hour (this plan) | 28 | £1,680,000 |" in text and "| 1.43 |" in text
    assert "| £0.00 an hour | 28 |" in text
    assert _tradeoff_part(None) == [] and _tradeoff_part([]) == []  # withheld or not asked for
