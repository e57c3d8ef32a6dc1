#pragma once
// The conservative, window-synchronised parallel runner of docs/architecture.md. Logical
// processes (sites) interact only through decisions taken at hour boundaries, so one hour is
// the lookahead: for each hour h
//   1. global phase (the calling thread): arrivals, placement, routing decisions for hour h;
//      its per-site parts may run on the runner's threads (WindowedModel::pool());
//   2. site phase (over logical processes): each runs its own events in [h, h+1);
//   3. ledger phase (over regions): per-region accounting for hour h.
// Loops are split into one fixed block of indices per thread (engine/worker_pool.hpp) and each
// phase writes only state owned by its index, so results do not depend on the number of
// threads. Idle threads sleep rather than spin. Whether the loops are shared at all is measured
// on the run, a block of hours at a time (engine/loop_sharing.hpp).

#include <cstdint>
#include <functional>

#include "engine/loop_sharing.hpp"

namespace fleetsim::engine {

class WorkerPool;

class WindowedModel {
 public:
  virtual ~WindowedModel() = default;
  virtual void global_phase(int64_t hour) = 0;
  virtual void site_phase(size_t site, int64_t hour) = 0;
  virtual void ledger_phase(size_t region, int64_t hour) = 0;
  // Set by run_hour_windows for the run (nullptr outside it).
  void attach(WorkerPool* pool) { pool_ = pool; }

 protected:
  // The runner's threads, for per-site loops of the global phase (nullptr: run them inline).
  WorkerPool* pool() const { return pool_; }

 private:
  WorkerPool* pool_ = nullptr;
};

struct WindowRunOptions {
  int64_t hours = 0;
  size_t sites = 0;
  size_t regions = 0;
  int threads = 1;
  LoopSharing sharing = LoopSharing::kMeasured;  // with threads > 1
  // Called from the global phase with the hour about to run (may be empty).
  std::function<void(int64_t hour)> on_hour;
};

void run_hour_windows(WindowedModel& model, const WindowRunOptions& options);

}  // namespace fleetsim::engine
