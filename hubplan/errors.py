"""One exception tree for hubplan, in the language of the domain.

Every error a user can cause is an :class:`InputError` whose message names the
file, the field and the fix on one line. The command-line interface prints the
message of any :class:`HubplanError` and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = [
    "ClusterError",
    "DataError",
    "HubplanError",
    "InfeasibleError",
    "InputError",
    "Issue",
    "SolverError",
    "input_error",
]


@dataclass(frozen=True)
class Issue:
    """One problem with an input: where it is, what is wrong, and what to do.

    Parameters
    ----------
    source
        The file (or other origin, e.g. ``"--origins"``) the bad value came from, if known.
    field
        The field, column or option that holds the bad value.
    problem
        What is wrong with it.
    fix
        What the user should do.

    Examples
    --------
    >>> str(Issue("a.toml", "tiers.hub.capacity", "must be > 0, got -3", "give a positive number"))
    'a.toml: tiers.hub.capacity: must be > 0, got -3; fix: give a positive number'
    """

    source: str | Path | None
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        return f"{where}{self.field}: {self.problem}; fix: {self.fix}"

    def renamed(self, field: str, fix: str | None = None) -> Issue:
        """The same issue under another field name (and optionally another fix)."""
        return replace(self, field=field, fix=self.fix if fix is None else fix)


class HubplanError(Exception):
    """Root of every error hubplan raises on purpose.

    An error raised from :class:`Issue` objects keeps them in :attr:`issues`, so
    callers can read the field and fix without parsing the message; the message
    explains the first and counts the rest.
    """

    def __init__(self, *args: object, issues: Sequence[Issue] = ()) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        if not args and self.issues:
            args = (_summary(self.issues),)
        super().__init__(*args)


def _summary(issues: Sequence[Issue]) -> str:
    """The first issue in full, then how many more there are.

    Examples
    --------
    >>> _summary([Issue("a", "x", "bad", "fix it"), Issue("a", "y", "worse", "fix that")])
    'a: x: bad; fix: fix it (and 1 more problem)'
    """
    more = len(issues) - 1
    return str(issues[0]) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class InputError(HubplanError, ValueError):
    """A user-supplied file or value is malformed or inconsistent."""


class DataError(HubplanError):
    """A source or built dataset is missing, corrupt or lacks a column."""


class InfeasibleError(HubplanError):
    """The scenario's constraints cannot all be met (explained, before or after solving)."""


class SolverError(HubplanError):
    """The solver failed, or found no solution within its limits."""


class ClusterError(HubplanError):
    """A Dask cluster has no workers, or lost them while a sweep ran."""


def input_error(
    source: str | Path | None, field: str, problem: str, fix: str
) -> InputError:
    """Build an :class:`InputError` carrying one :class:`Issue` (its parameters are the issue's).

    Returns
    -------
    InputError
        The error, ready to ``raise``.

    Examples
    --------
    >>> str(input_error("a.toml", "tiers.hub.capacity", "must be > 0, got -3", "give a positive number"))
    'a.toml: tiers.hub.capacity: must be > 0, got -3; fix: give a positive number'
    """
    return InputError(issues=[Issue(source, field, problem, fix)])
