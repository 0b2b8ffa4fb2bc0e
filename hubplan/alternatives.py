"""Near-best alternatives of a run in scenario terms: site IDs, names and what each plan changes against the best.

:func:`hubplan.core.alternatives.near_best` finds the K best distinct plans of the
numpy problem (by default each opens a different set of buildings);
:func:`alternative_plans` turns the second and later ones into
:class:`~hubplan.plan.AlternativePlan` records (for the manifest and the report), and
:func:`describe` into the line the command line prints, e.g. "second best: 0.8% more
travel time in all; Stour Connect instead of Shaftesbury Trinity Centre".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hubplan.core.alternatives import RankedPlan
from hubplan.core.problem import Problem
from hubplan.plan import AlternativePlan, PreparedScenario, TierSwap

__all__ = ["alternative_plans", "change_words", "describe", "gap_words", "ordinal"]

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
        Each with what it changes against the best: per tier, and in buildings opened and closed.
    """
    if not ranked:
        return ()
    names = dict(zip(prepared.sites["site_id"], prepared.sites["name"], strict=True))
    best = ranked[0].solution.open_sites
    best_buildings = set(_site_tiers(problem, best))
    plans = []
    for plan in ranked[1:]:
        swaps = _swaps(problem, best, plan.solution.open_sites)
        open_tiers = _site_tiers(problem, plan.solution.open_sites)
        opens = tuple(sorted(set(open_tiers) - best_buildings))
        closes = tuple(sorted(best_buildings - set(open_tiers)))
        involved = sorted({site for swap in swaps for site in (*swap.opened, *swap.closed)} | set(opens) | set(closes))
        plans.append(AlternativePlan(
            rank=plan.rank, status=str(plan.solution.status), objective=plan.solution.objective,
            best_bound=plan.solution.best_bound, gap_to_best=plan.gap_to_best, open_tiers=open_tiers, swaps=swaps,
            site_names={site: str(names.get(site, site)) for site in involved},
            same_buildings=not opens and not closes, opens=opens, closes=closes,
        ))  # fmt: skip
    return tuple(plans)


def _names(plan: AlternativePlan, sites: Sequence[str]) -> str:
    return " and ".join(plan.site_names.get(site, site) for site in sites)


def change_words(plan: AlternativePlan, labels: Mapping[str, str] | None = None) -> list[str]:
    """What ``plan`` changes against the best, in words: buildings first, then services moved between buildings.

    Parameters
    ----------
    plan
        The alternative.
    labels
        Tier name -> its public label (``"Specialist: Older people living with dementia"``);
        a tier not listed is named by its name in words.

    Examples
    --------
    >>> plan = AlternativePlan(2, "optimal", 1.0, 1.0, 0.0, {"s": ("hub",)}, (TierSwap("hub", ("s",), ("t",)),),
    ...                        {"s": "Sherborne", "t": "Shaftesbury"}, opens=("s",), closes=("t",))
    >>> change_words(plan)
    ['Sherborne instead of Shaftesbury']
    """
    words = dict(labels or {})
    out = []
    if plan.opens and plan.closes:
        out.append(f"{_names(plan, plan.opens)} instead of {_names(plan, plan.closes)}")
    elif plan.opens:
        out.append(f"adds {_names(plan, plan.opens)}")
    elif plan.closes:
        out.append(f"without {_names(plan, plan.closes)}")
    for swap in plan.swaps:
        if set(swap.opened) <= set(plan.opens) and set(swap.closed) <= set(plan.closes):
            continue  # said already: the tier moves with the building
        tier = words.get(swap.tier) or swap.tier.replace("_", " ")
        if swap.opened and swap.closed:
            out.append(f"{tier} moves from {_names(plan, swap.closed)} to {_names(plan, swap.opened)}")
        elif swap.opened:
            out.append(f"{tier} also at {_names(plan, swap.opened)}")
        else:
            out.append(f"{tier} no longer at {_names(plan, swap.closed)}")
    return out


def gap_words(plan: AlternativePlan, objective_type: str | None) -> str:
    """How much worse the plan is than the best, in words.

    Examples
    --------
    >>> plan = AlternativePlan(2, "optimal", 101.2, 101.2, 0.012, {}, ())
    >>> gap_words(plan, "median"), gap_words(plan, "coverage"), gap_words(plan.withheld(), "median")
    ('1.2% more travel time in all', "1.2% worse by the plan's measure", 'figures withheld')
    """
    gap = plan.gap_to_best
    if gap is None:
        return "figures withheld"
    unit = "more travel time in all" if objective_type == "median" else "worse by the plan's measure"
    return f"{gap:.{1 if abs(gap) >= 1e-3 else 3}%} {unit}"


def describe(plan: AlternativePlan, objective_type: str | None, labels: Mapping[str, str] | None = None) -> str:
    """One line for the console: how much worse the plan is and what it changes.

    Examples
    --------
    >>> plan = AlternativePlan(2, "optimal", 101.2, 101.2, 0.012, {"s": ("hub",)},
    ...                        (TierSwap("hub", ("s",), ("t",)),), {"s": "Sherborne", "t": "Shaftesbury"},
    ...                        opens=("s",), closes=("t",))
    >>> describe(plan, "median")
    'second best: 1.2% more travel time in all; Sherborne instead of Shaftesbury'
    """
    same = "; the same buildings" if plan.same_buildings else ""
    return "; ".join([f"{ordinal(plan.rank)}: {gap_words(plan, objective_type)}{same}", *change_words(plan, labels)])
