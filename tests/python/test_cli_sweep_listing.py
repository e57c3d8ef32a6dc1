"""`sweep --dry-run` and `validate --grid` list a sweep's runs (index, run file, parameter
values, seed) without running anything or writing a file."""
from __future__ import annotations

from pathlib import Path

from conftest import SOURCE_DIR, run_fleetsim

QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"
SWEEP = "name: small\nparameters:\n  scheduler.policy: [fifo, temporal_shift]\n  sites.0.pue: [1.1, 1.3]\nreplicates: 2\n"


def table(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["#", "run", "file"])
    rows = []
    for line in lines[header + 1:]:
        if not line.startswith("  "):
            break
        rows.append(line.split())
    return rows


def test_dry_run_lists_every_run_and_runs_nothing(fleetsim_bin: Path, tmp_path: Path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(SWEEP)
    result = run_fleetsim(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"sweep 'small' ({sweep}): 8 runs, grid, 2 parameters, 4 points x 2 replicates")
    rows = table(result.stdout)
    assert len(rows) == 8
    assert rows[0] == ["0", "run-0000_policy=fifo_pue=1.1_seed=42.h5", "fifo", "1.1", "42"]
    assert rows[7] == ["7", "run-0007_policy=temporal_shift_pue=1.3_seed=43.h5", "temporal_shift", "1.3", "43"]
    assert result.stdout.endswith("dry run: nothing was run or written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    # a shard lists its own runs; an output folder that does not exist is not made
    result = run_fleetsim(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep), "--dry-run", "--shard", "2/3",
                          "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "shard 2/3: 3 of them" in result.stdout
    assert [r[0] for r in table(result.stdout)] == ["1", "4", "7"]
    assert [r[-2:] for r in table(result.stdout)] == [["to", "run"]] * 3
    assert not (tmp_path / "out").exists()


def test_dry_run_says_which_runs_a_folder_holds(fleetsim_bin: Path, tmp_path: Path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text("parameters:\n  scheduler.policy: [fifo, temporal_shift]\n")
    out = tmp_path / "out"
    args = ["sweep", str(QUICKSTART), "--grid", str(sweep), "-o", str(out), "--set", "hours=800"]
    assert run_fleetsim(fleetsim_bin, *args, "--quiet").returncode == 0
    (out / "run-0001_policy=temporal_shift.h5").unlink()
    before = sorted(p.name for p in out.iterdir())
    result = run_fleetsim(fleetsim_bin, *args, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert [" ".join(r[3:]) for r in table(result.stdout)] == ["complete (kept)", "to run"]
    assert result.stdout.endswith(f"1 would run, 1 complete in {out}\n")
    assert sorted(p.name for p in out.iterdir()) == before
    # a bad sweep is refused as the sweep itself refuses it
    (tmp_path / "bad.yaml").write_text("parameters:\n  sites.0.pue: [1.1, -3]\n")
    result = run_fleetsim(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(tmp_path / "bad.yaml"), "--dry-run")
    assert result.returncode == 2
    assert "sites[0].pue" in result.stderr and len(result.stderr.splitlines()) == 1


def test_validate_grid_checks_the_sweep_and_lists_its_runs(fleetsim_bin: Path, tmp_path: Path):
    scenario = SOURCE_DIR / "scenarios" / "growth_2030.yaml"
    grid = SOURCE_DIR / "scenarios" / "sweeps" / "growth_2030.yaml"
    result = run_fleetsim(fleetsim_bin, "validate", str(scenario), "--grid", str(grid), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{scenario}: ok — 'growth_2030'")
    assert lines[1] == f"{grid}: ok — sweep 'growth_2030', 5 runs, grid, 1 parameter, 5 points"
    assert [r[1:] for r in table(result.stdout)] == [
        ["run-0000_factor=1.8.h5", "1.8"], ["run-0001_factor=2.2.h5", "2.2"], ["run-0002_factor=2.6.h5", "2.6"],
        ["run-0003_factor=3.h5", "3"], ["run-0004_factor=3.4.h5", "3.4"]]
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "bad.yaml").write_text("parameters:\n  growth.factr: [2, 3]\n")
    result = run_fleetsim(fleetsim_bin, "validate", str(scenario), "--grid", str(tmp_path / "bad.yaml"))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "growth.factr" in result.stderr
