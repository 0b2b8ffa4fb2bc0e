"""Exceptions: passengers no shared round can carry within the limits travel by single-occupancy taxi.

A passenger becomes an exception for a session (morning or afternoon) when their direct
trip alone breaks a rule (:func:`hubplan.transport.instances.reach_failures`: the ride
ceiling, the round length, the windows) or when the routing leaves them unserved
(:attr:`hubplan.transport.routing.RoutedSession.unserved`: a capped fleet, or no round found
within the limits). Each exception is a :class:`TaxiTrip`: an accessible taxi straight
between home and site, costed at the scenario's ``taxi_gbp_per_trip`` plus
``taxi_gbp_per_km`` (assumptions), riding the direct drive. The plan is always produced;
the figures count the exceptions (people, under the disclosure rule) and the operational
folder lists them with their reasons. Reasons name settings and minutes, never a postcode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hubplan.scenario import TransportConfig
from hubplan.transport.instances import Session
from hubplan.transport.passengers import Passenger
from hubplan.transport.routing import RoutedSession

__all__ = ["TaxiTrip", "taxi_trips_of", "unreachable_trips"]


@dataclass(frozen=True)
class TaxiTrip:
    """One passenger's trip by single-occupancy accessible taxi, and why.

    Parameters
    ----------
    passenger
        :attr:`hubplan.transport.passengers.Passenger.number`.
    site_id, session
        Where to or from, and which session.
    reason
        Why no shared round carries them, in words (names the setting to change).
    minutes, km
        The direct drive between home and site (the taxi's ride and distance).
    """

    passenger: int
    site_id: str
    session: Session
    reason: str
    minutes: float
    km: float

    def cost_gbp(self, config: TransportConfig) -> float:
        """The fare: ``taxi_gbp_per_trip`` plus ``taxi_gbp_per_km`` x km."""
        return config.taxi_gbp_per_trip + config.taxi_gbp_per_km * self.km


def unreachable_trips(site_id: str, passengers: tuple[Passenger, ...], reasons: dict[int, str], minutes: np.ndarray,
                      km: np.ndarray) -> list[TaxiTrip]:
    """Both sessions' taxi trips of the passengers (by index) whose direct trip alone breaks a rule.

    ``minutes`` and ``km`` are the legs among ``[depot, site, home 1, ..., home n]``.
    """
    trips = []
    for i, reason in reasons.items():
        home = 2 + i
        trips.append(TaxiTrip(passengers[i].number, site_id, Session.MORNING, reason,
                              float(minutes[home, 1]), float(km[home, 1])))
        trips.append(TaxiTrip(passengers[i].number, site_id, Session.AFTERNOON, reason,
                              float(minutes[1, home]), float(km[1, home])))
    return trips


def taxi_trips_of(sessions: Iterable[RoutedSession], km_of: dict[tuple[str, int], tuple[float, float]],
                  ) -> list[TaxiTrip]:
    """The taxi trips of the passengers the routing left unserved.

    ``km_of[(site_id, passenger)]`` gives (morning, afternoon) direct km of each passenger.
    """
    trips = []
    for session in sessions:
        for number in session.unserved:
            morning = session.session is Session.MORNING
            km = km_of[session.site_id, number][0 if morning else 1]
            trips.append(TaxiTrip(number, session.site_id, session.session, session.unserved_reason,
                                  session.direct_minutes[number], km))
    return trips
