// Micro-benchmarks of inference routing (docs/performance.md): one hour's routing of 50 demand
// regions to 200 sites, as done every simulated hour; and one hour at the goal size of issue 14
// (100 demand regions to 1,000 sites, bm_route_*_100x1000_greenest, described below).
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
using fleetsim::policy::Router;
using fleetsim::policy::RoutingPairs;
using fleetsim::policy::RoutingProblem;
using fleetsim::policy::RoutingSolution;
using fleetsim::policy::SeparableRoutingProblem;
using fleetsim::policy::SparseRoutingProblem;
using fleetsim::policy::SparseRoutingSolution;

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

// The goal size of issue 14, shaped like scenarios/bench_planet_year.yaml: 1,000 sites, 10 in
// each of 100 grid regions scattered around the 8 population centres, and 100 demand regions;
// latency as above; the SLO is the latency at the 23% quantile of all pairs (23,000 allowed
// pairs); each demand region has 1e6..1e7 queries per hour (log-uniform) times the diurnal
// factor, and the sites' capacities (log-uniform over a factor 4) add up to twice the mean total
// demand. Costs as in `greenest` routing (run/simulation.cpp): the grid region's carbon intensity
// this hour (50..700 g/kWh with a solar dip at local noon) plus 1e-6 x (1 + the largest
// intensity) x latency (ms), which only breaks ties between sites of equal intensity.
constexpr size_t kGoalRegions = 100;
constexpr size_t kGoalSites = 1000;
constexpr size_t kGoalGridRegions = 100;
constexpr double kGoalAllowedShare = 0.23;
constexpr double kGoalTieBreak = 1e-6;

struct GoalInstance {
  RoutingPairs pairs;
  std::vector<SparseRoutingProblem> hours;         // per pair costs
  std::vector<double> latency;                     // per pair
  std::vector<SeparableRoutingProblem> separable;  // the same hours: intensity per site, scale
};

// hours: how many different hours are cycled through.
GoalInstance goal_instance(size_t hours) {
  std::mt19937_64 rng(14);
  const double pi = std::numbers::pi;
  std::vector<Place> centres;
  for (int i = 0; i < 8; ++i) centres.push_back(Place{(uniform(rng) - 0.5) * 1.6, (uniform(rng) - 0.5) * 2.0 * pi});
  const std::vector<Place> grid = scatter(rng, centres, kGoalGridRegions);
  const std::vector<Place> regions = scatter(rng, centres, kGoalRegions);
  std::vector<Place> sites;
  for (size_t s = 0; s < kGoalSites; ++s) {
    const Place& hub = grid[s % kGoalGridRegions];
    sites.push_back(Place{hub.lat_rad + 0.02 * (uniform(rng) - 0.5), hub.lon_rad + 0.02 * (uniform(rng) - 0.5)});
  }
  std::vector<double> latency(kGoalRegions * kGoalSites);
  for (size_t d = 0; d < kGoalRegions; ++d) {
    for (size_t s = 0; s < kGoalSites; ++s) {
      latency[d * kGoalSites + s] = std::min(300.0, 5.0 + 0.0145 * distance_km(regions[d], sites[s]));
    }
  }
  std::vector<double> sorted = latency;
  std::sort(sorted.begin(), sorted.end());
  const double slo_ms = sorted[static_cast<size_t>(kGoalAllowedShare * static_cast<double>(sorted.size())) - 1];
  std::vector<size_t> offsets = {0};
  std::vector<std::uint32_t> pair_sites;
  std::vector<double> pair_latency;
  for (size_t d = 0; d < kGoalRegions; ++d) {
    for (size_t s = 0; s < kGoalSites; ++s) {
      if (latency[d * kGoalSites + s] > slo_ms) continue;
      pair_sites.push_back(static_cast<std::uint32_t>(s));
      pair_latency.push_back(latency[d * kGoalSites + s]);
    }
    offsets.push_back(pair_sites.size());
  }
  GoalInstance instance;
  instance.pairs = RoutingPairs(kGoalSites, std::move(offsets), std::move(pair_sites));
  instance.latency = pair_latency;

  std::vector<double> base_demand(kGoalRegions);
  double mean_total = 0.0;
  for (double& demand : base_demand) {
    demand = 1e6 * std::pow(10.0, uniform(rng));
    mean_total += demand;
  }
  std::vector<double> capacity(kGoalSites);
  double capacity_total = 0.0;
  for (double& c : capacity) {
    c = std::pow(4.0, uniform(rng));
    capacity_total += c;
  }
  for (double& c : capacity) c = std::floor(c * 2.0 * mean_total / capacity_total);
  std::vector<double> base_intensity(kGoalGridRegions);
  for (double& g : base_intensity) g = 50.0 + 650.0 * uniform(rng);

  for (size_t h = 0; h < hours; ++h) {
    SparseRoutingProblem problem;
    problem.capacity = capacity;
    for (size_t d = 0; d < kGoalRegions; ++d) {
      const double local_hour = static_cast<double>(h) + regions[d].lon_rad * 12.0 / pi;
      const double diurnal = 1.0 + 0.5 * std::sin(2.0 * pi * (local_hour - 9.0) / 24.0);
      problem.demand.push_back(std::floor(base_demand[d] * diurnal));
    }
    std::vector<double> intensity(kGoalGridRegions);
    double scale = 1.0;
    for (size_t g = 0; g < kGoalGridRegions; ++g) {
      const double local_hour = static_cast<double>(h) + grid[g].lon_rad * 12.0 / pi;
      const double sun = std::max(0.0, std::sin(2.0 * pi * (local_hour - 6.0) / 24.0));
      intensity[g] = base_intensity[g] * (1.0 - 0.6 * sun);
      scale = std::max(scale, 1.0 + intensity[g]);
    }
    SeparableRoutingProblem& separable = instance.separable.emplace_back();
    separable.demand = problem.demand;
    separable.capacity = problem.capacity;
    for (size_t s = 0; s < kGoalSites; ++s) separable.site_value.push_back(intensity[s % kGoalGridRegions]);
    separable.scale = kGoalTieBreak * scale;
    for (size_t p = 0; p < instance.pairs.size(); ++p) {
      const size_t g = instance.pairs.site(p) % kGoalGridRegions;
      problem.cost.push_back(intensity[g] + kGoalTieBreak * scale * pair_latency[p]);
    }
    instance.hours.push_back(std::move(problem));
  }
  return instance;
}

// One hour of `greenest` routing at the goal size, sparse (policy::Router, as the simulation
// calls it: the pair set fixed, each hour's demand, capacity and pair costs). A week of
// different hours is cycled through.
void bm_route_greedy_sparse_100x1000_greenest(benchmark::State& state) {
  const GoalInstance instance = goal_instance(kHours);
  Router router(instance.pairs);
  SparseRoutingSolution solution;
  size_t hour = 0;
  for (auto _ : state) {
    router.route_greedy(instance.hours[hour], solution);
    benchmark::DoNotOptimize(solution.total_cost);
    hour = (hour + 1) % instance.hours.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pairs"] = static_cast<double>(instance.pairs.size());
}
BENCHMARK(bm_route_greedy_sparse_100x1000_greenest)->Unit(benchmark::kMicrosecond);

// The same hours as separable costs (policy::SeparableRoutingProblem: the grid region's
// intensity per site, the latency as the pair's key, the grid regions as site groups), as the
// simulation routes: each region's pairs stay sorted by latency, so no hour computes or sorts
// the cost of every pair.
void bm_route_greedy_separable_100x1000_greenest(benchmark::State& state) {
  const GoalInstance instance = goal_instance(kHours);
  Router router(instance.pairs);
  std::vector<std::uint32_t> groups(kGoalSites);
  for (size_t s = 0; s < kGoalSites; ++s) groups[s] = static_cast<std::uint32_t>(s % kGoalGridRegions);
  router.set_pair_keys(instance.latency, groups);
  SparseRoutingSolution solution;
  size_t hour = 0;
  for (auto _ : state) {
    router.route_greedy(instance.separable[hour], solution);
    benchmark::DoNotOptimize(solution.total_cost);
    hour = (hour + 1) % instance.separable.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pairs"] = static_cast<double>(instance.pairs.size());
}
BENCHMARK(bm_route_greedy_separable_100x1000_greenest)->Unit(benchmark::kMicrosecond);

// The same hours through the dense API (a 100 x 1,000 cost matrix in, dense flows out), as the
// simulation routed before the sparse form; a day of hours (the dense matrices are large).
void bm_route_greedy_dense_100x1000_greenest(benchmark::State& state) {
  const GoalInstance instance = goal_instance(24);
  std::vector<RoutingProblem> problems;
  for (const SparseRoutingProblem& sparse : instance.hours) {
    RoutingProblem& problem = problems.emplace_back();
    problem.demand = sparse.demand;
    problem.capacity = sparse.capacity;
    problem.cost.assign(kGoalRegions, std::vector<double>(kGoalSites, kUnreachable));
    for (size_t p = 0; p < instance.pairs.size(); ++p) {
      problem.cost[instance.pairs.demand(p)][instance.pairs.site(p)] = sparse.cost[p];
    }
  }
  size_t hour = 0;
  for (auto _ : state) {
    RoutingSolution solution = route_greedy(problems[hour]);
    benchmark::DoNotOptimize(solution.total_cost);
    hour = (hour + 1) % problems.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_route_greedy_dense_100x1000_greenest)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
