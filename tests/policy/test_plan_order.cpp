// temporal_shift's hourly plan where no calendar is needed (docs/policies.md, "The rules"):
// the jobs' plans do not meet, so the policy plans them in the order they come. Checked here
// by planning the same jobs hour after hour in their order and in a shuffled one, with two
// policies that each remember their own plans: every decision must agree. The job indices
// straddle the remembered plans' pages (4,096 jobs a page) and reach far beyond them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "policy/forecast.hpp"
#include "policy/scheduling.hpp"

using namespace fleetsim;

namespace {

constexpr size_t kRegions = 3;
constexpr int64_t kHours = 24 * 60;

std::vector<energy::RegionSupply> make_supply(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.2);
  std::vector<energy::RegionSupply> supply(kRegions);
  for (size_t r = 0; r < kRegions; ++r) {
    double weather = 0.0;
    for (int64_t h = 0; h < kHours; ++h) {
      if (h % 24 == 0) weather = 0.6 * weather + noise(rng);
      const double sun = std::max(
          0.0, std::sin(2 * std::numbers::pi * static_cast<double>((h + 5 * static_cast<int64_t>(r)) % 24) / 24.0));
      // whole grams: many equal hours, so ties between hours are exercised too
      supply[r].grid.carbon_intensity_g_per_kwh.push_back(
          std::max(5.0, std::round(250.0 + 30.0 * static_cast<double>(r) - 150.0 * sun + 90.0 * weather)));
      supply[r].grid.cfe_share.push_back(0.5);
      supply[r].contracted_mwh.push_back(0.0);
    }
  }
  return supply;
}

// One policy with its forecasts, as a run holds them.
struct Planner {
  policy::Forecaster forecaster;
  policy::ForecastSignals signals{forecaster, policy::Signal::kCarbonIntensity};
  std::unique_ptr<policy::SchedulingPolicy> policy;
  std::vector<double> load = std::vector<double>(kRegions, 1.0);
  std::vector<std::string> names = std::vector<std::string>(kRegions, "r");
  Planner(const std::vector<energy::RegionSupply>& supply, policy::ForecastModel model)
      : forecaster(supply, {model, 0.0, 1}) {
    policy::PolicyConfig config;
    config.components = {"fifo", "temporal_shift"};
    policy = policy::make_policy(config);
  }
  void plan(std::vector<policy::PlannedJob>& jobs, int64_t hour) {
    signals.begin_hour(hour, load);
    const policy::DecisionContext ctx{hour, {{}, nullptr, names}, &signals};
    policy->plan(jobs, ctx);  // JobTiming::gpus = 0: no calendar
  }
};

policy::PlannedJob make_job(std::mt19937_64& rng, uint32_t id, int64_t hour, bool running) {
  std::uniform_real_distribution<double> log_hours(0.0, std::log(120.0));
  std::uniform_real_distribution<double> slack(1.2, 4.0);
  std::uniform_int_distribution<size_t> region(0, kRegions - 1);
  policy::JobTiming t;
  t.job = id;
  t.region = region(rng);
  t.remaining_s = static_cast<int64_t>(3600.0 * std::exp(log_hours(rng)));
  t.nominal_s = t.remaining_s;
  t.submit_s = hour * 3600;
  t.deadline_s = t.submit_s + static_cast<int64_t>(static_cast<double>(t.remaining_s) * slack(rng));
  t.checkpoint_s = 600;
  t.flexibility = id % 3 == 0 ? workload::Flexibility::kDeferrable : workload::Flexibility::kInterruptible;
  if (t.flexibility == workload::Flexibility::kDeferrable) running = false;
  return policy::PlannedJob{id, t, running, running};
}

}  // namespace

TEST_CASE("without a calendar, temporal_shift plans the same in any order of the jobs", "[policy][plan]") {
  for (const policy::ForecastModel model : {policy::ForecastModel::kPerfect, policy::ForecastModel::kPersistence}) {
    for (const uint64_t seed : {1U, 2U, 3U}) {
      CAPTURE(static_cast<int>(model), seed);
      const std::vector<energy::RegionSupply> supply = make_supply(seed);
      Planner in_order(supply, model);
      Planner shuffled(supply, model);
      std::mt19937_64 rng(seed * 977);
      // indices just below and above a page of remembered plans, and far beyond
      std::vector<uint32_t> free_ids;
      for (uint32_t id = 4000; id < 4400; ++id) free_ids.push_back(id);
      for (uint32_t id = 70000; id < 70600; ++id) free_ids.push_back(id);
      std::reverse(free_ids.begin(), free_ids.end());  // taken from the back: 4000 first
      const int64_t first_hour = 30;
      std::vector<policy::PlannedJob> jobs;
      for (int i = 0; i < 120; ++i) {
        jobs.push_back(make_job(rng, free_ids.back(), first_hour, i % 2 == 0));
        free_ids.pop_back();
      }
      int64_t paused = 0;
      int64_t held = 0;
      int64_t compared = 0;
      for (int64_t hour = first_hour; hour < first_hour + 72; ++hour) {
        std::vector<policy::PlannedJob> other = jobs;
        std::shuffle(other.begin(), other.end(), rng);
        in_order.plan(jobs, hour);
        shuffled.plan(other, hour);
        std::sort(other.begin(), other.end(),
                  [](const policy::PlannedJob& a, const policy::PlannedJob& b) { return a.job < b.job; });
        std::vector<policy::PlannedJob> sorted = jobs;
        std::sort(sorted.begin(), sorted.end(),
                  [](const policy::PlannedJob& a, const policy::PlannedJob& b) { return a.job < b.job; });
        for (size_t i = 0; i < sorted.size(); ++i) {
          CAPTURE(hour, sorted[i].job);
          REQUIRE(other[i].job == sorted[i].job);
          REQUIRE(other[i].run == sorted[i].run);
          ++compared;
        }
        // apply the decisions and move on an hour; a job that ends or is late is replaced
        for (policy::PlannedJob& p : jobs) {
          paused += p.running && !p.run ? 1 : 0;
          held += !p.running && !p.run ? 1 : 0;
          if (p.running && !p.run) {
            p.running = false;
            p.timing.remaining_s += p.timing.checkpoint_s;
            p.timing.pauses += 1;
          } else if (!p.running && p.run) {
            p.running = true;
          }
          if (p.running) p.timing.remaining_s -= 3600;
          if ((p.timing.remaining_s <= 0 || (hour + 1) * 3600 > *p.timing.deadline_s) && !free_ids.empty()) {
            p = make_job(rng, free_ids.back(), hour + 1, false);
            free_ids.pop_back();
          }
        }
      }
      CHECK(compared == 120 * 72);
      // the plans are not trivial: jobs are held and paused
      CHECK(held > 100);
      CHECK(paused > 0);
      // a job index whose page of plans was never made: no plan stands for it
      const policy::DecisionContext ctx{first_hour, {{}, nullptr, in_order.names}, &in_order.signals};
      CHECK_FALSE(in_order.policy->runs_on(1'000'000, 0, ctx));
    }
  }
}
