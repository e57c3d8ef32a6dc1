#pragma once
// The 24/7 CFE planner's core (docs/planning.md): a region's hourly load and unit supply
// profiles, a candidate portfolio of procured supply and storage, and its evaluation by the
// hourly CFE ledger alone — the same arithmetic as energy::RegionLedger, in one tight loop
// without allocation, so that thousands of candidates cost milliseconds. On top: the
// smallest battery for a target (bisection, coverage being monotone in battery size), load
// flexibility within each day, the least-cost (or least-carbon) portfolio for a target, and the
// frontier.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace fleetsim::planner {

// One region's hourly inputs. Profiles are MWh per hour per MW of nameplate.
struct PlanInputs {
  std::vector<double> load_mwh;
  std::vector<double> solar_cf;
  std::vector<double> wind_cf;
  double firm_cf = 0.92;  // clean firm (nuclear, geothermal): constant availability
  std::vector<double> grid_cfe_share;
  std::vector<double> carbon_intensity_g_per_kwh;
  size_t hours() const { return load_mwh.size(); }
};

struct Portfolio {
  double solar_mw = 0.0;
  double wind_mw = 0.0;
  double firm_mw = 0.0;
  double battery_mwh = 0.0;
  double battery_mw = 0.0;
};

// The battery's technology; its size is the portfolio's.
struct BatteryModel {
  double round_trip_efficiency = 0.88;  // energy out / energy in, losses booked on charging
  double hours = 4.0;                   // energy / power when the search sizes a battery
  double initial_soc = 1.0;             // fraction of energy at the start (when not cyclic)
  // Cyclic: the battery starts the horizon as it ends it (found by running the horizon from
  // empty until the end state repeats), so no stored energy comes from before the horizon.
  bool cyclic = true;
};

// Annualised costs (docs/planning.md, "Costs", for the defaults and their sources).
struct Costs {
  double solar_usd_per_mw_year = 146'000.0;
  double wind_usd_per_mw_year = 172'000.0;
  double firm_usd_per_mw_year = 635'000.0;
  double battery_usd_per_mwh_year = 38'000.0;
  double battery_usd_per_mw_year = 27'000.0;
  double grid_usd_per_mwh = 80.0;
  double excess_usd_per_mwh = 0.0;  // value of excess energy sold (0: curtailed)
};

// Embodied carbon of what the planner buys, amortised over each technology's life
// (docs/planning.md, "Carbon"): a technology of embodied carbon E (t per MW or per MWh) and
// life L years costs E / L t per year of each MW (MWh) bought:
//   embodied t/yr = solar MW x E_s/L_s + wind MW x E_w/L_w + firm MW x E_f/L_f + battery MWh x E_b/L_b
// and over a horizon of N years the plan counts
//   total carbon t = N x (operational t/yr + embodied t/yr)
// so a horizon shorter than a life counts only its share of the embodied carbon.
struct CarbonModel {
  double solar_t_per_mw_year = 0.0;
  double wind_t_per_mw_year = 0.0;
  double firm_t_per_mw_year = 0.0;  // the scenario's geothermal figures (planning.md)
  double battery_t_per_mwh_year = 0.0;
  double horizon_years = 10.0;
};

double embodied_t_per_year(const Portfolio& p, const CarbonModel& carbon);

struct Evaluation {
  double load_mwh = 0.0;
  double supply_mwh = 0.0;       // procured generation
  double cfe_mwh = 0.0;          // supply used + battery discharge + grid CFE share x grid draw
  double cfe_score = 0.0;        // cfe / load: the hourly (24/7) CFE score
  double coverage = 0.0;         // (supply used + discharge) / load: procured coverage, grid excluded
  double annual_matching = 0.0;  // min(1, supply / load)
  double grid_draw_mwh = 0.0;
  double excess_mwh = 0.0;
  double battery_discharge_mwh = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
  double cost_usd = 0.0;  // capacity costs x the horizon in years + grid energy - excess sold
  // Carbon per year and over CarbonModel::horizon_years (CarbonModel above).
  double operational_t_per_year = 0.0;  // hourly market-based: sum of grid draw x grid CI, x 8,760 / hours
  double embodied_t_per_year = 0.0;     // of the portfolio, amortised over each technology's life
  double total_carbon_t = 0.0;          // horizon_years x (operational + embodied per year)
};

enum class Metric { kCfeScore, kCoverage };
double value_of(const Evaluation& e, Metric metric);

// The ledger over all hours (load may be replaced by a shifted one); carbon by `carbon` (the
// default counts no embodied carbon).
Evaluation evaluate(const PlanInputs& in, const Portfolio& p, const BatteryModel& battery, const Costs& costs,
                    const CarbonModel& carbon = {});
Evaluation evaluate(const PlanInputs& in, std::span<const double> load_mwh, const Portfolio& p,
                    const BatteryModel& battery, const Costs& costs, const CarbonModel& carbon = {});

// The smallest battery energy (power = energy / battery.hours, or `power_mw` when > 0) with
// which the portfolio reaches `target` of `metric`, to a relative tolerance; 0 if none is
// needed, NaN if even `max_mwh` does not reach it. Coverage never falls as the battery grows
// (docs/planning.md, "Battery sizing"), so bisection finds the threshold.
double smallest_battery_mwh(const PlanInputs& in, Portfolio p, const BatteryModel& battery, const Costs& costs,
                            Metric metric, double target, double max_mwh, double power_mw = 0.0,
                            double tolerance = 1e-6);

// For a lossless battery with no power limit: the smallest energy that covers every hour.
// Starting full: the largest sum over consecutive hours of (load - supply) (Kadane). Cyclic
// (ending as it starts): the same over windows that may wrap around the horizon, and NaN when
// the horizon's supply is less than its load (no battery can then cover it).
double ideal_battery_for_full_coverage(std::span<const double> load_mwh, std::span<const double> supply_mwh,
                                       bool cyclic = false);

// Load flexibility (docs/planning.md): in each day (24 hours from the first hour) up to
// `share` of each hour's load moves out of deficit hours (supply below load; the dirtiest
// grid hours first) into surplus hours (largest surplus first), never above
// (1 + headroom) x the peak load. Returns the shifted load; energy per day is unchanged.
// (The optimizer evaluates a candidate on the shifted and on the original load and keeps
// the better: shifting ignores the battery, which could use the surplus better.)
std::vector<double> shift_load(const PlanInputs& in, const Portfolio& p, double share, double headroom);

struct Bounds {
  double max_solar_mw = -1.0;  // < 0: defaults scaled by the peak load (docs/planning.md)
  double max_wind_mw = -1.0;
  double max_firm_mw = -1.0;
  double max_battery_mwh = -1.0;
  bool solar = true;
  bool wind = true;
  bool firm = true;
  bool battery = true;
};

struct Plan {
  bool reached = false;  // false: no candidate within the bounds reaches the target
  double target = 0.0;
  Portfolio portfolio;
  Evaluation evaluation;
  Portfolio resolution;          // the search's final step per dimension (battery: its bisection tolerance)
  int64_t candidates = 0;        // portfolios evaluated (battery bisection steps included)
  double max_battery_mwh = 0.0;  // the battery bound the search used
};

// What the search minimises (docs/planning.md, "Objectives"); the target is a constraint in each.
enum class Objective {
  kCost,          // least cost
  kCarbon,        // least total carbon over the horizon (operational + embodied)
  kCostUnderCap,  // least cost whose total carbon over the horizon is at most PlanOptions::carbon_cap_t
};
const char* to_string(Objective objective);

struct PlanOptions {
  Metric metric = Metric::kCfeScore;
  Objective objective = Objective::kCost;
  double carbon_cap_t = 0.0;  // kCostUnderCap: most total carbon over the horizon, t
  BatteryModel battery;
  Costs costs;
  CarbonModel carbon;
  Bounds bounds;
  double flexible_share = 0.0;  // > 0: candidates are evaluated on the load shifted within each day
  double headroom = 0.2;
};

// The best portfolio reaching `target` by options.objective (least cost by default): a coarse
// grid over solar x wind x firm, each point with its smallest battery (relative tolerance
// 1e-4); from each of the best three, six rounds of a 3 x 3 x 3 neighbourhood with the step
// halved each round; then single steps at the final resolution while they are better. With
// the carbon objectives a point's battery may be larger than its smallest: kCarbon takes the
// least-carbon battery from that smallest one to the bound (a scan, then golden section),
// kCostUnderCap the smallest battery under the cap (the same scan, then bisection). A target
// of 0 is no constraint.
Plan optimize(const PlanInputs& in, double target, const PlanOptions& options);

// A portfolio's figures as the optimizer counts them: with flexibility, on the better of the
// load shifted within each day and the original load.
Evaluation evaluate_planned(const PlanInputs& in, const Portfolio& p, const PlanOptions& options);

// The portfolio of zero procurement: the grid's own share of CFE (where the frontier starts).
Evaluation baseline(const PlanInputs& in, const PlanOptions& options);

// Cost against CFE score from the grid's own share to 100%: the best plan by options.objective
// (the least-cost one by default) at each target.
// `target_done` (may be empty) is called once per target searched, from the thread that
// searched it, one call at a time.
std::vector<Plan> frontier(const PlanInputs& in, std::span<const double> targets, const PlanOptions& options,
                           const std::function<void()>& target_done = {});

// Coverage (or CFE score) on a grid of wind x solar capacities, no battery; [wind][solar].
std::vector<std::vector<double>> coverage_grid(const PlanInputs& in, std::span<const double> wind_mw,
                                               std::span<const double> solar_mw, Metric metric);

}  // namespace fleetsim::planner
