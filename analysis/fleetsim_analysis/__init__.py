"""Python tools for fleetsim run files and sweeps (HDF5; docs/output-format.md, docs/analysis.md).

    from fleetsim_analysis import open_run, open_sweep
    run = open_run("quickstart.h5")       # run.site, run.region, run.demand: xarray Datasets
    run.frame("region", "load_mwh")       # hour x region pandas DataFrame
    run.jobs, run.summary_region, run.summary_year   # pandas DataFrames; run.summary: dict
"""
from fleetsim_analysis.io import Run, RunFileError, Sweep, check_file, open_run, open_series, open_sweep, series_frame

__all__ = ["Run", "RunFileError", "Sweep", "check_file", "open_run", "open_series", "open_sweep", "series_frame"]
