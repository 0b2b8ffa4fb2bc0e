"""Attendees per home area and segment.

Three sources, chosen by the scenario's ``[demand]`` table:

The population planned (``population``) is everyone who attends day services
(the council's 521) or only those at Care Dorset's centres (303); see
:data:`hubplan.scenario.POPULATIONS`.

``estimate``
    The council's figures (521 attendees, or the population's count; 30% aged 65+; of those aged 18-64,
    70% with a learning disability) split into segments, each spread over home
    areas in proportion to the matching Census 2021 population. Totals and
    shares are preserved exactly (to floating-point rounding).
``client_file``
    A council export (CSV: ``postcode,segment[,attendees]``), geocoded offline
    with the Code-Point Open postcode table and aggregated to home areas.
    Unknown or malformed postcodes are reported, never silently dropped.
``synthetic``
    A seeded cohort of individual home postcodes drawn from the estimate, for
    robustness studies, aggregated like a client file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hubplan.data.study import StudyArea
from hubplan.errors import input_error
from hubplan.files.reading import CLIENT_FILE
from hubplan.files.tables import CsvSpec, CsvTable, read_csv_table, shown
from hubplan.scenario import DemandConfig
from hubplan.scenario.fields import MAX_ATTENDEES

__all__ = [
    "Demand",
    "GeocodedClients",
    "UnmatchedRow",
    "apportion",
    "demand_from_client_file",
    "demand_from_cohort",
    "estimate_demand",
    "geocode_client_file",
    "load_demand",
    "normalise_postcode",
    "synthetic_cohort",
]

POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


@dataclass(frozen=True)
class UnmatchedRow:
    """A client-file row that could not be placed in a home area."""

    line: int
    postcode: str
    reason: str


@dataclass(frozen=True)
class Demand:
    """Attendees per home area (rows) and segment (columns).

    Parameters
    ----------
    area_ids
        Home-area IDs, in the study area's order.
    segments
        Segment names.
    attendees
        ``(n_areas, n_segments)`` attendee counts (fractional for estimates).
    method
        ``estimate``, ``client_file`` or ``synthetic``.
    details
        JSON-ready parameters and totals for the run manifest (no client records).
    unmatched
        Client-file rows that were skipped (only with ``on_unknown_postcode = "skip"``);
        never written to public outputs.
    """

    area_ids: tuple[str, ...]
    segments: tuple[str, ...]
    attendees: npt.NDArray[np.float64]
    method: str
    details: Mapping[str, Any] = field(default_factory=dict)
    unmatched: tuple[UnmatchedRow, ...] = ()

    @property
    def total(self) -> float:
        """Total attendees."""
        return float(self.attendees.sum())

    def per_area(self) -> npt.NDArray[np.float64]:
        """Attendees per home area, all segments."""
        total: npt.NDArray[np.float64] = self.attendees.sum(axis=1)
        return total

    def per_segment(self) -> dict[str, float]:
        """Attendees per segment."""
        return {name: float(value) for name, value in zip(self.segments, self.attendees.sum(axis=0), strict=True)}


def normalise_postcode(text: str) -> str:
    """Upper-case a postcode and put one space before its inward code.

    Examples
    --------
    >>> normalise_postcode(" dt11aa ")
    'DT1 1AA'
    >>> normalise_postcode("BH21  7AB")
    'BH21 7AB'
    """
    compact = re.sub(r"\s+", "", str(text)).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _spread(study: StudyArea, config: DemandConfig) -> npt.NDArray[np.float64]:
    areas = study.home_areas
    columns = []
    for segment in config.segment_list():
        weights = areas[segment.weight].to_numpy(dtype=float)
        columns.append(config.total * segment.share * weights / weights.sum())
    return np.column_stack(columns)


def estimate_demand(study: StudyArea, config: DemandConfig) -> Demand:
    """Spread the council's totals over home areas by census population.

    Parameters
    ----------
    study
        The study area (home areas with census columns).
    config
        The scenario's demand table.

    Returns
    -------
    Demand
        Fractional attendees; segment totals equal ``total * share``.
    """
    segments = config.segment_list()
    attendees = _spread(study, config)
    return Demand(
        area_ids=tuple(study.home_areas["area_id"]),
        segments=tuple(s.name for s in segments),
        attendees=attendees,
        method="estimate",
        details={
            "method": "estimate",
            "total": config.total,
            "segments": [
                {"name": s.name, "label": s.label, "share": s.share, "weight": s.weight} for s in segments
            ],
            "source": "Dorset Council day-opportunities papers (totals and shares); ONS Census 2021 (spread)",
        },
    )


CLIENT_CSV = CsvSpec(("postcode", "segment"), ("attendees", "wheelchair"), "client row", CLIENT_FILE)
"""The client export's columns (``attendees`` defaults to 1 per row; ``wheelchair``, optional, says how many
of them need a wheelchair space on transport: yes/no or a whole number)."""


def _read_client_csv(path: Path) -> CsvTable:
    try:
        return read_csv_table(path, CLIENT_CSV, field="demand.client_file")
    except FileNotFoundError as err:
        raise input_error(path, "demand.client_file", "file not found", "check the path in the scenario") from err


def _client_counts(path: Path, table: CsvTable) -> npt.NDArray[np.float64]:
    if not table.has("attendees"):
        return np.ones(len(table.rows))
    cells = table.rows["attendees"]
    counts = pd.to_numeric(cells, errors="coerce")
    with np.errstate(all="ignore"):  # 1e308 and the like are refused below, not warned about
        bad = counts.isna() | (counts <= 0) | (counts > MAX_ATTENDEES) | (counts != counts.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise input_error(
            path, "attendees", f"line {table.lines[row]}: {shown(cells.iloc[row])} is not a whole number from 1 to "
            f"{MAX_ATTENDEES:,}", "give the row's count of attendees",
        )
    if counts.sum() > MAX_ATTENDEES:
        raise input_error(path, "attendees", f"{counts.sum():,.0f} attendees in all, more than {MAX_ATTENDEES:,} "
                          "(above the Dorset Council area's residents)", "check the counts")
    whole: npt.NDArray[np.float64] = counts.to_numpy(dtype=float)
    return whole


@dataclass(frozen=True)
class GeocodedClients:
    """A client export's rows that were placed in a home area, one row per line of the file.

    Parameters
    ----------
    rows
        ``postcode`` (normalised), ``segment``, ``area_id``, ``attendees`` (whole number)
        and ``wheelchair`` (how many of the row's attendees need a wheelchair space;
        ``NaN`` for every row when the file has no such column).
    file_rows
        Rows in the file.
    unmatched
        Rows that could not be placed (only with ``on_unknown_postcode = "skip"``).
    """

    rows: pd.DataFrame
    file_rows: int
    unmatched: tuple[UnmatchedRow, ...]


def _wheelchair_counts(path: Path, table: CsvTable, counts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The optional ``wheelchair`` column: how many of each row's attendees need a wheelchair space."""
    if not table.has("wheelchair"):
        return np.full(len(table.rows), np.nan)
    cells = table.rows["wheelchair"].str.strip().str.lower()
    words = cells.map({"yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0})
    values = words.fillna(pd.to_numeric(cells, errors="coerce"))
    with np.errstate(all="ignore"):
        bad = values.isna() | (values < 0) | (values != values.round()) | (values > counts)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise input_error(
            path, "wheelchair", f"line {table.lines[row]}: {shown(table.rows['wheelchair'].iloc[row])} is not yes, no "
            "or a whole number up to the row's attendees", "give yes/no, or how many of the row's attendees need one",
        )
    spaces: npt.NDArray[np.float64] = values.to_numpy(dtype=float)
    return spaces


def geocode_client_file(study: StudyArea, config: DemandConfig, path: Path) -> GeocodedClients:
    """Read a client export and place each row in a home area by its postcode (offline).

    Parameters
    ----------
    study
        The study area (its postcode table geocodes the clients).
    config
        The scenario's demand table (segments, ``on_unknown_postcode``).
    path
        The CSV: ``postcode,segment[,attendees][,wheelchair]``, UTF-8.

    Returns
    -------
    GeocodedClients
        The rows placed, and those skipped.

    Raises
    ------
    InputError
        Unreadable file, missing columns, unknown segments, bad counts, or (by
        default) any unknown or malformed postcode, each listed by line.
    """
    table = _read_client_csv(path)
    frame = table.rows
    counts = _client_counts(path, table)
    wheelchair = _wheelchair_counts(path, table, counts)
    segment_names = [s.name for s in config.segment_list()]
    segment_of_row = frame["segment"].str.strip()
    unknown_segments = sorted(set(segment_of_row) - set(segment_names))
    if unknown_segments:
        raise input_error(
            path, "segment", f"unknown segment(s) {', '.join(shown(s) for s in unknown_segments[:5])}",
            f"use one of {', '.join(segment_names)} (as named in the scenario's [demand])",
        )
    postcodes = frame["postcode"].map(normalise_postcode)
    lookup = study.postcodes.set_index("postcode")["area_id"]
    area_of_row = postcodes.map(lookup)
    unmatched = []
    for index in np.flatnonzero(area_of_row.isna().to_numpy()):
        code = postcodes.iloc[index]
        reason = "malformed" if not POSTCODE_PATTERN.match(code) else "not a Dorset Council postcode"
        unmatched.append(UnmatchedRow(int(table.lines[index]), str(frame["postcode"].iloc[index]), reason))
    if unmatched and config.on_unknown_postcode == "error":
        listed = "; ".join(f"line {row.line} {shown(row.postcode)} ({row.reason})" for row in unmatched[:5])
        more = f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
        raise input_error(
            path, "postcode", f"{len(unmatched)} row(s) not geocoded: {listed}{more}",
            "correct them, or set demand.on_unknown_postcode = \"skip\" to leave them out with a report",
        )
    matched = area_of_row.notna().to_numpy()
    if not matched.any():
        raise input_error(path, "postcode", "no row has a Dorset Council postcode", "check the export")
    rows = pd.DataFrame({
        "postcode": postcodes[matched].to_numpy(), "segment": segment_of_row[matched].to_numpy(),
        "area_id": area_of_row[matched].to_numpy(), "attendees": counts[matched], "wheelchair": wheelchair[matched],
    })
    return GeocodedClients(rows=rows, file_rows=len(frame), unmatched=tuple(unmatched))


def demand_from_client_file(study: StudyArea, config: DemandConfig, path: Path) -> Demand:
    """Geocode a client export offline and aggregate it to home areas.

    Takes the arguments of :func:`geocode_client_file`.

    Returns
    -------
    Demand
        Whole-number attendees per area and segment; ``unmatched`` lists skipped rows.
    """
    clients = geocode_client_file(study, config, path)
    segment_names = [s.name for s in config.segment_list()]
    area_index = pd.Index(study.home_areas["area_id"])
    rows = area_index.get_indexer(clients.rows["area_id"])
    columns = pd.Index(segment_names).get_indexer(clients.rows["segment"])
    attendees = np.zeros((len(area_index), len(segment_names)))
    np.add.at(attendees, (rows, columns), clients.rows["attendees"].to_numpy())
    return Demand(
        area_ids=tuple(area_index),
        segments=tuple(segment_names),
        attendees=attendees,
        method="client_file",
        details={
            "method": "client_file",
            "file": path.name,
            "rows": clients.file_rows,
            "rows_geocoded": len(clients.rows),
            "rows_skipped": len(clients.unmatched),
            "total": float(attendees.sum()),
            "geocoder": "OS Code-Point Open 2025.4.0 postcode table (offline)",
        },
        unmatched=clients.unmatched,
    )


def apportion(total: int, shares: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Split a whole number by shares with the largest-remainder method (the parts sum to ``total``).

    Examples
    --------
    >>> apportion(521, [0.30, 0.49, 0.21]).tolist()
    [156, 255, 110]
    """
    quotas = total * np.asarray(shares, dtype=float) / np.sum(shares)
    parts: npt.NDArray[np.int64] = np.floor(quotas).astype(np.int64)
    remainder_order = np.argsort(-(quotas - parts), kind="stable")
    parts[remainder_order[: total - int(parts.sum())]] += 1
    return parts


def synthetic_cohort(study: StudyArea, config: DemandConfig, *, seed: int) -> pd.DataFrame:
    """Draw a seeded cohort of individual attendees from the estimate.

    The rounded total is split into segments by largest remainder
    (:func:`apportion`), and each segment's whole-number total is split over
    home areas by a multinomial draw with the estimate's shares; each person
    then gets a postcode drawn uniformly from their area's postcodes.

    Parameters
    ----------
    study, config
        As for :func:`estimate_demand`.
    seed
        Seed of the random generator; the same seed gives the same cohort.

    Returns
    -------
    pandas.DataFrame
        One row per person: ``postcode``, ``segment`` (like a client file).

    Examples
    --------
    >>> # see tests/pipeline/test_demand.py for a run on the real study area
    """
    rng = np.random.default_rng(seed)
    expected = _spread(study, config)
    by_area = study.postcodes.groupby("area_id")["postcode"].apply(list).to_dict()
    area_ids = study.home_areas["area_id"].to_numpy()
    rows: list[tuple[str, str]] = []
    segments = config.segment_list()
    people_per_segment = apportion(round(config.total), [s.share for s in segments])
    for column, (segment, people) in enumerate(zip(segments, people_per_segment, strict=True)):
        probabilities = expected[:, column] / expected[:, column].sum()
        per_area = rng.multinomial(people, probabilities)
        for area, count in zip(area_ids, per_area, strict=True):
            if count:
                chosen = rng.choice(by_area[area], size=count, replace=True)
                rows.extend((str(code), segment.name) for code in chosen)
    return pd.DataFrame(rows, columns=["postcode", "segment"])


def demand_from_cohort(study: StudyArea, config: DemandConfig, cohort: pd.DataFrame) -> Demand:
    """Aggregate a cohort (one row per person) to home areas and segments."""
    lookup = study.postcodes.set_index("postcode")["area_id"]
    segment_names = [s.name for s in config.segment_list()]
    area_index = pd.Index(study.home_areas["area_id"])
    rows = area_index.get_indexer(cohort["postcode"].map(lookup))
    columns = pd.Index(segment_names).get_indexer(cohort["segment"])
    attendees = np.zeros((len(area_index), len(segment_names)))
    np.add.at(attendees, (rows, columns), 1.0)
    return Demand(
        area_ids=tuple(area_index),
        segments=tuple(segment_names),
        attendees=attendees,
        method="synthetic",
        details={"method": "synthetic", "seed": config.seed, "total": float(attendees.sum())},
    )


def load_demand(study: StudyArea, config: DemandConfig, *, client_file: Path | None = None) -> Demand:
    """Build the scenario's demand by its ``method``.

    Parameters
    ----------
    study
        The study area.
    config
        The scenario's demand table.
    client_file
        The resolved client-file path (for ``method = "client_file"``).

    Returns
    -------
    Demand
        Attendees per home area and segment.
        Its ``details`` name the planned ``population`` and the council's count of it
        (``population_attendees``).
    """
    if config.method == "client_file":
        assert client_file is not None  # guaranteed by DemandConfig validation
        demand = demand_from_client_file(study, config, client_file)
    elif config.method == "synthetic":
        demand = demand_from_cohort(study, config, synthetic_cohort(study, config, seed=config.seed))
    else:
        demand = estimate_demand(study, config)
    population = {"population": config.population, "population_attendees": config.population_attendees}
    return replace(demand, details={**demand.details, **population})
