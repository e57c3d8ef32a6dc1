#include "workload/inference_demand.hpp"

#define CSV_IO_NO_THREAD
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC warning; clang (the fuzz build) has no such group
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "core/error.hpp"
#include "core/text.hpp"

namespace fleetsim::workload {
namespace {

constexpr int kHoursPerDay = 24;
constexpr int kDaysPerWeek = 7;
constexpr double kHoursPerYear = 8760.0;  // the growth period: (1 + g) per 8,760 h
constexpr double kMaxUtcOffsetH = 14.0;   // UTC+14 (Line Islands) .. UTC-14 bounds real zones
// 1970-01-01 (epoch day 0) was a Thursday; with Monday = 0 its index is 3.
constexpr int64_t kEpochWeekday = 3;

// ---- built-in 24-hour shapes (relative weights, local hours 0..23; only ratios matter) ----

constexpr std::array<double, 24> kFlatProfile{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

// Consumer chat traffic in local time. An approximation drawn by hand, not a fit to data:
// its shape follows the qualitative diurnal pattern reported for production LLM serving,
// e.g. the week-long Azure LLM inference traces (conversation service) analysed in
// Stojkovic et al., "DynamoLLM: Designing LLM Inference Clusters for Performance and
// Energy Efficiency", HPCA 2025 (arXiv:2408.00741), and the Microsoft Office 365 LLM
// workloads in Jaiswal et al., "SageServe" (arXiv:2502.14617): load lowest before dawn,
// rising through the morning, a broad plateau over the working day and a peak in the
// evening, falling towards midnight. Trough / peak = 0.35 (04:00 vs 20:00).
//   hour:   0    1    2    3    4    5    6    7    8    9    10   11
//         0.62 0.50 0.42 0.37 0.35 0.36 0.42 0.52 0.64 0.76 0.86 0.93
//   hour:   12   13   14   15   16   17   18   19   20   21   22   23
//         0.95 0.96 0.97 0.97 0.96 0.95 0.95 0.97 1.00 0.98 0.90 0.76
constexpr std::array<double, 24> kDiurnalProfile{0.62, 0.50, 0.42, 0.37, 0.35, 0.36, 0.42, 0.52,
                                                 0.64, 0.76, 0.86, 0.93, 0.95, 0.96, 0.97, 0.97,
                                                 0.96, 0.95, 0.95, 0.97, 1.00, 0.98, 0.90, 0.76};

// Weekday office use in local time (an approximation, not a fit): about a tenth of the
// peak at night, ramp-up 07:00-09:00, full load 09:00-17:00 with a small lunch dip at
// 12:00, ramp-down in the evening. Pair it with low weekend weekly_factors (e.g. 0.3).
//   hour:   0    1    2    3    4    5    6    7    8    9    10   11
//         0.10 0.08 0.07 0.07 0.08 0.10 0.18 0.40 0.75 1.00 1.00 1.00
//   hour:   12   13   14   15   16   17   18   19   20   21   22   23
//         0.90 1.00 1.00 1.00 1.00 0.80 0.50 0.35 0.28 0.22 0.17 0.13
constexpr std::array<double, 24> kBusinessHoursProfile{0.10, 0.08, 0.07, 0.07, 0.08, 0.10, 0.18, 0.40,
                                                       0.75, 1.00, 1.00, 1.00, 0.90, 1.00, 1.00, 1.00,
                                                       1.00, 0.80, 0.50, 0.35, 0.28, 0.22, 0.17, 0.13};

struct NamedProfile {
  const char* name;
  const std::array<double, 24>* weights;
};
constexpr std::array<NamedProfile, 3> kBuiltinProfiles{{
    {"flat", &kFlatProfile},
    {"diurnal", &kDiurnalProfile},
    {"business_hours", &kBusinessHoursProfile},
}};

// Shortest round-trip text of a double ("nan", "-1", "0.25").
std::string number_text(double value) {
  char buffer[32];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, ptr) : std::string("?");
}

[[noreturn]] void invalid(const std::string& field, double value, const char* rule) {
  throw std::invalid_argument("demand profile: " + field + " = " + number_text(value) + " must be " + rule);
}

// Floor division and modulo for a positive divisor (also correct for negative a).
constexpr int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && (a < 0) ? 1 : 0);
}
constexpr int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

// ---- request trace ----

// TIMESTAMP, ContextTokens, GeneratedTokens; any other column (arrival_s) is ignored.
constexpr unsigned kTraceColumns = 3;
using Reader = io::CSVReader<kTraceColumns, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>>;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr size_t kMaxFractionDigits = 9;                 // nanoseconds
constexpr size_t kWholeSecondsLength = 19;               // "YYYY-MM-DD HH:MM:SS"
constexpr int64_t kMaxTokensPerRequest = 1'000'000'000;  // keeps int64 token sums far from overflow
constexpr int64_t kMaxTraceHours = 1'000'000;            // ~114 years of hourly bins (16 MB)

// An instant as whole epoch seconds plus nanoseconds in [0, 1e9); ordered lexicographically.
struct Instant {
  core::Seconds s = 0;
  int64_t ns = 0;
  bool operator<(const Instant& o) const { return s < o.s || (s == o.s && ns < o.ns); }
};

class TraceFieldParser {
 public:
  TraceFieldParser(const std::string& path, const Reader& reader) : path_(path), reader_(reader) {}

  core::SourceLocation at(const char* column) const {
    return core::SourceLocation{path_, static_cast<int64_t>(reader_.get_file_line()), column};
  }

  // A token count: a non-negative integer no larger than kMaxTokensPerRequest.
  int64_t tokens(const char* column, const char* text) const {
    const std::string_view s = require(column, text);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      throw core::InputError(at(column), core::quote(s) + " is not an integer");
    }
    if (value < 0) throw core::InputError(at(column), "negative token count " + core::printable(s));
    if (value > kMaxTokensPerRequest) throw core::InputError(at(column), "larger than 1e9 tokens");
    return value;
  }

  // "YYYY-MM-DD HH:MM:SS[.f...]" with up to 9 fractional digits. The source states no
  // timezone; it is taken as UTC (core::parse_utc reads the whole seconds).
  Instant timestamp(const char* column, const char* text) const {
    const std::string_view s = require(column, text);
    const size_t dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    std::optional<core::Seconds> seconds = core::parse_utc(whole);
    if (!seconds || (dot != std::string_view::npos && whole.size() != kWholeSecondsLength)) {
      throw core::InputError(at(column), core::quote(s) + " is not a time 'YYYY-MM-DD HH:MM:SS[.fffffff]'");
    }
    Instant t{*seconds, 0};
    if (dot != std::string_view::npos) {
      const std::string_view fraction = s.substr(dot + 1);
      int64_t digits = 0;
      auto [ptr, ec] = std::from_chars(fraction.data(), fraction.data() + fraction.size(), digits);
      if (fraction.empty() || fraction.size() > kMaxFractionDigits || ec != std::errc() ||
          ptr != fraction.data() + fraction.size() || fraction.front() == '-' || fraction.front() == '+') {
        throw core::InputError(at(column), core::quote(s) + " has a fraction of a second that is not 1 to " +
                                               std::to_string(kMaxFractionDigits) + " digits");
      }
      // ns = digits x 10^(9 - number of digits)
      for (size_t i = fraction.size(); i < kMaxFractionDigits; ++i) digits *= 10;
      t.ns = digits;
    }
    return t;
  }

 private:
  std::string_view require(const char* column, const char* text) const {
    if (text == nullptr || *text == '\0') throw core::InputError(at(column), "missing value");
    return text;
  }

  const std::string& path_;
  const Reader& reader_;
};

}  // namespace

void check_demand_profile(const DemandProfileSpec& spec) {
  if (!std::isfinite(spec.queries_per_day) || spec.queries_per_day < 0.0) {
    invalid("queries_per_day", spec.queries_per_day, "finite and >= 0");
  }
  double weight_sum = 0.0;
  for (size_t i = 0; i < spec.hourly_weights.size(); ++i) {
    const double w = spec.hourly_weights[i];
    if (!std::isfinite(w) || w < 0.0) invalid("hourly_weights[" + std::to_string(i) + "]", w, "finite and >= 0");
    weight_sum += w;
  }
  if (!(weight_sum > 0.0)) invalid("sum of hourly_weights", weight_sum, "> 0");
  bool any_positive_day = false;
  for (size_t i = 0; i < spec.weekly_factors.size(); ++i) {
    const double f = spec.weekly_factors[i];
    if (!std::isfinite(f) || f < 0.0) invalid("weekly_factors[" + std::to_string(i) + "]", f, "finite and >= 0");
    any_positive_day = any_positive_day || f > 0.0;
  }
  if (!any_positive_day) invalid("weekly_factors (all seven)", 0.0, "positive on at least one day");
  if (!std::isfinite(spec.annual_growth) || spec.annual_growth <= -1.0) {
    invalid("annual_growth", spec.annual_growth, "finite and > -1");
  }
  if (!std::isfinite(spec.utc_offset_h) || std::fabs(spec.utc_offset_h) > kMaxUtcOffsetH) {
    invalid("utc_offset_h", spec.utc_offset_h, "in [-14, 14] hours");
  }
}

std::optional<std::array<double, 24>> builtin_hourly_profile(std::string_view name) {
  for (const NamedProfile& p : kBuiltinProfiles) {
    if (name == p.name) return *p.weights;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_hourly_profile_names() {
  std::vector<std::string> names;
  names.reserve(kBuiltinProfiles.size());
  for (const NamedProfile& p : kBuiltinProfiles) names.emplace_back(p.name);
  return names;
}

std::vector<double> hourly_queries(const DemandProfileSpec& spec, core::Seconds start_epoch_s, int64_t hours) {
  check_demand_profile(spec);
  if (hours < 0) throw std::invalid_argument("hourly_queries: negative number of hours " + std::to_string(hours));
  double weight_sum = 0.0;
  for (double w : spec.hourly_weights) weight_sum += w;
  // queries_per_day / 24 x w / mean(w) with mean(w) = sum(w) / 24, i.e. queries_per_day x w / sum(w).
  const double mean_weight = weight_sum / kHoursPerDay;
  const double base_per_hour = spec.queries_per_day / kHoursPerDay;
  // The offset is applied in whole seconds (5.75 h = 20,700 s exactly).
  const core::Seconds offset_s =
      static_cast<core::Seconds>(std::llround(spec.utc_offset_h * static_cast<double>(core::kSecondsPerHour)));
  const double growth_base = 1.0 + spec.annual_growth;

  std::vector<double> q(static_cast<size_t>(hours));
  for (int64_t h = 0; h < hours; ++h) {
    const core::Seconds local_s = start_epoch_s + h * core::kSecondsPerHour + offset_s;
    const int64_t local_day = floor_div(local_s, core::kSecondsPerDay);
    const auto local_hour = static_cast<size_t>(floor_mod(local_s, core::kSecondsPerDay) / core::kSecondsPerHour);
    const auto weekday = static_cast<size_t>(floor_mod(local_day + kEpochWeekday, kDaysPerWeek));
    const double growth = std::pow(growth_base, static_cast<double>(h) / kHoursPerYear);
    q[static_cast<size_t>(h)] =
        base_per_hour * (spec.hourly_weights[local_hour] / mean_weight) * spec.weekly_factors[weekday] * growth;
  }
  return q;
}

RequestTraceSummary read_request_trace(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw core::InputError(core::SourceLocation{path, 0, ""}, "request trace file not found");
  }
  RequestTraceSummary summary;
  std::unique_ptr<Reader> reader;
  Instant first;
  Instant previous;
  int64_t context_sum = 0;
  int64_t generated_sum = 0;
  core::check_csv_header_utf8(path);
  try {
    reader = std::make_unique<Reader>(path);
    reader->read_header(io::ignore_extra_column | io::ignore_missing_column, "TIMESTAMP", "ContextTokens",
                        "GeneratedTokens");
    for (const char* c : {"TIMESTAMP", "ContextTokens", "GeneratedTokens"}) {
      if (!reader->has_column(c)) {
        throw core::InputError(core::SourceLocation{path, 1, c}, "required column is missing from the header");
      }
    }
    const TraceFieldParser parse(path, *reader);
    char* f[kTraceColumns] = {};
    while (reader->read_row(f[0], f[1], f[2])) {
      const Instant t = parse.timestamp("TIMESTAMP", f[0]);
      const int64_t context = parse.tokens("ContextTokens", f[1]);
      const int64_t generated = parse.tokens("GeneratedTokens", f[2]);
      if (summary.requests == 0) {
        first = t;
        summary.first_hour_epoch_s = floor_div(t.s, core::kSecondsPerHour) * core::kSecondsPerHour;
      } else if (t < previous) {
        // The Azure traces are in time order; a step back means a damaged or merged file.
        throw core::InputError(parse.at("TIMESTAMP"), core::quote(f[0]) +
                                                          " is earlier than the row before it; rows must be in "
                                                          "non-decreasing time order");
      }
      previous = t;
      ++summary.requests;
      context_sum += context;
      generated_sum += generated;
      // UTC hour bin from the first request's hour: floor((t - first_hour) / 3600).
      const int64_t hour_index = (t.s - summary.first_hour_epoch_s) / core::kSecondsPerHour;
      if (hour_index >= kMaxTraceHours) {
        throw core::InputError(parse.at("TIMESTAMP"), "the trace spans more than 1e6 hours");
      }
      const auto bin = static_cast<size_t>(hour_index);
      if (bin >= summary.requests_per_hour.size()) {
        summary.requests_per_hour.resize(bin + 1, 0.0);
        summary.tokens_per_hour.resize(bin + 1, 0.0);
      }
      summary.requests_per_hour[bin] += 1.0;
      summary.tokens_per_hour[bin] += static_cast<double>(context + generated);
    }
  } catch (const io::error::base& e) {
    const int64_t line = reader ? static_cast<int64_t>(reader->get_file_line()) : 0;
    throw core::InputError(core::SourceLocation{path, line, ""}, e.what());
  }
  if (summary.requests == 0) {
    throw core::InputError(core::SourceLocation{path, 1, ""}, "no requests: the trace has a header but no rows");
  }
  const auto n = static_cast<double>(summary.requests);
  summary.mean_context_tokens = static_cast<double>(context_sum) / n;
  summary.mean_generated_tokens = static_cast<double>(generated_sum) / n;
  // span = last - first, in hours
  summary.span_h = (static_cast<double>(previous.s - first.s) +
                    static_cast<double>(previous.ns - first.ns) / static_cast<double>(kNanosPerSecond)) *
                   core::kHoursPerSecond;

  // By UTC hour of day H: mean over the bins of hour-of-day H between the first and the
  // last request's hour (the days covered) of requests in that bin; 0 if H never occurs.
  std::array<double, 24> days_seen{};
  const int64_t first_hour_of_day = floor_mod(summary.first_hour_epoch_s / core::kSecondsPerHour, kHoursPerDay);
  for (size_t bin = 0; bin < summary.requests_per_hour.size(); ++bin) {
    const auto hour_of_day = static_cast<size_t>((first_hour_of_day + static_cast<int64_t>(bin)) % kHoursPerDay);
    summary.requests_by_utc_hour[hour_of_day] += summary.requests_per_hour[bin];
    days_seen[hour_of_day] += 1.0;
  }
  for (size_t h = 0; h < summary.requests_by_utc_hour.size(); ++h) {
    if (days_seen[h] > 0.0) summary.requests_by_utc_hour[h] /= days_seen[h];
  }
  return summary;
}

}  // namespace fleetsim::workload
