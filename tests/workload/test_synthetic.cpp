#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "workload/synthetic.hpp"

using namespace fleetsim::workload;

namespace {

SyntheticSpec year_spec() {
  SyntheticSpec s;
  s.name = "gen";
  s.arrivals_per_day = 100.0;
  s.start_s = 0;
  s.end_s = 365 * 86400;
  s.gpus = {8, 64, 512};
  s.gpus_weights = {6.0, 3.0, 1.0};
  s.duration_median_h = 10.0;
  s.duration_sigma = 1.0;
  s.duration_min_h = 0.5;
  s.duration_max_h = 100.0;
  s.deadline = DeadlineRule{};
  s.deadline->slack = 2.0;
  return s;
}

}  // namespace

TEST_CASE("the synthetic generator is deterministic per (seed, entity)", "[workload]") {
  const auto a = generate_synthetic(year_spec(), 11, 0);
  const auto b = generate_synthetic(year_spec(), 11, 0);
  const auto c = generate_synthetic(year_spec(), 11, 1);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].submit_s == b[i].submit_s);
    CHECK(a[i].gpus == b[i].gpus);
    CHECK(a[i].duration_s == b[i].duration_s);
  }
  CHECK((c.size() != a.size() || c.front().submit_s != a.front().submit_s));
}

TEST_CASE("synthetic jobs follow the declared distributions", "[workload]") {
  const auto jobs = generate_synthetic(year_spec(), 3, 0);
  // Poisson count over 365 days at 100/day: mean 36,500, sd ~191.
  CHECK(static_cast<double>(jobs.size()) == Approx(36500).margin(1000));
  int64_t eight = 0;
  std::vector<double> hours;
  for (const auto& j : jobs) {
    CHECK((j.gpus == 8 || j.gpus == 64 || j.gpus == 512));
    eight += j.gpus == 8 ? 1 : 0;
    const double h = static_cast<double>(j.duration_s) / 3600.0;
    CHECK(h >= 0.5 - 1e-9);
    CHECK(h <= 100.0 + 1e-9);
    REQUIRE(j.deadline_s);
    CHECK(*j.deadline_s == j.submit_s + 2 * j.duration_s);
    CHECK(j.submit_s >= 0);
    CHECK(j.submit_s < 365 * 86400);
    hours.push_back(h);
  }
  CHECK(static_cast<double>(eight) / static_cast<double>(jobs.size()) == Approx(0.6).margin(0.02));
  std::sort(hours.begin(), hours.end());
  CHECK(hours[hours.size() / 2] == Approx(10.0).epsilon(0.05));  // median
  CHECK(std::is_sorted(jobs.begin(), jobs.end(), [](auto& x, auto& y) { return x.submit_s < y.submit_s; }));
}

TEST_CASE("bad generator settings are refused with the field named", "[workload]") {
  SyntheticSpec s = year_spec();
  s.arrivals_per_day = -1.0;
  CHECK_THROWS_WITH(generate_synthetic(s, 1, 0), Catch::Contains("arrivals_per_day"));
  s = year_spec();
  s.gpus_weights = {1.0};
  CHECK_THROWS_WITH(generate_synthetic(s, 1, 0), Catch::Contains("gpus_weights"));
  s = year_spec();
  s.utilization = 1.5;
  CHECK_THROWS_WITH(generate_synthetic(s, 1, 0), Catch::Contains("utilization"));
}

TEST_CASE("arrivals grow at the annual rate: yearly counts match the integral of the rate", "[workload][capacity]") {
  // Rate r0 (1 + g)^(t / 8,760 h): year k expects r0 x 365 d x ((1 + g)^(k+1) - (1 + g)^k) / ln(1 + g).
  SyntheticSpec s = year_spec();
  s.arrivals_per_day = 200.0;
  s.end_s = 3 * 365 * 86400;
  s.annual_growth = 0.5;
  const auto jobs = generate_synthetic(s, 5, 0);
  int64_t per_year[3] = {};
  for (const auto& j : jobs) per_year[j.submit_s / (365 * 86400)] += 1;
  const double b = 1.5;
  for (int k = 0; k < 3; ++k) {
    const double expected = 200.0 * 365.0 * (std::pow(b, k + 1) - std::pow(b, k)) / std::log(b);
    INFO("year " << k << ": " << per_year[k] << " arrivals, expected " << expected);
    CHECK(static_cast<double>(per_year[k]) == Approx(expected).epsilon(0.015));  // sd ~0.3%
  }
  CHECK(std::is_sorted(jobs.begin(), jobs.end(), [](auto& x, auto& y) { return x.submit_s < y.submit_s; }));
  // A declining rate runs out: at most r0 Y / -ln(1 + g) arrivals however long the run.
  s.annual_growth = -0.9;
  s.end_s = 50 * 365 * 86400;
  const double limit = 200.0 * 365.0 / -std::log(0.1);
  CHECK(static_cast<double>(generate_synthetic(s, 5, 0).size()) == Approx(limit).epsilon(0.03));
}

TEST_CASE("a vanishing growth rate gives the arrivals of no growth", "[workload][capacity]") {
  SyntheticSpec s = year_spec();
  const auto flat = generate_synthetic(s, 9, 0);
  s.annual_growth = 1e-9;
  const auto grown = generate_synthetic(s, 9, 0);
  REQUIRE(grown.size() == flat.size());
  for (size_t i = 0; i < flat.size(); i += 997) {
    CHECK(std::llabs(grown[i].submit_s - flat[i].submit_s) <= 1);
    CHECK(grown[i].gpus == flat[i].gpus);
    CHECK(grown[i].duration_s == flat[i].duration_s);
  }
}

TEST_CASE("a generator's jobs fit the room reserved for them, with little to spare", "[workload]") {
  // synthetic_capacity: the expected count (the integral of the rate) + 4 sd + 16
  for (const double growth : {0.0, 0.5, -0.9, 1e-9}) {
    for (const int64_t start_day : {0, 100}) {
      SyntheticSpec s = year_spec();
      s.annual_growth = growth;
      s.start_s = start_day * 86400;
      s.end_s = 3 * 365 * 86400;
      const size_t room = synthetic_capacity(s);
      for (uint64_t seed = 1; seed <= 20; ++seed) {
        const size_t made = generate_synthetic(s, seed, 0).size();
        INFO("growth " << growth << ", start day " << start_day << ", seed " << seed << ": " << made << " jobs, room "
                       << room);
        CHECK(made <= room);
        // the margin, plus a count up to 4 sd below its mean
        CHECK(static_cast<double>(room) <=
              static_cast<double>(made) + 8.0 * std::sqrt(static_cast<double>(made)) + 16.0);
      }
    }
  }
  SyntheticSpec bad = year_spec();
  bad.arrivals_per_day = -1.0;
  CHECK_THROWS_WITH(synthetic_capacity(bad), Catch::Contains("arrivals_per_day"));
}

TEST_CASE("the expected count of a generator is exact for growths near zero and saturates for huge ones",
          "[workload]") {
  SyntheticSpec s = year_spec();  // 100 a day for 365 days
  s.arrivals_per_day = 1e7;
  for (const double growth : {1e-300, 1e-17, 1e-15, 1e-9}) {
    s.annual_growth = growth;
    INFO("growth " << growth);
    CHECK(synthetic_expected_count(s) == Approx(3.65e9).epsilon(1e-6));  // not 0, NaN or 11% off
  }
  s.annual_growth = 100.0;  // 101-fold a year for 114 years: beyond a double
  s.end_s = 1000000 * int64_t{3600};
  CHECK(synthetic_capacity(s) == std::numeric_limits<size_t>::max());
  s.annual_growth = 1.0;  // 2^114: finite, beyond size_t
  CHECK(synthetic_expected_count(s) > 1e30);
  CHECK(synthetic_capacity(s) == std::numeric_limits<size_t>::max());
}

TEST_CASE("append_synthetic adds a generator's jobs after those already listed", "[workload]") {
  std::vector<TrainingJob> jobs(2);
  jobs[0].name = "first";
  jobs[1].name = "second";
  append_synthetic(year_spec(), 11, 3, jobs);
  const auto alone = generate_synthetic(year_spec(), 11, 3);
  REQUIRE(jobs.size() == alone.size() + 2);
  CHECK(jobs[0].name == "first");
  CHECK(jobs[1].name == "second");
  for (size_t i = 0; i < alone.size(); ++i) {
    REQUIRE(jobs[i + 2].name == alone[i].name);
    REQUIRE(jobs[i + 2].submit_s == alone[i].submit_s);
    REQUIRE(jobs[i + 2].duration_s == alone[i].duration_s);
  }
  SyntheticSpec bad = year_spec();
  bad.utilization = 2.0;
  CHECK_THROWS_WITH(append_synthetic(bad, 1, 0, jobs), Catch::Contains("utilization"));
  CHECK(jobs.size() == alone.size() + 2);  // unchanged
}
