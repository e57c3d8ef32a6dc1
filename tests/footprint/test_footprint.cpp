// The footprint models of docs/models.md ("Footprint"), each against values computed by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "energy/grid_csv.hpp"
#include "footprint/footprint.hpp"

using namespace fleetsim;
using Catch::Matchers::WithinRel;

TEST_CASE("capital recovery factor", "[footprint]") {
  // 7% over 5 years: 0.07 x 1.07^5 / (1.07^5 - 1) = 0.07 x 1.4025517307 / 0.4025517307 = 0.2438906944
  CHECK_THAT(footprint::capital_recovery_factor(0.07, 5.0), WithinRel(0.2438906944, 1e-9));
  // 7% over 20 years: 0.07 x 3.8696844625 / 2.8696844625 = 0.0943929257
  CHECK_THAT(footprint::capital_recovery_factor(0.07, 20.0), WithinRel(0.0943929257, 1e-9));
  CHECK(footprint::capital_recovery_factor(0.0, 4.0) == 0.25);  // no discounting: straight line
  CHECK_THROWS(footprint::capital_recovery_factor(0.07, 0.0));
  CHECK_THROWS(footprint::capital_recovery_factor(-0.1, 5.0));
}

TEST_CASE("embodied carbon and capital cost per installed GPU-hour", "[footprint]") {
  const fleet::GpuCatalog catalog = fleet::GpuCatalog::builtin();
  const footprint::FootprintSpec spec = footprint::FootprintSpec::defaults();  // 5 yr, 20 yr, 7%, 10 M$/MW
  const footprint::GpuHourRates rates = footprint::gpu_hour_rates(catalog, spec);
  const size_t a100 = *catalog.index_of("A100");
  // 462.5 kg / (5 yr x 8,760 h) = 0.0105593607 kg per GPU-hour
  CHECK_THAT(rates.embodied_kg[a100], WithinRel(0.01055936073, 1e-9));
  // (24,875 x 0.2438906944 + 10e6 USD/MW x 812.5e-6 MW x 0.0943929257 + 0) / 8,760 h
  //   = (6,066.781 + 766.942) / 8,760 = 0.7801054 USD per GPU-hour
  CHECK_THAT(rates.capital_usd[a100], WithinRel((24875.0 * 0.2438906944 + 8125.0 * 0.0943929257) / 8760.0, 1e-9));
  CHECK_THAT(rates.capital_usd[a100], WithinRel(0.7801054, 1e-6));
  footprint::FootprintSpec om = spec;
  om.om_usd_per_gpu_year = 876.0;  // + 0.1 USD per GPU-hour
  CHECK_THAT(footprint::gpu_hour_rates(catalog, om).capital_usd[a100], WithinRel(0.8801054, 1e-6));
}

TEST_CASE("WUE follows the ambient temperature along its curve", "[footprint]") {
  const footprint::WueCurve curve{{10.0, 20.0, 30.0}, {0.2, 0.4, 1.4}};
  CHECK(curve.at(-5.0) == 0.2);  // constant beyond the ends
  CHECK(curve.at(10.0) == 0.2);
  CHECK_THAT(curve.at(15.0), WithinRel(0.3, 1e-12));
  CHECK_THAT(curve.at(25.0), WithinRel(0.9, 1e-12));
  CHECK(curve.at(45.0) == 1.4);
  footprint::SiteWater site;
  site.wue_l_per_kwh = 0.55;
  CHECK(site.wue(0) == 0.55);  // no temperature series: constant
  site.temperature_c = {12.0, 28.0};
  site.curve = curve;
  CHECK_THAT(site.wue(0), WithinRel(0.24, 1e-12));
  CHECK_THAT(site.wue(1), WithinRel(1.2, 1e-12));
}

TEST_CASE("embodied carbon of contracts and batteries per hour", "[footprint]") {
  const footprint::FootprintSpec fp = footprint::FootprintSpec::defaults();
  energy::RegionSupplySpec region;
  energy::ContractSpec solar;
  solar.technology = "solar";
  solar.capacity_mw = 100.0;
  energy::ContractSpec wind;
  wind.technology = "wind";
  wind.capacity_mw = 50.0;
  region.contracts = {solar, wind};
  region.battery.energy_mwh = 400.0;
  // solar 100 MW x 1,800 t / (30 yr x 8,760 h) = 0.6849315 t/h; wind 50 x 580 / (20 x 8,760) = 0.1655251 t/h;
  // battery 400 MWh x 74 t / (8.2 yr x 8,760 h) = 0.4120726 t/h
  CHECK_THAT(footprint::embodied_supply_t_per_h(region, fp), WithinRel(0.6849315 + 0.1655251 + 0.4120726, 1e-6));
}

TEST_CASE("a region's contract price and water are energy-weighted means", "[footprint]") {
  footprint::FootprintSpec fp = footprint::FootprintSpec::defaults();  // solar 35, wind 30 USD/MWh
  energy::RegionSupplySpec spec;
  energy::ContractSpec solar;
  solar.technology = "solar";
  energy::ContractSpec wind;
  wind.technology = "wind";
  wind.price_usd_per_mwh = 45.0;  // its own price
  spec.contracts = {solar, wind};
  spec.battery.energy_mwh = 8.0;
  spec.battery.power_mw = 2.0;
  energy::RegionSupply supply;
  supply.contract_energy_mwh = {300.0, 100.0};
  footprint::RegionFootprint out;
  footprint::derive_region(spec, supply, fp, energy::WaterFactors::macknick_2012(), out);
  // (300 x 35 + 100 x 45) / 400 = 37.5 USD/MWh
  CHECK_THAT(out.contract_usd_per_mwh, WithinRel(37.5, 1e-12));
  // (300 x 1 gal/MWh x 3.785411784 / 1000 + 100 x 0) / 400 = 0.002839 L/kWh
  CHECK_THAT(out.contract_l_per_kwh, WithinRel(0.75 * 0.003785411784, 1e-9));
  // (8 MWh x 38,000 + 2 MW x 27,000) / 8,760 h = 40.8676 USD/h
  CHECK_THAT(out.battery_usd_per_h, WithinRel((8.0 * 38000.0 + 2.0 * 27000.0) / 8760.0, 1e-12));
}
