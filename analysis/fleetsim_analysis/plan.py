"""A plan's report (`fleetsim plan -o PLAN.h5`, docs/planning.md): the cost frontier and the
portfolio behind each target, per region; with `--study`, the wind x solar coverage map,
the battery for 100% and the effect of flexible load; and an index.html."""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

# Files only (no display needed), unless a backend was chosen: a Jupyter kernel sets MPLBACKEND
# to its inline backend, which must stay for the figures to show in a notebook.
if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from fleetsim_analysis.figures import thousands  # noqa: E402
from fleetsim_analysis.io import RunFileError, check_file  # noqa: E402
from fleetsim_analysis.report import _save  # noqa: E402
from fleetsim_analysis.tables import CSS, html_table  # noqa: E402

TECHNOLOGY_COLORS = {"solar_mw": "#f4a261", "wind_mw": "#457b9d", "firm_mw": "#6d597a", "battery_mwh": "#8ab17d"}


@dataclass
class PlanFile:
    path: Path
    plan: pd.DataFrame                # indexed by region: the chosen portfolio and its figures
    baseline: pd.DataFrame            # indexed by region: the grid's own share and cost
    frontier: pd.DataFrame            # one row per (region, target)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)     # --study: wind x solar points
    battery: pd.DataFrame = field(default_factory=pd.DataFrame)      # --study: battery for 100%
    flexibility: pd.DataFrame = field(default_factory=pd.DataFrame)  # --study: coverage by flexible share
    attrs: dict[str, object] = field(default_factory=dict)


def _table(f: h5py.File, group: str) -> pd.DataFrame:
    columns = {}
    for name, ds in f[group].items():
        if isinstance(ds, h5py.Dataset):
            columns[name] = ds.asstr()[...] if h5py.check_string_dtype(ds.dtype) else ds[...]
    return pd.DataFrame(columns)


def open_plan(path: str | Path) -> PlanFile:
    """Opens a complete plan file; RunFileError for a missing, damaged, incomplete or non-plan file."""
    path = Path(path)
    attrs = check_file(path, "plan")
    if attrs.get("file_type") != "plan":
        raise RunFileError(f"{path}: not a plan file (file_type is {attrs.get('file_type', 'absent')!r}; "
                           "write one with fleetsim plan -o)")
    try:
        with h5py.File(path, "r") as f:
            plan = _table(f, "plan").set_index("region")
            baseline = _table(f, "plan/baseline").set_index("region")
            frontier = _table(f, "frontier").drop(columns="row", errors="ignore")
            study = {k: _table(f, f"study/{k}") if f"study/{k}" in f else pd.DataFrame()
                     for k in ("coverage", "battery", "flexibility")}
    except (OSError, KeyError, ValueError) as e:
        raise RunFileError(f"{path}: cannot read the plan (damaged file?): {e}") from None
    return PlanFile(path, plan, baseline, frontier, study["coverage"], study["battery"], study["flexibility"], attrs)


def coverage_map(plan: PlanFile, region: str) -> pd.DataFrame:
    """The study's procured coverage as a wind (rows) x solar (columns) table, MW."""
    rows = plan.coverage[plan.coverage["region"] == region]
    return rows.pivot(index="wind_mw", columns="solar_mw", values="coverage")


def plot_frontier(plan: PlanFile) -> plt.Figure:
    regions = list(plan.plan.index)
    fig, axes = plt.subplots(2, len(regions), figsize=(4.2 * len(regions) + 1, 7.2), squeeze=False,
                             constrained_layout=True, gridspec_kw={"height_ratios": [3, 2]})
    target = float(plan.attrs.get("target_cfe", np.nan))
    for k, region in enumerate(regions):
        rows = plan.frontier[(plan.frontier["region"] == region) & (plan.frontier["reached"] == 1)]
        ax = axes[0, k]
        # at the CFE score each plan reaches (a cheap plan may overshoot a low target)
        ax.plot(100 * rows["cfe_score"], rows["cost_usd"] / 1e6, "o-", color="#1d3557",
                label="least-cost plans (at the score they reach)")
        base = plan.baseline.loc[region]
        ax.axhline(base["cost_usd"] / 1e6, color="#adb5bd", ls="--", lw=1,
                   label=f"grid alone ({100 * base['cfe_score']:.1f}% CFE)")
        chosen = plan.plan.loc[region]
        if chosen["reached"] == 1:
            ax.scatter([100 * chosen["cfe_score"]], [chosen["cost_usd"] / 1e6], s=80, facecolors="none",
                       edgecolors="#d62828", lw=1.5, zorder=3, label=f"the plan (target {100 * target:.0f}%)")
        unreached = plan.frontier[(plan.frontier["region"] == region) & (plan.frontier["reached"] != 1)]
        for t in unreached["target"]:
            ax.axvline(100 * t, color="#d62828", lw=0.8, ls=":")
        ax.set_title(region + (f" (not reached: {', '.join(f'{100 * t:.0f}%' for t in unreached['target'])})"
                               if len(unreached) else ""), loc="left", fontsize=10)
        ax.set_xlabel("hourly CFE score reached (%)")
        ax.set_ylabel("cost over the horizon (million USD)")
        ax.set_ylim(0, max(float(rows["cost_usd"].max()) if len(rows) else 0.0, float(base["cost_usd"])) / 1e6 * 1.1)
        thousands(ax.yaxis)
        ax.legend(fontsize=7, frameon=False)
        ax2 = axes[1, k]
        x = np.arange(len(rows))
        bottom = np.zeros(len(rows))
        for column, color in TECHNOLOGY_COLORS.items():
            values = rows[column].to_numpy(dtype=float)
            if column == "battery_mwh":
                values = values / 4.0  # drawn as MW of a 4-hour battery, to share the axis
            ax2.bar(x, values, bottom=bottom, color=color,
                    label=column.replace("_mwh", " (MWh / 4)").replace("_mw", "").replace("firm", "clean firm"))
            bottom += values
        ax2.set_xticks(x, [f"{100 * t:.3g}%" for t in rows["target"]], rotation=45)
        ax2.set_xlabel("target")
        ax2.set_ylabel("capacity bought (MW)")
        thousands(ax2.yaxis)
        ax2.set_ylim(0, max(1e-9, float(bottom.max(initial=0.0))) * 1.45)  # room for the legend
        ax2.legend(fontsize=7, frameon=False, ncol=2)
    fig.suptitle("Cost of hourly carbon-free energy, and what to buy", fontsize=12)
    return fig


def plot_study(plan: PlanFile, region: str) -> plt.Figure:
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True,
                                  gridspec_kw={"width_ratios": [3, 2]})
    grid = coverage_map(plan, region)
    image = ax.imshow(100 * grid.to_numpy(), origin="lower", aspect="auto", cmap="YlGn", vmin=0, vmax=100,
                      interpolation="nearest")  # one flat cell per portfolio evaluated
    ax.set_xticks(range(grid.shape[1]), [f"{v:.0f}" for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [f"{v:.0f}" for v in grid.index])
    levels = ax.contour(100 * grid.to_numpy(), levels=[25, 50, 60, 70, 75], colors="#1d3557", linewidths=0.7)
    ax.clabel(levels, fmt="%d%%", fontsize=7)
    ax.set_xlabel("solar bought (MW)")
    ax.set_ylabel("wind bought (MW)")
    ax.set_title(f"{region}: procured 24/7 coverage without a battery", loc="left", fontsize=10)
    fig.colorbar(image, ax=ax, label="coverage (%)")
    flex = plan.flexibility[plan.flexibility["region"] == region]
    ax2.plot(100 * flex["flexible_share"], 100 * flex["coverage"], "o-", color="#2a9d8f")
    ax2.set_xlabel("flexible share of each hour's load (%)")
    ax2.set_ylabel("procured 24/7 coverage (%), axis from 0")
    ax2.set_ylim(0, 100)  # from zero: the gain is read against the whole coverage, not magnified
    ax2.set_xlim(-2, 102)
    if len(flex):
        first, last = 100 * float(flex["coverage"].iloc[0]), 100 * float(flex["coverage"].iloc[-1])
        ax2.annotate(f"{first:.1f}% → {last:.1f}% ({last - first:+.1f} points)", xy=(0.03, 0.05),
                     xycoords="axes fraction", fontsize=9)
    ax2.set_title("Flexible load moved within each day", loc="left", fontsize=10)
    return fig


def write_plan_report(path: str | Path, out_dir: str | Path) -> list[Path]:
    """Writes the figures of a plan file and an index.html into out_dir; returns the files."""
    plan = open_plan(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str]] = []
    _save(plot_frontier(plan), out / "frontier.png")
    made.append(("frontier.png", "Cost frontier and portfolios"))
    if not plan.coverage.empty:
        for region in plan.plan.index:
            name = f"study_{region}.png"
            _save(plot_study(plan, region), out / name)
            made.append((name, f"Study: {region}"))
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>fleetsim plan: {html.escape(str(plan.attrs.get('scenario_name')))}</title><style>{CSS}</style>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'></head><body>",
        f"<h1>fleetsim plan: {html.escape(str(plan.attrs.get('scenario_name')))}</h1>",
        f"<p class='meta'>target {100 * float(plan.attrs.get('target_cfe', np.nan)):.1f}% hourly CFE · load: "
        f"{html.escape(str(plan.attrs.get('load_source')))} · file {html.escape(str(Path(path).resolve()))}</p>",
    ]
    for name, title in made:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{name}' alt='{html.escape(title)}'>")
    yes_no = {"reached": lambda f: f["reached"] == 1} if "reached" in plan.plan else {}
    parts.append("<h2>The plan</h2><p class='caption'>Shares in percent; cost and energy over the plan's horizon "
                 f"({html.escape(str(plan.attrs.get('hours', '')))} h from "
                 f"{html.escape(str(plan.attrs.get('start', '')))}).</p>"
                 + html_table(plan.plan.assign(**yes_no), index_label="region"))
    parts.append("<h2>Frontier</h2>" + html_table(plan.frontier.assign(
        **({"reached": lambda f: f["reached"] == 1} if "reached" in plan.frontier else {})), index=False,
        names={"region": "region"}))
    if not plan.battery.empty:
        parts.append("<h2>Battery for 100% coverage</h2>" + html_table(plan.battery, index=False,
                                                                         names={"region": "region"}))
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return [out / name for name, _ in made] + [out / "index.html"]
