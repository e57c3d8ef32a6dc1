"""python3 -m fleetsim_analysis RUN.h5 — print a run's summary and its busiest hours."""
from __future__ import annotations

import argparse

from fleetsim_analysis.io import open_run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python3 -m fleetsim_analysis", description=__doc__)
    parser.add_argument("run", help="fleetsim run file (HDF5)")
    args = parser.parse_args()
    run = open_run(args.run)
    print(f"{run.path}: scenario {run.attrs.get('scenario_name')!r}, seed {run.attrs.get('seed')}")
    for name, value in run.summary.items():
        print(f"  {name:28s} {value:,.4g}")
    fleet = run.site.facility_energy_mwh.sum("site").to_series()
    print("\nbusiest hours (fleet facility MWh):")
    print(fleet.nlargest(5).to_string())
    print("\njobs by status:")
    print(run.jobs.status.value_counts().to_string())


if __name__ == "__main__":
    main()
