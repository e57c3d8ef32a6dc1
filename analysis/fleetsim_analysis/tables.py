"""The HTML tables and number formats of the reports: readable headers with their units,
shares in percent, thousands separators, and each table in a box of its own that scrolls
horizontally when the table is wider than the page."""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

# Columns that hold a share (a fraction 0..1 in the files): shown in percent everywhere. A
# calendar-year suffix (cfe_score_2024, in sweep summaries) keeps the column a share.
SHARES = {"cfe_score", "annual_matching", "annual_matching_global", "gpu_utilization", "coverage", "target",
          "flexible_share", "grid_cfe_share", "mean_cfe_share"}
_YEAR_SUFFIX = re.compile(r"_(\d{4})$")

# Readable names of the columns the reports show; units are added from the name's suffix.
NAMES = {
    "facility_energy_mwh": "Facility energy",
    "it_energy_mwh": "IT energy",
    "job_energy_mwh": "Job energy",
    "idle_energy_mwh": "Idle energy",
    "peak_load_mw": "Peak load",
    "gpus_total": "GPUs",
    "gpus_installed": "GPUs installed",
    "sites": "Sites",
    "contracted_cfe_mwh": "Contracted CFE generated",
    "cfe_mwh": "CFE consumed",
    "cfe_score": "24/7 CFE score",
    "annual_matching": "Annual matching",
    "annual_matching_global": "Annual matching, regions pooled",
    "grid_draw_mwh": "Grid draw",
    "excess_mwh": "Excess contracted",
    "battery_discharge_mwh": "Battery discharge",
    "emissions_location_t": "Emissions, location-based",
    "emissions_market_hourly_t": "Emissions, market-based hourly",
    "emissions_market_annual_t": "Emissions, market-based annual",
    "job_emissions_location_t": "Job emissions, location-based",
    "job_emissions_bound_t": "Job emissions, clairvoyant bound",
    "mean_carbon_intensity_g_per_kwh": "Mean grid carbon intensity",
    "hours_filled": "Hours filled",
    "grid_hours_filled": "Grid hours filled",
    "peak_facility_power_mw": "Peak facility power",
    "gpu_hours_busy_training": "GPU-hours busy with training",
    "gpu_hours_inference": "GPU-hours for inference",
    "gpu_utilization": "GPU utilisation",
    "mean_wait_h": "Mean wait",
    "mean_delay_h": "Mean delay",
    "p95_delay_h": "95th-percentile delay",
    "held_job_hours": "Held job-hours",
    "checkpoint_hours": "Checkpoint time",
    "power_capped_site_hours": "Power-capped site-hours",
    "inference_wh_per_query": "Inference energy per query",
    "inference_mean_latency_ms": "Mean inference latency",
    "solar_mw": "Solar", "wind_mw": "Wind", "firm_mw": "Clean firm",
    "battery_mwh": "Battery energy", "battery_mw": "Battery power",
    "cost_usd": "Cost", "load_mwh": "Load", "coverage": "Procured coverage",
    "target": "Target", "reached": "Reached", "candidates": "Candidates",
    "flexible_share": "Flexible share",
    # the whole footprint (docs/output-format.md)
    "embodied_it_t": "Embodied carbon, IT",
    "embodied_supply_t": "Embodied carbon, supply",
    "emissions_total_t": "Carbon footprint, total",
    "emissions_marginal_t": "Emissions, marginal",
    "job_embodied_it_t": "Job embodied carbon, IT",
    "job_emissions_marginal_t": "Job emissions, marginal",
    "water_onsite_l": "Water, on-site",
    "water_offsite_l": "Water, off-site",
    "energy_cost_usd": "Energy cost",
    "capital_cost_usd": "Capital cost",
    "total_cost_usd": "Total cost",
    "cost_per_gpu_hour_usd": "Cost per GPU-hour",
    "job_cost_usd": "Training job cost",
    "cost_per_finished_job_usd": "Cost per finished job",
    "cost_per_1000_queries_usd": "Cost per 1,000 queries",
    "energy_usd_per_mwh": "Energy cost per MWh",
    "energy_price_usd_per_mwh": "Energy price",
}

# Unit suffixes of the names (docs/output-format.md), the longest first.
UNITS = [
    ("_g_per_kwh", "gCO₂/kWh"), ("_wh_per_query", "Wh/query"), ("_usd_per_mwh", "USD/MWh"), ("_mwh", "MWh"),
    ("_mw", "MW"), ("_l", "L"),
    ("_usd", "USD"), ("_ms", "ms"), ("_t", "tCO₂"), ("_h", "h"), ("_s", "s"),
]
EXTRA_UNITS = {"gpu_hours_busy_training": "GPU-h", "gpu_hours_inference": "GPU-h", "gpus_total": "",
               "held_job_hours": "h", "checkpoint_hours": "h", "hours": "h", "power_capped_site_hours": "site-h",
               "hours_filled": "h", "grid_hours_filled": "h",
               # embodied carbon and the totals that include it are CO2-equivalent
               "embodied_it_t": "tCO₂e", "embodied_supply_t": "tCO₂e", "emissions_total_t": "tCO₂e",
               "job_embodied_it_t": "tCO₂e", "cost_per_gpu_hour_usd": "USD/GPU-h",
               "cost_per_finished_job_usd": "USD/job", "cost_per_1000_queries_usd": "USD/1,000 queries"}


def is_share(name: str) -> bool:
    """True for a column that holds a share (0..1) and is shown in percent."""
    return _YEAR_SUFFIX.sub("", str(name)) in SHARES


def unit_of(name: str) -> str:
    """The unit of a column from its name: '%' for shares, else the name's unit suffix."""
    base = _YEAR_SUFFIX.sub("", str(name))
    if base in SHARES:
        return "%"
    if base in EXTRA_UNITS:
        return EXTRA_UNITS[base]
    for suffix, unit in UNITS:
        if base.endswith(suffix):
            return unit
    return ""


def label(name: str, names: dict[str, str] | None = None) -> str:
    """'emissions_location_t' -> 'Emissions, location-based (tCO₂)'; 'cfe_score_2024' ->
    '24/7 CFE score 2024 (%)'."""
    name = str(name)
    year = _YEAR_SUFFIX.search(name)
    base = _YEAR_SUFFIX.sub("", name)
    text = (names or {}).get(base) or NAMES.get(base)
    if text is None:
        text = base
        for suffix, _ in UNITS:
            if base.endswith(suffix) and base not in EXTRA_UNITS:
                text = base[: -len(suffix)]
                break
        text = text.replace("_", " ")
        text = text[:1].upper() + text[1:]
    if year:
        text += f" {year.group(1)}"
    unit = unit_of(name)
    return f"{text} ({unit})" if unit else text


def number(value: object) -> str:
    """A value as the reports show it: thousands separators, four significant digits below 1,000,
    '—' for NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not np.isfinite(v):
            return "—" if np.isnan(v) else str(v)
        if v == int(v) and abs(v) < 1e15:
            return f"{int(v):,}"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.4g}"
    return str(value)


def percent(value: float, digits: int = 1) -> str:
    """A share (0..1) in percent: 0.9001 -> '90.0%'; NaN -> '—'."""
    return f"{100 * value:.{digits}f}%" if value is not None and np.isfinite(value) else "—"


def _cell(value: object, share: bool, kind: str = "") -> str:
    if share and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        text = "—" if not np.isfinite(float(value)) else f"{100 * float(value):.1f}"
    else:
        text = number(value)
    return f"<td class='{kind}'>{html.escape(text)}</td>"


def html_table(frame: pd.DataFrame, *, index: bool = True, names: dict[str, str] | None = None,
               index_label: str | None = None, css_class: str = "", right: list[str] | tuple = (),
               code: list[str] | tuple = ()) -> str:
    """The frame as an HTML table inside a horizontally scrolling box: headers from `label`
    (readable, with units), shares in percent, numbers with thousands separators. Each header
    keeps the column's name in its title (shown on hover), so it can be found in
    docs/output-format.md. `right`: text columns aligned as numbers (values formatted by the
    caller); `code`: columns of names in the file, in a monospace font."""
    head = []
    if index:
        name = frame.index.name or ""
        text = index_label if index_label is not None else label(name, names) if name else ""
        head.append(f"<th scope='col' title='{html.escape(str(name))}'>{html.escape(text)}</th>")
    kinds = ["num" if c in right else "name" if c in code
             else "num" if pd.api.types.is_numeric_dtype(frame[c]) else "text" for c in frame.columns]
    for column, kind in zip(frame.columns, kinds):
        head.append(f"<th scope='col' class='{kind}' title='{html.escape(str(column))}'>"
                    f"{html.escape(label(column, names))}</th>")
    shares = [is_share(c) for c in frame.columns]
    rows = []
    for key, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        cells = [f"<th scope='row'>{html.escape(number(key))}</th>"] if index else []
        cells += [_cell(v, s, k) for v, s, k in zip(row, shares, kinds)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cls = f" class='{css_class}'" if css_class else ""
    return (f"<div class='table-box'><table{cls}><thead><tr>{''.join(head)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def quantity_rows(frame: pd.DataFrame, names: dict[str, str] | None = None, name_header: str = "name") -> str:
    """A table with one row per column of `frame` (a quantity: its readable name, unit and name
    in the file) and one column per row of `frame` (a region): narrow for a few regions, where
    17 quantities side by side would not fit the page."""
    rows = []
    for column in frame.columns:
        unit = unit_of(column)
        text = label(column, names)
        text = text[: -len(f" ({unit})")] if unit and text.endswith(f" ({unit})") else text
        share = is_share(column)
        row = {"quantity": text, "unit": unit}
        for key, value in frame[column].items():
            row[str(key)] = ("—" if not np.isfinite(float(value)) else f"{100 * float(value):.1f}") if share \
                else number(value)
        row[name_header] = column
        rows.append(row)
    table = pd.DataFrame(rows).set_index("quantity")
    keys = [str(k) for k in frame.index]
    return html_table(table, names={k: k for k in keys} | {"unit": "unit", name_header: name_header},
                      index_label="", right=keys, code=[name_header])


def summary_table(values: dict[str, float]) -> pd.DataFrame:
    """The /summary figures as rows (figure, value, unit, name in the file), shares in percent."""
    rows = []
    for name, value in values.items():
        share = is_share(name)
        unit = unit_of(name)
        text = label(name)
        if unit:
            text = text[: -len(f" ({unit})")]
        rows.append({"figure": text, "value": round(100 * value, 2) if share and np.isfinite(value) else value,
                     "unit": unit, "name": name})
    return pd.DataFrame(rows, columns=["figure", "value", "unit", "name"])


def cost_table(run) -> pd.DataFrame:
    """The cost of a run per region and for the fleet (last row, ``fleet``), USD over the run:
    energy (grid, contracts, batteries), capital (annualised GPU and facility capital + fixed
    O&M), their total, and the energy cost per MWh of load (USD/MWh; NaN without load), from
    /summary/region and /summary. Empty for a file written before the footprint existed."""
    columns = ["energy_cost_usd", "capital_cost_usd", "total_cost_usd", "energy_usd_per_mwh"]
    s = run.summary_region
    if "energy_cost_usd" not in s:
        return pd.DataFrame(columns=columns)
    t = pd.DataFrame({"energy_cost_usd": s["energy_cost_usd"].astype(float),
                      "capital_cost_usd": s["capital_cost_usd"].astype(float)})
    t.loc["fleet"] = [float(run.summary["energy_cost_usd"]), float(run.summary["capital_cost_usd"])]
    t["total_cost_usd"] = t["energy_cost_usd"] + t["capital_cost_usd"]
    load = pd.concat([s["facility_energy_mwh"].astype(float),
                      pd.Series({"fleet": float(run.summary["facility_energy_mwh"])})])
    t["energy_usd_per_mwh"] = t["energy_cost_usd"] / load.where(load > 0)
    t.index.name = "region"
    return t[columns]


# The unit costs of a run's /summary, in the order the report lists them.
UNIT_COSTS = ["cost_per_gpu_hour_usd", "job_cost_usd", "cost_per_finished_job_usd", "cost_per_1000_queries_usd"]


def unit_costs(run) -> pd.DataFrame:
    """The run's unit costs as summary rows (figure, value, unit, name): per installed
    GPU-hour, all training jobs, per finished job (with training jobs), per 1,000 queries
    served (with inference)."""
    values = {}
    for name in UNIT_COSTS:
        if name not in run.summary:
            continue
        if name == "cost_per_1000_queries_usd" and not float(run.summary.get("queries_served", 0.0)) > 0:
            continue
        if name in ("job_cost_usd", "cost_per_finished_job_usd") and not float(run.summary.get("jobs_submitted",
                                                                                                  0.0)) > 0:
            continue
        values[name] = float(run.summary[name])
    return summary_table(values)


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
.table-box { max-width: 100%; overflow-x: auto; margin: 0.5em 0 1em; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
thead th { background: #f3f3f3; vertical-align: bottom; white-space: normal; min-width: 4.5em; max-width: 9em;
           font-weight: 600; }
tbody th { text-align: left; white-space: nowrap; font-weight: 600; }
thead th:first-child, tbody th { position: sticky; left: 0; background: #fafafa; text-align: left; }
td.text, th.text, th.name, td.name { text-align: left; } td.text { white-space: nowrap; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: ui-monospace, monospace; color: #666; font-size: 0.9em; }
img { max-width: 100%; border: 1px solid #eee; } .caption { color: #555; font-size: 0.9em; max-width: 60em; }
.meta { color: #555; } .better { color: #1b7a3d; } .worse { color: #b02a2a; }
"""
