"""Consultation outputs of a run: GeoJSON and GeoPackage layers, web map, report, comparison.

Public entry points
-------------------
write_run
    Write ``outputs/<run>/`` atomically (:mod:`hubplan.outputs.writer`).
compare
    Put runs side by side with differences from a baseline (:mod:`hubplan.outputs.compare`).

Small counts of people are suppressed by one rule, :mod:`hubplan.outputs.privacy`.
"""

from __future__ import annotations

from hubplan.outputs.compare import ComparisonTable, compare, read_run
from hubplan.outputs.writer import OUTPUT_FILES, write_run

__all__ = ["OUTPUT_FILES", "ComparisonTable", "compare", "read_run", "write_run"]
