"""Location-routing: choose the depots to open together with the vehicle routes from them.

:mod:`~hubplan.transport.lrp.instance` holds the typed instance and Prodhon's file format,
:mod:`~hubplan.transport.lrp.check` an independent checker of solutions,
:mod:`~hubplan.transport.lrp.kernels` the compiled ruin-and-recreate routing search and
:mod:`~hubplan.transport.lrp.solve` the location search around it (a heuristic: results
are the best found within a work budget, never claimed optimal).
"""
