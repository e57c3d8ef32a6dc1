"""The module map of docs/architecture.md holds in the code: a module includes only itself,
the modules it may use, and (for output/) HDF5. Also checks that no model includes HDF5 or
yaml-cpp, which belong to output/ and scenario/ alone."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import SOURCE_DIR

SIM = SOURCE_DIR / "sim"

# module -> modules it may include (docs/architecture.md, "Modules").
ALLOWED = {
    "core": set(),
    "engine": {"core"},
    "energy": {"core"},
    "fleet": {"core", "engine"},
    "workload": {"core"},
    "footprint": {"core", "energy", "fleet"},
    "policy": {"core", "energy", "fleet", "workload"},
    "scenario": {"core", "energy", "fleet", "workload", "policy", "footprint"},
    "output": {"core"},
    "run": {"core", "engine", "energy", "fleet", "workload", "policy", "footprint", "scenario", "output"},
    "planner": {"core", "energy", "policy", "footprint", "scenario", "run", "output"},
    "cli": {"core", "policy", "run", "scenario", "planner"},
    "python": {"core", "fleet", "output", "run", "scenario", "planner"},
}
# Third-party headers confined to one module.
CONFINED = {"hdf5": "output", "H5": "output", "yaml-cpp": "scenario", "boost/program_options": "cli",
            "mpi.h": "run", "pybind11": "python"}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)


def includes(path: Path) -> list[str]:
    return INCLUDE.findall(path.read_text())


def test_every_module_is_known():
    modules = {p.name for p in SIM.iterdir() if p.is_dir()}
    assert modules == set(ALLOWED), "update ALLOWED and docs/architecture.md together"


def test_modules_include_only_what_they_may_use():
    problems = []
    for module, allowed in ALLOWED.items():
        for source in sorted((SIM / module).glob("*.[ch]pp")):
            for inc in includes(source):
                head = inc.split("/")[0]
                if head in ALLOWED and head != module and head not in allowed:
                    problems.append(f"{source.relative_to(SOURCE_DIR)} includes {inc}")
                for prefix, owner in CONFINED.items():
                    if inc.startswith(prefix) and module != owner:
                        problems.append(f"{source.relative_to(SOURCE_DIR)} includes {inc} (only {owner}/ may)")
    assert not problems, "\n".join(problems)


def test_cmake_targets_match_the_map():
    """Each module's CMakeLists links exactly the modules it may use (sanity check on the text)."""
    for module, allowed in ALLOWED.items():
        text = (SIM / module / "CMakeLists.txt").read_text()
        linked = set(re.findall(r"fleetsim::(\w+)", text)) - {module}
        assert linked <= allowed, f"sim/{module}/CMakeLists.txt links {sorted(linked - allowed)}"
