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


SWEEP3 = "parameters:\n  scheduler.policy: [fifo, temporal_shift, power_cap]\n"
YEAR = ["--set", "hours=8784"]


def start(fleetsim_bin: Path, sweep_file: Path, out: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([str(fleetsim_bin), "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o", str(out),
                             *YEAR, "--quiet", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def wait_until_running(out: Path, proc: subprocess.Popen) -> None:
    import time
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if (out / ".fleetsim-sweep.lock").exists() and any(".tmp-" in p.name for p in out.iterdir()):
            return
        time.sleep(0.01)
    raise AssertionError("the first sweep did not start writing in time")


def test_a_second_sweep_into_a_busy_folder_fails_at_once_and_the_first_completes(fleetsim_bin: Path,
                                                                                   tmp_path: Path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(SWEEP3)
    out = tmp_path / "out"
    first = start(fleetsim_bin, sweep_file, out)
    try:
        wait_until_running(out, first)
        for args in ([], ["--shard", "1/2"], ["--merge"]):
            second = sweep(fleetsim_bin, SCENARIO, sweep_file, out, *YEAR, "--quiet", *args)
            line = one_line(second)
            assert line.startswith(f"fleetsim: error: {out}: is in use by another fleetsim sweep (pid {first.pid} on "
                                   "host "), line
            assert first.poll() is None, "the first sweep ended before the second was refused"
    finally:
        _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    rows = (out / "sweep_summary.csv").read_text().splitlines()
    assert len(rows) == 4 and all(",ok," in row for row in rows[1:])
    for p in out.glob("run-*.h5"):
        with h5py.File(p, "r") as f:
            assert f.attrs["complete"] == 1
    assert not list(out.glob("*.tmp-*"))


def test_shards_run_side_by_side_in_one_folder_and_merge_to_the_serial_summary(fleetsim_bin: Path, tmp_path: Path):
    import os
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(SWEEP3)
    out, serial = tmp_path / "out", tmp_path / "serial"
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1"}
    one = start(fleetsim_bin, sweep_file, out, "--shard", "1/2")
    two = start(fleetsim_bin, sweep_file, out, env=env)  # a Slurm array task
    try:
        wait_until_running(out, one)
        # a requeued copy of a shard that still runs is refused; so is another shard count
        line = one_line(sweep(fleetsim_bin, SCENARIO, sweep_file, out, *YEAR, "--shard", "1/2"))
        assert line.startswith(f"fleetsim: error: {out}: is in use by another copy of shard 1/2 (pid {one.pid} on "), \
            line
        assert "is in use by the shards of 2 of a fleetsim sweep" in one_line(
            sweep(fleetsim_bin, SCENARIO, sweep_file, out, *YEAR, "--shard", "1/3"))
    finally:
        results = [p.communicate(timeout=600) for p in (one, two)]
    assert one.returncode == 0 and two.returncode == 0, results
    assert sweep(fleetsim_bin, SCENARIO, sweep_file, out, *YEAR, "--merge", "--quiet").returncode == 0
    assert sweep(fleetsim_bin, SCENARIO, sweep_file, serial, *YEAR, "--quiet").returncode == 0
    assert (out / "sweep_summary.csv").read_bytes() == (serial / "sweep_summary.csv").read_bytes()
    assert (out / "sweep_summary.h5").read_bytes() == (serial / "sweep_summary.h5").read_bytes()
