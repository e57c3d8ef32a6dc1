#!/usr/bin/python3
"""A what-if over 10 variants of the quickstart (a contract from 10 to 100 MW), two ways, in
one run of this script (docs/performance.md, "Python module"):

  cli:       10 x `fleetsim run scenarios/quickstart.yaml --set ... -o run.h5 -q`, each a new
             process, its summary read back from the file with fleetsim_analysis;
  python:    one process: fleetsim.load_scenario once, then 10 x with_overrides + fleetsim.run,
             the summary read from the result (no files);
  python+h5: the same, each result also written with to_hdf5 (what the CLI writes).

Each is repeated (default 5 rounds, interleaved) and the median of the rounds printed, with the
ratio python / cli. Usage (from the checkout, after the build):

    PYTHONPATH=build/python /usr/bin/python3 bench/python_whatif.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fleetsim
from fleetsim_analysis import open_run

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "quickstart.yaml"
KEY = "regions.0.contracts.0.capacity_mw"
VARIANTS = [10 * (i + 1) for i in range(10)]


def cli(binary: Path, folder: Path) -> list[float]:
    scores = []
    for mw in VARIANTS:
        out = folder / "run.h5"
        subprocess.run([str(binary), "run", str(SCENARIO), "--set", f"{KEY}={mw}", "-o", str(out), "-q"], check=True)
        scores.append(open_run(out).summary["cfe_score"])
    return scores


def python(folder: Path | None) -> list[float]:
    sc = fleetsim.load_scenario(SCENARIO)
    scores = []
    for mw in VARIANTS:
        result = fleetsim.run(sc.with_overrides({KEY: mw}))
        if folder is not None:
            result.to_hdf5(folder / "py.h5")
        scores.append(result.summary["cfe_score"])
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fleetsim", type=Path, default=ROOT / "build" / "sim" / "cli" / "fleetsim")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"cli": [], "python": [], "python+h5": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(args.rounds):
            for name, work in (("cli", lambda: cli(args.fleetsim, folder)), ("python", lambda: python(None)),
                               ("python+h5", lambda: python(folder))):
                started = time.perf_counter()
                scores = work()
                times[name].append(time.perf_counter() - started)
                assert len(scores) == len(VARIANTS)
        assert cli(args.fleetsim, folder) == python(None), "the two ways disagree"
    cli_s = statistics.median(times["cli"])
    print(f"10 variants of the quickstart (a year each), median of {args.rounds} rounds:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:10s} {median:6.2f} s  ({median / 10 * 1000:5.0f} ms a variant)  "
              f"ratio to cli {median / cli_s:4.2f}  [{', '.join(f'{v:.2f}' for v in values)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
