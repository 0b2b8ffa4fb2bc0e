"""Deterministic tie-breaking towards existing buildings.

Two sites whose journeys to every client are identical (for example a day centre
and a built-up area placed on the same town point) are interchangeable: the
solver's choice between them is an accident of variable order. :func:`prefer_existing`
makes it deterministic: an open venue that is not an existing building moves to the
identical existing building (the first by site order) that the plan leaves shut.

Why this never costs anything: the move is made only when the existing site ``k``
has, for every tier the new venue ``j`` hosts, the same eligibility (``k`` is not
closed), capacity, tier cost and building cost, the same group and the same
journey minutes to every client, and ``j`` is not required. Every constraint reads
a site only through those values (counts per tier and group, capacities, budget,
``max_minutes``, within-group, closest assignment, coverage, reach), so the moved
plan is feasible, and every objective term takes the same value, except
``new_venues``, which falls by one. The optimum's objective is therefore unchanged
(not merely within the gap tolerance), and with a weighted ``new_venues`` it improves.
Under closest assignment an equal journey is broken by site order, which a move
could upset, so no move is made there.
Near ties (a library 300 m from a day centre's town point) are a matter of
weighing, not of ties: the ``new_venues`` term (a named cost per new venue) is the
way to prefer existing buildings there.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from hubplan.core.problem import Problem
>>> from hubplan.core.evaluation import Plan
>>> prob = Problem.from_matrix(np.array([[1.0, 1.0, 5.0]]), p=1, existing=np.array([False, True, False]))
>>> table = pd.DataFrame({"client": [0], "segment": ["all"], "site": [0], "tier": ["facility"], "attendees": [1.0]})
>>> prefer_existing(prob, Plan({"facility": (0,)}, table)).open_sites
{'facility': (1,)}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from hubplan.core.evaluation import Plan, open_buildings
from hubplan.core.problem import Problem
from hubplan.core.vocabulary import BoolArray

__all__ = ["prefer_existing", "twin_variants"]


def prefer_existing(problem: Problem, plan: Plan) -> Plan:
    """Move every open new venue to an identical existing building that the plan leaves shut.

    Parameters
    ----------
    problem
        The problem; ``existing`` says which sites are existing buildings.
    plan
        A feasible plan.

    Returns
    -------
    Plan
        The same plan when no such move exists; otherwise the moved plan, which is
        feasible and scores the same on every term but ``new_venues`` (one fewer per move).
    """
    if problem.existing is None or not problem.existing.any() or problem.closest_assignment:
        return plan
    moves: dict[int, int] = {}
    taken = open_buildings(problem, plan.open_sites)
    for j in np.flatnonzero(taken & ~problem.existing & ~problem.required):
        hosted = [t for t, tier in enumerate(problem.tiers) if int(j) in plan.open_sites.get(tier.name, ())]
        twins = np.flatnonzero(_twins(problem, int(j), hosted) & ~taken)
        if twins.size:
            k = int(twins[0])
            moves[int(j)] = k
            taken[k] = True
    if not moves:
        return plan
    open_sites = {name: tuple(sorted(moves.get(j, j) for j in sites)) for name, sites in plan.open_sites.items()}
    table = plan.assignment.copy()
    table["site"] = table["site"].map(lambda j: moves.get(int(j), int(j))).astype(plan.assignment["site"].dtype)
    table = table.sort_values(["tier", "client", "segment", "site"], ignore_index=True)
    return replace(plan, open_sites=open_sites, assignment=table)


def twin_variants(problem: Problem, open_sites: Mapping[str, tuple[int, ...]], *,
                  limit: int = 64) -> list[dict[str, tuple[int, ...]]]:
    """Plans that :func:`prefer_existing` turns into ``open_sites``: buildings swapped for identical new venues.

    Each open existing building (not required) may be replaced, in every tier it
    hosts, by a shut new venue that is its twin there; every combination of such
    swaps is a variant (``open_sites`` itself excluded), at most ``limit`` of them.

    Parameters
    ----------
    problem
        The problem.
    open_sites
        Tier name -> open site indices, as :func:`prefer_existing` leaves them.
    limit
        The most variants returned.

    Returns
    -------
    list of dict
        Tier name -> sorted site indices, one per variant.

    Examples
    --------
    >>> import numpy as np
    >>> from hubplan.core.problem import Problem
    >>> prob = Problem.from_matrix(np.array([[1.0, 1.0, 5.0]]), p=1, existing=np.array([True, False, False]))
    >>> twin_variants(prob, {"facility": (0,)})
    [{'facility': (1,)}]
    """
    if problem.existing is None or problem.closest_assignment:
        return []
    taken = open_buildings(problem, open_sites)
    choices: list[list[tuple[int, int]]] = []
    for k in np.flatnonzero(taken & problem.existing & ~problem.required):
        hosted = [t for t, tier in enumerate(problem.tiers) if int(k) in open_sites.get(tier.name, ())]
        venues = [int(j) for j in np.flatnonzero(~taken & ~problem.existing & ~problem.required)
                  if _twins(problem, int(j), hosted)[k]]
        if venues:
            choices.append([(int(k), int(k))] + [(int(k), j) for j in venues])
    variants: list[dict[str, tuple[int, ...]]] = []
    for swaps in itertools.islice(itertools.product(*choices), 1, None):  # the first keeps every building
        moves = {k: j for k, j in swaps if k != j}
        if len(set(moves.values())) < len(moves):
            continue  # one venue cannot stand in for two buildings
        variants.append({name: tuple(sorted(moves.get(j, j) for j in sites)) for name, sites in open_sites.items()})
        if len(variants) == limit:
            break
    return variants


def _twins(problem: Problem, j: int, hosted: list[int]) -> BoolArray:
    """Existing sites interchangeable with site ``j`` in each of the ``hosted`` tiers, ``(m,)``."""
    minutes = problem.minutes
    same: BoolArray = problem.existing.copy() if problem.existing is not None else np.zeros(problem.n_sites, bool)
    same &= problem.site_group == problem.site_group[j]
    same &= np.all(minutes == minutes[:, [j]], axis=0)  # inf == inf: unreachable from the same clients
    if problem.building_cost is not None:
        same &= problem.building_cost == problem.building_cost[j]
    for t in hosted:
        tier = problem.tiers[t]
        same &= problem.available(tier)
        for values in (tier.capacity, tier.fixed_cost):
            if values is not None:
                same &= values == values[j]
    same[j] = False
    return same
