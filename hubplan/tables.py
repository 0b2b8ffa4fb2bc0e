"""Plain-text tables of run metrics for the terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

__all__ = ["TRANSPORT_COLUMNS", "metrics_frame", "render_table", "render_transport_table", "transport_frame"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("attendees", "attendees"),
    ("mean_minutes", "mean min"),
    ("median_minutes", "median min"),
    ("p90_minutes", "p90 min"),
    ("max_minutes", "max min"),
    ("within_15", "<=15 min"),
    ("within_30", "<=30 min"),
    ("within_45", "<=45 min"),
    ("within_60", "<=60 min"),
    ("isolated_rural", "isolated rural"),
    ("isolated_urban", "isolated urban"),
)


_HIDDEN_KEYS = {"attendees": "attendees", "isolated.rural": "isolated_rural", "isolated.urban": "isolated_urban"}
"""Published metric names (``suppressed`` lists) of the table's count columns."""


def _row(figures: Mapping[str, Any]) -> dict[str, float]:
    def number(value: Any) -> float:
        return float("nan") if value is None else float(value)

    keys = ("attendees", "mean_minutes", "median_minutes", "p90_minutes", "max_minutes")
    row = {key: number(figures[key]) for key in keys}
    row |= {f"within_{limit}": number(share) for limit, share in figures["share_within"].items()}
    row |= {"isolated_rural": number(figures["isolated"]["rural"]),
            "isolated_urban": number(figures["isolated"]["urban"])}
    return row


def _hidden(metrics: Mapping[str, Any]) -> dict[str, set[str]]:
    blocks = {**metrics["localities"], "All localities": metrics["overall"]}
    return {name: {_HIDDEN_KEYS[k] for k in block.get("suppressed") or [] if k in _HIDDEN_KEYS}
            for name, block in blocks.items()}


def metrics_frame(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Return one row per locality plus ``All localities``, columns as in :data:`COLUMNS`.

    Parameters
    ----------
    metrics
        The ``metrics`` of a :class:`hubplan.record.run.RunRecord`.

    Returns
    -------
    pandas.DataFrame
        Indexed by locality.
    """
    rows = {name: _row(figures) for name, figures in metrics["localities"].items()}
    rows["All localities"] = _row(metrics["overall"])
    return pd.DataFrame.from_dict(rows, orient="index")[[key for key, _ in COLUMNS]]


def render_table(metrics: Mapping[str, Any]) -> str:
    """Format the per-locality journey table for the terminal.

    Shares are percentages; minutes and attendees are rounded to whole numbers. Metrics
    published under the privacy rule (:func:`hubplan.outputs.privacy.protect`) print
    suppressed counts as ``<5`` and suppressed derived figures as ``-``.
    """
    frame = metrics_frame(metrics)
    hidden = _hidden(metrics)
    threshold = metrics.get("suppress_below")
    shown = pd.DataFrame(index=frame.index)
    for key, label in COLUMNS:
        cells = []
        for name, value in frame[key].items():
            if key in hidden.get(str(name), set()):
                cells.append(f"<{threshold}")
            elif pd.isna(value):
                cells.append("-")
            else:
                cells.append(f"{100 * value:.0f}%" if key.startswith("within_") else f"{value:.0f}")
        shown[label] = cells
    text: str = shown.to_string()  # pandas ships no type information
    return text


TRANSPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("passengers", "passengers"),
    ("vehicles", "vehicles"),
    ("vehicle_km_day", "veh-km/day"),
    ("vehicle_hours_day", "veh-h/day"),
    ("ride_mean_minutes", "ride mean"),
    ("ride_p90_minutes", "ride p90"),
    ("ride_max_minutes", "ride max"),
    ("ride_over_direct", "ride/direct"),
    ("exception_passengers", "by taxi"),
    ("co2e_tonnes_year", "CO2e t/yr"),
    ("cost_gbp_year", "cost GBP/yr"),
)
"""The transport figures shown on the console (``metrics.json``'s ``transport`` names), with their headings."""


def transport_frame(transport: Mapping[str, Any]) -> pd.DataFrame:
    """One row per locality and one for the whole plan (``All localities``), of :data:`TRANSPORT_COLUMNS`.

    A figure withheld from publication (``None``) shows as ``NaN``.
    """
    blocks = {**transport["localities"], "All localities": transport["overall"]}
    rows = {name: {key: (float("nan") if block.get(key) is None else float(block[key]))
                   for key, _ in TRANSPORT_COLUMNS} for name, block in blocks.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[key for key, _ in TRANSPORT_COLUMNS])


def render_transport_table(transport: Mapping[str, Any], *, hidden: str = "hidden") -> str:
    """The transport plan per locality as a plain-text table (minutes, km and hours per typical day).

    ``hidden`` stands in for a count withheld from publication (e.g. ``<5``).

    Examples
    --------
    >>> figures = dict.fromkeys([key for key, _ in TRANSPORT_COLUMNS], 1.0)
    >>> table = render_transport_table({"localities": {"North": figures}, "overall": figures})
    >>> table.splitlines()[0].split()[:6]
    ['passengers', 'vehicles', 'veh-km/day', 'veh-h/day', 'ride', 'mean']
    """
    frame = transport_frame(transport)
    shown = pd.DataFrame(index=frame.index)
    for key, heading in TRANSPORT_COLUMNS:
        shown[heading] = frame[key].map(_transport_cell(key, hidden))
    text: str = shown.to_string()  # pandas ships no type information
    return text


def _transport_cell(key: str, hidden: str) -> Callable[[float], str]:
    """How one transport column's cells are written (``NaN``: withheld count, or no figure)."""
    if key in ("passengers", "vehicles", "cost_gbp_year"):
        return lambda v: hidden if v != v else f"{v:,.0f}"
    digits = 2 if key == "ride_over_direct" else 1 if key.startswith(("co2e", "vehicle_hours")) else 0
    return lambda v: "-" if v != v else f"{v:,.{digits}f}"
