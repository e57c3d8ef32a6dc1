"""A run against its baseline: the tables ``fleetsim run --baseline POLICY`` and ``fleetsim
inspect`` print (sim/run/comparison.cpp), from Python (docs/analysis.md, "Comparing runs").

    from fleetsim_analysis import compare, open_run
    c = compare(open_run("greenest.h5"))                        # against the baseline stored in the file
    c = compare(open_run("greenest.h5"), open_run("fifo.h5"))   # against another run file
    c.summary      # figure x (policy, baseline, difference, relative, attainable, description)
    c.regions      # region x figure: policy - baseline (two run files only)
    print(c.table())
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fleetsim_analysis.io import Run, RunFileError, open_run

# The figures a carbon-aware policy is judged by, in the CLI's order (sim/run/comparison.cpp).
FIGURES = (
    "emissions_location_t",
    "emissions_market_hourly_t",
    "emissions_market_annual_t",
    "job_emissions_location_t",
    "job_emissions_bound_t",
    "cfe_score",
    "facility_energy_mwh",
    "job_energy_mwh",
    "mean_wait_h",
    "mean_delay_h",
    "p95_delay_h",
    "jobs_completed",
    "jobs_deadline_missed",
    "jobs_running_at_end",
    "jobs_waiting_at_end",
    "jobs_held",
    "pauses",
    "checkpoint_hours",
    "checkpoint_energy_mwh",
    "power_capped_site_hours",
)


@dataclass
class Comparison:
    """A policy run against a baseline run of the same scenario and seed."""

    policy: str               # the policy run's policy
    baseline: str             # the baseline's policy
    summary: pd.DataFrame     # index figure (FIGURES order, those in both); columns policy, baseline,
    #                           difference, relative, attainable: the rows the CLI prints
    regions: pd.DataFrame | None           # region x /summary/region figure: policy - baseline; None from /baseline
    regions_relative: pd.DataFrame | None  # the same / |baseline| (NaN where the baseline is 0)

    def table(self) -> str:
        """The table as ``fleetsim run --baseline`` prints it (without its heading line)."""
        return format_comparison(self.policy, self.baseline, self.summary)


def compare_summaries(policy: dict[str, float], baseline: dict[str, float]) -> pd.DataFrame:
    """The CLI's comparison rows from two /summary dicts: figures missing from either are left
    out; relative = difference / |baseline| (NaN for a zero baseline); attainable = (baseline -
    policy) / (baseline - job_emissions_bound_t) for job_emissions_location_t against a
    carbon-agnostic baseline (one without a bound of its own), NaN otherwise."""
    rows = []
    for name in FIGURES:
        if name not in policy or name not in baseline:
            continue
        p, b = float(policy[name]), float(baseline[name])
        difference = p - b
        relative = difference / abs(b) if b != 0.0 else math.nan
        attainable = math.nan
        if name == "job_emissions_location_t" and "job_emissions_bound_t" not in baseline:
            bound = policy.get("job_emissions_bound_t")
            if bound is not None and b - float(bound) > 0.0:
                attainable = (b - p) / (b - float(bound))
        rows.append((name, p, b, difference, relative, attainable))
    columns = ["figure", "policy", "baseline", "difference", "relative", "attainable"]
    return pd.DataFrame(rows, columns=columns).set_index("figure")


def _as_run(run: Run | str | Path) -> Run:
    return run if isinstance(run, Run) else open_run(run)


def compare(policy_run: Run | str | Path, baseline_run: Run | str | Path | None = None) -> Comparison:
    """The run against ``baseline_run``, or, without one, against the baseline stored in its
    file (``fleetsim run --baseline POLICY``; RunFileError if it has none). With two run
    files, also the per-region differences of /summary/region."""
    run = _as_run(policy_run)
    if baseline_run is None:
        stored = run.baseline
        if stored is None:
            raise RunFileError(f"{run.path}: no /baseline in this run (made without --baseline); "
                               "give a second run file to compare against")
        figures = {k: float(v) for k, v in stored.items() if k != "policy"}
        return Comparison(str(run.attrs.get("policy", "policy")), str(stored.get("policy", "baseline")),
                          compare_summaries(run.summary, figures), None, None)
    base = _as_run(baseline_run)
    a = run.summary_region.select_dtypes("number")
    b = base.summary_region.select_dtypes("number")
    if list(a.index) != list(b.index):
        raise RunFileError(f"{run.path} and {base.path} have different regions: not runs of one scenario")
    difference = a - b
    relative = difference / b.abs().where(b != 0)
    return Comparison(str(run.attrs.get("policy", "policy")), str(base.attrs.get("policy", "baseline")),
                      compare_summaries(run.summary, base.summary), difference, relative)


def format_number(value: float) -> str:
    """The CLI's number format (sim/cli/report.cpp): whole numbers without decimals, else 1
    decimal from 100, 3 from 1, 4 below; thousands separated by commas."""
    if not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    magnitude = abs(value)
    decimals = 0 if value == math.floor(value) and magnitude < 1e15 else 1 if magnitude >= 100 else 3 \
        if magnitude >= 1 else 4
    text = f"{magnitude:,.{decimals}f}"
    return ("-" if value < 0 else "") + text


def _rjust(text: str, width: int) -> str:
    """Right-aligned in `width` bytes of UTF-8, as C++'s std::setw pads (an em dash is 3 bytes)."""
    return " " * max(0, width - len(text.encode())) + text


def format_comparison(policy: str, baseline: str, rows: pd.DataFrame) -> str:
    """The comparison table in the CLI's layout (sim/cli/report.cpp, print_comparison)."""
    width = max([6] + [len(name) for name in rows.index])

    def cell(v: float) -> str:
        return "\u2014" if v != v else format_number(v)

    lines = [f"  policy: {policy}    baseline: {baseline}", "",
             "  " + "figure".ljust(width) + "policy".rjust(18) + "baseline".rjust(18) + "difference".rjust(16)
             + "change".rjust(10) + "of attainable".rjust(14)]
    any_attainable = False
    for name, r in rows.iterrows():
        change = "\u2014" if r.relative != r.relative else f"{100.0 * r.relative:+.1f}%"
        diff = cell(r.difference)
        if r.difference > 0:
            diff = "+" + diff
        attainable = ""
        if r.attainable == r.attainable:
            attainable = f"{100.0 * r.attainable:.1f}%"
            any_attainable = True
        lines.append("  " + str(name).ljust(width) + _rjust(cell(r.policy), 18) + _rjust(cell(r.baseline), 18)
                     + _rjust(diff, 16) + _rjust(change, 10) + _rjust(attainable, 14))
    if any_attainable:
        lines += ["", "  of attainable: the share of the saving a clairvoyant schedule could reach (baseline - policy) /",
                  "  (baseline - job_emissions_bound_t), the bound being each job at its cleanest time and place before"
                  " its", "  deadline (docs/policies.md, \"The clairvoyant bound\")."]
    return "\n".join(lines) + "\n"


__all__ = ["FIGURES", "Comparison", "compare", "compare_summaries", "format_comparison", "format_number"]
