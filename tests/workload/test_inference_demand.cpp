#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/time.hpp"
#include "workload/inference_demand.hpp"

using namespace fleetsim::workload;
using fleetsim::core::parse_utc;
using fleetsim::core::Seconds;

namespace {

const std::string kFixtures = std::string(FLEETSIM_SOURCE_DIR) + "/tests/fixtures/";

Seconds utc(const char* text) {
  const std::optional<Seconds> t = parse_utc(text);
  REQUIRE(t);
  return *t;
}

// Weights 1, 2, ..., 24 for local hours 0..23 (sum 300, mean 12.5): each hour distinct.
std::array<double, 24> ramp_weights() {
  std::array<double, 24> w{};
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>(i + 1);
  return w;
}

DemandProfileSpec flat_spec(double queries_per_day) {
  DemandProfileSpec spec;
  spec.queries_per_day = queries_per_day;
  spec.hourly_weights.fill(1.0);
  return spec;
}

std::string invalid_message(const DemandProfileSpec& spec) {
  try {
    check_demand_profile(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string input_error_message(const std::string& file) {
  try {
    read_request_trace(kFixtures + file);
  } catch (const fleetsim::core::InputError& e) {
    return e.what();
  }
  return "";
}

// The columns of a request trace, read independently of the reader under test.
struct TraceColumns {
  int64_t rows = 0;
  double context_sum = 0.0;
  double generated_sum = 0.0;
  double last_arrival_s = 0.0;
};

TraceColumns read_columns(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "TIMESTAMP,arrival_s,ContextTokens,GeneratedTokens");
  TraceColumns c;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream row(line);
    std::string timestamp, arrival, context, generated;
    std::getline(row, timestamp, ',');
    std::getline(row, arrival, ',');
    std::getline(row, context, ',');
    std::getline(row, generated, ',');
    ++c.rows;
    c.context_sum += std::stod(context);
    c.generated_sum += std::stod(generated);
    c.last_arrival_s = std::stod(arrival);
  }
  return c;
}

}  // namespace

TEST_CASE("a flat profile spreads queries per day evenly over the hours", "[workload]") {
  const DemandProfileSpec spec = flat_spec(2.4e8);
  const std::vector<double> q = hourly_queries(spec, utc("2023-01-02"), 48);
  REQUIRE(q.size() == 48);
  for (double v : q) CHECK(v == 1e7);
  CHECK(hourly_queries(spec, utc("2023-01-02"), 0).empty());
  CHECK_THROWS_AS(hourly_queries(spec, utc("2023-01-02"), -1), std::invalid_argument);
}

TEST_CASE("hourly weights apply in local time", "[workload]") {
  DemandProfileSpec spec;
  spec.queries_per_day = 2.4e6;
  spec.hourly_weights = ramp_weights();
  spec.utc_offset_h = -5.0;  // e.g. New York in winter
  // 2023-01-02 was a Monday; all weekly factors are 1 here.
  const std::vector<double> q = hourly_queries(spec, utc("2023-01-02T00:00:00Z"), 24);
  const double per_weight = 2.4e6 / 24.0 / 12.5;  // queries_per_day / 24 / mean(w)
  // UTC 05:00 is local 00:00 (weight 1); UTC 00:00 is local 19:00 (weight 20).
  CHECK(q[5] == Approx(1.0 * per_weight));
  CHECK(q[0] == Approx(20.0 * per_weight));
  for (size_t h = 0; h < 24; ++h) {
    const size_t local_hour = (h + 24 - 5) % 24;
    CHECK(q[h] == Approx(static_cast<double>(local_hour + 1) * per_weight));
  }
}

TEST_CASE("fractional UTC offsets take the floor of the local hour", "[workload]") {
  DemandProfileSpec spec;
  spec.queries_per_day = 2.4e6;
  spec.hourly_weights = ramp_weights();
  const double per_weight = 2.4e6 / 24.0 / 12.5;
  const Seconds start = utc("2023-01-02T00:00:00Z");

  spec.utc_offset_h = 5.5;  // India: UTC 00:00 is local 05:30, so run hour h is local hour (h + 5) mod 24
  std::vector<double> q = hourly_queries(spec, start, 24);
  for (size_t h = 0; h < 24; ++h) CHECK(q[h] == Approx(static_cast<double>((h + 5) % 24 + 1) * per_weight));

  spec.utc_offset_h = 5.75;  // Nepal: local 05:45, still local hour 5
  q = hourly_queries(spec, start, 1);
  CHECK(q[0] == Approx(6.0 * per_weight));

  spec.utc_offset_h = -3.5;  // Newfoundland: local 20:30 the day before
  q = hourly_queries(spec, start, 1);
  CHECK(q[0] == Approx(21.0 * per_weight));
}

TEST_CASE("the Sunday factor applies on a Sunday in local time", "[workload]") {
  using namespace std::chrono;
  const sys_days sunday{year{2023} / January / day{1}};
  REQUIRE(weekday{sunday} == Sunday);
  const Seconds start = utc("2023-01-01T00:00:00Z");
  REQUIRE(start == duration_cast<seconds>(sunday.time_since_epoch()).count());

  DemandProfileSpec spec = flat_spec(2.4e8);
  spec.weekly_factors = {1, 1, 1, 1, 1, 1, 2};  // Monday..Sunday

  SECTION("UTC: Sunday is run hours 0..23") {
    const std::vector<double> q = hourly_queries(spec, start, 48);
    for (size_t h = 0; h < 24; ++h) CHECK(q[h] == 2e7);
    for (size_t h = 24; h < 48; ++h) CHECK(q[h] == 1e7);
  }
  SECTION("UTC-5: UTC Sunday 00:00 is Saturday 19:00 local; local Sunday is run hours 5..28") {
    spec.utc_offset_h = -5.0;
    const std::vector<double> q = hourly_queries(spec, start, 48);
    for (size_t h = 0; h < 48; ++h) CHECK(q[h] == ((h >= 5 && h < 29) ? 2e7 : 1e7));
  }
  SECTION("UTC+9: UTC Saturday 15:00 is Sunday 00:00 local") {
    spec.utc_offset_h = 9.0;
    const std::vector<double> q = hourly_queries(spec, utc("2022-12-31T15:00:00Z"), 25);
    for (size_t h = 0; h < 24; ++h) CHECK(q[h] == 2e7);
    CHECK(q[24] == 1e7);
  }
  SECTION("a start before 1970 still finds the weekday (1969-12-28 was a Sunday)") {
    const std::vector<double> q = hourly_queries(spec, -4 * fleetsim::core::kSecondsPerDay, 25);
    CHECK(q[0] == 2e7);
    CHECK(q[23] == 2e7);
    CHECK(q[24] == 1e7);
  }
}

TEST_CASE("annual growth compounds per 8760 hours", "[workload]") {
  DemandProfileSpec spec = flat_spec(2.4e8);
  spec.annual_growth = 1.0;  // doubling per year
  const std::vector<double> q = hourly_queries(spec, utc("2023-01-02"), 8761);
  CHECK(q[8760] / q[0] == Approx(2.0).epsilon(1e-12));
  CHECK(q[4380] / q[0] == Approx(std::sqrt(2.0)).epsilon(1e-12));

  spec.annual_growth = -0.5;  // halving per year
  const std::vector<double> shrink = hourly_queries(spec, utc("2023-01-02"), 8761);
  CHECK(shrink[8760] / shrink[0] == Approx(0.5).epsilon(1e-12));
}

TEST_CASE("a non-flat profile sums to queries per day over any 24 hours", "[workload]") {
  DemandProfileSpec spec;
  spec.queries_per_day = 3.7e8;
  spec.hourly_weights = *builtin_hourly_profile("diurnal");
  for (double offset : {0.0, -8.0, 5.5, 13.0}) {
    spec.utc_offset_h = offset;
    const std::vector<double> q = hourly_queries(spec, utc("2023-03-07T07:00:00Z"), 24);
    CHECK(std::accumulate(q.begin(), q.end(), 0.0) == Approx(3.7e8).epsilon(1e-12));
    CHECK(*std::min_element(q.begin(), q.end()) < *std::max_element(q.begin(), q.end()));
  }
}

TEST_CASE("invalid demand profiles throw naming the field", "[workload]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  DemandProfileSpec spec = flat_spec(1e6);
  CHECK_NOTHROW(check_demand_profile(spec));

  DemandProfileSpec s = spec;
  s.hourly_weights.fill(0.0);
  CHECK_THAT(invalid_message(s), Catch::Contains("sum of hourly_weights = 0"));

  s = spec;
  s.hourly_weights[3] = -1.0;
  CHECK_THAT(invalid_message(s), Catch::Contains("hourly_weights[3] = -1"));

  s = spec;
  s.hourly_weights[7] = nan;
  CHECK_THAT(invalid_message(s), Catch::Contains("hourly_weights[7] = nan"));

  s = spec;
  s.hourly_weights[0] = inf;
  CHECK_THAT(invalid_message(s), Catch::Contains("hourly_weights[0] = inf"));

  s = spec;
  s.annual_growth = -1.0;
  CHECK_THAT(invalid_message(s), Catch::Contains("annual_growth = -1"));
  s.annual_growth = -2.0;
  CHECK_THAT(invalid_message(s), Catch::Contains("annual_growth = -2"));
  s.annual_growth = nan;
  CHECK_THAT(invalid_message(s), Catch::Contains("annual_growth"));

  s = spec;
  s.utc_offset_h = 20.0;
  CHECK_THAT(invalid_message(s), Catch::Contains("utc_offset_h = 20"));
  s.utc_offset_h = -14.5;
  CHECK_THAT(invalid_message(s), Catch::Contains("utc_offset_h = -14.5"));
  s.utc_offset_h = 14.0;
  CHECK_NOTHROW(check_demand_profile(s));

  s = spec;
  s.queries_per_day = -1.0;
  CHECK_THAT(invalid_message(s), Catch::Contains("queries_per_day = -1"));
  s.queries_per_day = inf;
  CHECK_THAT(invalid_message(s), Catch::Contains("queries_per_day = inf"));
  s.queries_per_day = 0.0;
  CHECK_NOTHROW(check_demand_profile(s));

  s = spec;
  s.weekly_factors[6] = -0.5;
  CHECK_THAT(invalid_message(s), Catch::Contains("weekly_factors[6] = -0.5"));
  s.weekly_factors.fill(0.0);
  CHECK_THAT(invalid_message(s), Catch::Contains("weekly_factors"));

  s = spec;
  s.hourly_weights[5] = nan;
  CHECK_THROWS_AS(hourly_queries(s, 0, 24), std::invalid_argument);  // checked before use
}

TEST_CASE("the built-in hourly profiles", "[workload]") {
  const std::vector<std::string> names = builtin_hourly_profile_names();
  CHECK(names == std::vector<std::string>{"flat", "diurnal", "business_hours"});
  for (const std::string& name : names) {
    const auto w = builtin_hourly_profile(name);
    REQUIRE(w);
    for (double v : *w) CHECK(v > 0.0);
    DemandProfileSpec spec = flat_spec(1.0);
    spec.hourly_weights = *w;
    CHECK_NOTHROW(check_demand_profile(spec));
  }
  CHECK_FALSE(builtin_hourly_profile("nocturnal"));
  CHECK_FALSE(builtin_hourly_profile(""));

  const auto flat = *builtin_hourly_profile("flat");
  CHECK(std::all_of(flat.begin(), flat.end(), [](double v) { return v == 1.0; }));

  const auto diurnal = *builtin_hourly_profile("diurnal");
  const auto min_it = std::min_element(diurnal.begin(), diurnal.end());
  const auto max_it = std::max_element(diurnal.begin(), diurnal.end());
  const auto min_hour = min_it - diurnal.begin();
  const auto max_hour = max_it - diurnal.begin();
  CHECK(min_hour >= 2);  // the trough is at night, before dawn
  CHECK(min_hour <= 6);
  CHECK(max_hour >= 12);  // the peak is in the afternoon or evening
  CHECK(max_hour <= 22);
  CHECK(*min_it / *max_it >= 0.3);
  CHECK(*min_it / *max_it <= 0.4);

  const auto office = *builtin_hourly_profile("business_hours");
  const double office_max = *std::max_element(office.begin(), office.end());
  for (size_t h = 9; h < 17; ++h) CHECK(office[h] >= 0.85 * office_max);
  for (size_t h : {0UL, 1UL, 2UL, 3UL, 4UL, 5UL, 22UL, 23UL}) CHECK(office[h] <= 0.2 * office_max);
}

TEST_CASE("a small request trace: counts and tokens per UTC hour by hand", "[workload]") {
  const RequestTraceSummary r = read_request_trace(kFixtures + "requests_small.csv");
  CHECK(r.requests == 5);
  // 19:59:59.9999999 - 18:59:58.5 = 3601.4999999 s
  CHECK(r.span_h * 3600.0 == Approx(3601.4999999).epsilon(1e-12));
  CHECK(r.mean_context_tokens == Approx(300.0));   // (100 + 200 + 300 + 400 + 500) / 5
  CHECK(r.mean_generated_tokens == Approx(30.0));  // (10 + ... + 50) / 5
  CHECK(r.first_hour_epoch_s == utc("2023-11-16T18:00:00Z"));
  CHECK(r.requests_per_hour == std::vector<double>{2.0, 3.0});
  // 18:00 bin: 110 + 220; 19:00 bin: 330 + 440 + 550
  CHECK(r.tokens_per_hour == std::vector<double>{330.0, 1320.0});
  for (size_t h = 0; h < 24; ++h) {
    CHECK(r.requests_by_utc_hour[h] == (h == 18 ? 2.0 : h == 19 ? 3.0 : 0.0));
  }
}

TEST_CASE("bad request-trace rows name file, line and column", "[workload]") {
  CHECK_THAT(input_error_message("requests_missing.csv"),
             Catch::Contains("requests_missing.csv:4: GeneratedTokens: missing value"));
  CHECK_THAT(input_error_message("requests_negative.csv"),
             Catch::Contains("requests_negative.csv:3: ContextTokens: negative token count"));
  CHECK_THAT(input_error_message("requests_not_integer.csv"),
             Catch::Contains("requests_not_integer.csv:3: GeneratedTokens: '20.5' is not an integer"));
  CHECK_THAT(input_error_message("requests_bad_time.csv"),
             Catch::Contains("requests_bad_time.csv:3: TIMESTAMP: '2023-11-16 25:00:01.0000000' is not a time"));
  CHECK_THAT(input_error_message("requests_step_back.csv"),
             Catch::Contains("requests_step_back.csv:4: TIMESTAMP: '2023-11-16 18:00:00.9000000' is earlier"));
  CHECK_THAT(input_error_message("requests_missing_column.csv"),
             Catch::Contains("requests_missing_column.csv:1: ContextTokens: required column is missing"));
  CHECK_THAT(input_error_message("requests_header_only.csv"), Catch::Contains("no requests"));
  CHECK_THAT(input_error_message("requests_no_such_file.csv"), Catch::Contains("not found"));
  CHECK_THAT(
      input_error_message("requests_header_latin1.csv"),
      Catch::Contains("requests_header_latin1.csv:1: column 4: the header name 'Mod\\xe8le' is not valid UTF-8"));
}

TEST_CASE("the Azure LLM inference traces 2023 read completely", "[workload][data]") {
  struct Case {
    const char* file;
    int64_t rows;
  };
  for (const Case& c :
       {Case{"azure_llm_inference_2023_conv.csv", 19366}, Case{"azure_llm_inference_2023_code.csv", 8819}}) {
    const std::string path = std::string(FLEETSIM_SHARED_DATA) + "/traces/" + c.file;
    if (!std::filesystem::exists(path)) {
      WARN("skipped: " << path << " is absent (the shared data folder is not next to the checkout)");
      return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const RequestTraceSummary r = read_request_trace(path);
    const auto t1 = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const TraceColumns expected = read_columns(path);
    INFO(c.file << ": " << r.requests << " requests over " << r.span_h << " h, mean tokens " << r.mean_context_tokens
                << " context / " << r.mean_generated_tokens << " generated, read in " << ms << " ms");
    CHECK(r.requests == c.rows);
    CHECK(expected.rows == c.rows);
    // arrival_s is seconds since the first request, so its last value is the span.
    CHECK(r.span_h * 3600.0 == Approx(expected.last_arrival_s).margin(1e-5));
    CHECK(r.span_h > 0.9);
    CHECK(r.span_h < 1.0);
    CHECK(r.mean_context_tokens == Approx(expected.context_sum / static_cast<double>(c.rows)).epsilon(1e-12));
    CHECK(r.mean_generated_tokens == Approx(expected.generated_sum / static_cast<double>(c.rows)).epsilon(1e-12));
    CHECK(r.first_hour_epoch_s == utc("2023-11-16T18:00:00Z"));
    CHECK(r.requests_per_hour.size() == 2);  // 18:xx and 19:xx UTC
    CHECK(std::accumulate(r.requests_per_hour.begin(), r.requests_per_hour.end(), 0.0) == static_cast<double>(c.rows));
    CHECK(std::accumulate(r.tokens_per_hour.begin(), r.tokens_per_hour.end(), 0.0) ==
          Approx(expected.context_sum + expected.generated_sum).epsilon(1e-12));
    CHECK(r.requests_by_utc_hour[18] == r.requests_per_hour[0]);
    CHECK(r.requests_by_utc_hour[19] == r.requests_per_hour[1]);
  }
}
