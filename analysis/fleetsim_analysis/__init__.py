"""Python tools for fleetsim run files and sweeps (HDF5; docs/output-format.md, docs/analysis.md).

    from fleetsim_analysis import open_run, open_sweep
    run = open_run("quickstart.h5")       # run.site, run.region, run.demand: xarray Datasets
    run.frame("region", "load_mwh")       # hour x region pandas DataFrame
    run.jobs, run.summary_region, run.summary_year   # pandas DataFrames; run.summary: dict
    compare(run).table()                  # against its stored baseline, as `fleetsim run --baseline` prints

open_run is lazy: each series group and table is read from the file when first used.
"""
from fleetsim_analysis.compare import Comparison, compare
from fleetsim_analysis.io import Run, RunFileError, Sweep, check_file, open_run, open_series, open_sweep, series_frame

__all__ = ["Comparison", "Run", "RunFileError", "Sweep", "check_file", "compare", "open_run", "open_series",
           "open_sweep", "series_frame"]
