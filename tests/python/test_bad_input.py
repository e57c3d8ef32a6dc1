"""Bad input through every subcommand (docs/reliability.md, "Input validation"): the scenario
corpus (tests/bad_input, also read by test_cli.py through run and validate) through sweep, plan
and catalog; the sweep-file corpus (tests/bad_sweep); and what a corpus file cannot hold:
arguments that are not UTF-8, file names with control characters, values of megabytes.

Every case: exit code 2, one line on stderr that is valid UTF-8 and names the file (and, where
the file has lines, the line and key), and no output file or folder left behind."""
from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_DIR
from test_cli import CORPUS, expectations

BAD_SWEEP = SOURCE_DIR / "tests" / "bad_sweep"
SWEEP_CORPUS = sorted(BAD_SWEEP.glob("*.yaml"))
SWEEP_BASE = SOURCE_DIR / "tests" / "fixtures" / "scenarios" / "sweep_base.yaml"
GOOD_SWEEP = "parameters:\n  sites.0.pue: [1.1, 1.2]\n"


def refused(binary: Path, *args: str | bytes) -> str:
    """Runs fleetsim; asserts exit 2 and a one-line UTF-8 message, which it returns."""
    result = subprocess.run([str(binary), *args], capture_output=True, timeout=600)
    message = result.stderr.decode("utf-8")  # raises if the message is not UTF-8
    assert result.returncode == 2, message
    lines = message.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line message, got: {message}"
    assert len(lines[0]) < 1500
    return lines[0]


def test_the_corpora_are_large():
    assert len(CORPUS) >= 200
    assert len(SWEEP_CORPUS) >= 50


@pytest.mark.parametrize("command", ["sweep", "plan", "catalog"])
@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.stem)
def test_scenario_corpus_through_other_subcommands(case: Path, command: str, fleetsim_bin: Path, tmp_path: Path):
    expect = expectations(case)
    args = shlex.split(expect.get("args", ""))
    if command == "catalog" and args:
        pytest.skip("catalog takes no --set")
    if command in ("catalog", "sweep") and "trace" in expect.get("expect-file", ""):
        # catalog reads the scenario, not its job traces; a sweep reads them in each run
        # (a bad trace fails every run with exit 1: left for the sweep's own checks)
        pytest.skip(f"{command} does not read job traces before it starts")
    if command == "sweep":
        grid = tmp_path / "grid.yaml"
        grid.write_text(GOOD_SWEEP)
        message = refused(fleetsim_bin, "sweep", str(case), "--grid", str(grid), "-o", str(tmp_path / "out"), *args)
        grid.unlink()
    elif command == "plan":
        message = refused(fleetsim_bin, "plan", str(case), "--target-cfe", "0.9", "-o", str(tmp_path / "p.h5"), *args)
    else:
        message = refused(fleetsim_bin, "catalog", str(case))
    assert expect["expect"] in message
    assert expect.get("expect-file", case.name) in message
    if "expect-line" in expect:
        assert f"{case.name}:{expect['expect-line']}:" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", SWEEP_CORPUS, ids=lambda p: p.stem)
def test_bad_sweep_files_are_refused_before_any_run(case: Path, fleetsim_bin: Path, tmp_path: Path):
    expect = expectations(case)
    assert "expect" in expect, f"{case.name} has no '# expect:' line"
    out = tmp_path / "sweep"
    message = refused(fleetsim_bin, "sweep", str(SWEEP_BASE), "--grid", str(case), "-o", str(out), "--quiet")
    assert expect["expect"] in message
    assert case.name in message
    assert list(tmp_path.iterdir()) == []


def test_arguments_that_are_not_utf8_are_refused(fleetsim_bin: Path, tmp_path: Path):
    scenario = str(SWEEP_BASE)
    for command in ("run", "validate"):
        extra = ["-o", str(tmp_path / "o.h5")] if command == "run" else []
        message = refused(fleetsim_bin, command, scenario, "--set", b"sites.0.name=caf\xe9", *extra)
        assert "not valid UTF-8" in message and "sweep_base.yaml (--set sites.0.name=caf\\xe9)" in message
        message = refused(fleetsim_bin, command, scenario, "--set", b"sites.0.n\xe4me=x", *extra)
        assert "not valid UTF-8" in message
    assert list(tmp_path.iterdir()) == []


def test_file_names_with_control_characters_are_echoed_escaped(fleetsim_bin: Path, tmp_path: Path):
    missing = str(tmp_path / "no\nsuch\x1b[2J\xff.yaml").encode("utf-8", "surrogateescape")
    message = refused(fleetsim_bin, "validate", missing)
    assert "no\\nsuch\\x1b[2J" in message
    assert "cannot open the scenario file" in message


def test_values_of_megabytes_give_short_messages(fleetsim_bin: Path, tmp_path: Path):
    big = "r" * 10_000_000
    scenario = tmp_path / "big.yaml"
    scenario.write_text(SWEEP_BASE.read_text().replace("    region: r\n", f"    region: {big}\n"))
    message = refused(fleetsim_bin, "validate", str(scenario))
    assert "big.yaml:10: sites[0].region: unknown region 'rrrr" in message
    assert len(message) < 1000
    # a --set value as long as Linux allows one argument (128 KiB)
    message = refused(fleetsim_bin, "validate", str(SWEEP_BASE), "--set", "sites.0.pue=" + "9" * 100_000 + "x")
    assert len(message) < 1000
    # a grid CSV field of 10 MB
    rows = [f"2024-01-01T{h:02d}:00:00Z,{100 + h},0.5" for h in range(24)]
    rows[5] = "2024-01-01T05:00:00Z," + "7" * 10_000_000 + ",0.5"
    (tmp_path / "grid.csv").write_text("datetime_utc,ci,cfe\n" + "\n".join(rows) + "\n")
    scenario.write_text(SWEEP_BASE.read_text().replace(
        "  - name: r\n",
        "  - name: r\n    grid: {source: csv, file: grid.csv, carbon_intensity_column: ci, cfe_share_column: cfe}\n"))
    message = refused(fleetsim_bin, "run", str(scenario), "-o", str(tmp_path / "o.h5"))
    assert "grid.csv:7: ci: '7777" in message
    assert len(message) < 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml", "grid.csv"]
