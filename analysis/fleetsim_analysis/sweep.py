"""A sweep's report: each figure of merit (24/7 CFE score, emissions) against each numeric
swept parameter, with a line per category (policy) where one is swept and, for a decision
parameter (what is bought: contracted capacity, battery size), the Pareto front; energy per
year for multi-year sweeps; and an index.html with the table of runs."""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import matplotlib

# Files only (no display needed), unless a backend was chosen: a Jupyter kernel sets MPLBACKEND
# to its inline backend, which must stay for the figures to show in a notebook.
if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from fleetsim_analysis.figures import thousands  # noqa: E402
from fleetsim_analysis.io import Sweep, open_sweep  # noqa: E402
from fleetsim_analysis.report import _save  # noqa: E402
from fleetsim_analysis.tables import CSS, html_table, unit_of  # noqa: E402

# (column, label, better, front): the figures of merit plotted against each parameter, and
# whether a Pareto front against a decision parameter means something for it. Buying
# carbon-free supply or storage changes the hourly CFE score and the hourly market-based
# emissions, but not the location-based emissions (load x grid intensity): no front there.
METRICS = [
    ("cfe_score", "24/7 CFE score (%)", "max", True),
    ("emissions_location_t", "location-based emissions (tCO$_2$)", "min", False),
    ("emissions_market_hourly_t", "hourly market-based emissions (tCO$_2$)", "min", True),
]

# Decision parameters: what an operator chooses to buy, where more costs more (a sweep key
# path; docs/scenario-reference.md). Only against these is a Pareto front (less bought, a
# better figure) meaningful; growth factors, dates, seeds or grid assumptions are scenario
# conditions, not costs.
DECISIONS = [
    re.compile(r"^regions\.\d+\.contracts\.\d+\.capacity_mw$"),   # contracted carbon-free capacity, MW
    re.compile(r"^regions\.\d+\.battery\.(energy_mwh|power_mw)$"),  # battery energy and power
]


YEAR_COLUMN = re.compile(r"^facility_energy_mwh_(\d{4})$")


def is_decision(parameter: str) -> bool:
    """True for a swept key path that is a purchase decision (DECISIONS)."""
    return any(p.match(parameter) for p in DECISIONS)


def sweep_period(sweep: Sweep) -> str:
    """The period the sweep's totals cover: '17,544 h (2023-2024) per run'."""
    runs = sweep.ok()
    hours = runs["hours"].dropna().unique() if "hours" in runs else []
    years = sorted(int(m.group(1)) for c in runs.columns
                   if (m := YEAR_COLUMN.match(c)) and runs[c].notna().any())
    span = "" if not years else f" ({years[0]}–{years[-1]})" if years[-1] > years[0] else f" ({years[0]})"
    if len(hours) == 1:
        return f"{int(hours[0]):,} h{span}"
    return f"each run's horizon{span}"


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


def _value_axis(ax, metric: str, label: str, values: np.ndarray, period: str) -> None:
    """The figure's axis from zero (a CFE score 0-100%), with thousands separators; emissions
    say they are totals over the run."""
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    if metric == "cfe_score":
        ax.set_ylim(0, max(100.0, top * 1.02))
    else:
        ax.set_ylim(0, max(top, 1e-9) * 1.1)
        label = label.replace(" (tCO$_2$)", f", total over the run (tCO$_2$)\n{period}")
    ax.set_ylabel(label)
    thousands(ax.yaxis)


def plot_metric(sweep: Sweep, parameter: str, metric: str, label: str, better: str,
                front: bool = False) -> tuple[plt.Figure, str]:
    """The metric against one numeric parameter: every run as a point, a line per category
    (non-numeric parameters) through the means and, with `front`, the Pareto front of the
    point means (replicates averaged, so no lucky seed) as circled points joined by a dashed
    line. Returns the figure and a caption that says what is drawn."""
    runs = sweep.ok()
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    scale = 100.0 if metric == "cfe_score" else 1.0
    categories = sweep.categorical_parameters()
    caption = ["Each point is one run."]
    if categories:
        group = runs[categories].astype(str).agg(" / ".join, axis=1)
        for name, rows in runs.groupby(group, sort=False):
            means = rows.groupby(parameter)[metric].mean() * scale
            line, = ax.plot(means.index, means.values, "-", lw=1.4, label=name)
            ax.scatter(rows[parameter], rows[metric] * scale, s=16, color=line.get_color(), alpha=0.6)
        caption.append(f"Lines: one per {' / '.join(_label(c) for c in categories)}, through the mean over the "
                       "other parameters and the replicates.")
    else:
        ax.scatter(runs[parameter], runs[metric] * scale, s=18, color="#457b9d", alpha=0.7, label="runs")
    if front:
        means = point_means(sweep, metric)
        x = means[parameter].to_numpy(dtype=float)
        y = means[metric].to_numpy(dtype=float) * scale
        points = pareto_front(x, y, maximize_y=(better == "max"))
        if len(points) > 1:
            ax.step(x[points], y[points], where="post", color="black", lw=1.0, ls="--", zorder=3)
        ax.scatter(x[points], y[points], s=60, facecolors="none", edgecolors="black", lw=1.2, zorder=4)
        ax.add_line(Line2D([], [], color="black", lw=1.0, ls="--" if len(points) > 1 else "none", marker="o",
                           ms=7, mfc="none", label="Pareto front (point means)"))
        direction = "higher" if better == "max" else "lower"
        caption.append(f"Pareto front (circled, joined by a dashed line): the {len(points)} of {len(x)} parameter "
                       f"points (replicates averaged) that no other point beats with less {_label(parameter)} "
                       f"bought and a {direction} {label.split(' (')[0]}.")
        if len(points) == 1:
            caption.append("Here one point beats every other, so the front is that single point.")
    unit = unit_of(parameter.split(".")[-1])
    ax.set_xlabel(f"{parameter} ({unit})" if unit else parameter)
    thousands(ax.xaxis)
    _value_axis(ax, metric, label, runs[metric].to_numpy(dtype=float) * scale, sweep_period(sweep))
    ax.set_title(f"{label.split(' (')[0]} against {_label(parameter)} ({len(runs)} runs)", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig, " ".join(caption)


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
    _value_axis(ax, metric, label, runs[metric].to_numpy(dtype=float) * scale, sweep_period(sweep))
    ax.set_title(f"{label.split(' (')[0]} per {' / '.join(_label(c) for c in categories)}", loc="left",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


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
    ax.set_ylabel("facility energy in the year (GWh)")
    ax.set_ylim(0, max(1e-9, float(np.nanmax(energy.to_numpy(), initial=0.0)) / 1e3) * 1.1)
    thousands(ax.yaxis)
    ax.set_title("Annual energy of each run", loc="left", fontsize=10)
    ax.legend(fontsize=7, frameon=False, ncol=1 if len(energy) <= 10 else 2)
    return fig


def write_sweep_report(path: str | Path, out_dir: str | Path) -> list[Path]:
    """Writes the figures of a sweep and an index.html into out_dir; returns the files written."""
    sweep = open_sweep(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str, str]] = []  # (file, title, caption)
    runs = sweep.ok()
    numeric = sweep.numeric_parameters()
    swept = [p for p in numeric if runs[p].nunique() >= 2]
    for parameter in swept:
        decision = is_decision(parameter)
        for metric, label, better, has_front in METRICS:
            if metric not in runs or runs[metric].isna().all():
                continue
            front = decision and has_front and len(swept) == 1
            fig, caption = plot_metric(sweep, parameter, metric, label, better, front)
            if not decision:
                caption += (f" No Pareto front: {parameter} is a condition of the scenario, not something bought "
                            "(fronts are drawn against contracted capacity and battery size only).")
            elif not has_front:
                caption += (" No Pareto front: buying carbon-free supply or storage does not change "
                            "location-based emissions (load x grid carbon intensity).")
            elif len(swept) > 1:
                caption += (" No Pareto front: several numeric parameters are swept, and a front against one "
                            "would ignore the others.")
            name = f"{metric}_vs_{re.sub(r'[^A-Za-z0-9]+', '_', parameter)}.png"
            _save(fig, out / name)
            made.append((name, f"{label.split(' (')[0]} against {parameter}", caption))
    if not numeric and sweep.categorical_parameters():
        for metric, label, _, _ in METRICS:
            if metric in runs and not runs[metric].isna().all():
                name = f"{metric}_by_category.png"
                _save(plot_categories(sweep, metric, label), out / name)
                made.append((name, f"{label.split(' (')[0]} per {', '.join(sweep.categorical_parameters())}",
                             "Bars: the mean over the replicates; points: every run."))
    if not yearly_energy(sweep).empty:
        _save(plot_years(sweep), out / "energy_per_year.png")
        made.append(("energy_per_year.png", "Annual energy per run", "Facility energy of each calendar year."))
    shown = sweep.parameters + ["status"] + [m for m, _, _, _ in METRICS if m in sweep.runs] + [
        c for c in ("facility_energy_mwh", "mean_delay_h", "jobs_deadline_missed") if c in sweep.runs]
    table = html_table(sweep.runs[["name"] + shown], index_label="run",
                       names={p: p for p in sweep.parameters} | {"name": "name", "status": "status"})
    failed = sweep.runs[sweep.runs["status"] != "ok"]
    period = sweep_period(sweep)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>fleetsim sweep: {html.escape(sweep.path.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>fleetsim sweep: {html.escape(str(sweep.attrs.get('sweep_name', sweep.path.name)))}</h1>",
        f"<p class='meta'>{len(sweep.runs)} runs ({len(runs)} ok, {len(failed)} failed or missing); parameters: "
        + ", ".join(html.escape(p) + (" (decision)" if is_decision(p) else "") for p in sweep.parameters)
        + f" · totals over {html.escape(period)} · folder {html.escape(str(sweep.path.resolve()))}</p>",
    ]
    for name, title, caption in made:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{name}' alt='{html.escape(title)}'>"
                     f"<p class='caption'>{html.escape(caption)}</p>")
    if not made:
        parts.append("<p>Nothing to plot: no run succeeded, or every parameter has one value. See the table.</p>")
    parts.append(f"<h2>Runs</h2><p class='caption'>Energy and emissions are totals over {html.escape(period)}; "
                 "shares in percent.</p>" + table + "</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return [out / name for name, _, _ in made] + [out / "index.html"]
