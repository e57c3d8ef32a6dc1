// kth_smallest (the timing rules' cleanest hours) against std::nth_element; least_window (their
// cheapest single run) against a loop over the starts in order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "policy/select.hpp"

using namespace fleetsim;

namespace {
// A small reproducible generator: next(mod) is uniform on 0 .. mod - 1.
struct Lcg {
  uint64_t x;
  uint64_t operator()(uint64_t mod) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % mod;
  }
};
}  // namespace

TEST_CASE("kth_smallest finds the k-th smallest value and how many are smaller", "[policy][select]") {
  Lcg next{99};
  int cases = 0;
  for (const size_t m : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{8}, size_t{9}, size_t{16}, size_t{17},
                         size_t{50}, size_t{51}, size_t{200}, size_t{1000}, size_t{4321}}) {
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
        // NaN in the working room: a read of a slot not written first would show
        std::vector<double> scratch(m, std::numeric_limits<double>::quiet_NaN());
        const policy::KthSmallest got = policy::kth_smallest(a.data(), m, k, scratch.data());
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        CAPTURE(m, shape, k);
        REQUIRE(got.value == sorted[k]);
        REQUIRE(got.below ==
                static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), sorted[k]) - sorted.begin()));
        // read from a separate source: the same answer, the source unchanged
        const std::vector<double> source = v;
        std::vector<double> room(m, std::numeric_limits<double>::quiet_NaN());
        std::fill(scratch.begin(), scratch.end(), std::numeric_limits<double>::quiet_NaN());
        const policy::KthSmallest from_source = policy::kth_smallest(source.data(), room.data(), m, k, scratch.data());
        REQUIRE(source == v);
        REQUIRE(from_source.value == got.value);
        REQUIRE(from_source.below == got.below);
        if (k == m - 1) {  // the largest, without a selection
          const policy::KthSmallest top = policy::largest(v.data(), m);
          REQUIRE(top.value == got.value);
          REQUIRE(top.below == got.below);
        }
        ++cases;
      }
    }
  }
  CHECK(cases == 13 * 6 * 4);
}

TEST_CASE("least_window finds the first cheapest run as a loop over the starts in order does", "[policy][select]") {
  Lcg next{7};
  int cases = 0;
  for (int shape = 0; shape < 3; ++shape) {
    std::vector<double> values(300);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = shape == 0   ? static_cast<double>(next(1000000)) / 7.0  // distinct, mostly
                  : shape == 1 ? static_cast<double>(next(24) % 4)         // many equal runs
                               : 5.0;                                      // every run equal
    }
    std::vector<double> sums(values.size() + 1, 0.0);
    for (size_t i = 0; i < values.size(); ++i) sums[i + 1] = sums[i] + values[i];
    for (const size_t whole : {size_t{0}, size_t{1}, size_t{3}, size_t{24}}) {
      for (const double fraction : {0.0, 0.25}) {
        for (size_t lo = 0; lo < 9; ++lo) {
          for (const size_t hi : {lo, lo + 1, lo + 2, lo + 3, lo + 4, lo + 5, lo + 7, lo + 8, lo + 100, size_t{250}}) {
            for (const double incoming : {std::numeric_limits<double>::infinity(), 0.0, 60.0}) {
              double want = incoming;
              int64_t want_start = -2;
              for (size_t s = lo; s <= hi; ++s) {
                const double c = sums[s + whole] - sums[s] + (fraction > 0.0 ? fraction * values[s + whole] : 0.0);
                if (c < want) {
                  want = c;
                  want_start = static_cast<int64_t>(s);
                }
              }
              double got = incoming;
              int64_t got_start = -2;
              policy::least_window(sums.data(), values.data(), whole, fraction, lo, hi, got, got_start);
              CAPTURE(shape, whole, fraction, lo, hi, incoming);
              REQUIRE(got_start == want_start);
              REQUIRE(got == want);
              ++cases;
            }
          }
        }
      }
    }
  }
  CHECK(cases == 3 * 4 * 2 * 9 * 10 * 3);
}

TEST_CASE("cheapest_run finds the single run a loop over the starts in order finds", "[policy][select]") {
  // The loop cheapest_run replaced (policy::ComposedPolicy::best_contiguous until 2026-12-04):
  // a start whose hours include a blocked one is skipped, a NaN cost ends the search, a start
  // now is biased, and a cost below the best so far is kept.
  auto loop = [](const std::vector<double>& sums, const std::vector<double>& values, int64_t whole, double fraction,
                 int64_t length, int64_t first, int64_t hi, double now_factor, bool check_room,
                 const std::vector<bool>& blocked, int64_t& start) {
    start = -1;
    double best = std::numeric_limits<double>::infinity();
    int64_t blocked_until = -1;
    if (check_room) {
      for (int64_t i = first; i < first + length - 1; ++i) {
        if (blocked[static_cast<size_t>(i)]) blocked_until = i + 1;
      }
    }
    for (int64_t s = first; s <= hi; ++s) {
      if (check_room && blocked[static_cast<size_t>(s + length - 1)]) blocked_until = s + length;
      if (s < blocked_until) continue;
      const auto a = static_cast<size_t>(s);
      const auto b = a + static_cast<size_t>(whole);
      double cost = sums[b] - sums[a] + (fraction > 0.0 ? fraction * values[b] : 0.0);
      if (std::isnan(cost)) break;
      if (s == 0) cost *= now_factor;
      if (cost < best) {
        best = cost;
        start = s;
      }
    }
    return best;
  };
  Lcg next{11};
  int cases = 0;
  int found = 0;
  for (int round = 0; round < 4000; ++round) {
    const size_t n = 40 + next(200);
    std::vector<double> values(n);
    const bool ties = next(3) == 0;
    for (size_t i = 0; i < n; ++i) {
      values[i] = ties ? static_cast<double>(next(3)) : static_cast<double>(next(100000)) / 13.0;
    }
    // the forecast is known up to a random hour (NaN after it), or all of it
    const size_t known = next(2) == 0 ? n : next(n);
    for (size_t i = known; i < n; ++i) values[i] = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> sums(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i) sums[i + 1] = sums[i] + values[i];
    const auto whole = static_cast<int64_t>(next(12));
    const double fraction = next(2) == 0 ? 0.0 : 0.5;
    const int64_t length = whole + (fraction > 0.0 ? 1 : 0) + (whole == 0 && fraction == 0.0 ? 1 : 0);
    const auto first = static_cast<int64_t>(next(3));
    // starts up to hi read sums[hi + whole] and values[hi + whole], and blocked up to hi + length - 1
    const int64_t room = static_cast<int64_t>(n) - std::max<int64_t>(whole, length - 1) - 1;
    const int64_t hi = static_cast<int64_t>(next(static_cast<uint64_t>(room + 2))) - 1;  // -1 .. room
    std::vector<bool> blocked(n);
    const uint64_t density = next(4);  // none, a few, many, most hours blocked
    for (size_t i = 0; i < n; ++i) blocked[i] = density != 0 && next(8) < density * 2;
    const bool check_room = next(2) == 0;
    const double now_factor = next(2) == 0 ? 1.0 : 0.9;
    int64_t want_start = -2;
    const double want =
        loop(sums, values, whole, fraction, length, first, hi, now_factor, check_room, blocked, want_start);
    int64_t got_start = -2;
    const double got = policy::cheapest_run(
        sums.data(), values.data(), whole, fraction, length, first, hi, now_factor, check_room,
        [&](int64_t i) { return static_cast<bool>(blocked[static_cast<size_t>(i)]); }, got_start);
    CAPTURE(round, n, known, whole, fraction, first, hi, density, check_room, now_factor);
    REQUIRE(got_start == want_start);
    REQUIRE(((got == want) || (std::isinf(got) && std::isinf(want))));
    ++cases;
    found += want_start >= 0 ? 1 : 0;
  }
  CHECK(cases == 4000);
  CHECK(found > 2000);  // most cases have a start; the rest test "none"
}
