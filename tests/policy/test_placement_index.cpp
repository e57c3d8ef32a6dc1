// The placement index (policy::FreeGpuIndex) against the scan it replaces: on random fleets,
// hour after hour, every job gets the same placement from first fit with the index as from
// first fit's scan, typed and untyped jobs, jobs limited to regions (scanned by their sites, and
// through the index), sites at their grid limit, inference pools and
// clusters not yet in service included.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "fleet/gpu_catalog.hpp"
#include "fleet/site.hpp"
#include "policy/placement.hpp"
#include "workload/job.hpp"

using namespace fleetsim;

TEST_CASE("first fit with the free-GPU index places every job as the scan does", "[policy][placement]") {
  const fleet::GpuCatalog catalog = fleet::GpuCatalog::builtin();
  const std::vector<std::string> types = {"A100", "H100", "B200"};
  const std::vector<std::string> regions = {"north", "south", "east"};
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    constexpr uint32_t kJobs = 1500;
    std::vector<fleet::TaskOutcome> outcomes(kJobs);
    std::vector<fleet::SiteRuntime> sites;
    const size_t n_sites = 5 + rng() % 20;
    sites.reserve(n_sites);
    for (size_t s = 0; s < n_sites; ++s) {
      fleet::SiteSpec spec{"site" + std::to_string(s), rng() % regions.size(), 1.2, 0.0, {}};
      const size_t clusters = 1 + rng() % 3;
      for (size_t c = 0; c < clusters; ++c) {
        fleet::ClusterSpec cluster{*catalog.index_of(types[rng() % types.size()]), 0};
        cluster.gpus = rng() % 7 == 0 ? 0 : 16 + static_cast<int64_t>(rng() % 240);  // some not in service
        if (cluster.gpus == 0) cluster.steps.push_back(fleet::CapacityStep{3, 128});
        if (rng() % 9 == 0) cluster.role = fleet::ClusterRole::kInference;
        spec.clusters.push_back(cluster);
      }
      // a grid limit that binds now and then: idle power (under 1 kW a GPU) plus room for 40 to
      // 140% of the GPUs at full power
      int64_t gpus = 0;
      for (const fleet::ClusterSpec& c : spec.clusters) gpus += c.gpus + (c.steps.empty() ? 0 : c.steps[0].gpus);
      const double room = 0.4 + static_cast<double>(rng() % 100) / 100.0;
      spec.grid_limit_mw = static_cast<double>(gpus) * (1000.0 + 1800.0 * room) * spec.pue / 1e6;
      sites.emplace_back(spec, catalog, 100, outcomes);
    }
    const policy::FleetView fleet{sites, &catalog, regions};
    policy::FreeGpuIndex index;
    policy::FreeGpuIndex index_only(0);  // region-limited jobs through the index too
    uint32_t next = 0;
    int64_t placed = 0;
    int64_t queued = 0;
    for (int64_t hour = 0; hour < 40 && next < kJobs; ++hour) {
      std::vector<fleet::SiteRuntime::Evicted> evicted;
      for (auto& site : sites) {
        if (site.capacity_due(hour)) site.apply_capacity(hour, evicted);
        site.reschedule();
      }
      for (int k = 0; k < 40 && next < kJobs; ++k, ++next) {
        workload::TrainingJob job;
        job.gpus = int64_t{1} << (rng() % 8);
        if (rng() % 3 == 0) job.gpu_type = types[rng() % types.size()];
        if (rng() % 4 == 0) job.allowed_regions = {regions[rng() % regions.size()]};
        job.duration_s = 600 + static_cast<int64_t>(rng() % 30000);
        job.submit_s = hour * 3600;
        fleet::Task task;
        task.job = next;
        task.gpus = job.gpus;
        task.work_gpu_s = static_cast<double>(job.duration_s * job.gpus);
        task.submit_s = job.submit_s;
        const policy::PlacementDecision scan = policy::first_fit(job, task, fleet);
        const policy::PlacementDecision indexed = policy::first_fit(job, task, fleet, index, hour);
        const policy::PlacementDecision indexed_only = policy::first_fit(job, task, fleet, index_only, hour);
        INFO("seed " << seed << ", hour " << hour << ", job " << next);
        REQUIRE(scan.placement.has_value() == indexed.placement.has_value());
        REQUIRE(scan.placement.has_value() == indexed_only.placement.has_value());
        if (!scan.placement) {
          CHECK(scan.reason == indexed.reason);
          continue;
        }
        REQUIRE(scan.placement->site == indexed.placement->site);
        REQUIRE(scan.placement->cluster == indexed.placement->cluster);
        REQUIRE(indexed_only.placement.has_value());
        REQUIRE(scan.placement->site == indexed_only.placement->site);
        REQUIRE(scan.placement->cluster == indexed_only.placement->cluster);
        const bool now = sites[scan.placement->site].uncommitted_gpus(scan.placement->cluster) >= task.gpus;
        (now ? placed : queued) += 1;
        sites[scan.placement->site].enqueue(scan.placement->cluster, task);
      }
      for (size_t s = 0; s < sites.size(); ++s) sites[s].run_hour(hour);
    }
    // both passes of first fit were exercised
    CHECK(placed > 100);
    CHECK(queued > 10);
  }
}
