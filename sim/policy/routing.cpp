#include "policy/routing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

namespace fleetsim::policy {

namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

#ifndef FLEETSIM_ROUTING_ROUNDS
#define FLEETSIM_ROUTING_ROUNDS 64
#endif
constexpr size_t kImprovementRounds = FLEETSIM_ROUTING_ROUNDS;

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

RoutingSolution empty_solution(const RoutingProblem& problem) {
  RoutingSolution solution;
  solution.flow.assign(problem.demand.size(), std::vector<double>(problem.capacity.size(), 0.0));
  solution.served.assign(problem.demand.size(), 0.0);
  solution.dropped.assign(problem.demand.size(), 0.0);
  return solution;
}

// served[d] clamped to [0, demand[d]] against rounding, dropped[d] = demand[d] - served[d] (so
// >= 0), total_cost = sum of flow x cost in (d, s) order.
void finish(const RoutingProblem& problem, const std::vector<double>& served, RoutingSolution& solution) {
  solution.total_cost = 0.0;
  for (size_t d = 0; d < problem.demand.size(); ++d) {
    solution.served[d] = std::clamp(served[d], 0.0, problem.demand[d]);
    solution.dropped[d] = problem.demand[d] - solution.served[d];
    for (size_t s = 0; s < problem.capacity.size(); ++s) {
      const double flow = solution.flow[d][s];
      if (flow > 0.0) solution.total_cost += flow * problem.cost[d][s];
    }
  }
}

// One allowed site of a demand region, ordered by (cost, site).
struct SiteChoice {
  double cost = 0.0;
  size_t site = 0;
};

// "a comes after b" for min-heaps over (cost, site).
bool choice_after(const SiteChoice& a, const SiteChoice& b) {
  return a.cost > b.cost || (a.cost == b.cost && a.site > b.site);
}

// The head of a demand region's heap in the global merge, ordered by (cost, demand, site).
struct PairHead {
  double cost = 0.0;
  size_t demand = 0;
  size_t site = 0;
};

bool head_after(const PairHead& a, const PairHead& b) {
  if (a.cost != b.cost) return a.cost > b.cost;
  if (a.demand != b.demand) return a.demand > b.demand;
  return a.site > b.site;
}

// The working state of route_greedy: the flow (in the solution), each region's unserved
// demand and each site's spare capacity, and each region's allowed sites (finite cost, capacity
// > 0) in choices[begin[d], begin[d + 1]).
//
// The flow network behind every phase: source -> region d (capacity demand[d]) -> site s
// (allowed pairs, unbounded, cost[d][s] per query) -> sink (capacity capacity[s]).
class GreedyRouter {
 public:
  GreedyRouter(const RoutingProblem& problem, RoutingSolution& solution)
      : problem_(problem),
        flow_(solution.flow),
        demands_(problem.demand.size()),
        sites_(problem.capacity.size()),
        begin_(demands_ + 1, 0),
        unserved_(problem.demand),
        spare_(problem.capacity) {
    choices_.reserve(demands_ * sites_);
    double largest = 0.0;
    for (size_t d = 0; d < demands_; ++d) {
      begin_[d] = choices_.size();
      const std::vector<double>& row = problem.cost[d];
      for (size_t s = 0; s < sites_; ++s) {
        if (row[s] == kUnreachable || !(problem.capacity[s] > 0.0)) continue;
        choices_.push_back(SiteChoice{row[s], s});
        largest = std::max(largest, std::abs(row[s]));
      }
    }
    begin_[demands_] = choices_.size();
    tolerance_ = 1e-12 * largest;
  }

  void assign_cheapest_first();
  void augment_to_maximum_flow();
  void cancel_negative_cycles(size_t max_rounds);

  // served = demand - unserved, so a fully served region (unserved exactly 0) drops exactly 0.
  std::vector<double> served() const {
    std::vector<double> result(demands_);
    for (size_t d = 0; d < demands_; ++d) result[d] = problem_.demand[d] - unserved_[d];
    return result;
  }

 private:
  bool has_sites(size_t d) const { return begin_[d + 1] > begin_[d]; }
  bool cancel_cycle(const std::vector<size_t>& cycle, const std::vector<size_t>& pred);

  const RoutingProblem& problem_;
  std::vector<std::vector<double>>& flow_;
  size_t demands_;
  size_t sites_;
  std::vector<SiteChoice> choices_;
  std::vector<size_t> begin_;
  std::vector<double> unserved_;
  std::vector<double> spare_;
  double tolerance_ = 0.0;  // cost differences below this are rounding
};

// Phase 1: assign min(unserved demand, spare capacity) to every allowed (region, site) pair in
// increasing (cost, region, site) order. Rather than sorting all pairs, each region's allowed
// sites sit in a binary min-heap (built in linear time) and a global heap merges the heads of
// the regions that still have demand: this yields the sorted order of every pair that can still
// receive flow, and a region stops scanning as soon as it is fully served.
void GreedyRouter::assign_cheapest_first() {
  std::vector<size_t> end(demands_);  // the heap of region d is [begin_[d], end[d])
  std::vector<PairHead> heads;
  heads.reserve(demands_);
  auto push_next = [&](size_t d) {
    if (end[d] == begin_[d]) return;
    const auto first = choices_.begin() + static_cast<std::ptrdiff_t>(begin_[d]);
    const auto last = choices_.begin() + static_cast<std::ptrdiff_t>(end[d]);
    std::pop_heap(first, last, choice_after);
    --end[d];
    heads.push_back(PairHead{choices_[end[d]].cost, d, choices_[end[d]].site});
    std::push_heap(heads.begin(), heads.end(), head_after);
  };
  for (size_t d = 0; d < demands_; ++d) {
    end[d] = begin_[d + 1];
    if (!(unserved_[d] > 0.0)) continue;
    std::make_heap(choices_.begin() + static_cast<std::ptrdiff_t>(begin_[d]),
                   choices_.begin() + static_cast<std::ptrdiff_t>(end[d]), choice_after);
    push_next(d);
  }
  while (!heads.empty()) {
    std::pop_heap(heads.begin(), heads.end(), head_after);
    const PairHead head = heads.back();
    heads.pop_back();
    const size_t d = head.demand;
    const size_t s = head.site;
    if (spare_[s] > 0.0) {
      const double amount = std::min(unserved_[d], spare_[s]);
      flow_[d][s] += amount;
      unserved_[d] -= amount;  // exactly 0 when amount == unserved_[d]
      spare_[s] -= amount;     // exactly 0 when amount == spare_[s]
    }
    if (unserved_[d] > 0.0) push_next(d);
  }
}

// Phase 2: augmenting paths until the served amount is the maximum flow. A residual path starts
// at a region with unserved demand, goes forward to an allowed site, and while that site is full
// goes back along an existing flow (a region d2 sending to it gives up some) and forward to
// another site of d2, until it reaches a site with spare capacity. Each round is a breadth-first
// search by layers from all regions with unserved demand (within a layer a node keeps the parent
// giving the cheapest path: forward pairs add their cost, reverse pairs subtract it), stopped at
// the first site layer holding spare sites; then every spare site of that layer, cheapest path
// first, is augmented along its tree path with the bottleneck amount at that moment (0: skipped).
// These are all shortest paths in hops, so as in Edmonds-Karp the number of rounds is bounded
// (O(V E)) even with real-valued amounts. The bottleneck becomes exactly 0 (x - x == 0).
void GreedyRouter::augment_to_maximum_flow() {
  bool any_unserved = false;
  for (size_t d = 0; d < demands_; ++d) any_unserved = any_unserved || (unserved_[d] > 0.0 && has_sites(d));
  if (!any_unserved) return;

  std::vector<size_t> demand_layer_of(demands_);
  std::vector<size_t> site_layer_of(sites_);
  std::vector<size_t> demand_parent(demands_);  // the site whose flow region d gives up (kNone: a root)
  std::vector<size_t> site_parent(sites_);      // the region that sends more to site s
  std::vector<double> demand_path_cost(demands_);
  std::vector<double> site_path_cost(sites_);
  std::vector<size_t> demand_layer;
  std::vector<size_t> site_layer;
  std::vector<size_t> terminals;
  demand_layer.reserve(demands_);
  site_layer.reserve(sites_);

  while (true) {
    std::fill(demand_layer_of.begin(), demand_layer_of.end(), kNone);
    std::fill(site_layer_of.begin(), site_layer_of.end(), kNone);
    demand_layer.clear();
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] > 0.0 && has_sites(d)) {
        demand_layer.push_back(d);
        demand_layer_of[d] = 0;
        demand_parent[d] = kNone;
        demand_path_cost[d] = 0.0;
      }
    }
    terminals.clear();
    for (size_t layer = 0; !demand_layer.empty(); ++layer) {
      // Regions -> sites (forward pairs).
      site_layer.clear();
      for (const size_t d : demand_layer) {
        for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
          const size_t s = choices_[i].site;
          const double path_cost = demand_path_cost[d] + choices_[i].cost;
          if (site_layer_of[s] == kNone) {
            site_layer_of[s] = layer;
            site_layer.push_back(s);
            site_parent[s] = d;
            site_path_cost[s] = path_cost;
          } else if (site_layer_of[s] == layer && path_cost < site_path_cost[s]) {
            site_parent[s] = d;
            site_path_cost[s] = path_cost;
          }
        }
      }
      for (const size_t s : site_layer) {
        if (spare_[s] > 0.0) terminals.push_back(s);
      }
      if (!terminals.empty()) break;
      // Full sites -> regions that send to them (reverse pairs), region by region.
      demand_layer.clear();
      for (size_t d = 0; d < demands_; ++d) {
        if (demand_layer_of[d] != kNone) continue;
        const std::vector<double>& flow = flow_[d];
        for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
          const size_t s = choices_[i].site;
          if (site_layer_of[s] != layer || !(flow[s] > 0.0)) continue;
          const double path_cost = site_path_cost[s] - choices_[i].cost;
          if (demand_layer_of[d] == kNone) {
            demand_layer_of[d] = layer + 1;
            demand_layer.push_back(d);
            demand_parent[d] = s;
            demand_path_cost[d] = path_cost;
          } else if (path_cost < demand_path_cost[d] || (path_cost == demand_path_cost[d] && s < demand_parent[d])) {
            demand_parent[d] = s;
            demand_path_cost[d] = path_cost;
          }
        }
      }
    }
    if (terminals.empty()) return;  // no augmenting path: the flow is maximum

    std::sort(terminals.begin(), terminals.end(), [&](size_t a, size_t b) {
      return site_path_cost[a] < site_path_cost[b] || (site_path_cost[a] == site_path_cost[b] && a < b);
    });
    for (const size_t terminal : terminals) {
      // Bottleneck along terminal <- region <- site <- ... <- root region.
      double amount = spare_[terminal];
      size_t s = terminal;
      while (true) {
        const size_t d = site_parent[s];
        if (demand_parent[d] == kNone) {
          amount = std::min(amount, unserved_[d]);
          break;
        }
        s = demand_parent[d];
        amount = std::min(amount, flow_[d][s]);
      }
      if (!(amount > 0.0)) continue;
      spare_[terminal] -= amount;
      s = terminal;
      while (true) {
        const size_t d = site_parent[s];
        flow_[d][s] += amount;
        if (demand_parent[d] == kNone) {
          unserved_[d] -= amount;
          break;
        }
        s = demand_parent[d];
        flow_[d][s] -= amount;
      }
    }
  }
}

// Phase 3: lower the cost at the same served amount by cancelling negative-cost cycles of the
// residual network, found by Bellman-Ford. Nodes: regions, sites, T (spare capacity: site s ->
// T when s has spare, T -> s when s has load) and U (unserved demand: U -> region d when d has
// unserved demand, d -> U when d is served); arcs d -> s (cost[d][s], d sends more to s) and
// s -> d (-cost[d][s], while d sends to s). A cycle moves flow without changing what is served
// in total, e.g. T -> s1 -> d -> s2 -> T moves some of d from s1 to a site s2 with spare
// capacity, and s1 -> d1 -> s2 -> d2 -> s1 swaps. Every node starts at distance 0 (a virtual
// root); each round relaxes every arc once, region by region (pull from the sites the region
// sends to, then push to all its allowed sites), then T and U; after each round the predecessor
// graph is searched for cycles, each of which is cancelled if its cost at the current flow is
// negative (by its bottleneck amount, which becomes exactly 0), and the labels restart from 0.
// A round without any update proves that no negative cycle is left: the flow is then a maximum
// flow of minimum cost. Stops there or after max_rounds rounds.
void GreedyRouter::cancel_negative_cycles(size_t max_rounds) {
  const size_t nodes = demands_ + sites_ + 2;
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  std::vector<double> dist(nodes, 0.0);
  std::vector<size_t> pred(nodes, kNone);
  std::vector<size_t> walk(nodes);
  std::vector<size_t> cycle;
  cycle.reserve(nodes);
  for (size_t round = 0; round < max_rounds; ++round) {
    bool changed = false;
    for (size_t d = 0; d < demands_; ++d) {
      const std::vector<double>& flow = flow_[d];
      double best = dist[d];
      size_t best_pred = kNone;
      if (unserved_[d] > 0.0 && dist[node_u] < best - tolerance_) {
        best = dist[node_u];
        best_pred = node_u;
      }
      for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
        const size_t s = choices_[i].site;
        if (!(flow[s] > 0.0)) continue;
        const double candidate = dist[demands_ + s] - choices_[i].cost;
        if (candidate < best - tolerance_) {
          best = candidate;
          best_pred = demands_ + s;
        }
      }
      if (best_pred != kNone) {
        dist[d] = best;
        pred[d] = best_pred;
        changed = true;
      }
      const double from = dist[d];
      for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
        const size_t node = demands_ + choices_[i].site;
        const double candidate = from + choices_[i].cost;
        if (candidate < dist[node] - tolerance_) {
          dist[node] = candidate;
          pred[node] = d;
          changed = true;
        }
      }
    }
    for (size_t s = 0; s < sites_; ++s) {
      const size_t node = demands_ + s;
      if (spare_[s] < problem_.capacity[s] && dist[node_t] < dist[node] - tolerance_) {
        dist[node] = dist[node_t];
        pred[node] = node_t;
        changed = true;
      }
      if (spare_[s] > 0.0 && dist[node] < dist[node_t] - tolerance_) {
        dist[node_t] = dist[node];
        pred[node_t] = node;
        changed = true;
      }
    }
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] < problem_.demand[d] && dist[d] < dist[node_u] - tolerance_) {
        dist[node_u] = dist[d];
        pred[node_u] = d;
        changed = true;
      }
    }
    if (!changed) return;

    // Cycles of the predecessor graph (each node has at most one predecessor).
    bool cancelled = false;
    std::fill(walk.begin(), walk.end(), kNone);
    for (size_t v = 0; v < nodes; ++v) {
      size_t u = v;
      while (u != kNone && walk[u] == kNone) {
        walk[u] = v;
        u = pred[u];
      }
      if (u == kNone || walk[u] != v) continue;
      cycle.clear();
      size_t w = u;
      do {
        cycle.push_back(w);
        w = pred[w];
      } while (w != u);
      cancelled = cancel_cycle(cycle, pred) || cancelled;
    }
    if (cancelled) {
      std::fill(dist.begin(), dist.end(), 0.0);
      std::fill(pred.begin(), pred.end(), kNone);
    }
  }
}

// Cancels the cycle of arcs pred[w] -> w (w in `cycle`) if its cost is negative at the current
// flow; returns whether it did.
bool GreedyRouter::cancel_cycle(const std::vector<size_t>& cycle, const std::vector<size_t>& pred) {
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  double cost = 0.0;
  double amount = kUnreachable;
  for (const size_t w : cycle) {
    const size_t u = pred[w];
    if (u < demands_ && w >= demands_ && w < node_t) {
      cost += problem_.cost[u][w - demands_];  // region -> site
    } else if (u >= demands_ && u < node_t && w < demands_) {
      cost -= problem_.cost[w][u - demands_];  // site -> region
      amount = std::min(amount, flow_[w][u - demands_]);
    } else if (w == node_t) {
      amount = std::min(amount, spare_[u - demands_]);  // site -> T
    } else if (u == node_u) {
      amount = std::min(amount, unserved_[w]);  // U -> region
    }
  }
  if (!(cost < -tolerance_ * static_cast<double>(cycle.size())) || !(amount > 0.0) || amount == kUnreachable) {
    return false;
  }
  for (const size_t w : cycle) {
    const size_t u = pred[w];
    if (u < demands_ && w >= demands_ && w < node_t) {
      flow_[u][w - demands_] += amount;
    } else if (u >= demands_ && u < node_t && w < demands_) {
      flow_[w][u - demands_] -= amount;
    } else if (w == node_t) {
      spare_[u - demands_] -= amount;
    } else if (u == node_t) {
      spare_[w - demands_] += amount;
    } else if (u == node_u) {
      unserved_[w] -= amount;
    } else if (w == node_u) {
      unserved_[u] += amount;
    }
  }
  return true;
}

}  // namespace

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
    if (node >= network.nodes) fail("shortest_latencies: source node ", node, " is out of range (", network.nodes, " nodes)");
  }
  for (const size_t node : targets) {
    if (node >= network.nodes) fail("shortest_latencies: target node ", node, " is out of range (", network.nodes, " nodes)");
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

// route_greedy: phase 1 cheapest pairs first, phase 2 augmenting paths up to the maximum flow,
// phase 3 negative-cycle cancelling for at most kImprovementRounds Bellman-Ford rounds.
RoutingSolution route_greedy(const RoutingProblem& problem) {
  validate(problem, "route_greedy");
  RoutingSolution solution = empty_solution(problem);
  GreedyRouter router(problem, solution);
  router.assign_cheapest_first();
  router.augment_to_maximum_flow();
  router.cancel_negative_cycles(kImprovementRounds);
  finish(problem, router.served(), solution);
  return solution;
}

// route_min_cost_flow: source -> region d (capacity floor(demand[d]), cost 0) -> site s (allowed
// pairs, capacity floor(demand[d]), cost = cost[d][s] shifted and scaled) -> sink (capacity
// floor(capacity[s]), cost 0), each arc with its reverse arc; Boost's successive shortest paths
// (Dijkstra on reduced costs) from the zero flow until no augmenting path is left gives a
// maximum flow of minimum cost. Every source-sink path crosses exactly one region -> site arc,
// so shifting all pair costs by a constant changes every maximum flow's cost by the same amount
// and the optimum is unchanged: costs are shifted so the cheapest is 0 (Boost needs
// non-negative weights). They are also made integers (held in doubles, exact below 2^53) so
// that reduced costs never come out slightly negative from rounding: integer costs spanning at
// most 2^30 are used as they are (exact optimum); others are scaled so that their range spans
// 2^30 and rounded, which is optimal to within a relative 2^-30 of the cost range per query.
RoutingSolution route_min_cost_flow(const RoutingProblem& problem) {
  validate(problem, "route_min_cost_flow");
  const size_t demands = problem.demand.size();
  const size_t sites = problem.capacity.size();
  RoutingSolution solution = empty_solution(problem);

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
  for (const std::vector<double>& row : problem.cost) {
    for (const double cost : row) {
      if (cost == kUnreachable) continue;
      low = std::min(low, cost);
      high = std::max(high, cost);
      integral = integral && cost == std::floor(cost);
    }
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
    size_t demand;
    size_t site;
    Edge edge;
  };
  std::vector<PairArc> pair_arcs;
  for (size_t d = 0; d < demands; ++d) {
    const std::int64_t demand_units = units(problem.demand[d], "demand of region", d);
    if (demand_units == 0) continue;
    add_arc(source, 1 + d, demand_units, 0.0);
    for (size_t s = 0; s < sites; ++s) {
      if (problem.cost[d][s] == kUnreachable || problem.capacity[s] < 1.0) continue;
      pair_arcs.push_back(PairArc{d, s, add_arc(1 + d, 1 + demands + s, demand_units, weight_of(problem.cost[d][s]))});
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
    solution.flow[arc.demand][arc.site] = static_cast<double>(flow);
    served_units[arc.demand] += flow;
  }
  std::vector<double> served(demands);
  for (size_t d = 0; d < demands; ++d) served[d] = static_cast<double>(served_units[d]);
  finish(problem, served, solution);
  return solution;
}

}  // namespace fleetsim::policy
