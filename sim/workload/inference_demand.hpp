#pragma once
// Inference demand per demand region (docs/inference.md): queries per hour from a daily
// total, a 24-hour profile in local time, weekly factors and annual growth; and a reader
// that turns a request-arrival trace (the Azure LLM inference trace 2023) into hourly
// counts and token figures.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace fleetsim::workload {

struct DemandProfileSpec {
  double queries_per_day = 0.0;                               // at the run's start, before weekly factors
  std::array<double, 24> hourly_weights{};                    // relative load per local hour 0..23 (>= 0, sum > 0)
  std::array<double, 7> weekly_factors{1, 1, 1, 1, 1, 1, 1};  // Monday..Sunday multipliers (>= 0)
  double annual_growth = 0.0;                                 // compound growth per 8,760 h, > -1
  double utc_offset_h = 0.0;                                  // local time = UTC + offset (fixed; no daylight saving)
};

// Checks ranges; throws std::invalid_argument naming the field.
void check_demand_profile(const DemandProfileSpec& spec);

// The named built-in 24-hour shapes: "flat", "diurnal" (consumer chat traffic: low before
// dawn, peak in the evening), "business_hours" (weekday office use). nullopt if unknown.
std::optional<std::array<double, 24>> builtin_hourly_profile(std::string_view name);
std::vector<std::string> builtin_hourly_profile_names();

// Queries in each run hour h (UTC hour start_epoch_s + 3600 h):
//   q(h) = queries_per_day / 24 x w(local hour) / mean(w) x weekly(local weekday)
//          x (1 + annual_growth)^(h / 8760)
std::vector<double> hourly_queries(const DemandProfileSpec& spec, core::Seconds start_epoch_s, int64_t hours);

// A request-arrival trace: columns TIMESTAMP ("YYYY-MM-DD HH:MM:SS[.fffffff]", taken as UTC),
// ContextTokens, GeneratedTokens (the Azure LLM inference trace 2023 format).
struct RequestTraceSummary {
  int64_t requests = 0;
  double span_h = 0.0;  // last arrival - first arrival, hours
  double mean_context_tokens = 0.0;
  double mean_generated_tokens = 0.0;
  core::Seconds first_hour_epoch_s = 0;   // start of the UTC hour of the first request
  std::vector<double> requests_per_hour;  // per UTC hour from first_hour_epoch_s
  std::vector<double> tokens_per_hour;    // context + generated tokens, per UTC hour
  // The 24-hour shape by UTC hour of day (requests per hour averaged over the days seen;
  // hours never seen are 0). Only meaningful when span_h >= 24.
  std::array<double, 24> requests_by_utc_hour{};
};

// Throws core::InputError naming file, line and column for a missing or malformed field.
RequestTraceSummary read_request_trace(const std::string& path);

}  // namespace fleetsim::workload
