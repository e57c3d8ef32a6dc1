// Micro-benchmarks of the 24/7 planner (docs/performance.md, "Planner"): one region, one
// year of hours. The numpy twin of the grid is analysis/fleetsim_analysis/bench_planner_numpy.py.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "planner/portfolio.hpp"

namespace {

using namespace fleetsim::planner;

// A year of a 70 MW load, a daily solar shape and a random-walk wind, as in the numpy twin.
PlanInputs year_inputs() {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  PlanInputs in;
  double wind = 0.3;
  for (int h = 0; h < 8760; ++h) {
    in.load_mwh.push_back(70.0 + 1.75 * std::sin(h / 4.0));
    in.solar_cf.push_back(std::max(0.0, std::sin((h % 24 - 6) / 12.0 * M_PI)) * (0.6 + 0.4 * u(rng)));
    wind = std::clamp(wind + 0.1 * (u(rng) - 0.5), 0.0, 1.0);
    in.wind_cf.push_back(wind);
    in.grid_cfe_share.push_back(0.5 + 0.4 * u(rng));
    in.carbon_intensity_g_per_kwh.push_back(50.0 + 100.0 * u(rng));
  }
  return in;
}

std::vector<double> axis(double step) {
  std::vector<double> v;
  for (int i = 0; i < 10; ++i) v.push_back(step * i);
  return v;
}

// 100 points: 10 wind x 10 solar capacities, procured coverage with no battery.
void bm_coverage_grid_100(benchmark::State& state) {
  const PlanInputs in = year_inputs();
  const std::vector<double> wind = axis(35.0);
  const std::vector<double> solar = axis(35.0);
  for (auto _ : state) benchmark::DoNotOptimize(coverage_grid(in, wind, solar, Metric::kCoverage));
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(bm_coverage_grid_100)->Unit(benchmark::kMillisecond);

// The smallest battery (0.88 round trip, 4 h) for 100% procured coverage of a large portfolio.
void bm_battery_search(benchmark::State& state) {
  const PlanInputs in = year_inputs();
  const Portfolio p{280.0, 280.0, 0.0, 0.0, 0.0};
  double found = 0.0;
  for (auto _ : state) {
    found = smallest_battery_mwh(in, p, BatteryModel{0.88, 4.0, 1.0}, Costs{}, Metric::kCoverage, 1.0, 8760.0 * 72.0,
                                 0.0, 1e-6);
    benchmark::DoNotOptimize(found);
  }
  state.counters["battery_mwh"] = found;
}
BENCHMARK(bm_battery_search)->Unit(benchmark::kMillisecond);

// One candidate with a battery: the full ledger (CFE, coverage, emissions, cost).
void bm_evaluate_with_battery(benchmark::State& state) {
  const PlanInputs in = year_inputs();
  const Portfolio p{150.0, 120.0, 10.0, 400.0, 100.0};
  for (auto _ : state) benchmark::DoNotOptimize(evaluate(in, p, BatteryModel{}, Costs{}));
}
BENCHMARK(bm_evaluate_with_battery)->Unit(benchmark::kMicrosecond);

// The least-cost portfolio for a 90% hourly CFE score.
void bm_optimize_90(benchmark::State& state) {
  const PlanInputs in = year_inputs();
  const PlanOptions options;
  int64_t candidates = 0;
  for (auto _ : state) {
    const Plan plan = optimize(in, 0.9, options);
    candidates = plan.candidates;
    benchmark::DoNotOptimize(plan);
  }
  state.counters["candidates"] = static_cast<double>(candidates);
}
BENCHMARK(bm_optimize_90)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
