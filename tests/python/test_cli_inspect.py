"""`fleetsim inspect` understands every file fleetsim writes and a sweep's output folder, as a
table or, with --json, as JSON with exact numbers and every row."""
from __future__ import annotations

import json
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, run_fleetsim

QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def sweep_folder(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    sweep = folder.parent / f"{folder.name}.yaml"
    sweep.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    result = run_fleetsim(fleetsim_bin, "sweep", str(SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"), "--grid",
                          str(sweep), "-o", str(folder), "--set", "hours=200", "--quiet")
    assert result.returncode == 0, result.stderr
    return folder


def test_a_run_file_as_json(fleetsim_bin: Path, quickstart_h5: Path):
    result = run_fleetsim(fleetsim_bin, "inspect", str(quickstart_h5), "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["kind"] == "run" and shown["complete"] is True
    with h5py.File(quickstart_h5) as f:
        assert shown["summary"]["cfe_score"] == f["summary"].attrs["cfe_score"]


def test_a_plan_file_as_json_has_every_row_exactly(fleetsim_bin: Path, tmp_path: Path):
    plan = tmp_path / "plan.h5"
    assert run_fleetsim(fleetsim_bin, "plan", str(QUICKSTART), "--set", "hours=2184", "-o", str(plan),
                        "--quiet").returncode == 0
    result = run_fleetsim(fleetsim_bin, "inspect", str(plan), "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["kind"] == "plan" and shown["complete"] is True and shown["path"] == str(plan)
    assert shown["info"]["target_cfe"] == "0.9"
    with h5py.File(plan) as f:
        for group in ("plan", "frontier"):
            table = shown["tables"][f"/{group}"]
            assert table["rows"] == len(f[group]["region"])
            for name in ("cost_usd", "solar_mw"):
                stored = f[group][name][()]
                assert np.array_equal(np.array(table["columns"][name], dtype=float), stored, equal_nan=True)
        assert table["rows"] > 8  # more rows than the table shows


def test_a_sweep_folder_shows_its_files_and_summary(fleetsim_bin: Path, sweep_folder: Path):
    result = run_fleetsim(fleetsim_bin, "inspect", str(sweep_folder))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{sweep_folder}: a sweep's output folder of 3 HDF5 files: 2 run files (2 complete), 1 sweep summary"
    assert lines[1].split() == ["run-0000_policy=fifo.h5", "a", "run", "file"]
    assert f"{sweep_folder / 'sweep_summary.h5'}: a sweep summary (fleetsim sweep), not a run file" in result.stdout
    assert "/runs: 2 rows" in result.stdout and "temporal_shift" in result.stdout
    # the same through a trailing slash, and as JSON
    assert run_fleetsim(fleetsim_bin, "inspect", f"{sweep_folder}/").returncode == 0
    result = run_fleetsim(fleetsim_bin, "inspect", str(sweep_folder), "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["kind"] == "folder"
    assert [(f["name"], f["kind"], f["complete"]) for f in shown["files"]] == [
        ("run-0000_policy=fifo.h5", "run", True), ("run-0001_policy=temporal_shift.h5", "run", True),
        ("sweep_summary.h5", "sweep_summary", True)]
    columns = shown["summary"]["tables"]["/runs"]["columns"]
    assert columns["scheduler.policy"] == ["fifo", "temporal_shift"]
    with h5py.File(sweep_folder / "sweep_summary.h5") as f:
        assert columns["cfe_score"] == list(f["runs"]["cfe_score"][()])


def test_a_folder_of_shards_points_to_merge(fleetsim_bin: Path, tmp_path: Path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text("parameters:\n  sites.0.pue: [1.1, 1.2]\n")
    out = tmp_path / "out"
    assert run_fleetsim(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep), "-o", str(out), "--shard", "1/2",
                        "--set", "hours=800", "--quiet").returncode == 0
    (out / "notes.h5").write_text("not HDF5")
    result = run_fleetsim(fleetsim_bin, "inspect", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{out}: a folder of 3 HDF5 files: 1 run file (1 complete), 1 sweep summary\n")
    assert "notes.h5" in result.stdout and "cannot read as HDF5" in result.stdout
    assert f"-o {out} --merge writes the whole sweep's summary" in result.stdout


def footprint_block(text: str) -> list[str]:
    """The lines of the footprint block of `fleetsim run`'s or `inspect`'s summary."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  footprint ("))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    return lines[start + 1:end]


def test_run_and_inspect_show_the_footprint_the_same_way(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "chat.h5"
    run = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "chat_inference.yaml"), "--set",
                       "hours=336", "-o", str(out))
    assert run.returncode == 0, run.stderr
    inspect = run_fleetsim(fleetsim_bin, "inspect", str(out))
    assert inspect.returncode == 0, inspect.stderr
    block = footprint_block(run.stdout)
    assert block == footprint_block(inspect.stdout)
    names = [m for line in block for m in re.findall(r"\b[a-z0-9]+_[a-z0-9_]*(?:_t|_l|_usd)\b", line)]
    assert names[:4] == ["emissions_location_t", "embodied_it_t", "embodied_supply_t", "emissions_total_t"]
    assert {"water_onsite_l", "water_offsite_l", "energy_cost_usd", "capital_cost_usd", "total_cost_usd",
            "cost_per_gpu_hour_usd", "cost_per_1000_queries_usd"} <= set(names)
    assert "emissions_marginal_t" not in names  # no marginal data
    with h5py.File(out) as f:
        s = f["summary"].attrs
        total = next(line for line in block if "emissions_total_t" in line)
        assert f"{round(s['emissions_total_t']):,}" in total
        onsite = next(line for line in block if "water_onsite_l" in line)
        assert f"{round(s['water_onsite_l'] / 1000):,} m3" in onsite
        total_cost = next(line for line in block if "total_cost_usd" in line)
        assert f"${s['total_cost_usd'] / 1e6:.2f}M" in total_cost
    # the footprint's figures are in the block, not repeated in the list above it
    listed = run.stdout[:run.stdout.index("\n  region ")]
    assert "total_cost_usd" not in listed and "job_embodied_it_t" in listed
    # aligned: every value ends in the same column
    ends = {line.index(" m3") if " m3" in line else None for line in block if "water_o" in line}
    assert len(ends) == 1
    # the per-region footprint table follows
    assert "emb. IT t" in run.stdout and "on-site m3" in run.stdout


def test_inspect_shows_marginal_emissions_and_json_regions(fleetsim_bin: Path, tmp_path: Path):
    from test_report import MARGINAL, marginal_grid_csv

    (tmp_path / "grid.csv").write_text(marginal_grid_csv())
    (tmp_path / "m.yaml").write_text(MARGINAL)
    out = tmp_path / "m.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(tmp_path / "m.yaml"), "-o", str(out), "-q").returncode == 0
    shown = run_fleetsim(fleetsim_bin, "inspect", str(out))
    assert shown.returncode == 0, shown.stderr
    block = footprint_block(shown.stdout)
    assert any("emissions_marginal_t" in line for line in block)
    assert "marginal t" in shown.stdout  # a column of the per-region table
    regions = json.loads(run_fleetsim(fleetsim_bin, "inspect", str(out), "--json").stdout)["regions"]
    with h5py.File(out) as f:
        for i, r in enumerate(regions):
            for name in ("embodied_it_t", "embodied_supply_t", "water_onsite_l", "water_offsite_l",
                         "energy_cost_usd", "capital_cost_usd"):
                assert r[name] == f[f"summary/region/{name}"][i], name
        assert regions[0]["emissions_marginal_t"] == f["summary/region/emissions_marginal_t"][0]
        assert regions[1]["emissions_marginal_t"] is None  # NaN: no marginal data in that region


def test_inspect_of_a_file_written_before_the_footprint(fleetsim_bin: Path, quickstart_h5: Path, tmp_path: Path):
    from test_report import without_footprint

    old = without_footprint(quickstart_h5, tmp_path / "old.h5")
    shown = run_fleetsim(fleetsim_bin, "inspect", str(old))
    assert shown.returncode == 0, shown.stderr
    assert "footprint (" not in shown.stdout and "emb. IT t" not in shown.stdout
    assert "cfe_score" in shown.stdout and "us-west" in shown.stdout
    stored = json.loads(run_fleetsim(fleetsim_bin, "inspect", str(old), "--json").stdout)
    assert stored["regions"][0]["embodied_it_t"] is None
    assert "embodied_it_t" not in stored["summary"]
