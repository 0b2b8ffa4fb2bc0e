"""Small-number protection: the one rule every public output applies to counts of people.

Applies when demand comes from a client file (``RunRecord.suppress_below`` is set);
modelled estimates (``estimate``, ``synthetic``) are not client records and pass
through unchanged. The rule, stated once here and in the README (*Privacy*):

1. **Cells.** The finest counts are the allocation cells (home area, site, tier). A
   cell of 1 to ``suppress_below - 1`` people is *hidden*; inside every output it
   stands for the midpoint of its band (``1-2`` -> 1.5, ``3-4`` -> 3.5 for the default
   threshold of 5), never for its true value. Zero and cells of at least the threshold
   keep their values. The breakdown by demand segment has its own finest cells (home
   area, site, tier, segment: :attr:`hubplan.record.run.RunRecord.groups`), banded the
   same way.
2. **Everything else is computed from the cells.** Home-area, site, locality,
   catchment and whole-area counts, isolated counts, shares, journey minutes, km and
   CO2e are sums or weighted statistics of the cells as they stand in (step 1).
3. **Publication.** A count is published as ``0`` when nobody is in it, suppressed
   (``null`` with ``"suppressed": true``, ``"<5"`` in text) when its smallest possible
   value given the bands is below the threshold (so every count of 1 to 4 is
   suppressed), and otherwise rounded to the nearest multiple of 5
   (:data:`ROUNDING_BASE`). Figures derived from a suppressed count (shares, mean,
   median, 90th-percentile and longest journey, km, CO2e) are suppressed with it.
4. **Solver internals** that weigh the exact counts (objective, bound, objective terms,
   coverage) are withheld and the relative gap is rounded to 4 decimals; client-row
   tallies (``rows_skipped``...) follow step 3.
5. **Transport plan.** Its finest cells are the sites' passengers and wheelchair
   passengers of the typical day, banded as in step 1; locality and whole-plan counts are
   the sums of the sites' bands, published by step 3; a block whose passengers are
   hidden loses its ride-time figures (:data:`TRANSPORT_DERIVED_KEYS`). Vehicles,
   vehicle-km and -hours, CO2e and cost describe vehicles, not people, and are published
   as routed. The passengers' postcodes and positions are blanked in the protected
   record (:func:`protect`): only the operational file
   (:mod:`hubplan.outputs.operational`), written from the unprotected record outside the
   run folder, lists them.

Why it cannot be undone: by step 2 every published number is a function of the
visible cells and of the *band* of each hidden cell, never of the hidden cell's value.
Changing a hidden cell within its band (1 <-> 2, 3 <-> 4) changes no output, so no
combination of outputs (a total minus its visible parts, share x total, capacity x
use, a mean x a count...) can tell the two values apart, let alone pin one of 1..4.
Rounding to base 5 (ONS/NHS practice) additionally keeps visible counts inexact. The
plan itself (which sites a solver opens) and the routed rounds (vehicles, km, ride
times) still depend on who exactly travels; they are the purpose of the run and none of
them is a count of people.

The threshold of 5 (:data:`DEFAULT_SUPPRESS_BELOW`) follows the NHS and ONS
small-numbers practice of suppressing counts of 1 to 4 (e.g. NHS England,
"Analysis and Presentation of Small Numbers"); a scenario may choose a higher one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hubplan.metrics import compute_metrics
from hubplan.record.layers import area_journeys
from hubplan.record.manifest import Manifest
from hubplan.record.run import RunRecord
from hubplan.scenario import MetricsConfig

if TYPE_CHECKING:  # routing (OR-Tools) is loaded only when a run routes
    from hubplan.rounds import TransportPlan

__all__ = [
    "COUNT_METRIC_KEYS",
    "DEFAULT_SUPPRESS_BELOW",
    "DERIVED_METRIC_KEYS",
    "LOWER_SUFFIX",
    "ROUNDING_BASE",
    "TRANSPORT_COUNT_KEYS",
    "TRANSPORT_DERIVED_KEYS",
    "Band",
    "band",
    "count_text",
    "is_suppressed",
    "layer_count_text",
    "protect",
    "public_count",
    "publish_count",
    "suppress_columns",
    "suppress_metrics",
    "suppress_transport",
]

DEFAULT_SUPPRESS_BELOW = 5
"""Default threshold: counts of 1 to 4 people are suppressed (NHS/ONS small-numbers practice)."""

ROUNDING_BASE = 5
"""Published counts from client records are rounded to a multiple of this (ONS/NHS practice)."""

COUNT_METRIC_KEYS = ("attendees", "isolated", "beyond_reach")
"""Keys of a metrics block (``overall``, one locality or one group) that hold counts of people."""

DERIVED_METRIC_KEYS = (
    "mean_minutes", "median_minutes", "p90_minutes", "max_minutes", "share_within",
    "annual_travel_km", "annual_co2e_tonnes", "within_reach",
)
"""Figures of a metrics block computed from its attendees: suppressed when they are."""

TRANSPORT_COUNT_KEYS = ("passengers", "wheelchair_passengers", "exception_passengers")
"""Keys of a transport block (``metrics["transport"]``'s overall, locality or site) that count people."""

TRANSPORT_DERIVED_KEYS = (
    "ride_mean_minutes", "ride_p90_minutes", "ride_max_minutes", "direct_mean_minutes", "ride_over_direct",
    "extra_ride_mean_minutes", "tradeoff",
)
"""Figures of a transport block computed from its passengers' trips: suppressed when its passengers are."""

LOWER_SUFFIX = "_min"
"""Suffix of the column holding a count's smallest possible value (``attendees_min``)."""

GAP_DECIMALS = 4
"""Decimals of the solver's relative gap published for client records (0.01 percentage points)."""

CLIENT_ROW_KEYS = ("rows_geocoded", "rows_skipped")
"""Client-file row tallies in the manifest's ``demand`` block (``rows`` is their sum)."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


@dataclass(frozen=True)
class Band:
    """What a cell of people stands for in every output.

    Attributes
    ----------
    estimate
        The value used in sums and statistics: the cell itself, or the midpoint of the
        band of a hidden cell.
    lower
        The smallest count the cell can be given its band (the cell itself when shown).
    """

    estimate: float
    lower: float


def band(count: float, threshold: int | None) -> Band:
    """Return the band a cell of ``count`` people stands for.

    Hidden counts (1 to ``threshold - 1``) fall into two bands of whole numbers, each
    with at least two members (``1-2`` and ``3-4`` for a threshold of 5; one band
    ``1-(threshold-1)`` below a threshold of 5).

    Parameters
    ----------
    count
        People in one allocation cell (a whole number for client records).
    threshold
        ``RunRecord.suppress_below``; ``None`` disables protection.

    Returns
    -------
    Band

    Examples
    --------
    >>> [band(c, 5) for c in (0, 1, 2, 3, 4, 7)]  # doctest: +NORMALIZE_WHITESPACE
    [Band(estimate=0.0, lower=0.0), Band(estimate=1.5, lower=1.0), Band(estimate=1.5, lower=1.0),
     Band(estimate=3.5, lower=3.0), Band(estimate=3.5, lower=3.0), Band(estimate=7.0, lower=7.0)]
    """
    value = float(count)
    if not is_suppressed(value, threshold):
        return Band(value, value)
    top = int(threshold) - 1  # type: ignore[arg-type]
    split = top // 2 if top >= 4 else top  # the last member of the low band
    low, high = (1, split) if value < split + 0.5 else (split + 1, top)
    return Band((low + high) / 2.0, float(low))


def round_to_base(value: float, base: int = ROUNDING_BASE) -> float:
    """Round to the nearest multiple of ``base`` (halves go up).

    Examples
    --------
    >>> round_to_base(521), round_to_base(7.5), round_to_base(12.4)
    (520.0, 10.0, 10.0)
    """
    return float(base * math.floor(float(value) / base + 0.5))


def publish_count(estimate: float | None, lower: float | None, threshold: int | None) -> float | None:
    """Return a count as it may be published: the one rule every output uses.

    Parameters
    ----------
    estimate
        The count computed from the cells (:func:`band` estimates).
    lower
        Its smallest possible value given the bands (``None``: same as ``estimate``).
    threshold
        ``RunRecord.suppress_below``; ``None`` (modelled estimates) returns ``estimate``.

    Returns
    -------
    float or None
        ``0`` when nobody is counted, ``None`` (suppressed) when ``lower`` is below
        ``threshold``, else ``estimate`` rounded to :data:`ROUNDING_BASE`.

    Examples
    --------
    >>> publish_count(0, 0, 5), publish_count(3.5, 3, 5), publish_count(5.0, 4, 5), publish_count(521, 521, 5)
    (0.0, None, None, 520.0)
    >>> publish_count(3.2, None, None)
    3.2
    """
    if _missing(estimate):
        return None
    value = float(estimate)  # type: ignore[arg-type]
    if threshold is None:
        return value
    if value == 0:
        return 0.0
    floor = value if _missing(lower) else float(lower)  # type: ignore[arg-type]
    if floor < threshold:
        return None
    return round_to_base(value)


def is_suppressed(count: float | None, threshold: int | None) -> bool:
    """Return whether a single count of ``count`` people is hidden under the rule.

    Examples
    --------
    >>> is_suppressed(3, 5), is_suppressed(0, 5), is_suppressed(5, 5), is_suppressed(3, None)
    (True, False, False, False)
    """
    if threshold is None or _missing(count):
        return False
    return 0 < float(count) < threshold  # type: ignore[arg-type]


def public_count(count: float | None, threshold: int | None) -> float | None:
    """Return a single count as published: ``None`` when suppressed or missing, else rounded.

    Examples
    --------
    >>> public_count(12.0, 5), public_count(2.0, 5), public_count(2.0, None)
    (10.0, None, 2.0)
    """
    return publish_count(count, count, threshold)


def count_text(count: float | None, threshold: int | None, *, decimals: int = 0) -> str:
    """Format a single count of people for text: ``"<5"`` when suppressed, rounded otherwise.

    Examples
    --------
    >>> count_text(1234.4, 5), count_text(3, 5), count_text(3, None), count_text(None, 5)
    ('1,235', '<5', '3', 'n/a')
    """
    if _missing(count):
        return "n/a"
    return layer_count_text(public_count(count, threshold), is_suppressed(count, threshold), threshold,
                            decimals=decimals)


def layer_count_text(
    count: float | None, suppressed: bool, threshold: int | None, *, decimals: int = 0
) -> str:
    """Format a count from a public layer, whose suppressed values are already missing.

    Examples
    --------
    >>> layer_count_text(float("nan"), True, 5), layer_count_text(7.0, False, None)
    ('<5', '7')
    """
    if suppressed and threshold is not None:
        return f"<{threshold}"
    if _missing(count):
        return "n/a"
    return f"{float(count):,.{decimals}f}"  # type: ignore[arg-type]


def suppress_columns(
    frame: pd.DataFrame,
    columns: Iterable[str],
    threshold: int | None,
    *,
    derived: Iterable[str] = (),
) -> pd.DataFrame:
    """Return a copy of ``frame`` with its counts of people published by :func:`publish_count`.

    A column ``<c>_min`` (the smallest possible value, from :func:`protect`) is used as
    the lower bound of ``c`` and dropped. A boolean ``suppressed`` column is added (True
    where any of ``columns`` was hidden), so the schema is the same whether or not
    suppression applies; ``derived`` columns are blanked where a count is hidden.

    Parameters
    ----------
    frame
        Any table (GeoDataFrames keep their geometry).
    columns
        Columns holding counts of people.
    threshold
        ``RunRecord.suppress_below`` or ``None``.
    derived
        Columns computed from those counts (mean minutes, capacity used...).

    Returns
    -------
    pandas.DataFrame
        The same type as ``frame``.

    Examples
    --------
    >>> out = suppress_columns(pd.DataFrame({"attendees": [0.0, 2.0, 9.0]}), ["attendees"], 5)
    >>> out["attendees"].tolist(), out["suppressed"].tolist()
    ([0.0, nan, 10.0], [False, True, False])
    """
    out = frame.copy()
    flag = pd.Series(False, index=out.index)
    for column in columns:
        lower_column = column + LOWER_SUFFIX
        lower = out.pop(lower_column) if lower_column in out.columns else out[column]
        published = [publish_count(v, lo, threshold) for v, lo in zip(out[column], lower, strict=True)]
        hidden = pd.Series([p is None and not _missing(v) for p, v in zip(published, out[column], strict=True)],
                           index=out.index, dtype=bool)
        out[column] = np.array([np.nan if p is None else p for p in published], dtype=float)
        flag |= hidden
    for column in derived:
        out[column] = out[column].astype(float).where(~flag)
    out["suppressed"] = flag.to_numpy(dtype=bool)
    return out


def _suppress_block(
    block: Mapping[str, Any], lower: Mapping[str, Any], threshold: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = dict(block)
    hidden: list[str] = list(block.get("suppressed") or [])  # kept when publishing twice

    def publish(name: str, value: Any, low: Any) -> Any:
        if isinstance(value, (int, float)) or _missing(value):
            result = publish_count(value, low, threshold)
            if result is None and not _missing(value) and name not in hidden:
                hidden.append(name)
            return value if threshold is None else result
        return value

    for key in COUNT_METRIC_KEYS:
        value = out.get(key)
        if isinstance(value, Mapping):
            low = lower.get(key) or {}
            out[key] = {sub: publish(f"{key}.{sub}", v, low.get(sub)) for sub, v in value.items()}
        elif key in out:
            out[key] = publish(key, value, lower.get(key))
    if "attendees" in hidden:
        for key in DERIVED_METRIC_KEYS:
            if isinstance(out.get(key), Mapping):
                out[key] = dict.fromkeys(out[key])
            elif key in out:
                out[key] = None
    out["suppressed"] = hidden
    if isinstance(block.get("groups"), Mapping):
        out["groups"] = _suppress_groups(block["groups"], lower.get("groups") or {}, threshold)
    return out


def _suppress_groups(
    groups: Mapping[str, Any], lower: Mapping[str, Any], threshold: int | None
) -> dict[str, Any]:
    """Publish every group block of a breakdown (by tier, segment, ...) like a locality's block."""
    return {
        kind: {name: _suppress_block(block, (lower.get(kind) or {}).get(name) or {}, threshold)
               for name, block in blocks.items()}
        for kind, blocks in groups.items()
    }


def suppress_metrics(
    metrics: Mapping[str, Any], threshold: int | None, lower: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return a copy of a metrics dict as it may be published.

    Counts of people (:data:`COUNT_METRIC_KEYS`) of ``overall``, of every locality and
    of every group of their breakdowns (``groups``: by tier, segment, rural/urban class,
    deprivation) go through :func:`publish_count`; each block gains a ``suppressed`` list
    naming what was hidden, and a block whose attendees are hidden loses its derived
    figures (:data:`DERIVED_METRIC_KEYS`). Other sections are copied. Publishing
    published metrics again changes nothing.

    Parameters
    ----------
    metrics
        ``{"overall": {...}, "localities": {...}, ...}``.
    threshold
        ``RunRecord.suppress_below`` or ``None`` (counts unchanged, empty lists).
    lower
        The same figures computed from the cells' smallest possible values
        (:func:`protect`); ``None``: the counts are their own lower bounds.

    Examples
    --------
    >>> m = {"overall": {"attendees": 40, "mean_minutes": 20.0, "isolated": {"rural": 3, "urban": 0}},
    ...      "localities": {"Purbeck": {"attendees": 2, "mean_minutes": 31.0, "isolated": {"rural": 0}}}}
    >>> s = suppress_metrics(m, 5)
    >>> s["overall"]["attendees"], s["overall"]["isolated"], s["overall"]["suppressed"]
    (40.0, {'rural': None, 'urban': 0.0}, ['isolated.rural'])
    >>> s["localities"]["Purbeck"]["attendees"], s["localities"]["Purbeck"]["mean_minutes"]
    (None, None)
    """
    low = lower if lower is not None else metrics
    out: dict[str, Any] = dict(metrics)
    if "overall" in metrics:
        out["overall"] = _suppress_block(metrics["overall"], low.get("overall") or {}, threshold)
    if "localities" in metrics:
        lows = low.get("localities") or {}
        out["localities"] = {
            name: _suppress_block(block, lows.get(name) or {}, threshold)
            for name, block in metrics["localities"].items()
        }
    out["suppress_below"] = threshold
    return out


def suppress_transport(
    transport: Mapping[str, Any], site_locality: Mapping[str, str], threshold: int | None
) -> dict[str, Any]:
    """Return a copy of ``metrics["transport"]`` with its counts of people published (rule step 5).

    Each site's passengers and wheelchair passengers are cells (:func:`band`); a
    locality's and the whole plan's counts are the sums of their sites' bands, so that no
    total minus its visible sites gives a hidden site back. Every block gains a
    ``suppressed`` list; a block whose passengers are hidden loses its ride-time figures
    (:data:`TRANSPORT_DERIVED_KEYS`). Vehicles, km, hours, CO2e and cost are copied.

    Parameters
    ----------
    transport
        ``{"status", "overall", "localities": {name: {...}}, "sites": {site_id: {...}}}``
        (:meth:`hubplan.rounds.TransportPlan.metrics`).
    site_locality
        Site ID -> locality, for every site in ``transport["sites"]``.
    threshold
        ``RunRecord.suppress_below``; ``None`` returns the figures unchanged.

    Returns
    -------
    dict

    Examples
    --------
    >>> site = {"passengers": 3, "wheelchair_passengers": 0, "vehicles": 1, "ride_mean_minutes": 20.0}
    >>> big = {"passengers": 12, "wheelchair_passengers": 2, "vehicles": 2, "ride_mean_minutes": 30.0}
    >>> out = suppress_transport({"overall": {}, "localities": {"A": {}},
    ...                           "sites": {"s1": site, "s2": big}}, {"s1": "A", "s2": "A"}, 5)
    >>> out["sites"]["s1"]["passengers"], out["sites"]["s1"]["ride_mean_minutes"], out["sites"]["s1"]["vehicles"]
    (None, None, 1)
    >>> out["sites"]["s2"]["passengers"], out["sites"]["s2"]["wheelchair_passengers"], out["sites"]["s2"]["suppressed"]
    (10.0, None, ['wheelchair_passengers'])
    >>> out["localities"]["A"]["passengers"]  # 3.5 (the band 3-4) + 12, rounded
    15.0
    """
    if threshold is None:
        return dict(transport)
    sites: Mapping[str, Mapping[str, Any]] = transport.get("sites") or {}
    bands = {site: {key: band(block.get(key) or 0, threshold) for key in TRANSPORT_COUNT_KEYS}
             for site, block in sites.items()}

    def published(block: Mapping[str, Any], members: Iterable[str]) -> dict[str, Any]:
        chosen = [bands[site] for site in members if site in bands]
        out: dict[str, Any] = dict(block)
        hidden: list[str] = []
        for key in TRANSPORT_COUNT_KEYS:
            value = publish_count(sum(b[key].estimate for b in chosen), sum(b[key].lower for b in chosen), threshold)
            if value is None:
                hidden.append(key)
            out[key] = value
        if "passengers" in hidden:
            out.update(dict.fromkeys(key for key in TRANSPORT_DERIVED_KEYS if key in out))
        out["suppressed"] = hidden
        return out

    localities: Mapping[str, Mapping[str, Any]] = transport.get("localities") or {}
    return {
        **transport,
        "overall": published(transport.get("overall") or {}, sites),
        "localities": {name: published(block, [s for s in sites if site_locality.get(s) == name])
                       for name, block in localities.items()},
        "sites": {site: published(block, [site]) for site, block in sites.items()},
    }


def _without_postcodes(plan: TransportPlan) -> TransportPlan:
    """The plan with every passenger's postcode blanked and position unknown (public writers show home areas)."""
    nan = float("nan")
    return replace(plan, passengers=tuple(replace(p, postcode="", lon=nan, lat=nan) for p in plan.passengers))


def _with_lower(frame: pd.DataFrame, key: str, cells: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Set ``attendees`` and ``attendees_min`` of ``frame`` to the sums of ``cells`` by ``key``."""
    sums = cells.groupby(key)[["attendees", "attendees" + LOWER_SUFFIX]].sum()
    out = frame.copy()
    for column in sums.columns:
        out[column] = ids.map(sums[column]).fillna(0.0).to_numpy(dtype=float)
    return out


def _home_areas(home_areas: pd.DataFrame, cells: pd.DataFrame, isolation_minutes: float) -> pd.DataFrame:
    """Home-area counts, journey minutes, main site and isolation from the cells' estimates."""
    out = _with_lower(home_areas, "area_id", cells, home_areas["area_id"])
    journeys = area_journeys(cells, isolation_minutes)
    lowest = area_journeys(cells.assign(attendees=cells["attendees" + LOWER_SUFFIX]), isolation_minutes)
    ids = out["area_id"]
    for column in ("minutes_to_site", "minutes_to_specialist_mean", "assigned_site_id"):
        out[column] = ids.map(journeys[column]).fillna(out[column])
    out["isolated_attendees"] = ids.map(journeys["isolated_attendees"]).fillna(0.0).astype(float)
    out["isolated_attendees" + LOWER_SUFFIX] = ids.map(lowest["isolated_attendees"]).fillna(0.0).astype(float)
    out["isolated"] = ids.map(journeys["isolated"]).fillna(False).astype(bool)
    return out


def _protect_manifest(manifest: Manifest, overall: Mapping[str, Any], threshold: int) -> Manifest:
    demand = dict(manifest.demand)
    tallies = {key: float(value) for key in CLIENT_ROW_KEYS if isinstance(value := demand.get(key), (int, float))}
    rows = [band(value, threshold) for value in tallies.values()]
    for key, value in tallies.items():
        demand[key] = public_count(value, threshold)
    if isinstance(demand.get("rows"), (int, float)) and rows:
        demand["rows"] = publish_count(sum(b.estimate for b in rows), sum(b.lower for b in rows), threshold)
    if "total" in demand:
        demand["total"] = overall.get("attendees")
    solver = manifest.solver
    gap = None if solver.gap is None else round(solver.gap, GAP_DECIMALS)  # the proof, not the counts' noise
    withheld = replace(solver, objective=None, best_bound=None, terms={}, coverage={}, stages=(), gap=gap)
    alternatives = tuple(plan.withheld() for plan in manifest.alternatives)
    return replace(manifest, demand=demand, solver=withheld, alternatives=alternatives)


def protect(record: RunRecord) -> RunRecord:
    """Return ``record`` with every count of people replaced as the rule requires.

    For client records (``suppress_below`` set): allocation cells stand for their
    :func:`band` (``attendees`` = estimate, ``attendees_min`` = lower bound); home-area,
    site and locality counts and ``capacity_used`` are recomputed from the cells; the
    metrics are recomputed from the cells and published (:func:`suppress_metrics`);
    the manifest's client-row tallies are published and solver figures that weigh the
    exact counts are withheld; the transport figures are published by
    :func:`suppress_transport` and the transport plan's passengers lose their postcodes
    and positions (their home area stays). Modelled estimates are returned unchanged, and
    so is a record that is already protected.

    Public writers take transport figures from ``metrics["transport"]``, never by
    recomputing them from ``record.transport`` (whose passenger counts are exact).

    Parameters
    ----------
    record
        The run as the pipeline made it.

    Returns
    -------
    RunRecord
        Safe to hand to every writer (layers, map, report, metrics, console).
    """
    threshold = record.suppress_below
    cells = pd.DataFrame(record.allocations).copy()
    lower_column = "attendees" + LOWER_SUFFIX
    if threshold is None or lower_column in cells.columns:
        return record
    cells = _banded(cells, threshold)
    home = _home_areas(record.home_areas, cells, record.metrics["overall"]["isolation_minutes"])
    sites = _with_lower(record.sites, "site_id", cells, record.sites["site_id"])
    sites["capacity_used"] = sites["attendees"] / sites["capacity"]
    by_area = home.set_index("area_id")
    located = cells.assign(locality=cells["area_id"].map(by_area["locality"]))
    localities = _with_lower(record.localities, "locality", located, record.localities["locality"])

    source = record.metrics
    params = MetricsConfig(**{k: v for k, v in (source.get("parameters") or {}).items()
                              if k in MetricsConfig.model_fields})

    groups = record.groups
    fine = None if groups is None else _banded(groups.segment_flows, threshold)

    def figures(weights: pd.DataFrame, column: str) -> dict[str, Any]:
        split = None if groups is None or fine is None else replace(
            groups, segment_flows=fine.assign(attendees=fine[column]).drop(columns=[lower_column]))
        return compute_metrics(
            weights.assign(attendees=weights[column]).drop(columns=[lower_column]), home, sites,
            localities=list(source.get("localities") or {}),
            isolation_minutes=source["overall"]["isolation_minutes"], params=params, groups=split,
        )

    estimate, lower = figures(cells, "attendees"), figures(cells, lower_column)
    metrics = suppress_metrics({**source, **estimate}, threshold, lower=lower)
    transport = record.transport
    if "transport" in source:
        site_locality = dict(zip(record.sites["site_id"], record.sites["locality"], strict=True))
        metrics["transport"] = suppress_transport(source["transport"], site_locality, threshold)
    return replace(
        record, allocations=cells, home_areas=home, sites=sites, localities=localities,
        metrics=metrics, manifest=_protect_manifest(record.manifest, metrics["overall"], threshold),
        groups=None if groups is None or fine is None else replace(groups, segment_flows=fine),
        transport=None if transport is None else _without_postcodes(transport),
    )


def _banded(cells: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Cells with ``attendees`` standing for their :func:`band` and ``attendees_min`` its lower bound."""
    out = cells.copy()
    bands = [band(v, threshold) for v in out["attendees"]]
    out["attendees"] = np.array([b.estimate for b in bands], dtype=float)
    out["attendees" + LOWER_SUFFIX] = np.array([b.lower for b in bands], dtype=float)
    return out
