#include "footprint/footprint.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fleetsim::footprint {

FootprintSpec FootprintSpec::defaults() {
  FootprintSpec f;
  // Embodied carbon per MW of capacity and life (docs/models.md, "Embodied carbon of supply").
  f.supply = {
      // Hsu et al. 2012 (NREL harmonisation, c-Si PV): 45 g/kWh x 1,360 MWh/MWp-yr x 30 yr
      {"solar", {1800.0, 30.0}},
      // Dolan & Heath 2012 (NREL harmonisation, wind): 11 g/kWh x 0.30 x 8,760 h x 20 yr
      {"wind", {580.0, 20.0}},
      // IPCC AR5 annex III life-cycle medians x the contract defaults' capacity factor x life:
      {"hydro", {5046.0, 60.0}},       // 24 g/kWh x 0.40 x 8,760 h x 60 yr
      {"nuclear", {5803.0, 60.0}},     // 12 g/kWh x 0.92 x 8,760 h x 60 yr
      {"geothermal", {7490.0, 30.0}},  // 38 g/kWh x 0.75 x 8,760 h x 30 yr
  };
  // Carbon Explorer (Acun et al. 2023): 74 kgCO2e/kWh, 3,000 cycles at one a day = 8.2 years
  f.battery_t_per_mwh = 74.0;
  f.battery_life_years = 8.2;
  // LBNL Utility-Scale Solar 2024 (levelised PPA, $35/MWh) and Land-Based Wind Market Report 2023
  // ($20-40/MWh: $30); the firm technologies at the planner's clean-firm cost over its capacity
  // factor (635,000 USD/MW-yr / (0.92 x 8,760 h) = 79 USD/MWh).
  f.contract_usd_per_mwh = {
      {"solar", 35.0}, {"wind", 30.0}, {"hydro", 79.0}, {"nuclear", 79.0}, {"geothermal", 79.0},
  };
  return f;
}

double capital_recovery_factor(double rate, double years) {
  if (!(years > 0.0) || !std::isfinite(years)) throw std::invalid_argument("a life must be > 0 years");
  if (!(rate >= 0.0) || !std::isfinite(rate)) throw std::invalid_argument("a discount rate must be >= 0");
  if (rate == 0.0) return 1.0 / years;
  const double growth = std::pow(1.0 + rate, years);
  return rate * growth / (growth - 1.0);
}

GpuHourRates gpu_hour_rates(const fleet::GpuCatalog& catalog, const FootprintSpec& spec) {
  const double it_crf = capital_recovery_factor(spec.discount_rate, spec.it_life_years);
  const double facility_crf = capital_recovery_factor(spec.discount_rate, spec.facility_life_years);
  GpuHourRates rates;
  for (const fleet::GpuType& t : catalog.types()) {
    rates.embodied_kg.push_back(t.embodied_kg / (spec.it_life_years * kHoursPerYear));
    const double it_power_mw = (t.max_power_w + t.overhead_w) * 1e-6;
    const double per_year =
        t.capex_usd * it_crf + spec.facility_usd_per_mw * it_power_mw * facility_crf + spec.om_usd_per_gpu_year;
    rates.capital_usd.push_back(per_year / kHoursPerYear);
  }
  return rates;
}

double WueCurve::at(double temperature) const {
  if (temperature_c.empty()) return 0.0;
  if (temperature <= temperature_c.front()) return l_per_kwh.front();
  if (temperature >= temperature_c.back()) return l_per_kwh.back();
  const auto hi = static_cast<size_t>(std::upper_bound(temperature_c.begin(), temperature_c.end(), temperature) -
                                      temperature_c.begin());
  const size_t lo = hi - 1;
  const double f = (temperature - temperature_c[lo]) / (temperature_c[hi] - temperature_c[lo]);
  return l_per_kwh[lo] + f * (l_per_kwh[hi] - l_per_kwh[lo]);
}

double embodied_supply_t_per_h(const energy::RegionSupplySpec& spec, const FootprintSpec& fp) {
  double t_per_h = 0.0;
  for (const energy::ContractSpec& c : spec.contracts) {
    const auto it = fp.supply.find(c.technology);
    if (it == fp.supply.end()) throw std::invalid_argument("no embodied carbon for technology '" + c.technology + "'");
    t_per_h += c.capacity_mw * it->second.t_per_mw / (it->second.life_years * kHoursPerYear);
  }
  t_per_h += spec.battery.energy_mwh * fp.battery_t_per_mwh / (fp.battery_life_years * kHoursPerYear);
  return t_per_h;
}

void derive_region(const energy::RegionSupplySpec& spec, const energy::RegionSupply& supply, const FootprintSpec& fp,
                   const energy::WaterFactors& water, RegionFootprint& out) {
  double energy = 0.0;
  double cost = 0.0;
  double litres = 0.0;
  for (size_t c = 0; c < spec.contracts.size(); ++c) {
    const energy::ContractSpec& contract = spec.contracts[c];
    const double e = c < supply.contract_energy_mwh.size() ? supply.contract_energy_mwh[c] : 0.0;
    double price = contract.price_usd_per_mwh;
    if (price < 0.0) {
      const auto it = fp.contract_usd_per_mwh.find(contract.technology);
      price = it == fp.contract_usd_per_mwh.end() ? 0.0 : it->second;
    }
    energy += e;
    cost += e * price;
    litres += e * water.at(contract.technology);
  }
  out.contract_usd_per_mwh = energy > 0.0 ? cost / energy : 0.0;
  out.contract_l_per_kwh = energy > 0.0 ? litres / energy : 0.0;
  out.battery_usd_per_h =
      (spec.battery.energy_mwh * fp.battery_usd_per_mwh_year + spec.battery.power_mw * fp.battery_usd_per_mw_year) /
      kHoursPerYear;
  out.embodied_supply_t_per_h = embodied_supply_t_per_h(spec, fp);
}

}  // namespace fleetsim::footprint
