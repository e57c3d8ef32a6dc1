#pragma once
// The clairvoyant bound (docs/policies.md, "The clairvoyant bound"): the least location-based
// emissions a job set can have when every job starts no earlier than its submission and ends
// by its deadline, knowing the grid's carbon intensity exactly, with every job free to use any
// cluster it fits and, per job, the time it runs chosen to the second:
//   none           runs [submit, submit + R) (it may not wait);
//   deferrable     one start s in [submit, D - R], cost f(s) = P x integral of CI over [s, s + R);
//                  f is piecewise linear in s with breaks where s or s + R crosses an hour
//                  boundary, so its minimum is at one of those breaks or an end of the range;
//   interruptible  any set of time of total length R in [submit, D): the cleanest pieces (the
//                  partial first and last hours and the whole hours between), cheapest first.
// P is the job's facility power (GPUs x all-in server power x PUE) on the cluster and R its run
// time there; D its deadline (none: submit + R + the timing policy's max_delay_h). Carbon
// intensity after the horizon counts 0, as in the run's own job emissions (work pushed past the
// horizon is not booked there either). Each job's minimum is a lower bound on its emissions in
// any schedule that meets its deadline and starts it no earlier than its submission, so their
// sum bounds the job set: capacity, checkpoint time and the pause limit only raise it.
// The bound is exact — a schedule reaches it — when the per-job optima fit every cluster's GPUs
// in every hour and no interruptible optimum needs a pause that costs checkpoint time or more
// pauses than allowed (`exact`).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "workload/job.hpp"

namespace fleetsim::policy {

struct BoundOption {
  size_t cluster_key = 0;  // identifies a cluster (for the capacity check)
  size_t region = 0;
  core::Seconds run_s = 0;   // run time at full speed on that cluster
  double facility_mw = 0.0;  // facility power while it runs
  double throughput = 1.0;   // work per GPU-second there (A100 = 1)
};

struct BoundJob {
  core::Seconds submit_s = 0;
  core::Seconds end_by_s = 0;  // its deadline; clamped to at least submit + run time
  workload::Flexibility flexibility = workload::Flexibility::kNone;
  int64_t gpus = 0;
  core::Seconds checkpoint_s = 0;
  std::vector<BoundOption> options;  // empty: the job cannot run anywhere (bound 0)
};

struct BoundInput {
  std::vector<BoundJob> jobs;
  std::vector<std::span<const double>> carbon_intensity_g_per_kwh;  // per region, hourly over the horizon
  // GPUs of each cluster (by cluster_key) over time, for the exactness check: (from hour, GPUs)
  // steps, the first at hour 0; empty: that cluster's capacity is not checked.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> cluster_gpus;
  int64_t hours = 0;       // the horizon
  int64_t max_pauses = 0;  // pauses allowed per interruptible job
  // Past this many job-hour arcs the capacity bound (below) is not attempted.
  int64_t max_flow_arcs = 1'500'000;
};

// With capacity (when the per-job optima do not fit): the least emissions of the job set as a
// min-cost flow (LEMON's network simplex). Each job supplies its work W = GPUs x run time x
// throughput (A100-equivalent GPU-seconds); an arc from it to each (pool, hour) of its window
// carries at most its GPUs x the seconds of the hour in its window x the pool's throughput, at
// its emissions per unit of work there (P / (GPUs x throughput) x CI); each (pool, hour) passes
// at most the pool's GPUs x 3600 s x throughput to the sink; work past the horizon is free.
// Any schedule that meets the deadlines is a feasible flow, so the least-cost flow is a lower
// bound: it relaxes a deferrable job's single run, a non-flexible job's fixed start (only its
// window is kept) and a job's GPUs moving together, and drops checkpoint time. Costs are
// rounded down to integers, which keeps it a lower bound. The job set's bound is the larger of
// this and the sum of the per-job minima.
struct BoundResult {
  double job_emissions_t = 0.0;     // the bound: sum over jobs of their least emissions
  std::vector<double> job_t;        // per job
  bool exact = false;               // some schedule reaches it (see above)
  int64_t over_capacity_hours = 0;  // cluster-hours where the per-job optima exceed the GPUs
  int64_t pausing_jobs = 0;         // interruptible optima with pauses that cost checkpoint time
  double per_job_t = 0.0;           // the sum of the per-job minima
  double capacity_t = -1.0;         // the flow's bound; -1: not computed (it fits, or too large)
};

BoundResult clairvoyant_bound(const BoundInput& input);

}  // namespace fleetsim::policy
