// The planner's carbon (docs/planning.md, "Carbon" and "Objectives"): embodied carbon per year
// of a portfolio by hand, from the scenario's footprint; the carbon objective on three hours
// by hand; cost under a carbon cap keeps the cap; the cost objective does not see carbon.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "planner/plan.hpp"
#include "planner/portfolio.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;
using namespace fleetsim::planner;

namespace {

const char* const kScenario = R"(name: objectives
start: 2024-01-01T00:00:00Z
hours: 24
regions:
  - name: r
sites:
  - {name: s, region: r, grid_limit_mw: 10, clusters: [{gpu_type: A100, gpus: 8}]}
planner:
  objective: carbon
  horizon_years: 7
)";

// As in test_portfolio.cpp: a flat load with noise, a daily solar shape and correlated wind.
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

// The scenario's defaults at a tenth of the size, so that embodied carbon matters on a short
// horizon of random hours: the embodied rates of the default footprint.
PlanOptions carbon_options(Objective objective) {
  PlanOptions o;
  o.objective = objective;
  o.carbon = CarbonModel{1800.0 / 30, 580.0 / 20, 7490.0 / 30, 74.0 / 8.2, 10.0};
  return o;
}

}  // namespace

TEST_CASE("embodied carbon per year of a hand-sized portfolio, from the scenario's footprint", "[planner]") {
  const scenario::Scenario sc = scenario::parse_scenario(kScenario, "objectives.yaml");
  const PlanOptions o = plan_options(sc);
  CHECK(o.objective == Objective::kCarbon);
  CHECK(o.carbon.horizon_years == 7.0);
  // 10 MW solar x 1800 t / 30 yr + 20 MW wind x 580 t / 20 yr + 5 MW firm (geothermal) x 7490 t / 30 yr
  // + 40 MWh battery x 74 t / 8.2 yr = 600 + 580 + 1248.33 + 360.98 = 2789.31 t/yr
  const Portfolio p{10, 20, 5, 40, 10};
  const double by_hand = 600.0 + 580.0 + 5.0 * 7490.0 / 30.0 + 40.0 * 74.0 / 8.2;
  CHECK(embodied_t_per_year(p, o.carbon) == Approx(by_hand).epsilon(1e-12));
  CHECK(by_hand == Approx(2789.309).epsilon(1e-6));
  // Three hours of 10 MWh at 500 g/kWh, no supply (solar and wind profiles at zero, no firm):
  // 15 t of grid emissions in 3 h = 15 x 8760 / 3 = 43,800 t/yr; over 7 years with the
  // portfolio's embodied carbon: 7 x (43,800 + 2789.31).
  PlanInputs in;
  in.load_mwh = {10, 10, 10};
  in.solar_cf = {0, 0, 0};
  in.wind_cf = {0, 0, 0};
  in.firm_cf = 0.0;
  in.grid_cfe_share = {0, 0, 0};
  in.carbon_intensity_g_per_kwh = {500, 500, 500};
  const Evaluation e = evaluate(in, p, o.battery, o.costs, o.carbon);
  CHECK(e.emissions_market_hourly_t == Approx(15.0));
  CHECK(e.operational_t_per_year == Approx(43'800.0));
  CHECK(e.embodied_t_per_year == Approx(by_hand));
  CHECK(e.total_carbon_t == Approx(7.0 * (43'800.0 + by_hand)));
}

TEST_CASE("the carbon objective picks the least-carbon portfolio on three hours by hand", "[planner]") {
  // Load 10 MWh an hour for 3 hours at 1000 g/kWh; solar only, capacity factors 1, 0.5, 0. Each
  // MW of solar saves 1.5 t per 3 h up to 10 MW (4,380 t/yr), 0.5 t per 3 h from 10 to 20 MW
  // (1,460 t/yr), nothing beyond. At 2,000 t/MW-yr of embodied carbon the least total is 10 MW:
  // grid 0 + 5 + 10 t per 3 h = 43,800 t/yr, embodied 20,000 t/yr, 638,000 t over 10 years.
  PlanInputs in;
  in.load_mwh = {10, 10, 10};
  in.solar_cf = {1.0, 0.5, 0.0};
  in.wind_cf = {0, 0, 0};
  in.grid_cfe_share = {0, 0, 0};
  in.carbon_intensity_g_per_kwh = {1000, 1000, 1000};
  PlanOptions o;
  o.objective = Objective::kCarbon;
  o.carbon = CarbonModel{2000.0, 0.0, 0.0, 0.0, 10.0};
  o.bounds = Bounds{40.0, -1.0, -1.0, -1.0, true, false, false, false};
  const Plan plan = optimize(in, 0.0, o);  // no CFE target
  REQUIRE(plan.reached);
  CHECK(plan.portfolio.solar_mw == Approx(10.0).margin(1e-9));
  CHECK(plan.portfolio.battery_mwh == 0.0);
  CHECK(plan.evaluation.operational_t_per_year == Approx(43'800.0));
  CHECK(plan.evaluation.embodied_t_per_year == Approx(20'000.0));
  CHECK(plan.evaluation.total_carbon_t == Approx(638'000.0));
  // no solar capacity between 0 and 40 MW emits less
  for (double s = 0.0; s <= 40.0; s += 0.25) {
    const Evaluation e = evaluate(in, Portfolio{s, 0, 0, 0, 0}, o.battery, o.costs, o.carbon);
    CHECK(e.total_carbon_t >= plan.evaluation.total_carbon_t * (1 - 1e-12));
  }
  // cheaper panels in carbon: 20 MW (all the sun there is); dearer than the grid: none
  o.carbon.solar_t_per_mw_year = 1000.0;
  CHECK(optimize(in, 0.0, o).portfolio.solar_mw == Approx(20.0).margin(1e-9));
  o.carbon.solar_t_per_mw_year = 5000.0;
  CHECK(optimize(in, 0.0, o).portfolio.solar_mw == Approx(0.0).margin(1e-9));
  // with a CFE target of 2/3 (20 of 30 MWh), the target binds: 20 MW
  o.carbon.solar_t_per_mw_year = 2000.0;
  const Plan bound = optimize(in, 2.0 / 3.0, o);
  REQUIRE(bound.reached);
  CHECK(bound.portfolio.solar_mw == Approx(20.0).margin(1e-6));
}

TEST_CASE("the carbon plan emits no more than the cost plan, and no battery step beside it emits less", "[planner]") {
  const PlanInputs in = random_inputs(24 * 60, 5);
  for (double target : {0.0, 0.8}) {
    INFO("target " << target);
    const PlanOptions by_carbon = carbon_options(Objective::kCarbon);
    const Plan carbon = optimize(in, target, by_carbon);
    const Plan cost = optimize(in, std::max(target, 1e-9), carbon_options(Objective::kCost));
    REQUIRE(carbon.reached);
    REQUIRE(cost.reached);
    CHECK(carbon.evaluation.cfe_score >= target - 1e-12);
    CHECK(carbon.evaluation.total_carbon_t <= cost.evaluation.total_carbon_t * (1 + 1e-12));
    CHECK(carbon.evaluation.total_carbon_t ==
          Approx(evaluate(in, carbon.portfolio, by_carbon.battery, by_carbon.costs, by_carbon.carbon).total_carbon_t));
    for (double factor : {0.98, 1.02}) {
      Portfolio q = carbon.portfolio;
      q.battery_mwh = std::max(1.0, q.battery_mwh) * factor;
      q.battery_mw = q.battery_mwh / by_carbon.battery.hours;
      const Evaluation e = evaluate(in, q, by_carbon.battery, by_carbon.costs, by_carbon.carbon);
      if (e.cfe_score >= target) CHECK(e.total_carbon_t >= carbon.evaluation.total_carbon_t * (1 - 1e-9));
    }
  }
}

TEST_CASE("least cost under a carbon cap keeps the cap", "[planner]") {
  const PlanInputs in = random_inputs(24 * 60, 7);
  const double target = 0.8;
  const Plan cost = optimize(in, target, carbon_options(Objective::kCost));
  const Plan carbon = optimize(in, target, carbon_options(Objective::kCarbon));
  REQUIRE(cost.reached);
  REQUIRE(carbon.reached);
  const double most = cost.evaluation.total_carbon_t;
  const double least = carbon.evaluation.total_carbon_t;
  REQUIRE(least < most);
  PlanOptions capped = carbon_options(Objective::kCostUnderCap);
  // a cap between the least-carbon and the least-cost plans: within it, at no less cost
  capped.carbon_cap_t = 0.5 * (least + most);
  const Plan mid = optimize(in, target, capped);
  REQUIRE(mid.reached);
  CHECK(mid.evaluation.cfe_score >= target - 1e-12);
  CHECK(mid.evaluation.total_carbon_t <= capped.carbon_cap_t);
  CHECK(mid.evaluation.cost_usd >= cost.evaluation.cost_usd * (1 - 1e-12));
  CHECK(mid.evaluation.cost_usd <= carbon.evaluation.cost_usd * (1 + 1e-12));
  // a cap the least-cost plan keeps: that plan
  capped.carbon_cap_t = most * 1.01;
  const Plan loose = optimize(in, target, capped);
  REQUIRE(loose.reached);
  CHECK(loose.evaluation.cost_usd == Approx(cost.evaluation.cost_usd).epsilon(1e-9));
  // a cap far below the least carbon there is: no plan
  capped.carbon_cap_t = 0.5 * least;
  CHECK_FALSE(optimize(in, target, capped).reached);
}

TEST_CASE("the cost objective does not see carbon: the same plan with and without embodied carbon", "[planner]") {
  const PlanInputs in = random_inputs(24 * 60, 3);
  const PlanOptions plain;  // no embodied carbon
  const PlanOptions counted = carbon_options(Objective::kCost);
  for (double target : {0.7, 0.95}) {
    const Plan a = optimize(in, target, plain);
    const Plan b = optimize(in, target, counted);
    REQUIRE(a.reached);
    CHECK(a.portfolio.solar_mw == b.portfolio.solar_mw);
    CHECK(a.portfolio.wind_mw == b.portfolio.wind_mw);
    CHECK(a.portfolio.firm_mw == b.portfolio.firm_mw);
    CHECK(a.portfolio.battery_mwh == b.portfolio.battery_mwh);
    CHECK(a.evaluation.cost_usd == b.evaluation.cost_usd);
    CHECK(a.candidates == b.candidates);
    CHECK(a.evaluation.embodied_t_per_year == 0.0);
    CHECK(b.evaluation.embodied_t_per_year == Approx(embodied_t_per_year(b.portfolio, counted.carbon)));
  }
}
