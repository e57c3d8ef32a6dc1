#include "core/time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace fleetsim::core {
namespace {

bool read_int(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  auto [ptr, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc() && ptr == first + len;
}

}  // namespace

std::optional<Seconds> parse_utc(std::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!read_int(text, 0, 4, year) || !read_int(text, 5, 2, month) || !read_int(text, 8, 2, day)) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (!read_int(text, pos + 1, 2, hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_int(text, pos + 4, 2, minute)) {
      return std::nullopt;
    }
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!read_int(text, pos + 1, 2, second)) return std::nullopt;
      pos += 3;
    }
  }
  std::string_view zone = text.substr(pos);
  if (!(zone.empty() || zone == "Z" || zone == "+00:00" || zone == "+0000")) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return static_cast<Seconds>(days) * kSecondsPerDay + hour * kSecondsPerHour + minute * 60 + second;
}

std::string format_utc(Seconds epoch_s) {
  Seconds days = epoch_s / kSecondsPerDay;
  Seconds rest = epoch_s % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    days -= 1;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(rest / kSecondsPerHour), static_cast<int>(rest % kSecondsPerHour / 60),
                static_cast<int>(rest % 60));
  return buffer;
}

int utc_year(Seconds epoch_s) {
  Seconds days = epoch_s / kSecondsPerDay;
  if (epoch_s % kSecondsPerDay < 0) days -= 1;
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return static_cast<int>(ymd.year());
}

Seconds utc_year_start(int year) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::January, std::chrono::day{1}};
  return static_cast<Seconds>(std::chrono::sys_days{ymd}.time_since_epoch().count()) * kSecondsPerDay;
}

int64_t hours_in_year(int year) {
  return std::chrono::year{year}.is_leap() ? 8784 : 8760;
}

namespace {
constexpr const char* kWeekdayNames[kDaysPerWeek] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
}  // namespace

const char* weekday_name(int weekday) {
  return weekday >= 0 && weekday < kDaysPerWeek ? kWeekdayNames[weekday] : "?";
}

std::optional<int> parse_weekday(std::string_view name) {
  for (int d = 0; d < kDaysPerWeek; ++d) {
    if (name == kWeekdayNames[d]) return d;
  }
  return std::nullopt;
}

std::optional<Seconds> parse_time_of_day(std::string_view text) {
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
  int hour = 0;
  int minute = 0;
  if (!read_int(text, 0, 2, hour) || !read_int(text, 3, 2, minute) || hour > 23 || minute > 59) return std::nullopt;
  return hour * kSecondsPerHour + minute * 60;
}

}  // namespace fleetsim::core
