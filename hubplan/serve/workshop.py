"""The warm workshop: one :class:`hubplan.api.Study`, shared by every session, and the indicators of a plan.

A click is a plan changed by one building. :meth:`Workshop.outcome` scores it
through the library API (:meth:`Study.allocate`, then :meth:`Study.figures`) and
keeps only what the disclosure rule lets out:

* modelled demand (``method = "estimate"``): :func:`hubplan.api.publish` passes
  modelled estimates unchanged, so the figures are shown as computed (the fast path,
  ~10 + ~25 ms on a quiet machine);
* client records (``method = "client_file"``): every click builds the plan's full
  record and goes through :func:`hubplan.api.publish`, so counts are banded and
  suppressed exactly as in a published run (slower, but nothing unsafe leaves).

Never sent to a browser: flows, postcodes, solver detail (operational detail stays
on the server). The answers of recent plans are cached (many tables try the same
plans), bounded by :data:`CACHE_PLANS`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubplan.api import Study, publish
from hubplan.errors import HubplanError
from hubplan.plan import Allocation
from hubplan.serve.board import Board, Plan

__all__ = ["CACHE_PLANS", "Outcome", "Workshop"]

CACHE_PLANS = 512
"""How many plans' answers are kept (each a few kB of figures)."""

SIMPLIFY_DEGREES = 0.0003
"""Home-area outlines are simplified to about 30 m for the page (drawing only; figures use the full data)."""


@dataclass(frozen=True)
class Outcome:
    """What a plan gives: the public indicators, or the one-line reason the model cannot carry it.

    Parameters
    ----------
    plan
        The plan scored.
    indicators
        JSON-ready public figures (see :func:`public_indicators`), ``None`` when infeasible.
    reason
        Plain words: why the plan cannot be carried (``None`` when it can).
    figures
        The metrics as published (kept on the server for comparisons and tests).
    """

    plan: Plan
    indicators: Mapping[str, Any] | None
    reason: str | None
    figures: Mapping[str, Any] | None


class Workshop:
    """One scenario, warm: its study, board and a cache of scored plans (shared by all sessions).

    Parameters
    ----------
    study
        The opened study (:meth:`hubplan.api.Study.open`).
    """

    def __init__(self, study: Study) -> None:
        self.study = study
        self.board = Board(study)
        self.client_records = study.prepared.demand.method == "client_file"
        self._cache: OrderedDict[Plan, Outcome] = OrderedDict()
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self.start_plan = self._start_plan()

    def _start_plan(self) -> Plan:
        """The scenario's own plan: its fixed plan, or the best plan when it leaves a choice."""
        allocation, _ = self.study.solve()
        return Plan.of(allocation.open_tiers)

    def allocate(self, plan: Plan) -> tuple[Allocation, dict[str, float]]:
        """Who goes where in ``plan`` (the model is asked one plan at a time)."""
        with self._model_lock:
            return self.study.allocate(plan.hint())

    def outcome(self, plan: Plan) -> Outcome:
        """The indicators of ``plan`` (cached), or the plain reason it cannot be carried."""
        with self._lock:
            cached = self._cache.get(plan)
            if cached is not None:
                self._cache.move_to_end(plan)
                return cached
        found = self._score(plan)
        with self._lock:
            self._cache[plan] = found
            while len(self._cache) > CACHE_PLANS:
                self._cache.popitem(last=False)
        return found

    def forget(self) -> None:
        """Empty the cache of scored plans (benchmarks time the scoring, not the cache)."""
        with self._lock:
            self._cache.clear()

    def _score(self, plan: Plan) -> Outcome:
        reason = self.board.plain_reason(plan)
        if reason is not None:
            return Outcome(plan, None, reason, None)
        try:
            allocation, seconds = self.allocate(plan)
        except HubplanError as err:
            return Outcome(plan, None, _plain(err), None)
        if self.client_records:
            published = publish(self.study.record(allocation, seconds))
            figures: Mapping[str, Any] = published.metrics
            areas = _published_areas(published.record.home_areas)
        else:
            figures = self.study.figures(allocation)
            areas = _area_minutes(allocation.flows, tuple(t.name for t in self.board.tiers if t.kind == "hub"))
        return Outcome(plan, public_indicators(self.board, plan, figures, areas), None, figures)

    def map_layers(self) -> dict[str, Any]:
        """The page's static layers: localities, home areas (outlines only) and bounds, as GeoJSON-ready dicts."""
        study = self.study.prepared.study
        areas = study.home_areas[["area_id", "name", "locality", "geometry"]].copy()
        areas["geometry"] = areas.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        localities = study.localities[["locality", "geometry"]].copy()
        localities["geometry"] = localities.geometry.simplify(SIMPLIFY_DEGREES * 3, preserve_topology=True)
        minx, miny, maxx, maxy = (float(v) for v in localities.total_bounds)
        return {
            "areas": areas.__geo_interface__,
            "localities": localities.__geo_interface__,
            "bounds": [[miny, minx], [maxy, maxx]],
            "isolationMinutes": float(self.study.scenario.objective.isolation_minutes),
        }


def _plain(err: HubplanError) -> str:
    """An error of the model as one plain line: its first problem and fix, without file paths."""
    if err.issues:
        issue = err.issues[0]
        where = f"{issue.field}: " if issue.field.startswith("tier") else ""
        return f"The model cannot carry this plan: {where}{issue.problem}. What to do: {issue.fix}."
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return f"The model cannot carry this plan: {text.split(': ', 1)[-1]}"


def _minutes_by_area(frame: pd.DataFrame) -> dict[str, float]:
    return {str(a): round(float(m), 1) for a, m in frame.items() if np.isfinite(m)}


def _area_minutes(flows: pd.DataFrame, hub_tiers: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """``{"hub": {home area: minutes}, "longest": {...}}`` over the flows that carry people.

    ``hub``: the longest journey to a hub-kind tier (the journey most attendees make);
    ``longest``: the longest journey of any service from the area.
    """
    used = flows[flows["attendees"] > 0]
    hubs = used[used["tier"].isin(hub_tiers)]
    return {"hub": _minutes_by_area(hubs.groupby("area_id")["minutes"].max()),
            "longest": _minutes_by_area(used.groupby("area_id")["minutes"].max())}


def _published_areas(home_areas: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The same as :func:`_area_minutes`, as the published record has them (missing where withheld)."""
    indexed = home_areas.set_index("area_id")
    return {"hub": _minutes_by_area(indexed["minutes_to_hub"].astype(float)),
            "longest": _minutes_by_area(indexed["minutes_longest"].astype(float))}


def _number(value: Any, digits: int = 1) -> float | None:
    if value is None:
        return None
    number = float(value)
    return round(number, digits) if np.isfinite(number) else None


def _block(block: Mapping[str, Any], board: Board) -> dict[str, Any]:
    """The figures of one block (overall or a locality) a workshop sees."""
    groups = block.get("groups") or {}
    isolated = block.get("isolated") or {}
    tiers = [{"tier": name, "label": board.tier(name).label, "attendees": _number(g.get("attendees")),
              "mean_minutes": _number(g.get("mean_minutes")), "max_minutes": _number(g.get("max_minutes"))}
             for name, g in (groups.get("tier") or {}).items()]
    segments = [{"segment": name, "label": str(g.get("label", name)),
                 "isolated": _number((g.get("isolated") or {}).get("total"))}
                for name, g in (groups.get("segment") or {}).items()]
    return {
        "attendees": _number(block.get("attendees")),
        "mean_minutes": _number(block.get("mean_minutes")),
        "max_minutes": _number(block.get("max_minutes")),
        "isolated": {key: _number(isolated.get(key)) for key in ("total", "rural", "urban")},
        "isolated_by_segment": segments,
        "tiers": tiers,
        "suppressed": list(block.get("suppressed") or []),
    }


def public_indicators(board: Board, plan: Plan, figures: Mapping[str, Any],
                      areas: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """The JSON the page and the API show for a plan (published figures only, no flows).

    Parameters
    ----------
    board
        The scenario's buildings and tiers.
    plan
        The plan.
    figures
        Its metrics as published.
    areas
        ``{"hub" | "longest": {home area: minutes}}``, for colouring the map.

    Returns
    -------
    dict
        ``overall`` (journeys, isolated people, tiers, segments, buildings, cost, CO2e),
        ``localities`` (the same per locality), ``areas`` and ``roles`` (``{site ID: role}``).
    """
    overall = figures["overall"]
    buildings = {
        "open": _number(overall.get("sites_open"), 0),
        "kept": _number(overall.get("buildings_kept"), 0),
        "closed": _number(overall.get("sites_closed"), 0),
        "annual_cost_gbp": _number(overall.get("annual_building_cost"), 0),
    }
    return {
        "overall": {**_block(overall, board), "buildings": buildings,
                    "annual_co2e_tonnes": _number(overall.get("annual_co2e_tonnes")),
                    "annual_travel_km": _number(overall.get("annual_travel_km"), 0)},
        "localities": [{"name": name, **_block(block, board)}
                       for name, block in sorted((figures.get("localities") or {}).items())],
        "isolation_minutes": _number(overall.get("isolation_minutes")),
        "areas": dict(areas),
        "roles": {site: board.token(plan.tiers_of(site)) for site in sorted(board.buildings)},
        "suppress_below": figures.get("suppress_below"),
    }
