"""The workshop board: the scenario's candidate buildings, the roles each may take, and plans over them.

A *plan* here is which buildings are open and in which tiers (``{site ID: tiers}``,
every other candidate building closed). A building's *role* is written as in the
JSON API: ``"closed"``, a tier's name for hub and spoke tiers (``"hub"``,
``"spoke"``), ``"specialist:<tier>"`` for a specialist tier, and several joined by
``"+"`` when a building hosts more than one tier (``"hub+specialist:specialist_dementia"``,
allowed up to the scenario's ``constraints.tiers_per_site``).

Nothing here solves or scores: :mod:`hubplan.serve.workshop` sends plans to
:class:`hubplan.api.Study`. This module checks what a workshop asks for (unknown
buildings and roles are :class:`BoardError`, a 4xx for the server) and says in
plain words why a plan cannot be carried before the model is asked (a locality
left without a hub, a service hosted nowhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from hubplan.api import SiteHint, Study
from hubplan.record.layers import tier_label
from hubplan.scenario.kinds import TierKind, tier_kind

__all__ = ["Board", "BoardError", "Building", "Plan", "Role", "TierInfo"]

CLOSED = "closed"
"""The role of a building that hosts no tier."""

SPECIALIST_PREFIX = "specialist:"
"""Specialist tiers are written ``specialist:<tier>`` in roles (the issue's API contract)."""

EXISTING_KINDS = ("day_centre",)
"""Site kinds that are today's day-service buildings (kept when open, closed when not)."""


class BoardError(ValueError):
    """A request names a building or role the scenario does not have (the server answers 4xx)."""


@dataclass(frozen=True)
class TierInfo:
    """One tier of the scenario as the board shows it.

    Parameters
    ----------
    name
        The scenario's tier name.
    kind
        ``hub``, ``spoke`` or ``specialist``.
    label
        Its name in words (``"Specialist: Older people living with dementia"``).
    token
        How roles write it (``"hub"``, ``"specialist:specialist_ld"``).
    by_locality
        Whether each locality needs its own open site of this tier (reach ``locality``).
    """

    name: str
    kind: str
    label: str
    token: str
    by_locality: bool


@dataclass(frozen=True)
class Role:
    """A role a building may take: the tiers it hosts (none: closed)."""

    token: str
    tiers: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Building:
    """A candidate building of the scenario (an active site)."""

    site_id: str
    name: str
    locality: str
    kind: str
    lat: float
    lon: float
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class Plan:
    """Which buildings are open and in which tiers; hashable, in a stable order.

    Parameters
    ----------
    open_tiers
        ``((site ID, tiers), ...)`` of every open building, sorted by site ID.
    """

    open_tiers: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, open_tiers: Mapping[str, Iterable[str]]) -> Plan:
        """A plan from ``{site ID: tiers}`` (sites with no tier are left out)."""
        return cls(tuple(sorted((site, tuple(tiers)) for site, tiers in open_tiers.items() if tuple(tiers))))

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        """``{site ID: tiers}`` of the open buildings."""
        return dict(self.open_tiers)

    def tiers_of(self, site_id: str) -> tuple[str, ...]:
        """The tiers ``site_id`` hosts (empty: closed)."""
        return self.as_dict().get(site_id, ())

    def with_role(self, site_id: str, tiers: tuple[str, ...]) -> Plan:
        """The plan with one building's tiers changed (empty: closed)."""
        changed = self.as_dict()
        changed[site_id] = tiers
        return Plan.of(changed)

    def hint(self) -> SiteHint:
        """The plan as :meth:`hubplan.api.Study.allocate` takes it: ``{tier: [site IDs]}``.

        Examples
        --------
        >>> Plan.of({"B": ("hub",), "A": ("hub", "specialist_ld"), "C": ()}).hint()
        {'hub': ['A', 'B'], 'specialist_ld': ['A']}
        """
        by_tier: dict[str, list[str]] = {}
        for site, tiers in self.open_tiers:
            for tier in tiers:
                by_tier.setdefault(tier, []).append(site)
        return by_tier


class Board:
    """The buildings and roles of one scenario (built once per server from its warm :class:`Study`)."""

    def __init__(self, study: Study) -> None:
        scenario = study.scenario
        labels = {s.name: s.label for s in scenario.demand.segment_list()}
        within = scenario.constraints.within_locality
        self.tiers: tuple[TierInfo, ...] = tuple(
            _tier_info(name, tier_kind(cfg).value, tuple(labels.get(s, "") for s in cfg.segments or ()),
                       (cfg.reach or ("locality" if within else "county")) == "locality" and cfg.mode == "assign")
            for name, cfg in scenario.tiers.items())
        self.tiers_per_site = scenario.constraints.tiers_per_site
        sites = study.prepared.sites[study.prepared.active]
        self.buildings: dict[str, Building] = {}
        for row in sites.itertuples():
            allowed = tuple(t for t in self.tiers if bool(getattr(row, f"tier_{t.name}")))
            self.buildings[str(row.site_id)] = Building(
                str(row.site_id), str(row.name), str(row.locality), str(row.kind), float(row.lat), float(row.lon),
                self._roles(allowed))
        self._by_token = {t.token: t for t in self.tiers}

    def _roles(self, allowed: tuple[TierInfo, ...]) -> tuple[Role, ...]:
        roles = [Role(CLOSED, (), "Closed")]
        for size in range(1, min(self.tiers_per_site, len(allowed)) + 1):
            for combo in combinations(allowed, size):
                roles.append(Role("+".join(t.token for t in combo), tuple(t.name for t in combo),
                                  " and ".join(t.label for t in combo)))
        return tuple(roles)

    def building(self, site_id: str) -> Building:
        """The building ``site_id``, or :class:`BoardError` naming the fix."""
        found = self.buildings.get(site_id)
        if found is None:
            raise BoardError(f"unknown building {site_id[:80]!r}: use a building ID shown on the map")
        return found

    def parse(self, site_id: str, token: str) -> tuple[str, ...]:
        """The tiers a role names for a building, checked: the building may take each of them."""
        building = self.building(site_id)
        for role in building.roles:
            if role.token == token:
                return role.tiers
        wanted = [self._by_token.get(part) for part in token.split("+")]
        if token != CLOSED and all(wanted) and len(wanted) > self.tiers_per_site:
            raise BoardError(f"{building.name} may host at most {self.tiers_per_site} services at once")
        options = ", ".join(r.token for r in building.roles)
        raise BoardError(f"{building.name} cannot take the role {token[:80]!r}: use one of {options}")

    def token(self, tiers: tuple[str, ...]) -> str:
        """The role word of a building hosting ``tiers``."""
        if not tiers:
            return CLOSED
        by_name = {t.name: t for t in self.tiers}
        return "+".join(by_name[t].token for t in tiers)

    def next_role(self, site_id: str, current: tuple[str, ...]) -> tuple[str, ...]:
        """The role after ``current`` in the building's cycle (closed, each tier, combinations, closed...)."""
        roles = self.building(site_id).roles
        index = next((i for i, r in enumerate(roles) if set(r.tiers) == set(current)), -1)
        return roles[(index + 1) % len(roles)].tiers

    def tier(self, name: str) -> TierInfo:
        """The tier ``name``."""
        return next(t for t in self.tiers if t.name == name)

    def plain_reason(self, plan: Plan) -> str | None:
        """Why the model cannot carry ``plan``, in plain words, when it can be told without solving.

        Returns
        -------
        str or None
            ``None`` when no such reason is seen (the model may still find one).
        """
        hosted = plan.hint()
        for tier in self.tiers:
            if tier.kind == TierKind.SPOKE.value:
                continue
            if not hosted.get(tier.name):
                return f"No building hosts \u201c{tier.label}\u201d: give one building that role."
            if tier.by_locality:
                served = {self.buildings[s].locality for s in hosted[tier.name] if s in self.buildings}
                could = {b.locality for b in self.buildings.values() if any(tier.name in r.tiers for r in b.roles)}
                for locality in sorted(could - served):
                    return (f"{locality} has no {tier.label.lower()}: people there would have nowhere to go. "
                            f"Open one of its buildings as a {tier.label.lower()}.")
        return None


def _tier_info(name: str, kind: str, served: tuple[str, ...], by_locality: bool) -> TierInfo:
    token = f"{SPECIALIST_PREFIX}{name}" if kind == TierKind.SPECIALIST.value else name
    return TierInfo(name, kind, tier_label(name, served), token, by_locality)
