"""The analysis package (analysis/fleetsim_analysis): loaders return the file's values, the
figures' data are the run's numbers (the heatmap is the hourly CFE reshaped), reports are
written for runs with and without inference or batteries and for sweeps, and a truncated or
incomplete file is a clear error."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import SOURCE_DIR, run_fleetsim
from fleetsim_analysis import RunFileError, open_run, open_series, open_sweep
from fleetsim_analysis import figures
from fleetsim_analysis.report import write_report
from fleetsim_analysis.sweep import pareto_front, write_sweep_report

PNG = b"\x89PNG\r\n\x1a\n"

# One region, no battery, no inference demand, a partial first day (starts at 06:00).
PLAIN = """name: plain
start: 2024-03-01T06:00:00Z
hours: 500
regions:
  - {name: only, contracts: [{type: wind, capacity_mw: 2}]}
sites:
  - {name: s, region: only, grid_limit_mw: 5, clusters: [{gpu_type: A100, gpus: 256}]}
workload:
  synthetic:
    - {name: r, arrivals_per_day: 30, gpus: [8, 64], duration_median_h: 6}
"""


def analysis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetsim_analysis", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="session")
def plain_h5(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plain")
    (folder / "plain.yaml").write_text(PLAIN)
    out = folder / "plain.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(folder / "plain.yaml"), "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def inference_h5(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chat") / "chat.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "chat_inference.yaml"), "-o", str(out),
                          "--set", "hours=336", "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_each_series_group_opens_directly_in_xarray(quickstart_h5: Path, inference_h5: Path):
    for path, group, entity in [(quickstart_h5, "site", "site"), (quickstart_h5, "region", "region"),
                                (inference_h5, "demand", "demand_region")]:
        ds = xr.open_dataset(path, engine="h5netcdf", group=group)
        assert np.issubdtype(ds["hour"].dtype, np.datetime64)
        assert ds[entity].dtype.kind in "OU"
        with h5py.File(path, "r") as f:
            raw = f[group]
            name = next(k for k in raw if k not in ("hour", entity) and raw[k].ndim == 2)
            assert np.array_equal(ds[name].values, raw[name][...])
            assert ds[name].attrs["units"] == raw[name].attrs["units"]
            start = np.datetime64(int(raw["hour"][0]), "s")
        assert ds["hour"].values[0] == start
        ds.close()


def test_loaded_values_equal_the_hdf5_values(quickstart_h5: Path):
    run = open_run(quickstart_h5)
    with h5py.File(quickstart_h5, "r") as f:
        assert np.array_equal(run.frame("site", "facility_energy_mwh").to_numpy(), f["site/facility_energy_mwh"][...])
        assert np.array_equal(run.frame("region", "cfe_mwh").to_numpy(), f["region/cfe_mwh"][...])
        assert list(run.frame("region", "cfe_mwh").columns) == list(f["region/region"].asstr()[...])
        assert run.frame("site", "gpus_total").to_numpy().dtype == np.int64
        assert np.array_equal(run.jobs["energy_mwh"].to_numpy(), f["jobs/energy_mwh"][...])
        assert list(run.jobs["status"]) == list(f["jobs/status"].asstr()[...])
        assert run.summary == {k: float(v) for k, v in f["summary"].attrs.items()}
        assert np.array_equal(run.summary_region["cfe_score"].to_numpy(), f["summary/region/cfe_score"][...])
        assert list(run.summary_year.index) == [2024]
        assert run.summary_year.loc[2024, "facility_energy_mwh"] == f["summary/year/facility_energy_mwh"][0]
    assert run.site["facility_energy_mwh"].attrs["units"] == "MWh"
    assert run.frame("region", "load_mwh").index[0] == pd.Timestamp("2024-01-01 00:00")
    assert open_series(quickstart_h5, "region")["load_mwh"].equals(run.region["load_mwh"])
    assert not run.has_inference and run.has_battery


def test_the_heatmap_is_the_hourly_cfe_reshaped(quickstart_h5: Path, plain_h5: Path):
    run = open_run(quickstart_h5)
    with h5py.File(quickstart_h5, "r") as f:
        regions = list(f["region/region"].asstr()[...])
        cfe = f["region/cfe_mwh"][...]
        load = f["region/load_mwh"][...]
    for r, region in enumerate(regions):
        expected = (cfe[:, r] / load[:, r]).reshape(366, 24)  # 2024 from 1 January: 366 whole days
        data = figures.cfe_heatmap_data(run, region)
        assert data.shape == (366, 24)
        assert data.index[0] == pd.Timestamp("2024-01-01")
        np.testing.assert_array_equal(data.to_numpy(), expected)
    # a run starting at 06:00: the first day's first six hours are empty, the rest in place
    plain = open_run(plain_h5)
    with h5py.File(plain_h5, "r") as f:
        share = f["region/cfe_mwh"][:, 0] / f["region/load_mwh"][:, 0]
    data = figures.cfe_heatmap_data(plain, "only").to_numpy()
    assert np.isnan(data[0, :6]).all()
    np.testing.assert_array_equal(data.reshape(-1)[6:6 + 500], share)


def test_the_week_of_supply_adds_up_to_the_load(quickstart_h5: Path):
    run = open_run(quickstart_h5)
    start = figures.default_week(run)
    d = figures.week_supply_data(run, "us-west", start)
    assert len(d) == 168
    total = d["contracted"] + d["battery"] + d["grid_cfe"] + d["grid_fossil"]
    np.testing.assert_allclose(total, d["load"], rtol=1e-9)
    # contracted generation = used + stored + excess (the ledger's balance)
    np.testing.assert_allclose(d["contracted"] + d["charge"] + d["excess"], d["contracted_generation"], rtol=1e-9,
                               atol=1e-9)
    util = figures.utilisation_data(run)
    assert ((util >= 0) & (util <= 1 + 1e-12)).all().all()


def test_report_of_a_run_with_batteries(quickstart_h5: Path, tmp_path: Path):
    files = write_report(quickstart_h5, tmp_path / "report")
    names = {p.name for p in files}
    assert {"cfe_heatmap.png", "week_supply.png", "emissions.png", "utilisation.png", "jobs.png",
            "index.html"} <= names
    assert "inference.png" not in names
    page = (tmp_path / "report" / "index.html").read_text()
    for p in files:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000
            assert f"src='{p.name}'" in page
    assert "cfe_score" in page and "us-west" in page


def test_report_without_inference_or_batteries_and_with_inference(plain_h5: Path, inference_h5: Path,
                                                                   tmp_path: Path):
    result = analysis("report", str(plain_h5), "-o", str(tmp_path / "plain"), "--week", "2024-03-05")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plain" / "week_supply.png").exists()
    assert not (tmp_path / "plain" / "inference.png").exists()
    assert "week of 2024-03-05" in (tmp_path / "plain" / "index.html").read_text()
    result = analysis("report", str(inference_h5), "-o", str(tmp_path / "chat"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "chat" / "inference.png").read_bytes()[:8] == PNG
    served = figures.inference_data(open_run(inference_h5))
    with h5py.File(inference_h5, "r") as f:
        assert np.isclose(served.drop(columns="dropped").to_numpy().sum(), f["site/inference_queries"][...].sum())
        assert np.isclose(served["dropped"].sum(), f["demand/dropped"][...].sum())


def test_truncated_or_incomplete_files_are_clear_errors(quickstart_h5: Path, tmp_path: Path):
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(quickstart_h5.read_bytes()[: quickstart_h5.stat().st_size // 2])
    with pytest.raises(RunFileError, match="truncated.h5: not a readable HDF5 file"):
        open_run(truncated)
    incomplete = tmp_path / "incomplete.h5"
    shutil.copy(quickstart_h5, incomplete)
    with h5py.File(incomplete, "r+") as f:
        del f.attrs["complete"]
    with pytest.raises(RunFileError, match="incomplete.h5: incomplete run file"):
        open_run(incomplete)
    with pytest.raises(RunFileError, match="no such file"):
        open_run(tmp_path / "missing.h5")
    for path in (truncated, incomplete):
        result = analysis("report", str(path), "-o", str(tmp_path / "out"))
        assert result.returncode == 2
        assert result.stderr.startswith("fleetsim_analysis: error: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out" / "index.html").exists()


def test_pareto_front_by_hand():
    #            x: 10   20   20   30   40   50
    x = np.array([10, 20, 20, 30, 40, 50])
    y = np.array([0.5, 0.7, 0.6, 0.65, 0.9, 0.9])
    assert list(pareto_front(x, y)) == [0, 1, 4]  # (20, 0.6) and (30, 0.65) are beaten by (20, 0.7)
    assert list(pareto_front(x, -y, maximize_y=False)) == [0, 1, 4]
    assert list(pareto_front(np.array([1.0, np.nan]), np.array([1.0, 2.0]))) == [0]


def test_sweep_report_plots_each_figure_against_each_parameter(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  regions.0.contracts.0.capacity_mw: [10, 40, 80]\n"
                          "  scheduler.policy: [fifo, greenest_site]\n")
    out = tmp_path / "sweep"
    result = run_fleetsim(fleetsim_bin, "sweep", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--grid",
                          str(sweep_file), "-o", str(out), "--set", "hours=800", "--jobs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    sweep = open_sweep(out)
    assert sweep.parameters == ["regions.0.contracts.0.capacity_mw", "scheduler.policy"]
    assert sweep.numeric_parameters() == ["regions.0.contracts.0.capacity_mw"]
    assert sweep.categorical_parameters() == ["scheduler.policy"]
    with h5py.File(out / "sweep_summary.h5", "r") as f:
        assert np.array_equal(sweep.runs["cfe_score"].to_numpy(), f["runs/cfe_score"][...])
    files = write_sweep_report(out, tmp_path / "report")
    names = {p.name for p in files}
    assert "cfe_score_vs_regions_0_contracts_0_capacity_mw.png" in names
    assert "emissions_location_t_vs_regions_0_contracts_0_capacity_mw.png" in names
    page = (tmp_path / "report" / "index.html").read_text()
    assert "greenest_site" in page
    # capacity bought is a decision: a front for the CFE score and hourly market-based emissions,
    # none for location-based emissions, which procurement does not change
    assert page.count("Pareto front (circled, joined by a dashed line)") == 2
    assert "No Pareto front: buying carbon-free supply or storage does not change location-based" in page
    result = analysis("sweep", str(tmp_path / "nothing"), "-o", str(tmp_path / "r2"))
    assert result.returncode == 2 and "no sweep summary here" in result.stderr


def test_short_runs_bad_weeks_and_damaged_summaries(fleetsim_bin: Path, tmp_path: Path):
    (tmp_path / "plain.yaml").write_text(PLAIN.replace("hours: 500", "hours: 12"))
    short = tmp_path / "short.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(tmp_path / "plain.yaml"), "-o", str(short), "-q").returncode == 0
    result = analysis("report", str(short), "-o", str(tmp_path / "short"))
    assert result.returncode == 0, result.stderr  # twelve hours, within one day
    for week, message in (("2030-01-01", "outside the run"), ("notadate", "not a date")):
        result = analysis("report", str(short), "-o", str(tmp_path / "w"), "--week", week)
        assert result.returncode == 2 and message in result.stderr
    # a sweep whose runs fall in different calendar years keeps every year's column
    sweep_file = tmp_path / "years.yaml"
    sweep_file.write_text("parameters:\n  start: [2023-12-01, 2024-12-01]\n  growth.capacity: [true, false]\n")
    (tmp_path / "grow.yaml").write_text(PLAIN.replace("hours: 500", "hours: 1000\ngrowth: {annual: 0.2}"))
    out = tmp_path / "sweep"
    result = run_fleetsim(fleetsim_bin, "sweep", str(tmp_path / "grow.yaml"), "--grid", str(sweep_file), "-o",
                          str(out), "-q")
    assert result.returncode == 0, result.stderr
    sweep = open_sweep(out)
    for year in (2023, 2024, 2025):
        assert f"facility_energy_mwh_{year}" in sweep.runs.columns
    assert np.isnan(sweep.runs.loc[0, "facility_energy_mwh_2025"])
    assert sweep.runs.loc[2, "facility_energy_mwh_2025"] > 0
    assert sweep.categorical_parameters() == ["start", "growth.capacity"]  # dates and true/false are categories
    files = {p.name for p in write_sweep_report(out, tmp_path / "report")}
    assert "cfe_score_by_category.png" in files and "energy_per_year.png" in files
    # a CSV cut short no longer matches its HDF5 twin
    lines = (out / "sweep_summary.csv").read_text().splitlines(keepends=True)
    (out / "sweep_summary.csv").write_text("".join(lines[:-1]))
    with pytest.raises(RunFileError, match="truncated or stale"):
        open_sweep(out)


# --- what a new user sees (issue 16): baseline, tables, panels, axes, units ---

ONE_DELAYED = """name: one_delayed
start: 2024-03-01T00:00:00Z
hours: 48
regions:
  - {name: only, contracts: [{type: wind, capacity_mw: 2}]}
sites:
  - {name: s, region: only, grid_limit_mw: 5, clusters: [{gpu_type: A100, gpus: 8}]}
workload:
  jobs:
    - {name: a, gpus: 8, duration_h: 3, submit_h: 0}
    - {name: b, gpus: 8, duration_h: 2, submit_h: 0}
"""


@pytest.fixture(scope="session")
def baseline_h5(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline") / "shift.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"), "--baseline",
                          "fifo", "--set", "hours=720", "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_report_of_a_run_with_a_baseline_compares_fleet_and_regions(baseline_h5: Path, tmp_path: Path):
    from fleetsim_analysis.baseline import comparison, open_baseline, region_comparison
    run = open_run(baseline_h5)
    baseline = open_baseline(baseline_h5)
    assert baseline is not None and baseline.policy == "fifo"
    fleet = comparison(run.summary, baseline)
    with h5py.File(baseline_h5, "r") as f:
        for name in ("emissions_location_t", "cfe_score", "mean_delay_h"):
            assert fleet.loc[name, "policy"] == f["summary"].attrs[name]
            assert fleet.loc[name, "baseline"] == f["baseline"].attrs[name]
            assert fleet.loc[name, "difference"] == f["summary"].attrs[name] - f["baseline"].attrs[name]
        regions = region_comparison(run.summary_region, baseline)
        for r, region in enumerate(f["summary/region/region"].asstr()[...]):
            expected = f["summary/region/emissions_location_t"][r] - f["baseline/region/emissions_location_t"][r]
            assert regions.loc[(region, "emissions_location_t"), "difference"] == expected
    assert 0 < fleet.loc["job_emissions_location_t", "attainable"] <= 1  # against fifo, which has no bound
    files = {p.name for p in write_report(baseline_h5, tmp_path / "r")}
    assert "baseline.png" in files
    page = (tmp_path / "r" / "index.html").read_text()
    assert "Against the baseline: temporal_shift vs fifo" in page and "baseline fifo" in page
    assert page.index("Against the baseline") < page.index("24/7 carbon-free energy, hour by hour")
    assert "src='baseline.png'" in page


def test_a_run_without_baseline_has_no_baseline_section(plain_h5: Path, tmp_path: Path):
    from fleetsim_analysis.baseline import open_baseline
    assert open_baseline(plain_h5) is None
    write_report(plain_h5, tmp_path / "r")
    assert "Against the baseline" not in (tmp_path / "r" / "index.html").read_text()
    assert not (tmp_path / "r" / "baseline.png").exists()


def test_empty_panels_are_left_out(inference_h5: Path, plain_h5: Path, tmp_path: Path):
    # inference only: no training-job figure, and no heatmap panel for a region without load
    files = {p.name for p in write_report(inference_h5, tmp_path / "chat")}
    assert "jobs.png" not in files and "inference.png" in files
    page = (tmp_path / "chat" / "index.html").read_text()
    assert "training jobs (none submitted)" in page
    run = open_run(inference_h5)
    idle = [r for r, v in run.summary_region["facility_energy_mwh"].items() if v == 0]
    assert idle, "chat_inference has a region without load over 336 hours"
    regions, note = figures._largest_regions(run)
    assert not set(idle) & set(regions) and "without load, not drawn" in note
    # training only: no inference figure, and the page says why
    files = {p.name for p in write_report(plain_h5, tmp_path / "plain")}
    assert "inference.png" not in files and "jobs.png" in files
    assert "inference (no inference demand)" in (tmp_path / "plain" / "index.html").read_text()


def test_the_heatmap_draws_one_flat_cell_per_hour(plain_h5: Path):
    from matplotlib.collections import QuadMesh
    from matplotlib.image import AxesImage
    run = open_run(plain_h5)
    fig = figures.plot_cfe_heatmaps(run)
    ax = fig.axes[0]
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and not [a for a in ax.get_children() if isinstance(a, AxesImage)]
    data = figures.cfe_heatmap_data(run, "only")
    coordinates = meshes[0].get_coordinates()  # cell corners: (hours + 1) x (days + 1)
    assert coordinates.shape[:2] == (25, len(data) + 1)
    np.testing.assert_array_equal(coordinates[:, 0, 1], np.arange(25))  # one row per hour of day


def test_delay_axis_shows_a_handful_of_delayed_jobs_honestly(fleetsim_bin: Path, tmp_path: Path):
    (tmp_path / "one.yaml").write_text(ONE_DELAYED)
    out = tmp_path / "one.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(tmp_path / "one.yaml"), "-o", str(out), "-q").returncode == 0
    run = open_run(out)
    delays = figures.delay_data(run)
    positive = delays[delays > 0]
    assert list(positive) == [3.0]  # b waits for a's three hours
    bins, log = figures.delay_bins(positive)
    assert not log and bins[0] == 0 and bins[-2] <= 3.0 < bins[-1]  # linear from 0, the job inside a bin
    fig = figures.plot_jobs(run)
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0
    assert all(float(t).is_integer() for t in ax.get_yticks())  # job counts: whole numbers
    assert "3.00 h" in " ".join(t.get_text() for t in ax.texts)
    # many jobs spread over decades: a log axis with plain tick labels
    wide = pd.Series(np.geomspace(0.05, 50, 200))
    assert figures.delay_bins(wide)[1]
    # few jobs, even spread widely: linear
    assert not figures.delay_bins(pd.Series([0.1, 30.0]))[1]


def test_emissions_axes_have_separators_and_say_they_are_totals(quickstart_h5: Path):
    run = open_run(quickstart_h5)
    fig = figures.plot_emissions(run)
    ax = fig.axes[0]
    assert "total over the run" in ax.get_ylabel() and "2024-01-01 to 2024-12-31, 1 year" in ax.get_ylabel()
    assert ax.yaxis.get_major_formatter()(12000.0, 0) == "12,000"
    assert figures.period_label(run) == "2024-01-01 to 2024-12-31, 1 year"


def test_shares_are_percent_in_every_table(plain_h5: Path, tmp_path: Path):
    from fleetsim_analysis.tables import label, number
    write_report(plain_h5, tmp_path / "r")
    page = (tmp_path / "r" / "index.html").read_text()
    run = open_run(plain_h5)
    for name in ("cfe_score", "gpu_utilization", "annual_matching_global"):
        value = run.summary[name]
        row = f"<td class='num'>{number(round(100 * value, 2))}</td><td class='text'>%</td><td class='name'>{name}</td>"
        assert row in page, name
    region_score = run.summary_region["cfe_score"].iloc[0]
    assert f">{100 * region_score:.1f}<" in page
    assert label("emissions_location_t") == "Emissions, location-based (tCO₂)"
    assert label("cfe_score_2024") == "24/7 CFE score 2024 (%)"
    assert number(1234567.0) == "1,234,567" and number(0.25) == "0.25"


def test_summary_prints_percent_and_stops_quietly_when_the_pipe_closes(quickstart_h5: Path):
    result = analysis("summary", str(quickstart_h5))
    assert result.returncode == 0
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("cfe_score"))
    assert line.rstrip().endswith("%")
    # the reader stops after one line, as `| head -1` does
    proc = subprocess.Popen([sys.executable, "-m", "fleetsim_analysis", "summary", str(quickstart_h5)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_pareto_front_only_against_decisions_and_drawn_as_captioned(fleetsim_bin: Path, tmp_path: Path):
    from matplotlib.lines import Line2D
    from fleetsim_analysis.sweep import METRICS, is_decision, plot_metric, point_means
    assert is_decision("regions.0.contracts.1.capacity_mw") and is_decision("regions.2.battery.energy_mwh")
    assert not is_decision("growth.factor") and not is_decision("sites.0.pue") and not is_decision("seed")
    (tmp_path / "plain.yaml").write_text(PLAIN)
    grids = (("bought", "regions.0.contracts.0.capacity_mw: [0, 1, 2, 6]"), ("pue", "sites.0.pue: [1.1, 1.4]"))
    for name, grid in grids:
        (tmp_path / f"{name}.yaml").write_text(f"parameters:\n  {grid}\n")
        result = run_fleetsim(fleetsim_bin, "sweep", str(tmp_path / "plain.yaml"), "--grid",
                              str(tmp_path / f"{name}.yaml"), "-o", str(tmp_path / name), "--set", "hours=200",
                              "--quiet")
        assert result.returncode == 0, result.stderr
    bought = open_sweep(tmp_path / "bought")
    parameter = "regions.0.contracts.0.capacity_mw"
    metric, label, better, _ = METRICS[0]
    fig, caption = plot_metric(bought, parameter, metric, label, better, front=True)
    ax = fig.axes[0]
    means = point_means(bought, metric)
    front = pareto_front(means[parameter].to_numpy(), means[metric].to_numpy())
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata())]
    assert len(front) > 1 and len(dashed) == 1  # the dashed line the caption promises, through the front
    assert set(dashed[0].get_xdata()) == set(means[parameter].to_numpy()[front])
    assert f"the {len(front)} of 4 parameter points" in caption
    assert "Pareto front (point means)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylim()[0] == 0  # the score's axis from zero
    files = write_sweep_report(tmp_path / "pue", tmp_path / "pue_report")
    page = files[-1].read_text()
    assert "No Pareto front: sites.0.pue is a condition of the scenario" in page
    assert "Pareto front (circled" not in page
    fig, _ = plot_metric(open_sweep(tmp_path / "pue"), "sites.0.pue", metric, label, better, front=False)
    assert not [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert all(not isinstance(h, Line2D) or h.get_label() != "Pareto front (point means)"
               for h in fig.axes[0].get_legend_handles_labels()[0])


# One region with a grid CSV that has a marginal intensity, one without: marginal emissions
# exist (files and job column) and are NaN where the data have none.
MARGINAL = """name: marginal
start: 2024-01-01T00:00:00Z
hours: 168
regions:
  - name: m
    grid: {source: csv, file: grid.csv, carbon_intensity_column: ci, cfe_share_column: cfe,
           marginal_carbon_intensity_column: mci}
    contracts: [{type: solar, capacity_mw: 1}]
  - {name: plain, contracts: [{type: wind, capacity_mw: 1}]}
sites:
  - {name: a, region: m, grid_limit_mw: 5, clusters: [{gpu_type: A100, gpus: 256}]}
  - {name: b, region: plain, grid_limit_mw: 5, clusters: [{gpu_type: H100, gpus: 128}]}
workload:
  synthetic:
    - {name: r, arrivals_per_day: 30, gpus: [8, 64], duration_median_h: 6}
"""


def marginal_grid_csv(hours: int = 168) -> str:
    rows = [f"{(pd.Timestamp('2024-01-01') + pd.Timedelta(hours=h)):%Y-%m-%dT%H:00:00Z},{300 + 50 * np.sin(h / 4):.3f},"
            f"0.4,{650 + 20 * np.cos(h / 5):.3f}" for h in range(hours)]
    return "datetime_utc,ci,cfe,mci\n" + "\n".join(rows) + "\n"


@pytest.fixture(scope="session")
def marginal_h5(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("marginal")
    (folder / "grid.csv").write_text(marginal_grid_csv())
    (folder / "marginal.yaml").write_text(MARGINAL)
    out = folder / "marginal.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(folder / "marginal.yaml"), "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_footprint_water_and_cost_data_are_the_files_values(quickstart_h5: Path, inference_h5: Path,
                                                            marginal_h5: Path):
    from fleetsim_analysis.tables import cost_table, unit_costs

    for path in (quickstart_h5, inference_h5, marginal_h5):
        run = open_run(path)
        assert figures.has_footprint(run)
        with h5py.File(path, "r") as f:
            s = dict(f["summary"].attrs)
            region = {name: f[f"summary/region/{name}"][...] for name in f["summary/region"]}
            year = {name: f[f"summary/year/{name}"][...] for name in f["summary/year"]}
            site_embodied = f["site/embodied_it_t"][...].sum()
            supply_embodied = f["region/embodied_supply_t"][...].sum()
            onsite = f["site/water_onsite_l"][...].sum()
            offsite = f["region/water_offsite_l"][...].sum()
            energy_cost = f["region/energy_cost_usd"][...].sum()
            capital_cost = f["site/capital_cost_usd"][...].sum()
        carbon = figures.footprint_data(run)
        assert list(carbon.index) == [str(r) for r in run.summary_region.index]
        assert np.array_equal(carbon["operational_location_t"].to_numpy(), region["emissions_location_t"])
        assert np.array_equal(carbon["embodied_it_t"].to_numpy(), region["embodied_it_t"])
        assert np.array_equal(carbon["embodied_supply_t"].to_numpy(), region["embodied_supply_t"])
        assert np.isclose(carbon["total_t"].sum(), s["emissions_total_t"], rtol=1e-9)
        assert np.isclose(carbon["embodied_it_t"].sum(), site_embodied, rtol=1e-9)
        assert np.isclose(carbon["embodied_supply_t"].sum(), supply_embodied, rtol=1e-9)
        assert s["embodied_it_t"] > 0  # every catalog GPU has an embodied carbon
        by_year = figures.footprint_data(run, "year")
        assert np.array_equal(by_year["embodied_it_t"].to_numpy(), year["embodied_it_t"])
        assert np.isclose(by_year["total_t"].sum(), s["emissions_total_t"], rtol=1e-9)
        water = figures.water_data(run)
        assert np.array_equal(water["onsite_m3"].to_numpy(), region["water_onsite_l"] / 1000)
        assert np.array_equal(water["offsite_m3"].to_numpy(), region["water_offsite_l"] / 1000)
        assert np.isclose(water["onsite_m3"].sum() * 1000, onsite, rtol=1e-9)
        assert np.isclose(water["offsite_m3"].sum() * 1000, offsite, rtol=1e-9)
        assert np.isclose(figures.water_data(run, "year")["total_m3"].sum() * 1000, s["water_onsite_l"]
                          + s["water_offsite_l"], rtol=1e-9)
        costs = cost_table(run)
        assert list(costs.index) == list(carbon.index) + ["fleet"]
        assert costs.loc["fleet", "energy_cost_usd"] == s["energy_cost_usd"]
        assert costs.loc["fleet", "capital_cost_usd"] == s["capital_cost_usd"]
        assert np.isclose(costs.loc["fleet", "total_cost_usd"], s["total_cost_usd"], rtol=1e-12)
        assert np.isclose(costs.loc["fleet", "energy_cost_usd"], energy_cost, rtol=1e-9)
        assert np.isclose(costs.loc["fleet", "capital_cost_usd"], capital_cost, rtol=1e-9)
        assert np.array_equal(costs["energy_cost_usd"].to_numpy()[:-1], region["energy_cost_usd"])
        assert np.isclose(costs.loc["fleet", "energy_usd_per_mwh"], s["energy_cost_usd"] / s["facility_energy_mwh"])
        units = unit_costs(run).set_index("name")
        assert units.loc["cost_per_gpu_hour_usd", "value"] == s["cost_per_gpu_hour_usd"]
        assert units.loc["cost_per_gpu_hour_usd", "unit"] == "USD/GPU-h"
        assert ("cost_per_1000_queries_usd" in units.index) == (s["queries_served"] > 0)
        # the new series and columns are there when the file is opened
        assert "embodied_it_t" in run.site and "water_offsite_l" in run.region
        assert {"gpu_hours", "embodied_it_t", "cost_usd"} <= set(run.jobs.columns)
        assert np.isclose(run.jobs["embodied_it_t"].sum(), s["job_embodied_it_t"], rtol=1e-9)
    assert unit_costs(open_run(inference_h5)).set_index("name").loc["cost_per_1000_queries_usd", "value"] > 0


def test_marginal_emissions_only_where_the_data_have_them(quickstart_h5: Path, marginal_h5: Path):
    plain = open_run(quickstart_h5)
    assert "emissions_marginal_t" not in plain.summary
    assert "emissions_marginal_t" not in plain.region and "emissions_marginal_t" not in plain.jobs
    assert plain.summary_region["emissions_marginal_t"].isna().all()
    run = open_run(marginal_h5)
    marginal = run.summary_region["emissions_marginal_t"]
    assert np.isfinite(marginal["m"]) and marginal["m"] > 0 and np.isnan(marginal["plain"])
    hourly = run.frame("region", "emissions_marginal_t")
    assert np.isclose(hourly["m"].sum(), marginal["m"], rtol=1e-9) and hourly["plain"].isna().all()
    mci = run.frame("region", "marginal_carbon_intensity_g_per_kwh")
    load = run.frame("region", "load_mwh")
    assert np.allclose(hourly["m"], load["m"] * mci["m"] / 1000, rtol=1e-9)
    assert np.isnan(run.summary["emissions_marginal_t"])  # a region without marginal data
    assert "emissions_marginal_t" in run.jobs


def test_report_draws_footprint_water_and_cost(marginal_h5: Path, inference_h5: Path, tmp_path: Path):
    for path, name in ((marginal_h5, "marginal"), (inference_h5, "chat")):
        files = {p.name for p in write_report(path, tmp_path / name)}
        assert {"footprint.png", "water.png"} <= files
        page = (tmp_path / name / "index.html").read_text()
        assert "<h2>Cost</h2>" in page and "Cost per GPU-hour" in page and "fleet (all regions)" in page
        cost = page[page.index("<h2>Cost</h2>"):page.index("<h2>Regions</h2>")]
        assert ("Cost per 1,000 queries" in cost) == (name == "chat")
        for png in ("footprint.png", "water.png"):
            assert (tmp_path / name / png).stat().st_size > 10_000
    # marginal: the regions table keeps the column where some region has the data
    assert "emissions_marginal_t" in (tmp_path / "marginal" / "index.html").read_text()
    assert "Emissions, marginal" not in (tmp_path / "chat" / "index.html").read_text()


def without_footprint(source: Path, target: Path) -> Path:
    """A copy of a run file as fleetsim wrote it before the footprint existed."""
    shutil.copy(source, target)
    with h5py.File(target, "r+") as f:
        for name in ("embodied_it_t", "embodied_supply_t", "emissions_total_t", "job_embodied_it_t",
                     "water_onsite_l", "water_offsite_l", "energy_cost_usd", "capital_cost_usd", "total_cost_usd",
                     "cost_per_gpu_hour_usd", "job_cost_usd", "cost_per_finished_job_usd",
                     "cost_per_1000_queries_usd", "emissions_marginal_t", "job_emissions_marginal_t"):
            if name in f["summary"].attrs:
                del f["summary"].attrs[name]
        for group, names in (("site", ("embodied_it_t", "capital_cost_usd", "water_onsite_l")),
                             ("region", ("energy_price_usd_per_mwh", "energy_cost_usd", "water_offsite_l",
                                         "embodied_supply_t")),
                             ("jobs", ("gpu_hours", "embodied_it_t", "cost_usd")),
                             ("summary/region", ("emissions_marginal_t", "embodied_it_t", "embodied_supply_t",
                                                 "water_onsite_l", "water_offsite_l", "energy_cost_usd",
                                                 "capital_cost_usd")),
                             ("summary/year", ("emissions_marginal_t", "embodied_it_t", "embodied_supply_t",
                                               "water_onsite_l", "water_offsite_l", "energy_cost_usd",
                                               "capital_cost_usd"))):
            for name in names:
                if name in f[group]:
                    del f[group][name]
    return target


def test_a_file_without_the_footprint_still_reports(plain_h5: Path, tmp_path: Path):
    from fleetsim_analysis.tables import cost_table

    old = without_footprint(plain_h5, tmp_path / "old.h5")
    run = open_run(old)
    assert not figures.has_footprint(run)
    assert figures.footprint_data(run).empty and figures.water_data(run).empty and cost_table(run).empty
    files = {p.name for p in write_report(old, tmp_path / "report")}
    assert "footprint.png" not in files and "water.png" not in files and "cfe_heatmap.png" in files
    page = (tmp_path / "report" / "index.html").read_text()
    assert "<h2>Cost</h2>" not in page
    assert "written before fleetsim recorded them" in page
