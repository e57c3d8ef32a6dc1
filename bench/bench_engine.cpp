// Micro-benchmarks of the hot loops: the event queue and a site's hour step.
#include <benchmark/benchmark.h>

#include <vector>

#include "engine/event_queue.hpp"
#include "fleet/gpu_catalog.hpp"
#include "fleet/site.hpp"

namespace {

void bm_event_queue(benchmark::State& state) {
  const auto n = state.range(0);
  for (auto _ : state) {
    fleetsim::engine::EventQueue q;
    int64_t fired = 0;
    for (int64_t i = 0; i < n; ++i) q.schedule_at((i * 7919) % 100000, [&fired] { ++fired; });
    q.run_until(100000);
    benchmark::DoNotOptimize(fired);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(bm_event_queue)->Arg(1000)->Arg(100000);

void bm_site_year_idle(benchmark::State& state) {
  const auto catalog = fleetsim::fleet::GpuCatalog::builtin();
  for (auto _ : state) {
    std::vector<fleetsim::fleet::TaskOutcome> outcomes;
    fleetsim::fleet::SiteSpec spec{"s", 0, 1.2, 100.0, {{1, 2500}}};
    fleetsim::fleet::SiteRuntime site(spec, catalog, 100, outcomes);
    double total = 0.0;
    for (int64_t h = 0; h < 8760; ++h) total += site.run_hour(h).facility_energy_mwh;
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 8760);
}
BENCHMARK(bm_site_year_idle);

}  // namespace

BENCHMARK_MAIN();
