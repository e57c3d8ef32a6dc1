// Properties of the carbon-aware timing policy on random job sets and real grids
// (docs/policies.md, "Properties"), with a perfect forecast:
//   (a) more flexibility (a later deadline, deferrable -> interruptible, more pauses) never
//       raises the job set's emissions by more than kFlexibilityTolerance of them when the
//       cluster has room for every job, and by more than kContendedTolerance when it does not
//       (the job set: the jobs due within the horizon in every variant; a job due later may leave
//       a different share of its work past the horizon, where nothing is booked);
//   (b) no job's emissions are below its clairvoyant bound (policy/clairvoyant.hpp) when it ends by
//       its deadline and, if not flexible, started when submitted - and so, on a cluster with
//       room for every job, no run's job emissions are below the bound of its job set;
//   (c) no job the fifo baseline finishes on time misses its deadline under the policy unless it
//       is itself flexible, and every miss is reported with its reason.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

// How much more flexibility may cost, as a share of the less flexible run's job emissions:
// decisions are taken at whole hours (a job submitted mid-hour decides for the rest of that
// hour at once) - and, on a full cluster, jobs compete for the clean hours.
constexpr double kFlexibilityTolerance = 0.005;
constexpr double kContendedTolerance = 0.03;
constexpr int kJobSets = 20;

struct Grid {
  std::string file;
  std::string format;
  std::string start;
};

std::vector<Grid> real_grids() {
  const std::string dir = std::string(FLEETSIM_SHARED_DATA) + "/grid/";
  return {{dir + "entsoe_2020_GB.csv", "entsoe", "2020-03-01T00:00:00Z"},
          {dir + "electricitymaps_2022_US-CAL-CISO.csv", "electricitymaps", "2022-06-01T00:00:00Z"}};
}

// A month on one grid; one A100 cluster of `gpus`; three generators (non-flexible, and two of
// the given flexibility) seeded by `seed`.
std::string scenario_text(const Grid& grid, int seed, int64_t gpus, const std::string& flexibility, double slack,
                          int64_t max_pauses) {
  const std::string start_shift = grid.start.substr(0, 4) == "2020" ? "1440" : "3624";  // hours into the file
  std::string s = "name: properties\nseed: " + std::to_string(seed) + "\nstart: " + grid.start +
                  "\nhours: 720\nregions:\n  - name: r\n    grid: {source: csv, file: " + grid.file +
                  ", format: " + grid.format + ", fill: previous, shift_h: " + start_shift + "}\n";
  s += "sites: [{name: s, region: r, pue: 1.1, grid_limit_mw: 1000, clusters: [{gpu_type: A100, gpus: " +
       std::to_string(gpus) + "}]}]\n";
  s += "scheduler: {policy: temporal_shift, forecast: {model: perfect}, temporal_shift: {max_pauses: " +
       std::to_string(max_pauses) + "}}\n";
  const std::string slack_text = std::to_string(slack);
  s += "workload:\n  synthetic:\n"
       "    - {name: fixed, arrivals_per_day: 6, gpus: [8, 32], duration_median_h: 4, duration_max_h: 24, "
       "deadline_slack: 1.5}\n"
       "    - {name: batch, arrivals_per_day: 8, gpus: [8, 16, 64], duration_median_h: 6, duration_max_h: 48, "
       "deadline_slack: " +
       slack_text + ", flexibility: " + flexibility +
       ", checkpoint_h: 0.05}\n"
       "    - {name: long, arrivals_per_day: 2, gpus: [64, 128], duration_median_h: 20, duration_max_h: 96, "
       "deadline_slack: " +
       slack_text + ", flexibility: " + flexibility + ", checkpoint_h: 0.05}\n";
  return s;
}

run::RunResult run_text(const std::string& text, const std::vector<std::string>& sets = {}) {
  return run::simulate(scenario::parse_scenario(text, "properties.yaml", sets), {1, {}});
}

bool have_data() {
  for (const Grid& g : real_grids()) {
    if (!std::filesystem::exists(g.file)) {
      WARN("skipped: " << g.file << " is absent (the shared data folder is not next to the checkout)");
      return false;
    }
  }
  return true;
}

void check_properties(int64_t gpus, double tolerance, bool ample) {
  for (const Grid& grid : real_grids()) {
    for (int seed = 1; seed <= kJobSets; ++seed) {
      INFO("grid " << grid.file << ", seed " << seed << ", GPUs " << gpus);
      const std::string base = scenario_text(grid, seed, gpus, "deferrable", 2.0, 4);
      const run::RunResult fifo = run_text(base, {"scheduler.policy=fifo"});
      // from least to most flexible
      const std::vector<run::RunResult> runs{
          run_text(base),
          run_text(scenario_text(grid, seed, gpus, "deferrable", 3.0, 4)),
          run_text(scenario_text(grid, seed, gpus, "interruptible", 3.0, 1)),
          run_text(scenario_text(grid, seed, gpus, "interruptible", 3.0, 4)),
          run_text(scenario_text(grid, seed, gpus, "interruptible", 3.0, 100)),
      };
      // the jobs due within the horizon in the variant with the latest deadlines
      const core::Seconds horizon_s = 720 * 3600;
      auto due_emissions = [&](const run::RunResult& r) {
        double sum = 0.0;
        for (size_t j = 0; j < r.jobs.size(); ++j) {
          const core::Seconds due = runs.back().jobs[j].deadline_s;
          if (due >= 0 && due <= horizon_s) sum += r.jobs[j].emissions_t;
        }
        return sum;
      };
      double previous = due_emissions(fifo);
      for (size_t k = 0; k < runs.size(); ++k) {
        const run::RunResult& r = runs[k];
        INFO("variant " << k);
        REQUIRE(r.jobs.size() == fifo.jobs.size());
        const double emissions = due_emissions(r);
        // (a) each step adds flexibility
        CHECK(emissions <= previous * (1.0 + tolerance));
        previous = emissions;
        // (b) never below the clairvoyant bound
        if (ample) {
          CHECK(r.summary_value("job_emissions_location_t") >= r.summary_value("job_emissions_bound_t") * (1.0 - 1e-9));
        }
        for (const run::JobRecord& p : r.jobs) {
          const bool on_time = p.status == run::JobStatus::kCompleted;
          const bool as_submitted = p.flexibility != workload::Flexibility::kNone || p.start_s == p.submit_s;
          if (on_time && as_submitted) CHECK(p.emissions_t >= p.emissions_bound_t * (1.0 - 1e-9));
        }
        // (c) misses only of flexible jobs, each with its reason
        for (size_t j = 0; j < r.jobs.size(); ++j) {
          const run::JobRecord& p = r.jobs[j];
          if (p.status != run::JobStatus::kDeadlineMissed) continue;
          INFO("job " << p.name << " reason " << p.reason);
          CHECK(!p.reason.empty());
          if (fifo.jobs[j].status == run::JobStatus::kCompleted) {
            CHECK(p.flexibility != workload::Flexibility::kNone);
          }
        }
      }
      if (ample) {  // fifo computes no bound of its own: the job set's is the policy run's
        CHECK(fifo.summary_value("job_emissions_location_t") >=
              runs.front().summary_value("job_emissions_bound_t") * (1 - 1e-9));
      }
    }
  }
}

}  // namespace

TEST_CASE("more flexibility never costs emissions when the cluster has room; no run beats the bound",
          "[policy][properties]") {
  if (!have_data()) return;
  check_properties(4096, kFlexibilityTolerance, true);
}

TEST_CASE("on a busy cluster flexibility costs at most the contention tolerance; misses are flexible and explained",
          "[policy][properties]") {
  if (!have_data()) return;
  check_properties(1024, kContendedTolerance, false);
}
