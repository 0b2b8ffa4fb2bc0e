"""The routing engines under the transport plan (:mod:`hubplan.transport`): dial-a-ride and location-routing.

:mod:`~hubplan.routing.darp` holds the typed instance and Cordeau's file format,
:mod:`~hubplan.routing.check` an independent feasibility checker,
:mod:`~hubplan.routing.route` the router (OR-Tools model and search) and
:mod:`~hubplan.routing.lns` its compiled ruin-and-recreate search (a heuristic: the
results are the best found within a time limit, never claimed optimal).
:mod:`~hubplan.routing.lrp` chooses depots together with capacitated vehicle routes
(location-routing; Prodhon's benchmark format, a checker and a compiled search).
"""
