// The planner on a scenario (docs/planning.md): the simulated-load path and the CSV-load path
// give the same plan for the same load; a carbon-aware policy is re-simulated with its plan;
// the plan file holds what was printed.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/time.hpp"
#include "planner/plan.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;

namespace {

const char* const kScenario = R"(name: plan-test
seed: 4
start: 2024-04-01T00:00:00Z
hours: 720
regions:
  - name: sunny
    latitude_deg: 35
    longitude_deg: -115
    grid: {mean_carbon_intensity_g_per_kwh: 300, mean_cfe_share: 0.4, solar_share: 0.2, wind_share: 0.05}
    contracts: [{type: solar, capacity_mw: 5, capacity_factor: 0.25}]
sites:
  - {name: s, region: sunny, pue: 1.2, grid_limit_mw: 8, clusters: [{gpu_type: H100, gpus: 2048}]}
workload:
  synthetic:
    - {name: r, arrivals_per_day: 40, gpus: [8, 64, 256], duration_median_h: 10, deadline_slack: 6,
       utilization: 0.8, flexibility: deferrable}
)";

std::filesystem::path temp(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("fleetsim_test_plan_" + name);
}

}  // namespace

TEST_CASE("the CSV-load path and the simulated-load path give the same plan for the same load", "[planner]") {
  const scenario::Scenario sc = scenario::parse_scenario(kScenario, "plan.yaml");
  planner::PlanRequest request;
  request.target = 0.85;
  request.frontier_targets = {0.6, 0.85};
  const planner::PlanResult simulated = planner::plan_scenario(sc, request);
  REQUIRE(simulated.regions.size() == 1);
  CHECK(simulated.load_source == "simulated");
  CHECK_FALSE(simulated.policy_reacts);
  CHECK(simulated.simulations == 1);
  // the same load, written as a CSV of hourly MW with every digit
  const run::RunResult run = run::simulate(sc);
  const auto csv = temp("load.csv");
  {
    std::ofstream out(csv);
    out << "datetime_utc,load_mw\n";
    for (int64_t h = 0; h < run.hours; ++h) {
      char value[40];
      std::snprintf(value, sizeof value, "%.17g", run.region_load_mwh[static_cast<size_t>(h)]);
      out << core::format_utc(run.hour_epoch_s[static_cast<size_t>(h)]) << ',' << value << '\n';
    }
  }
  request.load_csv = csv.string();
  request.load_column = "load_mw";
  const planner::PlanResult from_csv = planner::plan_scenario(sc, request);
  std::filesystem::remove(csv);
  const planner::Plan& a = simulated.regions[0].plan;
  const planner::Plan& b = from_csv.regions[0].plan;
  REQUIRE(a.reached);
  CHECK(b.reached);
  CHECK(a.portfolio.solar_mw == b.portfolio.solar_mw);
  CHECK(a.portfolio.wind_mw == b.portfolio.wind_mw);
  CHECK(a.portfolio.firm_mw == b.portfolio.firm_mw);
  CHECK(a.portfolio.battery_mwh == b.portfolio.battery_mwh);
  CHECK(a.evaluation.cost_usd == b.evaluation.cost_usd);
  CHECK(a.evaluation.cfe_score >= 0.85);
  CHECK(from_csv.simulations == 0);
  CHECK(simulated.regions[0].solar_profile == "the shape of contract 'solar-0'");
}

TEST_CASE("a carbon-aware policy is re-simulated with its plan until the plan holds", "[planner]") {
  std::string text = kScenario;
  text += "scheduler:\n  policy: temporal_shift\n";
  const scenario::Scenario sc = scenario::parse_scenario(text, "plan.yaml");
  planner::PlanRequest request;
  request.target = 0.8;
  request.frontier_targets = {0.8};
  const planner::PlanResult result = planner::plan_scenario(sc, request);
  CHECK(result.policy_reacts);
  CHECK(result.simulations >= 2);
  CHECK(result.converged);
  REQUIRE(result.regions[0].plan.reached);
  CHECK(result.regions[0].plan.evaluation.cfe_score >= 0.8 - 1e-9);
  // the figures are those of the plan's own simulated load: simulate with its supply and battery
  const planner::Portfolio& p = result.regions[0].plan.portfolio;
  const planner::PlanOptions options = planner::plan_options(sc);
  scenario::Scenario with_plan = sc;
  const planner::PlanInputs unit = planner::region_inputs(sc, 0, std::vector<double>(720, 0.0));
  for (size_t h = 0; h < 720; ++h) {
    with_plan.region_supply[0].contracted_mwh[h] =
        p.firm_mw * unit.firm_cf + p.solar_mw * unit.solar_cf[h] + p.wind_mw * unit.wind_cf[h];
  }
  with_plan.region_supply_specs[0].battery = energy::BatterySpec{
      p.battery_mwh, p.battery_mw, options.battery.round_trip_efficiency, options.battery.initial_soc};
  const run::RunResult rerun = run::simulate(with_plan);
  CHECK(rerun.regions[0].cfe_score == Approx(result.regions[0].plan.evaluation.cfe_score).epsilon(1e-12));
  const auto path = temp("plan.h5");
  planner::write_plan_file(sc, request, result, path.string());
  CHECK(std::filesystem::file_size(path) > 0);
  std::filesystem::remove(path);
}
