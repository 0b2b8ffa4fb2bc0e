"""Demand: the council's estimate, client files and the synthetic cohort, on the real study area."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubplan.demand import (
    demand_from_client_file,
    demand_from_cohort,
    estimate_demand,
    normalise_postcode,
    synthetic_cohort,
)
from hubplan.errors import InputError
from hubplan.scenario import DemandConfig, SegmentConfig


def test_estimate_preserves_totals_and_shares(study) -> None:
    demand = estimate_demand(study, DemandConfig())
    assert demand.total == pytest.approx(521, abs=1e-9)
    shares = {k: v / demand.total for k, v in demand.per_segment().items()}
    assert shares["older_people"] == pytest.approx(0.30, abs=1e-12)
    assert shares["working_age_ld"] == pytest.approx(0.70 * 0.70, abs=1e-12)
    assert shares["working_age_other"] == pytest.approx(0.70 * 0.30, abs=1e-12)
    assert (demand.attendees >= 0).all()
    assert demand.attendees.shape == (223, 3)


def test_estimate_follows_the_census_population(study) -> None:
    demand = estimate_demand(study, DemandConfig(total=1000, share_aged_65_plus=1.0))
    older = study.home_areas["pop_65_plus"].to_numpy()
    np.testing.assert_allclose(demand.attendees[:, 0], 1000 * older / older.sum())


def test_explicit_segments(study) -> None:
    config = DemandConfig(segments=(
        SegmentConfig(name="dementia", share=0.1, weight="pop_65_plus"),
        SegmentConfig(name="rest", share=0.9, weight="pop_disabled"),
    ))  # fmt: skip
    demand = estimate_demand(study, config)
    assert demand.segments == ("dementia", "rest")
    assert demand.per_segment()["dementia"] == pytest.approx(52.1)


def test_normalise_postcode() -> None:
    assert normalise_postcode("dt1  1aa") == "DT1 1AA"
    assert normalise_postcode("BH217AB") == "BH21 7AB"


def _write(tmp_path: Path, text: str, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_client_file_is_geocoded_and_aggregated(study, tmp_path: Path) -> None:
    path = _write(tmp_path, "postcode,segment,attendees\nDT1 1AA,older_people,2\ndt11ab,working_age_ld,1\n"
                            "DT1 1AA,older_people,1\n")
    demand = demand_from_client_file(study, DemandConfig(method="client_file", client_file=path), path)
    assert demand.total == 4
    areas = list(demand.area_ids)
    lookup = study.postcodes.set_index("postcode")["area_id"]
    assert demand.attendees[areas.index(lookup["DT1 1AA"]), 0] == 3
    assert demand.attendees[areas.index(lookup["DT1 1AB"]), 1] == 1
    assert "DT1" not in str(demand.details)


def test_client_file_unknown_postcodes_are_listed(study, tmp_path: Path) -> None:
    path = _write(tmp_path, "postcode,segment\nDT1 1AA,older_people\nSW1A 1AA,older_people\nnonsense,working_age_ld\n")
    config = DemandConfig(method="client_file", client_file=path)
    with pytest.raises(InputError, match=r"clients\.csv: postcode: 2 row\(s\) not geocoded: line 3 'SW1A 1AA' "
                                         r"\(not a Dorset Council postcode\); line 4 'nonsense' \(malformed\); fix: "):
        demand_from_client_file(study, config, path)
    skipped = demand_from_client_file(study, config.model_copy(update={"on_unknown_postcode": "skip"}), path)
    assert skipped.total == 1
    assert [(row.line, row.reason) for row in skipped.unmatched] == [
        (3, "not a Dorset Council postcode"), (4, "malformed"),
    ]  # fmt: skip
    assert skipped.details["rows_skipped"] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("postcode\nDT1 1AA\n", r"clients\.csv: segment: missing column; fix: give a header row"),
        ("", r"clients\.csv: \(rows\): the file is empty"),
        ("postcode,segment\n", r"clients\.csv: \(rows\): no client rows"),
        ("postcode,segment\nDT1 1AA,children\n",
         r"clients\.csv: segment: unknown segment\(s\) 'children'; fix: use one of"),
        ("postcode,segment,attendees\nDT1 1AA,older_people,0\n",
         r"clients\.csv: attendees: line 2: '0' is not a whole number from 1 to 400,000"),
        ("postcode,segment,attendees\nDT1 1AA,older_people,1.5\n",
         r"attendees: line 2: '1.5' is not a whole number from 1 to"),
    ],
)
def test_client_file_errors(study, tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=message):
        demand_from_client_file(study, DemandConfig(method="client_file", client_file=path), path)


def test_client_file_wrong_encoding(study, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("postcode,segment\nDT1 1AA,older_people\n# café\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.csv: \(encoding\): not UTF-8 .* fix: export the file as UTF-8 CSV"):
        demand_from_client_file(study, DemandConfig(method="client_file", client_file=path), path)


def test_synthetic_cohort_is_seeded_and_keeps_totals(study) -> None:
    config = DemandConfig(method="synthetic")
    first = synthetic_cohort(study, config, seed=7)
    again = synthetic_cohort(study, config, seed=7)
    other = synthetic_cohort(study, config, seed=8)
    assert first.equals(again)
    assert not first.equals(other)
    assert len(first) == 521
    assert first["segment"].value_counts().to_dict() == {
        "working_age_ld": 255, "older_people": 156, "working_age_other": 110}
    demand = demand_from_cohort(study, config, first)
    assert demand.total == 521
    assert set(first["postcode"]) <= set(study.postcodes["postcode"])
