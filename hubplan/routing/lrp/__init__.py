"""Location-routing: choose the depots to open together with the vehicle routes from them.

:mod:`~hubplan.routing.lrp.instance` holds the typed instance and Prodhon's file format,
:mod:`~hubplan.routing.lrp.check` an independent checker of solutions,
:mod:`~hubplan.routing.lrp.kernels` the compiled ruin-and-recreate routing search and
:mod:`~hubplan.routing.lrp.solve` the location search around it (a heuristic: results
are the best found within a work budget, never claimed optimal).
"""
