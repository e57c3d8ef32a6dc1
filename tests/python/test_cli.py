"""The command line end to end: exit codes, the bad-input corpus, inspect, determinism."""
from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, run_fleetsim

BAD_INPUT = SOURCE_DIR / "tests" / "bad_input"
CORPUS = sorted(BAD_INPUT.glob("*.yaml"))


def expectations(path: Path) -> dict[str, str]:
    """The '# expect...: value' and '# args: ...' header lines of a corpus file (which may hold
    bytes that are not UTF-8 on purpose)."""
    found = {}
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        m = re.match(r"#\s*(expect(?:-line|-file)?|args):\s*(.*)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 12


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.stem)
def test_bad_input_is_refused_clearly(case: Path, fleetsim_bin: Path, tmp_path: Path):
    expect = expectations(case)
    assert "expect" in expect, f"{case.name} has no '# expect:' line"
    out = tmp_path / "out.h5"
    args = shlex.split(expect.get("args", ""))  # e.g. --set overrides
    # Run in place so that relative trace and grid paths resolve.
    result = run_fleetsim(fleetsim_bin, "run", str(case), *args, "-o", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line message, got: {result.stderr}"
    message = lines[0]
    assert expect["expect"] in message
    expected_file = expect.get("expect-file", case.name)
    assert expected_file in message
    if "expect-line" in expect:
        assert f"{case.name}:{expect['expect-line']}:" in message
    # No output at all, not even a partial or temporary file.
    assert list(tmp_path.iterdir()) == []
    # validate refuses it the same way.
    check = run_fleetsim(fleetsim_bin, "validate", str(case), *args)
    assert check.returncode == 2
    assert expect["expect"] in check.stderr
    assert len(check.stderr.strip().splitlines()) == 1


def test_exit_codes_and_help(fleetsim_bin: Path, tmp_path: Path):
    assert run_fleetsim(fleetsim_bin, "--version").stdout.startswith("fleetsim ")
    assert "usage:" in run_fleetsim(fleetsim_bin, "--help").stdout
    assert run_fleetsim(fleetsim_bin, "frobnicate").returncode == 2
    assert run_fleetsim(fleetsim_bin, "run").returncode == 2
    assert run_fleetsim(fleetsim_bin, "run", str(tmp_path / "missing.yaml")).returncode == 2
    assert run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "gpt4_training.yaml"),
                        "--threads", "-3").returncode == 2
    assert run_fleetsim(fleetsim_bin, "inspect", str(tmp_path / "missing.h5")).returncode == 2
    not_hdf5 = tmp_path / "x.h5"
    not_hdf5.write_text("hello")
    assert run_fleetsim(fleetsim_bin, "inspect", str(not_hdf5)).returncode == 2


def test_bad_override_is_bad_input(fleetsim_bin: Path, tmp_path: Path):
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "gpt4_training.yaml"),
                          "--set", "sites.0.pue=-1", "-o", str(tmp_path / "o.h5"))
    assert result.returncode == 2
    assert "sites[0].pue" in result.stderr
    assert "(--set sites.0.pue=-1)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_validate_and_catalog(fleetsim_bin: Path):
    ok = run_fleetsim(fleetsim_bin, "validate", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"))
    assert ok.returncode == 0, ok.stderr
    assert ": ok" in ok.stdout
    catalog = run_fleetsim(fleetsim_bin, "catalog")
    assert catalog.returncode == 0
    for gpu in ("V100", "A100", "H100", "H200", "B200"):
        assert re.search(rf"^{gpu}\s", catalog.stdout, re.M)


def test_run_prints_a_summary_and_inspect_agrees_with_h5py(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "gpt4.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "gpt4_training.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "facility_energy_mwh" in result.stdout
    assert "54,600" in result.stdout
    inspect = run_fleetsim(fleetsim_bin, "inspect", str(out), "--json")
    assert inspect.returncode == 0, inspect.stderr
    stored = json.loads(inspect.stdout)
    assert stored["complete"] is True
    with h5py.File(out, "r") as f:
        summary = dict(f["summary"].attrs)
        for name, value in stored["summary"].items():
            assert summary[name] == value, name  # C++ reader and h5py see the same bits
        assert f.attrs["complete"] == 1
        site_energy = f["site/facility_energy_mwh"][...]
        assert np.isclose(site_energy.sum(), summary["facility_energy_mwh"], rtol=1e-12)
        assert np.isclose(f["region/load_mwh"][...].sum(), site_energy.sum(), rtol=1e-12)
    assert stored["regions"][0]["region"] == "us-central"


def test_output_is_bit_identical_across_thread_counts(fleetsim_bin: Path, tmp_path: Path):
    scenario = str(SOURCE_DIR / "scenarios" / "quickstart.yaml")
    one, two = tmp_path / "t1.h5", tmp_path / "t2.h5"
    assert run_fleetsim(fleetsim_bin, "run", scenario, "-o", str(one), "--threads", "1", "--quiet").returncode == 0
    assert run_fleetsim(fleetsim_bin, "run", scenario, "-o", str(two), "--threads", "2", "--quiet").returncode == 0
    assert one.read_bytes() == two.read_bytes()


def test_an_existing_output_survives_a_failed_run(fleetsim_bin: Path, tmp_path: Path):
    out = tmp_path / "keep.h5"
    out.write_bytes(b"previous results")
    bad = BAD_INPUT / "unknown_key.yaml"
    assert run_fleetsim(fleetsim_bin, "run", str(bad), "-o", str(out)).returncode == 2
    assert out.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.h5"]


def test_alibaba_trace_runs_end_to_end(fleetsim_bin: Path, tmp_path: Path):
    import os
    shared = Path(os.environ.get("FLEETSIM_SHARED_DATA", SOURCE_DIR.parent / "shared" / "data"))
    trace = shared / "traces" / "alibaba_openb_gpu_tasks_2023.csv"
    if not trace.exists():
        pytest.skip(f"{trace} is absent: the shared data folder is not next to the checkout")
    out = tmp_path / "alibaba.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "alibaba_trace.yaml"),
                          "--set", f"workload.traces.0.file={trace}", "-o", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    with h5py.File(out, "r") as f:
        status = f["jobs/status"].asstr()[...]
        assert len(status) == 8152 - 1088 - 861  # no GPU; never scheduled
        assert f["summary"].attrs["trace_rows"] == 8152
        assert f["summary"].attrs["trace_rows_never_ran"] == 861
        assert f["summary"].attrs["jobs_submitted"] == len(status)
        counts = {s: int((status == s).sum()) for s in set(status)}
        total = sum(counts.values())
        assert total == len(status)


def test_the_terminal_summary_shows_shares_in_percent_and_the_file_keeps_fractions(fleetsim_bin: Path,
                                                                                    tmp_path: Path):
    out = tmp_path / "m.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "regional_mismatch.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    with h5py.File(out, "r") as f:
        stored = {name: float(f["summary"].attrs[name]) for name in ("cfe_score", "annual_matching_global",
                                                                     "gpu_utilization")}
    for name, fraction in stored.items():
        assert 0.0 <= fraction <= 1.0
        line = re.search(rf"^\s+{name}\s+(\S+)\s", result.stdout, re.M)
        assert line, name
        assert line.group(1) == f"{100 * fraction:.2f}%", (name, line.group(1))
    # the region table's shares are percent too, and nothing else prints a bare fraction
    assert re.search(r"^\s+cfe_score\s+0\.\d{4}\s", result.stdout, re.M) is None
    assert "Shares are shown in percent" in result.stdout
