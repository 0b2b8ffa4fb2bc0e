"""The outline transport plan: minibus rounds for a run's plan (``[transport]`` in a scenario).

Modules, in the order they run: :mod:`~hubplan.transport.passengers` (who travels on a
typical day, from which postcode, to which site), :mod:`~hubplan.transport.instances` (one
dial-a-ride instance per site and session, and the checks no round could meet),
:mod:`~hubplan.transport.routing` (OR-Tools routing in a process pool, re-checked exactly),
:mod:`~hubplan.transport.figures` (vehicles, km, hours, ride times, CO2e, cost) and
:mod:`~hubplan.transport.plan` (the whole plan). The routing engine itself, with its
benchmark reader and checker, is :mod:`hubplan.routing`.
"""

from hubplan.transport.figures import TransportFigures
from hubplan.transport.instances import Session
from hubplan.transport.passengers import Passenger
from hubplan.transport.plan import TransportPlan, plan_transport
from hubplan.transport.routing import Round, RoutedSession, Stop

__all__ = ["Passenger", "Round", "RoutedSession", "Session", "Stop", "TransportFigures", "TransportPlan",
           "plan_transport"]
