#pragma once
// The hourly 24/7 carbon-free-energy ledger of one grid region (docs/energy.md; Google,
// "24/7 Carbon-Free Energy: Methodologies and Metrics", 2021; GHG Protocol Scope 2
// Guidance, 2015). Per hour h, with L the region's facility load, C the contracted
// carbon-free generation delivered on the region's grid, g the grid's CFE share and CI its
// carbon intensity:
//
//   C_used    = min(L, C)                          contracted energy consumed directly
//   charge    = min(C - C_used, P_batt * 1 h, (E_batt - soc) / eta)   battery charging (MWh taken)
//   excess    = C - C_used - charge                exported or curtailed, never carried over
//   discharge = min(L - C_used, P_batt * 1 h, soc) battery covers part of the deficit
//   grid      = L - C_used - discharge             drawn from the grid
//   soc      += eta * charge - discharge           round-trip losses booked on charging
//   CFE       = C_used + discharge + g * grid      hourly carbon-free energy
//   emissions, location-based       = L * CI                (t = MWh * g/kWh / 1000)
//   emissions, hourly market-based  = grid * CI
// and over the run:
//   CFE score        = sum CFE / sum L
//   annual matching  = min(1, sum C / sum L)
//   emissions, annual market-based = max(0, sum L - sum C) * mean_h CI
// Invariants checked every hour (relative 1e-9): C_used + charge + excess = C and
// grid + C_used + discharge = L, 0 <= soc <= E_batt.

#include <cstdint>

namespace fleetsim::energy {

struct BatterySpec {
  double energy_mwh = 0.0;             // usable capacity; 0: no battery
  double power_mw = 0.0;               // charge and discharge limit
  double round_trip_efficiency = 0.9;  // (0, 1]
  double initial_soc = 0.0;            // fraction of energy_mwh at the start
};

// Throws std::invalid_argument naming a field out of range.
void check_battery(const BatterySpec& spec);

struct LedgerHour {
  double load_mwh = 0.0;
  double contracted_mwh = 0.0;
  double contracted_used_mwh = 0.0;
  double battery_charge_mwh = 0.0;
  double battery_discharge_mwh = 0.0;
  double battery_soc_mwh = 0.0;  // at the end of the hour
  double excess_mwh = 0.0;
  double grid_draw_mwh = 0.0;
  double cfe_mwh = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
};

// Sums over hours, in the order the hours were stepped.
struct LedgerTotals {
  int64_t hours = 0;
  double load_mwh = 0.0;
  double contracted_mwh = 0.0;
  double contracted_used_mwh = 0.0;
  double battery_charge_mwh = 0.0;
  double battery_discharge_mwh = 0.0;
  double excess_mwh = 0.0;
  double grid_draw_mwh = 0.0;
  double cfe_mwh = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
  double carbon_intensity_sum = 0.0;  // sum over hours of CI, for the annual mean

  // NaN when there is no load.
  double cfe_score() const;
  double annual_matching() const;
  double mean_carbon_intensity_g_per_kwh() const;
  double emissions_market_annual_t() const;
  void add(const LedgerTotals& other);  // combine regions (fleet totals)
};

class RegionLedger {
 public:
  explicit RegionLedger(const BatterySpec& battery);

  // Books one hour; throws core::SimulationError if an invariant breaks.
  LedgerHour step(double load_mwh, double contracted_mwh, double grid_cfe_share, double carbon_intensity_g_per_kwh);

  const LedgerTotals& totals() const { return totals_; }
  double soc_mwh() const { return soc_mwh_; }

 private:
  BatterySpec battery_;
  double soc_mwh_ = 0.0;
  LedgerTotals totals_;
};

}  // namespace fleetsim::energy
