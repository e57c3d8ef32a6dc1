"""A sweep's report: each figure of merit (24/7 CFE score, emissions) against each numeric
swept parameter, with the Pareto front and a line per category (policy) where one is swept;
energy per year for multi-year sweeps; and an index.html with the table of runs."""
from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from fleetsim_analysis.io import Sweep, open_sweep  # noqa: E402
from fleetsim_analysis.report import _save  # noqa: E402
from fleetsim_analysis.tables import CSS, number as _number  # noqa: E402

# (column, label, better): the figures of merit plotted against each parameter.
METRICS = [
    ("cfe_score", "24/7 CFE score (%)", "max"),
    ("emissions_location_t", "location-based emissions (tCO$_2$)", "min"),
    ("emissions_market_hourly_t", "hourly market-based emissions (tCO$_2$)", "min"),
]


def pareto_front(x: np.ndarray, y: np.ndarray, maximize_y: bool = True) -> np.ndarray:
    """Indices of the points no other point beats: lower x (a cost, a size) and higher y (or
    lower, with maximize_y False), in increasing x. Ties keep the first point."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float) if maximize_y else -np.asarray(y, dtype=float)
    order = np.lexsort((-y, x))  # by x, then best y first
    front: list[int] = []
    best = -np.inf
    for i in order:
        if np.isnan(x[i]) or np.isnan(y[i]):
            continue
        if y[i] > best:
            front.append(int(i))
            best = y[i]
    return np.array(front, dtype=int)


def _label(path: str) -> str:
    return path.split(".")[-1] if "." in path else path


def point_means(sweep: Sweep, metric: str) -> pd.DataFrame:
    """The metric's mean over replicates for each parameter point (one row per point)."""
    runs = sweep.ok()
    return runs.groupby(sweep.parameters, sort=False, dropna=False)[metric].mean().reset_index()


def plot_metric(sweep: Sweep, parameter: str, metric: str, label: str, better: str) -> plt.Figure:
    """The metric against one numeric parameter: every run as a point, a line per category
    (non-numeric parameters) through the means, and, when this is the only numeric parameter
    swept, the Pareto front of the point means (replicates averaged, so no lucky seed)."""
    runs = sweep.ok()
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    scale = 100.0 if metric == "cfe_score" else 1.0
    categories = sweep.categorical_parameters()
    if categories:
        group = runs[categories].astype(str).agg(" / ".join, axis=1)
        for name, rows in runs.groupby(group, sort=False):
            means = rows.groupby(parameter)[metric].mean() * scale
            line, = ax.plot(means.index, means.values, "-", lw=1.4, label=name)
            ax.scatter(rows[parameter], rows[metric] * scale, s=16, color=line.get_color(), alpha=0.6)
    else:
        ax.scatter(runs[parameter], runs[metric] * scale, s=18, color="#457b9d", alpha=0.7, label="runs")
    if len(sweep.numeric_parameters()) == 1:
        means = point_means(sweep, metric)
        x = means[parameter].to_numpy(dtype=float)
        y = means[metric].to_numpy(dtype=float) * scale
        front = pareto_front(x, y, maximize_y=(better == "max"))
        if len(front) > 1:
            ax.step(x[front], y[front], where="post", color="black", lw=1.0, ls="--",
                    label="Pareto front (point means)")
        ax.scatter(x[front], y[front], s=40, facecolors="none", edgecolors="black", lw=1.0)
    ax.set_xlabel(f"{parameter}")
    ax.set_ylabel(label)
    ax.set_title(f"{label.split(' (')[0]} against {_label(parameter)} ({len(runs)} runs)", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_categories(sweep: Sweep, metric: str, label: str) -> plt.Figure:
    """The metric per category (policy) when no numeric parameter is swept: the mean over
    replicates as a bar, every run as a point."""
    runs = sweep.ok()
    scale = 100.0 if metric == "cfe_score" else 1.0
    categories = sweep.categorical_parameters()
    group = runs[categories].astype(str).agg(" / ".join, axis=1)
    means = runs.groupby(group, sort=False)[metric].mean() * scale
    fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    ax.bar(range(len(means)), means.values, color="#a8dadc", label="mean over replicates")
    positions = {name: i for i, name in enumerate(means.index)}
    ax.scatter([positions[g] for g in group], runs[metric] * scale, s=16, color="#1d3557", zorder=3, label="runs")
    ax.set_xticks(range(len(means)), means.index, rotation=20 if len(means) > 4 else 0)
    ax.set_ylabel(label)
    ax.set_title(f"{label.split(' (')[0]} per {' / '.join(_label(c) for c in categories)}", loc="left",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


YEAR_COLUMN = re.compile(r"^facility_energy_mwh_(\d{4})$")


def yearly_energy(sweep: Sweep) -> pd.DataFrame:
    """Facility energy per calendar year (columns) for each run (rows), MWh; empty for sweeps of
    runs within one year."""
    columns = {int(m.group(1)): c for c in sweep.runs.columns if (m := YEAR_COLUMN.match(c))}
    if not columns:
        return pd.DataFrame()
    frame = sweep.ok()[[columns[y] for y in sorted(columns)]]
    frame.columns = sorted(columns)
    return frame


def plot_years(sweep: Sweep) -> plt.Figure:
    energy = yearly_energy(sweep)
    runs = sweep.ok()
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    for run, row in energy.iterrows():
        label = ", ".join(f"{_label(p)}={runs.loc[run, p]}" for p in sweep.parameters)
        ax.plot([str(y) for y in energy.columns], row.values / 1e3, "o-", ms=3, lw=1.2, label=label)
    ax.set_xlabel("year")
    ax.set_ylabel("facility energy (GWh)")
    ax.set_title("Annual energy of each run", loc="left", fontsize=10)
    ax.legend(fontsize=7, frameon=False, ncol=1 if len(energy) <= 10 else 2)
    return fig


def write_sweep_report(path: str | Path, out_dir: str | Path) -> list[Path]:
    """Writes the figures of a sweep and an index.html into out_dir; returns the files written."""
    sweep = open_sweep(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str]] = []
    runs = sweep.ok()
    numeric = sweep.numeric_parameters()
    for parameter in numeric:
        if runs[parameter].nunique() < 2:
            continue
        for metric, label, better in METRICS:
            if metric not in runs or runs[metric].isna().all():
                continue
            name = f"{metric}_vs_{re.sub(r'[^A-Za-z0-9]+', '_', parameter)}.png"
            _save(plot_metric(sweep, parameter, metric, label, better), out / name)
            made.append((name, f"{metric} against {parameter}"))
    if not numeric and sweep.categorical_parameters():
        for metric, label, _ in METRICS:
            if metric in runs and not runs[metric].isna().all():
                name = f"{metric}_by_category.png"
                _save(plot_categories(sweep, metric, label), out / name)
                made.append((name, f"{metric} per {', '.join(sweep.categorical_parameters())}"))
    if not yearly_energy(sweep).empty:
        _save(plot_years(sweep), out / "energy_per_year.png")
        made.append(("energy_per_year.png", "annual energy per run"))
    shown = sweep.parameters + ["status"] + [m for m, _, _ in METRICS if m in sweep.runs] + [
        c for c in ("facility_energy_mwh", "mean_delay_h", "jobs_deadline_missed") if c in sweep.runs]
    table = sweep.runs[["name"] + shown].to_html(float_format=_number, na_rep="—", border=0)
    failed = sweep.runs[sweep.runs["status"] != "ok"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>fleetsim sweep: {html.escape(sweep.path.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>fleetsim sweep: {html.escape(str(sweep.attrs.get('sweep_name', sweep.path.name)))}</h1>",
        f"<p class='meta'>{len(sweep.runs)} runs ({len(runs)} ok, {len(failed)} failed or missing); parameters: "
        + ", ".join(html.escape(p) for p in sweep.parameters) + f" · folder {html.escape(str(sweep.path.resolve()))}</p>",
    ]
    for name, title in made:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{name}' alt='{html.escape(title)}'>")
    if not made:
        parts.append("<p>Nothing to plot: no run succeeded, or every parameter has one value. See the table.</p>")
    elif len(numeric) == 1:
        parts.append("<p class='caption'>Pareto front (dashed): the parameter points (replicates averaged) that no "
                     "other point beats with a smaller parameter value and a better figure. Lines: one per value of "
                     "the non-numeric parameters (e.g. the policy), through the mean over the replicates.</p>")
    elif numeric:
        parts.append("<p class='caption'>Lines: one per value of the non-numeric parameters, through the mean over "
                     "the other parameters and replicates. With several numeric parameters no Pareto front is drawn "
                     "against one of them: it would ignore the others.</p>")
    parts.append("<h2>Runs</h2>" + table + "</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return [out / name for name, _ in made] + [out / "index.html"]
