"""A run's report: PNG figures and an index.html that shows them with the run's summary."""
from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from fleetsim_analysis import figures
from fleetsim_analysis.io import RunFileError, open_run

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; } .caption { color: #555; font-size: 0.9em; }
.meta { color: #555; }
"""


def _number(value: float) -> str:
    if pd.isna(value):
        return "—"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"
    return f"{value:,.4g}"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(float_format=_number, na_rep="—", border=0, escape=True)


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


def write_report(path: str | Path, out_dir: str | Path, week: str | None = None) -> list[Path]:
    """Writes the figures of a run and an index.html into out_dir; returns the files written.
    `week`: the first day (YYYY-MM-DD) of the load-and-supply week; default: the 7 days with
    the lowest fleet CFE share."""
    run = open_run(path)
    start = _week_start(run, week) if week else figures.default_week(run)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str, str]] = []  # (file, title, caption)

    def add(name: str, fig: plt.Figure, title: str, caption: str) -> None:
        _save(fig, out / name)
        made.append((name, title, caption))

    add("cfe_heatmap.png", figures.plot_cfe_heatmaps(run), "24/7 carbon-free energy, hour by hour",
        "Each cell is one hour of one day: the share of the region's load met by carbon-free energy "
        "(contracted supply used, battery discharge, and the grid's own carbon-free share of the draw). "
        "Annual matching counts a year's contracts against a year's load; the heatmap shows where the hours fall short.")
    add("week_supply.png", figures.plot_week(run, start), f"Load and supply, week of {start:%Y-%m-%d}",
        "How each region's load was met hour by hour, and the contracted energy it could not use (excess). "
        "Choose the week with --week YYYY-MM-DD (default: the week with the lowest carbon-free share).")
    add("emissions.png", figures.plot_emissions(run), "Emissions: location- vs market-based",
        "Location-based: load x grid carbon intensity. Market-based hourly: only grid draw not covered by "
        "carbon-free supply in the same hour. Market-based annual: certificates netted over the year, as "
        "annual-matching claims do. Right: the annual-matching claim beside the hourly CFE score.")
    add("utilisation.png", figures.plot_utilisation(run), "GPU utilisation", "")
    add("jobs.png", figures.plot_jobs(run), "Training jobs: delay and outcomes",
        "Delay is the time a finished job took beyond its run time at full speed (queueing, holds, pauses, "
        "power caps). Every submitted job has exactly one outcome.")
    if run.has_inference:
        add("inference.png", figures.plot_inference(run), "Inference served per site", "")
    if len(run.summary_year) > 1:
        add("years.png", figures.plot_years(run), "Per calendar year", "")

    info = {k: run.attrs.get(k, "") for k in ("scenario_name", "start", "hours", "seed", "policy", "program_version")}
    summary = pd.DataFrame({"value": pd.Series(run.summary)})
    regions = run.summary_region.copy()
    for column in ("cfe_score", "annual_matching"):
        if column in regions:
            regions[column] = (100 * regions[column]).round(1)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>fleetsim report: {html.escape(str(info['scenario_name']))}</title><style>{CSS}</style></head><body>",
        f"<h1>fleetsim run: {html.escape(str(info['scenario_name']))}</h1>",
        "<p class='meta'>" + " · ".join(f"{k} {html.escape(str(v))}" for k, v in info.items() if k != "scenario_name")
        + f" · file {html.escape(str(Path(path).resolve()))}</p>",
    ]
    for name, title, caption in made:
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{name}' alt='{html.escape(title)}'>")
        if caption:
            parts.append(f"<p class='caption'>{html.escape(caption)}</p>")
    parts.append("<h2>Regions</h2><p class='caption'>cfe_score and annual_matching in %; energy in MWh, "
                 "emissions in tCO2 (docs/output-format.md).</p>" + _table(regions))
    if len(run.summary_year) > 1:
        parts.append("<h2>Calendar years</h2>" + _table(run.summary_year))
    parts.append("<h2>Summary</h2><p class='caption'>The /summary figures; units are in the names "
                 "(docs/output-format.md).</p>" + _table(summary))
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return [out / name for name, _, _ in made] + [out / "index.html"]

