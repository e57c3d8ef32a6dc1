#pragma once
// Human-readable tables for the terminal: the run summary (after `run` and in `inspect`)
// and the GPU catalog.

#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace fleetsim::cli {

struct Row {
  std::string name;
  double value = 0.0;
  std::string description;
  bool share = false;  // a fraction of 1, printed in percent (the run file stores the fraction)
};

// The run-level footprint figures that print_summary shows in its footprint block rather than
// in the list (embodied carbon, water, cost; docs/models.md, "Footprint").
bool is_footprint_row(const std::string& name);

struct RegionRow {
  std::string region;
  double facility_energy_mwh = 0.0;
  double peak_load_mw = 0.0;
  int64_t gpus = 0;
  int64_t sites = 0;
  double cfe_score = 0.0;
  double annual_matching = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
  double emissions_market_annual_t = 0.0;
  // The whole footprint (docs/models.md, "Footprint"); NaN when the file has no such column
  // (written before it existed) or, for marginal emissions, when the data have no marginal CI.
  double emissions_marginal_t = std::numeric_limits<double>::quiet_NaN();
  double embodied_it_t = std::numeric_limits<double>::quiet_NaN();
  double embodied_supply_t = std::numeric_limits<double>::quiet_NaN();
  double water_onsite_l = std::numeric_limits<double>::quiet_NaN();
  double water_offsite_l = std::numeric_limits<double>::quiet_NaN();
  double energy_cost_usd = std::numeric_limits<double>::quiet_NaN();
  double capital_cost_usd = std::numeric_limits<double>::quiet_NaN();
};

// One calendar year of a multi-year run (/summary/year).
struct YearRow {
  int year = 0;
  int64_t hours = 0;
  int64_t gpus = 0;
  double facility_energy_mwh = 0.0;
  double peak_mw = 0.0;
  double cfe_score = 0.0;
  double annual_matching = 0.0;
  double emissions_location_t = 0.0;
  double gpu_utilization = 0.0;
  int64_t jobs_submitted = 0;
};

// The per-year table (printed for runs spanning more than one calendar year); energy is also
// shown per hour of the year against the first year, so partial years compare fairly.
void print_years(std::ostream& out, const std::vector<YearRow>& years);

// "1,234,567.8": thousands separators and a precision that suits the magnitude.
std::string format_number(double value);

// JSON text: a string with its escapes; a number with 17 significant digits (round-trip
// exact), null when not finite.
std::string json_string(const std::string& s);
std::string json_number(double v);

// The same as JSON ("kind": "run"), numbers with 17 significant digits (round-trip exact).
void print_json(std::ostream& out, bool complete, const std::vector<std::pair<std::string, std::string>>& info,
                const std::vector<Row>& rows, const std::vector<RegionRow>& regions);

// The summary rows (but the footprint's), the per-region table, then the footprint block
// (print_footprint).
void print_summary(std::ostream& out, const std::vector<Row>& rows, const std::vector<RegionRow>& regions);

// The whole footprint, for a person: carbon (operational location-based, embodied IT, embodied
// supply, total; marginal when the data have it), water (on-site, off-site, in m3) and cost
// (energy, capital, total, per GPU-hour, per finished job, per 1,000 queries with inference),
// each with its name in /summary; then the same per region. Nothing for a run file written
// before the footprint existed (no embodied_it_t in its summary).
void print_footprint(std::ostream& out, const std::vector<Row>& rows, const std::vector<RegionRow>& regions);

// "$1.23M", "$12,345", "$2.13"; "—" when not finite.
std::string dollars(double usd);

// A run against its baseline: figure, policy, baseline, difference, relative change.
struct ComparisonRow {
  std::string name;
  double policy = 0.0;
  double baseline = 0.0;
  double difference = 0.0;
  double relative = 0.0;                                         // NaN: baseline 0
  double attainable = std::numeric_limits<double>::quiet_NaN();  // share of the attainable saving reached
};
void print_comparison(std::ostream& out, const std::string& policy, const std::string& baseline,
                      const std::vector<ComparisonRow>& rows);

}  // namespace fleetsim::cli
