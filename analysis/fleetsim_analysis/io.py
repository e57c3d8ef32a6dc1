"""Load a fleetsim run file into xarray and pandas objects."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import pandas as pd
import xarray as xr


@dataclass
class Run:
    """One run: hourly series per site and per region, the job table and the summary."""

    path: Path
    site: xr.Dataset           # dims (hour, site)
    region: xr.Dataset         # dims (hour, region)
    jobs: pd.DataFrame         # one row per submitted job, indexed by job id
    summary: dict[str, float]  # /summary attributes
    summary_region: pd.DataFrame  # /summary/region, indexed by region
    attrs: dict[str, object]   # root attributes (scenario text, seed, versions, ...)


def _decode(value: object) -> object:
    return value.decode() if isinstance(value, bytes) else value


def open_run(path: str | Path) -> Run:
    """Opens a complete run file; raises ValueError for an incomplete or foreign file."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        attrs = {k: _decode(v) for k, v in f.attrs.items()}
        if "format_version" not in attrs:
            raise ValueError(f"{path}: not a fleetsim run file (no format_version attribute)")
        if attrs.get("complete") != 1:
            raise ValueError(f"{path}: the run did not finish writing (complete != 1)")
        summary = {k: float(v) for k, v in f["summary"].attrs.items()}
        columns = {}
        for name, ds in f["summary/region"].items():
            columns[name] = ds.asstr()[...] if h5py.check_string_dtype(ds.dtype) else ds[...]
        summary_region = pd.DataFrame(columns).set_index("region")
    site = xr.open_dataset(path, engine="h5netcdf", group="site").load()
    region = xr.open_dataset(path, engine="h5netcdf", group="region").load()
    jobs = xr.open_dataset(path, engine="h5netcdf", group="jobs").load().to_dataframe()
    return Run(path, site, region, jobs, summary, summary_region, attrs)
