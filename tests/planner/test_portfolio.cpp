// The planner's core (docs/planning.md): the ledger on a few hours by hand and against
// energy::RegionLedger, the battery search against the closed form, monotone coverage, load
// flexibility by hand, and the optimizer's answer against its neighbours.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <numeric>
#include <random>
#include <vector>

#include "energy/ledger.hpp"
#include "planner/portfolio.hpp"

using namespace fleetsim;
using namespace fleetsim::planner;

namespace {

PlanInputs constant_grid(std::vector<double> load, std::vector<double> solar_cf, double share = 0.5, double ci = 100) {
  PlanInputs in;
  const size_t n = load.size();
  in.load_mwh = std::move(load);
  in.solar_cf = std::move(solar_cf);
  in.wind_cf.assign(n, 0.0);
  in.grid_cfe_share.assign(n, share);
  in.carbon_intensity_g_per_kwh.assign(n, ci);
  return in;
}

// A year-like random input: a flat load with noise, a daily solar shape and correlated wind.
PlanInputs random_inputs(size_t hours, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  PlanInputs in;
  double wind = 0.3;
  for (size_t h = 0; h < hours; ++h) {
    in.load_mwh.push_back(50.0 + 10.0 * u(rng));
    const double hour = static_cast<double>(h % 24);
    in.solar_cf.push_back(std::max(0.0, std::sin((hour - 6.0) / 12.0 * M_PI)) * (0.6 + 0.4 * u(rng)));
    wind = std::clamp(wind + 0.1 * (u(rng) - 0.5), 0.0, 1.0);
    in.wind_cf.push_back(wind);
    in.grid_cfe_share.push_back(0.2 + 0.3 * u(rng));
    in.carbon_intensity_g_per_kwh.push_back(300.0 + 200.0 * u(rng));
  }
  return in;
}

}  // namespace

TEST_CASE("the planner's ledger on four hours by hand", "[planner]") {
  // Load 10 MWh each hour; 15 MW of solar at capacity factors 0, 1, 1, 0; a 4 MWh / 4 MW
  // battery, round trip 0.81, empty at the start; the grid 50% carbon-free at 100 g/kWh.
  const PlanInputs in = constant_grid({10, 10, 10, 10}, {0, 1, 1, 0});
  const Portfolio p{15, 0, 0, 4, 4};
  const BatteryModel battery{0.81, 1.0, 0.0, false};
  Costs costs;
  costs.grid_usd_per_mwh = 50;
  const Evaluation e = evaluate(in, p, battery, costs);
  // h0: grid 10 (CFE 5). h1: 10 used, 5 surplus: charge 4 (power), excess 1, soc 3.24.
  // h2: 10 used, charge (4 - 3.24) / 0.81 = 0.938..., excess 4.0617..., soc 4.
  // h3: discharge 4, grid 6 (CFE 4 + 3).
  const double charge2 = (4.0 - 0.81 * 4.0) / 0.81;
  CHECK(e.load_mwh == 40.0);
  CHECK(e.supply_mwh == 30.0);
  CHECK(e.battery_discharge_mwh == Approx(4.0));
  CHECK(e.grid_draw_mwh == Approx(16.0));
  CHECK(e.excess_mwh == Approx(1.0 + 5.0 - charge2));
  CHECK(e.cfe_mwh == Approx(5.0 + 10.0 + 10.0 + 7.0));
  CHECK(e.cfe_score == Approx(32.0 / 40.0));
  CHECK(e.coverage == Approx(24.0 / 40.0));
  CHECK(e.annual_matching == Approx(0.75));
  CHECK(e.emissions_location_t == Approx(40.0 * 100.0 / 1000.0));
  CHECK(e.emissions_market_hourly_t == Approx(16.0 * 100.0 / 1000.0));
  const double years = 4.0 / 8760.0;
  CHECK(e.cost_usd == Approx(years * (15 * costs.solar_usd_per_mw_year + 4 * costs.battery_usd_per_mwh_year +
                                      4 * costs.battery_usd_per_mw_year) +
                             16.0 * 50.0));
}

TEST_CASE("the planner's ledger is energy::RegionLedger, hour for hour", "[planner]") {
  const PlanInputs in = random_inputs(2000, 3);
  const Portfolio p{80, 60, 10, 300, 60};
  const BatteryModel battery{0.85, 5.0, 0.5, false};
  energy::RegionLedger ledger(energy::BatterySpec{p.battery_mwh, p.battery_mw, 0.85, 0.5});
  for (size_t h = 0; h < in.hours(); ++h) {
    const double supply = p.firm_mw * in.firm_cf + p.solar_mw * in.solar_cf[h] + p.wind_mw * in.wind_cf[h];
    ledger.step(in.load_mwh[h], supply, in.grid_cfe_share[h], in.carbon_intensity_g_per_kwh[h]);
  }
  const Evaluation e = evaluate(in, p, battery, Costs{});
  const energy::LedgerTotals& t = ledger.totals();
  CHECK(e.cfe_mwh == Approx(t.cfe_mwh).epsilon(1e-12));
  CHECK(e.grid_draw_mwh == Approx(t.grid_draw_mwh).epsilon(1e-12));
  CHECK(e.excess_mwh == Approx(t.excess_mwh).epsilon(1e-12));
  CHECK(e.battery_discharge_mwh == Approx(t.battery_discharge_mwh).epsilon(1e-12));
  CHECK(e.emissions_market_hourly_t == Approx(t.emissions_market_hourly_t).epsilon(1e-12));
  CHECK(e.cfe_score == Approx(t.cfe_score()).epsilon(1e-12));
}

TEST_CASE("the battery search equals the closed form for an ideal battery on random series", "[planner]") {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    const PlanInputs in = random_inputs(500 + 97 * seed, seed);
    const Portfolio p{30.0 + 5 * seed, 40.0, 0.0, 0.0, 0.0};
    std::vector<double> supply(in.hours());
    for (size_t h = 0; h < supply.size(); ++h) supply[h] = p.solar_mw * in.solar_cf[h] + p.wind_mw * in.wind_cf[h];
    const double closed = ideal_battery_for_full_coverage(in.load_mwh, supply);
    // lossless, starts full, and power never binds (1e9 MW)
    const double found = smallest_battery_mwh(in, p, BatteryModel{1.0, 1.0, 1.0, false}, Costs{}, Metric::kCoverage,
                                              1.0, 1e6, 1e9, 1e-12);
    INFO("seed " << seed);
    CHECK(closed > 0.0);
    CHECK(found == Approx(closed).epsilon(1e-6));
  }
}

TEST_CASE("a cyclic battery: no stored energy from before the horizon; the closed form", "[planner]") {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    const PlanInputs in = random_inputs(400 + 53 * seed, seed);
    // enough wind and solar that the horizon's supply exceeds its load
    const Portfolio p{160.0 + 5 * seed, 120.0, 0.0, 0.0, 0.0};
    std::vector<double> supply(in.hours());
    for (size_t h = 0; h < supply.size(); ++h) supply[h] = p.solar_mw * in.solar_cf[h] + p.wind_mw * in.wind_cf[h];
    const double closed = ideal_battery_for_full_coverage(in.load_mwh, supply, true);
    REQUIRE(std::isfinite(closed));
    CHECK(closed >= ideal_battery_for_full_coverage(in.load_mwh, supply, false) - 1e-9);
    const double found = smallest_battery_mwh(in, p, BatteryModel{1.0, 1.0, 0.0, true}, Costs{}, Metric::kCoverage, 1.0,
                                              1e6, 1e9, 1e-12);
    INFO("seed " << seed);
    CHECK(found == Approx(closed).epsilon(1e-6));
  }
  // less supply than load over the horizon: no battery covers it, and a cyclic one adds no energy
  const PlanInputs in = random_inputs(600, 2);
  std::vector<double> supply(in.hours());
  for (size_t h = 0; h < supply.size(); ++h) supply[h] = 10 * in.solar_cf[h] + 10 * in.wind_cf[h];
  CHECK(std::isnan(ideal_battery_for_full_coverage(in.load_mwh, supply, true)));
  const Evaluation e = evaluate(in, Portfolio{10, 10, 0, 1e6, 1e6}, BatteryModel{1.0, 1.0, 1.0, true}, Costs{});
  CHECK(e.coverage <= e.annual_matching + 1e-12);
}

TEST_CASE("with a fixed power, coverage and CFE score never fall as the battery grows", "[planner]") {
  const PlanInputs in = random_inputs(3000, 13);
  const Portfolio p{60, 50, 0, 0, 0};
  double coverage = -1.0;
  double cfe = -1.0;
  for (double e = 0.0; e <= 2000.0; e += 50.0) {
    const Evaluation ev = evaluate(in, Portfolio{p.solar_mw, p.wind_mw, 0, e, 40.0}, BatteryModel{0.85, 4, 1}, Costs{});
    CHECK(ev.coverage >= coverage - 1e-12);
    CHECK(ev.cfe_score >= cfe - 1e-12);
    coverage = ev.coverage;
    cfe = ev.cfe_score;
  }
}

TEST_CASE("coverage never falls as the battery grows", "[planner]") {
  const PlanInputs in = random_inputs(3000, 7);
  const Portfolio p{60, 50, 0, 0, 0};
  double last = -1.0;
  for (double e = 0.0; e <= 2000.0; e += 50.0) {
    const Evaluation ev =
        evaluate(in, Portfolio{p.solar_mw, p.wind_mw, 0, e, e / 4}, BatteryModel{0.85, 4, 1}, Costs{});
    CHECK(ev.coverage >= last - 1e-12);
    last = ev.coverage;
  }
}

TEST_CASE("flexible load moves from deficit hours into surplus hours by hand", "[planner]") {
  // One day: load 10 every hour; 20 MW of supply in hours 0-11, none after. Half of each
  // hour's load may move (60 MWh from the deficit hours); peak 10 x (1 + 1) = 20 caps the
  // receivers at +10, so the six hours with the largest surplus (all equal: the first six)
  // take it.
  std::vector<double> cf(24, 0.0);
  for (size_t h = 0; h < 12; ++h) cf[h] = 1.0;
  const PlanInputs in = constant_grid(std::vector<double>(24, 10.0), cf);
  const Portfolio p{20, 0, 0, 0, 0};
  const std::vector<double> load = shift_load(in, p, 0.5, 1.0);
  for (size_t h = 0; h < 6; ++h) CHECK(load[h] == 20.0);
  for (size_t h = 6; h < 12; ++h) CHECK(load[h] == 10.0);
  for (size_t h = 12; h < 24; ++h) CHECK(load[h] == 5.0);
  CHECK(std::accumulate(load.begin(), load.end(), 0.0) == 240.0);
  CHECK(evaluate(in, p, BatteryModel{}, Costs{}).coverage == Approx(0.5));
  CHECK(evaluate(in, load, p, BatteryModel{}, Costs{}).coverage == Approx(0.75));
  // more flexibility never lowers coverage, and each day keeps its energy
  const PlanInputs r = random_inputs(24 * 30, 11);
  double last = 0.0;
  for (double share = 0.0; share <= 1.0; share += 0.25) {
    const std::vector<double> shifted = shift_load(r, Portfolio{120, 40, 0, 0, 0}, share, 0.3);
    for (std::ptrdiff_t d = 0; d < 30; ++d) {
      const double before = std::accumulate(r.load_mwh.begin() + 24 * d, r.load_mwh.begin() + 24 * (d + 1), 0.0);
      const double after = std::accumulate(shifted.begin() + 24 * d, shifted.begin() + 24 * (d + 1), 0.0);
      REQUIRE(after == Approx(before).epsilon(1e-12));
    }
    const double c = evaluate(r, shifted, Portfolio{120, 40, 0, 0, 0}, BatteryModel{}, Costs{}).coverage;
    CHECK(c >= last - 1e-12);
    last = c;
  }
}

TEST_CASE("the plan meets its target and no cheaper neighbouring point does", "[planner]") {
  const PlanInputs in = random_inputs(24 * 120, 5);
  PlanOptions options;
  for (double target : {0.7, 0.9, 0.99}) {
    const Plan plan = optimize(in, target, options);
    INFO("target " << target);
    REQUIRE(plan.reached);
    CHECK(plan.evaluation.cfe_score >= target - 1e-12);
    CHECK(evaluate(in, plan.portfolio, options.battery, options.costs).cost_usd == Approx(plan.evaluation.cost_usd));
    const Portfolio c = plan.portfolio;
    const Portfolio step = plan.resolution;
    // one step in any dimension, with the battery sized again for the target: never cheaper
    for (int d = 0; d < 3; ++d) {
      for (int sign : {-1, 1}) {
        Portfolio q = c;
        double* x = d == 0 ? &q.solar_mw : d == 1 ? &q.wind_mw : &q.firm_mw;
        const double s = d == 0 ? step.solar_mw : d == 1 ? step.wind_mw : step.firm_mw;
        *x += sign * s;
        if (s == 0.0 || *x < 0.0) continue;
        q.battery_mwh = 0.0;
        q.battery_mw = 0.0;
        const double battery = smallest_battery_mwh(in, q, options.battery, options.costs, Metric::kCfeScore, target,
                                                    plan.max_battery_mwh, 0.0, 1e-4);
        if (std::isnan(battery)) continue;  // cannot reach the target at all
        q.battery_mwh = battery;
        q.battery_mw = battery / options.battery.hours;
        const Evaluation e = evaluate(in, q, options.battery, options.costs);
        CHECK(e.cost_usd >= plan.evaluation.cost_usd * (1 - 1e-12));
      }
    }
    // a smaller battery misses the target
    if (c.battery_mwh > 0.0) {
      Portfolio q = c;
      q.battery_mwh *= 0.99;
      q.battery_mw = q.battery_mwh / options.battery.hours;
      CHECK(evaluate(in, q, options.battery, options.costs).cfe_score < target);
    }
  }
  // the frontier's cost never falls as the target rises
  const std::vector<double> targets{0.5, 0.7, 0.9, 0.95, 1.0};
  const std::vector<Plan> f = frontier(in, targets, options);
  for (size_t k = 1; k < f.size(); ++k) {
    if (f[k].reached && f[k - 1].reached) CHECK(f[k].evaluation.cost_usd >= f[k - 1].evaluation.cost_usd * (1 - 1e-9));
  }
}

TEST_CASE("the coverage grid is the ledger without a battery at each point", "[planner]") {
  const PlanInputs in = random_inputs(1000, 9);
  const std::vector<double> wind{0, 30, 90};
  const std::vector<double> solar{0, 50, 200, 400};
  for (const Metric metric : {Metric::kCoverage, Metric::kCfeScore}) {
    const auto grid = coverage_grid(in, wind, solar, metric);
    for (size_t i = 0; i < wind.size(); ++i) {
      for (size_t j = 0; j < solar.size(); ++j) {
        const Evaluation e = evaluate(in, Portfolio{solar[j], wind[i], 0, 0, 0}, BatteryModel{}, Costs{});
        CHECK(grid[i][j] == Approx(value_of(e, metric)).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("a region without load has no plan", "[planner]") {
  PlanInputs in = random_inputs(48, 1);
  std::fill(in.load_mwh.begin(), in.load_mwh.end(), 0.0);
  const Plan plan = optimize(in, 0.9, PlanOptions{});
  CHECK_FALSE(plan.reached);
}
