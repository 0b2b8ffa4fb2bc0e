"""The public source files the study-area build reads, with their provenance.

Each :class:`SourceFile` names a file inside a source folder laid out like
``../shared/data`` (see ``docs/data-sources.md`` for where each file
comes from officially), the columns the build needs, and the publisher, licence
and attribution text that every derived output must carry.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from hubplan.errors import DataError

__all__ = [
    "SOURCES",
    "SOURCE_ENV_VAR",
    "SourceFile",
    "default_source_dir",
    "file_sha256",
]

SOURCE_ENV_VAR = "HUBPLAN_SOURCE"
"""Environment variable that overrides the default source folder."""

OS_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal "
    "Mail copyright and database right 2025; Contains National Statistics data © Crown copyright "
    "and database right 2025"
)
ONS_ATTRIBUTION = "Source: Office for National Statistics licensed under the Open Government Licence v3.0"
MHCLG_ATTRIBUTION = (
    "English Indices of Deprivation 2025, Ministry of Housing, Communities and Local Government, "
    "Open Government Licence v3.0"
)
OGL = "Open Government Licence v3.0"


@dataclass(frozen=True)
class SourceFile:
    """One input file of the study-area build.

    Parameters
    ----------
    key
        Short name used in the ``sources`` layer.
    relative_path
        Path inside the source folder.
    columns
        Columns (or GeoJSON properties) the build needs.
    publisher, licence, attribution
        Provenance carried into every output.
    """

    key: str
    relative_path: str
    columns: tuple[str, ...]
    publisher: str
    licence: str
    attribution: str

    def path(self, source_dir: Path) -> Path:
        """Return the file's path under ``source_dir``, raising :class:`DataError` if missing."""
        path = Path(source_dir) / self.relative_path
        if not path.is_file():
            raise DataError(
                f"{path}: source file missing ({self.key}); fix: pass --source with a folder laid "
                f"out like ../shared/data (or set {SOURCE_ENV_VAR})"
            )
        return path


SOURCES: tuple[SourceFile, ...] = (
    SourceFile(
        "localities",
        "geo/dorset_districts_2018.geojson",
        ("lad18cd", "lad18nm", "area_km2"),
        "Office for National Statistics (LSOA 2011 BGC boundaries dissolved by former district)",
        f"{OGL}; conversion CC-BY 4.0 (Martin Chorley)",
        f"{ONS_ATTRIBUTION}. Contains OS data © Crown copyright and database right 2016. "
        "Boundary conversion by Martin Chorley (CC-BY 4.0)",
    ),
    SourceFile(
        "home_area_polygons",
        "geo/dorset_lsoa21.geojson",
        ("lsoa21cd",),
        "Office for National Statistics (LSOA Dec 2021 Boundaries EW BSC V4)",
        OGL,
        f"{ONS_ATTRIBUTION}. Contains OS data © Crown copyright and database right 2021",
    ),
    SourceFile(
        "home_area_attributes",
        "geo/dorset_lsoa21_attributes.csv",
        (
            "lsoa21cd",
            "lsoa21nm",
            "area_km2",
            "inside_pt_lon",
            "inside_pt_lat",
            "lad18cd",
            "lad18nm",
            "c21_age_0_15",
            "c21_age_16_64",
            "c21_age_65plus",
            "c21_total",
            "c21_disabled_under_the_equality_act",
            "c21_not_disabled_under_the_equality_act",
            "ruc21cd",
            "ruc21nm",
            "ruc21_urban_rural",
            "imd25_score",
            "imd25_decile",
            "imd25_geog_barriers_score",
            "imd25_geog_barriers_decile",
        ),
        "ONS Census 2021 (age, TS038 disability), ONS RUC 2021, MHCLG IoD 2025",
        OGL,
        f"{ONS_ATTRIBUTION}. {MHCLG_ATTRIBUTION}",
    ),
    SourceFile(
        "postcodes",
        "geo/dorset_postcodes_cpo2025.csv",
        ("postcode", "positional_quality", "lat", "lon", "lsoa21cd_pip", "lad18nm"),
        "Ordnance Survey, Code-Point Open 2025.4.0",
        "OS OpenData / " + OGL,
        OS_ATTRIBUTION,
    ),
    SourceFile(
        "settlements",
        "geo/dorset_bua2022_census2021_population.csv",
        ("bua22cd", "bua22nm", "size_class", "census2021_population", "lon", "lat", "match_confidence"),
        "ONS Census 2021 built-up areas (population); OS Open Names (position)",
        OGL,
        f"{ONS_ATTRIBUTION}. Contains OS data © Crown copyright and database right 2019",
    ),
    SourceFile(
        "care_dorset_centres",
        "sites/care_dorset_day_services.csv",
        ("name", "operator", "kind", "town", "lat", "lon", "locality", "location_basis", "source_url"),
        "Local press and provider pages (names); OS Open Names (town positions)",
        "Facts from public web pages; positions " + OGL,
        "Contains OS data © Crown copyright and database right 2019",
    ),
    SourceFile(
        "libraries",
        "sites/libraries_dorset_council.csv",
        ("name", "subtype", "postcode", "lat", "lon"),
        "DCMS / Arts Council England public libraries basic dataset 2023 (via Libraries Hacked)",
        OGL,
        f"Public libraries in England basic dataset, DCMS, {OGL}. {OS_ATTRIBUTION}",
    ),
    SourceFile(
        "gp_practices",
        "sites/gp_practices_dorset_council.csv",
        ("name", "ods_code", "postcode", "lat", "lon"),
        "NHS England Organisation Data Service (epraccur)",
        OGL,
        f"NHS England Organisation Data Service, {OGL}. {OS_ATTRIBUTION}",
    ),
    SourceFile(
        "gp_branches",
        "sites/gp_branch_surgeries_dorset_council_2017.csv",
        ("name", "ods_code", "parent_practice_name", "postcode", "lat", "lon"),
        "NHS Digital Organisation Data Service (ebranchs, April 2017)",
        OGL,
        f"NHS Digital Organisation Data Service, {OGL}. {OS_ATTRIBUTION}",
    ),
)


def default_source_dir() -> Path:
    """Return the source folder: ``$HUBPLAN_SOURCE`` or ``../shared/data`` beside the working tree.

    Returns
    -------
    pathlib.Path
        The folder (not checked for existence).
    """
    env = os.environ.get(SOURCE_ENV_VAR)
    if env:
        return Path(env)
    return Path.cwd().parent / "shared" / "data"


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(Path(f.name))[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
