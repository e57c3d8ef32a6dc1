#include "run/simulation.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <type_traits>

#include "core/error.hpp"
#include "core/text.hpp"
#include "energy/ledger.hpp"
#include "engine/hour_window.hpp"
#include "engine/worker_pool.hpp"
#include "fleet/power.hpp"
#include "fleet/site.hpp"
#include "footprint/footprint.hpp"
#include "policy/clairvoyant.hpp"
#include "policy/forecast.hpp"
#include "policy/placement.hpp"
#include "policy/routing.hpp"
#include "policy/scheduling.hpp"
#include "run/run_file.hpp"
#include "workload/synthetic.hpp"
#include "workload/trace_reader.hpp"

namespace fleetsim::run {

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kDeadlineMissed:
      return "deadline_missed";
    case JobStatus::kRejected:
      return "rejected";
    case JobStatus::kRunningAtEnd:
      return "running_at_end";
    case JobStatus::kWaitingAtEnd:
      return "waiting_at_end";
  }
  return "unknown";
}

double RunResult::summary_value(const std::string& name) const {
  for (const auto& item : summary) {
    if (item.name == name) return item.value;
  }
  throw std::out_of_range("no summary value named " + name);
}

namespace {
// Jobs are numbered with 32-bit ids in the run (one id is kept free).
constexpr size_t kMostJobs = UINT32_MAX;
}  // namespace

std::vector<workload::TrainingJob> collect_jobs(const scenario::Scenario& sc, TraceCounts* counts) {
  // Every source's jobs go straight into one list, reserved once: after the series it is the
  // run's largest block, and each copy of it would be as many fresh pages again.
  double expected = static_cast<double>(sc.listed_jobs.size());
  for (const workload::SyntheticSpec& spec : sc.synthetic) expected += workload::synthetic_expected_count(spec);
  std::vector<workload::TraceReadResult> reads(sc.traces.size());
  for (size_t t = 0; t < sc.traces.size(); ++t) {
    const workload::TraceSpec& trace = sc.traces[t];
    try {
      reads[t] = workload::read_trace(trace, sc.horizon_s());
    } catch (const core::InputError& e) {
      throw core::InputError(
          e.where(), e.detail() + " (trace workload.traces[" + std::to_string(t) + "] of " + sc.source_path + ")");
    }
    if (counts != nullptr) {
      counts->rows += reads[t].rows;
      counts->skipped_no_gpu += reads[t].skipped_no_gpu;
      counts->skipped_never_ran += reads[t].skipped_never_ran;
      counts->skipped_after_horizon += reads[t].skipped_after_horizon;
    }
    expected += static_cast<double>(reads[t].jobs.size());
  }
  if (!(expected < static_cast<double>(kMostJobs))) {  // said before the memory is asked for
    std::ostringstream about;
    about << std::setprecision(3) << expected;
    throw core::SimulationError(
        "too many jobs for one run: the workload (listed jobs, workload.synthetic, "
        "workload.traces) would make about " +
        about.str() + " on average, at most " + std::to_string(kMostJobs - 1) + " fit");
  }
  // each synthetic count is then below kMostJobs: no sum here can overflow
  size_t room = sc.listed_jobs.size();
  for (const workload::SyntheticSpec& spec : sc.synthetic) room += workload::synthetic_capacity(spec);
  for (const workload::TraceReadResult& read : reads) room += read.jobs.size();
  std::vector<workload::TrainingJob> jobs;
  jobs.reserve(room);
  jobs.insert(jobs.end(), sc.listed_jobs.begin(), sc.listed_jobs.end());
  for (size_t g = 0; g < sc.synthetic.size(); ++g) workload::append_synthetic(sc.synthetic[g], sc.seed, g, jobs);
  for (workload::TraceReadResult& read : reads) {
    jobs.insert(jobs.end(), std::make_move_iterator(read.jobs.begin()), std::make_move_iterator(read.jobs.end()));
    read.jobs = {};
  }
  workload::sort_by_submit(jobs);
  return jobs;
}

namespace {

// Greenest routing: latency breaks ties between equally green sites, weighted 1e-6 per ms of
// the hour's greenness range (250 ms adds 0.025% of the range: only ties are decided by it).
constexpr double kLatencyTieBreak = 1e-6;
// Most option-hours the clairvoyant bound evaluates (about a second); more: not computed.
constexpr double kBoundBudget = 2e8;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Whether a region's grid data give a marginal intensity (the marginal series are then kept).
bool any_marginal(const scenario::Scenario& sc) {
  return std::any_of(sc.region_supply.begin(), sc.region_supply.end(), [](const energy::RegionSupply& supply) {
    return !supply.grid.marginal_carbon_intensity_g_per_kwh.empty();
  });
}

// The hourly series of sites, demand regions and grid regions (hour-major): calls
// visit(series, cells, starting value) for each. The routing matrix, sized by the pairs within
// the SLO, is left to the model.
template <class Result, class Visit>  // Result: RunResult or const RunResult
void visit_series(const scenario::Scenario& sc, Result& r, Visit&& visit) {
  const size_t cells = static_cast<size_t>(sc.hours) * sc.sites.size();
  for (auto* series : {&r.site_it_energy_mwh, &r.site_facility_energy_mwh, &r.site_gpus_busy_training,
                       &r.site_gpus_busy_inference, &r.site_inference_queries, &r.site_inference_energy_mwh,
                       &r.site_pue, &r.site_embodied_it_t, &r.site_capital_usd, &r.site_water_onsite_l}) {
    visit(*series, cells, 0.0);
  }
  visit(r.site_power_cap, cells, 1.0);
  visit(r.site_gpus_total, cells, int64_t{0});
  visit(r.site_queue_length, cells, int64_t{0});
  const size_t demand_cells = static_cast<size_t>(sc.hours) * sc.demand_regions.size();
  for (auto* series : {&r.demand_queries, &r.demand_served, &r.demand_dropped, &r.demand_mean_latency_ms}) {
    visit(*series, demand_cells, 0.0);
  }
  const size_t region_cells = static_cast<size_t>(sc.hours) * sc.regions.size();
  for (auto* series :
       {&r.region_load_mwh, &r.region_contracted_cfe_mwh, &r.region_grid_cfe_share,
        &r.region_carbon_intensity_g_per_kwh, &r.region_cfe_mwh, &r.region_grid_draw_mwh, &r.region_battery_charge_mwh,
        &r.region_battery_discharge_mwh, &r.region_battery_soc_mwh, &r.region_excess_mwh,
        &r.region_emissions_location_t, &r.region_emissions_market_hourly_t, &r.region_energy_price_usd_per_mwh,
        &r.region_energy_cost_usd, &r.region_water_offsite_l, &r.region_embodied_supply_t}) {
    visit(*series, region_cells, 0.0);
  }
  if (any_marginal(sc)) {  // NaN in the regions whose data have none
    visit(r.region_marginal_carbon_intensity_g_per_kwh, region_cells, kNaN);
    visit(r.region_emissions_marginal_t, region_cells, kNaN);
  }
}

// The series' memory, allocated on the calling thread (under the CLI's memory policy, the main
// thread's heap, where it is reused after the run: core/memory.hpp) but not yet written.
void reserve_series(const scenario::Scenario& sc, RunResult& r) {
  visit_series(sc, r, [](auto& series, size_t cells, auto) { series.reserve(cells); });
}

// The series at their starting values. A year at the goal size holds ~0.95 GB of them: simulate()
// fills them on a helper thread while the jobs are made, since the first write of that many
// fresh pages costs ~0.7 s (docs/performance.md, "Fresh pages").
void size_series(const scenario::Scenario& sc, RunResult& r) {
  visit_series(sc, r, [](auto& series, size_t cells, auto value) {
    series.assign(cells, static_cast<typename std::decay_t<decltype(series)>::value_type>(value));
  });
}

// Whether every series has its size for this scenario (the model's check before it writes one).
bool series_sized(const scenario::Scenario& sc, const RunResult& r) {
  bool sized = true;
  visit_series(sc, r, [&sized](const auto& series, size_t cells, auto) { sized = sized && series.size() == cells; });
  return sized;
}

class FleetModel final : public engine::WindowedModel {
 public:
  FleetModel(const scenario::Scenario& sc, std::vector<workload::TrainingJob> jobs, RunResult& result)
      : sc_(sc), jobs_(std::move(jobs)), result_(result), outcomes_(jobs_.size()) {
    try {
      policy_ = policy::make_policy(sc.scheduler.policy);
    } catch (const std::invalid_argument& e) {
      throw core::SimulationError(std::string("scheduler: ") + e.what());
    }
    if (policy_->reacts_to_supply()) {
      policy::ForecastOptions forecast = sc.scheduler.policy.forecast;
      if (sc.scheduler.policy.has("optimal")) forecast.model = policy::ForecastModel::kPerfect;  // clairvoyant
      if (sc.scheduler.policy.signal == policy::Signal::kMarginalCarbonIntensity) {
        // the policies minimise the marginal intensity: they see it in place of the average one
        marginal_supply_ = sc.region_supply;
        for (energy::RegionSupply& supply : marginal_supply_) {
          if (supply.grid.marginal_carbon_intensity_g_per_kwh.empty()) {
            throw core::SimulationError("scheduler.signal marginal_carbon_intensity: a region has no marginal data");
          }
          supply.grid.carbon_intensity_g_per_kwh = supply.grid.marginal_carbon_intensity_g_per_kwh;
        }
      }
      forecaster_ = std::make_unique<policy::Forecaster>(marginal_supply_.empty()
                                                             ? std::span<const energy::RegionSupply>(sc.region_supply)
                                                             : std::span<const energy::RegionSupply>(marginal_supply_),
                                                         forecast);
      signals_ = std::make_unique<policy::ForecastSignals>(*forecaster_, sc.scheduler.policy.signal);
    }
    gpu_rates_ = footprint::gpu_hour_rates(sc.catalog, sc.footprint);
    interruptible_checkpoint_s_.reserve(jobs_.size());
    for (const auto& job : jobs_) {
      const bool interruptible = job.flexibility == workload::Flexibility::kInterruptible;
      any_interruptible_ |= interruptible;
      interruptible_checkpoint_s_.push_back(interruptible ? job.checkpoint_s : -1);
    }
    // A region's hourly weights (carbon intensity, marginal, price) with their prefix sums, made
    // once and shared by its sites.
    struct RegionWeights {
      std::shared_ptr<const fleet::HourlyWeight> ci, marginal_ci, price;
    };
    std::vector<RegionWeights> region_weights(sc.region_supply.size());
    sites_.reserve(sc.sites.size());
    for (const auto& spec : sc.sites) {
      sites_.emplace_back(spec, sc.catalog, sc.scheduler.backfill_depth, std::span<fleet::TaskOutcome>(outcomes_));
      const energy::RegionSupply& supply = sc.region_supply[spec.region];
      RegionWeights& weights = region_weights[spec.region];
      if (!weights.ci) {
        weights.ci = std::make_shared<const fleet::HourlyWeight>(supply.grid.carbon_intensity_g_per_kwh);
        weights.marginal_ci =
            std::make_shared<const fleet::HourlyWeight>(supply.grid.marginal_carbon_intensity_g_per_kwh);
        if (spec.region < sc.region_footprint.size()) {
          weights.price =
              std::make_shared<const fleet::HourlyWeight>(sc.region_footprint[spec.region].price_usd_per_mwh);
        }
      }
      sites_.back().set_carbon_intensity(weights.ci);
      sites_.back().set_marginal_carbon_intensity(weights.marginal_ci);
      if (weights.price) sites_.back().set_energy_price(weights.price);
      sites_.back().set_gpu_hour_rates(gpu_rates_.embodied_kg, gpu_rates_.capital_usd);
    }
    touched_.assign(sites_.size(), 0);
    cluster_base_.assign(1, 0);
    for (const auto& site : sites_) cluster_base_.push_back(cluster_base_.back() + site.clusters());
    held_remaining_.assign(jobs_.size(), 0);
    nominal_s_.assign(jobs_.size(), 0);
    site_of_job_.assign(jobs_.size(), -1);
    cluster_of_job_.assign(jobs_.size(), 0);
    rejected_.assign(jobs_.size(), std::nullopt);
    for (size_t r = 0; r < sc.regions.size(); ++r) region_sites_.emplace_back();
    for (size_t s = 0; s < sc.sites.size(); ++s) region_sites_[sc.sites[s].region].push_back(s);
    if (!series_sized(sc, result_)) throw core::SimulationError("the hourly series were not sized");
    for (const auto& d : sc.demand_regions) result_.demand_names.push_back(d.name);
    // The routing pairs: each demand region's sites within its SLO, fixed for the run.
    std::vector<size_t> pair_offsets = {0};
    std::vector<std::uint32_t> pair_sites;
    for (size_t d = 0; d < sc.demand_regions.size(); ++d) {
      for (size_t site = 0; site < sc.sites.size(); ++site) {
        if (sc.latency_ms[d][site] <= sc.demand_regions[d].latency_slo_ms) {
          pair_sites.push_back(static_cast<std::uint32_t>(site));
          pair_latency_ms_.push_back(sc.latency_ms[d][site]);
          if (sc.inference.routing_matrix) {
            result_.routing_pairs.push_back(sc.demand_regions[d].name + " -> " + sc.sites[site].name);
          }
        }
      }
      pair_offsets.push_back(pair_sites.size());
    }
    router_.set_pairs(policy::RoutingPairs(sc.sites.size(), std::move(pair_offsets), std::move(pair_sites)));
    // Pair costs (route_inference) separate: the site's grid region's greenness (0 for
    // `nearest`) plus a scale times the pair's latency. The sites that share the first part:
    // those of a grid region under `greenest`, all of them under `nearest`.
    std::vector<std::uint32_t> site_region(sc.sites.size());
    const bool by_region = sc.inference.routing == "greenest";
    for (size_t s = 0; s < sc.sites.size(); ++s) {
      site_region[s] = by_region ? static_cast<std::uint32_t>(sc.sites[s].region) : 0;
    }
    router_.set_pair_keys(pair_latency_ms_, site_region);
    const size_t pairs = router_.pairs().size();
    if (sc.inference.routing_matrix) result_.routing_queries.assign(static_cast<size_t>(sc.hours) * pairs, 0.0);
    has_marginal_ = any_marginal(sc);
    if (sc.region_supply.size() != sc.regions.size()) throw core::SimulationError("region supply was not built");
    for (const auto& spec : sc.region_supply_specs) ledgers_.emplace_back(spec.battery);
  }

  const std::vector<energy::RegionLedger>& ledgers() const { return ledgers_; }

  // Inference first: measure each site's capacity, route the hour's queries (policy), and
  // reserve the GPUs; training is placed on what is left. Only the pairs within the SLO are
  // filled and visited (policy::Router).
  void route_inference(int64_t hour) {
    const size_t demands = sc_.demand_regions.size();
    if (demands == 0) return;
    const size_t sites = sites_.size();
    const auto h = static_cast<size_t>(hour);
    const fleet::InferenceModel& model = sc_.inference.model;
    const policy::RoutingPairs& pairs = router_.pairs();
    // buffers reused hour to hour; costs as separable costs (policy::SeparableRoutingProblem):
    // cost = site_value + scale x latency, where a site that cannot serve has capacity 0
    policy::SeparableRoutingProblem& problem = problem_;
    problem.capacity.resize(sites);
    for_each_site([&](size_t s) {  // each site's own state: on the runner's threads
      problem.capacity[s] = sites_[s].serves_inference() ? sites_[s].release_and_measure_inference(model) : 0.0;
    });
    problem.demand.resize(demands);
    for (size_t d = 0; d < demands; ++d) problem.demand[d] = sc_.demand_regions[d].queries[h];
    const bool greenest = sc_.inference.routing == "greenest";
    const bool by_spare = sc_.inference.greenest_by == "spare_cfe";
    const size_t regions = sc_.regions.size();
    // Greenness of each grid region this hour; the latency tie-break is scaled to its range.
    std::vector<double> green(regions, 0.0);
    double green_scale = 1.0;
    for (size_t r = 0; greenest && r < regions; ++r) {
      if (by_spare) {
        const double last_load = hour > 0 ? result_.region_load_mwh[(h - 1) * regions + r] : 0.0;
        green[r] = -(sc_.region_supply[r].contracted_mwh[h] - last_load);
      } else {
        green[r] = sc_.region_supply[r].grid.carbon_intensity_g_per_kwh[h];
      }
      green_scale = std::max(green_scale, 1.0 + std::fabs(green[r]));
    }
    // Greenest: the site's grid intensity this hour, or minus the region's spare contracted CFE
    // (this hour's contracted generation less last hour's load); latency breaks ties. Nearest:
    // the latency (0 + 1 x latency, exactly).
    problem.site_value.resize(sites);
    for (size_t s = 0; s < sites; ++s) problem.site_value[s] = green[sc_.sites[s].region];
    problem.scale = greenest ? kLatencyTieBreak * green_scale : 1.0;
    const std::span<const std::uint32_t> pair_site = pairs.sites_of_pairs();
    policy::SparseRoutingSolution& solution = solution_;
    if (sc_.inference.solver == "min_cost_flow") {
      // every pair's cost; +infinity for a site that cannot serve
      policy::SparseRoutingProblem& dense_costs = cost_problem_;
      dense_costs.demand = problem.demand;
      dense_costs.capacity = problem.capacity;
      dense_costs.cost.resize(pairs.size());
      for (size_t p = 0; p < pairs.size(); ++p) {
        const size_t s = pair_site[p];
        dense_costs.cost[p] = problem.capacity[s] <= 0.0 ? policy::kUnreachable
                                                         : problem.site_value[s] + problem.scale * pair_latency_ms_[p];
      }
      router_.route_min_cost_flow(dense_costs, solution);
    } else {
      router_.route_greedy(problem, solution);
    }
    std::vector<double>& flow = solution.flow;  // per pair
    // Each site's routed queries, summed in pair order (by increasing demand region): over the
    // pairs with flow (solution.used), since the others add exactly +0.
    site_routed_.assign(sites, 0.0);
    for (const std::uint32_t p : solution.used) site_routed_[pair_site[p]] += flow[p];
    site_keep_.assign(sites, 1.0);
    for_each_site([&](size_t s) {  // each site's own state: on the runner's threads
      if (!sites_[s].serves_inference()) return;
      const double routed = site_routed_[s];
      const double served = sites_[s].assign_inference(routed, model).queries;
      // A site serves at most what it measured; scale its flows to what it actually served.
      if (routed > 0.0 && served < routed) site_keep_[s] = served / routed;
    });
    const bool any_kept = std::any_of(site_keep_.begin(), site_keep_.end(), [](double k) { return k != 1.0; });
    if (any_kept) {
      for (const std::uint32_t p : solution.used) flow[p] *= site_keep_[pair_site[p]];  // x 1.0: unchanged
    }
    // Per demand region, over its pairs with flow (used is in pair order, so grouped by region).
    size_t next_used = 0;
    for (size_t d = 0; d < demands; ++d) {
      const size_t i = h * demands + d;
      double served = 0.0;
      double latency_sum = 0.0;
      for (; next_used < solution.used.size() && solution.used[next_used] < pairs.end(d); ++next_used) {
        const std::uint32_t p = solution.used[next_used];
        served += flow[p];
        if (flow[p] > 0.0) latency_sum += flow[p] * pair_latency_ms_[p];
      }
      if (served > problem.demand[d]) {  // rounding in the flows must not serve more than arrived
        latency_sum *= problem.demand[d] / served;
        served = problem.demand[d];
      }
      result_.demand_queries[i] = problem.demand[d];
      result_.demand_served[i] = served;
      result_.demand_dropped[i] = problem.demand[d] - served;
      result_.demand_mean_latency_ms[i] = served > 0.0 ? latency_sum / served : std::nan("");
      latency_sum_ += latency_sum;
    }
    if (sc_.inference.routing_matrix) {
      std::copy(flow.begin(), flow.end(),
                result_.routing_queries.begin() + static_cast<std::ptrdiff_t>(h * flow.size()));
    }
  }

  double latency_sum() const { return latency_sum_; }

  // The region's mean hourly load over the last 24 hours (all known at the hour's start).
  void expected_loads(int64_t hour) {
    const size_t regions = sc_.regions.size();
    expected_load_.assign(regions, 0.0);
    const int64_t from = std::max<int64_t>(0, hour - 24);
    if (hour <= from) return;
    for (int64_t h = from; h < hour; ++h) {
      for (size_t r = 0; r < regions; ++r)
        expected_load_[r] += result_.region_load_mwh[static_cast<size_t>(h) * regions + r];
    }
    for (double& l : expected_load_) l /= static_cast<double>(hour - from);
  }

  // A job on a site's cluster as the timing decisions see it.
  policy::JobTiming timing(uint32_t job, size_t site, core::Seconds remaining_s) const {
    const workload::TrainingJob& j = jobs_[job];
    policy::JobTiming t;
    t.region = sc_.sites[site].region;
    t.submit_s = j.submit_s;
    t.remaining_s = remaining_s;
    t.nominal_s = nominal_s_[job];
    t.deadline_s = j.deadline_s;
    t.checkpoint_s = j.checkpoint_s;
    t.flexibility = j.flexibility;
    t.pauses = outcomes_[job].pauses;
    t.job = job;
    t.site = site;
    t.cluster = cluster_of_job_[job];
    t.gpus = j.gpus;
    return t;
  }

  // Why a job missed its deadline (docs/policies.md, "Deadline misses"): a deadline shorter
  // than its run time; released by the policy too late to make it (a forecast or expected-wait
  // error); or queued for capacity (after its release, or never held).
  static std::string miss_reason(const workload::TrainingJob& job, const fleet::TaskOutcome& out,
                                 core::Seconds nominal_s) {
    if (*job.deadline_s < job.submit_s + nominal_s) return "deadline_shorter_than_run_time";
    if (out.released_s >= 0) {
      return out.released_s + out.released_remaining_s > *job.deadline_s ? "released_too_late" : "queued_after_release";
    }
    if (out.pauses > 0) return "paused_too_long";
    return out.capped_s > 0.0 ? "queued_or_power_capped" : "queued_for_capacity";
  }

  fleet::Task task_of(size_t j) const {
    const workload::TrainingJob& job = jobs_[j];
    const double throughput = job.gpu_type.empty() ? 1.0 : sc_.catalog.find(job.gpu_type)->training_throughput;
    fleet::Task task;
    task.job = static_cast<uint32_t>(j);
    task.gpus = job.gpus;
    task.work_gpu_s = static_cast<double>(job.duration_s) * static_cast<double>(job.gpus) * throughput;
    task.utilization = job.utilization;
    task.submit_s = job.submit_s;
    task.deadline_s = job.deadline_s.value_or(INT64_MAX);
    // non-flexible work first under a timing policy (docs/policies.md, "Capacity")
    if (policy_->times_jobs()) task.priority = static_cast<uint8_t>(job.flexibility);
    return task;
  }

  // Timing and power decisions at the hour's start: power caps, pauses of running
  // interruptible jobs, and releases of held jobs (the sites schedule after routing).
  void time_and_power(const policy::DecisionContext& ctx) {
    if (policy_->caps_power()) {
      for (size_t s = 0; s < sites_.size(); ++s) {
        const fleet::PowerCap cap = policy_->power_cap(s, ctx);
        if (cap.cap != sites_[s].power_cap().cap) touched_[s] = true;
        sites_[s].set_power_cap(cap);
      }
    }
    if (!policy_->times_jobs()) return;
    for (size_t s = 0; s < sites_.size(); ++s) {
      for (size_t c = 0; c < sites_[s].clusters(); ++c) {
        if (sites_[s].role(c) == fleet::ClusterRole::kInference) continue;
        sites_[s].set_rigid_reserve(c, policy_->rigid_reserve(s, c, ctx));
      }
    }
    // The hour's plan, cluster by cluster (docs/policies.md, "The rules"): held jobs and running
    // interruptible jobs that may still pause.
    // The jobs to plan, then grouped by (site, cluster) keeping the order within a group (held
    // in the order held, then running): a counting sort over the clusters' flat index, each
    // job's PlannedJob made once, in its place.
    to_plan_.clear();
    for (const uint32_t job : held_) {
      to_plan_.push_back(ToPlan{job, static_cast<uint32_t>(site_of_job_[job]), false, held_remaining_[job]});
    }
    if (any_interruptible_) {
      for (size_t s = 0; s < sites_.size(); ++s) {
        for (const fleet::RunningView& r : sites_[s].running_views()) {
          // cheap tests first (compact per-job arrays): an interruptible job that may still pause
          // (for carbon up to max_pauses times, to make room for more urgent work always)
          const core::Seconds checkpoint_s = interruptible_checkpoint_s_[r.job];
          if (checkpoint_s < 0 || r.remaining_s <= checkpoint_s) continue;
          // a plan of an earlier hour runs it on through this one (nothing queued that may need its room)
          if (sites_[s].eligible_waiting_gpus(r.cluster) == 0 &&
              policy_->runs_on(r.job, outcomes_[r.job].pauses, ctx)) {
            continue;
          }
          to_plan_.push_back(ToPlan{r.job, static_cast<uint32_t>(s), true, r.remaining_s});
        }
      }
    }
    auto group_of = [this](const ToPlan& p) { return cluster_base_[p.site] + cluster_of_job_[p.job]; };
    group_start_.assign(cluster_base_.back() + 1, 0);
    for (const ToPlan& p : to_plan_) ++group_start_[group_of(p) + 1];
    for (size_t g = 1; g < group_start_.size(); ++g) group_start_[g] += group_start_[g - 1];
    planned_.resize(to_plan_.size());
    for (const ToPlan& p : to_plan_) {
      planned_[group_start_[group_of(p)]++] =
          policy::PlannedJob{p.job, timing(p.job, p.site, p.remaining_s), p.running, p.running};
    }
    for (size_t first = 0; first < planned_.size();) {
      size_t last = first + 1;
      while (last < planned_.size() && planned_[last].timing.site == planned_[first].timing.site &&
             planned_[last].timing.cluster == planned_[first].timing.cluster) {
        ++last;
      }
      policy_->plan(std::span<policy::PlannedJob>(planned_.data() + first, last - first), ctx);
      first = last;
    }
    // releases first, then pauses (a job paused now is not reconsidered until the next hour)
    released_.clear();
    for (const policy::PlannedJob& p : planned_) {
      if (p.running || !p.run) continue;
      const size_t s = p.timing.site;
      if (!sites_[s].release(p.job)) throw core::SimulationError("held job " + jobs_[p.job].name + " is not held");
      touched_[s] = true;
      released_.push_back(p.job);
    }
    if (!released_.empty()) {
      std::sort(released_.begin(), released_.end());
      std::erase_if(held_, [&](uint32_t job) { return std::binary_search(released_.begin(), released_.end(), job); });
    }
    for (const policy::PlannedJob& p : planned_) {
      if (!p.running || p.run) continue;
      const size_t s = p.timing.site;
      const workload::TrainingJob& job = jobs_[p.job];
      policy::JobTiming after = p.timing;
      after.remaining_s += job.checkpoint_s;
      const core::Seconds held_for = sites_[s].pause(p.job, job.checkpoint_s, policy_->latest_start(after));
      if (held_for >= 0) {
        held_.push_back(p.job);
        held_remaining_[p.job] = held_for;
        touched_[s] = true;
      }
    }
  }

  // Capacity steps due this hour (commissioning, growth, retirement). Tasks queued on a
  // cluster that shrank below their size are taken back, to be placed again.
  void apply_capacity(int64_t hour) {
    evicted_.clear();
    for (size_t s = 0; s < sites_.size(); ++s) {
      if (sites_[s].capacity_due(hour) && sites_[s].apply_capacity(hour, evicted_)) touched_[s] = true;
    }
    if (evicted_.empty()) return;
    std::vector<uint32_t> gone;
    for (const auto& e : evicted_) gone.push_back(e.task.job);
    std::sort(gone.begin(), gone.end());
    std::erase_if(held_, [&](uint32_t job) { return std::binary_search(gone.begin(), gone.end(), job); });
  }

  // Places a task on a cluster (a new job, or one taken back from a shrinking cluster).
  void place(const fleet::Task& task, const policy::DecisionContext& ctx, bool may_hold) {
    const size_t j = task.job;
    const workload::TrainingJob& job = jobs_[j];
    const policy::PlacementDecision decision = policy_->place(job, task, ctx);
    if (!decision.placement) {
      rejected_[j] = decision.reason;
      return;
    }
    const size_t site = decision.placement->site;
    site_of_job_[j] = static_cast<int64_t>(site);
    cluster_of_job_[j] = decision.placement->cluster;
    if (!outcomes_[j].started()) nominal_s_[j] = sites_[site].duration_s(decision.placement->cluster, task_of(j));
    bool held = false;
    core::Seconds latest_start = INT64_MAX;
    if (may_hold && policy_->times_jobs() && job.flexibility != workload::Flexibility::kNone) {
      const policy::JobTiming t = timing(task.job, site, nominal_s_[j]);
      held = policy_->hold(t, ctx);
      if (held) {
        latest_start = policy_->latest_start(t);
        held_.push_back(task.job);
        held_remaining_[task.job] = nominal_s_[j];
      }
    }
    sites_[site].enqueue(decision.placement->cluster, task, held, latest_start);
  }

  void global_phase(int64_t hour) override {
    apply_capacity(hour);
    const policy::FleetView view{sites_, &sc_.catalog, sc_.regions};
    policy::DecisionContext ctx{hour, view, signals_.get()};
    if (signals_) {
      expected_loads(hour);
      signals_->begin_hour(hour, expected_load_);
    }
    time_and_power(ctx);
    route_inference(hour);
    // the sites whose jobs or power changed schedule again, on the runner's threads
    rescheduled_.clear();
    for (size_t s = 0; s < sites_.size(); ++s) {
      if (touched_[s] != 0) rescheduled_.push_back(s);
      touched_[s] = 0;
    }
    const auto reschedule = [this](size_t i) { sites_[rescheduled_[i]].reschedule(); };
    if (pool() != nullptr) {
      pool()->for_each(rescheduled_.size(), reschedule);
    } else {
      for (size_t i = 0; i < rescheduled_.size(); ++i) reschedule(i);
    }
    // Taken-back tasks first (they were submitted earlier), queued at once: no second hold.
    for (const auto& e : evicted_) place(e.task, ctx, false);
    const core::Seconds end = core::hour_start(hour + 1);
    for (; next_job_ < jobs_.size() && jobs_[next_job_].submit_s < end; ++next_job_) {
      place(task_of(next_job_), ctx, true);
    }
  }

  // fn(site) for every site, on the runner's threads when there are several (each call may
  // touch only that site's state).
  void for_each_site(const std::function<void(size_t)>& fn) {
    if (pool() != nullptr) {
      pool()->for_each(sites_.size(), fn);
    } else {
      for (size_t s = 0; s < sites_.size(); ++s) fn(s);
    }
  }

  void site_phase(size_t site, int64_t hour) override {
    const fleet::SiteHour h = sites_[site].run_hour(hour);
    const size_t i = static_cast<size_t>(hour) * sites_.size() + site;
    result_.site_it_energy_mwh[i] = h.it_energy_mwh;
    result_.site_facility_energy_mwh[i] = h.facility_energy_mwh;
    result_.site_gpus_busy_training[i] = h.gpus_busy_training;
    result_.site_gpus_busy_inference[i] = h.gpus_busy_inference;
    result_.site_inference_queries[i] = h.inference_queries;
    result_.site_inference_energy_mwh[i] = h.inference_energy_mwh;
    result_.site_gpus_total[i] = h.gpus_total;
    result_.site_queue_length[i] = h.queue_length;
    result_.site_pue[i] = h.pue;
    result_.site_power_cap[i] = h.power_cap;
    result_.site_embodied_it_t[i] = h.embodied_it_kg * 1e-3;
    result_.site_capital_usd[i] = h.capital_usd;
    if (site < sc_.site_water.size()) {
      result_.site_water_onsite_l[i] = h.it_energy_mwh * 1e3 * sc_.site_water[site].wue(static_cast<size_t>(hour));
    }
  }

  void ledger_phase(size_t region, int64_t hour) override {
    const size_t row = static_cast<size_t>(hour) * sites_.size();
    double load = 0.0;
    for (size_t s : region_sites_[region]) load += result_.site_facility_energy_mwh[row + s];
    const energy::RegionSupply& supply = sc_.region_supply[region];
    const auto h = static_cast<size_t>(hour);
    const double g = supply.grid.cfe_share[h];
    const double ci = supply.grid.carbon_intensity_g_per_kwh[h];
    const energy::LedgerHour l = ledgers_[region].step(load, supply.contracted_mwh[h], g, ci);
    const size_t i = h * region_sites_.size() + region;
    result_.region_load_mwh[i] = load;
    result_.region_contracted_cfe_mwh[i] = l.contracted_mwh;
    result_.region_grid_cfe_share[i] = g;
    result_.region_carbon_intensity_g_per_kwh[i] = ci;
    result_.region_cfe_mwh[i] = l.cfe_mwh;
    result_.region_grid_draw_mwh[i] = l.grid_draw_mwh;
    result_.region_battery_charge_mwh[i] = l.battery_charge_mwh;
    result_.region_battery_discharge_mwh[i] = l.battery_discharge_mwh;
    result_.region_battery_soc_mwh[i] = l.battery_soc_mwh;
    result_.region_excess_mwh[i] = l.excess_mwh;
    result_.region_emissions_location_t[i] = l.emissions_location_t;
    result_.region_emissions_market_hourly_t[i] = l.emissions_market_hourly_t;
    // the footprint of the region's energy (docs/models.md, "Footprint")
    if (region < sc_.region_footprint.size()) {
      const footprint::RegionFootprint& f = sc_.region_footprint[region];
      const double price = f.price_usd_per_mwh[h];
      const double ewif = f.water_from_mix ? supply.grid.water_l_per_kwh[h] : f.offsite_l_per_kwh;
      result_.region_energy_price_usd_per_mwh[i] = price;
      result_.region_energy_cost_usd[i] =
          l.grid_draw_mwh * price + l.contracted_mwh * f.contract_usd_per_mwh + f.battery_usd_per_h;
      result_.region_water_offsite_l[i] =
          1e3 * (l.grid_draw_mwh * ewif + (l.contracted_used_mwh + l.battery_discharge_mwh) * f.contract_l_per_kwh);
      result_.region_embodied_supply_t[i] = f.embodied_supply_t_per_h;
    }
    const energy::HourlySeries& marginal = supply.grid.marginal_carbon_intensity_g_per_kwh;
    if (!marginal.empty()) {
      result_.region_marginal_carbon_intensity_g_per_kwh[i] = marginal[h];
      result_.region_emissions_marginal_t[i] = load * marginal[h] * 1e-3;
    }
  }

  void finish() {
    const core::Seconds horizon = sc_.horizon_s();
    for (auto& site : sites_) site.finish(horizon);
    result_.jobs.resize(jobs_.size());
    for (size_t j = 0; j < jobs_.size(); ++j) {
      const workload::TrainingJob& job = jobs_[j];
      const fleet::TaskOutcome& out = outcomes_[j];
      JobRecord& rec = result_.jobs[j];
      rec.id = static_cast<int64_t>(j);
      rec.name = job.name;
      rec.source = job.source;
      rec.submit_s = job.submit_s;
      rec.deadline_s = job.deadline_s.value_or(-1);
      rec.gpus = job.gpus;
      rec.gpu_type = job.gpu_type;
      rec.flexibility = job.flexibility;
      if (rejected_[j] && !out.started()) {
        rec.status = JobStatus::kRejected;
        rec.reason = policy::to_string(*rejected_[j]);
        rec.deferred_s = out.deferred_s;  // held before a retirement handed it back
        continue;
      }
      if (site_of_job_[j] < 0) throw core::SimulationError("job " + job.name + " was never placed");
      const auto site = static_cast<size_t>(site_of_job_[j]);
      rec.site = site_of_job_[j];
      rec.gpu_type = sc_.catalog.at(sites_[site].gpu_type(cluster_of_job_[j])).name;
      rec.start_s = out.start_s;
      rec.end_s = out.end_s;
      rec.energy_mwh = out.energy_mwh;
      rec.emissions_t = out.emissions_t;
      rec.emissions_marginal_t =
          sc_.region_supply[sc_.sites[site].region].grid.marginal_carbon_intensity_g_per_kwh.empty()
              ? kNaN
              : out.emissions_marginal_t;
      rec.gpu_hours = out.gpu_s * core::kHoursPerSecond;
      {
        const size_t type = sites_[site].gpu_type(cluster_of_job_[j]);
        rec.embodied_it_t = rec.gpu_hours * gpu_rates_.embodied_kg[type] * 1e-3;
        rec.cost_usd = out.energy_cost_usd + rec.gpu_hours * gpu_rates_.capital_usd[type];
      }
      rec.deferred_s = out.deferred_s;
      rec.paused_s = out.paused_s;
      rec.pauses = out.pauses;
      rec.checkpoint_s = out.checkpoint_s;
      rec.checkpoint_energy_mwh = out.checkpoint_energy_mwh;
      rec.capped_s = out.capped_s;
      rec.nominal_run_s = nominal_s_[j];
      if (rejected_[j]) {  // paused on a cluster that was retired, and no cluster could take it back
        rec.status = JobStatus::kRejected;
        rec.reason = policy::to_string(*rejected_[j]);
        continue;
      }
      const bool deadline_passed = job.deadline_s && *job.deadline_s <= horizon;
      if (out.finished()) {
        rec.status = job.deadline_s && out.end_s > *job.deadline_s ? JobStatus::kDeadlineMissed : JobStatus::kCompleted;
      } else if (deadline_passed) {
        rec.status = JobStatus::kDeadlineMissed;
      } else {
        rec.status = out.started() ? JobStatus::kRunningAtEnd : JobStatus::kWaitingAtEnd;
      }
      if (rec.status == JobStatus::kDeadlineMissed) rec.reason = miss_reason(job, out, nominal_s_[j]);
    }
  }

  // No bound: NaN for the run and every job.
  policy::BoundResult unbounded() const {
    policy::BoundResult none;
    none.job_emissions_t = std::numeric_limits<double>::quiet_NaN();
    none.job_t.assign(jobs_.size(), std::numeric_limits<double>::quiet_NaN());
    return none;
  }

  // The clairvoyant bound of the run's jobs (policy/clairvoyant.hpp): each job may use every
  // cluster it fits (allowed region, GPU type, size). Clusters of one region and GPU type are
  // pooled: a job's options differ by region, type and PUE (the least of the pool's counts), and
  // the exactness check sees the pool's GPUs.
  policy::BoundResult bound() const {
    if (!policy_->reacts_to_supply()) return unbounded();
    policy::BoundInput in;
    in.hours = sc_.hours;
    for (const auto& supply : sc_.region_supply)
      in.carbon_intensity_g_per_kwh.emplace_back(supply.grid.carbon_intensity_g_per_kwh);
    in.max_pauses = sc_.scheduler.policy.has("optimal")
                        ? INT64_MAX
                        : std::llround(sc_.scheduler.policy.param("temporal_shift", "max_pauses"));
    const core::Seconds max_delay_s =
        std::llround(sc_.scheduler.policy.param("temporal_shift", "max_delay_h") * core::kSecondsPerHour);
    // Training-capable clusters pooled by (region, GPU type): the pool's GPUs over time (summed
    // steps), its largest cluster and its least PUE (a job's options differ by these alone)
    struct Pool {
      size_t region;
      size_t type;
      double pue;
      int64_t most_gpus;
    };
    std::vector<Pool> pools;
    for (size_t s = 0; s < sc_.sites.size(); ++s) {
      const fleet::SiteSpec& site = sc_.sites[s];
      for (const fleet::ClusterSpec& spec : site.clusters) {
        if (spec.role == fleet::ClusterRole::kInference) continue;
        int64_t most = spec.gpus;
        for (const fleet::CapacityStep& step : spec.steps) most = std::max(most, step.gpus);
        if (most == 0) continue;
        size_t k = 0;
        while (k < pools.size() && !(pools[k].region == site.region && pools[k].type == spec.gpu_type)) ++k;
        if (k == pools.size()) {
          pools.push_back(Pool{site.region, spec.gpu_type, site.pue, 0});
          in.cluster_gpus.emplace_back();
        }
        pools[k].pue = std::min(pools[k].pue, site.pue);
        pools[k].most_gpus = std::max(pools[k].most_gpus, most);
        // the pool's GPUs over time: merge this cluster's steps into the pool's
        auto& steps = in.cluster_gpus[k];
        std::vector<std::pair<int64_t, int64_t>> mine{{0, spec.gpus}};
        for (const fleet::CapacityStep& step : spec.steps) mine.emplace_back(step.hour, step.gpus);
        std::vector<int64_t> hours{0};
        for (const auto& [h, g] : steps) hours.push_back(h);
        for (const auto& [h, g] : mine) hours.push_back(h);
        std::sort(hours.begin(), hours.end());
        hours.erase(std::unique(hours.begin(), hours.end()), hours.end());
        auto value_at = [](const std::vector<std::pair<int64_t, int64_t>>& v, int64_t h) {
          int64_t g = 0;
          for (const auto& [from, gpus] : v) {
            if (from <= h) g = gpus;
          }
          return g;
        };
        std::vector<std::pair<int64_t, int64_t>> merged;
        for (const int64_t h : hours) merged.emplace_back(h, value_at(steps, h) + value_at(mine, h));
        steps = std::move(merged);
      }
    }
    in.jobs.resize(jobs_.size());
    double work = 0.0;
    std::string last_type_name;
    size_t last_type = SIZE_MAX;
    for (size_t j = 0; j < jobs_.size(); ++j) {
      const workload::TrainingJob& job = jobs_[j];
      policy::BoundJob& b = in.jobs[j];
      b.submit_s = job.submit_s;
      b.flexibility = job.flexibility;
      b.gpus = job.gpus;
      b.checkpoint_s = job.checkpoint_s;
      const fleet::Task task = task_of(j);
      // the job's GPU type as a catalog index (SIZE_MAX: any), looked up once per name
      size_t wanted = SIZE_MAX;
      if (!job.gpu_type.empty()) {
        if (job.gpu_type != last_type_name) {
          last_type_name = job.gpu_type;
          last_type = sc_.catalog.index_of(job.gpu_type).value_or(SIZE_MAX - 1);
        }
        wanted = last_type;
      }
      for (size_t k = 0; k < pools.size(); ++k) {
        const Pool& pool = pools[k];
        const fleet::GpuType& type = sc_.catalog.at(pool.type);
        if (wanted != SIZE_MAX && pool.type != wanted) continue;
        if (job.gpus > pool.most_gpus) continue;
        if (!job.allowed_regions.empty() && std::find(job.allowed_regions.begin(), job.allowed_regions.end(),
                                                      sc_.regions[pool.region]) == job.allowed_regions.end()) {
          continue;
        }
        policy::BoundOption o;
        o.cluster_key = k;
        o.region = pool.region;
        o.run_s = std::max<core::Seconds>(
            1, std::llround(task.work_gpu_s / (static_cast<double>(task.gpus) * type.training_throughput)));
        o.facility_mw =
            static_cast<double>(job.gpus) * fleet::server_power_per_gpu_w(type, job.utilization) * pool.pue / 1e6;
        o.throughput = type.training_throughput;
        b.options.push_back(o);
      }
      const core::Seconds run_s = b.options.empty() ? 0 : b.options.front().run_s;
      // as the timing policies see it: no job is delayed more than max_delay_h, deadline or not
      b.end_by_s = std::min(job.deadline_s.value_or(INT64_MAX), job.submit_s + run_s + max_delay_s);
      // The bound is an evaluation per option and hour of each flexible job's window: past
      // kBoundBudget evaluations (a fleet-scale run) it is left out (NaN) rather than slow the
      // run; so it is under a policy that does not react to the supply (its comparisons take the
      // bound of the carbon-aware run beside it).
      if (job.flexibility != workload::Flexibility::kNone) {
        work += static_cast<double>(b.options.size()) *
                static_cast<double>(std::max<core::Seconds>(0, b.end_by_s - b.submit_s)) / core::kSecondsPerHour;
        if (work > kBoundBudget) return unbounded();
      }
    }
    return policy::clairvoyant_bound(in);
  }

 private:
  const scenario::Scenario& sc_;
  std::vector<workload::TrainingJob> jobs_;
  RunResult& result_;
  std::vector<fleet::TaskOutcome> outcomes_;
  std::vector<fleet::SiteRuntime> sites_;
  std::unique_ptr<policy::SchedulingPolicy> policy_;
  std::unique_ptr<policy::Forecaster> forecaster_;
  std::unique_ptr<policy::ForecastSignals> signals_;
  std::vector<double> expected_load_;
  std::vector<uint32_t> held_;                 // jobs a policy holds back, in the order they were held
  std::vector<core::Seconds> held_remaining_;  // per job: run time it needs when released
  std::vector<policy::PlannedJob> planned_;    // this hour's plan, grouped by site and cluster
  struct ToPlan {                              // a job of the hour's plan before it is grouped
    uint32_t job;
    uint32_t site;
    bool running;
    core::Seconds remaining_s;
  };
  std::vector<ToPlan> to_plan_;
  std::vector<size_t> cluster_base_;  // per site: the flat index of its first cluster; last: the count
  std::vector<size_t> group_start_;   // per flat cluster index: where its group starts in planned_
  std::vector<uint32_t> released_;
  std::vector<fleet::SiteRuntime::Evicted> evicted_;       // taken back at this hour's capacity steps
  std::vector<core::Seconds> nominal_s_;                   // per job: run time on its cluster at full speed
  std::vector<core::Seconds> interruptible_checkpoint_s_;  // per job: checkpoint time; -1: not interruptible
  std::vector<size_t> rescheduled_;                        // this hour's touched sites
  std::vector<char> touched_;  // sites whose jobs or power changed at this hour's start (char: set by threads)
  bool any_interruptible_ = false;
  std::vector<int64_t> site_of_job_;
  std::vector<size_t> cluster_of_job_;
  std::vector<std::optional<policy::RejectReason>> rejected_;
  std::vector<std::vector<size_t>> region_sites_;
  std::vector<energy::RegionLedger> ledgers_;
  std::vector<energy::RegionSupply> marginal_supply_;  // scheduler.signal marginal: what the policies see
  footprint::GpuHourRates gpu_rates_;                  // per GPU type: embodied kg and USD per installed GPU-hour
  bool has_marginal_ = false;                          // a region's data give a marginal intensity
  policy::Router router_;                              // on the (demand region, site) pairs within the SLO
  std::vector<double> pair_latency_ms_;                // per routing pair
  policy::SeparableRoutingProblem problem_;            // route_inference's problem
  policy::SparseRoutingProblem cost_problem_;          // the same with every pair's cost, for min_cost_flow
  policy::SparseRoutingSolution solution_;
  std::vector<double> site_routed_;  // route_inference, per site: queries routed to it
  std::vector<double> site_keep_;    // route_inference, per site: share of its routed queries it served
  double latency_sum_ = 0.0;         // sum of served queries x latency
  size_t next_job_ = 0;
};

// The calendar-year table (/summary/year), from the hourly series and the job table.
void summarize_years(const scenario::Scenario& sc, RunResult& r) {
  const size_t sites = r.site_names.size();
  const size_t regions = r.region_names.size();
  const auto hours = static_cast<size_t>(r.hours);
  r.years.clear();
  std::vector<energy::LedgerTotals> totals;  // per region, for the current year
  double busy_gpu_h = 0.0;
  double gpu_h = 0.0;
  auto close_year = [&] {
    if (r.years.empty()) return;
    YearSummary& y = r.years.back();
    energy::LedgerTotals fleet;
    for (const energy::LedgerTotals& t : totals) {
      y.emissions_market_annual_t += t.emissions_market_annual_t();
      fleet.add(t);
    }
    y.contracted_cfe_mwh = fleet.contracted_mwh;
    y.cfe_mwh = fleet.cfe_mwh;
    y.cfe_score = fleet.cfe_score();
    y.annual_matching = fleet.annual_matching();
    y.grid_draw_mwh = fleet.grid_draw_mwh;
    y.excess_mwh = fleet.excess_mwh;
    y.emissions_location_t = fleet.emissions_location_t;
    y.emissions_market_hourly_t = fleet.emissions_market_hourly_t;
    y.gpu_utilization = gpu_h > 0.0 ? busy_gpu_h / gpu_h : 0.0;
  };
  core::Seconds next_year_s = INT64_MIN;  // the start of the year after the current one
  for (size_t h = 0; h < hours; ++h) {
    if (r.hour_epoch_s[h] >= next_year_s) {
      const int year = core::utc_year(r.hour_epoch_s[h]);
      next_year_s = core::utc_year_start(year + 1);
      close_year();
      r.years.push_back(YearSummary{});
      r.years.back().year = year;
      totals.assign(regions, energy::LedgerTotals{});
      busy_gpu_h = 0.0;
      gpu_h = 0.0;
    }
    YearSummary& y = r.years.back();
    y.hours += 1;
    double fleet_hour = 0.0;
    int64_t installed = 0;
    for (size_t s = 0; s < sites; ++s) {
      const size_t i = h * sites + s;
      fleet_hour += r.site_facility_energy_mwh[i];
      y.it_energy_mwh += r.site_it_energy_mwh[i];
      y.inference_energy_mwh += r.site_inference_energy_mwh[i];
      busy_gpu_h += r.site_gpus_busy_training[i];
      gpu_h += static_cast<double>(r.site_gpus_total[i]);
      installed += r.site_gpus_total[i];
      y.embodied_it_t += r.site_embodied_it_t[i];
      y.capital_cost_usd += r.site_capital_usd[i];
      y.water_onsite_l += r.site_water_onsite_l[i];
    }
    y.facility_energy_mwh += fleet_hour;
    y.peak_facility_power_mw = std::max(y.peak_facility_power_mw, fleet_hour);
    y.gpus_installed = installed;
    for (size_t d = 0; d < r.demand_names.size(); ++d)
      y.queries_served += r.demand_served[h * r.demand_names.size() + d];
    for (size_t g = 0; g < regions; ++g) {
      const size_t i = h * regions + g;
      energy::LedgerTotals& t = totals[g];
      t.hours += 1;
      t.load_mwh += r.region_load_mwh[i];
      t.contracted_mwh += r.region_contracted_cfe_mwh[i];
      t.battery_charge_mwh += r.region_battery_charge_mwh[i];
      t.battery_discharge_mwh += r.region_battery_discharge_mwh[i];
      t.excess_mwh += r.region_excess_mwh[i];
      t.grid_draw_mwh += r.region_grid_draw_mwh[i];
      t.cfe_mwh += r.region_cfe_mwh[i];
      t.emissions_location_t += r.region_emissions_location_t[i];
      t.emissions_market_hourly_t += r.region_emissions_market_hourly_t[i];
      t.carbon_intensity_sum += r.region_carbon_intensity_g_per_kwh[i];
      y.embodied_supply_t += r.region_embodied_supply_t[i];
      y.water_offsite_l += r.region_water_offsite_l[i];
      y.energy_cost_usd += r.region_energy_cost_usd[i];
      y.emissions_marginal_t += r.region_emissions_marginal_t.empty() ? kNaN : r.region_emissions_marginal_t[i];
    }
  }
  close_year();
  if (r.years.empty()) return;
  const int first = r.years.front().year;
  for (const JobRecord& j : r.jobs) {
    const size_t k = static_cast<size_t>(core::utc_year(sc.start_epoch_s + j.submit_s) - first);
    if (k < r.years.size()) r.years[k].jobs_submitted += 1;
    if (j.end_s >= 0) {
      const size_t e = static_cast<size_t>(core::utc_year(sc.start_epoch_s + j.end_s - 1) - first);
      if (e < r.years.size()) r.years[e].jobs_finished += 1;
    }
  }
}

void summarize(const scenario::Scenario& sc, const TraceCounts& traces,
               const std::vector<energy::RegionLedger>& ledgers, double latency_sum, RunResult& r) {
  const size_t sites = r.site_names.size();
  const size_t regions = r.region_names.size();
  const auto hours = static_cast<size_t>(r.hours);
  double it = 0.0;
  double facility = 0.0;
  double busy_gpu_h = 0.0;
  double gpu_h_total = 0.0;
  double peak_mw = 0.0;
  r.regions.assign(regions, RegionSummary{});
  int64_t gpus_installed = 0;
  for (size_t s = 0; s < sites; ++s) {
    RegionSummary& reg = r.regions[sc.sites[s].region];
    const int64_t gpus = hours == 0 ? 0 : r.site_gpus_total[(hours - 1) * sites + s];  // at the end
    reg.sites += 1;
    reg.gpus_total += gpus;
    gpus_installed += gpus;
  }
  for (size_t h = 0; h < hours; ++h) {
    double fleet_hour = 0.0;
    for (size_t s = 0; s < sites; ++s) {
      const size_t i = h * sites + s;
      it += r.site_it_energy_mwh[i];
      facility += r.site_facility_energy_mwh[i];
      busy_gpu_h += r.site_gpus_busy_training[i];
      gpu_h_total += static_cast<double>(r.site_gpus_total[i]);
      fleet_hour += r.site_facility_energy_mwh[i];
      RegionSummary& reg = r.regions[sc.sites[s].region];
      reg.it_energy_mwh += r.site_it_energy_mwh[i];
      reg.embodied_it_t += r.site_embodied_it_t[i];
      reg.capital_cost_usd += r.site_capital_usd[i];
      reg.water_onsite_l += r.site_water_onsite_l[i];
    }
    peak_mw = std::max(peak_mw, fleet_hour);
    for (size_t g = 0; g < regions; ++g) {
      const double load = r.region_load_mwh[h * regions + g];
      const size_t i = h * regions + g;
      RegionSummary& reg = r.regions[g];
      reg.facility_energy_mwh += load;
      reg.peak_load_mw = std::max(reg.peak_load_mw, load);
      reg.embodied_supply_t += r.region_embodied_supply_t[i];
      reg.water_offsite_l += r.region_water_offsite_l[i];
      reg.energy_cost_usd += r.region_energy_cost_usd[i];
      reg.emissions_marginal_t += r.region_emissions_marginal_t.empty() ? kNaN : r.region_emissions_marginal_t[i];
    }
  }
  // The ledger: per region, and the fleet as the sum of regions in region order.
  energy::LedgerTotals fleet;
  int64_t hours_filled = 0;
  for (size_t g = 0; g < regions; ++g) {
    const energy::LedgerTotals& t = ledgers[g].totals();
    RegionSummary& reg = r.regions[g];
    reg.contracted_cfe_mwh = t.contracted_mwh;
    reg.cfe_mwh = t.cfe_mwh;
    reg.cfe_score = t.cfe_score();
    reg.annual_matching = t.annual_matching();
    reg.grid_draw_mwh = t.grid_draw_mwh;
    reg.excess_mwh = t.excess_mwh;
    reg.emissions_location_t = t.emissions_location_t;
    reg.emissions_market_hourly_t = t.emissions_market_hourly_t;
    reg.emissions_market_annual_t = t.emissions_market_annual_t();
    reg.mean_carbon_intensity_g_per_kwh = t.mean_carbon_intensity_g_per_kwh();
    reg.hours_filled = sc.region_supply[g].filled_hours;
    hours_filled += reg.hours_filled;
    fleet.add(t);
  }
  double market_annual = 0.0;  // certificates cannot cross regions: sum of regional values
  for (const RegionSummary& reg : r.regions) market_annual += reg.emissions_market_annual_t;
  double queries = 0.0;
  double served = 0.0;
  double dropped = 0.0;
  for (size_t i = 0; i < r.demand_queries.size(); ++i) {
    queries += r.demand_queries[i];
    served += r.demand_served[i];
    dropped += r.demand_dropped[i];
  }
  double inference_energy = 0.0;
  double inference_gpu_h = 0.0;
  for (size_t i = 0; i < r.site_inference_energy_mwh.size(); ++i) {
    inference_energy += r.site_inference_energy_mwh[i];
    inference_gpu_h += r.site_gpus_busy_inference[i];
  }
  int64_t counts[5] = {};
  double job_energy = 0.0;
  double job_emissions = 0.0;
  double wait_h_sum = 0.0;
  int64_t started = 0;
  for (const JobRecord& j : r.jobs) {
    counts[static_cast<int>(j.status)] += 1;
    job_energy += j.energy_mwh;
    job_emissions += j.emissions_t;
    if (j.start_s >= 0) {
      wait_h_sum += static_cast<double>(j.start_s - j.submit_s) * core::kHoursPerSecond;
      ++started;
    }
  }
  std::vector<double> delays_h;  // finished jobs
  double deferred_h = 0.0;
  double checkpoint_h = 0.0;
  double checkpoint_energy = 0.0;
  int64_t pauses = 0;
  int64_t held_jobs = 0;
  for (const JobRecord& j : r.jobs) {
    if (j.delay_s() >= 0) delays_h.push_back(static_cast<double>(j.delay_s()) * core::kHoursPerSecond);
    deferred_h += static_cast<double>(j.deferred_s + j.paused_s) * core::kHoursPerSecond;
    checkpoint_h += static_cast<double>(j.checkpoint_s) * core::kHoursPerSecond;
    checkpoint_energy += j.checkpoint_energy_mwh;
    pauses += j.pauses;
    held_jobs += (j.deferred_s > 0 || j.pauses > 0) ? 1 : 0;
  }
  double mean_delay_h = 0.0;
  for (double x : delays_h) mean_delay_h += x;
  if (!delays_h.empty()) mean_delay_h /= static_cast<double>(delays_h.size());
  double p95_delay_h = 0.0;
  if (!delays_h.empty()) {  // nearest rank
    const auto k = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(delays_h.size()))) - 1;
    std::nth_element(delays_h.begin(), delays_h.begin() + static_cast<std::ptrdiff_t>(k), delays_h.end());
    p95_delay_h = delays_h[k];
  }
  int64_t capped_site_hours = 0;
  for (double cap : r.site_power_cap) capped_site_hours += cap < 1.0 ? 1 : 0;
  const auto submitted = static_cast<int64_t>(r.jobs.size());
  if (counts[0] + counts[1] + counts[2] + counts[3] + counts[4] != submitted) {
    throw core::SimulationError("job conservation broken: outcomes do not add up to the jobs submitted");
  }
  // The whole footprint (docs/models.md, "Footprint"): the fleet as the sum of regions.
  double embodied_it = 0.0;
  double embodied_supply = 0.0;
  double water_onsite = 0.0;
  double water_offsite = 0.0;
  double energy_cost = 0.0;
  double capital_cost = 0.0;
  for (const RegionSummary& reg : r.regions) {
    embodied_it += reg.embodied_it_t;
    embodied_supply += reg.embodied_supply_t;
    water_onsite += reg.water_onsite_l;
    water_offsite += reg.water_offsite_l;
    energy_cost += reg.energy_cost_usd;
    capital_cost += reg.capital_cost_usd;
  }
  double job_cost = 0.0;
  double job_embodied = 0.0;
  double finished_job_cost = 0.0;
  int64_t finished_jobs = 0;
  for (const JobRecord& j : r.jobs) {
    job_cost += j.cost_usd;
    job_embodied += j.embodied_it_t;
    if (j.end_s >= 0) {
      finished_job_cost += j.cost_usd;
      ++finished_jobs;
    }
  }
  // Inference: its energy at each hour's price, and its reserved GPU-hours at the site's mean
  // capital cost per installed GPU-hour.
  double inference_cost = 0.0;
  for (size_t h = 0; h < hours; ++h) {
    for (size_t s = 0; s < sites; ++s) {
      const size_t i = h * sites + s;
      const size_t g = sc.sites[s].region;
      const double gpus = static_cast<double>(r.site_gpus_total[i]);
      inference_cost += r.site_inference_energy_mwh[i] * r.region_energy_price_usd_per_mwh[h * regions + g];
      if (gpus > 0.0) inference_cost += r.site_gpus_busy_inference[i] * r.site_capital_usd[i] / gpus;
    }
  }
  const double total_cost = energy_cost + capital_cost;
  auto d = [](int64_t v) { return static_cast<double>(v); };
  r.summary = {
      {"facility_energy_mwh", facility, "facility energy of all sites (IT x PUE)"},
      {"it_energy_mwh", it, "IT energy of all sites (GPU servers)"},
      {"job_energy_mwh", job_energy, "facility energy attributed to training jobs"},
      {"idle_energy_mwh", facility - job_energy, "facility energy not attributed to any job (idle GPUs)"},
      {"contracted_cfe_mwh", fleet.contracted_mwh, "carbon-free energy generated by contracts"},
      {"cfe_mwh", fleet.cfe_mwh, "hourly carbon-free energy consumed (contracts, battery, grid CFE share)"},
      {"cfe_score", fleet.cfe_score(), "fleet hourly CFE score: sum of hourly CFE / load (24/7 method)"},
      {"annual_matching_global", fleet.annual_matching(),
       "min(1, contracted / load) over the year, all regions pooled"},
      {"grid_draw_mwh", fleet.grid_draw_mwh, "energy drawn from the grids"},
      {"excess_mwh", fleet.excess_mwh, "contracted energy not consumed or stored (exported or curtailed)"},
      {"battery_discharge_mwh", fleet.battery_discharge_mwh, "energy delivered by batteries"},
      {"emissions_location_t", fleet.emissions_location_t, "location-based: sum of load x grid CI, tCO2"},
      {"emissions_market_hourly_t", fleet.emissions_market_hourly_t, "hourly market-based: grid draw x grid CI, tCO2"},
      {"job_emissions_location_t", job_emissions,
       "location-based emissions of training jobs' own energy (what timing and placement move), tCO2"},
      {"emissions_market_annual_t", market_annual,
       "annual market-based: per region max(0, load - contracted) x mean CI"},
      {"grid_hours_filled", d(hours_filled), "hours of grid and profile data filled by a fill policy"},
      {"peak_facility_power_mw", peak_mw, "highest hourly mean facility power of the fleet"},
      {"gpu_hours_busy_training", busy_gpu_h, "GPU-hours busy with training"},
      {"gpu_utilization", gpu_h_total > 0 ? busy_gpu_h / gpu_h_total : 0.0, "busy GPU-hours / GPU-hours installed"},
      {"jobs_submitted", d(submitted), "training jobs submitted within the horizon"},
      {"jobs_completed", d(counts[0]), "finished by their deadline (or with none) within the horizon"},
      {"jobs_deadline_missed", d(counts[1]), "finished after, or not finished by, a deadline within the horizon"},
      {"jobs_rejected", d(counts[2]), "could not be placed on any cluster (reason in /jobs/reason)"},
      {"jobs_running_at_end", d(counts[3]), "running at the horizon"},
      {"jobs_waiting_at_end", d(counts[4]), "queued and not started at the horizon"},
      {"mean_wait_h", started > 0 ? wait_h_sum / d(started) : 0.0, "mean time from submission to start, started jobs"},
      {"mean_delay_h", mean_delay_h, "finished jobs: mean of end - submit - run time at full speed"},
      {"p95_delay_h", p95_delay_h, "finished jobs: 95th percentile (nearest rank) of that delay"},
      {"jobs_held", d(held_jobs), "jobs the policy deferred or paused at least once"},
      {"held_job_hours", deferred_h, "hours jobs were held back by the policy (deferred or paused), summed"},
      {"pauses", d(pauses), "pauses of interruptible jobs"},
      {"checkpoint_hours", checkpoint_h, "run time added by pauses (checkpoint save and restore), summed"},
      {"checkpoint_energy_mwh", checkpoint_energy, "facility energy of that added run time"},
      {"power_capped_site_hours", d(capped_site_hours), "site-hours under a training power cap"},
      {"hours", d(r.hours), "simulated hours"},
      {"sites", d(static_cast<int64_t>(sites)), "number of sites"},
      {"gpus_total", d(gpus_installed), "GPUs installed at the end of the run"},
      {"queries", queries, "inference queries from all demand regions"},
      {"queries_served", served, "queries served within their latency SLO"},
      {"queries_dropped", dropped, "queries no site could serve within its SLO and capacity"},
      {"inference_energy_mwh", inference_energy, "facility energy of inference (per-query or capacity model)"},
      {"inference_wh_per_query", served > 0 ? inference_energy * 1e6 / served : 0.0,
       "inference energy / queries served"},
      {"gpu_hours_inference", inference_gpu_h, "GPU-hours reserved for inference"},
      {"inference_mean_latency_ms", served > 0 ? latency_sum / served : 0.0, "served-weighted mean network latency"},
      {"embodied_it_t", embodied_it,
       "embodied carbon of the installed GPUs and servers, booked over their life, tCO2e"},
      {"embodied_supply_t", embodied_supply,
       "embodied carbon of the contracted supply and batteries, booked over their life, tCO2e"},
      {"emissions_total_t", fleet.emissions_location_t + embodied_it + embodied_supply,
       "location-based operational + embodied IT + embodied supply, tCO2e"},
      {"job_embodied_it_t", job_embodied, "training jobs' share of embodied IT carbon (their GPU-hours), tCO2e"},
      {"water_onsite_l", water_onsite, "on-site water: IT energy x WUE, litres"},
      {"water_offsite_l", water_offsite, "off-site water of the electricity used (grid mix and contracts), litres"},
      {"energy_cost_usd", energy_cost, "grid energy at its price + contracted energy + batteries, USD"},
      {"capital_cost_usd", capital_cost, "annualised GPU and facility capital + fixed O&M, USD"},
      {"total_cost_usd", total_cost, "energy + capital, USD"},
      {"cost_per_gpu_hour_usd", gpu_h_total > 0 ? total_cost / gpu_h_total : 0.0,
       "total cost / installed GPU-hours, USD"},
      {"job_cost_usd", job_cost, "training jobs: energy at the hourly price + GPU-hours' capital cost, USD"},
      {"cost_per_finished_job_usd", finished_jobs > 0 ? finished_job_cost / d(finished_jobs) : 0.0,
       "mean cost of the jobs that finished, USD"},
      {"cost_per_1000_queries_usd", served > 0 ? inference_cost / served * 1000.0 : 0.0,
       "inference energy at the hourly price + reserved GPU-hours' capital cost, per 1,000 queries served, USD"},
      {"trace_rows", d(traces.rows), "data rows read from job traces"},
      {"trace_rows_no_gpu", d(traces.skipped_no_gpu), "trace rows skipped: no GPU requested"},
      {"trace_rows_never_ran", d(traces.skipped_never_ran), "trace rows skipped: never scheduled in the trace"},
      {"trace_rows_after_horizon", d(traces.skipped_after_horizon), "trace rows skipped: submitted after the horizon"},
  };
}

}  // namespace

RunResult simulate(const scenario::Scenario& sc, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  RunResult result;
  result.hours = sc.hours;
  for (int64_t h = 0; h < sc.hours; ++h) result.hour_epoch_s.push_back(sc.start_epoch_s + core::hour_start(h));
  result.region_names = sc.regions;
  for (const auto& site : sc.sites) {
    result.site_names.push_back(site.name);
    result.site_region.push_back(sc.regions[site.region]);
  }
  TraceCounts trace_counts;
  std::vector<workload::TrainingJob> jobs;
  {
    // the series' pages are written on a second thread while the jobs are made (size_series);
    // without a thread to be had, here first
    reserve_series(sc, result);
    std::exception_ptr sizing_error;
    std::jthread sizing;
    try {
      sizing = std::jthread([&sc, &result, &sizing_error] {
        try {
          size_series(sc, result);
        } catch (...) {
          sizing_error = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
      size_series(sc, result);
    }
    jobs = collect_jobs(sc, &trace_counts);  // on an error, `sizing` is joined as it leaves scope
    if (sizing.joinable()) sizing.join();
    if (sizing_error) std::rethrow_exception(sizing_error);
  }
  if (jobs.size() >= kMostJobs) {
    throw core::SimulationError("too many jobs for one run: " + std::to_string(jobs.size()) + ", at most " +
                                std::to_string(kMostJobs - 1) + " fit");
  }
  FleetModel model(sc, std::move(jobs), result);
  // the series' chunks compressed as their hours complete (after the model sized the series)
  std::optional<output::SeriesPrecompressor> compressor;
  if (options.precompress && sc.deflate_level > 0) {
    compressor.emplace(sc.deflate_level);
    precompress_series(result, *compressor);
  }
  engine::WindowRunOptions window;
  window.hours = sc.hours;
  window.sites = sc.sites.size();
  window.regions = sc.regions.size();
  window.threads = options.threads;
  window.sharing = options.sharing;
  if (options.progress || compressor) {
    window.on_hour = [&](int64_t hour) {  // every hour before `hour` is complete
      if (compressor) compressor->hours_done(static_cast<size_t>(hour));
      if (options.progress) options.progress(hour, sc.hours);
    };
  }
  engine::run_hour_windows(model, window);
  if (compressor) compressor->hours_done(static_cast<size_t>(sc.hours));
  model.finish();
  const policy::BoundResult bound = model.bound();
  for (size_t j = 0; j < result.jobs.size(); ++j) result.jobs[j].emissions_bound_t = bound.job_t[j];
  summarize(sc, trace_counts, model.ledgers(), model.latency_sum(), result);
  if (!result.region_emissions_marginal_t.empty()) {  // only where the data have a marginal intensity
    double marginal = 0.0;
    double job_marginal = 0.0;
    for (const RegionSummary& reg : result.regions) marginal += reg.emissions_marginal_t;
    for (const JobRecord& j : result.jobs) {
      if (j.start_s >= 0) job_marginal += j.emissions_marginal_t;
    }
    result.summary.push_back({"emissions_marginal_t", marginal,
                              "marginal (consequential): load x the grid's marginal CI, tCO2; NaN when a region's "
                              "data have none"});
    result.summary.push_back({"job_emissions_marginal_t", job_marginal,
                              "training jobs' energy x marginal CI, tCO2; NaN when a region's data have none"});
  }
  if (!std::isnan(bound.job_emissions_t)) {  // left out when not computed
    result.summary.push_back({"job_emissions_bound_t", bound.job_emissions_t,
                              "clairvoyant lower bound of job_emissions_location_t: each job at its cleanest time "
                              "and place before its deadline, knowing the grid (docs/policies.md), tCO2"});
    result.summary.push_back({"job_emissions_bound_exact", bound.exact ? 1.0 : 0.0,
                              "1: a schedule reaches the bound (the per-job optima fit every cluster and need no "
                              "costly pause); 0: a lower bound only"});
  }
  summarize_years(sc, result);
  if (compressor) result.precompressed = compressor->finish();
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

scenario::Scenario baseline_scenario(const scenario::Scenario& sc, const std::string& policy,
                                     const core::SourceLocation& where) {
  // a name such as fifo or greenest_site+temporal_shift; anything else would be read as YAML
  const bool name = !policy.empty() && std::all_of(policy.begin(), policy.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '+';
  });
  if (!name) throw core::InputError(where, "not a policy name: " + core::quote(policy));
  std::vector<std::string> overrides = sc.overrides;
  overrides.push_back("scheduler.policy=" + policy);
  try {
    return scenario::parse_scenario(sc.source_text, sc.source_path, overrides);
  } catch (const core::InputError& e) {
    throw core::InputError(where, e.detail());
  }
}

RunResult simulate_with_baseline(const scenario::Scenario& sc, const scenario::Scenario* baseline,
                                 RunResult* baseline_result, const RunOptions& options) {
  std::exception_ptr baseline_error;
  std::thread baseline_thread;
  std::atomic<bool> stop_baseline{false};  // the run failed or was interrupted: the baseline stops too
  if (baseline != nullptr) {
    baseline_thread = std::thread([&] {
      try {
        RunOptions o;
        o.threads = options.threads;
        o.progress = [&stop_baseline](int64_t, int64_t) {
          if (stop_baseline.load(std::memory_order_relaxed)) throw core::SimulationError("baseline run stopped");
        };
        *baseline_result = simulate(*baseline, o);
      } catch (...) {
        baseline_error = std::current_exception();
      }
    });
  }
  RunResult result;
  try {
    result = simulate(sc, options);
  } catch (...) {
    stop_baseline = true;
    if (baseline_thread.joinable()) baseline_thread.join();
    throw;
  }
  if (baseline_thread.joinable()) baseline_thread.join();
  if (baseline_error) std::rethrow_exception(baseline_error);
  return result;
}

}  // namespace fleetsim::run
