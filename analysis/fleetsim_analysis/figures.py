"""The figures of a run report: each one is a data function (tested against the file) and a
plot function that draws that data with matplotlib. Hours are UTC."""
from __future__ import annotations

import os

import matplotlib

# Files only (no display needed), unless a backend was chosen: a Jupyter kernel sets MPLBACKEND
# to its inline backend, which must stay for the figures to show in a notebook.
if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from fleetsim_analysis.io import Run, series_frame  # noqa: E402
from fleetsim_analysis.tables import percent  # noqa: E402

# Colours used for the same quantity in every figure.
COLORS = {
    "contracted": "#2a9d8f",  # contracted carbon-free energy used
    "battery": "#8ab17d",
    "grid_cfe": "#e9c46a",    # the grid's own carbon-free share of the draw
    "grid_fossil": "#e76f51",
    "excess": "#264653",
    "load": "#111111",
    "location": "#6d597a",
    "market_hourly": "#b56576",
    "market_annual": "#eaac8b",
    "embodied_it": "#457b9d",      # embodied carbon of the GPUs and servers
    "embodied_supply": "#a8dadc",  # embodied carbon of contracts and batteries
    "water_onsite": "#219ebc",     # cooling water at the sites
    "water_offsite": "#8ecae6",    # water consumed generating the electricity
}

# The kinds of the whole carbon footprint (columns of footprint_data), drawn in this order from
# the bottom of each bar, with their /summary/region and /summary/year names.
FOOTPRINT_KINDS = [
    ("operational_location_t", "emissions_location_t", "operational, location-based", "location"),
    ("embodied_it_t", "embodied_it_t", "embodied IT (GPUs, servers)", "embodied_it"),
    ("embodied_supply_t", "embodied_supply_t", "embodied supply (contracts, batteries)", "embodied_supply"),
]
WATER_KINDS = [
    ("onsite_m3", "water_onsite_l", "on-site (cooling)", "water_onsite"),
    ("offsite_m3", "water_offsite_l", "off-site (generating the electricity)", "water_offsite"),
]


OUTCOME_COLORS = ["#1d3557", "#d62828", "#7b2cbf", "#f4a261", "#adb5bd"]
MAX_PANELS = 8  # regions drawn in the per-region panels; the largest by load when there are more


def _line_colors(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def thousands(ax_axis) -> None:
    """Tick labels with thousands separators (12,000), and at most 3 significant digits below 100."""
    def fmt(v: float, _pos: object = None) -> str:
        if v == int(v) or abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:,.3g}"
    ax_axis.set_major_formatter(mticker.FuncFormatter(fmt))


def narrow_categories(ax, n: int, least: int = 4) -> None:
    """Bars as narrow for 1-3 categories as for `least`: a lone region is not a wall of colour."""
    if n < least:
        pad = (least - n) / 2
        ax.set_xlim(-0.5 - pad, n - 0.5 + pad)


def run_period(run: Run) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    """The run's first hour, its last hour (UTC) and its length in hours."""
    hours = pd.DatetimeIndex(run.region["hour"].values)
    return hours[0], hours[-1], len(hours)


def period_label(run: Run) -> str:
    """The period a run's totals cover: '2024-01-01 to 2024-01-30, 30 days';
    '2023-01-01 to 2030-12-31, 8 years'."""
    first, last, hours = run_period(run)
    if hours < 48:
        length = f"{hours:,} h"
    elif hours < 8760:
        length = f"{hours / 24:,.3g} days"
    else:
        years = round(hours / 8766, 1)
        length = f"{years:g} year" + ("" if years == 1 else "s")
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}, {length}"


def _largest_regions(run: Run) -> tuple[list[str], str]:
    """The regions to draw in per-region panels: those with load (an empty panel says nothing),
    at most MAX_PANELS, the largest by load; and a note naming what is left out."""
    regions = list(run.region["region"].values)
    load = run.summary_region["facility_energy_mwh"].reindex(regions).fillna(0.0)
    loaded = [r for r in regions if load[r] > 0] or regions[:1]
    notes = []
    empty = [r for r in regions if r not in loaded]
    if len(loaded) > MAX_PANELS:
        kept = set(load[loaded].nlargest(MAX_PANELS).index)
        loaded = [r for r in loaded if r in kept]
        notes.append(f"{MAX_PANELS} largest of {len(regions)} regions by load")
    if empty:
        notes.append(f"without load, not drawn: {', '.join(empty)}" if len(empty) <= 4
                     else f"{len(empty)} regions without load not drawn")
    return loaded, f" ({'; '.join(notes)})" if notes else ""


def _matching_label(run: Run) -> str:
    """'annual matching' for a run of one calendar year; else the matching is over the run."""
    hours = int(run.attrs.get("hours", 0) or 0)
    one_year = len(run.summary_year) == 1 and hours in (8760, 8784)
    return "annual matching" if one_year else "matching over the run"


def _with_end(index: pd.DatetimeIndex, freq: str = "h") -> pd.DatetimeIndex:
    """The index plus the end of its last period, so step plots show the last hour (or day)."""
    return index.append(pd.DatetimeIndex([index[-1] + pd.Timedelta(1, unit=freq)]))


def _extend(values: pd.Series) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.append(v, v[-1:]) if len(v) else v


def _percent(value: float) -> str:
    return percent(value) if np.isfinite(value) else "— (no load)"


def hourly_cfe(run: Run) -> pd.DataFrame:
    """Hourly CFE share of the load per region: cfe_mwh / load_mwh (NaN where there is no load)."""
    cfe = series_frame(run.region, "cfe_mwh")
    load = series_frame(run.region, "load_mwh")
    return (cfe / load.where(load > 0)).astype(float)


def cfe_heatmap_data(run: Run, region: str) -> pd.DataFrame:
    """The 24/7 CFE heatmap of a region: rows are days (UTC dates), columns hours of day 0-23,
    values the hourly CFE share; hours outside the run are NaN."""
    series = hourly_cfe(run)[region]
    index = pd.DatetimeIndex(series.index)
    frame = pd.DataFrame({"day": index.normalize(), "hour": index.hour, "cfe": series.to_numpy()})
    return frame.pivot(index="day", columns="hour", values="cfe").reindex(columns=range(24))


def plot_cfe_heatmaps(run: Run) -> plt.Figure:
    regions, note = _largest_regions(run)
    matching = _matching_label(run)
    fig, axes = plt.subplots(len(regions), 1, figsize=(11, 2.3 * len(regions) + 0.8), squeeze=False,
                             constrained_layout=True)
    image = None
    for ax, region in zip(axes[:, 0], regions):
        data = cfe_heatmap_data(run, region)
        days = mdates.date2num(data.index.to_pydatetime())
        # one flat cell per hour (no smoothing between hours): x edges at midnight, y edges on the hour
        x_edges = np.append(days, days[-1] + 1)
        image = ax.pcolormesh(x_edges, np.arange(25), 100 * data.to_numpy().T, cmap="RdYlGn", vmin=0, vmax=100,
                              shading="flat", antialiased=False, rasterized=True)
        ax.set_ylim(0, 24)
        ax.xaxis_date()
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.set_yticks([0, 6, 12, 18, 24])
        ax.set_ylabel("hour of day (UTC)")
        s = run.summary_region.loc[region]
        ax.set_title(f"{region}: 24/7 CFE score {_percent(s['cfe_score'])}, "
                     f"{matching} {_percent(s['annual_matching'])}", loc="left", fontsize=10)
    axes[-1, 0].set_xlabel("day (UTC)")
    fig.colorbar(image, ax=axes[:, 0], label="hourly CFE share of the load (%)", shrink=0.9)
    fig.suptitle("Carbon-free energy hour by hour" + note, fontsize=12)
    return fig


def default_week(run: Run) -> pd.Timestamp:
    """The start (a day at 00:00) of the 7 days with the lowest fleet CFE share: where the
    hourly gaps show."""
    cfe = series_frame(run.region, "cfe_mwh").sum(axis=1)
    load = series_frame(run.region, "load_mwh").sum(axis=1)
    if len(load) <= 24 * 7:
        return pd.Timestamp(load.index[0]).normalize()
    daily = pd.DataFrame({"cfe": cfe, "load": load}).resample("D").sum()
    weekly = daily.rolling(7).sum().dropna()
    share = weekly["cfe"] / weekly["load"].where(weekly["load"] > 0)
    if share.isna().all():
        return pd.Timestamp(load.index[0]).normalize()
    return pd.Timestamp(share.idxmin()) - pd.Timedelta(days=6)


def week_supply_data(run: Run, region: str, start: pd.Timestamp) -> pd.DataFrame:
    """How a region's load was supplied hour by hour for 7 days from `start`, in MW (MWh per
    hour): contracted CFE used, battery discharge, grid draw split into the grid's carbon-free
    and fossil parts, and the excess contracted energy; they satisfy
    contracted + battery + grid_cfe + grid_fossil = load."""
    r = run.region.sel(region=region)
    end = start + pd.Timedelta(days=7)
    r = r.sel(hour=slice(start, end - pd.Timedelta(hours=1)))
    load = r["load_mwh"].to_series()
    grid = r["grid_draw_mwh"].to_series()
    battery = r["battery_discharge_mwh"].to_series()
    share = r["grid_cfe_share"].to_series()
    return pd.DataFrame({
        "load": load,
        "contracted": (load - grid - battery).clip(lower=0.0),
        "battery": battery,
        "grid_cfe": grid * share,
        "grid_fossil": grid * (1 - share),
        "excess": r["excess_mwh"].to_series(),
        "charge": r["battery_charge_mwh"].to_series(),
        "contracted_generation": r["contracted_cfe_mwh"].to_series(),
    })


def plot_week(run: Run, start: pd.Timestamp) -> plt.Figure:
    regions, note = _largest_regions(run)
    fig, axes = plt.subplots(len(regions), 1, figsize=(11, 2.6 * len(regions) + 0.8), squeeze=False, sharex=True,
                             constrained_layout=True)
    handles: dict[str, object] = {}
    for ax, region in zip(axes[:, 0], regions):
        d = week_supply_data(run, region, start)
        if d.empty:
            continue
        x = _with_end(pd.DatetimeIndex(d.index))
        e = {c: _extend(d[c]) for c in d.columns}
        ax.stackplot(x, e["contracted"], e["battery"], e["grid_cfe"], e["grid_fossil"],
                     colors=[COLORS["contracted"], COLORS["battery"], COLORS["grid_cfe"], COLORS["grid_fossil"]],
                     labels=["contracted CFE used", "battery discharge", "grid draw: carbon-free share",
                             "grid draw: fossil"], step="post", alpha=0.9)
        ax.fill_between(x, e["load"], e["load"] + e["excess"], step="post", color=COLORS["excess"], alpha=0.25,
                        label="excess contracted (exported or curtailed)")
        if (d["charge"] > 0).any():
            ax.fill_between(x, e["load"] + e["excess"], e["load"] + e["excess"] + e["charge"], step="post",
                            color=COLORS["battery"], alpha=0.35, hatch="//", label="charging the battery")
        ax.step(x, e["load"], where="post", color=COLORS["load"], lw=1.2, label="load")
        ax.set_ylabel("MW")
        # the supply of the load is the point: excess far above it is clipped, and said so
        peak = float(d["load"].max())
        top = float((d["load"] + d["excess"] + d["charge"]).max())
        title = region
        if peak > 0 and top > 1.6 * peak:
            ax.set_ylim(0, 1.6 * peak)
            title += f" (excess and charging clipped at 160% of peak load; up to {top:,.1f} MW)"
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(title, loc="left", fontsize=10)
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    order = ["contracted CFE used", "battery discharge", "grid draw: carbon-free share", "grid draw: fossil",
             "excess contracted (exported or curtailed)", "charging the battery", "load"]
    labels = [label for label in order if label in handles]
    axes[0, 0].legend([handles[label] for label in labels], labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      fontsize=8, frameon=False)
    axes[-1, 0].xaxis.set_major_locator(mdates.DayLocator())
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    axes[-1, 0].set_xlabel("hour (UTC)")
    fig.suptitle(f"Load and supply, week of {start:%Y-%m-%d}" + note, fontsize=12)
    return fig


def emissions_data(run: Run) -> pd.DataFrame:
    """Per region: location-based, hourly market-based and annual market-based emissions
    (tCO2), with the annual-matching claim and the hourly CFE score (fractions)."""
    s = run.summary_region
    return pd.DataFrame({
        "location_t": s["emissions_location_t"],
        "market_hourly_t": s["emissions_market_hourly_t"],
        "market_annual_t": s["emissions_market_annual_t"],
        "annual_matching": s["annual_matching"],
        "cfe_score": s["cfe_score"],
    })


def plot_emissions(run: Run) -> plt.Figure:
    d = emissions_data(run)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]},
                                  constrained_layout=True)
    x = np.arange(len(d))
    w = 0.27
    bars = [("location_t", "location-based", COLORS["location"]),
            ("market_hourly_t", "market-based, hourly (24/7)", COLORS["market_hourly"]),
            ("market_annual_t", "market-based, annual certificates", COLORS["market_annual"])]
    for k, (column, label, color) in enumerate(bars):
        ax.bar(x + (k - 1) * w, d[column], w, label=label, color=color)
    ax.set_xticks(x, d.index)
    ax.set_ylabel(f"emissions, total over the run (tCO$_2$)\n{period_label(run)}")
    thousands(ax.yaxis)
    narrow_categories(ax, len(d))
    ax.set_ylim(0, max(1e-9, float(np.nanmax(d[[c for c, _, _ in bars]].to_numpy(), initial=0.0))) * 1.25)
    ax.set_title("Emissions by region and accounting method", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2 if len(d) > 3 else 1)
    ax2.bar(x - 0.2, 100 * d["annual_matching"], 0.4, label=f"{_matching_label(run)} (the claim)", color="#a8dadc")
    ax2.bar(x + 0.2, 100 * d["cfe_score"], 0.4, label="hourly 24/7 CFE score", color=COLORS["contracted"])
    many = len(d) > 8
    angle = 90 if len(d) > 12 else 45
    for i, (m, c) in enumerate(zip(d["annual_matching"], d["cfe_score"])):
        if not (np.isfinite(m) or np.isfinite(c)):  # a region without load has no score: say so
            ax2.text(i, 1, "no load", ha="center", fontsize=8)
        elif not many:
            for dx, v in ((-0.2, m), (0.2, c)):
                ax2.text(i + dx, 100 * v + 1, f"{100 * v:.0f}%", ha="center", fontsize=8)
    tilt = many or len(d) > 4  # the right panel is narrower
    ax2.set_xticks(x, d.index, rotation=angle if tilt else 0, ha="right" if tilt else "center")
    if many:
        ax.set_xticks(x, d.index, rotation=angle, ha="right")
    ax2.set_ylim(0, 115)
    narrow_categories(ax2, len(d))
    ax2.set_ylabel("share of the load (%)")
    ax2.set_title(f"{_matching_label(run).capitalize()} vs hour-by-hour CFE", loc="left", fontsize=10)
    ax2.legend(fontsize=8, frameon=False, loc="upper right")
    return fig


def utilisation_data(run: Run, by: str = "site", freq: str = "D") -> pd.DataFrame:
    """GPU utilisation per site (or per region) averaged over `freq` periods: busy GPU-hours
    (training and inference) / installed GPU-hours."""
    busy = series_frame(run.site, "gpus_busy_training") + series_frame(run.site, "gpus_busy_inference")
    total = series_frame(run.site, "gpus_total").astype(float)
    if by == "region":
        regions = pd.Series(run.site["site_region"].values, index=run.site["site"].values)
        busy = busy.T.groupby(regions).sum().T
        total = total.T.groupby(regions).sum().T
    busy = busy.resample(freq).sum()
    total = total.resample(freq).sum()
    return busy / total.where(total > 0)


def plot_utilisation(run: Run) -> plt.Figure:
    by = "site" if run.site.sizes["site"] <= 12 else "region"
    daily = run.site.sizes["hour"] <= 24 * 800
    d = utilisation_data(run, by, "D" if daily else "W")
    fig, ax = plt.subplots(figsize=(11, 3.8), constrained_layout=True)
    for column, color in zip(d.columns, _line_colors(len(d.columns))):
        ax.plot(d.index, 100 * d[column], lw=1.1, label=column, color=color)
    ax.set_ylabel("GPU utilisation (%)")
    ax.set_xlabel("day (UTC)" if daily else "week (UTC)")
    top = float(np.nanmax(d.to_numpy())) if d.size and np.isfinite(d.to_numpy()).any() else 1.0
    ax.set_ylim(0, max(100.0, 100 * top * 1.02))  # above 100% only while GPUs are retired mid-hour
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_title(f"GPU utilisation per {by}: busy GPU-hours (training and inference) / installed GPU-hours, "
                 f"{'daily' if daily else 'weekly'} means", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), ncol=1 if len(d.columns) <= 14
              else 2)
    return fig


OUTCOMES = ["completed", "deadline_missed", "rejected", "running_at_end", "waiting_at_end"]


def delay_data(run: Run) -> pd.Series:
    """Completion delay of finished jobs, hours: end - submit - run time at full speed."""
    delays = run.jobs["delay_s"]
    return delays[delays >= 0] / 3600.0


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 x 10^k at least `raw`."""
    exponent = np.floor(np.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10 ** exponent >= raw:
            return float(m * 10 ** exponent)
    return float(10 ** (exponent + 1))


def delay_bins(positive: pd.Series) -> tuple[np.ndarray, bool]:
    """Histogram bins for positive delays (hours) and whether the axis is logarithmic. A log axis
    only for many jobs (at least 30) spread over at least two decades; otherwise a linear axis
    from zero with bins of a round width (1, 2 or 5 x 10^k h), so that a handful of delayed
    jobs shows as what it is."""
    low, high = float(positive.min()), float(positive.max())
    if len(positive) >= 30 and high >= 100 * low:
        low = max(low, 1 / 60)
        return np.logspace(np.log10(low), np.log10(max(high, 2 * low)), 40), True
    step = _nice_step(max(high, 1 / 60) / 15)
    edges = np.arange(0.0, high + 1.5 * step, step)  # the last bin holds the largest delay inside it
    return edges, False


def plot_jobs(run: Run) -> plt.Figure:
    """Completion delay of finished jobs (when any finished) beside the five outcomes."""
    delays = delay_data(run)
    if len(delays):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]},
                                      constrained_layout=True)
        zero = float((delays <= 0).mean())
        positive = delays[delays > 0]
        if len(positive):
            bins, log = delay_bins(positive)
            ax.hist(positive.clip(lower=bins[0]), bins=bins, color="#457b9d")
            if log:
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,g}"))
                ax.xaxis.set_minor_formatter(mticker.NullFormatter())
            else:
                ax.set_xlim(0, bins[-1])
            if len(positive) <= 5:  # a handful: their values, exactly
                ax.text(0.02, 0.95, "delays of the delayed jobs: " + ", ".join(f"{v:,.2f} h" for v in
                                                                                sorted(positive)),
                        transform=ax.transAxes, va="top", fontsize=9)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.15)
            ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
            thousands(ax.yaxis)
        else:
            ax.text(0.5, 0.5, "no finished job was delayed", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(f"Completion delay of {len(delays):,} finished jobs ({100 * zero:.1f}% without delay; "
                     f"mean {delays.mean():,.2f} h, p95 {delays.quantile(0.95):,.2f} h)", loc="left", fontsize=10)
        ax.set_xlabel("delay: end − submit − run time at full speed (h"
                      + (", log scale)" if len(positive) and log else ")"))
        ax.set_ylabel("finished jobs with a delay")
    else:  # no finished job: no delay panel
        fig, ax2 = plt.subplots(figsize=(7, 3.8), constrained_layout=True)
    counts = run.jobs["status"].value_counts().reindex(OUTCOMES, fill_value=0)
    ax2.barh(range(len(counts)), counts.values, color=OUTCOME_COLORS)
    ax2.set_yticks(range(len(counts)), [o.replace("_", " ") for o in counts.index])
    ax2.invert_yaxis()
    for i, v in enumerate(counts.values):
        ax2.text(v, i, f" {v:,}", va="center", fontsize=8)
    ax2.set_xlabel("jobs")
    thousands(ax2.xaxis)
    ax2.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax2.set_title(f"Outcomes of {int(counts.sum()):,} submitted jobs", loc="left", fontsize=10)
    ax2.set_xlim(0, max(1, counts.max()) * 1.25)
    return fig


def inference_data(run: Run, freq: str = "D") -> pd.DataFrame:
    """Inference queries served per site and dropped (all demand regions), summed over `freq`."""
    served = series_frame(run.site, "inference_queries").resample(freq).sum()
    if run.demand is not None:
        served["dropped"] = series_frame(run.demand, "dropped").sum(axis=1).resample(freq).sum()
    return served


def plot_inference(run: Run) -> plt.Figure:
    d = inference_data(run)
    all_sites = [c for c in d.columns if c != "dropped"]
    color_of = dict(zip(all_sites, _line_colors(len(all_sites))))  # the same colour per site in every figure
    sites = [c for c in all_sites if d[c].sum() > 0]
    fig, ax = plt.subplots(figsize=(11, 3.8), constrained_layout=True)
    x = _with_end(pd.DatetimeIndex(d.index), "D")
    ax.stackplot(x, *[_extend(d[s] / 1e6) for s in sites], labels=sites, colors=[color_of[s] for s in sites],
                 step="post", alpha=0.85)
    if "dropped" in d and d["dropped"].sum() > 0:
        ax.step(x, _extend(d["dropped"] / 1e6), where="post", color="#d62828", lw=1.2,
                label="dropped (no site in SLO)")
    ax.set_ylabel("queries per day (millions)")
    ax.set_xlabel("day (UTC)")
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_title("Inference queries served per site", loc="left", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_years(run: Run) -> plt.Figure:
    y = run.summary_year
    fig, ax = plt.subplots(figsize=(11, 3.8), constrained_layout=True)
    ax.bar(y.index.astype(str), y["facility_energy_mwh"] / 1e3, color="#457b9d", label="facility energy")
    ax.set_ylabel("facility energy (GWh)")
    ax.set_xlabel("year")
    ax2 = ax.twinx()
    ax2.plot(y.index.astype(str), 100 * y["cfe_score"], "o-", color=COLORS["contracted"], label="24/7 CFE score")
    ax2.plot(y.index.astype(str), 100 * y["annual_matching"], "s--", color="#a8dadc", label="annual matching")
    ax2.set_ylabel("share of the load (%)")
    ax2.set_ylim(0, 105)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, frameon=False, loc="upper left",
              bbox_to_anchor=(1.07, 1.0))
    ax.set_title("Energy and carbon-free share per calendar year", loc="left", fontsize=10)
    return fig


def plot_baseline(run: Run, policy: str, baseline_policy: str, regions: pd.DataFrame) -> plt.Figure:
    """The difference the run's policy makes against its baseline, per region (policy −
    baseline; `regions` from baseline.region_comparison): location-based and hourly market-based
    emissions (tCO2), and the 24/7 CFE score (percentage points)."""
    names = list(dict.fromkeys(regions.index.get_level_values("region")))
    diff = regions["difference"].unstack("name").reindex(names)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.0), gridspec_kw={"width_ratios": [3, 2]},
                                  constrained_layout=True)
    x = np.arange(len(names))
    w = 0.38
    for k, (column, text, color) in enumerate([
            ("emissions_location_t", "location-based", COLORS["location"]),
            ("emissions_market_hourly_t", "market-based, hourly (24/7)", COLORS["market_hourly"])]):
        if column not in diff:
            continue
        values = diff[column].to_numpy(dtype=float)
        bars = ax.bar(x + (k - 0.5) * w, values, w, label=text, color=color)
        if len(names) <= 8:
            ax.bar_label(bars, labels=[f"{v:+,.0f}" if abs(v) >= 10 else f"{v:+,.2g}" for v in values], fontsize=8,
                         padding=2)
    ax.axhline(0, color="#333", lw=0.8)
    ax.set_xticks(x, names, rotation=45 if len(names) > 8 else 0, ha="right" if len(names) > 8 else "center")
    ax.set_ylabel(f"difference, total over the run (tCO$_2$)\n{period_label(run)}")
    thousands(ax.yaxis)
    narrow_categories(ax, len(names))
    ax.margins(y=0.2)
    ax.set_title(f"Emissions, {policy} − {baseline_policy} (below 0: {policy} emits less)", loc="left",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="best")
    if "cfe_score" in diff:
        points = 100 * diff["cfe_score"].to_numpy(dtype=float)
        bars = ax2.bar(x, np.nan_to_num(points), 0.5, color=COLORS["contracted"])
        if len(names) <= 8:
            ax2.bar_label(bars, labels=[f"{v:+.2f}" if np.isfinite(v) else "no load" for v in points], fontsize=8,
                          padding=2)
        ax2.axhline(0, color="#333", lw=0.8)
        ax2.set_xticks(x, names, rotation=45 if len(names) > 8 else 0, ha="right" if len(names) > 8 else "center")
        ax2.set_ylabel("difference in 24/7 CFE score (percentage points)")
        narrow_categories(ax2, len(names), 3)
        ax2.margins(y=0.2)
        ax2.set_title(f"24/7 CFE score, {policy} − {baseline_policy}", loc="left", fontsize=10)
    return fig


def has_footprint(run: Run) -> bool:
    """True for a run file with the whole footprint (embodied carbon, water, cost); files
    written before it existed have none of it."""
    return "embodied_it_t" in run.summary


def _by(run: Run, by: str) -> pd.DataFrame:
    if by == "region":
        return run.summary_region
    if by == "year":
        return run.summary_year
    raise ValueError(f"by: 'region' or 'year', not {by!r}")


def footprint_data(run: Run, by: str = "region") -> pd.DataFrame:
    """The whole carbon footprint per region (``by="region"``) or calendar year (``"year"``),
    totals over the run in tCO2e: operational location-based emissions, embodied IT and
    embodied supply (the /summary/region or /summary/year columns), and their sum ``total_t``.
    Empty for a file written before the footprint existed."""
    s = _by(run, by)
    if "embodied_it_t" not in s:
        return pd.DataFrame(columns=[k for k, *_ in FOOTPRINT_KINDS] + ["total_t"])
    d = pd.DataFrame({column: s[name].astype(float) for column, name, *_ in FOOTPRINT_KINDS})
    d["total_t"] = d.sum(axis=1)
    return d


def water_data(run: Run, by: str = "region") -> pd.DataFrame:
    """Water consumed per region (``by="region"``) or calendar year (``"year"``), totals over the
    run in m3 (the file's litres / 1,000): on-site (cooling) and off-site (generating the
    electricity), and their sum ``total_m3``. Empty for a file without the footprint."""
    s = _by(run, by)
    if "water_onsite_l" not in s:
        return pd.DataFrame(columns=[k for k, *_ in WATER_KINDS] + ["total_m3"])
    d = pd.DataFrame({column: s[name].astype(float) / 1000.0 for column, name, *_ in WATER_KINDS})
    d["total_m3"] = d.sum(axis=1)
    return d


def _stacked(ax, d: pd.DataFrame, kinds: list, scale: float = 1.0) -> None:
    """Stacked bars of `d`'s kind columns, one bar per row, each labelled with its total."""
    x = np.arange(len(d))
    bottom = np.zeros(len(d))
    for column, _name, text, color in kinds:
        values = np.nan_to_num(d[column].to_numpy(dtype=float)) / scale
        ax.bar(x, values, 0.6, bottom=bottom, label=text, color=COLORS[color])
        bottom += values
    if len(d) <= 12:
        for i, v in enumerate(bottom):
            ax.text(i, v, f"{v:,.0f}" if v >= 100 else f"{v:,.3g}", ha="center", va="bottom", fontsize=8)
    tilt = len(d) > 6
    ax.set_xticks(x, [str(i) for i in d.index], rotation=45 if tilt else 0, ha="right" if tilt else "center")
    thousands(ax.yaxis)
    narrow_categories(ax, len(d))
    ax.set_ylim(0, max(1e-9, float(bottom.max(initial=0.0))) * 1.18)


def _legend_right(ax) -> None:
    """The kinds' legend right of the (last) panel, top down as the bars stack bottom up."""
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _shares_text(d: pd.DataFrame, kinds: list, unit: str) -> str:
    """'fleet 12,345 tCO2e: operational 80.1%, embodied IT 15.2%, ...' for a figure's title."""
    totals = {text: float(np.nansum(d[column])) for column, _name, text, _c in kinds}
    whole = sum(totals.values())
    parts = [f"{text.split(' (')[0]} {100 * v / whole:.1f}%" for text, v in totals.items()] if whole > 0 else []
    return f"fleet {whole:,.0f} {unit}" + (": " + ", ".join(parts) if parts else "")


def plot_footprint(run: Run) -> plt.Figure:
    """The whole carbon footprint by kind (operational location-based, embodied IT, embodied
    supply), stacked per region and, for a run over several calendar years, per year."""
    regions = footprint_data(run, "region")
    years = footprint_data(run, "year")
    several = len(years) > 1
    fig, axes = plt.subplots(1, 2 if several else 1, figsize=(11, 4.2), squeeze=False, constrained_layout=True,
                             gridspec_kw={"width_ratios": [1, 1]} if several else None)
    ax = axes[0, 0]
    _stacked(ax, regions, FOOTPRINT_KINDS)
    ax.set_ylabel(f"tCO$_2$e, total over the run\n{period_label(run)}")
    ax.set_title("Carbon footprint per region", loc="left", fontsize=10)
    if several:
        ax2 = axes[0, 1]
        _stacked(ax2, years, FOOTPRINT_KINDS)
        ax2.set_ylabel("tCO$_2$e in the year")
        ax2.set_title("Carbon footprint per calendar year, regions pooled", loc="left", fontsize=10)
    _legend_right(axes[0, -1])
    fig.suptitle("Carbon footprint by kind — " + _shares_text(regions, FOOTPRINT_KINDS, "tCO₂e"), fontsize=11)
    return fig


def plot_water(run: Run) -> plt.Figure:
    """Water consumed by kind (on-site cooling, off-site generation of the electricity), stacked
    per region and, for a run over several calendar years, per year; m3."""
    regions = water_data(run, "region")
    years = water_data(run, "year")
    several = len(years) > 1
    fig, axes = plt.subplots(1, 2 if several else 1, figsize=(11, 4.2), squeeze=False, constrained_layout=True)
    ax = axes[0, 0]
    _stacked(ax, regions, WATER_KINDS)
    ax.set_ylabel(f"water consumed (m³), total over the run\n{period_label(run)}")
    ax.set_title("Water per region", loc="left", fontsize=10)
    if several:
        ax2 = axes[0, 1]
        _stacked(ax2, years, WATER_KINDS)
        ax2.set_ylabel("water consumed in the year (m³)")
        ax2.set_title("Water per calendar year, regions pooled", loc="left", fontsize=10)
    _legend_right(axes[0, -1])
    fig.suptitle("Water consumed by kind — " + _shares_text(regions, WATER_KINDS, "m³"), fontsize=11)
    return fig
