#!/usr/bin/env python3
"""The job set of Let's Wait Awhile's scenario II (Wiesner et al., Middleware '21), rebuilt from
the paper's description of its ML-training workload, for docs/validation.md:

  3,387 jobs, spread over the workdays (Monday to Friday) of one year by a multinomial draw
  with equal day weights; on each day the jobs are submitted at times drawn uniformly from
  09:00, 09:30, ..., 16:30 (sorted); run times drawn uniformly from 4 h, 4.5 h, ..., 89.5 h;
  NumPy's default generator seeded with 0, drawn in that order (days, then times day by day,
  then all run times) - the procedure of the authors' public simulator.

Times are on the grid data's UTC axis, as in the paper's simulator. Writes a fleetsim trace
(columns name, submit_s, gpus, duration_s; one GPU per job) for each year given.

  /usr/bin/python3 scenarios/validation/make_lwa_jobs.py 2020 2022
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SLOT_MIN = 30
JOBS = 3387


def jobs_for_year(year: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = pd.Timestamp(f"{year}-01-01")
    days = pd.date_range(start, f"{year}-12-31", freq="D")
    workdays = [d for d in days if d.weekday() < 5]
    per_workday = rng.multinomial(JOBS, [1.0 / len(workdays)] * len(workdays))
    per_day = pd.Series(per_workday, index=workdays).reindex(days, fill_value=0)
    submit_choices = np.arange(9 * 60, 17 * 60, SLOT_MIN)       # 09:00 ... 16:30
    duration_choices = np.arange(4 * 60, 90 * 60, SLOT_MIN)     # 4 h ... 89.5 h
    submits = []
    for day, count in per_day.items():
        minutes = np.sort(rng.choice(submit_choices, size=int(count)))
        for m in minutes:
            submits.append(int((day - start).total_seconds()) + 60 * int(m))
    durations = rng.choice(duration_choices, size=JOBS)
    return pd.DataFrame({
        "name": [f"ml-{i}" for i in range(JOBS)],
        "submit_s": submits,
        "gpus": 1,
        "duration_s": 60 * durations.astype(np.int64),
    })


def main() -> None:
    here = Path(__file__).resolve().parent
    for year in (int(y) for y in sys.argv[1:] or ["2020", "2022"]):
        out = here / f"lwa_ml_jobs_{year}.csv"
        jobs_for_year(year).to_csv(out, index=False, lineterminator="\n")
        print(f"wrote {out} ({JOBS} jobs)")


if __name__ == "__main__":
    main()
