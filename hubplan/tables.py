"""Plain-text tables of run metrics for the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["metrics_frame", "render_table"]

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


def _row(figures: Mapping[str, Any]) -> dict[str, float]:
    row = {key: figures[key] for key in ("attendees", "mean_minutes", "median_minutes", "p90_minutes", "max_minutes")}
    row |= {f"within_{limit}": share for limit, share in figures["share_within"].items()}
    row |= {"isolated_rural": figures["isolated"]["rural"], "isolated_urban": figures["isolated"]["urban"]}
    return row


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

    Shares are percentages; minutes and attendees are rounded to whole numbers.
    """
    frame = metrics_frame(metrics)
    shown = pd.DataFrame(index=frame.index)
    for key, label in COLUMNS:
        values = frame[key]
        shown[label] = values.map(lambda v: f"{100 * v:.0f}%") if key.startswith("within_") else values.map(
            lambda v: "-" if pd.isna(v) else f"{v:.0f}"
        )
    return shown.to_string()
