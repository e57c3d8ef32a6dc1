#include "energy/synthetic.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.hpp"

namespace fleetsim::energy {
namespace {

// Bisection steps for the synthetic grid's firm share: 2^-60 of the [-1, 1] bracket.
constexpr int kFirmBisectionSteps = 60;
constexpr double kShareTolerance = 1e-12;  // rounding allowed in mean_cfe_share - solar - wind

using core::RngPurpose;
using core::RngStream;

constexpr double kPi = std::numbers::pi;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kSqrtHalf = 0.70710678118654752440;  // 1 / sqrt(2), for the normal CDF via erfc
constexpr double kDegreesPerHour = 15.0;              // Earth's rotation: 360 deg / 24 h
constexpr double kMinutesPerHour = 60.0;

// ---------------------------------------------------------------------------------------------
// Argument checks. Every message names the function, the field and its value.

std::string format_value(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

[[noreturn]] void fail(const char* function, const std::string& what) {
  throw std::invalid_argument(std::string(function) + ": " + what);
}

// value in [lo, hi]; NaN fails.
void require_closed(const char* function, const char* field, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    fail(function, std::string(field) + " = " + format_value(value) + " is outside [" + format_value(lo) + ", " +
                       format_value(hi) + "]");
  }
}

// value in (lo, hi); NaN fails.
void require_open(const char* function, const char* field, double value, double lo, double hi) {
  if (!(value > lo && value < hi)) {
    fail(function, std::string(field) + " = " + format_value(value) + " is outside (" + format_value(lo) + ", " +
                       format_value(hi) + ")");
  }
}

// value finite and > 0.
void require_positive(const char* function, const char* field, double value) {
  if (!(value > 0.0 && std::isfinite(value))) {
    fail(function, std::string(field) + " = " + format_value(value) + " must be positive and finite");
  }
}

void require_axis(const char* function, const TimeAxis& axis) {
  if (axis.hours <= 0) {
    fail(function, "axis.hours = " + std::to_string(axis.hours) + " must be positive");
  }
}

void check_solar_spec(const char* function, const SolarSpec& spec, const TimeAxis& axis) {
  require_axis(function, axis);
  require_closed(function, "latitude_deg", spec.latitude_deg, -90.0, 90.0);
  require_closed(function, "longitude_deg", spec.longitude_deg, -180.0, 180.0);
  require_open(function, "target_capacity_factor", spec.target_capacity_factor, 0.0, 1.0);
  require_closed(function, "cloudiness", spec.cloudiness, 0.0, 1.0);
  require_positive(function, "cloud_correlation_h", spec.cloud_correlation_h);
}

void check_wind_spec(const char* function, const WindSpec& spec, const TimeAxis& axis) {
  require_axis(function, axis);
  require_open(function, "target_capacity_factor", spec.target_capacity_factor, 0.0, 1.0);
  require_positive(function, "weibull_shape", spec.weibull_shape);
  require_positive(function, "correlation_h", spec.correlation_h);
  if (!(spec.cut_in_m_per_s >= 0.0 && std::isfinite(spec.cut_in_m_per_s))) {
    fail(function, "cut_in_m_per_s = " + format_value(spec.cut_in_m_per_s) + " must be >= 0 and finite");
  }
  if (!(spec.rated_m_per_s > spec.cut_in_m_per_s && std::isfinite(spec.rated_m_per_s))) {
    fail(function, "rated_m_per_s = " + format_value(spec.rated_m_per_s) +
                       " must be finite and above cut_in_m_per_s = " + format_value(spec.cut_in_m_per_s));
  }
  if (!(spec.cut_out_m_per_s > spec.rated_m_per_s && std::isfinite(spec.cut_out_m_per_s))) {
    fail(function, "cut_out_m_per_s = " + format_value(spec.cut_out_m_per_s) +
                       " must be finite and above rated_m_per_s = " + format_value(spec.rated_m_per_s));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

// Standard normal CDF: Phi(z) = erfc(-z / sqrt 2) / 2.
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z * kSqrtHalf);
}

// Stationary AR(1) Gaussian process with unit variance and correlation time tau (hours):
//   z_0 = e_0,  z_h = phi z_{h-1} + sqrt(1 - phi^2) e_h,  phi = exp(-1 / tau),  e_h ~ N(0, 1),
// so corr(z_h, z_{h+l}) = exp(-l / tau). One normal draw per hour from the given stream.
class Ar1Process {
 public:
  Ar1Process(RngStream& rng, double correlation_h)
      : rng_(rng), phi_(std::exp(-1.0 / correlation_h)), innovation_(std::sqrt(1.0 - phi_ * phi_)) {}
  double next() {
    value_ = started_ ? phi_ * value_ + innovation_ * rng_.normal() : rng_.normal();
    started_ = true;
    return value_;
  }

 private:
  RngStream& rng_;
  double phi_;
  double innovation_;
  double value_ = 0.0;
  bool started_ = false;
};

double mean_of(const HourlySeries& series) {
  double sum = 0.0;
  for (double v : series) sum += v;
  return sum / static_cast<double>(series.size());
}

// A function of a standard-normal variate z (erfc, log and pow per call), tabulated at
// kZTableIntervals + 1 equally spaced points on [-kZTableMax, kZTableMax] and linearly
// interpolated there; computed exactly outside (|z| > 8 has probability ~1e-15). The table
// is built per call from the spec, in a few tens of microseconds, and replaces the exact
// functions in the hourly loops, which took about a third of the run time. Interpolation
// keeps a monotone function monotone. Measured maximum absolute errors: Weibull(k, 1)
// quantile w(z) below 1.5e-5 for k >= 1.2; cover^3.4 below 6e-5 for cloudiness >= 0.05.
constexpr double kZTableMax = 8.0;
constexpr int kZTableIntervals = 1024;
constexpr double kZTableStep = 2.0 * kZTableMax / kZTableIntervals;

template <typename Function>
class ZTable {
 public:
  explicit ZTable(Function function) : function_(function) {
    for (int i = 0; i <= kZTableIntervals; ++i) {
      values_[static_cast<size_t>(i)] = function_(-kZTableMax + static_cast<double>(i) * kZTableStep);
    }
  }

  double operator()(double z) const {
    const double position = (z + kZTableMax) / kZTableStep;
    if (!(position >= 0.0 && position < kZTableIntervals)) return function_(z);
    const auto index = static_cast<size_t>(position);
    const double fraction = position - static_cast<double>(index);
    return values_[index] + fraction * (values_[index + 1] - values_[index]);
  }

 private:
  Function function_;
  std::array<double, kZTableIntervals + 1> values_{};
};

// Working memory of the generators, kept per thread and reused from call to call, so that a
// call allocates only the series it returns (fresh large buffers cost page faults that
// outweighed the arithmetic). Each member has one user; nothing is carried between calls.
struct Scratch {
  std::vector<double> positive;      // solar calibration: the hours with r > 0
  std::vector<double> suffix;        // solar calibration fallback: suffix sums
  std::vector<size_t> bucket;        // wind calibration: bucket of each hour
  std::vector<size_t> bucket_start;  // wind calibration: first slot of each bucket
  std::vector<double> sorted;        // wind calibration: w_h in increasing order
  std::vector<double> cube_prefix;   // wind calibration: prefix sums of sorted w^3
  std::vector<double> unit_speed;    // wind: w_h in time order
  HourlySeries grid_solar;           // synthetic grid: solar profile
  HourlySeries grid_wind;            // synthetic grid: wind profile
};

Scratch& scratch() {
  thread_local Scratch buffers;
  return buffers;
}

// ---------------------------------------------------------------------------------------------
// Solar.
//
// Sun position (all angles in radians in the code, degrees in the comments):
//   n          day of the year (1 = 1 January, UTC), evaluated once per day at 12:00 UTC
//   gamma      = 2 pi (n - 1) / 365                      fractional year (Spencer 1971)
//   delta      = 23.45 deg * sin(2 pi (284 + n) / 365)    declination (Cooper 1969)
//   EoT [min]  = 229.18 (0.000075 + 0.001868 cos gamma - 0.032077 sin gamma
//                        - 0.014615 cos 2 gamma - 0.040849 sin 2 gamma)   equation of time (Spencer 1971)
//   t_solar [h] = t_utc + longitude / 15 + EoT / 60       apparent solar time (east positive)
//   H          = 15 deg/h * (t_solar - 12)                hour angle
//   sin(e)     = sin(phi) sin(delta) + cos(phi) cos(delta) cos(H)   sun elevation e, latitude phi
// Clear-sky output (Meinel & Meinel 1976 direct-beam attenuation, normalised to 1 with the sun
// at the zenith; the 1.353 kW/m^2 solar constant cancels):
//   AM = 1 / sin(e),   clear(e) = sin(e) * 0.7^(AM^0.678) / 0.7   for sin(e) > 0, else 0
// averaged over kSolarSubsteps equal sub-steps of each hour (at their mid-points), so hours
// containing sunrise or sunset get the part of the hour with the sun up, and an hour with the
// sun below the horizon throughout is exactly 0.
// Clouds: x_h an AR(1) N(0,1) process with correlation time cloud_correlation_h (hours);
//   u = Phi(x),  cover = u^a  with  a = 1 / cloudiness - 1,  so that E[cover] = 1 / (1 + a)
//   = cloudiness exactly (u is uniform on [0, 1]); cover is 0 for cloudiness 0.
//   clearness = 1 - 0.75 cover^3.4   (Kasten & Czeplak 1980)
// Relative output r(h) = clear(h) * clearness(h); capacity factor min(1, k r(h)) with k
// solved exactly (see solve_capped_scale) so that the axis mean equals the target.

constexpr double kCooperAmplitudeDeg = 23.45;
constexpr double kCooperDayOffset = 284.0;
constexpr double kDaysPerYear = 365.0;
constexpr double kSpencerMinutes = 229.18;
constexpr double kSpencerC0 = 0.000075;
constexpr double kSpencerCos1 = 0.001868;
constexpr double kSpencerSin1 = -0.032077;
constexpr double kSpencerCos2 = -0.014615;
constexpr double kSpencerSin2 = -0.040849;
constexpr double kMeinelBase = 0.7;
constexpr double kMeinelExponent = 0.678;
constexpr double kKastenCoefficient = 0.75;
constexpr double kKastenExponent = 3.4;
constexpr int kSolarSubsteps = 4;  // 15-minute sub-steps within each hour
constexpr double kSolarNoonHour = 12.0;

// Day-dependent sun geometry: sin(phi) sin(delta), cos(phi) cos(delta) and the offset of
// solar time from UTC in hours (longitude / 15 + EoT / 60).
struct DayGeometry {
  double sin_product = 0.0;
  double cos_product = 0.0;
  double solar_time_offset_h = 0.0;
};

DayGeometry day_geometry(int day_of_year, double sin_lat, double cos_lat, double longitude_deg) {
  const double n = static_cast<double>(day_of_year);
  const double declination =
      kCooperAmplitudeDeg * kDegToRad * std::sin(2.0 * kPi * (kCooperDayOffset + n) / kDaysPerYear);
  const double gamma = 2.0 * kPi * (n - 1.0) / kDaysPerYear;
  const double eot_min =
      kSpencerMinutes * (kSpencerC0 + kSpencerCos1 * std::cos(gamma) + kSpencerSin1 * std::sin(gamma) +
                         kSpencerCos2 * std::cos(2.0 * gamma) + kSpencerSin2 * std::sin(2.0 * gamma));
  DayGeometry day;
  day.sin_product = sin_lat * std::sin(declination);
  day.cos_product = cos_lat * std::cos(declination);
  day.solar_time_offset_h = longitude_deg / kDegreesPerHour + eot_min / kMinutesPerHour;
  return day;
}

// Day of the year (1-based) of the UTC day with the given index since the epoch.
int day_of_year(int64_t epoch_day) {
  const std::chrono::sys_days day{std::chrono::days{epoch_day}};
  const std::chrono::year_month_day ymd{day};
  const std::chrono::sys_days year_start{ymd.year() / std::chrono::January / 1};
  return static_cast<int>((day - year_start).count()) + 1;
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Normalised clear-sky output for a given sin(elevation) > 0.
double clear_sky(double sin_elevation) {
  const double air_mass = 1.0 / sin_elevation;
  return sin_elevation * std::pow(kMeinelBase, std::pow(air_mass, kMeinelExponent) - 1.0);
}

// clear_sky tabulated on kClearSkyTableSize equal steps of sin(elevation) in [0, 1] and
// linearly interpolated (two pow calls per sub-step would dominate the run time). The
// interpolation error is below 1e-7 (checked against clear_sky at 1e6 points); the table
// is built once, identically on every run.
constexpr int kClearSkyTableSize = 4096;

double clear_sky_interpolated(double sin_elevation) {
  static const std::vector<double> table = [] {
    std::vector<double> values(kClearSkyTableSize + 1, 0.0);  // clear_sky -> 0 as sin(e) -> 0
    for (int i = 1; i <= kClearSkyTableSize; ++i) {
      values[static_cast<size_t>(i)] = clear_sky(static_cast<double>(i) / kClearSkyTableSize);
    }
    return values;
  }();
  const double position = std::min(sin_elevation, 1.0) * kClearSkyTableSize;
  const auto index = std::min(static_cast<size_t>(position), static_cast<size_t>(kClearSkyTableSize - 1));
  const double fraction = position - static_cast<double>(index);
  return table[index] + fraction * (table[index + 1] - table[index]);
}

// Relative (uncalibrated) solar output r(h) = clear(h) * clearness(h); 0 when the sun stays
// below the horizon for the whole hour.
void solar_relative(const SolarSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity, RngPurpose purpose,
                    HourlySeries& out) {
  const auto hours = static_cast<size_t>(axis.hours);
  out.assign(hours, 0.0);
  const double sin_lat = std::sin(spec.latitude_deg * kDegToRad);
  const double cos_lat = std::cos(spec.latitude_deg * kDegToRad);

  // Sub-step offsets from the hour's mid-point, as rotations of the hour angle.
  double cos_offset[kSolarSubsteps];
  double sin_offset[kSolarSubsteps];
  for (int k = 0; k < kSolarSubsteps; ++k) {
    const double offset_h = (static_cast<double>(k) + 0.5) / kSolarSubsteps - 0.5;
    cos_offset[k] = std::cos(offset_h * kDegreesPerHour * kDegToRad);
    sin_offset[k] = std::sin(offset_h * kDegreesPerHour * kDegToRad);
  }

  // Cloud cover^3.4 = Phi(x)^(3.4 a) as a function of the cloud state x; cloudiness 0 means no
  // clouds.
  const bool cloudless = spec.cloudiness <= 0.0;
  const double cover_power = cloudless ? 0.0 : kKastenExponent * (1.0 / spec.cloudiness - 1.0);
  const ZTable cover_pow(
      [cloudless, cover_power](double x) { return cloudless ? 0.0 : std::pow(normal_cdf(x), cover_power); });
  RngStream rng(seed, entity, purpose);
  Ar1Process clouds(rng, spec.cloud_correlation_h);

  // Within a UTC day the hour angle advances by exactly 15 deg per hour, so (cos H, sin H) is
  // rotated from hour to hour and recomputed with cos/sin at the start of each day.
  const double cos_hour_step = std::cos(kDegreesPerHour * kDegToRad);
  const double sin_hour_step = std::sin(kDegreesPerHour * kDegToRad);
  int64_t cached_day = 0;
  bool have_day = false;
  DayGeometry day;
  double cos_h = 1.0;
  double sin_h = 0.0;
  for (size_t h = 0; h < hours; ++h) {
    const double cloud_state = clouds.next();  // drawn every hour, day or night
    const core::Seconds start = axis.epoch_of(static_cast<int64_t>(h));
    const int64_t epoch_day = floor_div(start, core::kSecondsPerDay);
    if (!have_day || epoch_day != cached_day) {
      day = day_geometry(day_of_year(epoch_day), sin_lat, cos_lat, spec.longitude_deg);
      cached_day = epoch_day;
      have_day = true;
      const double utc_mid_h =
          static_cast<double>(start - epoch_day * core::kSecondsPerDay) * core::kHoursPerSecond + 0.5;
      const double hour_angle = kDegreesPerHour * kDegToRad * (utc_mid_h + day.solar_time_offset_h - kSolarNoonHour);
      cos_h = std::cos(hour_angle);
      sin_h = std::sin(hour_angle);
    } else {
      const double rotated_cos = cos_h * cos_hour_step - sin_h * sin_hour_step;
      sin_h = sin_h * cos_hour_step + cos_h * sin_hour_step;
      cos_h = rotated_cos;
    }
    double clear = 0.0;
    for (int k = 0; k < kSolarSubsteps; ++k) {
      const double cos_sub = cos_h * cos_offset[k] - sin_h * sin_offset[k];  // cos(H + offset)
      const double sin_elevation = day.sin_product + day.cos_product * cos_sub;
      if (sin_elevation > 0.0) clear += clear_sky_interpolated(sin_elevation);
    }
    if (clear <= 0.0) continue;
    clear /= kSolarSubsteps;
    const double clearness = 1.0 - kKastenCoefficient * cover_pow(cloud_state);
    out[h] = clear * clearness;
  }
}

// The scale k of solve_capped_scale by sorting: with the positive r in decreasing order r_0 >= r_1 >= ... and the top
// j hours capped, N target = j + k S_j with S_j = sum_{i >= j} r_i, valid when k r_j <= 1; the
// first such j gives the root.
double solve_capped_scale_sorted(std::vector<double>& positive, double target_sum) {
  std::sort(positive.begin(), positive.end(), std::greater<>());
  const size_t m = positive.size();
  std::vector<double>& suffix = scratch().suffix;  // summed from the smallest values up, for accuracy
  suffix.assign(m + 1, 0.0);
  for (size_t i = m; i-- > 0;) suffix[i] = suffix[i + 1] + positive[i];
  for (size_t j = 0; j < m; ++j) {
    const double scale = (target_sum - static_cast<double>(j)) / suffix[j];
    if (scale * positive[j] <= 1.0) return scale;
  }
  return 1.0 / positive[m - 1];  // every positive hour capped
}

// Scale k such that mean_h min(1, k r(h)) = target. f(k) = mean_h min(1, k r(h)) is
// continuous, non-decreasing, concave and piecewise linear in k, so Newton's method from
// k_0 = N target / sum r (no hour capped, f(k_0) <= target) stays below the root and ends
// exactly on it: with C(k) the hours where k r >= 1 and U(k) the sum of r over the others,
//   k_{t+1} = (N target - |C(k_t)|) / U(k_t),
// done when |C| no longer changes (then k solves N target = |C| + k U on its own piece).
// Each step caps at least one more hour, so it ends; kMaxNewtonSteps only bounds pathological
// cases, which fall back to the sorted piecewise solve (solve_capped_scale_sorted).
// Throws when the target exceeds the share of hours with r > 0 (every such hour at 1).
constexpr int kMaxNewtonSteps = 64;

double solve_capped_scale(const HourlySeries& relative, double target, const char* function) {
  std::vector<double>& positive = scratch().positive;
  positive.clear();
  double total = 0.0;
  for (double r : relative) {
    if (r > 0.0) {
      positive.push_back(r);
      total += r;
    }
  }
  const double hours = static_cast<double>(relative.size());
  const double max_mean = static_cast<double>(positive.size()) / hours;
  if (positive.empty()) {
    fail(function, "target_capacity_factor = " + format_value(target) +
                       " is not reachable: the sun never rises over the time axis at this latitude");
  }
  if (target > max_mean) {
    fail(function, "target_capacity_factor = " + format_value(target) + " is not reachable: the sun is up in only " +
                       format_value(max_mean) +
                       " of the hours, the largest mean capacity factor with each hour capped at 1");
  }
  const double target_sum = target * hours;
  double scale = target_sum / total;
  size_t capped_before = 0;
  for (int step = 0; step < kMaxNewtonSteps; ++step) {
    size_t capped = 0;
    double uncapped_sum = 0.0;
    for (double r : positive) {
      if (scale * r >= 1.0) {
        ++capped;
      } else {
        uncapped_sum += r;
      }
    }
    if (capped == capped_before) return scale;
    if (!(uncapped_sum > 0.0)) break;
    scale = (target_sum - static_cast<double>(capped)) / uncapped_sum;
    capped_before = capped;
  }
  return solve_capped_scale_sorted(positive, target_sum);
}

HourlySeries solar_calibrated(const SolarSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity,
                              RngPurpose purpose, const char* function) {
  check_solar_spec(function, spec, axis);
  HourlySeries out;
  solar_relative(spec, axis, seed, entity, purpose, out);
  const double scale = solve_capped_scale(out, spec.target_capacity_factor, function);
  for (double& v : out) v = std::min(1.0, scale * v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Wind.
//
//   z_h    AR(1) N(0,1) process, phi = exp(-1 / correlation_h)
//   u_h    = Phi(z_h)                                     uniform on (0, 1)
//   w_h    = (-ln(1 - u_h))^(1 / k)                       Weibull(k, 1) by the inverse CDF
//   v_h    = lambda w_h                                   wind speed, m/s; Weibull(k, lambda)
//   P(v)   = 0 for v < v_in;  (v^3 - v_in^3) / (v_r^3 - v_in^3) for v_in <= v < v_r;
//            1 for v_r <= v <= v_out;  0 for v > v_out      (idealised power curve)
// The random numbers (w_h) are drawn once; lambda is then found as the smallest scale at which
// mean_h P(lambda w_h) reaches the target: a geometric scan brackets it, bisection refines it.
// With the w_h sorted and prefix sums of w^3, each evaluation of the mean is O(log N):
//   N * CF(lambda) = [lambda^3 (W3[b] - W3[a]) - v_in^3 (b - a)] / (v_r^3 - v_in^3) + (c - b)
// with a, b, c the counts of w below v_in / lambda, below v_r / lambda, and <= v_out / lambda.

constexpr double kScanStartFraction = 0.01;  // first scanned lambda, as a fraction of rated speed
constexpr double kScanFactor = 1.05;         // geometric step of the lambda scan
constexpr double kScanMaxFactor = 1.0e6;     // stop scanning at kScanMaxFactor * cut-out speed
constexpr int kMaxHalvings = 200;
constexpr int kBisectionSteps = 200;

// Mean capacity factor as a function of lambda, from the sorted w_h (kept by reference) and
// prefix sums of their cubes (built here into cube_prefix).
class WindCapacityFactor {
 public:
  WindCapacityFactor(const WindSpec& spec, const std::vector<double>& sorted_unit_speed,
                     std::vector<double>& cube_prefix)
      : sorted_(sorted_unit_speed),
        cube_prefix_(cube_prefix),
        cut_in_(spec.cut_in_m_per_s),
        rated_(spec.rated_m_per_s),
        cut_out_(spec.cut_out_m_per_s),
        cut_in_cubed_(cut_in_ * cut_in_ * cut_in_),
        cubic_range_(rated_ * rated_ * rated_ - cut_in_cubed_) {
    cube_prefix.assign(sorted_.size() + 1, 0.0);
    for (size_t i = 0; i < sorted_.size(); ++i) {
      cube_prefix[i + 1] = cube_prefix[i] + sorted_[i] * sorted_[i] * sorted_[i];
    }
  }

  double operator()(double lambda) const {
    const auto begin = sorted_.begin();
    const auto a = std::lower_bound(begin, sorted_.end(), cut_in_ / lambda) - begin;
    const auto b = std::lower_bound(begin, sorted_.end(), rated_ / lambda) - begin;
    const auto c = std::upper_bound(begin, sorted_.end(), cut_out_ / lambda) - begin;
    const double cubic_part =
        (lambda * lambda * lambda * (cube_prefix_[static_cast<size_t>(b)] - cube_prefix_[static_cast<size_t>(a)]) -
         cut_in_cubed_ * static_cast<double>(b - a)) /
        cubic_range_;
    return (cubic_part + static_cast<double>(std::max<std::ptrdiff_t>(0, c - b))) / static_cast<double>(sorted_.size());
  }

  double smallest() const { return sorted_.front(); }

 private:
  const std::vector<double>& sorted_;
  const std::vector<double>& cube_prefix_;
  double cut_in_;
  double rated_;
  double cut_out_;
  double cut_in_cubed_;
  double cubic_range_;
};

double power_curve(double speed, const WindSpec& spec, double cut_in_cubed, double cubic_range) {
  if (speed < spec.cut_in_m_per_s || speed > spec.cut_out_m_per_s) return 0.0;
  if (speed >= spec.rated_m_per_s) return 1.0;
  return (speed * speed * speed - cut_in_cubed) / cubic_range;
}

double solve_weibull_scale(const WindSpec& spec, const std::vector<double>& sorted_unit_speed, const char* function) {
  const WindCapacityFactor capacity_factor(spec, sorted_unit_speed, scratch().cube_prefix);
  const double target = spec.target_capacity_factor;
  double low = kScanStartFraction * spec.rated_m_per_s;
  for (int i = 0; i < kMaxHalvings && capacity_factor(low) >= target; ++i) low *= 0.5;
  double best = capacity_factor(low);
  double high = low;
  const double scan_end = kScanMaxFactor * spec.cut_out_m_per_s;
  bool bracketed = false;
  while (high < scan_end) {
    low = high;
    high = low * kScanFactor;
    const double value = capacity_factor(high);
    best = std::max(best, value);
    if (value >= target) {
      bracketed = true;
      break;
    }
    if (high * capacity_factor.smallest() > spec.cut_out_m_per_s) break;  // every hour above cut-out
  }
  if (!bracketed) {
    fail(function,
         "target_capacity_factor = " + format_value(target) +
             " is not reachable with this power curve and weibull_shape = " + format_value(spec.weibull_shape) +
             " (largest mean capacity factor found: " + format_value(best) + ")");
  }
  // Invariant: CF(low) < target <= CF(high).
  for (int i = 0; i < kBisectionSteps; ++i) {
    const double mid = 0.5 * (low + high);
    if (mid <= low || mid >= high) break;
    if (capacity_factor(mid) >= target) {
      high = mid;
    } else {
      low = mid;
    }
  }
  return high;
}

// Sorts values whose keys (uniform on [0, 1), non-decreasing in the value) are spread evenly:
// a counting sort into one bucket per value, then each bucket sorted on its own (about one
// value per bucket, so O(N) in practice and O(N log N) at worst, e.g. for a near-constant key).
// The buckets are given as bucket[i] = floor(key_i * N); the result goes to sorted.
constexpr size_t kInsertionSortMax = 16;

void bucket_sort(const std::vector<double>& values, const std::vector<size_t>& bucket, std::vector<size_t>& start,
                 std::vector<double>& sorted) {
  const size_t n = values.size();
  start.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) ++start[bucket[i] + 1];
  for (size_t b = 0; b < n; ++b) start[b + 1] += start[b];
  sorted.resize(n);
  for (size_t i = 0; i < n; ++i) sorted[start[bucket[i]]++] = values[i];  // start[b] -> end of bucket b
  for (size_t b = n; b-- > 0;) start[b + 1] = start[b];                   // back to first slot of b
  start[0] = 0;
  for (size_t b = 0; b < n; ++b) {
    const auto first = sorted.begin() + static_cast<std::ptrdiff_t>(start[b]);
    const auto last = sorted.begin() + static_cast<std::ptrdiff_t>(start[b + 1]);
    if (start[b + 1] - start[b] > kInsertionSortMax) {
      std::sort(first, last);
      continue;
    }
    for (auto it = first; it != last; ++it) {  // insertion sort
      const double value = *it;
      auto hole = it;
      for (; hole != first && *(hole - 1) > value; --hole) *hole = *(hole - 1);
      *hole = value;
    }
  }
}

// Calibrated wind capacity factors into out.
void wind_calibrated(const WindSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity, RngPurpose purpose,
                     const char* function, HourlySeries& out) {
  check_wind_spec(function, spec, axis);
  const auto hours = static_cast<size_t>(axis.hours);
  Scratch& buffers = scratch();
  std::vector<double>& unit_speed = buffers.unit_speed;
  unit_speed.resize(hours);
  buffers.bucket.resize(hours);
  RngStream rng(seed, entity, purpose);
  Ar1Process speed_state(rng, spec.correlation_h);
  const double inverse_shape = 1.0 / spec.weibull_shape;
  const ZTable weibull_quantile([inverse_shape](double z) {
    // tail = 1 - Phi(|z|); -ln(1 - Phi(z)) is computed from whichever tail keeps its precision.
    const double tail = 0.5 * std::erfc(std::fabs(z) * kSqrtHalf);
    const double exponential = z >= 0.0 ? -std::log(tail) : -std::log1p(-tail);
    return std::pow(exponential, inverse_shape);
  });
  const ZTable uniform(normal_cdf);  // bucket keys for the sort
  const double bucket_count = static_cast<double>(hours);
  for (size_t h = 0; h < hours; ++h) {
    const double z = speed_state.next();
    unit_speed[h] = weibull_quantile(z);
    buffers.bucket[h] = std::min(hours - 1, static_cast<size_t>(uniform(z) * bucket_count));
  }
  bucket_sort(unit_speed, buffers.bucket, buffers.bucket_start, buffers.sorted);
  const double lambda = solve_weibull_scale(spec, buffers.sorted, function);
  const double cut_in_cubed = spec.cut_in_m_per_s * spec.cut_in_m_per_s * spec.cut_in_m_per_s;
  const double cubic_range = spec.rated_m_per_s * spec.rated_m_per_s * spec.rated_m_per_s - cut_in_cubed;
  out.resize(hours);
  for (size_t h = 0; h < hours; ++h) out[h] = power_curve(lambda * unit_speed[h], spec, cut_in_cubed, cubic_range);
}

// ---------------------------------------------------------------------------------------------
// Synthetic grid.

// Profiles behind the grid's solar and wind fleets. Only their shape matters (they enter as
// s / mean(s)), so the solar profile is the uncapped relative output r(h), and the wind
// profile a capacity factor calibrated to a typical onshore fleet.
constexpr double kGridCloudiness = 0.4;
constexpr double kGridCloudCorrelationH = 24.0;
constexpr double kGridWindCapacityFactor = 0.35;

}  // namespace

HourlySeries synthetic_solar(const SolarSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity) {
  return solar_calibrated(spec, axis, seed, entity, RngPurpose::kSolarClouds, "synthetic_solar");
}

HourlySeries synthetic_wind(const WindSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity) {
  HourlySeries out;
  wind_calibrated(spec, axis, seed, entity, RngPurpose::kWindSpeed, "synthetic_wind", out);
  return out;
}

// g(h)  = clamp(firm + solar_share s(h) / mean(s) + wind_share w(h) / mean(w), 0, 1)
// firm  = mean_cfe_share - solar_share - wind_share >= 0
// CI(h) = clean_ci g(h) + fossil_ci (1 - g(h)),  fossil_ci = (CI_mean - clean_ci mean(g)) / (1 - mean(g))
// so that mean_h CI(h) = CI_mean. Units: shares are fractions of grid energy, CI in gCO2/kWh.
GridSeries synthetic_grid(const SyntheticGridSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity) {
  constexpr const char* kFunction = "synthetic_grid";
  require_axis(kFunction, axis);
  require_positive(kFunction, "mean_carbon_intensity_g_per_kwh", spec.mean_carbon_intensity_g_per_kwh);
  require_closed(kFunction, "mean_cfe_share", spec.mean_cfe_share, 0.0, 1.0);
  require_closed(kFunction, "solar_share", spec.solar_share, 0.0, 1.0);
  require_closed(kFunction, "wind_share", spec.wind_share, 0.0, 1.0);
  if (!(spec.clean_ci_g_per_kwh >= 0.0 && std::isfinite(spec.clean_ci_g_per_kwh))) {
    fail(kFunction, "clean_ci_g_per_kwh = " + format_value(spec.clean_ci_g_per_kwh) + " must be >= 0 and finite");
  }
  require_closed(kFunction, "latitude_deg", spec.latitude_deg, -90.0, 90.0);
  require_closed(kFunction, "longitude_deg", spec.longitude_deg, -180.0, 180.0);
  double firm = spec.mean_cfe_share - spec.solar_share - spec.wind_share;
  if (firm < -kShareTolerance) {
    fail(kFunction, "solar_share = " + format_value(spec.solar_share) +
                        " plus wind_share = " + format_value(spec.wind_share) +
                        " exceeds mean_cfe_share = " + format_value(spec.mean_cfe_share));
  }
  firm = std::max(0.0, firm);

  const auto hours = static_cast<size_t>(axis.hours);
  GridSeries grid;
  grid.cfe_share.assign(hours, firm);
  if (spec.solar_share > 0.0) {
    SolarSpec solar;
    solar.latitude_deg = spec.latitude_deg;
    solar.longitude_deg = spec.longitude_deg;
    solar.cloudiness = kGridCloudiness;
    solar.cloud_correlation_h = kGridCloudCorrelationH;
    HourlySeries& s = scratch().grid_solar;
    solar_relative(solar, axis, seed, entity, RngPurpose::kGridSolar, s);
    const double mean_s = mean_of(s);
    if (!(mean_s > 0.0)) {
      fail(kFunction,
           "solar_share = " + format_value(spec.solar_share) +
               " but the sun never rises over the time axis at latitude_deg = " + format_value(spec.latitude_deg));
    }
    const double weight = spec.solar_share / mean_s;
    for (size_t h = 0; h < hours; ++h) grid.cfe_share[h] += weight * s[h];
  }
  if (spec.wind_share > 0.0) {
    WindSpec wind;
    wind.target_capacity_factor = kGridWindCapacityFactor;
    HourlySeries& w = scratch().grid_wind;
    wind_calibrated(wind, axis, seed, entity, RngPurpose::kGridWind, kFunction, w);
    const double weight = spec.wind_share / mean_of(w);
    for (size_t h = 0; h < hours; ++h) grid.cfe_share[h] += weight * w[h];
  }
  // Clamping at 0 and 1 lowers (or raises) the mean; the mean of clamp(f + v(h)) rises
  // monotonically with the firm share f, so solve f by bisection to keep
  // mean(g) = mean_cfe_share exactly. Without clamping f is the formula's value.
  HourlySeries& variable = grid.cfe_share;  // currently firm + v(h)
  for (double& g : variable) g -= firm;
  const auto mean_clamped = [&](double f) {
    double sum = 0.0;
    for (const double v : variable) sum += std::clamp(f + v, 0.0, 1.0);
    return sum / static_cast<double>(variable.size());
  };
  if (std::fabs(mean_clamped(firm) - spec.mean_cfe_share) > kShareTolerance) {
    double low = -1.0;
    double high = 1.0;
    for (int i = 0; i < kFirmBisectionSteps; ++i) {
      const double mid = 0.5 * (low + high);
      (mean_clamped(mid) < spec.mean_cfe_share ? low : high) = mid;
    }
    firm = 0.5 * (low + high);
  }
  for (double& g : variable) g = std::clamp(firm + g, 0.0, 1.0);

  const double mean_g = mean_of(grid.cfe_share);
  const double target_ci = spec.mean_carbon_intensity_g_per_kwh;
  const double clean_ci = spec.clean_ci_g_per_kwh;
  double fossil_ci = clean_ci;
  if (mean_g >= 1.0) {
    if (target_ci != clean_ci) {
      fail(kFunction,
           "mean_carbon_intensity_g_per_kwh = " + format_value(target_ci) +
               " is impossible: the grid is carbon-free in every hour, so its intensity is clean_ci_g_per_kwh = " +
               format_value(clean_ci));
    }
  } else {
    fossil_ci = (target_ci - clean_ci * mean_g) / (1.0 - mean_g);
    if (fossil_ci < clean_ci) {
      fail(kFunction, "mean_carbon_intensity_g_per_kwh = " + format_value(target_ci) +
                          " is below what mean_cfe_share = " + format_value(spec.mean_cfe_share) +
                          " and clean_ci_g_per_kwh = " + format_value(clean_ci) +
                          " allow: it needs a fossil intensity of " + format_value(fossil_ci) +
                          " g/kWh, below the clean intensity");
    }
  }
  grid.carbon_intensity_g_per_kwh.resize(hours);
  for (size_t h = 0; h < hours; ++h) {
    const double g = grid.cfe_share[h];
    grid.carbon_intensity_g_per_kwh[h] = clean_ci * g + fossil_ci * (1.0 - g);
  }
  grid.filled_hours = 0;
  return grid;
}

}  // namespace fleetsim::energy
