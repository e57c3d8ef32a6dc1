"""fleetsim plan end to end: the printed plan and the plan file agree and meet the target;
bad requests are refused with a clear message; on the real BPAT 2022 inputs the study's
coverage grid equals Carbon Explorer's own formula computed here from the CSV."""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import SOURCE_DIR, run_fleetsim

SHARED = Path(os.environ.get("FLEETSIM_SHARED_DATA", SOURCE_DIR.parent / "shared" / "data"))
BPAT = SHARED / "carbon-explorer" / "inputs_bpat_2022_year.csv"


def test_plan_prints_and_writes_the_least_cost_portfolio(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "plan.h5"
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                          "hours=800", "--target-cfe", "0.9", "--frontier", "0.8", "0.9", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "candidates are evaluated by the ledger alone" in result.stdout
    assert "plan for 90.0%" in result.stdout
    with h5py.File(out, "r") as f:
        assert f.attrs["file_type"] == "plan" and f.attrs["complete"] == 1
        regions = list(f["plan/region"].asstr()[...])
        assert regions == ["us-west", "eu-north", "asia-east"]
        reached = f["plan/reached"][...] == 1
        assert reached.all()
        assert (f["plan/cfe_score"][...] >= 0.9 - 1e-12).all()
        assert (f["plan/cost_usd"][...] > 0).all()
        frontier = pd.DataFrame({k: (f["frontier"][k].asstr()[...] if k == "region" else f["frontier"][k][...])
                                 for k in ("region", "target", "cost_usd", "cfe_score")})
    for region, rows in frontier.groupby("region"):
        assert list(rows["target"]) == [0.8, 0.9, 1.0]
        assert (rows["cfe_score"] >= rows["target"] - 1e-12).all()
        assert rows["cost_usd"].is_monotonic_increasing


@pytest.mark.parametrize("args, message", [
    (["--target-cfe", "1.5"], "--target-cfe: must be in (0, 1]"),
    (["--load-csv", "x.csv"], "--load-csv and --load-column go together"),
    (["--region", "mars"], "no region named 'mars'"),
    (["--set", "planner.technologies=[solar, tidal]"], "planner.technologies[1]: unknown technology 'tidal'"),
    (["--set", "planner.costs.grid_usd_per_mwh=-1"], "planner.costs.grid_usd_per_mwh: -1 is out of range"),
    (["--objective", "foo"], "--objective: unknown objective 'foo' (cost, carbon, cost_under_cap)"),
    (["--objective", "carbn"], "did you mean 'carbon'?"),
    (["--set", "planner.objective=foo"], "planner.objective: 'foo' is not one of: cost, carbon, cost_under_cap"),
    (["--objective", "cost_under_cap"], "planner.objective: cost_under_cap needs planner.carbon_cap_t"),
    (["--set", "planner.objective=cost_under_cap"], "planner.objective: cost_under_cap needs planner.carbon_cap_t"),
    (["--set", "planner.horizon_years=-1"], "planner.horizon_years: -1 is out of range"),
    (["--set", "planner.horizon_years=0"], "planner.horizon_years: 0 is out of range"),
    (["--set", "planner.carbon_cap_t=-5"], "planner.carbon_cap_t: -5 is out of range"),
])
def test_bad_plan_requests_are_refused(fleetsim_bin: Path, tmp_path: Path, args: list[str], message: str):
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                          "hours=800", *args, "-o", str(tmp_path / "p.h5"))
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "p.h5").exists()


@pytest.mark.parametrize("objective", ["carbon", "cost_under_cap"])
def test_plan_by_carbon_beside_the_least_cost_plan(fleetsim_bin: Path, tmp_path: Path, objective: str):
    """--objective carbon: the least-carbon plan (no CFE target unless --target-cfe is given)
    next to the least-cost one under the same target, in print and in the file; cost_under_cap
    keeps its cap."""
    out = tmp_path / "plan.h5"
    cap = ["--set", "planner.carbon_cap_t=150000"] if objective == "cost_under_cap" else []
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                          "hours=800", *cap, "--objective", objective, "--region", "us-west", "--frontier", "0.8", "1",
                          "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"objective {objective} over 10 years" in result.stdout
    assert "no CFE target" in result.stdout
    assert "least cost, no CFE target, for comparison:" in result.stdout
    if objective == "carbon":
        assert "least total carbon over 10 years, no CFE target:" in result.stdout
        assert "frontier (least total carbon over 10 years per target)" in result.stdout
    assert "over 10 years" in result.stdout and "embodied" in result.stdout
    with h5py.File(out, "r") as f:
        assert f.attrs["objective"] == objective and f.attrs["horizon_years"] == 10
        assert f.attrs["objective_target_cfe"] == 0
        chosen = {k: f["plan"][k][0] for k in ("total_carbon_t", "embodied_t_per_year", "operational_t_per_year",
                                                "cost_usd", "reached")}
        cheapest = {k: f["plan/least_cost"][k][0] for k in ("total_carbon_t", "cost_usd")}
        assert chosen["reached"] == 1
        assert chosen["total_carbon_t"] == pytest.approx(
            10 * (chosen["embodied_t_per_year"] + chosen["operational_t_per_year"]))
        if objective == "carbon":
            assert chosen["total_carbon_t"] <= cheapest["total_carbon_t"] * (1 + 1e-12)
        else:
            assert f.attrs["carbon_cap_t"] == 150000
            assert chosen["total_carbon_t"] <= 150000
        assert chosen["cost_usd"] >= cheapest["cost_usd"] * (1 - 1e-12)
        assert list(f["frontier/target"][...]) == [0.8, 1.0]
        assert list(f["frontier/by_objective/target"][...]) == [0.8, 1.0]
        assert (f["frontier/total_carbon_t"][...] > 0).all()
        assert (f["frontier/by_objective/cfe_score"][...] >= np.array([0.8, 1.0]) - 1e-12).all()


def test_the_default_plan_file_has_carbon_columns_and_no_objective_tables(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "plan.h5"
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                          "hours=800", "--region", "eu-north", "--frontier", "0.9", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "plan for 90.0%:" in result.stdout and "least cost" not in result.stdout.split("frontier")[0]
    with h5py.File(out, "r") as f:
        assert f.attrs["objective"] == "cost"
        for group in ("plan", "frontier"):
            for column in ("operational_t_per_year", "embodied_t_per_year", "total_carbon_t"):
                assert column in f[group]
        assert "least_cost" not in f["plan"] and "by_objective" not in f["frontier"]


def test_bpat_study_matches_carbon_explorer_conventions(fleetsim_bin: Path, tmp_path: Path):
    if not BPAT.exists():
        pytest.skip(f"{BPAT} is absent: the shared data folder is not next to the checkout")
    out = tmp_path / "bpat.h5"
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "plan_bpat_2022.yaml"), "--study",
                          "--target-cfe", "0.95", "--load-csv", str(BPAT), "--load-column", "dc_load_mw",
                          "--set", f"planner.solar.file={BPAT}", "--set", f"planner.wind.file={BPAT}", "-o", str(out))
    assert result.returncode == 0, result.stderr
    # EIA-930 counts exported hydro as local: said where the grid's share is printed
    assert "note: the grid data are production-based" in result.stdout
    data = pd.read_csv(BPAT)
    dc = data["dc_load_mw"].to_numpy()
    wind = data["wind_mw"].to_numpy() / data["wind_mw"].max()
    solar = data["solar_mw"].to_numpy() / data["solar_mw"].max()
    with h5py.File(out, "r") as f:
        grid = f["study/coverage"]
        assert grid["coverage"].shape == (100,)
        for w, s, c in zip(grid["wind_mw"][...], grid["solar_mw"][...], grid["coverage"][...]):
            ren = wind * w + solar * s
            expected = (dc.sum() - np.maximum(0.0, dc - ren).sum()) / dc.sum()  # the study's 24/7 coverage
            assert np.isclose(c, expected, rtol=1e-12, atol=1e-12)
        battery = f["study/battery"]
        found = battery["battery_mwh"][...]
        ideal = battery["ideal_battery_mwh"][...]
        finite = np.isfinite(found)
        assert finite.any()
        assert (found[finite] >= ideal[finite] * (1 - 1e-6)).all()  # losses and a power limit only add
        coverage = f["study/flexibility/coverage"][...]
        assert (np.diff(coverage) >= -1e-12).all()
        assert f["plan/cfe_score"][0] >= 0.95 - 1e-12


def test_plan_file_is_identical_for_any_thread_count(fleetsim_bin: Path, tmp_path: Path):
    import subprocess
    files = []
    for threads in ("1", "2"):
        out = tmp_path / f"plan{threads}.h5"
        env = {**os.environ, "OMP_NUM_THREADS": threads}
        result = subprocess.run([str(fleetsim_bin), "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                                 "hours=800", "--frontier", "0.7", "0.9", "1", "-o", str(out), "-q"],
                                capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_plan_report_draws_the_file(fleetsim_bin: Path, tmp_path: Path):
    import subprocess
    import sys
    from fleetsim_analysis.plan import coverage_map, open_plan, write_plan_report
    out = tmp_path / "plan.h5"
    result = run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set",
                          "hours=800", "--frontier", "0.8", "1", "--study", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    plan = open_plan(out)
    assert list(plan.plan.index) == ["us-west", "eu-north", "asia-east"]
    with h5py.File(out, "r") as f:
        rows = f["study/coverage"]
        region = rows["region"].asstr()[...]
        mine = rows["coverage"][...][region == "us-west"].reshape(10, 10)  # wind-major
    np.testing.assert_array_equal(coverage_map(plan, "us-west").to_numpy(), mine)
    files = {p.name for p in write_plan_report(out, tmp_path / "report")}
    assert {"frontier.png", "study_us-west.png", "index.html"} <= files
    # axes that do not exaggerate: the flexibility curve's coverage and the frontier's cost from zero
    from fleetsim_analysis.plan import plot_frontier, plot_study
    study = plot_study(plan, "us-west")
    flexibility = study.axes[1]
    assert flexibility.get_ylim() == (0.0, 100.0) and "axis from 0" in flexibility.get_ylabel()
    frontier = plot_frontier(plan)
    assert all(ax.get_ylim()[0] == 0 for ax in frontier.axes)
    # shares in percent in the tables
    page = (tmp_path / "report" / "index.html").read_text()
    assert "24/7 CFE score (%)" in page and "Target (%)" in page
    cfe = plan.plan.loc["us-west", "cfe_score"]
    assert f">{100 * cfe:.1f}<" in page and f">{cfe:.4g}<" not in page
    # a run file is not a plan file: a clear error, exit 2
    run = tmp_path / "run.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set", "hours=48",
                        "--set", "workload.jobs=[]", "-o", str(run), "-q").returncode == 0
    result = subprocess.run([sys.executable, "-m", "fleetsim_analysis", "plan", str(run), "-o", str(tmp_path / "x")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "not a plan file" in result.stderr
