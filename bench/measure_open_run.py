"""Time and peak RSS of fleetsim_analysis.open_run, one stage per fresh process, median of 5
(docs/performance.md, "Opening a run in Python").

    /usr/bin/python3 bench/measure_open_run.py RUN.h5 analysis open series jobs load

Stages: open (open_run only), series (+ one [hour x region] series), jobs (+ the job table),
load (open_run(load=True): everything). The time excludes the imports (about 0.5 s); the peak
RSS includes them (about 80 MiB for numpy, pandas, h5py and xarray).
"""
import statistics, subprocess, sys
CODE = r'''
import resource, sys, time
from fleetsim_analysis import open_run
stage = sys.argv[2]
t = time.perf_counter()
run = open_run(sys.argv[1], load=True) if stage == "load" else open_run(sys.argv[1])
if stage == "series": run.frame("region", "load_mwh")
if stage == "jobs": run.jobs
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
'''
path, pythonpath = sys.argv[1], sys.argv[2]
for stage in sys.argv[3:]:
    times, rss = [], []
    for _ in range(5):
        out = subprocess.run(["/usr/bin/python3", "-c", CODE, path, stage], capture_output=True, text=True,
                             env={"PYTHONPATH": pythonpath}, check=True).stdout.split()
        times.append(float(out[0])); rss.append(float(out[1]))
    print(f"{stage:7s} median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}), "
          f"peak RSS median {statistics.median(rss):.0f} MiB")
