"""One exception tree for hubplan, in the language of the domain.

Every error a user can cause is an :class:`InputError` whose message names the
file, the field and the fix on one line. The command-line interface prints the
message of any :class:`HubplanError` and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DataError",
    "HubplanError",
    "InfeasibleError",
    "InputError",
    "SolverError",
    "input_error",
]


class HubplanError(Exception):
    """Root of every error hubplan raises on purpose."""


class InputError(HubplanError, ValueError):
    """A user-supplied file or value is malformed or inconsistent."""


class DataError(HubplanError):
    """A source or built dataset is missing, corrupt or lacks a column."""


class InfeasibleError(HubplanError):
    """The scenario's constraints cannot all be met (explained, before or after solving)."""


class SolverError(HubplanError):
    """The solver failed, or found no solution within its limits."""


def input_error(
    source: str | Path | None, field: str, problem: str, fix: str
) -> InputError:
    """Build an :class:`InputError` with the one-line ``file: field: problem; fix`` message.

    Parameters
    ----------
    source
        The file (or other origin, e.g. ``"--origins"``) the bad value came from.
    field
        The field, column or option that holds the bad value.
    problem
        What is wrong with it.
    fix
        What the user should do.

    Returns
    -------
    InputError
        The error, ready to ``raise``.

    Examples
    --------
    >>> str(input_error("a.toml", "tiers.hub.capacity", "must be > 0, got -3", "give a positive number"))
    'a.toml: tiers.hub.capacity: must be > 0, got -3; fix: give a positive number'
    """
    where = f"{source}: " if source is not None else ""
    return InputError(f"{where}{field}: {problem}; fix: {fix}")
