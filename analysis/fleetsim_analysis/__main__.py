"""python3 -m fleetsim_analysis: reports of fleetsim runs and sweeps.

  report RUN.h5 -o DIR [--week YYYY-MM-DD]   figures (PNG) and DIR/index.html of one run
  sweep SWEEP_DIR -o DIR                     figures and DIR/index.html of a sweep
  plan PLAN.h5 -o DIR                        figures and DIR/index.html of a plan (fleetsim plan -o)
  summary RUN.h5                             the run's summary and its busiest hours

Shares (CFE score, matching, utilisation) are printed in percent, as in the reports.
Exit codes: 0 ok (also when the reader of the output stops early, as `| head` does),
2 bad input (a missing, truncated or incomplete file).
"""
from __future__ import annotations

import argparse
import os
import sys

from fleetsim_analysis.io import RunFileError, open_run
from fleetsim_analysis.tables import is_share


def number(value: float) -> str:
    """1,234,567.8 for large values, 4 significant digits for small ones."""
    if value != value:
        return "nan"
    return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"


def summary(path: str) -> None:
    run = open_run(path)
    print(f"{run.path}: scenario {run.attrs.get('scenario_name')!r}, seed {run.attrs.get('seed')}")
    for name, value in run.summary.items():
        text = (f"{100 * value:.2f}%" if value == value else "nan") if is_share(name) else number(value)
        print(f"  {name:28s} {text:>18s}")
    fleet = run.site.facility_energy_mwh.sum("site").to_series()
    print("\nbusiest hours (fleet facility MWh):")
    print(fleet.nlargest(5).to_string())
    print("\njobs by status:")
    print(run.jobs.status.value_counts().to_string())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m fleetsim_analysis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="figures and index.html of one run")
    p.add_argument("run", help="fleetsim run file (HDF5)")
    p.add_argument("-o", "--output", required=True, help="folder for the figures and index.html")
    p.add_argument("--week", help="first day of the load-and-supply week, YYYY-MM-DD (default: the week with "
                                  "the lowest carbon-free share)")
    s = sub.add_parser("sweep", help="figures and index.html of a sweep")
    s.add_argument("folder", help="the sweep's output folder (with sweep_summary.csv)")
    s.add_argument("-o", "--output", required=True, help="folder for the figures and index.html")
    q = sub.add_parser("plan", help="figures and index.html of a plan file")
    q.add_argument("plan", help="fleetsim plan file (HDF5)")
    q.add_argument("-o", "--output", required=True, help="folder for the figures and index.html")
    m = sub.add_parser("summary", help="print a run's summary")
    m.add_argument("run", help="fleetsim run file (HDF5)")
    args = parser.parse_args(argv)
    try:
        if args.command == "report":
            from fleetsim_analysis.report import write_report
            files = write_report(args.run, args.output, args.week)
            print(f"wrote {len(files)} files to {args.output}: open {files[-1]}")
        elif args.command == "sweep":
            from fleetsim_analysis.sweep import write_sweep_report
            files = write_sweep_report(args.folder, args.output)
            print(f"wrote {len(files)} files to {args.output}: open {files[-1]}")
        elif args.command == "plan":
            from fleetsim_analysis.plan import write_plan_report
            files = write_plan_report(args.plan, args.output)
            print(f"wrote {len(files)} files to {args.output}: open {files[-1]}")
        else:
            summary(args.run)
        sys.stdout.flush()
    except RunFileError as e:
        print(f"fleetsim_analysis: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader closed the pipe (| head): stop quietly; point stdout at /dev/null so that the
        # interpreter's own flush at exit does not fail again (Python docs, "Note on SIGPIPE")
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
