// Selection of the k-th smallest value, for the timing rules' cleanest hours
// (docs/policies.md, "The rules"; docs/performance.md, "The capacity-aware plan").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace fleetsim::policy {

struct KthSmallest {
  double value = 0.0;  // the k-th smallest (0-based)
  size_t below = 0;    // how many values are smaller than it
};

// The k-th smallest (0-based, k < m) of the m values at `a` (no NaN), and how many are smaller;
// reorders `a` and uses `scratch` (room for m values). A quickselect whose three-way partition
// has no data-dependent branch: each value is written to both sides and only the side's end
// moves. On unordered data std::nth_element mispredicts about one comparison in two; this does
// not, and values equal to the pivot (many, in a forecast that repeats a day) end it early.
// The pivot is the median of three; after 2 log2(m) + 8 rounds (data that defeats the pivot
// rule) the rest goes to std::nth_element, so the worst case stays O(m log m).
// With `src` (m values, not changed), the first round reads them from there: no copy into `a`
// first (room for m values there too).
inline KthSmallest kth_smallest(const double* src, double* a, size_t m, size_t k, double* scratch) {
  size_t below = 0;
  size_t rounds = 8;
  for (size_t n = m; n > 1; n >>= 1) rounds += 2;
  if (m <= 8 && src != a) std::copy(src, src + m, a);
  for (;;) {
    if (m <= 8 || rounds-- == 0) {
      std::nth_element(a, a + k, a + m);
      const double v = a[k];
      for (size_t i = 0; i < k; ++i) below += a[i] < v ? 1U : 0U;
      return KthSmallest{v, below};
    }
    const double x = src[0];
    const double y = src[m / 2];
    const double z = src[m - 1];
    const double pivot = std::max(std::min(x, y), std::min(std::max(x, y), z));
    size_t lt = 0;
    size_t gt = 0;
    for (size_t i = 0; i < m; ++i) {  // smaller ones to the front of a (lt <= i), larger to scratch
      const double v = src[i];
      a[lt] = v;
      scratch[gt] = v;
      lt += v < pivot ? 1U : 0U;
      gt += v > pivot ? 1U : 0U;
    }
    const size_t le = m - gt;  // values <= pivot
    if (k < lt) {
      m = lt;
    } else if (k < le) {
      return KthSmallest{pivot, below + lt};
    } else {
      below += le;
      k -= le;
      m = gt;
      std::swap(a, scratch);
    }
    src = a;
  }
}

inline KthSmallest kth_smallest(double* a, size_t m, size_t k, double* scratch) {
  return kth_smallest(a, a, m, k, scratch);
}

// kth_smallest with k = m - 1 (m >= 1, no NaN): the largest value and how many are smaller.
inline KthSmallest largest(const double* a, size_t m) {
  double most = a[0];
  for (size_t i = 1; i < m; ++i) most = std::max(most, a[i]);
  size_t below = 0;
  for (size_t i = 0; i < m; ++i) below += a[i] < most ? 1U : 0U;
  return KthSmallest{most, below};
}

// The cheapest run of `whole` hours and a `fraction` of the next among the starts lo..hi
// (lo <= hi), its cost sums[s + whole] - sums[s] (+ fraction x values[s + whole] when fraction
// > 0) from prefix sums `sums` of `values` (no NaN in the range read). When a start costs less
// than `best`, `best` and `start` become the least cost and its first start. The same costs,
// and the same first least start, as a loop over s in order with `cost < best`; four
// independent lanes, so the compare-and-keep of one start does not wait for the one before.
inline void least_window(const double* sums, const double* values, size_t whole, double fraction, size_t lo, size_t hi,
                         double& best, int64_t& start) {
  auto cost = [&](size_t s) {
    return sums[s + whole] - sums[s] + (fraction > 0.0 ? fraction * values[s + whole] : 0.0);
  };
  constexpr size_t kLanes = 4;
  double lane_best[kLanes];
  size_t lane_start[kLanes];
  for (size_t j = 0; j < kLanes; ++j) {
    lane_best[j] = best;
    lane_start[j] = hi + 1;  // none yet
  }
  size_t s = lo;
  for (; s + kLanes - 1 <= hi; s += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      const double c = cost(s + j);
      const bool less = c < lane_best[j];
      lane_best[j] = less ? c : lane_best[j];
      lane_start[j] = less ? s + j : lane_start[j];
    }
  }
  // the lanes' least, the first start among equal ones (every lane start is before the tail's)
  size_t at = hi + 1;
  double least = best;
  for (size_t j = 0; j < kLanes; ++j) {
    if (lane_start[j] > hi) continue;
    if (lane_best[j] < least || (lane_best[j] == least && lane_start[j] < at)) {
      least = lane_best[j];
      at = lane_start[j];
    }
  }
  for (; s <= hi; ++s) {
    const double c = cost(s);
    if (c < least) {
      least = c;
      at = s;
    }
  }
  if (at <= hi) {
    best = least;
    start = static_cast<int64_t>(at);
  }
}

// The cheapest single run among the starts first..hi (indices from the decision hour) of a run
// of `whole` hours and a `fraction` of the next, `length` hours in all, its costs from prefix
// sums as in least_window. A start now (index 0) costs now_factor times its cost; with
// check_room, a start whose hours s .. s + length - 1 include one where blocked(i) is skipped.
// Past the known forecast the costs are NaN (prefix sums carry a NaN on), and the search ends
// there (its end is found by bisection). Returns the least cost (+inf when there is no start)
// and sets `start` to its first start (-1 when none): the same as a loop over s = first .. hi
// in order that skips a blocked start, stops at a NaN cost, biases index 0 and keeps a cost
// below the best so far (tests/policy/test_select.cpp compares the two).
template <class Blocked>
double cheapest_run(const double* sums, const double* values, int64_t whole, double fraction, int64_t length,
                    int64_t first, int64_t hi, double now_factor, bool check_room, Blocked&& blocked, int64_t& start) {
  start = -1;
  double best_cost = std::numeric_limits<double>::infinity();
  auto cost = [&](int64_t s) {
    const auto a = static_cast<size_t>(s);
    const auto b = a + static_cast<size_t>(whole);
    return sums[b] - sums[a] + (fraction > 0.0 ? fraction * values[b] : 0.0);
  };
  if (hi < first || std::isnan(cost(first))) return best_cost;
  if (std::isnan(cost(hi))) {
    int64_t known = first;  // cost(known) is a number, cost(hi) NaN
    while (hi - known > 1) {
      const int64_t mid = known + (hi - known) / 2;
      (std::isnan(cost(mid)) ? hi : known) = mid;
    }
    hi = known;
  }
  // The cheapest start of the stretch lo..to (every start with room). Stretches come in order,
  // so the first cheapest start wins.
  auto stretch = [&](int64_t lo, int64_t to) {
    if (lo == 0) {
      const double now_cost = cost(0) * now_factor;
      if (now_cost < best_cost) {
        best_cost = now_cost;
        start = 0;
      }
      lo = 1;
    }
    if (lo <= to) {
      least_window(sums, values, static_cast<size_t>(whole), fraction, static_cast<size_t>(lo), static_cast<size_t>(to),
                   best_cost, start);
    }
  };
  if (!check_room) {
    stretch(first, hi);
    return best_cost;
  }
  int64_t blocked_until = -1;  // starts before this index overlap an hour without room
  for (int64_t i = first; i < first + length - 1; ++i) {
    if (blocked(i)) blocked_until = i + 1;
  }
  int64_t open = -1;  // the first start of the stretch with room being gathered
  for (int64_t s = first; s <= hi; ++s) {
    if (blocked(s + length - 1)) blocked_until = s + length;
    if (s >= blocked_until) {
      if (open < 0) open = s;
    } else if (open >= 0) {
      stretch(open, s - 1);
      open = -1;
    }
  }
  if (open >= 0) stretch(open, hi);
  return best_cost;
}

}  // namespace fleetsim::policy
