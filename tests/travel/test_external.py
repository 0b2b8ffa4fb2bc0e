"""The matrix travel model: a user's own OD CSV, validated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubplan.errors import InputError
from hubplan.points import Points
from hubplan.travel import ROUTE_FACTOR, crow_fly_km, travel_matrix

HOMES = Points(("H1", "H2", "H3"), np.array([-2.44, -2.16, -1.98]), np.array([50.71, 50.86, 50.72]))
SITES = Points(("S1", "S2"), np.array([-2.43, -2.00]), np.array([50.61, 50.74]))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "od.csv"
    path.write_text(text)
    return path


def _full(with_km: bool = True) -> str:
    rng = np.random.default_rng(3)
    lines = ["origin_id,destination_id,minutes" + (",km" if with_km else "")]
    for o in HOMES.ids:
        for d in SITES.ids:
            minutes = round(float(rng.uniform(5, 60)), 2)
            lines.append(f"{o},{d},{minutes}" + (f",{minutes * 0.8:.2f}" if with_km else ""))
    return "\n".join(lines) + "\n"


def test_reads_a_complete_matrix(tmp_path: Path) -> None:
    text = _full()
    tm = travel_matrix(HOMES, SITES, model="matrix", matrix_file=_write(tmp_path, text))
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    for o, d, minutes, km in rows:
        i, j = HOMES.ids.index(o), SITES.ids.index(d)
        assert tm.minutes[i, j] == float(minutes) and tm.km[i, j] == float(km)
    assert tm.model == "matrix" and tm.details["km_source"] == "file"
    assert len(tm.details["matrix_sha256"]) == 64


def test_km_optional_then_crow_fly_times_route_factor(tmp_path: Path) -> None:
    tm = travel_matrix(
        HOMES, SITES, model="matrix", matrix_file=_write(tmp_path, _full(with_km=False))
    )
    np.testing.assert_allclose(tm.km, crow_fly_km(HOMES, SITES) * ROUTE_FACTOR)
    assert "route factor" in tm.details["km_source"]


def test_extra_unknown_ids_are_ignored(tmp_path: Path) -> None:
    text = _full() + "H9,S1,12,10\n"
    tm = travel_matrix(HOMES, SITES, model="matrix", matrix_file=_write(tmp_path, text))
    assert tm.details["unknown_origin_ids"] == 1 and tm.details["rows_used"] == 6


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "origin_id,destination,minutes\nH1,S1,3\n",
            r"od\.csv: destination_id: missing column; fix: give a header row with origin_id,destination_id",
        ),
        (
            "origin_id,destination_id,minutes\nH1,S1,-3\n",
            r"minutes: 1 rows are not finite numbers >= 0 \(lines 2\)",
        ),
        (
            "origin_id,destination_id,minutes\nH1,S1,abc\n",
            r"minutes: 1 rows are not finite numbers",
        ),
        ("origin_id,destination_id,minutes,km\nH1,S1,3,-1\n", r"km: 1 rows are not finite"),
        (
            "origin_id,destination_id,minutes\nH1,S1,3\nH1,S1,4\n",
            r"origin_id,destination_id: 1 duplicate pairs \(H1->S1\)",
        ),
        (
            "origin_id,destination_id,minutes\nH1,S1,3\nH1,S2,4\nX7,S1,9\n",
            r"4 of 6 requested pairs are missing, e.g. H2->S1, H2->S2.*unknown ids: origins X7",
        ),
    ],
)
def test_validation_errors(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        travel_matrix(HOMES, SITES, model="matrix", matrix_file=_write(tmp_path, text))


def test_missing_file_names_the_scenario(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"^s\.toml: travel\.matrix: matrix file .* does not exist; fix:"
    ):
        travel_matrix(
            HOMES, SITES, model="matrix", matrix_file=tmp_path / "none.csv", source_label="s.toml"
        )
