#include "engine/hour_window.hpp"

#include <omp.h>

#include <exception>
#include <mutex>

namespace fleetsim::engine {

void run_hour_windows(WindowedModel& model, const WindowRunOptions& options) {
  const auto sites = static_cast<int64_t>(options.sites);
  const auto regions = static_cast<int64_t>(options.regions);
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto guard = [&](auto&& fn) {
    try {
      fn();
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  bool stop = false;
#pragma omp parallel num_threads(options.threads > 0 ? options.threads : 1)
  {
    for (int64_t hour = 0; hour < options.hours; ++hour) {
#pragma omp single
      {
        guard([&] {
          if (options.on_hour) options.on_hour(hour);
          model.global_phase(hour);
        });
        stop = failure != nullptr;
      }  // implicit barrier
      if (stop) break;
#pragma omp for schedule(static)
      for (int64_t s = 0; s < sites; ++s) {
        guard([&] { model.site_phase(static_cast<size_t>(s), hour); });
      }
#pragma omp for schedule(static)
      for (int64_t r = 0; r < regions; ++r) {
        guard([&] { model.ledger_phase(static_cast<size_t>(r), hour); });
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace fleetsim::engine
