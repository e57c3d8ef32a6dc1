#pragma once
// Built-in synthetic supply generators (docs/energy.md, "Synthetic supply"), so scenarios run
// with no data files. Each is deterministic in (seed, entity) via core::RngStream.

#include <cstdint>

#include "energy/series.hpp"

namespace fleetsim::energy {

// Solar PV capacity factor: clear-sky output from the sun's elevation at the site
// (declination and hour angle from the day of year and UTC time; Cooper 1969 declination,
// Spencer 1971 equation of time), times a clearness factor from autocorrelated cloud cover,
// scaled so that the annual mean equals target_capacity_factor (capped at 1 per hour).
// Exactly 0 when the sun is below the horizon.
struct SolarSpec {
  double latitude_deg = 0.0;   // -90..90
  double longitude_deg = 0.0;  // -180..180, east positive
  double target_capacity_factor = 0.2;
  double cloudiness = 0.4;            // mean cloud cover 0..1 (how much weather noise)
  double cloud_correlation_h = 24.0;  // e-folding time of the cloud process, hours
};
HourlySeries synthetic_solar(const SolarSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity);

// Wind capacity factor: hourly wind speed from an AR(1) Gaussian process (correlation time
// correlation_h) mapped through the normal CDF to a Weibull(shape k, scale lambda) speed,
// then through a turbine power curve (0 below cut-in, cubic to rated, 1 to cut-out, 0
// above). lambda is solved so that the mean capacity factor equals target_capacity_factor.
struct WindSpec {
  double target_capacity_factor = 0.35;
  double weibull_shape = 2.0;
  double correlation_h = 18.0;
  double cut_in_m_per_s = 3.0;
  double rated_m_per_s = 12.0;
  double cut_out_m_per_s = 25.0;
};
HourlySeries synthetic_wind(const WindSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity);

// A grid whose carbon-free share rises with its own solar and wind output:
//   g(h)  = clamp(firm + solar_share * s(h) / mean(s) + wind_share * w(h) / mean(w), 0, 1)
//   firm  = mean_cfe_share - solar_share - wind_share (hydro, nuclear, ...)
//   CI(h) = clean_ci * g(h) + fossil_ci * (1 - g(h)), fossil_ci solved so that the time mean
//           of CI equals mean_carbon_intensity_g_per_kwh
// with s and w synthetic solar and wind profiles at the region's location.
struct SyntheticGridSpec {
  double mean_carbon_intensity_g_per_kwh = 400.0;
  double mean_cfe_share = 0.4;
  double solar_share = 0.05;  // annual share of grid energy from solar
  double wind_share = 0.10;
  double clean_ci_g_per_kwh = 20.0;  // life-cycle intensity of the carbon-free part
  double latitude_deg = 40.0;
  double longitude_deg = 0.0;
};
GridSeries synthetic_grid(const SyntheticGridSpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t entity);

}  // namespace fleetsim::energy
