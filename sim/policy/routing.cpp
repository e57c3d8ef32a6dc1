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

namespace fleetsim::policy {

namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// Work bound of route_greedy's phase 3 in arc relaxations (about 40 us here), and the fewest
// Bellman-Ford rounds worth starting it for (a round costs about 2 x the allowed pairs): it runs
// on instances up to about 500 allowed pairs (and usually reaches the exact optimum there);
// larger ones (50 regions x 200 sites: 3,000 to 10,000 pairs) skip it.
constexpr size_t kCycleBudget = 16384;
constexpr size_t kMinCycleRounds = 16;

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

// Given flow and served: served[d] clamped to [0, demand[d]] against rounding, dropped[d] =
// demand[d] - served[d] (so >= 0), total_cost = sum of flow x cost in (region, site) order.
void finish(const RoutingProblem& problem, RoutingSolution& solution) {
  solution.total_cost = 0.0;
  for (size_t d = 0; d < problem.demand.size(); ++d) {
    solution.served[d] = std::clamp(solution.served[d], 0.0, problem.demand[d]);
    solution.dropped[d] = problem.demand[d] - solution.served[d];
    const std::vector<double>& flow = solution.flow[d];
    const std::vector<double>& cost = problem.cost[d];
    for (size_t s = 0; s < flow.size(); ++s) {
      if (flow[s] > 0.0) solution.total_cost += flow[s] * cost[s];
    }
  }
}

// route_greedy's solver. The flow network: source -> region d (capacity demand[d]) -> site s
// (allowed pairs, unbounded, cost[d][s] per query) -> sink (capacity capacity[s]).
//   Phase 1 (assign_cheapest_first): every allowed pair in increasing (cost, region, site)
//     order gets min(unserved demand, spare capacity).
//   Phase 2 (augment_to_maximum_flow): augmenting paths (re-routing regions out of full sites)
//     until the served amount is the maximum flow.
//   Phase 3 (cancel_negative_cycles): on instances small enough for its work bound, negative
//     cycle cancelling at the same served amount, which ends at the minimum cost if it has
//     the time.
// All members are scratch memory reused from one solve to the next.
class GreedyRouter {
 public:
  void solve(const RoutingProblem& problem, RoutingSolution& solution) {
    start(problem, solution);
    assign_cheapest_first();
    augment_to_maximum_flow();
    cancel_negative_cycles(kCycleBudget);
    // served = demand - unserved, so a fully served region (unserved exactly 0) drops exactly 0.
    for (size_t d = 0; d < demands_; ++d) solution.served[d] = problem.demand[d] - unserved_[d];
  }

 private:
  void start(const RoutingProblem& problem, RoutingSolution& solution);
  void choices_by_cost();
  void assign_cheapest_first();
  void augment_to_maximum_flow();
  void cancel_negative_cycles(size_t max_relaxations);
  bool cancel_cycle();

  bool has_choices(size_t d) const { return begin_[d + 1] > begin_[d]; }
  void add_user(size_t d, size_t s) {
    if (is_user_[s * demands_ + d] != 0) return;
    is_user_[s * demands_ + d] = 1;
    users_[s * demands_ + user_count_[s]++] = static_cast<std::uint32_t>(d);
  }

  const RoutingProblem* problem_ = nullptr;
  std::vector<std::vector<double>>* flow_ = nullptr;
  size_t demands_ = 0;
  size_t sites_ = 0;
  std::vector<double> unserved_;  // per region
  std::vector<double> spare_;     // per site
  // The allowed pairs ("choices": finite cost, demand > 0, capacity > 0) in (region, site)
  // order: choice i sends region region_[i] to site site_[i] at cost_[i]; region d's choices are
  // [begin_[d], begin_[d + 1]); choices_ of them.
  size_t choices_ = 0;
  std::vector<double> cost_;
  std::vector<std::uint32_t> site_;
  std::vector<std::uint32_t> region_;
  std::vector<size_t> begin_;
  double low_ = 0.0;        // cheapest choice cost
  double high_ = 0.0;       // dearest choice cost
  double tolerance_ = 0.0;  // cost differences below this are rounding
  // users_[s * demands_ + k], k < user_count_[s]: the regions that have sent to site s (their
  // flow there may be 0 again); is_user_[s * demands_ + d] marks them.
  std::vector<std::uint32_t> users_;
  std::vector<size_t> user_count_;
  std::vector<unsigned char> is_user_;
  // choices_by_cost
  std::vector<std::uint64_t> items_;
  std::vector<std::uint64_t> by_low_digit_;
  std::vector<std::uint32_t> low_count_;
  std::vector<std::uint32_t> high_count_;
  std::vector<std::uint32_t> order_;
  // augment_to_maximum_flow
  std::vector<size_t> region_layer_of_;
  std::vector<size_t> site_layer_of_;
  std::vector<size_t> region_parent_;  // the site whose flow region d gives up (kNone: a root)
  std::vector<size_t> site_parent_;    // the region that sends more to site s
  std::vector<double> region_path_cost_;
  std::vector<double> site_path_cost_;
  std::vector<size_t> region_layer_;
  std::vector<size_t> site_layer_;
  std::vector<size_t> terminals_;
  // cancel_negative_cycles: nodes are regions [0, D), sites [D, D + S), T = D + S, U = D + S + 1
  std::vector<double> label_;
  std::vector<size_t> pred_;
  std::vector<size_t> walk_;
  std::vector<size_t> cycle_;
};

void GreedyRouter::start(const RoutingProblem& problem, RoutingSolution& solution) {
  problem_ = &problem;
  flow_ = &solution.flow;
  demands_ = problem.demand.size();
  sites_ = problem.capacity.size();
  if (demands_ * sites_ > std::numeric_limits<std::uint32_t>::max()) fail("route_greedy: more than 2^32 pairs");
  unserved_.assign(problem.demand.begin(), problem.demand.end());
  spare_.assign(problem.capacity.begin(), problem.capacity.end());
  begin_.assign(demands_ + 1, 0);
  if (cost_.size() < demands_ * sites_) {
    cost_.resize(demands_ * sites_);
    site_.resize(demands_ * sites_);
    region_.resize(demands_ * sites_);
  }
  // Compaction without data-dependent branches (often about half the pairs are allowed, in no
  // predictable pattern); locals in the loop, since its stores could alias members.
  double* cost = cost_.data();
  std::uint32_t* site = site_.data();
  std::uint32_t* region = region_.data();
  const double* capacity = problem.capacity.data();
  double low = kUnreachable;
  double high = -kUnreachable;
  size_t count = 0;
  for (size_t d = 0; d < demands_; ++d) {
    begin_[d] = count;
    if (!(problem.demand[d] > 0.0)) continue;
    const double* row = problem.cost[d].data();
    for (size_t s = 0; s < sites_; ++s) {
      const double c = row[s];
      const bool allowed = (c != kUnreachable) & (capacity[s] > 0.0);
      cost[count] = c;
      site[count] = static_cast<std::uint32_t>(s);
      region[count] = static_cast<std::uint32_t>(d);
      low = std::min(low, allowed ? c : kUnreachable);
      high = std::max(high, allowed ? c : -kUnreachable);
      count += allowed ? 1 : 0;
    }
  }
  begin_[demands_] = count;
  choices_ = count;
  low_ = low;
  high_ = high;
  tolerance_ = count > 0 ? 1e-12 * std::max(std::abs(low), std::abs(high)) : 0.0;
  users_.resize(demands_ * sites_);
  user_count_.assign(sites_, 0);
  is_user_.assign(demands_ * sites_, 0);
}

// order_ = all choices in increasing (cost, region, site) order. A least-significant-digit radix
// sort (two stable counting passes of 11 bits) on a 22-bit key that is a non-decreasing function
// of the cost, (cost - low) scaled to [0, 2^22 - 1]; choices start in (region, site) order, so
// equal keys stay in that order, which is already exact for equal costs; costs that differ but
// share a key are put in exact order by a comparison sort of their run (runs are short). O(P)
// for P choices instead of O(P log P) with data-dependent branches.
void GreedyRouter::choices_by_cost() {
  constexpr unsigned kDigitBits = 11;
  constexpr std::uint32_t kDigitMask = (std::uint32_t{1} << kDigitBits) - 1;
  constexpr double kKeyMax = static_cast<double>((std::uint32_t{1} << (2 * kDigitBits)) - 1);
  const auto count = static_cast<std::uint32_t>(choices_);
  // Halves keep the range finite for any finite costs.
  const double half_range = 0.5 * high_ - 0.5 * low_;
  const double scale = half_range > 0.0 ? kKeyMax / half_range : 0.0;
  // item = key << 32 | choice index: the index travels with its key.
  items_.resize(count);
  by_low_digit_.resize(count);
  order_.resize(count);
  low_count_.assign(kDigitMask + 2, 0);
  high_count_.assign(kDigitMask + 2, 0);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto key = static_cast<std::uint32_t>(std::min(kKeyMax, (0.5 * cost_[i] - 0.5 * low_) * scale));
    items_[i] = std::uint64_t{key} << 32 | i;
    ++low_count_[(key & kDigitMask) + 1];
    ++high_count_[(key >> kDigitBits) + 1];
  }
  for (std::uint32_t b = 0; b <= kDigitMask; ++b) {
    low_count_[b + 1] += low_count_[b];
    high_count_[b + 1] += high_count_[b];
  }
  for (const std::uint64_t item : items_) by_low_digit_[low_count_[(item >> 32) & kDigitMask]++] = item;
  for (const std::uint64_t item : by_low_digit_) items_[high_count_[item >> (32 + kDigitBits)]++] = item;

  for (std::uint32_t k = 0; k < count; ++k) order_[k] = static_cast<std::uint32_t>(items_[k]);
  auto exact_less = [&](std::uint32_t a, std::uint32_t b) {
    return cost_[a] < cost_[b] || (cost_[a] == cost_[b] && a < b);
  };
  for (std::uint32_t first = 0; first < count;) {
    std::uint32_t last = first + 1;
    while (last < count && (items_[last] >> 32) == (items_[first] >> 32)) ++last;
    if (last - first > 1) {
      const auto run_begin = order_.begin() + first;
      const auto run_end = order_.begin() + last;
      if (!std::is_sorted(run_begin, run_end, exact_less)) std::sort(run_begin, run_end, exact_less);
    }
    first = last;
  }
}

// Phase 1: every choice in increasing (cost, region, site) order gets min(unserved demand,
// spare capacity); stops once every region is served or every site full.
void GreedyRouter::assign_cheapest_first() {
  std::vector<std::vector<double>>& flow = *flow_;
  size_t open_regions = 0;  // with unserved demand and choices
  for (size_t d = 0; d < demands_; ++d) {
    if (has_choices(d)) ++open_regions;
  }
  size_t open_sites = 0;  // with spare capacity
  for (size_t s = 0; s < sites_; ++s) {
    if (spare_[s] > 0.0) ++open_sites;
  }
  choices_by_cost();
  for (const std::uint32_t i : order_) {
    if (open_regions == 0 || open_sites == 0) break;
    const size_t d = region_[i];
    const size_t s = site_[i];
    if (!(unserved_[d] > 0.0) || !(spare_[s] > 0.0)) continue;
    const double amount = std::min(unserved_[d], spare_[s]);
    flow[d][s] += amount;
    add_user(d, s);
    unserved_[d] -= amount;  // exactly 0 when amount == unserved_[d]
    spare_[s] -= amount;     // exactly 0 when amount == spare_[s]
    if (!(unserved_[d] > 0.0)) --open_regions;
    if (!(spare_[s] > 0.0)) --open_sites;
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
// (O(V E)) even with real-valued amounts. The bottleneck becomes exactly 0 (x - x == 0). The
// regions that send to a site are kept in a list per site (users), so that the reverse step
// costs the number of such pairs.
void GreedyRouter::augment_to_maximum_flow() {
  std::vector<std::vector<double>>& flow = *flow_;
  bool any_unserved = false;
  for (size_t d = 0; d < demands_; ++d) any_unserved = any_unserved || (unserved_[d] > 0.0 && has_choices(d));
  if (!any_unserved) return;

  region_parent_.resize(demands_);
  site_parent_.resize(sites_);
  region_path_cost_.resize(demands_);
  site_path_cost_.resize(sites_);
  while (true) {
    region_layer_of_.assign(demands_, kNone);
    site_layer_of_.assign(sites_, kNone);
    region_layer_.clear();
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] > 0.0 && has_choices(d)) {
        region_layer_.push_back(d);
        region_layer_of_[d] = 0;
        region_parent_[d] = kNone;
        region_path_cost_[d] = 0.0;
      }
    }
    terminals_.clear();
    for (size_t layer = 0; !region_layer_.empty(); ++layer) {
      // Regions -> sites (forward pairs).
      site_layer_.clear();
      for (const size_t d : region_layer_) {
        for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
          const size_t s = site_[i];
          const double path_cost = region_path_cost_[d] + cost_[i];
          if (site_layer_of_[s] == kNone) {
            site_layer_of_[s] = layer;
            site_layer_.push_back(s);
            site_parent_[s] = d;
            site_path_cost_[s] = path_cost;
          } else if (site_layer_of_[s] == layer && path_cost < site_path_cost_[s]) {
            site_parent_[s] = d;
            site_path_cost_[s] = path_cost;
          }
        }
      }
      for (const size_t s : site_layer_) {
        if (spare_[s] > 0.0) terminals_.push_back(s);
      }
      if (!terminals_.empty()) break;
      // Full sites -> regions that send to them (reverse pairs).
      region_layer_.clear();
      for (const size_t s : site_layer_) {
        for (size_t k = 0; k < user_count_[s]; ++k) {
          const size_t d = users_[s * demands_ + k];
          if (!(flow[d][s] > 0.0)) continue;
          const double path_cost = site_path_cost_[s] - problem_->cost[d][s];
          if (region_layer_of_[d] == kNone) {
            region_layer_of_[d] = layer + 1;
            region_layer_.push_back(d);
            region_parent_[d] = s;
            region_path_cost_[d] = path_cost;
          } else if (region_layer_of_[d] == layer + 1 && path_cost < region_path_cost_[d]) {
            region_parent_[d] = s;
            region_path_cost_[d] = path_cost;
          }
        }
      }
    }
    if (terminals_.empty()) return;  // no augmenting path: the flow is maximum

    std::sort(terminals_.begin(), terminals_.end(), [&](size_t a, size_t b) {
      return site_path_cost_[a] < site_path_cost_[b] || (site_path_cost_[a] == site_path_cost_[b] && a < b);
    });
    for (const size_t terminal : terminals_) {
      // Bottleneck along terminal <- region <- site <- ... <- root region.
      double amount = spare_[terminal];
      size_t s = terminal;
      while (true) {
        const size_t d = site_parent_[s];
        if (region_parent_[d] == kNone) {
          amount = std::min(amount, unserved_[d]);
          break;
        }
        s = region_parent_[d];
        amount = std::min(amount, flow[d][s]);
      }
      if (!(amount > 0.0)) continue;
      spare_[terminal] -= amount;
      s = terminal;
      while (true) {
        const size_t d = site_parent_[s];
        flow[d][s] += amount;
        add_user(d, s);
        if (region_parent_[d] == kNone) {
          unserved_[d] -= amount;
          break;
        }
        s = region_parent_[d];
        flow[d][s] -= amount;
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
// capacity, and s1 -> d1 -> s2 -> d2 -> s1 swaps. Every node starts at label 0 (a virtual
// root); each round relaxes every arc once, region by region (pull from the sites the region
// sends to, then push to all its choices), then T and U; after each round the predecessor
// graph is searched for cycles, each of which is cancelled if its cost at the current flow is
// negative (by its bottleneck amount, which becomes exactly 0), and the labels restart from 0.
// A round without any update proves that no negative cycle is left: the flow is then a maximum
// flow of minimum cost (up to the rounding tolerance). Stops there or when the next round would
// exceed max_relaxations arc relaxations; does nothing if that allows fewer than
// kMinCycleRounds rounds.
void GreedyRouter::cancel_negative_cycles(size_t max_relaxations) {
  const size_t round_work = 2 * choices_ + 2 * (demands_ + sites_) + 1;
  const size_t max_rounds = max_relaxations / round_work;
  if (max_rounds < kMinCycleRounds) return;
  const std::vector<std::vector<double>>& flow = *flow_;
  const size_t nodes = demands_ + sites_ + 2;
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  label_.assign(nodes, 0.0);
  pred_.assign(nodes, kNone);
  walk_.resize(nodes);
  for (size_t round = 0; round < max_rounds; ++round) {
    bool changed = false;
    auto relax = [&](size_t to, double candidate, size_t from) {
      if (candidate < label_[to] - tolerance_) {
        label_[to] = candidate;
        pred_[to] = from;
        changed = true;
      }
    };
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] > 0.0) relax(d, label_[node_u], node_u);
      for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) {
        if (flow[d][site_[i]] > 0.0) relax(d, label_[demands_ + site_[i]] - cost_[i], demands_ + site_[i]);
      }
      for (size_t i = begin_[d]; i < begin_[d + 1]; ++i) relax(demands_ + site_[i], label_[d] + cost_[i], d);
    }
    for (size_t s = 0; s < sites_; ++s) {
      if (spare_[s] < problem_->capacity[s]) relax(demands_ + s, label_[node_t], node_t);
      if (spare_[s] > 0.0) relax(node_t, label_[demands_ + s], demands_ + s);
    }
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] < problem_->demand[d]) relax(node_u, label_[d], d);
    }
    if (!changed) return;

    // Cycles of the predecessor graph (each node has at most one predecessor).
    bool cancelled = false;
    std::fill(walk_.begin(), walk_.end(), kNone);
    for (size_t v = 0; v < nodes; ++v) {
      size_t u = v;
      while (u != kNone && walk_[u] == kNone) {
        walk_[u] = v;
        u = pred_[u];
      }
      if (u == kNone || walk_[u] != v) continue;
      cycle_.clear();
      size_t w = u;
      do {
        cycle_.push_back(w);
        w = pred_[w];
      } while (w != u);
      cancelled = cancel_cycle() || cancelled;
    }
    if (cancelled) {
      std::fill(label_.begin(), label_.end(), 0.0);
      std::fill(pred_.begin(), pred_.end(), kNone);
    }
  }
}

// Cancels the cycle of arcs pred_[w] -> w (w in cycle_) if its cost is negative at the current
// flow; returns whether it did.
bool GreedyRouter::cancel_cycle() {
  std::vector<std::vector<double>>& flow = *flow_;
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  auto is_region = [&](size_t node) { return node < demands_; };
  auto is_site = [&](size_t node) { return node >= demands_ && node < node_t; };
  double cost = 0.0;
  double amount = kUnreachable;
  for (const size_t w : cycle_) {
    const size_t u = pred_[w];
    if (is_region(u) && is_site(w)) {
      cost += problem_->cost[u][w - demands_];  // region sends more to the site
    } else if (is_site(u) && is_region(w)) {
      cost -= problem_->cost[w][u - demands_];  // region sends less to the site
      amount = std::min(amount, flow[w][u - demands_]);
    } else if (w == node_t) {
      amount = std::min(amount, spare_[u - demands_]);  // site takes spare capacity
    } else if (u == node_u) {
      amount = std::min(amount, unserved_[w]);  // region serves more
    }
  }
  if (!(cost < -tolerance_ * static_cast<double>(cycle_.size())) || !(amount > 0.0) || amount == kUnreachable) {
    return false;
  }
  for (const size_t w : cycle_) {
    const size_t u = pred_[w];
    if (is_region(u) && is_site(w)) {
      flow[u][w - demands_] += amount;
    } else if (is_site(u) && is_region(w)) {
      flow[w][u - demands_] -= amount;
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

RoutingSolution route_greedy(const RoutingProblem& problem) {
  validate(problem, "route_greedy");
  RoutingSolution solution = empty_solution(problem);
  // Scratch memory is kept per thread between calls: routing runs every simulated hour, and
  // allocating and releasing a few hundred kB each time costs more than the solve itself.
  thread_local GreedyRouter router;
  router.solve(problem, solution);
  finish(problem, solution);
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
  for (size_t d = 0; d < demands; ++d) solution.served[d] = static_cast<double>(served_units[d]);
  finish(problem, solution);
  return solution;
}

}  // namespace fleetsim::policy
