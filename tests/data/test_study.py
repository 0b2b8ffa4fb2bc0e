"""Loading the study area: a damaged layer is a DataError naming the layer and the column.

Each case copies the study built from the real data for this session and damages one
layer the way a hand edit in QGIS or a half-finished rebuild would.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from hubplan.data.schema import LAYER_CONTRACTS, LAYERS
from hubplan.data.study import load_study_area
from hubplan.errors import DataError

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

REBUILD = "; fix: rebuild it with `hubplan data build` (or `make data`)"


def _damaged(study_path: Path, tmp_path: Path, layer: str, damage: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    path = tmp_path / "study.gpkg"
    shutil.copyfile(study_path, path)
    spatial = layer not in ("postcodes", "sources")
    frame = gpd.read_file(path, layer=layer) if spatial else pyogrio.read_dataframe(path, layer=layer,
                                                                                    read_geometry=False)
    pyogrio.write_dataframe(damage(frame), path, layer=layer, driver="GPKG")
    return path


def _set(column: str, value: object, row: int = 5) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def damage(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[column] = frame[column].astype(object if isinstance(value, str) else frame[column].dtype)
        frame.loc[row, column] = value
        return frame

    return damage


def test_the_contract_names_every_layer_once_and_the_built_study_meets_it(study) -> None:
    assert LAYERS == ("localities", "home_areas", "postcodes", "sites", "sources")
    for contract in LAYER_CONTRACTS:
        assert len(set(contract.columns)) == len(contract.columns)
        frame = getattr(study, contract.name)
        assert not [c for c in contract.columns if c not in frame.columns]


@pytest.mark.parametrize(
    ("layer", "damage", "message"),
    [
        ("home_areas", _set("pop_65_plus", np.nan),
         r"home_areas\.pop_65_plus: 1 of 223 rows not a finite number >= 0 \(e\.g\. E0\d{7}\)"),
        ("home_areas", _set("pop_disabled", -4.0),
         r"home_areas\.pop_disabled: 1 of 223 rows not a finite number >= 0 \(e\.g\. E0\d{7}\)"),
        ("home_areas", _set("pt_lat", "fifty"), r"home_areas\.pt_lat: 1 of 223 rows not a finite number \(.+\)"),
        ("home_areas", lambda f: f.drop(columns=["pop_total", "pop_16_64"]),
         r"home_areas\.pop_total: missing column" + REBUILD.replace("(", r"\(").replace(")", r"\)")
         + r" \(and 1 more problem\)"),
        ("sites", _set("site_id", ""), r"sites\.site_id: 1 of 227 rows empty \(e\.g\. row 6\)"),
        ("sites", lambda f: f.drop(columns=["kind"]), r"sites\.kind: missing column"),
        ("localities", lambda f: f.drop(columns=["locality"]), r"localities\.locality: missing column"),
        ("postcodes", _set("lon", np.inf), r"postcodes\.lon: 1 of 13235 rows not a finite number \(e\.g\. .+\)"),
        ("sources", lambda f: f.drop(columns=["attribution"]), r"sources\.attribution: missing column"),
    ],
)
def test_a_damaged_layer_names_the_layer_and_column(
    study_path: Path, tmp_path: Path, layer: str, damage: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    path = _damaged(study_path, tmp_path, layer, damage)
    with pytest.raises(DataError, match=f"^{re.escape(str(path))}: {message}") as caught:
        load_study_area(path)
    assert str(caught.value).count("; fix: rebuild it with `hubplan data build`") == 1


def test_nan_population_is_not_nan_attendees_on_the_command_line(cli, study_path: Path, tmp_path: Path) -> None:
    """Before, `evaluate` printed "nan attendees" and a table of nan%; now it stops with one line."""
    path = _damaged(study_path, tmp_path, "home_areas", _set("pop_disabled", np.nan))
    outcome = cli.invoke(["evaluate", str(SCENARIOS / "dorset-current.toml"), "--study", str(path)])
    assert outcome.exit_code == 2 and "nan" not in outcome.stdout
    assert outcome.stderr.splitlines() == [
        f"{cli.error_prefix}{path}: home_areas.pop_disabled: 1 of 223 rows not a finite number >= 0 "
        f"(e.g. {gpd.read_file(study_path, layer='home_areas')['area_id'].iloc[5]}){REBUILD}"
    ]
