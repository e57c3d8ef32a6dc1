# Type stubs of fleetsim._core, the pybind11 module under the fleetsim package (docs/python.md).
# Use the package's functions; these are its building blocks.
from typing import Any

__version__: str
format_version: int

class InputError(ValueError):
    """Bad input: file ('<text>', '<dict>' for inline scenarios), line (1-based, 0: unknown), key."""

    file: str
    line: int
    key: str
    detail: str

class SimulationError(RuntimeError):
    """A failure while simulating (a broken invariant) or writing."""

class OutputError(SimulationError):
    """A failure writing a file (HDF5): disk full, file-size limit; nothing is left at the path."""

class Scenario:
    name: str
    description: str
    seed: int
    hours: int
    start_epoch_s: int
    regions: list[str]
    sites: list[str]
    policy: str
    warnings: list[str]
    source_path: str
    source_text: str
    overrides: list[str]
    base_dir: str
    effective_yaml: str
    def plain(self) -> Any: ...

class Result:
    summary: list[tuple[str, float, str]]
    baseline_summary: list[tuple[str, float, str]] | None
    baseline_policy: str
    wall_time_s: float
    threads: int
    def contents(self) -> dict[str, Any]: ...
    def to_hdf5(self, path: str) -> None: ...
    def comparison(self) -> list[dict[str, Any]] | None: ...

class PlanResult:
    regions: list[dict[str, Any]]
    objective: str
    horizon_years: float
    load_source: str
    simulations: int
    converged: bool
    wall_time_s: float
    def to_hdf5(self, path: str) -> None: ...

def load(path: str, overrides: list[str]) -> Scenario: ...
def parse(text: str, source_name: str, overrides: list[str]) -> Scenario: ...
def with_overrides(scenario: Scenario, overrides: list[str]) -> Scenario: ...
def simulate(scenario: Scenario, threads: int, baseline: str, progress: Any = None) -> Result: ...
def compare(policy: Result, baseline: Result) -> list[dict[str, Any]]: ...
def compare_summaries(policy: list[tuple[str, float]], baseline: list[tuple[str, float]]) -> list[dict[str, Any]]: ...
def plan(scenario: Scenario, target: float, regions: list[str], frontier: list[float], study: bool, load_csv: str,
         load_column: str, target_given: bool = True) -> PlanResult: ...
def sweep(scenario: Scenario, sweep_text: str, source_name: str, jobs: int) -> tuple[str, list[str], list[dict[str, Any]]]: ...
def catalog() -> list[dict[str, Any]]: ...
def keys() -> list[dict[str, Any]]: ...
