#!/usr/bin/env python3
"""Let's Wait Awhile's scenario-II rule, written independently in NumPy on the same hourly data
and job set as scenarios/validation/lwa_*.yaml, to set fleetsim's figures beside (docs/validation.md).

The rule (Wiesner et al., Middleware '21, Section 5): each job, at its submission, looks at the
carbon intensity forecast up to its deadline ("next workday": a job whose earliest finish falls
outside 09:00-17:00 on a workday may finish by the next workday's 09:00) in 30-minute slots and
  - interrupting: runs in its ceil(duration / 30 min) cleanest slots;
  - non-interrupting: starts at the slot whose window of its duration has the lowest mean.
The baseline starts every job at its submission. Emissions are the actual intensity of the
slots used (each job draws the same power). The forecast is the actual series, or the actual
series plus N(0, error x its mean) per slot (their error model), averaged over 10 seeds.

Differences to the paper's own runs, kept on purpose so the comparison with fleetsim is on one
footing: hourly data (each hour's value in both of its slots), fleetsim's workday rule (a
Friday finish after 17:00 waits for Monday 09:00; their simulator moves it to Saturday 09:00).

  /usr/bin/python3 scenarios/validation/lwa_reference.py GRID.csv COLUMN JOBS.csv [--error 0.05]
prints the percentage of emissions saved by both strategies.
"""
import argparse

import numpy as np
import pandas as pd

SLOT_S = 1800


def deadlines(submit_s: np.ndarray, duration_s: np.ndarray, year_start: pd.Timestamp) -> np.ndarray:
    """next_workday at 09:00-17:00 UTC: the finish itself if within working hours, else the next workday 09:00."""
    out = np.empty_like(submit_s)
    for i, (s, d) in enumerate(zip(submit_s, duration_s)):
        finish = year_start + pd.Timedelta(seconds=int(s + d))
        minutes = finish.hour * 60 + finish.minute + finish.second / 60
        if finish.weekday() < 5 and 9 * 60 <= minutes <= 17 * 60:
            out[i] = s + d
            continue
        day = finish.normalize()
        if minutes >= 9 * 60:
            day += pd.Timedelta(days=1)
        while day.weekday() >= 5:
            day += pd.Timedelta(days=1)
        out[i] = int((day + pd.Timedelta(hours=9) - year_start).total_seconds())
    return out


def run(ci_hourly: np.ndarray, jobs: pd.DataFrame, year_start: pd.Timestamp, error: float, seed) -> tuple:
    actual = np.repeat(ci_hourly, 2)  # 30-minute slots
    forecast = actual if seed is None else actual + np.random.default_rng(seed).normal(0, error * actual.mean(), actual.size)
    submit = jobs.submit_s.to_numpy()
    duration = jobs.duration_s.to_numpy()
    end_by = deadlines(submit, duration, year_start)
    base = inter = non = 0.0
    for s, d, e in zip(submit, duration, end_by):
        first = s // SLOT_S
        n = -(-d // SLOT_S)
        last = max(first + n, e // SLOT_S)  # slots [first, last) may be used
        last = min(last, actual.size)
        if first + n > actual.size:
            continue  # runs past the data: left out of every strategy
        base += actual[first:first + n].sum()
        window = forecast[first:last]
        chosen = np.argsort(window, kind="stable")[:n]
        inter += actual[first + chosen].sum()
        means = np.convolve(window, np.ones(n), "valid")
        start = int(np.argmin(means))
        non += actual[first + start:first + start + n].sum()
    return base, inter, non


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("grid")
    p.add_argument("column")
    p.add_argument("jobs")
    p.add_argument("--error", type=float, default=0.0)
    a = p.parse_args()
    grid = pd.read_csv(a.grid)
    ci = grid[a.column].astype(float).ffill().to_numpy()
    year_start = pd.Timestamp(grid.datetime_utc.iloc[0]).tz_localize(None)
    jobs = pd.read_csv(a.jobs)
    seeds = [None] if a.error == 0 else list(range(10))
    results = np.array([run(ci, jobs, year_start, a.error, s) for s in seeds]).mean(axis=0)
    base, inter, non = results
    print(f"baseline {base * SLOT_S / 3600:.1f} unit-hours x g/kWh; saved: interrupting {100 * (1 - inter / base):.2f}%, "
          f"non-interrupting {100 * (1 - non / base):.2f}%")


if __name__ == "__main__":
    main()
