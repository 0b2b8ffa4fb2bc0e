"""The report's *Transport plan*: the minibus rounds, how good they are, their figures and assumptions.

For a reader without GIS: what was routed (a typical service day, morning rounds to
the sites and afternoon rounds home), how honest the routes are (the routing
heuristic's best found within its time, never called optimal), a table of figures per
locality and for the whole area, every ``[transport]`` setting with its value and the
word *assumption*, the carbon factor's source and the leg model. Figures are the
published ones (``metrics["transport"]`` after :func:`hubplan.outputs.privacy.suppress_metrics`):
a count the privacy rule hides prints as ``<5``, any other figure it withholds as ``n/a``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hubplan.outputs.escape import markdown_text
from hubplan.outputs.report.figures import NOT_AVAILABLE, minutes, money, number, people, share, whole
from hubplan.outputs.report.sites import md_table
from hubplan.record.manifest import Manifest
from hubplan.scenario import clock

__all__ = ["TRANSPORT_MEASURES", "transport_section"]

Formatter = Callable[[Any], str]


def _with_unit(formatter: Formatter, unit: str) -> Formatter:
    """A formatter that appends ``unit`` to a figure (``n/a`` stays bare)."""
    def formatted(value: Any) -> str:
        text = formatter(value)
        return text if text == NOT_AVAILABLE else f"{text}{unit}"
    return formatted


TRANSPORT_MEASURES: tuple[tuple[str, str, Formatter], ...] = (
    ("passengers", "Passengers on a typical day", whole),
    ("wheelchair_passengers", "of whom need a wheelchair space", whole),
    ("vehicles", "Vehicles needed", whole),
    ("vehicle_km_day", "Vehicle-km per day", whole),
    ("vehicle_hours_day", "Vehicle hours per day", number),
    ("ride_mean_minutes", "Average ride", minutes),
    ("ride_p90_minutes", "9 in 10 rides within", minutes),
    ("ride_max_minutes", "Longest ride", minutes),
    ("direct_mean_minutes", "Average direct drive (same trips)", minutes),
    ("ride_over_direct", "Time on board compared with the direct drive", _with_unit(number, " times")),
    ("co2e_tonnes_year", "CO2e per year", _with_unit(number, " t")),
    ("exception_passengers", "Passengers by single-occupancy taxi (no shared round within the limits)", whole),
    ("cost_gbp_year", "Transport cost per year (vehicles and taxis)", money),
)
"""``(figure key, row label, formatter)`` of the per-locality table, in order
(keys of :meth:`hubplan.transport.TransportFigures.as_dict`)."""

COUNT_KEYS = frozenset({"passengers", "wheelchair_passengers", "exception_passengers"})
"""Figures that count people: when withheld they print as ``<threshold``."""


def _cell(block: Mapping[str, Any], key: str, formatter: Formatter, threshold: int | None) -> str:
    value = block.get(key)
    hidden = key in (block.get("suppressed") or []) or (value is None and threshold is not None)
    if key in COUNT_KEYS:
        return people(value, hidden, threshold)
    return NOT_AVAILABLE if value is None else formatter(value)


def _by_type(block: Mapping[str, Any], vehicle_type: str) -> str:
    counts = block.get("vehicles_by_type")
    return whole(counts.get(vehicle_type, 0)) if isinstance(counts, Mapping) else NOT_AVAILABLE


def _figures_table(transport: Mapping[str, Any], threshold: int | None) -> str:
    blocks = {**(transport.get("localities") or {}), "Whole area": transport.get("overall") or {}}
    rows = [[label, *[_cell(block, key, fmt, threshold) for block in blocks.values()]]
            for key, label, fmt in TRANSPORT_MEASURES]
    types = (transport.get("overall") or {}).get("vehicles_by_type")
    if isinstance(types, Mapping) and len(types) > 1:  # one type: the vehicles row says it all
        at = next(i for i, (key, _, _) in enumerate(TRANSPORT_MEASURES) if key == "vehicles") + 1
        rows[at:at] = [[f"of which {str(name).replace('-', ' ')}", *[_by_type(b, str(name)) for b in blocks.values()]]
                       for name in sorted(types)]
    return md_table(["Measure", *blocks], rows)


def _plain(value: Any) -> str:
    """A setting as written: ``5.0`` as 5, ``4.5`` as 4.5.

    Examples
    --------
    >>> _plain(5.0), _plain(4.5), _plain(None)
    ('5', '4.5', 'n/a')
    """
    return NOT_AVAILABLE if value is None else f"{float(value):g}"


def _minutes_setting(value: Any) -> str:
    return NOT_AVAILABLE if value is None else minutes(value, words=True)


def _pounds(value: Any) -> str:
    """Pounds with pence (a rate such as GBP 2.50 a km), ``n/a`` when missing."""
    return f"£{float(value):,.2f}" if isinstance(value, int | float) else NOT_AVAILABLE


def _assumption_rows(settings: Mapping[str, Any], days_per_year: Any) -> list[tuple[str, str]]:
    depot = settings.get("depot")
    starts = "the site they serve" if depot == "site" or not isinstance(depot, Mapping) else \
        f"{depot.get('name')} ({number(depot.get('lat'), 3)}, {number(depot.get('lon'), 3)})"
    multiple = settings.get("max_ride_multiple")
    margin = settings.get("max_ride_margin_minutes")
    fleet = settings.get("max_vehicles_per_site")
    priced = settings.get("objective", "generalised") != "vehicles"
    rows = [
        ("Attendees who travel by the council's transport (assumption)",
         share(settings.get("council_transport_share"))),
        ("Of them, need a wheelchair space (assumption, unless the client file says)",
         share(settings.get("wheelchair_share"))),
        ("Service days per week (assumption)", _plain(settings.get("service_days_per_week"))),
        ("Service days per year (assumption: days per week x weeks per year)", whole(days_per_year)),
        ("Vehicles start and end at (assumption)", starts),
        ("Morning: arrive at the site between (assumption)",
         f"{clock(settings['arrive_from'])} and {clock(settings['arrive_by'])}"
         if "arrive_from" in settings and "arrive_by" in settings else NOT_AVAILABLE),
        ("Afternoon: leave the site between (assumption)",
         f"{clock(settings['leave_from'])} and {clock(settings['leave_by'])}"
         if "leave_from" in settings and "leave_by" in settings else NOT_AVAILABLE),
        ("Longest ride for anyone (assumption)", _minutes_setting(settings.get("max_ride_minutes"))),
        ("Longest ride beyond the direct drive (assumption)",
         "no limit" if margin is None else _minutes_setting(margin)),
        ("Longest ride as a multiple of the direct drive (assumption)",
         "no limit" if multiple is None else f"{number(multiple, 1)}x"),
        ("Value of passengers' time on board beyond the direct drive (assumption)",
         f"{_pounds(settings.get('value_of_time_gbp_per_hour'))} an hour"
         + ("" if priced else " (reported only: the routing counts vehicles' costs alone)")),
        ("Taxi for a passenger no shared round can carry (assumption)",
         f"{_pounds(settings.get('taxi_gbp_per_trip'))} a trip plus {_pounds(settings.get('taxi_gbp_per_km'))} a km"),
        ("Boarding or alighting, per stop (assumption)", _minutes_setting(settings.get("boarding_minutes"))),
        ("Boarding or alighting with a wheelchair (assumption)",
         _minutes_setting(settings.get("wheelchair_boarding_minutes"))),
        ("Longest round for a vehicle (assumption)", _minutes_setting(settings.get("max_route_minutes"))),
        ("Vehicles per site (assumption)", "as many as the rounds need" if fleet is None else whole(fleet)),
    ]
    for vehicle in settings.get("vehicles") or []:
        if not isinstance(vehicle, Mapping):
            continue
        name = markdown_text(str(vehicle.get("name", "")).replace("-", " ").capitalize())
        available = vehicle.get("available")
        rows += [
            (f"{name}: seats and wheelchair spaces (assumption)",
             f"{whole(vehicle.get('seats'))} seats, {whole(vehicle.get('wheelchair_spaces'))} wheelchair spaces"
             + ("" if available is None else f", at most {whole(available)} per site")),
            (f"{name}: cost per day with driver (assumption)", money(vehicle.get("daily_cost_gbp"))),
            (f"{name}: carbon per km", f"{number(vehicle.get('co2e_kg_per_km'), 3)} kg CO2e"),
            (f"{name}: source of the carbon factor", str(vehicle.get("co2e_source") or NOT_AVAILABLE)),
        ]
    return rows


def _routed_sentence(overall: Mapping[str, Any], localities: int, demand_method: str, threshold: int | None) -> str:
    passengers = _cell(overall, "passengers", whole, threshold)
    vehicles = _cell(overall, "vehicles", whole, threshold)
    who = ("They are people from the client records; the map and the routes layer show only their home areas."
           if demand_method == "client_file" else
           "They are a modelled cohort drawn at random at postcode level (a seeded draw, not real people).")
    left_out = overall.get("sites_left_out") or 0
    withheld = (f" The vehicle, km, time, cost and CO2e figures leave out the rounds of {left_out} site"
                f"{'s' if left_out != 1 else ''} with fewer than {threshold} passengers, which would reveal them; "
                "their passengers are counted." if left_out and threshold is not None else "")
    return (f"The council's minibuses were routed for a typical service day: each passenger is picked up at home "
            f"in the morning and taken to their site, then taken home in the afternoon. On that day "
            f"{passengers} people travel to the open sites in {localities} localities, on "
            f"{'at least ' if left_out else ''}{vehicles} vehicles "
            f"(a site keeps its own vehicles; the same vehicles run its morning and afternoon rounds). {who}{withheld}")


def _no_road_sentence(no_road: Any, threshold: int | None) -> list[str]:
    """A warning when some passengers live where no road reaches (an island reached by ferry)."""
    if not isinstance(no_road, Mapping):
        return []
    count = no_road.get("passengers")
    hidden = "passengers" in (no_road.get("suppressed") or [])
    if not hidden and not count:
        return []
    areas = [markdown_text(str(a)) for a in no_road.get("home_areas") or []]
    where = f" (home area{'s' if len(areas) != 1 else ''} {', '.join(areas)})" if areas else ""
    who = f"<{threshold}" if hidden and threshold is not None else whole(count)
    return [f"**No road to {who} passenger{'s' if hidden or count != 1 else ''}' homes.** They live on land that "
            f"no road joins to the mainland, such as Brownsea Island (reached by ferry){where}. Their rides above "
            "assume a road that does not exist: arrange their transport separately.\n"]


def _honesty_sentence(transport: Mapping[str, Any]) -> str:
    limit = transport.get("time_limit_s")
    limit_text = "" if limit is None else (f" Each round's search stops after a fixed amount of work, so a rerun "
                                           f"gives the same rounds; a safety time limit of {_plain(limit)} seconds "
                                           "stops it sooner only on a very slow or busy computer, and the status "
                                           "then says so.")
    return (f"**Best found, not optimal.** The routes are the best a routing heuristic found: nobody has proven "
            f"that fewer vehicles or fewer km are impossible, and a longer search may find better rounds. Status: "
            f"{markdown_text(transport.get('status') or NOT_AVAILABLE)}.{limit_text}")


def _tradeoff_part(curve: Any) -> list[str]:
    """The cost/ride trade-off table, when the run asked for it and it is published (else nothing)."""
    if not isinstance(curve, list) or not curve:
        return []
    rows = []
    for point in curve:
        if not isinstance(point, Mapping):
            continue
        value = f"{_pounds(point.get('value_of_time_gbp_per_hour'))} an hour"
        rows.append((value + (" (this plan)" if point.get("chosen") else ""), whole(point.get("vehicles")),
                     money(point.get("cost_gbp_year")), minutes(point.get("ride_mean_minutes")),
                     minutes(point.get("ride_p90_minutes")), number(point.get("ride_over_direct"), 2)))
    return ["### Cost against time on board\n",
            "The same plan routed again with passengers' time valued differently: a higher value buys shorter "
            "rides, at the cost of more vehicles or driving when the ride limits do not already force them.\n",
            md_table(["Value of passengers' time", "Vehicles", "Cost per year", "Average ride", "9 in 10 rides within",
                      "Time on board / direct drive"], rows) + "\n"]


def transport_section(manifest: Manifest, metrics: Mapping[str, Any], threshold: int | None) -> list[str]:
    """The *Transport plan* section, or nothing when the run routed no transport.

    Parameters
    ----------
    manifest
        The run's provenance (``manifest.transport``: status, time, leg model, settings).
    metrics
        The published metrics (``metrics["transport"]``).
    threshold
        The small-count threshold of a client-file run (``None``: modelled demand).

    Returns
    -------
    list of str
        Markdown paragraphs and tables (user text escaped).
    """
    transport = metrics.get("transport")
    provenance = manifest.transport or {}
    if not isinstance(transport, Mapping):
        return []
    overall = transport.get("overall") or {}
    localities = transport.get("localities") or {}
    settings = provenance.get("settings")
    settings = settings if isinstance(settings, Mapping) else {}
    parts = ["## Transport plan\n",
             _routed_sentence(overall, len(localities), str((manifest.demand or {}).get("method", "")), threshold)
             + "\n",
             _honesty_sentence(provenance) + "\n",
             *_no_road_sentence(transport.get("no_road"), threshold),
             "### Transport figures by locality\n",
             "A typical service day (both rounds) and, for CO2e and cost, a year of service days. A ride is one "
             "passenger's time on board, morning or afternoon; the direct drive is the same trip with no other "
             "stops. Figures are grouped by the locality of the site, so a passenger who travels to a site in another "
             "locality counts there. The CO2e here is the minibuses' own (their km at their carbon factor); the CO2e "
             "under *By locality* counts every attendee's journey as if by car. They measure different things and "
             "are not to be added.\n",
             _figures_table(transport, threshold) + "\n"]
    if threshold is not None:
        parts.append(f"Counts of people below {threshold} show as <{threshold}; n/a marks a figure not published "
                     "(derived from a hidden count) or not available.\n")
    parts += _tradeoff_part(overall.get("tradeoff"))
    parts += ["### Transport assumptions\n",
              "Every setting below is an assumption (the council's papers give no attendance frequency, transport "
              "share, fleet or timetable) until the council's own figures replace it in the scenario's "
              "`[transport]` table.\n",
              md_table(["Assumption", "Value"], _assumption_rows(settings, provenance.get("days_per_year"))) + "\n"]
    legs = provenance.get("legs_model")
    if isinstance(legs, str):
        parts.append(f"**How leg times were worked out.** {markdown_text(legs[:1].upper() + legs[1:])}.\n")
    parts.append("The map's *Minibus rounds* layer and the `routes` layer draw each round through the centre points "
                 "of the home areas it calls in, never through anyone's home.\n")
    return parts
