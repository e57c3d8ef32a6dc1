"""Capacity studies end to end: the growth sweep of scenarios/growth_2030.yaml (shortened to
three years) reproduces its growth factors year by year, the summary has every run's yearly
energy, and a dated build-out prints and stores its per-year table."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from conftest import SOURCE_DIR, run_fleetsim

SCENARIO = SOURCE_DIR / "scenarios" / "growth_2030.yaml"
SWEEP = SOURCE_DIR / "scenarios" / "sweeps" / "growth_2030.yaml"


def test_growth_sweep_reports_each_year_and_follows_the_factor(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "growth"
    result = run_fleetsim(fleetsim_bin, "sweep", str(SCENARIO), "--grid", str(SWEEP), "-o", str(out),
                          "--set", "end=2026-01-01", "--jobs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    summary = pd.read_csv(out / "sweep_summary.csv", float_precision="round_trip")
    assert list(summary["growth.factor"]) == [1.8, 2.2, 2.6, 3.0, 3.4]  # range values read as written
    assert (summary["status"] == "ok").all()
    years = [2023, 2024, 2025]
    for year in years:
        assert f"facility_energy_mwh_{year}" in summary.columns
        assert f"gpus_installed_{year}" in summary.columns
    for _, row in summary.iterrows():
        g = row["growth.factor"] ** (1 / 7) - 1  # 2023 to 2030
        # the same rate for capacity (GPUs step up each 1 January) and demand (energy follows)
        # (clusters of 4096, 2048, 2048 and 2048 GPUs, each rounded to whole GPUs)
        assert row["gpus_installed_2025"] == round(4096 * (1 + g) ** 2) + 3 * round(2048 * (1 + g) ** 2)
        ratio = row["facility_energy_mwh_2025"] / row["facility_energy_mwh_2023"]
        assert abs(ratio / (1 + g) ** 2 - 1) < 0.03, (row["growth.factor"], ratio, (1 + g) ** 2)
        total = sum(row[f"facility_energy_mwh_{y}"] for y in years)
        assert np.isclose(total, row["facility_energy_mwh"], rtol=1e-12)
        # the whole footprint: the run's figures, and each year's, adding up to them
        assert np.isclose(sum(row[f"emissions_total_t_{y}"] for y in years), row["emissions_total_t"], rtol=1e-9)
        assert np.isclose(sum(row[f"total_cost_usd_{y}"] for y in years), row["total_cost_usd"], rtol=1e-9)
        assert row["embodied_it_t"] > 0 and row["water_onsite_l"] > 0 and row["cost_per_gpu_hour_usd"] > 0
    # faster growth outgrows the fixed contracts sooner
    assert summary["annual_matching_2025"].is_monotonic_decreasing
    # each run file has the year table
    with h5py.File(out / f"{summary['name'][2]}.h5", "r") as f:
        assert list(f["summary/year/year"][...]) == years
        assert f["summary/year/facility_energy_mwh"][2] == summary["facility_energy_mwh_2025"][2]
        assert f["summary/year/facility_energy_mwh"].attrs["units"] == "MWh"


def test_dated_build_out_prints_and_stores_its_years(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "doubling.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "fleet_doubling_2026.yaml"), "-o",
                          str(out))
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    table = {int(cells[0]): cells for cells in lines if cells and cells[0] in {"2024", "2025", "2026"}}
    assert sorted(table) == [2024, 2025, 2026]
    # GPUs at each year's end: the V100s retired, the Texas site and the B200s added
    assert [table[y][2] for y in (2024, 2025, 2026)] == ["14,336", "16,384", "20,480"]
    inspect = run_fleetsim(fleetsim_bin, "inspect", str(out))
    assert inspect.returncode == 0
    assert "x first" in inspect.stdout and "2026" in inspect.stdout
    with h5py.File(out, "r") as f:
        gpus = f["site/gpus_total"][...]
        sites = list(f["site/site"].asstr()[...])
        texas = sites.index("texas")
        assert gpus[0, texas] == 0 and gpus[8784, texas] == 4096  # commissioned on 1 January 2025
        assert f["jobs/status"].shape[0] == int(f["summary"].attrs["jobs_submitted"])
