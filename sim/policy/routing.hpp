#pragma once
// Inference routing (docs/inference.md): the network of demand regions, sites and hubs with
// latencies on its links (Boost.Graph, Dijkstra shortest paths), and each hour's
// transportation problem: send each demand region's queries to sites within its latency
// SLO, within each site's capacity, at least total cost; what fits nowhere is dropped.

#include <cstdint>
#include <limits>
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

// One hour's routing problem.
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
// (served = the maximum flow), keeping the cost near the optimum.
RoutingSolution route_greedy(const RoutingProblem& problem);

// Exact reference: maximum flow at minimum cost (boost::successive_shortest_path_nonnegative_weights),
// for integer demands and capacities (values are rounded down to integers). Slow on large
// instances; used in tests and by `solver: min_cost_flow`.
RoutingSolution route_min_cost_flow(const RoutingProblem& problem);

}  // namespace fleetsim::policy
