"""Latency figures shared by the benchmarks that time clicks (``study_evaluate.py``, ``serve_clicks.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    """Count, median, 95th percentile, longest and mean of a list of timings (``{"n": 0}`` when empty)."""
    values = np.asarray(milliseconds, dtype=float)
    if values.size == 0:
        return {"n": 0}
    return {"n": int(values.size), "median": float(np.median(values)), "p95": float(np.quantile(values, 0.95)),
            "max": float(values.max()), "mean": float(values.mean())}
