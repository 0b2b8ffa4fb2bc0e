"""Each table's own plan: sessions with undo, reset, a named history, and a background "best plan from here".

A session is made when a browser first calls the API (an unguessable token in an
HTTP-only, same-site cookie). Sessions share the one warm
:class:`~hubplan.serve.workshop.Workshop`; each keeps only its plans, so tables do
not see each other's. Everything is bounded: :data:`MAX_SESSIONS` (the least
recently used goes first), :data:`MAX_UNDO` steps, :data:`MAX_HISTORY` named plans,
and one search at a time per session (and :data:`MAX_SEARCHES` in the server).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from hubplan.api import Study
from hubplan.errors import HubplanError
from hubplan.scenario.sections import RoleRule
from hubplan.serve.board import Plan
from hubplan.serve.workshop import Workshop

__all__ = ["MAX_HISTORY", "MAX_SESSIONS", "MAX_UNDO", "Search", "Session", "Sessions", "Tried"]

MAX_SESSIONS = 200
MAX_UNDO = 200
MAX_HISTORY = 100
MAX_SEARCHES = 2
"""Searches run at once in the server (the machine's cores); more wait their turn."""


@dataclass(frozen=True)
class Tried:
    """A plan the table named and kept in its history."""

    name: str
    plan: Plan
    mean_minutes: float | None
    isolated: float | None


@dataclass
class Search:
    """A "best plan from here" search, run in a background thread.

    ``state``: ``waiting``, ``running``, ``done`` or ``failed``; ``plan`` and
    ``status`` (``optimal`` or ``best found``) when done, ``reason`` when failed.
    """

    fixed: Plan
    time_limit_s: float
    state: str = "waiting"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    plan: Plan | None = None
    status: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready progress (the plan itself is compared by :meth:`Sessions.search_report`)."""
        end = self.finished if self.finished is not None else time.monotonic()
        return {"state": self.state, "seconds": round(end - self.started, 1), "time_limit_s": self.time_limit_s,
                "status": self.status, "reason": self.reason}


@dataclass
class Session:
    """One table's plans."""

    plan: Plan
    undo: list[Plan] = field(default_factory=list)
    history: list[Tried] = field(default_factory=list)
    search: Search | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def change(self, plan: Plan) -> None:
        """Make ``plan`` current, keeping the old one for undo."""
        if plan != self.plan:
            self.undo.append(self.plan)
            del self.undo[:-MAX_UNDO]
            self.plan = plan


def fixed_scenario_study(study: Study, fixed: Plan) -> Study:
    """The study with the table's open buildings kept open (required), the rest still to choose.

    Which services each kept building hosts is left to the optimiser (within the tiers the
    scenario lets it take), and so are the other buildings. When the table opened more
    buildings than the scenario's ``constraints.buildings``, the limit is raised to the
    number opened (the table's choice stands).
    """
    scenario = study.scenario
    rule = RoleRule(role="required", ids=tuple(site for site, _tiers in fixed.open_tiers))
    sites = scenario.sites.model_copy(update={"roles": (*scenario.sites.roles, rule)})
    constraints = scenario.constraints
    if constraints.buildings is not None and constraints.buildings < len(fixed.open_tiers):
        constraints = constraints.model_copy(update={"buildings": len(fixed.open_tiers)})
    return study.vary(scenario.model_copy(update={"sites": sites, "constraints": constraints}))


class Sessions:
    """Every table's session, and the searches they started."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._searches = threading.Semaphore(MAX_SEARCHES)

    def get(self, token: str | None) -> tuple[str, Session]:
        """The session of ``token``, or a new one (and its token) when unknown."""
        with self._lock:
            if token is not None and token in self._sessions:
                self._sessions.move_to_end(token)
                return token, self._sessions[token]
            token = secrets.token_urlsafe(24)
            self._sessions[token] = Session(self.workshop.start_plan)
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
            return token, self._sessions[token]

    def __len__(self) -> int:
        return len(self._sessions)

    def start_search(self, session: Session) -> Search:
        """Start a search from the session's plan, its open buildings fixed (one per session at a time)."""
        with session.lock:
            if session.search is not None and session.search.state in ("waiting", "running"):
                return session.search
            limit = float(self.workshop.study.scenario.solver.time_limit_s or 0.0)
            search = Search(session.plan, limit)
            session.search = search
        threading.Thread(target=self._run, args=(search,), daemon=True, name="hubplan-serve-search").start()
        return search

    def _run(self, search: Search) -> None:
        with self._searches:
            search.state = "running"
            search.started = time.monotonic()
            try:
                varied = fixed_scenario_study(self.workshop.study, search.fixed)
                allocation, _ = varied.solve(hint=search.fixed.hint())
                search.plan = Plan.of(allocation.open_tiers)
                search.status = "optimal" if allocation.solver.status == "optimal" else "best found"
                search.state = "done"
            except HubplanError as err:
                search.reason = _one_line(err)
                search.state = "failed"
            except Exception:  # a search thread must never die silently; the page shows this line
                search.reason = "the search failed unexpectedly (see the server's log)"
                search.state = "failed"
                raise
            finally:
                search.finished = time.monotonic()

    def search_report(self, session: Session) -> dict[str, Any] | None:
        """The session's search: its progress, and when done how far the current plan is from its plan."""
        search = session.search
        if search is None:
            return None
        report = search.as_dict()
        if search.state == "done" and search.plan is not None:
            report["comparison"] = self.compare(session.plan, search.plan)
        return report

    def compare(self, current: Plan, best: Plan) -> dict[str, Any]:
        """How far ``current`` is from ``best``: journeys, isolated people and the buildings that differ."""
        mine, theirs = self.workshop.outcome(current), self.workshop.outcome(best)
        board = self.workshop.board
        names = {s: board.buildings[s].name for s in board.buildings}
        changes = [{"site": s, "name": names[s], "from": board.token(current.tiers_of(s)),
                    "to": board.token(best.tiers_of(s))}
                   for s in sorted(board.buildings) if set(current.tiers_of(s)) != set(best.tiers_of(s))]
        out: dict[str, Any] = {"changes": changes, "best_roles": (theirs.indicators or {}).get("roles")}
        for key, outcome in (("current", mine), ("best", theirs)):
            overall = (outcome.indicators or {}).get("overall") or {}
            out[key] = {"mean_minutes": overall.get("mean_minutes"),
                        "isolated": (overall.get("isolated") or {}).get("total"), "reason": outcome.reason}
        return out


def _one_line(err: HubplanError) -> str:
    if err.issues:
        issue = err.issues[0]
        return f"No plan keeps every building the table opened: {issue.problem}. What to do: {issue.fix}."
    return str(err).splitlines()[0].split(": ", 1)[-1]
