#pragma once
// What a scheduling policy may know about a region's supply ahead of time
// (docs/policies.md, "Forecasts"). A forecast is issued at the start of hour `issued` for a
// target hour >= issued; hours before `issued` are history, known exactly.
//   perfect      the true values (an oracle: the upper bound of what foresight can do);
//   persistence  "same hour yesterday": the value at target - 24k for the smallest k that
//                reaches back before `issued`; before 24 hours of history exist, the last
//                observed hour for every target (flat); with no history (hour 0), unknown (NaN);
//   noisy        the true value x (1 + error x z), z standard normal, drawn per (seed,
//                region, quantity, target hour) and so the same whenever it is issued;
//                clipped to the quantity's range.
// Only `persistence` never reads data at or after `issued`.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "energy/supply.hpp"

namespace fleetsim::policy {

enum class ForecastModel { kPerfect, kPersistence, kNoisy };
const char* to_string(ForecastModel model);
// nullptr-safe parse; false for an unknown name.
bool parse_forecast_model(const std::string& name, ForecastModel& model);

struct ForecastOptions {
  ForecastModel model = ForecastModel::kPerfect;
  double error = 0.1;  // relative standard deviation of the noisy model
  uint64_t seed = 1;
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

 private:
  SupplyValues actual_at(size_t region, int64_t hour) const;

  std::span<const energy::RegionSupply> actual_;
  ForecastOptions options_;
  int64_t hours_ = 0;
  std::vector<std::vector<SupplyValues>> noisy_;  // per region, per hour (noisy model only)
  // the source hour of a persistence forecast; -1: nothing known
  static int64_t persistence_source(int64_t issued, int64_t target) {
    if (issued <= 0) return -1;
    if (issued < 24) return issued - 1;  // less than a day of history: the last hour seen, flat
    return target - 24 * ((target - issued) / 24 + 1);
  }
};

}  // namespace fleetsim::policy
