#pragma once
// Hourly series on the run's time axis, and the grid supply of a region.

#include <cstdint>
#include <vector>

#include "core/time.hpp"

namespace fleetsim::energy {

// The run's hours: hour h covers [start_epoch_s + 3600 h, start_epoch_s + 3600 (h + 1)).
struct TimeAxis {
  core::Seconds start_epoch_s = 0;
  int64_t hours = 0;
  core::Seconds epoch_of(int64_t hour) const { return start_epoch_s + core::hour_start(hour); }
};

// One value per run hour.
using HourlySeries = std::vector<double>;

// What the grid of a region supplies, hour by hour.
struct GridSeries {
  HourlySeries carbon_intensity_g_per_kwh;  // gCO2(eq)/kWh of grid electricity
  HourlySeries cfe_share;                   // carbon-free share of grid electricity, 0..1
  // Marginal (consequential) carbon intensity, gCO2(eq)/kWh, where the data has a column for it;
  // empty otherwise (nothing is invented).
  HourlySeries marginal_carbon_intensity_g_per_kwh;
  // Water consumed off site per kWh generated, L/kWh, from the generation mix (generation-by-fuel
  // formats); empty otherwise (the region's constant factor applies).
  HourlySeries water_l_per_kwh;
  int64_t filled_hours = 0;  // hours whose value came from the fill policy
};

// How a CSV reader treats a missing hour or an empty value: an error naming the file and
// line (kNone), or the last value before it (kPrevious), or a straight line between the
// values on both sides (kLinear). Negative or non-finite values are always errors.
enum class FillPolicy { kNone, kPrevious, kLinear };

}  // namespace fleetsim::energy
