#pragma once
// Inference routing (docs/inference.md): the network of demand regions, sites and hubs with
// latencies on its links (Boost.Graph, Dijkstra shortest paths), and each hour's
// transportation problem: send each demand region's queries to sites within its latency
// SLO, within each site's capacity, at least total cost; what fits nowhere is dropped.

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fleetsim::policy {

inline constexpr double kUnreachable = std::numeric_limits<double>::infinity();

// An undirected graph: nodes by index, links with a latency in ms (>= 0).
struct NetworkSpec {
  struct Link {
    size_t a = 0;
    size_t b = 0;
    double latency_ms = 0.0;
  };
  size_t nodes = 0;
  std::vector<Link> links;
};

// Shortest-path latency (ms) from each source node to each target node: result[i][j] for
// sources[i] -> targets[j]; kUnreachable when there is no path. Dijkstra from each source
// (boost::dijkstra_shortest_paths). Throws std::invalid_argument for a negative or
// non-finite latency or a node index out of range.
std::vector<std::vector<double>> shortest_latencies(const NetworkSpec& network, const std::vector<size_t>& sources,
                                                    const std::vector<size_t>& targets);

// The allowed (demand region, site) pairs of a run, e.g. the sites within each region's latency
// SLO; fixed for the run, so everything that depends on them alone is built once, here. Pairs are
// grouped by demand region (compressed sparse rows) with sites strictly increasing within a
// region: region d's pairs are [begin(d), end(d)), pair p sends region demand(p) to site
// site(p). pairs_of_site(s) lists site s's pairs by increasing index (so by increasing region).
class RoutingPairs {
 public:
  RoutingPairs() = default;  // no demand regions, no sites, no pairs
  // offsets: one entry per demand region and one more, offsets[0] == 0, non-decreasing, the last
  // == pair_sites.size(); pair_sites: each pair's site, < sites, strictly increasing within a
  // region. Throws std::invalid_argument otherwise, or for 2^32 or more pairs, sites or regions.
  RoutingPairs(size_t sites, std::vector<size_t> offsets, std::vector<std::uint32_t> pair_sites);

  size_t demands() const { return begin_.size() - 1; }
  size_t sites() const { return sites_; }
  size_t size() const { return site_.size(); }  // the number of pairs
  size_t begin(size_t d) const { return begin_[d]; }
  size_t end(size_t d) const { return begin_[d + 1]; }
  size_t site(size_t p) const { return site_[p]; }
  size_t demand(size_t p) const { return demand_[p]; }
  std::span<const std::uint32_t> sites_of_pairs() const { return site_; }
  std::span<const std::uint32_t> demands_of_pairs() const { return demand_; }
  std::span<const std::uint32_t> pairs_of_site(size_t s) const {
    return std::span<const std::uint32_t>(by_site_).subspan(site_begin_[s], site_begin_[s + 1] - site_begin_[s]);
  }

 private:
  size_t sites_ = 0;
  std::vector<size_t> begin_ = {0};       // per region, and the end
  std::vector<std::uint32_t> site_;       // per pair
  std::vector<std::uint32_t> demand_;     // per pair
  std::vector<size_t> site_begin_ = {0};  // per site, and the end: where its pairs start in by_site_
  std::vector<std::uint32_t> by_site_;    // pair indices grouped by site
};

// One hour's routing problem on a fixed pair set: only per-pair costs, per-region demand and
// per-site capacity change from hour to hour.
struct SparseRoutingProblem {
  std::vector<double> demand;    // per demand region: queries (>= 0)
  std::vector<double> capacity;  // per site: queries it can serve (>= 0)
  std::vector<double> cost;      // per pair: cost per query; kUnreachable: not allowed this hour
};

// One hour's routing problem on a fixed pair set whose costs separate into a site part and a
// pair part: cost[p] = site_value[site(p)] + scale * key[p], with the pair set's keys
// (Router::set_pair_keys), as `greenest` routing's grid intensity plus a latency tie-break.
// Every cost is finite: a site that cannot serve this hour has capacity 0.
struct SeparableRoutingProblem {
  std::vector<double> demand;      // per demand region: queries (>= 0)
  std::vector<double> capacity;    // per site: queries it can serve (>= 0)
  std::vector<double> site_value;  // per site
  double scale = 1.0;              // >= 0
};

struct SparseRoutingSolution {
  std::vector<double> flow;     // per pair: queries served
  std::vector<double> served;   // per demand region
  std::vector<double> dropped;  // per demand region: demand - served
  double total_cost = 0.0;      // sum of flow x cost, in pair order
  // The pairs whose flow may be above 0, in increasing order: every other pair's flow is 0, so
  // sums over the flows in pair order may visit these alone (a few hundred of 23,000 pairs at
  // the goal size of issue 14).
  std::vector<std::uint32_t> used;
};

// Hour after hour on one pair set: the solvers of route_greedy and route_min_cost_flow (below)
// on the sparse form, with their scratch memory kept from one solve to the next (routing runs
// every simulated hour), and the greedy's last order of the pairs by cost, from which the next
// hour's order is usually found in O(pairs) (the result does not depend on it). Validation costs
// O(pairs + regions + sites): sizes must match the pair set, demands and capacities be finite
// and >= 0, costs finite or +infinity; otherwise std::invalid_argument. The solution's vectors
// are resized to the pair set (their memory is reused). Bit-identical to the dense functions on
// the same problem. One per thread.
class Router {
 public:
  Router();
  explicit Router(RoutingPairs pairs);
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  ~Router();

  const RoutingPairs& pairs() const { return pairs_; }
  // Another pair set; the scratch memory is kept. Forgets the pair keys.
  void set_pairs(RoutingPairs pairs);
  // For separable costs (route_greedy on a SeparableRoutingProblem): key[p], each pair's key
  // (finite), and a hint for speed, never the result: group_of_site[s], site s's group (any ids),
  // where a group's sites usually have equal site values hour to hour (e.g. the sites of one grid
  // region under `greenest` routing). Throws std::invalid_argument for sizes other than the
  // pairs' and sites', or a key that is not finite.
  void set_pair_keys(std::vector<double> key, std::span<const std::uint32_t> group_of_site);

  void route_greedy(const SparseRoutingProblem& problem, SparseRoutingSolution& solution);
  // route_greedy on separable costs, bit-identical to it on the SparseRoutingProblem with cost[p]
  // = site_value[site(p)] + scale * key[p], but without that cost of every pair: each group's
  // pairs are kept by key, so an hour costs O(regions + sites + groups + the pairs phase 1 takes),
  // where the costs of every pair are only computed when phase 2 or 3 has work. Needs
  // set_pair_keys. Throws std::invalid_argument as route_greedy, or for a site value or scale x
  // the largest |key| not finite or above 1e300, or a scale below 0.
  void route_greedy(const SeparableRoutingProblem& problem, SparseRoutingSolution& solution);
  void route_min_cost_flow(const SparseRoutingProblem& problem, SparseRoutingSolution& solution) const;

 private:
  class Greedy;  // the greedy solver and its scratch memory (routing_greedy.hpp)
  RoutingPairs pairs_;
  std::unique_ptr<Greedy> greedy_;
};

// One hour's routing problem, dense.
struct RoutingProblem {
  std::vector<double> demand;             // queries per demand region (>= 0)
  std::vector<double> capacity;           // queries each site can serve (>= 0)
  std::vector<std::vector<double>> cost;  // [demand][site] cost per query; kUnreachable: not allowed
};

struct RoutingSolution {
  std::vector<std::vector<double>> flow;  // [demand][site] queries served
  std::vector<double> served;             // per demand region
  std::vector<double> dropped;            // per demand region: demand - served
  double total_cost = 0.0;                // sum of flow x cost
};

// Fast heuristic used every hour: serve the cheapest allowed (demand, site) pairs first, then
// re-route along augmenting paths so that as much traffic is served as any assignment could
// (served = the maximum flow), keeping the cost near the optimum. The dense form: the pairs of
// finite cost are made into a RoutingPairs and solved by a Router (O(demands x sites) per call).
RoutingSolution route_greedy(const RoutingProblem& problem);

// Exact reference: maximum flow at minimum cost (boost::successive_shortest_path_nonnegative_weights),
// for integer demands and capacities (values are rounded down to integers). Slow on large
// instances; used in tests and by `solver: min_cost_flow`. Dense form, as route_greedy.
RoutingSolution route_min_cost_flow(const RoutingProblem& problem);

}  // namespace fleetsim::policy
