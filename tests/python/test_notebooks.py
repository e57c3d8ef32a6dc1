"""The example notebooks (examples/*.ipynb, examples/README.md): each runs from its first cell
to its last in a fresh kernel of this Python (Debian's /usr/bin/python3 under ctest), with the
fleetsim module of the build, from examples/ as Jupyter runs it, and draws at least one figure;
the committed notebooks carry no outputs.

Runs in the release build only (label python; not in cli_tests.cmake's sanitized list): the
sanitizer build has no Python module (FLEETSIM_PYTHON_DIR empty), so the notebooks skip there.
Skipped without FLEETSIM_PYTHON_DIR or without nbclient/nbformat/ipykernel (Debian:
python3-nbclient python3-nbformat python3-ipykernel, scripts/bootstrap.sh deps);
fails when FLEETSIM_PYTHON_DIR is set and the module does not import."""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
EXPECTED = {"capacity_whatif.ipynb", "carbon_aware_scheduling.ipynb", "procurement_247.ipynb"}
CELL_TIMEOUT_S = 300
NOTEBOOK_PACKAGES = {"nbclient": "python3-nbclient", "nbformat": "python3-nbformat", "ipykernel": "python3-ipykernel"}


def test_the_examples_are_there():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}, f"examples/ holds {[p.name for p in NOTEBOOKS]}"
    readme = (EXAMPLES / "README.md").read_text()
    for path in NOTEBOOKS:
        assert path.name in readme, f"examples/README.md does not describe {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path: Path):
    """Outputs are made by running a notebook, not kept: they would go stale and bloat the diffs
    (clear them, e.g. in Jupyter: Edit > Clear All Outputs, before committing)."""
    nb = json.loads(path.read_text())
    assert nb.get("nbformat") == 4, f"{path.name}: not an nbformat 4 notebook"
    assert nb.get("metadata", {}).get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel is not python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name}: code cell {i} has outputs: clear them before committing"
        assert cell.get("execution_count") is None, f"{path.name}: code cell {i} has an execution count"


@pytest.fixture(scope="module")
def kernel_env() -> dict[str, str]:
    """The environment of the notebooks' kernels: the module's folder and this checkout's
    analysis package first on PYTHONPATH."""
    folder = os.environ.get("FLEETSIM_PYTHON_DIR")
    if folder is None:
        pytest.skip("FLEETSIM_PYTHON_DIR is not set (ctest sets it; by hand: FLEETSIM_PYTHON_DIR=build/python)")
    if not folder:
        pytest.skip("the Python module was not built (pybind11-dev or python3-dev missing, or a sanitizer build)")
    sys.path.insert(0, folder)
    try:
        importlib.import_module("fleetsim")
    except ImportError as error:
        pytest.fail(f"FLEETSIM_PYTHON_DIR={folder} is set but the fleetsim module does not import: {error}")
    missing = [package for module, package in NOTEBOOK_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        pytest.skip(f"{sys.executable} cannot run the notebooks: install {' '.join(missing)} (scripts/bootstrap.sh deps)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE_DIR / "analysis"), folder] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)  # the kernel sets its inline backend, under which figures become outputs
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # the kernel's debugger warns about frozen modules otherwise
    return env


def _kernel_manager_class():
    """Kernels of this very Python, whatever kernel specs are installed: the python3 spec may
    name another interpreter (a virtualenv's, pyenv's) that lacks the packages."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name=f"Python 3 ({sys.executable})", language="python", resource_dir="")

    class ThisPythonKernel(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _this_python(self) -> KernelSpecManager:
            return ThisPython(data_dir=self.data_dir)

    return ThisPythonKernel


def _execute(nb, env: dict[str, str]) -> float:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    # the client starts the kernel and shuts it down when the notebook has run
    client = NotebookClient(nb, kernel_name="python3", kernel_manager_class=_kernel_manager_class(),
                            timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(EXAMPLES)}})  # its cwd
    started = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as error:  # names the cell, with the traceback
        pytest.fail(str(error), pytrace=False)
    return time.perf_counter() - started


def test_the_kernel_is_this_python_with_the_built_module(kernel_env):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import json, os, sys, matplotlib, fleetsim, fleetsim_analysis\n"
        "print(json.dumps({'executable': sys.executable, 'cwd': os.getcwd(), 'fleetsim': fleetsim.__file__,\n"
        "                  'analysis': fleetsim_analysis.__file__, 'backend': matplotlib.get_backend()}))")]
    _execute(nb, kernel_env)
    seen = json.loads(nb.cells[0].outputs[0]["text"])
    assert seen["executable"] == sys.executable
    assert Path(seen["cwd"]).resolve() == EXAMPLES.resolve()
    assert Path(seen["fleetsim"]).resolve().parent == (Path(os.environ["FLEETSIM_PYTHON_DIR"]) / "fleetsim").resolve()
    assert Path(seen["analysis"]).resolve().parent == (SOURCE_DIR / "analysis" / "fleetsim_analysis").resolve()
    assert "inline" in seen["backend"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_draws(path: Path, kernel_env):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    elapsed = _execute(nb, kernel_env)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    # a figure that does not show is a backend switched to Agg behind the notebook's back
    assert figures, f"{path.name} drew no figure"
    print(f"{path.name}: {elapsed:.1f} s, {len(figures)} figures")
