"""Near-best alternatives under the privacy rule: their swaps are published, their figures are not."""

from __future__ import annotations


def test_client_record_runs_publish_the_alternatives_swaps_but_not_their_figures(make_record):
    from dataclasses import replace

    from hubplan.outputs.privacy import DEFAULT_SUPPRESS_BELOW, protect
    from hubplan.plan import AlternativePlan, TierSwap

    record = make_record(name="clients", spokes=4, seed=3, total_attendees=300, integer_counts=True,
                         suppress_below=DEFAULT_SUPPRESS_BELOW)
    plan = AlternativePlan(2, "optimal", 1234.5, 1234.5, 0.01, {"a": ("hub",)}, (TierSwap("hub", ("a",), ("b",)),))
    record = replace(record, manifest=replace(record.manifest, alternatives=(plan,)))
    published = protect(record).manifest.as_dict()["alternatives"]
    assert published[0]["objective"] is None and published[0]["gap_to_best"] is None
    assert published[0]["swaps"] == [{"tier": "hub", "opened": ["a"], "closed": ["b"]}]
