#pragma once
// One run: wires the workload, the fleet's sites (logical processes), the placement policy
// and the hour-window engine, and collects the hourly series, the job table and the summary.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/loop_sharing.hpp"
#include "output/precompress.hpp"
#include "scenario/scenario.hpp"
#include "workload/job.hpp"

namespace fleetsim::run {

enum class JobStatus { kCompleted, kDeadlineMissed, kRejected, kRunningAtEnd, kWaitingAtEnd };
const char* to_string(JobStatus status);

struct JobRecord {
  int64_t id = 0;
  std::string name;
  workload::JobSource source = workload::JobSource::kListed;
  core::Seconds submit_s = 0;
  core::Seconds start_s = -1;     // -1: never started
  core::Seconds end_s = -1;       // -1: not finished within the horizon
  core::Seconds deadline_s = -1;  // -1: none
  int64_t site = -1;              // index into RunResult::site_names; -1: rejected
  int64_t gpus = 0;
  std::string gpu_type;            // the type it ran on (or asked for, if never placed; "" = any)
  double energy_mwh = 0.0;         // facility energy, booked up to the horizon
  double emissions_t = 0.0;        // location-based: its hourly energy x its region's hourly CI
  double emissions_bound_t = 0.0;  // the least it could be (policy/clairvoyant.hpp)
  JobStatus status = JobStatus::kWaitingAtEnd;
  std::string reason;  // why it was rejected
  workload::Flexibility flexibility = workload::Flexibility::kNone;
  core::Seconds nominal_run_s = 0;  // run time on its cluster at full speed, no pauses (0: never placed)
  core::Seconds deferred_s = 0;     // held back by the policy before its first start
  core::Seconds paused_s = 0;       // held back after pauses
  int64_t pauses = 0;
  core::Seconds checkpoint_s = 0;      // run time added by pauses
  double checkpoint_energy_mwh = 0.0;  // facility energy of that time
  double capped_s = 0.0;               // run time under a power cap
  // The whole footprint (docs/models.md, "Footprint"):
  double emissions_marginal_t = 0.0;  // its hourly energy x its region's marginal CI (NaN: no data)
  double gpu_hours = 0.0;             // GPU-hours running (pauses excluded)
  double embodied_it_t = 0.0;         // its GPU-hours' share of the GPUs' embodied carbon
  double cost_usd = 0.0;              // its energy at the hourly price + its GPU-hours' capital cost
  // Completion delay: end - submit - nominal run time (finished jobs; -1 otherwise).
  core::Seconds delay_s() const { return end_s >= 0 ? end_s - submit_s - nominal_run_s : -1; }
};

// One named figure of the run summary; units are in the name.
struct SummaryItem {
  std::string name;
  double value = 0.0;
  std::string description;
};

struct RegionSummary {
  double facility_energy_mwh = 0.0;
  double it_energy_mwh = 0.0;
  double peak_load_mw = 0.0;
  int64_t gpus_total = 0;
  int64_t sites = 0;
  // The CFE ledger (docs/energy.md); NaN where the region has no load.
  double contracted_cfe_mwh = 0.0;
  double cfe_mwh = 0.0;
  double cfe_score = 0.0;
  double annual_matching = 0.0;
  double grid_draw_mwh = 0.0;
  double excess_mwh = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
  double emissions_market_annual_t = 0.0;
  double mean_carbon_intensity_g_per_kwh = 0.0;
  int64_t hours_filled = 0;
  // The whole footprint (docs/models.md, "Footprint").
  double emissions_marginal_t = 0.0;  // NaN: the region's data have no marginal intensity
  double embodied_it_t = 0.0;
  double embodied_supply_t = 0.0;
  double water_onsite_l = 0.0;
  double water_offsite_l = 0.0;
  double energy_cost_usd = 0.0;
  double capital_cost_usd = 0.0;
};

// One calendar year (UTC) of the run, the fleet's regions pooled (/summary/year).
struct YearSummary {
  int year = 0;
  int64_t hours = 0;  // simulated hours in the year (a partial year at either end has fewer)
  double facility_energy_mwh = 0.0;
  double it_energy_mwh = 0.0;
  double contracted_cfe_mwh = 0.0;
  double cfe_mwh = 0.0;
  double cfe_score = 0.0;        // NaN without load
  double annual_matching = 0.0;  // min(1, contracted / load), regions pooled; NaN without load
  double grid_draw_mwh = 0.0;
  double excess_mwh = 0.0;
  double emissions_location_t = 0.0;
  double emissions_market_hourly_t = 0.0;
  double emissions_market_annual_t = 0.0;  // per region: max(0, load - contracted) x the year's mean CI, summed
  double peak_facility_power_mw = 0.0;
  int64_t gpus_installed = 0;    // at the end of the year's last simulated hour
  double gpu_utilization = 0.0;  // busy training GPU-hours / installed GPU-hours
  double inference_energy_mwh = 0.0;
  double queries_served = 0.0;
  int64_t jobs_submitted = 0;
  int64_t jobs_finished = 0;  // ended in the year (completed or late)
  // The whole footprint (docs/models.md, "Footprint"), regions pooled.
  double emissions_marginal_t = 0.0;  // NaN unless every region's data have a marginal intensity
  double embodied_it_t = 0.0;
  double embodied_supply_t = 0.0;
  double water_onsite_l = 0.0;
  double water_offsite_l = 0.0;
  double energy_cost_usd = 0.0;
  double capital_cost_usd = 0.0;
};

struct RunResult {
  int64_t hours = 0;
  std::vector<int64_t> hour_epoch_s;
  std::vector<std::string> site_names;
  std::vector<std::string> site_region;
  std::vector<std::string> region_names;
  // Site series, [hour x site], hour-major.
  std::vector<double> site_it_energy_mwh;
  std::vector<double> site_facility_energy_mwh;
  std::vector<double> site_gpus_busy_training;
  std::vector<double> site_gpus_busy_inference;
  std::vector<double> site_inference_queries;
  std::vector<double> site_inference_energy_mwh;
  std::vector<int64_t> site_gpus_total;
  std::vector<int64_t> site_queue_length;
  std::vector<double> site_pue;
  std::vector<double> site_power_cap;       // training GPU power limit, fraction of max board power (1: none)
  std::vector<double> site_embodied_it_t;   // installed GPUs' embodied carbon, booked over their life
  std::vector<double> site_capital_usd;     // installed GPUs' and facility's annualised capital + fixed O&M
  std::vector<double> site_water_onsite_l;  // IT energy x WUE
  // Region series, [hour x region] (the ledger of docs/energy.md).
  std::vector<double> region_load_mwh;
  std::vector<double> region_contracted_cfe_mwh;
  std::vector<double> region_grid_cfe_share;
  std::vector<double> region_carbon_intensity_g_per_kwh;
  std::vector<double> region_cfe_mwh;
  std::vector<double> region_grid_draw_mwh;
  std::vector<double> region_battery_charge_mwh;
  std::vector<double> region_battery_discharge_mwh;
  std::vector<double> region_battery_soc_mwh;
  std::vector<double> region_excess_mwh;
  std::vector<double> region_emissions_location_t;
  std::vector<double> region_emissions_market_hourly_t;
  std::vector<double> region_energy_price_usd_per_mwh;
  std::vector<double> region_energy_cost_usd;    // grid energy + contracted energy + battery
  std::vector<double> region_water_offsite_l;    // water consumed generating the energy used
  std::vector<double> region_embodied_supply_t;  // contracts' and battery's embodied carbon, booked over their life
  // Only when a region's data give a marginal intensity (NaN in regions that do not); else empty.
  std::vector<double> region_marginal_carbon_intensity_g_per_kwh;
  std::vector<double> region_emissions_marginal_t;  // load x marginal CI
  // Inference demand, [hour x demand region].
  std::vector<std::string> demand_names;
  std::vector<double> demand_queries;
  std::vector<double> demand_served;
  std::vector<double> demand_dropped;
  std::vector<double> demand_mean_latency_ms;  // served-weighted; NaN in an hour with nothing served
  // The hourly routing matrix, [hour x pair], when output.routing_matrix is set.
  std::vector<std::string> routing_pairs;  // "demand -> site", pairs within the SLO
  std::vector<double> routing_queries;
  // Chunks of the series above compressed during the run (RunOptions::precompress), by
  // "<group>/<name>"; write_run_file uses those that still match the data.
  std::map<std::string, output::PrecompressedSeries> precompressed;
  std::vector<JobRecord> jobs;
  std::vector<SummaryItem> summary;
  std::vector<RegionSummary> regions;
  std::vector<YearSummary> years;  // calendar years, in order
  double wall_time_s = 0.0;

  double summary_value(const std::string& name) const;
};

// The most threads a run (fleetsim run --threads) or a sweep (--jobs) may ask for: far more
// than any machine it runs on has cores, and few enough that the threads' stacks and buffers
// fit in memory (a billion threads were once asked for; libgomp tried to reserve 224 GB).
inline constexpr int kMaxThreads = 1024;

struct RunOptions {
  int threads = 1;  // 1 to kMaxThreads
  // Compress the hourly series' chunks on a background thread as the run fills them, for
  // write_run_file (output/precompress.hpp): the file is the same, the write after the run
  // shorter. For runs whose file will be written.
  bool precompress = false;
  // Called once per simulated hour from one thread (may be empty).
  std::function<void(int64_t hour, int64_t hours)> progress;
  // With threads > 1: whether the hour's loops are shared, measured on the run by default
  // (engine/loop_sharing.hpp). No result depends on it.
  engine::LoopSharing sharing = engine::LoopSharing::kMeasured;
};

// Runs the scenario. Throws core::InputError for bad trace data, core::SimulationError if an
// invariant breaks.
RunResult simulate(const scenario::Scenario& scenario, const RunOptions& options = {});

// The scenario under another scheduling policy (`fleetsim run --baseline POLICY`): its own text
// and overrides, then scheduler.policy=POLICY. A bad policy is a core::InputError at `where`.
scenario::Scenario baseline_scenario(const scenario::Scenario& scenario, const std::string& policy,
                                     const core::SourceLocation& where);

// Runs the scenario and, with a baseline scenario, the baseline beside it on its own thread
// (options.threads threads, no progress, no precompression), which it writes to *baseline_result.
// Each run is deterministic, so the pair is too. Throws as simulate() does.
RunResult simulate_with_baseline(const scenario::Scenario& scenario, const scenario::Scenario* baseline,
                                 RunResult* baseline_result, const RunOptions& options);

// Rows of the scenario's traces that did not become jobs, by reason.
struct TraceCounts {
  int64_t rows = 0;
  int64_t skipped_no_gpu = 0;
  int64_t skipped_never_ran = 0;
  int64_t skipped_after_horizon = 0;
};

// The jobs of every workload source, merged and ordered by submission time.
std::vector<workload::TrainingJob> collect_jobs(const scenario::Scenario& scenario, TraceCounts* counts = nullptr);

}  // namespace fleetsim::run
