// Micro-benchmarks of the scheduling policies' decisions (docs/performance.md, "Scheduling
// policies"): what one simulated hour costs the global phase per flexible job.
//
// 20 regions, a year of hourly carbon intensity with a daily solar dip and day-to-day
// weather noise, persistence forecasts. Each iteration is one decision hour (cycling
// through the year): the signals start a new hour (memo reset), then one plan() of 2,000
// interruptible running jobs and 400 held ones, with remaining run times of 1 h to
// 10 days and deadlines 1.5-4x away - the mix of the bench_fleet_year run with every job
// interruptible.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "policy/forecast.hpp"
#include "policy/scheduling.hpp"

namespace {

using namespace fleetsim;

constexpr size_t kRegions = 20;
constexpr int64_t kHours = 8784;

std::vector<energy::RegionSupply> make_supply() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.15);
  std::vector<energy::RegionSupply> supply(kRegions);
  for (size_t r = 0; r < kRegions; ++r) {
    double weather = 0.0;
    for (int64_t h = 0; h < kHours; ++h) {
      if (h % 24 == 0) weather = 0.7 * weather + noise(rng);
      const double sun = std::max(
          0.0, std::sin(2 * std::numbers::pi * static_cast<double>((h + 3 * static_cast<int64_t>(r)) % 24) / 24.0));
      const double ci = 200.0 + 40.0 * static_cast<double>(r % 5) - 120.0 * sun + 80.0 * weather;
      supply[r].grid.carbon_intensity_g_per_kwh.push_back(std::max(10.0, ci));
      supply[r].grid.cfe_share.push_back(0.5);
      supply[r].contracted_mwh.push_back(0.0);
    }
  }
  return supply;
}

struct Jobs {
  std::vector<policy::JobTiming> running;
  std::vector<policy::JobTiming> held;
};

Jobs make_jobs() {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> log_hours(0.0, std::log(240.0));
  std::uniform_real_distribution<double> slack(1.5, 4.0);
  std::uniform_int_distribution<size_t> region(0, kRegions - 1);
  Jobs jobs;
  for (int i = 0; i < 2400; ++i) {
    policy::JobTiming t;
    t.region = region(rng);
    t.remaining_s = static_cast<int64_t>(3600.0 * std::exp(log_hours(rng)));
    t.nominal_s = t.remaining_s;
    t.deadline_s = static_cast<int64_t>(static_cast<double>(t.remaining_s) * slack(rng));  // relative; shifted per hour
    t.checkpoint_s = 360;
    t.flexibility = workload::Flexibility::kInterruptible;
    (i < 2000 ? jobs.running : jobs.held).push_back(t);
  }
  return jobs;
}

// What both benchmarks decide with: the supply, persistence forecasts, fifo + temporal_shift.
struct Decider {
  std::vector<energy::RegionSupply> supply = make_supply();
  policy::Forecaster forecaster{supply, {policy::ForecastModel::kPersistence, 0.0, 1}};
  policy::ForecastSignals signals{forecaster, policy::Signal::kCarbonIntensity};
  std::unique_ptr<policy::SchedulingPolicy> policy = make_timing_policy();
  std::vector<double> load = std::vector<double>(kRegions, 1.0);
  std::vector<std::string> names = std::vector<std::string>(kRegions, "r");
  static std::unique_ptr<policy::SchedulingPolicy> make_timing_policy() {
    policy::PolicyConfig config;
    config.components = {"fifo", "temporal_shift"};
    return policy::make_policy(config);
  }
  // The context of a decision hour (the signals start it).
  policy::DecisionContext hour(int64_t h) {
    signals.begin_hour(h, load);
    return policy::DecisionContext{h, {{}, nullptr, names}, &signals};
  }
};

void BM_HourOfDecisions(benchmark::State& state) {
  Decider decider;
  const Jobs jobs = make_jobs();
  int64_t hour = 24;
  int64_t decided = 0;
  std::vector<policy::PlannedJob> planned;
  for (auto _ : state) {
    const policy::DecisionContext ctx = decider.hour(hour);
    const int64_t now = hour * 3600;
    planned.clear();
    uint32_t id = 0;
    for (policy::JobTiming t : jobs.running) {
      t.submit_s = now;
      *t.deadline_s += now;
      planned.push_back(policy::PlannedJob{id++, t, true, true});
    }
    for (policy::JobTiming t : jobs.held) {
      t.submit_s = now;
      *t.deadline_s += now;
      planned.push_back(policy::PlannedJob{id++, t, false, false});
    }
    decider.policy->plan(planned, ctx);  // JobTiming::gpus = 0: the decisions without a capacity calendar
    for (const policy::PlannedJob& p : planned) decided += p.run ? 1 : 0;
    hour = hour + 1 < kHours - 240 ? hour + 1 : 24;
  }
  benchmark::DoNotOptimize(decided);
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2400.0, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HourOfDecisions)->Unit(benchmark::kMicrosecond);

// The same mix as a run sees it from hour to hour: the jobs keep their identities, so the
// policy's plans of earlier hours stand where they may (a held job's for up to 6 hours, a
// running job's run-on plan until its next planned pause). Each iteration is one hour: the
// decisions are applied (a released job runs, a paused one is held with its checkpoint added),
// running jobs advance an hour, and a job that ends or passes its deadline is replaced by a
// fresh one (a new identity) of the same shape.
void BM_HourOfDecisionsRemembered(benchmark::State& state) {
  Decider decider;
  const Jobs shapes = make_jobs();
  int64_t hour = 24;
  uint32_t next_id = 0;
  std::vector<policy::PlannedJob> planned;
  auto fresh = [&](size_t shape, bool running) {
    policy::JobTiming t =
        shape < shapes.running.size() ? shapes.running[shape] : shapes.held[shape - shapes.running.size()];
    t.submit_s = hour * 3600;
    *t.deadline_s += t.submit_s;
    t.job = next_id;
    return policy::PlannedJob{next_id++, t, running, running};
  };
  for (size_t i = 0; i < shapes.running.size() + shapes.held.size(); ++i) {
    planned.push_back(fresh(i, i < shapes.running.size()));
  }
  int64_t decided = 0;
  for (auto _ : state) {
    decider.policy->plan(planned, decider.hour(hour));
    // apply the decisions and advance the hour (not timed: the run's own work)
    state.PauseTiming();
    for (size_t i = 0; i < planned.size(); ++i) {
      policy::PlannedJob& p = planned[i];
      decided += p.run ? 1 : 0;
      if (p.running && !p.run) {  // paused
        p.running = false;
        p.timing.remaining_s += p.timing.checkpoint_s;
        p.timing.pauses += 1;
      } else if (!p.running && p.run) {
        p.running = true;
      }
      if (p.running) p.timing.remaining_s -= 3600;
      if (p.timing.remaining_s <= 0 || (hour + 1) * 3600 > *p.timing.deadline_s)
        p = fresh(i, i < shapes.running.size());
    }
    if (hour + 1 < kHours - 240) {
      ++hour;
    } else {  // back to the year's start: jobs of hours ahead would have windows of the whole year
      hour = 24;
      for (size_t i = 0; i < planned.size(); ++i) planned[i] = fresh(i, i < shapes.running.size());
    }
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(decided);
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2400.0, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HourOfDecisionsRemembered)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
