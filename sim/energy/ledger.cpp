#include "energy/ledger.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace fleetsim::energy {
namespace {

constexpr double kTonnesPerMwhPerGPerKwh = 1e-3;  // 1 MWh x 1 g/kWh = 1 kg = 1e-3 t
constexpr double kBalanceTolerance = 1e-9;

void require(bool ok, const char* field, double value, const char* rule) {
  if (!ok)
    throw std::invalid_argument(std::string("battery ") + field + " = " + std::to_string(value) + " must be " + rule);
}

void check_balance(double lhs, double rhs, const char* what) {
  if (std::fabs(lhs - rhs) > kBalanceTolerance * std::max(1.0, std::fabs(rhs))) {
    throw core::SimulationError(std::string("energy ledger out of balance: ") + what + ": " + std::to_string(lhs) +
                                " != " + std::to_string(rhs));
  }
}

double ratio_or_nan(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

void check_battery(const BatterySpec& b) {
  require(std::isfinite(b.energy_mwh) && b.energy_mwh >= 0.0, "energy_mwh", b.energy_mwh, ">= 0");
  require(std::isfinite(b.power_mw) && b.power_mw >= 0.0, "power_mw", b.power_mw, ">= 0");
  require(std::isfinite(b.round_trip_efficiency) && b.round_trip_efficiency > 0.0 && b.round_trip_efficiency <= 1.0,
          "round_trip_efficiency", b.round_trip_efficiency, "in (0, 1]");
  require(std::isfinite(b.initial_soc) && b.initial_soc >= 0.0 && b.initial_soc <= 1.0, "initial_soc", b.initial_soc,
          "in [0, 1]");
}

double LedgerTotals::cfe_score() const {
  return ratio_or_nan(cfe_mwh, load_mwh);
}

double LedgerTotals::annual_matching() const {
  const double m = ratio_or_nan(contracted_mwh, load_mwh);
  return std::isnan(m) ? m : std::min(1.0, m);
}

double LedgerTotals::mean_carbon_intensity_g_per_kwh() const {
  return ratio_or_nan(carbon_intensity_sum, static_cast<double>(hours));
}

double LedgerTotals::emissions_market_annual_t() const {
  if (hours == 0) return 0.0;
  return std::max(0.0, load_mwh - contracted_mwh) * mean_carbon_intensity_g_per_kwh() * kTonnesPerMwhPerGPerKwh;
}

void LedgerTotals::add(const LedgerTotals& o) {
  hours = std::max(hours, o.hours);
  load_mwh += o.load_mwh;
  contracted_mwh += o.contracted_mwh;
  contracted_used_mwh += o.contracted_used_mwh;
  battery_charge_mwh += o.battery_charge_mwh;
  battery_discharge_mwh += o.battery_discharge_mwh;
  excess_mwh += o.excess_mwh;
  grid_draw_mwh += o.grid_draw_mwh;
  cfe_mwh += o.cfe_mwh;
  emissions_location_t += o.emissions_location_t;
  emissions_market_hourly_t += o.emissions_market_hourly_t;
  carbon_intensity_sum += o.carbon_intensity_sum;
}

RegionLedger::RegionLedger(const BatterySpec& battery) : battery_(battery) {
  check_battery(battery_);
  soc_mwh_ = battery_.initial_soc * battery_.energy_mwh;
}

LedgerHour RegionLedger::step(double load_mwh, double contracted_mwh, double grid_cfe_share,
                              double carbon_intensity_g_per_kwh) {
  LedgerHour h;
  h.load_mwh = load_mwh;
  h.contracted_mwh = contracted_mwh;
  h.contracted_used_mwh = std::min(load_mwh, contracted_mwh);
  const double surplus = contracted_mwh - h.contracted_used_mwh;
  const double eta = battery_.round_trip_efficiency;
  h.battery_charge_mwh = std::max(0.0, std::min({surplus, battery_.power_mw, (battery_.energy_mwh - soc_mwh_) / eta}));
  h.excess_mwh = surplus - h.battery_charge_mwh;
  const double deficit = load_mwh - h.contracted_used_mwh;
  h.battery_discharge_mwh = std::max(0.0, std::min({deficit, battery_.power_mw, soc_mwh_}));
  h.grid_draw_mwh = deficit - h.battery_discharge_mwh;
  soc_mwh_ = std::clamp(soc_mwh_ + eta * h.battery_charge_mwh - h.battery_discharge_mwh, 0.0, battery_.energy_mwh);
  h.battery_soc_mwh = soc_mwh_;
  h.cfe_mwh = h.contracted_used_mwh + h.battery_discharge_mwh + grid_cfe_share * h.grid_draw_mwh;
  h.emissions_location_t = load_mwh * carbon_intensity_g_per_kwh * kTonnesPerMwhPerGPerKwh;
  h.emissions_market_hourly_t = h.grid_draw_mwh * carbon_intensity_g_per_kwh * kTonnesPerMwhPerGPerKwh;

  check_balance(h.contracted_used_mwh + h.battery_charge_mwh + h.excess_mwh, contracted_mwh,
                "C_used + charge + excess = C");
  check_balance(h.grid_draw_mwh + h.contracted_used_mwh + h.battery_discharge_mwh, load_mwh,
                "grid + C_used + discharge = L");

  totals_.hours += 1;
  totals_.load_mwh += load_mwh;
  totals_.contracted_mwh += contracted_mwh;
  totals_.contracted_used_mwh += h.contracted_used_mwh;
  totals_.battery_charge_mwh += h.battery_charge_mwh;
  totals_.battery_discharge_mwh += h.battery_discharge_mwh;
  totals_.excess_mwh += h.excess_mwh;
  totals_.grid_draw_mwh += h.grid_draw_mwh;
  totals_.cfe_mwh += h.cfe_mwh;
  totals_.emissions_location_t += h.emissions_location_t;
  totals_.emissions_market_hourly_t += h.emissions_market_hourly_t;
  totals_.carbon_intensity_sum += carbon_intensity_g_per_kwh;
  return h;
}

}  // namespace fleetsim::energy
