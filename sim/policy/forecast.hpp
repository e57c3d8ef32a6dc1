#pragma once
// What a scheduling policy may know about a region's supply ahead of time
// (docs/policies.md, "Forecasts"). A forecast is issued at the start of hour `issued` for a
// target hour >= issued; hours before `issued` are history, known exactly.
//   perfect      the true values (an oracle: the upper bound of what foresight can do);
//   persistence  "same hour yesterday": the value at target - 24k for the smallest k that
//                reaches back before `issued`; before 24 hours of history exist, the last
//                observed hour for every target (flat); with no history (hour 0), unknown (NaN);
//   noisy        the true value plus a Gaussian error, clipped to the quantity's range
//                (CI >= 0, 0 <= CFE share <= 1, contracted MWh >= 0):
//                  multiplicative  x_hat = x (1 + error k z)
//                  additive        x_hat = x + sigma k z, sigma = error x the region's mean of
//                                  x over the run (Let's Wait Awhile's model: Wiesner et al.,
//                                  Middleware 2021, perturb the carbon-intensity series with
//                                  N(0, error x mean)), or error_g_per_kwh for the carbon
//                                  intensity when given;
//                with z standard normal, drawn per (seed, region, quantity, target hour) and
//                so the same whenever the target is forecast, and the lead-time factor
//                k = 1 + error_growth_per_h x (target - issued): errors grow with the forecast
//                horizon (Maji et al., "CarbonCast: multi-day forecasting of grid carbon
//                intensity", BuildSys 2022, and Yan et al., "EnsembleCI", e-Energy 2025, over
//                4 days; docs/policies.md, "Forecasts").
// Only `persistence` never reads data at or after `issued`.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "energy/supply.hpp"

namespace fleetsim::policy {

enum class ForecastModel { kPerfect, kPersistence, kNoisy };
const char* to_string(ForecastModel model);
// nullptr-safe parse; false for an unknown name.
bool parse_forecast_model(const std::string& name, ForecastModel& model);

enum class ForecastErrorModel { kMultiplicative, kAdditive };
const char* to_string(ForecastErrorModel model);
// false for an unknown name
bool parse_forecast_error_model(const std::string& name, ForecastErrorModel& model);

struct ForecastOptions {
  ForecastModel model = ForecastModel::kPerfect;
  double error = 0.1;  // noisy: relative standard deviation (of x, or of x's mean when additive), >= 0
  uint64_t seed = 1;
  ForecastErrorModel error_model = ForecastErrorModel::kMultiplicative;
  std::optional<double> error_g_per_kwh;  // additive only: sigma of the carbon intensity, g/kWh, >= 0
  double error_growth_per_h = 0.0;        // sigma grows by this fraction per hour of lead time, >= 0
};

struct SupplyValues {
  double carbon_intensity_g_per_kwh = 0.0;
  double grid_cfe_share = 0.0;
  double contracted_mwh = 0.0;
};

class Forecaster {
 public:
  // `actual` must outlive the forecaster.
  Forecaster(std::span<const energy::RegionSupply> actual, const ForecastOptions& options);

  const ForecastOptions& options() const { return options_; }
  size_t regions() const { return actual_.size(); }
  int64_t hours() const { return hours_; }
  // Forecast for `target` (issued <= target < hours()), issued at the start of `issued`.
  // All values NaN when nothing is known (persistence at hour 0).
  SupplyValues at(size_t region, int64_t issued, int64_t target) const;
  // The same for every target in [from, to) (issued <= from <= to <= hours()), into the three
  // arrays (to - from values each): the fast path of ForecastSignals.
  void fill(size_t region, int64_t issued, int64_t from, int64_t to, double* carbon_intensity, double* grid_cfe_share,
            double* contracted_mwh) const;
  // The forecast issued at the start of `issued` repeats with this period, in hours: the
  // forecast of issued + i + period equals that of issued + i for every i >= 0 (up to the run's
  // last hour). 0 when it does not repeat. Persistence repeats the last day (24; with less than
  // a day of history the last hour seen, which repeats too).
  int64_t period(int64_t issued) const { return options_.model == ForecastModel::kPersistence && issued >= 1 ? 24 : 0; }

 private:
  SupplyValues actual_at(size_t region, int64_t hour) const;
  // The noisy forecast of `hour` at lead-time factor k (only with error_growth_per_h > 0).
  SupplyValues noisy_at(size_t region, int64_t hour, double k) const;

  std::span<const energy::RegionSupply> actual_;
  ForecastOptions options_;
  int64_t hours_ = 0;
  // noisy model, per region, per hour: without lead-time growth the forecast itself (the same
  // for every issue hour); with it, the error at lead 0 before clipping: the relative error
  // error x z (multiplicative) or sigma x z (additive), scaled by k when a forecast is made.
  std::vector<std::vector<SupplyValues>> noisy_;
  // The noisy model's lead-time factor k = 1 + error_growth_per_h x (target - issued).
  double lead_factor(int64_t issued, int64_t target) const {
    return 1.0 + options_.error_growth_per_h * static_cast<double>(target - issued);
  }
  // the source hour of a persistence forecast; -1: nothing known
  static int64_t persistence_source(int64_t issued, int64_t target) {
    if (issued <= 0) return -1;
    if (issued < 24) return issued - 1;  // less than a day of history: the last hour seen, flat
    return target - 24 * ((target - issued) / 24 + 1);
  }
};

}  // namespace fleetsim::policy
