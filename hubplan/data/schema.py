"""The study-area GeoPackage's contract: its default place, its layers and coordinate systems.

The writer (:mod:`hubplan.data.build`) and the reader (:mod:`hubplan.data.study`)
both take these names from here, so neither depends on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["BRITISH_NATIONAL_GRID", "DEFAULT_STUDY_PATH", "LAYERS", "LAYER_CONTRACTS", "WGS84", "LayerContract"]

DEFAULT_STUDY_PATH = Path("data/geo/study.gpkg")
"""Where ``hubplan data build`` writes, relative to the working directory."""

WGS84 = "EPSG:4326"
"""Longitude/latitude, the CRS of every layer in the study area and in the outputs."""

BRITISH_NATIONAL_GRID = "EPSG:27700"
"""Metres on the OS National Grid, used for distances and point-in-polygon tests."""



@dataclass(frozen=True)
class LayerContract:
    """What a reader may rely on in one layer of ``study.gpkg``.

    Parameters
    ----------
    name
        The layer's name.
    keys
        Text columns that identify or group rows: present, and filled in every row.
    numbers
        Numeric columns that hold a finite number in every row (coordinates, scores).
    counts
        Numeric columns that hold a finite number >= 0 in every row (populations, areas).
    other
        Further columns that are present but may be empty (e.g. a site's address).
    """

    name: str
    keys: tuple[str, ...]
    numbers: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the layer must have (besides its geometry)."""
        return self.keys + self.numbers + self.counts + self.other


LAYER_CONTRACTS: tuple[LayerContract, ...] = (
    LayerContract("localities", keys=("locality", "code"), counts=("area_km2",)),
    LayerContract(
        "home_areas",
        keys=("area_id", "name", "locality", "locality_code", "rural_urban", "point_basis"),
        numbers=("pt_lon", "pt_lat", "imd25_score", "barriers_score"),
        counts=(
            "area_km2", "pop_total", "pop_0_15", "pop_16_64", "pop_65_plus", "pop_disabled",
            "pop_not_disabled", "imd25_decile", "barriers_decile", "n_postcodes",
        ),
        other=("ruc21cd", "ruc21nm"),
    ),
    LayerContract("postcodes", keys=("postcode", "area_id", "locality"), numbers=("lon", "lat"),
                  counts=("positional_quality",)),
    LayerContract(
        "sites",
        keys=("site_id", "name", "kind", "locality", "position_precision", "source"),
        numbers=("lon", "lat"),
        counts=("outside_localities_m",),
        other=("operator", "address", "postcode", "population"),  # population: settlements only
    ),
    LayerContract("sources", keys=("key", "file", "sha256", "attribution"), counts=("bytes",),
                  other=("publisher", "licence")),
)
"""The columns of each layer that :mod:`hubplan.data.build` writes and :mod:`hubplan.data.study` checks."""

LAYERS: tuple[str, ...] = tuple(contract.name for contract in LAYER_CONTRACTS)
"""The layers of ``study.gpkg``, in the order they are written."""
