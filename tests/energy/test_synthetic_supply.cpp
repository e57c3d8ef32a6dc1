#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/time.hpp"
#include "energy/synthetic.hpp"

using fleetsim::energy::GridSeries;
using fleetsim::energy::HourlySeries;
using fleetsim::energy::SolarSpec;
using fleetsim::energy::synthetic_grid;
using fleetsim::energy::synthetic_solar;
using fleetsim::energy::synthetic_wind;
using fleetsim::energy::SyntheticGridSpec;
using fleetsim::energy::TimeAxis;
using fleetsim::energy::WindSpec;

namespace {

constexpr uint64_t kSeed = 20240101;
constexpr int64_t kHoursPerDay = 24;
constexpr double kRelativeTolerance = 0.01;

// One calendar year from 1 January, 00:00 UTC.
TimeAxis year_axis(int year) {
  const auto start = fleetsim::core::parse_utc(std::to_string(year) + "-01-01");
  REQUIRE(start.has_value());
  return TimeAxis{*start, fleetsim::core::hours_in_year(year)};
}

double mean_of(const HourlySeries& series) {
  double sum = 0.0;
  for (double v : series) sum += v;
  return sum / static_cast<double>(series.size());
}

// Mean over days [first_day, last_day) of a series on an axis starting at 00:00 UTC.
double mean_of_days(const HourlySeries& series, int64_t first_day, int64_t last_day) {
  double sum = 0.0;
  for (int64_t h = first_day * kHoursPerDay; h < last_day * kHoursPerDay; ++h) sum += series[static_cast<size_t>(h)];
  return sum / static_cast<double>((last_day - first_day) * kHoursPerDay);
}

// Lag-1 autocorrelation of the values at the given positions (each paired with the next hour).
double lag1_autocorrelation(const HourlySeries& series, const std::vector<size_t>& positions) {
  double mean_a = 0.0;
  double mean_b = 0.0;
  for (size_t i : positions) {
    mean_a += series[i];
    mean_b += series[i + 1];
  }
  const auto n = static_cast<double>(positions.size());
  mean_a /= n;
  mean_b /= n;
  double cov = 0.0;
  double var_a = 0.0;
  double var_b = 0.0;
  for (size_t i : positions) {
    const double da = series[i] - mean_a;
    const double db = series[i + 1] - mean_b;
    cov += da * db;
    var_a += da * da;
    var_b += db * db;
  }
  return cov / std::sqrt(var_a * var_b);
}

std::vector<size_t> all_pairs(size_t size) {
  std::vector<size_t> positions;
  for (size_t i = 0; i + 1 < size; ++i) positions.push_back(i);
  return positions;
}

SolarSpec solar_at(double latitude, double longitude, double target) {
  SolarSpec spec;
  spec.latitude_deg = latitude;
  spec.longitude_deg = longitude;
  spec.target_capacity_factor = target;
  return spec;
}

// Hour of the UTC day (0..23) with the highest value on the given day.
int64_t peak_hour(const HourlySeries& series, int64_t day) {
  int64_t best = 0;
  for (int64_t h = 1; h < kHoursPerDay; ++h) {
    if (series[static_cast<size_t>(day * kHoursPerDay + h)] > series[static_cast<size_t>(day * kHoursPerDay + best)]) {
      best = h;
    }
  }
  return best;
}

// Distance in hours between two times of day, across midnight.
double circular_hours(double a, double b) {
  const double d = std::fabs(a - b);
  return std::min(d, static_cast<double>(kHoursPerDay) - d);
}

}  // namespace

TEST_CASE("synthetic solar hits its target annual capacity factor", "[energy]") {
  struct Case {
    double latitude;
    double longitude;
    double target;
  };
  const Case cases[] = {
      {52.0, 0.0, 0.11}, {33.0, -112.0, 0.25}, {-33.0, 151.0, 0.2}, {60.0, 10.0, 0.1}, {0.0, 30.0, 0.18}};
  const TimeAxis axis = year_axis(2023);
  for (const Case& c : cases) {
    const HourlySeries cf = synthetic_solar(solar_at(c.latitude, c.longitude, c.target), axis, kSeed, 1);
    REQUIRE(cf.size() == 8760);
    INFO("latitude " << c.latitude << " longitude " << c.longitude << " target " << c.target << " mean "
                     << mean_of(cf));
    CHECK(mean_of(cf) == Approx(c.target).epsilon(kRelativeTolerance));
    for (double v : cf) {
      REQUIRE(v >= 0.0);
      REQUIRE(v <= 1.0);
    }
  }
}

TEST_CASE("synthetic wind hits its target annual capacity factor", "[energy]") {
  const TimeAxis axis = year_axis(2023);
  for (double target : {0.25, 0.35, 0.45}) {
    for (double shape : {1.8, 2.0, 2.4}) {
      WindSpec spec;
      spec.target_capacity_factor = target;
      spec.weibull_shape = shape;
      const HourlySeries cf = synthetic_wind(spec, axis, kSeed, 7);
      INFO("target " << target << " shape " << shape << " mean " << mean_of(cf));
      CHECK(mean_of(cf) == Approx(target).epsilon(kRelativeTolerance));
      for (double v : cf) {
        REQUIRE(v >= 0.0);
        REQUIRE(v <= 1.0);
      }
    }
  }
}

TEST_CASE("synthetic solar is exactly zero at night and peaks near local solar noon", "[energy]") {
  const TimeAxis axis = year_axis(2024);
  struct Site {
    double longitude;
    double solar_noon_utc_h;  // 12:00 local mean solar time in UTC
    int64_t midnight_utc_h;   // an hour around local midnight, UTC
  };
  for (const Site site : {Site{0.0, 12.0, 0}, Site{120.0, 4.0, 16}}) {
    SolarSpec spec = solar_at(40.0, site.longitude, 0.15);
    spec.cloudiness = 0.0;  // clear sky: the peak is set by geometry alone
    const HourlySeries cf = synthetic_solar(spec, axis, kSeed, 2);
    const int64_t days = axis.hours / kHoursPerDay;
    INFO("longitude " << site.longitude);
    for (int64_t day = 0; day < days; ++day) {
      // At lat 40 the sun stays over 15 degrees below the horizon within two hours of local midnight.
      for (int64_t offset = -1; offset <= 1; ++offset) {
        const int64_t hour = (site.midnight_utc_h + offset + kHoursPerDay) % kHoursPerDay;
        REQUIRE(cf[static_cast<size_t>(day * kHoursPerDay + hour)] == 0.0);
      }
      const double peak_mid = static_cast<double>(peak_hour(cf, day)) + 0.5;
      REQUIRE(circular_hours(peak_mid, site.solar_noon_utc_h) <= 1.0);
    }
    // With clouds, the hour-of-day mean still peaks next to solar noon.
    const HourlySeries cloudy = synthetic_solar(solar_at(40.0, site.longitude, 0.15), axis, kSeed, 2);
    std::vector<double> by_hour(kHoursPerDay, 0.0);
    for (size_t h = 0; h < cloudy.size(); ++h) by_hour[h % kHoursPerDay] += cloudy[h];
    int64_t best = 0;
    for (int64_t h = 1; h < kHoursPerDay; ++h) {
      if (by_hour[static_cast<size_t>(h)] > by_hour[static_cast<size_t>(best)]) best = h;
    }
    CHECK(circular_hours(static_cast<double>(best) + 0.5, site.solar_noon_utc_h) <= 1.0);
  }
}

TEST_CASE("synthetic solar has zero output whenever the sun is down all hour", "[energy]") {
  // Far north in winter: long nights, and days where the sun barely rises.
  const TimeAxis axis = year_axis(2023);
  const HourlySeries cf = synthetic_solar(solar_at(65.0, 25.0, 0.1), axis, kSeed, 3);
  int64_t zero_hours = 0;
  for (double v : cf) zero_hours += v == 0.0 ? 1 : 0;
  CHECK(zero_hours > 8760 * 4 / 10);  // about half the hours are night
  // Late December at 65 N: only a few hours of daylight around 10:00 UTC (solar noon).
  for (int64_t day = 355; day < 362; ++day) {
    int64_t lit = 0;
    for (int64_t h = 0; h < kHoursPerDay; ++h) lit += cf[static_cast<size_t>(day * kHoursPerDay + h)] > 0.0 ? 1 : 0;
    CHECK(lit <= 6);
  }
}

TEST_CASE("synthetic solar is higher in local summer than in local winter", "[energy]") {
  const TimeAxis axis = year_axis(2024);
  constexpr int64_t kJuneFirst = 152;  // day index of 1 June 2024 (leap year)
  constexpr int64_t kJulyFirst = 182;
  constexpr int64_t kDecemberFirst = 335;  // day index of 1 December 2024
  constexpr int64_t kYearEnd = 366;
  const HourlySeries north = synthetic_solar(solar_at(52.0, 0.0, 0.11), axis, kSeed, 4);
  CHECK(mean_of_days(north, kJuneFirst, kJulyFirst) > 2.0 * mean_of_days(north, kDecemberFirst, kYearEnd));
  const HourlySeries south = synthetic_solar(solar_at(-33.0, 151.0, 0.2), axis, kSeed, 4);
  CHECK(mean_of_days(south, kDecemberFirst, kYearEnd) > 1.3 * mean_of_days(south, kJuneFirst, kJulyFirst));
}

TEST_CASE("synthetic clouds and wind are autocorrelated; wind spans 0 to 1", "[energy]") {
  const TimeAxis axis = year_axis(2023);

  WindSpec wind;
  wind.correlation_h = 18.0;
  const HourlySeries cf = synthetic_wind(wind, axis, kSeed, 5);
  const double wind_autocorrelation = lag1_autocorrelation(cf, all_pairs(cf.size()));
  INFO("wind lag-1 autocorrelation " << wind_autocorrelation);
  CHECK(wind_autocorrelation > 0.8);
  int64_t at_zero = 0;
  int64_t at_one = 0;
  for (double v : cf) {
    at_zero += v == 0.0 ? 1 : 0;
    at_one += v == 1.0 ? 1 : 0;
  }
  CHECK(at_zero > 8760 / 50);
  CHECK(at_one > 8760 / 50);

  WindSpec choppy = wind;
  choppy.correlation_h = 0.5;
  const HourlySeries choppy_cf = synthetic_wind(choppy, axis, kSeed, 5);
  CHECK(lag1_autocorrelation(choppy_cf, all_pairs(choppy_cf.size())) < 0.5);

  // Clouds: the ratio of cloudy to clear-sky output (same site, same geometry) is the
  // clearness up to a constant; it is correlated from one daylight hour to the next.
  auto clearness_autocorrelation = [&](double correlation_h) {
    SolarSpec clear = solar_at(33.0, -112.0, 0.1);
    clear.cloudiness = 0.0;
    SolarSpec cloudy = clear;
    cloudy.cloudiness = 0.5;
    cloudy.cloud_correlation_h = correlation_h;
    const HourlySeries reference = synthetic_solar(clear, axis, kSeed, 6);
    const HourlySeries weather = synthetic_solar(cloudy, axis, kSeed, 6);
    HourlySeries ratio(reference.size(), 0.0);
    std::vector<size_t> positions;
    constexpr double kMinClearSky = 0.05;  // skip sunrise/sunset hours
    for (size_t h = 0; h + 1 < reference.size(); ++h) {
      if (reference[h] > kMinClearSky) ratio[h] = weather[h] / reference[h];
    }
    for (size_t h = 0; h + 2 < reference.size(); ++h) {
      if (reference[h] > kMinClearSky && reference[h + 1] > kMinClearSky && weather[h] < 1.0 && weather[h + 1] < 1.0) {
        positions.push_back(h);
      }
    }
    return lag1_autocorrelation(ratio, positions);
  };
  CHECK(clearness_autocorrelation(24.0) > 0.8);
  CHECK(clearness_autocorrelation(0.5) < 0.5);
}

TEST_CASE("synthetic supply works on a leap year and is deterministic", "[energy]") {
  const TimeAxis axis = year_axis(2024);
  REQUIRE(axis.hours == 8784);
  const SolarSpec solar = solar_at(52.0, 0.0, 0.11);
  const WindSpec wind;
  const HourlySeries s1 = synthetic_solar(solar, axis, kSeed, 10);
  const HourlySeries s2 = synthetic_solar(solar, axis, kSeed, 10);
  REQUIRE(s1.size() == 8784);
  CHECK(s1 == s2);  // bit for bit
  CHECK(mean_of(s1) == Approx(0.11).epsilon(kRelativeTolerance));
  CHECK(synthetic_solar(solar, axis, kSeed, 11) != s1);
  CHECK(synthetic_solar(solar, axis, kSeed + 1, 10) != s1);

  const HourlySeries w1 = synthetic_wind(wind, axis, kSeed, 10);
  const HourlySeries w2 = synthetic_wind(wind, axis, kSeed, 10);
  REQUIRE(w1.size() == 8784);
  CHECK(w1 == w2);
  CHECK(mean_of(w1) == Approx(0.35).epsilon(kRelativeTolerance));
  CHECK(synthetic_wind(wind, axis, kSeed, 11) != w1);

  const SyntheticGridSpec grid_spec;
  const GridSeries g1 = synthetic_grid(grid_spec, axis, kSeed, 10);
  const GridSeries g2 = synthetic_grid(grid_spec, axis, kSeed, 10);
  REQUIRE(g1.cfe_share.size() == 8784);
  REQUIRE(g1.carbon_intensity_g_per_kwh.size() == 8784);
  CHECK(g1.cfe_share == g2.cfe_share);
  CHECK(g1.carbon_intensity_g_per_kwh == g2.carbon_intensity_g_per_kwh);
  CHECK(synthetic_grid(grid_spec, axis, kSeed, 11).cfe_share != g1.cfe_share);

  // Independent of what was generated before (working memory is reused between calls).
  CHECK(synthetic_solar(solar, axis, kSeed, 10) == s1);
  CHECK(synthetic_wind(wind, axis, kSeed, 10) == w1);

  // A partial-year axis starting mid-day also works.
  const auto start = fleetsim::core::parse_utc("2024-02-28T13:00:00Z");
  REQUIRE(start.has_value());
  const TimeAxis short_axis{*start, 24 * 5};
  const HourlySeries short_cf = synthetic_solar(solar_at(40.0, 0.0, 0.15), short_axis, kSeed, 1);
  REQUIRE(short_cf.size() == 120);
  CHECK(mean_of(short_cf) == Approx(0.15).epsilon(1e-9));
}

TEST_CASE("synthetic grid matches its mean intensity and CFE share", "[energy]") {
  const TimeAxis axis = year_axis(2023);
  SyntheticGridSpec base;
  SyntheticGridSpec sunny;
  sunny.mean_carbon_intensity_g_per_kwh = 250.0;
  sunny.mean_cfe_share = 0.45;
  sunny.solar_share = 0.15;
  sunny.wind_share = 0.05;
  sunny.latitude_deg = 35.0;
  sunny.longitude_deg = -118.0;
  SyntheticGridSpec windy;
  windy.mean_carbon_intensity_g_per_kwh = 180.0;
  windy.mean_cfe_share = 0.5;
  windy.solar_share = 0.04;
  windy.wind_share = 0.2;
  windy.latitude_deg = 54.0;
  windy.longitude_deg = 9.0;
  SyntheticGridSpec firm_only;
  firm_only.mean_carbon_intensity_g_per_kwh = 30.0;
  firm_only.mean_cfe_share = 0.9;
  firm_only.solar_share = 0.0;
  firm_only.wind_share = 0.0;

  for (const SyntheticGridSpec& spec : {base, sunny, windy, firm_only}) {
    const GridSeries grid = synthetic_grid(spec, axis, kSeed, 3);
    REQUIRE(grid.carbon_intensity_g_per_kwh.size() == 8760);
    REQUIRE(grid.cfe_share.size() == 8760);
    CHECK(grid.filled_hours == 0);
    INFO("mean_cfe_share " << spec.mean_cfe_share << " realised " << mean_of(grid.cfe_share));
    CHECK(mean_of(grid.carbon_intensity_g_per_kwh) ==
          Approx(spec.mean_carbon_intensity_g_per_kwh).epsilon(1e-9).margin(0.0));
    CHECK(mean_of(grid.cfe_share) == Approx(spec.mean_cfe_share).epsilon(kRelativeTolerance));
    for (size_t h = 0; h < grid.cfe_share.size(); ++h) {
      REQUIRE(grid.cfe_share[h] >= 0.0);
      REQUIRE(grid.cfe_share[h] <= 1.0);
      REQUIRE(grid.carbon_intensity_g_per_kwh[h] >= spec.clean_ci_g_per_kwh - 1e-9);
    }
  }
}

TEST_CASE("synthetic grid clamps the CFE share at 1 and still matches both means", "[energy]") {
  // A large wind share pushes firm + wind_share w / mean(w) above 1 in windy hours; those
  // hours are clamped, and the firm share is raised (solved) so that the mean CFE share is
  // still mean_cfe_share; the mean intensity is matched through fossil_ci.
  const TimeAxis axis = year_axis(2023);
  SyntheticGridSpec spec;
  spec.mean_cfe_share = 0.6;
  spec.solar_share = 0.04;
  spec.wind_share = 0.3;
  spec.latitude_deg = 54.0;
  const GridSeries grid = synthetic_grid(spec, axis, kSeed, 3);
  int64_t clamped = 0;
  for (double g : grid.cfe_share) clamped += g == 1.0 ? 1 : 0;
  CHECK(clamped > 0);
  CHECK(mean_of(grid.cfe_share) == Approx(spec.mean_cfe_share).epsilon(1e-9));
  CHECK(mean_of(grid.carbon_intensity_g_per_kwh) ==
        Approx(spec.mean_carbon_intensity_g_per_kwh).epsilon(1e-9).margin(0.0));
}

TEST_CASE("synthetic grid is cleaner at solar noon than at night when solar is large", "[energy]") {
  const TimeAxis axis = year_axis(2023);
  SyntheticGridSpec spec;
  spec.mean_carbon_intensity_g_per_kwh = 300.0;
  spec.mean_cfe_share = 0.5;
  spec.solar_share = 0.3;
  spec.wind_share = 0.05;
  spec.latitude_deg = 35.0;
  spec.longitude_deg = 0.0;
  const GridSeries grid = synthetic_grid(spec, axis, kSeed, 8);
  constexpr size_t kNoonHour = 12;  // UTC hour containing solar noon at longitude 0
  constexpr size_t kNightHour = 0;
  double noon_cfe = 0.0;
  double night_cfe = 0.0;
  double noon_ci = 0.0;
  double night_ci = 0.0;
  for (size_t day = 0; day < 365; ++day) {
    noon_cfe += grid.cfe_share[day * 24 + kNoonHour];
    night_cfe += grid.cfe_share[day * 24 + kNightHour];
    noon_ci += grid.carbon_intensity_g_per_kwh[day * 24 + kNoonHour];
    night_ci += grid.carbon_intensity_g_per_kwh[day * 24 + kNightHour];
  }
  CHECK(noon_cfe > night_cfe + 0.3 * 365);
  CHECK(noon_ci < night_ci);
}

TEST_CASE("synthetic supply rejects invalid specs", "[energy]") {
  using Catch::Matchers::Contains;
  const TimeAxis axis = year_axis(2023);

  auto solar_with = [](auto change) {
    SolarSpec spec;
    change(spec);
    return spec;
  };
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.latitude_deg = 95.0; }), axis, 1, 1),
                    Contains("latitude_deg") && Contains("95"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.longitude_deg = -200.0; }), axis, 1, 1),
                    Contains("longitude_deg"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.target_capacity_factor = 0.0; }), axis, 1, 1),
                    Contains("target_capacity_factor"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.target_capacity_factor = 1.2; }), axis, 1, 1),
                    Contains("target_capacity_factor"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.cloudiness = -0.1; }), axis, 1, 1),
                    Contains("cloudiness"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.cloud_correlation_h = 0.0; }), axis, 1, 1),
                    Contains("cloud_correlation_h"));
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.latitude_deg = std::nan(""); }), axis, 1, 1),
                    Contains("latitude_deg"));
  // Above the share of daylight hours: not reachable even with every sunny hour at 1.
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.target_capacity_factor = 0.6; }), axis, 1, 1),
                    Contains("target_capacity_factor") && Contains("not reachable"));
  // Polar night: December at 80 N has no sun at all.
  const auto december = fleetsim::core::parse_utc("2023-12-01");
  REQUIRE(december.has_value());
  const TimeAxis polar_night{*december, 24 * 20};
  CHECK_THROWS_WITH(synthetic_solar(solar_with([](SolarSpec& s) { s.latitude_deg = 80.0; }), polar_night, 1, 1),
                    Contains("not reachable"));
  CHECK_THROWS_AS(synthetic_solar(SolarSpec{}, TimeAxis{0, 0}, 1, 1), std::invalid_argument);

  auto wind_with = [](auto change) {
    WindSpec spec;
    change(spec);
    return spec;
  };
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.target_capacity_factor = 1.0; }), axis, 1, 1),
                    Contains("target_capacity_factor"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.target_capacity_factor = 0.9; }), axis, 1, 1),
                    Contains("not reachable"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.rated_m_per_s = 3.0; }), axis, 1, 1),
                    Contains("rated_m_per_s"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.cut_out_m_per_s = 10.0; }), axis, 1, 1),
                    Contains("cut_out_m_per_s"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.cut_in_m_per_s = -1.0; }), axis, 1, 1),
                    Contains("cut_in_m_per_s"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.weibull_shape = 0.0; }), axis, 1, 1),
                    Contains("weibull_shape"));
  CHECK_THROWS_WITH(synthetic_wind(wind_with([](WindSpec& w) { w.correlation_h = -5.0; }), axis, 1, 1),
                    Contains("correlation_h"));

  auto grid_with = [](auto change) {
    SyntheticGridSpec spec;
    change(spec);
    return spec;
  };
  // Renewable shares above the carbon-free share: negative firm part.
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.solar_share = 0.35; }), axis, 1, 1),
                    Contains("solar_share") && Contains("mean_cfe_share"));
  // Mean intensity below what the carbon-free share allows.
  CHECK_THROWS_WITH(
      synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.mean_carbon_intensity_g_per_kwh = 15.0; }), axis, 1, 1),
      Contains("mean_carbon_intensity_g_per_kwh"));
  // A fully carbon-free grid can only have the clean intensity.
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) {
                                     g.mean_cfe_share = 1.0;
                                     g.solar_share = 0.0;
                                     g.wind_share = 0.0;
                                   }),
                                   axis, 1, 1),
                    Contains("mean_carbon_intensity_g_per_kwh"));
  CHECK_NOTHROW(synthetic_grid(grid_with([](SyntheticGridSpec& g) {
                                 g.mean_cfe_share = 1.0;
                                 g.solar_share = 0.0;
                                 g.wind_share = 0.0;
                                 g.mean_carbon_intensity_g_per_kwh = g.clean_ci_g_per_kwh;
                               }),
                               axis, 1, 1));
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.mean_cfe_share = 1.5; }), axis, 1, 1),
                    Contains("mean_cfe_share"));
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.wind_share = -0.1; }), axis, 1, 1),
                    Contains("wind_share"));
  CHECK_THROWS_WITH(
      synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.mean_carbon_intensity_g_per_kwh = -1.0; }), axis, 1, 1),
      Contains("mean_carbon_intensity_g_per_kwh"));
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.clean_ci_g_per_kwh = -1.0; }), axis, 1, 1),
                    Contains("clean_ci_g_per_kwh"));
  CHECK_THROWS_WITH(synthetic_grid(grid_with([](SyntheticGridSpec& g) { g.latitude_deg = -91.0; }), axis, 1, 1),
                    Contains("latitude_deg"));
}
