"""The analysis package opens a run file and its figures agree with the summary."""
from __future__ import annotations

import numpy as np
import pandas as pd

from fleetsim_analysis import open_run


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
