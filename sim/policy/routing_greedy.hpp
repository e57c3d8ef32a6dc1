#pragma once
// route_greedy's solver, policy::Router::Greedy: internal to policy/ (routing.cpp holds the
// router around it, routing_greedy.cpp the solver).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "policy/routing.hpp"

namespace fleetsim::policy {

// route_greedy's solver. The flow network: source -> region d (capacity demand[d]) -> site s
// (allowed pairs, unbounded, cost per query) -> sink (capacity capacity[s]).
//   Phase 1 (assign_cheapest_first): every allowed pair in increasing (cost, region, site)
//     order gets min(unserved demand, spare capacity).
//   Phase 2 (augment_to_maximum_flow): augmenting paths (re-routing regions out of full sites)
//     until the served amount is the maximum flow.
//   Phase 3 (cancel_negative_cycles): on instances small enough for its work bound, negative
//     cycle cancelling at the same served amount, which ends at the minimum cost if it has
//     the time.
// It works on the pairs in place: the allowed pairs of a solve ("choices": finite cost, demand
// > 0, capacity > 0) are marked, flows are per pair, and since pairs are in (region, site) order,
// (cost, pair index) is the (cost, region, site) order. Phase 1 takes the choices in that order
// from one list of all choices (choices_by_cost) or, on separable costs (solve_separable), from
// each site group's list by key, merging groups only where their cost ranges overlap
// (walk_groups). All members are scratch memory reused from one solve to the next; what depends
// on the pair set only is laid out by prepare (and set_keys).
class Router::Greedy {
 public:
  // Lays out the scratch memory that depends on the pair set only; before the first solve on
  // a pair set. No site groups.
  void prepare(const RoutingPairs& pairs);
  // The pair keys of separable costs and the site groups (Router::set_pair_keys, checked there).
  void set_keys(const RoutingPairs& pairs, std::vector<double> key, std::span<const std::uint32_t> group_of_site);
  bool has_keys() const { return !group_begin_.empty(); }
  // The largest |key| (checks of Router::route_greedy).
  double max_key() const { return max_key_; }
  // Flows of the problem into solution.flow (all 0 on entry) and solution.served.
  void solve(const RoutingPairs& pairs, const SparseRoutingProblem& problem, SparseRoutingSolution& solution);
  // The same on separable costs (set_keys first), bit-identical to solve at cost[p] = cost_of(p).
  void solve_separable(const RoutingPairs& pairs, const SeparableRoutingProblem& problem,
                       SparseRoutingSolution& solution);
  // Separable costs: pair p's in the last solve_separable (while its problem lives).
  double cost_of(std::uint32_t p) const { return site_value_[pair_site_[p]] + scale_ * key_[p]; }

 private:
  void start(const RoutingPairs& pairs, const SparseRoutingProblem& problem, SparseRoutingSolution& solution);
  void begin_solve(const RoutingPairs& pairs, std::span<const double> demand, std::span<const double> capacity,
                   SparseRoutingSolution& solution);
  void mark_choices();
  void finish_solve(std::span<const double> demand, SparseRoutingSolution& solution);
  void cost_range();
  void choices_by_cost();
  bool order_from_last_solve();
  void sort_choices();
  void order_groups();
  template <class Take>
  void walk_groups(Take&& take);
  void assign_cheapest_first();
  void augment_to_maximum_flow();
  void cancel_negative_cycles(size_t max_relaxations);
  bool cancel_cycle();

  // The solve's order of pairs: by cost, then by index.
  bool exact_less(std::uint32_t a, std::uint32_t b) const {
    return cost_[a] < cost_[b] || (cost_[a] == cost_[b] && a < b);
  }
  bool has_choices(size_t d) const { return choice_count_[d] > 0; }
  bool separable_less(std::uint32_t a, std::uint32_t b) const {
    const double ca = cost_of(a);
    const double cb = cost_of(b);
    return ca < cb || (ca == cb && a < b);
  }
  void add_user(size_t pair, size_t s) {
    if (is_user_[pair] != 0) return;
    is_user_[pair] = 1;
    users_[user_begin_[s] + user_count_[s]++] = static_cast<std::uint32_t>(pair);
  }

  const RoutingPairs* pairs_ = nullptr;
  const double* demand_ = nullptr;       // per region: the problem's demand
  const double* capacity_ = nullptr;     // per site: the problem's capacity
  std::vector<double>* flow_ = nullptr;  // per pair
  const double* cost_ = nullptr;         // per pair: the problem's costs
  const std::uint32_t* pair_site_ = nullptr;
  const std::uint32_t* pair_region_ = nullptr;
  size_t demands_ = 0;
  size_t sites_ = 0;
  std::vector<double> unserved_;  // per region
  std::vector<double> spare_;     // per site
  // allowed_[p]: pair p is a choice of this solve; choice_count_[d]: region d's; choices_ in all.
  std::vector<unsigned char> allowed_;
  std::vector<size_t> choice_count_;
  size_t choices_ = 0;
  // cost_range(), where needed: the cheapest and dearest choice's cost; differences below
  // tolerance_ are rounding.
  double low_ = 0.0;
  double high_ = 0.0;
  double tolerance_ = 0.0;
  // users_[user_begin_[s] + k], k < user_count_[s]: the pairs through which regions have sent
  // to site s, in the order they first did (their flow may be 0 again); is_user_ marks them per
  // pair. Site s has room for all its pairs (prepare).
  std::vector<std::uint32_t> users_;
  std::vector<size_t> user_begin_;
  std::vector<size_t> user_count_;
  std::vector<unsigned char> is_user_;
  // choices_by_cost: order_, the choices (pairs) in order, kept for the next solve (has_order_)
  std::vector<std::uint32_t> order_;
  bool has_order_ = false;
  std::vector<std::uint32_t> run_at_;
  std::vector<std::uint32_t> aside_;  // spikes of the last order, set aside
  std::vector<std::uint32_t> run_end_;
  struct RunHead {
    double cost;
    std::uint32_t pair;
    std::uint32_t run;
  };
  std::vector<RunHead> run_heap_;
  std::vector<std::uint32_t> merged_;
  std::vector<std::uint64_t> items_;
  std::vector<std::uint64_t> by_low_digit_;
  std::vector<std::uint32_t> low_count_;
  std::vector<std::uint32_t> high_count_;
  // Separable costs: site_value_ and scale_ of the solve (site_value_ null: costs from the
  // problem), key_ per pair, and the |key| range other than 0. Site groups: group_pairs_[
  // group_begin_[g], group_begin_[g + 1]) are group g's pairs by (key, pair), group_sites_ its
  // sites (group_site_begin_); gaps_[gap_begin_[g], gap_begin_[g + 1]): the places `at` where
  // neighbours in its list have different keys (by increasing difference). order_groups:
  // group_runs_, each group with a choice (its first and last choice, at [first, end) of its
  // list: group_pairs_, or this hour's sorted copy in scratch_pairs_) by increasing head;
  // walk_groups merges overlapping groups with cursors_ (a heap). separable_cost_: every pair's
  // cost, where phases 2 and 3 need them.
  const double* site_value_ = nullptr;
  double scale_ = 1.0;
  std::vector<double> key_;
  double max_key_ = 0.0;
  double min_key_ = 0.0;
  std::vector<std::uint32_t> group_pairs_;
  std::vector<std::uint32_t> group_begin_;
  std::vector<std::uint32_t> group_sites_;
  std::vector<std::uint32_t> group_site_begin_;
  struct Gap {
    double gap;
    std::uint32_t at;
  };
  std::vector<Gap> gaps_;
  std::vector<std::uint32_t> gap_begin_;
  struct GroupRun {
    std::uint32_t head;  // the group's cheapest choice
    std::uint32_t tail;  // its dearest
    std::uint32_t first;
    std::uint32_t end;
    std::uint32_t group;
    bool scratch;  // in scratch_pairs_
  };
  std::vector<GroupRun> group_runs_;
  std::vector<std::uint32_t> scratch_pairs_;
  struct Cursor {
    double cost;
    std::uint32_t pair;
    std::uint32_t next;  // where the group's next pair is
    std::uint32_t end;
    std::uint32_t group;
    const std::uint32_t* list;
  };
  std::vector<Cursor> cursors_;
  // Live groups (walk_groups): group_of_site_[s]; region_groups_[region_group_begin_[d],
  // region_group_begin_[d + 1]): the groups region d has pairs in. During phase 1,
  // live_sites_[g] counts the sites of group g with spare capacity and live_regions_[g] the
  // regions with unserved demand and a choice that have pairs in g: a group where either is 0
  // holds no pair phase 1 would still take, and its walk ends.
  std::vector<std::uint32_t> group_of_site_;
  std::vector<std::uint32_t> region_groups_;
  std::vector<std::uint32_t> region_group_begin_;
  std::vector<std::uint32_t> live_sites_;
  std::vector<std::uint32_t> live_regions_;
  bool group_live(std::uint32_t g) const { return live_sites_[g] > 0 && live_regions_[g] > 0; }
  std::vector<double> separable_cost_;
  // augment_to_maximum_flow
  std::vector<size_t> region_layer_of_;
  std::vector<size_t> site_layer_of_;
  std::vector<size_t> region_parent_;  // the pair whose flow region d gives up (kNone: a root)
  std::vector<size_t> site_parent_;    // the pair through which a region sends more to site s
  std::vector<double> region_path_cost_;
  std::vector<double> site_path_cost_;
  std::vector<size_t> region_layer_;
  std::vector<size_t> site_layer_;
  std::vector<size_t> terminals_;
  // cancel_negative_cycles: nodes are regions [0, D), sites [D, D + S), T = D + S, U = D + S + 1;
  // pred_pair_[w]: the pair of the arc pred_[w] -> w between a region and a site (else kNone)
  std::vector<double> label_;
  std::vector<size_t> pred_;
  std::vector<size_t> pred_pair_;
  std::vector<size_t> walk_;
  std::vector<size_t> cycle_;
};

}  // namespace fleetsim::policy
