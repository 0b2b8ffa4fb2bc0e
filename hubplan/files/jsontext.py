"""JSON text that every strict parser accepts: non-finite numbers become ``null``.

Python's :func:`json.dumps` writes ``NaN`` and ``Infinity`` by default, which are not
JSON (RFC 8259) and which browsers' ``JSON.parse``, ``jq`` and most other tools reject.
``metrics.json``, ``manifest.json`` and ``evaluate --json`` are written by
:func:`dumps_json`; the GeoJSON layers round their properties and write non-finite
ones as ``null`` themselves (:mod:`hubplan.outputs.layers`). Both pass
``allow_nan=False``, so a value that slipped through raises instead of writing bad JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps_json", "finite_json"]


def finite_json(value: Any) -> Any:
    """``value`` with NaN/inf (e.g. a mean over no attendees) replaced by ``None``, numpy scalars by Python ones.

    Examples
    --------
    >>> import numpy as np
    >>> finite_json({"a": [1.5, float("inf")], "b": np.float64("nan"), 3: (np.int64(2),)})
    {'a': [1.5, None], 'b': None, '3': [2]}
    """
    if isinstance(value, Mapping):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return finite_json(value.item())
    return value


def dumps_json(data: Mapping[str, Any]) -> str:
    """Serialise JSON deterministically: sorted keys, 2-space indent, UTF-8, no NaN.

    Examples
    --------
    >>> print(dumps_json({"b": 1, "a": [1.5, float("nan")]}), end="")
    {
      "a": [
        1.5,
        null
      ],
      "b": 1
    }
    """
    return json.dumps(finite_json(data), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
