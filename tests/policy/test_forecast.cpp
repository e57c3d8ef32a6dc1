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
