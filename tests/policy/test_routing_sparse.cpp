// The sparse form of hourly routing (policy::RoutingPairs, policy::Router): a hand-checked
// case, bit-identity with the dense functions on random instances, a router reused hour after
// hour against a fresh one, and validation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <vector>

#include "policy/routing.hpp"

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

namespace {

constexpr double kInf = kUnreachable;

int64_t draw(std::mt19937_64& rng, int64_t low, int64_t high) {
  return low + static_cast<int64_t>(rng() % static_cast<uint64_t>(high - low + 1));
}

double uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// A sparse instance and its pair set: mask[d][s] marks the pairs.
struct Instance {
  std::vector<std::vector<bool>> mask;
  RoutingPairs pairs;
  SparseRoutingProblem problem;
};

RoutingPairs pairs_of(const std::vector<std::vector<bool>>& mask, size_t sites) {
  std::vector<size_t> offsets = {0};
  std::vector<std::uint32_t> pair_sites;
  for (const std::vector<bool>& row : mask) {
    for (size_t s = 0; s < sites; ++s) {
      if (row[s]) pair_sites.push_back(static_cast<std::uint32_t>(s));
    }
    offsets.push_back(pair_sites.size());
  }
  return RoutingPairs(sites, std::move(offsets), std::move(pair_sites));
}

// Random instances with everything the solvers must treat alike: ties in cost (few integer
// costs), zero demand, zero capacity, pairs of the set at +infinity this hour, fractional
// amounts, negative costs.
Instance random_instance(std::mt19937_64& rng, size_t demands, size_t sites) {
  Instance instance;
  const double share = 0.1 + 0.9 * uniform(rng);
  instance.mask.assign(demands, std::vector<bool>(sites, false));
  for (auto& row : instance.mask) {
    for (size_t s = 0; s < sites; ++s) row[s] = uniform(rng) < share;
  }
  instance.pairs = pairs_of(instance.mask, sites);
  const int64_t cost_kind = draw(rng, 0, 2);
  const bool integral = draw(rng, 0, 1) == 0;
  SparseRoutingProblem& problem = instance.problem;
  for (size_t d = 0; d < demands; ++d) {
    const bool zero = draw(rng, 0, 7) == 0;
    problem.demand.push_back(zero ? 0.0 : integral ? static_cast<double>(draw(rng, 1, 100)) : 100.0 * uniform(rng));
  }
  for (size_t s = 0; s < sites; ++s) {
    const bool zero = draw(rng, 0, 7) == 0;
    problem.capacity.push_back(zero ? 0.0 : integral ? static_cast<double>(draw(rng, 1, 80)) : 80.0 * uniform(rng));
  }
  for (size_t p = 0; p < instance.pairs.size(); ++p) {
    double cost = 0.0;
    if (draw(rng, 0, 9) == 0) {
      cost = kInf;
    } else if (cost_kind == 0) {
      cost = static_cast<double>(draw(rng, -3, 3));  // many ties
    } else if (cost_kind == 1) {
      cost = -1.0 + 4.0 * uniform(rng);
    } else {  // greenest-like: a per-site intensity and a small tie-break
      cost = static_cast<double>(50 + 37 * (instance.pairs.site(p) % 7)) + 1e-4 * static_cast<double>(draw(rng, 0, 20));
    }
    problem.cost.push_back(cost);
  }
  return instance;
}

RoutingProblem dense_of(const Instance& instance) {
  RoutingProblem dense;
  dense.demand = instance.problem.demand;
  dense.capacity = instance.problem.capacity;
  dense.cost.assign(dense.demand.size(), std::vector<double>(dense.capacity.size(), kInf));
  for (size_t p = 0; p < instance.pairs.size(); ++p) {
    dense.cost[instance.pairs.demand(p)][instance.pairs.site(p)] = instance.problem.cost[p];
  }
  return dense;
}

// Every flow, served, dropped and the total cost bit for bit; flows off the pair set are 0.
bool same_solution(const RoutingPairs& pairs, const SparseRoutingSolution& sparse, const RoutingSolution& dense) {
  std::vector<std::vector<double>> flow(dense.flow.size(), std::vector<double>(pairs.sites(), 0.0));
  for (size_t p = 0; p < pairs.size(); ++p) flow[pairs.demand(p)][pairs.site(p)] = sparse.flow[p];
  bool same = same_bits(sparse.total_cost, dense.total_cost) && sparse.served.size() == dense.served.size();
  for (size_t d = 0; same && d < dense.flow.size(); ++d) {
    same = same_bits(sparse.served[d], dense.served[d]) && same_bits(sparse.dropped[d], dense.dropped[d]);
    for (size_t s = 0; s < pairs.sites(); ++s) same = same && same_bits(flow[d][s], dense.flow[d][s]);
  }
  return same;
}

// solution.used is strictly increasing and lists every pair with a flow other than 0.
bool used_lists_every_flow(const SparseRoutingSolution& solution) {
  if (!std::is_sorted(solution.used.begin(), solution.used.end(), std::less_equal<>())) return false;
  for (size_t p = 0; p < solution.flow.size(); ++p) {
    if (solution.flow[p] != 0.0 && !std::binary_search(solution.used.begin(), solution.used.end(), p)) return false;
  }
  return true;
}

bool same_solution(const SparseRoutingSolution& a, const SparseRoutingSolution& b) {
  bool same = same_bits(a.total_cost, b.total_cost) && a.flow.size() == b.flow.size();
  for (size_t p = 0; same && p < a.flow.size(); ++p) same = same_bits(a.flow[p], b.flow[p]);
  for (size_t d = 0; same && d < a.served.size(); ++d) {
    same = same_bits(a.served[d], b.served[d]) && same_bits(a.dropped[d], b.dropped[d]);
  }
  return same;
}

}  // namespace

TEST_CASE("sparse routing checked by hand", "[policy]") {
  // Regions d0 (10 queries), d1 (6), d2 (none); sites s0 (8), s1 (5), s2 (none), s3 (4).
  // Pairs: d0 -> s0, s1, s2; d1 -> s0, s1, s3; d2 -> s0.
  const RoutingPairs pairs(4, {0, 3, 6, 7}, {0, 1, 2, 0, 1, 3, 0});
  REQUIRE(pairs.demands() == 3);
  REQUIRE(pairs.sites() == 4);
  REQUIRE(pairs.size() == 7);
  CHECK(pairs.begin(1) == 3);
  CHECK(pairs.end(1) == 6);
  CHECK(pairs.site(5) == 3);
  CHECK(pairs.demand(5) == 1);
  CHECK(std::vector<std::uint32_t>(pairs.pairs_of_site(0).begin(), pairs.pairs_of_site(0).end()) ==
        std::vector<std::uint32_t>{0, 3, 6});
  CHECK(std::vector<std::uint32_t>(pairs.pairs_of_site(3).begin(), pairs.pairs_of_site(3).end()) ==
        std::vector<std::uint32_t>{5});

  Router router(pairs);
  SparseRoutingProblem hour;
  hour.demand = {10.0, 6.0, 0.0};
  hour.capacity = {8.0, 5.0, 0.0, 4.0};
  // d1 -> s3 is not allowed this hour; d0 -> s2 is cheap but s2 has no capacity.
  hour.cost = {1.0, 3.0, 0.5, 2.0, 2.5, kInf, 1.0};
  SparseRoutingSolution solution;
  router.route_greedy(hour, solution);
  // Cheapest first: d0 -> s0 fills s0 (8), d1 -> s1 fills s1 (5); only s0 and s1 are within
  // reach, so 13 is the maximum flow, and 8 x 1 + 5 x 2.5 = 20.5 its least cost (moving d0 to s1
  // and d1 to s0 costs 3 + 2 > 1 + 2.5 a query).
  CHECK(solution.flow == std::vector<double>{8.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0});
  CHECK(solution.served == std::vector<double>{8.0, 5.0, 0.0});
  CHECK(solution.dropped == std::vector<double>{2.0, 1.0, 0.0});
  CHECK(solution.total_cost == 20.5);
  SparseRoutingSolution exact;
  router.route_min_cost_flow(hour, exact);
  CHECK(exact.flow == solution.flow);
  CHECK(exact.total_cost == 20.5);

  // The next hour d1 -> s3 opens at 0.5: d1 sends 4 there and 2 to s1, d0 fills s0 and sends
  // its last 2 to s1: everything served at 4 x 0.5 + 8 x 1 + 2 x 2.5 + 2 x 3 = 21.
  hour.cost[5] = 0.5;
  router.route_greedy(hour, solution);
  CHECK(solution.flow == std::vector<double>{8.0, 2.0, 0.0, 0.0, 2.0, 4.0, 0.0});
  CHECK(solution.served == std::vector<double>{10.0, 6.0, 0.0});
  CHECK(solution.dropped == std::vector<double>{0.0, 0.0, 0.0});
  CHECK(solution.total_cost == 21.0);
  router.route_min_cost_flow(hour, exact);
  CHECK(exact.flow == solution.flow);
}

TEST_CASE("equal costs go by region, then site, whatever the last hour's order", "[policy]") {
  // Three regions of 5 queries share one site of capacity 5 (and two of them a second site):
  // the cheapest pair wins, and among equal costs the first region.
  const RoutingPairs pairs(2, {0, 2, 3, 5}, {0, 1, 0, 0, 1});
  Router router(pairs);
  SparseRoutingProblem hour;
  hour.demand = {5.0, 5.0, 5.0};
  hour.capacity = {5.0, 0.0};
  hour.cost = {3.0, 1.0, 2.0, 1.0, 1.0};
  SparseRoutingSolution solution;
  router.route_greedy(hour, solution);
  CHECK(solution.flow == std::vector<double>{0.0, 0.0, 0.0, 5.0, 0.0});  // region 2, cheapest
  hour.cost = {1.0, 1.0, 1.0, 1.0, 1.0};
  router.route_greedy(hour, solution);
  CHECK(solution.flow == std::vector<double>{5.0, 0.0, 0.0, 0.0, 0.0});  // a tie: region 0
  hour.capacity = {5.0, 5.0};
  hour.cost = {2.0, 1.0, 1.0, 1.0, 1.0};
  router.route_greedy(hour, solution);
  // Ties at 1 in (region, site) order: region 0 -> site 1, region 1 -> site 0.
  CHECK(solution.flow == std::vector<double>{0.0, 5.0, 5.0, 0.0, 0.0});
  hour.cost = {1.0, 1.0, 1.0, 1.0, 1.0};
  router.route_greedy(hour, solution);
  CHECK(solution.flow == std::vector<double>{5.0, 0.0, 0.0, 0.0, 5.0});
}

TEST_CASE("sparse and dense routing give bit-identical results on random instances", "[policy]") {
  std::mt19937_64 rng(1414);
  for (int instance_number = 0; instance_number < 600; ++instance_number) {
    // Mostly small (where the greedy's negative-cycle phase runs), some larger.
    const bool large = instance_number % 10 == 0;
    const auto demands = static_cast<size_t>(large ? draw(rng, 10, 40) : draw(rng, 1, 7));
    const auto sites = static_cast<size_t>(large ? draw(rng, 20, 150) : draw(rng, 1, 9));
    const Instance instance = random_instance(rng, demands, sites);
    const RoutingProblem dense = dense_of(instance);
    CAPTURE(instance_number, demands, sites);

    Router router(instance.pairs);
    SparseRoutingSolution sparse;
    router.route_greedy(instance.problem, sparse);
    CHECK(same_solution(instance.pairs, sparse, route_greedy(dense)));
    CHECK(used_lists_every_flow(sparse));
    router.route_greedy(instance.problem, sparse);  // again, from the kept order
    CHECK(same_solution(instance.pairs, sparse, route_greedy(dense)));
    CHECK(used_lists_every_flow(sparse));
    if (!large) {
      router.route_min_cost_flow(instance.problem, sparse);
      CHECK(same_solution(instance.pairs, sparse, route_min_cost_flow(dense)));
      CHECK(used_lists_every_flow(sparse));
    }
  }
}

TEST_CASE("a router reused hour after hour routes as a fresh one does", "[policy]") {
  // Greenest-like hours on one pair set: each site's group has an intensity that drifts (on
  // some sequences rounded, so groups tie), latency tie-breaks with ties, regions and sites
  // that drop out and come back, and now and then an hour of unrelated costs. A reused router
  // starts from its last order; a fresh one sorts. The same hours as separable costs
  // (SeparableRoutingProblem: the group's intensity per site, the latency as key) go to reused
  // routers that keep each site group's pairs by key: with the true groups, with groups that are
  // wrong (random ids, large ones among them), with one group of all sites and with a group per
  // site; the hint may change the time, never the result. Their hours of unrelated costs give
  // each site a value of its own. Some latencies are one ulp apart, which rounds to a tie.
  std::mt19937_64 rng(2025);
  for (int sequence = 0; sequence < 6; ++sequence) {
    const auto demands = static_cast<size_t>(draw(rng, 5, 30));
    const auto sites = static_cast<size_t>(draw(rng, 10, 120));
    const auto groups = static_cast<size_t>(draw(rng, 2, 12));
    std::vector<std::vector<bool>> mask(demands, std::vector<bool>(sites, false));
    std::vector<std::vector<double>> latency(demands, std::vector<double>(sites, 0.0));
    for (size_t d = 0; d < demands; ++d) {
      for (size_t s = 0; s < sites; ++s) {
        mask[d][s] = uniform(rng) < 0.4;
        latency[d][s] = 0.5 * static_cast<double>(draw(rng, 0, 40));
        if (draw(rng, 0, 3) == 0) latency[d][s] = std::nextafter(latency[d][s], 1e9);
      }
    }
    const RoutingPairs pairs = pairs_of(mask, sites);
    Router reused(pairs);
    std::vector<std::vector<std::uint32_t>> hints(4, std::vector<std::uint32_t>(sites));
    for (size_t s = 0; s < sites; ++s) {
      hints[0][s] = static_cast<std::uint32_t>(s % groups);
      hints[1][s] = draw(rng, 0, 3) == 0 ? 4000000000u + static_cast<std::uint32_t>(draw(rng, 0, 5))
                                         : static_cast<std::uint32_t>(draw(rng, 0, 6));
      hints[2][s] = 7;
      hints[3][s] = static_cast<std::uint32_t>(s);
    }
    std::vector<double> keys;
    for (size_t p = 0; p < pairs.size(); ++p) keys.push_back(latency[pairs.demand(p)][pairs.site(p)]);
    std::vector<Router> grouped;
    for (const auto& hint : hints) {
      grouped.emplace_back(pairs);
      grouped.back().set_pair_keys(keys, hint);
    }
    std::vector<double> base(groups);
    std::vector<double> phase(groups);
    for (size_t g = 0; g < groups; ++g) {
      base[g] = static_cast<double>(draw(rng, 50, 650));
      phase[g] = 6.0 * uniform(rng);
    }
    std::vector<bool> region_off(demands, false);
    std::vector<bool> site_off(sites, false);
    for (int hour = 0; hour < 100; ++hour) {
      if (draw(rng, 0, 5) == 0)
        region_off[static_cast<size_t>(draw(rng, 0, static_cast<int64_t>(demands) - 1))] = draw(rng, 0, 1) == 1;
      if (draw(rng, 0, 5) == 0)
        site_off[static_cast<size_t>(draw(rng, 0, static_cast<int64_t>(sites) - 1))] = draw(rng, 0, 1) == 1;
      SparseRoutingProblem problem;
      for (size_t d = 0; d < demands; ++d)
        problem.demand.push_back(region_off[d] ? 0.0 : std::floor(1e4 * (1.0 + uniform(rng))));
      for (size_t s = 0; s < sites; ++s) {
        problem.capacity.push_back(
            site_off[s] ? 0.0 : 2e4 * static_cast<double>(demands) / static_cast<double>(sites) * (0.2 + uniform(rng)));
      }
      std::vector<double> intensity(groups);
      double scale = 1.0;
      for (size_t g = 0; g < groups; ++g) {
        intensity[g] = base[g] + 40.0 * std::sin(hour / 5.0 + phase[g]);
        if (sequence % 2 == 0) intensity[g] = 20.0 * std::round(intensity[g] / 20.0);
        scale = std::max(scale, 1.0 + intensity[g]);
      }
      const bool unrelated = draw(rng, 0, 19) == 0;
      SeparableRoutingProblem separable;
      separable.demand = problem.demand;
      separable.capacity = problem.capacity;
      separable.scale = 1e-3 * scale;
      for (size_t s = 0; s < sites; ++s) {
        separable.site_value.push_back(unrelated ? 100.0 * uniform(rng) : intensity[s % groups]);
      }
      for (size_t p = 0; p < pairs.size(); ++p) {
        problem.cost.push_back(separable.site_value[pairs.site(p)] + separable.scale * keys[p]);
      }
      CAPTURE(sequence, hour);
      SparseRoutingSolution from_last;
      reused.route_greedy(problem, from_last);
      Router fresh(pairs);
      SparseRoutingSolution afresh;
      fresh.route_greedy(problem, afresh);
      CHECK(same_solution(from_last, afresh));
      CHECK(used_lists_every_flow(from_last));
      for (size_t k = 0; k < grouped.size(); ++k) {
        CAPTURE(k);
        SparseRoutingSolution by_groups;
        grouped[k].route_greedy(separable, by_groups);
        CHECK(same_solution(by_groups, afresh));
        CHECK(used_lists_every_flow(by_groups));
      }
    }
  }
}

TEST_CASE("separable costs route as the same costs given pair by pair", "[policy]") {
  // Random instances (zero demand and capacity, sizes small enough for phase 3 and large ones)
  // with costs site_value + scale x key: keys with exact ties and neighbours one ulp apart, site
  // values shared by groups or not, scales of 0, tiny (subnormal products), 1 and large; random
  // site groups. route_greedy on the separable form against the same costs pair by pair.
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 300; ++trial) {
    const bool large = trial % 5 == 0;
    const auto demands = static_cast<size_t>(large ? draw(rng, 20, 60) : draw(rng, 1, 12));
    const auto sites = static_cast<size_t>(large ? draw(rng, 50, 200) : draw(rng, 1, 25));
    Instance instance = random_instance(rng, demands, sites);
    if (trial % 7 == 3) {  // most sites without capacity: many pairs, few choices
      for (double& c : instance.problem.capacity) c = draw(rng, 0, 5) == 0 ? c : 0.0;
    }
    const RoutingPairs& pairs = instance.pairs;
    CAPTURE(trial, demands, sites, pairs.size());
    std::vector<double> keys;
    for (size_t p = 0; p < pairs.size(); ++p) {
      double key = static_cast<double>(draw(rng, 0, 30)) * 0.1;
      if (draw(rng, 0, 3) == 0) key = std::nextafter(key, 1e9);
      if (draw(rng, 0, 9) == 0) key = -key;
      keys.push_back(key);
    }
    const int64_t value_groups = draw(rng, 1, 8);
    SeparableRoutingProblem separable;
    separable.demand = instance.problem.demand;
    separable.capacity = instance.problem.capacity;
    const int64_t scale_kind = draw(rng, 0, 4);
    separable.scale = scale_kind == 0   ? 0.0
                      : scale_kind == 1 ? 1e-320
                      : scale_kind == 2 ? 1.0
                      : scale_kind == 3 ? 1e-7
                                        : 3e5;
    std::vector<double> group_value(static_cast<size_t>(value_groups));
    for (double& v : group_value) v = static_cast<double>(draw(rng, -5, 500)) * (draw(rng, 0, 1) == 0 ? 1.0 : 0.37);
    std::vector<std::uint32_t> hint(sites);
    for (size_t s = 0; s < sites; ++s) {
      const auto g = static_cast<size_t>(draw(rng, 0, value_groups - 1));
      separable.site_value.push_back(draw(rng, 0, 9) == 0 ? 1000.0 * uniform(rng) : group_value[g]);
      hint[s] = draw(rng, 0, 4) == 0 ? static_cast<std::uint32_t>(draw(rng, 0, 3)) : static_cast<std::uint32_t>(g);
    }
    SparseRoutingProblem given = instance.problem;
    for (size_t p = 0; p < pairs.size(); ++p)
      given.cost[p] = separable.site_value[pairs.site(p)] + separable.scale * keys[p];
    Router plain(pairs);
    SparseRoutingSolution expected;
    plain.route_greedy(given, expected);
    Router router(pairs);
    router.set_pair_keys(keys, hint);
    SparseRoutingSolution solution;
    router.route_greedy(separable, solution);
    CHECK(same_solution(solution, expected));
    CHECK(used_lists_every_flow(solution));
    // again on the same router, and after a new pair set the keys are gone
    router.route_greedy(separable, solution);
    CHECK(same_solution(solution, expected));
    router.set_pairs(pairs);
    if (pairs.size() > 0) CHECK_THROWS_WITH(router.route_greedy(separable, solution), Catch::Contains("set_pair_keys"));
  }
}

TEST_CASE("separable costs run phase 3 where the choices are few, however many the pairs", "[policy]") {
  // Two regions, two sites of capacity 1 and 300 of capacity 0 that only region 0 reaches: 302
  // pairs but 4 choices, few enough for phase 3 (cancelling negative cycles), which lowers the
  // greedy's cost 11 (region 0 -> site 0 at 1, region 1 -> site 1 at 10) to 3.5 (2 + 1.5).
  const size_t sites = 302;
  std::vector<std::vector<bool>> mask(2, std::vector<bool>(sites, false));
  for (size_t s = 0; s < sites; ++s) mask[0][s] = true;
  mask[1][0] = mask[1][1] = true;
  const RoutingPairs pairs = pairs_of(mask, sites);
  std::vector<double> keys(pairs.size(), 5.0);
  keys[0] = 1.0;           // region 0 -> site 0
  keys[1] = 2.0;           // region 0 -> site 1
  keys[sites] = 1.5;       // region 1 -> site 0
  keys[sites + 1] = 10.0;  // region 1 -> site 1
  SeparableRoutingProblem separable;
  separable.demand = {1.0, 1.0};
  separable.capacity.assign(sites, 0.0);
  separable.capacity[0] = separable.capacity[1] = 1.0;
  separable.site_value.assign(sites, 0.0);
  SparseRoutingProblem given{separable.demand, separable.capacity, keys};
  Router plain(pairs);
  SparseRoutingSolution expected;
  plain.route_greedy(given, expected);
  CHECK(expected.total_cost == 3.5);
  Router router(pairs);
  router.set_pair_keys(keys, std::vector<std::uint32_t>(sites, 0));
  SparseRoutingSolution solution;
  router.route_greedy(separable, solution);
  CHECK(same_solution(solution, expected));
}

TEST_CASE("separable costs are checked", "[policy]") {
  Router router(pairs_of({{true, false, true}, {false, true, true}}, 3));
  const std::vector<std::uint32_t> groups = {0, 0, 1};
  CHECK_THROWS_WITH(router.set_pair_keys({1.0, 2.0}, groups), Catch::Contains("2 keys for 4 pairs"));
  CHECK_THROWS_WITH(router.set_pair_keys({1.0, 2.0, 3.0, 4.0}, std::vector<std::uint32_t>{0, 1}),
                    Catch::Contains("2 site groups for 3 sites"));
  CHECK_THROWS_WITH(router.set_pair_keys({1.0, std::nan(""), 3.0, 4.0}, groups),
                    Catch::Contains("the key of pair 1 is nan"));
  router.set_pair_keys({1.0, 2.0, 3.0, 4.0}, groups);
  SeparableRoutingProblem problem;
  problem.demand = {10.0, 5.0};
  problem.capacity = {4.0, 4.0, 20.0};
  problem.site_value = {100.0, 100.0, 50.0};
  SparseRoutingSolution solution;
  router.route_greedy(problem, solution);
  // costs: region 0 -> sites 0, 2: 101, 52; region 1 -> sites 1, 2: 103, 54 (scale 1)
  CHECK(solution.flow == std::vector<double>{0.0, 10.0, 0.0, 5.0});
  CHECK(solution.total_cost == 10.0 * 52.0 + 5.0 * 54.0);
  problem.site_value[1] = std::nan("");
  CHECK_THROWS_WITH(router.route_greedy(problem, solution), Catch::Contains("the value of site 1 is nan"));
  problem.site_value[1] = 100.0;
  problem.scale = -1.0;
  CHECK_THROWS_WITH(router.route_greedy(problem, solution), Catch::Contains("the scale is -1"));
  problem.scale = 1e300;
  CHECK_THROWS_WITH(router.route_greedy(problem, solution), Catch::Contains("the scale is 1e+300"));
  problem.scale = 1.0;
  problem.capacity[2] = -1.0;
  CHECK_THROWS_WITH(router.route_greedy(problem, solution), Catch::Contains("capacity of site 2 is -1"));
}

TEST_CASE("sparse routing rejects inconsistent pairs and invalid problems", "[policy]") {
  // Pair sets: offsets not starting at 0, decreasing, not ending at the pair count; a site
  // out of range; sites not increasing within a region.
  CHECK_THROWS_AS(RoutingPairs(2, {}, {}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(2, {1, 1}, {0}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(2, {0, 2, 1, 2}, {0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(2, {0, 5, 2}, {0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(2, {0, 1}, {0, 1}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(2, {0, 1}, {2}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(3, {0, 2}, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(RoutingPairs(3, {0, 2}, {2, 0}), std::invalid_argument);
  CHECK_NOTHROW(RoutingPairs(3, {0, 2, 2, 3}, {0, 2, 1}));  // a region without pairs
  CHECK(RoutingPairs().demands() == 0);

  Router router(RoutingPairs(2, {0, 2, 3}, {0, 1, 1}));
  SparseRoutingProblem good;
  good.demand = {1.0, 2.0};
  good.capacity = {3.0, 0.0};
  good.cost = {1.0, kInf, 2.0};
  SparseRoutingSolution solution;
  REQUIRE_NOTHROW(router.route_greedy(good, solution));
  REQUIRE_NOTHROW(router.route_min_cost_flow(good, solution));
  std::vector<SparseRoutingProblem> bad(8, good);
  bad[0].demand.pop_back();           // too few regions
  bad[1].capacity.push_back(1.0);     // too many sites
  bad[2].cost.pop_back();             // too few pair costs
  bad[3].demand[0] = -1.0;            // negative demand
  bad[4].capacity[1] = std::nan("");  // NaN capacity
  bad[5].cost[2] = std::nan("");      // NaN cost
  bad[6].cost[0] = -kInf;             // -infinity cost
  bad[7].demand[1] = kInf;            // infinite demand
  for (const SparseRoutingProblem& problem : bad) {
    CHECK_THROWS_AS(router.route_greedy(problem, solution), std::invalid_argument);
    CHECK_THROWS_AS(router.route_min_cost_flow(problem, solution), std::invalid_argument);
  }
}
