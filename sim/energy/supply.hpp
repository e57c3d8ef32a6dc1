#pragma once
// A region's supply: its grid (carbon intensity, CFE share) and its procured carbon-free
// contracts, hour by hour, built from synthetic generators or CSV files
// (docs/energy.md, "Grid supply" and "Contracts").

#include <exception>
#include <string>
#include <vector>

#include "energy/grid_csv.hpp"
#include "energy/ledger.hpp"
#include "energy/series.hpp"
#include "energy/synthetic.hpp"

namespace fleetsim::energy {

enum class ContractProfile { kSynthetic, kConstant, kCsv };

struct ContractSpec {
  std::string name;
  std::string technology;  // solar, wind, hydro, nuclear, geothermal
  double capacity_mw = 0.0;
  ContractProfile profile = ContractProfile::kConstant;
  double capacity_factor = 0.0;     // constant value, or the synthetic target
  SolarSpec solar;                  // synthetic solar
  WindSpec wind;                    // synthetic wind
  ProfileCsvSpec csv;               // csv
  double price_usd_per_mwh = -1.0;  // contract (PPA) price; < 0: the technology's default (footprint)
};

struct GridSpec {
  bool from_csv = false;
  SyntheticGridSpec synthetic;
  GridCsvSpec csv;
};

struct RegionSupplySpec {
  std::string name;
  GridSpec grid;
  std::vector<ContractSpec> contracts;
  BatterySpec battery;
};

struct RegionSupply {
  GridSeries grid;
  HourlySeries contracted_mwh;              // sum over contracts of capacity_mw x capacity factor x 1 h
  std::vector<double> contract_energy_mwh;  // per contract, over the run
  int64_t filled_hours = 0;                 // grid and profile hours filled by a fill policy
};

// The hourly capacity factor of a contract (MWh per hour per MW): the same series as contract
// `contract_index` of region `region_index` in build_supply, whatever the contract's capacity.
HourlySeries capacity_factors(const ContractSpec& contract, const TimeAxis& axis, uint64_t seed, uint64_t region_index,
                              size_t contract_index);

// Builds the hourly supply of one region. Random streams use entity ids derived from
// region_index, so regions are independent. Throws std::invalid_argument for an impossible
// synthetic target and core::InputError for bad CSV data.
RegionSupply build_supply(const RegionSupplySpec& spec, const TimeAxis& axis, uint64_t seed, uint64_t region_index);

// Builds every region's supply, regions in parallel (OpenMP; each region's result depends
// only on its own spec and index, so the thread count does not matter). errors[i] holds the
// exception of region i, if it failed; supplies[i] is then empty.
struct SupplyBuild {
  std::vector<RegionSupply> supplies;
  std::vector<std::exception_ptr> errors;
};
SupplyBuild build_supplies(const std::vector<RegionSupplySpec>& specs, const TimeAxis& axis, uint64_t seed);

}  // namespace fleetsim::energy
