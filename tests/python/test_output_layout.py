"""Checks that a fleetsim run file has the documented HDF5 layout (DESIGN.md "Output" and
"Output names") and opens in h5py and in xarray with the h5netcdf engine.

By default it checks a fresh run of scenarios/quickstart.yaml (the conftest fixture); the
environment variable FLEETSIM_TEST_H5 points it at another file instead, e.g.

    FLEETSIM_TEST_H5=out.h5 /usr/bin/python3 -m pytest tests/python/test_output_layout.py

Names that DESIGN.md documents but that are not required here are reported as warnings
when missing, so that a partial run file still checks its layout.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")

SECONDS_PER_HOUR = 3600
HOUR_UNITS = "seconds since 1970-01-01 00:00:00"
# HDF5 filter ids: the only filters a run file may use (built into every HDF5 library).
ALLOWED_FILTERS = {h5py.h5z.FILTER_DEFLATE, h5py.h5z.FILTER_SHUFFLE}

# Series groups: entity dimension, required series, further documented series.
SERIES_GROUPS: dict[str, tuple[str, set[str], set[str]]] = {
    "site": (
        "site",
        {"it_energy_mwh", "facility_energy_mwh"},
        {"gpus_busy_training", "gpus_busy_inference", "gpus_total", "queue_length", "pue", "power_cap",
         "embodied_it_t", "capital_cost_usd", "water_onsite_l"},
    ),
    "region": (
        "region",
        {"load_mwh"},
        {
            "contracted_cfe_mwh",
            "grid_cfe_share",
            "carbon_intensity_g_per_kwh",
            "cfe_mwh",
            "grid_draw_mwh",
            "battery_charge_mwh",
            "battery_discharge_mwh",
            "battery_soc_mwh",
            "excess_mwh",
            "emissions_location_t",
            "emissions_market_hourly_t",
            "energy_price_usd_per_mwh",
            "energy_cost_usd",
            "water_offsite_l",
            "embodied_supply_t",
        },
    ),
}
OPTIONAL_SERIES_GROUPS: dict[str, tuple[str, set[str]]] = {
    "demand": ("demand_region", {"queries", "served", "dropped"}),
}

JOB_INT_COLUMNS = {"id", "submit_s", "start_s", "end_s", "gpus"}
JOB_FLOAT_COLUMNS = {"energy_mwh"}
JOB_STRING_COLUMNS = {"site", "gpu_type", "status"}
JOB_DOCUMENTED_COLUMNS = {"emissions_t", "deferred_s", "gpu_hours", "embodied_it_t", "cost_usd"}

ROOT_INT_ATTRIBUTES = {"format_version", "seed", "complete"}
ROOT_STRING_ATTRIBUTES = {"program_version", "scenario"}


@pytest.fixture(scope="module")
def h5_path(request: pytest.FixtureRequest) -> Path:
    value = os.environ.get("FLEETSIM_TEST_H5")
    if not value:
        return request.getfixturevalue("quickstart_h5")
    path = Path(value)
    assert path.is_file(), f"FLEETSIM_TEST_H5={value}: no such file"
    return path


@pytest.fixture(scope="module")
def h5(h5_path: Path) -> Iterator[h5py.File]:
    with h5py.File(h5_path, "r") as f:
        yield f


def _warn_missing(where: str, missing: set[str]) -> None:
    if missing:
        warnings.warn(f"{where}: documented names missing: {sorted(missing)}", stacklevel=2)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _scale_names(dataset: h5py.Dataset) -> list[str]:
    """Names of the dimension scales attached to each axis ("" if none)."""
    return [dim[0].name.rsplit("/", 1)[-1] if len(dim) else "" for dim in dataset.dims]


def _filters(dataset: h5py.Dataset) -> set[int]:
    plist = dataset.id.get_create_plist()
    return {plist.get_filter(i)[0] for i in range(plist.get_nfilters())}


def _datasets(group: h5py.Group) -> Iterator[tuple[str, h5py.Dataset]]:
    for name, obj in group.items():
        if isinstance(obj, h5py.Dataset):
            yield name, obj


# --- root -----------------------------------------------------------------------------


def test_root_attributes(h5: h5py.File) -> None:
    attrs = h5.attrs
    for name in ROOT_INT_ATTRIBUTES:
        assert name in attrs, f"root attribute {name!r} missing"
        is_int = np.issubdtype(np.asarray(attrs[name]).dtype, np.integer)
        assert is_int, f"root attribute {name!r} is not an integer"
    for name in ROOT_STRING_ATTRIBUTES:
        assert name in attrs, f"root attribute {name!r} missing"
        got = type(attrs[name]).__name__
        assert _is_str(attrs[name]), f"root attribute {name!r} is not a variable-length string (h5py gives {got})"
    assert int(attrs["complete"]) == 1, "the file is not marked complete"
    assert int(attrs["format_version"]) >= 1
    assert attrs["scenario"].strip(), "the scenario text is empty"


def test_complete_is_the_last_root_attribute(h5: h5py.File) -> None:
    names = list(h5.attrs)  # creation order when tracked
    if h5.id.get_create_plist().get_attr_creation_order() & h5py.h5p.CRT_ORDER_TRACKED:
        assert names[-1] == "complete", f"'complete' must be written last, order is {names}"


def test_every_dataset_has_units_and_description(h5: h5py.File) -> None:
    problems: list[str] = []

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            for attr in ("units", "description"):
                if attr not in obj.attrs:
                    problems.append(f"/{name}: no {attr!r}")
                elif not _is_str(obj.attrs[attr]):
                    problems.append(f"/{name}: {attr!r} is not a variable-length string")

    h5.visititems(visit)
    assert not problems, "\n".join(problems)


def test_only_builtin_filters(h5: h5py.File) -> None:
    problems: list[str] = []

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            extra = _filters(obj) - ALLOWED_FILTERS
            if extra:
                problems.append(f"/{name}: filters {sorted(extra)} beyond shuffle and deflate")

    h5.visititems(visit)
    assert not problems, "\n".join(problems)


# --- series groups --------------------------------------------------------------------


@pytest.mark.parametrize("group", sorted(SERIES_GROUPS))
def test_series_group_with_xarray(h5_path: Path, group: str) -> None:
    entity_dim, required, documented = SERIES_GROUPS[group]
    with xr.open_dataset(h5_path, engine="h5netcdf", group=group) as ds:
        assert "hour" in ds.coords and "hour" in ds.indexes, f"/{group}: no hour index"
        hour_dtype = ds["hour"].dtype
        assert np.issubdtype(hour_dtype, np.datetime64), f"/{group}/hour decodes to {hour_dtype}, not datetime64"
        hours = ds["hour"].values
        if hours.size > 1:
            steps = np.diff(hours).astype("timedelta64[s]").astype(np.int64)
            assert np.all(steps == SECONDS_PER_HOUR), f"/{group}/hour is not hourly"

        assert entity_dim in ds.coords and entity_dim in ds.indexes, f"/{group}: no {entity_dim} index"
        names = list(ds[entity_dim].values)
        assert all(_is_str(n) and n for n in names), f"/{group}/{entity_dim}: not non-empty str: {names[:5]}"
        assert len(set(names)) == len(names), f"/{group}/{entity_dim}: duplicate names"

        missing = required - set(ds.data_vars)
        assert not missing, f"/{group}: required series missing: {sorted(missing)}"
        _warn_missing(f"/{group}", documented - set(ds.data_vars))

        for name, var in ds.data_vars.items():
            if var.ndim == 2:
                assert var.dims == ("hour", entity_dim), f"/{group}/{name} has dims {var.dims}"
                assert np.issubdtype(var.dtype, np.number), f"/{group}/{name} is not numeric"
            else:
                assert var.dims == (entity_dim,), f"/{group}/{name} has dims {var.dims}"
        for name in required | (documented & set(ds.data_vars)):
            values = ds[name].values
            assert values.shape == (hours.size, len(names))
            assert np.all(np.isfinite(values)), f"/{group}/{name} has non-finite values"


@pytest.mark.parametrize("group", sorted(SERIES_GROUPS))
def test_series_group_layout_with_h5py(h5: h5py.File, group: str) -> None:
    entity_dim = SERIES_GROUPS[group][0]
    g = h5[group]
    hour = g["hour"]
    assert hour.dtype == np.int64
    assert hour.attrs["units"] == HOUR_UNITS
    assert hour.attrs["calendar"] == "standard"
    assert h5py.h5ds.is_scale(hour.id) and h5py.h5ds.is_scale(g[entity_dim].id)
    assert h5py.check_string_dtype(g[entity_dim].dtype) is not None
    for name, ds in _datasets(g):
        if ds.ndim == 2:
            assert _scale_names(ds) == ["hour", entity_dim], f"/{group}/{name}: scales {_scale_names(ds)}"
            if ds.size > 0:
                chunked_along_time = ds.chunks is not None and ds.chunks[1] == ds.shape[1]
                assert chunked_along_time, f"/{group}/{name}: not chunked along time"
        elif name not in ("hour", entity_dim):
            assert _scale_names(ds) == [entity_dim], f"/{group}/{name}: scales {_scale_names(ds)}"


def test_site_region_names_known_regions(h5: h5py.File, h5_path: Path) -> None:
    if "site_region" not in h5["site"]:
        warnings.warn("/site/site_region missing", stacklevel=1)
        return
    with xr.open_dataset(h5_path, engine="h5netcdf", group="site") as ds:
        regions = [str(r) for r in ds["site_region"].values]
    assert all(regions), "a site has an empty region name"
    with xr.open_dataset(h5_path, engine="h5netcdf", group="region") as ds:
        known = set(ds["region"].values)
    assert set(regions) <= known, f"site regions {sorted(set(regions) - known)} are not in /region/region"


def test_series_groups_share_hours(h5: h5py.File) -> None:
    groups = [g for g in [*SERIES_GROUPS, *OPTIONAL_SERIES_GROUPS] if g in h5]
    reference = h5[groups[0]]["hour"][()]
    for group in groups[1:]:
        message = f"/{group}/hour differs from /{groups[0]}/hour"
        np.testing.assert_array_equal(h5[group]["hour"][()], reference, err_msg=message)


def test_optional_series_groups(h5_path: Path, h5: h5py.File) -> None:
    for group, (entity_dim, documented) in OPTIONAL_SERIES_GROUPS.items():
        if group not in h5:
            continue
        with xr.open_dataset(h5_path, engine="h5netcdf", group=group) as ds:
            assert np.issubdtype(ds["hour"].dtype, np.datetime64)
            assert all(_is_str(n) for n in ds[entity_dim].values)
            _warn_missing(f"/{group}", documented - set(ds.data_vars))
            for name, var in ds.data_vars.items():
                if var.ndim == 2:
                    assert var.dims == ("hour", entity_dim), f"/{group}/{name} has dims {var.dims}"


# --- jobs -----------------------------------------------------------------------------


def test_jobs_columns_with_h5py(h5: h5py.File) -> None:
    assert "jobs" in h5, "/jobs missing"
    jobs = h5["jobs"]
    required = JOB_INT_COLUMNS | JOB_FLOAT_COLUMNS | JOB_STRING_COLUMNS
    missing = required - set(jobs)
    assert not missing, f"/jobs: required columns missing: {sorted(missing)}"
    _warn_missing("/jobs", JOB_DOCUMENTED_COLUMNS - set(jobs))

    lengths = {name: ds.shape for name, ds in _datasets(jobs)}
    assert all(len(shape) == 1 for shape in lengths.values()), f"/jobs columns must be 1-D: {lengths}"
    assert len(set(lengths.values())) == 1, f"/jobs columns differ in length: {lengths}"
    n = jobs["id"].shape[0]

    for name in JOB_INT_COLUMNS:
        assert np.issubdtype(jobs[name].dtype, np.integer), f"/jobs/{name} is {jobs[name].dtype}, not integer"
    for name in JOB_FLOAT_COLUMNS:
        assert np.issubdtype(jobs[name].dtype, np.floating), f"/jobs/{name} is {jobs[name].dtype}, not a float"
    for name in JOB_STRING_COLUMNS:
        assert h5py.check_string_dtype(jobs[name].dtype) is not None, f"/jobs/{name} is not a string column"

    ids = jobs["id"][()]
    assert len(np.unique(ids)) == n, "/jobs/id has duplicates"
    status = jobs["status"].asstr()[()]
    assert all(status), "a job has an empty status"
    if n:
        submit, start, end = (jobs[c][()] for c in ("submit_s", "start_s", "end_s"))
        done = np.asarray([s == "completed" for s in status])
        assert np.all(start[done] >= submit[done]), "a completed job started before it was submitted"
        assert np.all(end[done] >= start[done]), "a completed job ended before it started"
        assert np.all(jobs["gpus"][()] > 0), "a job has no GPUs"
        energy = jobs["energy_mwh"][()]
        assert np.all(np.isfinite(energy)) and np.all(energy >= 0), "a job has a negative or non-finite energy"


def test_jobs_with_xarray(h5_path: Path) -> None:
    with xr.open_dataset(h5_path, engine="h5netcdf", group="jobs") as ds:
        assert "job" in ds.indexes, f"/jobs is not indexed by job: dims {dict(ds.sizes)}"
        assert set(ds.dims) == {"job"}, f"/jobs has dims {dict(ds.sizes)}"
        for name in JOB_STRING_COLUMNS:
            assert all(_is_str(v) for v in ds[name].values), f"/jobs/{name} does not decode to str"
        frame = ds.to_dataframe()
        assert len(frame) == ds.sizes["job"]
