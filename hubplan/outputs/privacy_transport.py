"""The disclosure rule for the transport plan: people, and the vehicles and routes that reveal them.

Step 5 of the rule (:mod:`hubplan.outputs.privacy`), with the argument written out in
``docs/privacy-inference.md``:

* **People.** Each site's passengers and wheelchair passengers of the typical day are
  cells, banded like allocation cells; locality and whole-plan counts are sums of the
  sites' bands, published by step 3.
* **Vehicles and rounds are derived from people.** A site's rounds exist because of its
  passengers: with one-seat vehicles or wheelchair vans its vehicle count *is* its
  passenger count, and with one passenger its km is the road distance to one home.
  So a site whose passengers are hidden publishes no vehicle figure (vehicles, by type,
  km, hours, CO2e, cost), no ride time and no route; a site whose wheelchair passengers
  are hidden publishes no vehicles by type.
* **No total gives a hidden site back.** A locality's and the whole plan's vehicle, km,
  ride and cost figures are recomputed over the sites they *cover*: every site whose
  passengers are published, and the hidden sites of a locality only when together they
  certainly hold at least the threshold of people (the sum of their bands' lower
  bounds). The whole plan covers exactly the sites its localities cover, so no total
  minus its parts is a hidden site; each block says how many of its sites it leaves out
  (``sites_left_out``).
* **Coarsened.** For client records every other figure is rounded (:data:`TRANSPORT_STEPS`),
  so that one more or one fewer passenger on a published site's rounds (two runs
  differenced) moves a figure by a step at most, never to a distance that could be
  walked back to a postcode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hubplan.outputs.disclosure import band, public_count, publish_count

if TYPE_CHECKING:  # routing (OR-Tools) is loaded only when a run routes
    from hubplan.transport import TransportPlan

__all__ = [
    "TAXI_KEYS",
    "TRANSPORT_COUNT_KEYS",
    "TRANSPORT_DERIVED_KEYS",
    "TRANSPORT_STEPS",
    "VEHICLE_KEYS",
    "covered_sites",
    "protect_transport",
    "suppress_transport",
]

TRANSPORT_COUNT_KEYS = ("passengers", "wheelchair_passengers", "exception_passengers")
"""Keys of a transport block (``metrics["transport"]``'s overall, locality or site) that count people."""

TRANSPORT_DERIVED_KEYS = (
    "ride_mean_minutes", "ride_p90_minutes", "ride_max_minutes", "direct_mean_minutes", "ride_over_direct",
    "extra_ride_mean_minutes", "tradeoff",
)
"""Figures of a transport block computed from its passengers' trips: suppressed when its passengers are."""

VEHICLE_KEYS = (
    "vehicles", "vehicles_by_type", "vehicle_km_day", "vehicle_hours_day", "vehicle_km_year", "vehicle_hours_year",
    "co2e_kg_day", "co2e_tonnes_year", "cost_gbp_day", "cost_gbp_year", "taxi_km_day", "taxi_cost_gbp_day",
    "generalised_cost_gbp_day",
)
"""Figures of a transport block that describe its vehicles and rounds: derived from its passengers."""

TAXI_KEYS = ("taxi_km_day", "taxi_cost_gbp_day")
"""A block's taxi figures: its exceptions' trips (fare per trip plus per km), withheld when their count is."""

TRANSPORT_STEPS = {
    "vehicle_km_day": 5.0, "vehicle_km_year": 1000.0, "vehicle_hours_day": 0.5, "vehicle_hours_year": 100.0,
    "co2e_kg_day": 5.0, "co2e_tonnes_year": 0.5, "ride_mean_minutes": 1.0, "ride_p90_minutes": 1.0,
    "ride_max_minutes": 1.0, "direct_mean_minutes": 1.0, "extra_ride_mean_minutes": 1.0, "ride_over_direct": 0.05,
}
"""Client records: each figure published to a multiple of this step. km to 5 km as the routes layer
(:data:`hubplan.outputs.routes.CLIENT_KM_STEP`); a year's figures to about a day's step times the
service days; minutes to the minute. Assumption: steps a reader of the plan does not miss, coarse
enough that one passenger's detour (a few km) mostly vanishes within a step."""


def _step(value: Any, step: float) -> Any:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        return value
    return round(round(value / step) * step, 6)


def covered_sites(bands: Mapping[str, Any], site_locality: Mapping[str, str], threshold: int) -> set[str]:
    """The sites whose rounds the groups' figures may include (see the module docstring).

    ``bands`` maps each site to the :class:`~hubplan.outputs.disclosure.Band` of its passengers.

    Examples
    --------
    >>> from hubplan.outputs.disclosure import band
    >>> bands = {s: band(n, 5) for s, n in {"a": 12, "b": 2, "c": 3, "d": 4}.items()}
    >>> sorted(covered_sites(bands, {"a": "X", "b": "X", "c": "Y", "d": "Y"}, 5))  # Y's hidden: 3 + 3 >= 5
    ['a', 'c', 'd']
    """
    covered = {site for site, b in bands.items() if publish_count(b.estimate, b.lower, threshold) is not None}
    pools: dict[str, list[str]] = {}
    for site in set(bands) - covered:
        pools.setdefault(site_locality.get(site, ""), []).append(site)
    for members in pools.values():
        if sum(bands[site].lower for site in members) >= threshold:
            covered.update(members)
    return covered


def protect_transport(plan: TransportPlan, transport: Mapping[str, Any],
                      threshold: int) -> tuple[dict[str, Any], TransportPlan]:
    """The published ``metrics["transport"]`` and the plan the public writers may draw (rule step 5).

    Parameters
    ----------
    plan
        The routed plan, unprotected.
    transport
        ``plan.metrics()`` (``metrics["transport"]`` of the unprotected record).
    threshold
        ``RunRecord.suppress_below``.

    Returns
    -------
    tuple of (dict, TransportPlan)
        The figures as published (groups recomputed over :func:`covered_sites`, counts by
        :func:`suppress_transport`, figures coarsened by :data:`TRANSPORT_STEPS`), and the
        plan with the rounds of sites whose passengers are hidden removed and every
        passenger's postcode and position blanked.
    """
    from hubplan.transport.figures import figures_of

    sites: Mapping[str, Mapping[str, Any]] = transport.get("sites") or {}
    bands = {site: band(block.get("passengers") or 0, threshold) for site, block in sites.items()}
    covered = covered_sites(bands, plan.site_locality, threshold)
    visible = {site for site, b in bands.items() if publish_count(b.estimate, b.lower, threshold) is not None}

    def over(members: set[str], block: Mapping[str, Any]) -> dict[str, Any]:
        chosen = members & covered
        figures = figures_of([s for s in plan.sessions if s.site_id in chosen],
                             [p for p in plan.passengers if p.site_id in chosen], plan.config, plan.days_per_year)
        recomputed = {key: value for key, value in figures.as_dict().items() if key not in TRANSPORT_COUNT_KEYS}
        return {**block, **recomputed, "sites_left_out": len(members - chosen)}

    regrouped = {
        **transport,
        "overall": over(set(sites), transport.get("overall") or {}),
        "localities": {name: over({s for s in sites if plan.site_locality.get(s) == name}, block)
                       for name, block in (transport.get("localities") or {}).items()},
    }
    published = suppress_transport(regrouped, plan.site_locality, threshold)
    no_road = transport.get("no_road")
    if isinstance(no_road, Mapping):  # a count of people; which island, and who, stay operational
        count = public_count(float(no_road.get("passengers") or 0), threshold)
        published["no_road"] = {"passengers": count, "suppressed": ["passengers"] if count is None else []}
    for block in (published["overall"], *published["localities"].values(), *published["sites"].values()):
        for key, step in TRANSPORT_STEPS.items():
            if key in block:
                block[key] = _step(block[key], step)
    public_plan = replace(_without_postcodes(plan), sessions=tuple(s for s in plan.sessions if s.site_id in visible))
    return published, public_plan


def suppress_transport(
    transport: Mapping[str, Any], site_locality: Mapping[str, str], threshold: int | None
) -> dict[str, Any]:
    """Return a copy of ``metrics["transport"]`` with its counts of people published (rule step 5).

    Each site's passengers and wheelchair passengers are cells (:func:`band`); a
    locality's and the whole plan's counts are the sums of their sites' bands, so that no
    total minus its visible sites gives a hidden site back. Every block gains a
    ``suppressed`` list; a block whose passengers are hidden loses its ride-time figures
    (:data:`TRANSPORT_DERIVED_KEYS`), and a site whose passengers are hidden loses its
    vehicle figures too (:data:`VEHICLE_KEYS`); a site whose wheelchair passengers are
    hidden loses ``vehicles_by_type``. Other vehicle figures are copied (:func:`protect_transport`
    recomputes the groups' over the sites they may include, first).

    Parameters
    ----------
    transport
        ``{"status", "overall", "localities": {name: {...}}, "sites": {site_id: {...}}}``
        (:meth:`hubplan.transport.TransportPlan.metrics`).
    site_locality
        Site ID -> locality, for every site in ``transport["sites"]``.
    threshold
        ``RunRecord.suppress_below``; ``None`` returns the figures unchanged.

    Returns
    -------
    dict

    Examples
    --------
    >>> site = {"passengers": 3, "wheelchair_passengers": 0, "vehicles": 1, "ride_mean_minutes": 20.0}
    >>> big = {"passengers": 12, "wheelchair_passengers": 2, "vehicles": 2, "ride_mean_minutes": 30.0}
    >>> out = suppress_transport({"overall": {}, "localities": {"A": {}},
    ...                           "sites": {"s1": site, "s2": big}}, {"s1": "A", "s2": "A"}, 5)
    >>> out["sites"]["s1"]["passengers"], out["sites"]["s1"]["ride_mean_minutes"], out["sites"]["s1"]["vehicles"]
    (None, None, None)
    >>> out["sites"]["s2"]["passengers"], out["sites"]["s2"]["wheelchair_passengers"], out["sites"]["s2"]["suppressed"]
    (10.0, None, ['wheelchair_passengers'])
    >>> out["localities"]["A"]["passengers"]  # 3.5 (the band 3-4) + 12, rounded
    15.0
    """
    if threshold is None:
        return dict(transport)
    sites: Mapping[str, Mapping[str, Any]] = transport.get("sites") or {}
    bands = {site: {key: band(block.get(key) or 0, threshold) for key in TRANSPORT_COUNT_KEYS}
             for site, block in sites.items()}

    def published(block: Mapping[str, Any], members: Iterable[str], single: bool = False) -> dict[str, Any]:
        chosen = [bands[site] for site in members if site in bands]
        out: dict[str, Any] = dict(block)
        hidden: list[str] = []
        for key in TRANSPORT_COUNT_KEYS:
            value = publish_count(sum(b[key].estimate for b in chosen), sum(b[key].lower for b in chosen), threshold)
            if value is None:
                hidden.append(key)
            out[key] = value
        if "passengers" in hidden:
            out.update(dict.fromkeys(key for key in TRANSPORT_DERIVED_KEYS if key in out))
            if single:  # a site's rounds are its passengers' trips: withheld with them (step 5)
                out.update(dict.fromkeys(key for key in VEHICLE_KEYS if key in out))
        if "exception_passengers" in hidden:  # fares and km count the taxi trips of the hidden few
            out.update(dict.fromkeys(key for key in TAXI_KEYS if key in out))
        if hidden and single and "vehicles_by_type" in out:  # wheelchair vans by type count wheelchair users
            out["vehicles_by_type"] = None
        out["suppressed"] = hidden
        return out

    localities: Mapping[str, Mapping[str, Any]] = transport.get("localities") or {}
    return {
        **transport,
        "overall": published(transport.get("overall") or {}, sites),
        "localities": {name: published(block, [s for s in sites if site_locality.get(s) == name])
                       for name, block in localities.items()},
        "sites": {site: published(block, [site], single=True) for site, block in sites.items()},
    }


def _without_postcodes(plan: TransportPlan) -> TransportPlan:
    """The plan with every passenger's postcode blanked and position unknown (public writers show home areas)."""
    nan = float("nan")
    return replace(plan, passengers=tuple(replace(p, postcode="", lon=nan, lat=nan) for p in plan.passengers))
