"""Inputs as users have them: raw grid exports read as they come (docs/energy.md, "Raw exports"),
and scenarios written into another folder than their data (docs/scenario-reference.md, "File paths").

The fixtures in tests/fixtures/grid mimic each export's header exactly; the shared-data
convention's files with the same values must give the same run.
"""
from __future__ import annotations

from pathlib import Path

import h5py

from conftest import SOURCE_DIR, run_fleetsim

FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "grid"

SCENARIO = """name: raw_exports
start: {start}
hours: {hours}
regions:
  - name: r
    grid: {{source: csv, file: {file}, format: {format}{extra}}}
sites:
  - name: s
    region: r
    grid_limit_mw: 5
    clusters:
      - {{gpu_type: A100, gpus: 64}}
workload:
  jobs:
    - {{name: j, gpus: 64, duration_h: {hours}, submit_h: 0}}
"""


def run_summary(fleetsim_bin: Path, folder: Path, name: str, **fields: str) -> dict[str, float]:
    fields.setdefault("extra", "")
    scenario = folder / f"{name}.yaml"
    scenario.write_text(SCENARIO.format(**fields))
    out = folder / f"{name}.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(scenario), "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    with h5py.File(out, "r") as f:
        return {k: float(v) for k, v in f["summary"].attrs.items()}


def test_raw_exports_run_like_the_converted_files(fleetsim_bin: Path, tmp_path: Path):
    pairs = [
        ("electricitymaps", "electricitymaps_export_2022.csv", "electricitymaps_small.csv", "2022-01-01T00:00:00Z", 3),
        ("entsoe", "entsoe_export_fr.csv", "entsoe_small_fr.csv", "2020-01-01T00:00:00Z", 2),
        ("entsoe", "entsoe_export_gb.csv", "entsoe_small_gb.csv", "2020-02-29T22:00:00Z", 3),
    ]
    for fmt, raw, converted, start, hours in pairs:
        a = run_summary(fleetsim_bin, tmp_path, f"raw_{raw}", start=start, hours=str(hours),
                        file=str(FIXTURES / raw), format=fmt)
        b = run_summary(fleetsim_bin, tmp_path, f"conv_{converted}", start=start, hours=str(hours),
                        file=str(FIXTURES / converted), format=fmt)
        assert a["emissions_location_t"] > 0
        assert a == b, raw


def test_time_column_names_the_time_column(fleetsim_bin: Path, tmp_path: Path):
    data = tmp_path / "grid.csv"
    data.write_text("hour_start_utc,ci,cfe\n2024-01-01T00:00:00Z,100,0.5\n2024-01-01T01:00:00Z,200,0.25\n")
    extra = ", carbon_intensity_column: ci, cfe_share_column: cfe"
    summary = run_summary(fleetsim_bin, tmp_path, "named", start="2024-01-01T00:00:00Z", hours="2",
                          file=str(data), format="columns", extra=extra + ", time_column: hour_start_utc")
    assert summary["emissions_location_t"] > 0
    scenario = tmp_path / "unnamed.yaml"
    scenario.write_text(SCENARIO.format(start="2024-01-01T00:00:00Z", hours="2", file=str(data), format="columns",
                                        extra=extra))
    result = run_fleetsim(fleetsim_bin, "run", str(scenario), "-o", str(tmp_path / "unnamed.h5"))
    assert result.returncode == 2
    assert "datetime_utc: required column is missing from the header" in result.stderr
    assert "time_column" in result.stderr


def test_a_local_time_export_is_refused_with_the_way_out(fleetsim_bin: Path, tmp_path: Path):
    data = tmp_path / "cet.csv"
    data.write_text('"Area","MTU (CET/CEST)","Nuclear  - Actual Aggregated [MW]"\n'
                    '"BZN|FR","01.01.2020 00:00 - 01.01.2020 01:00","600"\n')
    scenario = tmp_path / "cet.yaml"
    scenario.write_text(SCENARIO.format(start="2020-01-01T00:00:00Z", hours="1", file=str(data), format="entsoe",
                                        extra=""))
    result = run_fleetsim(fleetsim_bin, "run", str(scenario), "-o", str(tmp_path / "cet.h5"))
    assert result.returncode == 2
    assert "cet.csv:1: MTU (CET/CEST): a time column that does not say it is UTC" in result.stderr


def test_a_scenario_written_into_another_folder_finds_its_data(fleetsim_bin: Path, tmp_path: Path):
    # As a Python script writes one: the scenario in an output folder, the data elsewhere.
    folder = tmp_path / "generated"
    folder.mkdir()
    fields = dict(start="2022-01-01T00:00:00Z", hours="3", file="electricitymaps_small.csv",
                  format="electricitymaps", extra="")
    plain = folder / "plain.yaml"
    plain.write_text(SCENARIO.format(**fields))
    result = run_fleetsim(fleetsim_bin, "run", str(plain), "-o", str(folder / "plain.h5"))
    assert result.returncode == 2
    assert f"grid file not found: {folder / 'electricitymaps_small.csv'}" in result.stderr

    # base_dir in the scenario (absolute here; a relative one is taken from the scenario's folder)
    with_base = folder / "with_base.yaml"
    with_base.write_text(f"base_dir: {FIXTURES}\n" + SCENARIO.format(**fields))
    assert run_fleetsim(fleetsim_bin, "run", str(with_base), "-o", str(folder / "a.h5"), "-q").returncode == 0

    # --set base_dir=... and --set ...file=... resolve against the current directory
    ok = run_fleetsim(fleetsim_bin, "run", str(plain), "--set", "base_dir=tests/fixtures/grid", "-o",
                      str(folder / "b.h5"), "-q", cwd=SOURCE_DIR)
    assert ok.returncode == 0, ok.stderr
    ok = run_fleetsim(fleetsim_bin, "run", str(plain), "--set",
                      "regions.0.grid.file=tests/fixtures/grid/electricitymaps_small.csv", "-o",
                      str(folder / "c.h5"), "-q", cwd=SOURCE_DIR)
    assert ok.returncode == 0, ok.stderr
    with h5py.File(folder / "c.h5", "r") as f:
        effective = f.attrs["scenario_effective"]
        effective = effective.decode() if isinstance(effective, bytes) else effective
    assert f"file: {FIXTURES / 'electricitymaps_small.csv'}" in effective  # the file that was read, absolute
    summaries = []
    for name in ("a", "b", "c"):
        with h5py.File(folder / f"{name}.h5", "r") as f:
            summaries.append(float(f["summary"].attrs["emissions_location_t"]))
    assert summaries[0] > 0 and summaries[0] == summaries[1] == summaries[2]
