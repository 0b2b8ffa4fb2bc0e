"""Near-best alternatives of a run in scenario terms: site IDs, names and what each plan swaps against the best.

:func:`hubplan.core.alternatives.near_best` finds the K best distinct plans of the
numpy problem; :func:`alternative_plans` turns the second and later ones into
:class:`~hubplan.plan.AlternativePlan` records (for the manifest and the report), and
:func:`describe` into the line the command line prints, e.g. "second best: 1.2% more
attendee-minutes, Sherborne instead of Shaftesbury".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hubplan.core.alternatives import RankedPlan
from hubplan.core.problem import Problem
from hubplan.plan import AlternativePlan, PreparedScenario, TierSwap

__all__ = ["alternative_plans", "describe", "ordinal"]

_ORDINALS = ("best", "second best", "third best", "fourth best", "fifth best")


def ordinal(rank: int) -> str:
    """``"second best"`` for rank 2, ``"11th best"`` past the fifth.

    Examples
    --------
    >>> ordinal(2), ordinal(11)
    ('second best', '11th best')
    """
    if rank <= len(_ORDINALS):
        return _ORDINALS[rank - 1]
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix} best"


def _site_tiers(problem: Problem, open_sites: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[str, ...]]:
    """Site ID -> the tiers it hosts, in the problem's tier order."""
    hosted: dict[str, list[str]] = {}
    for tier in problem.tiers:
        for j in open_sites.get(tier.name, ()):
            hosted.setdefault(problem.site_ids[j], []).append(tier.name)
    return {site_id: tuple(names) for site_id, names in sorted(hosted.items())}


def _swaps(problem: Problem, best: Mapping[str, tuple[int, ...]],
           other: Mapping[str, tuple[int, ...]]) -> tuple[TierSwap, ...]:
    swaps = []
    for tier in problem.tiers:
        was, now = set(best.get(tier.name, ())), set(other.get(tier.name, ()))
        if was != now:
            swaps.append(TierSwap(tier.name, tuple(sorted(problem.site_ids[j] for j in now - was)),
                                  tuple(sorted(problem.site_ids[j] for j in was - now))))
    return tuple(swaps)


def alternative_plans(prepared: PreparedScenario, problem: Problem,
                      ranked: Sequence[RankedPlan]) -> tuple[AlternativePlan, ...]:
    """The records of every plan in ``ranked`` but the best (its first).

    Parameters
    ----------
    prepared
        The run's inputs (for the sites' names).
    problem
        The problem the plans solve (for the site IDs).
    ranked
        From :func:`hubplan.core.alternatives.near_best`, best first.

    Returns
    -------
    tuple of AlternativePlan
    """
    if not ranked:
        return ()
    names = dict(zip(prepared.sites["site_id"], prepared.sites["name"], strict=True))
    best = ranked[0].solution.open_sites
    plans = []
    for plan in ranked[1:]:
        swaps = _swaps(problem, best, plan.solution.open_sites)
        involved = sorted({site for swap in swaps for site in (*swap.opened, *swap.closed)})
        plans.append(AlternativePlan(
            rank=plan.rank, status=str(plan.solution.status), objective=plan.solution.objective,
            best_bound=plan.solution.best_bound, gap_to_best=plan.gap_to_best,
            open_tiers=_site_tiers(problem, plan.solution.open_sites), swaps=swaps,
            site_names={site: str(names.get(site, site)) for site in involved},
        ))  # fmt: skip
    return tuple(plans)


def _names(plan: AlternativePlan, sites: tuple[str, ...]) -> str:
    return " and ".join(plan.site_names.get(site, site) for site in sites)


def describe(plan: AlternativePlan, objective_type: str | None) -> str:
    """One line for the console: how much worse the plan is and what it swaps.

    Examples
    --------
    >>> plan = AlternativePlan(2, "optimal", 101.2, 101.2, 0.012, {"s": ("hub",)},
    ...                        (TierSwap("hub", ("s",), ("t",)),), {"s": "Sherborne", "t": "Shaftesbury"})
    >>> describe(plan, "median")
    'second best: 1.2% more attendee-minutes, Sherborne instead of Shaftesbury'
    """
    unit = "more attendee-minutes" if objective_type == "median" else "worse objective"
    gap = plan.gap_to_best
    cost = "figures withheld" if gap is None else f"{gap:.{1 if abs(gap) >= 1e-3 else 3}%} {unit}"
    tiers = len(plan.swaps) > 1
    changes = [_change(plan, swap) + (f" ({swap.tier})" if tiers else "") for swap in plan.swaps]
    return f"{ordinal(plan.rank)}: {cost}, {'; '.join(changes)}"


def _change(plan: AlternativePlan, swap: TierSwap) -> str:
    if not swap.closed:
        return f"adds {_names(plan, swap.opened)}"
    if not swap.opened:
        return f"without {_names(plan, swap.closed)}"
    return f"{_names(plan, swap.opened)} instead of {_names(plan, swap.closed)}"
