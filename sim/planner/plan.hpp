#pragma once
// `fleetsim plan` (docs/planning.md): for each region of a scenario, the least-cost (or, by
// planner.objective, least-carbon or least-cost-under-a-carbon-cap) procurement portfolio and
// battery that reach a target hourly CFE score, the frontier,
// and, on request, the design-space study of Carbon Explorer (coverage on a wind x solar
// grid, the battery for 100% at a few points, the effect of flexible load).
//
// The load comes from simulating the scenario once (policies that do not react to supply:
// the fast path, candidates are evaluated by the ledger alone), from re-simulating each
// chosen portfolio until it holds on its own load (carbon-aware policies), or from an hourly
// CSV of measured load.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "planner/portfolio.hpp"
#include "scenario/scenario.hpp"

namespace fleetsim::planner {

struct PlanRequest {
  double target = 0.9;  // hourly CFE score
  // false: objectives other than cost have no CFE target (the cost objective always has one)
  bool target_given = true;
  std::vector<std::string> regions;  // empty: every region with load
  std::string load_csv;              // hourly load (datetime_utc + load_column, MW); empty: simulate
  std::string load_column;
  std::vector<double> frontier_targets;  // empty: the default (docs/planning.md)
  bool study = false;
  int max_resimulations = 4;  // carbon-aware policies: simulate, plan, re-simulate with the plan, ...
  // Called as the planning goes (may be empty; from the planner's threads, one call at a
  // time): the step it is in and how far, `done` of `total`.
  std::function<void(const std::string& step, int64_t done, int64_t total)> progress;
};

struct StudyPoint {
  double wind_mw = 0.0;
  double solar_mw = 0.0;
  double coverage = 0.0;   // no battery
  double cfe_score = 0.0;  // no battery
};

struct RegionPlan {
  std::string region;
  std::string solar_profile;  // where each unit profile came from (for the report)
  std::string wind_profile;
  double peak_load_mw = 0.0;
  double mean_load_mw = 0.0;
  Evaluation baseline;                   // no procurement: the grid's own CFE share
  Plan plan;                             // at the requested target, by the objective
  Plan least_cost;                       // objectives other than cost: the least-cost plan under the same target
  std::vector<Plan> frontier;            // the least-cost plan per target
  std::vector<Plan> objective_frontier;  // objectives other than cost: the objective's plan per target
  bool grid_production_based = false;    // grid from EIA-930 or ENTSO-E generation, no imports correction
  // the study (PlanRequest::study)
  std::vector<StudyPoint> coverage_grid;           // wind-major
  std::vector<StudyPoint> battery_points;          // with battery_for_full below
  std::vector<double> battery_for_full_mwh;        // planner battery model, 100% coverage
  std::vector<double> ideal_battery_for_full_mwh;  // lossless, no power limit, closed form
  std::vector<double> flexible_shares;             // 0, 0.1, ..., 1
  std::vector<double> flexible_coverage;           // at flexibility_point
  StudyPoint flexibility_point;
};

struct PlanResult {
  Objective objective = Objective::kCost;
  double target = 0.9;  // the objective's CFE target; 0: none
  double horizon_years = 10.0;
  double carbon_cap_t = 0.0;  // cost_under_cap
  std::vector<RegionPlan> regions;
  std::string load_source;     // "simulated", "simulated (re-simulated N times)" or the CSV
  bool policy_reacts = false;  // the scheduling policy reacts to supply: candidates were re-simulated
  bool converged = true;       // every plan holds on the load simulated with it (reacting policies)
  int64_t simulations = 0;
  double wall_time_s = 0.0;
};

// The planner's inputs for one region: its load, grid, and the unit profiles of
// docs/planning.md ("Inputs"). `load` must have one value per scenario hour.
PlanInputs region_inputs(const scenario::Scenario& sc, size_t region, std::vector<double> load,
                         std::string* solar_source = nullptr, std::string* wind_source = nullptr);
PlanOptions plan_options(const scenario::Scenario& sc);

// Checks a request's own values: target and frontier targets in (0, 1], load CSV and column
// together. Throws core::InputError at `where`, naming the arguments as the caller calls them.
void check_request(const PlanRequest& request, const std::string& where, const std::string& target_key,
                   const std::string& frontier_key, const std::string& csv_key, const std::string& column_key);

// Throws core::InputError (bad CSV, unknown region: with the nearest name) and
// core::SimulationError.
PlanResult plan_scenario(const scenario::Scenario& sc, const PlanRequest& request);

// Writes PLAN.h5 (docs/output-format.md, "Plan files") through a temporary file.
void write_plan_file(const scenario::Scenario& sc, const PlanRequest& request, const PlanResult& result,
                     const std::string& path);

}  // namespace fleetsim::planner
