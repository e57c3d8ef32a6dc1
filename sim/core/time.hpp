#pragma once
// Simulation time: int64 seconds. Absolute instants are seconds since the Unix epoch (UTC);
// inside a run, times are seconds from the scenario start. Series are hourly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetsim::core {

using Seconds = int64_t;

constexpr Seconds kSecondsPerHour = 3600;
constexpr Seconds kSecondsPerDay = 24 * kSecondsPerHour;
constexpr double kHoursPerSecond = 1.0 / static_cast<double>(kSecondsPerHour);

// Hour index that contains time t (t >= 0).
constexpr int64_t hour_of(Seconds t) {
  return t / kSecondsPerHour;
}
constexpr Seconds hour_start(int64_t hour) {
  return hour * kSecondsPerHour;
}

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" with optional "Z" or "+00:00"
// (also a space instead of 'T'). Only UTC is accepted. Returns nullopt when malformed.
std::optional<Seconds> parse_utc(std::string_view text);

// Formats epoch seconds as "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc(Seconds epoch_s);

// The UTC calendar year that contains epoch_s, and the epoch second its 1 January 00:00 UTC starts.
int utc_year(Seconds epoch_s);
Seconds utc_year_start(int year);

// Number of hours in the calendar year that contains epoch_s (8760 or 8784).
int64_t hours_in_year(int year);

}  // namespace fleetsim::core
