"""hubplan sweep (issue 16): sweep files, variants, the plain loop and Dask, failures as rows, robustness, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubplan.errors import InputError
from hubplan.files.atomic import MARKER
from hubplan.sweep.decisions import decision_table
from hubplan.sweep.results import results_table, site_shares
from hubplan.sweep.run import dask_client, run_on_dask, run_sequential, split_waves
from hubplan.sweep.spec import SEED_AXIS, Variant, load_sweep, parse_vary, variant_id
from hubplan.sweep.worker import VariantResult, _scaled, shared_inputs
from hubplan.sweep.writer import SWEEP_FILES

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

HUBS = "tiers.hub.count"
PER_LOCALITY = "tiers.hub.count_per_locality"


def _sweep_file(folder: Path, body: str, name: str = "small.sweep.toml") -> Path:
    path = folder / name
    path.write_text(f'scenario = "{SCENARIOS / "hub-per-locality.toml"}"\n{body}', encoding="utf-8")
    return path


SMALL = f'name = "small"\ntitle = "Small <b>sweep</b>"\nunset = ["{PER_LOCALITY}"]\ndraws = 3\n' \
        f'[vary]\n"{HUBS}" = [3, 5, 6]\n'


# ---------------------------------------------------------------------- the sweep file and its variants
def test_shipped_sweep_file_has_1000_variants_with_stable_ids():
    spec = load_sweep(SCENARIOS / "sweeps" / "hub-per-locality.sweep.toml")
    again = load_sweep(SCENARIOS / "sweeps" / "hub-per-locality.sweep.toml")
    assert len(spec.variants) == 1000
    assert [v.variant_id for v in spec.variants] == [v.variant_id for v in again.variants]
    assert [v.variant_id for v in spec.variants] == sorted(v.variant_id for v in spec.variants)
    assert len({v.variant_id for v in spec.variants}) == 1000
    assert spec.axes[SEED_AXIS] == tuple(range(1, 201)) and spec.axes[HUBS] == (5, 6, 7, 8, 9)
    assert len({v.group for v in spec.variants}) == 5  # one group per hub count
    assert spec.base.tiers["hub"].count_per_locality is None
    one = next(v for v in spec.variants if v.parameters == {SEED_AXIS: 7, HUBS: 6})
    assert one.variant_id == variant_id({HUBS: 6, SEED_AXIS: 7})


@pytest.mark.parametrize(("body", "message"), [
    ('name = "x"\ndraws = 2\n[vary]\n"tiers.hub.count" = [-1]\n',
     r"small.sweep.toml: vary.tiers.hub.count: tiers.hub.count: Input should be greater than or equal to 0"),
    ('name = "x"\ncolour = 1\n', r"small.sweep.toml: colour: unknown key; fix: remove it"),
    ('name = "x"\n[vary]\n"travel.speed_factor" = [0]\n',
     r"small.sweep.toml: vary.travel.speed_factor: 0 is not a factor in \(0, 5\]; fix: give factors"),
    ('name = "x"\n[vary]\n"objective.no_such_field" = [1]\n',
     r"small.sweep.toml: vary.objective.no_such_field: objective.no_such_field: unknown key; fix: "),
    ('name = "x"\n[vary]\n"tiers.hub.count" = []\n', r"small.sweep.toml: vary.tiers.hub.count: no values; fix: "),
])
def test_a_bad_sweep_file_is_one_line_naming_file_field_and_fix(cli, tmp_path, body, message):
    path = _sweep_file(tmp_path, body)
    with pytest.raises(InputError, match=message):
        load_sweep(path)
    outcome = cli.invoke(["sweep", str(path), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 2 and "Traceback" not in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_vary_options_make_the_same_variants_as_a_file(tmp_path):
    spec = parse_vary(SCENARIOS / "hub-per-locality.toml", [f"{HUBS}=5..6", "travel.speed_factor=0.9,1.1"],
                      draws=2, unset=[PER_LOCALITY])
    file_spec = load_sweep(_sweep_file(tmp_path, f'name = "x"\nunset = ["{PER_LOCALITY}"]\ndraws = 2\n[vary]\n'
                                                 f'"{HUBS}" = [5, 6]\n"travel.speed_factor" = [0.9, 1.1]\n'))
    assert [v.variant_id for v in spec.variants] == [v.variant_id for v in file_spec.variants]
    assert len(spec.variants) == 8
    with pytest.raises(InputError, match=r"--vary: tiers\.hub\.count: is not FIELD=VALUES"):
        parse_vary(SCENARIOS / "hub-per-locality.toml", [HUBS])


def test_speed_factor_divides_minutes_and_keeps_km(study_path):
    spec = load_sweep(SCENARIOS / "sweeps" / "hub-per-locality.sweep.toml")
    shared = shared_inputs(spec.base, study_path=study_path)
    faster = _scaled(shared.travel, 1.25)
    np.testing.assert_allclose(faster.minutes, shared.travel.minutes / 1.25)
    np.testing.assert_array_equal(faster.km, shared.travel.km)


def test_each_group_waits_for_its_first_variant():
    variants = [Variant("b2", {}, "g"), Variant("a1", {}, "g"), Variant("c3", {}, "h"), Variant("d4", {}, "g")]
    first, rest = split_waves(variants)
    assert [v.variant_id for v in first] == ["a1", "c3"]
    assert [v.variant_id for v in rest["g"]] == ["b2", "d4"] and rest["h"] == []


# ---------------------------------------------------------------------- robustness on a known case
def test_site_shares_and_pareto_front_on_a_known_case(tmp_path):
    spec = load_sweep(_sweep_file(tmp_path, f'name = "x"\nunset = ["{PER_LOCALITY}"]\ndraws = 4\n'
                                            f'[vary]\n"{HUBS}" = [5, 6]\n'))
    plans = {5: [("A", "B"), ("A", "B"), ("A", "C"), ("A", "B")], 6: [("A", "B", "C")] * 3 + [None]}
    results = []
    for variant in spec.variants:
        count, seed = variant.parameters[HUBS], variant.parameters[SEED_AXIS]
        sites = plans[count][seed - 1]
        if sites is None:
            results.append(VariantResult(variant, "infeasible", "no plan"))
            continue
        results.append(VariantResult(variant, "optimal", "", 100.0, 100.0, 0.0, dict.fromkeys(sites, ("hub",)),
                                     {"mean_minutes": 20.0 - len(sites) + seed / 10, "isolated": {"total": 0.0}}))
    table = results_table(spec, results)
    shares = site_shares(spec, table, ["hub"]).set_index(["group_label", "site_id"])
    assert shares.loc[("all variants", "A"), "share"] == 1.0
    assert shares.loc[("all variants", "B"), "share"] == pytest.approx(6 / 7)
    assert shares.loc[("all variants", "C"), "share_hub"] == pytest.approx(4 / 7)
    five, six = "5 hub sites in all", "6 hub sites in all"  # groups named in words, not tiers.hub.count=5
    assert shares.loc[(five, "B"), "share"] == 0.75 and shares.loc[(five, "C"), "share"] == 0.25
    assert shares.loc[(six, "C"), "share"] == 1.0 and shares.loc[(six, "A"), "variants"] == 3
    # the front is over decisions (hub counts), each the mean over the draws both have a plan in (1 to 3)
    decisions = decision_table(tuple(spec.axes), table).set_index(HUBS)
    assert decisions["compared_draws"].to_dict() == {5: 3, 6: 3}
    assert decisions.loc[5, "mean_minutes"] == pytest.approx(np.mean([20 - 2 + s / 10 for s in (1, 2, 3)]))
    assert decisions.loc[6, "mean_minutes"] == pytest.approx(np.mean([20 - 3 + s / 10 for s in (1, 2, 3)]))
    assert decisions["on_pareto_front"].all()  # fewer sites or a shorter mean journey: neither beats the other
    assert decisions.loc[5, "top_plan"] == "A:hub;B:hub" and decisions.loc[5, "top_plan_share"] == 0.75
    assert decisions.loc[6, "plans"] == 1 and decisions.loc[6, "planned"] == 3
    front = table[table["on_pareto_front"]]
    assert len(front) == 7 and (front["status"] == "optimal").all()  # every draw of a decision on the front
    assert table.loc[table["status"] == "infeasible", "reason"].tolist() == ["no plan"]


def test_a_luckier_draw_does_not_put_a_worse_decision_on_the_front(tmp_path):
    """Two decisions with the same sites: the one with the shorter mean over the same draws wins, even though the
    other has the single best draw (a front over variants would keep that lucky draw)."""
    spec = load_sweep(_sweep_file(tmp_path, f'name = "x"\nunset = ["{PER_LOCALITY}"]\ndraws = 3\n'
                                            '[vary]\n"travel.speed_factor" = [0.9, 1.1]\n'))
    minutes = {0.9: [10.0, 30.0, 30.0], 1.1: [15.0, 16.0, 17.0]}  # 0.9 has the best single draw, 1.1 the best mean
    results = [VariantResult(v, "optimal", "", 1.0, 1.0, 0.0, {"A": ("hub",)},
                             {"mean_minutes": minutes[v.parameters["travel.speed_factor"]][v.parameters[SEED_AXIS] - 1],
                              "isolated": {"total": 0.0}}) for v in spec.variants]
    table = results_table(spec, results)
    decisions = decision_table(tuple(spec.axes), table).set_index("travel.speed_factor")
    assert decisions["on_pareto_front"].to_dict() == {0.9: False, 1.1: True}
    assert set(table.loc[table["on_pareto_front"], "travel.speed_factor"]) == {1.1}


def test_summary_speaks_words_not_hashes_and_explains_flat_and_missing_figures(tmp_path):
    """The page names decisions and parameters in words (no variant hash, no dotted field), says why the isolated
    chart is missing (0 in every variant) and that building cost is unknown."""
    from hubplan.sweep.run import SweepTiming
    from hubplan.sweep.summary import summary_html

    spec = load_sweep(_sweep_file(tmp_path, f'name = "x"\nunset = ["{PER_LOCALITY}"]\ndraws = 2\n'
                                            f'[vary]\n"{HUBS}" = [5, 6]\n'))
    results = [VariantResult(v, "optimal", "", 1.0, 1.0, 0.0, dict.fromkeys("ABCDEF"[:v.parameters[HUBS]], ("hub",)),
                             {"mean_minutes": 20.0 - v.parameters[HUBS], "isolated": {"total": 0.0}})
               for v in spec.variants]
    table = results_table(spec, results)
    shares = site_shares(spec, table, ["hub"])
    page = summary_html(spec, table, shares, {"A": "Alpha"}, SweepTiming("plain loop", 1, 1.0),
                        decision_table(tuple(spec.axes), table))
    assert "5 hub sites in all" in page and "6 hub sites in all" in page and "hub sites in all" in page
    assert HUBS not in page and "=5" not in page
    assert not any(v.variant_id in page for v in spec.variants)
    assert "Nobody travels longer than the isolation threshold in any variant" in page
    assert "no site in this sweep has a" in page
    assert "2 of 2 (100%)" in page  # the plan chosen most often, in every draw
    assert "a figure no variant has is left out" not in page


def test_the_readme_vary_example_does_not_overwrite_the_shipped_sweep():
    """``hubplan sweep SCENARIO --vary ...`` names its folder after the scenario; the shipped sweep has its own name."""
    shipped = load_sweep(SCENARIOS / "sweeps" / "hub-per-locality.sweep.toml")
    adhoc = parse_vary(SCENARIOS / "hub-per-locality.toml", [f"{HUBS}=5..6"], draws=2, unset=[PER_LOCALITY])
    assert shipped.name != adhoc.name


# ---------------------------------------------------------------------- real solves
@pytest.fixture(scope="module")
def small(study_path, tmp_path_factory):
    spec = load_sweep(_sweep_file(tmp_path_factory.mktemp("sweep"), SMALL))
    return spec, shared_inputs(spec.base, study_path=study_path)


def test_plain_loop_is_reproducible_and_records_infeasible_variants(small):
    spec, shared = small
    first = results_table(spec, run_sequential(shared, spec.variants))
    second = results_table(spec, run_sequential(shared, spec.variants))
    pd.testing.assert_frame_equal(first, second)
    assert list(first["variant_id"]) == sorted(v.variant_id for v in spec.variants)
    failed = first[first[HUBS] == 3]
    assert (failed["status"] == "infeasible").all() and len(failed) == 3
    assert failed["reason"].str.contains("hub-per-locality.toml: tiers.hub.count: at most 3 sites may open").all()
    assert not failed["reason"].str.contains(str(SCENARIOS)).any()  # no local folder in a published reason
    planned = first[first[HUBS] != 3]
    assert (planned["status"] == "optimal").all()
    assert (planned["sites_open"] == planned[HUBS]).all()
    assert (planned["attendees"].round() == 521).all()  # every draw is the council's 521 attendees


def test_five_hubs_open_one_per_locality_in_every_draw(small, study):
    spec, shared = small
    results = run_sequential(shared, [v for v in spec.variants if v.parameters[HUBS] == 5])
    shares = site_shares(spec, results_table(spec, results), ["hub"])
    shares = shares[shares["group"] != "all"]
    locality = dict(zip(study.sites["site_id"], study.sites["locality"], strict=True))
    per_locality = shares.groupby(shares["site_id"].map(locality))["share"].sum()
    assert per_locality.to_dict() == pytest.approx(dict.fromkeys(study.locality_names, 1.0))


@pytest.mark.slow
def test_local_cluster_with_two_workers_matches_the_plain_loop_and_writes_every_output(
    cli, small, study_path, tmp_path
):
    spec, shared = small
    path = _sweep_file(tmp_path, SMALL)
    outcome = cli.invoke(["--no-progress", "sweep", str(path), "--workers", "2", "--study", str(study_path),
                      "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.stderr
    assert "dask: 2 workers; dashboard: http" in outcome.stderr
    assert "6 of 9 variants have a plan" in outcome.stdout
    folder = tmp_path / "out" / "small"
    assert sorted(p.name for p in folder.iterdir() if p.name != MARKER) == sorted(SWEEP_FILES)
    loop = results_table(spec, run_sequential(shared, spec.variants))
    written = pd.read_parquet(folder / "variants.parquet")
    pd.testing.assert_frame_equal(written, loop, check_dtype=False)
    csv = pd.read_csv(folder / "variants.csv", keep_default_na=False, na_values=[""])
    assert list(csv["variant_id"]) == list(loop["variant_id"]) and list(csv["status"]) == list(loop["status"])
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Small &lt;b&gt;sweep&lt;/b&gt;" in page and "<b>sweep</b>" not in page
    layer = json.loads((folder / "robustness.geojson").read_text(encoding="utf-8"))
    shares = {f["properties"]["site_id"]: f["properties"]["share"] for f in layer["features"]}
    assert max(shares.values()) == 1.0 and min(shares.values()) == 0.0
    info = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    assert info["run"]["workers"] == 2 and info["status"] == {"infeasible": 3, "optimal": 6}


@pytest.mark.slow
def test_a_cluster_reached_by_address_gives_the_same_table(small):
    from dask.distributed import Client, LocalCluster

    spec, shared = small
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster.scheduler_address) as client:
        table = results_table(spec, run_on_dask(client, shared, spec.variants))
    pd.testing.assert_frame_equal(table, results_table(spec, run_sequential(shared, spec.variants)))


def _malloc_trim_threshold() -> str | None:
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def _housekeeping_ms(dask_worker) -> tuple[float, float]:
    callbacks = dask_worker.periodic_callbacks
    return callbacks["tick"].callback_time, callbacks["memory_monitor"].callback_time


@pytest.mark.slow
def test_local_cluster_keeps_glibcs_adaptive_memory_thresholds_and_slow_housekeeping(monkeypatch):
    # dask's Nanny would export MALLOC_TRIM_THRESHOLD_=65536 to each worker (and to this process, so a
    # cluster started earlier in this process may have left it: start clean)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with dask_client(None, 1) as client:
        assert list(client.run(_malloc_trim_threshold).values()) == [None]
        # dask's defaults: a tick every 20 ms, a memory check every 100 ms
        assert list(client.run(_housekeeping_ms).values()) == [(1000, 1000)]
        assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.periodic_callbacks["tick"].callback_time
                                       ) == 1000
    assert _malloc_trim_threshold() is None


def test_an_unreachable_scheduler_is_one_line(cli, tmp_path, monkeypatch):
    path = _sweep_file(tmp_path, SMALL)
    outcome = cli.invoke(["sweep", str(path), "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "0.5",
                          "--out", str(tmp_path / "out")])  # the refusal, without waiting out the 20 s default
    assert outcome.exit_code == 2, outcome.exception
    assert "--scheduler: tcp://127.0.0.1:9: cannot reach the scheduler" in outcome.stderr
