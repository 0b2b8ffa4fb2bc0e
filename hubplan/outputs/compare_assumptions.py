"""What two compared runs must share to compare like with like, and the warnings when they do not.

Differences between runs are read as the effect of the plan only when the runs share
their assumptions: the travel model, the demand (method, total, segments and their
shares), the isolation threshold and the reach rules (journey limit, whether attendees
stay in their locality, each spoke tier's reach). Runs written before the manifest
recorded the reach rules are compared on what they record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hubplan.outputs.runfolder import RunSummary

__all__ = ["ASSUMPTIONS", "assumption_warnings"]


def _segments(run: RunSummary) -> Any:
    segments = run.manifest.demand.get("segments")
    if not isinstance(segments, list):
        return None
    return ", ".join(f"{s.get('name')} {100 * float(s.get('share') or 0):.1f}%"
                     for s in segments if isinstance(s, Mapping)) or None


def _reach(run: RunSummary) -> Any:
    rules = run.manifest.scenario.rules
    if not rules:
        return None
    tiers = rules.get("tiers")
    radii = {name: tier.get("radius_minutes") for name, tier in (tiers.items() if isinstance(tiers, Mapping) else ())
             if isinstance(tier, Mapping) and tier.get("radius_minutes") is not None}
    parts = [f"journey limit {rules.get('max_minutes') or 'none'}",
             f"own locality {'yes' if rules.get('within_locality') else 'no'}",
             *[f"{name} reach {radius:g} min" for name, radius in sorted(radii.items())]]
    return "; ".join(parts)


def _number(value: Any) -> Any:
    return f"{float(value):g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value


ASSUMPTIONS: tuple[tuple[str, Callable[[RunSummary], Any]], ...] = (
    ("travel model", lambda run: run.manifest.travel.model),
    ("demand method", lambda run: run.manifest.demand.get("method")),
    ("attendees in total", lambda run: _number(run.manifest.demand.get("total"))),
    ("demand segments", _segments),
    ("isolation threshold (minutes)", lambda run: _number((run.metrics.get("overall") or {}).get("isolation_minutes"))),
    ("reach rules", _reach),
)
"""``(what, how to read it from a run)``; ``None`` means the run does not record it."""


def assumption_warnings(base: RunSummary, run: RunSummary) -> list[str]:
    """One sentence per assumption the two runs record differently (plain text, not escaped).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> def run(model, total):
    ...     manifest = NS(travel=NS(model=model), demand={"method": "estimate", "total": total},
    ...                   scenario=NS(rules={}))
    ...     return NS(title=model, manifest=manifest, metrics={"overall": {"isolation_minutes": 45.0}})
    >>> assumption_warnings(run("calibrated", 521), run("osm", 600))  # doctest: +NORMALIZE_WHITESPACE
    ['osm and calibrated differ in travel model: osm, not calibrated.',
     'osm and calibrated differ in attendees in total: 600, not 521.']
    """
    out = []
    for what, read in ASSUMPTIONS:
        ours, theirs = read(run), read(base)
        if ours is not None and theirs is not None and ours != theirs:
            out.append(f"{run.title} and {base.title} differ in {what}: {ours}, not {theirs}.")
    return out
