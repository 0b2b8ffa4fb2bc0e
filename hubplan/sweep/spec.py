"""What a sweep varies: the sweep file (TOML, validated like a scenario) or ``--vary`` options, and its variants.

A sweep names a base scenario and the axes it varies. An axis is a dotted scenario
field (``tiers.hub.count``, ``objective.isolation_minutes``, ``constraints.budget``,
``tiers.hub.annual_cost``, ...) with a list of values, or one of two sweep axes:

``demand.seed``
    A seeded synthetic cohort drawn around the estimate (the scenario's
    ``[demand] method = "synthetic"`` with that ``seed``); ``draws = N`` is
    shorthand for seeds ``first_seed .. first_seed + N - 1``.
``travel.speed_factor``
    Every journey's speed times this factor, so its minutes divided by it (the
    calibrated model's minutes are road km over a speed, so this is exact for it;
    for OSM networks it keeps today's routes).

Every combination of the axes' values is a :class:`Variant`, identified by a hash of
its parameters (:func:`variant_id`), so the same parameters always get the same ID.

Example sweep file::

    name = "hub-per-locality-sweep"
    scenario = "../hub-per-locality.toml"
    unset = ["tiers.hub.count_per_locality"]   # the total count varies instead
    draws = 200

    [vary]
    "tiers.hub.count" = [5, 6, 7, 8, 9]
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from hubplan.errors import InputError, Issue, input_error
from hubplan.files.reading import SCENARIO_FILE, InputLimit, read_bounded
from hubplan.scenario import Scenario, load_scenario
from hubplan.scenario.fields import MAX_SEED, Name, OneLine, StrictModel, scenario_issue
from hubplan.scenario.load import scenario_issues, too_deep

__all__ = [
    "SEED_AXIS",
    "SPEED_AXIS",
    "SweepFile",
    "SweepSpec",
    "Variant",
    "apply_parameters",
    "load_sweep",
    "parse_vary",
    "variant_id",
]

SEED_AXIS = "demand.seed"
SPEED_AXIS = "travel.speed_factor"
#: Axes that are not scenario fields as such (handled by :func:`apply_parameters` and the worker).
SWEEP_AXES = (SEED_AXIS, SPEED_AXIS)
#: The most variants one sweep may have (a guard against a typo such as 1..100000).
MAX_VARIANTS = 100_000
#: The largest sweep file read: the scenario file's cap (a sweep file is a few lines).
SWEEP_FILE = InputLimit("sweep file", SCENARIO_FILE.max_bytes)
#: Characters of the SHA-256 hex digest kept as a variant's ID.
ID_LENGTH = 12

Value = int | float | str | bool


def _short(value: object) -> str:
    """``repr(value)``, cut to 40 characters (a huge number stays readable in a one-line error)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


class SweepFile(StrictModel):
    """A sweep file, validated. Paths are relative to the sweep file."""

    name: Name
    title: OneLine = ""
    scenario: Path
    unset: tuple[str, ...] = ()
    set: dict[str, Value] = Field(default_factory=dict)
    draws: int | None = Field(default=None, ge=1, le=MAX_VARIANTS)
    first_seed: int = Field(default=1, ge=0, le=MAX_SEED)
    vary: dict[str, list[Value]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> SweepFile:
        for axis, values in self.vary.items():
            if not values:
                raise scenario_issue(f"vary.{axis}", "no values", "give at least one value")
            if len(set(map(repr, values))) != len(values):
                raise scenario_issue(f"vary.{axis}", "a value is repeated", "give each value once")
        if self.draws is not None and SEED_AXIS in self.vary:
            raise scenario_issue("draws", f"given with vary.{SEED_AXIS}", "give one of them")
        for value in self.vary.get(SPEED_AXIS, ()):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 5:
                raise scenario_issue(f"vary.{SPEED_AXIS}", f"{value!r} is not a factor in (0, 5]",
                                     "give factors such as 0.9, 1.0, 1.1")
        for value in self.vary.get(SEED_AXIS, ()):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
                raise scenario_issue(f"vary.{SEED_AXIS}", f"{_short(value)} is not a seed",
                                     f"give whole numbers from 0 to {MAX_SEED}")
        if self.draws is not None and self.first_seed + self.draws - 1 > MAX_SEED:
            raise scenario_issue("first_seed", f"the draws' seeds run past {MAX_SEED}",
                                 f"give first_seed at most {MAX_SEED - self.draws + 1}")
        return self

    def axes(self) -> dict[str, tuple[Value, ...]]:
        """Axis -> values, the demand draws first."""
        axes: dict[str, tuple[Value, ...]] = {}
        if self.draws is not None:
            axes[SEED_AXIS] = tuple(range(self.first_seed, self.first_seed + self.draws))
        return axes | {axis: tuple(values) for axis, values in self.vary.items()}


@dataclass(frozen=True)
class Variant:
    """One combination of the axes' values.

    Parameters
    ----------
    variant_id
        :func:`variant_id` of ``parameters``.
    parameters
        Axis -> value.
    group
        The ID of the parameters other than the demand draw: variants of one group
        differ only in demand (they share a warm start and a robustness column).
    """

    variant_id: str
    parameters: Mapping[str, Value]
    group: str


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: its name, base scenario, fixed edits and variants.

    Parameters
    ----------
    name, title
        The sweep's name (its output folder) and title.
    base
        The base scenario with the fixed edits (``unset``, ``set``) applied.
    axes
        Axis -> values.
    variants
        Every combination, sorted by ID.
    source
        The sweep file, or ``None`` for ``--vary`` options.
    """

    name: str
    title: str
    base: Scenario
    axes: Mapping[str, tuple[Value, ...]]
    variants: tuple[Variant, ...]
    source: Path | None = None


def variant_id(parameters: Mapping[str, Value]) -> str:
    """A stable ID: the start of the SHA-256 of the parameters as canonical JSON.

    Examples
    --------
    >>> variant_id({"tiers.hub.count": 6, "demand.seed": 3}) == variant_id({"demand.seed": 3, "tiers.hub.count": 6})
    True
    >>> len(variant_id({}))
    12
    """
    text = json.dumps(dict(parameters), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def _set_path(data: dict[str, Any], path: str, value: Any, *, remove: bool = False) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise KeyError(path)
        node = child
    if remove:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def apply_parameters(base: Scenario, parameters: Mapping[str, Any], *, unset: Sequence[str] = ()) -> Scenario:
    """The scenario ``base`` with ``unset`` fields removed and ``parameters`` set (sweep axes apart from speed).

    ``demand.seed`` also sets ``demand.method = "synthetic"``; ``travel.speed_factor``
    is left to the travel matrix (see :mod:`hubplan.sweep.worker`).

    Raises
    ------
    pydantic.ValidationError
        When the edited scenario is not valid.
    KeyError
        When a path runs through a value that is not a table.

    Examples
    --------
    >>> s = Scenario(name="x", sites={"roles": [{"role": "candidate", "kind": "library"}]},
    ...              tiers={"hub": {"count_per_locality": 1}})
    >>> edited = apply_parameters(s, {"tiers.hub.count": 7, "demand.seed": 4}, unset=["tiers.hub.count_per_locality"])
    >>> edited.tiers["hub"].count, edited.tiers["hub"].count_per_locality, edited.demand.method, edited.demand.seed
    (7, None, 'synthetic', 4)
    """
    data = base.model_dump(mode="python", exclude_unset=True)
    for path in unset:
        _set_path(data, path, None, remove=True)
    for path, value in parameters.items():
        if path == SPEED_AXIS:
            continue
        if path == SEED_AXIS:
            _set_path(data, "demand.method", "synthetic")
        _set_path(data, path, value)
    scenario = Scenario.model_validate(data)
    return scenario.model_copy(update={"source_path": base.source_path, "sha256": base.sha256})


def _edit_issue(source: Path | str, field: str, err: Exception) -> Issue:
    if isinstance(err, ValidationError):
        first = scenario_issues(err, Path(str(source)))[0]
        return Issue(source, field, f"{first.field}: {first.problem}", first.fix)
    return Issue(source, field, "runs through a value that is not a table", "name a scenario field")


def _checked_base(source: Path | str, scenario: Scenario, unset: Sequence[str],
                  fixed: Mapping[str, Value]) -> Scenario:
    try:
        return apply_parameters(scenario, fixed, unset=unset)
    except (ValidationError, KeyError) as err:
        raise InputError(issues=[_edit_issue(source, "set", err)]) from err


def _check_axes(source: Path | str, base: Scenario, axes: Mapping[str, tuple[Value, ...]]) -> None:
    """Every value of every axis must make a valid scenario on its own."""
    if base.demand.method == "client_file" and SEED_AXIS not in axes:
        raise input_error(source, "scenario", "its demand comes from client records, whose per-variant figures "
                          "a sweep would publish unprotected", f"sweep over estimated demand or {SEED_AXIS} draws")
    for axis, values in axes.items():
        if axis == SPEED_AXIS:
            continue
        for value in values:
            try:
                edited = apply_parameters(base, {axis: value})
            except (ValidationError, KeyError) as err:
                raise InputError(issues=[_edit_issue(source, f"vary.{axis}", err)]) from err
            if edited.demand.method == "client_file" and axis != SEED_AXIS:
                raise input_error(source, f"vary.{axis}", f"the value {_short(value)} makes a variant's demand "
                                  "come from client records, whose per-variant figures a sweep would publish "
                                  "unprotected", "sweep over estimated demand or demand.seed draws")


def _check_count(axes: Mapping[str, Sequence[Value]], source: Path | str) -> None:
    """At most :data:`MAX_VARIANTS` combinations (counted, never expanded)."""
    count = 1
    for values in axes.values():
        count *= len(values)
    if count > MAX_VARIANTS:
        raise input_error(source, "vary", f"{count:.3g} variants, more than {MAX_VARIANTS}", "vary fewer values")


def _variants(axes: Mapping[str, tuple[Value, ...]], source: Path | str) -> tuple[Variant, ...]:
    _check_count(axes, source)
    names = list(axes)
    variants = []
    for combo in itertools.product(*axes.values()):
        parameters = dict(zip(names, combo, strict=True))
        group = variant_id({k: v for k, v in parameters.items() if k != SEED_AXIS})
        variants.append(Variant(variant_id(parameters), parameters, group))
    return tuple(sorted(variants, key=lambda v: v.variant_id))


def _spec(config: SweepFile, scenario: Scenario, source: Path | str, path: Path | None) -> SweepSpec:
    base = _checked_base(source, scenario, config.unset, config.set)
    axes = config.axes()
    _check_count(axes, source)  # before each value is checked: a typo such as 1..100000 stops at once
    _check_axes(source, base, axes)
    return SweepSpec(config.name, config.title or config.name, base, axes, _variants(axes, source), path)


def load_sweep(path: Path | str) -> SweepSpec:
    """Read and validate a sweep file (and its base scenario).

    Raises
    ------
    InputError
        One line ``FILE: FIELD: PROBLEM; fix: WHAT`` for the first problem found.
    """
    path = Path(path)
    try:
        data = tomllib.loads(read_bounded(path, SWEEP_FILE).decode("utf-8"))
    except FileNotFoundError as err:
        raise input_error(path, "(file)", "sweep file not found", "check the path") from err
    except OSError as err:
        raise input_error(path, "(file)", f"cannot be read ({err.strerror})", "check the path and permissions"
                          ) from err
    except UnicodeDecodeError as err:
        raise input_error(path, "(file)", "not UTF-8 text", "save the file as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise input_error(path, "(syntax)", f"invalid TOML: {err}", "correct the TOML syntax at that line") from err
    except RecursionError:
        raise too_deep(path) from None
    try:
        config = SweepFile.model_validate(data)
    except ValidationError as err:
        raise InputError(issues=scenario_issues(err, path)) from err
    scenario_path = config.scenario if config.scenario.is_absolute() else path.parent / config.scenario
    return _spec(config, load_scenario(scenario_path), path, path.resolve())


def _values(text: str) -> list[Value]:
    """``5..9`` (whole numbers), or a comma list of numbers, ``true``/``false`` or words."""
    start, sep, stop = text.partition("..")
    if sep and start.strip().lstrip("-").isdigit() and stop.strip().lstrip("-").isdigit():
        first, last = int(start), int(stop)
        if last - first + 1 > MAX_VARIANTS:  # counted before it is expanded
            raise input_error("--vary", text.strip()[:60], f"a range of {last - first + 1:.3g} values, more than "
                              f"the {MAX_VARIANTS} variants a sweep may have", "give a shorter range")
        return list(range(first, last + 1))
    values: list[Value] = []
    for item in (part.strip() for part in text.split(",")):
        parsed = tomllib.loads(f"v = {item}")["v"] if item and _is_toml_scalar(item) else item
        values.append(parsed)
    return values


def _is_toml_scalar(item: str) -> bool:
    try:
        return isinstance(tomllib.loads(f"v = {item}")["v"], (int, float, bool))
    except tomllib.TOMLDecodeError:
        return False


def parse_vary(scenario: Path | str, options: Sequence[str], *, draws: int | None = None,
               unset: Sequence[str] = (), name: str | None = None) -> SweepSpec:
    """A sweep from the command line: ``--vary FIELD=VALUES`` options on a base scenario.

    Examples
    --------
    >>> _values("5..7"), _values("0.9,1,1.1"), _values("true")
    ([5, 6, 7], [0.9, 1, 1.1], [True])
    """
    vary: dict[str, list[Value]] = {}
    for option in options:
        axis, sep, text = option.partition("=")
        if not sep or not axis.strip() or not text.strip():
            raise input_error("--vary", option, "is not FIELD=VALUES", "e.g. --vary tiers.hub.count=5..9")
        vary[axis.strip()] = _values(text)
    scenario_path = Path(scenario)
    base = load_scenario(scenario_path)
    data = {"name": name or f"{base.name}-sweep", "scenario": scenario_path, "unset": list(unset), "vary": vary,
            "draws": draws}
    try:
        config = SweepFile.model_validate(data)
    except ValidationError as err:
        first = scenario_issues(err, Path("--vary"))[0]
        raise InputError(issues=[first]) from err
    return _spec(config, base, "--vary", None)
