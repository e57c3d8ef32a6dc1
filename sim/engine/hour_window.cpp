#include "engine/hour_window.hpp"

#include "engine/worker_pool.hpp"

namespace fleetsim::engine {

namespace {
constexpr size_t kMinRegionsPerThread = 256;
}  // namespace

void run_hour_windows(WindowedModel& model, const WindowRunOptions& options) {
  WorkerPool pool(options.threads > 0 ? options.threads : 1);
  model.attach(&pool);
  struct Detach {
    WindowedModel& model;
    ~Detach() { model.attach(nullptr); }
  } detach{model};
  for (int64_t hour = 0; hour < options.hours; ++hour) {
    if (options.on_hour) options.on_hour(hour);
    model.global_phase(hour);
    pool.for_each(options.sites, [&model, hour](size_t s) { model.site_phase(s, hour); });
    // a region's ledger is a few dozen operations: worth a second thread only for many regions
    pool.for_each(
        options.regions, [&model, hour](size_t r) { model.ledger_phase(r, hour); }, kMinRegionsPerThread);
  }
}

}  // namespace fleetsim::engine
