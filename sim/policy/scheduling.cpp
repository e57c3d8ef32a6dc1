#include "policy/scheduling.hpp"

#include "policy/select.hpp"

#include <algorithm>
#include <boost/container/vector.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

namespace fleetsim::policy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kUnlimitedPauses = INT64_MAX / 2;
// A held job's single-run plan is searched again after this many hours (or at once when its
// start has come or its cluster lacks room): forecasts move, but rarely by the hour.
constexpr int64_t kReplanHours = 6;
// The room a cluster keeps for non-flexible work follows its recent peak, decaying by this
// factor an hour (a half-life of about six days).
constexpr double kRigidPeakDecay = 0.995;

// Window lengths the signals score: a run of L hours is scored over the first bucket >= L of
// 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 168 hours (longer runs over 168 h). A start
// moved by an hour hardly changes a long window's mean, and few lengths keep the memo of best
// later windows small.
int64_t scored_length(int64_t length) {
  static constexpr int64_t kBuckets[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 168};
  for (const int64_t b : kBuckets) {
    if (length <= b) return b;
  }
  return ForecastSignals::kMaxScoredHours;
}

int64_t ceil_hours(core::Seconds s) {
  return std::max<int64_t>(1, (s + core::kSecondsPerHour - 1) / core::kSecondsPerHour);
}

}  // namespace

const char* to_string(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kPlacement:
      return "placement";
    case PolicyKind::kTiming:
      return "timing";
    case PolicyKind::kPower:
      return "power";
  }
  return "unknown";
}

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> registry{
      {"fifo",
       PolicyKind::kPlacement,
       false,
       "carbon-agnostic baseline: first fit in scenario order, FIFO queues with EASY backfill, jobs start as soon "
       "as they can",
       {}},
      {"greenest_site",
       PolicyKind::kPlacement,
       true,
       "queue each job in the region with the lowest forecast signal over its expected run that can start it "
       "now (else where the signal is lowest among clusters whose backlog is within max_wait_h)",
       {
           {"max_wait_h", "h", 6, 0, 8760,
            "clusters whose expected wait (backlog) is longer are used only when no other cluster fits"},
       }},
      {"temporal_shift",
       PolicyKind::kTiming,
       true,
       "run interruptible jobs in the cleanest hours before their deadlines (pausing at hour boundaries, "
       "re-planned every hour) and start deferrable ones at the cleanest start before their latest start",
       {
           {"max_delay_h", "h", 24, 0, 8760,
            "the most a job may be delayed in total (end - submission - run time), besides its deadline: how far "
            "ahead the plan looks"},
           {"min_saving", "", 0, 0, 1, "hours a job waits for must be at least this much cleaner (relative) than now"},
           {"deadline_margin_h", "h", 1, 0, 8760, "time kept free before a deadline when holding or pausing"},
           {"max_pauses", "", 4, 0, 1000, "most pauses of one job"},
       }},
      {"optimal",
       PolicyKind::kTiming,
       true,
       "the clairvoyant schedule: temporal_shift's capacity-aware plan given the true future (a perfect forecast "
       "whatever scheduler.forecast says, no deadline margin, no minimum saving, unlimited pauses); its emissions "
       "are at or above job_emissions_bound_t",
       {}},
      {"power_cap",
       PolicyKind::kPower,
       true,
       "cap each site's training GPU power in hours whose forecast signal is high; throughput falls with power "
       "(docs/policies.md), so jobs take longer",
       {
           {"cap", "", 0.6, 0.1, 1, "GPU power limit in capped hours, a fraction of the GPU's max board power"},
           {"quantile", "", 0.5, 0, 1,
            "cap an hour when its forecast signal is above this quantile of the next lookahead_h hours"},
           {"lookahead_h", "h", 24, 1, 168, "forecast hours the quantile is taken over"},
           {"exponent", "", 0.3, 0, 2,
            "throughput = (capped / uncapped GPU power) ^ exponent (calibrated to McDonald et al. 2022)"},
       }},
  };
  return registry;
}

const PolicyInfo* find_policy(const std::string& name) {
  for (const PolicyInfo& info : policy_registry()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const char* to_string(Signal signal) {
  return signal == Signal::kCfe                       ? "cfe"
         : signal == Signal::kMarginalCarbonIntensity ? "marginal_carbon_intensity"
                                                      : "carbon_intensity";
}

bool parse_signal(const std::string& name, Signal& signal) {
  if (name == "carbon_intensity") {
    signal = Signal::kCarbonIntensity;
  } else if (name == "cfe") {
    signal = Signal::kCfe;
  } else if (name == "marginal_carbon_intensity") {
    signal = Signal::kMarginalCarbonIntensity;
  } else {
    return false;
  }
  return true;
}

std::string PolicyConfig::name() const {
  std::string out;
  for (const std::string& c : components) out += (out.empty() ? "" : "+") + c;
  return out.empty() ? "fifo" : out;
}

bool PolicyConfig::has(const std::string& component) const {
  return std::find(components.begin(), components.end(), component) != components.end();
}

double PolicyConfig::param(const std::string& component, const std::string& name) const {
  const PolicyInfo* info = find_policy(component);
  if (info == nullptr) throw std::out_of_range("no policy named " + component);
  for (const ParamSpec& p : info->params) {
    if (p.name != name) continue;
    const auto c = params.find(component);
    if (c == params.end()) return p.default_value;
    const auto v = c->second.find(name);
    return v == c->second.end() ? p.default_value : v->second;
  }
  throw std::out_of_range("policy " + component + " has no parameter " + name);
}

std::string parse_policy_name(const std::string& text, std::vector<std::string>& components) {
  components.clear();
  std::vector<PolicyKind> kinds;
  size_t start = 0;
  for (;;) {
    const size_t plus = text.find('+', start);
    const std::string part = text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    const PolicyInfo* info = find_policy(part);
    if (info == nullptr) {
      std::string known;
      for (const PolicyInfo& p : policy_registry()) known += (known.empty() ? "" : ", ") + p.name;
      return "unknown policy '" + part + "' (known: " + known + "; combine one of each kind with '+')";
    }
    if (std::find(kinds.begin(), kinds.end(), info->kind) != kinds.end()) {
      return "policy '" + text + "' has two " + to_string(info->kind) + " components";
    }
    kinds.push_back(info->kind);
    components.push_back(part);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Forecast signals

ForecastSignals::ForecastSignals(const Forecaster& forecaster, Signal signal)
    : forecaster_(&forecaster), signal_(signal), cache_(forecaster.regions()) {}

void ForecastSignals::begin_hour(int64_t hour, std::span<const double> expected_load_mwh) {
  hour_ = hour;
  expected_load_.assign(expected_load_mwh.begin(), expected_load_mwh.end());
  expected_load_.resize(cache_.size(), 0.0);
}

void ForecastSignals::extend(size_t region, int64_t until) {
  RegionCache& c = cache_[region];
  if (c.hour == hour_ && hour_ + static_cast<int64_t>(c.values.size()) >= until) return;  // fast path
  const int64_t hours = forecaster_->hours();
  if (c.hour != hour_) {
    c.hour = hour_;
    c.values.clear();
    c.prefix.assign(1, 0.0);
    // A forecast that repeats (persistence: the last day) is filled for one period and copied
    // on: the same values. Only when a period is left before the run's last hour, since the
    // padding past it repeats the last known hours.
    const int64_t period = forecaster_->period(hour_);
    c.period = period > 0 && hours - hour_ >= period ? period : 0;
  }
  // forecast in blocks of at least a day, so that a region is filled a few times an hour at most
  // (a repeating forecast: its first period)
  const int64_t from = hour_ + static_cast<int64_t>(c.values.size());
  const int64_t known_until =
      c.period > 0 ? std::max(from, hour_ + c.period) : std::min(std::max(until, from + 24), hours);
  if (known_until > from) {
    const auto n = static_cast<size_t>(known_until - from);
    ci_.resize(n);
    g_.resize(n);
    contracted_.resize(n);
    forecaster_->fill(region, hour_, from, known_until, ci_.data(), g_.data(), contracted_.data());
    const double load = expected_load_[region];
    const size_t at = c.values.size();
    c.values.resize(at + n);
    c.prefix.resize(at + n + 1);
    double* values = c.values.data() + at;
    double* prefix = c.prefix.data() + at;  // prefix[0] is the sum so far
    if (signal_ == Signal::kCfe) {
      for (size_t i = 0; i < n; ++i) {
        const double g = g_[i];
        const double contracted = contracted_[i];
        double d = load > 0.0 ? (1.0 - g) * std::max(0.0, 1.0 - contracted / load) : (contracted > 0.0 ? 0.0 : 1.0 - g);
        if (std::isnan(contracted) || std::isnan(g)) d = kNaN;
        values[i] = d;
      }
    } else {
      std::copy(ci_.begin(), ci_.begin() + static_cast<std::ptrdiff_t>(n), values);
    }
    for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + values[i];  // the same sums, in the same order
  }
  if (c.period > 0) {  // values[i] = values[i - period]; prefix sums in the same order
    const auto p = static_cast<size_t>(c.period);
    for (auto i = c.values.size(); hour_ + static_cast<int64_t>(i) < until; ++i) {
      const double d = c.values[i - p];
      c.values.push_back(d);
      c.prefix.push_back(c.prefix.back() + d);
    }
    return;
  }
  // Past the run's last hour nothing is known: the last known day repeats (the last known hours
  // when less than a day is left), so that no decision sees the horizon as an edge.
  const int64_t known = std::min(hours, hour_ + static_cast<int64_t>(c.values.size())) - hour_;
  if (known <= 0) return;
  for (auto t = hour_ + static_cast<int64_t>(c.values.size()); t < until; ++t) {
    const int64_t period = std::min<int64_t>(24, known);
    const int64_t source = known - period + (t - hour_ - known) % period;
    const double d = c.values[static_cast<size_t>(source)];
    c.values.push_back(d);
    c.prefix.push_back(c.prefix.back() + d);
  }
}

double ForecastSignals::window_mean(size_t region, int64_t from, int64_t length) {
  const int64_t hours = forecaster_->hours();
  if (hours <= hour_) return kNaN;
  length = scored_length(length);
  from = std::clamp(from, hour_, hours - 1);
  const int64_t to = std::min(from + length, hours);
  extend(region, to);
  const RegionCache& c = cache_[region];
  const auto a = static_cast<size_t>(from - hour_);
  const auto b = static_cast<size_t>(to - hour_);
  return (c.prefix[b] - c.prefix[a]) / static_cast<double>(b - a);
}

double ForecastSignals::best_later_window(size_t region, int64_t last_start, int64_t length) {
  const int64_t first = hour_ + 1;
  last_start = std::min(last_start, forecaster_->hours() - 1);
  if (last_start < first) return kInf;
  length = scored_length(length);
  const int64_t hours = forecaster_->hours();
  extend(region, std::min(last_start + length, hours));
  RegionCache& c = cache_[region];
  if (c.best.empty()) {
    c.best.resize(static_cast<size_t>(kMaxScoredHours) + 1);
    c.best_hour.assign(c.best.size(), -1);
  }
  std::vector<double>& row = c.best[static_cast<size_t>(length)];
  if (c.best_hour[static_cast<size_t>(length)] != hour_) {
    row.clear();
    c.best_hour[static_cast<size_t>(length)] = hour_;
  }
  const auto k = static_cast<size_t>(last_start - first);
  if (row.size() > k) return row[k];
  const double* p = c.prefix.data() + (first - hour_);  // p[j]: prefix sum up to hour first + j
  size_t j = row.size();
  double best = j == 0 ? kInf : row.back();
  row.resize(k + 1);
  // windows that end within the horizon have the full length; later ones are clipped
  const auto full =
      static_cast<size_t>(std::clamp<int64_t>(hours - length - first + 1, 0, static_cast<int64_t>(k) + 1));
  const double inverse = 1.0 / static_cast<double>(length);
  const auto len = static_cast<size_t>(length);
  for (; j < full; ++j) {
    const double m = (p[j + len] - p[j]) * inverse;
    best = j == 0 ? m : std::min(best, m);
    row[j] = best;
  }
  const auto end = static_cast<size_t>(hours - first);
  for (; j <= k; ++j) {
    const double m = (p[end] - p[j]) / static_cast<double>(end - j);
    best = j == 0 ? m : std::min(best, m);
    row[j] = best;
  }
  return row[k];
}

double ForecastSignals::quantile(size_t region, int64_t length, double q) {
  const int64_t to = std::min(hour_ + std::max<int64_t>(1, length), forecaster_->hours());
  if (to <= hour_) return kNaN;
  extend(region, to);
  const RegionCache& c = cache_[region];
  scratch_.assign(c.values.begin(), c.values.begin() + (to - hour_));
  for (double v : scratch_) {
    if (std::isnan(v)) return kNaN;
  }
  const auto k = static_cast<size_t>(std::floor(std::clamp(q, 0.0, 1.0) * static_cast<double>(scratch_.size() - 1)));
  std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(k), scratch_.end());
  return scratch_[k];
}

double ForecastSignals::run_cost(size_t region, int64_t from, core::Seconds run_s) {
  if (forecaster_->hours() <= hour_ || from < hour_) return kNaN;
  const int64_t whole = std::max<core::Seconds>(0, run_s) / core::kSecondsPerHour;
  const double fraction =
      static_cast<double>(std::max<core::Seconds>(0, run_s) % core::kSecondsPerHour) / core::kSecondsPerHour;
  extend(region, from + whole + 1);
  const RegionCache& c = cache_[region];
  const auto a = static_cast<size_t>(from - hour_);
  const auto b = a + static_cast<size_t>(whole);
  return c.prefix[b] - c.prefix[a] + (fraction > 0.0 ? fraction * c.values[b] : 0.0);
}

int64_t ForecastSignals::count_cleaner_hours(size_t region, int64_t until, double factor) {
  const int64_t k = until - hour_ - 1;  // hours in (hour_, until)
  if (k <= 0) return 0;
  const double now = at(region, hour_);
  if (std::isnan(now)) return 0;
  RegionCache& c = cache_[region];
  if (c.cleaner_hour != hour_ || c.cleaner_factor != factor) {
    c.cleaner_hour = hour_;
    c.cleaner_factor = factor;
    c.cleaner.assign(1, 0);
  }
  if (c.period > 0) {
    // A repeating forecast: cleaner[j] counts (hour, hour + j] for j <= period; past it,
    // hours j - period + 1 ... j repeat hours 1 ... period, so cleaner[j] = cleaner[j - period]
    // + cleaner[period].
    const auto p = static_cast<size_t>(c.period);
    if (c.cleaner.size() <= p) {
      extend(region, hour_ + c.period + 1);
      const double threshold = factor * now;
      for (auto i = c.cleaner.size(); i <= p; ++i)
        c.cleaner.push_back(c.cleaner.back() + (c.values[i] < threshold ? 1 : 0));
    }
    // on past the period by the same counts (twice as far as held at least: a few extensions
    // an hour, then cleaner_hours() reads the memo inline)
    const auto to = static_cast<size_t>(std::max<int64_t>(k, 2 * static_cast<int64_t>(c.cleaner.size())));
    for (auto i = c.cleaner.size(); i <= to; ++i) c.cleaner.push_back(c.cleaner[i - p] + c.cleaner[p]);
    return c.cleaner[static_cast<size_t>(k)];
  }
  if (static_cast<int64_t>(c.cleaner.size()) <= k) {
    extend(region, hour_ + k + 1);
    const double threshold = factor * now;
    for (auto i = static_cast<int64_t>(c.cleaner.size()); i <= k; ++i) {
      c.cleaner.push_back(c.cleaner.back() + (c.values[static_cast<size_t>(i)] < threshold ? 1 : 0));
    }
  }
  return c.cleaner[static_cast<size_t>(k)];
}

int64_t ForecastSignals::hours() const {
  return forecaster_->hours();
}

// ---------------------------------------------------------------------------------------
// The composed policy

namespace {

struct TimingParams {
  int64_t max_delay_h = 24;
  double min_saving = 0.0;
  core::Seconds margin_s = 3600;
  int64_t max_pauses = 4;
};

struct PowerParams {
  double cap = 0.6;
  double quantile = 0.5;
  int64_t lookahead_h = 24;
  double exponent = 0.3;
};

// Per-job records by job index, in pages of 4,096 made as the indices reach them: a record
// never moves, and growing copies nothing (a vector doubling would copy every record into
// fresh memory, which the kernel zeroes page by page again).
template <typename Record>
class ByJob {
 public:
  // nullptr: no record made at or beyond this index yet (a page's records are made together)
  const Record* find(size_t id) const {
    const size_t page = id >> kShift;
    return page < pages_.size() ? &pages_[page][id & kMask] : nullptr;
  }
  Record* find(size_t id) { return const_cast<Record*>(std::as_const(*this).find(id)); }
  Record& at(size_t id) {
    const size_t page = id >> kShift;
    while (pages_.size() <= page) pages_.push_back(std::make_unique<Record[]>(kPage));
    return pages_[page][id & kMask];
  }

 private:
  static constexpr size_t kShift = 12;
  static constexpr size_t kPage = size_t{1} << kShift;
  static constexpr size_t kMask = kPage - 1;
  std::vector<std::unique_ptr<Record[]>> pages_;
};

class ComposedPolicy final : public SchedulingPolicy {
 public:
  explicit ComposedPolicy(const PolicyConfig& config) : name_(config.name()) {
    greenest_ = config.has("greenest_site");
    if (greenest_) max_wait_s_ = config.param("greenest_site", "max_wait_h") * core::kSecondsPerHour;
    if (config.has("temporal_shift")) {
      TimingParams t;
      t.max_delay_h = std::llround(config.param("temporal_shift", "max_delay_h"));
      t.min_saving = config.param("temporal_shift", "min_saving");
      t.margin_s = std::llround(config.param("temporal_shift", "deadline_margin_h") * core::kSecondsPerHour);
      t.max_pauses = std::llround(config.param("temporal_shift", "max_pauses"));
      timing_ = t;
    }
    if (config.has("optimal")) {
      TimingParams t;
      t.max_delay_h = std::llround(config.param("temporal_shift", "max_delay_h"));  // jobs without a deadline
      t.min_saving = 0.0;
      t.margin_s = 0;
      t.max_pauses = kUnlimitedPauses;
      timing_ = t;
    }
    if (config.has("power_cap")) {
      PowerParams p;
      p.cap = config.param("power_cap", "cap");
      p.quantile = config.param("power_cap", "quantile");
      p.lookahead_h = std::llround(config.param("power_cap", "lookahead_h"));
      p.exponent = config.param("power_cap", "exponent");
      power_ = p;
    }
    for (const std::string& c : config.components) reacts_ = reacts_ || find_policy(c)->reacts_to_supply;
  }

  std::string name() const override { return name_; }
  bool reacts_to_supply() const override { return reacts_; }
  bool times_jobs() const override { return timing_.has_value(); }
  bool caps_power() const override { return power_.has_value(); }

  // greenest_site (docs/policies.md): score each allowed region by its forecast signal over
  // the job's expected run (with a timing component and a flexible job, over its best start
  // within the lookahead); take the first cluster that can start the job now in the best
  // region that has one. When no cluster anywhere can start it now, queue it where the
  // region score is best among clusters whose backlog is within max_wait_h (least backlog on
  // ties); with none within max_wait_h, where first fit would.
  PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task,
                          const DecisionContext& ctx) override {
    if (!greenest_ || ctx.signals == nullptr) return first_fit(job, task, ctx.fleet, free_index_, ctx.hour);
    const PlacementDecision decision = place_greenest(job, task, ctx);
    if (decision.placement) free_index_.placed(*decision.placement);  // the fleet changes there
    return decision;
  }

 private:
  PlacementDecision place_greenest(const workload::TrainingJob& job, const fleet::Task& task,
                                   const DecisionContext& ctx) {
    const size_t regions = ctx.fleet.region_names.size();
    if (region_sites_.size() != regions) {
      region_sites_.assign(regions, {});
      for (size_t s = 0; s < ctx.fleet.sites.size(); ++s) region_sites_[ctx.fleet.sites[s].spec().region].push_back(s);
    }
    // run time at the reference throughput (exact for a typed job on its type's clusters)
    const int64_t length =
        ceil_hours(std::llround(task.work_gpu_s / static_cast<double>(std::max<int64_t>(1, task.gpus))));
    const int64_t shift_h = timing_ && job.flexibility != workload::Flexibility::kNone ? timing_->max_delay_h : 0;
    region_score_.assign(regions, kInf);
    order_.clear();
    bool any_known = false;
    for (size_t r = 0; r < regions; ++r) {
      if (region_sites_[r].empty()) continue;
      if (!job.allowed_regions.empty() && std::find(job.allowed_regions.begin(), job.allowed_regions.end(),
                                                    ctx.fleet.region_names[r]) == job.allowed_regions.end()) {
        continue;
      }
      double score = ctx.signals->window_mean(r, ctx.hour, length);
      if (shift_h > 0) score = std::min(score, ctx.signals->best_later_window(r, ctx.hour + shift_h, length));
      any_known = any_known || !std::isnan(score);
      region_score_[r] = std::isnan(score) ? kInf : score;  // unknown: last
      order_.push_back(r);
    }
    // Nothing known (persistence at hour 0): no reason to prefer a region; place as fifo would.
    if (!any_known) return first_fit(job, task, ctx.fleet);
    // best score first; ties in scenario order of the regions' first sites
    std::sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
      return region_score_[a] != region_score_[b] ? region_score_[a] < region_score_[b]
                                                  : region_sites_[a].front() < region_sites_[b].front();
    });
    for (const size_t r : order_) {
      if (const auto p = start_now_in(job, task, ctx.fleet, region_sites_[r])) {
        return PlacementDecision{p, RejectReason::kNoCompatibleCluster};
      }
    }
    scan_candidates(job, task, ctx.fleet, scan_);
    if (scan_.candidates.empty()) return PlacementDecision{std::nullopt, scan_.reason};
    const Candidate* best = nullptr;
    for (const Candidate& c : scan_.candidates) {
      if (c.backlog_s > max_wait_s_) continue;
      const double score = region_score_[ctx.fleet.sites[c.site].spec().region];
      const double best_score = best ? region_score_[ctx.fleet.sites[best->site].spec().region] : kInf;
      if (best == nullptr || score < best_score || (score == best_score && c.backlog_s < best->backlog_s)) best = &c;
    }
    if (best == nullptr) return first_fit(job, task, ctx.fleet);
    return PlacementDecision{Placement{best->site, best->cluster}, RejectReason::kNoCompatibleCluster};
  }

 public:
  core::Seconds latest_start(const JobTiming& job) const override {
    if (!timing_) return INT64_MAX;
    return must_end(job) - job.remaining_s;
  }

  // temporal_shift (docs/policies.md, "The rules"): an hourly, capacity-aware plan per cluster.
  // The jobs plan one by one, the most urgent (earliest latest start) first, each booking its
  // hours in the cluster's calendar (work that is not in the plan is booked from now to its end):
  //  - a held job (deferred or paused) chooses its hours where the cluster has room: an
  //    interruptible one its ceil(R / 1 h) cleanest hours before it must end, a deferrable one
  //    (or one out of pauses) its cleanest start before its latest start; it starts (or
  //    resumes) now when its plan begins now;
  //  - a running interruptible job keeps running unless at least ceil((R + c) / 1 h) hours
  //    before it must end are cleaner than this one by min_saving and its rest plus the
  //    checkpoint, in the cleanest hours with room, costs less than running on (at most
  //    max_pauses such pauses); or unless queued non-flexible work has no room: then it pauses
  //    for it (the most slack first), whatever its pauses so far.
  void plan(std::span<PlannedJob> jobs, const DecisionContext& ctx) override {
    if (jobs.empty()) return;
    if (!timing_ || ctx.signals == nullptr) {
      for (PlannedJob& j : jobs) j.run = true;
      return;
    }
    const double factor = 1.0 - timing_->min_saving;
    // Running jobs that may pause for carbon: enough cleaner hours at all (a count per region
    // and hour, no capacity yet). The others keep running and are booked as busy work.
    exclude_.clear();
    for (PlannedJob& j : jobs) {
      j.run = true;
      if (!j.running) continue;
      const JobTiming& t = j.timing;
      if (t.flexibility != workload::Flexibility::kInterruptible || t.pauses >= timing_->max_pauses ||
          t.remaining_s <= t.checkpoint_s) {
        continue;
      }
      // Pausing for carbon helps only if the GPUs then stay idle: with other work queued on the
      // cluster the load would not fall, and the job would queue behind it to resume.
      if (t.gpus > 0 && ctx.fleet.sites[t.site].eligible_waiting_gpus(t.cluster) > 0) continue;
      // (the count first: memoised per region, while the job's own remembered plan is a
      // scattered read, and most jobs have too few cleaner hours)
      const core::Seconds after_s = t.remaining_s + t.checkpoint_s;
      if (ctx.signals->cleaner_hours(t.region, until_hour(must_end(t), after_s), factor) >= ceil_hours(after_s) &&
          !runs_on(j.job, t.pauses, ctx)) {
        j.run = false;  // a candidate, decided below
        exclude_.push_back(j.job);
      }
    }
    std::sort(exclude_.begin(), exclude_.end());
    Calendar* cal = jobs.front().timing.gpus > 0
                        ? contended(jobs.front().timing.site, jobs.front().timing.cluster, 0, ctx)
                        : nullptr;
    // Without a calendar the plans do not meet (each job's plan reads only the forecast and
    // its own remembered plan): in any order, the same plans.
    if (cal == nullptr) {
      for (PlannedJob& j : jobs) {
        if (j.running && j.run) continue;
        j.run = j.running ? !decide_pause(j.timing, nullptr, ctx) : plan_held(j.timing, nullptr, ctx);
      }
      return;
    }
    // The candidates (they hold their GPUs: they decide first), then the held jobs, each group
    // most urgent first.
    order_keys_.clear();
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!jobs[i].running || !jobs[i].run)
        order_keys_.push_back(OrderKey{!jobs[i].running, latest_start(jobs[i].timing), i});
    }
    std::sort(order_keys_.begin(), order_keys_.end());  // the index last: stable
    urgent_.clear();
    for (const OrderKey& k : order_keys_) urgent_.push_back(k.index);
    for (const size_t i : urgent_) {
      PlannedJob& j = jobs[i];
      j.run = j.running ? !decide_pause(j.timing, cal, ctx)  // books the plan it chose
                        : plan_held(j.timing, cal, ctx);
    }
    // Queued non-flexible work that has no room makes running interruptible jobs pause, those
    // with the most slack first, whatever their pauses so far: non-flexible work first. (Flexible
    // work never preempts flexible work: that would only trade places.)
    if (cal == nullptr || cal->free_now() >= 0) return;
    const size_t cluster = jobs.front().timing.cluster;
    const fleet::SiteRuntime& site = ctx.fleet.sites[jobs.front().timing.site];
    if (site.eligible_waiting_gpus(cluster) == 0 || site.rigid_gpus(cluster) == 0) return;  // none queued
    int64_t rigid_waiting = 0;
    site_views(jobs.front().timing.site, ctx);
    for (const fleet::WaitingView& w : waiting_view_) {
      if (w.cluster == cluster && w.priority == 0) rigid_waiting += w.gpus;
    }
    if (rigid_waiting == 0) return;
    int64_t to_free = rigid_waiting;
    urgent_.clear();
    for (size_t i = 0; i < jobs.size(); ++i) {
      const JobTiming& t = jobs[i].timing;
      if (jobs[i].running && jobs[i].run && t.flexibility == workload::Flexibility::kInterruptible &&
          t.remaining_s > t.checkpoint_s) {
        urgent_.push_back(i);
      }
    }
    std::stable_sort(urgent_.begin(), urgent_.end(),
                     [&](size_t a, size_t b) { return latest_start(jobs[a].timing) > latest_start(jobs[b].timing); });
    for (const size_t i : urgent_) {
      if (cal->free(0) >= 0 || to_free <= 0) break;
      PlannedJob& j = jobs[i];
      book_run(cal, 0, j.timing.remaining_s, -j.timing.gpus);  // it no longer runs on
      plan_paused(j.timing, cal, ctx);
      j.run = false;
      to_free -= j.timing.gpus;
    }
  }

  // The room kept for non-flexible work (docs/policies.md, "Capacity"): the most GPUs
  // non-flexible work has used of the cluster (running or queued) at recent hour starts, a peak
  // that decays by kRigidPeakDecay an hour. Flexible work may not start into it.
  int64_t rigid_reserve(size_t site, size_t cluster, const DecisionContext& ctx) override {
    if (!timing_) return 0;
    const fleet::SiteRuntime& s = ctx.fleet.sites[site];
    views_hour_ = -1;  // outside the plan phase: the sites change
    RigidPeak& peak = clusters_[slot(site, cluster, ctx)].peak;
    peak.gpus = std::max(static_cast<double>(s.rigid_gpus(cluster)),
                         peak.gpus * std::pow(kRigidPeakDecay, static_cast<double>(ctx.hour - peak.hour)));
    peak.hour = ctx.hour;
    peak.reserve = std::llround(peak.gpus);
    return peak.reserve;
  }

  // A run-on plan made within the last kReplanHours whose next gap is still ahead stands.
  bool runs_on(uint32_t job, int64_t pauses, const DecisionContext& ctx) const override {
    const RunOnPlan* found = run_on_.find(job);
    if (found == nullptr) return false;
    const RunOnPlan& memo = *found;
    return memo.until_hour > ctx.hour && ctx.hour - memo.planned_hour < kReplanHours && memo.pauses == pauses;
  }

  bool hold(const JobTiming& job, const DecisionContext& ctx) override {
    views_hour_ = -1;  // outside the plan phase: the sites change
    if (!timing_ || job.flexibility == workload::Flexibility::kNone || ctx.signals == nullptr) return false;
    Calendar* cal = job.gpus > 0 ? contended(job.site, job.cluster, job.gpus, ctx) : nullptr;
    return !plan_held(job, cal, ctx);
  }

  bool pause(const JobTiming& job, const DecisionContext& ctx) override {
    views_hour_ = -1;  // outside the plan phase: the sites change
    if (!timing_ || job.flexibility != workload::Flexibility::kInterruptible || ctx.signals == nullptr) return false;
    if (job.pauses >= timing_->max_pauses || job.remaining_s <= job.checkpoint_s) return false;
    return decide_pause(job, nullptr, ctx);
  }

  fleet::PowerCap power_cap(size_t site, const DecisionContext& ctx) override {
    if (!power_ || ctx.signals == nullptr) return fleet::PowerCap{};
    const size_t region = ctx.fleet.sites[site].spec().region;
    if (threshold_hour_ != ctx.hour) {
      threshold_hour_ = ctx.hour;
      thresholds_.assign(ctx.fleet.region_names.size(), kInf);
      threshold_known_.assign(ctx.fleet.region_names.size(), false);
    }
    if (!threshold_known_[region]) {
      thresholds_[region] = ctx.signals->quantile(region, power_->lookahead_h, power_->quantile);
      threshold_known_[region] = true;
    }
    const double d = ctx.signals->at(region, ctx.hour);
    if (std::isnan(d) || std::isnan(thresholds_[region]) || !(d > thresholds_[region])) return fleet::PowerCap{};
    return fleet::PowerCap{power_->cap, power_->exponent};
  }

 private:
  // The time by which the job should end: its submission plus its run time plus the most it may
  // be delayed (max_delay_h), or its deadline if that is earlier.
  core::Seconds latest_end(const JobTiming& job) const {
    const core::Seconds delayed = job.submit_s + job.nominal_s + timing_->max_delay_h * core::kSecondsPerHour;
    return job.deadline_s ? std::min(*job.deadline_s, delayed) : delayed;
  }
  // When the job must end to keep its deadline: the deadline less the margin.
  core::Seconds must_end(const JobTiming& job) const { return latest_end(job) - timing_->margin_s; }
  // The hours a run of `run_s` that must end by `end_s` may use: [decision hour, until). The
  // whole hours before end_s, and the partial hour before it when the run's last fraction of an
  // hour fits in it (that fraction runs in the latest hour chosen).
  static int64_t until_hour(core::Seconds end_s, core::Seconds run_s) {
    const int64_t whole = core::hour_of(end_s);
    const core::Seconds partial_s = end_s - core::hour_start(whole);
    const core::Seconds fraction_s = run_s % core::kSecondsPerHour;
    return partial_s > 0 && fraction_s > 0 && fraction_s <= partial_s ? whole + 1 : whole;
  }

  // -- the hourly plan's calendar: GPUs of one cluster in use or booked, hour by hour from
  //    the decision hour (index 0).
  struct Calendar {
    int64_t hour = -1;  // the decision hour it is for
    int64_t capacity = 0;
    // running and queued work at the hour's start: (last hour index it occupies, GPUs), sorted
    // by that index, and suffix sums of the GPUs (the occupancy of hour i is the sum over
    // entries whose last index is >= i)
    std::vector<std::pair<int64_t, int64_t>> busy;
    std::vector<int64_t> busy_suffix;
    std::vector<int64_t> used;  // occupancy plus bookings, built lazily
    size_t cursor = 0;          // the first entry of busy whose last index is >= used.size()
    int64_t busy_gpus = 0;      // the occupancy of index 0 before any booking (all of busy)
    bool sorted = false;        // busy sorted and busy_suffix built (on first use: most
                                // calendars of an hour are only asked for free_now())
    // the occupancy known up to `length` hours (the common case, already known, inline)
    void ensure(int64_t length) {
      if (static_cast<int64_t>(used.size()) < length) grow(length);
    }
    [[gnu::noinline]] void grow(int64_t length) {
      if (!sorted) {
        std::sort(busy.begin(), busy.end());
        busy_suffix.assign(busy.size() + 1, 0);
        for (size_t i = busy.size(); i-- > 0;) busy_suffix[i] = busy_suffix[i + 1] + busy[i].second;
        sorted = true;
      }
      auto i = static_cast<int64_t>(used.size());
      used.resize(static_cast<size_t>(length));
      for (; i < length; ++i) {
        while (cursor < busy.size() && busy[cursor].first < i) ++cursor;
        used[static_cast<size_t>(i)] = busy_suffix[cursor];
      }
    }
    int64_t free(int64_t i) {
      ensure(i + 1);
      return capacity - used[static_cast<size_t>(i)];
    }
    // free(0) without building the occupancy (every entry of busy occupies index 0)
    int64_t free_now() const { return capacity - (used.empty() ? busy_gpus : used.front()); }
    void book(int64_t i, int64_t gpus) {
      ensure(i + 1);
      used[static_cast<size_t>(i)] += gpus;
    }
    // the least free GPUs over [from, to)
    int64_t least_free(int64_t from, int64_t to) {
      ensure(to);
      int64_t most = 0;
      for (int64_t i = from; i < to; ++i) most = std::max(most, used[static_cast<size_t>(i)]);
      return capacity - most;
    }
    void book_range(int64_t from, int64_t to, int64_t gpus) {
      ensure(to);
      for (int64_t i = from; i < to; ++i) used[static_cast<size_t>(i)] += gpus;
    }
  };

  // The running and queued tasks of a site (running_view_, waiting_view_), scanned once per site
  // in an hour's plan phase (the sites do not change during it; hold(), pause() and
  // rigid_reserve() come outside it and drop the scan).
  void site_views(size_t site, const DecisionContext& ctx) {
    if (views_site_ == site && views_hour_ == ctx.hour) return;
    running_view_ = &ctx.fleet.sites[site].running_views();
    ctx.fleet.sites[site].waiting(waiting_view_);
    views_site_ = site;
    views_hour_ = ctx.hour;
  }

  // The calendar of a cluster for the decision hour: built on first use from the site's
  // running tasks (those in exclude_ left out: they are being planned) and queued tasks that
  // may start (from now, for their run time).
  Calendar& calendar(size_t site, size_t cluster, const DecisionContext& ctx) {
    ClusterState& state = clusters_[slot(site, cluster, ctx)];
    Calendar& cal = state.calendar;  // reused from hour to hour (its buffers)
    if (cal.hour == ctx.hour) return cal;
    cal.hour = ctx.hour;
    cal.busy.clear();
    cal.used.clear();
    cal.cursor = 0;
    const fleet::SiteRuntime& s = ctx.fleet.sites[site];
    const int64_t hour = ctx.hour;
    auto last_index = [hour](core::Seconds end_s) { return std::max<int64_t>(0, core::hour_of(end_s - 1) - hour); };
    site_views(site, ctx);
    for (const fleet::RunningView& r : *running_view_) {
      if (r.cluster != cluster || std::binary_search(exclude_.begin(), exclude_.end(), r.job)) continue;
      cal.busy.emplace_back(last_index(r.end_s), r.gpus);
    }
    const core::Seconds now = core::hour_start(hour);
    for (const fleet::WaitingView& w : waiting_view_) {
      if (w.cluster == cluster) cal.busy.emplace_back(last_index(now + w.duration_s), w.gpus);
    }
    // flexible work plans around the room kept for non-flexible work to come
    cal.capacity = s.total_gpus(cluster) - state.peak.reserve;
    cal.busy_gpus = 0;
    for (const auto& b : cal.busy) cal.busy_gpus += b.second;
    cal.sorted = false;
    return cal;
  }

  // The calendar of a cluster when capacity may bind this hour: when all the work it knows of
  // (running, queued, held, and `extra` GPUs more) fits its GPUs at once (less the room kept for
  // non-flexible work), no plan can lack room and none is needed (nullptr).
  Calendar* contended(size_t site, size_t cluster, int64_t extra, const DecisionContext& ctx) {
    ClusterState& state = clusters_[slot(site, cluster, ctx)];
    if (state.calendar.hour == ctx.hour) return &state.calendar;
    const fleet::SiteRuntime& s = ctx.fleet.sites[site];
    if (s.claimed_gpus(cluster) + extra + state.peak.reserve <= s.total_gpus(cluster)) return nullptr;
    return &calendar(site, cluster, ctx);
  }

  // The index of a (site, cluster) in clusters_: site by site, clusters in order (a new fleet
  // starts them afresh).
  size_t slot(size_t site, size_t cluster, const DecisionContext& ctx) {
    if (ctx.fleet.sites.data() != slots_fleet_ || ctx.fleet.sites.size() + 1 != site_base_.size()) {
      slots_fleet_ = ctx.fleet.sites.data();
      site_base_.assign(1, 0);
      for (const fleet::SiteRuntime& s : ctx.fleet.sites) site_base_.push_back(site_base_.back() + s.clusters());
      clusters_.clear();
      clusters_.resize(site_base_.back());
    }
    return site_base_[site] + cluster;
  }

  // The candidate hours of a job in [hour, until) (from the next hour on with `skip_now`):
  // known, and (with a calendar) with room for its GPUs. Their signals (that of index 0 biased by min_saving: a later
  // hour must be that much cleaner to be preferred) into choice_values_, their indices into choice_hours_, in hour
  // order.
  void candidates(const JobTiming& job, int64_t until, Calendar* cal, bool skip_now, const DecisionContext& ctx) {
    const std::span<const double> values = ctx.signals->forecast(job.region, until);
    choice_values_.resize(values.size(), boost::container::default_init);  // each written below
    choice_hours_.resize(values.size(), boost::container::default_init);
    size_t count = 0;
    const size_t first = skip_now ? 1 : 0;
    if (first == 0 && !values.empty()) {  // now, biased
      const double v = values[0];
      const bool room = cal == nullptr || cal->free(0) >= job.gpus;
      choice_values_[0] = v * (1.0 - timing_->min_saving);
      choice_hours_[0] = 0;
      count = !std::isnan(v) && room ? 1 : 0;
    }
    const size_t from = std::max<size_t>(first, 1);
    if (cal == nullptr) {
      for (size_t i = from; i < values.size(); ++i) {  // written always, kept when known
        choice_values_[count] = values[i];
        choice_hours_[count] = static_cast<int64_t>(i);
        count += std::isnan(values[i]) ? 0U : 1U;
      }
    } else {
      cal->ensure(static_cast<int64_t>(values.size()));
      const int64_t* used = cal->used.data();
      const int64_t most = cal->capacity - job.gpus;  // an hour has room when used <= most
      for (size_t i = from; i < values.size(); ++i) {
        choice_values_[count] = values[i];
        choice_hours_[count] = static_cast<int64_t>(i);
        count += !std::isnan(values[i]) && used[i] <= most ? 1U : 0U;
      }
    }
    choice_values_.resize(count);
    choice_hours_.resize(count);
  }
  // How many of the candidate hours have an index below `end`.
  size_t candidates_before(int64_t end) const {
    size_t m = choice_hours_.size();
    while (m > 0 && choice_hours_[m - 1] >= end) --m;
    return m;
  }
  // The cost of running `run_s` seconds in the cleanest candidate hours: the n = ceil(run_s /
  // 1 h) lowest signals (equal signals: the earlier hour first), summed in hour order, the
  // dearest of them (the n-th lowest) at the last hour's fraction. Leaves the chosen hours in
  // chosen_ (in hour order) and the n-th lowest signal in dearest_; +inf (and no chosen hours)
  // when there are too few.
  double cleanest(core::Seconds run_s) { return cleanest(run_s, choice_values_.size()); }
  // The same among the first m candidates.
  double cleanest(core::Seconds run_s, size_t m) {
    const auto n = static_cast<size_t>(ceil_hours(run_s));
    chosen_.clear();
    if (m < n) return kInf;
    if (select_.size() < m) {  // room only: kth_smallest reads choice_values_
      select_.resize(m, boost::container::default_init);
      select_scratch_.resize(m, boost::container::default_init);
    }
    // every hour chosen (a job whose window is all it needs): the largest, without a selection
    const KthSmallest nth = n == m
                                ? largest(choice_values_.data(), m)
                                : kth_smallest(choice_values_.data(), select_.data(), m, n - 1, select_scratch_.data());
    dearest_ = nth.value;
    // the hours below it, and of those equal to it the earliest n - below; the last of those
    // is the dearest, at its fraction
    size_t equal_left = n - nth.below;
    chosen_.resize(n + 1, boost::container::default_init);  // written at c <= n always, kept when chosen
    size_t c = 0;
    double cost = 0.0;
    for (size_t i = 0; i < m; ++i) {
      const double v = choice_values_[i];
      const bool below = v < dearest_;
      const bool equal = v == dearest_ && equal_left > 0;
      chosen_[c] = choice_hours_[i];
      c += below || equal ? 1U : 0U;
      cost += below || (equal && equal_left > 1) ? v : 0.0;
      equal_left -= equal ? 1U : 0U;
    }
    chosen_.resize(n);
    const double fraction =
        static_cast<double>(run_s - static_cast<core::Seconds>(n - 1) * core::kSecondsPerHour) / core::kSecondsPerHour;
    return cost + fraction * dearest_;
  }
  void book_first(Calendar* cal, int64_t gpus) {
    if (cal == nullptr) return;
    for (const int64_t k : chosen_) cal->book(k, gpus);
  }
  static void book_run(Calendar* cal, int64_t from, core::Seconds run_s, int64_t gpus) {
    if (cal == nullptr) return;
    cal->book_range(from, from + ceil_hours(run_s), gpus);
  }

  // Whether a running interruptible job pauses now for carbon (and its plan booked). Each plan
  // must fit the pauses left: a plan in more runs than that is replaced by its best single run.
  bool decide_pause(const JobTiming& job, Calendar* cal, const DecisionContext& ctx) {
    const double now = ctx.signals->at(job.region, ctx.hour);
    const int64_t pauses_left = timing_->max_pauses - job.pauses;
    const core::Seconds after_s = job.remaining_s + job.checkpoint_s;
    JobTiming after = job;
    after.remaining_s = after_s;
    const int64_t until = until_hour(must_end(after), after_s);
    if (std::isnan(now) || pauses_left <= 0) {
      book_run(cal, 0, job.remaining_s, job.gpus);
      return false;
    }
    const core::Seconds this_hour_s = std::min<core::Seconds>(job.remaining_s, core::kSecondsPerHour);
    const core::Seconds rest_s = job.remaining_s - this_hour_s;
    const int64_t rest_until = rest_s > 0 ? until_hour(must_end(job), rest_s) : until;
    // Both plans below choose among the hours from the next one on, before their ends (the same
    // deadline; the last partial hour may count for one only): one list of candidates to the
    // later end, of which the other's is the part before its end.
    candidates(job, std::max(until, rest_until), cal, true, ctx);
    // paused: the rest plus the checkpoint in the cleanest hours from the next one on (this
    // pause and one per later gap), or in one run
    double pause_cost = cleanest(after_s, candidates_before(until - ctx.hour));
    int64_t pause_start = -1;  // >= 0: the paused plan is one run from this index
    if (std::isfinite(pause_cost)) {
      const auto gaps = static_cast<int64_t>(runs(-1)) - 1;  // later pauses
      pause_cost += checkpoint_cost(job, gaps);
      int64_t start = -1;
      const double single = best_contiguous(after, 1, cal, ctx, start);
      if (gaps + 1 > pauses_left || single <= pause_cost) {
        pause_cost = single;
        pause_start = start;
      }
    }
    paused_plan_.swap(chosen_);  // kept: the run-on plan's cleanest() replaces chosen_
    // running on: this hour (its share of the run) and the rest in the cleanest hours, or to the end
    double run_cost = now * (1.0 - timing_->min_saving) * static_cast<double>(this_hour_s) / core::kSecondsPerHour;
    int64_t run_on_gap = ceil_hours(job.remaining_s);  // the run-on plan's first hour off (index)
    if (rest_s > 0) {
      const double rest = cleanest(rest_s, candidates_before(rest_until - ctx.hour));
      const auto gaps = static_cast<int64_t>(runs(0)) - 1;
      const double to_the_end = ctx.signals->run_cost(job.region, ctx.hour, job.remaining_s);
      const double split = run_cost + rest + checkpoint_cost(job, gaps);
      const bool splits = gaps <= pauses_left && split < to_the_end;
      run_cost = splits ? split : to_the_end;
      if (splits && job.job >= 0) {
        // the run-on plan runs without a gap up to the first index (>= 1) it leaves out (the
        // chosen hours are >= 1, in order)
        run_on_gap = 1;
        for (const int64_t k : chosen_) {
          if (k != run_on_gap) break;
          ++run_on_gap;
        }
      }
    }
    if (!(pause_cost < run_cost)) {
      book_run(cal, 0, job.remaining_s, job.gpus);  // keeps running from now
      if (RunOnPlan* memo = remembered(run_on_, job); memo != nullptr) {
        memo->until_hour = ctx.hour + run_on_gap;
        memo->planned_hour = ctx.hour;
        memo->pauses = job.pauses;
      }
      return false;
    }
    if (pause_start >= 0) {
      book_run(cal, pause_start, after_s, job.gpus);
    } else if (cal != nullptr) {  // the paused plan's hours
      for (const int64_t k : paused_plan_) cal->book(k, job.gpus);
    }
    return true;
  }

  // What `pauses` pauses add to the last cleanest() plan: their checkpoint time, at about the
  // signal of its dearest hour.
  double checkpoint_cost(const JobTiming& job, int64_t pauses) const {
    if (pauses <= 0 || chosen_.empty()) return 0.0;
    return static_cast<double>(pauses) * static_cast<double>(job.checkpoint_s) / core::kSecondsPerHour * dearest_;
  }

  // Runs (maximal stretches of consecutive hours) among the hours cleanest() chose, with index
  // `with` (>= 0) counted as chosen too.
  size_t runs(int64_t with) const {
    size_t count = 0;
    int64_t last = -2;  // the last hour counted
    auto count_hour = [&](int64_t k) {
      if (k == last) return;  // `with` among the chosen
      count += k == last + 1 ? 0U : 1U;
      last = k;
    };
    bool with_done = with < 0;
    for (const int64_t k : chosen_) {  // in order; `with` merged in
      if (!with_done && with <= k) {
        count_hour(with);
        with_done = true;
      }
      count_hour(k);
    }
    if (!with_done) count_hour(with);
    return count;
  }

  // The cleanest single run of the job from an index >= first to its latest start whose hours
  // all have room (a start now biased by min_saving); +inf and start -1 when there is none.
  double best_contiguous(const JobTiming& job, int64_t first, Calendar* cal, const DecisionContext& ctx,
                         int64_t& start) {
    const core::Seconds latest = must_end(job) - job.remaining_s;
    const int64_t last = latest < core::hour_start(ctx.hour + 1) ? ctx.hour : core::hour_of(latest);
    const int64_t length = ceil_hours(job.remaining_s);
    start = -1;
    // run_cost inline: whole hours from the prefix sums, the last fraction from the values
    const int64_t whole = job.remaining_s / core::kSecondsPerHour;
    const double fraction =
        static_cast<double>(job.remaining_s % core::kSecondsPerHour) / static_cast<double>(core::kSecondsPerHour);
    const int64_t span_end = ctx.hour + std::max<int64_t>(first, last - ctx.hour) + whole + 1;
    const std::span<const double> sums = ctx.signals->forecast_sums(job.region, span_end);
    const std::span<const double> values = ctx.signals->forecast(job.region, span_end);
    if (sums.empty()) return kInf;
    return cheapest_run(
        sums.data(), values.data(), whole, fraction, length, first, last - ctx.hour, 1.0 - timing_->min_saving,
        cal != nullptr, [&](int64_t i) { return cal->free(i) < job.gpus; }, start);
  }

  // A running job that pauses for more urgent work: its rest, plus the checkpoint, planned as
  // a held job's (booked; it cannot resume this hour).
  void plan_paused(const JobTiming& job, Calendar* cal, const DecisionContext& ctx) {
    JobTiming after = job;
    after.remaining_s += job.checkpoint_s;
    after.pauses += 1;
    plan_held(after, cal, ctx);
  }

  // Whether a held (or new) job starts now; its plan booked. An interruptible job with pauses
  // left runs in its cleanest hours when they need no more pauses than it has left; otherwise (and
  // a deferrable job) in its cleanest single run before its latest start.
  bool plan_held(const JobTiming& job, Calendar* cal, const DecisionContext& ctx) {
    const double now = ctx.signals->at(job.region, ctx.hour);
    if (std::isnan(now)) {
      book_run(cal, 0, job.remaining_s, job.gpus);
      return true;
    }
    // A plan made within the last kReplanHours whose first hour is still ahead stands while it
    // has room (its hours booked again): a held job's best plan moves only when the forecast
    // does, or the room.
    HeldPlan* memo = remembered(held_, job);
    if (memo != nullptr && memo->start_hour > ctx.hour && ctx.hour - memo->planned_hour < kReplanHours &&
        memo->remaining_s == job.remaining_s) {
      if (memo->split && split_room(cal, job, job.gpus, ctx.hour)) {
        if (cal != nullptr) {
          for (const int64_t h : *held_hours_.find(static_cast<size_t>(job.job))) cal->book(h - ctx.hour, job.gpus);
        }
        return false;
      }
      const int64_t ahead = memo->start_hour - ctx.hour;
      if (!memo->split && room(cal, ahead, job.remaining_s, job.gpus)) {
        book_run(cal, ahead, job.remaining_s, job.gpus);
        return false;
      }
    }
    int64_t start = -1;
    double single = kNaN;  // the cleanest single run, once computed
    if (job.flexibility == workload::Flexibility::kInterruptible && job.pauses < timing_->max_pauses) {
      candidates(job, until_hour(must_end(job), job.remaining_s), cal, false, ctx);
      const double split = cleanest(job.remaining_s);
      if (!std::isfinite(split)) {  // too few hours left with room: now
        book_run(cal, 0, job.remaining_s, job.gpus);
        return true;
      }
      const auto gaps = static_cast<int64_t>(runs(-1)) - 1;
      // the cleanest hours, unless they need more pauses than are left or one run costs as little
      // (checkpoints included); best_contiguous leaves chosen_ as it is
      single = best_contiguous(job, 0, cal, ctx, start);
      if (gaps <= timing_->max_pauses - job.pauses && split + checkpoint_cost(job, gaps) < single) {
        book_first(cal, job.gpus);
        const int64_t first = chosen_.front();
        if (memo != nullptr) {
          memo->start_hour = ctx.hour + first;
          memo->planned_hour = ctx.hour;
          memo->remaining_s = job.remaining_s;
          memo->split = true;
          const auto id = static_cast<size_t>(job.job);
          std::vector<int64_t>* hours = cal != nullptr ? &held_hours_.at(id) : held_hours_.find(id);
          if (hours != nullptr) {
            hours->clear();
            if (cal != nullptr) {
              for (const int64_t k : chosen_) hours->push_back(ctx.hour + k);
            }
          }
        }
        return first == 0;
      }
    }
    if (std::isnan(single)) single = best_contiguous(job, 0, cal, ctx, start);
    if (!std::isfinite(single)) start = 0;  // no start with room: now
    book_run(cal, start, job.remaining_s, job.gpus);
    if (memo != nullptr) {
      memo->start_hour = ctx.hour + start;
      memo->planned_hour = ctx.hour;
      memo->remaining_s = job.remaining_s;
      memo->split = false;
    }
    return start == 0;
  }

  // The plans remembered, by job index, in separate arrays: a run-on plan is read for every
  // running job every hour, so its array is dense.
  struct HeldPlan {  // a held job's plan: its first hour, when it was made, for what run time
    int64_t start_hour = -1;
    int64_t planned_hour = -1;
    core::Seconds remaining_s = 0;
    bool split = false;  // a set of hours (held_hours_, when booked in a calendar), else one run from start_hour
  };
  struct RunOnPlan {  // a running job's: it runs on until this hour (its first hour off), made when, after how many
                      // pauses
    int64_t until_hour = -1;
    int64_t planned_hour = -1;
    int64_t pauses = -1;
  };
  // Whether each hour of a job's remembered set of hours still has room (no calendar: yes).
  bool split_room(Calendar* cal, const JobTiming& job, int64_t gpus, int64_t hour) const {
    if (cal == nullptr) return true;
    const auto id = static_cast<size_t>(job.job);
    const std::vector<int64_t>* hours = held_hours_.find(id);
    if (hours == nullptr || hours->empty()) return false;  // made without a calendar: unknown
    for (const int64_t h : *hours) {
      if (cal->free(h - hour) < gpus) return false;
    }
    return true;
  }
  // The plan of a kind remembered for a job (nullptr: the job is unknown).
  template <typename Plan>
  static Plan* remembered(ByJob<Plan>& plans, const JobTiming& job) {
    if (job.job < 0) return nullptr;
    return &plans.at(static_cast<size_t>(job.job));
  }

  // Whether a run from index `from` has room in every hour (no calendar: always).
  static bool room(Calendar* cal, int64_t from, core::Seconds run_s, int64_t gpus) {
    const int64_t to = from + ceil_hours(run_s);
    return cal == nullptr || to <= from || cal->least_free(from, to) >= gpus;
  }

  std::string name_;
  bool reacts_ = false;
  bool greenest_ = false;
  double max_wait_s_ = 0.0;
  std::optional<TimingParams> timing_;
  std::optional<PowerParams> power_;
  CandidateScan scan_;
  FreeGpuIndex free_index_;  // first fit's first pass
  struct RigidPeak {
    double gpus = 0.0;
    int64_t hour = 0;
    int64_t reserve = 0;  // gpus rounded: the GPUs kept
  };
  struct ClusterState {
    Calendar calendar;  // for Calendar::hour
    RigidPeak peak;
  };
  std::vector<ClusterState> clusters_;  // per (site, cluster): slot()
  std::vector<size_t> site_base_;       // slot(): a site's first index
  const fleet::SiteRuntime* slots_fleet_ = nullptr;
  size_t views_site_ = SIZE_MAX;  // running_view_ and waiting_view_ are of this site at views_hour_
  int64_t views_hour_ = -1;
  std::vector<uint32_t> exclude_;  // running jobs being planned this hour (sorted)
  std::vector<size_t> urgent_;     // held jobs of a plan, most urgent first
  struct OrderKey {                // a job's place in the plan: candidates first, then by latest start
    bool held;
    core::Seconds latest_start;
    size_t index;
    auto operator<=>(const OrderKey&) const = default;
  };
  std::vector<OrderKey> order_keys_;
  // The plans' scratch: boost::container::vector, whose resize(n, default_init) leaves the new
  // elements unwritten (each is written before it is read), where std::vector would zero them
  // first on every plan.
  template <typename T>
  using Scratch = boost::container::vector<T>;
  Scratch<double> choice_values_;  // candidates(): the signals of the candidate hours
  Scratch<int64_t> choice_hours_;  // and their indices, in hour order
  Scratch<int64_t> chosen_;        // cleanest(): the chosen indices, in hour order
  Scratch<int64_t> paused_plan_;   // decide_pause(): chosen_ of the paused plan
  double dearest_ = 0.0;           // and the dearest signal among them
  Scratch<double> select_, select_scratch_;
  ByJob<HeldPlan> held_;                                           // by job index
  ByJob<RunOnPlan> run_on_;                                        // by job index
  ByJob<std::vector<int64_t>> held_hours_;                         // by job index, only with a calendar
  const std::vector<fleet::RunningView>* running_view_ = nullptr;  // the site's own (SiteRuntime::running_views)
  std::vector<fleet::WaitingView> waiting_view_;
  std::vector<std::vector<size_t>> region_sites_;
  std::vector<double> region_score_;
  std::vector<size_t> order_;
  int64_t threshold_hour_ = -1;
  std::vector<double> thresholds_;
  std::vector<bool> threshold_known_;
};

}  // namespace

std::unique_ptr<SchedulingPolicy> make_policy(const PolicyConfig& config) {
  std::vector<std::string> components;
  const std::string error = parse_policy_name(config.name(), components);
  if (!error.empty()) throw std::invalid_argument(error);
  for (const auto& [component, values] : config.params) {
    const PolicyInfo* info = find_policy(component);
    if (info == nullptr) throw std::invalid_argument("parameters for unknown policy " + component);
    for (const auto& [name, value] : values) {
      const auto p = std::find_if(info->params.begin(), info->params.end(),
                                  [&wanted = name](const ParamSpec& s) { return s.name == wanted; });
      if (p == info->params.end()) throw std::invalid_argument("policy " + component + " has no parameter " + name);
      if (!(value >= p->min_value && value <= p->max_value)) {
        throw std::invalid_argument("policy " + component + ": " + name + " = " + std::to_string(value) +
                                    " is outside [" + std::to_string(p->min_value) + ", " +
                                    std::to_string(p->max_value) + "]");
      }
    }
  }
  return std::make_unique<ComposedPolicy>(config);
}

}  // namespace fleetsim::policy
