#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "fleet/site.hpp"

using namespace fleetsim::fleet;

namespace {

constexpr double kWsPerMwh = 3.6e9;

Task make_task(uint32_t job, int64_t gpus, int64_t duration_s, int64_t submit_s, double utilization = 1.0) {
  Task t;
  t.job = job;
  t.gpus = gpus;
  t.work_gpu_s = static_cast<double>(duration_s * gpus);  // A100: throughput 1
  t.utilization = utilization;
  t.submit_s = submit_s;
  return t;
}

}  // namespace

TEST_CASE("a job's energy is integrated exactly across hour boundaries", "[fleet]") {
  // 16 A100 (idle 50 W, max 400 W, overhead 412.5 W), PUE 1.5. One job of 8 GPUs at
  // u = 0.5 from 00:30 to 02:00.
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> outcomes(1);
  SiteRuntime site(SiteSpec{"s", 0, 1.5, 1.0, {{*catalog.index_of("A100"), 16}}}, catalog, 100, outcomes);
  site.enqueue(0, make_task(0, 8, 5400, 1800, 0.5));
  const SiteHour h0 = site.run_hour(0);
  const SiteHour h1 = site.run_hour(1);
  const SiteHour h2 = site.run_hour(2);
  // Idle IT power 16 x 462.5 = 7400 W; the job adds 8 x 350 x 0.5 = 1400 W.
  CHECK(h0.it_energy_mwh == Approx((7400.0 * 3600 + 1400.0 * 1800) / kWsPerMwh));
  CHECK(h1.it_energy_mwh == Approx((7400.0 + 1400.0) * 3600 / kWsPerMwh));
  CHECK(h2.it_energy_mwh == Approx(7400.0 * 3600 / kWsPerMwh));
  CHECK(h0.facility_energy_mwh == Approx(1.5 * h0.it_energy_mwh));
  CHECK(h0.gpus_busy_training == Approx(4.0));
  CHECK(h1.gpus_busy_training == Approx(8.0));
  CHECK(h2.gpus_busy_training == 0.0);
  CHECK(outcomes[0].start_s == 1800);
  CHECK(outcomes[0].end_s == 7200);
  // Job energy: 8 x (50 + 175 + 412.5) W x 1.5 x 5400 s.
  CHECK(outcomes[0].energy_mwh == Approx(8 * 637.5 * 1.5 * 5400 / kWsPerMwh));
  // Conservation: the site's facility energy = idle floor + the job's dynamic share.
  const double total = h0.facility_energy_mwh + h1.facility_energy_mwh + h2.facility_energy_mwh;
  CHECK(total == Approx(1.5 * (7400.0 * 3 * 3600 + 1400.0 * 5400) / kWsPerMwh));
}

TEST_CASE("EASY backfill starts small jobs without delaying the queue head", "[fleet]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(5);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 10}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 6, 7200, 0));    // A: runs 0..7200
  site.enqueue(0, make_task(1, 8, 3600, 10));   // B: head, needs 8, reserved at 7200 (extra 2)
  site.enqueue(0, make_task(2, 2, 3600, 10));   // C: ends 3610 <= shadow: backfills
  site.enqueue(0, make_task(3, 2, 18000, 20));  // D: runs past shadow but fits the 2 extra GPUs
  site.enqueue(0, make_task(4, 1, 18000, 30));  // E: no free GPU now; later would delay B
  for (int64_t h = 0; h < 8; ++h) site.run_hour(h);
  CHECK(out[0].start_s == 0);
  CHECK(out[2].start_s == 10);
  CHECK(out[3].start_s == 20);
  CHECK(out[1].start_s == 7200);   // the head is not delayed by backfill
  CHECK(out[4].start_s == 10800);  // after B ends
}

TEST_CASE("with backfill off the queue is strict FIFO", "[fleet]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(3);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 10}}}, catalog, 0, out);
  site.enqueue(0, make_task(0, 6, 7200, 0));
  site.enqueue(0, make_task(1, 8, 3600, 10));
  site.enqueue(0, make_task(2, 2, 3600, 10));
  for (int64_t h = 0; h < 4; ++h) site.run_hour(h);
  CHECK(out[1].start_s == 7200);
  CHECK(out[2].start_s == 7200);
}

TEST_CASE("the grid connection limit is never exceeded", "[fleet]") {
  // PUE 1: idle 16 x 462.5 = 7400 W; one 8-GPU job at full load adds 2800 W. The limit
  // leaves room for one such job at a time.
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(2);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 0.0103, {{*catalog.index_of("A100"), 16}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 8, 3600, 0));
  site.enqueue(0, make_task(1, 8, 3600, 0));
  double peak_w = 0.0;
  for (int64_t h = 0; h < 3; ++h) peak_w = std::max(peak_w, site.run_hour(h).facility_energy_mwh * kWsPerMwh / 3600);
  CHECK(out[0].start_s == 0);
  CHECK(out[1].start_s == 3600);
  CHECK(peak_w <= 10300.0);
}

TEST_CASE("a site whose idle power exceeds its grid limit is refused", "[fleet]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out;
  CHECK_THROWS_WITH(SiteRuntime(SiteSpec{"s", 0, 1.0, 0.001, {{0, 16}}}, catalog, 10, out),
                    Catch::Contains("exceeds grid_limit_mw"));
  CHECK_THROWS_WITH(SiteRuntime(SiteSpec{"s", 0, 0.9, 1.0, {{0, 16}}}, catalog, 10, out), Catch::Contains("pue"));
}

TEST_CASE("a job still running at the horizon books energy up to the horizon", "[fleet]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(2);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {{*catalog.index_of("A100"), 8}}}, catalog, 10, out);
  site.enqueue(0, make_task(0, 4, 36000, 0));
  site.enqueue(0, make_task(1, 4, 7200, 0));
  site.run_hour(0);
  site.run_hour(1);
  site.finish(7200);
  CHECK_FALSE(out[0].finished());
  CHECK(out[0].energy_mwh == Approx(4 * 812.5 * 7200 / kWsPerMwh));
  CHECK(out[1].finished());  // ends exactly at the horizon: completed
  CHECK(out[1].end_s == 7200);
}

TEST_CASE("a queue head blocked by the grid limit is not overtaken indefinitely", "[fleet]") {
  // 16 A100, PUE 1: idle 7,400 W; the limit leaves 2,800 W, one 8-GPU job at full load.
  // A 4-GPU job runs from 0 to 2 h; an 8-GPU head arrives at 36 s and cannot start for power;
  // ten later 4-GPU jobs would fit the remaining power but would delay the head.
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(12);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 0.0102, {{*catalog.index_of("A100"), 16}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 4, 7200, 0));
  site.enqueue(0, make_task(1, 8, 7200, 36));
  for (uint32_t j = 2; j < 12; ++j) site.enqueue(0, make_task(j, 4, 7200, 72));
  for (int64_t h = 0; h < 40; ++h) site.run_hour(h);
  CHECK(out[0].start_s == 0);
  CHECK(out[1].start_s == 7200);  // at its shadow time: when job 0 frees the power
  for (uint32_t j = 2; j < 12; ++j) CHECK(out[j].start_s >= 7200);
}

TEST_CASE("the grid-limit reservation holds across clusters of a site", "[fleet]") {
  // Two clusters share one connection. An H100 head that needs the power must not be
  // overtaken by A100 jobs submitted after it.
  const GpuCatalog catalog = GpuCatalog::builtin();
  const size_t a100 = *catalog.index_of("A100");
  const size_t h100 = *catalog.index_of("H100");
  // Idle: 8 x 462.5 + 8 x 645 = 8,860 W. 8 H100 at full load add 8 x 630 = 5,040 W.
  std::vector<TaskOutcome> out(8);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, (8860.0 + 5040.0) / 1e6, {{a100, 8}, {h100, 8}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 4, 7200, 0));  // A100 job: 1,400 W from 0 to 2 h
  Task head = make_task(1, 8, 3600, 36);      // H100 head: needs 5,040 W
  head.work_gpu_s = 3600.0 * 8 * catalog.at(h100).training_throughput;
  site.enqueue(1, head);
  for (uint32_t j = 2; j < 8; ++j) site.enqueue(0, make_task(j, 4, 7200, 72));
  for (int64_t h = 0; h < 20; ++h) site.run_hour(h);
  CHECK(out[1].start_s == 7200);
  for (uint32_t j = 2; j < 8; ++j) CHECK(out[j].start_s >= 7200);
}

TEST_CASE("under a power cap backfill uses the slowed run time and never delays the head", "[fleet][policy]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(3);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 10}}}, catalog, 100, out);
  site.set_power_cap(PowerCap{0.5, 0.3});      // full-load A100: 200 W of 400 W, speed 0.5^0.3
  site.enqueue(0, make_task(0, 6, 7200, 0));   // A: ends at 7200 / 0.812 = 8866 s
  site.enqueue(0, make_task(1, 8, 3600, 10));  // B: head, reserved when A ends
  site.enqueue(0, make_task(2, 3, 7200, 20));  // C: ends 7220 s at full speed, but 8886 s capped: past A's end
  for (int64_t h = 0; h < 8; ++h) site.run_hour(h);
  CHECK(out[0].end_s == 7200 + std::llround(7200.0 / std::pow(0.5, 0.3)) - 7200);
  CHECK(out[1].start_s == out[0].end_s);    // the head starts as soon as A's GPUs are free
  CHECK(out[2].start_s >= out[1].start_s);  // C did not backfill in front of it
}

TEST_CASE("a cap below a GPU's idle power holds it at idle, never below", "[fleet][policy]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(1);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 1.0, {{*catalog.index_of("A100"), 8}}}, catalog, 100, out);
  site.set_power_cap(PowerCap{0.1, 0.3});  // 40 W < the A100's 50 W idle
  site.enqueue(0, make_task(0, 8, 3600, 0));
  const SiteHour h = site.run_hour(0);
  // idle floor: 8 x (50 + 412.5) W; the capped job adds nothing above it
  CHECK(h.it_energy_mwh == Approx(8 * 462.5 * 3600 / kWsPerMwh));
  for (int64_t hour = 1; hour < 4; ++hour) CHECK(site.run_hour(hour).it_energy_mwh >= h.it_energy_mwh * (1 - 1e-12));
  // it ran at (50 / 400) ^ 0.3 of full speed, drawing idle power
  const double run_s = static_cast<double>(std::llround(3600 / std::pow(50.0 / 400.0, 0.3)));
  CHECK(out[0].end_s == static_cast<int64_t>(run_s));
  CHECK(out[0].energy_mwh == Approx(8 * 462.5 * run_s / kWsPerMwh));
}

TEST_CASE("a held task keeps a reservation from its latest start; release lets it run", "[fleet][policy]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(3);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 8}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 8, 3600, 0), true, 7200);  // held; must start by 2 h
  site.enqueue(0, make_task(1, 8, 5 * 3600, 0));          // would still run at 2 h: must wait
  site.enqueue(0, make_task(2, 8, 3600, 0));              // ends at 1 h: may use the GPUs meanwhile
  site.run_hour(0);
  CHECK(out[2].start_s == 0);
  CHECK_FALSE(out[1].started());
  CHECK(site.eligible_waiting_gpus(0) == 8);
  site.run_hour(1);
  CHECK(site.release(0));  // at 2 h
  CHECK_FALSE(site.release(0));
  site.reschedule();
  for (int64_t h = 2; h < 12; ++h) site.run_hour(h);
  CHECK(out[0].start_s == 7200);
  CHECK(out[0].deferred_s == 7200);
  CHECK(out[1].start_s == 3 * 3600);  // after the released task
}

TEST_CASE("a paused task resumes with its remaining work plus the checkpoint", "[fleet][policy]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(1);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 8}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 8, 3 * 3600, 0));
  site.run_hour(0);
  CHECK(site.pause(0, 600) == 2 * 3600 + 600);  // at 1 h: 2 h left, plus the checkpoint
  CHECK(site.held_duration_s(0) == 2 * 3600 + 600);
  site.run_hour(1);
  site.run_hour(2);
  CHECK(site.release(0));  // at 3 h
  site.reschedule();
  for (int64_t h = 3; h < 8; ++h) site.run_hour(h);
  CHECK(out[0].end_s == 3 * 3600 + 2 * 3600 + 600);
  CHECK(out[0].paused_s == 2 * 3600);
  CHECK(out[0].pauses == 1);
  CHECK(out[0].energy_mwh == Approx(8 * 812.5 * (3 * 3600 + 600) / kWsPerMwh));
}

TEST_CASE("a paused task that queues after its release counts the wait as paused time", "[fleet][policy]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  std::vector<TaskOutcome> out(2);
  SiteRuntime site(SiteSpec{"s", 0, 1.0, 10.0, {{*catalog.index_of("A100"), 8}}}, catalog, 100, out);
  site.enqueue(0, make_task(0, 8, 2 * 3600, 0));
  site.run_hour(0);
  CHECK(site.pause(0, 600, 8 * 3600) == 3600 + 600);  // at 1 h; must restart by 8 h
  site.reschedule();
  site.enqueue(0, make_task(1, 8, 4 * 3600 + 1800, 5400));  // ends at 6 h, before 8 h: may use the GPUs
  for (int64_t h = 1; h < 4; ++h) site.run_hour(h);
  CHECK(out[1].start_s == 5400);
  CHECK(site.release(0));  // at 4 h: its GPUs are busy until 6 h
  site.reschedule();
  for (int64_t h = 4; h < 10; ++h) site.run_hour(h);
  CHECK(out[0].start_s == 0);
  CHECK(out[0].paused_s == 5 * 3600);  // from the pause at 1 h to the restart at 6 h
  CHECK(out[0].end_s == 6 * 3600 + 3600 + 600);
  CHECK(out[0].end_s - out[0].start_s - out[0].paused_s == 2 * 3600 + 600);
}

namespace {
bool same_views(const std::vector<RunningView>& a, const std::vector<RunningView>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const RunningView& x, const RunningView& y) {
    return x.job == y.job && x.cluster == y.cluster && x.end_s == y.end_s && x.remaining_s == y.remaining_s &&
           x.gpus == y.gpus && x.priority == y.priority;
  });
}
}  // namespace

TEST_CASE("the count of non-flexible GPUs follows every start, end, hold, release and pause", "[fleet][policy]") {
  // rigid_gpus(cluster) is kept up to date as tasks move; it must equal the sum over the
  // running and queued (not held) tasks of priority 0 that the views list.
  const GpuCatalog catalog = GpuCatalog::builtin();
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    std::mt19937_64 rng(seed);
    constexpr uint32_t kJobs = 120;
    std::vector<TaskOutcome> out(kJobs);
    SiteRuntime site(SiteSpec{"s", 0, 1.2, 1.0, {{*catalog.index_of("A100"), 64}, {*catalog.index_of("H100"), 32}}},
                     catalog, 100, out);
    std::vector<uint32_t> held;
    uint32_t next = 0;
    for (int64_t hour = 0; hour < 60; ++hour) {
      // releases, pauses and a power cap at the hour's start, as a timing policy would
      for (size_t i = 0; i < held.size();) {
        if (rng() % 3 == 0 && site.release(held[i])) {
          held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          ++i;
        }
      }
      std::vector<RunningView> running;
      site.running(running);
      CHECK(same_views(site.running_views(), running));  // kept views (read again below after changes)
      for (const RunningView& r : running) {
        if (rng() % 6 == 0 && site.pause(r.job, 600) >= 0) held.push_back(r.job);
      }
      site.running(running);
      CHECK(same_views(site.running_views(), running));  // after the pauses, at the same time
      site.set_power_cap(PowerCap{hour % 7 == 3 ? 0.7 : 1.0, 0.3});
      site.running(running);
      CHECK(same_views(site.running_views(), running));  // after a new cap, at the same time
      site.reschedule();
      site.running(running);
      CHECK(same_views(site.running_views(), running));  // after the starts of a reschedule
      for (int k = 0; k < 3 && next < kJobs; ++k, ++next) {
        Task t = make_task(next, 1 + static_cast<int64_t>(rng() % 24), 1800 + static_cast<int64_t>(rng() % 20000),
                           hour * 3600 + static_cast<int64_t>(rng() % 3600));
        t.priority = static_cast<uint8_t>(rng() % 3);
        const bool hold = t.priority > 0 && rng() % 2 == 0;
        site.enqueue(rng() % 2, t, hold);
        if (hold) held.push_back(next);
      }
      site.run_hour(hour);
      std::vector<int64_t> expected(2, 0);
      site.running(running);
      CHECK(same_views(site.running_views(), running));  // after an hour's starts and ends
      for (const RunningView& r : running) expected[r.cluster] += r.priority == 0 ? r.gpus : 0;
      std::vector<WaitingView> waiting;
      site.waiting(waiting);
      for (const WaitingView& w : waiting) expected[w.cluster] += w.priority == 0 ? w.gpus : 0;
      for (size_t c = 0; c < 2; ++c) {
        INFO("seed " << seed << ", hour " << hour << ", cluster " << c);
        CHECK(site.rigid_gpus(c) == expected[c]);
      }
    }
  }
}
