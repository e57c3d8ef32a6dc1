// Micro-benchmarks of inference routing (docs/performance.md): one hour's routing of 50 demand
// regions to 200 sites, as done every simulated hour.
//
// The instances are synthetic but shaped like a real fleet: regions and sites are scattered
// around 8 population centres on a sphere; latency = 5 ms + 0.0145 ms/km of great-circle distance
// (5..300 ms); the SLO allows the benchmark argument's percentage of the pairs (30, 50 or 100:
// the latency at that quantile, the same for every region); each region has 1e6..1e7 queries
// per hour (log-uniform) times a diurnal factor in its local time; site capacities are
// log-uniform with one site in five small, scaled to 1.2x the mean total demand.
// A week of hours (168 different problems) is cycled through. `nearest` uses the latency as the
// cost; `greenest` an hourly carbon intensity per site (with a solar dip at local noon).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "policy/routing.hpp"

namespace {

using fleetsim::policy::kUnreachable;
using fleetsim::policy::route_greedy;
using fleetsim::policy::route_min_cost_flow;
using fleetsim::policy::RoutingProblem;
using fleetsim::policy::RoutingSolution;

constexpr size_t kRegions = 50;
constexpr size_t kSites = 200;
constexpr size_t kHours = 168;

struct Place {
  double lat_rad = 0.0;
  double lon_rad = 0.0;
};

double uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double distance_km(const Place& a, const Place& b) {
  const double c = std::sin(a.lat_rad) * std::sin(b.lat_rad) +
                   std::cos(a.lat_rad) * std::cos(b.lat_rad) * std::cos(a.lon_rad - b.lon_rad);
  return 6371.0 * std::acos(std::clamp(c, -1.0, 1.0));
}

std::vector<Place> scatter(std::mt19937_64& rng, const std::vector<Place>& centres, size_t count) {
  std::vector<Place> places;
  for (size_t i = 0; i < count; ++i) {
    const Place& centre = centres[rng() % centres.size()];
    places.push_back(Place{std::clamp(centre.lat_rad + 0.25 * (uniform(rng) - 0.5), -1.4, 1.4),
                           centre.lon_rad + 0.5 * (uniform(rng) - 0.5)});
  }
  return places;
}

// kHours hourly problems; greenest: carbon-intensity costs, else latency costs; the SLO allows
// the given percentage of the pairs (100: all).
std::vector<RoutingProblem> week_of_problems(bool greenest, int64_t allowed_percent) {
  std::mt19937_64 rng(2024);
  const double pi = std::numbers::pi;
  std::vector<Place> centres;
  for (int i = 0; i < 8; ++i) centres.push_back(Place{(uniform(rng) - 0.5) * 1.6, (uniform(rng) - 0.5) * 2.0 * pi});
  const std::vector<Place> regions = scatter(rng, centres, kRegions);
  const std::vector<Place> sites = scatter(rng, centres, kSites);

  std::vector<std::vector<double>> latency(kRegions, std::vector<double>(kSites));
  std::vector<double> all;
  for (size_t d = 0; d < kRegions; ++d) {
    for (size_t s = 0; s < kSites; ++s) {
      latency[d][s] = std::min(300.0, 5.0 + 0.0145 * distance_km(regions[d], sites[s]));
      all.push_back(latency[d][s]);
    }
  }
  std::sort(all.begin(), all.end());
  const auto allowed = static_cast<size_t>(allowed_percent) * all.size() / 100;
  const double slo_ms = allowed == 0 ? -1.0 : all[allowed - 1];

  std::vector<double> base_demand(kRegions);
  double mean_total = 0.0;
  for (size_t d = 0; d < kRegions; ++d) {
    base_demand[d] = 1e6 * std::pow(10.0, uniform(rng));
    mean_total += base_demand[d];
  }
  std::vector<double> capacity(kSites);
  double capacity_total = 0.0;
  for (size_t s = 0; s < kSites; ++s) {
    capacity[s] = std::pow(30.0, uniform(rng)) * (s % 5 == 0 ? 0.05 : 1.0);
    capacity_total += capacity[s];
  }
  for (double& c : capacity) c = std::floor(c * 1.2 * mean_total / capacity_total);
  std::vector<double> base_intensity(kSites);
  for (double& g : base_intensity) g = 50.0 + 650.0 * uniform(rng);

  std::vector<RoutingProblem> problems(kHours);
  for (size_t h = 0; h < kHours; ++h) {
    RoutingProblem& problem = problems[h];
    problem.capacity = capacity;
    for (size_t d = 0; d < kRegions; ++d) {
      const double local_hour = static_cast<double>(h) + regions[d].lon_rad * 12.0 / pi;
      const double diurnal = 1.0 + 0.5 * std::sin(2.0 * pi * (local_hour - 9.0) / 24.0);
      problem.demand.push_back(std::floor(base_demand[d] * diurnal));
    }
    problem.cost.assign(kRegions, std::vector<double>(kSites, kUnreachable));
    for (size_t s = 0; s < kSites; ++s) {
      const double local_hour = static_cast<double>(h) + sites[s].lon_rad * 12.0 / pi;
      const double sun = std::max(0.0, std::sin(2.0 * pi * (local_hour - 6.0) / 24.0));
      const double intensity = base_intensity[s] * (1.0 - 0.6 * sun);
      for (size_t d = 0; d < kRegions; ++d) {
        if (latency[d][s] <= slo_ms) problem.cost[d][s] = greenest ? intensity : latency[d][s];
      }
    }
  }
  return problems;
}

void run_greedy(benchmark::State& state, bool greenest) {
  const std::vector<RoutingProblem> problems = week_of_problems(greenest, state.range(0));
  size_t hour = 0;
  for (auto _ : state) {
    RoutingSolution solution = route_greedy(problems[hour]);
    benchmark::DoNotOptimize(solution.total_cost);
    hour = (hour + 1) % problems.size();
  }
  state.SetItemsProcessed(state.iterations());
}

// One hour of `nearest` routing (latency costs); a year is 8,760 of these. Argument: the
// percentage of (region, site) pairs within the SLO.
void bm_route_greedy_50x200(benchmark::State& state) {
  run_greedy(state, false);
}
BENCHMARK(bm_route_greedy_50x200)->Unit(benchmark::kMicrosecond)->Arg(30)->Arg(50)->Arg(100);

// One hour of `greenest` routing (all regions compete for the same green sites).
void bm_route_greedy_50x200_greenest(benchmark::State& state) {
  run_greedy(state, true);
}
BENCHMARK(bm_route_greedy_50x200_greenest)->Unit(benchmark::kMicrosecond)->Arg(30)->Arg(50)->Arg(100);

// The exact min-cost-flow reference on the same hours (slow; for comparison). Its counters give
// the greedy's cost gap over these hours, (greedy - optimum) / optimum, mean and max, and the
// largest difference in total queries served (0: both serve the maximum flow).
void run_min_cost_flow(benchmark::State& state, bool greenest) {
  const std::vector<RoutingProblem> problems = week_of_problems(greenest, state.range(0));
  size_t hour = 0;
  double gap_sum = 0.0;
  double gap_max = 0.0;
  double served_difference = 0.0;
  size_t solved = 0;
  for (auto _ : state) {
    RoutingSolution exact = route_min_cost_flow(problems[hour]);
    state.PauseTiming();
    const RoutingSolution greedy = route_greedy(problems[hour]);
    const double gap = (greedy.total_cost - exact.total_cost) / exact.total_cost;
    gap_sum += gap;
    gap_max = std::max(gap_max, gap);
    double served = 0.0;
    for (size_t d = 0; d < kRegions; ++d) served += greedy.served[d] - exact.served[d];
    served_difference = std::max(served_difference, std::abs(served));
    ++solved;
    state.ResumeTiming();
    hour = (hour + 1) % problems.size();
  }
  state.counters["gap_mean"] = gap_sum / static_cast<double>(solved);
  state.counters["gap_max"] = gap_max;
  state.counters["served_diff"] = served_difference;
}

void bm_route_min_cost_flow_50x200(benchmark::State& state) {
  run_min_cost_flow(state, false);
}
BENCHMARK(bm_route_min_cost_flow_50x200)->Unit(benchmark::kMillisecond)->Iterations(168)->Arg(30)->Arg(50)->Arg(100);

void bm_route_min_cost_flow_50x200_greenest(benchmark::State& state) {
  run_min_cost_flow(state, true);
}
BENCHMARK(bm_route_min_cost_flow_50x200_greenest)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(168)
    ->Arg(30)
    ->Arg(50)
    ->Arg(100);

}  // namespace

BENCHMARK_MAIN();
