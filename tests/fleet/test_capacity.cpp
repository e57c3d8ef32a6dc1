// Capacity over time in the site runtime (docs/models.md, "Capacity over time"): GPUs that
// join and leave at hour boundaries, retiring GPUs that leave when their task ends, and
// queued tasks handed back when their cluster shrinks below them.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "fleet/site.hpp"

using namespace fleetsim::fleet;

namespace {

constexpr double kWsPerMwh = 3.6e9;
// A100 in the built-in catalog: idle 50 W, max 400 W, overhead 412.5 W per GPU.
constexpr double kIdleServerW = 462.5;
constexpr double kDynamicFullW = 350.0;

Task make_task(uint32_t job, int64_t gpus, int64_t duration_s, int64_t submit_s) {
  Task t;
  t.job = job;
  t.gpus = gpus;
  t.work_gpu_s = static_cast<double>(duration_s * gpus);  // A100: throughput 1
  t.utilization = 1.0;
  t.submit_s = submit_s;
  return t;
}

// The global phase of an hour as the fleet runs it: capacity steps first, then scheduling.
SiteHour run(SiteRuntime& site, int64_t hour, std::vector<SiteRuntime::Evicted>& evicted) {
  if (site.apply_capacity(hour, evicted)) site.reschedule();
  return site.run_hour(hour);
}

}  // namespace

TEST_CASE("commissioned and grown GPUs draw idle power from their hour on", "[fleet][capacity]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes;
  ClusterSpec cluster{*catalog.index_of("A100"), 0, ClusterRole::kTraining, {{2, 100}, {3, 250}, {5, 0}}};
  SiteSpec spec{"s", 0, 1.2, 1.0, {cluster}};
  spec.grid_limit_steps = {{3, 2.0}};
  SiteRuntime site(spec, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  const double expected_gpus[] = {0, 0, 100, 250, 250, 0};
  for (int64_t h = 0; h < 6; ++h) {
    const SiteHour out = run(site, h, evicted);
    const double gpus = expected_gpus[h];
    INFO("hour " << h);
    CHECK(out.gpus_total == static_cast<int64_t>(gpus));
    CHECK(out.it_energy_mwh == Approx(gpus * kIdleServerW * 3600.0 / kWsPerMwh).margin(1e-15));
    CHECK(out.facility_energy_mwh == Approx(1.2 * out.it_energy_mwh).margin(1e-15));
    CHECK(site.total_gpus(0) == static_cast<int64_t>(gpus));
  }
  CHECK(site.grid_limit_w() == 2.0e6);
  CHECK(evicted.empty());
}

TEST_CASE("retired GPUs still running a task leave when it ends, drawing power until then", "[fleet][capacity]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(2);
  ClusterSpec cluster{*catalog.index_of("A100"), 100, ClusterRole::kTraining, {{1, 0}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {cluster}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 60, 5400, 0));  // runs 0 .. 1.5 h on 60 of the 100 GPUs
  const SiteHour h0 = run(site, 0, evicted);
  CHECK(h0.it_energy_mwh == Approx((100 * kIdleServerW + 60 * kDynamicFullW) * 3600.0 / kWsPerMwh));
  // At 1 h the cluster is retired: the 40 free GPUs leave at once, the 60 busy ones at 1.5 h.
  const SiteHour h1 = run(site, 1, evicted);
  CHECK(site.total_gpus(0) == 0);
  CHECK(h1.it_energy_mwh == Approx(60 * (kIdleServerW + kDynamicFullW) * 1800.0 / kWsPerMwh));
  CHECK(h1.gpus_total == 0);  // at the hour's end
  CHECK(outcomes[0].end_s == 5400);
  const SiteHour h2 = run(site, 2, evicted);
  CHECK(h2.it_energy_mwh == 0.0);
  CHECK(evicted.empty());
}

TEST_CASE("a queued task larger than its shrunk cluster is handed back, others stay", "[fleet][capacity]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(3);
  ClusterSpec cluster{*catalog.index_of("A100"), 100, ClusterRole::kTraining, {{1, 60}, {2, 40}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {cluster}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 80, 5 * 3600, 0));  // A: runs 0 .. 5 h
  site.enqueue(0, make_task(1, 50, 3600, 10));     // B: waits for A
  site.enqueue(0, make_task(2, 30, 3600, 20));     // C: waits behind B
  run(site, 0, evicted);
  run(site, 1, evicted);  // 60 GPUs: B (50) and C (30) still fit, keep waiting
  CHECK(evicted.empty());
  CHECK(site.total_gpus(0) == 60);
  run(site, 2, evicted);  // 40 GPUs: B no longer fits and is handed back; C stays
  REQUIRE(evicted.size() == 1);
  CHECK(evicted[0].task.job == 1);
  CHECK(evicted[0].task.work_gpu_s == 50.0 * 3600.0);
  for (int64_t h = 3; h < 8; ++h) run(site, h, evicted);
  CHECK(outcomes[0].end_s == 5 * 3600);
  CHECK(outcomes[2].start_s == 5 * 3600);  // when A's GPUs come back (40 of the 80 stay)
  CHECK_FALSE(outcomes[1].started());
  CHECK(site.installed_gpus() == 40);
}

TEST_CASE("growth cancels a retirement still in progress before adding GPUs", "[fleet][capacity]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(1);
  ClusterSpec cluster{*catalog.index_of("A100"), 100, ClusterRole::kTraining, {{1, 20}, {2, 150}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {cluster}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 90, 4 * 3600, 0));
  run(site, 0, evicted);
  run(site, 1, evicted);  // 20 in service; 70 of the task's 90 retiring; 10 free left at once
  CHECK(site.total_gpus(0) == 20);
  CHECK(site.installed_gpus() == 90);
  run(site, 2, evicted);  // 150: the 70 retiring stay, 60 new ones arrive
  CHECK(site.total_gpus(0) == 150);
  CHECK(site.installed_gpus() == 150);
  CHECK(site.uncommitted_gpus(0) == 60);
}

TEST_CASE("new GPUs are powered on only as far as the grid limit allows", "[fleet][capacity]") {
  // 1000 busy A100s replaced by 1000 H100s at 2 h under a 1 MW limit (PUE 1): the A100s stay
  // until their task ends at 8 h; the H100s are powered on as the headroom allows.
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(1);
  const ClusterSpec old_gen{*catalog.index_of("A100"), 1000, ClusterRole::kTraining, {{2, 0}}};
  const ClusterSpec new_gen{*catalog.index_of("H100"), 0, ClusterRole::kTraining, {{2, 1000}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {old_gen, new_gen}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 1000, 8 * 3600, 0));
  const double h100_idle_w =
      catalog.at(*catalog.index_of("H100")).idle_power_w + catalog.at(*catalog.index_of("H100")).overhead_w;
  const auto powered_early = static_cast<int64_t>(std::floor((1e6 * (1 + 1e-9) - 1000 * 812.5) / h100_idle_w));
  for (int64_t h = 0; h < 10; ++h) {
    const SiteHour out = run(site, h, evicted);
    INFO("hour " << h);
    CHECK(out.facility_energy_mwh <= 1.0 * (1 + 1e-9));  // 1 MW x 1 h
    if (h >= 2) CHECK(site.total_gpus(1) == 1000);       // commissioned: counted for placement
    if (h >= 2 && h < 8) CHECK(out.gpus_total == 1000 + powered_early);
    if (h >= 8) CHECK(out.gpus_total == 1000);  // the A100s gone, every H100 on
  }
  CHECK(outcomes[0].end_s == 8 * 3600);
  CHECK(evicted.empty());
}

TEST_CASE("a queued task that more idle GPUs leave no power for is handed back", "[fleet][capacity]") {
  // 1600 A100s idle draw 740 kW; a 1000-GPU task adds 350 kW: over a 1 MW limit for good.
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(2);
  const ClusterSpec a{*catalog.index_of("A100"), 1000, ClusterRole::kTraining, {}};
  const ClusterSpec b{*catalog.index_of("A100"), 0, ClusterRole::kTraining, {{2, 600}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {a, b}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 1000, 5 * 3600, 0));
  site.enqueue(0, make_task(1, 1000, 5 * 3600, 1800));
  run(site, 0, evicted);
  CHECK(site.fits_when_idle(1000 * kDynamicFullW));
  run(site, 1, evicted);
  run(site, 2, evicted);
  CHECK_FALSE(site.fits_when_idle(1000 * kDynamicFullW));
  REQUIRE(evicted.size() == 1);
  CHECK(evicted[0].task.job == 1);
}

TEST_CASE("a task on retiring GPUs is not paused: it could not come back", "[fleet][capacity]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(1);
  const ClusterSpec a{*catalog.index_of("A100"), 64, ClusterRole::kTraining, {{1, 0}}};
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {a}}, catalog, 100, outcomes);
  std::vector<SiteRuntime::Evicted> evicted;
  site.enqueue(0, make_task(0, 64, 10 * 3600, 0));
  run(site, 0, evicted);
  run(site, 1, evicted);
  CHECK(site.pause(0, 360) == -1);
  for (int64_t h = 2; h < 11; ++h) run(site, h, evicted);
  CHECK(outcomes[0].end_s == 10 * 3600);
  CHECK(site.installed_gpus() == 0);
}
