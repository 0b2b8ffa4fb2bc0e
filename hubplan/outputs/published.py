"""The disclosure rule as a type: a :class:`Published` record is one the rule has made safe.

Every writer of a public output (layers, web map, report, Easy Read, the run folder)
accepts only a :class:`Published` record, and only :func:`publish` makes one, so a run
that skipped the rule is a type error for mypy and a ``TypeError`` at run time, not a
leak. The rule itself (bands, suppression, derived figures) is in
:mod:`hubplan.outputs.privacy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hubplan.outputs.privacy import protect, suppress_metrics
from hubplan.record.run import RunRecord

__all__ = ["Published", "publish"]

_RULE = object()
"""Held by :func:`publish` alone: a :class:`Published` made anywhere else is refused."""


@dataclass(frozen=True)
class Published:
    """A run as it may be published: counts banded and suppressed, postcodes gone.

    Make one with :func:`publish`; constructing it directly raises ``TypeError``.

    Parameters
    ----------
    record
        The protected run record (:func:`hubplan.outputs.privacy.protect`).
    metrics
        The metrics as ``metrics.json`` publishes them (:func:`hubplan.outputs.privacy.suppress_metrics`):
        every count of people published or suppressed, with ``suppressed`` lists and ``suppress_below``.
    """

    record: RunRecord
    metrics: Mapping[str, Any]
    _rule: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._rule is not _RULE:
            raise TypeError("a Published record is made only by hubplan.outputs.published.publish()")


def publish(record: RunRecord | Published) -> Published:
    """Apply the disclosure rule to a run: the only way to a :class:`Published` record.

    Client-record runs have every count of people banded and suppressed, figures
    derived from them suppressed with them, and passengers' postcodes removed
    (:func:`hubplan.outputs.privacy.protect`); modelled estimates pass unchanged.
    Publishing a published record returns it.

    Parameters
    ----------
    record
        The run as planned.

    Returns
    -------
    Published
    """
    if isinstance(record, Published):
        return record
    safe = protect(record)
    return Published(safe, suppress_metrics(safe.metrics, safe.suppress_below), _RULE)
