#include "planner/plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "energy/grid_csv.hpp"
#include "energy/supply.hpp"
#include "footprint/footprint.hpp"
#include "output/h5_writer.hpp"
#include "policy/scheduling.hpp"
#include "run/simulation.hpp"
#include "scenario/schema.hpp"

namespace fleetsim::planner {
namespace {

// Contract indices of the planner's own profiles, beyond any region's contracts, so their
// random streams are their own.
constexpr size_t kPlannerSolarIndex = 900;
constexpr size_t kPlannerWindIndex = 901;

bool has(const scenario::PlannerSpec& p, const char* technology) {
  return std::find(p.technologies.begin(), p.technologies.end(), technology) != p.technologies.end();
}

// The unit profile of one technology for a region: planner.<technology>, else the shape of
// the region's first contract of that type, else a synthetic profile at the region's location.
std::vector<double> unit_profile(const scenario::Scenario& sc, size_t region, const std::string& technology,
                                 std::string& source) {
  const auto& planner_spec = technology == "solar" ? sc.planner.solar : sc.planner.wind;
  const auto [latitude, longitude] = sc.region_location[region];
  if (planner_spec) {
    energy::ContractSpec c = *planner_spec;
    if (std::isnan(c.solar.latitude_deg)) c.solar.latitude_deg = latitude;
    if (std::isnan(c.solar.longitude_deg)) c.solar.longitude_deg = longitude;
    source = "planner." + technology +
             (c.profile == energy::ContractProfile::kCsv ? " (" + c.csv.path + ", " + c.csv.column + ")" : "");
    return energy::capacity_factors(c, sc.time_axis(), sc.seed, region,
                                    technology == "solar" ? kPlannerSolarIndex : kPlannerWindIndex);
  }
  const auto& contracts = sc.region_supply_specs[region].contracts;
  for (size_t k = 0; k < contracts.size(); ++k) {
    if (contracts[k].technology != technology) continue;
    source = "the shape of contract '" + contracts[k].name + "'";
    return energy::capacity_factors(contracts[k], sc.time_axis(), sc.seed, region, k);
  }
  energy::ContractSpec c;
  c.technology = technology;
  c.capacity_mw = 1.0;
  c.profile = energy::ContractProfile::kSynthetic;
  c.capacity_factor = technology == "solar" ? 0.2 : 0.35;
  c.solar.latitude_deg = latitude;
  c.solar.longitude_deg = longitude;
  c.solar.target_capacity_factor = 0.2;
  c.wind.target_capacity_factor = 0.35;
  source = "synthetic (capacity factor " + std::string(technology == "solar" ? "0.2" : "0.35") + ")";
  return energy::capacity_factors(c, sc.time_axis(), sc.seed, region,
                                  technology == "solar" ? kPlannerSolarIndex : kPlannerWindIndex);
}

std::vector<double> default_targets(double baseline) {
  std::vector<double> targets;
  if (std::isfinite(baseline)) targets.push_back(baseline);
  for (double t : {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1.0}) {
    if (!std::isfinite(baseline) || t > baseline + 1e-9) targets.push_back(t);
  }
  return targets;
}

std::vector<double> simulated_load(const run::RunResult& r, size_t region) {
  const size_t regions = r.region_names.size();
  std::vector<double> load(static_cast<size_t>(r.hours));
  for (size_t h = 0; h < load.size(); ++h) load[h] = r.region_load_mwh[h * regions + region];
  return load;
}

// The scenario with each planned region's procurement replaced by its portfolio (for the
// re-simulation of carbon-aware policies).
scenario::Scenario with_portfolios(const scenario::Scenario& sc, const std::vector<size_t>& regions,
                                   const std::vector<PlanInputs>& inputs, const std::vector<Portfolio>& portfolios,
                                   const BatteryModel& battery) {
  scenario::Scenario copy = sc;
  for (size_t i = 0; i < regions.size(); ++i) {
    const size_t r = regions[i];
    const Portfolio& p = portfolios[i];
    std::vector<double>& supply = copy.region_supply[r].contracted_mwh;
    for (size_t h = 0; h < supply.size(); ++h) {
      supply[h] = p.firm_mw * inputs[i].firm_cf + p.solar_mw * inputs[i].solar_cf[h] + p.wind_mw * inputs[i].wind_cf[h];
    }
    energy::BatterySpec& b = copy.region_supply_specs[r].battery;
    b.energy_mwh = p.battery_mwh;
    b.power_mw = p.battery_mw;
    b.round_trip_efficiency = battery.round_trip_efficiency;
    b.initial_soc = battery.initial_soc;
  }
  return copy;
}

void run_study(RegionPlan& rp, const PlanInputs& in, const PlanOptions& options) {
  const double m = rp.mean_load_mw;
  std::vector<double> axis;
  for (int i = 0; i < 10; ++i) axis.push_back(0.5 * i * m);  // 0 .. 4.5x the mean load
  const auto coverage = coverage_grid(in, axis, axis, Metric::kCoverage);
  const auto cfe = coverage_grid(in, axis, axis, Metric::kCfeScore);
  for (size_t i = 0; i < axis.size(); ++i) {
    for (size_t j = 0; j < axis.size(); ++j) rp.coverage_grid.push_back({axis[i], axis[j], coverage[i][j], cfe[i][j]});
  }
  // the battery for 100% coverage at a few points of the grid
  for (const auto& [w, s] : std::vector<std::pair<double, double>>{{2, 2}, {3, 2}, {2, 3}, {3, 3}, {4, 3}, {4, 4}}) {
    Portfolio p{s * m, w * m, 0.0, 0.0, 0.0};
    const Evaluation e = evaluate(in, p, options.battery, options.costs);
    rp.battery_points.push_back({p.wind_mw, p.solar_mw, e.coverage, e.cfe_score});
    rp.battery_for_full_mwh.push_back(
        smallest_battery_mwh(in, p, options.battery, options.costs, Metric::kCoverage, 1.0, 8760.0 * rp.peak_load_mw));
    std::vector<double> supply(in.hours());
    for (size_t h = 0; h < supply.size(); ++h) supply[h] = p.solar_mw * in.solar_cf[h] + p.wind_mw * in.wind_cf[h];
    rp.ideal_battery_for_full_mwh.push_back(
        ideal_battery_for_full_coverage(in.load_mwh, supply, options.battery.cyclic));
  }
  // flexible load at 2x wind and 2x solar (both in MW of nameplate per MW of mean load)
  rp.flexibility_point = StudyPoint{2 * m, 2 * m, 0.0, 0.0};
  const Portfolio p{2 * m, 2 * m, 0.0, 0.0, 0.0};
  for (int k = 0; k <= 10; ++k) {
    const double share = 0.1 * k;
    rp.flexible_shares.push_back(share);
    const std::vector<double> load = shift_load(in, p, share, options.headroom);
    rp.flexible_coverage.push_back(evaluate(in, load, p, options.battery, options.costs).coverage);
  }
  rp.flexibility_point.coverage = rp.flexible_coverage.front();
}

}  // namespace

PlanOptions plan_options(const scenario::Scenario& sc) {
  const scenario::PlannerSpec& p = sc.planner;
  PlanOptions o;
  o.battery.round_trip_efficiency = p.round_trip_efficiency;
  o.battery.hours = p.duration_h;
  o.battery.initial_soc = p.initial_soc;
  o.battery.cyclic = p.cyclic;
  o.costs = Costs{p.solar_usd_per_mw_year,   p.wind_usd_per_mw_year, p.firm_usd_per_mw_year, p.battery_usd_per_mwh_year,
                  p.battery_usd_per_mw_year, p.grid_usd_per_mwh,     p.excess_usd_per_mwh};
  o.bounds = Bounds{p.max_solar_mw,  p.max_wind_mw,  p.max_firm_mw,  p.max_battery_mwh,
                    has(p, "solar"), has(p, "wind"), has(p, "firm"), has(p, "battery")};
  o.flexible_share = p.flexible_share;
  o.headroom = p.headroom;
  o.objective = p.objective == "carbon"           ? Objective::kCarbon
                : p.objective == "cost_under_cap" ? Objective::kCostUnderCap
                                                  : Objective::kCost;
  o.carbon_cap_t = p.carbon_cap_t;
  // Embodied carbon per MW (MWh) and year of life, from `footprint:` (portfolio.hpp,
  // CarbonModel); clean firm counts as geothermal (docs/planning.md, "Carbon").
  const footprint::FootprintSpec& f = sc.footprint;
  auto per_year = [&](const char* technology) {
    const auto it = f.supply.find(technology);
    return it == f.supply.end() ? 0.0 : it->second.t_per_mw / it->second.life_years;
  };
  o.carbon.solar_t_per_mw_year = per_year("solar");
  o.carbon.wind_t_per_mw_year = per_year("wind");
  o.carbon.firm_t_per_mw_year = per_year("geothermal");
  o.carbon.battery_t_per_mwh_year = f.battery_t_per_mwh / f.battery_life_years;
  o.carbon.horizon_years = p.horizon_years;
  return o;
}

PlanInputs region_inputs(const scenario::Scenario& sc, size_t region, std::vector<double> load,
                         std::string* solar_source, std::string* wind_source) {
  PlanInputs in;
  std::string solar_from;
  std::string wind_from;
  in.load_mwh = std::move(load);
  in.solar_cf = unit_profile(sc, region, "solar", solar_from);
  in.wind_cf = unit_profile(sc, region, "wind", wind_from);
  in.firm_cf = sc.planner.firm_capacity_factor;
  in.grid_cfe_share = sc.region_supply[region].grid.cfe_share;
  in.carbon_intensity_g_per_kwh = sc.region_supply[region].grid.carbon_intensity_g_per_kwh;
  if (solar_source) *solar_source = solar_from;
  if (wind_source) *wind_source = wind_from;
  return in;
}

void check_request(const PlanRequest& request, const std::string& where, const std::string& target_key,
                   const std::string& frontier_key, const std::string& csv_key, const std::string& column_key) {
  if (!(request.target > 0.0 && request.target <= 1.0)) {
    throw core::InputError(core::SourceLocation{where, 0, target_key}, "must be in (0, 1]");
  }
  for (double t : request.frontier_targets) {
    if (!(t > 0.0 && t <= 1.0)) {
      throw core::InputError(core::SourceLocation{where, 0, frontier_key}, "targets must be in (0, 1]");
    }
  }
  if (request.load_csv.empty() != request.load_column.empty()) {
    throw core::InputError(core::SourceLocation{where, 0, ""}, csv_key + " and " + column_key + " go together");
  }
}

PlanResult plan_scenario(const scenario::Scenario& sc, const PlanRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  PlanResult result;
  const PlanOptions options = plan_options(sc);
  // which regions
  std::vector<size_t> regions;
  for (const std::string& name : request.regions) {
    const auto it = std::find(sc.regions.begin(), sc.regions.end(), name);
    if (it == sc.regions.end()) {
      const std::string hint = scenario::closest(name, sc.regions);
      throw core::InputError(core::SourceLocation{"fleetsim plan", 0, "--region"},
                             "no region named " + core::quote(name) + " in " + sc.source_path +
                                 (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)"));
    }
    regions.push_back(static_cast<size_t>(it - sc.regions.begin()));
  }
  // the load
  std::vector<std::vector<double>> loads(sc.regions.size());
  auto progress = [&](const std::string& step, int64_t done, int64_t total) {
    if (request.progress) request.progress(step, done, total);
  };
  auto simulation_options = [&](const std::string& step) {
    run::RunOptions o;
    if (request.progress) o.progress = [&, step](int64_t hour, int64_t hours) { progress(step, hour, hours); };
    return o;
  };
  std::unique_ptr<policy::SchedulingPolicy> policy = policy::make_policy(sc.scheduler.policy);
  result.policy_reacts = policy->reacts_to_supply() && request.load_csv.empty();
  if (!request.load_csv.empty()) {
    if (regions.size() > 1) {
      throw core::InputError(core::SourceLocation{"--load-csv", 0, request.load_csv},
                             "a load CSV is one region's load: give one --region");
    }
    if (regions.empty()) regions.push_back(0);
    energy::ProfileCsvSpec csv;
    csv.path = request.load_csv;
    csv.column = request.load_column;
    csv.scale = energy::ProfileCsvSpec::Scale::kRaw;
    loads[regions[0]] = energy::read_profile_csv(csv, sc.time_axis());
    result.load_source = request.load_csv + " (column " + request.load_column + ")";
  } else {
    const run::RunResult r = run::simulate(sc, simulation_options("simulating the load, hour"));
    result.simulations = 1;
    for (size_t g = 0; g < sc.regions.size(); ++g) loads[g] = simulated_load(r, g);
    if (regions.empty()) {
      for (size_t g = 0; g < sc.regions.size(); ++g) {
        if (r.regions[g].facility_energy_mwh > 0.0) regions.push_back(g);
      }
    }
    result.load_source = "simulated";
  }
  result.objective = options.objective;
  result.target = options.objective != Objective::kCost && !request.target_given ? 0.0 : request.target;
  result.horizon_years = options.carbon.horizon_years;
  result.carbon_cap_t = options.carbon_cap_t;
  PlanOptions least_cost_options = options;
  least_cost_options.objective = Objective::kCost;
  std::vector<PlanInputs> inputs;
  for (const size_t g : regions) {
    RegionPlan rp;
    rp.region = sc.regions[g];
    const energy::GridSpec& grid = sc.region_supply_specs[g].grid;
    rp.grid_production_based =
        grid.from_csv &&
        (grid.csv.format == energy::GridFormat::kEia930 || grid.csv.format == energy::GridFormat::kEntsoe) &&
        !(sc.region_imports[g].share > 0.0);
    inputs.push_back(region_inputs(sc, g, loads[g], &rp.solar_profile, &rp.wind_profile));
    const std::vector<double>& load = inputs.back().load_mwh;
    rp.peak_load_mw = load.empty() ? 0.0 : *std::max_element(load.begin(), load.end());
    rp.mean_load_mw =
        load.empty() ? 0.0 : std::accumulate(load.begin(), load.end(), 0.0) / static_cast<double>(load.size());
    result.regions.push_back(std::move(rp));
  }
  auto plan_all = [&] {
    for (size_t i = 0; i < regions.size(); ++i) {
      progress("planning for the target, region", static_cast<int64_t>(i), static_cast<int64_t>(regions.size()));
      RegionPlan& rp = result.regions[i];
      rp.baseline = baseline(inputs[i], options);
      rp.plan = optimize(inputs[i], result.target, options);
      if (options.objective != Objective::kCost) rp.least_cost = optimize(inputs[i], result.target, least_cost_options);
    }
  };
  plan_all();
  // Carbon-aware policies move load with supply: simulate with the chosen portfolios and take
  // each plan's figures from the load it causes; if a plan misses its target there, plan again
  // on that load and simulate again. The loop always ends on a simulation, so the figures
  // reported are those of the plan's own simulated load.
  result.converged = !result.policy_reacts;
  for (int round = 0; result.policy_reacts && round < request.max_resimulations; ++round) {
    std::vector<Portfolio> portfolios;
    for (const RegionPlan& rp : result.regions) portfolios.push_back(rp.plan.portfolio);
    const run::RunResult r = run::simulate(with_portfolios(sc, regions, inputs, portfolios, options.battery),
                                           simulation_options("re-simulating with the plans, hour"));
    ++result.simulations;
    bool holds = true;
    for (size_t i = 0; i < regions.size(); ++i) {
      inputs[i].load_mwh = simulated_load(r, regions[i]);
      RegionPlan& rp = result.regions[i];
      if (!rp.plan.reached) continue;
      rp.plan.evaluation = evaluate_planned(inputs[i], portfolios[i], options);
      if (rp.least_cost.reached)
        rp.least_cost.evaluation = evaluate_planned(inputs[i], rp.least_cost.portfolio, options);
      holds =
          holds && value_of(rp.plan.evaluation, options.metric) >= result.target - 1e-9 &&
          (options.objective != Objective::kCostUnderCap || rp.plan.evaluation.total_carbon_t <= options.carbon_cap_t);
    }
    if (holds) {
      result.converged = true;
      break;
    }
    if (round + 1 < request.max_resimulations) plan_all();
  }
  if (result.simulations > 1) {
    result.load_source = "simulated, re-simulated " + std::to_string(result.simulations - 1) +
                         " times with the chosen portfolios (the policy reacts to supply)";
  }
  std::vector<std::vector<double>> targets;
  int64_t searches = 0;
  for (const RegionPlan& rp : result.regions) {
    targets.push_back(request.frontier_targets.empty() ? default_targets(rp.baseline.cfe_score)
                                                       : request.frontier_targets);
    searches += static_cast<int64_t>(targets.back().size());
  }
  if (options.objective != Objective::kCost) searches *= 2;
  int64_t searched = 0;
  progress("cost frontier, target", 0, searches);
  for (size_t i = 0; i < regions.size(); ++i) {
    result.regions[i].frontier = frontier(inputs[i], targets[i], least_cost_options,
                                          [&] { progress("cost frontier, target", ++searched, searches); });
  }
  for (size_t i = 0; options.objective != Objective::kCost && i < regions.size(); ++i) {
    const std::string step = std::string(to_string(options.objective)) + " frontier, target";
    result.regions[i].objective_frontier =
        frontier(inputs[i], targets[i], options, [&] { progress(step, ++searched, searches); });
  }
  for (size_t i = 0; request.study && i < regions.size(); ++i) {
    progress("study, region", static_cast<int64_t>(i), static_cast<int64_t>(regions.size()));
    run_study(result.regions[i], inputs[i], options);
  }
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

void write_plan_file(const scenario::Scenario& sc, const PlanRequest& request, const PlanResult& result,
                     const std::string& path) {
  output::RunFileWriter w(path, sc.deflate_level);
  w.set_attribute("/", "format_version", int64_t{core::kFormatVersion});
  w.set_attribute("/", "file_type", std::string("plan"));
  w.set_attribute("/", "program", std::string("fleetsim"));
  w.set_attribute("/", "program_version", std::string(core::kVersion));
  w.set_attribute("/", "scenario_name", sc.name);
  w.set_attribute("/", "scenario", sc.source_text);
  w.set_attribute("/", "scenario_effective", sc.effective_yaml);
  w.set_attribute("/", "start", core::format_utc(sc.start_epoch_s));
  w.set_attribute("/", "hours", sc.hours);
  w.set_attribute("/", "target_cfe", request.target);
  w.set_attribute("/", "load_source", result.load_source);
  w.set_attribute("/", "policy", sc.scheduler.policy.name());
  w.set_attribute("/", "policy_reacts_to_supply", int64_t{result.policy_reacts ? 1 : 0});
  w.set_attribute("/", "simulations", result.simulations);
  w.set_attribute("/", "converged", int64_t{result.converged ? 1 : 0});
  w.set_attribute("/", "objective", std::string(to_string(result.objective)));
  w.set_attribute("/", "objective_target_cfe", result.target);
  w.set_attribute("/", "horizon_years", result.horizon_years);
  if (result.objective == Objective::kCostUnderCap) w.set_attribute("/", "carbon_cap_t", result.carbon_cap_t);
  std::vector<std::string> names;
  for (const RegionPlan& rp : result.regions) names.push_back(rp.region);
  // /plan: the chosen portfolio per region
  w.add_table("/plan", "region", names);
  // an unreached plan has no portfolio: NaN in its row (but `reached` itself)
  auto column = [&](const std::string& group, const char* name, auto get, const char* units, const char* what) {
    std::vector<double> v;
    for (const RegionPlan& rp : result.regions) {
      const bool empty = std::string(name) != "reached" && ((group == "/plan" && !rp.plan.reached) ||
                                                            (group == "/plan/least_cost" && !rp.least_cost.reached));
      v.push_back(empty ? std::nan("") : get(rp));
    }
    w.write_column(group, name, v, units, what);
  };
  column(
      "/plan", "reached", [](const RegionPlan& r) { return r.plan.reached ? 1.0 : 0.0; }, "1",
      "1 if the target is reached within the bounds");
  column(
      "/plan", "solar_mw", [](const RegionPlan& r) { return r.plan.portfolio.solar_mw; }, "MW", "solar to buy");
  column(
      "/plan", "wind_mw", [](const RegionPlan& r) { return r.plan.portfolio.wind_mw; }, "MW", "wind to buy");
  column(
      "/plan", "firm_mw", [](const RegionPlan& r) { return r.plan.portfolio.firm_mw; }, "MW", "clean firm");
  column(
      "/plan", "battery_mwh", [](const RegionPlan& r) { return r.plan.portfolio.battery_mwh; }, "MWh",
      "battery energy");
  column(
      "/plan", "battery_mw", [](const RegionPlan& r) { return r.plan.portfolio.battery_mw; }, "MW", "battery power");
  const auto eval_columns = [&](const std::string& group, auto pick) {
    column(
        group, "cfe_score", [&](const RegionPlan& r) { return pick(r).cfe_score; }, "1", "hourly CFE score");
    column(
        group, "coverage", [&](const RegionPlan& r) { return pick(r).coverage; }, "1",
        "procured coverage: (supply used + battery) / load");
    column(
        group, "annual_matching", [&](const RegionPlan& r) { return pick(r).annual_matching; }, "1",
        "min(1, supply / load)");
    column(
        group, "excess_mwh", [&](const RegionPlan& r) { return pick(r).excess_mwh; }, "MWh",
        "procured energy not used or stored");
    column(
        group, "grid_draw_mwh", [&](const RegionPlan& r) { return pick(r).grid_draw_mwh; }, "MWh",
        "energy from the grid");
    column(
        group, "emissions_location_t", [&](const RegionPlan& r) { return pick(r).emissions_location_t; }, "tCO2",
        "load x grid CI");
    column(
        group, "emissions_market_hourly_t", [&](const RegionPlan& r) { return pick(r).emissions_market_hourly_t; },
        "tCO2", "grid draw x grid CI");
    column(
        group, "cost_usd", [&](const RegionPlan& r) { return pick(r).cost_usd; }, "USD",
        "capacity costs over the horizon + grid energy - excess sold");
    column(
        group, "load_mwh", [&](const RegionPlan& r) { return pick(r).load_mwh; }, "MWh", "load");
    column(
        group, "operational_t_per_year", [&](const RegionPlan& r) { return pick(r).operational_t_per_year; }, "tCO2/yr",
        "grid draw x grid CI (hourly market-based) per year");
    column(
        group, "embodied_t_per_year", [&](const RegionPlan& r) { return pick(r).embodied_t_per_year; }, "tCO2e/yr",
        "embodied carbon of the portfolio amortised over each technology's life");
    column(
        group, "total_carbon_t", [&](const RegionPlan& r) { return pick(r).total_carbon_t; }, "tCO2e",
        "horizon_years x (operational + embodied per year)");
  };
  eval_columns("/plan", [](const RegionPlan& r) -> const Evaluation& { return r.plan.evaluation; });
  if (result.objective != Objective::kCost) {
    // the least-cost plan under the same target, beside the objective's
    w.add_table("/plan/least_cost", "region", names);
    column(
        "/plan/least_cost", "reached", [](const RegionPlan& r) { return r.least_cost.reached ? 1.0 : 0.0; }, "1",
        "1 if the target is reached within the bounds");
    column(
        "/plan/least_cost", "solar_mw", [](const RegionPlan& r) { return r.least_cost.portfolio.solar_mw; }, "MW",
        "solar to buy");
    column(
        "/plan/least_cost", "wind_mw", [](const RegionPlan& r) { return r.least_cost.portfolio.wind_mw; }, "MW",
        "wind to buy");
    column(
        "/plan/least_cost", "firm_mw", [](const RegionPlan& r) { return r.least_cost.portfolio.firm_mw; }, "MW",
        "clean firm");
    column(
        "/plan/least_cost", "battery_mwh", [](const RegionPlan& r) { return r.least_cost.portfolio.battery_mwh; },
        "MWh", "battery energy");
    column(
        "/plan/least_cost", "battery_mw", [](const RegionPlan& r) { return r.least_cost.portfolio.battery_mw; }, "MW",
        "battery power");
    eval_columns("/plan/least_cost", [](const RegionPlan& r) -> const Evaluation& { return r.least_cost.evaluation; });
  }
  w.add_table("/plan/baseline", "region", names);
  {
    std::vector<double> v;
    for (const RegionPlan& rp : result.regions) v.push_back(rp.baseline.cfe_score);
    w.write_column("/plan/baseline", "cfe_score", v, "1", "the grid's own CFE share of the load (no procurement)");
    v.clear();
    for (const RegionPlan& rp : result.regions) v.push_back(rp.baseline.cost_usd);
    w.write_column("/plan/baseline", "cost_usd", v, "USD", "all load bought from the grid");
    v.clear();
    for (const RegionPlan& rp : result.regions) v.push_back(rp.baseline.operational_t_per_year);
    w.write_column("/plan/baseline", "operational_t_per_year", v, "tCO2/yr", "all load from the grid, per year");
    v.clear();
    for (const RegionPlan& rp : result.regions) v.push_back(rp.baseline.total_carbon_t);
    w.write_column("/plan/baseline", "total_carbon_t", v, "tCO2e", "horizon_years x operational per year");
  }
  // /frontier: one row per (region, target); /frontier/by_objective the same for the objective's plans
  auto write_frontier = [&](const std::string& group, auto pick, const char* what) {
    std::vector<int64_t> rows;
    std::vector<std::string> region_of;
    std::vector<double> target;
    std::vector<double> reached;
    constexpr size_t kColumns = 16;
    std::vector<double> f[kColumns];
    for (const RegionPlan& rp : result.regions) {
      for (const Plan& p : pick(rp)) {
        rows.push_back(static_cast<int64_t>(rows.size()));
        region_of.push_back(rp.region);
        target.push_back(p.target);
        reached.push_back(p.reached ? 1.0 : 0.0);
        const double nan = std::nan("");
        const Evaluation& e = p.evaluation;
        const double values[kColumns] = {p.portfolio.solar_mw,
                                         p.portfolio.wind_mw,
                                         p.portfolio.firm_mw,
                                         p.portfolio.battery_mwh,
                                         p.portfolio.battery_mw,
                                         e.cfe_score,
                                         e.coverage,
                                         e.annual_matching,
                                         e.excess_mwh,
                                         e.emissions_market_hourly_t,
                                         e.cost_usd,
                                         static_cast<double>(p.candidates),
                                         e.grid_draw_mwh,
                                         e.operational_t_per_year,
                                         e.embodied_t_per_year,
                                         e.total_carbon_t};
        for (size_t k = 0; k < kColumns; ++k) f[k].push_back(p.reached ? values[k] : (k == 11 ? values[k] : nan));
      }
    }
    w.add_table(group, "row", rows);
    w.write_column(group, "region", region_of, "", "region");
    w.write_column(group, "target", target, "1", "target hourly CFE score");
    w.write_column(group, "reached", reached, "1", "1 if reached within the bounds (else NaN below)");
    const char* column_names[kColumns] = {"solar_mw",
                                          "wind_mw",
                                          "firm_mw",
                                          "battery_mwh",
                                          "battery_mw",
                                          "cfe_score",
                                          "coverage",
                                          "annual_matching",
                                          "excess_mwh",
                                          "emissions_market_hourly_t",
                                          "cost_usd",
                                          "candidates",
                                          "grid_draw_mwh",
                                          "operational_t_per_year",
                                          "embodied_t_per_year",
                                          "total_carbon_t"};
    const char* units[kColumns] = {"MW",  "MW",   "MW",  "MWh", "MW",  "1",       "1",        "1",
                                   "MWh", "tCO2", "USD", "",    "MWh", "tCO2/yr", "tCO2e/yr", "tCO2e"};
    for (size_t k = 0; k < kColumns; ++k) w.write_column(group, column_names[k], f[k], units[k], what);
  };
  write_frontier(
      "/frontier", [](const RegionPlan& rp) -> const std::vector<Plan>& { return rp.frontier; },
      "of the least-cost plan");
  if (result.objective != Objective::kCost) {
    write_frontier(
        "/frontier/by_objective",
        [](const RegionPlan& rp) -> const std::vector<Plan>& { return rp.objective_frontier; },
        result.objective == Objective::kCarbon ? "of the least-carbon plan" : "of the least-cost plan under the cap");
  }
  if (request.study) {
    std::vector<int64_t> ids;
    std::vector<std::string> reg;
    std::vector<double> wind;
    std::vector<double> solar;
    std::vector<double> cov;
    std::vector<double> cfe;
    for (const RegionPlan& rp : result.regions) {
      for (const StudyPoint& p : rp.coverage_grid) {
        ids.push_back(static_cast<int64_t>(ids.size()));
        reg.push_back(rp.region);
        wind.push_back(p.wind_mw);
        solar.push_back(p.solar_mw);
        cov.push_back(p.coverage);
        cfe.push_back(p.cfe_score);
      }
    }
    w.add_table("/study/coverage", "row", ids);
    w.write_column("/study/coverage", "region", reg, "", "region");
    w.write_column("/study/coverage", "wind_mw", wind, "MW", "wind capacity");
    w.write_column("/study/coverage", "solar_mw", solar, "MW", "solar capacity");
    w.write_column("/study/coverage", "coverage", cov, "1", "procured coverage, no battery");
    w.write_column("/study/coverage", "cfe_score", cfe, "1", "hourly CFE score, no battery");
    ids.clear();
    reg.clear();
    wind.clear();
    solar.clear();
    cov.clear();
    std::vector<double> battery;
    std::vector<double> ideal;
    for (const RegionPlan& rp : result.regions) {
      for (size_t k = 0; k < rp.battery_points.size(); ++k) {
        ids.push_back(static_cast<int64_t>(ids.size()));
        reg.push_back(rp.region);
        wind.push_back(rp.battery_points[k].wind_mw);
        solar.push_back(rp.battery_points[k].solar_mw);
        cov.push_back(rp.battery_points[k].coverage);
        battery.push_back(rp.battery_for_full_mwh[k]);
        ideal.push_back(rp.ideal_battery_for_full_mwh[k]);
      }
    }
    w.add_table("/study/battery", "row", ids);
    w.write_column("/study/battery", "region", reg, "", "region");
    w.write_column("/study/battery", "wind_mw", wind, "MW", "wind capacity");
    w.write_column("/study/battery", "solar_mw", solar, "MW", "solar capacity");
    w.write_column("/study/battery", "coverage_without_battery", cov, "1", "procured coverage with no battery");
    w.write_column("/study/battery", "battery_mwh", battery, "MWh",
                   "smallest battery (planner model) for 100% coverage; NaN: none within a year of peak load");
    w.write_column("/study/battery", "ideal_battery_mwh", ideal, "MWh",
                   "the same for a lossless battery with no power limit (closed form)");
    ids.clear();
    reg.clear();
    std::vector<double> share;
    cov.clear();
    for (const RegionPlan& rp : result.regions) {
      for (size_t k = 0; k < rp.flexible_shares.size(); ++k) {
        ids.push_back(static_cast<int64_t>(ids.size()));
        reg.push_back(rp.region);
        share.push_back(rp.flexible_shares[k]);
        cov.push_back(rp.flexible_coverage[k]);
      }
    }
    w.add_table("/study/flexibility", "row", ids);
    w.write_column("/study/flexibility", "region", reg, "", "region");
    w.write_column("/study/flexibility", "flexible_share", share, "1", "share of each hour's load that may move");
    w.write_column("/study/flexibility", "coverage", cov, "1",
                   "procured coverage at 2x mean load of wind and of solar, no battery");
  }
  w.commit();
}

}  // namespace fleetsim::planner
