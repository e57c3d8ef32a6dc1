"""Output under failure (docs/reliability.md, "Output and sweeps"): a full disk or a file-size
limit, a kill at any moment. Each leaves either the old file or a complete new one, and says
what happened in one line."""
from __future__ import annotations

import resource
import shutil
import signal
import subprocess
from pathlib import Path

import h5py
import pytest

from conftest import SOURCE_DIR, run_fleetsim

QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"


def file_size_limit(nbytes: int):
    """A preexec_fn: the child may write files of at most nbytes, and a write past that fails
    with EFBIG (SIGXFSZ ignored), as on a full disk."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return apply


def uses_llvm_openmp(fleetsim_bin: Path) -> bool:
    """True for a clang build (the sanitizer build of scripts/bootstrap.sh test): LLVM's OpenMP
    runtime sizes a 1 KB shared-memory file when it starts, and stops ("Can't set size of SHM")
    under a file-size limit below that, before fleetsim runs. The release build (g++, libgomp)
    does not, and runs every limit."""
    libraries = subprocess.run(["ldd", str(fleetsim_bin)], capture_output=True, text=True).stdout
    return "libomp" in libraries


def run_limited(fleetsim_bin: Path, nbytes: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(fleetsim_bin), *args], capture_output=True, text=True, timeout=600,
                          preexec_fn=file_size_limit(nbytes))


def test_a_full_disk_fails_in_one_line_and_keeps_the_old_file(fleetsim_bin: Path, tmp_path: Path,
                                                               quickstart_h5: Path):
    size = quickstart_h5.stat().st_size
    out = tmp_path / "q.h5"
    limits = (0, 100, 4096, 50_000, size // 3, size // 2, size - 4096, size - 1)
    for nbytes in limits[2:] if uses_llvm_openmp(fleetsim_bin) else limits:
        out.write_bytes(b"the previous results")
        result = run_limited(fleetsim_bin, nbytes, "run", str(QUICKSTART), "-o", str(out), "--quiet")
        assert result.returncode == 1, (nbytes, result.returncode, result.stderr)  # not SIGSEGV (-11)
        assert result.stderr.splitlines() == [f"fleetsim: simulation error: cannot write '{out}': File too large"]
        assert out.read_bytes() == b"the previous results", nbytes
        assert sorted(p.name for p in tmp_path.iterdir()) == ["q.h5"], nbytes  # no temporary file left
    out.unlink()
    result = run_limited(fleetsim_bin, size // 2, "run", str(QUICKSTART), "-o", str(out), "--quiet")
    assert result.returncode == 1
    assert list(tmp_path.iterdir()) == []
    # with room enough, the same command writes the file. Room enough is a little more than the
    # file's final size: while closing, HDF5 first sets the file's end to all it has allocated,
    # then frees what is unused and truncates (the quickstart: 512 bytes more, briefly).
    assert run_limited(fleetsim_bin, size + 65536, "run", str(QUICKSTART), "-o", str(out), "--quiet").returncode == 0
    assert out.read_bytes() == quickstart_h5.read_bytes()


def test_a_full_disk_during_a_sweep_fails_its_runs_and_summary_cleanly(fleetsim_bin: Path, tmp_path: Path):
    sweep_file = tmp_path / "small.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    out = tmp_path / "out"
    result = run_limited(fleetsim_bin, 12_000, "sweep", str(SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"),
                         "--grid", str(sweep_file), "-o", str(out), "--set", "hours=500", "--quiet")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"fleetsim: simulation error: cannot write '{out / 'sweep_summary.h5'}': File too large"]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert not [n for n in names if ".tmp-" in n]
    assert not [n for n in names if n.startswith("run-")]  # every run failed to write
    assert "sweep_summary.h5" not in names
    if "sweep_summary.csv" in names:  # small enough to fit: complete, every run marked failed
        lines = (out / "sweep_summary.csv").read_text().splitlines()
        assert len(lines) == 3 and all(line.split(",")[5] == "failed" for line in lines[1:])


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_inspect_says_what_a_damaged_or_foreign_file_is_in_one_line(fleetsim_bin: Path, tmp_path: Path,
                                                                      quickstart_h5: Path):
    import time
    import numpy as np
    data = quickstart_h5.read_bytes()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(data[: len(data) // 2])
    result = run_fleetsim(fleetsim_bin, "inspect", str(truncated))
    assert result.returncode == 2
    assert one_error_line(result).startswith(f"fleetsim: error: {truncated}: cannot read as HDF5: ")
    assert "truncated file" in result.stderr
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    result = run_fleetsim(fleetsim_bin, "inspect", str(foreign))
    assert result.returncode == 2
    assert one_error_line(result) == f"fleetsim: error: {foreign}: not a fleetsim file (no format_version attribute)"
    # some 10 KB that claim 16 GB: refused at once, not read
    crafted = tmp_path / "crafted.h5"
    with h5py.File(crafted, "w") as f:
        f.attrs["format_version"] = 1
        f.attrs["complete"] = 1
        f.attrs["scenario_effective"] = "name: x\n"
        region = f.create_group("summary").create_group("region")
        region["region"] = np.array([b"a"])
        region.create_dataset("facility_energy_mwh", shape=(2_000_000_000,), dtype="f8", chunks=(1000,))
    assert crafted.stat().st_size < 20_000
    started = time.monotonic()
    result = run_fleetsim(fleetsim_bin, "inspect", str(crafted))
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    assert "'/summary/region/facility_energy_mwh' claims 2000000000 values of 8 bytes, more than a file of" in \
        one_error_line(result)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not HDF5")
    assert one_error_line(run_fleetsim(fleetsim_bin, "inspect", str(empty))) == \
        (f"fleetsim: error: {empty}: is a folder with no fleetsim file (.h5) in it; give a run file, a plan file, "
         "a sweep summary or a sweep's output folder")


def test_inspect_shows_a_plan_file_and_a_sweep_summary_as_what_they_are(fleetsim_bin: Path, tmp_path: Path):
    plan = tmp_path / "plan.h5"
    # the quickstart's synthetic grids (no data from ../shared needed), a quarter of its year
    assert run_fleetsim(fleetsim_bin, "plan", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "--set", "hours=2184",
                        "-o", str(plan), "--quiet").returncode == 0
    shown = run_fleetsim(fleetsim_bin, "inspect", str(plan))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"{plan}: a plan file (fleetsim plan), not a run file\n")
    assert "\n  /plan: 3 rows\n" in shown.stdout and "solar_mw" in shown.stdout and "/frontier: " in shown.stdout
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    out = tmp_path / "sweep"
    assert run_fleetsim(fleetsim_bin, "sweep", str(SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml"), "--grid",
                        str(sweep_file), "-o", str(out), "--set", "hours=200", "--quiet").returncode == 0
    shown = run_fleetsim(fleetsim_bin, "inspect", str(out / "sweep_summary.h5"))
    assert shown.returncode == 0, shown.stderr
    assert "a sweep summary (fleetsim sweep), not a run file" in shown.stdout
    assert "/runs: 2 rows" in shown.stdout and "temporal_shift" in shown.stdout


def test_a_run_killed_at_any_moment_leaves_the_old_file_or_a_complete_new_one(fleetsim_bin: Path, tmp_path: Path,
                                                                                quickstart_h5: Path):
    import random
    import time
    old = tmp_path / "old.h5"
    assert run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "gpt4_training.yaml"), "-o", str(old),
                        "--quiet").returncode == 0
    out = tmp_path / "q.h5"
    rng = random.Random(15)
    # kill points: while simulating (before the temporary exists), then 0-300 ms into the write
    delays = [None, 0.0, 0.001, 0.005] + [rng.uniform(0.0, 0.3) for _ in range(8)]
    outcomes = set()
    for delay in delays:
        shutil.copy(old, out)
        for stale in tmp_path.glob("q.h5.tmp-*"):
            stale.unlink()
        proc = subprocess.Popen([str(fleetsim_bin), "run", str(QUICKSTART), "-o", str(out), "--quiet"])
        if delay is None:
            time.sleep(0.05)
        else:
            deadline = time.time() + 60
            while proc.poll() is None and not list(tmp_path.glob("q.h5.tmp-*")) and time.time() < deadline:
                time.sleep(0.0005)
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.read_bytes() == old.read_bytes():
            outcomes.add("old")
        else:  # a new file at the final path is the complete run, byte for byte
            assert out.read_bytes() == quickstart_h5.read_bytes(), delay
            with h5py.File(out, "r") as f:
                assert f.attrs["complete"] == 1
            outcomes.add("new")
        for temporary in tmp_path.glob("q.h5.tmp-*"):  # what a kill leaves is never taken for a result
            assert run_fleetsim(fleetsim_bin, "inspect", str(temporary)).returncode != 0
    assert "old" in outcomes


def test_a_sweep_killed_at_any_moment_leaves_only_complete_files(fleetsim_bin: Path, tmp_path: Path):
    import random
    import time
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift, power_cap]\n"
                          "  regions.0.grid.solar_share: [0.1, 0.3]\n")
    scenario = str(SOURCE_DIR / "scenarios" / "carbon_aware_shift.yaml")
    args = ["sweep", scenario, "--grid", str(sweep_file), "--set", "hours=300", "--quiet"]
    clean = tmp_path / "clean"
    started = time.time()
    assert run_fleetsim(fleetsim_bin, *args, "-o", str(clean)).returncode == 0
    duration = time.time() - started
    expected = (clean / "sweep_summary.csv").read_text().splitlines()
    out = tmp_path / "killed"
    rng = random.Random(15)
    for _ in range(10):
        proc = subprocess.Popen([str(fleetsim_bin), *args, "-o", str(out)])
        time.sleep(rng.uniform(0.0, duration * 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not out.exists():
            continue
        for run in out.glob("run-*.h5"):
            with h5py.File(run, "r") as f:
                assert f.attrs["complete"] == 1
        if (out / "sweep_summary.csv").exists():
            assert (out / "sweep_summary.csv").read_text().splitlines() == expected
        if (out / "sweep_summary.h5").exists():
            with h5py.File(out / "sweep_summary.h5", "r") as f:
                assert f.attrs["complete"] == 1
        # a summary found after the next kill is then that kill's (each restart resumes the runs)
        (out / "sweep_summary.csv").unlink(missing_ok=True)
        (out / "sweep_summary.h5").unlink(missing_ok=True)
    assert run_fleetsim(fleetsim_bin, *args, "-o", str(out)).returncode == 0
    assert (out / "sweep_summary.csv").read_bytes() == (clean / "sweep_summary.csv").read_bytes()
    assert not list(out.glob("*.tmp-*"))


def test_running_out_of_memory_fails_in_one_line_and_writes_nothing(fleetsim_bin: Path, tmp_path: Path):
    """A run that needs more memory than it may have (here: 2 GiB of address space, and some
    365 million jobs of 160 bytes) says so in one line, exit 1, and leaves no file."""
    if uses_llvm_openmp(fleetsim_bin):
        pytest.skip("the sanitizer build reserves terabytes of address space: no address-space limit fits it")
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    out = tmp_path / "q.h5"
    result = subprocess.run([str(fleetsim_bin), "run", str(QUICKSTART), "-o", str(out), "--quiet",
                             "--set", "workload.synthetic.0.arrivals_per_day=1e6"],
                            capture_output=True, text=True, timeout=600, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("fleetsim: simulation error: out of memory"), result.stderr
    assert list(tmp_path.iterdir()) == []
    # in a sweep, the run is failed with that reason and the summary says so
    grid = tmp_path.parent / f"{tmp_path.name}-grid.yaml"
    grid.write_text("name: oom\nmode: grid\nparameters:\n  workload.synthetic.0.arrivals_per_day: [1e6]\n")
    result = subprocess.run([str(fleetsim_bin), "sweep", str(QUICKSTART), "--grid", str(grid), "-o",
                             str(tmp_path / "sweep")], capture_output=True, text=True, timeout=600, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert "failed (out of memory)" in result.stderr, result.stderr
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir() if not p.name.startswith(".")) == [
        "sweep_summary.csv", "sweep_summary.h5"]  # no run file
