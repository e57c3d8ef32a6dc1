// kth_smallest (the timing rules' cleanest hours) against std::nth_element.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "policy/select.hpp"

using namespace fleetsim;

TEST_CASE("kth_smallest finds the k-th smallest value and how many are smaller", "[policy][select]") {
  uint64_t x = 99;
  auto next = [&x](uint64_t mod) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % mod;
  };
  int cases = 0;
  for (const size_t m : {1, 2, 3, 7, 8, 9, 16, 17, 50, 51, 200, 1000, 4321}) {
    for (int shape = 0; shape < 6; ++shape) {
      std::vector<double> v(m);
      for (size_t i = 0; i < m; ++i) {
        switch (shape) {
          case 0:
            v[i] = static_cast<double>(next(1000000)) / 7.0;
            break;  // distinct, mostly
          case 1:
            v[i] = static_cast<double>(next(24));
            break;  // a repeating day: many ties
          case 2:
            v[i] = static_cast<double>(i);
            break;  // sorted
          case 3:
            v[i] = static_cast<double>(m - i);
            break;  // reversed
          case 4:
            v[i] = 5.0;
            break;  // all equal
          default:
            v[i] = static_cast<double>(i % 2 == 0 ? i : m - i) - 100.0;
            break;  // organ pipe, negatives
        }
      }
      for (const size_t k : {size_t{0}, m / 3, m / 2, m - 1}) {
        std::vector<double> a = v;
        std::vector<double> scratch(m);
        const policy::KthSmallest got = policy::kth_smallest(a.data(), m, k, scratch.data());
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        CAPTURE(m, shape, k);
        REQUIRE(got.value == sorted[k]);
        REQUIRE(got.below ==
                static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), sorted[k]) - sorted.begin()));
        ++cases;
      }
    }
  }
  CHECK(cases == 13 * 6 * 4);
}
