"""Added sites must stand on Dorset's land: not in the sea, not over the border.

The localities are clipped to the coastline, so distances here are to real land. The
points were measured against the study built from the real data: 1,489 m and 297 m out
into Lyme Bay, 102 m off the shore at Lyme Regis, 35 m out in Swanage Bay, Yeovil
town centre (1,194 m over the border, in Somerset) and Dorchester (inside).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hubplan.errors import InputError
from hubplan.scenario import load_scenario
from hubplan.siting import STUDY_AREA_TOLERANCE_M, resolve_sites

LAND = {"Dorchester": (50.715, -2.437)}
SHORE = {"Swanage Bay": (50.6085, -1.9505, 34.8), "Lyme Regis shore": (50.719, -2.94, 102.0)}
REFUSED = {
    "1.5 km into Lyme Bay": (50.7055, -2.94, "1,489 m"),
    "300 m into Lyme Bay": (50.7165, -2.94, "297 m"),
    "Yeovil, over the border": (50.942, -2.633, "1,194 m"),
}


def _scenario(tmp_path: Path, lat: float, lon: float):
    path = tmp_path / "added.toml"
    path.write_text(
        'name = "added"\n[[sites.roles]]\nrole = "candidate"\nkind = "day_centre"\n[tiers.hub]\n'
        f'[[sites.add]]\nid = "HALL-1"\nname = "A hall"\nlat = {lat}\nlon = {lon}\n',
        encoding="utf-8",
    )
    return load_scenario(path)


def test_the_tolerance_is_a_shore_allowance_not_two_kilometres() -> None:
    assert STUDY_AREA_TOLERANCE_M == 200.0


@pytest.mark.parametrize("name", sorted(LAND))
def test_a_site_on_land_is_accepted(study, tmp_path: Path, name: str) -> None:
    lat, lon = LAND[name]
    sites = resolve_sites(study, _scenario(tmp_path, lat, lon)).set_index("site_id")
    assert sites.at["HALL-1", "locality"] == "West Dorset"
    assert sites.at["HALL-1", "outside_localities_m"] == 0.0
    assert sites.at["HALL-1", "position_precision"] == "coordinates given in the scenario"


@pytest.mark.parametrize("name", sorted(SHORE))
def test_a_site_on_the_shore_is_accepted_and_its_distance_recorded(study, tmp_path: Path, name: str) -> None:
    lat, lon, metres = SHORE[name]
    sites = resolve_sites(study, _scenario(tmp_path, lat, lon)).set_index("site_id")
    assert sites.at["HALL-1", "outside_localities_m"] == pytest.approx(metres, abs=0.5)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_site_at_sea_or_over_the_border_is_refused(study, tmp_path: Path, name: str) -> None:
    lat, lon, distance = REFUSED[name]
    with pytest.raises(InputError) as caught:
        resolve_sites(study, _scenario(tmp_path, lat, lon))
    assert str(caught.value) == (
        f"{tmp_path / 'added.toml'}: sites.add.0.lat: lat={lat}, lon={lon} is outside the Dorset Council area, "
        f"{distance} from its land (in the sea or over its border); fix: give WGS84 degrees of the building, "
        "on land in Dorset (lat about 50.5-51.1, lon about -2.97 to -1.68; at most 200 m off the shore), "
        "or its postcode"
    )


def test_swapped_coordinates_are_still_detected(study, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"lat=-2\.437, lon=50\.715 look swapped .*; fix: swap lat and lon"):
        resolve_sites(study, _scenario(tmp_path, -2.437, 50.715))
