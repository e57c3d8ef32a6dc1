"""Sweeps that resume, and sweeps that share a folder (docs/reliability.md, "Output and
sweeps"): a run file is reused only for the run it holds, and a folder belongs to one sweep
(or to the shards of one sweep) at a time."""
from __future__ import annotations

import subprocess
from pathlib import Path

import h5py

from conftest import SOURCE_DIR

SCENARIO = SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"
SWEEP = "parameters:\n  scheduler.policy: [fifo, temporal_shift]\n"


def sweep(fleetsim_bin: Path, scenario: Path, sweep_file: Path, out: Path, *args: str,
          env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(fleetsim_bin), "sweep", str(scenario), "--grid", str(sweep_file), "-o", str(out),
                           *args], capture_output=True, text=True, timeout=600, env=env)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def run_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("run-*.h5"))}


def test_a_resumed_sweep_reuses_only_runs_of_the_scenario_asked_for(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(SWEEP)
    out = tmp_path / "out"
    first = sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=300")
    assert first.returncode == 0, first.stderr
    files = run_files(out)
    assert len(files) == 2
    again = sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=300")
    assert again.returncode == 0 and "(0 ran, 2 already complete" in again.stdout
    # the same effective scenario from another file (a comment added): still reused
    commented = tmp_path / "commented.yaml"
    commented.write_text("# the same scenario\n" + SCENARIO.read_text())
    same = sweep(fleetsim_bin, commented, sweep_file, out, "--set", "hours=300")
    assert same.returncode == 0 and "(0 ran, 2 already complete" in same.stdout, same.stderr
    # another --set, another scenario: refused before any run, files untouched
    line = one_line(sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=400"))
    assert line == (f"fleetsim: error: {out}: holds 2 complete runs of another scenario or --set than this sweep asks "
                    "for (run-0000_policy=fifo.h5 differs in hours); rerun them with --force, or use another folder")
    reseeded = tmp_path / "reseeded.yaml"
    reseeded.write_text(SCENARIO.read_text().replace("\nseed: 7\n", "\nseed: 8\n"))
    assert "differs in seed" in one_line(sweep(fleetsim_bin, reseeded, sweep_file, out, "--set", "hours=300"))
    assert "differs in hours" in one_line(sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=400",
                                                "--merge"))
    assert "--force: reruns runs; --merge runs none" in one_line(
        sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--merge", "--force"))
    assert run_files(out) == files
    # --force reruns them, and the files hold the new runs
    forced = sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=400", "--force", "--quiet")
    assert forced.returncode == 0, forced.stderr
    for name in files:
        with h5py.File(out / name, "r") as f:
            assert f.attrs["hours"] == 400 and f.attrs["complete"] == 1
    rows = (out / "sweep_summary.csv").read_text().splitlines()
    assert len(rows) == 3 and all(",ok," in row for row in rows[1:])


def test_a_shard_of_another_scenario_is_refused_at_the_merge(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(SWEEP)
    out = tmp_path / "out"
    assert sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=300", "--shard", "1/2").returncode == 0
    assert sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=400", "--shard", "2/2").returncode == 0
    line = one_line(sweep(fleetsim_bin, SCENARIO, sweep_file, out, "--set", "hours=400", "--merge"))
    assert "holds 1 complete run of another scenario or --set" in line
    assert "run-0000_policy=fifo.h5 differs in hours" in line
    assert not (out / "sweep_summary.csv").exists()
