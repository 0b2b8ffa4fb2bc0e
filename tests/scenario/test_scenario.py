"""Scenario loading: the shipped scenarios, path resolution, hashing and the one-line error contract."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hubplan.errors import InputError, Issue
from hubplan.scenario import (
    MAX_ANNUAL_COST_GBP,
    MAX_ATTENDEES,
    MAX_JOURNEY_MINUTES,
    MAX_OBJECTIVE_WEIGHT,
    MAX_SITE_CAPACITY,
    MAX_SNAP_KM,
    MAX_TIME_LIMIT_S,
    Scenario,
    load_scenario,
    scenario_json_schema,
)

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
CORPUS = REPO / "tests" / "corpus"

BASE = """
name = "base"
[[sites.roles]]
role = "required"
kind = "day_centre"
[tiers.hub]
"""


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_scenarios_load(path: Path) -> None:
    """Every scenario in scenarios/ is valid, named after its file, and fully served by tiers."""
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert scenario.source_path == path.resolve()
    assert set(scenario.segment_tiers()) == {s.name for s in scenario.demand.segment_list()}
    assert abs(sum(s.share for s in scenario.demand.segment_list()) - 1.0) < 1e-9


def test_defaults_follow_the_council_figures(tmp_path: Path) -> None:
    """Without a [demand] table: 521 attendees in three segments with the council's shares."""
    scenario = load_scenario(_write(tmp_path, BASE))
    shares = {s.name: s.share for s in scenario.demand.segment_list()}
    assert scenario.demand.total == 521
    assert shares == pytest.approx({"older_people": 0.30, "working_age_ld": 0.49, "working_age_other": 0.21})
    assert scenario.segment_tiers() == dict.fromkeys(shares, "hub")


def test_relative_paths_resolve_next_to_the_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client file named in the scenario is found beside it, whatever the current folder."""
    folder = tmp_path / "plans"
    folder.mkdir()
    _write(folder, BASE.replace('[[sites', '[demand]\nmethod = "client_file"\nclient_file = "c.csv"\n[[sites'))
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(Path("plans") / "s.toml")
    assert scenario.resolve(scenario.demand.client_file) == (folder / "c.csv").resolve()
    assert scenario.resolve(Path("/abs/x.csv")) == Path("/abs/x.csv")


def test_hash_changes_with_the_bytes(tmp_path: Path) -> None:
    """The manifest's scenario hash tracks the file's bytes, even a comment."""
    first = load_scenario(_write(tmp_path, BASE, "a.toml"))
    second = load_scenario(_write(tmp_path, BASE + "# a comment\n", "b.toml"))
    assert first.model_dump() == second.model_dump()
    assert first.sha256 != second.sha256


def test_scenario_is_frozen(tmp_path: Path) -> None:
    """A loaded scenario cannot be changed in place."""
    scenario = load_scenario(_write(tmp_path, BASE))
    with pytest.raises(ValueError, match="frozen"):
        scenario.name = "other"  # type: ignore[misc]


def test_input_error_is_a_value_error(tmp_path: Path) -> None:
    """Callers that catch ValueError still catch hubplan's input errors."""
    with pytest.raises(ValueError, match=r"s\.toml: name: Field required; fix: "):
        load_scenario(_write(tmp_path, BASE.replace('name = "base"', "")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE.replace('role = "required"', 'role = "maybe"'),
         r": sites\.roles\.0\.role: Input should be 'required', 'candidate' or 'closed' \(got 'maybe'\); fix: "),
        (BASE.replace('kind = "day_centre"', 'kind = "day_centre"\ncapacity = -4'),
         r": sites\.roles\.0\.capacity: Input should be greater than 0 \(got -4\); fix: "),
    ],
    ids=["bad-role", "negative-capacity"],
)
def test_one_bad_rule_is_one_problem(tmp_path: Path, text: str, expected: str) -> None:
    """A bad [[sites.roles]] entry is reported once (no follow-on 'list is empty' problem)."""
    with pytest.raises(InputError, match=expected) as info:
        load_scenario(_write(tmp_path, text))
    assert "more problem" not in str(info.value)


def test_several_problems_are_counted(tmp_path: Path) -> None:
    """Independent mistakes: the first is explained, the rest counted."""
    text = BASE + "[solver]\nthreads = 0\ntime_limit_s = -1\n"
    with pytest.raises(InputError, match=r"\(and 1 more problem\); fix: "):
        load_scenario(_write(tmp_path, text))


def test_control_characters_stay_on_one_line(tmp_path: Path) -> None:
    """A key or name holding a newline is quoted, so the message stays on one line."""
    text = BASE + '[tiers.specialist]\nsegments = ["older\\npeople"]\n'
    with pytest.raises(InputError, match=r"unknown segment 'older\\npeople'") as info:
        load_scenario(_write(tmp_path, text))
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match=r": 'bad\\nkey': unknown key; fix: ") as info:
        load_scenario(_write(tmp_path, '"bad\\nkey" = 1\n' + BASE))
    assert "\n" not in str(info.value)


def test_corpus_scenarios_fail_only_as_input_errors() -> None:
    """Every corpus scenario either loads (its problem shows later, against the study area) or raises InputError."""
    loaded, rejected = 0, 0
    for path in sorted(CORPUS.glob("*.toml")):
        if path.name == "cases.toml":
            continue
        try:
            load_scenario(path)
            loaded += 1
        except InputError as err:
            assert str(err).startswith(f"{path}: ") and "; fix: " in str(err)
            rejected += 1
    assert rejected >= 35 and loaded >= 20


def test_json_schema_lists_every_section() -> None:
    """The exported schema is JSON, forbids unknown keys and hides internal fields."""
    schema = json.loads(scenario_json_schema())
    assert {"name", "demand", "travel", "sites", "tiers", "objective", "constraints", "solver", "metrics"} <= set(
        schema["properties"]
    )
    assert "sha256" not in schema["properties"] and "source_path" not in schema["properties"]
    assert schema["additionalProperties"] is False


def test_scenario_model_validates_directly() -> None:
    """The pydantic model works without a file (for notebooks and tests)."""
    scenario = Scenario(name="x", sites={"roles": [{"role": "candidate", "ids": "CD-WAREHAM-PLUS"}]},
                        tiers={"hub": {"count": 1}})
    assert scenario.sites.roles[0].ids == ("CD-WAREHAM-PLUS",)
    assert scenario.source_path is None and scenario.resolve(Path("a.csv")) == Path("a.csv")


def test_every_problem_is_an_issue(tmp_path: Path) -> None:
    """The error carries each problem as an Issue (field and fix), not only as text."""
    path = _write(tmp_path, BASE + "[solver]\nthreads = 0\ntime_limit_s = -1\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert [(issue.source, issue.field, issue.fix) for issue in info.value.issues] == [
        (path, "solver.time_limit_s", "give a larger value"),
        (path, "solver.threads", "give a larger value"),
    ]
    assert info.value.issues[0].problem == "Input should be greater than 0 (got -1)"


def test_own_rules_become_issues_with_their_field(tmp_path: Path) -> None:
    """A rule hubplan checks itself names the field below the table it sits in."""
    path = _write(tmp_path, BASE + '[tiers.spoke]\nmode = "cover"\n')
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.issues == (
        Issue(path, "tiers.spoke.radius_minutes", "required for a cover tier",
              "give the spoke journey limit in minutes"),
    )


@pytest.mark.parametrize(
    ("table", "key", "limit"),
    [
        ("demand", "total", MAX_ATTENDEES),
        ("tiers.hub", "capacity", MAX_SITE_CAPACITY),
        ("tiers.hub", "annual_cost", MAX_ANNUAL_COST_GBP),
        ("constraints", "budget", MAX_ANNUAL_COST_GBP),
        ("constraints", "max_minutes", MAX_JOURNEY_MINUTES),
        ("objective", "cost_weight", MAX_OBJECTIVE_WEIGHT),
        ("solver", "time_limit_s", MAX_TIME_LIMIT_S),
        ("travel", "max_snap_km", MAX_SNAP_KM),
    ],
)
def test_named_limits_are_inclusive(tmp_path: Path, table: str, key: str, limit: float) -> None:
    """A value at its named limit loads; just above it is one issue naming the field."""
    def scenario_with(value: float) -> Path:
        text = BASE if table == "tiers.hub" else BASE + f"[{table}]\n"
        return _write(tmp_path, text + f"{key} = {value!r}\n")

    assert load_scenario(scenario_with(float(limit))).sha256
    with pytest.raises(InputError, match=rf": {table}\.{key}: Input should be less than or equal to {limit} "):
        load_scenario(scenario_with(limit * 1.5))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_numbers_must_be_finite(tmp_path: Path, value: str) -> None:
    """NaN and infinities are refused wherever a number is expected."""
    with pytest.raises(InputError, match=r": metrics\.co2e_kg_per_km: Input should be a finite number"):
        load_scenario(_write(tmp_path, BASE + f"[metrics]\nco2e_kg_per_km = {value}\n"))


def test_control_characters_are_refused_in_public_text(tmp_path: Path) -> None:
    """Titles and labels are one line; a description may break lines but hold no other control character."""
    ok = load_scenario(_write(tmp_path, 'description = """two\n\tlines"""\n' + BASE))
    assert ok.description == "two\n\tlines"
    for text, field in (('title = "a\\tb"\n' + BASE, "title"), ('description = "a\\u0007b"\n' + BASE, "description")):
        with pytest.raises(InputError, match=rf": {field}: contains the control character U\+00") as info:
            load_scenario(_write(tmp_path, text))
        assert "\n" not in str(info.value) and "\t" not in str(info.value)
