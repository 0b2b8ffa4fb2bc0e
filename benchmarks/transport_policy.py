"""Transport figures of the shipped Dorset plans under the ride policy and objectives: the before/after and trade-off.

Usage::

    python benchmarks/transport_policy.py --json benchmarks/results/transport-policy.json \
        [--before proposal=OUT/council-proposal-2026/metrics.json --before best=...] [--values 0 5 10 20 40]
    python benchmarks/transport_policy.py --markdown benchmarks/results/transport-policy.json

Routes ``scenarios/council-proposal-2026.toml`` (the council's proposal) and
``scenarios/council-proposal-2026-best.toml`` (the best plan under its rules) at their
shipped ``[transport]`` settings, once with the generalised cost (the shipped objective) and
once with the vehicle-only objective under the same ride policy; then the best plan at each
value of time in ``--values`` (the trade-off curve of annual cost against mean and 90th
percentile ride), and at each ride policy of :data:`POLICIES` (ceiling and margin: the
cost of the policy itself). Each run records the overall transport figures and the routing's wall
seconds (a speed figure of this machine, not of the plan). ``--before`` adds the overall
figures of earlier runs' ``metrics.json`` (e.g. made before the policy changed).
``--markdown`` prints the tables of ``docs/transport-policy.md`` from such a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = {"proposal": "council-proposal-2026.toml", "best": "council-proposal-2026-best.toml"}

#: Ride policies of the second curve: (max_ride_minutes, max_ride_margin_minutes), None = no margin.
POLICIES: tuple[tuple[float, float | None], ...] = (
    (90.0, None), (75.0, None), (60.0, None), (60.0, 45.0), (60.0, 30.0), (60.0, 20.0), (45.0, 20.0))

#: The figures kept per run (keys of metrics.json's transport blocks).
KEYS = ("passengers", "vehicles", "vehicle_km_day", "ride_mean_minutes", "ride_p90_minutes", "ride_max_minutes",
        "direct_mean_minutes", "ride_over_direct", "exception_passengers", "co2e_tonnes_year", "cost_gbp_year",
        "generalised_cost_gbp_day")


def _run(plan: str, changes: dict[str, object], study: Path) -> dict[str, object]:
    """One routed run of a shipped scenario with ``[transport]`` changes: its overall figures and seconds."""
    from hubplan.pipeline import run_scenario
    from hubplan.scenario import load_scenario

    scenario = load_scenario(REPO / "scenarios" / SCENARIOS[plan])
    assert scenario.transport is not None
    scenario = scenario.model_copy(update={"transport": scenario.transport.model_copy(update=changes)})
    started = time.perf_counter()
    record = run_scenario(scenario, study_path=study)
    plan_record = record.transport
    assert plan_record is not None
    overall = plan_record.overall().as_dict()
    return {
        "plan": plan, "changes": changes, "status": plan_record.status,
        "routing_seconds": round(plan_record.seconds, 1), "command_seconds": round(time.perf_counter() - started, 1),
        "overall": {key: overall.get(key) for key in KEYS},
    }


def measure(values: Sequence[float], study: Path, before: dict[str, Path]) -> dict[str, object]:
    """Every run of the module docstring, in order."""
    runs = []
    for plan in SCENARIOS:
        runs.append({"label": f"{plan}: after (shipped)", **_run(plan, {}, study)})
        runs.append({"label": f"{plan}: after, vehicle-only objective", **_run(plan, {"objective": "vehicles"}, study)})
    curve = [{"label": f"best: value of time GBP {value:g}/h", **_run("best", {"value_of_time_gbp_per_hour": value},
                                                                        study)}
             for value in values]
    policies = [{"label": f"best: ceiling {ceiling:g} min, margin {'none' if margin is None else f'{margin:g} min'}",
                 **_run("best", {"max_ride_minutes": ceiling, "max_ride_margin_minutes": margin}, study)}
                for ceiling, margin in POLICIES]
    earlier = {}
    for name, path in before.items():
        overall = json.loads(path.read_text(encoding="utf-8"))["transport"]["overall"]
        earlier[name] = {key: overall.get(key) for key in KEYS}
    return {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]},
            "runs": runs, "curve": curve, "policies": policies, "before": earlier}


def _cell(value: object, key: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if key in ("ride_over_direct",):
            return f"{value:.2f}"
        if key.startswith(("cost", "generalised")) or key == "vehicle_km_day":
            return f"{value:,.0f}"
        return f"{value:.1f}"
    return str(value)


def markdown(results: dict) -> str:
    """The before/after table and the trade-off table, as Markdown."""
    columns = ("vehicles", "vehicle_km_day", "ride_mean_minutes", "ride_p90_minutes", "ride_max_minutes",
               "direct_mean_minutes", "ride_over_direct", "exception_passengers", "co2e_tonnes_year", "cost_gbp_year")
    heads = ("vehicles", "veh-km/day", "ride mean", "ride p90", "ride max", "direct mean", "ride/direct",
             "by taxi", "CO2e t/yr", "cost GBP/yr")
    lines = ["| run | " + " | ".join(heads) + " | routing s |", "|---" * (len(heads) + 2) + "|"]
    rows = [(f"{name}: before", block, None) for name, block in results.get("before", {}).items()]
    rows += [(run["label"], run["overall"], run["routing_seconds"]) for run in results["runs"]]
    for label, block, seconds in rows:
        cells = [_cell(block.get(key), key) for key in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'-' if seconds is None else seconds} |")
    lines += ["", "| value of time (GBP/h) | vehicles | cost GBP/yr | ride mean | ride p90 | ride/direct | "
              "routing s |", "|---|---|---|---|---|---|---|"]
    for run in results["curve"]:
        block = run["overall"]
        value = run["changes"]["value_of_time_gbp_per_hour"]
        lines.append(f"| {value:g} | " + " | ".join(_cell(block.get(k), k) for k in
                     ("vehicles", "cost_gbp_year", "ride_mean_minutes", "ride_p90_minutes", "ride_over_direct"))
                     + f" | {run['routing_seconds']} |")
    lines += ["", "| ride policy (best plan) | vehicles | cost GBP/yr | ride mean | ride p90 | ride max | by taxi | "
              "routing s |", "|---|---|---|---|---|---|---|---|"]
    for run in results.get("policies", []):
        block = run["overall"]
        lines.append(f"| {run['label'].removeprefix('best: ')} | " + " | ".join(_cell(block.get(k), k) for k in
                     ("vehicles", "cost_gbp_year", "ride_mean_minutes", "ride_p90_minutes", "ride_max_minutes",
                      "exception_passengers")) + f" | {run['routing_seconds']} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Measure (``--json``) or print the tables of a measured file (``--markdown``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="measure and write the results here")
    ap.add_argument("--markdown", type=Path, help="print the tables of this results file")
    ap.add_argument("--study", type=Path, default=REPO / "data" / "geo" / "study.gpkg")
    ap.add_argument("--values", type=float, nargs="+", default=[0.0, 5.0, 10.0, 20.0, 40.0],
                    help="values of time (GBP/h) of the trade-off curve")
    ap.add_argument("--before", action="append", default=[], metavar="NAME=METRICS",
                    help="an earlier run's metrics.json to show as NAME: before")
    args = ap.parse_args(argv)
    if args.markdown is not None:
        sys.stdout.write(markdown(json.loads(args.markdown.read_text(encoding="utf-8"))))
        return 0
    if args.json is None:
        ap.error("give --json OUT to measure or --markdown FILE to print")
    before = {item.split("=", 1)[0]: Path(item.split("=", 1)[1]) for item in args.before}
    results = measure(args.values, args.study, before)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
