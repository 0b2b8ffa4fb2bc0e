"""compare() and `hubplan compare` on two run folders written from the real Dorset data."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hubplan.api import write_outputs
from hubplan.cli import main
from hubplan.errors import InputError
from hubplan.outputs import compare
from hubplan.outputs.compare import read_run


@pytest.fixture(scope="module")
def runs(make_record, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    base = make_record(name="hubs_only", spokes=0)
    plus = make_record(name="with_spokes", spokes=8, seed=0)
    return base, plus, write_outputs(base, root)[0], write_outputs(plus, root)[0]


def test_side_by_side_values_and_differences(runs, tmp_path: Path) -> None:
    base, plus, a, b = runs
    table = compare([a, b], out_dir=tmp_path / "cmp")
    assert table.runs == ("hubs_only", "with_spokes") and table.baseline == "hubs_only"
    diff = "with_spokes - hubs_only"
    assert table.value("Overall", "sites_open", "hubs_only") == 10
    assert table.value("Overall", "sites_open", "with_spokes") == 18
    assert table.value("Overall", "sites_open", diff) == 8
    for key in ("mean_minutes", "p90_minutes", "max_minutes"):
        expected = plus.metrics["overall"][key] - base.metrics["overall"][key]
        assert table.value("Overall", key, diff) == pytest.approx(expected)
        assert expected < 0  # eight more sites never lengthen a nearest-site journey
    assert table.value("Overall", "share_within.30", "hubs_only") == pytest.approx(
        base.metrics["overall"]["share_within"]["30"])
    # Portland's rural attendees are isolated (> 25 min) with hubs only, and not with spokes
    rural = table.value("Weymouth and Portland", "isolated.rural", "hubs_only")
    assert rural == pytest.approx(base.metrics["localities"]["Weymouth and Portland"]["isolated"]["rural"])
    assert rural > 0 and table.value("Weymouth and Portland", "isolated.rural", diff) == pytest.approx(-rural)
    assert table.value("Overall", "annual_co2e_tonnes", diff) < 0
    assert sorted(table.site_changes["with_spokes"]["opened"]) == sorted(
        plus.sites.loc[(plus.sites["status"] == "open") & (plus.sites["kind"] == "library"), "name"])
    assert table.site_changes["with_spokes"]["closed"] == []
    assert set(table.table["area"]) == {"Overall", "East Dorset", "North Dorset", "Purbeck",
                                        "West Dorset", "Weymouth and Portland"}

    csv = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    row = csv[(csv["area"] == "Overall") & (csv["measure"] == "sites_open")].iloc[0]
    assert row[diff] == 8
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "| Overall | Sites open | 10 | 18 | +8 |" in md
    page = (tmp_path / "cmp" / "comparison.html").read_text()
    assert "data:image/png;base64," in page and "<table>" in page


def test_baseline_choice_flips_the_differences(runs) -> None:
    _, _, a, b = runs
    table = compare([a, b], baseline="with_spokes")
    assert table.value("Overall", "sites_open", "hubs_only - with_spokes") == -8
    assert table.site_changes["hubs_only"]["closed"] and not table.site_changes["hubs_only"]["opened"]


def test_bad_inputs_are_input_errors(runs, tmp_path: Path) -> None:
    _, _, a, b = runs
    with pytest.raises(InputError, match=r"--baseline: 'nope' is not one of"):
        compare([a, b], baseline="nope")
    with pytest.raises(InputError, match="SCENARIO_OR_RUN_DIR: neither a run folder"):
        compare([a, tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"metrics.json: RUN_DIR: missing"):
        compare([tmp_path / "empty"])


def test_suppressed_counts_stay_hidden(make_record, tmp_path: Path) -> None:
    private = make_record(name="clients", spokes=0, total_attendees=150, integer_counts=True,
                          suppress_below=5)
    raw = private.metrics["localities"]["Weymouth and Portland"]["isolated"]["rural"]
    assert 0 < raw < 5  # honest small count from the real geography at this scale
    folder = write_outputs(private, tmp_path)[0]
    table = compare([folder])
    assert math.isnan(table.value("Weymouth and Portland", "isolated.rural", "clients"))
    assert "| Weymouth and Portland | Isolated attendees, rural | <5 |" in table.to_markdown()


def test_cli_prints_the_markdown_table(runs, tmp_path: Path) -> None:
    _, _, a, b = runs
    result = CliRunner().invoke(main, ["compare", str(a), str(b), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "| Overall | Sites open | 10 | 18 | +8 |" in result.output
    assert (tmp_path / "c" / "comparison.csv").is_file()
    bad = CliRunner().invoke(main, ["compare", str(a), "--baseline", "x", "--out", str(tmp_path / "d")])
    assert bad.exit_code == 2
    assert "hubplan: error:" in bad.output and "--baseline" in bad.output


def test_run_folder_manifest_reads_back_as_written(runs) -> None:
    """The one manifest reader gives back the typed manifest the run was written from."""
    base, _, a, _ = runs
    manifest = read_run(a).manifest
    assert manifest == base.manifest
    assert manifest.solver.status == "feasible" and manifest.travel.calibration_error is not None


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda m: m["solver"].update(status="maybe"), r"solver\.status"),
        (lambda m: m["travel"].pop("model"), r"travel\.model"),
        (lambda m: m["travel"]["calibration_error"].pop("mae_min"), r"travel\.calibration_error\.mae_min"),
        (lambda m: m.pop("scenario"), "scenario"),
    ],
    ids=["bad-status", "no-travel-model", "no-error-figure", "no-scenario"],
)
def test_a_damaged_manifest_names_its_field(runs, tmp_path: Path, damage, field: str) -> None:
    """A manifest.json that hubplan did not write names the bad key, in one line."""
    _, _, a, _ = runs
    folder = tmp_path / "damaged"
    shutil.copytree(a, folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    damage(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match=rf"damaged/manifest\.json: {field}: .+; fix: write the run again") as info:
        compare([folder])
    assert "\n" not in str(info.value)


def _damage(folder: Path, tmp_path: Path, name: str, content: bytes | dict | None) -> Path:
    """A copy of a real run folder with one file replaced (``None``: by a folder; a dict: keys of its JSON replaced)."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    target = copy / name
    if isinstance(content, dict):
        target.write_text(json.dumps({**json.loads(target.read_text(encoding="utf-8")), **content}), encoding="utf-8")
        return copy
    target.unlink()
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    return copy


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("metrics.json", b"[1, 2]", r"metrics\.json: RUN_DIR: holds an array, not a JSON object"),
        ("metrics.json", b'{"overall": "Caf\xe9"}', r"metrics\.json: RUN_DIR: not UTF-8 text"),
        ("metrics.json", None, r"metrics\.json: RUN_DIR: not a regular file"),
        ("metrics.json", b'{"overall": {"sites_open": [3]}}',
         r"metrics\.json: overall\.sites_open: holds an array, not a number"),
        ("metrics.json", b'{"localities": {"Purbeck": {"share_within": {"30": "most"}}}}',
         r"metrics\.json: localities\.Purbeck\.share_within\.30: holds a string, not a number"),
        ("metrics.json", b'{"overall": {"suppressed": 5}}',
         r"metrics\.json: overall\.suppressed: holds a number, not an array"),
        ("metrics.json", b"[" * 100_000, r"metrics\.json: RUN_DIR: not valid JSON \(.+\)"),
        ("manifest.json", {"solver": ["optimal"]},
         r"manifest\.json: solver: Input should be a dictionary or an instance of SolverRecord "
         r"in a manifest written by hubplan"),
        ("manifest.json", {"solver": {"status": "optimal", "gap": "small"}},
         r"manifest\.json: solver\.gap: Input should be a valid number.* in a manifest written by hubplan"),
        ("manifest.json", b'{"solver": {"gap": 0}}', r"manifest\.json: travel: missing or not a JSON object"),
        ("sites.geojson", b"null", r"sites\.geojson: RUN_DIR: holds null, not a JSON object"),
        ("sites.geojson", b'{"features": null}', r"sites\.geojson: features: holds null, not an array of features"),
        ("sites.geojson", b'{"features": [{"properties": null}]}',
         r"sites\.geojson: features\.0\.properties: not an object"),
        ("sites.geojson", b'{"features": [{"properties": {"name": "A"}}]}',
         r"sites\.geojson: features\.0\.properties\.site_id: missing"),
        ("sites.geojson", b'{"features": [{"properties": {"site_id": 7}}]}',
         r"sites\.geojson: features\.0\.properties\.site_id: holds a number, not a site ID"),
    ],
)
def test_a_damaged_run_folder_is_a_one_line_error(runs, tmp_path: Path, name: str, content, message: str) -> None:
    _, _, a, _ = runs
    damaged = _damage(a, tmp_path, name, content)
    with pytest.raises(InputError, match=f"^{re.escape(str(damaged))}/{message}; fix: write the run again"):
        compare([damaged])
    result = CliRunner().invoke(main, ["compare", str(damaged), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 2 and not isinstance(result.exception, (KeyError, AttributeError, ValueError))
    assert not (tmp_path / "cmp").exists()


def test_null_localities_and_names_still_compare(runs, tmp_path: Path) -> None:
    """What a run may legitimately lack (no localities block, a site without a name) is not an error."""
    _, _, a, _ = runs
    copy = tmp_path / a.name
    shutil.copytree(a, copy)
    metrics = json.loads((copy / "metrics.json").read_text(encoding="utf-8"))
    (copy / "metrics.json").write_text(json.dumps({**metrics, "localities": None}), encoding="utf-8")
    sites = json.loads((copy / "sites.geojson").read_text(encoding="utf-8"))
    sites["features"][0]["properties"]["name"] = None
    (copy / "sites.geojson").write_text(json.dumps(sites), encoding="utf-8")
    table = compare([copy])
    assert set(table.table["area"]) == {"Overall"}
    assert table.value("Overall", "sites_open", a.name) == metrics["overall"]["sites_open"]


@pytest.fixture(scope="module")
def hubs_and_specialist(shipped) -> tuple[Path, Path]:
    """The shipped one-hub-per-locality and specialist scenarios' run folders (shared, read-only)."""
    return shipped.folder("hub-per-locality"), shipped.folder("specialist")


def test_titles_tier_changes_and_assumption_warnings(hubs_and_specialist, tmp_path: Path) -> None:
    hubs, specialist = hubs_and_specialist
    table = compare([hubs, specialist], out_dir=tmp_path / "cmp")
    assert table.titles == {"hub-per-locality": "One hub per locality (day centres or libraries)",
                            "specialist": "Hubs plus specialist dementia and complex-needs sites"}
    assert table.site_changes["specialist"]["retiered"] == [
        "Dorchester Connect from Hub to Specialist: Working age, complex learning-disability needs"]
    joined = " ".join(table.warnings)
    assert "in demand segments: older_dementia 12.0%" in joined
    assert "travel model" not in joined and "isolation threshold" not in joined
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    page = (tmp_path / "cmp" / "comparison.html").read_text()
    for text in (md, page):
        assert "Warning: these runs differ in their assumptions" in text
        assert "changes tier: Dorchester Connect from Hub to Specialist" in text
        assert "Hubs plus specialist dementia and complex-needs sites (specialist)" in text
    printed = CliRunner().invoke(main, ["compare", str(hubs), str(specialist), "--out", str(tmp_path / "p")])
    assert printed.exit_code == 0 and "Warning: these runs differ in their assumptions" in printed.stdout


def test_rows_per_tier_and_per_segment(hubs_and_specialist) -> None:
    hubs, specialist = hubs_and_specialist
    table = compare([hubs, specialist])
    metrics = json.loads((specialist / "metrics.json").read_text())["overall"]["groups"]
    assert table.value("Overall", "tier/specialist_ld/mean_minutes", "specialist") == pytest.approx(
        metrics["tier"]["specialist_ld"]["mean_minutes"])
    assert math.isnan(table.value("Overall", "tier/specialist_ld/mean_minutes", "hub-per-locality"))
    assert table.value("Overall", "segment/working_age_ld/attendees", "hub-per-locality") > table.value(
        "Overall", "segment/working_age_ld/attendees", "specialist")  # the complex-needs share left it
    _, rows = table.display_rows()
    labels = [row[1] for row in rows]
    assert "Hub: mean journey (min)" in labels and "Older people living with dementia: isolated attendees" in labels
    isolated = next(row for row in rows if row[1] == "Older people living with dementia: isolated attendees")
    assert re.fullmatch(r"\d+", isolated[3])  # counts print as whole numbers


def test_runs_written_before_titles_and_rules_still_compare(hubs_and_specialist, tmp_path: Path) -> None:
    hubs, specialist = hubs_and_specialist
    old = tmp_path / "old-hubs"
    shutil.copytree(hubs, old)
    manifest = json.loads((old / "manifest.json").read_text())
    for key in ("title", "rules"):
        manifest["scenario"].pop(key)
    (old / "manifest.json").write_text(json.dumps(manifest))
    run = read_run(old)
    assert run.title == "old-hubs" and run.manifest.scenario.rules == {}
    table = compare([old, specialist])
    assert table.titles["old-hubs"] == "old-hubs"
    assert not any("own locality" in w for w in table.warnings)  # not recorded: not compared
    assert any("demand segments" in w for w in table.warnings)


def test_a_difference_of_counts_is_the_difference_of_the_counts_shown() -> None:
    """Issue 23: 8.6 shown as 9 and 15.4 shown as 15 differ by +6, never by the +7 of 15.4 - 8.6 rounded."""
    import pandas as pd

    from hubplan.outputs.compare import ComparisonTable

    table = pd.DataFrame({"area": ["Overall", "Overall"], "measure": ["isolated.rural", "mean_minutes"],
                          "label": ["Isolated attendees, rural", "Mean journey"], "a": [8.6, 20.04],
                          "b": [15.4, 21.0], "b - a": [6.8, 0.96]})
    header, rows = ComparisonTable(runs=("a", "b"), baseline="a", table=table).display_rows()
    assert header == ["Area", "Measure", "a", "b", "b - a"]
    assert rows[0][2:] == ["9", "15", "+6"]
    assert rows[1][2:] == ["20.0", "21.0", "+1.0"]
