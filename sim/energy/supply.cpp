#include "energy/supply.hpp"

#include <algorithm>
#include <stdexcept>

namespace fleetsim::energy {
namespace {

// Synthetic profiles are calibrated to annual targets, so they are generated over at least a
// year from the run's start and cut to the run's hours: a one-day run sees the same first
// day as a one-year run, and a target capacity factor means the same whatever the horizon.
constexpr int64_t kCalibrationHours = 8760;

TimeAxis calibration_axis(const TimeAxis& axis) {
  return TimeAxis{axis.start_epoch_s, std::max(axis.hours, kCalibrationHours)};
}

HourlySeries cut(HourlySeries series, const TimeAxis& axis) {
  series.resize(static_cast<size_t>(axis.hours));
  return series;
}

// Entity ids of the random streams: the grid of region r is r; contract k of region r is
// (r + 1) * kEntitiesPerRegion + k.
constexpr uint64_t kEntitiesPerRegion = 1000;

HourlySeries contract_profile(const ContractSpec& c, const TimeAxis& axis, uint64_t seed, uint64_t entity,
                              int64_t& filled_hours) {
  switch (c.profile) {
    case ContractProfile::kConstant:
      return HourlySeries(static_cast<size_t>(axis.hours), c.capacity_factor);
    case ContractProfile::kCsv: {
      int64_t filled = 0;
      HourlySeries series = read_profile_csv(c.csv, axis, &filled);
      filled_hours += filled;
      return series;
    }
    case ContractProfile::kSynthetic:
      if (c.technology == "solar") return cut(synthetic_solar(c.solar, calibration_axis(axis), seed, entity), axis);
      if (c.technology == "wind") return cut(synthetic_wind(c.wind, calibration_axis(axis), seed, entity), axis);
      throw std::invalid_argument("a synthetic profile exists only for solar and wind, not " + c.technology);
  }
  return {};
}

}  // namespace

HourlySeries capacity_factors(const ContractSpec& c, const TimeAxis& axis, uint64_t seed, uint64_t region_index,
                              size_t contract_index) {
  int64_t filled = 0;
  return contract_profile(c, axis, seed, (region_index + 1) * kEntitiesPerRegion + contract_index, filled);
}

RegionSupply build_supply(const RegionSupplySpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t region_index) {
  RegionSupply supply;
  if (spec.grid.from_csv) {
    supply.grid = read_grid_csv(spec.grid.csv, axis);
  } else {
    supply.grid = synthetic_grid(spec.grid.synthetic, calibration_axis(axis), seed, region_index);
    supply.grid.carbon_intensity_g_per_kwh = cut(std::move(supply.grid.carbon_intensity_g_per_kwh), axis);
    supply.grid.cfe_share = cut(std::move(supply.grid.cfe_share), axis);
  }
  supply.filled_hours = supply.grid.filled_hours;
  supply.contracted_mwh.assign(static_cast<size_t>(axis.hours), 0.0);
  for (size_t k = 0; k < spec.contracts.size(); ++k) {
    const ContractSpec& c = spec.contracts[k];
    const uint64_t entity = (region_index + 1) * kEntitiesPerRegion + k;
    const HourlySeries cf = contract_profile(c, axis, seed, entity, supply.filled_hours);
    double total = 0.0;
    for (size_t h = 0; h < cf.size(); ++h) {
      const double mwh = c.capacity_mw * cf[h];  // MW x 1 h
      supply.contracted_mwh[h] += mwh;
      total += mwh;
    }
    supply.contract_energy_mwh.push_back(total);
  }
  return supply;
}

SupplyBuild build_supplies(const std::vector<RegionSupplySpec>& specs, const TimeAxis& axis, uint64_t seed) {
  SupplyBuild build;
  build.supplies.resize(specs.size());
  build.errors.resize(specs.size());
  const auto n = static_cast<int64_t>(specs.size());
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<size_t>(i);
    try {
      build.supplies[r] = build_supply(specs[r], axis, seed, r);
    } catch (...) {
      build.errors[r] = std::current_exception();
    }
  }
  return build;
}

}  // namespace fleetsim::energy
