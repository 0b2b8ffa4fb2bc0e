"""The study-area GeoPackage's contract: its default place, its layers and coordinate systems.

The writer (:mod:`hubplan.data.build`) and the reader (:mod:`hubplan.data.study`)
both take these names from here, so neither depends on the other.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BRITISH_NATIONAL_GRID", "DEFAULT_STUDY_PATH", "LAYERS", "WGS84"]

DEFAULT_STUDY_PATH = Path("data/geo/study.gpkg")
"""Where ``hubplan data build`` writes, relative to the working directory."""

WGS84 = "EPSG:4326"
"""Longitude/latitude, the CRS of every layer in the study area and in the outputs."""

BRITISH_NATIONAL_GRID = "EPSG:27700"
"""Metres on the OS National Grid, used for distances and point-in-polygon tests."""

LAYERS = ("localities", "home_areas", "postcodes", "sites", "sources")
"""The layers of ``study.gpkg``, in the order they are written."""
