"""A run's baseline (`fleetsim run --baseline POLICY`, docs/output-format.md, `/baseline`): the
same scenario and seed under another policy, and the comparison `fleetsim run` prints, for
the fleet and per region."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from fleetsim_analysis.io import Run, RunFileError

# The figures a policy is judged by against its baseline, in the order fleetsim run prints
# them (sim/run/comparison.cpp).
COMPARED = [
    "emissions_location_t", "emissions_market_hourly_t", "emissions_market_annual_t", "job_emissions_location_t",
    "job_emissions_bound_t", "cfe_score", "facility_energy_mwh", "job_energy_mwh", "mean_wait_h", "mean_delay_h",
    "p95_delay_h", "jobs_completed", "jobs_deadline_missed", "jobs_running_at_end", "jobs_waiting_at_end",
    "jobs_held", "pauses", "checkpoint_hours", "checkpoint_energy_mwh", "power_capped_site_hours",
]
# The per-region figures compared (the columns of /baseline/region that a policy moves).
REGION_COMPARED = ["facility_energy_mwh", "emissions_location_t", "emissions_market_hourly_t", "cfe_score"]


@dataclass
class Baseline:
    policy: str                       # the baseline's policy name
    summary: dict[str, float]         # its /summary figures
    summary_region: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by region; empty in older files


def open_baseline(path: str | Path | Run) -> Baseline | None:
    """The baseline stored in a run file, or None for a run made without --baseline. Files
    written before /baseline/region existed give an empty `summary_region`. Also takes an open
    Run, or an in-memory result of the Python module (``fleetsim.run(..., baseline="fifo")``)."""
    if isinstance(path, Run):
        stored = path.baseline
        if stored is None:
            return None
        summary = {k: float(v) for k, v in stored.items() if k != "policy"}
        return Baseline(str(stored.get("policy", "baseline")), summary, path._table("baseline/region", "region"))
    try:
        with h5py.File(path, "r") as f:
            if "baseline" not in f:
                return None
            group = f["baseline"]
            policy = group.attrs.get("policy", "baseline")
            policy = policy.decode() if isinstance(policy, bytes) else str(policy)
            summary = {k: float(v) for k, v in group.attrs.items() if k != "policy"}
            regions = pd.DataFrame()
            if "region" in group:
                columns = {}
                for name, ds in group["region"].items():
                    if isinstance(ds, h5py.Dataset):
                        columns[name] = ds.asstr()[...] if h5py.check_string_dtype(ds.dtype) else ds[...]
                regions = pd.DataFrame(columns).set_index("region")
    except (OSError, KeyError, ValueError) as e:
        raise RunFileError(f"{path}: cannot read /baseline (damaged file?): {e}") from None
    return Baseline(policy, summary, regions)


def comparison(summary: dict[str, float], baseline: Baseline) -> pd.DataFrame:
    """The fleet's figures under the run's policy and its baseline, as fleetsim run prints them:
    rows by name (COMPARED, those present in both), columns policy, baseline, difference
    (policy − baseline), relative (difference / |baseline|, NaN for a zero baseline) and
    attainable (for job_emissions_location_t against a baseline without a bound of its own:
    the share of the saving a clairvoyant schedule could reach, docs/policies.md)."""
    rows = []
    for name in COMPARED:
        if name not in summary or name not in baseline.summary:
            continue
        p, b = summary[name], baseline.summary[name]
        attainable = np.nan
        if (name == "job_emissions_location_t" and "job_emissions_bound_t" not in baseline.summary
                and "job_emissions_bound_t" in summary and b - summary["job_emissions_bound_t"] > 0):
            attainable = (b - p) / (b - summary["job_emissions_bound_t"])
        rows.append({"name": name, "policy": p, "baseline": b, "difference": p - b,
                     "relative": (p - b) / abs(b) if b != 0 else np.nan, "attainable": attainable})
    return pd.DataFrame(rows, columns=["name", "policy", "baseline", "difference", "relative",
                                       "attainable"]).set_index("name")


def region_comparison(summary_region: pd.DataFrame, baseline: Baseline) -> pd.DataFrame:
    """Per region and figure (REGION_COMPARED): policy, baseline, difference (policy − baseline)
    and relative change; rows indexed by (region, name). Empty when the file has no
    /baseline/region."""
    if baseline.summary_region.empty:
        return pd.DataFrame(columns=["policy", "baseline", "difference", "relative"])
    rows = []
    for region in summary_region.index:
        for name in REGION_COMPARED:
            if name not in summary_region or name not in baseline.summary_region:
                continue
            p = float(summary_region.loc[region, name])
            b = float(baseline.summary_region[name].get(region, np.nan))
            rows.append({"region": region, "name": name, "policy": p, "baseline": b, "difference": p - b,
                         "relative": (p - b) / abs(b) if b not in (0.0,) and np.isfinite(b) else np.nan})
    return pd.DataFrame(rows).set_index(["region", "name"])
