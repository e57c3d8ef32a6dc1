#pragma once
// Scheduling policies (docs/policies.md): decisions only; the fleet (fleet::SiteRuntime)
// executes them. A policy is a combination of registered components, at most one of each
// kind, written as their names joined by '+' (e.g. "greenest_site+temporal_shift"):
//   placement  where a job queues: fifo (first fit) or greenest_site;
//   timing     when a flexible job runs: temporal_shift (hold deferrable jobs, pause
//              interruptible ones at hour boundaries);
//   power      how much power a site's training may draw: power_cap.
// Every component declares its parameters once (name, unit, default, range, description);
// the scenario schema and `fleetsim catalog` are generated from these declarations.
// Policies see forecasts of the supply (policy/forecast.hpp), never the actual future
// unless the perfect-foresight forecast is chosen.

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "fleet/site.hpp"
#include "policy/forecast.hpp"
#include "policy/placement.hpp"
#include "workload/job.hpp"

namespace fleetsim::policy {

enum class PolicyKind { kPlacement, kTiming, kPower };
const char* to_string(PolicyKind kind);

// One parameter of a policy component: a number in [min_value, max_value].
struct ParamSpec {
  std::string name;
  std::string unit;
  double default_value = 0.0;
  double min_value = 0.0;
  double max_value = 0.0;
  std::string description;
};

struct PolicyInfo {
  std::string name;
  PolicyKind kind = PolicyKind::kPlacement;
  bool reacts_to_supply = false;
  std::string summary;
  std::vector<ParamSpec> params;
};

// Every registered component, in a fixed order.
const std::vector<PolicyInfo>& policy_registry();
const PolicyInfo* find_policy(const std::string& name);

// What "dirty" means to every component of a run (docs/policies.md, "Signals").
//   carbon_intensity  the grid's carbon intensity, g/kWh (location-based emissions);
//   cfe               the share of the region's expected load that would not be carbon-free
//                     in the hour: (1 - g) x max(0, 1 - C / L), with L the region's mean load
//                     over the last 24 hours (known) and g, C forecast (1 - hourly CFE score).
// kMarginalCarbonIntensity: the run hands the policy the grid's marginal intensity in place of
// the average one (run/simulation.cpp); the policy then treats it as kCarbonIntensity.
enum class Signal { kCarbonIntensity, kCfe, kMarginalCarbonIntensity };
const char* to_string(Signal signal);
bool parse_signal(const std::string& name, Signal& signal);

struct PolicyConfig {
  std::vector<std::string> components;                          // registered names; no two of one kind
  std::map<std::string, std::map<std::string, double>> params;  // [component][parameter]; absent: default
  Signal signal = Signal::kCarbonIntensity;
  ForecastOptions forecast;

  std::string name() const;  // components joined by '+'
  // A parameter's value (its default when not set). Throws std::out_of_range for an
  // undeclared parameter.
  double param(const std::string& component, const std::string& name) const;
  bool has(const std::string& component) const;
};

// Splits "a+b+c" into components and checks them (known names, one per kind, no repeats).
// Returns an error message, empty when the name is valid. "fifo" may be combined with a
// timing or power component ("fifo+power_cap" = first fit placement with power capping).
std::string parse_policy_name(const std::string& text, std::vector<std::string>& components);

// Forecast "dirtiness" per region and hour, as the policies see it at the start of `hour`:
// built lazily from the forecaster, cached for the hour, with prefix sums for window means.
class ForecastSignals {
 public:
  ForecastSignals(const Forecaster& forecaster, Signal signal);

  // Starts a decision hour; `expected_load_mwh` per region (the cfe signal's L).
  void begin_hour(int64_t hour, std::span<const double> expected_load_mwh);
  int64_t hour() const { return hour_; }
  // Forecast dirtiness of `region` in hour t >= hour(); NaN when unknown.
  double at(size_t region, int64_t t) {
    if (t < hour_ || t >= forecaster_->hours()) return std::numeric_limits<double>::quiet_NaN();
    ensure(region, t + 1);
    return cache_[region].values[static_cast<size_t>(t - hour_)];
  }
  // Mean over the hours [from, from + length), from >= hour(); clipped to the run's last
  // hour (at least one hour is scored). The length is rounded up to the next of 1, 2, 3, 4, 6,
  // 8, 12, 16, 24, 36, 48, 72, 96, 120, 168 h (docs/policies.md). NaN when unknown.
  double window_mean(size_t region, int64_t from, int64_t length);
  // The lowest window mean of `length` hours starting at hour()+1 ... last_start (inclusive);
  // +inf when last_start <= hour(). Memoised per (region, length) for the hour.
  double best_later_window(size_t region, int64_t last_start, int64_t length);
  // The q-quantile (lower; q in [0, 1]) of the forecast over [hour(), hour() + length).
  double quantile(size_t region, int64_t length, double q);

  // Exact costs for timing decisions (docs/policies.md, "The rules"), signal x hours.
  // A run of `run_s` seconds from the start of hour `from` (>= hour()): whole hours at full
  // weight, the last partial hour at its fraction. NaN when unknown. Past the run's last hour
  // the forecast repeats the last known day (here and in forecast() and cleaner_hours()).
  double run_cost(size_t region, int64_t from, core::Seconds run_s);
  // The forecast of hours [hour(), until).
  std::span<const double> forecast(size_t region, int64_t until) {
    if (until <= hour_ || forecaster_->hours() <= hour_) return {};
    ensure(region, until);
    return std::span<const double>(cache_[region].values.data(), static_cast<size_t>(until - hour_));
  }
  // Its prefix sums: element i is the sum over [hour(), hour() + i), i <= until - hour().
  std::span<const double> forecast_sums(size_t region, int64_t until) {
    if (until <= hour_ || forecaster_->hours() <= hour_) return {};
    ensure(region, until);
    return std::span<const double>(cache_[region].prefix.data(), static_cast<size_t>(until - hour_) + 1);
  }
  // How many hours t in (hour(), until) have a signal below `factor` x the signal of hour():
  // the hours a job would rather run in. Memoised per region for the hour and factor; 0 when
  // the signal of hour() is unknown.
  int64_t cleaner_hours(size_t region, int64_t until, double factor) {
    const RegionCache& c = cache_[region];  // memoised (the common case, inline)
    const int64_t k = until - hour_ - 1;
    if (c.cleaner_hour == hour_ && c.cleaner_factor == factor && k >= 0 && k < static_cast<int64_t>(c.cleaner.size())) {
      return c.cleaner[static_cast<size_t>(k)];
    }
    return count_cleaner_hours(region, until, factor);
  }
  int64_t hours() const;  // hours of the run

  // Windows longer than this are scored over their first kMaxScoredHours hours.
  static constexpr int64_t kMaxScoredHours = 168;

 private:
  struct RegionCache {
    int64_t hour = -1;
    std::vector<double> values;  // hours [hour, hour + values.size())
    std::vector<double> prefix;  // prefix[i] = sum of values[0, i)
    // best[length][k] = min over s in [hour + 1, hour + 1 + k] of the window mean of length
    std::vector<std::vector<double>> best;
    std::vector<int64_t> best_hour;  // the hour each row of best was built for
    // cleaner[k] = hours t in (hour, hour + k] with a signal below cleaner_factor x the
    // signal at hour (cleaner_hours)
    std::vector<int32_t> cleaner;
    int64_t cleaner_hour = -1;
    double cleaner_factor = 0.0;
    // the forecast repeats with this period (hours; 0: it does not): values[i] = values[i -
    // period] from i = period on (count_cleaner_hours extends cleaner past it by the same rule)
    int64_t period = 0;
  };
  void extend(size_t region, int64_t until);   // forecast hours [hour, until)
  void ensure(size_t region, int64_t until) {  // extend(), its fast path inline
    const RegionCache& c = cache_[region];
    if (c.hour != hour_ || hour_ + static_cast<int64_t>(c.values.size()) < until) extend(region, until);
  }
  int64_t count_cleaner_hours(size_t region, int64_t until, double factor);  // cleaner_hours, memo extended

  const Forecaster* forecaster_;
  Signal signal_;
  int64_t hour_ = 0;
  std::vector<double> expected_load_;
  std::vector<RegionCache> cache_;
  std::vector<double> scratch_;
  std::vector<double> ci_, g_, contracted_;  // forecast blocks
};

// A flexible job as the timing decisions see it.
struct JobTiming {
  size_t region = 0;
  core::Seconds submit_s = 0;
  core::Seconds remaining_s = 0;  // run time still needed at full speed (checkpoint cost included)
  core::Seconds nominal_s = 0;    // the whole job's run time at full speed
  std::optional<core::Seconds> deadline_s;
  core::Seconds checkpoint_s = 0;
  workload::Flexibility flexibility = workload::Flexibility::kNone;
  int64_t pauses = 0;
  int64_t job = -1;  // the run's job index (-1: unknown); lets a policy remember its plan
  // Where it runs, for the capacity of the hourly plan (gpus 0: capacity is not considered).
  size_t site = 0;
  size_t cluster = 0;
  int64_t gpus = 0;
};

// One flexible job in a cluster's hourly plan (SchedulingPolicy::plan): held (deferred or
// paused) or running and interruptible.
struct PlannedJob {
  uint32_t job = 0;  // the run's job index
  JobTiming timing;
  bool running = false;
  bool run = false;  // the decision: start or resume now (held), keep running (running)
};

struct DecisionContext {
  int64_t hour = 0;
  FleetView fleet;
  ForecastSignals* signals = nullptr;
  core::Seconds now() const { return core::hour_start(hour); }
};

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;
  virtual std::string name() const = 0;
  // Whether any decision depends on the supply (the planner re-simulates such policies).
  virtual bool reacts_to_supply() const = 0;
  // Where a job submitted in this hour queues. `deferrable`: the timing component may hold it.
  virtual PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task,
                                  const DecisionContext& context) = 0;
  // The hourly plan of one cluster (every job in `jobs` on the same site and cluster): which
  // held jobs start or resume now and which running interruptible jobs keep running, sets
  // PlannedJob::run. The plan books each job's chosen hours in the cluster's calendar for the
  // hour, so later decisions (jobs submitted this hour) see the capacity left.
  virtual void plan(std::span<PlannedJob> jobs, const DecisionContext& context) = 0;
  // Whether a flexible job submitted this hour should be held back (planned against what is
  // left of its cluster's calendar when JobTiming::gpus > 0).
  virtual bool hold(const JobTiming& job, const DecisionContext& context) = 0;
  // The latest time a held job should start to keep its deadline (INT64_MAX: no timing).
  virtual core::Seconds latest_start(const JobTiming& job) const = 0;
  // The GPUs of a cluster that flexible work must leave free this hour, for non-flexible work
  // still to come (0 without a timing component). Called once per cluster and hour, before plan().
  virtual int64_t rigid_reserve(size_t site, size_t cluster, const DecisionContext& context) = 0;
  // Whether a running job's plan of an earlier hour has it run on through this hour, after
  // `pauses` pauses, so that plan() need not see it now (its cluster having no queued work it
  // might make room for). False when the policy remembers no such plan.
  virtual bool runs_on(uint32_t job, int64_t pauses, const DecisionContext& context) const = 0;
  // Whether a running interruptible job alone on its cluster would pause now (the rule of
  // plan() without capacity limits).
  virtual bool pause(const JobTiming& job, const DecisionContext& context) = 0;
  // The training power cap of a site for this hour (cap 1: none).
  virtual fleet::PowerCap power_cap(size_t site, const DecisionContext& context) = 0;
  // Whether this policy ever holds or pauses jobs / caps power (the fleet skips the work if not).
  virtual bool times_jobs() const = 0;
  virtual bool caps_power() const = 0;
};

// Builds the policy a configuration names. Throws std::invalid_argument for a bad one.
std::unique_ptr<SchedulingPolicy> make_policy(const PolicyConfig& config);

}  // namespace fleetsim::policy
