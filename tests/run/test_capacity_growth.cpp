// Capacity studies over several years (docs/models.md, "Capacity over time"): growth of demand
// and capacity, retirement with work in the queue, the calendar-year table, and determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/time.hpp"
#include "output/h5_reader.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

// Three years of one site growing with its training demand at 30% a year.
const char* const kGrowth = R"(name: growth
seed: 3
start: 2023-01-01T00:00:00Z
end: 2026-01-01T00:00:00Z
growth: {annual: 0.3}
regions: [{name: a, contracts: [{type: wind, capacity_mw: 3}]}]
sites:
  - {name: s, region: a, pue: 1.2, grid_limit_mw: 6, clusters: [{gpu_type: H100, gpus: 2000}]}
workload:
  synthetic:
    - {name: r, arrivals_per_day: 40, gpus: [8, 32, 128], duration_median_h: 12, duration_max_h: 96,
       utilization: 0.9}
)";

// A cluster retired in the middle of a busy month, with big jobs queued on it, next to a
// smaller cluster that stays.
const char* const kRetirement = R"(name: retire
seed: 8
start: 2024-05-01T00:00:00Z
hours: 720
regions: [{name: a}]
sites:
  - name: s
    region: a
    grid_limit_mw: 10
    clusters:
      - {gpu_type: A100, gpus: 1024, decommission: 2024-05-11}
      - {gpu_type: A100, gpus: 256}
      - {gpu_type: B200, gpus: 512, commission: 2024-05-21}
workload:
  synthetic:
    - {name: big, arrivals_per_day: 30, gpus: [128, 512], duration_median_h: 20, duration_max_h: 200,
       deadline_slack: 3}
    - {name: small, arrivals_per_day: 60, gpus: [8, 64], gpu_type: A100, duration_median_h: 4}
)";

}  // namespace

TEST_CASE("demand and capacity grow together: each year's energy is (1 + g) times the last", "[run][capacity]") {
  const auto sc = scenario::parse_scenario(kGrowth, "growth.yaml");
  const run::RunResult r = run::simulate(sc, {1, {}});
  REQUIRE(r.years.size() == 3);
  double facility = 0.0;
  int64_t submitted = 0;
  int64_t hours = 0;
  for (size_t k = 0; k < 3; ++k) {
    const run::YearSummary& y = r.years[k];
    INFO("year " << y.year);
    CHECK(y.year == 2023 + static_cast<int>(k));
    CHECK(y.gpus_installed == std::llround(2000 * std::pow(1.3, static_cast<double>(k))));
    if (k > 0) {
      // idle power grows by 1.3 exactly; work by 1.3 in expectation (Poisson noise ~1%)
      CHECK(y.facility_energy_mwh / r.years[k - 1].facility_energy_mwh == Approx(1.3).epsilon(0.04));
      CHECK(static_cast<double>(y.jobs_submitted) / static_cast<double>(r.years[k - 1].jobs_submitted) ==
            Approx(1.3).epsilon(0.04));
    }
    facility += y.facility_energy_mwh;
    submitted += y.jobs_submitted;
    hours += y.hours;
  }
  // the year table adds up to the run
  CHECK(hours == r.hours);
  CHECK(facility == Approx(r.summary_value("facility_energy_mwh")).epsilon(1e-12));
  CHECK(submitted == static_cast<int64_t>(r.summary_value("jobs_submitted")));
  CHECK(r.summary_value("gpus_total") == 3380.0);  // 2000 x 1.3^2, at the end
  // the CFE ledger per year: fixed contracts cover a falling share of a growing load
  CHECK(r.years[2].cfe_score < r.years[0].cfe_score);
  CHECK(r.years[2].annual_matching < r.years[0].annual_matching);
  CHECK(r.summary_value("jobs_rejected") == 0.0);
}

TEST_CASE("retiring a cluster with work queued on it loses no job and no energy", "[run][capacity]") {
  const auto sc = scenario::parse_scenario(kRetirement, "retire.yaml");
  const run::RunResult r = run::simulate(sc, {1, {}});
  const size_t sites = r.site_names.size();
  // installed GPUs: 1024 + 256 until day 10; the retiring GPUs leave as their jobs end; B200s from day 20
  const auto at = [&](int64_t hour) { return r.site_gpus_total[static_cast<size_t>(hour) * sites]; };
  CHECK(at(239) == 1280);
  CHECK(at(240) >= 256);
  CHECK(at(479) == 256);
  CHECK(at(480) == 768);
  // every job is accounted for; those that need more than 256 A100s after day 10 are refused with a reason
  int64_t rejected = 0;
  for (const run::JobRecord& j : r.jobs) {
    if (j.status != run::JobStatus::kRejected) continue;
    ++rejected;
    CHECK(j.reason != "");
  }
  CHECK(rejected > 0);
  const double outcomes = r.summary_value("jobs_completed") + r.summary_value("jobs_deadline_missed") +
                          r.summary_value("jobs_rejected") + r.summary_value("jobs_running_at_end") +
                          r.summary_value("jobs_waiting_at_end");
  CHECK(outcomes == r.summary_value("jobs_submitted"));
  // big jobs run on the B200s once they are commissioned; none before
  bool any_b200 = false;
  for (const run::JobRecord& j : r.jobs) {
    if (j.gpu_type != "B200" || j.start_s < 0) continue;
    any_b200 = true;
    CHECK(j.start_s >= 480 * 3600);
  }
  CHECK(any_b200);
  // the fleet's energy is its jobs' plus its idle GPUs': idle energy never goes negative
  CHECK(r.summary_value("idle_energy_mwh") > 0.0);
  double site_sum = 0.0;
  for (double e : r.site_facility_energy_mwh) site_sum += e;
  CHECK(site_sum == Approx(r.summary_value("facility_energy_mwh")).epsilon(1e-12));
}

TEST_CASE("a growth run is bit-identical for 1 and 2 threads and its year table reads back", "[run][capacity]") {
  const auto sc = scenario::parse_scenario(kRetirement, "retire.yaml");
  const run::RunResult one = run::simulate(sc, {1, {}});
  run::RunOptions shared{2, {}};
  shared.sharing = engine::LoopSharing::kAlways;  // every loop on both threads
  const run::RunResult two = run::simulate(sc, shared);
  CHECK(one.site_facility_energy_mwh == two.site_facility_energy_mwh);
  CHECK(one.site_gpus_total == two.site_gpus_total);
  REQUIRE(one.jobs.size() == two.jobs.size());
  for (size_t j = 0; j < one.jobs.size(); ++j) {
    REQUIRE(one.jobs[j].end_s == two.jobs[j].end_s);
    REQUIRE(one.jobs[j].reason == two.jobs[j].reason);
  }
  const auto growth = scenario::parse_scenario(kGrowth, "growth.yaml");
  const run::RunResult g = run::simulate(growth, {1, {}});
  const auto path = std::filesystem::temp_directory_path() / "fleetsim_test_growth_years.h5";
  run::write_run_file(growth, g, path.string());
  const run::StoredRun stored = run::read_run_summary(path.string());
  REQUIRE(stored.years.size() == g.years.size());
  for (size_t k = 0; k < g.years.size(); ++k) {
    CHECK(stored.years[k].year == g.years[k].year);
    CHECK(stored.years[k].facility_energy_mwh == g.years[k].facility_energy_mwh);
    CHECK(stored.years[k].gpus_installed == g.years[k].gpus_installed);
    CHECK(stored.years[k].jobs_finished == g.years[k].jobs_finished);
  }
  std::filesystem::remove(path);
}

TEST_CASE("an interruptible job on a retiring cluster is not paused into a queue it cannot leave",
          "[run][capacity][policy]") {
  // Its cluster is retired at 30 h while it runs; temporal shifting would pause it in a dirty
  // hour, but the GPUs it frees would leave and it could never restart there.
  const char* const text = R"(name: pause_retire
start: 2024-06-01T00:00:00Z
hours: 400
regions:
  - {name: sun, latitude_deg: 35, longitude_deg: -118,
     grid: {mean_carbon_intensity_g_per_kwh: 240, mean_cfe_share: 0.55, solar_share: 0.4, wind_share: 0.02}}
sites:
  - name: s
    region: sun
    grid_limit_mw: 10
    clusters:
      - {gpu_type: A100, gpus: 64, decommission: 2024-06-02T06:00:00Z}
      - {gpu_type: A100, gpus: 64}
scheduler:
  policy: temporal_shift
  forecast: {model: perfect}
  temporal_shift: {max_delay_h: 24, min_saving: 0.05, deadline_margin_h: 1, max_pauses: 20}
workload:
  jobs:
    - {name: long, gpus: 64, gpu_type: A100, duration_h: 60, submit_h: 0, flexibility: interruptible}
)";
  const run::RunResult r = run::simulate(scenario::parse_scenario(text, "pause_retire.yaml"), {1, {}});
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0].status == run::JobStatus::kCompleted);
  CHECK(r.jobs[0].end_s > 0);
  CHECK(r.summary_value("gpus_total") == 64.0);
}
