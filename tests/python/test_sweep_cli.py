"""fleetsim sweep end to end: the same summary serially, with --jobs 2, from merged shards and
after a killed sweep is restarted; a bad sweep file fails before any run."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np

from conftest import SOURCE_DIR, run_fleetsim

SCENARIO = SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"
SWEEP = """name: small
mode: grid
parameters:
  regions.0.grid.solar_share: [0.1, 0.3]
  scheduler.policy: [fifo, temporal_shift, power_cap]
"""
SETS = ["--set", "hours=1000"]


def sweep(fleetsim_bin: Path, sweep_file: Path, out: Path, *args: str):
    return run_fleetsim(fleetsim_bin, "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o", str(out),
                        *SETS, "--quiet", *args)


def test_serial_jobs_and_merged_shards_give_the_same_summary(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "small.yaml"
    sweep_file.write_text(SWEEP)
    serial, parallel, sharded = tmp_path / "serial", tmp_path / "parallel", tmp_path / "sharded"
    assert sweep(fleetsim_bin, sweep_file, serial).returncode == 0
    assert sweep(fleetsim_bin, sweep_file, parallel, "--jobs", "2").returncode == 0
    assert sweep(fleetsim_bin, sweep_file, sharded, "--shard", "1/2").returncode == 0
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1"}
    second = subprocess.run([str(fleetsim_bin), "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o",
                             str(sharded), *SETS, "--quiet"], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert (sharded / "sweep_summary.shard-1-of-2.csv").exists()
    assert (sharded / "sweep_summary.shard-2-of-2.csv").exists()
    assert sweep(fleetsim_bin, sweep_file, sharded, "--merge").returncode == 0
    whole = (serial / "sweep_summary.csv").read_bytes()
    assert (parallel / "sweep_summary.csv").read_bytes() == whole
    assert (sharded / "sweep_summary.csv").read_bytes() == whole
    assert (parallel / "sweep_summary.h5").read_bytes() == (serial / "sweep_summary.h5").read_bytes()
    assert (sharded / "sweep_summary.h5").read_bytes() == (serial / "sweep_summary.h5").read_bytes()
    # the summary holds every run's /summary, in run order, with its parameters
    with h5py.File(serial / "sweep_summary.h5", "r") as f:
        runs = f["runs"]
        names = runs["name"].asstr()[...]
        assert list(runs["run"][...]) == list(range(6))
        assert list(runs["scheduler.policy"].asstr()[...]) == ["fifo", "temporal_shift", "power_cap"] * 2
        for i, name in enumerate(names):
            with h5py.File(serial / f"{name}.h5", "r") as run:
                assert run.attrs["complete"] == 1
                assert runs["emissions_location_t"][i] == run["summary"].attrs["emissions_location_t"]
        assert runs["emissions_location_t"][1] < runs["emissions_location_t"][0]  # shifting helps
    import pandas as pd
    import xarray as xr
    table = pd.read_csv(serial / "sweep_summary.csv", float_precision="round_trip")  # exact doubles
    ds = xr.open_dataset(serial / "sweep_summary.h5", engine="h5netcdf", group="runs")
    assert list(table["scheduler.policy"]) == [str(v) for v in ds["scheduler.policy"].values]
    assert np.array_equal(table["cfe_score"].to_numpy(), ds["cfe_score"].to_numpy())
    assert set(table["status"]) == {"ok"}


def test_a_killed_sweep_restarts_where_it_stopped(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "small.yaml"
    sweep_file.write_text(SWEEP)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert sweep(fleetsim_bin, sweep_file, clean).returncode == 0
    proc = subprocess.Popen([str(fleetsim_bin), "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o", str(killed),
                             "--set", "hours=8784", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(killed.glob("run-*.h5")):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = sorted(p.name for p in killed.glob("run-*.h5"))
    assert len(done_before) < 6, "the sweep finished before it could be killed"
    for p in killed.glob("run-*.h5"):
        with h5py.File(p, "r") as f:
            assert f.attrs["complete"] == 1  # nothing that looks complete is half-written
    # a restart with the first horizon reruns only what is missing
    result = run_fleetsim(fleetsim_bin, "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o", str(killed),
                          "--set", "hours=8784")
    assert result.returncode == 0, result.stderr
    assert f"{len(done_before)} already complete" in result.stdout
    assert not list(killed.glob("*.tmp-*"))  # the killed writer's temporary file was cleaned up
    full = tmp_path / "full"
    assert run_fleetsim(fleetsim_bin, "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o", str(full),
                        "--set", "hours=8784", "--quiet").returncode == 0
    assert (killed / "sweep_summary.csv").read_bytes() == (full / "sweep_summary.csv").read_bytes()


def test_a_bad_sweep_file_fails_before_any_run(fleetsim_bin: Path, tmp_path: Path):
    cases = {
        "unknown_key.yaml": ("parameters:\n  regions.0.grid.solar_shar: [0.1, 0.2]\n",
                             "regions[0].grid.solar_shar: unknown key (did you mean 'solar_share'?)"),
        "empty_range.yaml": ("parameters:\n  regions.0.grid.solar_share: {from: 0.3, to: 0.1, step: 0.1}\n",
                             "empty_range.yaml:2: parameters.regions.0.grid.solar_share: empty range"),
        "bad_value.yaml": ("parameters:\n  sites.0.pue: [1.2, 0.5]\n", "sites[0].pue"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        out = tmp_path / f"out_{name}"
        result = sweep(fleetsim_bin, path, out)
        assert result.returncode == 2, (name, result.stderr)
        assert message in result.stderr, (name, result.stderr)
        assert not out.exists() or not list(out.iterdir()), name


def test_mpirun_gives_the_serial_summary(fleetsim_bin: Path, tmp_path: Path):
    import shutil
    import pytest
    mpirun = shutil.which("mpirun")
    version = run_fleetsim(fleetsim_bin, "--version").stdout
    if mpirun is None or "with MPI" not in version:
        pytest.skip("mpirun or an MPI build is absent (docs/hpc.md)")
    sweep_file = tmp_path / "small.yaml"
    sweep_file.write_text(SWEEP)
    serial, mpi = tmp_path / "serial", tmp_path / "mpi"
    assert sweep(fleetsim_bin, sweep_file, serial).returncode == 0
    launch = [mpirun, "-np", "2", "--oversubscribe"]
    if os.geteuid() == 0:
        launch.append("--allow-run-as-root")
    result = subprocess.run([*launch, str(fleetsim_bin), "sweep", str(SCENARIO), "--grid", str(sweep_file), "-o",
                             str(mpi), *SETS], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "on 2 MPI ranks" in result.stdout
    assert (mpi / "sweep_summary.csv").read_bytes() == (serial / "sweep_summary.csv").read_bytes()
    assert (mpi / "sweep_summary.h5").read_bytes() == (serial / "sweep_summary.h5").read_bytes()
    for p in serial.glob("run-*.h5"):
        assert (mpi / p.name).read_bytes() == p.read_bytes()  # each run's file, whichever rank wrote it
    # a bad sweep file stops every rank before any run
    bad = tmp_path / "bad.yaml"
    bad.write_text("parameters:\n  regions.0.grid.solar_shar: [0.1]\n")
    refused = subprocess.run([*launch, str(fleetsim_bin), "sweep", str(SCENARIO), "--grid", str(bad), "-o",
                              str(tmp_path / "bad_out"), *SETS], capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0
    assert "unknown key" in refused.stderr
    assert not (tmp_path / "bad_out").exists()
