// Selection of the k-th smallest value, for the timing rules' cleanest hours
// (docs/policies.md, "The rules"; docs/performance.md, "The capacity-aware plan").
#pragma once

#include <algorithm>
#include <cstddef>
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
inline KthSmallest kth_smallest(double* a, size_t m, size_t k, double* scratch) {
  size_t below = 0;
  size_t rounds = 8;
  for (size_t n = m; n > 1; n >>= 1) rounds += 2;
  for (;;) {
    if (m <= 8 || rounds-- == 0) {
      std::nth_element(a, a + k, a + m);
      const double v = a[k];
      for (size_t i = 0; i < k; ++i) below += a[i] < v ? 1U : 0U;
      return KthSmallest{v, below};
    }
    const double x = a[0];
    const double y = a[m / 2];
    const double z = a[m - 1];
    const double pivot = std::max(std::min(x, y), std::min(std::max(x, y), z));
    size_t lt = 0;
    size_t gt = 0;
    for (size_t i = 0; i < m; ++i) {  // smaller ones to the front of a (lt <= i), larger to scratch
      const double v = a[i];
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
  }
}

}  // namespace fleetsim::policy
