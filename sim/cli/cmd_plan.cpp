// fleetsim plan SCENARIO [--target-cfe X] [--objective cost|carbon|cost_under_cap] [--region R]... [-o PLAN.h5]
//               [--load-csv FILE --load-column COL] [--frontier T...] [--study] [--set ...] [--quiet]

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/tables.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "planner/plan.hpp"
#include "run/run_file.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"

namespace fleetsim::cli {

namespace {

// The target hourly CFE score when --target-cfe is not given.
constexpr double kDefaultTargetCfe = 0.9;

// The values of --objective and planner.objective.
const std::vector<std::string> kObjectives{"cost", "carbon", "cost_under_cap"};

std::string tonnes(double t) {
  return std::isfinite(t) ? format_number(std::round(t)) + " t" : "—";
}

// What the objective's plan is, e.g. "least total carbon over 10 years for 90.0%".
std::string objective_title(const planner::PlanResult& result, const std::string& target) {
  const std::string years = format_number(result.horizon_years) + " years";
  switch (result.objective) {
    case planner::Objective::kCarbon:
      return "least total carbon over " + years + target;
    case planner::Objective::kCostUnderCap:
      return "least cost within " + tonnes(result.carbon_cap_t) + " over " + years + target;
    default:
      return "plan" + target;
  }
}

void print_one(const std::string& title, const planner::Plan& plan, const planner::PlanResult& result) {
  const planner::Portfolio& p = plan.portfolio;
  const planner::Evaluation& e = plan.evaluation;
  if (!plan.reached) {
    std::cout << "  " << title << ": not reached within the search bounds (planner.bounds, docs/planning.md)\n";
    return;
  }
  std::cout << "  " << title << ": solar " << format_number(p.solar_mw) << " MW, wind " << format_number(p.wind_mw)
            << " MW, clean firm " << format_number(p.firm_mw) << " MW, battery " << format_number(p.battery_mwh)
            << " MWh / " << format_number(p.battery_mw) << " MW\n"
            << "    CFE score " << percent(e.cfe_score) << ", procured coverage " << percent(e.coverage)
            << ", annual matching " << percent(e.annual_matching) << ", excess " << format_number(e.excess_mwh)
            << " MWh, grid draw " << format_number(e.grid_draw_mwh) << " MWh\n"
            << "    emissions: location " << format_number(std::round(e.emissions_location_t)) << " t, hourly market "
            << format_number(std::round(e.emissions_market_hourly_t)) << " t; cost " << money(e.cost_usd) << " ("
            << format_number(static_cast<double>(plan.candidates)) << " candidates)\n"
            << "    carbon: operational " << tonnes(e.operational_t_per_year) << "/yr + embodied "
            << tonnes(e.embodied_t_per_year) << "/yr; " << tonnes(e.total_carbon_t) << " over "
            << format_number(result.horizon_years) << " years\n";
}

void print_frontier(const std::string& title, const std::vector<planner::Plan>& frontier) {
  std::cout << "  frontier (" << title << " per target):\n"
            << "    target      cost   solar MW    wind MW    firm MW  battery MWh      CFE   coverage   matching"
               "   carbon t/yr      total t\n";
  for (const planner::Plan& f : frontier) {
    std::cout << "    " << std::setw(6) << percent(f.target);
    if (!f.reached) {
      std::cout << "  not reached within the bounds\n";
      continue;
    }
    const planner::Evaluation& e = f.evaluation;
    std::cout << std::setw(10) << money(e.cost_usd) << std::setw(11) << format_number(f.portfolio.solar_mw)
              << std::setw(11) << format_number(f.portfolio.wind_mw) << std::setw(11)
              << format_number(f.portfolio.firm_mw) << std::setw(13) << format_number(f.portfolio.battery_mwh)
              << std::setw(9) << percent(e.cfe_score) << std::setw(11) << percent(e.coverage) << std::setw(11)
              << percent(e.annual_matching) << std::setw(14)
              << format_number(std::round(e.operational_t_per_year + e.embodied_t_per_year)) << std::setw(13)
              << format_number(std::round(e.total_carbon_t)) << "\n";
  }
}

void print_plan(const planner::PlanRequest& request, const planner::PlanResult& result) {
  const bool by_cost = result.objective == planner::Objective::kCost;
  const std::string target = result.target > 0.0 ? " for " + percent(result.target) : ", no CFE target";
  for (const planner::RegionPlan& rp : result.regions) {
    const planner::Evaluation& e = rp.plan.evaluation;
    std::cout << "\nregion " << rp.region << ": load "
              << format_number(e.load_mwh > 0 ? e.load_mwh : rp.baseline.load_mwh) << " MWh, peak "
              << format_number(rp.peak_load_mw) << " MW, mean " << format_number(rp.mean_load_mw) << " MW\n"
              << "  profiles: solar from " << rp.solar_profile << "; wind from " << rp.wind_profile << "\n"
              << "  grid alone: CFE score " << percent(rp.baseline.cfe_score) << ", cost "
              << money(rp.baseline.cost_usd) << "; carbon " << tonnes(rp.baseline.operational_t_per_year) << "/yr, "
              << tonnes(rp.baseline.total_carbon_t) << " over " << format_number(result.horizon_years) << " years\n";
    if (rp.grid_production_based) {
      std::cout << "  note: the grid data are production-based (EIA-930 or ENTSO-E generation in the area): exports\n"
                << "  count as local supply and \"other\" mixes clean and fossil sources, so the grid's CFE share\n"
                << "  may overstate what a local load gets; regions[].imports corrects it (docs/planning.md)\n";
    }
    print_one(objective_title(result, target), rp.plan, result);
    if (!by_cost) print_one("least cost" + target + ", for comparison", rp.least_cost, result);
    print_frontier("least cost", rp.frontier);
    if (!by_cost) {
      print_frontier(result.objective == planner::Objective::kCarbon
                         ? "least total carbon over " + format_number(result.horizon_years) + " years"
                         : "least cost within the carbon cap",
                     rp.objective_frontier);
    }
    if (!request.study) continue;
    std::cout << "  study: procured coverage without battery, wind (rows) x solar (columns), MW\n         ";
    const size_t n = 10;
    for (size_t j = 0; j < n && j < rp.coverage_grid.size(); ++j) {
      std::cout << std::setw(7) << format_number(std::round(rp.coverage_grid[j].solar_mw));
    }
    std::cout << "\n";
    for (size_t i = 0; i < rp.coverage_grid.size(); i += n) {
      std::cout << "    " << std::setw(5) << format_number(std::round(rp.coverage_grid[i].wind_mw));
      for (size_t j = i; j < i + n && j < rp.coverage_grid.size(); ++j) {
        char cell[16];
        std::snprintf(cell, sizeof cell, "%6.1f", 100.0 * rp.coverage_grid[j].coverage);
        std::cout << " " << cell;
      }
      std::cout << "\n";
    }
    std::cout << "  study: battery for 100% procured coverage (planner model; lossless closed form; cyclic: —\n"
              << "  where the year's supply is short of its load, so no battery can cover it)\n"
              << "     wind MW   solar MW   coverage  battery MWh   ideal MWh\n";
    for (size_t k = 0; k < rp.battery_points.size(); ++k) {
      std::cout << std::setw(12) << format_number(rp.battery_points[k].wind_mw) << std::setw(11)
                << format_number(rp.battery_points[k].solar_mw) << std::setw(11)
                << percent(rp.battery_points[k].coverage) << std::setw(13)
                << (std::isfinite(rp.battery_for_full_mwh[k]) ? format_number(rp.battery_for_full_mwh[k]) : "—")
                << std::setw(12)
                << (std::isfinite(rp.ideal_battery_for_full_mwh[k]) ? format_number(rp.ideal_battery_for_full_mwh[k])
                                                                    : "—")
                << "\n";
    }
    std::cout << "  study: flexible load at wind " << format_number(rp.flexibility_point.wind_mw) << " MW, solar "
              << format_number(rp.flexibility_point.solar_mw) << " MW, no battery (share: coverage)\n    ";
    for (size_t k = 0; k < rp.flexible_shares.size(); ++k) {
      std::cout << percent(rp.flexible_shares[k]) << ": " << percent(rp.flexible_coverage[k])
                << (k + 1 < rp.flexible_shares.size() ? ", " : "\n");
    }
  }
}

}  // namespace

Command plan_command() {
  return Command(
             "plan", "SCENARIO [--target-cfe X] [options]",
             "least-cost procurement and battery for a target hourly CFE score",
             "For each region with load, finds the least-cost portfolio of solar, wind, clean firm power "
             "and battery that reaches the target hourly CFE score (Google's 24/7 method), and the cost "
             "frontier from the grid's own share to 100% (docs/planning.md), each plan with its carbon: operational "
             "and embodied per year, and the total over planner.horizon_years. --objective carbon finds the "
             "least total carbon instead, cost_under_cap the least cost within a carbon cap, each beside the "
             "least-cost plan. The load is simulated from the "
             "scenario (re-simulated with the chosen portfolios when the policy reacts to supply) or read "
             "from a CSV. On a terminal a progress line (step, elapsed, remaining) is shown on stderr.")
      .argument("scenario", "SCENARIO", "scenario YAML file (docs/scenario-reference.md)", Completion::kScenario)
      .required()
      .number("target-cfe", "X", "target hourly CFE score, a fraction of the load in (0, 1]", kDefaultTargetCfe)
      .text("objective", "NAME",
            "cost: least cost for the target; carbon: least total carbon (operational + embodied) over "
            "planner.horizon_years; cost_under_cap: least cost within planner.carbon_cap_t; with carbon and "
            "cost_under_cap, --target-cfe is a constraint only when given (docs/planning.md)")
      .default_text("planner.objective (cost)")
      .words(kObjectives)
      .texts("region", "NAME", "plan this region of the scenario")
      .default_text("every region with load")
      .text("output,o", "PLAN.h5", "also write the plan file (HDF5, docs/output-format.md)", Completion::kHdf5)
      .text("load-csv", "FILE",
            "hourly load in MW from a CSV (datetime_utc and the --load-column column) "
            "instead of simulating; one --region",
            Completion::kAnyFile)
      .text("load-column", "COLUMN", "the load CSV's column (MW)")
      .numbers("frontier", "T", "the frontier's targets, fractions in (0, 1]")
      .default_text("the grid's own share, then those of 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1 above it")
      .flag("study", "also the wind x solar coverage grid, the battery for 100% and flexible load (docs/planning.md)")
      .texts("set", "KEY=VALUE", "override a scenario key, e.g. planner.costs.battery_usd_per_kwh=150")
      .flag("quiet,q", "print nothing but errors (no tables, no progress line)");
}

int plan_main(const Arguments& args) {
  const std::string scenario_path = args.text("scenario");
  const std::string output = args.text("output");
  std::vector<std::string> sets = args.texts("set");
  planner::PlanRequest request;
  request.target = args.number("target-cfe");
  request.regions = args.texts("region");
  request.load_csv = args.text("load-csv");
  request.load_column = args.text("load-column");
  request.frontier_targets = args.numbers("frontier");
  planner::check_request(request, "fleetsim plan", "--target-cfe", "--frontier", "--load-csv", "--load-column");
  request.target_given = args.given("target-cfe");
  if (args.has("objective")) {
    const std::string objective = args.text("objective");
    if (std::find(kObjectives.begin(), kObjectives.end(), objective) == kObjectives.end()) {
      const std::string hint = scenario::closest(objective, kObjectives);
      throw core::InputError(core::SourceLocation{"fleetsim plan", 0, "--objective"},
                             "unknown objective " + core::quote(objective) + " (cost, carbon, cost_under_cap)" +
                                 (hint.empty() ? "" : "; did you mean " + core::quote(hint) + "?"));
    }
    sets.push_back("planner.objective=" + objective);  // after the --set ones: the option wins
  }
  request.study = args.flag("study");
  const bool quiet = args.flag("quiet");
  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  if (!output.empty()) {
    std::vector<std::pair<std::string, std::string>> inputs;
    if (!request.load_csv.empty()) inputs.emplace_back(request.load_csv, "--load-csv");
    run::check_run_output(output, sc, inputs);  // before planning, not after it
  }
  for (const auto& warning : sc.warnings) std::cerr << "fleetsim: warning: " << core::one_line(warning) << '\n';
  if (!quiet) {
    const bool by_cost = sc.planner.objective == "cost";
    std::cout << "fleetsim plan '" << sc.name << "': ";
    if (by_cost || request.target_given) {
      std::cout << "target hourly CFE " << percent(request.target)
                << (args.given("target-cfe") ? "" : " (the default; --target-cfe X sets it)");
    } else {
      std::cout << "no CFE target (--target-cfe X sets one)";
    }
    if (!by_cost) {
      std::cout << ", objective " << sc.planner.objective << " over " << format_number(sc.planner.horizon_years)
                << " years";
    }
    std::cout << ", policy " << sc.scheduler.policy.name() << std::endl;
  }
  ProgressLine progress(!quiet);
  request.progress = [&](const std::string& step, int64_t done, int64_t total) { progress.update(step, done, total); };
  const planner::PlanResult result = planner::plan_scenario(sc, request);
  progress.finish();
  if (!quiet) {
    std::cout << "load: " << result.load_source;
    if (request.load_csv.empty() && !result.policy_reacts) {
      std::cout << " once (the policy does not react to supply: candidates are evaluated by the ledger alone)";
    }
    std::cout << "\n";
    if (!result.converged) {
      std::cout << "warning: after " << result.simulations - 1
                << " re-simulations a plan still misses its target on the load it causes; its figures are those "
                   "of its own simulated load\n";
    }
    print_plan(request, result);
    std::cout << "\n  CFE score: hourly carbon-free share of the load, the grid's own share included; procured "
                 "coverage:\n  the share met by the portfolio and its battery alone (docs/planning.md). Planned in "
              << std::fixed << std::setprecision(2) << result.wall_time_s << " s.\n";
    std::cout.unsetf(std::ios::fixed);
  }
  if (!output.empty()) {
    planner::write_plan_file(sc, request, result, output);
    if (!quiet) std::cout << "  wrote " << output << "\n";
  }
  return kExitOk;
}

}  // namespace fleetsim::cli
