"""Issue 23: a journey limit no plan can meet is one line naming the home areas and the smallest limit.

The council's proposal hosts the learning-disability specialist service at Verwood
Connect only, so with ``tiers.specialist_ld.max_minutes = 45`` the smallest limit any
plan can meet is the longest journey to Verwood of an area with such attendees, and the
areas named are those beyond 45 minutes of it: both computed here from the travel matrix.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hubplan.pipeline import prepare
from hubplan.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
PROPOSAL = SCENARIOS / "council-proposal-2026.toml"


def _with_ld_limit(tmp_path: Path, minutes: int) -> Path:
    text = PROPOSAL.read_text(encoding="utf-8")
    edited = text.replace('segments = ["ld_complex"]', f'segments = ["ld_complex"]\nmax_minutes = {minutes}', 1)
    assert edited != text
    path = tmp_path / "proposal-ld45.toml"
    path.write_text(edited, encoding="utf-8")
    return path


def test_specialist_limit_named_with_areas_and_best_value(cli, tmp_path: Path, study_path: Path) -> None:
    """``scenario validate`` and ``run`` both stop with one line: field, areas beyond 45, smallest limit."""
    path = _with_ld_limit(tmp_path, 45)
    prepared = prepare(load_scenario(path), study_path=study_path)
    sites = list(prepared.sites.loc[prepared.active, "site_id"])
    segment = prepared.demand.segments.index("ld_complex")
    has_ld = prepared.demand.attendees[:, segment] > 0
    to_verwood = prepared.travel.minutes[:, sites.index("CD-VERWOOD-CONNECT")]
    best = float(to_verwood[has_ld].max())
    beyond = [prepared.demand.area_ids[i] for i in np.flatnonzero(has_ld & (to_verwood > 45))]
    assert beyond and best > 45

    for args in (["scenario", "validate", str(path), "--study", str(study_path)],
                 ["run", str(path), "--study", str(study_path), "--out", str(tmp_path / "out"), "--no-transport"]):
        outcome = cli.invoke(args)
        assert outcome.exit_code == 2, outcome.stdout
        line = cli.one_error_line(outcome.stderr)
        assert line.startswith(f"{path}: tiers.specialist_ld.max_minutes: no plan keeps every specialist_ld journey "
                               "within 45 minutes")
        assert f"smallest limit any plan can meet is {best:.1f} minutes" in line
        assert f"{len(beyond)} home area(s) travel longer than 45 minutes" in line
        worst = max(beyond, key=lambda area: to_verwood[prepared.demand.area_ids.index(area)])
        assert f"{worst} (" in line  # the longest journey is named first
        assert f"raise tiers.specialist_ld.max_minutes to at least {math.ceil(best)}" in line
        assert "TERMINATION_REASON" not in line
    assert not (tmp_path / "out").exists()


def test_a_limit_that_can_be_met_still_validates(cli, tmp_path: Path, study_path: Path) -> None:
    """The same scenario with the limit at the smallest achievable value is valid."""
    path = _with_ld_limit(tmp_path, 200)
    outcome = cli.invoke(["scenario", "validate", str(path), "--study", str(study_path)])
    assert outcome.exit_code == 0, outcome.stderr
    assert ": valid (" in outcome.stdout


@pytest.mark.parametrize("limit", [45])
def test_no_raw_solver_words_when_rules_clash(cli, tmp_path: Path, study_path: Path, limit: int) -> None:
    """The optimised best-8 scenario under a county-wide 45-minute limit: named in scenario terms, exit 2."""
    text = (SCENARIOS / "council-proposal-2026-best.toml").read_text(encoding="utf-8")
    path = tmp_path / "best45.toml"
    path.write_text(text.replace("tiers_per_site = 2", f"tiers_per_site = 2\nmax_minutes = {limit}", 1),
                    encoding="utf-8")
    outcome = cli.invoke(["run", str(path), "--study", str(study_path), "--out", str(tmp_path / "o"),
                          "--no-transport"])
    assert outcome.exit_code == 2
    line = cli.one_error_line(outcome.stderr)
    assert "constraints.max_minutes: no plan keeps every" in line and "TERMINATION_REASON" not in line
    assert "smallest limit any plan can meet is" in line
