"""A run's report: PNG figures and an index.html that shows them with the run's summary."""
from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from fleetsim_analysis import figures
from fleetsim_analysis.baseline import comparison, open_baseline, region_comparison
from fleetsim_analysis.io import Run, RunFileError, open_run
from fleetsim_analysis.tables import (CSS, cost_table, html_table, is_share, label, number, quantity_rows,
                                      summary_table, unit_costs, unit_of)

MAX_REGION_COLUMNS = 8  # the Regions table has a column per region up to this many, else a row per region


def _save(fig: plt.Figure, path: Path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _week_start(run, week: str) -> pd.Timestamp:
    try:
        start = pd.Timestamp(week)
    except ValueError:
        raise RunFileError(f"--week {week!r}: not a date (YYYY-MM-DD)") from None
    hours = pd.DatetimeIndex(run.region["hour"].values)
    if start.tzinfo is not None:
        start = start.tz_convert(None)
    if not hours[0].normalize() <= start <= hours[-1]:
        raise RunFileError(f"--week {week}: outside the run ({hours[0]:%Y-%m-%d %H:%M} to {hours[-1]:%Y-%m-%d %H:%M} UTC)")
    return start


def _signed(value: float, share: bool) -> str:
    if not np.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    if share:
        return f"{100 * value:+.2f} pts"
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.4g}"


def _value(value: float, share: bool) -> str:
    return ("—" if not np.isfinite(value) else f"{100 * value:.2f}%") if share else number(value)


def _baseline_section(run, baseline, out: Path, add_figure) -> list[str]:
    """The comparison with the run's baseline: the fleet table fleetsim run prints and, when the
    file has /baseline/region, the per-region table and figure."""
    policy = str(run.attrs.get("policy", "policy"))
    fleet = comparison(run.summary, baseline)
    rows = []
    for name, r in fleet.iterrows():
        share = is_share(name)
        unit = unit_of(name)
        text = label(name)
        text = text[: -len(f" ({unit})")] if unit else text
        relative = "—" if share or not np.isfinite(r["relative"]) else f"{100 * r['relative']:+.1f}%"
        rows.append({"figure": text, "unit": "%" if share else unit, policy: _value(r["policy"], share),
                     baseline.policy: _value(r["baseline"], share), "difference": _signed(r["difference"], share),
                     "change": relative, "name": name})
    frame = pd.DataFrame(rows).set_index("figure")
    names = {"difference": f"{policy} − {baseline.policy}", "change": "change (% of the baseline)",
             "name": "name in /summary", "unit": "unit", "figure": "figure", policy: policy,
             baseline.policy: baseline.policy}
    parts = [f"<h2>Against the baseline: {html.escape(policy)} vs {html.escape(baseline.policy)}</h2>",
             f"<p class='caption'>The same scenario and seed under the baseline policy "
             f"(<code>--baseline {html.escape(baseline.policy)}</code>, stored in /baseline). Totals over the run, "
             f"{html.escape(figures.period_label(run))}; shares in percent, their differences in percentage points "
             "(pts).</p>",
             html_table(frame, names=names, index_label="figure", right=[policy, baseline.policy, "difference",
                                                                          "change"], code=["name"])]
    attainable = fleet["attainable"].dropna() if "attainable" in fleet else pd.Series(dtype=float)
    if len(attainable):
        parts.append(f"<p class='caption'>Job emissions: {policy} reaches {100 * attainable.iloc[0]:.1f}% of the "
                     "saving a clairvoyant schedule could reach against this baseline ((baseline − policy) / "
                     "(baseline − job_emissions_bound_t), docs/policies.md).</p>")
    regions = region_comparison(run.summary_region, baseline)
    if regions.empty:
        parts.append("<p class='caption'>This file has no per-region baseline (/baseline/region; older fleetsim "
                     "versions did not write it): rerun with --baseline for the comparison per region.</p>")
        return parts
    add_figure("baseline.png", figures.plot_baseline(run, policy, baseline.policy, regions))
    parts.append("<img src='baseline.png' alt='difference against the baseline per region'>")
    parts.append(f"<p class='caption'>Per region, {html.escape(policy)} − {html.escape(baseline.policy)}: below "
                 f"zero, {html.escape(policy)} emits less (left) or has a lower 24/7 CFE score (right).</p>")
    table = regions.reset_index()
    table["figure"] = [label(n) for n in table["name"]]
    shares = [is_share(n) for n in table["name"]]
    wide = pd.DataFrame({
        "region": table["region"], "figure": table["figure"],
        policy: [_value(v, s) for v, s in zip(table["policy"], shares)],
        baseline.policy: [_value(v, s) for v, s in zip(table["baseline"], shares)],
        "difference": [_signed(v, s) for v, s in zip(table["difference"], shares)],
        "change": ["—" if s or not np.isfinite(v) else f"{100 * v:+.1f}%" for v, s in zip(table["relative"], shares)],
    }).set_index("region")
    parts.append(html_table(wide, names=names, index_label="region",
                            right=[policy, baseline.policy, "difference", "change"]))
    return parts


def _cost_section(run, period: str) -> str:
    """The cost table per region and for the fleet, and the unit costs."""
    table = cost_table(run)
    table.index = [("fleet (all regions)" if i == "fleet" else i) for i in table.index]
    table.index.name = "region"
    units = unit_costs(run).set_index("figure")
    return (f"<h2>Cost</h2><p class='caption'>USD, totals over the run ({html.escape(period)}). Energy: grid draw "
            "at each hour's price, contracted energy at the contracts' prices, battery capacity. Capital: the "
            "installed GPUs and their facility share annualised over their lives at the discount rate, plus fixed "
            "O&amp;M, for the hours of the run (docs/models.md, \"Cost\"). Energy cost per MWh: energy cost / "
            "load.</p>"
            + html_table(table, index_label="region")
            + html_table(units, index_label="unit cost", names={"name": "name in /summary", "value": "USD",
                                                                  "unit": "per"}, code=["name"]))


def write_report(path: str | Path | Run, out_dir: str | Path, week: str | None = None) -> list[Path]:
    """Writes the figures of a run and an index.html into out_dir; returns the files written.
    `week`: the first day (YYYY-MM-DD) of the load-and-supply week; default: the 7 days with
    the lowest fleet CFE share. Panels without data are left out: the training-job figure for
    a run without training jobs, the inference figure for a run without inference, per-region
    panels for regions without load."""
    run = path if isinstance(path, Run) else open_run(path)
    baseline = open_baseline(run)
    start = _week_start(run, week) if week else figures.default_week(run)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str, str]] = []  # (file, title, caption)
    written: list[Path] = []

    def save(name: str, fig: plt.Figure) -> None:
        _save(fig, out / name)
        written.append(out / name)

    def add(name: str, fig: plt.Figure, title: str, caption: str) -> None:
        save(name, fig)
        made.append((name, title, caption))

    period = figures.period_label(run)
    add("cfe_heatmap.png", figures.plot_cfe_heatmaps(run), "24/7 carbon-free energy, hour by hour",
        "Each cell is one hour of one day: the share of the region's load met by carbon-free energy "
        "(contracted supply used, battery discharge, and the grid's own carbon-free share of the draw). "
        "Annual matching counts a year's contracts against a year's load; the heatmap shows where the hours fall short.")
    add("week_supply.png", figures.plot_week(run, start), f"Load and supply, week of {start:%Y-%m-%d}",
        "How each region's load was met hour by hour, and the contracted energy it could not use (excess). "
        "Choose the week with --week YYYY-MM-DD (default: the week with the lowest carbon-free share).")
    add("emissions.png", figures.plot_emissions(run), "Emissions: location- vs market-based",
        f"Totals over the run ({period}). Location-based: load x grid carbon intensity. Market-based hourly: only "
        "grid draw not covered by carbon-free supply in the same hour. Market-based annual: certificates netted "
        "over the year, as annual-matching claims do. Right: the annual-matching claim beside the hourly CFE score.")
    footprint = figures.has_footprint(run)
    if footprint:
        marginal = ""
        if np.isfinite(float(run.summary.get("emissions_marginal_t", np.nan))):
            marginal = (f" Marginal (consequential) emissions, load x the grid's marginal carbon intensity: "
                        f"{number(float(run.summary['emissions_marginal_t']))} tCO2 (not part of the total).")
        add("footprint.png", figures.plot_footprint(run), "Carbon footprint: operational and embodied",
            f"Totals over the run ({period}), tCO2e. Operational: location-based (load x grid carbon intensity). "
            "Embodied IT: the manufacturing carbon of the installed GPUs and servers, booked evenly over their "
            "life for the hours they were installed. Embodied supply: that of the contracted generation and "
            "batteries, likewise (docs/models.md, \"Footprint\")." + marginal)
        add("water.png", figures.plot_water(run), "Water consumed: on-site and off-site",
            f"Totals over the run ({period}), m3 (the file stores litres). On-site: IT energy x the sites' water "
            "use effectiveness (cooling). Off-site: the water consumed generating the electricity used, from the "
            "grid's generation mix and the contracts' technologies.")
    add("utilisation.png", figures.plot_utilisation(run), "GPU utilisation", "")
    if len(run.jobs):
        add("jobs.png", figures.plot_jobs(run), "Training jobs: delay and outcomes",
            "Delay is the time a finished job took beyond its run time at full speed (queueing, holds, pauses, "
            "power caps). Every submitted job has exactly one outcome.")
    if run.has_inference:
        add("inference.png", figures.plot_inference(run), "Inference served per site", "")
    if len(run.summary_year) > 1:
        add("years.png", figures.plot_years(run), "Per calendar year", "")

    info = {k: run.attrs.get(k, "") for k in ("scenario_name", "start", "hours", "seed", "policy", "program_version")}
    if baseline is not None:
        info["baseline"] = baseline.policy
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>fleetsim report: {html.escape(str(info['scenario_name']))}</title><style>{CSS}</style></head><body>",
        f"<h1>fleetsim run: {html.escape(str(info['scenario_name']))}</h1>",
        "<p class='meta'>" + " · ".join(f"{k} {html.escape(str(v))}" for k, v in info.items() if k != "scenario_name")
        + (f" · file {html.escape(str(Path(path).resolve()))}" if not isinstance(path, Run) else
           f" · {html.escape(str(run.path))}") + "</p>",
    ]
    if baseline is not None:
        parts += _baseline_section(run, baseline, out, save)
    omitted = []
    if not len(run.jobs):
        omitted.append("training jobs (none submitted)")
    if not run.has_inference:
        omitted.append("inference (no inference demand)")
    if not footprint:
        omitted.append("carbon footprint, water and cost (this file was written before fleetsim recorded them)")
    for name, title, caption in made:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{name}' alt='{html.escape(title)}'>")
        if caption:
            parts.append(f"<p class='caption'>{html.escape(caption)}</p>")
    if omitted:
        parts.append("<p class='caption'>Not drawn, having no data in this run: "
                     f"{html.escape('; '.join(omitted))}.</p>")
    if footprint:
        parts.append(_cost_section(run, period))
    regions = run.summary_region
    if "emissions_marginal_t" in regions and regions["emissions_marginal_t"].isna().all():
        regions = regions.drop(columns="emissions_marginal_t")  # no marginal data in this run
    names = {"facility_energy_mwh": "Load (facility energy)",
             "annual_matching": figures._matching_label(run).capitalize()}
    regions_caption = (f"Energy and emissions are totals over the run ({html.escape(period)}); shares in percent. "
                       "Names as in /summary/region (docs/output-format.md)")
    if len(regions) <= MAX_REGION_COLUMNS:  # a column per region
        table = quantity_rows(regions, names, name_header="name in /summary/region")
    else:  # a row per region: too many for columns; the table scrolls in its box
        table = html_table(regions, names=names, index_label="region")
        regions_caption += "; hover over a header for the name"
    parts.append(f"<h2>Regions</h2><p class='caption'>{regions_caption}.</p>" + table)
    if len(run.summary_year) > 1:
        parts.append("<h2>Calendar years</h2><p class='caption'>Totals per calendar year (UTC), regions pooled.</p>"
                     + html_table(run.summary_year, index_label="year"))
    parts.append(f"<h2>Summary</h2><p class='caption'>The /summary figures (docs/output-format.md): totals over the "
                 f"run ({html.escape(period)}); shares in percent.</p>"
                 + html_table(summary_table(run.summary).set_index("figure"), index_label="figure",
                              names={"name": "name in /summary", "value": "value", "unit": "unit"},
                              code=["name"]))
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return written + [out / "index.html"]
