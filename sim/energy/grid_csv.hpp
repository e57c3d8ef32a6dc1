#pragma once
// Hourly grid data and capacity-factor profiles from CSV files (docs/energy.md, "Grid data";
// formats of ../shared/data/README.md). Every file has a header row and a UTC time column:
// `datetime_utc` (ISO-8601 UTC, the start of the hour), or, in raw exports read as they come,
// Electricity Maps' "Datetime (UTC)" or ENTSO-E's "MTU (UTC)" (an hour-long interval), or the
// column named by `time_column`. Value columns may also carry those exports' own names
// (docs/energy.md lists them). Rows must be hourly and increasing;
// the rows needed are those of the run's hours shifted by `shift_s`. A gap, duplicate,
// out-of-order or non-hourly timestamp, a missing or empty value, NaN, a negative value, or
// a file that does not cover the run's hours is a core::InputError naming the file, line and
// column, unless the fill policy fills it (missing hours and empty values only).

#include <map>
#include <string>

#include "energy/series.hpp"

namespace fleetsim::energy {

// Life-cycle emission factors by fuel, gCO2eq/kWh. The defaults are the IPCC AR5 (2014,
// WG III annex III, table A.III.2) medians used by the shared EIA-930 and ENTSO-E files:
// wind 11, solar 41, hydro 24, oil 650, gas 490, coal 820, nuclear 12, other 230,
// biomass 230, waste 230, offshore wind 12, geothermal 38; and stand-ins for ENTSO-E
// production types AR5 gives no median for: peat, oil shale and coal-derived gas 820 (coal's),
// other renewable 230 (biomass'), marine 12 (offshore wind's).
struct EmissionFactors {
  std::map<std::string, double> g_per_kwh;
  static EmissionFactors ipcc_ar5_lifecycle();
  double at(const std::string& fuel) const;  // throws std::out_of_range naming the fuel
};

// Operational water consumption of generation by fuel, L/kWh (consumption, not withdrawal:
// water evaporated or otherwise not returned). Defaults (docs/models.md, "Water"): the medians of
// Macknick et al. 2012 (NREL, Environ. Res. Lett. 7 045802), cooling-tower plants, for coal 2.60,
// gas 0.75 (combined cycle), oil 3.13 (steam), nuclear 2.54, solar 0.004 (PV), wind 0, other
// 2.09 (biomass steam), geothermal 0.06 (flash), hydro 17.0 (evaporation from reservoirs,
// Torcellini et al. 2003, as Macknick cites); ENTSO-E types without a median take the nearest
// fuel's (as for EmissionFactors).
struct WaterFactors {
  std::map<std::string, double> l_per_kwh;
  static WaterFactors macknick_2012();
  double at(const std::string& fuel) const;  // throws std::out_of_range naming the fuel
};

enum class GridFormat {
  kEia930,           // generation by fuel: wind_mw, solar_mw, hydro_mw, oil_mw, gas_mw, coal_mw, nuclear_mw, other_mw
  kElectricityMaps,  // ci_lifecycle_gco2eq_per_kwh (or ci_direct_...), low_carbon_pct
  kEntsoe,           // generation by production type (*_mw or export columns), imports and storage excluded
  kColumns,          // datetime_utc plus a carbon-intensity column and a CFE-share column named in the spec
};

struct GridCsvSpec {
  std::string path;
  GridFormat format = GridFormat::kColumns;
  FillPolicy fill = FillPolicy::kNone;
  core::Seconds shift_s = 0;  // the data for run time t is the row at t + shift_s
  // The time column (UTC); empty: datetime_utc, "Datetime (UTC)" or "MTU (UTC)", found in that order.
  std::string time_column;
  // kElectricityMaps: which intensity column (default ci_lifecycle_gco2eq_per_kwh).
  // kColumns: the intensity column (required).
  std::string carbon_intensity_column;
  // kColumns: the CFE-share column (required); its values times cfe_share_scale must be in [0, 1].
  std::string cfe_share_column;
  double cfe_share_scale = 1.0;                                     // 0.01 when the column is in percent
  EmissionFactors factors = EmissionFactors::ipcc_ar5_lifecycle();  // kEia930, kEntsoe
  WaterFactors water = WaterFactors::macknick_2012();               // kEia930, kEntsoe
  // Any format: a column of marginal carbon intensity, gCO2/kWh (empty: none).
  std::string marginal_carbon_intensity_column;
};

// Reads the grid's hourly carbon intensity and CFE share for the run's hours.
// For generation-by-fuel formats:
//   CI(h)        = sum_f gen_f(h) * EF_f / sum_f gen_f(h)
//   CFE share(h) = (wind + solar + hydro + nuclear (+ geothermal)) / sum_f gen_f(h)
//   water(h)     = sum_f gen_f(h) * W_f / sum_f gen_f(h)           (L/kWh)
// and, with marginal_carbon_intensity_column, that column (read like a profile, kRaw).
GridSeries read_grid_csv(const GridCsvSpec& spec, const TimeAxis& axis);

// An hourly capacity-factor profile (0..1) from one column of a CSV file.
struct ProfileCsvSpec {
  std::string path;
  std::string column;
  enum class Scale {
    kCapacityFactor,  // the column is already a capacity factor in [0, 1]
    kDivideByMax,     // generation / its maximum over the rows used (Carbon Explorer convention)
    kDivideBy,        // generation / divisor_mw (an installed capacity)
    kRaw,             // the values as they are (>= 0, any size), e.g. hourly query counts
    kSigned,          // the values as they are, of either sign (prices, temperatures)
  } scale = Scale::kCapacityFactor;
  double divisor_mw = 0.0;
  FillPolicy fill = FillPolicy::kNone;
  core::Seconds shift_s = 0;
  std::string time_column;  // as in GridCsvSpec
};

// Values above 1 after scaling are an error (naming file, line, column), except with
// kDivideByMax and kRaw.
HourlySeries read_profile_csv(const ProfileCsvSpec& spec, const TimeAxis& axis, int64_t* filled_hours = nullptr);

}  // namespace fleetsim::energy
