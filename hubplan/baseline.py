"""Fixed plans: a plan with nothing to choose, evaluated through the optimiser's own model.

A plan is *fixed* when its open sites are the required ones and each of them hosts
every tier it may take (its ``[[sites.roles]]`` rule's ``tiers``, all tiers if the
rule names none). ``hubplan evaluate`` always evaluates the fixed plan of a
scenario (candidate sites stay shut), and ``hubplan run`` does the same when the
scenario leaves nothing to choose (:func:`has_choice`). Either way the plan goes
through the one model the optimiser solves (:func:`fix_plan` pins every tier
decision), so the same tiers, segments, reach, journey limits and capacities decide
who goes where, and the two commands report identical figures for a fixed plan.
Such a plan is recorded as ``evaluated`` (``FIXED_PLAN``), never as ``optimal``.

This module works on :class:`hubplan.core.problem.Problem` only, so it knows
nothing of scenario files beyond the field labels the problem carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from hubplan.core.problem import Problem, TierSpec
from hubplan.errors import Issue

__all__ = ["FIXED_PLAN", "GIVEN_PLAN", "fix_plan", "fixed_plan_issues", "has_choice", "hosted_tiers", "pin_plan"]

FIXED_PLAN = "fixed plan"
"""How a plan with nothing to choose was made, as its solver record names it ("evaluated (fixed plan)")."""

GIVEN_PLAN = "plan as given"
"""How a plan whose sites and tiers a caller named was made ("evaluated (plan as given)")."""


def hosted_tiers(problem: Problem) -> npt.NDArray[np.bool_]:
    """The tiers each required site hosts in the fixed plan: every tier it may take, ``(tiers, m)``.

    Examples
    --------
    >>> prob = replace(Problem.from_matrix(np.ones((1, 2)), p=1), roles=("required", "candidate"))
    >>> hosted_tiers(prob).tolist()
    [[True, False]]
    """
    return np.array([problem.available(tier) & problem.required for tier in problem.tiers], dtype=bool).reshape(
        len(problem.tiers), problem.n_sites)


def has_choice(problem: Problem) -> bool:
    """Whether the optimiser has anything to choose.

    It has when a site is a candidate, or when a required site may take more tiers
    than ``tiers_per_site`` lets it host (which of them is then a choice).

    Examples
    --------
    >>> has_choice(replace(Problem.from_matrix(np.ones((1, 2)), p=1), roles=("required", "required")))
    False
    >>> has_choice(Problem.from_matrix(np.ones((1, 2)), p=1))
    True
    """
    if "candidate" in problem.roles:
        return True
    return bool((hosted_tiers(problem).sum(axis=0) > problem.tiers_per_site).any())


def fixed_plan_issues(problem: Problem) -> list[Issue]:
    """Every reason, found without a solver, why the fixed plan of ``problem`` cannot be evaluated.

    Checks: some site is required; no required site may take more tiers than it can
    host; every assign tier with attendees is hosted somewhere; the tiers' counts (in
    total and per locality) hold for the fixed plan.

    Parameters
    ----------
    problem
        The problem of a scenario (:func:`hubplan.optimise.build_problem`).

    Returns
    -------
    list of Issue
        Empty when the fixed plan can be evaluated (the solver may still find its
        journeys infeasible, e.g. capacities below demand, explained before solving).
    """
    if not problem.required.any():
        return [Issue(problem.source, problem.label("roles"),
                      "no site has role 'required', so nothing is open to evaluate",
                      "mark today's buildings as required (or use `hubplan run` to choose sites)")]
    hosted = hosted_tiers(problem)
    issues = list(_choice_issues(problem, hosted))
    for tier, sites in zip(problem.tiers, hosted, strict=True):
        issues.extend(_hosting_issues(problem, tier, sites))
    return issues


def _choice_issues(problem: Problem, hosted: npt.NDArray[np.bool_]) -> Iterable[Issue]:
    """Required sites that may take more tiers than ``tiers_per_site``: which they host is a choice."""
    per_site = hosted.sum(axis=0)
    for j in np.flatnonzero(per_site > problem.tiers_per_site)[:1]:
        names = ", ".join(tier.name for tier, on in zip(problem.tiers, hosted[:, j], strict=True) if on)
        yield Issue(problem.source, problem.label("roles"),
                    f"required site {problem.site_ids[j]} may take tiers {names} but "
                    f"{problem.label('tiers_per_site')} = {problem.tiers_per_site}, so which it hosts is a choice",
                    "name the tiers it hosts in its rule's `tiers`, or use `hubplan run` to choose")


def _hosting_issues(problem: Problem, tier: TierSpec, sites: npt.NDArray[np.bool_]) -> Iterable[Issue]:
    """An assign tier with attendees and no site, and counts the fixed plan breaks."""
    opened = int(sites.sum())
    if tier.mode == "assign" and not opened and problem.tier_demand(tier).sum() > 0:
        yield Issue(problem.source, f"tiers.{tier.name}", "no required site hosts this tier, so its attendees "
                    "have nowhere to go", "give a required site this tier in its rule's `tiers`")
    low, high = tier.lower_count, tier.upper_count
    if (low is not None and opened < low) or (high is not None and opened > high):
        wanted = f"{low}" if low == high else f"{low or 0} to {'any number' if high is None else high}"
        yield Issue(problem.source, f"tiers.{tier.name}.count", f"the fixed plan opens {opened} {tier.name} "
                    f"site(s) but the scenario asks for {wanted}", "correct the count or the sites' roles and tiers")
    per_group = np.bincount(problem.site_group[sites], minlength=problem.n_groups)
    for field, bound in (("group_min", tier.lower_group_count), ("group_max", tier.upper_group_count)):
        limit = problem.group_limit(bound)
        if limit is None:
            continue
        wrong = per_group < limit if field == "group_min" else per_group > limit
        for gi in np.flatnonzero(wrong)[:1]:
            yield Issue(problem.source, problem.label(f"tiers.{tier.name}.{field}"),
                        f"the fixed plan opens {int(per_group[gi])} {tier.name} site(s) in "
                        f"{problem.group_names[gi]} but the scenario asks for {int(limit[gi])}",
                        "correct the count or the sites' roles and tiers")


def fix_plan(problem: Problem) -> Problem:
    """The problem of the fixed plan: every decision pinned, only the journeys left to the model.

    Candidate sites are shut; each tier may open exactly at the required sites that
    may take it, and its count is that number (the scenario's counts having been
    checked by :func:`fixed_plan_issues`). Everything else (segments, reach, journey
    limits, capacities, objective) is the scenario's own.

    Examples
    --------
    >>> prob = replace(Problem.from_matrix(np.array([[1.0, 5.0, 2.0]]), p=1),
    ...                roles=("required", "required", "candidate"))
    >>> fixed = fix_plan(prob)
    >>> fixed.roles, fixed.tiers[0].count
    (('required', 'required', 'closed'), 2)
    """
    pinned = pin_plan(problem, hosted_tiers(problem))
    return replace(pinned, roles=tuple("required" if required else "closed" for required in problem.required))


def pin_plan(problem: Problem, hosted: npt.NDArray[np.bool_]) -> Problem:
    """The problem of a given plan: tier ``t`` open exactly at the sites ``hosted[t]``, every other site shut.

    Only the journeys are left to the model, so the plan is scored by the optimiser's own
    tiers, segments, reach, journey limits and capacities. :func:`fix_plan` pins the
    scenario's fixed plan; a caller may pin any plan of the problem's sites.

    Parameters
    ----------
    problem
        The scenario's problem.
    hosted
        ``(tiers, m)`` booleans: which sites host which tier.

    Returns
    -------
    Problem
        Counts set to the plan's, candidate choice removed.

    Examples
    --------
    >>> prob = Problem.from_matrix(np.array([[1.0, 5.0, 2.0]]), p=1)
    >>> pinned = pin_plan(prob, np.array([[False, True, False]]))
    >>> pinned.roles, pinned.tiers[0].count
    (('closed', 'required', 'closed'), 1)
    """
    hosted = np.asarray(hosted, dtype=bool).reshape(len(problem.tiers), problem.n_sites)
    tiers = tuple(
        replace(tier, eligible=sites, count=int(sites.sum()), min_count=None, max_count=None,
                group_count=None, group_min=None, group_max=None)
        for tier, sites in zip(problem.tiers, hosted, strict=True)
    )
    in_plan = np.any(hosted, axis=0).tolist()
    roles = tuple("required" if bool(open_) else "closed" for open_ in in_plan)
    return replace(problem, tiers=tiers, roles=roles)
