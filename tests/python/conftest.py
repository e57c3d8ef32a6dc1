"""Shared fixtures: the fleetsim binary and run files made once per test session."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("FLEETSIM_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def fleetsim_bin() -> Path:
    path = os.environ.get("FLEETSIM_BIN")
    if not path:
        default = SOURCE_DIR / "build" / "sim" / "cli" / "fleetsim"
        if not default.exists():
            pytest.skip("FLEETSIM_BIN is not set and build/sim/cli/fleetsim does not exist")
        path = str(default)
    return Path(path)


def run_fleetsim(binary: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="session")
def quickstart_h5(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quickstart") / "quickstart.h5"
    result = run_fleetsim(fleetsim_bin, "run", str(SOURCE_DIR / "scenarios" / "quickstart.yaml"), "-o", str(out),
                          "--quiet")
    assert result.returncode == 0, result.stderr
    return out
