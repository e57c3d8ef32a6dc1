#include "policy/routing_greedy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace fleetsim::policy {

namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// Work bound of route_greedy's phase 3 in arc relaxations (about 40 us here), and the fewest
// Bellman-Ford rounds worth starting it for (a round costs about 2 x the allowed pairs): it runs
// on instances up to about 500 allowed pairs (and usually reaches the exact optimum there);
// larger ones (50 regions x 200 sites: 3,000 to 10,000 pairs) skip it.
constexpr size_t kCycleBudget = 16384;
constexpr size_t kMinCycleRounds = 16;
// Separable costs: a group with more places to check for rounding ties than this plus an eighth of
// its pairs is sorted by cost for the hour instead (order_groups).
constexpr std::uint32_t kMaxTieChecks = 16;

}  // namespace

void Router::Greedy::solve(const RoutingPairs& pairs, const SparseRoutingProblem& problem,
                           SparseRoutingSolution& solution) {
  start(pairs, problem, solution);
  assign_cheapest_first();
  augment_to_maximum_flow();
  cancel_negative_cycles(kCycleBudget);
  finish_solve(problem.demand, solution);
}

// solution.served and used, from unserved_ and the users.
void Router::Greedy::finish_solve(std::span<const double> demand, SparseRoutingSolution& solution) {
  // served = demand - unserved, so a fully served region (unserved exactly 0) drops exactly 0.
  for (size_t d = 0; d < demands_; ++d) solution.served[d] = demand[d] - unserved_[d];
  // Only pairs that were given flow (users) can have flow.
  solution.used.clear();
  for (size_t s = 0; s < sites_; ++s) {
    const auto first = users_.begin() + static_cast<std::ptrdiff_t>(user_begin_[s]);
    solution.used.insert(solution.used.end(), first, first + static_cast<std::ptrdiff_t>(user_count_[s]));
  }
  std::sort(solution.used.begin(), solution.used.end());
}

void Router::Greedy::prepare(const RoutingPairs& pairs) {
  user_begin_.resize(pairs.sites());
  for (size_t s = 0, at = 0; s < pairs.sites(); ++s) {
    user_begin_[s] = at;
    at += pairs.pairs_of_site(s).size();
  }
  users_.resize(pairs.size());
  user_count_.assign(pairs.sites(), 0);
  is_user_.assign(pairs.size(), 0);
  has_order_ = false;
  key_.clear();
  max_key_ = 0.0;
  min_key_ = kUnreachable;
  group_pairs_.clear();
  group_begin_.clear();
}

void Router::Greedy::start(const RoutingPairs& pairs, const SparseRoutingProblem& problem,
                           SparseRoutingSolution& solution) {
  begin_solve(pairs, problem.demand, problem.capacity, solution);
  site_value_ = nullptr;  // costs from the problem
  cost_ = problem.cost.data();
  mark_choices();
}

// What every solve starts from: the problem's sizes and amounts, and no users (the last solve's
// are unmarked; prepare left none).
void Router::Greedy::begin_solve(const RoutingPairs& pairs, std::span<const double> demand,
                                 std::span<const double> capacity, SparseRoutingSolution& solution) {
  pairs_ = &pairs;
  demand_ = demand.data();
  capacity_ = capacity.data();
  flow_ = &solution.flow;
  pair_site_ = pairs.sites_of_pairs().data();
  pair_region_ = pairs.demands_of_pairs().data();
  demands_ = pairs.demands();
  sites_ = pairs.sites();
  unserved_.assign(demand.begin(), demand.end());
  spare_.assign(capacity.begin(), capacity.end());
  for (size_t s = 0; s < sites_; ++s) {
    for (size_t k = 0; k < user_count_[s]; ++k) is_user_[users_[user_begin_[s] + k]] = 0;
    user_count_[s] = 0;
  }
}

// allowed_, choice_count_ and choices_ at the costs cost_.
void Router::Greedy::mark_choices() {
  const RoutingPairs& pairs = *pairs_;
  allowed_.resize(pairs.size());
  choice_count_.resize(demands_);
  // Without data-dependent branches (often about half the pairs are allowed, in no predictable
  // pattern); locals in the loop, since its stores could alias members.
  unsigned char* allowed = allowed_.data();
  const double* cost = cost_;
  const std::uint32_t* pair_site = pair_site_;
  const double* capacity = capacity_;
  size_t count = 0;
  for (size_t d = 0; d < demands_; ++d) {
    const bool open = demand_[d] > 0.0;
    size_t region_count = 0;
    const size_t end = pairs.end(d);
    for (size_t p = pairs.begin(d); p < end; ++p) {
      const double c = cost[p];
      const bool ok = open & (c != kUnreachable) & (capacity[pair_site[p]] > 0.0);
      allowed[p] = ok ? 1 : 0;
      region_count += ok ? 1 : 0;
    }
    choice_count_[d] = region_count;
    count += region_count;
  }
  choices_ = count;
}

// low_, high_: the cheapest and dearest choice's cost; tolerance_: cost differences below it
// are rounding. Only the fresh sort and phase 3 need them.
void Router::Greedy::cost_range() {
  double low = kUnreachable;
  double high = -kUnreachable;
  const unsigned char* allowed = allowed_.data();
  const double* cost = cost_;
  for (size_t p = 0, n = allowed_.size(); p < n; ++p) {
    const bool ok = allowed[p] != 0;
    low = std::min(low, ok ? cost[p] : kUnreachable);
    high = std::max(high, ok ? cost[p] : -kUnreachable);
  }
  low_ = low;
  high_ = high;
  tolerance_ = choices_ > 0 ? 1e-12 * std::max(std::abs(low), std::abs(high)) : 0.0;
}

// order_ = all choices in increasing (cost, region, site) order, that is by (cost, pair index):
// from the last solve's order where that is cheap (order_from_last_solve), else sorted afresh
// (sort_choices). The order is kept for the next solve.
void Router::Greedy::choices_by_cost() {
  if (!order_from_last_solve()) sort_choices();
  has_order_ = true;
}

// Hour to hour most of the order stays: with latency costs all of it; with greenest costs (a
// site's grid intensity plus a latency tie-break) the order of the pairs within each grid
// region, since an intensity moves all its pairs together. So the last solve's order, restricted
// to this solve's choices, falls into a few ascending runs at this solve's costs, each made of
// long stretches that stay together: the runs are merged (k-way, by a heap of the runs' heads),
// each step moving the stretch of the run with the least head that lies below the next head,
// found by galloping (exponential, then binary search). O(P) plus O(log) comparisons per
// stretch. Returns false (order_ then unspecified) when some choice was not a choice in the last
// solve, or there are more than one run per kChoicesPerRun choices or one stretch per
// kChoicesPerStretch choices: a fresh sort (sort_choices) is then cheaper.
bool Router::Greedy::order_from_last_solve() {
  constexpr std::uint32_t kChoicesPerRun = 16;
  constexpr std::uint32_t kChoicesPerStretch = 8;
  if (!has_order_) return false;
  const auto count = static_cast<std::uint32_t>(choices_);
  // The last order's pairs that are still choices, in place; where a run starts.
  const std::uint32_t max_runs = count / kChoicesPerRun + 1;
  // Every pair is written at kept, which advances for a choice (no data-dependent branch: which
  // pairs are choices follows no pattern). A descent among choices starts a run, except where
  // the choice before it is a lone spike (a pair whose cost rose above those that follow it,
  // e.g. of a grid region that left a group of equal intensity): that pair is set aside and
  // the run goes on; the pairs set aside form runs of their own at the end. Locals, since the
  // stores could alias members.
  const size_t last_count = order_.size();
  run_at_.resize(last_count + 1);
  std::uint32_t* order = order_.data();
  std::uint32_t* run_at = run_at_.data();
  const unsigned char* allowed = allowed_.data();
  const double* cost = cost_;
  aside_.clear();
  run_at[0] = 0;
  std::uint32_t runs = 1;
  std::uint32_t kept = 0;
  double last_cost = -kUnreachable;  // no choice is below it: the first starts no run
  std::uint32_t last_pair = 0;
  for (size_t k = 0; k < last_count; ++k) {
    const std::uint32_t p = order[k];
    const bool choice = allowed[p] != 0;
    const double c = cost[p];
    const bool descent = choice & ((c < last_cost) | ((c == last_cost) & (p < last_pair)));
    if (descent) [[unlikely]] {
      // kept >= 1 here; order[kept - 1] is a spike if it is not its run's first and p is not
      // below the choice before it
      if (kept - 1 > run_at[runs - 1]) {
        const std::uint32_t before = order[kept - 2];
        if (!(c < cost[before] || (c == cost[before] && p < before))) {
          aside_.push_back(order[kept - 1]);
          order[kept - 1] = p;
          last_cost = c;
          last_pair = p;
          continue;
        }
      }
      run_at[runs++] = kept;
    }
    order[kept] = p;
    kept += choice ? 1 : 0;
    last_cost = choice ? c : last_cost;
    last_pair = choice ? p : last_pair;
  }
  if (kept + aside_.size() != count) return false;  // new choices
  // the pairs set aside, in the order met, after the others (their runs start at descents)
  for (size_t a = 0; a < aside_.size(); ++a) {
    const std::uint32_t p = aside_[a];
    if (a == 0 || exact_less(p, aside_[a - 1])) run_at[runs++] = kept;
    order[kept++] = p;
  }
  order_.resize(kept);
  if (runs > max_runs) return false;  // too many runs
  run_at_.resize(runs);
  if (runs <= 1) return true;

  // run r: order_[run_at_[r], run_end_[r]), run_at_ advancing as it is merged; the heap holds
  // each unfinished run's head with its cost.
  run_end_.assign(run_at_.begin() + 1, run_at_.end());
  run_end_.push_back(count);
  auto later = [](const RunHead& a, const RunHead& b) {
    return b.cost < a.cost || (b.cost == a.cost && b.pair < a.pair);
  };
  run_heap_.resize(runs);
  for (std::uint32_t r = 0; r < runs; ++r) run_heap_[r] = RunHead{cost_[order_[run_at_[r]]], order_[run_at_[r]], r};
  std::make_heap(run_heap_.begin(), run_heap_.end(), later);
  merged_.resize(count);
  std::uint32_t out = 0;
  std::uint32_t stretches = 0;
  const std::uint32_t max_stretches = count / kChoicesPerStretch + 1;
  while (run_heap_.size() > 1) {
    std::pop_heap(run_heap_.begin(), run_heap_.end(), later);
    const std::uint32_t run = run_heap_.back().run;
    run_heap_.pop_back();
    const RunHead bound = run_heap_.front();  // the next head
    auto below_bound = [&](std::uint32_t p) {
      return cost_[p] < bound.cost || (cost_[p] == bound.cost && p < bound.pair);
    };
    const std::uint32_t first = run_at_[run];  // below bound
    const std::uint32_t end = run_end_[run];
    std::uint32_t below = first;  // order_[below] is below bound
    std::uint32_t step = 1;
    while (below + step < end && below_bound(order_[below + step])) {
      below += step;
      step *= 2;
    }
    const auto stop =
        std::partition_point(order_.begin() + below + 1, order_.begin() + std::min(below + step, end), below_bound);
    const auto last = static_cast<std::uint32_t>(stop - order_.begin());
    std::copy(order_.begin() + first, stop, merged_.begin() + out);
    out += last - first;
    if (++stretches > max_stretches) return false;
    run_at_[run] = last;
    if (last < end) {
      run_heap_.push_back(RunHead{cost_[order_[last]], order_[last], run});
      std::push_heap(run_heap_.begin(), run_heap_.end(), later);
    }
  }
  const std::uint32_t run = run_heap_.front().run;
  std::copy(order_.begin() + run_at_[run], order_.begin() + run_end_[run], merged_.begin() + out);
  order_.swap(merged_);
  return true;
}

// order_ afresh: a least-significant-digit radix sort (two stable counting passes of 11 bits) on
// a 22-bit key that is a non-decreasing function of the cost, (cost - low) scaled to
// [0, 2^22 - 1]; choices start in pair order, so equal keys stay in that order, which is already
// exact for equal costs; costs that differ but share a key are put in exact order by a
// comparison sort of their run (runs are short: insertion sort). O(P) for P choices instead of
// O(P log P) with data-dependent branches.
void Router::Greedy::sort_choices() {
  const auto count = static_cast<std::uint32_t>(choices_);
  constexpr unsigned kDigitBits = 11;
  constexpr std::uint32_t kDigitMask = (std::uint32_t{1} << kDigitBits) - 1;
  constexpr double kKeyMax = static_cast<double>((std::uint32_t{1} << (2 * kDigitBits)) - 1);
  constexpr std::uint32_t kShortRun = 16;  // runs of equal keys up to this long: insertion sort
  // Halves keep the range finite for any finite costs.
  cost_range();
  const double half_range = 0.5 * high_ - 0.5 * low_;
  const double scale = half_range > 0.0 ? kKeyMax / half_range : 0.0;
  // item = key << 32 | pair index: the index travels with its key.
  items_.resize(count);
  by_low_digit_.resize(count);
  order_.resize(count);
  low_count_.assign(kDigitMask + 2, 0);
  high_count_.assign(kDigitMask + 2, 0);
  std::uint32_t n = 0;
  for (std::uint32_t p = 0; n < count; ++p) {
    if (allowed_[p] == 0) continue;
    const auto key = static_cast<std::uint32_t>(std::min(kKeyMax, (0.5 * cost_[p] - 0.5 * low_) * scale));
    items_[n++] = std::uint64_t{key} << 32 | p;
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
  auto less = [&](std::uint32_t a, std::uint32_t b) { return exact_less(a, b); };
  for (std::uint32_t first = 0; first < count;) {
    std::uint32_t last = first + 1;
    while (last < count && (items_[last] >> 32) == (items_[first] >> 32)) ++last;
    if (last - first > kShortRun) {
      const auto run_begin = order_.begin() + first;
      const auto run_end = order_.begin() + last;
      if (!std::is_sorted(run_begin, run_end, less)) std::sort(run_begin, run_end, less);
    } else {
      for (std::uint32_t k = first + 1; k < last; ++k) {  // insertion sort: one comparison if in order
        const std::uint32_t p = order_[k];
        std::uint32_t j = k;
        for (; j > first && exact_less(p, order_[j - 1]); --j) order_[j] = order_[j - 1];
        order_[j] = p;
      }
    }
    first = last;
  }
}

// Separable costs (solve_separable): each group's pairs by (key, pair), the sites of each group,
// and per group the places where neighbours in that list have different keys, by increasing key
// difference (gaps_): only there can rounding make this hour's costs equal (order_groups).
void Router::Greedy::set_keys(const RoutingPairs& pairs, std::vector<double> key,
                              std::span<const std::uint32_t> group_of_site) {
  key_ = std::move(key);
  // ids -> 0, 1, ... in increasing order
  std::vector<std::uint32_t> ids(group_of_site.begin(), group_of_site.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::uint32_t> group(pairs.sites());
  for (size_t s = 0; s < pairs.sites(); ++s) {
    group[s] = static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), group_of_site[s]) - ids.begin());
  }
  const size_t groups = ids.size();
  group_begin_.assign(groups + 1, 0);
  group_site_begin_.assign(groups + 1, 0);
  for (size_t s = 0; s < pairs.sites(); ++s) {
    group_begin_[group[s] + 1] += static_cast<std::uint32_t>(pairs.pairs_of_site(s).size());
    ++group_site_begin_[group[s] + 1];
  }
  for (size_t g = 0; g < groups; ++g) {
    group_begin_[g + 1] += group_begin_[g];
    group_site_begin_[g + 1] += group_site_begin_[g];
  }
  group_pairs_.resize(pairs.size());
  group_sites_.resize(pairs.sites());
  std::vector<std::uint32_t> at(group_begin_.begin(), group_begin_.end() - 1);
  std::vector<std::uint32_t> site_at(group_site_begin_.begin(), group_site_begin_.end() - 1);
  for (size_t s = 0; s < pairs.sites(); ++s) {
    group_sites_[site_at[group[s]]++] = static_cast<std::uint32_t>(s);
    for (const std::uint32_t p : pairs.pairs_of_site(s)) group_pairs_[at[group[s]]++] = p;
  }
  group_of_site_ = group;
  region_groups_.clear();
  region_group_begin_.assign(1, 0);
  for (size_t d = 0; d < pairs.demands(); ++d) {
    const size_t from = region_groups_.size();
    for (size_t p = pairs.begin(d); p < pairs.end(d); ++p) region_groups_.push_back(group[pairs.site(p)]);
    std::sort(region_groups_.begin() + static_cast<std::ptrdiff_t>(from), region_groups_.end());
    region_groups_.erase(std::unique(region_groups_.begin() + static_cast<std::ptrdiff_t>(from), region_groups_.end()),
                         region_groups_.end());
    region_group_begin_.push_back(static_cast<std::uint32_t>(region_groups_.size()));
  }
  live_sites_.assign(groups, 0);
  live_regions_.assign(groups, 0);
  max_key_ = 0.0;
  min_key_ = kUnreachable;
  for (const double k : key_) {
    max_key_ = std::max(max_key_, std::abs(k));
    if (k != 0.0) min_key_ = std::min(min_key_, std::abs(k));
  }
  gaps_.clear();
  gap_begin_.assign(groups + 1, 0);
  for (size_t g = 0; g < groups; ++g) {
    const auto first = group_pairs_.begin() + group_begin_[g];
    const auto last = group_pairs_.begin() + group_begin_[g + 1];
    std::sort(first, last,
              [&](std::uint32_t a, std::uint32_t b) { return key_[a] < key_[b] || (key_[a] == key_[b] && a < b); });
    const size_t from = gaps_.size();
    for (std::uint32_t k = group_begin_[g]; k + 1 < group_begin_[g + 1]; ++k) {
      const double gap = key_[group_pairs_[k + 1]] - key_[group_pairs_[k]];
      if (gap > 0.0) gaps_.push_back(Gap{gap, k});
    }
    std::sort(gaps_.begin() + static_cast<std::ptrdiff_t>(from), gaps_.end(),
              [](const Gap& a, const Gap& b) { return a.gap < b.gap || (a.gap == b.gap && a.at < b.at); });
    gap_begin_[g + 1] = static_cast<std::uint32_t>(gaps_.size());
  }
}

// group_runs_: each group with a choice, by increasing (cost, pair) of its cheapest. A group's
// list is in (cost, pair) order this hour when its sites have one value v: cost = v + scale x
// key is then non-decreasing along it (rounding is monotonic), and pairs of equal key come in
// pair order; only neighbours of different keys whose costs round to the same value would be out
// of order. Those can only be where the keys differ by at most 2^-50 (|v| / scale + max |key|)
// (the two roundings of each cost are each within 2^-53 of it): they are checked, and a group
// where they tie, or whose sites' values differ, is sorted by (cost, pair) into scratch_pairs_
// for this hour. A group's first and last choice bound it (a choice: demand and capacity > 0).
void Router::Greedy::order_groups() {
  group_runs_.clear();
  scratch_pairs_.clear();
  for (size_t g = 0; g + 1 < group_begin_.size(); ++g) {
    const std::uint32_t* sites = group_sites_.data() + group_site_begin_[g];
    const size_t site_count = group_site_begin_[g + 1] - group_site_begin_[g];
    const double value = site_value_[sites[0]];
    bool exact = true;
    for (size_t i = 1; i < site_count; ++i) exact = exact && site_value_[sites[i]] == value;
    const std::uint32_t begin = group_begin_[g];
    const std::uint32_t end = group_begin_[g + 1];
    const std::uint32_t* list = group_pairs_.data() + begin;
    bool scratch = false;
    std::uint32_t offset = begin;
    // this hour's list in scratch_pairs_
    auto copy_list = [&] {
      offset = static_cast<std::uint32_t>(scratch_pairs_.size());
      scratch_pairs_.insert(scratch_pairs_.end(), list, list + (end - begin));
      scratch = true;
    };
    auto by_cost = [&](std::uint32_t a, std::uint32_t b) { return separable_less(a, b); };
    // (no bound where scale x key could be subnormal, with its larger relative error)
    const double bound = scale_ * min_key_ > 0x1p-1000 ? 0x1p-50 * (std::abs(value) / scale_ + max_key_) : kUnreachable;
    // the places to check: gaps_[gap_begin_[g], checks)
    const std::uint32_t checks =
        static_cast<std::uint32_t>(std::upper_bound(gaps_.begin() + gap_begin_[g], gaps_.begin() + gap_begin_[g + 1],
                                                    bound, [](double b, const Gap& gap) { return b < gap.gap; }) -
                                   gaps_.begin());
    // many (a scale of 0, say): one sort of the group is cheaper than fixing run after run
    if (exact && (checks - gap_begin_[g]) > kMaxTieChecks + (end - begin) / 8) exact = false;
    if (exact) {
      for (std::uint32_t i = gap_begin_[g]; i < checks; ++i) {
        const std::uint32_t at = gaps_[i].at - begin;
        const std::uint32_t* now = scratch ? scratch_pairs_.data() + offset : list;
        if (cost_of(now[at]) != cost_of(now[at + 1])) continue;
        // a tie of different keys: the whole run of this cost, in pair order
        if (!scratch) copy_list();
        std::uint32_t* copy = scratch_pairs_.data() + offset;
        const double tied = cost_of(copy[at]);
        std::uint32_t low = at;
        std::uint32_t high = at + 2;
        while (low > 0 && cost_of(copy[low - 1]) == tied) --low;
        while (high < end - begin && cost_of(copy[high]) == tied) ++high;
        std::sort(copy + low, copy + high);
      }
    } else {
      copy_list();
      std::sort(scratch_pairs_.begin() + offset, scratch_pairs_.end(), by_cost);
    }
    if (scratch) list = scratch_pairs_.data() + offset;
    const std::uint32_t count = end - begin;
    auto choice = [&](std::uint32_t p) { return demand_[pair_region_[p]] > 0.0 && capacity_[pair_site_[p]] > 0.0; };
    std::uint32_t first = 0;
    while (first < count && !choice(list[first])) ++first;
    if (first == count) continue;
    std::uint32_t last = count - 1;
    while (!choice(list[last])) --last;
    group_runs_.push_back(
        GroupRun{list[first], list[last], offset + first, offset + last + 1, static_cast<std::uint32_t>(g), scratch});
  }
  std::sort(group_runs_.begin(), group_runs_.end(),
            [&](const GroupRun& a, const GroupRun& b) { return separable_less(a.head, b.head); });
}

// take(p) for each pair p of a group run in increasing (cost, pair) order until it returns
// false (non-choices among them too: take skips them). Groups by increasing head (order_groups);
// a group whose head lies above the last tail of those before it is taken alone, in its list's
// order; groups whose ranges overlap are merged pair by pair (a heap of their cursors). Exact:
// every pair of a later stretch of groups is above every pair of the earlier ones.
template <class Take>
void Router::Greedy::walk_groups(Take&& take) {
  order_groups();
  auto later = [](const Cursor& a, const Cursor& b) {
    return b.cost < a.cost || (b.cost == a.cost && b.pair < a.pair);
  };
  auto list_of = [&](const GroupRun& run) { return run.scratch ? scratch_pairs_.data() : group_pairs_.data(); };
  const size_t runs = group_runs_.size();
  for (size_t i = 0; i < runs;) {
    std::uint32_t tail = group_runs_[i].tail;
    size_t j = i + 1;
    for (; j < runs && separable_less(group_runs_[j].head, tail); ++j) {
      if (separable_less(tail, group_runs_[j].tail)) tail = group_runs_[j].tail;
    }
    if (j == i + 1) {
      const GroupRun& run = group_runs_[i];
      const std::uint32_t* list = list_of(run);
      for (std::uint32_t k = run.first; k < run.end && group_live(run.group); ++k) {
        if (!take(list[k])) return;
      }
    } else {
      // cursors_: a heap with the least head at the front; the front is taken, advanced and
      // sifted down in place (one sift per pair); a group no longer live leaves when at the front
      cursors_.clear();
      for (size_t r = i; r < j; ++r) {
        const GroupRun& run = group_runs_[r];
        if (!group_live(run.group)) continue;
        cursors_.push_back(Cursor{cost_of(run.head), run.head, run.first + 1, run.end, run.group, list_of(run)});
      }
      std::make_heap(cursors_.begin(), cursors_.end(), later);
      Cursor* heap = cursors_.data();
      size_t size = cursors_.size();
      while (size > 0) {
        Cursor top = heap[0];
        const bool live = group_live(top.group);
        if (live && !take(top.pair)) return;
        if (live && top.next < top.end) {
          top.pair = top.list[top.next++];
          top.cost = cost_of(top.pair);
        } else {
          top = heap[--size];
        }
        size_t at = 0;
        for (size_t child = 1; child < size; child = 2 * at + 1) {
          if (child + 1 < size && later(heap[child], heap[child + 1])) ++child;
          if (!later(top, heap[child])) break;
          heap[at] = heap[child];
          at = child;
        }
        if (size > 0) heap[at] = top;
      }
    }
    i = j;
  }
}

// route_greedy on separable costs: phase 1 by groups (walk_groups), without this hour's cost of
// every pair; phases 2 and 3 need them, so they are computed only where those phases have
// work: some region unserved that has a choice, or an instance small enough for phase 3.
void Router::Greedy::solve_separable(const RoutingPairs& pairs, const SeparableRoutingProblem& problem,
                                     SparseRoutingSolution& solution) {
  begin_solve(pairs, problem.demand, problem.capacity, solution);
  site_value_ = problem.site_value.data();
  scale_ = problem.scale;
  // A region has a choice when its demand is above 0 and one of its sites has capacity (every
  // separable cost is finite); choice_count_ is 0 or 1 until the costs are computed.
  choice_count_.resize(demands_);
  for (size_t d = 0; d < demands_; ++d) {
    size_t p = pairs.begin(d);
    const size_t end = pairs.end(d);
    if (problem.demand[d] > 0.0) {
      while (p < end && !(problem.capacity[pair_site_[p]] > 0.0)) ++p;
    } else {
      p = end;
    }
    choice_count_[d] = p < end ? 1 : 0;
  }
  assign_cheapest_first();
  bool unserved = false;
  for (size_t d = 0; d < demands_; ++d) unserved = unserved || (unserved_[d] > 0.0 && has_choices(d));
  // Phase 3 runs where the choices are few (cancel_negative_cycles: 2 x choices + 2 x (regions +
  // sites) + 1 <= kCycleBudget / kMinCycleRounds); they are counted up to that limit.
  bool cycles = false;
  const size_t fixed_work = 2 * (demands_ + sites_) + 1;
  const size_t most_work = kCycleBudget / kMinCycleRounds;
  if (fixed_work <= most_work) {
    const size_t limit = (most_work - fixed_work) / 2;  // the most choices at which phase 3 runs
    size_t count = 0;
    for (size_t d = 0; d < demands_ && count <= limit; ++d) {
      if (!(problem.demand[d] > 0.0)) continue;
      for (size_t p = pairs.begin(d); p < pairs.end(d) && count <= limit; ++p) {
        count += problem.capacity[pair_site_[p]] > 0.0 ? 1U : 0U;
      }
    }
    cycles = count <= limit;
  }
  if (unserved || cycles) {
    separable_cost_.resize(pairs.size());
    for (size_t p = 0; p < pairs.size(); ++p) separable_cost_[p] = cost_of(static_cast<std::uint32_t>(p));
    cost_ = separable_cost_.data();
    mark_choices();
    augment_to_maximum_flow();
    cancel_negative_cycles(kCycleBudget);
  }
  finish_solve(problem.demand, solution);
}

// Phase 1: every choice in increasing (cost, region, site) order gets min(unserved demand,
// spare capacity); stops once every region is served or every site full.
void Router::Greedy::assign_cheapest_first() {
  std::vector<double>& flow = *flow_;
  size_t open_regions = 0;  // with unserved demand and choices
  for (size_t d = 0; d < demands_; ++d) {
    if (has_choices(d)) ++open_regions;
  }
  size_t open_sites = 0;  // with spare capacity
  for (size_t s = 0; s < sites_; ++s) {
    if (spare_[s] > 0.0) ++open_sites;
  }
  // Locals, since the stores could alias members.
  double* flow_of = flow.data();
  double* unserved = unserved_.data();
  double* spare = spare_.data();
  const std::uint32_t* pair_region = pair_region_;
  const std::uint32_t* pair_site = pair_site_;
  const bool grouped = site_value_ != nullptr;  // walk_groups: its live groups are kept
  // false once there is nothing left to do
  auto take = [&](std::uint32_t p) {
    if (open_regions == 0 || open_sites == 0) return false;
    const size_t d = pair_region[p];
    const size_t s = pair_site[p];
    if (!(unserved[d] > 0.0) || !(spare[s] > 0.0)) return true;
    const double amount = std::min(unserved[d], spare[s]);
    flow_of[p] += amount;
    add_user(p, s);
    unserved[d] -= amount;  // exactly 0 when amount == unserved[d]
    spare[s] -= amount;     // exactly 0 when amount == spare[s]
    if (!(unserved[d] > 0.0)) {
      --open_regions;
      if (grouped) {
        for (std::uint32_t k = region_group_begin_[d]; k < region_group_begin_[d + 1]; ++k)
          --live_regions_[region_groups_[k]];
      }
    }
    if (!(spare[s] > 0.0)) {
      --open_sites;
      if (grouped) --live_sites_[group_of_site_[s]];
    }
    return true;
  };
  if (grouped) {
    // the live groups (walk_groups), kept as sites fill and regions are served
    std::fill(live_sites_.begin(), live_sites_.end(), 0);
    std::fill(live_regions_.begin(), live_regions_.end(), 0);
    for (size_t s = 0; s < sites_; ++s) {
      if (spare[s] > 0.0) ++live_sites_[group_of_site_[s]];
    }
    const std::uint32_t* region_groups = region_groups_.data();
    for (size_t d = 0; d < demands_; ++d) {
      if (!has_choices(d)) continue;
      for (std::uint32_t k = region_group_begin_[d]; k < region_group_begin_[d + 1]; ++k)
        ++live_regions_[region_groups[k]];
    }
    walk_groups(take);
    return;
  }
  choices_by_cost();
  for (const std::uint32_t p : order_) {
    if (!take(p)) break;
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
// pairs through which regions send to a site are kept in a list per site (users), so that the
// reverse step costs the number of such pairs.
void Router::Greedy::augment_to_maximum_flow() {
  std::vector<double>& flow = *flow_;
  const RoutingPairs& pairs = *pairs_;
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
        for (size_t p = pairs.begin(d); p < pairs.end(d); ++p) {
          if (allowed_[p] == 0) continue;
          const size_t s = pair_site_[p];
          const double path_cost = region_path_cost_[d] + cost_[p];
          if (site_layer_of_[s] == kNone) {
            site_layer_of_[s] = layer;
            site_layer_.push_back(s);
            site_parent_[s] = p;
            site_path_cost_[s] = path_cost;
          } else if (site_layer_of_[s] == layer && path_cost < site_path_cost_[s]) {
            site_parent_[s] = p;
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
          const size_t p = users_[user_begin_[s] + k];
          if (!(flow[p] > 0.0)) continue;
          const size_t d = pair_region_[p];
          const double path_cost = site_path_cost_[s] - cost_[p];
          if (region_layer_of_[d] == kNone) {
            region_layer_of_[d] = layer + 1;
            region_layer_.push_back(d);
            region_parent_[d] = p;
            region_path_cost_[d] = path_cost;
          } else if (region_layer_of_[d] == layer + 1 && path_cost < region_path_cost_[d]) {
            region_parent_[d] = p;
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
        const size_t d = pair_region_[site_parent_[s]];
        const size_t back = region_parent_[d];
        if (back == kNone) {
          amount = std::min(amount, unserved_[d]);
          break;
        }
        s = pair_site_[back];
        amount = std::min(amount, flow[back]);
      }
      if (!(amount > 0.0)) continue;
      spare_[terminal] -= amount;
      s = terminal;
      while (true) {
        const size_t forward = site_parent_[s];
        const size_t d = pair_region_[forward];
        flow[forward] += amount;
        add_user(forward, s);
        const size_t back = region_parent_[d];
        if (back == kNone) {
          unserved_[d] -= amount;
          break;
        }
        s = pair_site_[back];
        flow[back] -= amount;
      }
    }
  }
}

// Phase 3: lower the cost at the same served amount by cancelling negative-cost cycles of the
// residual network, found by Bellman-Ford. Nodes: regions, sites, T (spare capacity: site s ->
// T when s has spare, T -> s when s has load) and U (unserved demand: U -> region d when d has
// unserved demand, d -> U when d is served); arcs d -> s (cost of the pair, d sends more to s) and
// s -> d (minus the cost, while d sends to s). A cycle moves flow without changing what is served
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
void Router::Greedy::cancel_negative_cycles(size_t max_relaxations) {
  const size_t round_work = 2 * choices_ + 2 * (demands_ + sites_) + 1;
  const size_t max_rounds = max_relaxations / round_work;
  if (max_rounds < kMinCycleRounds) return;
  cost_range();
  const std::vector<double>& flow = *flow_;
  const RoutingPairs& pairs = *pairs_;
  const size_t nodes = demands_ + sites_ + 2;
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  label_.assign(nodes, 0.0);
  pred_.assign(nodes, kNone);
  pred_pair_.assign(nodes, kNone);
  walk_.resize(nodes);
  for (size_t round = 0; round < max_rounds; ++round) {
    bool changed = false;
    auto relax = [&](size_t to, double candidate, size_t from, size_t pair) {
      if (candidate < label_[to] - tolerance_) {
        label_[to] = candidate;
        pred_[to] = from;
        pred_pair_[to] = pair;
        changed = true;
      }
    };
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] > 0.0) relax(d, label_[node_u], node_u, kNone);
      for (size_t p = pairs.begin(d); p < pairs.end(d); ++p) {
        const size_t s = demands_ + pair_site_[p];
        if (allowed_[p] != 0 && flow[p] > 0.0) relax(d, label_[s] - cost_[p], s, p);
      }
      for (size_t p = pairs.begin(d); p < pairs.end(d); ++p) {
        if (allowed_[p] != 0) relax(demands_ + pair_site_[p], label_[d] + cost_[p], d, p);
      }
    }
    for (size_t s = 0; s < sites_; ++s) {
      if (spare_[s] < capacity_[s]) relax(demands_ + s, label_[node_t], node_t, kNone);
      if (spare_[s] > 0.0) relax(node_t, label_[demands_ + s], demands_ + s, kNone);
    }
    for (size_t d = 0; d < demands_; ++d) {
      if (unserved_[d] < demand_[d]) relax(node_u, label_[d], d, kNone);
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
      std::fill(pred_pair_.begin(), pred_pair_.end(), kNone);
    }
  }
}

// Cancels the cycle of arcs pred_[w] -> w (w in cycle_) if its cost is negative at the current
// flow; returns whether it did.
bool Router::Greedy::cancel_cycle() {
  std::vector<double>& flow = *flow_;
  const size_t node_t = demands_ + sites_;
  const size_t node_u = node_t + 1;
  auto is_region = [&](size_t node) { return node < demands_; };
  auto is_site = [&](size_t node) { return node >= demands_ && node < node_t; };
  double cost = 0.0;
  double amount = kUnreachable;
  for (const size_t w : cycle_) {
    const size_t u = pred_[w];
    if (is_region(u) && is_site(w)) {
      cost += cost_[pred_pair_[w]];  // region sends more to the site
    } else if (is_site(u) && is_region(w)) {
      cost -= cost_[pred_pair_[w]];  // region sends less to the site
      amount = std::min(amount, flow[pred_pair_[w]]);
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
      flow[pred_pair_[w]] += amount;
      add_user(pred_pair_[w], w - demands_);
    } else if (is_site(u) && is_region(w)) {
      flow[pred_pair_[w]] -= amount;
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

}  // namespace fleetsim::policy
