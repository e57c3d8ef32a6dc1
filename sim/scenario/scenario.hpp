#pragma once
// A validated scenario: everything a run needs, with defaults filled in and every value
// range-checked. Built only by load_scenario / parse_scenario (loader.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "energy/supply.hpp"
#include "fleet/gpu_catalog.hpp"
#include "fleet/site.hpp"
#include "footprint/footprint.hpp"
#include "policy/scheduling.hpp"
#include "workload/job.hpp"
#include "workload/synthetic.hpp"
#include "workload/trace_reader.hpp"

namespace fleetsim::scenario {

struct SchedulerOptions {
  policy::PolicyConfig policy;          // components, parameters, signal, forecast
  std::string placement = "first_fit";  // deprecated key; fifo's placement
  size_t backfill_depth = 100;
};

// A source of inference queries.
struct DemandRegion {
  std::string name;
  double latency_slo_ms = 0.0;
  std::vector<double> queries;  // per run hour
};

struct InferenceOptions {
  fleet::InferenceModel model;                   // queries_per_gpu_hour by GPU type index
  std::string routing = "nearest";               // nearest | greenest
  std::string greenest_by = "carbon_intensity";  // carbon_intensity | spare_cfe
  std::string solver = "greedy";                 // greedy | min_cost_flow
  bool routing_matrix = false;
  double tokens_per_query = 0.0;  // 0 when not given
};

// `planner:` (docs/planning.md): what `fleetsim plan` may buy and at what cost.
struct PlannerSpec {
  std::vector<std::string> technologies{"solar", "wind", "firm", "battery"};
  std::optional<energy::ContractSpec> solar;  // 1 MW; absent: from the region (docs/planning.md)
  std::optional<energy::ContractSpec> wind;
  double firm_capacity_factor = 0.92;
  double round_trip_efficiency = 0.88;
  double duration_h = 4.0;
  double initial_soc = 1.0;
  bool cyclic = true;
  double solar_usd_per_mw_year = 146'000.0;
  double wind_usd_per_mw_year = 172'000.0;
  double firm_usd_per_mw_year = 635'000.0;
  double battery_usd_per_mwh_year = 38'000.0;
  double battery_usd_per_mw_year = 27'000.0;
  double grid_usd_per_mwh = 80.0;
  double excess_usd_per_mwh = 0.0;
  double max_solar_mw = -1.0;  // < 0: the default
  double max_wind_mw = -1.0;
  double max_firm_mw = -1.0;
  double max_battery_mwh = -1.0;
  double flexible_share = 0.0;
  double headroom = 0.2;
  std::string objective = "cost";  // cost, carbon or cost_under_cap (docs/planning.md, "Objectives")
  double horizon_years = 10.0;     // total carbon = horizon x (operational + embodied) per year
  double carbon_cap_t = -1.0;      // cost_under_cap: total carbon over the horizon at most this; < 0: none
};

// `regions[].imports` (docs/energy.md, "What grid data count"): production-based grid data
// corrected for imports; share 0: none.
struct RegionImports {
  double share = 0.0;
  double cfe_share = 0.0;
  double carbon_intensity_g_per_kwh = -1.0;  // < 0: CI not corrected
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  core::Seconds start_epoch_s = 0;  // UTC
  int64_t hours = 0;
  fleet::GpuCatalog catalog;
  std::vector<std::string> regions;
  std::vector<std::pair<double, double>> region_location;     // per region: latitude, longitude (deg)
  std::vector<double> region_utc_offset_h;                    // per region: local time = UTC + offset (fixed)
  std::vector<energy::RegionSupplySpec> region_supply_specs;  // per region, as configured
  std::vector<energy::RegionSupply> region_supply;            // per region, built hour by hour
  std::vector<fleet::SiteSpec> sites;
  SchedulerOptions scheduler;
  std::vector<workload::TrainingJob> listed_jobs;
  std::vector<workload::SyntheticSpec> synthetic;
  std::vector<workload::TraceSpec> traces;
  std::vector<DemandRegion> demand_regions;
  InferenceOptions inference;
  std::vector<std::vector<double>> latency_ms;  // [demand region][site], shortest path; inf: unreachable
  int deflate_level = 1;
  PlannerSpec planner;
  // The whole footprint (docs/models.md, "Footprint"): settings, and per region and per site
  // what the run books from them.
  footprint::FootprintSpec footprint = footprint::FootprintSpec::defaults();
  std::vector<footprint::RegionFootprint> region_footprint;  // per region
  std::vector<RegionImports> region_imports;                 // per region
  std::vector<footprint::SiteWater> site_water;              // per site
  std::vector<std::string> warnings;                         // things worth saying that are not errors

  // Provenance, stored in the output file.
  std::string source_path;
  std::string source_text;             // the file as written
  std::vector<std::string> overrides;  // --set arguments, in order
  std::string base_dir;                // relative file paths resolve against it ('' = current directory)
  std::string effective_yaml;          // the scenario after overrides

  core::Seconds horizon_s() const { return hours * core::kSecondsPerHour; }
  energy::TimeAxis time_axis() const { return energy::TimeAxis{start_epoch_s, hours}; }
};

// All overrides came from the command line (the default of load_scenario / parse_scenario).
constexpr size_t kAllOverrides = static_cast<size_t>(-1);

// Reads, overrides, validates and builds. Throws core::InputError (file, line, key path).
// `overrides` ("key.path=value") apply in order; the first `command_line_overrides` of them were
// typed on the command line: a relative file path among their values resolves against the
// current directory (and is stored absolute in effective_yaml). The others (a sweep file's)
// resolve like the scenario file's own paths: against base_dir (docs/scenario-reference.md, "File paths").
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {},
                       size_t command_line_overrides = kAllOverrides);
// The same from text; `source_name` is used in messages and to resolve relative paths.
Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const std::vector<std::string>& overrides = {}, size_t command_line_overrides = kAllOverrides);

}  // namespace fleetsim::scenario
