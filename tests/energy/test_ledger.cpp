#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "energy/ledger.hpp"

using namespace fleetsim::energy;

TEST_CASE("a three-hour ledger matches the hand calculation", "[energy]") {
  // Battery 10 MWh / 5 MW, round-trip efficiency 0.8, empty at the start.
  RegionLedger ledger(BatterySpec{10.0, 5.0, 0.8, 0.0});

  // Hour 1, surplus: L 10, C 16. 10 used, 5 charged (power limit) -> soc 4, 1 exported.
  const LedgerHour h1 = ledger.step(10.0, 16.0, 0.3, 400.0);
  CHECK(h1.contracted_used_mwh == 10.0);
  CHECK(h1.battery_charge_mwh == 5.0);
  CHECK(h1.battery_soc_mwh == Approx(4.0));
  CHECK(h1.excess_mwh == 1.0);
  CHECK(h1.grid_draw_mwh == 0.0);
  CHECK(h1.cfe_mwh == 10.0);
  CHECK(h1.emissions_location_t == Approx(4.0));  // 10 MWh x 400 g/kWh
  CHECK(h1.emissions_market_hourly_t == 0.0);

  // Hour 2, deficit with battery: L 10, C 4. 4 used, battery gives its 4, grid 2 at g 0.5.
  const LedgerHour h2 = ledger.step(10.0, 4.0, 0.5, 300.0);
  CHECK(h2.battery_discharge_mwh == Approx(4.0));
  CHECK(h2.battery_soc_mwh == Approx(0.0));
  CHECK(h2.grid_draw_mwh == Approx(2.0));
  CHECK(h2.cfe_mwh == Approx(4.0 + 4.0 + 0.5 * 2.0));
  CHECK(h2.emissions_location_t == Approx(3.0));
  CHECK(h2.emissions_market_hourly_t == Approx(0.6));

  // Hour 3, deficit, battery empty: all 10 from the grid at g 0.2.
  const LedgerHour h3 = ledger.step(10.0, 0.0, 0.2, 500.0);
  CHECK(h3.battery_discharge_mwh == 0.0);
  CHECK(h3.grid_draw_mwh == 10.0);
  CHECK(h3.cfe_mwh == Approx(2.0));
  CHECK(h3.emissions_market_hourly_t == Approx(5.0));

  const LedgerTotals& t = ledger.totals();
  CHECK(t.load_mwh == 30.0);
  CHECK(t.contracted_mwh == 20.0);
  CHECK(t.cfe_score() == Approx(21.0 / 30.0));
  CHECK(t.annual_matching() == Approx(20.0 / 30.0));
  CHECK(t.emissions_location_t == Approx(12.0));
  CHECK(t.emissions_market_hourly_t == Approx(5.6));
  CHECK(t.mean_carbon_intensity_g_per_kwh() == Approx(400.0));
  CHECK(t.emissions_market_annual_t() == Approx(4.0));  // (30 - 20) MWh x 400 g/kWh
}

TEST_CASE("annual matching caps at 100% while hourly CFE does not reach it", "[energy]") {
  // Day: 20 contracted for a load of 10; night: none. Annual: 20 / 20 = 100%.
  RegionLedger ledger(BatterySpec{});
  ledger.step(10.0, 20.0, 0.0, 500.0);
  ledger.step(10.0, 0.0, 0.0, 500.0);
  CHECK(ledger.totals().annual_matching() == 1.0);
  CHECK(ledger.totals().cfe_score() == Approx(0.5));
  CHECK(ledger.totals().emissions_market_annual_t() == 0.0);
  CHECK(ledger.totals().emissions_market_hourly_t == Approx(5.0));
}

TEST_CASE("the battery stays within its bounds and loses exactly its efficiency", "[energy]") {
  const BatterySpec spec{50.0, 12.0, 0.85, 0.5};
  RegionLedger ledger(spec);
  fleetsim::core::RngStream rng(3, 0, fleetsim::core::RngPurpose::kJobSizes);
  double charged = 0.0;
  double discharged = 0.0;
  for (int i = 0; i < 5000; ++i) {
    const double load = 20.0 * rng.uniform();
    const double contracted = 40.0 * rng.uniform();
    const LedgerHour h = ledger.step(load, contracted, 0.3, 300.0);
    REQUIRE(h.battery_soc_mwh >= 0.0);
    REQUIRE(h.battery_soc_mwh <= spec.energy_mwh);
    REQUIRE(h.battery_charge_mwh <= spec.power_mw + 1e-12);
    REQUIRE(h.battery_discharge_mwh <= spec.power_mw + 1e-12);
    REQUIRE((h.battery_charge_mwh == 0.0 || h.battery_discharge_mwh == 0.0));  // never both
    charged += h.battery_charge_mwh;
    discharged += h.battery_discharge_mwh;
  }
  // soc_end = soc_start + eta * charged - discharged
  CHECK(ledger.soc_mwh() == Approx(25.0 + 0.85 * charged - discharged).margin(1e-6));
  CHECK(ledger.totals().battery_charge_mwh == Approx(charged));
}

TEST_CASE("no battery and no load give defined totals", "[energy]") {
  RegionLedger ledger(BatterySpec{});
  ledger.step(0.0, 5.0, 0.4, 200.0);
  CHECK(std::isnan(ledger.totals().cfe_score()));
  CHECK(std::isnan(ledger.totals().annual_matching()));
  CHECK(ledger.totals().excess_mwh == 5.0);
  CHECK_THROWS_WITH(RegionLedger(BatterySpec{10.0, 5.0, 1.5, 0.0}), Catch::Contains("round_trip_efficiency"));
  CHECK_THROWS_WITH(RegionLedger(BatterySpec{-1.0, 5.0, 0.9, 0.0}), Catch::Contains("energy_mwh"));
}
