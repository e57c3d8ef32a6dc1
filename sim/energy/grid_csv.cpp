#include "energy/grid_csv.hpp"

#define CSV_IO_NO_THREAD
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC warning; clang (the fuzz build) has no such group
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"

namespace fleetsim::energy {
namespace {

// Time rules shared by every reader (documented in grid_csv.hpp and docs/energy.md):
//  * every row is one hour after the previous one; a duplicate, a step back or a step that
//    is not a whole number of hours is always an error; a step of several hours (missing
//    hours, a "gap") is an error unless a fill policy is set;
//  * the run needs the rows at axis.epoch_of(h) + shift_s for h = 0..axis.hours-1; rows
//    outside that range are checked for their timestamps (and column count) only;
//  * with a fill policy, a file may start up to kMaxEdgeFillHours after the first hour the
//    run needs and end up to kMaxEdgeFillHours before the last one: those hours take the
//    nearest good value and count as filled. A file missing more at either end, or with no
//    row in the range at all, is an error whatever the policy (a day of made-up grid data at
//    the edge is the most we accept silently);
//  * interior gaps and empty values are filled whatever their length, column by column, from
//    the good values of the run's own rows (values outside the range are not read); a run
//    hour counts as filled if its row is missing or has at least one filled value;
//  * NaN, inf, malformed and negative values (see kMaxNegativeGenerationShare) in the rows
//    the run needs are errors whatever the policy; blank lines are skipped.
constexpr int64_t kMaxEdgeFillHours = 24;

// Generation columns are net generation, so a unit that is off but draws its auxiliary load
// shows a small negative value (ENTSO-E France 2020: hard coal down to -41 MW, hydro
// reservoir down to -93 MW, at most 0.17% of the hour's generation). Such values enter the
// sums as they are (as in the data's own derived intensity); negative generation of more
// than this share of the hour's positive generation is an error (a sign or unit error).
constexpr double kMaxNegativeGenerationShare = 0.01;

// A ratio computed by division (CFE share times a scale, generation / capacity) may exceed 1
// by this much through rounding; it is then set to 1. More than that is an error.
constexpr double kRatioTolerance = 1e-9;

constexpr const char* kTimeColumn = "datetime_utc";
// The time columns of raw exports, read as they come; both hold UTC times. Electricity Maps
// writes "2022-01-01 00:00:00"; the ENTSO-E Transparency Platform, exported with its time zone
// set to UTC, writes the market time unit as an interval, "01.01.2020 00:00 - 01.01.2020 01:00"
// (or "01/01/2020 00:00:00 - 01/01/2020 01:00:00" in its newer exports).
constexpr std::array<const char*, 2> kExportTimeColumns{"Datetime (UTC)", "MTU (UTC)"};
constexpr unsigned kMaxColumns = 24;  // the time column plus up to 23 value columns
using Reader = io::CSVReader<kMaxColumns, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>,
                             io::throw_on_overflow, io::empty_line_comment>;

// Floor division and the matching non-negative remainder, for times before the run start.
constexpr int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b < 0 ? 1 : 0);
}
constexpr int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

std::string format_number(double value) {
  std::array<char, 32> buffer{};
  auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::general, 10);
  return ec == std::errc() ? std::string(buffer.data(), ptr) : std::to_string(value);
}

std::string plural_hours(int64_t n) {
  return std::to_string(n) + (n == 1 ? " hour" : " hours");
}

// A value column the reader needs: its name in the shared data's convention, and the names the
// same column has in raw exports (at most one of them may be in a header).
struct Column {
  std::string name;
  bool required = true;
  bool allow_negative = false;  // net generation: the row check limits negative values
  std::vector<std::string> aliases = {};
};

// How a file names and marks things beyond the shared data's convention.
struct CsvOptions {
  // The time column (its values must be UTC); empty: datetime_utc, or an export's UTC time
  // column (kExportTimeColumns).
  std::string time_column;
  // ENTSO-E exports: "n/e" (not expected: the production type does not exist in the area) is
  // 0 MW; "N/A", "n/a" and "-" (not available) are empty values.
  bool entsoe_markers = false;
};

// The header's column names as the CSV reader sees them: the first line that is not blank,
// unquoted, names trimmed of spaces and tabs, a UTF-8 byte-order mark before the first name
// dropped. No names for a file with no such line.
std::vector<std::string> header_names(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  bool at_start = true;
  while (std::getline(in, line)) {
    if (at_start && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    at_start = false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) break;
    line.clear();
  }
  std::vector<std::string> names;
  if (line.empty()) return names;
  std::string name;
  bool quoted = false;
  auto finish = [&] {
    const auto first = name.find_first_not_of(" \t");
    const auto last = name.find_last_not_of(" \t");
    std::string trimmed = first == std::string::npos ? "" : name.substr(first, last - first + 1);
    if (trimmed.size() >= 2 && trimmed.front() == '"' && trimmed.back() == '"') {
      std::string unquoted;
      for (size_t i = 1; i + 1 < trimmed.size(); ++i) {
        unquoted += trimmed[i];
        if (trimmed[i] == '"' && i + 2 < trimmed.size() && trimmed[i + 1] == '"') ++i;
      }
      trimmed = unquoted;
    }
    names.push_back(trimmed);
    name.clear();
  };
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      finish();
      continue;
    }
    name += c;
  }
  finish();
  return names;
}

// A file opened for the CSV reader, past a UTF-8 byte-order mark (spreadsheet programs write
// one). The reader owns the FILE and closes it.
FILE* open_past_bom(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return nullptr;
  std::array<unsigned char, 3> head{};
  const size_t n = std::fread(head.data(), 1, head.size(), file);
  if (!(n == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)) std::rewind(file);
  return file;
}

// "DD.MM.YYYY HH:MM" or "DD/MM/YYYY HH:MM:SS" (ENTSO-E), optionally followed by " (UTC)".
std::optional<core::Seconds> parse_day_first(std::string_view s) {
  constexpr std::string_view kUtcSuffix = " (UTC)";
  if (s.size() > kUtcSuffix.size() && s.substr(s.size() - kUtcSuffix.size()) == kUtcSuffix) {
    s.remove_suffix(kUtcSuffix.size());
  }
  if (s.size() < 16 || (s[2] != '.' && s[2] != '/') || s[5] != s[2] || s[10] != ' ') return std::nullopt;
  std::string iso;
  iso.append(s.substr(6, 4)).append("-").append(s.substr(3, 2)).append("-").append(s.substr(0, 2));
  iso.append(s.substr(10));
  return core::parse_utc(iso);
}

// The value columns of every run hour after the time rules and the fill policy (row-major,
// hours x columns; 0 for an absent optional column), the file line of each hour's row (0 for
// a missing hour), and how many hours had a missing row or at least one filled value.
struct HourTable {
  size_t columns = 0;
  std::vector<double> values;
  std::vector<int64_t> lines;
  int64_t filled_hours = 0;
  const double* row(size_t h) const { return values.data() + h * columns; }
};

// Replaces the values of one column (stride apart) at the hours that are not good. kPrevious
// takes the last good hour before (the first good hour after, for hours before any good one);
// kLinear interpolates in time between the good hours a and b on both sides,
//   v(j) = v(a) + (v(b) - v(a)) * (j - a) / (b - a)   for a < j < b,
// and takes the nearest good hour at either end. At least one hour must be good.
void fill_column(double* v, const uint8_t* good, size_t stride, size_t n, FillPolicy fill) {
  auto at = [&](size_t h) -> double& { return v[h * stride]; };
  size_t first_good = 0;
  while (first_good < n && !good[first_good * stride]) ++first_good;
  for (size_t h = 0; h < first_good; ++h) at(h) = at(first_good);
  size_t last_good = first_good;
  for (size_t h = first_good + 1; h < n; ++h) {
    if (!good[h * stride]) {
      if (fill == FillPolicy::kPrevious) at(h) = at(last_good);
      continue;
    }
    if (fill == FillPolicy::kLinear && h - last_good > 1) {
      const double span = static_cast<double>(h - last_good);
      for (size_t j = last_good + 1; j < h; ++j) {
        at(j) = at(last_good) + (at(h) - at(last_good)) * (static_cast<double>(j - last_good) / span);
      }
    }
    last_good = h;
  }
  for (size_t h = last_good + 1; h < n; ++h) at(h) = at(last_good);
}

// An hourly CSV file with a UTC time column and up to kMaxColumns - 1 value columns, each found
// under its own name or one of its aliases.
class HourlyCsv {
 public:
  HourlyCsv(std::string path, std::vector<Column> columns, CsvOptions options = {})
      : path_(std::move(path)), columns_(std::move(columns)), options_(std::move(options)) {
    if (columns_.size() + 1 > kMaxColumns) throw std::logic_error("HourlyCsv: too many columns");
    if (!std::filesystem::is_regular_file(path_)) throw error(0, "", "grid or profile CSV file not found");
    core::check_csv_header_utf8(path_);
    const std::vector<std::string> header = header_names(path_);
    if (header.empty()) throw error(1, "", "empty file: no header");
    time_name_ = time_column(header);
    names_.resize(columns_.size());
    for (size_t i = 0; i < columns_.size(); ++i) names_[i] = header_name(header, columns_[i]);
    std::array<std::string, kMaxColumns> names;
    names[0] = time_name_;
    for (size_t i = 0; i < kMaxColumns - 1; ++i) {
      // Columns the reader does not need get names no header contains.
      names[i + 1] = i < columns_.size() ? names_[i] : "\x1f unused " + std::to_string(i);
    }
    try {
      FILE* file = open_past_bom(path_);
      if (file == nullptr) throw error(0, "", "cannot open the file");
      reader_ = std::make_unique<Reader>(path_, file);
      std::apply(
          [this](const auto&... name) {
            reader_->read_header(io::ignore_extra_column | io::ignore_missing_column, name...);
          },
          names);
    } catch (const io::error::base& e) {
      rethrow(e);
    }
    if (!reader_->has_column(time_name_)) throw error(1, time_name_, "required column is missing from the header");
    present_.resize(columns_.size());
    for (size_t i = 0; i < columns_.size(); ++i) {
      present_[i] = reader_->has_column(names_[i]) ? 1 : 0;
      if (columns_[i].required && !present_[i]) {
        std::string what = "required column is missing from the header";
        if (!columns_[i].aliases.empty()) {
          what += " (also looked for";
          for (size_t a = 0; a < columns_[i].aliases.size(); ++a) {
            what += (a == 0 ? " " : ", ") + core::quote(columns_[i].aliases[a]);
          }
          what += ")";
        }
        throw error(1, columns_[i].name, what);
      }
    }
  }

  // The column's name in this file (its own name when it is absent).
  const std::string& name(size_t column) const { return names_[column]; }
  const std::string& time_name() const { return time_name_; }

  bool has(size_t column) const { return present_[column] != 0; }

  core::InputError error(int64_t line, const std::string& key, const std::string& what) const {
    return core::InputError(core::SourceLocation{path_, line, key}, what);
  }

  // Reads every row and checks the time rules above. For every row the run needs, calls
  //   bool check(const double* values, const uint8_t* have, int64_t line)
  // (values in column order; have[c] is 0 for an empty value), which throws for a bad value
  // and returns false for a row that cannot be used as it is (then filled). Then fills the
  // missing hours and values, column by column.
  template <class Check>
  HourTable read(const TimeAxis& axis, core::Seconds shift_s, FillPolicy fill, Check&& check) {
    if (axis.hours < 0) throw std::invalid_argument("TimeAxis with a negative number of hours");
    const auto hours = static_cast<size_t>(axis.hours);
    const size_t n_columns = columns_.size();
    const core::Seconds first_needed = axis.epoch_of(0) + shift_s;
    const core::Seconds last_needed = first_needed + core::hour_start(axis.hours - 1);
    HourTable table;
    table.columns = n_columns;
    table.values.assign(hours * n_columns, 0.0);
    table.lines.assign(hours, 0);
    // good[h * n_columns + c]: the value is usable; absent columns are good (0).
    std::vector<uint8_t> good(hours * n_columns, 0);
    std::vector<uint8_t> have(n_columns, 0);
    std::array<char*, kMaxColumns> fields{};
    core::Seconds first_time = 0;
    core::Seconds last_time = 0;
    int64_t first_line = 0;
    int64_t last_line = 0;
    int64_t rows = 0;
    try {
      while (std::apply([this](auto&... field) { return reader_->read_row(field...); }, fields)) {
        const auto line = static_cast<int64_t>(reader_->get_file_line());
        const core::Seconds t = timestamp(fields[0], line);
        if (rows == 0) {
          first_time = t;
          first_line = line;
          if (floor_mod(t - first_needed, core::kSecondsPerHour) != 0) {
            throw error(line, time_name_,
                        core::format_utc(t) + " is not on the run's hourly grid (the run needs rows at " +
                            core::format_utc(first_needed) + " plus whole hours)");
          }
        } else {
          check_step(last_time, t, line, fill);
        }
        last_time = t;
        last_line = line;
        ++rows;
        const int64_t hour = floor_div(t - first_needed, core::kSecondsPerHour);
        if (hour < 0 || hour >= axis.hours) continue;
        const auto h = static_cast<size_t>(hour);
        double* values = table.values.data() + h * n_columns;
        table.lines[h] = line;
        for (size_t c = 0; c < n_columns; ++c) {
          have[c] = 1;
          if (!present_[c]) continue;
          const char* text = fields[c + 1];
          if (options_.entsoe_markers && text != nullptr) {
            const std::string_view marker(text);
            if (marker == "n/e") {
              values[c] = 0.0;
              continue;
            }
            if (marker == "N/A" || marker == "n/a" || marker == "-") text = "";
          }
          if (text == nullptr || *text == '\0') {
            if (fill == FillPolicy::kNone) throw error(line, names_[c], "empty value (no fill policy is set)");
            have[c] = 0;
            continue;
          }
          values[c] = number(text, c, line);
        }
        const bool usable = check(static_cast<const double*>(values), static_cast<const uint8_t*>(have.data()), line);
        for (size_t c = 0; c < n_columns; ++c) good[h * n_columns + c] = usable ? have[c] : 0;
      }
    } catch (const io::error::base& e) {
      rethrow(e);
    }
    if (rows == 0) throw error(1, "", "no data rows");
    if (hours == 0) return table;

    // Coverage: the hours the run needs that have no row, before the first and after the last.
    const int64_t missing_before = std::max<int64_t>(0, (first_time - first_needed) / core::kSecondsPerHour);
    const int64_t missing_after = std::max<int64_t>(0, (last_needed - last_time) / core::kSecondsPerHour);
    const bool overlaps = first_time <= last_needed && last_time >= first_needed;
    const bool edges_missing = missing_before > 0 || missing_after > 0;
    if (!overlaps || (edges_missing && (fill == FillPolicy::kNone || missing_before > kMaxEdgeFillHours ||
                                        missing_after > kMaxEdgeFillHours))) {
      std::string what = "covers " + core::format_utc(first_time) + ".." + core::format_utc(last_time) +
                         ", the run needs " + core::format_utc(first_needed) + ".." + core::format_utc(last_needed);
      if (missing_before > 0) what += " (" + plural_hours(missing_before) + " missing at the start)";
      if (missing_after > 0) what += " (" + plural_hours(missing_after) + " missing at the end)";
      if (fill != FillPolicy::kNone) {
        what += "; a fill policy extends a file by at most " + plural_hours(kMaxEdgeFillHours) + " at either end";
      }
      throw error(missing_before > 0 ? first_line : last_line, time_name_, what);
    }

    // Absent optional columns are 0 and good; then count and fill the hours with a bad value.
    for (size_t c = 0; c < n_columns; ++c) {
      if (present_[c]) continue;
      for (size_t h = 0; h < hours; ++h) good[h * n_columns + c] = 1;
    }
    for (size_t h = 0; h < hours; ++h) {
      const auto first = good.begin() + static_cast<std::ptrdiff_t>(h * n_columns);
      if (std::find(first, first + static_cast<std::ptrdiff_t>(n_columns), uint8_t{0}) !=
          first + static_cast<std::ptrdiff_t>(n_columns)) {
        ++table.filled_hours;
      }
    }
    if (table.filled_hours == 0) return table;
    for (size_t c = 0; c < n_columns; ++c) {
      bool any_good = false;
      for (size_t h = 0; h < hours && !any_good; ++h) any_good = good[h * n_columns + c] != 0;
      if (!any_good) throw error(first_line, names_[c], "no usable value in the rows the run needs");
      fill_column(table.values.data() + c, good.data() + c, n_columns, hours, fill);
    }
    return table;
  }

 private:
  // The time column: the one named in the options, else datetime_utc, else an export's UTC
  // time column. A header with only a time column in another (or an unstated) time zone is
  // refused: its hours would be read shifted.
  std::string time_column(const std::vector<std::string>& header) const {
    auto has = [&](const std::string& name) { return std::find(header.begin(), header.end(), name) != header.end(); };
    if (!options_.time_column.empty()) {
      if (!has(options_.time_column)) {
        throw error(1, options_.time_column, "the time column named by time_column is missing from the header");
      }
      return options_.time_column;
    }
    if (has(kTimeColumn)) return kTimeColumn;
    for (const char* name : kExportTimeColumns) {
      if (has(name)) return name;
    }
    for (const std::string& name : header) {
      if (name.rfind("MTU", 0) == 0 || name.rfind("Time (", 0) == 0 || name.rfind("Datetime (", 0) == 0) {
        throw error(1, name,
                    "a time column that does not say it is UTC: export the data in UTC (the ENTSO-E "
                    "platform's time-zone setting gives \"MTU (UTC)\"), or, if its times are UTC, name the "
                    "column with time_column");
      }
    }
    throw error(1, kTimeColumn,
                "required column is missing from the header (nor is there an export's \"Datetime (UTC)\" or "
                "\"MTU (UTC)\"; name another UTC time column with time_column)");
  }

  // The name under which the column is in the header: its own or one alias (two is an error),
  // or its own name when it is absent.
  std::string header_name(const std::vector<std::string>& header, const Column& column) const {
    std::vector<std::string> found;
    auto look = [&](const std::string& name) {
      if (std::find(header.begin(), header.end(), name) != header.end()) found.push_back(name);
    };
    look(column.name);
    for (const std::string& alias : column.aliases) look(alias);
    if (found.size() > 1) {
      throw error(1, found[1], "the same column as " + core::quote(found[0]) + " under another name: keep one");
    }
    const std::string name = found.empty() ? column.name : found[0];
    if (name == time_name_) throw error(1, name, "the time column cannot also be a value column");
    return name;
  }

  [[noreturn]] void rethrow(const io::error::base& e) const {
    const int64_t line = reader_ ? static_cast<int64_t>(reader_->get_file_line()) : 0;
    if (dynamic_cast<const io::error::too_few_columns*>(&e) != nullptr) throw error(line, "", "too few columns");
    if (dynamic_cast<const io::error::too_many_columns*>(&e) != nullptr) throw error(line, "", "too many columns");
    if (dynamic_cast<const io::error::header_missing*>(&e) != nullptr) throw error(1, "", "empty file: no header");
    if (const auto* d = dynamic_cast<const io::error::duplicated_column_in_header*>(&e)) {
      throw error(line, d->column_name, "column appears twice in the header");
    }
    throw error(line, "", e.what());
  }

  // An ISO-8601 UTC time, or an ENTSO-E market time unit "start - end" (day first, UTC by
  // the header) that must span one hour; the start of the hour either way.
  core::Seconds timestamp(const char* text, int64_t line) const {
    if (text == nullptr || *text == '\0') throw error(line, time_name_, "empty timestamp");
    if (const auto t = core::parse_utc(text)) return *t;
    const std::string_view s(text);
    const size_t dash = s.find(" - ");
    if (dash != std::string_view::npos) {
      const auto start = parse_day_first(s.substr(0, dash));
      const auto end = parse_day_first(s.substr(dash + 3));
      if (start && end) {
        if (*end - *start != core::kSecondsPerHour) {
          throw error(line, time_name_,
                      core::quote(text) + " is a market time unit of " + std::to_string((*end - *start) / 60) +
                          " minutes: rows must be hourly (average sub-hourly data to hours first)");
        }
        return *start;
      }
    }
    throw error(line, time_name_,
                core::quote(text) +
                    " is not an ISO-8601 UTC timestamp (YYYY-MM-DDTHH:MM:SSZ) nor an ENTSO-E market time unit "
                    "(DD.MM.YYYY HH:MM - DD.MM.YYYY HH:MM)");
  }

  void check_step(core::Seconds previous, core::Seconds t, int64_t line, FillPolicy fill) const {
    const core::Seconds step = t - previous;
    if (step == core::kSecondsPerHour) return;
    const std::string now = core::format_utc(t);
    const std::string before = core::format_utc(previous);
    if (step == 0) throw error(line, time_name_, "duplicate timestamp " + now + " (the previous row has it too)");
    if (step < 0) throw error(line, time_name_, now + " is before the previous row's " + before);
    if (step % core::kSecondsPerHour != 0) {
      throw error(
          line, time_name_,
          now + " is " + std::to_string(step) + " s after the previous row's " + before + ": rows must be hourly");
    }
    if (fill == FillPolicy::kNone) {
      throw error(line, time_name_,
                  plural_hours(step / core::kSecondsPerHour - 1) + " missing between " + before + " and " + now +
                      " (no fill policy is set)");
    }
  }

  double number(const char* text, size_t c, int64_t line) const {
    const Column& column = columns_[c];
    const std::string& name = names_[c];
    std::string_view s(text);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double value = 0.0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      throw error(line, name, core::quote(text) + " is not a number");
    }
    if (!std::isfinite(value)) throw error(line, name, core::quote(text) + " is not a finite number");
    if (value < 0.0 && !column.allow_negative) throw error(line, name, "negative value " + core::printable(text));
    return value;
  }

  std::string path_;
  std::vector<Column> columns_;
  CsvOptions options_;
  std::string time_name_;
  std::vector<std::string> names_;  // each column's name in this file
  std::vector<uint8_t> present_;
  std::unique_ptr<Reader> reader_;
};

// A generation column and the fuel whose emission factor it takes.
struct FuelColumn {
  const char* column;
  const char* fuel;
  bool carbon_free;  // wind, solar, hydro (not pumped storage), nuclear, geothermal, marine
  bool required;
  const char* entsoe_type = nullptr;  // ENTSO-E production type, as its exports name it
};

// EIA-930 fuel codes WND, SUN, WAT, OIL, NG, COL, NUC, OTH (../shared/data/README.md, section
// 1); OTH holds biomass, geothermal, storage and other sources and is not carbon-free. An
// optional geothermal_mw column (GEO in newer EIA-930 files) is carbon-free.
constexpr std::array<FuelColumn, 9> kEia930Columns{{
    {"wind_mw", "wind", true, true},
    {"solar_mw", "solar", true, true},
    {"hydro_mw", "hydro", true, true},
    {"oil_mw", "oil", false, true},
    {"gas_mw", "gas", false, true},
    {"coal_mw", "coal", false, true},
    {"nuclear_mw", "nuclear", true, true},
    {"other_mw", "other", false, true},
    {"geothermal_mw", "geothermal", true, false},
}};

// The ENTSO-E production types (PsrType B01-B20; README section 3 for the shared files' names);
// an area has a subset. Imports (import_from_*_mw) and storage (hydro_pumped_storage_mw, net
// output, negative when pumping; energy_storage_mw) are excluded from generation. In the
// platform's own export ("Area", "MTU (UTC)", "Biomass  - Actual Aggregated [MW]", ...) each type
// is a column "<type>  - Actual Aggregated [MW]"; the "Actual Consumption" columns (pumping,
// storage charging) are excluded like storage.
constexpr std::array<FuelColumn, 19> kEntsoeColumns{{
    {"biomass_mw", "biomass", false, false, "Biomass"},
    {"gas_mw", "gas", false, false, "Fossil Gas"},
    {"hard_coal_mw", "coal", false, false, "Fossil Hard coal"},
    {"lignite_mw", "coal", false, false, "Fossil Brown coal/Lignite"},
    {"coal_derived_gas_mw", "coal_derived_gas", false, false, "Fossil Coal-derived gas"},
    {"oil_mw", "oil", false, false, "Fossil Oil"},
    {"oil_shale_mw", "oil_shale", false, false, "Fossil Oil shale"},
    {"peat_mw", "peat", false, false, "Fossil Peat"},
    {"hydro_run_of_river_mw", "hydro", true, false, "Hydro Run-of-river and poundage"},
    {"hydro_reservoir_mw", "hydro", true, false, "Hydro Water Reservoir"},
    {"nuclear_mw", "nuclear", true, false, "Nuclear"},
    {"solar_mw", "solar", true, false, "Solar"},
    {"waste_mw", "waste", false, false, "Waste"},
    {"other_mw", "other", false, false, "Other"},
    {"other_renewable_mw", "other_renewable", false, false, "Other renewable"},
    {"wind_onshore_mw", "wind", true, false, "Wind Onshore"},
    {"wind_offshore_mw", "wind_offshore", true, false, "Wind Offshore"},
    {"geothermal_mw", "geothermal", true, false, "Geothermal"},
    {"marine_mw", "marine", true, false, "Marine"},
}};

// ENTSO-E storage, excluded from generation under either naming.
constexpr std::array<const char*, 2> kEntsoeStorageColumns{"hydro_pumped_storage_mw", "energy_storage_mw"};
constexpr std::array<const char*, 2> kEntsoeStorageTypes{"Hydro Pumped Storage", "Energy storage"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// An ENTSO-E export's column "<type>  - Actual Aggregated [MW]" (one or two spaces before the
// dash): the type and whether it is the "Actual Consumption" column. nullopt for other names.
struct EntsoeExportColumn {
  std::string type;
  bool consumption = false;
};
std::optional<EntsoeExportColumn> entsoe_export_column(std::string_view name) {
  for (const bool consumption : {false, true}) {
    const std::string_view suffix = consumption ? " - Actual Consumption [MW]" : " - Actual Aggregated [MW]";
    if (!ends_with(name, suffix)) continue;
    std::string_view type = name.substr(0, name.size() - suffix.size());
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return EntsoeExportColumn{std::string(type), consumption};
  }
  return std::nullopt;
}

// The names an ENTSO-E production type's column has in the platform's exports.
std::vector<std::string> entsoe_aliases(const FuelColumn& f) {
  if (f.entsoe_type == nullptr) return {};
  const std::string type = f.entsoe_type;
  return {type + "  - Actual Aggregated [MW]", type + " - Actual Aggregated [MW]"};
}

// An ENTSO-E generation column that is neither a known production type nor excluded would be
// silently left out of the generation mix; it is an error instead.
void check_entsoe_header(const std::string& path) {
  core::check_csv_header_utf8(path);
  for (const std::string& name : header_names(path)) {
    std::string list;
    bool known = false;
    if (const auto exported = entsoe_export_column(name)) {
      if (exported->consumption) continue;
      if (std::find(kEntsoeStorageTypes.begin(), kEntsoeStorageTypes.end(), exported->type) !=
          kEntsoeStorageTypes.end()) {
        continue;
      }
      known = std::any_of(kEntsoeColumns.begin(), kEntsoeColumns.end(),
                          [&](const FuelColumn& f) { return exported->type == f.entsoe_type; });
      for (const FuelColumn& f : kEntsoeColumns) list += (list.empty() ? "" : ", ") + std::string(f.entsoe_type);
      list += "; Hydro Pumped Storage, Energy storage and the Actual Consumption columns are excluded";
    } else {
      if (!ends_with(name, "_mw") || name.rfind("import_", 0) == 0 || name.rfind("export_", 0) == 0 ||
          std::find(kEntsoeStorageColumns.begin(), kEntsoeStorageColumns.end(), name) != kEntsoeStorageColumns.end()) {
        continue;
      }
      known = std::any_of(kEntsoeColumns.begin(), kEntsoeColumns.end(),
                          [&](const FuelColumn& f) { return name == f.column; });
      for (const FuelColumn& f : kEntsoeColumns) list += (list.empty() ? "" : ", ") + std::string(f.column);
      list += "; imports, hydro_pumped_storage_mw and energy_storage_mw are excluded";
    }
    if (!known) {
      throw core::InputError(core::SourceLocation{path, 1, name},
                             "unknown ENTSO-E generation column (known: " + list + ")");
    }
  }
}

// Carbon intensity and CFE share from generation by fuel, hour by hour (gen in MW, the
// hour's mean, i.e. MWh in the hour; EF in gCO2eq/kWh = kgCO2eq/MWh):
//   CI(h)  = sum_f gen_f(h) * EF_f / sum_f gen_f(h)                              [g/kWh]
//   CFE(h) = sum_{f carbon-free} gen_f(h) / sum_f gen_f(h)                       [0..1]
// Small negative net generation enters the sums as it is (kMaxNegativeGenerationShare); CI is
// then kept >= 0 and CFE in [0, 1]. A total of 0 MW (or less) leaves CI undefined: an error,
// or, with a fill policy, an hour whose generation is filled like a missing row. Filling works
// on the generation columns (kLinear interpolates each fuel), then CI and CFE are computed.
template <size_t N>
GridSeries read_generation(const GridCsvSpec& spec, const TimeAxis& axis, const std::array<FuelColumn, N>& fuels,
                           bool entsoe) {
  if (entsoe && std::filesystem::is_regular_file(spec.path)) check_entsoe_header(spec.path);
  std::vector<Column> columns;
  for (const FuelColumn& f : fuels) columns.push_back(Column{f.column, f.required, true, entsoe_aliases(f)});
  HourlyCsv csv(spec.path, columns, CsvOptions{spec.time_column, entsoe});
  std::array<double, N> factor{};
  std::array<double, N> water{};
  std::array<double, N> carbon_free{};
  bool any = false;
  for (size_t i = 0; i < N; ++i) {
    if (!csv.has(i)) continue;
    any = true;
    try {
      factor[i] = spec.factors.at(fuels[i].fuel);
    } catch (const std::out_of_range& e) {
      throw csv.error(1, csv.name(i), e.what());
    }
    if (!std::isfinite(factor[i]) || factor[i] < 0.0) {
      throw csv.error(1, csv.name(i),
                      "the emission factor of '" + std::string(fuels[i].fuel) + "' must be a finite number >= 0");
    }
    try {
      water[i] = spec.water.at(fuels[i].fuel);
    } catch (const std::out_of_range& e) {
      throw csv.error(1, csv.name(i), e.what());
    }
    if (!std::isfinite(water[i]) || water[i] < 0.0) {
      throw csv.error(1, csv.name(i),
                      "the water factor of '" + std::string(fuels[i].fuel) + "' must be a finite number >= 0");
    }
    carbon_free[i] = fuels[i].carbon_free ? 1.0 : 0.0;
  }
  if (!any) throw csv.error(1, "", "no generation column in the header");

  // Values each finite whose sum is not (1e308 MW in two columns) would give CI = inf / inf:
  // an error naming the column where the running sum of generation or emissions overflows.
  auto check_finite_sums = [&](const double* gen, int64_t line, const char* when) {
    double total = 0.0;
    double positive = 0.0;
    double emissions = 0.0;
    for (size_t i = 0; i < N; ++i) {
      total += gen[i];
      positive += std::max(0.0, gen[i]);
      emissions += gen[i] * factor[i];
      if (!std::isfinite(total) || !std::isfinite(positive) || !std::isfinite(emissions)) {
        throw csv.error(line, csv.name(i),
                        "value " + format_number(gen[i]) + std::string(when) +
                            ": the hour's total generation or emissions up to this column is not a finite number");
      }
    }
  };

  // A complete row: sums finite, negative net generation within limits, total > 0.
  auto check = [&](const double* gen, const uint8_t* have, int64_t line) {
    if (!std::all_of(have, have + N, [](uint8_t x) { return x != 0; })) return true;
    check_finite_sums(gen, line, "");
    double total = 0.0;
    double positive = 0.0;
    double negative = 0.0;
    size_t most_negative = 0;
    for (size_t i = 0; i < N; ++i) {
      total += gen[i];
      if (gen[i] > 0.0) positive += gen[i];
      if (gen[i] < 0.0) {
        negative -= gen[i];
        if (gen[i] < gen[most_negative]) most_negative = i;
      }
    }
    if (negative > kMaxNegativeGenerationShare * positive) {
      throw csv.error(line, csv.name(most_negative),
                      "negative value " + format_number(gen[most_negative]) + ": negative net generation (" +
                          format_number(-negative) + " MW in total) is more than 1% of the hour's generation (" +
                          format_number(positive) + " MW)");
    }
    if (!(total > 0.0)) {
      if (spec.fill == FillPolicy::kNone) {
        throw csv.error(line, "", "total generation is 0 MW: the hour's carbon intensity is undefined");
      }
      return false;
    }
    return true;
  };
  const HourTable table = csv.read(axis, spec.shift_s, spec.fill, check);

  const auto hours = static_cast<size_t>(axis.hours);
  GridSeries grid;
  grid.carbon_intensity_g_per_kwh.resize(hours);
  grid.cfe_share.resize(hours);
  grid.water_l_per_kwh.resize(hours);
  grid.filled_hours = table.filled_hours;
  for (size_t h = 0; h < hours; ++h) {
    const double* gen = table.row(h);
    check_finite_sums(gen, table.lines[h], " after filling the empty values");
    double total = 0.0;
    double emissions = 0.0;
    double cfe = 0.0;
    double litres = 0.0;
    for (size_t i = 0; i < N; ++i) {
      total += gen[i];
      emissions += gen[i] * factor[i];
      cfe += gen[i] * carbon_free[i];
      litres += gen[i] * water[i];
    }
    if (!(total > 0.0)) {  // only possible for a row with values partly filled
      throw csv.error(table.lines[h], "", "total generation is 0 MW after filling the empty values");
    }
    grid.carbon_intensity_g_per_kwh[h] = std::max(0.0, emissions / total);
    grid.cfe_share[h] = std::clamp(cfe / total, 0.0, 1.0);
    grid.water_l_per_kwh[h] = std::max(0.0, litres / total);
  }
  return grid;
}

// Electricity Maps' column names: the shared files' (README section 2) and those of the raw
// exports of its data portal, the 2022-2024 datasets ("Carbon Intensity gCO₂eq/kWh (LCA)", "Low
// Carbon Percentage") and the later ones ("Carbon intensity gCO₂eq/kWh (Life cycle)",
// "Carbon-free energy percentage (CFE%)": renewables plus nuclear, the same share).
struct ElectricityMapsColumn {
  const char* name;
  std::array<const char*, 2> exported;
};
constexpr std::array<ElectricityMapsColumn, 3> kElectricityMapsColumns{{
    {"ci_lifecycle_gco2eq_per_kwh", {"Carbon Intensity gCO₂eq/kWh (LCA)", "Carbon intensity gCO₂eq/kWh (Life cycle)"}},
    {"ci_direct_gco2eq_per_kwh", {"Carbon Intensity gCO₂eq/kWh (direct)", "Carbon intensity gCO₂eq/kWh (direct)"}},
    {"low_carbon_pct", {"Low Carbon Percentage", "Carbon-free energy percentage (CFE%)"}},
}};

// The other names of an Electricity Maps column (named in either convention).
std::vector<std::string> electricity_maps_aliases(const std::string& name) {
  for (const ElectricityMapsColumn& c : kElectricityMapsColumns) {
    std::vector<std::string> names{c.name, c.exported[0], c.exported[1]};
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    names.erase(std::find(names.begin(), names.end(), name));
    return names;
  }
  return {};
}

// A carbon-intensity column and a CFE-share column; the share is share_column * scale, in
// [0, 1] (Electricity Maps: low_carbon_pct * 0.01). Each column is filled on its own.
GridSeries read_two_columns(const GridCsvSpec& spec, const TimeAxis& axis, const Column& ci, const Column& cfe,
                            double scale) {
  const std::string& ci_column = ci.name;
  const std::string& cfe_column = cfe.name;
  if (ci_column.empty() || cfe_column.empty()) {
    throw core::InputError(
        core::SourceLocation{spec.path, 0, ci_column.empty() ? "carbon_intensity_column" : "cfe_share_column"},
        "the columns format needs the name of this column");
  }
  if (ci_column == cfe_column) {
    throw core::InputError(core::SourceLocation{spec.path, 0, cfe_column},
                           "the carbon-intensity and CFE-share columns must be two different value columns");
  }
  if (!std::isfinite(scale) || scale <= 0.0) {
    throw core::InputError(core::SourceLocation{spec.path, 0, "cfe_share_scale"}, "must be a finite number > 0");
  }
  HourlyCsv csv(spec.path, {ci, cfe}, CsvOptions{spec.time_column, false});
  auto check = [&](const double* v, const uint8_t* have, int64_t line) {
    if (have[1] && v[1] * scale > 1.0 + kRatioTolerance) {
      throw csv.error(line, csv.name(1),
                      format_number(v[1]) + " times the scale " + format_number(scale) + " is " +
                          format_number(v[1] * scale) + ", above a CFE share of 1");
    }
    return true;
  };
  const HourTable table = csv.read(axis, spec.shift_s, spec.fill, check);
  const auto hours = static_cast<size_t>(axis.hours);
  GridSeries grid;
  grid.carbon_intensity_g_per_kwh.resize(hours);
  grid.cfe_share.resize(hours);
  grid.filled_hours = table.filled_hours;
  for (size_t h = 0; h < hours; ++h) {
    grid.carbon_intensity_g_per_kwh[h] = table.row(h)[0];
    grid.cfe_share[h] = std::min(table.row(h)[1] * scale, 1.0);
  }
  return grid;
}

}  // namespace

// IPCC AR5 WG III (2014), annex III, table A.III.2: median life-cycle emissions, gCO2eq/kWh.
// Keys are the fuel names of the generation columns ("wind_offshore" for offshore wind).
EmissionFactors EmissionFactors::ipcc_ar5_lifecycle() {
  EmissionFactors f;
  f.g_per_kwh = {
      {"wind", 11.0},     {"solar", 41.0},  {"hydro", 24.0},      {"oil", 650.0},
      {"gas", 490.0},     {"coal", 820.0},  {"nuclear", 12.0},    {"other", 230.0},
      {"biomass", 230.0}, {"waste", 230.0}, {"geothermal", 38.0}, {"wind_offshore", 12.0},
  };
  // ENTSO-E production types with no AR5 median take the nearest fuel's. Peat and oil shale
  // emit more CO2 per unit of fuel energy than bituminous coal (IPCC 2006 Guidelines, vol. 2,
  // table 1.4: 106 and 107 vs 94.6 tCO2/TJ), so coal's 820 understates them; override with
  // emission_factors_g_per_kwh where these matter.
  f.g_per_kwh["peat"] = 820.0;              // coal's
  f.g_per_kwh["oil_shale"] = 820.0;         // coal's
  f.g_per_kwh["coal_derived_gas"] = 820.0;  // coal's: blast-furnace and coke-oven gas
  f.g_per_kwh["other_renewable"] = 230.0;   // biomass': mostly biogas
  f.g_per_kwh["marine"] = 12.0;             // offshore wind's
  return f;
}

// Macknick, Newmark, Heath, Hallett (2012), "Operational water consumption and withdrawal
// factors for electricity generating technologies: a review of existing literature", Environ.
// Res. Lett. 7 045802, table 1 (consumption medians, gal/MWh x 3.785 L/gal / 1000 kWh/MWh).
WaterFactors WaterFactors::macknick_2012() {
  constexpr double kLitresPerGallonMwh = 3.785411784 / 1000.0;  // gal/MWh -> L/kWh
  WaterFactors w;
  w.l_per_kwh = {
      {"coal", 687 * kLitresPerGallonMwh},       // generic coal, cooling tower
      {"gas", 198 * kLitresPerGallonMwh},        // natural gas combined cycle, cooling tower
      {"oil", 826 * kLitresPerGallonMwh},        // steam turbine (natural gas/oil steam), cooling tower
      {"nuclear", 672 * kLitresPerGallonMwh},    // cooling tower
      {"solar", 1 * kLitresPerGallonMwh},        // utility-scale PV (module washing)
      {"wind", 0.0},                             //
      {"hydro", 4491 * kLitresPerGallonMwh},     // reservoir evaporation (Torcellini et al. 2003)
      {"other", 553 * kLitresPerGallonMwh},      // biopower steam, cooling tower
      {"biomass", 553 * kLitresPerGallonMwh},    //
      {"waste", 553 * kLitresPerGallonMwh},      // biopower steam's
      {"geothermal", 15 * kLitresPerGallonMwh},  // flash, cooling tower
      {"wind_offshore", 0.0},
  };
  w.l_per_kwh["peat"] = w.l_per_kwh["coal"];
  w.l_per_kwh["oil_shale"] = w.l_per_kwh["coal"];
  w.l_per_kwh["coal_derived_gas"] = w.l_per_kwh["coal"];
  w.l_per_kwh["other_renewable"] = w.l_per_kwh["biomass"];
  w.l_per_kwh["marine"] = 0.0;
  return w;
}

double WaterFactors::at(const std::string& fuel) const {
  const auto it = l_per_kwh.find(fuel);
  if (it == l_per_kwh.end()) throw std::out_of_range("no water factor for fuel '" + fuel + "'");
  return it->second;
}

double EmissionFactors::at(const std::string& fuel) const {
  const auto it = g_per_kwh.find(fuel);
  if (it == g_per_kwh.end()) throw std::out_of_range("no emission factor for fuel '" + fuel + "'");
  return it->second;
}

namespace {

GridSeries read_grid_values(const GridCsvSpec& spec, const TimeAxis& axis) {
  switch (spec.format) {
    case GridFormat::kEia930:
      return read_generation(spec, axis, kEia930Columns, false);
    case GridFormat::kEntsoe:
      return read_generation(spec, axis, kEntsoeColumns, true);
    case GridFormat::kElectricityMaps: {
      // Electricity Maps: consumption-based intensity; low_carbon_pct = renewables + nuclear, %.
      const std::string ci =
          spec.carbon_intensity_column.empty() ? "ci_lifecycle_gco2eq_per_kwh" : spec.carbon_intensity_column;
      return read_two_columns(spec, axis, Column{ci, true, false, electricity_maps_aliases(ci)},
                              Column{"low_carbon_pct", true, false, electricity_maps_aliases("low_carbon_pct")}, 0.01);
    }
    case GridFormat::kColumns:
      return read_two_columns(spec, axis, Column{spec.carbon_intensity_column}, Column{spec.cfe_share_column},
                              spec.cfe_share_scale);
  }
  throw std::invalid_argument("read_grid_csv: unknown GridFormat");
}

}  // namespace

GridSeries read_grid_csv(const GridCsvSpec& spec, const TimeAxis& axis) {
  GridSeries grid = read_grid_values(spec, axis);
  if (!spec.marginal_carbon_intensity_column.empty()) {
    ProfileCsvSpec marginal;
    marginal.path = spec.path;
    marginal.column = spec.marginal_carbon_intensity_column;
    marginal.scale = ProfileCsvSpec::Scale::kRaw;
    marginal.fill = spec.fill;
    marginal.shift_s = spec.shift_s;
    marginal.time_column = spec.time_column;
    grid.marginal_carbon_intensity_g_per_kwh = read_profile_csv(marginal, axis);
  }
  return grid;
}

// Capacity factor from one column x (filled first, then scaled):
//   kCapacityFactor: cf(h) = x(h), which must be in [0, 1]
//   kDivideBy:       cf(h) = x(h) / divisor_mw (an installed capacity, MW), which must be <= 1
//   kDivideByMax:    cf(h) = x(h) / max_h' x(h') over the run's hours (all 0 if the maximum is 0)
//   kRaw:            x(h) as it is (an hourly series that is not a capacity factor)
//   kSigned:         x(h) as it is, negative values allowed (prices, temperatures)
HourlySeries read_profile_csv(const ProfileCsvSpec& spec, const TimeAxis& axis, int64_t* filled_hours) {
  using Scale = ProfileCsvSpec::Scale;
  if (spec.column.empty()) {
    throw core::InputError(core::SourceLocation{spec.path, 0, "column"}, "the profile needs a value column name");
  }
  if (spec.scale == Scale::kDivideBy && !(std::isfinite(spec.divisor_mw) && spec.divisor_mw > 0.0)) {
    throw core::InputError(core::SourceLocation{spec.path, 0, "divisor_mw"}, "must be a finite number > 0");
  }
  HourlyCsv csv(spec.path, {Column{spec.column, true, spec.scale == Scale::kSigned}},
                CsvOptions{spec.time_column, false});
  auto check = [&](const double* v, const uint8_t* have, int64_t line) {
    if (!have[0]) return true;
    if (spec.scale == Scale::kCapacityFactor && v[0] > 1.0) {
      throw csv.error(line, spec.column, format_number(v[0]) + " is not a capacity factor in [0, 1]");
    }
    if (spec.scale == Scale::kDivideBy && v[0] / spec.divisor_mw > 1.0 + kRatioTolerance) {
      throw csv.error(line, spec.column,
                      format_number(v[0]) + " MW / " + format_number(spec.divisor_mw) +
                          " MW = " + format_number(v[0] / spec.divisor_mw) + " is above a capacity factor of 1");
    }
    return true;
  };
  const HourTable table = csv.read(axis, spec.shift_s, spec.fill, check);
  HourlySeries profile(table.values);
  if (spec.scale == Scale::kDivideBy) {
    for (double& x : profile) x = std::min(x / spec.divisor_mw, 1.0);
  } else if (spec.scale == Scale::kDivideByMax) {
    const double max = profile.empty() ? 0.0 : *std::max_element(profile.begin(), profile.end());
    if (max > 0.0) {
      for (double& x : profile) x /= max;
    }
  }
  if (filled_hours != nullptr) *filled_hours = table.filled_hours;
  return profile;
}

}  // namespace fleetsim::energy
