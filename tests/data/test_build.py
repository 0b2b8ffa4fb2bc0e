"""The study-area build on the real shared data."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from hubplan.data.build import build_study_area
from hubplan.data.study import load_study_area
from hubplan.errors import DataError


def test_layers_and_counts(study) -> None:
    assert study.locality_names == (
        "East Dorset", "North Dorset", "Purbeck", "West Dorset", "Weymouth and Portland",
    )  # fmt: skip
    assert len(study.home_areas) == 223
    assert study.home_areas["area_id"].is_unique
    assert len(study.postcodes) == 13235
    assert set(study.sources["key"]) >= {"localities", "home_area_attributes", "postcodes", "libraries"}


def test_populations_sum_to_source_totals(study, source_dir: Path) -> None:
    source = pd.read_csv(source_dir / "geo" / "dorset_lsoa21_attributes.csv")
    areas = study.home_areas
    assert areas["pop_total"].sum() == source["c21_total"].sum() == 379589
    assert areas["pop_65_plus"].sum() == source["c21_age_65plus"].sum()
    assert areas["pop_disabled"].sum() == source["c21_disabled_under_the_equality_act"].sum()
    by_locality = areas.groupby("locality")["area_id"].size().to_dict()
    assert by_locality == source.groupby("lad18nm")["lsoa21cd"].size().to_dict()


def test_representative_point_is_postcode_mean(study) -> None:
    areas = study.home_areas.set_index("area_id")
    postcodes = study.postcodes
    area = areas.index[0]
    mine = postcodes[postcodes["area_id"] == area]
    assert areas.at[area, "pt_lon"] == pytest.approx(mine["lon"].mean(), abs=1e-6)
    assert areas.at[area, "pt_lat"] == pytest.approx(mine["lat"].mean(), abs=1e-6)
    points = gpd.GeoSeries(gpd.points_from_xy(areas["pt_lon"], areas["pt_lat"]), index=areas.index, crs="EPSG:4326")
    inside = points.to_crs("EPSG:27700").within(areas.geometry.to_crs("EPSG:27700").buffer(200))
    assert inside.mean() > 0.95


def test_sites_have_stable_ids_kinds_and_localities(study, source_dir: Path) -> None:
    sites = study.sites
    assert sites["site_id"].is_unique
    counts = sites["kind"].value_counts().to_dict()
    assert counts == {
        "day_centre": len(pd.read_csv(source_dir / "sites" / "care_dorset_day_services.csv")),
        "library": len(pd.read_csv(source_dir / "sites" / "libraries_dorset_council.csv")),
        "gp_practice": len(pd.read_csv(source_dir / "sites" / "gp_practices_dorset_council.csv")),
        "gp_branch": len(pd.read_csv(source_dir / "sites" / "gp_branch_surgeries_dorset_council_2017.csv")),
        "settlement": len(pd.read_csv(source_dir / "geo" / "dorset_bua2022_census2021_population.csv")),
    }
    assert set(sites["locality"]) <= set(study.locality_names)
    centres = sites[sites["kind"] == "day_centre"].set_index("name")
    assert centres.at["Dorchester Connect", "locality"] == "West Dorset"
    assert centres["position_precision"].str.startswith("town").all()
    source = pd.read_csv(source_dir / "sites" / "care_dorset_day_services.csv").set_index("name")
    assert (centres["locality"] == source.loc[centres.index, "locality"]).all()


def test_build_is_idempotent(study_path: Path, tmp_path: Path, source_dir: Path) -> None:
    again = build_study_area(source_dir, tmp_path / "again.gpkg").path
    for layer in ("localities", "home_areas", "sites", "sources"):
        first = pyogrio.read_dataframe(study_path, layer=layer)
        second = pyogrio.read_dataframe(again, layer=layer)
        pd.testing.assert_frame_equal(first, second)


def _copy_source(source_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "source"
    shutil.copytree(source_dir / "geo", copy / "geo")
    shutil.copytree(source_dir / "sites", copy / "sites")
    return copy


def test_missing_file_is_a_clear_error(source_dir: Path, tmp_path: Path) -> None:
    copy = _copy_source(source_dir, tmp_path)
    (copy / "sites" / "libraries_dorset_council.csv").unlink()
    expected = r"libraries_dorset_council\.csv: source file missing \(libraries\); fix: pass --source"
    with pytest.raises(DataError, match=expected):
        build_study_area(copy, tmp_path / "out.gpkg")
    assert not (tmp_path / "out.gpkg").exists()


def test_missing_column_is_a_clear_error(source_dir: Path, tmp_path: Path) -> None:
    copy = _copy_source(source_dir, tmp_path)
    path = copy / "geo" / "dorset_lsoa21_attributes.csv"
    pd.read_csv(path).drop(columns="c21_age_65plus").to_csv(path, index=False)
    with pytest.raises(DataError, match=r"missing column\(s\) c21_age_65plus \(home_area_attributes\)"):
        build_study_area(copy, tmp_path / "out.gpkg")


def test_loading_a_missing_or_corrupt_study_area(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="study-area dataset not found; fix: run `hubplan data build`"):
        load_study_area(tmp_path / "none.gpkg")
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"not a geopackage")
    with pytest.raises(DataError, match="not a readable GeoPackage"):
        load_study_area(bad)
