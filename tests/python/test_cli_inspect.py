"""`fleetsim inspect` understands every file fleetsim writes and a sweep's output folder, as a
table or, with --json, as JSON with exact numbers and every row."""
from __future__ import annotations

import json
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
