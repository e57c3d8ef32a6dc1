// Scheduling policies on tiny hand-made cases: emissions, delays and energy equal a hand
// calculation (docs/policies.md has the rules these follow).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/time.hpp"
#include "fleet/gpu_catalog.hpp"
#include "run/comparison.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / "fleetsim_test_policies";
  std::filesystem::create_directories(dir);
  return dir;
}

// A grid CSV (columns format) with the given hourly intensities from 2024-01-01T00Z, CFE share 0.5.
std::string grid_csv(const std::string& name, const std::vector<double>& ci) {
  const auto path = temp_dir() / (name + ".csv");
  std::ofstream out(path);
  out << "datetime_utc,ci,cfe\n";
  for (size_t h = 0; h < ci.size(); ++h) {
    out << core::format_utc(static_cast<core::Seconds>(1704067200 + 3600 * h)) << ',' << ci[h] << ",0.5\n";
  }
  return path.string();
}

std::string region(const std::string& name, const std::string& csv) {
  return "  - name: " + name + "\n    grid: {source: csv, file: " + csv +
         ", carbon_intensity_column: ci, cfe_share_column: cfe}\n";
}

run::RunResult run_text(const std::string& text, const std::vector<std::string>& sets = {}, int threads = 1) {
  return run::simulate(scenario::parse_scenario(text, "policy-test.yaml", sets), {threads, {}});
}

// 8 A100 at full load: 8 x 812.5 W = 6.5 kW; PUE 1: 0.0065 MWh per hour.
constexpr double kMwhPerHour = 0.0065;

}  // namespace

TEST_CASE("temporal_shift holds a deferrable job until the clean hours; fifo runs it at once", "[policy]") {
  // CI: 500 g/kWh in hours 0-5 and 12-23, 100 in hours 6-11. A 2 h job, deadline 12 h.
  std::vector<double> ci(24, 500.0);
  for (int h = 6; h < 12; ++h) ci[static_cast<size_t>(h)] = 100.0;
  const std::string text =
      "name: shift\nstart: 2024-01-01T00:00:00Z\nhours: 24\nregions:\n" + region("r", grid_csv("shift", ci)) +
      R"(sites: [{name: s, region: r, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}]
scheduler: {policy: temporal_shift, forecast: {model: perfect}}
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 2, deadline_h: 12, flexibility: deferrable}]
)";
  const auto shifted = run_text(text);
  const auto fifo = run_text(text, {"scheduler.policy=fifo"});
  REQUIRE(shifted.jobs.size() == 1);
  // fifo: 0-2 h at 500. temporal_shift: latest start 12 - 1 (margin) - 2 = 9 h; the window
  // starting at 6 h has mean 100 < 0.95 x 500, so it waits until 6 h.
  CHECK(fifo.jobs[0].start_s == 0);
  CHECK(fifo.jobs[0].emissions_t == Approx(2 * kMwhPerHour * 500 / 1000));
  CHECK(shifted.jobs[0].start_s == 6 * 3600);
  CHECK(shifted.jobs[0].end_s == 8 * 3600);
  CHECK(shifted.jobs[0].deferred_s == 6 * 3600);
  CHECK(shifted.jobs[0].emissions_t == Approx(2 * kMwhPerHour * 100 / 1000));
  CHECK(shifted.jobs[0].energy_mwh == Approx(fifo.jobs[0].energy_mwh));
  CHECK(shifted.jobs[0].status == run::JobStatus::kCompleted);
  CHECK(shifted.summary_value("mean_delay_h") == Approx(6.0));
  CHECK(fifo.summary_value("mean_delay_h") == 0.0);
  const auto rows = run::compare(shifted, fifo);
  CHECK(rows[0].name == "emissions_location_t");
  CHECK(rows[0].difference ==
        Approx(shifted.summary_value("emissions_location_t") - fifo.summary_value("emissions_location_t")));
}

TEST_CASE("an interruptible job pauses in dirty hours and does exactly its work plus the checkpoint", "[policy]") {
  // CI: 100, 100, 500, 500, then 100. A 4 h job submitted at 0, deadline 7.5 h, checkpoint 0.25 h.
  const std::vector<double> ci{100, 100, 500, 500, 100, 100, 100, 100, 100, 100, 100, 100};
  const std::string text =
      "name: pause\nstart: 2024-01-01T00:00:00Z\nhours: 12\nregions:\n" + region("r", grid_csv("pause", ci)) +
      R"(sites: [{name: s, region: r, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}]
scheduler: {policy: temporal_shift, forecast: {model: perfect}}
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 4, deadline_h: 7.5, flexibility: interruptible, checkpoint_h: 0.25}]
)";
  const auto r = run_text(text);
  const auto fifo = run_text(text, {"scheduler.policy=fifo"});
  REQUIRE(r.jobs.size() == 1);
  const run::JobRecord& j = r.jobs[0];
  // It must end by 7.5 - 1 (margin) = 6.5 h. Hour 0: its 4 cleanest hours before then (the
  // half hour 6.0-6.5 holds no whole hour; its run has no fraction) are 0, 1, 4, 5: it starts.
  // Hour 1: 3 h left; pausing needs ceil(3.25) = 4 hours cleaner than 100: none, it runs on.
  // Hour 2: 2 h left; pausing needs 3 hours cleaner than 500 in 3..6 (6.0-6.25 fits the 0.25 h
  // fraction): 4, 5, 6. Paused: 100 + 100 + 0.25 x 100 = 225 < running on: 500 + 100 = 600.
  // Hour 3: held (its 3 cleanest hours are 4, 5, 6). Hour 4: it resumes and runs 2.25 h.
  CHECK(j.start_s == 0);
  CHECK(j.pauses == 1);
  CHECK(j.paused_s == 2 * 3600);
  CHECK(j.checkpoint_s == 900);
  CHECK(j.end_s == 6 * 3600 + 900);
  CHECK(j.end_s - j.start_s - j.paused_s == 4 * 3600 + 900);  // its work plus one checkpoint
  CHECK(j.status == run::JobStatus::kCompleted);
  CHECK(j.energy_mwh == Approx(4.25 * kMwhPerHour));
  CHECK(j.checkpoint_energy_mwh == Approx(0.25 * kMwhPerHour));
  CHECK(j.emissions_t == Approx(kMwhPerHour * (100 + 100 + 2.25 * 100) / 1000));
  CHECK(fifo.jobs[0].emissions_t == Approx(kMwhPerHour * (100 + 100 + 500 + 500) / 1000));
  CHECK(r.summary_value("pauses") == 1.0);
  CHECK(r.summary_value("checkpoint_hours") == Approx(0.25));
}

TEST_CASE("greenest_site places a job in the cleaner region; fifo takes the first site", "[policy]") {
  const std::string text = "name: spatial\nstart: 2024-01-01T00:00:00Z\nhours: 6\nregions:\n" +
                           region("dirty", grid_csv("dirty", std::vector<double>(6, 400.0))) +
                           region("clean", grid_csv("clean", std::vector<double>(6, 100.0))) + R"(sites:
  - {name: first, region: dirty, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}
  - {name: second, region: clean, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}
scheduler: {policy: greenest_site, forecast: {model: perfect}}
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 2}]
)";
  const auto green = run_text(text);
  const auto fifo = run_text(text, {"scheduler.policy=fifo"});
  CHECK(fifo.site_names[static_cast<size_t>(fifo.jobs[0].site)] == "first");
  CHECK(green.site_names[static_cast<size_t>(green.jobs[0].site)] == "second");
  CHECK(fifo.jobs[0].emissions_t == Approx(2 * kMwhPerHour * 400 / 1000));
  CHECK(green.jobs[0].emissions_t == Approx(2 * kMwhPerHour * 100 / 1000));
  CHECK(green.jobs[0].start_s == 0);  // no delay: the clean site is free
  // With nothing known yet (persistence at hour 0) greenest_site places as fifo does.
  const auto blind = run_text(text, {"scheduler.forecast.model=persistence"});
  CHECK(blind.site_names[static_cast<size_t>(blind.jobs[0].site)] == "first");
  // A job allowed only in the dirty region stays there.
  const auto pinned = run_text(text, {"workload.jobs[0].allowed_regions=[dirty]"});
  CHECK(pinned.site_names[static_cast<size_t>(pinned.jobs[0].site)] == "first");
}

TEST_CASE("power_cap slows a job in the dirty hours along the documented curve", "[policy]") {
  // CI alternates 500, 500, 100, 100. cap 0.5 of 400 W, exponent 0.5: a full-load A100 draws
  // 200 W instead of 400 W and runs at (200 / 400) ^ 0.5 = 0.7071 of full speed.
  const std::vector<double> ci{500, 500, 100, 100, 500, 500, 100, 100};
  const std::string text =
      "name: cap\nstart: 2024-01-01T00:00:00Z\nhours: 8\nregions:\n" + region("r", grid_csv("cap", ci)) +
      R"(sites: [{name: s, region: r, pue: 1.0, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 8}]}]
scheduler:
  policy: power_cap
  forecast: {model: perfect}
  power_cap: {cap: 0.5, quantile: 0.5, lookahead_h: 4, exponent: 0.5}
workload:
  jobs: [{name: j, gpus: 8, gpu_type: A100, duration_h: 3}]
)";
  const auto r = run_text(text);
  const fleet::GpuType a100 = *fleet::GpuCatalog::builtin().find("A100");
  // Hours 0 and 1: the forecast 500 is above the median (lower, 100) of the next 4 hours:
  // capped. Hour 2: 100 is not above it: uncapped. Work done by 2 h: 7200 x 0.7071 s; the
  // rest at full speed from 2 h.
  const double speed = std::sqrt(0.5);
  const double rest_s = 3 * 3600.0 - 7200.0 * speed;
  const core::Seconds end_s = 7200 + std::llround(rest_s);
  const run::JobRecord& j = r.jobs[0];
  CHECK(j.end_s == end_s);
  CHECK(j.capped_s == Approx(7200.0));
  const double capped_w = 8 * (200.0 + a100.overhead_w);
  const double full_w = 8 * (400.0 + a100.overhead_w);
  const double after_s = static_cast<double>(end_s - 7200);
  CHECK(j.energy_mwh == Approx((capped_w * 7200 + full_w * after_s) / 3.6e9));
  CHECK(j.emissions_t ==
        Approx((capped_w * 7200 * 500 + full_w * 3600 * 100 + full_w * (after_s - 3600) * 100) / 3.6e9 / 1000));
  CHECK(r.site_power_cap[0] == 0.5);
  CHECK(r.site_power_cap[1] == 0.5);
  CHECK(r.site_power_cap[2] == 1.0);
  CHECK(r.summary_value("power_capped_site_hours") == 4.0);  // hours 0, 1, 4, 5
  // the site's energy is the job's plus its idle GPUs' after the job ends
  double site_energy = 0.0;
  for (double e : r.site_facility_energy_mwh) site_energy += e;
  CHECK(site_energy == Approx(j.energy_mwh + 8 * (a100.idle_power_w + a100.overhead_w) *
                                                 static_cast<double>(8 * 3600 - end_s) / 3.6e9));
}

TEST_CASE("no deadline is missed when capacity is ample, under every forecast", "[policy]") {
  // Plenty of GPUs, flexible jobs with deadlines of 1.5-4x their run time: shifting must never
  // push one past its deadline.
  const std::string text = R"(name: deadlines
seed: 11
start: 2024-06-01T00:00:00Z
hours: 720
regions: [{name: sunny, latitude_deg: 35, grid: {mean_carbon_intensity_g_per_kwh: 300, solar_share: 0.3}}]
sites: [{name: s, region: sunny, pue: 1.1, grid_limit_mw: 50, clusters: [{gpu_type: A100, gpus: 20000}]}]
scheduler: {policy: temporal_shift}
workload:
  synthetic:
    - {name: d, arrivals_per_day: 40, gpus: [8, 64], duration_median_h: 5, deadline_slack: 1.5, flexibility: deferrable}
    - {name: i, arrivals_per_day: 20, gpus: [64, 256], duration_median_h: 12, deadline_slack: 4, flexibility: interruptible}
)";
  for (const char* model : {"perfect", "persistence", "noisy"}) {
    const auto r = run_text(text, {std::string("scheduler.forecast.model=") + model});
    INFO(model);
    CHECK(r.summary_value("jobs_deadline_missed") == 0.0);
    CHECK(r.summary_value("jobs_held") > 0.0);  // the policy did shift work
    for (const run::JobRecord& j : r.jobs) {
      if (j.end_s < 0) continue;
      // every finished job did exactly its work plus its checkpoints
      CHECK(j.end_s - j.start_s - j.paused_s == j.nominal_run_s + j.checkpoint_s);
    }
  }
}

TEST_CASE("policy runs are identical for any thread count", "[policy][determinism]") {
  const std::string text = R"(name: threads
seed: 3
start: 2024-06-01T00:00:00Z
hours: 480
regions:
  - {name: a, latitude_deg: 35, grid: {mean_carbon_intensity_g_per_kwh: 300, solar_share: 0.3}}
  - {name: b, latitude_deg: 55, grid: {mean_carbon_intensity_g_per_kwh: 150, wind_share: 0.3}}
sites:
  - {name: s1, region: a, pue: 1.1, grid_limit_mw: 3, clusters: [{gpu_type: A100, gpus: 2048}]}
  - {name: s2, region: b, pue: 1.2, grid_limit_mw: 2, clusters: [{gpu_type: H100, gpus: 1024}]}
scheduler: {policy: greenest_site+temporal_shift+power_cap, forecast: {model: noisy, error: 0.2}}
workload:
  synthetic:
    - {name: d, arrivals_per_day: 20, gpus: [8, 64, 256], duration_median_h: 5, deadline_slack: 2, flexibility: deferrable}
    - {name: i, arrivals_per_day: 6, gpus: [64, 512], duration_median_h: 12, deadline_slack: 3, flexibility: interruptible}
)";
  const auto one = run_text(text, {}, 1);
  const auto two = run_text(text, {}, 2);
  REQUIRE(one.jobs.size() == two.jobs.size());
  CHECK(one.summary_value("pauses") > 0.0);
  CHECK(one.summary_value("power_capped_site_hours") > 0.0);
  for (size_t i = 0; i < one.jobs.size(); ++i) {
    CHECK(one.jobs[i].start_s == two.jobs[i].start_s);
    CHECK(one.jobs[i].end_s == two.jobs[i].end_s);
    CHECK(one.jobs[i].energy_mwh == two.jobs[i].energy_mwh);
  }
  CHECK(one.region_load_mwh == two.region_load_mwh);
  CHECK(one.site_power_cap == two.site_power_cap);
}
