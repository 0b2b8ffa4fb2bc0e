"""The transport plan in a run's outputs: metrics.json, the operational rounds file, no postcodes in public, compare.

A client-file run (real Dorset postcodes, a wheelchair column) with routed rounds
(``routed_client_run`` in conftest) must write its rounds with the home postcodes only
into ``<out>/<name>.operational/``, and none of those postcodes into any public file.
The council's proposal and the best plan under its rules, routed, must show their
transport figures side by side in ``hubplan compare``.
"""

from __future__ import annotations

import json
import math
import stat
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hubplan.api import run_scenario, write_outputs
from hubplan.cli import main
from hubplan.errors import InputError
from hubplan.outputs import compare
from hubplan.outputs.compare import NOT_ROUTED
from hubplan.outputs.operational import EXCEPTIONS_COLUMNS, NOT_FOR_PUBLICATION, OPERATIONAL_FILES, ROUNDS_COLUMNS
from hubplan.outputs.privacy import TRANSPORT_DERIVED_KEYS, protect
from hubplan.tables import TRANSPORT_COLUMNS


def _strict_json(path: Path) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{path.name} holds {constant}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _postcode_forms(postcode: str) -> list[bytes]:
    """A postcode as text might hold it: as given, without its space, in lower case."""
    forms = {postcode, postcode.replace(" ", ""), postcode.lower(), postcode.replace(" ", "").lower()}
    return [form.encode("utf-8") for form in forms]


def test_operational_rounds_are_written_beside_the_run_folder(routed_client_run) -> None:
    run = routed_client_run
    assert run.operational.parent == run.folder.parent and run.operational.is_dir()
    assert sorted(p.name for p in run.operational.iterdir()) == sorted([*OPERATIONAL_FILES, ".hubplan-output"])
    assert stat.S_IMODE(run.operational.stat().st_mode) == 0o700
    readme = (run.operational / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith(NOT_FOR_PUBLICATION)
    rounds = pd.read_csv(run.operational / "rounds.csv", dtype={"home_postcode": str})
    assert tuple(rounds.columns) == ROUNDS_COLUMNS
    # every passenger of the day is picked up and set down once per session, at home and at the site
    for (_, session), stops in rounds.groupby(["site_id", "session"]):
        per_person = stops.groupby("passenger")["action"].agg(sorted)
        assert all(actions == ["drop-off", "pickup"] for actions in per_person), session
        first = stops.sort_values(["vehicle", "order"]).groupby("vehicle").first()
        assert set(first["action"]) == {"pickup"}
        home = stops[stops["stop_at"] == "home"]
        assert set(home["action"]) == {"pickup" if session == "morning" else "drop-off"}
    assert set(rounds["time"].str.match(r"^\d\d:\d\d$")) == {True}
    # the postcodes are the client file's own, and the wheelchair flag is the file's
    clients = run.clients.set_index("postcode")
    assert set(rounds["home_postcode"]) <= set(clients.index)
    assert rounds["home_postcode"].nunique() >= 10
    wheelchair = rounds.drop_duplicates("passenger").set_index("passenger")
    for passenger in wheelchair.itertuples():
        row = clients.loc[passenger.home_postcode]
        if row["wheelchair"] == 0:
            assert passenger.wheelchair == "no"
    assert {"yes", "no"} == set(rounds["wheelchair"])
    assert f"{NOT_FOR_PUBLICATION}): {run.operational / 'rounds.csv'}" in run.console


def test_exceptions_are_listed_with_their_reasons_in_the_operational_folder_only(routed_client_run) -> None:
    run = routed_client_run
    taxis = pd.read_csv(run.operational / "exceptions.csv", dtype={"home_postcode": str})
    assert tuple(taxis.columns) == EXCEPTIONS_COLUMNS
    assert len(taxis) >= 2 and set(taxis["session"]) == {"morning", "afternoon"}
    assert set(taxis["home_postcode"]) <= set(run.clients["postcode"])
    assert all("(transport." in reason for reason in taxis["reason"])
    ceiling = taxis[taxis["reason"].str.contains("max_ride_minutes")]
    assert (ceiling.groupby("passenger")["direct_minutes"].max() > 20 - 0.1).all()  # one way or the other
    rounds = pd.read_csv(run.operational / "rounds.csv", dtype={"home_postcode": str})
    by_taxi = set(zip(taxis["passenger"], taxis["session"], strict=True))
    assert not by_taxi & set(zip(rounds["passenger"], rounds["session"], strict=True))  # never both
    overall = _strict_json(run.folder / "metrics.json")["transport"]["overall"]
    people = overall["exception_passengers"]
    assert people is None or people == 0 or (people >= 5 and people % 5 == 0)  # a count under the disclosure rule
    assert "exception_passengers" in overall["suppressed"] or people is not None


def test_no_public_output_holds_a_client_postcode(routed_client_run) -> None:
    run = routed_client_run
    rounds = pd.read_csv(run.operational / "rounds.csv", dtype={"home_postcode": str})
    taxis = pd.read_csv(run.operational / "exceptions.csv", dtype={"home_postcode": str})
    postcodes = sorted(set(rounds["home_postcode"]) | set(taxis["home_postcode"]))
    files = [p for p in run.folder.rglob("*") if p.is_file()]
    assert {"metrics.json", "manifest.json", "layers.gpkg", "map.html", "report.html"} <= {p.name for p in files}
    for path in files:
        data = path.read_bytes()
        for postcode in postcodes:
            assert not any(form in data for form in _postcode_forms(postcode)), (path.name, postcode)
    console = run.console.encode("utf-8")
    assert not any(form in console for pc in postcodes for form in _postcode_forms(pc))


def test_metrics_json_carries_the_published_transport_block(routed_client_run) -> None:
    metrics = _strict_json(routed_client_run.folder / "metrics.json")
    transport = metrics["transport"]
    assert "not proven optimal" in transport["status"]
    blocks = [transport["overall"], *transport["localities"].values(), *transport["sites"].values()]
    hidden = 0
    for block in blocks:
        for key in ("passengers", "wheelchair_passengers"):
            value = block[key]
            assert value is None or value == 0 or (value >= 5 and value % 5 == 0), (key, value)
        if block["passengers"] is None:
            hidden += 1
            assert "passengers" in block["suppressed"]
            assert all(block.get(key) is None for key in TRANSPORT_DERIVED_KEYS)  # "tradeoff": overall, if asked
            # its rounds are its passengers' trips (issue 20): no vehicle figure at a site, none counted in a group
            assert block["vehicles"] is None or (block["vehicles"] == 0 and block["sites_left_out"] >= 1)
        else:
            assert block["ride_mean_minutes"] > 0
    assert hidden >= 2 and transport["overall"]["passengers"] > 0
    # the console table shows what metrics.json shows
    assert "<5" in routed_client_run.console.split("transport plan:")[1]


def test_a_folder_hubplan_did_not_write_is_not_replaced(routed_client_run, study_path: Path,
                                                        tmp_path: Path) -> None:
    scenario = next(routed_client_run.out_root.parent.glob("*.toml"))
    out = tmp_path / "out"
    (out / "clients-routed.operational").mkdir(parents=True)
    (out / "clients-routed.operational" / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-progress", "run", str(scenario), "--study", str(study_path),
                                       "--out", str(out)])
    assert result.exit_code == 2 and "hubplan did not write it" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["clients-routed.operational"]  # nothing else written
    assert (out / "clients-routed.operational" / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.fixture(scope="module")
def council_runs(shipped, study_path: Path, routed_copy, tmp_path_factory: pytest.TempPathFactory):
    """The council's proposal and the best plan under its rules, routed (shared), and the proposal not routed."""
    root = tmp_path_factory.mktemp("council")
    names = ("council-proposal-2026", "council-proposal-2026-best")
    records = {name: shipped.record(name, "routed") for name in names}
    unrouted = run_scenario(routed_copy("council-proposal-2026.toml", "proposal-unrouted", root / "in"),
                            study_path=study_path, transport=False)
    folders = [shipped.folder(name, "routed") for name in names] + [write_outputs(unrouted, root / "out")[0]]
    return records, folders, root


def test_compare_puts_transport_side_by_side(council_runs, tmp_path: Path) -> None:
    records, folders, _root = council_runs
    base, best = "council-proposal-2026", "council-proposal-2026-best"
    for out in {folder.parent for folder in folders}:  # modelled demand: a synthetic cohort, no rounds file
        assert not list(out.glob("*.operational"))
    table = compare(folders, out_dir=tmp_path / "cmp")
    diff = f"{best} - {base}"
    differing = 0
    for key in ("vehicles", "vehicle_km_day", "vehicle_hours_day", "ride_mean_minutes", "ride_p90_minutes",
                "ride_max_minutes", "ride_over_direct", "co2e_tonnes_year", "cost_gbp_year"):
        measure = f"transport/{key}"
        for name in (base, best):
            expected = records[name].metrics["transport"]["overall"][key]
            assert table.value("Overall", measure, name) == pytest.approx(expected)
            for locality, block in records[name].metrics["transport"]["localities"].items():
                assert table.value(locality, measure, name) == pytest.approx(block[key])
        assert table.value("Overall", measure, diff) == pytest.approx(
            table.value("Overall", measure, best) - table.value("Overall", measure, base))
        differing += not math.isclose(table.value("Overall", measure, diff), 0.0, abs_tol=1e-9)
        assert math.isnan(table.value("Overall", measure, "proposal-unrouted"))
    assert differing >= 5  # different sites open: different rounds
    markdown = table.to_markdown()
    vehicles = [line for line in markdown.splitlines() if line.startswith("| Overall | Transport: vehicles |")]
    base_vehicles = records[base].metrics["transport"]["overall"]["vehicles"]
    best_vehicles = records[best].metrics["transport"]["overall"]["vehicles"]
    assert vehicles == [f"| Overall | Transport: vehicles | {base_vehicles} | {best_vehicles} | {NOT_ROUTED} | "
                        f"{best_vehicles - base_vehicles:+d} | n/a |".replace("+0", "0")]
    for name in (base, best):
        assert f"({name}): " in markdown and records[name].transport.status in markdown
    unrouted = [line for line in markdown.splitlines() if line.startswith("- ") and "(proposal-unrouted): " in line]
    assert len(unrouted) == 1 and unrouted[0].endswith(f"; transport: {NOT_ROUTED}"), unrouted
    csv = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    row = csv[(csv["area"] == "Overall") & (csv["measure"] == "transport/cost_gbp_year")].iloc[0]
    assert row[best] == pytest.approx(records[best].metrics["transport"]["overall"]["cost_gbp_year"])
    assert pd.isna(row["proposal-unrouted"])
    page = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    assert "Transport: ride time / direct drive" in page and f"<td>{NOT_ROUTED}</td>" in page
    console = CliRunner().invoke(main, ["compare", *map(str, folders), "--out", str(tmp_path / "cmp2")])
    assert console.exit_code == 0 and "| Overall | Transport: CO2e per year (t) |" in console.output


def test_protect_blanks_postcodes_and_publishes_transport_counts(council_runs) -> None:
    """A routed record treated as client records: postcodes and positions gone, counts under the rule."""
    record = council_runs[0]["council-proposal-2026"]
    assert all(p.postcode for p in record.transport.passengers)
    protected = protect(replace(record, suppress_below=5))
    assert all(p.postcode == "" and math.isnan(p.lon) and math.isnan(p.lat) for p in protected.transport.passengers)
    assert [p.area_id for p in protected.transport.passengers] == [p.area_id for p in record.transport.passengers]
    raw = record.metrics["transport"]["sites"]
    for site, block in protected.metrics["transport"]["sites"].items():
        if raw[site]["passengers"] < 5:  # vehicles and rounds follow the passengers (issue 20)
            assert block["passengers"] is None and block["ride_max_minutes"] is None
            assert block["vehicles"] is None and block["cost_gbp_year"] is None
        else:  # figures coarsened (minutes to the minute)
            assert block["passengers"] % 5 == 0 and block["ride_max_minutes"] == round(raw[site]["ride_max_minutes"])
            assert block["vehicles"] == raw[site]["vehicles"] and block["cost_gbp_year"] == raw[site]["cost_gbp_year"]
    assert {key for key, _ in TRANSPORT_COLUMNS} <= set(protected.metrics["transport"]["overall"])


def test_a_run_named_like_an_operational_folder_is_refused(make_record, tmp_path: Path) -> None:
    """``x.operational`` would share its path with run x's operational folder: refused before anything is written."""
    record = make_record(name="clients.operational")
    with pytest.raises(InputError, match=r"name: 'clients.operational' ends in '.operational'"):
        write_outputs(record, tmp_path)[0]
    assert list(tmp_path.iterdir()) == []
