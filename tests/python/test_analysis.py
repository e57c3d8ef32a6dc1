"""The analysis package opens a run file (lazily) and its figures agree with the summary;
compare() gives the numbers `fleetsim run --baseline` prints."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import SOURCE_DIR, run_fleetsim
from fleetsim_analysis import RunFileError, compare, open_run
from fleetsim_analysis.compare import format_number
from fleetsim_analysis.io import JOB_TIME_COLUMNS


def test_open_run_gives_datetime_hours_and_named_entities(quickstart_h5):
    run = open_run(quickstart_h5)
    assert np.issubdtype(run.site.hour.dtype, np.datetime64)
    assert run.site.hour.values[0] == np.datetime64("2024-01-01T00:00:00")
    assert run.site.sizes["hour"] == 8784
    assert list(run.site.site.values) == ["oregon", "arizona", "stockholm", "dublin", "singapore"]
    assert list(run.region.region.values) == ["us-west", "eu-north", "asia-east"]
    assert run.site.facility_energy_mwh.dims == ("hour", "site")
    assert run.site.facility_energy_mwh.attrs["units"] == "MWh"


def test_series_jobs_and_summary_agree(quickstart_h5):
    run = open_run(quickstart_h5)
    total = float(run.site.facility_energy_mwh.sum())
    assert np.isclose(total, run.summary["facility_energy_mwh"], rtol=1e-12)
    assert np.isclose(float(run.region.load_mwh.sum()), total, rtol=1e-12)
    assert len(run.jobs) == run.summary["jobs_submitted"]
    counts = run.jobs.status.value_counts()
    assert counts.get("completed", 0) == run.summary["jobs_completed"]
    assert np.isclose(run.jobs.energy_mwh.sum(), run.summary["job_energy_mwh"], rtol=1e-9)
    by_region = run.region.load_mwh.sum("hour").to_series()
    assert np.allclose(by_region.values, run.summary_region.loc[by_region.index, "facility_energy_mwh"].values)
    assert isinstance(run.jobs, pd.DataFrame)


def test_open_run_is_lazy(quickstart_h5, monkeypatch):
    opened = []
    real = xr.open_dataset
    monkeypatch.setattr(xr, "open_dataset", lambda *a, **k: opened.append(k.get("group")) or real(*a, **k))
    run = open_run(quickstart_h5)
    assert opened == [] and not {"site", "region", "jobs", "summary_region"} & set(vars(run))
    assert run.summary["jobs_submitted"] > 0 and run.attrs["scenario_name"] == "quickstart"
    site = run.site
    assert opened == ["site"]
    assert not site["pue"].variable._in_memory  # a variable is read when its values are used
    assert float(site["pue"].max()) >= 1.0
    assert run.site is site and opened == ["site"]  # opened once
    run.close()
    with open_run(quickstart_h5, load=True) as loaded:
        assert loaded.site["pue"].variable._in_memory and loaded.region["load_mwh"].variable._in_memory


def test_job_times_as_datetimes_beside_the_seconds(quickstart_h5):
    run = open_run(quickstart_h5)
    jobs = run.jobs
    assert run.start == pd.Timestamp("2024-01-01")
    columns = list(jobs.columns)
    for seconds, name in JOB_TIME_COLUMNS.items():
        assert columns.index(name) == columns.index(seconds) + 1
        assert np.issubdtype(jobs[name].dtype, np.datetime64)
        started = jobs[seconds] >= 0
        assert (jobs.loc[started, name] == run.start + pd.to_timedelta(jobs.loc[started, seconds], unit="s")).all()
        assert jobs.loc[~started, name].isna().all()
    assert jobs["submit_time"].notna().all() and jobs["deadline_time"].isna().any()
    assert (jobs["end_time"] - jobs["start_time"]).dropna().min() > pd.Timedelta(0)


def _printed_table(stdout: str) -> str:
    """The comparison table as the CLI prints it: from the "policy:" line to the end of the rows
    (and the "of attainable" note when it follows)."""
    lines = stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  policy: "))
    end = first + 3
    while end < len(lines) and lines[end].strip():
        end += 1
    if end + 1 < len(lines) and lines[end + 1].startswith("  of attainable:"):
        end += 4
    return "\n".join(lines[first:end]) + "\n"


def test_compare_gives_the_numbers_the_cli_prints(fleetsim_bin: Path, tmp_path: Path):
    scenario = str(SOURCE_DIR / "scenarios" / "quickstart.yaml")
    short = ["--set", "hours=2000"]
    green = tmp_path / "green.h5"
    result = run_fleetsim(fleetsim_bin, "run", scenario, *short, "--set", "scheduler.policy=greenest_site",
                          "--baseline", "fifo", "-o", str(green))
    assert result.returncode == 0, result.stderr
    fifo = tmp_path / "fifo.h5"
    assert run_fleetsim(fleetsim_bin, "run", scenario, *short, "--set", "scheduler.policy=fifo", "-o", str(fifo),
                        "-q").returncode == 0

    stored = compare(open_run(green))  # against the baseline in the file
    assert stored.policy == "greenest_site" and stored.baseline == "fifo" and stored.regions is None
    assert stored.table() == _printed_table(result.stdout)  # the same table, digit for digit
    inspect = run_fleetsim(fleetsim_bin, "inspect", str(green))
    assert stored.table() == _printed_table(inspect.stdout)
    assert list(stored.summary.index)[:4] == ["emissions_location_t", "emissions_market_hourly_t",
                                              "emissions_market_annual_t", "job_emissions_location_t"]
    assert stored.summary.loc["job_emissions_location_t", "attainable"] > 0

    # against the fifo run's own file: the same numbers (runs are deterministic), plus regions
    both = compare(open_run(green), open_run(fifo))
    pd.testing.assert_frame_equal(both.summary, stored.summary)
    exact = {}
    for path in (green, fifo):
        out = run_fleetsim(fleetsim_bin, "inspect", str(path), "--json")
        exact[path] = json.loads(out.stdout)
    for name, row in both.summary.iterrows():  # --json leaves out policy figures that stayed 0
        assert row.policy == exact[green]["summary"].get(name, 0.0)
        assert row.baseline == exact[fifo]["summary"].get(name, 0.0)
        assert row.difference == row.policy - row.baseline
    for a, b in zip(exact[green]["regions"], exact[fifo]["regions"]):
        for figure in ("facility_energy_mwh", "cfe_score", "emissions_location_t"):
            assert both.regions.loc[a["region"], figure] == a[figure] - b[figure]
    assert compare(green, fifo).summary.equals(both.summary)  # paths work too


def test_compare_without_a_baseline_says_so(quickstart_h5):
    with pytest.raises(RunFileError, match="no /baseline in this run"):
        compare(open_run(quickstart_h5))
    assert format_number(1234567.891) == "1,234,567.9" and format_number(-0.00012345) == "-0.0001"
    assert format_number(42.0) == "42" and format_number(3.14159) == "3.142"
