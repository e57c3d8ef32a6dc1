// Micro-benchmark of job placement (docs/performance.md, "The planet-scale fleet-year"): first
// fit's query at the goal size of issue 14, with the free-GPU index (policy::FreeGpuIndex)
// against the scan it replaces, on the same fleet state.
//
// The fleet: 1,000 sites in 100 regions, each with 1,024 + 576 training GPUs of two types and a
// 400-GPU inference pool (as scenarios/bench_planet_year.yaml). Before timing, the fleet is
// filled to a steady state: jobs of 1 to 256 GPUs started by first fit until 85% of the training
// GPUs are busy, a quarter of the sites having a grid limit that binds. Each iteration then
// places one job (sizes, types and allowed regions cycled through a fixed list): the decision
// only, the fleet is not changed, so every iteration sees the same state. The index is read
// afresh every 128 jobs, as at each hour of the goal-size year.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fleet/gpu_catalog.hpp"
#include "fleet/site.hpp"
#include "policy/placement.hpp"
#include "workload/job.hpp"

namespace {

using namespace fleetsim;

constexpr size_t kRegions = 100;
constexpr size_t kSitesPerRegion = 10;
constexpr uint32_t kFillJobs = 60000;
constexpr size_t kQueries = 4096;
constexpr size_t kJobsPerHour = 128;  // the goal-size year: ~1,000,000 jobs in 8,784 hours

struct Fleet {
  fleet::GpuCatalog catalog = fleet::GpuCatalog::builtin();
  std::vector<std::string> regions;
  std::vector<fleet::TaskOutcome> outcomes;
  std::vector<fleet::SiteRuntime> sites;
  std::vector<workload::TrainingJob> jobs;
  std::vector<fleet::Task> tasks;

  Fleet() : outcomes(kFillJobs + kQueries) {
    std::mt19937_64 rng(14);
    for (size_t r = 0; r < kRegions; ++r) regions.push_back("region-" + std::to_string(r));
    const size_t h100 = *catalog.index_of("H100");
    const size_t b200 = *catalog.index_of("B200");
    sites.reserve(kRegions * kSitesPerRegion);
    for (size_t s = 0; s < kRegions * kSitesPerRegion; ++s) {
      fleet::SiteSpec spec{"site-" + std::to_string(s), s / kSitesPerRegion, 1.2, 0.0, {}};
      spec.clusters.push_back(fleet::ClusterSpec{h100, 1024});
      spec.clusters.push_back(fleet::ClusterSpec{b200, 576});
      fleet::ClusterSpec pool{h100, 400};
      pool.role = fleet::ClusterRole::kInference;
      spec.clusters.push_back(pool);
      // a quarter of the sites: room for about 60% of their GPUs at full power
      const double per_gpu_w = s % 4 == 0 ? 1000.0 + 0.6 * 1500.0 : 4000.0;
      spec.grid_limit_mw = 2000.0 * per_gpu_w * spec.pue / 1e6;
      sites.emplace_back(spec, catalog, 100, outcomes);
    }
    const std::vector<std::string> types = {"", "", "H100", "B200"};
    auto make = [&](uint32_t id, int64_t hour) {
      workload::TrainingJob job;
      job.gpus = int64_t{1} << (rng() % 9);
      job.gpu_type = types[rng() % types.size()];
      if (rng() % 8 == 0) job.allowed_regions = {regions[rng() % regions.size()]};
      job.duration_s = 3600 + static_cast<int64_t>(rng() % (7 * 86400));
      job.submit_s = hour * 3600;
      fleet::Task task;
      task.job = id;
      task.gpus = job.gpus;
      task.work_gpu_s = static_cast<double>(job.duration_s * job.gpus);
      task.submit_s = job.submit_s;
      jobs.push_back(job);
      tasks.push_back(task);
    };
    const policy::FleetView view = this->view();
    policy::FreeGpuIndex index;
    // jobs that can start now, until 85% of the training GPUs are busy
    int64_t busy = 0;
    const auto training_gpus = static_cast<int64_t>(sites.size()) * (1024 + 576);
    for (uint32_t j = 0; j < kFillJobs && busy < training_gpus * 85 / 100; ++j) {
      make(j, 0);
      if (const auto p = index.first_start_now(jobs.back(), tasks.back(), view, 0)) {
        index.placed(*p);
        sites[p->site].enqueue(p->cluster, tasks.back());
        busy += tasks.back().gpus;
      }
    }
    jobs.resize(kFillJobs);
    tasks.resize(kFillJobs);
    for (auto& site : sites) site.reschedule();
    for (uint32_t q = 0; q < kQueries; ++q) make(kFillJobs + q, 1);
  }
  policy::FleetView view() const { return policy::FleetView{sites, &catalog, regions}; }
};

const Fleet& fleet_state() {
  static const Fleet fleet;
  return fleet;
}

void bm_first_fit_indexed(benchmark::State& state) {
  const Fleet& f = fleet_state();
  const policy::FleetView view = f.view();
  policy::FreeGpuIndex index;
  size_t q = 0;
  int64_t hour = 1;
  for (auto _ : state) {
    const size_t j = kFillJobs + q;
    benchmark::DoNotOptimize(policy::first_fit(f.jobs[j], f.tasks[j], view, index, hour));
    q = q + 1 == kQueries ? 0 : q + 1;
    if (q % kJobsPerHour == 0) ++hour;  // the index reads the fleet afresh, as at each simulated hour
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_first_fit_indexed);

void bm_first_fit_scan(benchmark::State& state) {
  const Fleet& f = fleet_state();
  const policy::FleetView view = f.view();
  size_t q = 0;
  for (auto _ : state) {
    const size_t j = kFillJobs + q;
    benchmark::DoNotOptimize(policy::first_fit(f.jobs[j], f.tasks[j], view));
    q = q + 1 == kQueries ? 0 : q + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_first_fit_scan);

void bm_first_start_now(benchmark::State& state) {
  const Fleet& f = fleet_state();
  const policy::FleetView view = f.view();
  policy::FreeGpuIndex index;
  size_t q = 0;
  int64_t hour = 1;
  int64_t none = 0;
  for (auto _ : state) {
    const size_t j = kFillJobs + q;
    none += index.first_start_now(f.jobs[j], f.tasks[j], view, hour) ? 0 : 1;
    q = q + 1 == kQueries ? 0 : q + 1;
    if (q % kJobsPerHour == 0) ++hour;
  }
  state.counters["none"] = static_cast<double>(none) / static_cast<double>(state.iterations());
}
BENCHMARK(bm_first_start_now);

}  // namespace

BENCHMARK_MAIN();
