"""Output paths are checked before any simulation (docs/reliability.md, "Output and sweeps"):
a missing or unwritable folder, a folder, a special file, or one of the inputs is bad input
(exit 2, one line naming the path) found in a second, not after the whole run; so are absurd
thread counts and Slurm variables."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_DIR, run_fleetsim

QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"
# A century of the quickstart: minutes of simulation, so a check made after it times out. Under
# the sanitizers (FLEETSIM_SANITIZED, set by tests/cli_tests.cmake in the Sanitize build), a
# decade: its simulation still takes minutes there, and loading a century (generating a
# century of synthetic jobs: ~10 s in a release build) took 331 s of CI's time under ASan.
CENTURY = ["--set", "hours=87600" if os.environ.get("FLEETSIM_SANITIZED") else "hours=876000"]

SCENARIO = """name: with_files
seed: 1
start: 2024-01-01T00:00:00Z
hours: 48
regions:
  - name: r1
sites:
  - name: s1
    region: r1
    pue: 1.2
    grid_limit_mw: 10
    clusters:
      - {gpu_type: A100, gpus: 64}
workload:
  traces:
    - file: trace.csv
"""


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def run_quick(fleetsim_bin: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(fleetsim_bin), *args], capture_output=True, text=True, timeout=30, cwd=cwd)


def unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "read_only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return Path("/sys")  # root may write anywhere a mode allows; sysfs takes no new file


def test_a_bad_output_path_is_refused_before_the_simulation(fleetsim_bin: Path, tmp_path: Path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cases = {
        str(tmp_path / "missing" / "x.h5"): f"the output folder '{tmp_path / 'missing'}' does not exist",
        str(out_dir): "the output path is a folder; give a file name",
        str(out_dir) + "/": "the output path is a folder; give a file name",
        "/dev/null": "the output path is not a regular file",
        str(unwritable_folder(tmp_path) / "x.h5"): "cannot write in the output folder",
    }
    for output, message in cases.items():
        line = refused(run_quick(fleetsim_bin, "run", str(QUICKSTART), *CENTURY, "-o", output, "--quiet"))
        assert line.startswith(f"fleetsim: error: {output}: "), line
        assert message in line, line
    assert list(out_dir.iterdir()) == []
    line = refused(run_quick(fleetsim_bin, "plan", str(QUICKSTART), "-o",
                             str(tmp_path / "missing" / "plan.h5")))
    assert "does not exist" in line


def test_an_output_that_is_an_input_is_refused(fleetsim_bin: Path, tmp_path: Path):
    (tmp_path / "with_files.yaml").write_text(SCENARIO)
    shutil.copy(SOURCE_DIR / "tests" / "fixtures" / "trace_small.csv", tmp_path / "trace.csv")
    os.link(tmp_path / "trace.csv", tmp_path / "hard_link.csv")
    (tmp_path / "sub").mkdir()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    cases = {
        "with_files.yaml": "the scenario file",
        "./with_files.yaml": "the scenario file",
        "trace.csv": "the file of scenario key workload.traces.0.file",
        "sub/../trace.csv": "the file of scenario key workload.traces.0.file",
        "hard_link.csv": "the file of scenario key workload.traces.0.file",  # the same inode
    }
    for output, named_by in cases.items():
        line = refused(run_quick(fleetsim_bin, "run", "with_files.yaml", "-o", output, cwd=tmp_path))
        assert line.startswith(f"fleetsim: error: {output}: the output would overwrite an input: {named_by}"), line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    # the same through --set, and for fleetsim plan's --load-csv
    line = refused(run_quick(fleetsim_bin, "run", str(QUICKSTART), "--set",
                             f"workload.traces=[{{file: {tmp_path / 'trace.csv'}}}]", "-o", str(tmp_path / "trace.csv")))
    assert "the output would overwrite an input: the file of scenario key workload.traces.0.file" in line
    load = tmp_path / "load.csv"
    load.write_text("datetime_utc,mw\n")
    line = refused(run_quick(fleetsim_bin, "plan", str(QUICKSTART),
                             "--load-csv", str(load), "--load-column", "mw", "-o", str(load)))
    assert line.endswith(f"the output would overwrite an input: --load-csv ('{load}')"), line
    # a run that may write its file still does
    assert run_quick(fleetsim_bin, "run", "with_files.yaml", "-o", "result.h5", "--quiet", cwd=tmp_path).returncode == 0


def test_threads_and_jobs_are_bounded(fleetsim_bin: Path, tmp_path: Path):
    line = refused(run_quick(fleetsim_bin, "run", str(QUICKSTART), "--threads", "1000000000", "-o",
                             str(tmp_path / "x.h5")))
    assert line == "fleetsim: error: fleetsim run: --threads: must be 0 (all cores) to 1024, got 1000000000"
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo]\n")
    line = refused(run_quick(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep_file), "-o",
                             str(tmp_path / "d"), "--jobs", "5000"))
    assert line == "fleetsim: error: fleetsim sweep: --jobs: must be 0 (all cores) to 1024, got 5000"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


@pytest.mark.parametrize("task_id, count, message", [
    ("abc", "2", "SLURM_ARRAY_TASK_ID: 'abc' is not a whole number"),
    ("1", "two", "SLURM_ARRAY_TASK_COUNT: 'two' is not a whole number"),
    ("99999999999999999999", "2", "SLURM_ARRAY_TASK_ID: '99999999999999999999' is not a whole number"),
    ("5", "2", "--shard: the Slurm array variables (task 5, first 1, count 2) do not give a shard K/N"),
])
def test_bad_slurm_variables_are_bad_input(fleetsim_bin: Path, tmp_path: Path, task_id: str, count: str, message: str):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo]\n")
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": task_id, "SLURM_ARRAY_TASK_COUNT": count, "SLURM_ARRAY_TASK_MIN": "1"}
    result = subprocess.run([str(fleetsim_bin), "sweep", str(QUICKSTART), "--grid", str(sweep_file), "-o",
                             str(tmp_path / "d"), "--quiet"], capture_output=True, text=True, env=env, timeout=60)
    assert message in refused(result)
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").iterdir())


def test_a_sweep_folder_that_is_a_file_or_holds_its_inputs_is_refused(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    a_file = tmp_path / "results"
    a_file.write_text("not a folder")
    line = refused(run_quick(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep_file), "-o", str(a_file)))
    assert line == f"fleetsim: error: {a_file}: is a file, not a folder; give a folder"
    assert a_file.read_text() == "not a folder"
    # a scenario whose trace is the sweep's summary file
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "with_files.yaml").write_text(SCENARIO.replace("file: trace.csv", "file: sweep_summary.csv"))
    shutil.copy(SOURCE_DIR / "tests" / "fixtures" / "trace_small.csv", folder / "sweep_summary.csv")
    line = refused(run_quick(fleetsim_bin, "sweep", str(folder / "with_files.yaml"), "--grid", str(sweep_file), "-o",
                             str(folder)))
    assert line == (f"fleetsim: error: {folder / 'sweep_summary.csv'}: the sweep would overwrite an input: the file of "
                    f"scenario key workload.traces.0.file is one of its outputs in '{folder}'")
    assert sorted(p.name for p in folder.iterdir()) == ["sweep_summary.csv", "with_files.yaml"]


@pytest.mark.parametrize("command", ["run", "plan", "sweep"])
def test_every_command_refuses_an_output_it_cannot_write_at_once(fleetsim_bin: Path, tmp_path: Path, command: str):
    """run and plan into a missing folder, sweep into a folder it cannot make or write: one line,
    exit 2, in seconds, although the run asked for would take minutes."""
    import time
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    if command == "sweep":
        cases = {str(a_file / "sub"): "cannot create the output folder",
                 str(unwritable_folder(tmp_path) / "sub"): "cannot"}
    else:
        cases = {str(tmp_path / "missing" / "x.h5"): f"the output folder '{tmp_path / 'missing'}' does not exist",
                 str(a_file / "x.h5"): f"'{a_file}' is not a folder"}
    extra = ["--grid", str(sweep_file)] if command == "sweep" else []
    # Reading a century's scenario (its hourly supply) is itself work: seconds in a release
    # build, tens of seconds under the sanitizers on a busy machine. The refusal must come right
    # after it, long before the minutes of simulation: within the time `validate` takes + 20 s.
    started = time.monotonic()
    assert run_fleetsim(fleetsim_bin, "validate", str(QUICKSTART), *CENTURY).returncode == 0
    load_s = time.monotonic() - started
    for output, message in cases.items():
        started = time.monotonic()
        line = refused(subprocess.run([str(fleetsim_bin), command, str(QUICKSTART), *CENTURY, *extra, "-o", output],
                                      capture_output=True, text=True, timeout=3 * load_s + 60))
        assert time.monotonic() - started < load_s + 20, line
        assert line.startswith(f"fleetsim: error: {output}: "), line
        assert message in line, line
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "read_only") == ["a_file", "s.yaml"]
    assert a_file.read_text() == ""
