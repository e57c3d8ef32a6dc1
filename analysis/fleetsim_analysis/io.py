"""Load fleetsim run files and sweep summaries into xarray and pandas (docs/output-format.md).

Series come as xarray Datasets with the ``hour`` coordinate as datetime64 (UTC, the start of
each hour) and ``units``/``description`` attributes on every variable, or as pandas
DataFrames (``hour`` index, one column per site, region or demand region). The job table
and the summary tables are DataFrames, the ``/summary`` figures a dict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
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


# The job table's times in seconds after the run start, and the datetime column beside each.
JOB_TIME_COLUMNS = {"submit_s": "submit_time", "start_s": "start_time", "end_s": "end_time",
                    "deadline_s": "deadline_time"}


class Run:
    """One run file, opened lazily: ``open_run`` reads only the root and ``/summary``
    attributes; each series group (``site``, ``region``, ``demand``, ``routing``), the job
    table and the summary tables are read on first access and then kept.

    The series are xarray Datasets backed by the file: a variable is read from disk when its
    values are first used (``run.site["pue"].values``, ``run.frame("site", "pue")``,
    arithmetic, plotting) and then cached, so a script that needs two of the twelve site
    series reads two. ``run.load()`` reads everything now; ``run.close()`` (or ``with
    open_run(...) as run:``) closes the file handles the series hold.
    """

    def __init__(self, path: Path, attrs: dict[str, object], summary: dict[str, float], groups: frozenset[str]):
        self.path = path
        self.attrs = attrs          # root attributes (scenario, seed, policy, start, ...)
        self.summary = summary      # /summary attributes
        self._groups = groups       # top-level groups present in the file
        self._opened: list[xr.Dataset] = []

    def __repr__(self) -> str:
        return (f"Run({str(self.path)!r}, scenario {self.attrs.get('scenario_name')!r}, "
                f"policy {self.attrs.get('policy')!r}, {self.attrs.get('hours')} hours)")

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the file handles of the series opened so far (values already read stay)."""
        for ds in self._opened:
            ds.close()
        self._opened.clear()

    @property
    def start(self) -> pd.Timestamp:
        """The run's first hour (UTC, naive like the ``hour`` coordinates)."""
        if "start_epoch_s" in self.attrs:
            return pd.Timestamp(int(self.attrs["start_epoch_s"]), unit="s")
        return pd.Timestamp(str(self.attrs["start"])).tz_convert(None)

    def _series(self, group: str) -> xr.Dataset:
        if group not in self._groups:
            raise RunFileError(f"{self.path}: no /{group} group in this run")
        try:
            ds = xr.open_dataset(self.path, engine="h5netcdf", group=group)  # lazy; cached once read
        except (OSError, KeyError, ValueError, AttributeError) as e:  # damaged metadata
            raise RunFileError(f"{self.path}: cannot read /{group} (damaged file?): {e}") from None
        self._opened.append(ds)
        return ds

    @cached_property
    def site(self) -> xr.Dataset:
        """Dims (hour, site)."""
        return self._series("site")

    @cached_property
    def region(self) -> xr.Dataset:
        """Dims (hour, region)."""
        return self._series("region")

    @cached_property
    def demand(self) -> xr.Dataset | None:
        """Dims (hour, demand_region); None without inference demand."""
        return self._series("demand") if "demand" in self._groups else None

    @cached_property
    def routing(self) -> xr.Dataset | None:
        """The routing matrix (``inference.routing_matrix: true``); None without it."""
        return self._series("routing") if "routing" in self._groups else None

    @cached_property
    def jobs(self) -> pd.DataFrame:
        """One row per submitted job, indexed by job id; beside each time in seconds after the
        start (``submit_s``, ``start_s``, ``end_s``, ``deadline_s``) the same time as a
        datetime (``submit_time``, ...; UTC, naive; NaT where the seconds are -1)."""
        try:
            with xr.open_dataset(self.path, engine="h5netcdf", group="jobs") as ds:
                jobs = ds.load().to_dataframe()
        except (OSError, KeyError, ValueError, AttributeError) as e:
            raise RunFileError(f"{self.path}: cannot read the job table (damaged file?): {e}") from None
        return with_job_datetimes(jobs, self.start)

    @cached_property
    def summary_region(self) -> pd.DataFrame:
        """/summary/region, indexed by region."""
        return self._table("summary/region", "region")

    @cached_property
    def summary_year(self) -> pd.DataFrame:
        """/summary/year, indexed by calendar year (empty in older files)."""
        return self._table("summary/year", "year")

    @cached_property
    def baseline(self) -> dict[str, object] | None:
        """/baseline (``fleetsim run --baseline POLICY``): ``policy`` and the baseline run's
        /summary figures; None for a run without one."""
        try:
            with h5py.File(self.path, "r") as f:
                if "baseline" not in f:
                    return None
                return {k: _decode(v) if k == "policy" else float(v) for k, v in f["baseline"].attrs.items()}
        except OSError as e:
            raise RunFileError(f"{self.path}: cannot read /baseline (damaged file?): {e}") from None

    def _table(self, group: str, index: str) -> pd.DataFrame:
        try:
            with h5py.File(self.path, "r") as f:
                return _read_table(f, group, index) if group in f else pd.DataFrame()
        except (OSError, KeyError, ValueError) as e:
            raise RunFileError(f"{self.path}: cannot read /{group} (damaged file?): {e}") from None

    def load(self) -> "Run":
        """Reads every group now (what ``open_run`` did before it was lazy); a damaged
        series raises RunFileError here rather than when it is used."""
        for name in ("jobs", "summary_region", "summary_year", "baseline"):
            getattr(self, name)
        for group in ("site", "region", "demand", "routing"):
            ds = getattr(self, group)
            if ds is None:
                continue
            try:
                ds.load()
            except (OSError, KeyError, ValueError, AttributeError) as e:  # corrupt chunks
                raise RunFileError(f"{self.path}: cannot read /{group} (damaged file?): {e}") from None
        return self

    def frame(self, group: str, variable: str) -> pd.DataFrame:
        """``run.frame("region", "load_mwh")``: hour x region DataFrame."""
        ds = getattr(self, group)
        if ds is None:
            raise KeyError(f"{self.path}: no /{group} group")
        return series_frame(ds, variable)

    @property
    def has_inference(self) -> bool:
        return "demand" in self._groups and float(self.summary.get("queries", 0.0)) > 0.0

    @property
    def has_battery(self) -> bool:
        return bool((self.region["battery_discharge_mwh"] > 0).any() or (self.region["battery_charge_mwh"] > 0).any())


def with_job_datetimes(jobs: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The job table with a datetime column after each time in seconds (JOB_TIME_COLUMNS):
    start + seconds, NaT where the seconds are negative (-1: never started, not finished, no
    deadline)."""
    jobs = jobs.copy()
    for seconds, name in JOB_TIME_COLUMNS.items():
        if seconds not in jobs or name in jobs:
            continue
        s = jobs[seconds].to_numpy()
        times = pd.Series(start + pd.to_timedelta(np.where(s >= 0, s, 0), unit="s"), index=jobs.index)
        jobs.insert(jobs.columns.get_loc(seconds) + 1, name, times.where(s >= 0))
    return jobs


def open_run(path: str | Path, *, load: bool = False) -> Run:
    """Opens a complete run file; raises RunFileError for a missing, truncated, foreign or
    incomplete file. Lazy: the series, the job table and the summary tables are read when
    first used (``load=True``, or ``run.load()``, reads them all now)."""
    path = Path(path)
    attrs = check_file(path)
    try:
        with h5py.File(path, "r") as f:
            summary = {k: float(v) for k, v in f["summary"].attrs.items()}
            groups = frozenset(f.keys())
    except (OSError, KeyError, ValueError, AttributeError) as e:
        raise RunFileError(f"{path}: cannot read the summary (damaged file?): {e}") from None
    run = Run(path, attrs, summary, groups)
    return run.load() if load else run


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
