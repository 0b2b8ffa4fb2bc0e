"""``hubplan serve``: a live what-if for co-production workshops, on one warm study.

One server holds one scenario's :class:`hubplan.api.Study` (study area, demand,
travel matrix) warm, and every browser session (a table at the workshop) its own
plan. Clicking a building changes its role; the server scores the plan through the
library API and answers with the indicators the disclosure rule lets out.

Modules, top down: :mod:`~hubplan.serve.server` (start and stop uvicorn),
:mod:`~hubplan.serve.app` (routes and JSON API), :mod:`~hubplan.serve.sessions`
(each table's plans, undo, history, the background best-plan search),
:mod:`~hubplan.serve.savefile` (a plan as a scenario file),
:mod:`~hubplan.serve.workshop` (the warm study and a plan's public indicators),
:mod:`~hubplan.serve.board` (buildings, roles, plans), :mod:`~hubplan.serve.page`
and :mod:`~hubplan.serve.guard` (the page's shell; body limits and headers).
"""
