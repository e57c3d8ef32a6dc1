#include "policy/routing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

#include "policy/routing_greedy.hpp"

namespace fleetsim::policy {

namespace {

constexpr size_t kMaxIndex = std::numeric_limits<std::uint32_t>::max();  // pairs, sites, regions: < this

template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw std::invalid_argument(message.str());
}

// Sizes consistent, demands and capacities finite and >= 0, costs finite or +infinity.
void validate(const RoutingProblem& problem, const char* who) {
  const size_t sites = problem.capacity.size();
  if (problem.cost.size() != problem.demand.size()) {
    fail(who, ": cost has ", problem.cost.size(), " rows but there are ", problem.demand.size(), " demand regions");
  }
  for (size_t d = 0; d < problem.demand.size(); ++d) {
    const double demand = problem.demand[d];
    if (!std::isfinite(demand) || demand < 0.0) {
      fail(who, ": demand of region ", d, " is ", demand, " (must be finite and >= 0)");
    }
    if (problem.cost[d].size() != sites) {
      fail(who, ": cost row ", d, " has ", problem.cost[d].size(), " entries but there are ", sites, " sites");
    }
    for (size_t s = 0; s < sites; ++s) {
      const double cost = problem.cost[d][s];
      if (std::isnan(cost) || cost == -kUnreachable) {
        fail(who, ": cost[", d, "][", s, "] is ", cost, " (must be finite, or +infinity for a forbidden pair)");
      }
    }
  }
  for (size_t s = 0; s < sites; ++s) {
    const double capacity = problem.capacity[s];
    if (!std::isfinite(capacity) || capacity < 0.0) {
      fail(who, ": capacity of site ", s, " is ", capacity, " (must be finite and >= 0)");
    }
  }
}

// Sizes match the pair set, demands and capacities finite and >= 0.
void validate_amounts(const RoutingPairs& pairs, const std::vector<double>& demand, const std::vector<double>& capacity,
                      const char* who) {
  if (demand.size() != pairs.demands()) {
    fail(who, ": ", demand.size(), " demands but the pairs have ", pairs.demands(), " demand regions");
  }
  if (capacity.size() != pairs.sites()) {
    fail(who, ": ", capacity.size(), " capacities but the pairs have ", pairs.sites(), " sites");
  }
  for (size_t d = 0; d < demand.size(); ++d) {
    if (!std::isfinite(demand[d]) || demand[d] < 0.0) {
      fail(who, ": demand of region ", d, " is ", demand[d], " (must be finite and >= 0)");
    }
  }
  for (size_t s = 0; s < capacity.size(); ++s) {
    if (!std::isfinite(capacity[s]) || capacity[s] < 0.0) {
      fail(who, ": capacity of site ", s, " is ", capacity[s], " (must be finite and >= 0)");
    }
  }
}

// The sparse form's checks, in O(pairs + regions + sites): sizes match the pair set, demands and
// capacities finite and >= 0, costs finite or +infinity.
void validate(const RoutingPairs& pairs, const SparseRoutingProblem& problem, const char* who) {
  validate_amounts(pairs, problem.demand, problem.capacity, who);
  if (problem.cost.size() != pairs.size()) {
    fail(who, ": ", problem.cost.size(), " costs but there are ", pairs.size(), " pairs");
  }
  // One branch-free pass over the costs (c > -infinity is false exactly for NaN and -infinity;
  // written so that the compiler vectorises it); the failing pair is looked for only when there
  // is one.
  double any_invalid = 0.0;
  for (const double cost : problem.cost) any_invalid = cost > -kUnreachable ? any_invalid : 1.0;
  if (any_invalid == 0.0) return;
  for (size_t p = 0; p < problem.cost.size(); ++p) {
    const double cost = problem.cost[p];
    if (std::isnan(cost) || cost == -kUnreachable) {
      fail(who, ": cost of pair ", p, " (region ", pairs.demand(p), " -> site ", pairs.site(p), ") is ", cost,
           " (must be finite, or +infinity for a pair not allowed this hour)");
    }
  }
}

// All flows 0, served and dropped sized to the regions.
void clear_solution(const RoutingPairs& pairs, SparseRoutingSolution& solution) {
  solution.flow.assign(pairs.size(), 0.0);
  solution.served.assign(pairs.demands(), 0.0);
  solution.dropped.assign(pairs.demands(), 0.0);
  solution.total_cost = 0.0;
  solution.used.clear();
}

// Given flow, used and served: served[d] clamped to [0, demand[d]] against rounding, dropped[d]
// = demand[d] - served[d] (so >= 0), total_cost = sum of flow x cost in pair order (that is, in
// (region, site) order) over the pairs with flow; the others would add exactly +0.
template <typename CostOf>
void finish(const std::vector<double>& demand, CostOf&& cost_of, SparseRoutingSolution& solution) {
  for (size_t d = 0; d < demand.size(); ++d) {
    solution.served[d] = std::clamp(solution.served[d], 0.0, demand[d]);
    solution.dropped[d] = demand[d] - solution.served[d];
  }
  double total_cost = 0.0;
  for (const std::uint32_t p : solution.used) {
    if (solution.flow[p] > 0.0) total_cost += solution.flow[p] * cost_of(p);
  }
  solution.total_cost = total_cost;
}

void finish(const SparseRoutingProblem& problem, SparseRoutingSolution& solution) {
  finish(
      problem.demand, [&](std::uint32_t p) { return problem.cost[p]; }, solution);
}

}  // namespace

RoutingPairs::RoutingPairs(size_t sites, std::vector<size_t> offsets, std::vector<std::uint32_t> pair_sites)
    : sites_(sites), begin_(std::move(offsets)), site_(std::move(pair_sites)) {
  if (begin_.empty() || begin_.front() != 0) fail("RoutingPairs: the offsets must start with 0");
  if (begin_.back() != site_.size()) {
    fail("RoutingPairs: the last offset is ", begin_.back(), " but there are ", site_.size(), " pairs");
  }
  if (site_.size() >= kMaxIndex || sites >= kMaxIndex || begin_.size() > kMaxIndex) {
    fail("RoutingPairs: ", site_.size(), " pairs, ", sites, " sites and ", begin_.size() - 1,
         " demand regions (each must be below 2^32 - 1)");
  }
  const size_t demands = begin_.size() - 1;
  for (size_t d = 0; d < demands; ++d) {
    if (begin_[d + 1] < begin_[d]) fail("RoutingPairs: offset ", d + 1, " is below offset ", d);
  }
  demand_.resize(site_.size());
  site_begin_.assign(sites + 1, 0);
  for (size_t d = 0; d < demands; ++d) {
    for (size_t p = begin_[d]; p < begin_[d + 1]; ++p) {
      if (site_[p] >= sites) fail("RoutingPairs: pair ", p, " of region ", d, " has site ", site_[p], " of ", sites);
      if (p > begin_[d] && site_[p] <= site_[p - 1]) {
        fail("RoutingPairs: the sites of region ", d, " do not increase at pair ", p, " (site ", site_[p - 1], " then ",
             site_[p], ")");
      }
      demand_[p] = static_cast<std::uint32_t>(d);
      ++site_begin_[site_[p] + 1];
    }
  }
  // Counting sort of the pairs by site; in pair order within a site.
  for (size_t s = 0; s < sites; ++s) site_begin_[s + 1] += site_begin_[s];
  by_site_.resize(site_.size());
  std::vector<size_t> next(site_begin_.begin(), site_begin_.end() - 1);
  for (size_t p = 0; p < site_.size(); ++p) by_site_[next[site_[p]]++] = static_cast<std::uint32_t>(p);
}

// Undirected adjacency_list with the latency as edge weight; one Dijkstra per source, with
// infinity as the distance of nodes it does not reach.
std::vector<std::vector<double>> shortest_latencies(const NetworkSpec& network, const std::vector<size_t>& sources,
                                                    const std::vector<size_t>& targets) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                      boost::property<boost::edge_weight_t, double>>;
  Graph graph(network.nodes);
  for (size_t i = 0; i < network.links.size(); ++i) {
    const NetworkSpec::Link& link = network.links[i];
    if (link.a >= network.nodes || link.b >= network.nodes) {
      fail("shortest_latencies: link ", i, " joins nodes ", link.a, " and ", link.b, " but there are only ",
           network.nodes, " nodes");
    }
    if (!std::isfinite(link.latency_ms) || link.latency_ms < 0.0) {
      fail("shortest_latencies: link ", i, " (", link.a, "-", link.b, ") has latency ", link.latency_ms,
           " ms (must be finite and >= 0)");
    }
    boost::add_edge(link.a, link.b, link.latency_ms, graph);
  }
  for (const size_t node : sources) {
    if (node >= network.nodes) {
      fail("shortest_latencies: source node ", node, " is out of range (", network.nodes, " nodes)");
    }
  }
  for (const size_t node : targets) {
    if (node >= network.nodes) {
      fail("shortest_latencies: target node ", node, " is out of range (", network.nodes, " nodes)");
    }
  }

  std::vector<std::vector<double>> result(sources.size(), std::vector<double>(targets.size(), kUnreachable));
  std::vector<double> distance(network.nodes);
  for (size_t i = 0; i < sources.size(); ++i) {
    boost::dijkstra_shortest_paths(
        graph, sources[i],
        boost::distance_map(boost::make_iterator_property_map(distance.begin(), boost::get(boost::vertex_index, graph)))
            .distance_inf(kUnreachable));
    for (size_t j = 0; j < targets.size(); ++j) result[i][j] = distance[targets[j]];
  }
  return result;
}

Router::Router() : greedy_(std::make_unique<Greedy>()) {}

Router::Router(RoutingPairs pairs) : pairs_(std::move(pairs)), greedy_(std::make_unique<Greedy>()) {
  greedy_->prepare(pairs_);
}

Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;
Router::~Router() = default;

void Router::set_pairs(RoutingPairs pairs) {
  pairs_ = std::move(pairs);
  greedy_->prepare(pairs_);
}

void Router::set_pair_keys(std::vector<double> key, std::span<const std::uint32_t> group_of_site) {
  if (key.size() != pairs_.size()) fail("set_pair_keys: ", key.size(), " keys for ", pairs_.size(), " pairs");
  if (group_of_site.size() != pairs_.sites()) {
    fail("set_pair_keys: ", group_of_site.size(), " site groups for ", pairs_.sites(), " sites");
  }
  for (size_t p = 0; p < key.size(); ++p) {
    if (!std::isfinite(key[p])) fail("set_pair_keys: the key of pair ", p, " is ", key[p], " (must be finite)");
  }
  greedy_->set_keys(pairs_, std::move(key), group_of_site);
}

void Router::route_greedy(const SparseRoutingProblem& problem, SparseRoutingSolution& solution) {
  validate(pairs_, problem, "route_greedy");
  clear_solution(pairs_, solution);
  greedy_->solve(pairs_, problem, solution);
  finish(problem, solution);
}

void Router::route_greedy(const SeparableRoutingProblem& problem, SparseRoutingSolution& solution) {
  constexpr double kLargest = 1e300;  // site values and scale x keys: their sums stay finite
  if (!greedy_->has_keys() && pairs_.size() > 0)
    fail("route_greedy: separable costs without pair keys (set_pair_keys)");
  validate_amounts(pairs_, problem.demand, problem.capacity, "route_greedy");
  if (problem.site_value.size() != pairs_.sites()) {
    fail("route_greedy: ", problem.site_value.size(), " site values but the pairs have ", pairs_.sites(), " sites");
  }
  for (size_t s = 0; s < problem.site_value.size(); ++s) {
    if (!(std::abs(problem.site_value[s]) <= kLargest)) {
      fail("route_greedy: the value of site ", s, " is ", problem.site_value[s], " (must be finite, |value| <= 1e300)");
    }
  }
  if (!(problem.scale >= 0.0) || !(problem.scale * greedy_->max_key() <= kLargest)) {
    fail("route_greedy: the scale is ", problem.scale, " (must be >= 0, and scale x the largest |key| <= 1e300)");
  }
  clear_solution(pairs_, solution);
  if (pairs_.size() > 0) greedy_->solve_separable(pairs_, problem, solution);
  finish(
      problem.demand, [&](std::uint32_t p) { return greedy_->cost_of(p); }, solution);
}

// route_min_cost_flow: source -> region d (capacity floor(demand[d]), cost 0) -> site s (allowed
// pairs, capacity floor(demand[d]), cost = the pair's cost shifted and scaled) -> sink (capacity
// floor(capacity[s]), cost 0), each arc with its reverse arc; Boost's successive shortest paths
// (Dijkstra on reduced costs) from the zero flow until no augmenting path is left gives a
// maximum flow of minimum cost. Every source-sink path crosses exactly one region -> site arc,
// so shifting all pair costs by a constant changes every maximum flow's cost by the same amount
// and the optimum is unchanged: costs are shifted so the cheapest is 0 (Boost needs
// non-negative weights). They are also made integers (held in doubles, exact below 2^53) so
// that reduced costs never come out slightly negative from rounding: integer costs spanning at
// most 2^30 are used as they are (exact optimum); others are scaled so that their range spans
// 2^30 and rounded, which is optimal to within a relative 2^-30 of the cost range per query.
// The range is that of every finite pair cost, whatever the demands and capacities.
void Router::route_min_cost_flow(const SparseRoutingProblem& problem, SparseRoutingSolution& solution) const {
  validate(pairs_, problem, "route_min_cost_flow");
  const RoutingPairs& pairs = pairs_;
  const size_t demands = pairs.demands();
  const size_t sites = pairs.sites();
  clear_solution(pairs, solution);

  constexpr double kMaxUnits = 9007199254740992.0;  // 2^53
  auto units = [&](double value, const char* what, size_t index) {
    const double floored = std::floor(value);
    if (floored > kMaxUnits) {
      fail("route_min_cost_flow: ", what, " ", index, " is ", value, ", above 2^53 (the exact solver's limit)");
    }
    return static_cast<std::int64_t>(floored);
  };

  double low = kUnreachable;
  double high = -kUnreachable;
  bool integral = true;
  for (const double cost : problem.cost) {
    if (cost == kUnreachable) continue;
    low = std::min(low, cost);
    high = std::max(high, cost);
    integral = integral && cost == std::floor(cost);
  }
  constexpr double kCostSteps = 1073741824.0;  // 2^30
  const double half_range = 0.5 * high - 0.5 * low;
  const bool exact = integral && half_range <= 0.5 * kCostSteps;
  const double step_scale = half_range > 0.0 ? kCostSteps / half_range : 0.0;
  auto weight_of = [&](double cost) {
    if (exact) return cost - low;
    return std::round((0.5 * cost - 0.5 * low) * step_scale);
  };

  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Graph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, std::int64_t,
                      boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                      boost::property<boost::edge_weight_t, double>>>>>;
  using Edge = Traits::edge_descriptor;
  const size_t source = 0;
  const size_t sink = demands + sites + 1;
  Graph graph(demands + sites + 2);
  auto capacity = boost::get(boost::edge_capacity, graph);
  auto reverse = boost::get(boost::edge_reverse, graph);
  auto weight = boost::get(boost::edge_weight, graph);
  auto add_arc = [&](size_t from, size_t to, std::int64_t arc_capacity, double arc_weight) {
    const Edge forward = boost::add_edge(from, to, graph).first;
    const Edge backward = boost::add_edge(to, from, graph).first;
    capacity[forward] = arc_capacity;
    capacity[backward] = 0;
    weight[forward] = arc_weight;
    weight[backward] = -arc_weight;
    reverse[forward] = backward;
    reverse[backward] = forward;
    return forward;
  };

  struct PairArc {
    size_t pair;
    Edge edge;
  };
  std::vector<PairArc> pair_arcs;
  for (size_t d = 0; d < demands; ++d) {
    const std::int64_t demand_units = units(problem.demand[d], "demand of region", d);
    if (demand_units == 0) continue;
    add_arc(source, 1 + d, demand_units, 0.0);
    for (size_t p = pairs.begin(d); p < pairs.end(d); ++p) {
      const size_t s = pairs.site(p);
      if (problem.cost[p] == kUnreachable || problem.capacity[s] < 1.0) continue;
      pair_arcs.push_back(PairArc{p, add_arc(1 + d, 1 + demands + s, demand_units, weight_of(problem.cost[p]))});
    }
  }
  for (size_t s = 0; s < sites; ++s) {
    const std::int64_t site_units = units(problem.capacity[s], "capacity of site", s);
    if (site_units > 0) add_arc(1 + demands + s, sink, site_units, 0.0);
  }

  if (!pair_arcs.empty()) boost::successive_shortest_path_nonnegative_weights(graph, source, sink);

  // Integer flows: served is their exact sum.
  auto residual = boost::get(boost::edge_residual_capacity, graph);
  std::vector<std::int64_t> served_units(demands, 0);
  for (const PairArc& arc : pair_arcs) {
    const std::int64_t flow = capacity[arc.edge] - residual[arc.edge];
    if (flow <= 0) continue;
    solution.flow[arc.pair] = static_cast<double>(flow);
    solution.used.push_back(static_cast<std::uint32_t>(arc.pair));  // pair_arcs are in pair order
    served_units[pairs.demand(arc.pair)] += flow;
  }
  for (size_t d = 0; d < demands; ++d) solution.served[d] = static_cast<double>(served_units[d]);
  finish(problem, solution);
}

namespace {

// The dense problem in sparse form: the pairs of finite cost, in (region, site) order.
RoutingPairs pairs_of(const RoutingProblem& problem) {
  std::vector<size_t> offsets = {0};
  std::vector<std::uint32_t> sites;
  for (const std::vector<double>& row : problem.cost) {
    for (size_t s = 0; s < row.size(); ++s) {
      if (row[s] != kUnreachable) sites.push_back(static_cast<std::uint32_t>(s));
    }
    offsets.push_back(sites.size());
  }
  return RoutingPairs(problem.capacity.size(), std::move(offsets), std::move(sites));
}

// Whether pairs are exactly the pairs of finite cost of the dense problem.
bool has_pairs(const RoutingProblem& problem, const RoutingPairs& pairs) {
  if (pairs.demands() != problem.cost.size() || pairs.sites() != problem.capacity.size()) return false;
  size_t p = 0;
  for (size_t d = 0; d < problem.cost.size(); ++d) {
    const std::vector<double>& row = problem.cost[d];
    for (size_t s = 0; s < row.size(); ++s) {
      if (row[s] == kUnreachable) continue;
      if (p == pairs.end(d) || pairs.site(p) != s) return false;
      ++p;
    }
    if (p != pairs.end(d)) return false;
  }
  return true;
}

SparseRoutingProblem sparse_of(const RoutingProblem& problem, const RoutingPairs& pairs) {
  SparseRoutingProblem sparse;
  sparse.demand = problem.demand;
  sparse.capacity = problem.capacity;
  sparse.cost.resize(pairs.size());
  for (size_t p = 0; p < pairs.size(); ++p) sparse.cost[p] = problem.cost[pairs.demand(p)][pairs.site(p)];
  return sparse;
}

RoutingSolution dense_of(const RoutingProblem& problem, const RoutingPairs& pairs, SparseRoutingSolution& sparse) {
  RoutingSolution solution;
  solution.flow.assign(problem.demand.size(), std::vector<double>(problem.capacity.size(), 0.0));
  for (size_t p = 0; p < pairs.size(); ++p) solution.flow[pairs.demand(p)][pairs.site(p)] = sparse.flow[p];
  solution.served = std::move(sparse.served);
  solution.dropped = std::move(sparse.dropped);
  solution.total_cost = sparse.total_cost;
  return solution;
}

}  // namespace

RoutingSolution route_greedy(const RoutingProblem& problem) {
  validate(problem, "route_greedy");
  // Scratch memory is kept per thread between calls: routing may run every simulated hour. On
  // the same pairs as the last call, the router also starts from that call's order.
  thread_local Router router;
  if (!has_pairs(problem, router.pairs())) router.set_pairs(pairs_of(problem));
  const SparseRoutingProblem sparse = sparse_of(problem, router.pairs());
  SparseRoutingSolution solution;
  router.route_greedy(sparse, solution);
  return dense_of(problem, router.pairs(), solution);
}

RoutingSolution route_min_cost_flow(const RoutingProblem& problem) {
  validate(problem, "route_min_cost_flow");
  const Router router(pairs_of(problem));
  const SparseRoutingProblem sparse = sparse_of(problem, router.pairs());
  SparseRoutingSolution solution;
  router.route_min_cost_flow(sparse, solution);
  return dense_of(problem, router.pairs(), solution);
}

}  // namespace fleetsim::policy
