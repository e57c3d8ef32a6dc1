"""Load fleetsim run files and sweep summaries into xarray and pandas (docs/output-format.md).

Series come as xarray Datasets with the ``hour`` coordinate as datetime64 (UTC, the start of
each hour) and ``units``/``description`` attributes on every variable, or as pandas
DataFrames (``hour`` index, one column per site, region or demand region). The job table
and the summary tables are DataFrames, the ``/summary`` figures a dict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

SERIES_GROUPS = ("site", "region", "demand", "routing")


class RunFileError(ValueError):
    """A file that is not a complete fleetsim run (or sweep summary): the message says why."""


def _decode(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_file(path: str | Path, kind: str = "run") -> dict[str, object]:
    """Checks that `path` is a complete fleetsim file and returns its root attributes.

    Raises RunFileError naming the file and the problem: missing, not HDF5 (or truncated),
    not written by fleetsim, or incomplete (no ``complete = 1``: the writer stopped early).
    """
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: _decode(v) for k, v in f.attrs.items()}
    except OSError as e:
        raise RunFileError(f"{path}: not a readable HDF5 file (truncated, or not HDF5): {e}") from None
    if "format_version" not in attrs:
        raise RunFileError(f"{path}: not a fleetsim {kind} file (no format_version attribute)")
    if attrs.get("complete") != 1:
        raise RunFileError(f"{path}: incomplete {kind} file: the writer did not finish (no complete = 1 attribute);"
                           " rerun it")
    return attrs


def open_series(path: str | Path, group: str) -> xr.Dataset:
    """One series group (``site``, ``region``, ``demand`` or ``routing``) as an xarray Dataset,
    dims (hour, entity), loaded into memory; the same as
    ``xarray.open_dataset(path, engine="h5netcdf", group=group)`` after the file is checked."""
    check_file(path)
    with h5py.File(path, "r") as f:
        if group not in f:
            raise RunFileError(f"{path}: no /{group} group in this run"
                               + (" (the scenario has no inference demand)" if group == "demand" else ""))
    try:
        with xr.open_dataset(path, engine="h5netcdf", group=group) as ds:
            return ds.load()
    except (OSError, KeyError, ValueError, AttributeError) as e:  # corrupt chunks, damaged metadata
        raise RunFileError(f"{path}: cannot read /{group} (damaged file?): {e}") from None


def series_frame(ds: xr.Dataset, variable: str) -> pd.DataFrame:
    """A [hour x entity] variable as a DataFrame: hour index (datetime64), one column per entity."""
    frame = ds[variable].to_pandas()
    frame.columns.name = ds[variable].dims[1]
    frame.attrs.update(ds[variable].attrs)  # units, description
    return frame


def _read_table(f: h5py.File, group: str, index: str) -> pd.DataFrame:
    columns = {}
    for name, ds in f[group].items():
        if not isinstance(ds, h5py.Dataset):
            continue
        columns[name] = ds.asstr()[...] if h5py.check_string_dtype(ds.dtype) else ds[...]
    frame = pd.DataFrame(columns)
    return frame.set_index(index) if index in frame else frame


@dataclass
class Run:
    """One run: hourly series per site, region and demand region, the job table and summaries."""

    path: Path
    site: xr.Dataset                  # dims (hour, site)
    region: xr.Dataset                # dims (hour, region)
    demand: xr.Dataset | None         # dims (hour, demand_region); None without inference demand
    jobs: pd.DataFrame                # one row per submitted job, indexed by job id
    summary: dict[str, float]         # /summary attributes
    summary_region: pd.DataFrame      # /summary/region, indexed by region
    summary_year: pd.DataFrame        # /summary/year, indexed by calendar year (empty in older files)
    attrs: dict[str, object] = field(default_factory=dict)  # root attributes (scenario, seed, ...)

    def frame(self, group: str, variable: str) -> pd.DataFrame:
        """``run.frame("region", "load_mwh")``: hour x region DataFrame."""
        ds = getattr(self, group)
        if ds is None:
            raise KeyError(f"{self.path}: no /{group} group")
        return series_frame(ds, variable)

    @property
    def has_inference(self) -> bool:
        return self.demand is not None and float(self.summary.get("queries", 0.0)) > 0.0

    @property
    def has_battery(self) -> bool:
        return bool((self.region["battery_discharge_mwh"] > 0).any() or (self.region["battery_charge_mwh"] > 0).any())


def open_run(path: str | Path) -> Run:
    """Opens a complete run file; raises RunFileError for a missing, truncated, foreign or
    incomplete file."""
    path = Path(path)
    attrs = check_file(path)
    try:
        with h5py.File(path, "r") as f:
            summary = {k: float(v) for k, v in f["summary"].attrs.items()}
            summary_region = _read_table(f, "summary/region", "region")
            summary_year = _read_table(f, "summary/year", "year") if "summary/year" in f else pd.DataFrame()
            has_demand = "demand" in f
        with xr.open_dataset(path, engine="h5netcdf", group="jobs") as ds:
            jobs = ds.load().to_dataframe()
    except (OSError, KeyError, ValueError, AttributeError) as e:
        raise RunFileError(f"{path}: cannot read the summary or job table (damaged file?): {e}") from None
    site = open_series(path, "site")
    region = open_series(path, "region")
    demand = open_series(path, "demand") if has_demand else None
    return Run(path, site, region, demand, jobs, summary, summary_region, summary_year, attrs)


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


@dataclass
class Sweep:
    """A sweep's summary: one row per run, its parameters and its /summary figures."""

    path: Path                 # the sweep folder
    runs: pd.DataFrame         # indexed by run index
    parameters: list[str]      # the swept key paths, in the sweep file's order
    attrs: dict[str, object] = field(default_factory=dict)

    def numeric_parameters(self) -> list[str]:
        """Swept keys with numbers for values (true/false is a category, not a number)."""
        return [p for p in self.parameters if _is_number(self.runs[p])]

    def categorical_parameters(self) -> list[str]:
        return [p for p in self.parameters if not _is_number(self.runs[p])]

    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]


def open_sweep(path: str | Path) -> Sweep:
    """Opens a sweep folder (or its sweep_summary.csv): the rows exactly as written (the CSV
    holds every double in its shortest round-trip form) and the list of swept parameters."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    csv = folder / "sweep_summary.csv" if path.is_dir() else path
    if not csv.is_file():
        raise RunFileError(f"{csv}: no sweep summary here (run fleetsim sweep, or --merge after shards)")
    h5 = csv.with_suffix(".h5")
    attrs = check_file(h5, "sweep summary") if h5.is_file() else {}
    try:
        runs = pd.read_csv(csv, float_precision="round_trip")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise RunFileError(f"{csv}: not a readable sweep summary: {e}") from None
    columns = list(runs.columns)
    if "replicate" not in columns or "status" not in columns or "run" not in columns:
        raise RunFileError(f"{csv}: not a fleetsim sweep summary (no run, replicate and status columns)")
    if h5.is_file():  # the CSV must hold every row of the HDF5 summary written with it
        with h5py.File(h5, "r") as f:
            rows = f["runs/run"].shape[0] if "runs/run" in f else -1
        if rows != len(runs):
            raise RunFileError(f"{csv}: {len(runs)} rows, but {h5.name} has {rows}: the CSV is truncated or stale")
    parameters = columns[columns.index("replicate") + 1:columns.index("status")]
    return Sweep(folder, runs.set_index("run"), parameters, attrs)
