"""Installed like a real tool (issue 17, docs/install.md): `cmake --install` into a temporary
prefix gives a fleetsim command that runs from PREFIX/bin, its man page and bash completion, the
analysis package that Debian's python3 imports, and a CMake package that a project outside
fleetsim finds and links (tests/install/consumer), with nothing of the tests, benchmarks or fuzz
harnesses; `pip install ./analysis` works offline with Debian's pip and setuptools."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

BUILD_DIR = Path(os.environ.get("FLEETSIM_BUILD_DIR", SOURCE_DIR / "build"))
CMAKE = os.environ.get("FLEETSIM_CMAKE") or shutil.which("cmake") or "cmake"
# The module libraries (sim/python is the Python extension, not a library of its own).
MODULES = sorted(path.parent.name for path in (SOURCE_DIR / "sim").glob("*/CMakeLists.txt")
                 if path.parent.name != "python")
QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"
# A day of the quickstart, from the day its listed job is submitted: a run of well under a second.
OVERRIDES = ["start=2024-02-01T00:00:00Z", "hours=24"]
# A header that includes one of these is used only inside its module and is not installed
# (PRIVATE_HEADERS, cmake/warnings.cmake): a consumer is not given their include folders.
PRIVATE_DEPENDENCY_INCLUDE = re.compile(r"^#include <(hdf5\.h|H5\w*\.h|yaml-cpp/)", re.M)
LOCAL_INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)


def project_version() -> str:
    match = re.search(r"project\(fleetsim VERSION (\S+)", (SOURCE_DIR / "CMakeLists.txt").read_text())
    assert match
    return match.group(1)


def cmake_cache(name: str) -> str:
    for line in (BUILD_DIR / "CMakeCache.txt").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split("=", 1)[1]
    raise KeyError(name)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this build's variables (FLEETSIM_*, PYTHONPATH): as a user has it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETSIM_", "PYTHON"))}
    env.update(extra)
    return env


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd,
                            env=env or clean_env(), timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited {result.returncode}:\n" \
                                   f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (BUILD_DIR / "cmake_install.cmake").exists():
        pytest.skip(f"no configured build in {BUILD_DIR} (set FLEETSIM_BUILD_DIR)")
    where = tmp_path_factory.mktemp("install") / "prefix"
    run([CMAKE, "--install", BUILD_DIR, "--prefix", where])
    return where


@pytest.fixture(scope="module")
def python_dir(prefix: Path) -> Path:
    return prefix / cmake_cache("FLEETSIM_PYTHON_INSTALL_DIR")


@pytest.fixture(scope="module")
def run_file(prefix: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day of the quickstart, run by the installed command."""
    out = tmp_path_factory.mktemp("installed_run") / "day.h5"
    command = [prefix / "bin" / "fleetsim", "run", QUICKSTART, "-o", out, "-q"]
    for override in OVERRIDES:
        command += ["--set", override]
    run(command)
    return out


def test_installs_the_command_the_libraries_and_their_package_and_no_test_target(prefix: Path, python_dir: Path):
    files = sorted(p.relative_to(prefix).as_posix() for p in prefix.rglob("*") if p.is_file())
    libdir = cmake_cache("CMAKE_INSTALL_LIBDIR")  # lib; lib/x86_64-linux-gnu if configured for /usr
    allowed = [re.compile(pattern) for pattern in (
        r"bin/fleetsim",
        re.escape(libdir) + r"/libfleetsim_(\w+)\.a",
        re.escape(libdir) + r"/cmake/fleetsim/fleetsim(Config|ConfigVersion|Targets|Targets-\w+)\.cmake",
        r"include/fleetsim/\w+/\w+\.hpp",
        r"share/man/man1/fleetsim\.1",
        r"share/bash-completion/completions/fleetsim",
        # fleetsim_analysis, and sim/python's extension module beside it
        re.escape(python_dir.relative_to(prefix).as_posix()) + r"/.+",
    )]
    unexpected = [f for f in files if not any(pattern.fullmatch(f) for pattern in allowed)]
    assert not unexpected, f"installed, but not by any install rule meant to: {unexpected}"
    assert [f for f in files if f.startswith("bin/")] == ["bin/fleetsim"]
    libraries = sorted(m.group(1) for f in files if (m := allowed[1].fullmatch(f)))
    assert libraries == MODULES
    assert sorted(p.name for p in (prefix / "include" / "fleetsim").iterdir()) == MODULES
    for name in ("fleetsimConfig.cmake", "fleetsimConfigVersion.cmake", "fleetsimTargets.cmake"):
        assert (prefix / libdir / "cmake" / "fleetsim" / name).is_file()
    assert f'PACKAGE_VERSION "{project_version()}"' in \
        (prefix / libdir / "cmake" / "fleetsim" / "fleetsimConfigVersion.cmake").read_text()


def test_installed_headers_are_the_modules_public_headers_and_include_only_each_other(prefix: Path):
    include = prefix / "include" / "fleetsim"
    for module in MODULES:
        source = {p.name for p in (SOURCE_DIR / "sim" / module).glob("*.hpp")
                  if not PRIVATE_DEPENDENCY_INCLUDE.search(p.read_text())}
        if module == "core":
            source.add("version.hpp")  # generated from version.hpp.in
        assert {p.name for p in (include / module).glob("*.hpp")} == source, module
    for header in include.rglob("*.hpp"):
        text = header.read_text()
        assert not PRIVATE_DEPENDENCY_INCLUDE.search(text), header
        for name in LOCAL_INCLUDE.findall(text):
            assert (include / name).is_file(), f"{header.relative_to(prefix)} includes {name}, not installed"


def test_the_installed_command_runs(prefix: Path):
    fleetsim = prefix / "bin" / "fleetsim"
    assert run([fleetsim, "--version"]).stdout.startswith(f"fleetsim {project_version()} ")
    assert ": ok" in run([fleetsim, "validate", QUICKSTART]).stdout


def test_man_page_and_bash_completion(prefix: Path):
    man_page = prefix / "share" / "man" / "man1" / "fleetsim.1"
    assert man_page.read_bytes() == (SOURCE_DIR / "docs" / "fleetsim.1").read_bytes()
    completion = prefix / "share" / "bash-completion" / "completions" / "fleetsim"
    assert completion.read_bytes() == (SOURCE_DIR / "scripts" / "completion" / "fleetsim.bash").read_bytes()
    shown = run(["/bin/bash", "-c", f"source {completion} && complete -p fleetsim"])
    assert shown.stdout.strip().endswith(" fleetsim")


def test_debians_python_imports_the_installed_analysis_package(python_dir: Path, run_file: Path, tmp_path: Path):
    env = clean_env(PYTHONPATH=str(python_dir), MPLBACKEND="Agg")
    shown = run(["/usr/bin/python3", "-c", "import fleetsim_analysis; print(fleetsim_analysis.__file__)"],
                cwd=tmp_path, env=env)
    assert Path(shown.stdout.strip()) == python_dir / "fleetsim_analysis" / "__init__.py"
    summary = run(["/usr/bin/python3", "-m", "fleetsim_analysis", "summary", run_file], cwd=tmp_path, env=env)
    assert "facility" in summary.stdout


def test_debians_python_imports_and_runs_the_installed_module(python_dir: Path, run_file: Path, tmp_path: Path):
    if not (BUILD_DIR / "python" / "fleetsim").is_dir():
        pytest.skip("this build has no Python module (pybind11-dev or python3-dev missing)")
    env = clean_env(PYTHONPATH=str(python_dir))
    code = ("import fleetsim, sys; print(fleetsim.__file__); "
            "fleetsim.run(fleetsim.load_scenario(sys.argv[1], overrides=sys.argv[2:])).to_hdf5('py.h5')")
    shown = run(["/usr/bin/python3", "-c", code, QUICKSTART, *OVERRIDES], cwd=tmp_path, env=env)
    assert Path(shown.stdout.strip()) == python_dir / "fleetsim" / "__init__.py"
    assert (tmp_path / "py.h5").read_bytes() == run_file.read_bytes()  # the installed CLI's file


def test_a_cmake_project_finds_links_and_runs_the_installed_library(prefix: Path, run_file: Path, tmp_path: Path):
    build = tmp_path / "consumer-build"
    configure = [CMAKE, "-S", SOURCE_DIR / "tests" / "install" / "consumer", "-B", build,
                 f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                 f"-DCMAKE_CXX_COMPILER={cmake_cache('CMAKE_CXX_COMPILER')}"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    configured = run(configure)
    assert f"fleetsim {project_version()} from {prefix}/{cmake_cache('CMAKE_INSTALL_LIBDIR')}/cmake/fleetsim" \
        in configured.stdout
    run([CMAKE, "--build", build, "-j2"])
    # the headers come from the prefix, not from this checkout
    compile_command = json.loads((build / "compile_commands.json").read_text())[0]["command"]
    assert f"{prefix}/include/fleetsim" in compile_command
    assert str(SOURCE_DIR / "sim") not in compile_command

    shown = run([build / "consumer", QUICKSTART, *OVERRIDES]).stdout
    assert shown.startswith(f"fleetsim {project_version()}, 24 hours\n"), shown
    printed = dict(line.split(" ", 1) for line in shown.splitlines()[1:])
    stored = json.loads(run([prefix / "bin" / "fleetsim", "inspect", run_file, "--json"]).stdout)["summary"]
    # the same code on the same scenario: the installed command's figures, to the last bit
    for name in ("facility_energy_mwh", "cfe_score"):
        assert float(printed[name]) == stored[name], name
    assert 0 < stored["facility_energy_mwh"]


def test_pip_installs_the_analysis_package_offline(tmp_path: Path):
    probes = [subprocess.run(["/usr/bin/python3", "-c", f"import {module}"], capture_output=True, env=clean_env())
              for module in ("pip", "setuptools")]
    if any(probe.returncode != 0 for probe in probes):
        pytest.skip("Debian's python3 lacks pip or setuptools (apt-get install python3-pip python3-setuptools): "
                    "pip install ./analysis is not checked")
    # a copy: pip builds in the source folder (build/, *.egg-info), and other tests read analysis/
    source = tmp_path / "analysis"
    shutil.copytree(SOURCE_DIR / "analysis", source,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "site"
    run(["/usr/bin/python3", "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-deps",
         "--target", target, source], cwd=tmp_path, env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"))
    metadata = (target / f"fleetsim_analysis-{project_version()}.dist-info" / "METADATA").read_text()
    assert "Name: fleetsim-analysis\n" in metadata
    assert f"Version: {project_version()}\n" in metadata
    assert set(re.findall(r"^Requires-Dist: (\S+)", metadata, re.M)) == \
        {"numpy", "h5py", "pandas", "matplotlib", "xarray", "h5netcdf"}
    shown = run(["/usr/bin/python3", "-c", "import fleetsim_analysis; print(fleetsim_analysis.__file__)"],
                cwd=tmp_path, env=clean_env(PYTHONPATH=str(target)))
    assert Path(shown.stdout.strip()) == target / "fleetsim_analysis" / "__init__.py"
