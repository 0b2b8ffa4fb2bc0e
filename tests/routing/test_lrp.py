"""Location-routing: the Prodhon reader, the independent checker and a short engine run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hubplan.core.orlib import reference_dir
from hubplan.errors import InputError, SolverError
from hubplan.routing.lrp.check import LrpRoute, check_solution
from hubplan.routing.lrp.instance import LrpInstance, read_prodhon
from hubplan.routing.lrp.solve import LrpSettings, route_from_depots, solve_lrp

LRP = reference_dir() / "lrp"


def _small() -> LrpInstance:
    """Two depots on a line, three customers: vehicle capacity 2, depot capacity 3."""
    return LrpInstance.from_points([[0, 0], [10, 0]], [[1, 0], [11, 0], [12, 0]], demand=[1, 1, 1],
                                   vehicle_capacity=2, depot_capacity=[3, 2], opening_cost=[100, 100],
                                   route_cost=10, name="small")


# ---------------------------------------------------------------- reader

@pytest.mark.reference
@pytest.mark.skipif(not (LRP / "bks.json").exists(), reason="shared reference folder absent")
@pytest.mark.parametrize("name", sorted(p.name for p in LRP.glob("*.dat")) or ["none"])
def test_reader_reads_every_shipped_instance(name):
    inst = read_prodhon(LRP / name)
    n, m = (int(x) for x in name.removeprefix("coord").split("-")[:2])
    assert (inst.n_customers, inst.n_depots) == (n, m)
    assert inst.cost.shape == (n + m, n + m) and inst.integer_costs
    assert np.array_equal(inst.cost, inst.cost.T) and np.all(inst.cost == np.round(inst.cost))
    assert inst.vehicle_capacity in (70.0, 150.0) and inst.route_cost == 1000.0
    assert inst.depot_capacity.sum() >= inst.demand.sum() > 0
    assert name in json.loads((LRP / "bks.json").read_text())
    assert not inst.cost.flags.writeable


def test_integer_costs_round_up_as_the_best_known_values_do():
    inst = LrpInstance.from_points([[0, 0]], [[3, 4], [1, 1]], demand=[1, 1], vehicle_capacity=2,
                                   depot_capacity=[2], opening_cost=[0], route_cost=0)
    # 3-4-5 stays 500; sqrt(2) * 100 = 141.42 rounds up to 142; sqrt(13) * 100 = 360.56 to 361
    assert inst.cost[0, 1] == 500 and inst.cost[0, 2] == 142 and inst.cost[1, 2] == 361
    real = LrpInstance.from_points([[0, 0]], [[1, 1]], demand=[1], vehicle_capacity=1, depot_capacity=[1],
                                   opening_cost=[0], route_cost=0, integer_costs=False)
    assert real.cost[0, 1] == pytest.approx(math.sqrt(2))


def _write(tmp_path, numbers):
    path = tmp_path / "bad.dat"
    path.write_text(" ".join(str(x) for x in numbers))
    return path


GOOD = [2, 1, 0, 0, 1, 0, 2, 0, 10, 20, 3, 4, 50, 100, 0]


def test_reader_round_trip_of_a_hand_written_file(tmp_path):
    inst = read_prodhon(_write(tmp_path, GOOD))
    assert inst.name == "bad" and inst.n_customers == 2 and inst.n_depots == 1
    assert inst.demand.tolist() == [3, 4] and inst.depot_capacity.tolist() == [20]
    assert inst.opening_cost.tolist() == [50] and inst.route_cost == 100 and inst.vehicle_capacity == 10


@pytest.mark.parametrize(("numbers", "field"), [
    (GOOD[:-3], "file"),
    ([*GOOD[:-1], 7], "cost flag"),
    ([2.5, *GOOD[1:]], "n, m"),
    ([*GOOD[:8], 2, *GOOD[9:]], "demand"),
    ([*GOOD[:9], 5, *GOOD[10:]], "depot capacities"),
    ([*GOOD[:12], -50, *GOOD[13:]], "opening costs"),
])
def test_reader_names_the_bad_field(tmp_path, numbers, field):
    with pytest.raises(InputError) as err:
        read_prodhon(_write(tmp_path, numbers))
    issue = err.value.issues[0]
    assert issue.field == field and str(issue.source).endswith("bad.dat") and issue.fix


def test_reader_rejects_missing_file_and_words(tmp_path):
    with pytest.raises(InputError, match="file: cannot be read"):
        read_prodhon(tmp_path / "absent.dat")
    path = tmp_path / "words.dat"
    path.write_text("20 five")
    with pytest.raises(InputError, match="numbers: not a number"):
        read_prodhon(path)


# ---------------------------------------------------------------- checker

def test_checker_accepts_and_recomputes_a_feasible_solution():
    inst = _small()
    result = check_solution(inst, [LrpRoute(0, (0,)), LrpRoute(1, (1, 2))])
    assert result.feasible and result.violations == ()
    # opening 200, two routes 20, travel 100 + 100 + (100 + 100 + 200)
    assert (result.opening, result.fixed, result.travel, result.cost) == (200.0, 20.0, 600.0, 820.0)
    assert result.open_depots == (0, 1)


def test_checker_rejects_a_route_over_vehicle_capacity():
    result = check_solution(_small(), [LrpRoute(0, (0, 1, 2))])
    assert not result.feasible
    assert result.violations == ("route 0 (depot 0) carries 3, more than the vehicle capacity 2",)


def test_checker_rejects_a_depot_over_capacity():
    result = check_solution(_small(), [LrpRoute(1, (0,)), LrpRoute(1, (1, 2))])
    assert not result.feasible
    assert result.violations == ("depot 1 serves 3, more than its capacity 2",)


def test_checker_rejects_a_customer_served_twice_or_missing():
    twice = check_solution(_small(), [LrpRoute(0, (0, 1)), LrpRoute(1, (1, 2))])
    assert twice.violations == ("customer 1 is served 2 times (must be exactly once)",)
    missing = check_solution(_small(), [LrpRoute(1, (1, 2))])
    assert missing.violations == ("customer 0 is served 0 times (must be exactly once)",)


def test_checker_rejects_bad_indices_and_empty_routes():
    bad = check_solution(_small(), [LrpRoute(2, (0,)), LrpRoute(0, (5,))])
    assert not bad.feasible and math.isnan(bad.cost)
    assert "route 0 starts at depot 2, which does not exist" in bad.violations
    empty = check_solution(_small(), [LrpRoute(0, (0,)), LrpRoute(1, (1, 2)), LrpRoute(0, ())])
    assert not empty.feasible and "route 2 visits no customer" in empty.violations


# ---------------------------------------------------------------- engine

QUICK = LrpSettings(screen_steps=100, starts=2, refine_steps=2_000, move_steps=300, final_count=1,
                    final_steps=20_000, seed=3)


def test_engine_respects_a_tight_depot_capacity():
    """Depot 1 (capacity 2) cannot take the three customers near it: one goes to depot 0."""
    inst = _small()
    result = solve_lrp(inst, QUICK)
    check = check_solution(inst, result.routes)
    assert check.feasible and check.cost == result.cost == 820.0


def test_routing_from_given_depots_uses_only_those():
    inst = _small()
    result = route_from_depots(inst, [0], QUICK)
    assert result.open_depots == (0,)
    check = check_solution(inst, result.routes)
    assert check.feasible and check.cost == result.cost


def test_same_seed_same_solution():
    inst = _small()
    assert solve_lrp(inst, QUICK).routes == solve_lrp(inst, QUICK).routes


@pytest.mark.reference
@pytest.mark.skipif(not (LRP / "bks.json").exists(), reason="shared reference folder absent")
def test_short_run_on_the_smallest_instance_is_feasible_and_near_the_best_known():
    inst = read_prodhon(LRP / "coord20-5-1.dat")
    result = solve_lrp(inst, QUICK)
    check = check_solution(inst, result.routes)
    best_known = json.loads((LRP / "bks.json").read_text())["coord20-5-1.dat"]
    assert check.feasible and check.cost == result.cost
    assert not result.hit_time_limit
    assert check.cost <= 1.03 * best_known


def test_time_cap_stops_the_search_but_not_before_a_feasible_solution():
    inst = _small()
    result = solve_lrp(inst, LrpSettings(time_limit_s=1e-9))
    assert result.hit_time_limit and check_solution(inst, result.routes).feasible


def test_beyond_twelve_candidates_add_drop_swap_finds_the_free_central_depot():
    """13 candidates: one at the centre costs nothing to open, the others 10,000 each."""
    rng = np.random.default_rng(7)
    depots = np.vstack([[[25, 25]], rng.integers(0, 50, size=(12, 2))])
    inst = LrpInstance.from_points(depots, rng.integers(15, 35, size=(8, 2)), demand=np.full(8, 10),
                                   vehicle_capacity=40, depot_capacity=np.full(13, 80),
                                   opening_cost=[0] + [10_000] * 12, route_cost=100)
    result = solve_lrp(inst, QUICK)
    assert result.open_depots == (0,) and check_solution(inst, result.routes).feasible


def test_unpackable_depot_capacities_raise_a_solver_error():
    """Three customers of 2 and depots of 3: the total fits (6) but no customer can be split."""
    inst = LrpInstance.from_points([[0, 0], [10, 0]], [[1, 0], [2, 0], [3, 0]], demand=[2, 2, 2],
                                   vehicle_capacity=6, depot_capacity=[3, 3], opening_cost=[1, 1], route_cost=1)
    with pytest.raises(SolverError, match="no routes within the depot capacities"):
        solve_lrp(inst, LrpSettings(screen_steps=20, refine_steps=50, move_steps=20, final_steps=50))


def test_reader_flag_one_gives_real_costs(tmp_path):
    inst = read_prodhon(_write(tmp_path, [*GOOD[:-1], 1]))
    assert not inst.integer_costs and inst.cost[0].tolist() == [0.0, 1.0, 2.0]
    assert read_prodhon(_write(tmp_path, GOOD)).cost[0].tolist() == [0.0, 100.0, 200.0]
