"""Benchmark: click-to-indicators latency of ``hubplan serve`` through its HTTP API, and a bounded load test.

A real server (uvicorn, in a thread of this process) on 127.0.0.1 and a free port
holds ``council-proposal-2026-best.toml`` warm. Each *click* is one ``POST /api/plan``
changing one building from the scenario's best plan (a hub opened or closed, a
specialist service moved: every such change), timed from the request to the parsed
answer with its indicators; the plan cache is emptied before each round, so every
timed click is scored by the library API, not answered from the cache. Reported:
wall milliseconds (median, p95, max), the process CPU milliseconds per click (server
and client share this process), and the load average before and after (the machine
may be shared: CPU time is the figure load disturbs least).

``--sessions N --seconds S`` adds a load test: N sessions (each its own cookie) click
concurrently for S seconds (both bounded), on 127.0.0.1 only; reported: clicks, errors,
p95 latency, and the process's peak memory.

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/serve_clicks.py [--repeat 3] [--sessions 20 --seconds 30]
        [--json benchmarks/results/serve_clicks.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
from latency import latency_summary  # benchmarks/latency.py, beside this script

from hubplan.serve.server import BackgroundServer, open_workshop
from hubplan.serve.workshop import Workshop

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "council-proposal-2026-best.toml"
MAX_SESSIONS = 50
MAX_SECONDS = 120.0


def clicks(workshop: Workshop) -> list[dict[str, str]]:
    """Every one-building change of the starting plan, as ``POST /api/plan`` bodies."""
    board, start = workshop.board, workshop.start_plan
    changes = []
    for site in sorted(board.buildings):
        tiers = start.tiers_of(site)
        changes.append({site: "closed" if "hub" in tiers else board.token((*tiers, "hub"))})
    for tier in board.tiers:
        if tier.kind != "specialist":
            continue
        hosts = [s for s, t in start.open_tiers if tier.name in t]
        for site in sorted(board.buildings):
            if site in hosts:
                continue
            moved = {h: board.token(tuple(t for t in start.tiers_of(h) if t != tier.name)) for h in hosts}
            mine = tuple(t for t in start.tiers_of(site) if t != tier.name)
            if len(mine) + 1 <= board.tiers_per_site:
                changes.append({**moved, site: board.token((*mine, tier.name))})
    return changes


def _timed_clicks(url: str, workshop: Workshop, changes: list[dict[str, str]], repeat: int) -> dict[str, object]:
    wall, cpu, answered = [], [], 0
    with httpx.Client(base_url=url, timeout=60.0) as client:
        client.get("/api/plan")
        for _ in range(repeat):
            workshop.forget()
            for change in changes:
                client.post("/api/reset")
                w0, c0 = time.perf_counter(), time.process_time()
                answer = client.post("/api/plan", json={"roles": change})
                body = answer.json()
                wall.append((time.perf_counter() - w0) * 1000.0)
                cpu.append((time.process_time() - c0) * 1000.0)
                answer.raise_for_status()
                answered += body["indicators"] is not None
    return {"wall_ms": latency_summary(wall), "cpu_ms": latency_summary(cpu),
            "feasible_share": answered / max(len(wall), 1)}


def _load(url: str, changes: list[dict[str, str]], sessions: int, seconds: float) -> dict[str, object]:
    sessions, seconds = min(sessions, MAX_SESSIONS), min(seconds, MAX_SECONDS)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def table(index: int) -> None:
        with httpx.Client(base_url=url, timeout=60.0) as client:
            k = index
            while time.monotonic() < deadline:
                change = changes[k % len(changes)]
                k += 1
                start = time.perf_counter()
                try:
                    answer = client.post("/api/plan", json={"roles": change})
                    ok = answer.status_code == 200 and "roles" in answer.json()
                except httpx.HTTPError as err:
                    ok, answer = False, err  # type: ignore[assignment]
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000.0)
                    if not ok:
                        errors.append(str(getattr(answer, "status_code", answer)))

    threads = [threading.Thread(target=table, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120.0)
    return {"sessions": sessions, "seconds": seconds, "clicks": len(latencies), "errors": len(errors),
            "error_samples": errors[:5], "wall_ms": latency_summary(latencies),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and optionally write its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="rounds of every click (cache emptied each round)")
    ap.add_argument("--sessions", type=int, default=0, help=f"load test: concurrent sessions (at most {MAX_SESSIONS})")
    ap.add_argument("--seconds", type=float, default=30.0, help=f"load test: duration (at most {MAX_SECONDS:g} s)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)

    load_before = os.getloadavg()
    opened = time.perf_counter()
    workshop = open_workshop(SCENARIO)
    open_seconds = time.perf_counter() - opened
    changes = clicks(workshop)
    result: dict[str, object] = {
        "benchmark": "serve_clicks", "date": datetime.now(UTC).strftime("%Y-%m-%d"), "scenario": SCENARIO.name,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": [round(x, 2) for x in load_before]},
        "open_seconds": round(open_seconds, 2), "clicks": len(changes), "repeat": args.repeat,
    }
    with tempfile.TemporaryDirectory() as out, BackgroundServer(workshop, Path(out)) as url:
        started = time.perf_counter()
        with httpx.Client(base_url=url, timeout=30.0) as client:
            client.get("/").raise_for_status()
        result["first_page_seconds"] = round(time.perf_counter() - started, 3)
        result["http"] = _timed_clicks(url, workshop, changes, args.repeat)
        if args.sessions > 0:
            workshop.forget()
            result["load"] = _load(url, changes, args.sessions, args.seconds)
    result["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]  # type: ignore[index]
    http = result["http"]
    print(f"{len(changes)} clicks x {args.repeat}: wall median {http['wall_ms']['median']:.1f} ms, "  # type: ignore[index]
          f"p95 {http['wall_ms']['p95']:.1f} ms; CPU median {http['cpu_ms']['median']:.1f} ms, "  # type: ignore[index]
          f"p95 {http['cpu_ms']['p95']:.1f} ms; load {load_before[0]:.1f}")  # type: ignore[index]
    if "load" in result:
        load = result["load"]
        print(f"load test: {load['sessions']} sessions x {load['seconds']:g} s: {load['clicks']} clicks, "  # type: ignore[index]
              f"{load['errors']} errors, p95 {load['wall_ms'].get('p95', float('nan')):.0f} ms, "  # type: ignore[index]
              f"peak RSS {load['peak_rss_mb']:.0f} MB")  # type: ignore[index]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
