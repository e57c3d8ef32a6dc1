#include "policy/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/rng.hpp"

namespace fleetsim::policy {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A standard normal deviate from a key alone (counter-based: no stream state), by the
// Box-Muller transform on two SplitMix64 outputs.
double keyed_normal(uint64_t key) {
  const uint64_t a = core::splitmix64(key);
  const uint64_t b = core::splitmix64(a ^ 0x9e3779b97f4a7c15ULL);
  const double u1 = (static_cast<double>(a >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(b >> 11) * 0x1.0p-53;          // [0, 1)
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// The noisy forecast from the true value x and the error e at lead 0 (the relative error
// error x z, or the absolute error sigma x z), scaled by the lead-time factor k and clipped to
// the quantity's range (docs/policies.md, "Forecasts").
double perturbed(double x, double e, double k, bool additive) {
  return additive ? x + e * k : x * (1.0 + e * k);
}
SupplyValues perturbed(const SupplyValues& x, const SupplyValues& e, double k, bool additive) {
  return SupplyValues{std::max(0.0, perturbed(x.carbon_intensity_g_per_kwh, e.carbon_intensity_g_per_kwh, k, additive)),
                      std::clamp(perturbed(x.grid_cfe_share, e.grid_cfe_share, k, additive), 0.0, 1.0),
                      std::max(0.0, perturbed(x.contracted_mwh, e.contracted_mwh, k, additive))};
}

double mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}
}  // namespace

const char* to_string(ForecastErrorModel model) {
  switch (model) {
    case ForecastErrorModel::kMultiplicative:
      return "multiplicative";
    case ForecastErrorModel::kAdditive:
      return "additive";
  }
  return "unknown";
}

bool parse_forecast_error_model(const std::string& name, ForecastErrorModel& model) {
  for (ForecastErrorModel m : {ForecastErrorModel::kMultiplicative, ForecastErrorModel::kAdditive}) {
    if (name == to_string(m)) {
      model = m;
      return true;
    }
  }
  return false;
}

const char* to_string(ForecastModel model) {
  switch (model) {
    case ForecastModel::kPerfect:
      return "perfect";
    case ForecastModel::kPersistence:
      return "persistence";
    case ForecastModel::kNoisy:
      return "noisy";
  }
  return "unknown";
}

bool parse_forecast_model(const std::string& name, ForecastModel& model) {
  for (ForecastModel m : {ForecastModel::kPerfect, ForecastModel::kPersistence, ForecastModel::kNoisy}) {
    if (name == to_string(m)) {
      model = m;
      return true;
    }
  }
  return false;
}

Forecaster::Forecaster(std::span<const energy::RegionSupply> actual, const ForecastOptions& options)
    : actual_(actual), options_(options) {
  if (!(options.error >= 0.0) || !std::isfinite(options.error)) {
    throw std::invalid_argument("forecast error must be a finite number >= 0");
  }
  if (options.error_g_per_kwh) {
    if (!(*options.error_g_per_kwh >= 0.0) || !std::isfinite(*options.error_g_per_kwh)) {
      throw std::invalid_argument("forecast error_g_per_kwh must be a finite number >= 0");
    }
    if (options.error_model != ForecastErrorModel::kAdditive) {
      throw std::invalid_argument("forecast error_g_per_kwh applies only to the additive error model");
    }
  }
  if (!(options.error_growth_per_h >= 0.0) || !std::isfinite(options.error_growth_per_h)) {
    throw std::invalid_argument("forecast error_growth_per_h must be a finite number >= 0");
  }
  hours_ = actual.empty() ? 0 : static_cast<int64_t>(actual.front().grid.carbon_intensity_g_per_kwh.size());
  if (options.model != ForecastModel::kNoisy) return;
  const bool additive = options.error_model == ForecastErrorModel::kAdditive;
  const bool growth = options.error_growth_per_h > 0.0;
  noisy_.resize(actual.size());
  for (size_t r = 0; r < actual.size(); ++r) {
    // standard deviation of each quantity's error: relative (multiplicative), or absolute:
    // error x the region's mean over the run, or error_g_per_kwh for the carbon intensity
    SupplyValues sigma{options.error, options.error, options.error};
    if (additive) {
      const energy::RegionSupply& s = actual[r];
      sigma.carbon_intensity_g_per_kwh =
          options.error_g_per_kwh.value_or(options.error * mean(s.grid.carbon_intensity_g_per_kwh));
      sigma.grid_cfe_share = options.error * mean(s.grid.cfe_share);
      sigma.contracted_mwh = options.error * mean(s.contracted_mwh);
    }
    noisy_[r].resize(static_cast<size_t>(hours_));
    for (int64_t h = 0; h < hours_; ++h) {
      // key: seed, region, hour and quantity, mixed so that nearby keys are unrelated
      const uint64_t base =
          core::splitmix64(options.seed ^ core::splitmix64(0xF0CA57ULL + r)) + static_cast<uint64_t>(h) * 4;
      const SupplyValues e{sigma.carbon_intensity_g_per_kwh * keyed_normal(base + 1),
                           sigma.grid_cfe_share * keyed_normal(base + 2),
                           sigma.contracted_mwh * keyed_normal(base + 3)};
      noisy_[r][static_cast<size_t>(h)] = growth ? e : perturbed(actual_at(r, h), e, 1.0, additive);
    }
  }
}

SupplyValues Forecaster::actual_at(size_t region, int64_t hour) const {
  const energy::RegionSupply& s = actual_[region];
  const auto h = static_cast<size_t>(hour);
  return SupplyValues{s.grid.carbon_intensity_g_per_kwh[h], s.grid.cfe_share[h], s.contracted_mwh[h]};
}

SupplyValues Forecaster::noisy_at(size_t region, int64_t hour, double k) const {
  return perturbed(actual_at(region, hour), noisy_[region][static_cast<size_t>(hour)], k,
                   options_.error_model == ForecastErrorModel::kAdditive);
}

void Forecaster::fill(size_t region, int64_t issued, int64_t from, int64_t to, double* carbon_intensity,
                      double* grid_cfe_share, double* contracted_mwh) const {
  if (region >= actual_.size() || from < issued || to > hours_ || from > to) {
    throw std::out_of_range("Forecaster::fill: region or hours out of range");
  }
  const energy::RegionSupply& s = actual_[region];
  const auto n = static_cast<size_t>(to - from);
  const auto a = static_cast<size_t>(from);
  switch (options_.model) {
    case ForecastModel::kPerfect:
      std::copy_n(s.grid.carbon_intensity_g_per_kwh.begin() + static_cast<std::ptrdiff_t>(a), n, carbon_intensity);
      std::copy_n(s.grid.cfe_share.begin() + static_cast<std::ptrdiff_t>(a), n, grid_cfe_share);
      std::copy_n(s.contracted_mwh.begin() + static_cast<std::ptrdiff_t>(a), n, contracted_mwh);
      return;
    case ForecastModel::kNoisy: {
      const double growth = options_.error_growth_per_h;
      for (size_t i = 0; i < n; ++i) {
        const int64_t target = from + static_cast<int64_t>(i);
        const SupplyValues v =
            growth > 0.0 ? noisy_at(region, target, lead_factor(issued, target)) : noisy_[region][a + i];
        carbon_intensity[i] = v.carbon_intensity_g_per_kwh;
        grid_cfe_share[i] = v.grid_cfe_share;
        contracted_mwh[i] = v.contracted_mwh;
      }
      return;
    }
    case ForecastModel::kPersistence:
      for (size_t i = 0; i < n; ++i) {
        const int64_t source = persistence_source(issued, from + static_cast<int64_t>(i));
        const bool known = source >= 0;
        const auto h = static_cast<size_t>(known ? source : 0);
        carbon_intensity[i] = known ? s.grid.carbon_intensity_g_per_kwh[h] : kNaN;
        grid_cfe_share[i] = known ? s.grid.cfe_share[h] : kNaN;
        contracted_mwh[i] = known ? s.contracted_mwh[h] : kNaN;
      }
      return;
  }
}

SupplyValues Forecaster::at(size_t region, int64_t issued, int64_t target) const {
  if (region >= actual_.size() || target < issued || target < 0 || target >= hours_) {
    throw std::out_of_range("Forecaster::at: region or hour out of range");
  }
  switch (options_.model) {
    case ForecastModel::kPerfect:
      return actual_at(region, target);
    case ForecastModel::kNoisy:
      return options_.error_growth_per_h > 0.0 ? noisy_at(region, target, lead_factor(issued, target))
                                               : noisy_[region][static_cast<size_t>(target)];
    case ForecastModel::kPersistence: {
      // the same hour on the latest day that is already history; with less than a day of
      // history the last hour seen; at hour 0 nothing
      const int64_t source = persistence_source(issued, target);
      return source < 0 ? SupplyValues{kNaN, kNaN, kNaN} : actual_at(region, source);
    }
  }
  return actual_at(region, target);
}

}  // namespace fleetsim::policy
