#pragma once
// Sites and clusters: what a site is (spec) and how it runs (SiteRuntime, a logical
// process with its own event queue). The site executes; placement is decided elsewhere
// (policy/). Inside a site each cluster keeps a FIFO queue; the site schedules all of them
// together with EASY backfill over two resources, the cluster's GPUs and the site's grid
// connection (Lifka, "The ANL/IBM SP scheduling system", JSSPP 1995; docs/models.md).

#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "engine/event_queue.hpp"
#include "fleet/gpu_catalog.hpp"

namespace fleetsim::fleet {

// What a cluster's GPUs do: training jobs only, inference only (a dedicated pool), or both
// with inference first (each hour inference takes what it needs of the GPUs free at the
// hour's start; training uses the rest).
enum class ClusterRole { kTraining, kInference, kShared };

// From run hour `hour` on, a cluster has `gpus` GPUs (commissioning, growth, retirement).
struct CapacityStep {
  int64_t hour = 0;
  int64_t gpus = 0;
};

struct ClusterSpec {
  size_t gpu_type = 0;  // index into the GpuCatalog
  int64_t gpus = 0;     // at the run's start (0: not yet commissioned)
  ClusterRole role = ClusterRole::kTraining;
  std::vector<CapacityStep> steps;  // later changes, by increasing hour > 0
};

// From run hour `hour` on, a site's grid connection allows `mw`.
struct GridLimitStep {
  int64_t hour = 0;
  double mw = 0.0;
};

// How inference uses a site's GPUs (docs/inference.md).
struct InferenceModel {
  std::vector<double> queries_per_gpu_hour;  // by GPU type index; 0: this type does not serve
  double target_utilization = 0.6;           // GPUs are sized to run at most this busy
  bool per_query_energy = false;             // true: energy = queries x wh_per_query (all-in)
  double wh_per_query = 5.0;                 // facility Wh per query, per-query model
};

// One hour of inference at a site, from assign_inference().
struct InferenceHour {
  std::vector<int64_t> gpus;  // per cluster, reserved for the hour
  double gpus_total = 0.0;
  double queries = 0.0;
  double dynamic_w = 0.0;  // IT power above idle: busy GPUs (capacity) or queries x Wh / 1 h / PUE (per query)
  double floor_w = 0.0;    // idle power of the GPUs serving inference (capacity model)
  // None reserved (gpus empty), its memory kept.
  void clear() {
    gpus.clear();
    gpus_total = 0.0;
    queries = 0.0;
    dynamic_w = 0.0;
    floor_w = 0.0;
  }
};

struct SiteSpec {
  std::string name;
  size_t region = 0;
  double pue = 1.0;
  double grid_limit_mw = 0.0;  // facility power may never exceed this (at the run's start)
  std::vector<ClusterSpec> clusters;
  // Whether inference-only clusters draw power in the power model. False under the
  // per-query energy model, whose Wh per query already covers the serving hardware.
  bool inference_clusters_draw_power = true;
  std::vector<GridLimitStep> grid_limit_steps;  // later changes of grid_limit_mw, by increasing hour > 0
};

// A unit of work handed to a site: one training job on one cluster.
struct Task {
  uint32_t job = 0;  // index into the run's job table
  int64_t gpus = 0;
  double work_gpu_s = 0.0;               // work in GPU-seconds at the reference (A100) throughput
  double utilization = 1.0;              // GPU utilisation while running, in (0, 1]
  core::Seconds submit_s = 0;            // the task joins the cluster queue at this time
  core::Seconds deadline_s = INT64_MAX;  // a power cap never pushes it past this (INT64_MAX: none)
  // Queue class: lower goes first (within a class, arrival order). Under a timing policy the
  // job's flexibility (0 none, 1 deferrable, 2 interruptible): non-flexible work goes first,
  // and a held task's reservation never delays a task of a lower class.
  uint8_t priority = 0;
};

// What happened to a task; written by the site that ran it.
struct TaskOutcome {
  core::Seconds start_s = -1;  // first start
  core::Seconds end_s = -1;    // -1 while running
  core::Seconds expected_end_s = -1;
  double energy_mwh = 0.0;            // facility energy: sum over run segments of gpus * P_srv * PUE * time
  double emissions_t = 0.0;           // location-based: each segment's energy x its hours' grid CI
  double emissions_marginal_t = 0.0;  // each segment's energy x its hours' marginal CI (when given)
  double energy_cost_usd = 0.0;       // each segment's energy x its hours' energy price (when given)
  double gpu_s = 0.0;                 // GPU-seconds running (gpus x run time, pauses excluded)
  core::Seconds deferred_s = 0;       // held back by a policy before the first start
  core::Seconds paused_s = 0;         // from each pause to the restart (held, then queued)
  int64_t pauses = 0;
  core::Seconds checkpoint_s = 0;          // run time added by pauses (save + restore)
  double checkpoint_energy_mwh = 0.0;      // facility energy of that time, at the task's uncapped power
  double capped_s = 0.0;                   // run time spent under a power cap
  core::Seconds released_s = -1;           // the last time a policy released it (-1: never held)
  core::Seconds released_remaining_s = 0;  // its run time still needed then
  bool started() const { return start_s >= 0; }
  bool finished() const { return end_s >= 0; }
};

// A running task as a policy sees it at an hour boundary.
struct RunningView {
  uint32_t job = 0;
  size_t cluster = 0;
  core::Seconds end_s = 0;
  core::Seconds remaining_s = 0;  // run time left at full speed
  int64_t gpus = 0;
  uint8_t priority = 0;  // Task::priority
};

// A queued task that may start (not held), as a policy sees it at an hour boundary.
struct WaitingView {
  uint32_t job = 0;
  size_t cluster = 0;
  int64_t gpus = 0;
  core::Seconds duration_s = 0;  // run time at full speed
  uint8_t priority = 0;          // Task::priority
};

// An hourly series (one value per run hour, viewed, not copied) with its prefix sums: the sum
// over any span of seconds of seconds x value in O(1). Tasks' emissions, marginal emissions
// and energy cost (TaskOutcome) are such sums over their run segments.
class HourlyWeight {
 public:
  explicit HourlyWeight(std::span<const double> values);
  bool empty() const { return values_.empty(); }
  // sum over [from, until) of seconds x value; 0 past the series' end
  double weighted_seconds(core::Seconds from, core::Seconds until) const;

 private:
  std::span<const double> values_;
  std::vector<double> prefix_;  // prefix_[h] = values_[0] + ... + values_[h - 1]
};

// Per-hour totals of one site.
struct SiteHour {
  double it_energy_mwh = 0.0;
  double facility_energy_mwh = 0.0;
  double gpus_busy_training = 0.0;   // mean number of busy GPUs over the hour
  double gpus_busy_inference = 0.0;  // GPUs reserved for inference in the hour
  double inference_queries = 0.0;
  double inference_energy_mwh = 0.0;  // facility energy of inference (dynamic part, or queries x Wh)
  int64_t gpus_total = 0;             // installed at the end of the hour (retiring GPUs still busy included)
  int64_t queue_length = 0;           // tasks waiting at the end of the hour (held ones included)
  double pue = 1.0;
  double power_cap = 1.0;  // training GPU power limit in the hour, fraction of max board power
  // The installed GPUs' hourly share of their embodied carbon and capital cost
  // (set_gpu_hour_rates; docs/models.md, "Footprint").
  double embodied_it_kg = 0.0;
  double capital_usd = 0.0;
};

// The power-cap curve (docs/policies.md, "Power capping"): a GPU limited to `cap` x its
// max board power draws min(P_gpu(u), cap x P_max); its throughput falls to
// (capped / uncapped GPU power) ^ exponent.
struct PowerCap {
  double cap = 1.0;
  double exponent = 0.3;
};

class SiteRuntime {
 public:
  // outcomes: the run's task outcome table, indexed by Task::job; this site writes only the
  // entries of tasks it was given.
  SiteRuntime(SiteSpec spec, const GpuCatalog& catalog, size_t backfill_depth, std::span<TaskOutcome> outcomes);

  const SiteSpec& spec() const { return spec_; }
  size_t clusters() const { return clusters_.size(); }
  // GPUs of a cluster for new work: in service, or commissioned and waiting for grid headroom
  // to be powered on (0: not yet commissioned, or retired). GPUs being retired while a task
  // still runs on them are not counted.
  int64_t total_gpus(size_t cluster) const { return clusters_[cluster].for_work; }
  // GPUs installed at the site now, retiring ones still busy included.
  int64_t installed_gpus() const { return total_gpus_; }
  size_t gpu_type(size_t cluster) const { return clusters_[cluster].type_index; }
  ClusterRole role(size_t cluster) const { return clusters_[cluster].role; }
  // GPUs of a cluster that inference holds this hour.
  int64_t inference_gpus(size_t cluster) const {
    return cluster < inference_.gpus.size() ? inference_.gpus[cluster] : 0;
  }
  // GPUs free now and not promised to tasks already queued or arriving this hour. Held tasks
  // make no claim: they wait for later hours, and the GPUs serve whoever comes now.
  int64_t uncommitted_gpus(size_t cluster) const;
  // GPUs of a cluster that running, queued (held ones included) and incoming tasks ask for.
  int64_t claimed_gpus(size_t cluster) const {
    const Cluster& c = clusters_[cluster];
    return c.total_gpus - c.free_gpus - inference_gpus(cluster) + c.waiting_gpus + c.incoming_gpus;
  }
  // The same, less the GPUs of held tasks that must start before `until_s` (their latest
  // start): what flexible work placed now competes with while it runs.
  int64_t unclaimed_gpus(size_t cluster, core::Seconds until_s) const;
  // GPU-seconds still to run or wait in this cluster, divided by its GPUs: a rough time to drain.
  double backlog_s(size_t cluster) const;
  // Run time of a task on a cluster, s.
  core::Seconds duration_s(size_t cluster, const Task& task) const;
  // Facility power with every GPU idle, W (the floor under the grid limit).
  double idle_facility_power_w() const { return idle_it_power_w_ * spec_.pue; }
  double grid_limit_w() const { return spec_.grid_limit_mw * 1e6; }
  // The one grid-limit test used by the site and by placement: is the facility power with
  // `dynamic_w` of IT power above the idle floor within the limit (to a 1e-9 relative
  // tolerance, so a task that exactly fills the limit fits)?
  bool within_grid_limit(double dynamic_w) const;
  // Could a task adding `dynamic_w` ever run here: with the site idle and every GPU of its
  // clusters (total_gpus) powered on, is it within the grid limit?
  bool fits_when_idle(double dynamic_w) const {
    return (target_idle_w_ + dynamic_w) * spec_.pue <= grid_limit_w() * (1.0 + kGridTolerance);
  }
  static constexpr double kGridTolerance = 1e-9;  // relative, see within_grid_limit
  // Would the limit hold if a task adding `extra_dynamic_w` started now?
  // Running tasks count at their uncapped power, so lifting a power cap never breaks the limit.
  bool fits_grid(double extra_dynamic_w) const {
    return within_grid_limit(dynamic_power_w_ + cap_reserve_w_ + extra_dynamic_w);
  }
  // Dynamic IT power (above idle) of a task on a cluster, W.
  double task_dynamic_power_w(size_t cluster, const Task& task) const;
  // Dynamic IT power of running tasks plus queued and incoming ones (held ones excluded), W.
  double committed_dynamic_power_w() const;
  // The dynamic IT power a task could add now within the grid limit, W: within_grid_limit(
  // committed_dynamic_power_w() + d) holds for d up to about this (to rounding; an index's
  // bound, the exact test is within_grid_limit's).
  double grid_headroom_w() const {
    return grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_ - committed_dynamic_power_w();
  }

  // Global phase: queue a task on a cluster. It joins the queue at max(submit_s, now).
  // A held task waits in the queue, holding its place, until release().
  // A held task with a latest start keeps an EASY reservation from that time, so backfill
  // cannot take the GPUs it will need then (INT64_MAX: none).
  void enqueue(size_t cluster, const Task& task, bool held = false, core::Seconds latest_start_s = INT64_MAX);

  // Hourly grid carbon intensity of the site's region (g/kWh, one value per run hour), for
  // the tasks' emissions. Empty: emissions are not booked.
  void set_carbon_intensity(std::span<const double> ci);
  // The same for the region's marginal carbon intensity (g/kWh) and energy price (USD/MWh):
  // booked into TaskOutcome::emissions_marginal_t and energy_cost_usd. Empty: not booked.
  void set_marginal_carbon_intensity(std::span<const double> ci);
  void set_energy_price(std::span<const double> usd_per_mwh);
  // The same, shared by the sites of a region (its prefix sums made once, not per site).
  void set_carbon_intensity(std::shared_ptr<const HourlyWeight> ci) { ci_ = std::move(ci); }
  void set_marginal_carbon_intensity(std::shared_ptr<const HourlyWeight> ci) { marginal_ci_ = std::move(ci); }
  void set_energy_price(std::shared_ptr<const HourlyWeight> usd_per_mwh) { price_ = std::move(usd_per_mwh); }
  // Per GPU type index: embodied carbon (kg) and capital cost (USD) per installed GPU-hour,
  // booked into SiteHour::embodied_it_kg and capital_usd for every GPU installed in the hour.
  void set_gpu_hour_rates(std::vector<double> embodied_kg_per_gpu_h, std::vector<double> capital_usd_per_gpu_h);

  // Global phase, at an hour boundary (none of these schedule; call reschedule() after).
  // Ends the hold of a held task; false if the job is not held here.
  bool release(uint32_t job);
  // Pauses a running task: it leaves its GPUs, goes back into its queue at its old place,
  // held, with `checkpoint_s` added to its remaining run time. Returns that run time (what
  // held_duration_s would say), or -1 if the job is not running here or ends now.
  core::Seconds pause(uint32_t job, core::Seconds checkpoint_s, core::Seconds latest_start_s = INT64_MAX);
  // Sets the power cap of training GPUs from now on; running tasks change speed and power.
  void set_power_cap(const PowerCap& cap);
  const PowerCap& power_cap() const { return cap_; }
  // GPUs asked for by tasks queued on a cluster that may start (not held).
  int64_t eligible_waiting_gpus(size_t cluster) const {
    return clusters_[cluster].waiting_gpus - clusters_[cluster].held_gpus;
  }
  // Run time still needed by a held task, s (its cluster's speed, checkpoint cost included);
  // -1 if the job is not held here.
  core::Seconds held_duration_s(uint32_t job) const;
  // Running tasks, in end order (into `out`, which is cleared first).
  void running(std::vector<RunningView>& out) const;
  // The same, kept until a task starts or stops running or the time moves on: the global
  // phase and the policy's plan both read the running tasks of a site in an hour, and the
  // second read is this vector instead of a walk through the set. The reference is valid until
  // the next call; do not hold it across a change of the site.
  const std::vector<RunningView>& running_views() const;
  // Queued tasks that may start, cluster by cluster in queue order (into `out`, cleared first).
  void waiting(std::vector<WaitingView>& out) const;
  // GPUs of a cluster's non-flexible work (Task::priority 0), running or queued and not held.
  int64_t rigid_gpus(size_t cluster) const { return clusters_[cluster].rigid_gpus; }
  // GPUs of a cluster that tasks of a flexible class (priority > 0) may not start into: room kept
  // for non-flexible work (a timing policy's decision, docs/policies.md "Capacity").
  void set_rigid_reserve(size_t cluster, int64_t gpus) { clusters_[cluster].rigid_reserve = gpus; }
  // A scheduling pass (after the global phase's decisions).
  void reschedule() { schedule(); }

  // Global phase, before placement: ends the previous hour's inference reservation and
  // returns how many queries the site could serve this hour: its inference-capable GPUs
  // (free ones, in shared clusters) within the grid headroom, x queries per GPU-hour x
  // target utilisation.
  double release_and_measure_inference(const InferenceModel& model);
  // Reserves GPUs for `queries` this hour (at most the measured capacity), filling clusters
  // in order; sets the inference power for the hour. Then schedules training on what is left.
  const InferenceHour& assign_inference(double queries, const InferenceModel& model);
  bool serves_inference() const;

  // Global phase, first thing at an hour's start: applies the capacity and grid-limit steps
  // due at `hour` (docs/models.md, "Capacity over time"). GPUs leave service at once when
  // free, else when the task on them ends (they draw power until then). New GPUs are powered
  // on as far as the grid headroom allows, the rest as running tasks end. Queued tasks that
  // can no longer run here (more GPUs than their cluster has, or more power than the limit
  // leaves over the idle GPUs) are taken out of the queue and appended to `evicted`, their
  // remaining work in Task::work_gpu_s, for the fleet to place again. Returns whether
  // anything changed (call reschedule() then).
  struct Evicted {
    Task task;
  };
  bool apply_capacity(int64_t hour, std::vector<Evicted>& evicted);
  bool capacity_due(int64_t hour) const { return next_change_hour_ <= hour; }

  // Site phase: run events in [hour, hour+1) and return the hour's totals.
  SiteHour run_hour(int64_t hour);

  // At the horizon: book the energy of tasks still running up to `horizon_s`.
  void finish(core::Seconds horizon_s);

 private:
  struct Waiting {
    Task task;
    core::Seconds duration_s;  // at full speed
    uint64_t arrival;          // arrival order at this site (FIFO across clusters)
    bool held = false;         // a policy holds it back: not eligible to start
    core::Seconds held_since_s = 0;
    core::Seconds latest_start_s = INT64_MAX;  // held: reserve its GPUs from this time
  };
  struct Running {
    core::Seconds end_s;
    int64_t gpus;
    uint32_t job;
    size_t cluster;
    core::Seconds segment_start_s;  // power and speed are constant since then
    double dynamic_w;               // IT power above idle (capped)
    double server_w;                // all-in IT power of the task's GPUs (capped)
    double uncapped_dynamic_w;      // what dynamic_w would be without a cap (admission counts this)
    double remaining_s;             // run time left at full speed, at segment_start_s
    double speed;                   // fraction of full speed under the power cap
    Task task;
    uint64_t arrival;
    engine::EventId event;
    bool operator<(const Running& other) const { return end_s != other.end_s ? end_s < other.end_s : job < other.job; }
  };
  // Power and speed of a task under the current cap.
  struct Operating {
    double dynamic_w;
    double server_w;
    double speed;
  };
  // A blocked cluster head's reservation: it will start at shadow_s; until then later tasks
  // may start only if they end by shadow_s or fit in what the head leaves spare.
  struct Reservation {
    size_t cluster;
    core::Seconds shadow_s;
    int64_t spare_gpus;
    double spare_dynamic_w;
    uint8_t priority = 0;  // tasks of a lower class are not bound by it (a held task's)
  };
  struct Cluster {
    size_t type_index = 0;
    ClusterRole role = ClusterRole::kTraining;
    int64_t total_gpus = 0;  // installed: in service plus retiring GPUs still busy
    int64_t draining = 0;    // retiring GPUs still busy; they leave when freed
    int64_t pending = 0;     // commissioned GPUs waiting for grid headroom to be powered on
    int64_t for_work = 0;    // capacity() + pending: changes only at capacity steps
    int64_t free_gpus = 0;
    double idle_w_per_gpu = 0.0;  // idle server power per GPU in the power model (0: draws none)
    size_t next_step = 0;         // into the spec's capacity steps
    int64_t capacity() const { return total_gpus - draining; }
    int64_t incoming_gpus = 0;  // queued this hour, not yet arrived
    double incoming_gpu_s = 0.0;
    double waiting_gpu_s = 0.0;
    double incoming_power_w = 0.0;  // dynamic IT power of incoming tasks
    double waiting_power_w = 0.0;   // dynamic IT power of waiting tasks
    int64_t waiting_gpus = 0;
    int64_t rigid_reserve = 0;       // set_rigid_reserve
    int64_t held_gpus = 0;           // of the waiting tasks, held by a policy
    int64_t rigid_gpus = 0;          // of running and waiting (not held) tasks, those of priority 0
    double held_power_w = 0.0;       // their dynamic IT power
    int64_t incoming_held_gpus = 0;  // of the incoming tasks, held on arrival
    double incoming_held_power_w = 0.0;
    int64_t running_gpu_end_s = 0;  // sum over running tasks of gpus * end_s (for backlog_s)
    std::list<Waiting> waiting;
  };

  core::Seconds hour_end() const;  // end of the hour that contains now()
  void arrive(size_t cluster, const Task& task, core::Seconds duration, bool held, core::Seconds latest_start_s);
  void schedule();
  // The reservation of a task that is to start at from_s or as soon after as it can.
  Reservation reserve(size_t cluster, const Waiting& head, core::Seconds from_s) const;
  void start(size_t cluster, const Waiting& w);
  void complete(core::Seconds end_s, uint32_t job);
  void launch(Running r);  // schedules its completion and inserts it
  // Removes a running task: frees its GPUs and power (its event and energy are the caller's).
  Running take_off(std::set<Running>::iterator it);
  // Its run time left at full speed at time t (within its current segment).
  static double remaining_at(const Running& r, core::Seconds t);
  // remaining_s: the task's run time left at full speed (a task near its deadline is not capped)
  Operating operating(size_t cluster, const Task& task, double remaining_s) const;
  void book(const Running& r, core::Seconds until);  // energy and emissions of [segment start, until)
  void add_waiting(size_t cluster, Waiting w);       // in arrival order
  void set_dynamic_power(double new_dynamic_w, int64_t busy_delta);
  // GPUs of a cluster become free (a task ended, inference let go); retiring ones leave.
  void return_gpus(size_t cluster, int64_t gpus);
  // Installed GPUs change by `delta` now: idle power and its energy in this hour follow.
  void change_installed(size_t cluster, int64_t delta);
  void set_capacity(size_t cluster, int64_t gpus);
  // Powers on pending GPUs, in cluster order, as far as the grid headroom allows.
  void commission_pending();
  // Hands back the queued tasks of a cluster that can no longer run at this site.
  void hand_back(size_t cluster, std::vector<Evicted>& evicted);
  double task_server_power_w(size_t cluster, const Task& task) const;

  SiteSpec spec_;
  const GpuCatalog* catalog_;
  size_t backfill_depth_;
  std::span<TaskOutcome> outcomes_;
  std::vector<Cluster> clusters_;
  std::set<Running> running_;     // every running task of the site, by end time
  uint64_t running_version_ = 0;  // bumped by every insert into and erase from running_
  // running_views(): the views, and the version and time they were made at
  mutable std::vector<RunningView> running_views_;
  mutable uint64_t running_views_version_ = UINT64_MAX;
  mutable core::Seconds running_views_at_ = -1;
  uint64_t arrivals_ = 0;
  engine::EventQueue events_;

  double idle_it_power_w_ = 0.0;
  // run_hour books idle_it_power_w_ x 1 h less this: for each change of idle power within the
  // hour, (new - old) x the time from the hour's start to the change.
  double idle_correction_ws_ = 0.0;
  size_t next_grid_step_ = 0;
  int64_t next_change_hour_ = 0;  // the earliest capacity or grid-limit step not yet applied
  int64_t pending_gpus_ = 0;      // sum of the clusters' pending GPUs
  int64_t draining_gpus_ = 0;     // sum of the clusters' retiring GPUs still busy
  double target_idle_w_ = 0.0;    // idle IT power with every cluster at total_gpus (no retiring GPUs)
  double dynamic_power_w_ = 0.0;  // IT power above idle of running tasks
  double cap_reserve_w_ = 0.0;    // sum over running tasks of uncapped minus capped dynamic power
  int64_t busy_gpus_ = 0;
  int64_t total_gpus_ = 0;
  // Integrals over the current hour.
  core::Seconds last_change_s_ = 0;
  double dynamic_energy_ws_ = 0.0;
  double busy_gpu_s_ = 0.0;
  // Inference reserved for the current hour.
  InferenceHour inference_;
  bool has_inference_clusters_ = false;
  double per_query_cap_ = 1e300;  // per-query model: queries the grid headroom allows this hour
  PowerCap cap_;
  struct SpeedMemo {
    size_t type;
    double utilization;
    double cap;
    double exponent;
    double speed;
  };
  mutable std::vector<SpeedMemo> speed_memo_;
  struct PassBuffers {
    std::vector<Reservation> reservations;
    std::vector<std::pair<size_t, const Waiting*>> held_pending;
    std::vector<std::list<Waiting>::iterator> cursor;
    std::vector<char> reserved;
    std::vector<char> passed;
  };
  PassBuffers pass_;  // schedule()'s working state, reused
  // An hourly series a task's energy is weighted by (CI, marginal CI, price), with its prefix sums.
  // null: not booked
  std::shared_ptr<const HourlyWeight> ci_;
  std::shared_ptr<const HourlyWeight> marginal_ci_;
  std::shared_ptr<const HourlyWeight> price_;
  std::vector<double> embodied_kg_per_gpu_h_;  // by GPU type index
  std::vector<double> capital_usd_per_gpu_h_;
};

}  // namespace fleetsim::fleet
