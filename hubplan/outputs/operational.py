"""The operational rounds of a client-file run: who is picked up where and when. NOT a public output.

A run whose demand is a client file (real people) and that routes its transport gets,
beside its public run folder ``<out>/<name>/``, a separate folder
``<out>/<name>.operational/`` holding

``rounds.csv``
    One row per stop of every round: site, session, vehicle, the stop's order and time
    (``HH:MM``), pickup or drop-off, at home or at the site, the passenger's running
    number, home postcode, home area, demand segment and whether they need a wheelchair
    space.
``exceptions.csv``
    One row per trip by single-occupancy accessible taxi (a passenger no shared round
    carries within the limits): site, session, passenger, home postcode, home area,
    wheelchair, the direct drive's minutes and km, the fare and the reason.
``README.txt``
    What the folder is, headed ``NOT FOR PUBLICATION: contains home postcodes``.

It is written from the record *before* :func:`hubplan.outputs.privacy.protect` (which
blanks the postcodes), atomically and only over a folder hubplan wrote (the marker file
:data:`hubplan.files.marker.MARKER`, kind ``operational``), with the folder and its files
readable by their owner only, whatever the umask, and never through a symbolic link in
``--out``. Runs on
a modelled estimate (``estimate``, ``synthetic``) get none: their passengers are a
synthetic cohort, not people to collect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hubplan.errors import input_error
from hubplan.files.atomic import atomic_directory, check_replaceable
from hubplan.outputs.escape import csv_text
from hubplan.record.run import RunRecord
from hubplan.scenario import clock

if TYPE_CHECKING:  # routing is loaded only for a run with transport
    from hubplan.transport import TransportPlan

__all__ = [
    "EXCEPTIONS_COLUMNS",
    "NOT_FOR_PUBLICATION",
    "OPERATIONAL_FILES",
    "OPERATIONAL_KIND",
    "OPERATIONAL_SUFFIX",
    "ROUNDS_COLUMNS",
    "check_operational_folder",
    "exceptions_csv",
    "has_operational",
    "operational_folder",
    "rounds_csv",
    "write_operational",
]

OPERATIONAL_SUFFIX = ".operational"
"""Added to the run's name for the folder beside the run folder."""

OPERATIONAL_FILES = ("rounds.csv", "exceptions.csv", "README.txt")
"""Every file :func:`write_operational` writes (besides the marker file)."""

NOT_FOR_PUBLICATION = "NOT FOR PUBLICATION: contains home postcodes"
"""The warning heading the README and printed on the console."""

ROUNDS_COLUMNS = (
    "site_id", "site_name", "session", "vehicle", "vehicle_type", "round_departs", "round_returns", "order",
    "time", "action", "stop_at", "passenger", "home_postcode", "area_id", "segment", "wheelchair",
)
"""The columns of ``rounds.csv``."""

OPERATIONAL_KIND = "operational"
"""The kind recorded in the operational folder's marker: only operational rounds replace it."""

EXCEPTIONS_COLUMNS = (
    "site_id", "site_name", "session", "passenger", "home_postcode", "area_id", "wheelchair", "direct_minutes",
    "direct_km", "taxi_fare_gbp", "reason",
)
"""The columns of ``exceptions.csv``."""


def has_operational(record: RunRecord) -> bool:
    """Whether the run gets an operational folder.

    It does for client records (``suppress_below`` set) with routed transport whose
    passengers still carry their postcodes (the record before
    :func:`~hubplan.outputs.privacy.protect`).
    """
    plan = record.transport
    return (record.suppress_below is not None and plan is not None
            and all(passenger.postcode for passenger in plan.passengers))


def operational_folder(out_root: Path, name: str) -> Path:
    """``<out_root>/<name>.operational``: beside the run folder, never inside it."""
    return Path(out_root) / f"{name}{OPERATIONAL_SUFFIX}"


def _symlink_in(path: Path) -> Path | None:
    """The first symbolic link among ``path`` (made absolute) and its ancestors, or ``None``."""
    absolute = Path(path).absolute()
    for candidate in (*reversed(absolute.parents), absolute):
        if candidate.is_symlink():
            return candidate
    return None


def check_operational_folder(out_root: Path, name: str, *, option: str = "--out") -> None:
    """Fail (``InputError``) unless the operational folder may be written (checked before a solve, and at the write).

    It must be absent or operational rounds hubplan wrote, and ``out_root`` must not
    resolve through a symbolic link: home postcodes go only into the folder named, never
    through a link into another (a published web folder, say).
    """
    link = _symlink_in(Path(out_root))
    if link is not None:
        raise input_error(out_root, option, f"resolves through the symbolic link {link} (to {link.readlink()}); "
                          "the operational rounds hold home postcodes and are written only into a folder named "
                          "directly", f"give the real folder with {option}, not a link to it")
    check_replaceable(operational_folder(out_root, name), kind=OPERATIONAL_KIND, option=option,
                      legacy_files=OPERATIONAL_FILES)


def _routed(record: RunRecord, what: str) -> TransportPlan:
    """The record's transport plan; ``ValueError`` naming ``what`` needed it when there is none."""
    if record.transport is None:
        raise ValueError(f"{what} needs a record with a transport plan")
    return record.transport


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV text: the header, then every row with each cell made safe (:func:`csv_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_text(value) for value in row] for row in rows)
    return buffer.getvalue()


def rounds_csv(record: RunRecord) -> str:
    """Every stop of every round as CSV (:data:`ROUNDS_COLUMNS`), ordered by site, session, vehicle, stop.

    Raises
    ------
    ValueError
        The record has no transport plan.
    """
    return _csv(ROUNDS_COLUMNS, _stop_rows(_routed(record, "rounds_csv")))


def _stop_rows(plan: TransportPlan) -> Iterator[tuple[object, ...]]:
    """One row per stop of every round, in :data:`ROUNDS_COLUMNS` order."""
    from hubplan.transport.instances import Session  # loaded only for a run with transport

    people = {passenger.number: passenger for passenger in plan.passengers}
    for session in sorted(plan.sessions, key=lambda s: (s.site_id, list(Session).index(s.session))):
        for one in sorted(session.rounds, key=lambda r: r.vehicle):
            for order, stop in enumerate(one.stops, start=1):
                person = people[stop.passenger]
                yield (
                    one.site_id, plan.site_names.get(one.site_id, one.site_id), one.session.value, one.vehicle,
                    one.vehicle_type, clock(one.departs), clock(one.returns), order, clock(stop.minute),
                    "pickup" if stop.boards else "drop-off", "site" if stop.at_site else "home", person.number,
                    person.postcode, person.area_id, person.segment, "yes" if person.wheelchair else "no",
                )


def exceptions_csv(record: RunRecord) -> str:
    """Every taxi trip (exception) as CSV (:data:`EXCEPTIONS_COLUMNS`), ordered by site, passenger, session.

    Raises
    ------
    ValueError
        The record has no transport plan.
    """
    plan = _routed(record, "exceptions_csv")
    people = {passenger.number: passenger for passenger in plan.passengers}
    return _csv(EXCEPTIONS_COLUMNS, (
        (trip.site_id, plan.site_names.get(trip.site_id, trip.site_id), trip.session.value, person.number,
         person.postcode, person.area_id, "yes" if person.wheelchair else "no", f"{trip.minutes:.1f}",
         f"{trip.km:.1f}", f"{trip.cost_gbp(plan.config):.2f}", trip.reason)
        for trip, person in ((trip, people[trip.passenger]) for trip in plan.taxi_trips)
    ))


def _readme(record: RunRecord, public_folder: Path) -> str:
    status = record.transport.status if record.transport is not None else ""
    return "\n".join((
        NOT_FOR_PUBLICATION,
        "",
        f"Operational minibus rounds of the run {record.name!r} ({record.title}), for the people who",
        "arrange transport. rounds.csv lists every pickup and drop-off with the passenger's home",
        "postcode: personal data from the client file. Keep it with the client file; do not publish,",
        "email or share it as you would the public run folder.",
        "",
        f"The public outputs are in {public_folder} and hold no postcodes.",
        f"Routes: {status}; a typical day's passengers, chosen by the scenario's [transport] shares",
        "and seed (not a timetable for named days).",
        "",
        *_no_road_lines(record),
        "exceptions.csv lists each trip by single-occupancy accessible taxi: a passenger no shared",
        "round can carry within the ride, window, round-length or fleet limits, with the reason.",
        "",
        "Columns: " + ", ".join(ROUNDS_COLUMNS) + ".",
        "time is the start of the stop (HH:MM); round_departs and round_returns are the vehicle's",
        "times leaving and reaching its depot; passenger is a running number within this run.",
        "",
    ))


def _no_road_lines(record: RunRecord) -> list[str]:
    """Which passengers live where no road reaches (``metrics["transport"]["no_road"]``), for the README."""
    no_road = (record.metrics.get("transport") or {}).get("no_road") or {}
    numbers = no_road.get("numbers") or []
    if not numbers:
        return []
    return [f"NO ROAD: passenger(s) {', '.join(str(n) for n in numbers)} live on land no road joins to the "
            "mainland (e.g. Brownsea Island, ferry only); their rounds assume a road: arrange them separately.", ""]


def write_operational(record: RunRecord, out_root: Path = Path("outputs")) -> Path | None:
    """Write the operational rounds of a client-file run beside its run folder; ``None`` when it has none.

    Parameters
    ----------
    record
        The run as the pipeline made it (before :func:`~hubplan.outputs.privacy.protect`).
    out_root
        The parent folder of the run folder (the command line's ``--out``).

    Returns
    -------
    pathlib.Path or None
        ``<out_root>/<name>.operational`` when :func:`has_operational`, else ``None``
        (nothing written).

    Raises
    ------
    InputError
        A folder hubplan did not write is at that path, or it cannot be written.
    """
    if not has_operational(record):
        return None
    check_operational_folder(out_root, record.name)
    target = operational_folder(out_root, record.name)
    # home postcodes: the folder and its files for the owner only (0700, 0600), whatever the umask
    with atomic_directory(target, kind=OPERATIONAL_KIND, legacy_files=OPERATIONAL_FILES, private=True) as tmp:
        (tmp / "rounds.csv").write_text(rounds_csv(record), encoding="utf-8")
        (tmp / "exceptions.csv").write_text(exceptions_csv(record), encoding="utf-8")
        (tmp / "README.txt").write_text(_readme(record, Path(out_root) / record.name), encoding="utf-8")
    return target
