"""Transport planning: dial-a-ride routing of day-service minibus rounds.

:mod:`~hubplan.transport.darp` holds the typed instance and Cordeau's file format,
:mod:`~hubplan.transport.check` an independent feasibility checker, and
:mod:`~hubplan.transport.route` the OR-Tools routing solver (a heuristic: its
results are the best found within a time limit, never claimed optimal).
"""
