#pragma once
// The whole footprint beside the hourly energy ledger (docs/models.md, "Footprint"): embodied
// carbon of the IT hardware and of the procured supply, on-site and off-site water, and cost.
// The settings of a scenario (`footprint:` and the per-region and per-site keys) and the
// hour-by-hour rates a run books from them.
//
//   embodied IT, per installed GPU-hour    e_k = E_k / (L_it x 8,760 h)                 [kg/GPU-h]
//   capital, per installed GPU-hour        c_k = (P_k CRF(r, L_it) + F x W_k CRF(r, L_fac) + O) / 8,760 h
//   CRF(r, n) = r (1 + r)^n / ((1 + r)^n - 1)  (1 / n at r = 0)                       [1/yr]
//   embodied supply, per hour              sum_c cap_c x E_c / (L_c x 8,760 h) + B x E_batt / (L_batt x 8,760 h)
//   on-site water                          IT energy x WUE(T(h))                            [L]
//   off-site water                         grid draw x EWIF(h) + (contracted used + discharge) x w_contracts
//   energy cost                            grid draw x price(h) + contracted x p_contracts + battery (planner costs)
// with E_k, P_k the embodied carbon and price of GPU type k (server share included), W_k its
// all-in IT power at full load (MW), F the facility's capital cost per MW of IT power, O the fixed
// O&M per GPU-year, L lives in years, r the discount rate.

#include <map>
#include <string>
#include <vector>

#include "energy/series.hpp"
#include "energy/supply.hpp"
#include "fleet/gpu_catalog.hpp"

namespace fleetsim::footprint {

inline constexpr double kHoursPerYear = 8760.0;

// Embodied carbon of a supply technology per MW of capacity, spread over its life.
struct SupplyEmbodied {
  double t_per_mw = 0.0;
  double life_years = 1.0;
};

// `footprint:` (docs/scenario-reference.md); defaults and their sources in docs/models.md.
struct FootprintSpec {
  double it_life_years = 5.0;                          // GPUs and servers
  double facility_life_years = 20.0;                   // buildings, power and cooling plant
  double discount_rate = 0.07;                         // for annualising capital costs
  double facility_usd_per_mw = 10.0e6;                 // capital cost per MW of IT power at full load
  double om_usd_per_gpu_year = 0.0;                    // fixed O&M per installed GPU
  double wue_l_per_kwh = 0.55;                         // on-site water per kWh of IT energy (a site may override)
  double offsite_l_per_kwh = 3.142;                    // off-site water per kWh drawn, where the grid data gives no mix
  double energy_usd_per_mwh = 80.0;                    // grid energy price, where a region gives none
  std::map<std::string, SupplyEmbodied> supply;        // by contract technology
  std::map<std::string, double> contract_usd_per_mwh;  // by contract technology (PPA prices)
  double battery_t_per_mwh = 0.0;
  double battery_life_years = 8.2;
  double battery_usd_per_mwh_year = 38'000.0;  // as planner.costs
  double battery_usd_per_mw_year = 27'000.0;

  static FootprintSpec defaults();
};

// Capital recovery factor: the constant yearly payment per unit of capital over `years` at `rate`.
double capital_recovery_factor(double rate, double years);

// Per GPU type index of the catalog.
struct GpuHourRates {
  std::vector<double> embodied_kg;  // kgCO2e per installed GPU-hour
  std::vector<double> capital_usd;  // USD per installed GPU-hour (GPU + facility share + O&M)
};
GpuHourRates gpu_hour_rates(const fleet::GpuCatalog& catalog, const FootprintSpec& spec);

// On-site water use effectiveness as a function of the ambient temperature: straight lines
// between the points (temperature_c ascending), constant beyond the ends.
struct WueCurve {
  std::vector<double> temperature_c;
  std::vector<double> l_per_kwh;
  double at(double temperature_c) const;
};

// A site's on-site water (`sites[].water`).
struct SiteWater {
  double wue_l_per_kwh = 0.55;         // constant WUE (without a temperature series)
  energy::HourlySeries temperature_c;  // hourly ambient temperature; empty: constant WUE
  WueCurve curve;
  // WUE in run hour h.
  double wue(size_t hour) const { return temperature_c.empty() ? wue_l_per_kwh : curve.at(temperature_c[hour]); }
};

// A region's cost and water settings and the constants derived from its contracts.
struct RegionFootprint {
  energy::HourlySeries price_usd_per_mwh;  // grid energy price per run hour
  double offsite_l_per_kwh = 0.0;          // grid water factor where the data has no mix (or the region's own)
  bool water_from_mix = false;             // true: the grid's hourly water series applies
  double contract_usd_per_mwh = 0.0;       // contracted energy, energy-weighted mean price
  double contract_l_per_kwh = 0.0;         // contracted energy, energy-weighted mean water factor
  double battery_usd_per_h = 0.0;          // battery capacity cost per hour
  double embodied_supply_t_per_h = 0.0;    // contracts and battery
};

// The region's derived constants (contract mean price and water, battery cost, embodied supply).
// `water` gives each contract technology's water factor; a contract's own price_usd_per_mwh
// (when not NaN) overrides its technology's.
void derive_region(const energy::RegionSupplySpec& spec, const energy::RegionSupply& supply, const FootprintSpec& fp,
                   const energy::WaterFactors& water, RegionFootprint& out);

// Embodied carbon of a region's procured supply per hour, tCO2e/h.
double embodied_supply_t_per_h(const energy::RegionSupplySpec& spec, const FootprintSpec& fp);

}  // namespace fleetsim::footprint
