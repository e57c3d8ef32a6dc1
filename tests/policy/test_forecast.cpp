// Forecasts: only perfect foresight (and perfect-plus-noise, by construction) reads the
// future; persistence decisions do not change when future data does.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "policy/forecast.hpp"
#include "policy/scheduling.hpp"

using namespace fleetsim;

namespace {

energy::RegionSupply supply(const std::vector<double>& ci) {
  energy::RegionSupply s;
  s.grid.carbon_intensity_g_per_kwh = ci;
  s.grid.cfe_share.assign(ci.size(), 0.5);
  s.contracted_mwh.assign(ci.size(), 1.0);
  return s;
}

// A day-night pattern over `hours` hours.
std::vector<double> pattern(int hours) {
  std::vector<double> ci;
  for (int h = 0; h < hours; ++h) ci.push_back(300.0 + 200.0 * std::cos(2 * M_PI * (h % 24) / 24.0));
  return ci;
}

}  // namespace

TEST_CASE("persistence forecasts the same hour of the last day of history", "[policy][forecast]") {
  const std::vector<energy::RegionSupply> s{supply(pattern(96))};
  const policy::Forecaster f(s, {policy::ForecastModel::kPersistence, 0.0, 1});
  const auto& ci = s[0].grid.carbon_intensity_g_per_kwh;
  CHECK(f.at(0, 30, 30).carbon_intensity_g_per_kwh == ci[6]);   // same hour yesterday
  CHECK(f.at(0, 30, 53).carbon_intensity_g_per_kwh == ci[29]);  // still yesterday's
  CHECK(f.at(0, 30, 54).carbon_intensity_g_per_kwh == ci[6]);   // 24 h ahead: two days back
  CHECK(f.at(0, 5, 10).carbon_intensity_g_per_kwh == ci[4]);    // under a day of history: last hour seen
  CHECK(f.at(0, 10, 30).carbon_intensity_g_per_kwh == ci[9]);   // ... for every target
  CHECK(f.at(0, 23, 60).carbon_intensity_g_per_kwh == ci[22]);
  CHECK(f.at(0, 24, 30).carbon_intensity_g_per_kwh == ci[6]);   // a full day: same hour yesterday
  CHECK(std::isnan(f.at(0, 0, 3).carbon_intensity_g_per_kwh));  // nothing known yet
}

TEST_CASE("forecasts never read the future except perfect foresight", "[policy][forecast]") {
  const int hours = 24 * 6;
  const std::vector<double> base = pattern(hours);
  for (int issued : {1, 20, 24, 50, 100}) {
    std::vector<double> perturbed = base;
    for (int h = issued; h < hours; ++h) perturbed[static_cast<size_t>(h)] *= (h % 3 == 0 ? 0.2 : 3.0);
    const std::vector<energy::RegionSupply> a{supply(base)};
    const std::vector<energy::RegionSupply> b{supply(perturbed)};
    INFO("issued at hour " << issued);
    // persistence: every value of every lead time is the same
    const policy::Forecaster pa(a, {policy::ForecastModel::kPersistence, 0.0, 1});
    const policy::Forecaster pb(b, {policy::ForecastModel::kPersistence, 0.0, 1});
    for (int t = issued; t < hours; ++t) {
      CHECK(pa.at(0, issued, t).carbon_intensity_g_per_kwh == pb.at(0, issued, t).carbon_intensity_g_per_kwh);
    }
    // and so is every decision built on it: holding a deferrable job, pausing an
    // interruptible one, capping a site (the signals and the policy see only the forecast)
    for (const auto& [forecast, must_match] :
         {std::pair{policy::ForecastModel::kPersistence, true}, std::pair{policy::ForecastModel::kPerfect, false}}) {
      const policy::Forecaster fa(a, {forecast, 0.0, 1});
      const policy::Forecaster fb(b, {forecast, 0.0, 1});
      policy::ForecastSignals sa(fa, policy::Signal::kCarbonIntensity);
      policy::ForecastSignals sb(fb, policy::Signal::kCarbonIntensity);
      const std::vector<double> load{1.0};
      sa.begin_hour(issued, load);
      sb.begin_hour(issued, load);
      int differing = 0;
      for (int length : {1, 3, 8, 30}) {
        for (int from = issued; from < std::min(hours, issued + 40); ++from) {
          differing += sa.window_mean(0, from, length) != sb.window_mean(0, from, length) ? 1 : 0;
        }
      }
      if (must_match) {
        CHECK(differing == 0);
      } else {
        CHECK(differing > 0);  // perfect foresight does see the change: the check can fail
      }
      policy::PolicyConfig config;
      config.components = {"fifo", "temporal_shift", "power_cap"};
      const auto policy_a = policy::make_policy(config);
      const auto policy_b = policy::make_policy(config);
      int decisions_differing = 0;
      for (int64_t remaining_h : {1, 2, 5, 12}) {
        for (int64_t slack_h : {3, 10, 30}) {
          policy::JobTiming job;
          job.region = 0;
          job.submit_s = core::hour_start(issued);
          job.remaining_s = remaining_h * 3600;
          job.nominal_s = job.remaining_s;
          job.deadline_s = job.submit_s + (remaining_h + slack_h) * 3600;
          job.checkpoint_s = 600;
          job.flexibility = workload::Flexibility::kInterruptible;
          const policy::DecisionContext ca{issued, {}, &sa};
          const policy::DecisionContext cb{issued, {}, &sb};
          decisions_differing += policy_a->hold(job, ca) != policy_b->hold(job, cb) ? 1 : 0;
          decisions_differing += policy_a->pause(job, ca) != policy_b->pause(job, cb) ? 1 : 0;
        }
      }
      if (must_match) CHECK(decisions_differing == 0);
    }
  }
}

TEST_CASE("the noisy forecast has the requested relative error and is reproducible", "[policy][forecast]") {
  const std::vector<energy::RegionSupply> s{supply(std::vector<double>(20000, 200.0))};
  const policy::Forecaster f(s, {policy::ForecastModel::kNoisy, 0.1, 9});
  const policy::Forecaster again(s, {policy::ForecastModel::kNoisy, 0.1, 9});
  double sum = 0.0;
  double sum2 = 0.0;
  for (int h = 0; h < 20000; ++h) {
    const double e = f.at(0, 0, h).carbon_intensity_g_per_kwh / 200.0 - 1.0;
    sum += e;
    sum2 += e * e;
    REQUIRE(f.at(0, 0, h).carbon_intensity_g_per_kwh == again.at(0, h, h).carbon_intensity_g_per_kwh);
  }
  const double mean = sum / 20000;
  CHECK(std::fabs(mean) < 0.003);  // unbiased (3 standard errors)
  CHECK(std::sqrt(sum2 / 20000 - mean * mean) == Approx(0.1).epsilon(0.03));
}

TEST_CASE("policy names combine one component of each kind", "[policy]") {
  std::vector<std::string> c;
  CHECK(policy::parse_policy_name("fifo", c).empty());
  CHECK(policy::parse_policy_name("greenest_site+temporal_shift+power_cap", c).empty());
  CHECK(c.size() == 3);
  CHECK(policy::parse_policy_name("fifo+greenest_site", c).find("two placement") != std::string::npos);
  CHECK(policy::parse_policy_name("greenest", c).find("unknown policy 'greenest'") != std::string::npos);
  policy::PolicyConfig config;
  config.components = {"temporal_shift"};
  config.params["temporal_shift"]["max_delay_h"] = -1;
  CHECK_THROWS_WITH(policy::make_policy(config), Catch::Contains("max_delay_h"));
  config.params["temporal_shift"] = {{"max_delay", 3}};
  CHECK_THROWS_WITH(policy::make_policy(config), Catch::Contains("no parameter max_delay"));
  // every registered parameter's default lies in its range
  for (const policy::PolicyInfo& info : policy::policy_registry()) {
    for (const policy::ParamSpec& p : info.params) {
      INFO(info.name << "." << p.name);
      CHECK(p.default_value >= p.min_value);
      CHECK(p.default_value <= p.max_value);
      CHECK_FALSE(p.description.empty());
    }
  }
}

TEST_CASE("the cfe signal is the share of the expected load that would not be carbon-free", "[policy]") {
  // hour 0..3: grid CFE share 0.2, 0.5, 0.5, 1.0; contracted 0, 5, 20, 0 MWh; expected load 10 MWh
  energy::RegionSupply s;
  s.grid.carbon_intensity_g_per_kwh = {400, 300, 300, 10};
  s.grid.cfe_share = {0.2, 0.5, 0.5, 1.0};
  s.contracted_mwh = {0, 5, 20, 0};
  const std::vector<energy::RegionSupply> supply{s};
  const policy::Forecaster f(supply, {policy::ForecastModel::kPerfect, 0.0, 1});
  policy::ForecastSignals cfe(f, policy::Signal::kCfe);
  const std::vector<double> load{10.0};
  cfe.begin_hour(0, load);
  CHECK(cfe.at(0, 0) == Approx(0.8));   // (1 - 0.2) x (1 - 0 / 10)
  CHECK(cfe.at(0, 1) == Approx(0.25));  // (1 - 0.5) x (1 - 5 / 10)
  CHECK(cfe.at(0, 2) == 0.0);           // contracts cover the load
  CHECK(cfe.at(0, 3) == 0.0);           // an all-clean grid
  CHECK(cfe.window_mean(0, 0, 2) == Approx((0.8 + 0.25) / 2));
  CHECK(cfe.window_mean(0, 2, 5) == 0.0);  // clipped at the horizon
  // with no load yet: 1 - g where nothing is contracted, 0 where something is
  const std::vector<double> no_load{0.0};
  cfe.begin_hour(1, no_load);
  CHECK(cfe.at(0, 1) == 0.0);
  CHECK(cfe.at(0, 3) == 0.0);
  policy::ForecastSignals ci(f, policy::Signal::kCarbonIntensity);
  ci.begin_hour(0, load);
  CHECK(ci.at(0, 0) == 400.0);
  CHECK(ci.quantile(0, 4, 0.5) == 300.0);  // lower median of {400, 300, 300, 10}
  CHECK(ci.best_later_window(0, 3, 1) == 10.0);
  CHECK(ci.best_later_window(0, 2, 1) == 300.0);
  CHECK(std::isinf(ci.best_later_window(0, 0, 1)));  // no later start allowed
}

// ---------------------------------------------------------------------------------------
// Error models and lead-time growth of the noisy forecast

namespace {

policy::ForecastOptions noisy_options(policy::ForecastErrorModel error_model, double error, double growth_per_h = 0.0) {
  policy::ForecastOptions o{policy::ForecastModel::kNoisy, error, 7};
  o.error_model = error_model;
  o.error_growth_per_h = growth_per_h;
  return o;
}

double mean_of(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("the additive noisy forecast has sigma = error x the region's mean", "[policy][forecast]") {
  // A day-night pattern (100..500 g/kWh, mean 300): x + N(0, 0.05 x 300) is never clipped at 0.
  const int hours = 24 * 1000;
  const std::vector<energy::RegionSupply> s{supply(pattern(hours))};
  const auto& ci = s[0].grid.carbon_intensity_g_per_kwh;
  const double mean_ci = mean_of(ci);
  CHECK(mean_ci == Approx(300.0));
  const policy::Forecaster f(s, noisy_options(policy::ForecastErrorModel::kAdditive, 0.05));
  double sum = 0.0;
  double sum2 = 0.0;
  double cfe_sum2 = 0.0;
  for (int h = 0; h < hours; ++h) {
    const policy::SupplyValues v = f.at(0, 0, h);
    const double e = v.carbon_intensity_g_per_kwh - ci[static_cast<size_t>(h)];
    sum += e;
    sum2 += e * e;
    cfe_sum2 += (v.grid_cfe_share - 0.5) * (v.grid_cfe_share - 0.5);
  }
  const double mean = sum / hours;
  CHECK(std::fabs(mean) < 3 * 15.0 / std::sqrt(hours));                                // unbiased (3 standard errors)
  CHECK(std::sqrt(sum2 / hours - mean * mean) == Approx(0.05 * 300.0).epsilon(0.03));  // 15 g/kWh
  CHECK(std::sqrt(cfe_sum2 / hours) == Approx(0.05 * 0.5).epsilon(0.03));              // the CFE share: 0.025
  // the same error whatever the level: additive, not relative
  const std::vector<energy::RegionSupply> flat{supply(std::vector<double>(static_cast<size_t>(hours), 300.0))};
  const policy::Forecaster g(flat, noisy_options(policy::ForecastErrorModel::kAdditive, 0.05));
  for (int h = 0; h < hours; h += 97) {
    CHECK(f.at(0, 0, h).carbon_intensity_g_per_kwh - ci[static_cast<size_t>(h)] ==
          Approx(g.at(0, 0, h).carbon_intensity_g_per_kwh - 300.0).margin(1e-9));
  }
}

TEST_CASE("error_g_per_kwh sets the additive sigma of the carbon intensity", "[policy][forecast]") {
  const int hours = 20000;
  const std::vector<energy::RegionSupply> s{supply(pattern(hours))};
  const auto& ci = s[0].grid.carbon_intensity_g_per_kwh;
  policy::ForecastOptions o = noisy_options(policy::ForecastErrorModel::kAdditive, 0.05);
  o.error_g_per_kwh = 20.0;
  const policy::Forecaster f(s, o);
  const policy::Forecaster by_error(s, noisy_options(policy::ForecastErrorModel::kAdditive, 0.05));
  const double sigma_by_error = 0.05 * mean_of(ci);  // about 15
  double sum2 = 0.0;
  for (int h = 0; h < hours; ++h) {
    const double e = f.at(0, 0, h).carbon_intensity_g_per_kwh - ci[static_cast<size_t>(h)];
    sum2 += e * e;
    // the same z: only sigma differs (20 instead of 0.05 x the mean, about 15); the CFE share keeps error x mean
    CHECK(e ==
          Approx((by_error.at(0, 0, h).carbon_intensity_g_per_kwh - ci[static_cast<size_t>(h)]) * 20.0 / sigma_by_error)
              .margin(1e-9));
    CHECK(f.at(0, 0, h).grid_cfe_share == by_error.at(0, 0, h).grid_cfe_share);
  }
  CHECK(std::sqrt(sum2 / hours) == Approx(20.0).epsilon(0.03));
}

TEST_CASE("forecast errors grow with lead time by the exact factor", "[policy][forecast]") {
  const int hours = 24 * 20;
  const std::vector<energy::RegionSupply> s{supply(pattern(hours))};
  const auto& ci = s[0].grid.carbon_intensity_g_per_kwh;
  for (const auto model : {policy::ForecastErrorModel::kAdditive, policy::ForecastErrorModel::kMultiplicative}) {
    INFO("error model " << policy::to_string(model));
    const policy::Forecaster flat(s, noisy_options(model, 0.05));
    const policy::Forecaster growing(s, noisy_options(model, 0.05, 0.01));
    const bool additive = model == policy::ForecastErrorModel::kAdditive;
    // the error of x_hat: absolute (additive) or relative (multiplicative)
    const auto error = [&](const policy::Forecaster& f, int64_t issued, int64_t target) {
      const double x = ci[static_cast<size_t>(target)];
      const double x_hat = f.at(0, issued, target).carbon_intensity_g_per_kwh;
      return additive ? x_hat - x : x_hat / x - 1.0;
    };
    for (int64_t target : {5, 48, 100, 300}) {
      INFO("target hour " << target);
      // at lead 0 the factor is 1: exactly the forecast without growth
      CHECK(growing.at(0, target, target).carbon_intensity_g_per_kwh ==
            flat.at(0, target, target).carbon_intensity_g_per_kwh);
      CHECK(growing.at(0, target, target).grid_cfe_share == flat.at(0, target, target).grid_cfe_share);
      // 48 h ahead: 1 + 0.01 x 48 = 1.48 times the error; the same z whenever issued
      if (target >= 48) {
        CHECK(error(growing, target - 48, target) == Approx(1.48 * error(flat, 0, target)).epsilon(1e-9));
      }
      if (growing.at(0, 0, target).carbon_intensity_g_per_kwh > 0.0) {  // not clipped at 0
        CHECK(error(growing, 0, target) ==
              Approx((1.0 + 0.01 * static_cast<double>(target)) * error(flat, 0, target)).epsilon(1e-9));
      }
      // without growth a target's forecast is the same whatever the issue hour
      for (int64_t issued = 0; issued <= target; issued += 7) {
        CHECK(flat.at(0, issued, target).carbon_intensity_g_per_kwh ==
              flat.at(0, 0, target).carbon_intensity_g_per_kwh);
      }
    }
    // fill and at agree value for value, for every issue hour
    for (int64_t issued : {0, 13, 200}) {
      const int64_t from = issued + 2;
      const int64_t to = hours;
      std::vector<double> c(static_cast<size_t>(to - from));
      std::vector<double> g(c.size());
      std::vector<double> m(c.size());
      growing.fill(0, issued, from, to, c.data(), g.data(), m.data());
      for (int64_t t = from; t < to; ++t) {
        const policy::SupplyValues v = growing.at(0, issued, t);
        const auto i = static_cast<size_t>(t - from);
        REQUIRE(c[i] == v.carbon_intensity_g_per_kwh);
        REQUIRE(g[i] == v.grid_cfe_share);
        REQUIRE(m[i] == v.contracted_mwh);
        CHECK(g[i] >= 0.0);
        CHECK(g[i] <= 1.0);
      }
    }
  }
}

TEST_CASE("noisy forecasts are reproducible and keyed by seed", "[policy][forecast]") {
  const std::vector<energy::RegionSupply> s{supply(pattern(500)), supply(pattern(500))};
  const auto o = noisy_options(policy::ForecastErrorModel::kAdditive, 0.1, 0.02);
  const policy::Forecaster a(s, o);
  const policy::Forecaster b(s, o);
  auto other_seed = o;
  other_seed.seed = 8;
  const policy::Forecaster c(s, other_seed);
  int differing_seed = 0;
  int differing_region = 0;
  for (int64_t t = 30; t < 500; t += 11) {
    CHECK(a.at(0, 30, t).carbon_intensity_g_per_kwh == b.at(0, 30, t).carbon_intensity_g_per_kwh);
    differing_seed += a.at(0, 30, t).carbon_intensity_g_per_kwh != c.at(0, 30, t).carbon_intensity_g_per_kwh;
    differing_region += a.at(0, 30, t).carbon_intensity_g_per_kwh != a.at(1, 30, t).carbon_intensity_g_per_kwh;
  }
  CHECK(differing_seed > 30);
  CHECK(differing_region > 30);
}

TEST_CASE("bad forecast error settings are refused", "[policy][forecast]") {
  const std::vector<energy::RegionSupply> s{supply(pattern(48))};
  auto o = noisy_options(policy::ForecastErrorModel::kAdditive, -0.1);
  CHECK_THROWS_WITH(policy::Forecaster(s, o), Catch::Contains("error"));
  o = noisy_options(policy::ForecastErrorModel::kAdditive, 0.1, -0.01);
  CHECK_THROWS_WITH(policy::Forecaster(s, o), Catch::Contains("error_growth_per_h"));
  o = noisy_options(policy::ForecastErrorModel::kAdditive, 0.1);
  o.error_g_per_kwh = -5.0;
  CHECK_THROWS_WITH(policy::Forecaster(s, o), Catch::Contains("error_g_per_kwh"));
  o = noisy_options(policy::ForecastErrorModel::kMultiplicative, 0.1);
  o.error_g_per_kwh = 5.0;
  CHECK_THROWS_WITH(policy::Forecaster(s, o), Catch::Contains("additive"));
  policy::ForecastErrorModel m = policy::ForecastErrorModel::kMultiplicative;
  CHECK(policy::parse_forecast_error_model("additive", m));
  CHECK(m == policy::ForecastErrorModel::kAdditive);
  CHECK_FALSE(policy::parse_forecast_error_model("relative", m));
}

// ---------------------------------------------------------------------------------------
// A repeating forecast (persistence) is filled for one day and copied on: the same values,
// sums and counts of cleaner hours as filling every hour (docs/performance.md)

TEST_CASE("a persistence forecast extended by its period equals the forecast hour by hour", "[policy][forecast]") {
  constexpr int kHours = 100;
  std::vector<double> ci;
  std::vector<double> share;
  std::vector<double> contracted;
  uint64_t x = 12345;
  auto next = [&x] {  // a small LCG: values with no daily pattern, some equal
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>((x >> 33) % 50);
  };
  for (int h = 0; h < kHours; ++h) {
    ci.push_back(100.0 + 10.0 * next());
    share.push_back(next() / 50.0);
    contracted.push_back(next() / 5.0);
  }
  energy::RegionSupply s;
  s.grid.carbon_intensity_g_per_kwh = ci;
  s.grid.cfe_share = share;
  s.contracted_mwh = contracted;
  const std::vector<energy::RegionSupply> supply{s};
  const policy::Forecaster f(supply, {policy::ForecastModel::kPersistence, 0.0, 1});
  CHECK(f.period(0) == 0);
  CHECK(f.period(1) == 24);
  for (const policy::Signal signal : {policy::Signal::kCarbonIntensity, policy::Signal::kCfe}) {
    for (const int64_t hour : {1, 5, 23, 24, 25, 50, 75, 76, 77, 90, 99}) {
      CAPTURE(hour, signal == policy::Signal::kCfe);
      policy::ForecastSignals signals(f, signal);
      const std::vector<double> load{3.0};
      signals.begin_hour(hour, load);
      const int64_t until = hour + 300;  // past the run's last hour
      // asked in pieces, as decisions ask: a count first, then longer and longer forecasts
      const int64_t cleaner_short = signals.cleaner_hours(0, hour + 40, 0.9);
      const std::span<const double> short_values = signals.forecast(0, hour + 30);
      REQUIRE(short_values.size() == 30);
      const std::span<const double> values = signals.forecast(0, until);
      REQUIRE(values.size() == static_cast<size_t>(until - hour));
      // reference: the forecaster hour by hour within the run, then the last known day repeated
      std::vector<double> expected;
      for (int64_t t = hour; t < kHours; ++t) {
        const policy::SupplyValues v = f.at(0, hour, t);
        const double d = signal == policy::Signal::kCfe
                             ? (1.0 - v.grid_cfe_share) * std::max(0.0, 1.0 - v.contracted_mwh / 3.0)
                             : v.carbon_intensity_g_per_kwh;
        expected.push_back(d);
      }
      const auto known = static_cast<int64_t>(expected.size());
      const int64_t period = std::min<int64_t>(24, known);
      for (int64_t i = known; i < until - hour; ++i) {
        expected.push_back(expected[static_cast<size_t>(known - period + (i - known) % period)]);
      }
      for (size_t i = 0; i < values.size(); ++i) {
        CAPTURE(i);
        REQUIRE(values[i] == expected[i]);
      }
      const std::span<const double> sums = signals.forecast_sums(0, until);
      double sum = 0.0;
      for (size_t i = 0; i < values.size(); ++i) {
        REQUIRE(sums[i] == sum);  // the same sums, in the same order
        sum += expected[i];
      }
      REQUIRE(sums.back() == sum);
      for (const int64_t to : {hour + 1, hour + 2, hour + 24, hour + 25, hour + 40, hour + 49, hour + 250, until}) {
        int64_t count = 0;
        for (int64_t t = hour + 1; t < to; ++t)
          count += expected[static_cast<size_t>(t - hour)] < 0.9 * expected[0] ? 1 : 0;
        CAPTURE(to);
        CHECK(signals.cleaner_hours(0, to, 0.9) == count);
        if (to == hour + 40) CHECK(cleaner_short == count);
      }
      // and again from the memo (extended past the period by then), the longest first, at
      // whole periods (k = 24, 48, 72) and with another factor in between (the memo is of one)
      for (const int64_t to : {until, hour + 250, hour + 73, hour + 49, hour + 25, hour + 2}) {
        for (const double factor : {0.9, 0.7, 0.9}) {
          int64_t count = 0;
          for (int64_t t = hour + 1; t < to; ++t)
            count += expected[static_cast<size_t>(t - hour)] < factor * expected[0] ? 1 : 0;
          CAPTURE(to, factor);
          CHECK(signals.cleaner_hours(0, to, factor) == count);
        }
      }
    }
  }
}
