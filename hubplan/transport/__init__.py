"""Transport planning: dial-a-ride routing of day-service minibus rounds.

:mod:`~hubplan.transport.darp` holds the typed instance and Cordeau's file format,
:mod:`~hubplan.transport.check` an independent feasibility checker,
:mod:`~hubplan.transport.route` the router (OR-Tools model and search) and
:mod:`~hubplan.transport.lns` its compiled ruin-and-recreate search (a heuristic: the
results are the best found within a time limit, never claimed optimal).
:mod:`~hubplan.transport.lrp` chooses depots together with capacitated vehicle routes
(location-routing; Prodhon's benchmark format, a checker and a compiled search).
"""
