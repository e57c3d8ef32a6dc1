"""The Python module `fleetsim` (docs/python.md): the same library as the CLI, in memory.

Results equal the CLI's run files byte for byte (to_hdf5) and dataset for dataset (in memory);
bad input raises fleetsim.InputError with file, line and key and leaves the interpreter working;
the GIL is released while a simulation runs."""
from __future__ import annotations

import importlib
import os
import sys
import threading
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import SOURCE_DIR, run_fleetsim

SCENARIOS = SOURCE_DIR / "scenarios"


@pytest.fixture(scope="module")
def fleetsim():
    folder = os.environ.get("FLEETSIM_PYTHON_DIR")
    if folder is None:
        default = SOURCE_DIR / "build" / "python"
        if not (default / "fleetsim").is_dir():
            pytest.skip("FLEETSIM_PYTHON_DIR is not set and build/python/fleetsim does not exist")
        folder = str(default)
    if not folder:
        pytest.skip("the Python module was not built (pybind11-dev or python3-dev missing, or a sanitizer build)")
    sys.path.insert(0, folder)
    return importlib.import_module("fleetsim")


def test_quickstart_file_is_byte_identical_to_the_cli(fleetsim, fleetsim_bin, tmp_path):
    cli = tmp_path / "cli.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(SCENARIOS / "quickstart.yaml"), "-o", str(cli), "-q").returncode == 0
    result = fleetsim.run(fleetsim.load_scenario(SCENARIOS / "quickstart.yaml"))
    assert result.to_hdf5(tmp_path / "py.h5") == tmp_path / "py.h5"
    assert (tmp_path / "py.h5").read_bytes() == cli.read_bytes()


def test_gpt4_file_with_overrides_and_threads_is_byte_identical(fleetsim, fleetsim_bin, tmp_path):
    cli = tmp_path / "cli.h5"
    args = ["run", str(SCENARIOS / "gpt4_training.yaml"), "-o", str(cli), "-q", "--set", "seed=7"]
    assert run_fleetsim(fleetsim_bin, *args).returncode == 0
    sc = fleetsim.load_scenario(str(SCENARIOS / "gpt4_training.yaml"), overrides={"seed": 7})
    fleetsim.run(sc, threads=2).to_hdf5(tmp_path / "py.h5")
    assert (tmp_path / "py.h5").read_bytes() == cli.read_bytes()


def test_baseline_run_matches_the_cli_file_and_table(fleetsim, fleetsim_bin, tmp_path):
    cli = tmp_path / "cli.h5"
    args = ["run", str(SCENARIOS / "carbon_aware_shift.yaml"), "-o", str(cli), "-q", "--baseline", "fifo"]
    assert run_fleetsim(fleetsim_bin, *args).returncode == 0
    result = fleetsim.run(SCENARIOS / "carbon_aware_shift.yaml", baseline="fifo")
    result.to_hdf5(tmp_path / "py.h5")
    assert (tmp_path / "py.h5").read_bytes() == cli.read_bytes()
    table = result.comparison()
    emissions = table.loc["job_emissions_location_t"]
    assert emissions["policy"] == result.summary["job_emissions_location_t"]
    assert emissions["baseline"] == result.baseline["job_emissions_location_t"]
    assert emissions["difference"] == pytest.approx(emissions["policy"] - emissions["baseline"])
    # the same table from two separate results
    fifo = fleetsim.run(fleetsim.load_scenario(SCENARIOS / "carbon_aware_shift.yaml",
                                               overrides={"scheduler.policy": "fifo"}))
    pd.testing.assert_frame_equal(fleetsim.compare(result, fifo), table)


def test_in_memory_result_holds_what_the_file_holds(fleetsim, quickstart_h5):
    from fleetsim_analysis import open_run

    stored = open_run(quickstart_h5)
    result = fleetsim.run(SCENARIOS / "quickstart.yaml")
    assert result.summary == stored.summary
    assert {k: v for k, v in stored.attrs.items() if k != "complete"} == result.attrs
    for group in ("site", "region"):
        ours, theirs = getattr(result, group), getattr(stored, group)
        xr.testing.assert_identical(ours, theirs)
        for name, variable in theirs.data_vars.items():
            assert ours[name].attrs == variable.attrs, (group, name)
            assert ours[name].dtype == variable.dtype, (group, name)
    pd.testing.assert_frame_equal(result.jobs, stored.jobs, check_like=True)
    pd.testing.assert_frame_equal(result.summary_region, stored.summary_region, check_like=True)
    pd.testing.assert_frame_equal(result.summary_year, stored.summary_year, check_like=True)
    assert result.baseline is None and stored.baseline is None
    assert result.frame("region", "load_mwh").shape == (8784, 3)
    # the whole footprint arrives in memory as in the file
    assert {"embodied_it_t", "capital_cost_usd", "water_onsite_l"} <= set(result.site.data_vars)
    assert {"energy_price_usd_per_mwh", "energy_cost_usd", "water_offsite_l", "embodied_supply_t"} <= set(
        result.region.data_vars)
    assert {"gpu_hours", "embodied_it_t", "cost_usd"} <= set(result.jobs.columns)
    assert result.summary["emissions_total_t"] > result.summary["emissions_location_t"]


def test_fleetsim_analysis_takes_in_memory_results(fleetsim, tmp_path):
    from fleetsim_analysis import compare, figures
    from fleetsim_analysis.report import write_report

    result = fleetsim.run(fleetsim.load_scenario(SCENARIOS / "carbon_aware_shift.yaml"), baseline="fifo")
    assert figures.hourly_cfe(result).shape[0] == result.attrs["hours"]
    files = {p.name for p in write_report(result, tmp_path / "report")}
    assert "index.html" in files and "baseline.png" in files
    stored = compare(result).summary  # from the in-memory /baseline, as from a file
    ours = result.comparison().loc[stored.index, ["policy", "baseline", "difference"]]
    pd.testing.assert_frame_equal(ours, stored[["policy", "baseline", "difference"]], check_names=False)


def test_scenario_from_a_dict_resolves_paths_against_base_dir(fleetsim, tmp_path):
    scenario = {
        "name": "from_python", "start": "2024-01-01T00:00:00Z", "hours": 48, "seed": 3,
        "regions": [{"name": "r1", "grid": {"source": "csv", "file": "grid.csv",
                                            "carbon_intensity_column": "carbon_intensity_g_per_kwh",
                                            "cfe_share_column": "cfe_share"}}],
        "sites": [{"name": "s1", "region": "r1", "pue": 1.2, "grid_limit_mw": 10, "clusters": [{"gpu_type": "A100", "gpus": 64}]}],
        "workload": {"jobs": [{"name": "j", "submit_h": 2, "gpus": 32, "duration_h": 10}]},
    }
    hours = pd.date_range("2024-01-01", periods=48, freq="h")
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"datetime_utc": hours.strftime("%Y-%m-%dT%H:%M:%SZ"), "carbon_intensity_g_per_kwh": 300.0,
                  "cfe_share": 0.25}).to_csv(folder / "grid.csv", index=False)
    with pytest.raises(fleetsim.InputError) as error:  # relative to the current folder: not there
        fleetsim.load_scenario(scenario)
    assert "grid.csv" in str(error.value)
    sc = fleetsim.load_scenario(scenario, base_dir=folder)
    assert sc.name == "from_python" and sc.hours == 48 and sc.sites == ["s1"]
    result = fleetsim.run(sc)
    assert result.summary["jobs_completed"] == 1
    assert result.region["carbon_intensity_g_per_kwh"].values.max() == 300.0
    # the same scenario as text
    text_sc = fleetsim.load_scenario(sc.to_yaml(), base_dir=folder)
    assert fleetsim.run(text_sc).summary == result.summary


def test_variants_without_files(fleetsim):
    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 1008})
    assert sc.hours == 1008 and sc.overrides == ["hours=1008"]
    doubled = sc.with_overrides({"sites.0.clusters.0.gpus": 16384})
    assert doubled.overrides == ["hours=1008", "sites.0.clusters.0.gpus=16384"]
    assert sc.with_overrides(hours=1000).hours == 1000
    a, b = fleetsim.run(sc), fleetsim.run(doubled)
    assert b.summary["gpus_total"] == a.summary["gpus_total"] + 8192
    assert b.summary["idle_energy_mwh"] > a.summary["idle_energy_mwh"]


def test_bad_input_raises_input_error_and_the_interpreter_survives(fleetsim, tmp_path):
    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.load_scenario(tmp_path / "missing.yaml")
    assert error.value.file == str(tmp_path / "missing.yaml")
    assert isinstance(error.value, ValueError)

    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.load_scenario({"name": "x", "hours": 24, "sitez": []})
    assert error.value.file == "<dict>" and error.value.line > 0 and "sitez" in str(error.value)

    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"sites.0.pue": float("nan")})
    assert error.value.key.startswith("sites") and "pue" in error.value.key

    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"sites.0.clusters.0.gpu_type": "Z999"})
    assert "Z999" in str(error.value)

    text = (SCENARIOS / "quickstart.yaml").read_text().replace("pue: 1.1", "pue: -1", 1)
    assert text != (SCENARIOS / "quickstart.yaml").read_text()
    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.load_scenario(text, base_dir=SCENARIOS)
    assert error.value.file == "<text>" and error.value.line > 1 and error.value.key.endswith("pue")

    with pytest.raises(fleetsim.InputError):
        fleetsim.run(SCENARIOS / "quickstart.yaml", threads=-1)
    with pytest.raises(fleetsim.InputError):
        fleetsim.run(SCENARIOS / "quickstart.yaml", baseline="no_such_policy")
    with pytest.raises(TypeError):
        fleetsim.load_scenario({"hours": object()})

    # an output path that is a folder, or in a missing folder: refused before writing
    result = fleetsim.run(fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 1008}))
    with pytest.raises(fleetsim.InputError):
        result.to_hdf5(tmp_path)
    with pytest.raises(fleetsim.InputError):
        result.to_hdf5(tmp_path / "no" / "such" / "folder.h5")
    assert not list(tmp_path.iterdir())
    # still working
    assert result.attrs["hours"] == 1008


def test_sweep_matches_the_cli_sweep_summary(fleetsim, fleetsim_bin, tmp_path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("name: s\nparameters:\n  scheduler.policy: [fifo, greenest_site]\n"
                          "  sites.0.pue: [1.1, 1.3]\n")
    cli = run_fleetsim(fleetsim_bin, "sweep", str(SCENARIOS / "quickstart.yaml"), "--grid", str(sweep_file),
                       "-o", str(tmp_path / "out"), "--set", "hours=1008", "--jobs", "2", "-q")
    assert cli.returncode == 0, cli.stderr
    expected = pd.read_csv(tmp_path / "out" / "sweep_summary.csv", float_precision="round_trip").set_index("run")
    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 1008})
    frame = fleetsim.sweep(sc, sweep_file, jobs=2)
    assert list(frame.index) == list(expected.index)
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]):
            np.testing.assert_array_equal(frame[column].to_numpy(float), expected[column].to_numpy(float), column)
        else:
            assert list(frame[column]) == list(expected[column]), column
    assert frame.attrs["parameters"] == ["scheduler.policy", "sites.0.pue"]
    # the same as a dict of parameters
    same = fleetsim.sweep(sc, {"scheduler.policy": ["fifo", "greenest_site"], "sites.0.pue": [1.1, 1.3]})
    pd.testing.assert_frame_equal(same, frame)
    with pytest.raises(fleetsim.InputError):
        fleetsim.sweep(sc, {"sites.0.nope": [1, 2]})


def test_plan_matches_the_cli_plan_file(fleetsim, fleetsim_bin, tmp_path):
    cli = tmp_path / "cli.h5"
    args = ["plan", str(SCENARIOS / "quickstart.yaml"), "--target", "0.9", "-o", str(cli), "-q", "--set", "hours=1008"]
    result = run_fleetsim(fleetsim_bin, *args)
    assert result.returncode == 0, result.stderr
    plan = fleetsim.plan(fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 1008}), target=0.9)
    plan.to_hdf5(tmp_path / "py.h5")
    assert (tmp_path / "py.h5").read_bytes() == cli.read_bytes()
    assert set(plan.plans.index) <= {"us-west", "eu-north", "asia-east"}
    assert (plan.plans["cfe_score"][plan.plans["reached"]] >= 0.9 - 1e-9).all()


def test_plan_by_carbon_matches_the_cli(fleetsim, fleetsim_bin, tmp_path):
    """objective= is --objective, target=None is leaving out --target-cfe."""
    cli = tmp_path / "cli.h5"
    result = run_fleetsim(fleetsim_bin, "plan", str(SCENARIOS / "quickstart.yaml"), "--objective", "carbon", "--region",
                          "eu-north", "--frontier", "0.9", "-o", str(cli), "-q", "--set", "hours=800")
    assert result.returncode == 0, result.stderr
    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 800})
    plan = fleetsim.plan(sc, target=None, regions=["eu-north"], frontier=[0.9], objective="carbon")
    plan.to_hdf5(tmp_path / "py.h5")
    assert (tmp_path / "py.h5").read_bytes() == cli.read_bytes()
    assert plan.objective == "carbon" and plan.horizon_years == 10
    chosen = plan.plans.loc["eu-north"]
    assert chosen["total_carbon_t"] <= plan.least_cost.set_index("region").loc["eu-north", "total_carbon_t"]
    assert list(plan.objective_frontier["target"]) == [0.9]
    with pytest.raises(fleetsim.InputError, match="planner.objective"):
        fleetsim.plan(sc, objective="cheapest")


def test_catalog_and_key_reference(fleetsim):
    catalog = fleetsim.catalog()
    assert catalog.loc["A100", "max_power_w"] == 400.0 and catalog.loc["H100", "max_power_w"] == 700.0
    keys = fleetsim.keys()
    assert keys.loc["sites[].pue", "kind"] == "number"
    assert keys.loc["hours", "required"] in (True, False)
    reference = (SOURCE_DIR / "docs" / "scenario-reference.md").read_text()
    for path in keys.index[:40]:
        assert path.split(".")[-1].split("[")[0] in reference


def test_the_gil_is_released_while_a_run_simulates(fleetsim):
    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml")
    ticks = 0
    done = threading.Event()

    def work():
        fleetsim.run(sc)
        done.set()

    worker = threading.Thread(target=work)
    started = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - started
    # With the GIL held for the whole run, the loop could not tick until the run ended.
    assert elapsed > 0.05 and ticks >= 10, (ticks, elapsed)


def test_type_stubs_cover_the_core_module(fleetsim):
    core = fleetsim._core
    stub = Path(core.__file__).with_name("_core.pyi")
    assert stub.is_file() and Path(core.__file__).with_name("py.typed").is_file()
    text = stub.read_text()
    public = [name for name in dir(core) if not name.startswith("_")]
    assert public
    for name in public:
        assert name in text, name
    for name in fleetsim.__all__:
        assert getattr(fleetsim, name).__doc__, name


@pytest.mark.parametrize("name", ["quickstart.yaml", "alibaba_trace.yaml", "chat_inference.yaml"])
def test_to_dict_round_trips_from_another_folder(fleetsim, name, tmp_path, monkeypatch):
    shared = Path(os.environ.get("FLEETSIM_SHARED_DATA", SCENARIOS.parent.parent / "shared" / "data"))
    if name == "alibaba_trace.yaml" and not (shared / "traces").is_dir():
        pytest.skip(f"{shared / 'traces'} is absent: the shared data folder is not next to the checkout")
    sc = fleetsim.load_scenario(SCENARIOS / name)
    tree = sc.to_dict()
    assert tree["base_dir"] == str(SCENARIOS.resolve())
    assert isinstance(tree["hours"], int) and isinstance(tree["sites"], list)
    monkeypatch.chdir(tmp_path)  # its relative paths (a trace CSV) still resolve: base_dir
    assert fleetsim.run(fleetsim.load_scenario(tree)).summary == fleetsim.run(sc).summary


def test_to_dict_gives_yaml_types(fleetsim):
    tree = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml").to_dict()
    site = tree["sites"][0]
    assert site == {"name": "oregon", "region": "us-west", "pue": 1.1, "grid_limit_mw": 30,
                    "clusters": [{"gpu_type": "H100", "gpus": 8192}, {"gpu_type": "A100", "gpus": 4096}]}
    from fleetsim import _yaml
    assert _yaml.resolve([("true", False), ("24", True), ("24", False), ("1e3", False), (".nan", False),
                          ("", False), ("2024-01-01T00:00:00Z", False)])[:4] == [True, "24", 24, 1000.0]


def test_progress_is_called_every_hour_and_stops_the_run_when_it_raises(fleetsim):
    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml")
    seen = []
    fleetsim.run(sc.with_overrides(hours=1000), progress=lambda hour, hours: seen.append((hour, hours)))
    assert seen == [(h, 1000) for h in range(1000)] + [(1000, 1000)]  # and once when done

    def stop(hour, hours):
        if hour == 100:
            raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        fleetsim.run(sc, baseline="greenest_site", progress=stop)  # the baseline beside it stops too
    assert fleetsim.run(sc.with_overrides(hours=1000)).attrs["hours"] == 1000  # still working


def test_ctrl_c_stops_a_run(fleetsim):
    import _thread

    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml")
    hours = []
    # as Ctrl-C in a terminal or Jupyter, once the run is under way
    progress = lambda hour, total: hours.append(hour) or (hour == 50 and _thread.interrupt_main())
    with pytest.raises(KeyboardInterrupt):
        fleetsim.run(sc, baseline="fifo", progress=progress)
    assert hours[-1] < sc.hours - 1  # stopped within the run, not after it


def test_review_findings_are_fixed(fleetsim, tmp_path, monkeypatch):
    """Each of these once crashed the interpreter or broke a promise of docs/python.md."""
    folder = os.environ.get("FLEETSIM_PYTHON_DIR") or str(SOURCE_DIR / "build" / "python")
    env = {**os.environ, "PYTHONPATH": folder}
    # a run in a daemon thread when the interpreter exits; None where a scenario is expected
    daemon = ("import fleetsim, threading, time\n"
              f"sc = fleetsim.load_scenario({str(SCENARIOS / 'quickstart.yaml')!r})\n"
              "threading.Thread(target=lambda: fleetsim.run(sc), daemon=True).start(); time.sleep({})")
    # exiting while the run goes on, and about when it ends (it takes ~0.35 s)
    for code in (daemon.format(0.05), daemon.format(0.3), daemon.format(0.4),
                 "import fleetsim\ntry:\n    fleetsim._core.simulate(None, 1, '', None)\nexcept TypeError:\n    pass"):
        done = subprocess.run(["/usr/bin/python3", "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    sc = fleetsim.load_scenario(SCENARIOS / "quickstart.yaml", overrides={"hours": 1008})
    # plan: the CLI's checks, and its load CSV is an input to_hdf5 must not overwrite
    for bad in ({"target": 1.5}, {"target": float("nan")}, {"frontier": [2.0]}, {"load_column": "x"}):
        with pytest.raises(fleetsim.InputError):
            fleetsim.plan(sc, **bad)
    hours = pd.date_range("2024-01-01", periods=1008, freq="h")
    load = tmp_path / "load.csv"
    pd.DataFrame({"datetime_utc": hours.strftime("%Y-%m-%dT%H:%M:%SZ"), "mw": 40.0}).to_csv(load, index=False)
    before = load.read_bytes()
    plan = fleetsim.plan(sc, regions="us-west", load_csv=load, load_column="mw")
    assert list(plan.plans.index) == ["us-west"]
    with pytest.raises(fleetsim.InputError):
        plan.to_hdf5(load)
    assert load.read_bytes() == before

    # sweep: every value checked before any run; a Python-made InputError has its attributes
    with pytest.raises(fleetsim.InputError):
        fleetsim.sweep(sc, {"sites.0.pue": [1.1, 50.0]})
    with pytest.raises(fleetsim.InputError) as error:
        fleetsim.sweep(sc, str(tmp_path / "no_such_sweep.yaml"))
    assert error.value.file.endswith("no_such_sweep.yaml") and error.value.line == 0

    # arguments: counts are ints, a baseline is a policy name, numpy arrays are lists, bytes are not text
    with pytest.raises(TypeError):
        fleetsim.run(sc, threads=True)
    with pytest.raises(fleetsim.InputError):
        fleetsim.run(sc, threads=2**40)
    with pytest.raises(fleetsim.InputError):
        fleetsim.run(sc, baseline="fifo #x")
    assert fleetsim.load_scenario(SCENARIOS / "quickstart.yaml",
                                  overrides={"sites.0.clusters.0.gpus": np.int64(16384)}).hours == 8784
    assert sc.with_overrides({"regions.0.contracts.0.capacity_mw": np.float32(50.0)}).hours == 1008
    with pytest.raises(TypeError):
        fleetsim.load_scenario({"name": b"x"})

    # relative paths: loaded from one folder, used from another; names that look like numbers
    data = tmp_path / "a"
    data.mkdir()
    (data / "grid.csv").write_text("datetime_utc,ci,cfe\n" + "".join(
        f"{t:%Y-%m-%dT%H:%M:%SZ},300,0.3\n" for t in pd.date_range("2024-01-01", periods=48, freq="h")))
    (data / "s.yaml").write_text(
        "name: rel\nstart: 2024-01-01T00:00:00Z\nhours: 48\n"
        "regions: [{name: r1, grid: {source: csv, file: grid.csv, carbon_intensity_column: ci, cfe_share_column: cfe}}]\n"
        "sites: [{name: '007', region: r1, pue: 1.2, grid_limit_mw: 10, clusters: [{gpu_type: A100, gpus: 64}]}]\n")
    monkeypatch.chdir(tmp_path)
    rel = fleetsim.load_scenario("a/s.yaml")
    monkeypatch.chdir(SOURCE_DIR)
    tree = rel.to_dict()
    assert tree["base_dir"] == str(data) and tree["sites"][0]["name"] == "007"
    assert fleetsim.run(rel.with_overrides(hours=24)).attrs["hours"] == 24
    assert fleetsim.run(fleetsim.load_scenario(tree)).summary == fleetsim.run(rel).summary
