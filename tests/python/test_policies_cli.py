"""Scheduling policies from the command line: the catalog, --baseline, the stored comparison."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from conftest import SOURCE_DIR, run_fleetsim

SHIFT = SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"


def test_catalog_lists_every_policy_and_parameter(fleetsim_bin: Path):
    out = run_fleetsim(fleetsim_bin, "catalog")
    assert out.returncode == 0, out.stderr
    for name in ("fifo", "greenest_site", "temporal_shift", "power_cap"):
        assert f"\n  {name}  [" in out.stdout
    for param in ("greenest_site.max_wait_h", "temporal_shift.max_delay_h", "temporal_shift.min_saving",
                  "power_cap.cap", "power_cap.exponent"):
        assert f"scheduler.{param}" in out.stdout
    assert "persistence" in out.stdout


def test_baseline_comparison_is_printed_and_stored(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "shift.h5"
    fifo = tmp_path / "fifo.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(out), "--baseline", "fifo",
                          "--set", "hours=720")
    assert result.returncode == 0, result.stderr
    assert "against the baseline 'fifo'" in result.stdout
    assert "emissions_location_t" in result.stdout.split("against the baseline")[1]
    alone = run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(fifo), "--set", "hours=720",
                         "--set", "scheduler.policy=fifo", "--quiet")
    assert alone.returncode == 0, alone.stderr
    with h5py.File(out, "r") as f, h5py.File(fifo, "r") as g:
        assert f.attrs["policy"] == "temporal_shift"
        assert f["baseline"].attrs["policy"] == "fifo"
        # the stored baseline is the same run as fifo alone, value for value
        for name, value in g["summary"].attrs.items():
            assert f["baseline"].attrs[name] == value, name
        # and so is its per-region table, column for column
        assert set(f["baseline/region"]) == set(g["summary/region"])
        for name in g["summary/region"]:
            assert np.array_equal(f["baseline/region"][name][...], g["summary/region"][name][...], equal_nan=True) \
                if f["baseline/region"][name].dtype.kind == "f" else \
                list(f["baseline/region"][name][...]) == list(g["summary/region"][name][...]), name
        # the policy moved work into cleaner hours: fewer emissions for the same jobs
        assert f["summary"].attrs["emissions_location_t"] < g["summary"].attrs["emissions_location_t"]
        jobs = f["jobs"]
        held = jobs["deferred_s"][...] + jobs["paused_s"][...]
        assert (held > 0).sum() == f["summary"].attrs["jobs_held"]
        done = jobs["end_s"][...] >= 0
        # finished jobs ran their nominal time plus checkpoints, apart from held time
        run_time = jobs["end_s"][...] - jobs["start_s"][...] - jobs["paused_s"][...]
        nominal = jobs["end_s"][...] - jobs["submit_s"][...] - jobs["delay_s"][...]
        assert np.array_equal(run_time[done], (nominal + jobs["checkpoint_s"][...])[done])
        assert f["site/power_cap"].attrs["units"] == b"1" or f["site/power_cap"].attrs["units"] == "1"
    inspect = run_fleetsim(fleetsim_bin, "inspect", str(out))
    assert inspect.returncode == 0, inspect.stderr
    assert "against the baseline 'fifo' stored in the file" in inspect.stdout
    assert "policy              temporal_shift" in inspect.stdout


def test_unknown_baseline_policy_is_bad_input(fleetsim_bin: Path, tmp_path: Path):
    result = run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(tmp_path / "x.h5"), "--baseline", "fifoo")
    assert result.returncode == 2
    assert "--baseline" in result.stderr and "unknown policy 'fifoo'" in result.stderr
    assert not list(tmp_path.iterdir())


def test_empty_baseline_is_bad_input(fleetsim_bin: Path, tmp_path: Path):
    result = run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(tmp_path / "x.h5"), "--baseline", "")
    assert result.returncode == 2
    assert "--baseline" in result.stderr
    assert not list(tmp_path.iterdir())


def test_policy_output_is_bit_identical_across_thread_counts(fleetsim_bin: Path, tmp_path: Path):
    one, two = tmp_path / "t1.h5", tmp_path / "t2.h5"
    args = ["--set", "hours=1000", "--set", "scheduler.policy=temporal_shift+power_cap", "--quiet"]
    assert run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(one), "--threads", "1", *args).returncode == 0
    assert run_fleetsim(fleetsim_bin, "run", str(SHIFT), "-o", str(two), "--threads", "2", *args).returncode == 0
    assert one.read_bytes() == two.read_bytes()


def test_alibaba_trace_on_real_grids_against_fifo(fleetsim_bin: Path, tmp_path: Path):
    """The real-data run of docs/policies.md: the Alibaba trace on CISO and PJM grids."""
    import os
    import pytest
    shared = Path(os.environ.get("FLEETSIM_SHARED_DATA", SOURCE_DIR.parent / "shared" / "data"))
    needed = [shared / "traces" / "alibaba_openb_gpu_tasks_2023.csv",
              shared / "grid" / "eia930_2022_CISO.csv", shared / "grid" / "eia930_2022_PJM.csv"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        pytest.skip(f"shared data absent ({', '.join(missing)}): the shared folder is not next to the checkout")
    out = tmp_path / "alibaba_policy.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "alibaba_carbon_aware.yaml"),
                          "--set", f"workload.traces.0.file={needed[0]}",
                          "--set", f"regions.0.grid.file={needed[2]}", "--set", f"regions.1.grid.file={needed[1]}",
                          "--baseline", "fifo", "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    with h5py.File(out, "r") as f:
        s, b = f["summary"].attrs, f["baseline"].attrs
        assert s["jobs_submitted"] == b["jobs_submitted"] == 6203
        assert s["jobs_deadline_missed"] == 0
        # running the short tasks on CISO's cleaner grid cuts their own emissions by over a third
        assert s["job_emissions_location_t"] < 0.7 * b["job_emissions_location_t"]
        assert s["emissions_location_t"] < b["emissions_location_t"]
