#include "engine/hour_window.hpp"

#include <algorithm>
#include <chrono>

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
  const bool measured = options.sharing == LoopSharing::kMeasured && pool.threads() > 1;
  pool.set_sharing(options.sharing != LoopSharing::kNever);
  SharingChooser chooser;
  for (int64_t first = 0; first < options.hours; first += SharingChooser::kBlockHours) {
    const int64_t end = std::min(options.hours, first + SharingChooser::kBlockHours);
    if (measured) pool.set_sharing(chooser.next_block_shares());
    const auto start = std::chrono::steady_clock::now();
    for (int64_t hour = first; hour < end; ++hour) {
      if (options.on_hour) options.on_hour(hour);
      model.global_phase(hour);
      pool.for_each(options.sites, [&model, hour](size_t s) { model.site_phase(s, hour); });
      // a region's ledger is a few dozen operations: worth a second thread only for many regions
      pool.for_each(
          options.regions, [&model, hour](size_t r) { model.ledger_phase(r, hour); }, kMinRegionsPerThread);
    }
    if (measured) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      chooser.block_done(took.count() / static_cast<double>(end - first));
    }
  }
}

}  // namespace fleetsim::engine
