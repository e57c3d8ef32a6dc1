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

// Calendar arithmetic on a time scale without leap seconds (UTC, or a local time given as
// UTC + a fixed offset). Days start at 00:00; 1970-01-01 was a Thursday.
constexpr int kDaysPerWeek = 7;
// The day that contains t, counted from 1970-01-01 (floor division: negative before 1970).
constexpr int64_t day_of(Seconds t) {
  return t / kSecondsPerDay - (t % kSecondsPerDay < 0 ? 1 : 0);
}
// Seconds since the start of the day that contains t, in [0, 86,400).
constexpr Seconds second_of_day(Seconds t) {
  return t - day_of(t) * kSecondsPerDay;
}
// Day of the week of the day that contains t: 0 = Monday .. 6 = Sunday (ISO 8601 order).
constexpr int weekday_of(Seconds t) {
  const int64_t d = (day_of(t) + 3) % kDaysPerWeek;  // 1970-01-01 (day 0) was a Thursday (3)
  return static_cast<int>(d < 0 ? d + kDaysPerWeek : d);
}

// "mon", "tue", "wed", "thu", "fri", "sat", "sun" for 0..6; parse_weekday is its inverse
// (lower case only) and returns nullopt for anything else.
const char* weekday_name(int weekday);
std::optional<int> parse_weekday(std::string_view name);

// Parses a time of day "HH:MM" (00:00 .. 23:59, two digits each) into seconds after
// midnight. Returns nullopt when malformed or out of range.
std::optional<Seconds> parse_time_of_day(std::string_view text);

}  // namespace fleetsim::core
