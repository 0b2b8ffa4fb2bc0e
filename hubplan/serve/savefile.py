"""A workshop's plan as a scenario file that ``hubplan run`` reproduces exactly.

The saved scenario is the workshop's scenario with its plan fixed: each open building
``required`` in exactly the tiers it hosts (its capacity and cost as the scenario
gave them), every other building closed (a site no rule names is closed). A given plan
is scored without the scenario's limits on *choosing* (number of buildings, budget,
longest journey, tier counts: :meth:`hubplan.api.Study.allocate`), so the saved file
leaves them out too, and its ``hubplan run`` evaluates the plan ("evaluated (fixed
plan)") with the same figures the workshop showed. Paths the scenario names (study
area, client file, travel matrix) are written absolute, since the file is saved
elsewhere.

The server writes only inside its output folder (:func:`save_plan`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import tomli_w

from hubplan.api import Study
from hubplan.serve.board import Plan

__all__ = ["NAME_PATTERN", "plan_scenario", "save_plan"]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
"""A saved plan's name: its file name and scenario name (lower case, digits, ``-`` and ``_``)."""

CHOOSING_LIMITS = ("buildings", "budget", "max_minutes", "max_minutes_to_reach", "max_minutes_to_any")
"""Constraints on choosing a plan, which a given plan is not held to (see :func:`hubplan.optimise.evaluate_plan`)."""

TIER_COUNTS = ("count", "count_per_locality", "min_count", "max_count")


def _site_rules(study: Study, plan: Plan) -> list[dict[str, Any]]:
    sites = study.prepared.sites.set_index("site_id")
    rules = []
    for site_id, tiers in plan.open_tiers:
        rule: dict[str, Any] = {"role": "required", "ids": [site_id], "tiers": list(tiers)}
        for key in ("capacity", "annual_cost"):
            value = sites.at[site_id, key]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                rule[key] = float(value)
        rules.append(rule)
    return rules


def _absolute_paths(study: Study, data: dict[str, Any]) -> None:
    scenario = study.scenario
    if scenario.study is not None:
        data["study"] = str(scenario.resolve(scenario.study))
    if scenario.demand.client_file is not None:
        data["demand"]["client_file"] = str(scenario.resolve(scenario.demand.client_file))
    if scenario.travel.matrix is not None:
        data["travel"]["matrix"] = str(scenario.resolve(scenario.travel.matrix))


def plan_scenario(study: Study, plan: Plan, name: str, title: str) -> str:
    """The TOML text of ``plan`` as a fixed-plan scenario named ``name``.

    Parameters
    ----------
    study
        The workshop's study.
    plan
        The plan to keep.
    name
        The new scenario's name (:data:`NAME_PATTERN`).
    title
        Its title (one line).

    Returns
    -------
    str
    """
    scenario = study.scenario
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["name"] = name
    data["title"] = title
    data["description"] = (f"A plan tried in a hubplan serve workshop on scenario {scenario.name!r}: "
                           "every open building is required in the tiers it hosts; the rest are closed.")
    added = {site.id for site in scenario.sites.add}
    data["sites"] = {"roles": _site_rules(study, plan),
                     "add": [a for a in data["sites"].get("add", []) if a.get("id") in added]}
    for key in CHOOSING_LIMITS:
        data.get("constraints", {}).pop(key, None)
    for tier in data["tiers"].values():
        for key in TIER_COUNTS:
            tier.pop(key, None)
    _absolute_paths(study, data)
    header = (f"# Saved by `hubplan serve` from scenario {scenario.name}: the workshop's plan, fixed.\n"
              "# `hubplan run` on this file evaluates the plan with the figures the workshop showed.\n\n")
    return header + tomli_w.dumps(data)


def save_plan(study: Study, plan: Plan, name: str, title: str, folder: Path) -> Path:
    """Write :func:`plan_scenario` as ``folder/<name>.toml`` (never outside ``folder``).

    Raises
    ------
    ValueError
        A name that is not :data:`NAME_PATTERN` (so it cannot leave the folder).
    """
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError("a plan's name is 1-60 lower-case letters, digits, '-' or '_', starting with a "
                         "letter or digit")
    folder = folder.resolve()
    path = (folder / f"{name}.toml").resolve()
    if path.parent != folder:
        raise ValueError("a plan is saved only inside the server's output folder")
    folder.mkdir(parents=True, exist_ok=True)
    text = plan_scenario(study, plan, name, title)
    partial = path.with_suffix(".toml.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
