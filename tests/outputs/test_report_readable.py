"""The report reads without GIS (issue 14): formatted numbers, plain status, correct site lists, sources."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from hubplan.api import write_outputs
from hubplan.provenance import SolverRecord
from hubplan.record.run import RunRecord

RAW_FLOAT = re.compile(r"\d\.\d{4,}")
"""A number with more than 3 decimals: a raw float left unformatted."""


SHIPPED = {"specialist": ("specialist", "run"), "services": ("services-not-buildings", "run"),
           "today": ("dorset-current", "evaluate")}
"""The reports read here: shipped scenarios run (or evaluated) and written once per session."""


@pytest.fixture(scope="module")
def runs(shipped) -> dict[str, RunRecord]:
    runs = {key: shipped.record(name, how) for key, (name, how) in SHIPPED.items()}
    timed_out = replace(runs["specialist"], name="timed-out", manifest=replace(
        runs["specialist"].manifest,
        solver=SolverRecord("feasible", objective=11000.0, best_bound=10670.0, gap=0.03, relative_gap_target=1e-4,
                            time_limit_s=4.0, engine="HiGHS via OR-Tools MathOpt")))
    runs["timed-out"] = timed_out
    return runs


@pytest.fixture(scope="module")
def reports(runs: dict[str, RunRecord], shipped, tmp_path_factory) -> dict[str, str]:
    written = {key: shipped.folder(name, how) for key, (name, how) in SHIPPED.items()}
    written["timed-out"] = write_outputs(runs["timed-out"], tmp_path_factory.mktemp("reports"))[0]
    return {key: (folder / "report.md").read_text() for key, folder in written.items()}


def test_no_raw_floats_dicts_or_python_reprs(reports: dict[str, str]) -> None:
    for name, text in reports.items():
        assert not RAW_FLOAT.findall(text), (name, RAW_FLOAT.findall(text)[:3])
        assert "{" not in text and "}" not in text, name
        assert "True" not in text and "None" not in text and "e-1" not in text, name


def test_money_is_pounds_before_the_number(reports: dict[str, str]) -> None:
    text = reports["services"]
    assert re.search(r"\| Annual building cost \| £\d{2,3},\d{3} \|", text)
    assert " £" not in text.replace("| £", "") and "£664,000" in text


def test_status_in_words_for_each_kind_of_plan(reports: dict[str, str]) -> None:
    assert "**Proven best plan.** The solver proved" in reports["specialist"]
    assert "**Evaluated fixed plan.** Nothing was optimised" in reports["today"]
    timed_out = reports["timed-out"]
    assert "**Best plan found within the time limit.** The solver stopped at its time limit of 4 seconds" in timed_out
    assert "may be up to 3.00% worse than the best possible plan" in timed_out
    for name in ("today", "timed-out"):
        assert "optimal" not in reports[name].lower() and "proven best" not in reports[name].lower()


def test_travel_model_and_its_error_are_stated(reports: dict[str, str]) -> None:
    for text in reports.values():
        section = text.split("### Travel model and its error\n")[1].split("\n#")[0]
        assert "| Model | calibrated |" in section and "| Mean absolute error | 4.73 min |" in section
        assert "| Caveat |" in section


def test_kept_new_and_closing_sites_follow_status_and_building(runs: dict[str, RunRecord],
                                                                 reports: dict[str, str]) -> None:
    sites = runs["specialist"].sites
    opened = sites[sites["status"] == "open"]
    kept_names = sorted(opened.loc[opened["kind"] == "day_centre", "name"])
    new_names = sorted(opened.loc[opened["kind"] != "day_centre", "name"])
    assert kept_names and new_names, "the scenario should keep some buildings and open some new venues"
    text = reports["specialist"]
    kept = text.split(f"### Existing buildings kept open ({len(kept_names)})\n")[1].split("###")[0]
    new = text.split(f"### New sites that open ({len(new_names)})\n")[1].split("###")[0]
    for name in kept_names:
        assert f"| {name} |" in kept and f"| {name} |" not in new
    for name in new_names:
        assert f"| {name} |" in new and f"| {name} |" not in kept
    assert "| Day centre |" not in new
    kept_row = re.search(r"\| Existing buildings kept \|(.*)\|", text)
    assert kept_row and kept_row.group(1).split("|")[0].strip() == str(len(kept_names))  # the whole area comes first
    today = reports["today"]
    assert "### Existing buildings kept open (11)" in today and "### New sites that open (0)" in today


def test_headline_tells_each_locality_what_changes(runs: dict[str, RunRecord], reports: dict[str, str]) -> None:
    sites = runs["specialist"].sites
    opened = sites[sites["status"] == "open"]
    kept, new = int((opened["kind"] == "day_centre").sum()), int((opened["kind"] != "day_centre").sum())
    closing = int((sites["status"] == "closed").sum())
    text = reports["specialist"]
    headline = text.split("## What changes for people\n")[1].split("\n## ")[0]
    assert f"{kept} of today's buildings kept and {new} new; {closing} of today's buildings close" in headline
    purbeck = next(line for line in headline.splitlines() if line.startswith("**Purbeck.**"))
    assert "Swanage day centre closes" in purbeck or "Swanage day centre (" in purbeck
    overall = runs["specialist"].metrics["overall"]
    assert f"Half travel {overall['median_minutes']:.0f} minutes or less" in headline


def test_breakdown_tables_and_assumptions(reports: dict[str, str]) -> None:
    text = reports["specialist"]
    for heading in ("### By tier of provision", "### By group of people", "### By rural or urban home",
                    "### By deprivation of the home area"):
        assert heading in text
    assert "| Specialist: Older people living with dementia | 63 | 34 min | 49 min | 63 min |" in text
    assert "| Older people living with dementia | 12% | Census 2021 residents aged 65 and over |" in text
    assert "| Trips per week (assumption: the council's papers give no frequency) | 2.0 |" in text
    assert "Spoke: >99% of attendees live within 20 minutes of an open spoke or hub" in reports["services"]
    assert "- **Ordnance Survey, Code-Point Open 2025.4.0** (postcodes). Licence: OS OpenData" in text
