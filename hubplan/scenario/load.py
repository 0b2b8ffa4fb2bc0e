"""Reading a scenario file: TOML in, a validated :class:`~hubplan.scenario.Scenario` or :class:`Issue` objects out."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hubplan.errors import InputError, Issue, input_error
from hubplan.files.reading import SCENARIO_FILE, read_bounded
from hubplan.scenario.fields import ISSUE_ERROR_TYPE
from hubplan.scenario.model import Scenario

__all__ = ["load_scenario", "scenario_issues", "scenario_json_schema", "too_deep"]

RESERVED_KEYS = ("source_path", "sha256")
"""Fields hubplan sets itself; a scenario file may not give them."""

FIXES = {
    "extra_forbidden": "remove it or check its spelling against `hubplan scenario schema`",
    "missing": "add it (see docs/guide/scenario-files.md)",
    "literal_error": "use one of the allowed values",
    "greater_than": "give a larger value",
    "greater_than_equal": "give a larger value",
    "less_than": "give a smaller value",
    "less_than_equal": "give a smaller value",
    "finite_number": "give a finite number",
    "too_short": "add at least one entry",
    "string_pattern_mismatch": "use letters, digits, '_', '-' or '.' only",
}
"""The fix for each kind of pydantic error; any other kind gets a generic fix."""

GENERIC_FIX = "correct the value's type or format"


def _field_path(location: Sequence[int | str]) -> str:
    r"""A dotted path to the field, quoting any part that would break the line.

    Examples
    --------
    >>> print(_field_path(("tiers", "hub", "capacity")), _field_path(("bad\nkey",)))
    tiers.hub.capacity 'bad\nkey'
    """
    return ".".join(str(part) if str(part).isprintable() else repr(str(part)) for part in location)


def _issue(error: ErrorDetails, source: Path) -> Issue:
    """One pydantic error as an :class:`Issue` (hubplan's own checks carry their parts in the context)."""
    location = _field_path(error["loc"])
    kind = error["type"]
    if kind == ISSUE_ERROR_TYPE:
        context = error.get("ctx") or {}
        field = ".".join(part for part in (location, str(context["field"])) if part)
        return Issue(source, field or "(top level)", str(context["problem"]), str(context["fix"]))
    problem = error["msg"]
    if kind == "extra_forbidden":
        problem = "unknown key"
    elif kind != "missing" and "input" in error:
        problem = f"{problem} (got {error['input']!r})"
    return Issue(source, location or "(top level)", problem, FIXES.get(kind, GENERIC_FIX))


def _root_causes(errors: Sequence[ErrorDetails]) -> list[ErrorDetails]:
    """Drop pydantic's follow-on ``too_short`` errors on a list whose only item was itself invalid.

    A ``[[sites.roles]]`` entry with a bad value also makes the list look empty
    ("at least 1 item after validation"); that second error is noise.
    """
    located = [tuple(error["loc"]) for error in errors]
    kept = [
        error for error, loc in zip(errors, located, strict=True)
        if not (error["type"] == "too_short"
                and any(len(other) > len(loc) and other[: len(loc)] == loc for other in located))
    ]
    return kept or list(errors)


def scenario_issues(error: ValidationError, source: Path) -> list[Issue]:
    """The problems of a scenario that failed validation, root causes first.

    Parameters
    ----------
    error
        What :meth:`Scenario.model_validate` raised.
    source
        The scenario file, named in every issue.

    Returns
    -------
    list of Issue
        One per independent problem, in pydantic's order (the first is the one to fix first).
    """
    return [_issue(detail, source) for detail in _root_causes(error.errors(include_url=False))]


def _headline(issues: Sequence[Issue]) -> str:
    """The first issue, counting the others just before its fix.

    Examples
    --------
    >>> _headline([Issue("a.toml", "x", "bad", "fix it"), Issue("a.toml", "y", "worse", "fix that")])
    'a.toml: x: bad (and 1 more problem); fix: fix it'
    """
    first = issues[0]
    more = len(issues) - 1
    if not more:
        return str(first)
    return str(replace(first, problem=f"{first.problem} (and {more} more problem{'s' if more > 1 else ''})"))


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        A TOML scenario file.

    Returns
    -------
    Scenario
        The frozen, validated scenario, with ``source_path`` and the file's ``sha256``.

    Raises
    ------
    InputError
        The file is missing, is not valid TOML (or UTF-8), or breaks the schema;
        the message names the file, the first offending field and the fix, and
        ``issues`` holds every problem found.
    """
    path = Path(path)
    try:
        raw = read_bounded(path, SCENARIO_FILE)
    except FileNotFoundError as err:
        raise input_error(path, "(file)", "scenario file not found", "check the path") from err
    except OSError as err:
        raise input_error(path, "(file)", f"cannot be read ({err.strerror})", "check the path and permissions") from err
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise input_error(path, "(file)", "not UTF-8 text", "save the file as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise input_error(path, "(syntax)", f"invalid TOML: {err}", "correct the TOML syntax at that line") from err
    except RecursionError:
        raise too_deep(path) from None
    for reserved in RESERVED_KEYS:
        if reserved in data:
            raise input_error(path, reserved, "unknown key", "remove it (hubplan sets it itself)")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        issues = scenario_issues(err, path)
        raise InputError(_headline(issues), issues=issues) from err
    return scenario.model_copy(update={"source_path": path.resolve(), "sha256": hashlib.sha256(raw).hexdigest()})


def too_deep(path: Path) -> InputError:
    """The one-line error for a TOML file nested more deeply than the reader's recursion allows."""
    return input_error(path, "(syntax)", "tables or arrays nested too deeply to read",
                       "nest them a few levels at most, as the documented keys are")


def scenario_json_schema() -> str:
    """Return the scenario file's JSON Schema (pretty-printed).

    Examples
    --------
    >>> '"tiers"' in scenario_json_schema()
    True
    """
    schema = Scenario.model_json_schema(mode="validation")
    for reserved in RESERVED_KEYS:
        schema["properties"].pop(reserved, None)
    schema["title"] = "hubplan scenario"
    return json.dumps(schema, indent=2, sort_keys=True)
