"""fleetsim from Python: load scenarios, run, plan, sweep and compare in one process (docs/python.md).

    import fleetsim
    sc = fleetsim.load_scenario("scenarios/quickstart.yaml", overrides={"hours": 24 * 28})
    result = fleetsim.run(sc)
    result.summary["cfe_score"]               # the run file's /summary figures, a dict
    result.region["load_mwh"]                  # xarray, dims (hour, region), as in the run file
    result.jobs                                # pandas, one row per job
    result.to_hdf5("out.h5")                   # the file `fleetsim run` writes, byte for byte

The same C++ library as the ``fleetsim`` command runs underneath: a result holds exactly the
groups, datasets and attributes of the run file (docs/output-format.md), in memory. Bad input
raises :class:`InputError` (a ValueError) with ``file``, ``line`` and ``key``; the interpreter
survives it. Simulations release the GIL.
"""
from __future__ import annotations

import contextlib
import functools
import numbers
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd
import xarray as xr

from fleetsim_analysis.io import Run as _Run
from fleetsim_analysis.io import open_run, with_job_datetimes

from . import _core, _yaml
from ._core import InputError, OutputError, SimulationError

__version__: str = _core.__version__
#: The run file layout's version (root attribute ``format_version``).
format_version: int = _core.format_version

__all__ = ["load_scenario", "run", "plan", "sweep", "compare", "catalog", "keys", "Scenario", "Result",
           "PlanResult", "InputError", "SimulationError", "OutputError", "format_version"]

PathOrText = Union[str, "os.PathLike[str]"]
Overrides = Union[Mapping[str, Any], Sequence[str], None]


def _override_list(overrides: Overrides) -> list[str]:
    """``{"sites.0.pue": 1.2}`` or ``["sites.0.pue=1.2"]`` as the CLI's ``--set`` arguments."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        out = []
        for key, value in overrides.items():
            if not isinstance(key, str):
                raise TypeError(f"override keys are key paths such as 'sites.0.pue', got {key!r}")
            out.append(f"{key}={_yaml.scalar(value)}")
        return out
    if isinstance(overrides, str):
        raise TypeError("overrides: a dict {'key.path': value} or a list of 'key.path=value' strings, not one string")
    return [str(o) for o in overrides]


class Scenario:
    """A validated scenario: what ``fleetsim validate`` accepts, ready to run. Immutable; make
    variants with :meth:`with_overrides` (no file is written)."""

    def __init__(self, core: _core.Scenario):
        self._core = core
        self._cwd = os.getcwd()  # what its relative paths were resolved against
        for warning in core.warnings:
            warnings.warn(f"fleetsim: {warning}", stacklevel=3)

    def __repr__(self) -> str:
        return (f"Scenario({self.name!r}, {len(self.sites)} sites in {len(self.regions)} regions, "
                f"{self.hours} hours, policy {self.policy!r}, seed {self.seed})")

    name = property(lambda self: self._core.name, doc="the scenario's name")
    description = property(lambda self: self._core.description)
    seed = property(lambda self: self._core.seed, doc="the random seed")
    hours = property(lambda self: self._core.hours, doc="simulated hours")
    start = property(lambda self: pd.Timestamp(self._core.start_epoch_s, unit="s"),
                     doc="the first hour (UTC, naive, as the run's hour coordinates)")
    regions = property(lambda self: list(self._core.regions), doc="grid region names")
    sites = property(lambda self: list(self._core.sites), doc="site names")
    policy = property(lambda self: self._core.policy, doc="the scheduling policy (scheduler.policy)")
    warnings = property(lambda self: list(self._core.warnings), doc="what the loader warned about")
    source = property(lambda self: self._core.source_path,
                      doc="the scenario file, or '<text>' / '<dict>' for a scenario given inline")
    overrides = property(lambda self: list(self._core.overrides), doc="the overrides applied, as key.path=value")

    def to_yaml(self) -> str:
        """The effective scenario (after overrides) as YAML: the run file's ``scenario_effective``."""
        return self._core.effective_yaml

    def to_dict(self) -> dict[str, Any]:
        """The effective scenario as nested dicts and lists (the keys of
        docs/scenario-reference.md), to change and load again: ``fleetsim.load_scenario(d)``.
        Relative file paths in it resolve against the scenario's folder, which the dict
        carries as ``base_dir`` (absolute) unless the scenario set its own."""
        tree = _yaml.resolve(self._core.plain(), _key_kinds())
        tree["base_dir"] = str((Path(self._cwd) / (self._core.base_dir or ".")).resolve())
        return tree

    def with_overrides(self, overrides: Overrides = None, **keys: Any) -> "Scenario":
        """A variant: this scenario's text with more overrides (a dict of key paths, or
        keyword arguments for top-level keys: ``sc.with_overrides(hours=168)``)."""
        extra = _override_list(overrides) + _override_list(keys)
        with _in_folder(self._cwd):  # its relative paths as when it was loaded
            return Scenario(_core.with_overrides(self._core, extra))


@functools.lru_cache(maxsize=1)
def _key_kinds() -> dict[str, str]:
    """Each scenario key path's kind (number, string, ...), from the schema."""
    return {k["path"]: k["kind"] for k in _core.keys()}


@contextlib.contextmanager
def _in_folder(folder: str):
    here = os.getcwd()
    if here == folder:
        yield
        return
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _input_error(message: str, file: str = "", line: int = 0, key: str = "") -> InputError:
    """An InputError raised from Python, with the attributes the C++ ones carry."""
    error = InputError(message)
    error.file, error.line, error.key, error.detail = file, line, key, message
    return error


def load_scenario(source: PathOrText | Mapping[str, Any] | Scenario, base_dir: PathOrText | None = None,
                  overrides: Overrides = None) -> Scenario:
    """Reads, overrides and validates a scenario (docs/scenario-reference.md).

    ``source`` is a path to a YAML file (``str`` or ``Path``), YAML text (a ``str`` with a line
    break), or a dict of the same keys. Relative file paths in a file resolve against the file's
    folder; in text or a dict, against ``base_dir`` (default: the current folder). ``overrides``
    are ``--set`` overrides: ``{"sites.0.pue": 1.2, "hours": 168}``. Raises InputError naming
    the file (``<text>``, ``<dict>``), line and key.
    """
    extra = _override_list(overrides)
    if isinstance(source, Scenario):
        if base_dir is not None:
            raise TypeError("base_dir is for scenarios given as text or a dict, not a Scenario")
        return source.with_overrides(extra)
    if isinstance(source, Mapping):
        text, name = _yaml.block(source), "<dict>"
    elif isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source):
        if base_dir is not None:
            raise TypeError("base_dir is for scenarios given as text or a dict: a file's paths resolve "
                            "against its folder (or its own base_dir key)")
        return Scenario(_core.load(os.fspath(source), extra))
    elif isinstance(source, str):
        text, name = source, "<text>"
    else:
        raise TypeError(f"load_scenario: a path, YAML text or a dict, not {type(source).__name__}")
    if base_dir is not None:
        folder = Path(base_dir).resolve()
        extra = [f"base_dir={_yaml.scalar(str(folder))}"] + extra
    return Scenario(_core.parse(text, name, extra))


def _as_scenario(scenario: Scenario | PathOrText | Mapping[str, Any]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _array(kind: str, payload: Any) -> np.ndarray:
    if kind == "str":
        return np.array(payload, dtype=object)
    return np.frombuffer(payload, dtype=kind).copy()


def _hours(payload: tuple) -> pd.DatetimeIndex:
    return pd.to_datetime(_array(*payload[:2]), unit="s")


def _series_dataset(group: dict) -> xr.Dataset:
    hours = _hours(group["hour"])
    dim = group["dim"]
    entities = np.array(group["entities"], dtype=object)
    data = {}
    for name, (kind, payload, units, description) in group["data"].items():
        values = _array(kind, payload).reshape(len(hours), len(entities))
        data[name] = (("hour", dim), values, {"units": units, "description": description})
    for name, (kind, payload, units, description) in group["columns"].items():
        data[name] = ((dim,), _array(kind, payload), {"units": units, "description": description})
    coords = {"hour": ("hour", hours, {"description": "start of the hour (UTC)"}),
              dim: (dim, entities, {"units": "", "description": f"{dim} name"})}  # as the writer stores them
    return xr.Dataset(data, coords=coords)


def _table_frame(table: dict) -> pd.DataFrame:
    kind, payload, _, _ = table["keys"]
    index = pd.Index(_array(kind, payload), name=table["dim"])
    columns = {name: _array(k, p) for name, (k, p, _, _) in table["columns"].items()}
    return pd.DataFrame(columns, index=index)


class Result(_Run):
    """One simulated run, in memory: everything the run file holds, as
    ``fleetsim_analysis.open_run`` gives it (``summary``, ``attrs``, the series ``site``,
    ``region``, ``demand``, ``routing`` as xarray Datasets, ``jobs``, ``summary_region``,
    ``summary_year``, ``baseline``), so every fleetsim_analysis function takes it."""

    def __init__(self, core: _core.Result, scenario: Scenario):
        self._result = core
        self.scenario = scenario
        self._contents = core.contents()
        attrs = dict(self._contents["attrs"]["/"])
        summary = {k: float(v) for k, v in self._contents["attrs"].get("/summary", {}).items()}
        groups = {g.strip("/").split("/")[0] for g in
                  list(self._contents["series"]) + list(self._contents["tables"]) + list(self._contents["attrs"])}
        super().__init__(f"<fleetsim.run of {scenario.name!r}>", attrs, summary, frozenset(groups - {""}))
        self.descriptions = {name: description for name, _, description in core.summary}

    def __repr__(self) -> str:
        return (f"Result({self.attrs.get('scenario_name')!r}, policy {self.attrs.get('policy')!r}, "
                f"{self.attrs.get('hours')} hours, cfe_score {self.summary.get('cfe_score', float('nan')):.4f})")

    wall_time_s = property(lambda self: self._result.wall_time_s, doc="simulation wall time, s")
    threads = property(lambda self: self._result.threads, doc="threads the run used")

    def _series(self, group: str) -> xr.Dataset:
        return _series_dataset(self._contents["series"]["/" + group])

    @property
    def jobs(self) -> pd.DataFrame:  # type: ignore[override]
        if "_jobs" not in self.__dict__:
            self.__dict__["_jobs"] = with_job_datetimes(_table_frame(self._contents["tables"]["/jobs"]), self.start)
        return self.__dict__["_jobs"]

    def _table(self, group: str, index: str) -> pd.DataFrame:
        table = self._contents["tables"].get("/" + group)
        return _table_frame(table) if table is not None else pd.DataFrame()

    @property
    def baseline(self) -> dict[str, object] | None:  # type: ignore[override]
        stored = self._contents["attrs"].get("/baseline")
        if stored is None:
            return None
        return {k: v if k == "policy" else float(v) for k, v in stored.items()}

    def load(self) -> "Result":
        return self

    def close(self) -> None:
        pass

    def to_hdf5(self, path: PathOrText) -> Path:
        """Writes the run file, exactly the bytes ``fleetsim run`` writes for the same
        scenario and overrides (through a temporary file, renamed when complete). The path
        is checked as the CLI checks ``-o``: its folder exists, it is not an input."""
        self._result.to_hdf5(os.fspath(path))
        return Path(path)

    def comparison(self) -> pd.DataFrame | None:
        """Against the baseline run (``run(..., baseline=POLICY)``): the CLI's comparison
        table, one row per figure; None without a baseline."""
        rows = self._result.comparison()
        return None if rows is None else _comparison_frame(rows)


def _comparison_frame(rows: list[dict]) -> pd.DataFrame:
    columns = ["figure", "policy", "baseline", "difference", "relative", "attainable", "description"]
    return pd.DataFrame(rows, columns=columns).set_index("figure")


def run(scenario: Scenario | PathOrText | Mapping[str, Any], threads: int = 1, baseline: str | None = None,
        progress: Callable[[int, int], None] | None = None):
    """Simulates the scenario, as ``fleetsim run`` does, and returns the result in memory.

    ``threads``: threads for the per-site phase (0: all cores); the result is identical for any
    count. ``baseline``: also run the same scenario and seed under this policy (e.g. ``"fifo"``)
    beside it; ``result.comparison()`` is then the CLI's comparison table and the run file gets
    its /baseline group. The GIL is released while the simulation runs. ``progress``: called
    as ``progress(hour, hours)`` once per simulated hour (an exception it raises stops the run).
    Ctrl-C (KeyboardInterrupt) stops a run within the hour it is in.
    """
    sc = _as_scenario(scenario)
    with _in_folder(sc._cwd):  # traces and CSVs read at run time, against the folder it was loaded in
        core = _core.simulate(sc._core, _count(threads, "fleetsim.run", "threads"), baseline or "", progress)
    return Result(core, sc)


def compare(policy, baseline) -> pd.DataFrame:
    """The CLI's comparison table (``fleetsim run --baseline``) of two results, or of two run
    files (paths), one row per figure: policy, baseline, difference, relative and, against a
    carbon-agnostic baseline, the share of the attainable saving reached."""
    if isinstance(policy, Result) and isinstance(baseline, Result):
        return _comparison_frame(_core.compare(policy._result, baseline._result))
    a = policy if hasattr(policy, "summary") else open_run(policy)
    b = baseline if hasattr(baseline, "summary") else open_run(baseline)
    return _comparison_frame(_core.compare_summaries(list(a.summary.items()), list(b.summary.items())))


def _count(value: object, where: str, key: str) -> int:
    """A thread or job count: an int (not a bool, not a float) in 0..1024, else InputError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{key}: an int, not {value!r}")
    if not 0 <= int(value) <= 1024:
        raise _input_error(f"{where}: {key}: must be 0 (all cores) to 1024, got {value}", where, 0, key)
    return int(value)


class PlanResult:
    """The least-cost procurement per region (``fleetsim plan``): ``plans`` (one row per region
    at the target), ``frontier`` (cost against target), ``grid_alone``; ``to_hdf5`` writes the
    plan file ``fleetsim plan -o`` writes."""

    def __init__(self, core: _core.PlanResult, scenario: Scenario):
        self._core = core
        self.scenario = scenario
        regions = core.regions
        self.plans = pd.DataFrame([{"region": r["region"], "peak_load_mw": r["peak_load_mw"],
                                    "mean_load_mw": r["mean_load_mw"], **r["plan"]} for r in regions])
        self.plans = self.plans.set_index("region") if len(self.plans) else self.plans
        self.frontier = pd.DataFrame([{"region": r["region"], **f} for r in regions for f in r["frontier"]])
        self.grid_alone = pd.DataFrame([{"region": r["region"], **r["grid_alone"]} for r in regions])
        self.grid_alone = self.grid_alone.set_index("region") if len(self.grid_alone) else self.grid_alone
        self.objective = core.objective
        self.horizon_years = core.horizon_years
        # objectives other than cost: the least-cost plans under the same target, and the
        # objective's plan per frontier target
        self.least_cost = pd.DataFrame([{"region": r["region"], **r["least_cost"]} for r in regions
                                        if "least_cost" in r])
        self.objective_frontier = pd.DataFrame([{"region": r["region"], **f} for r in regions
                                                for f in r.get("objective_frontier", [])])
        self.load_source = core.load_source
        self.simulations = core.simulations
        self.converged = core.converged
        self.wall_time_s = core.wall_time_s

    def __repr__(self) -> str:
        return f"PlanResult({len(self.plans)} regions, load {self.load_source})"

    def to_hdf5(self, path: PathOrText) -> Path:
        self._core.to_hdf5(os.fspath(path))
        return Path(path)


def plan(scenario: Scenario | PathOrText | Mapping[str, Any], target: float | None = 0.9,
         regions: Sequence[str] = (), frontier: Sequence[float] = (), study: bool = False,
         load_csv: PathOrText | None = None, load_column: str = "", objective: str | None = None) -> PlanResult:
    """The least-cost solar, wind, firm and battery per region to reach an hourly CFE score of
    ``target`` (docs/planning.md), as ``fleetsim plan``. ``regions``: default every region
    with load; ``frontier``: the targets of the cost frontier (default: the CLI's);
    ``load_csv``/``load_column``: plan for a measured load instead of simulating one.
    ``objective``: ``"cost"``, ``"carbon"`` or ``"cost_under_cap"`` (default: the scenario's
    ``planner.objective``), as ``--objective``; ``target=None``: no CFE target for the carbon
    objectives (0.9 for cost), as leaving out ``--target-cfe``."""
    sc = _as_scenario(scenario)
    if objective is not None:
        sc = sc.with_overrides([f"planner.objective={objective}"])
    target_given = target is not None
    if target is None:
        target = 0.9
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(study, bool):
        raise TypeError(f"study: True or False, not {study!r}")
    with _in_folder(sc._cwd):
        core = _core.plan(sc._core, float(target), list(regions), [float(t) for t in frontier], study,
                          os.path.abspath(load_csv) if load_csv is not None else "", load_column, target_given)
    return PlanResult(core, sc)


def sweep(scenario: Scenario | PathOrText | Mapping[str, Any], sweep: PathOrText | Mapping[str, Any],
          jobs: int = 1) -> pd.DataFrame:
    """Runs every point of a sweep over the scenario in ``jobs`` threads (0: all cores) and
    returns its summary: the rows and columns of ``sweep_summary.csv`` (index ``run``; name,
    point, replicate, one column per parameter, status, error, then the /summary figures).

    ``sweep`` is a sweep file (path), its YAML text, a dict in the sweep file's form
    (``{"mode": "lhs", "samples": 8, "parameters": {...}}``, docs/sweeps.md) or just the
    parameters (``{"scheduler.policy": ["fifo", "greenest_site"]}``: a grid). Nothing is
    written; a failed run is a row with status ``failed`` and its error.
    """
    sc = _as_scenario(scenario)
    if isinstance(sweep, Mapping):
        spec = dict(sweep) if "parameters" in sweep else {"parameters": dict(sweep)}
        text, name = _yaml.block(spec), "<dict>"
    elif isinstance(sweep, os.PathLike) or "\n" not in sweep:
        name = os.fspath(sweep)
        try:
            text = Path(name).read_text()
        except OSError as e:
            raise _input_error(f"{name}: cannot read the sweep file: {e.strerror}", file=name) from None
    else:
        text, name = sweep, "<text>"
    with _in_folder(sc._cwd):
        sweep_name, parameters, rows = _core.sweep(sc._core, text, name, _count(jobs, "fleetsim.sweep", "jobs"))
    records = []
    for i, r in enumerate(rows):
        record = {"run": i, "name": r["run"], "point": r["point"], "replicate": r["replicate"]}
        record.update(zip(parameters, r["values"]))
        record.update(status=r["status"], error=r["error"])
        record.update({n: v for n, v, _ in r["summary"]})
        records.append(record)
    frame = pd.DataFrame(records).set_index("run")
    for p in parameters:  # numbers as numbers, as pandas reads the CSV
        converted = pd.to_numeric(frame[p], errors="coerce")
        if converted.notna().all():
            frame[p] = converted
    frame.attrs["sweep_name"] = sweep_name
    frame.attrs["parameters"] = list(parameters)
    return frame


def catalog() -> pd.DataFrame:
    """The built-in GPU catalog (``fleetsim catalog``): power in W, training throughput
    relative to an A100, and the source of each figure."""
    return pd.DataFrame(_core.catalog()).set_index("name")


def keys() -> pd.DataFrame:
    """Every scenario key (docs/scenario-reference.md): path, kind, unit, default, required,
    range, choices and description."""
    return pd.DataFrame(_core.keys()).set_index("path")
