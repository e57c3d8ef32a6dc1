"""Python tools for fleetsim run files (HDF5). See docs/output-format.md."""
from fleetsim_analysis.io import Run, open_run

__all__ = ["Run", "open_run"]
