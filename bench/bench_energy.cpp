// Micro-benchmarks of supply generation and the CFE ledger (docs/performance.md).
#include <benchmark/benchmark.h>

#include "energy/ledger.hpp"
#include "energy/supply.hpp"

namespace {

using namespace fleetsim::energy;

constexpr fleetsim::core::Seconds kStart2024 = 1704067200;

RegionSupplySpec typical_region() {
  RegionSupplySpec spec;
  spec.grid.synthetic.latitude_deg = 45.0;
  spec.grid.synthetic.longitude_deg = 10.0;
  ContractSpec solar;
  solar.technology = "solar";
  solar.capacity_mw = 100.0;
  solar.profile = ContractProfile::kSynthetic;
  solar.solar.latitude_deg = 45.0;
  solar.solar.longitude_deg = 10.0;
  solar.solar.target_capacity_factor = 0.18;
  ContractSpec wind;
  wind.technology = "wind";
  wind.capacity_mw = 100.0;
  wind.profile = ContractProfile::kSynthetic;
  wind.wind.target_capacity_factor = 0.35;
  spec.contracts = {solar, wind};
  spec.battery = BatterySpec{200.0, 50.0, 0.9, 0.5};
  return spec;
}

// One region-year of supply: synthetic grid (with its own solar and wind) + two contracts.
void bm_build_supply_region_year(benchmark::State& state) {
  const RegionSupplySpec spec = typical_region();
  const TimeAxis axis{kStart2024, 8784};
  uint64_t region = 0;
  for (auto _ : state) benchmark::DoNotOptimize(build_supply(spec, axis, 1, region++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_build_supply_region_year)->Unit(benchmark::kMillisecond);

// One region-year of the hourly ledger with a battery.
void bm_ledger_region_year(benchmark::State& state) {
  const RegionSupply supply = build_supply(typical_region(), TimeAxis{kStart2024, 8784}, 1, 0);
  for (auto _ : state) {
    RegionLedger ledger(BatterySpec{200.0, 50.0, 0.9, 0.5});
    for (size_t h = 0; h < supply.contracted_mwh.size(); ++h) {
      benchmark::DoNotOptimize(ledger.step(60.0, supply.contracted_mwh[h], supply.grid.cfe_share[h],
                                           supply.grid.carbon_intensity_g_per_kwh[h]));
    }
  }
  state.SetItemsProcessed(state.iterations() * 8784);
}
BENCHMARK(bm_ledger_region_year)->Unit(benchmark::kMicrosecond);

}  // namespace
