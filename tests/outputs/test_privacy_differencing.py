"""Differencing attacks on every output written from a client file (issue 12, part 3).

A client file built from real Dorset postcodes puts exactly 3 attendees in one
locality (Purbeck, one home area), small counts of 1 to 4 in several home areas, and one
row with an unknown postcode (``rows_skipped`` = 1). The run, ``evaluate --json``, the
console tables and a comparison of two such runs are written, every published number is
parsed back (metrics.json, each GeoJSON layer, the GeoPackage, report.md, the map's
popups, comparison.csv, console output) and attacked: a total minus its visible parts
along every hierarchy (area -> locality -> overall, allocation -> area, allocation ->
site, hub allocation -> catchment), share x total, attendees x (1 - share within the
isolation limit), capacity x capacity used. No attack may give back a suppressed true
count. A second client file, differing only inside the hidden bands (3 -> 4 and
1 -> 2), must give exactly the same published numbers: then no attack of any kind can
tell the values apart.

The transport plan's people counts (passengers and wheelchair passengers of the typical
day, per site, locality and overall) are attacked the same way on a client-file run with
routed rounds (``routed_client_run``), its true counts read from the operational rounds
file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from hubplan.api import evaluate_scenario, run_scenario, write_outputs
from hubplan.cli import main
from hubplan.outputs import compare

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LAYERS = ("localities", "sites", "home_areas", "allocations", "catchments")
SMALL_LOCALITY = "Purbeck"
VOLATILE = re.compile(r"seconds|created_utc|stages|\d+\.\d+ s\b")
"""Manifest and report items that hold wall-clock times (they differ between any two runs)."""


@dataclass(frozen=True)
class Published:
    """Everything one client-file run publishes, parsed back."""

    folder: Path
    metrics: dict
    layers: dict[str, list[dict]]
    gpkg: dict[str, pd.DataFrame]
    report: str
    popups: list[str]
    console: str
    evaluate_json: dict
    evaluate_console: str


def _client_rows(study, small: tuple[int, int]) -> str:
    """One postcode per chosen home area: Purbeck gets ``small[0]`` people in one area."""
    areas = study.home_areas[["area_id", "locality"]]
    first_postcode = study.postcodes.groupby("area_id")["postcode"].first()
    lines = ["postcode,segment,attendees"]
    counts = {"East Dorset": [12, 7, 9], "North Dorset": [small[1], 14, 8, 6],
              "West Dorset": [3, 11, 16, 2, 5], "Weymouth and Portland": [10, 4, 13]}
    for locality, values in counts.items():
        ids = sorted(areas.loc[areas["locality"] == locality, "area_id"])[::7]
        lines += [f"{first_postcode[a]},older_people,{v}" for a, v in zip(ids, values, strict=False)]
    purbeck = sorted(areas.loc[areas["locality"] == SMALL_LOCALITY, "area_id"])[3]
    lines.append(f"{first_postcode[purbeck]},working_age_ld,{small[0]}")
    lines.append("ZZ99 9ZZ,older_people,2")  # not a Dorset postcode: skipped and reported
    return "\n".join(lines) + "\n"


def _scenario(folder: Path, base: str, name: str, study, small: tuple[int, int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clients.csv").write_text(_client_rows(study, small), encoding="utf-8")
    text = (SCENARIOS / base).read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', text)
    demand = '[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\non_unknown_postcode = "skip"\n'
    text = re.sub(r"(?ms)^\[demand\]\n.*?(?=^\[)", demand + "\n", text) if "[demand]" in text else f"{text}\n{demand}"
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _popups(page: str) -> list[str]:
    page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    return re.findall(r"<div class='hp-popup'>.*?</div>", page)


def _publish(tmp: Path, study, study_path: Path, small: tuple[int, int]) -> Published:
    scenario = _scenario(tmp / "in", "dorset-current.toml", "clients-today", study, small)
    runner = CliRunner()
    run = runner.invoke(main, ["--no-progress", "run", str(scenario), "--study", str(study_path),
                               "--out", str(tmp / "out")])
    assert run.exit_code == 0, run.output
    evaluated = runner.invoke(main, ["--no-progress", "evaluate", str(scenario), "--study", str(study_path),
                                     "--json", str(tmp / "evaluate.json")])
    assert evaluated.exit_code == 0, evaluated.output
    folder = tmp / "out" / "clients-today"
    return Published(
        folder=folder,
        metrics=json.loads((folder / "metrics.json").read_text()),
        layers={n: [f["properties"] for f in json.loads((folder / f"{n}.geojson").read_text())["features"]]
                for n in LAYERS},
        gpkg={n: pd.DataFrame(pyogrio.read_dataframe(folder / "layers.gpkg", layer=n)).drop(columns="geometry")
              for n in LAYERS},
        report=(folder / "report.md").read_text(),
        popups=_popups((folder / "map.html").read_text()),
        console=run.output,
        evaluate_json=json.loads((tmp / "evaluate.json").read_text()),
        evaluate_console=evaluated.output,
    )


@pytest.fixture(scope="module")
def truth(study, study_path: Path, tmp_path_factory):
    """The unprotected record: the true counts an attacker wants."""
    scenario = _scenario(tmp_path_factory.mktemp("truth"), "dorset-current.toml", "clients-today", study, (3, 1))
    return evaluate_scenario(scenario, study_path=study_path)


@pytest.fixture(scope="module")
def published(study, study_path: Path, tmp_path_factory) -> Published:
    return _publish(tmp_path_factory.mktemp("three"), study, study_path, (3, 1))


@pytest.fixture(scope="module")
def published_other(study, study_path: Path, tmp_path_factory) -> Published:
    return _publish(tmp_path_factory.mktemp("four"), study, study_path, (4, 2))


def _hidden_true(values: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in values.items() if 0 < v < 5}


def _attacks(total: float | None, parts: dict) -> list[float]:
    """Total minus the visible parts: what it says about the hidden parts' sum."""
    if total is None:
        return []
    visible = sum(v for v in parts.values() if v is not None)
    return [total - visible]


def _recovers(guesses: list[float], hidden: dict, keys: list) -> bool:
    """Whether a guess of the hidden parts' sum pins a hidden count: the sum of one part,
    or a sum only reachable when every part is 1 (or every part is 4)."""
    exact = sum(hidden[k] for k in keys)
    pins = len(keys) == 1 or exact in (len(keys), 4 * len(keys))
    return pins and any(math.isclose(g, exact, abs_tol=1e-6) for g in guesses)


def test_fixture_has_the_small_counts(truth) -> None:
    localities = dict(zip(truth.localities["locality"], truth.localities["attendees"], strict=True))
    assert localities[SMALL_LOCALITY] == 3
    assert len(_hidden_true(dict(zip(truth.home_areas["area_id"], truth.home_areas["attendees"],
                                     strict=True)))) >= 4
    assert _hidden_true(dict(zip(truth.sites["site_id"], truth.sites["attendees"], strict=True)))
    assert truth.manifest.demand["rows_skipped"] == 1


def test_every_published_count_is_rounded_or_suppressed(published: Published) -> None:
    def check(value, where: str) -> None:
        assert value is None or value == 0 or (value >= 5 and value % 5 == 0), (where, value)

    for block_name, block in [("overall", published.metrics["overall"]), *published.metrics["localities"].items()]:
        for data in (block, published.evaluate_json["overall"] if block_name == "overall"
                     else published.evaluate_json["localities"][block_name]):
            check(data["attendees"], f"{block_name}.attendees")
            for key, value in data["isolated"].items():
                check(value, f"{block_name}.isolated.{key}")
    for name, rows in published.layers.items():
        for row in rows:
            check(row["attendees"], name)
        gpkg = published.gpkg[name]["attendees"]
        assert all(v is None or math.isnan(v) or v == 0 or v % 5 == 0 for v in gpkg), name
    manifest = json.loads((published.folder / "manifest.json").read_text())
    for key in ("rows", "rows_geocoded", "rows_skipped", "total"):
        check(manifest["demand"][key], key)
    assert manifest["demand"]["rows_skipped"] is None
    assert all(manifest["solver"].get(k) is None for k in ("objective", "best_bound"))  # absent when evaluated
    texts = [*published.popups, published.report, published.console, published.evaluate_console]
    for text in texts:
        for shown in re.findall(r"Attendees(?:</th><td>| \| )([^<|]+)", text):
            shown = shown.strip().replace(",", "")
            if shown[:1].isalpha() and shown != "n/a":  # a table header: "| Attendees | Average journey |"
                continue
            assert shown in {"<5", "&lt;5", "n/a"} or float(shown) % 5 == 0, shown


def test_differencing_along_every_hierarchy(published: Published, truth) -> None:
    """A total minus its visible parts never gives back a hidden true count."""
    threshold = 5
    layers = {n: pd.DataFrame(rows) for n, rows in published.layers.items()}
    pub = {n: {k: (None if pd.isna(v) else v) for k, v in zip(f.iloc[:, 0], f["attendees"], strict=True)}
           for n, f in layers.items() if n != "allocations"}
    true_area = dict(zip(truth.home_areas["area_id"], truth.home_areas["attendees"], strict=True))
    true_locality = dict(zip(truth.localities["locality"], truth.localities["attendees"], strict=True))
    true_site = dict(zip(truth.sites["site_id"], truth.sites["attendees"], strict=True))
    locality_of = dict(zip(truth.home_areas["area_id"], truth.home_areas["locality"], strict=True))
    checked = 0

    # overall -> localities (metrics.json, layer, report and console all publish the same numbers)
    overall = published.metrics["overall"]["attendees"]
    for total in (overall, published.evaluate_json["overall"]["attendees"]):
        hidden = _hidden_true(true_locality)
        guesses = _attacks(total, pub["localities"])
        assert hidden and not _recovers(guesses, true_locality, list(hidden))
        checked += 1
    # locality -> home areas: the locality's total (layer or metrics), minus its visible areas
    for name in true_locality:
        areas = {a: pub["home_areas"][a] for a in pub["home_areas"] if locality_of[a] == name}
        hidden = [a for a in areas if 0 < true_area[a] < threshold]
        for total in (pub["localities"][name], published.metrics["localities"][name]["attendees"]):
            if hidden:
                assert not _recovers(_attacks(total, areas), true_area, hidden), name
                checked += 1
    # site -> allocations; area -> allocations; catchment -> hub allocations
    alloc = layers["allocations"]
    true_alloc = truth.allocations.set_index(["area_id", "site_id", "tier"])["attendees"]
    for key, owner_total, truth_of in (("site_id", pub["sites"], true_site), ("area_id", pub["home_areas"], true_area)):
        for owner, rows in alloc.groupby(key):
            parts = {(r.area_id, r.site_id, r.tier): (None if pd.isna(r.attendees) else r.attendees)
                     for r in rows.itertuples()}
            hidden = [p for p in parts if 0 < true_alloc[p] < threshold]
            if hidden:
                assert not _recovers(_attacks(owner_total[owner], parts), true_alloc.to_dict(), hidden)
                checked += 1
            if 0 < truth_of[owner] < threshold:
                assert owner_total[owner] is None
    for site, total in pub["catchments"].items():
        if 0 < true_site[site] < threshold:
            assert total is None
    assert checked >= 6


def test_shares_and_capacity_do_not_give_counts_back(published: Published, truth) -> None:
    iso = published.metrics["overall"]["isolation_minutes"]
    for name, block in published.metrics["localities"].items():
        raw = truth.metrics["localities"][name]
        if block["attendees"] is None:  # "66.7%" next to "<5" would give the count back
            assert all(v is None for v in block["share_within"].values())
            assert block["mean_minutes"] is None and block["annual_travel_km"] is None
            assert block["annual_co2e_tonnes"] is None and block["max_minutes"] is None
            continue
        for limit, share in block["share_within"].items():
            within = raw["share_within"][limit] * raw["attendees"]
            for count in (within, raw["attendees"] - within):
                if 0 < round(count) < 5:
                    assert not math.isclose(share * block["attendees"], within, abs_tol=1e-6)
        if str(int(iso)) in block["share_within"] and 0 < raw["isolated"]["total"] < 5:
            guess = block["attendees"] * (1 - block["share_within"][str(int(iso))])
            assert not math.isclose(guess, raw["isolated"]["total"], abs_tol=1e-6)
    for row in published.layers["sites"]:
        if row["capacity_used"] is not None and row["capacity"]:
            assert row["capacity_used"] * row["capacity"] == pytest.approx(row["attendees"] or 0, abs=2.5)


def test_comparison_of_two_client_runs(published: Published, study, study_path: Path, tmp_path: Path) -> None:
    other = _scenario(tmp_path / "b", "hub-per-locality.toml", "clients-hubs", study, (3, 1))
    other_folder = write_outputs(run_scenario(other), tmp_path / "runs")[0]
    table = compare([published.folder, other_folder], out_dir=tmp_path / "cmp")
    frame = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    counts = frame[frame["measure"].str.startswith("isolated")]
    for run in ("clients-today", "clients-hubs"):
        assert all(pd.isna(v) or v == 0 or v % 5 == 0 for v in counts[run]), counts
    purbeck = frame[frame["area"] == SMALL_LOCALITY]
    assert purbeck[purbeck["measure"].isin(["mean_minutes", "share_within.30"])][
        ["clients-today", "clients-hubs"]].isna().all().all()
    assert f"| {SMALL_LOCALITY} | Mean journey (min) | n/a | n/a | n/a |" in table.to_markdown()


def _stable(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not VOLATILE.search(line))


def test_values_inside_a_band_publish_identical_outputs(published: Published, published_other: Published) -> None:
    """Purbeck 3 -> 4 and an area 1 -> 2: every published number stays the same."""
    a, b = published, published_other
    assert a.metrics == b.metrics and a.layers == b.layers and a.evaluate_json == b.evaluate_json
    for name in LAYERS:
        pd.testing.assert_frame_equal(a.gpkg[name], b.gpkg[name])
    assert a.popups == b.popups
    assert _stable(a.report) == _stable(b.report)
    assert _stable(a.console.replace(str(a.folder), "")) == _stable(b.console.replace(str(b.folder), ""))
    assert a.evaluate_console == b.evaluate_console
    for name in ("map.html", *(f"{n}.geojson" for n in LAYERS), "metrics.json"):
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name


def _group_blocks(metrics: dict):
    """Every (where, kind, name, block) of the breakdowns by tier, segment, rural/urban and deprivation."""
    blocks = [("overall", metrics["overall"]), *metrics["localities"].items()]
    for where, block in blocks:
        for kind, groups in block["groups"].items():
            for name, group in groups.items():
                yield where, kind, name, group


def test_breakdowns_publish_counts_under_the_rule(published: Published, truth) -> None:
    """Group counts are rounded or suppressed; a suppressed group loses its derived figures."""
    checked = 0
    for metrics in (published.metrics, published.evaluate_json):
        for where, kind, name, group in _group_blocks(metrics):
            for key in ("attendees", "beyond_reach"):
                value = group.get(key)
                assert value is None or value == 0 or (value >= 5 and value % 5 == 0), (where, kind, name, key)
            iso = group.get("isolated", {}).get("total")
            assert iso is None or iso == 0 or (iso >= 5 and iso % 5 == 0), (where, kind, name)
            if group["attendees"] is None:
                assert "attendees" in group["suppressed"]
                assert group["mean_minutes"] is None and group["max_minutes"] is None
                assert all(v is None for v in group["share_within"].values())
                checked += 1
    # the only working-age client (3 people, Purbeck) is a hidden group everywhere it is counted
    true_ld = truth.metrics["overall"]["groups"]["segment"]["working_age_ld"]["attendees"]
    assert 0 < true_ld < 5
    ld = published.metrics["overall"]["groups"]["segment"]["working_age_ld"]
    assert ld["attendees"] is None and ld["p90_minutes"] is None and checked >= 2
    assert "| Working age (18-64) with a learning disability | <5 | n/a | n/a | n/a |" in published.report


def test_differencing_the_breakdowns(published: Published, truth) -> None:
    """A total minus the visible groups of any breakdown never gives back a hidden group's count."""
    checked = 0
    for where in ("overall", *published.metrics["localities"]):
        pub_block = published.metrics["overall"] if where == "overall" else published.metrics["localities"][where]
        true_block = truth.metrics["overall"] if where == "overall" else truth.metrics["localities"][where]
        for kind in ("segment", "rural_urban", "deprivation"):
            parts = {n: g["attendees"] for n, g in pub_block["groups"][kind].items()}
            true_parts = {n: g["attendees"] for n, g in true_block["groups"][kind].items()}
            hidden = [n for n, v in true_parts.items() if 0 < v < 5]
            if hidden:
                assert not _recovers(_attacks(pub_block["attendees"], parts), true_parts, hidden), (where, kind)
                checked += 1
    assert checked >= 3


def test_differencing_the_transport_block(routed_client_run) -> None:
    """Overall minus visible localities or sites, and a locality minus its visible sites, give no hidden site back."""
    rounds = pd.read_csv(routed_client_run.operational / "rounds.csv").drop_duplicates("passenger")
    true = {"passengers": rounds.groupby("site_id").size().astype(float).to_dict(),
            "wheelchair_passengers": rounds.assign(w=rounds["wheelchair"] == "yes").groupby("site_id")["w"]
            .sum().astype(float).to_dict()}
    transport = json.loads((routed_client_run.folder / "metrics.json").read_text())["transport"]
    sites_layer = json.loads((routed_client_run.folder / "sites.geojson").read_text())["features"]
    locality_of = {f["properties"]["site_id"]: f["properties"]["locality"] for f in sites_layer}
    checked = 0
    for key, true_sites in true.items():
        published = {site: block[key] for site, block in transport["sites"].items()}
        hidden = [site for site, count in true_sites.items() if 0 < count < 5]
        assert all(published[site] is None for site in hidden), key
        if key == "passengers":
            assert len(hidden) >= 2
        if hidden:
            assert not _recovers(_attacks(transport["overall"][key], published), true_sites, hidden), key
            checked += 1
        true_localities = {name: sum(v for s, v in true_sites.items() if locality_of[s] == name)
                           for name in transport["localities"]}
        visible = {name: block[key] for name, block in transport["localities"].items()}
        hidden_localities = [name for name, count in true_localities.items() if 0 < count < 5]
        if hidden_localities:
            assert not _recovers(_attacks(transport["overall"][key], visible), true_localities, hidden_localities)
            checked += 1
        for name, block in transport["localities"].items():
            parts = {s: published[s] for s in published if locality_of[s] == name}
            inside = [s for s in parts if s in hidden]
            if inside:
                assert not _recovers(_attacks(block[key], parts), true_sites, inside), (key, name)
                checked += 1
    assert checked >= 3
