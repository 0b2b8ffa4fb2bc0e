"""The outline transport plan: minibus rounds for a run's plan (``[transport]`` in a scenario).

Modules, in the order they run: :mod:`~hubplan.rounds.passengers` (who travels on a
typical day, from which postcode, to which site), :mod:`~hubplan.rounds.instances` (one
dial-a-ride instance per site and session, and the checks no round could meet),
:mod:`~hubplan.rounds.routing` (OR-Tools routing in a process pool, re-checked exactly),
:mod:`~hubplan.rounds.figures` (vehicles, km, hours, ride times, CO2e, cost) and
:mod:`~hubplan.rounds.plan` (the whole plan). The routing engine itself, with its
benchmark reader and checker, is :mod:`hubplan.transport`.
"""

from hubplan.rounds.figures import TransportFigures
from hubplan.rounds.instances import Session
from hubplan.rounds.passengers import Passenger
from hubplan.rounds.plan import TransportPlan, plan_transport
from hubplan.rounds.routing import Round, RoutedSession, Stop

__all__ = ["Passenger", "Round", "RoutedSession", "Session", "Stop", "TransportFigures", "TransportPlan",
           "plan_transport"]
