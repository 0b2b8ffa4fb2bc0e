"""Benchmark: ``hubplan transport`` on client files of N seeded real Dorset postcodes: time, peak memory, outcome.

Each size writes a client file of N postcodes drawn (seeded) from the study area's
13,235, one attendee each, into a copy of ``scenarios/dorset-current.toml`` with a
``[transport]`` table, and runs ``hubplan transport`` as a separate process. Recorded:
exit code, wall seconds, the peak resident memory of the largest process (the command or
a routing worker: ``RUSAGE_CHILDREN``, so run one size per invocation for a clean
figure), and the first stderr line. A size whose busiest site would carry more than
``MAX_PASSENGERS_PER_SITE`` passengers is refused with one line before routing.

Usage::

    .venv/bin/python benchmarks/transport_scale.py [--clients 5000] [--time-limit 30] [--seed 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hubplan.data.study import load_study_area

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "data" / "geo" / "study.gpkg"


def _scenario(folder: Path, clients: int, time_limit_s: float, seed: int) -> Path:
    study = load_study_area(STUDY)
    rng = np.random.default_rng(seed)
    codes = study.postcodes["postcode"].to_numpy()[rng.integers(0, len(study.postcodes), clients)]
    pd.DataFrame({"postcode": codes, "segment": "older_people", "attendees": 1}).to_csv(
        folder / "clients.csv", index=False)
    text = (REPO / "scenarios" / "dorset-current.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "clients-{clients}"', text, count=1)
    text = re.sub(r"(?ms)^\[demand\]\n.*?(?=^\[(?!\[demand\.))",
                  '[demand]\nmethod = "client_file"\nclient_file = "clients.csv"\n\n', text)
    text += f"\n[transport]\ntime_limit_s = {time_limit_s}\n"
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = _scenario(folder, args.clients, args.time_limit, args.seed)
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "hubplan"), "--no-progress", "transport",
                               str(scenario), "--study", str(STUDY), "--out", str(folder / "out")],
                              capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    record = {"clients": args.clients, "time_limit_s": args.time_limit, "seed": args.seed,
              "exit_code": done.returncode, "seconds": round(seconds, 1), "peak_mb_largest_process": round(peak_mb),
              "stderr_first_line": (done.stderr.splitlines() or [""])[0][:300]}
    print(json.dumps(record, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
