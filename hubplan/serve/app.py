"""The workshop's web app: the page, its assets and the JSON API (FastAPI).

Every route is a thin caller of :mod:`hubplan.serve.sessions` and
:mod:`hubplan.serve.workshop`; the page (:mod:`hubplan.serve.page`) uses the same
JSON API as the tests and any other client. See :data:`API` for the contract.

Safe by default: bodies over :data:`~hubplan.serve.guard.MAX_BODY_BYTES` get 413;
malformed bodies, unknown buildings and roles get a 4xx with a one-line ``error``;
an unexpected failure gets 500 with one line (the traceback stays in the server's
log); only the hosts the server was started for are answered (no DNS rebinding);
saved plans go only into the server's output folder.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware

from hubplan.outputs.symbology import MINUTE_BREAKS, MINUTE_COLOURS, NO_JOURNEY_COLOUR
from hubplan.serve.board import BoardError, Plan
from hubplan.serve.guard import BodyLimit, SecurityHeaders
from hubplan.serve.page import build_page
from hubplan.serve.savefile import save_plan
from hubplan.serve.sessions import MAX_HISTORY, Session, Sessions, Tried
from hubplan.serve.workshop import Workshop

__all__ = ["API", "COOKIE", "create_app"]

log = logging.getLogger(__name__)

COOKIE = "hubplan_session"

API = """\
GET  /api/board            the scenario's buildings (id, name, locality, position, roles), tiers and map layers
GET  /api/plan             this session's plan: roles, indicators (or the plain reason it cannot be carried),
                           undo available, named history, search progress
POST /api/plan             {"roles": {"<site id>": "hub" | "spoke" | "specialist:<tier>" | "closed", ...}}:
                           set those buildings' roles (others unchanged; several tiers joined by "+");
                           answers as GET /api/plan
POST /api/click            {"site": "<site id>"}: the building's next role in its cycle
POST /api/undo, /api/reset the previous plan; the scenario's own plan
POST /api/history          {"name": "..."}: keep the current plan in the named history
POST /api/history/restore  {"index": N}: make a plan of the history current
POST /api/best             start "find the best plan from here" (open buildings fixed); GET /api/best: progress
POST /api/best/adopt       make the best plan found current
POST /api/save             {"name": "lower-case-name", "title": "..."}: write the plan as a scenario file
"""

_STATIC_TYPES = {"js": "text/javascript", "css": "text/css", "png": "image/png"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RolesBody(_Strict):
    """``POST /api/plan``."""

    roles: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=200)]] = \
        Field(max_length=1000)


class ClickBody(_Strict):
    """``POST /api/click``."""

    site: str = Field(max_length=100)


class NameBody(_Strict):
    """``POST /api/history``."""

    name: str = Field(min_length=1, max_length=80)


class IndexBody(_Strict):
    """``POST /api/history/restore``."""

    index: int = Field(ge=0, lt=MAX_HISTORY)


class SaveBody(_Strict):
    """``POST /api/save``."""

    name: str = Field(min_length=1, max_length=60)
    title: str = Field(default="", max_length=200)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


def _validation_message(err: RequestValidationError) -> str:
    first = err.errors()[0] if err.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return _one_line(f"bad request{' at ' + where if where else ''}: {first.get('msg', 'malformed body')}")


def _static(name: str) -> bytes:
    if name.startswith("leaflet/"):
        return files("xstatic.pkg.leaflet").joinpath("data").joinpath(*name.split("/")[1:]).read_bytes()
    return files("hubplan.serve").joinpath("assets").joinpath(name).read_bytes()


STATIC_FILES = ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/layers.png",
                "leaflet/images/layers-2x.png", "serve.js", "serve.css")
"""Everything the page loads: served from the installed packages, nothing from the internet."""


def _state(request: Request, session: Session) -> dict[str, Any]:
    """``GET /api/plan``'s answer for ``session``."""
    workshop: Workshop = request.app.state.workshop
    sessions: Sessions = request.app.state.sessions
    outcome = workshop.outcome(session.plan)
    return {
        "roles": {s: workshop.board.token(session.plan.tiers_of(s)) for s in sorted(workshop.board.buildings)},
        "indicators": outcome.indicators, "reason": outcome.reason,
        "can_undo": bool(session.undo),
        "history": [{"name": t.name, "mean_minutes": t.mean_minutes, "isolated": t.isolated}
                    for t in session.history],
        "search": sessions.search_report(session),
    }


Token = Annotated[str | None, Cookie(alias=COOKIE, max_length=100)]


def _session(request: Request, response: Response, hubplan_session: Token = None) -> Session:
    """The caller's session (a new one, and its cookie, when the cookie is missing or unknown)."""
    sessions: Sessions = request.app.state.sessions
    real, session = sessions.get(hubplan_session)
    if real != hubplan_session:
        response.set_cookie(COOKIE, real, httponly=True, samesite="strict")
    return session


Caller = Annotated[Session, Depends(_session)]
router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index(request: Request, _session: Caller) -> str:
    """The page."""
    return str(request.app.state.page)


@router.get("/static/{name:path}")
def static(request: Request, name: str) -> Response:
    """Leaflet and the page's own script and style, from the installed packages."""
    assets: dict[str, bytes] = request.app.state.assets
    if name not in assets:
        return JSONResponse({"error": "no such file"}, status_code=404)
    return Response(assets[name], media_type=_STATIC_TYPES[name.rsplit(".", 1)[-1]])


@router.get("/api/board")
def board(request: Request) -> dict[str, Any]:
    """The scenario's buildings, tiers and map layers."""
    return dict(request.app.state.board_json)


@router.get("/api/plan")
def get_plan(request: Request, session: Caller) -> dict[str, Any]:
    """The plan of the caller's session and its indicators."""
    return _state(request, session)


@router.post("/api/plan")
def post_plan(request: Request, body: RolesBody, session: Caller) -> dict[str, Any]:
    """Set the roles of the buildings named (others unchanged)."""
    board_ = request.app.state.workshop.board
    with session.lock:
        plan = session.plan
        for site, token in body.roles.items():
            plan = plan.with_role(site, board_.parse(site, token))
        session.change(plan)
    return _state(request, session)


@router.post("/api/click")
def click(request: Request, body: ClickBody, session: Caller) -> dict[str, Any]:
    """Give a building the next role in its cycle."""
    board_ = request.app.state.workshop.board
    with session.lock:
        current = session.plan.tiers_of(body.site)
        session.change(session.plan.with_role(body.site, board_.next_role(body.site, current)))
    return _state(request, session)


@router.post("/api/undo")
def undo(request: Request, session: Caller) -> dict[str, Any]:
    """Go back to the previous plan."""
    with session.lock:
        if session.undo:
            session.plan = session.undo.pop()
    return _state(request, session)


@router.post("/api/reset")
def reset(request: Request, session: Caller) -> dict[str, Any]:
    """Go back to the scenario's own plan (undo can return)."""
    with session.lock:
        session.change(request.app.state.workshop.start_plan)
    return _state(request, session)


@router.post("/api/history")
def keep(request: Request, body: NameBody, session: Caller) -> dict[str, Any]:
    """Keep the current plan in the named history."""
    overall = (request.app.state.workshop.outcome(session.plan).indicators or {}).get("overall") or {}
    with session.lock:
        if len(session.history) >= MAX_HISTORY:
            raise ValueError(f"the history holds {MAX_HISTORY} plans: go back to one of them instead")
        session.history.append(Tried(_one_line(body.name), session.plan, overall.get("mean_minutes"),
                                     (overall.get("isolated") or {}).get("total")))
    return _state(request, session)


@router.post("/api/history/restore")
def restore(request: Request, body: IndexBody, session: Caller) -> dict[str, Any]:
    """Make a plan of the history current."""
    with session.lock:
        if body.index >= len(session.history):
            raise ValueError(f"no plan number {body.index} in the history")
        session.change(session.history[body.index].plan)
    return _state(request, session)


@router.post("/api/best")
def best(request: Request, session: Caller) -> dict[str, Any]:
    """Start "find the best plan from here" (the open buildings fixed) in the background."""
    sessions: Sessions = request.app.state.sessions
    sessions.start_search(session)
    return {"search": sessions.search_report(session)}


@router.get("/api/best")
def best_progress(request: Request, session: Caller) -> dict[str, Any]:
    """The search's progress, and how far the current plan is from its plan."""
    return {"search": request.app.state.sessions.search_report(session)}


@router.post("/api/best/adopt")
def adopt(request: Request, session: Caller) -> dict[str, Any]:
    """Make the best plan found current."""
    found = session.search.plan if session.search is not None else None
    if found is None:
        raise ValueError("no best plan has been found yet: press \u201cFind the best plan from here\u201d first")
    with session.lock:
        session.change(found)
    return _state(request, session)


@router.post("/api/save")
def save(request: Request, body: SaveBody, session: Caller) -> dict[str, Any]:
    """Write the current plan as a scenario file in the output folder."""
    workshop: Workshop = request.app.state.workshop
    plan: Plan = session.plan
    if workshop.outcome(plan).reason is not None:
        raise ValueError("this plan cannot be carried, so it cannot be run: change it first")
    path = save_plan(workshop.study, plan, body.name, _one_line(body.title) or body.name, request.app.state.out_dir)
    return {"file": path.name, "toml": path.read_text(encoding="utf-8")}


async def _bad_body(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    return JSONResponse({"error": _validation_message(err)}, status_code=422)


async def _bad_building(_request: Request, err: Exception) -> JSONResponse:
    status = 404 if str(err).startswith("unknown building") else 422
    return JSONResponse({"error": _one_line(str(err))}, status_code=status)


async def _bad_value(_request: Request, err: Exception) -> JSONResponse:
    return JSONResponse({"error": _one_line(str(err))}, status_code=422)


async def _failed(_request: Request, err: Exception) -> JSONResponse:
    log.error("hubplan serve: unexpected error", exc_info=err)
    return JSONResponse({"error": "the server failed unexpectedly; the plan is unchanged"}, status_code=500)


def _board_json(workshop: Workshop) -> dict[str, Any]:
    scenario = workshop.study.scenario
    return {"title": scenario.title or scenario.name, "client_records": workshop.client_records,
            "tiers_per_site": workshop.board.tiers_per_site,
            "tiers": [{"name": t.name, "kind": t.kind, "label": t.label, "token": t.token}
                      for t in workshop.board.tiers],
            "buildings": [{"id": b.site_id, "name": b.name, "locality": b.locality, "kind": b.kind,
                           "lat": b.lat, "lon": b.lon, "roles": [{"token": r.token, "label": r.label} for r in b.roles]}
                          for b in workshop.board.buildings.values()],
            "layers": workshop.map_layers(), "api": API,
            "colours": {"breaks": list(MINUTE_BREAKS), "fills": list(MINUTE_COLOURS), "none": NO_JOURNEY_COLOUR}}


def create_app(workshop: Workshop, out_dir: Path, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> FastAPI:
    """The web app of one warm workshop.

    Parameters
    ----------
    workshop
        The scenario's warm study and board.
    out_dir
        The only folder the server writes to (saved plans).
    hosts
        Host names the server answers to (``Host`` header); ``testserver`` is added for tests.

    Returns
    -------
    FastAPI
    """
    app = FastAPI(title="hubplan serve", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workshop = workshop
    app.state.sessions = Sessions(workshop)
    app.state.out_dir = Path(out_dir)
    app.state.assets = {name: _static(name) for name in STATIC_FILES}
    app.state.page = build_page(workshop.study.scenario.title or workshop.study.scenario.name)
    app.state.board_json = _board_json(workshop)
    app.include_router(router)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*hosts, "testserver"])
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    app.add_exception_handler(RequestValidationError, _bad_body)
    app.add_exception_handler(BoardError, _bad_building)
    app.add_exception_handler(ValueError, _bad_value)
    app.add_exception_handler(Exception, _failed)
    return app
