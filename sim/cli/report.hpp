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

void print_summary(std::ostream& out, const std::vector<Row>& rows, const std::vector<RegionRow>& regions);

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
