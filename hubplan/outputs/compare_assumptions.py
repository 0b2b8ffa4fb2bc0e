"""What two compared runs must share to compare like with like, and the warnings when they do not.

Differences between runs are read as the effect of the plan only when the runs share
their assumptions: the travel model, the demand (method, total, segments and their
shares), the isolation threshold and the reach rules (journey limit, whether attendees
stay in their locality, each spoke tier's reach), and, for routed runs, the transport
policy (ride ceiling, margin and multiple, the routing objective, the value of time, the
search's work budget), so that transport figures are compared at the same policy. Runs
written before the manifest recorded a rule are compared on what they record.
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
    return "; ".join(f"{s.get('name')} {100 * _float_or_zero(s.get('share')):.1f}%"
                     for s in segments if isinstance(s, Mapping)) or None


def _float_or_zero(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _rule(key: str) -> Callable[[RunSummary], Any]:
    """Read one of the manifest's reach rules (``None`` when the run does not record them)."""
    def read(run: RunSummary) -> Any:
        rules = run.manifest.scenario.rules
        if not rules:
            return None
        value = rules.get(key)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "none" if value is None else _number(value)
    return read


def _spoke_reach(run: RunSummary) -> Any:
    rules = run.manifest.scenario.rules
    if not rules:
        return None
    tiers = rules.get("tiers")
    radii = [f"{name} {_float_or_zero(tier.get('radius_minutes')):g} min"
             for name, tier in sorted(tiers.items() if isinstance(tiers, Mapping) else ())
             if isinstance(tier, Mapping) and isinstance(tier.get("radius_minutes"), (int, float))]
    return ", ".join(radii) or "none"


def _transport(key: str) -> Callable[[RunSummary], Any]:
    """Read one of a routed run's ``[transport]`` settings (``None`` when the run was not routed)."""
    def read(run: RunSummary) -> Any:
        transport = getattr(run.manifest, "transport", None)
        settings = transport.get("settings") if isinstance(transport, Mapping) else None
        if not isinstance(settings, Mapping) or key not in settings:
            return None
        value = settings[key]
        return "none" if value is None else _number(value)
    return read


def _number(value: Any) -> Any:
    return f"{float(value):g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value


ASSUMPTIONS: tuple[tuple[str, Callable[[RunSummary], Any]], ...] = (
    ("travel model", lambda run: run.manifest.travel.model),
    ("demand method", lambda run: run.manifest.demand.get("method")),
    ("attendees in total", lambda run: _number(run.manifest.demand.get("total"))),
    ("demand segments", _segments),
    ("isolation threshold (minutes)", lambda run: _number((run.metrics.get("overall") or {}).get("isolation_minutes"))),
    ("longest journey allowed (minutes)", _rule("max_minutes")),
    ("serving attendees in their own locality only", _rule("within_locality")),
    ("reach of spoke tiers", _spoke_reach),
    ("transport: longest ride (minutes)", _transport("max_ride_minutes")),
    ("transport: longest ride beyond the direct drive (minutes)", _transport("max_ride_margin_minutes")),
    ("transport: longest ride as a multiple of the direct drive", _transport("max_ride_multiple")),
    ("transport: routing objective", _transport("objective")),
    ("transport: value of passengers' time (GBP an hour)", _transport("value_of_time_gbp_per_hour")),
    ("transport: search steps per round", _transport("search_steps")),
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
    ['osm differs from calibrated in travel model: osm against calibrated.',
     'osm differs from calibrated in attendees in total: 600 against 521.']
    """
    out = []
    for what, read in ASSUMPTIONS:
        ours, theirs = read(run), read(base)
        if ours is not None and theirs is not None and ours != theirs:
            out.append(f"{run.title} differs from {base.title} in {what}: {ours} against {theirs}.")
    return out
