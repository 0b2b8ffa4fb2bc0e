"""Homes no road reaches (issue 20): a client on Brownsea Island (ferry only) is flagged, not silently driven."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubplan.api import run_scenario, write_outputs
from hubplan.outputs.operational import operational_folder
from hubplan.siting import off_mainland

BROWNSEA = "BH13 7EE"
"""Brownsea Island's postcode (Poole Harbour; National Trust, reached by ferry: no road)."""


def test_only_island_postcodes_lie_off_the_mainland(study) -> None:
    codes = study.postcodes.set_index("postcode")
    portland = [c for c in codes.index if c.startswith("DT5 1")][:3]  # joined to the mainland by Chesil Beach
    named = [BROWNSEA, "DT1 1AA", "BH20 4AA", *portland]
    named = [c for c in named if c in codes.index]
    flags = off_mainland(study, codes.loc[named, "lon"].to_numpy(), codes.loc[named, "lat"].to_numpy())
    assert dict(zip(named, flags.tolist(), strict=True)) == {c: c == BROWNSEA for c in named}
    every = off_mainland(study, codes["lon"].to_numpy(), codes["lat"].to_numpy())
    assert BROWNSEA in set(codes.index[every]) and int(np.sum(every)) <= 5  # a handful, all in Poole Harbour


@pytest.mark.slow
def test_a_client_on_brownsea_is_flagged_in_the_report_and_the_operational_file(study_path: Path, routed_copy,
                                                                               tmp_path: Path) -> None:
    rows = [(BROWNSEA, "older_people", 1), *[(f"BH20 4A{c}", "older_people", 1) for c in "ABDEF"]]
    pd.DataFrame(rows, columns=["postcode", "segment", "attendees"]).to_csv(tmp_path / "clients.csv", index=False)
    scenario = routed_copy("dorset-current.toml", "island", tmp_path,
                           demand='[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\n'
                                  'on_unknown_postcode = "skip"\n',
                           settings="council_transport_share = 1.0\nservice_days_per_week = 2.0\n")
    record = run_scenario(scenario, study_path=study_path)
    no_road = record.metrics["transport"]["no_road"]
    assert no_road["passengers"] == 1 and len(no_road["numbers"]) == 1
    folder = write_outputs(record, tmp_path / "out")[0]
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "**No road to <5 passengers' homes.**" in report and "Brownsea Island" in report
    assert "home area" not in report.split("**No road")[1].split("\n")[0]  # the area is not named publicly
    published = (folder / "metrics.json").read_text(encoding="utf-8")
    assert '"numbers"' not in published and '"home_areas"' not in published
    readme = (operational_folder(tmp_path / "out", "island") / "README.txt").read_text(encoding="utf-8")
    assert f"NO ROAD: passenger(s) {no_road['numbers'][0]} live on land no road joins" in readme
