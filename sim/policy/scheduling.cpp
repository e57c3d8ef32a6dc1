#include "policy/scheduling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace fleetsim::policy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
       "queue each job in the region whose forecast signal over the job's expected run is lowest, among clusters "
       "that can start it within max_wait_h",
       {
           {"max_wait_h", "h", 6, 0, 8760,
            "clusters whose expected wait (backlog) is longer are used only when no other cluster fits"},
       }},
      {"temporal_shift",
       PolicyKind::kTiming,
       true,
       "hold deferrable jobs, and pause interruptible ones at hour boundaries, while a later window is cleaner; "
       "jobs still meet their deadlines",
       {
           {"max_delay_h", "h", 24, 0, 8760,
            "how far ahead a decision looks; also the most a job without a deadline may be held in total"},
           {"min_saving", "", 0.05, 0, 1,
            "a later window must be at least this much cleaner (relative) to hold or pause a job"},
           {"deadline_margin_h", "h", 1, 0, 8760, "time kept free before a deadline when holding or pausing"},
           {"max_pauses", "", 4, 0, 1000, "most pauses of one job"},
       }},
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
  return signal == Signal::kCfe ? "cfe" : "carbon_intensity";
}

bool parse_signal(const std::string& name, Signal& signal) {
  if (name == "carbon_intensity") {
    signal = Signal::kCarbonIntensity;
  } else if (name == "cfe") {
    signal = Signal::kCfe;
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
  if (c.hour != hour_) {
    c.hour = hour_;
    c.values.clear();
    c.prefix.assign(1, 0.0);
  }
  until = std::min(until, forecaster_->hours());
  for (int64_t t = hour_ + static_cast<int64_t>(c.values.size()); t < until; ++t) {
    const SupplyValues v = forecaster_->at(region, hour_, t);
    double d = v.carbon_intensity_g_per_kwh;
    if (signal_ == Signal::kCfe) {
      const double load = expected_load_[region];
      const double g = v.grid_cfe_share;
      d = load > 0.0 ? (1.0 - g) * std::max(0.0, 1.0 - v.contracted_mwh / load)
                     : (v.contracted_mwh > 0.0 ? 0.0 : 1.0 - g);
      if (std::isnan(v.contracted_mwh) || std::isnan(g)) d = kNaN;
    }
    c.values.push_back(d);
    c.prefix.push_back(c.prefix.back() + d);
  }
}

double ForecastSignals::at(size_t region, int64_t t) {
  if (t < hour_ || t >= forecaster_->hours()) return kNaN;
  extend(region, t + 1);
  return cache_[region].values[static_cast<size_t>(t - hour_)];
}

double ForecastSignals::window_mean(size_t region, int64_t from, int64_t length) {
  const int64_t hours = forecaster_->hours();
  if (hours <= hour_) return kNaN;
  length = std::clamp<int64_t>(length, 1, kMaxScoredHours);
  from = std::clamp(from, hour_, hours - 1);
  const int64_t to = std::min(from + length, hours);
  extend(region, to);
  const RegionCache& c = cache_[region];
  const auto a = static_cast<size_t>(from - hour_);
  const auto b = static_cast<size_t>(to - hour_);
  return (c.prefix[b] - c.prefix[a]) / static_cast<double>(b - a);
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

// ---------------------------------------------------------------------------------------
// The composed policy

namespace {

struct TimingParams {
  int64_t max_delay_h = 24;
  double min_saving = 0.05;
  core::Seconds margin_s = 3600;
  int64_t max_pauses = 4;
};

struct PowerParams {
  double cap = 0.6;
  double quantile = 0.5;
  int64_t lookahead_h = 24;
  double exponent = 0.3;
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

  PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task,
                          const DecisionContext& ctx) override {
    if (!greenest_ || ctx.signals == nullptr) return first_fit(job, task, ctx.fleet);
    scan_candidates(job, task, ctx.fleet, scan_);
    if (scan_.candidates.empty()) return PlacementDecision{std::nullopt, scan_.reason};
    bool any_within = false;
    for (const Candidate& c : scan_.candidates) any_within = any_within || c.backlog_s <= max_wait_s_;
    // With a timing component a deferrable job may also start later: score its best window.
    int64_t shift_h = 0;
    if (timing_ && job.flexibility != workload::Flexibility::kNone) shift_h = timing_->max_delay_h;
    const Candidate* best = nullptr;
    double best_score = kInf;
    double best_delay = kInf;
    score_cache_.clear();
    for (const Candidate& c : scan_.candidates) {
      if (any_within && c.backlog_s > max_wait_s_) continue;
      const fleet::SiteRuntime& site = ctx.fleet.sites[c.site];
      const size_t region = site.spec().region;
      const int64_t delay_h = c.can_start_now ? 0 : ceil_hours(std::llround(c.backlog_s)) - 1;
      const int64_t length = ceil_hours(site.duration_s(c.cluster, task));
      double score = kNaN;
      bool cached = false;
      for (const auto& [key, value] : score_cache_) {
        if (key.region == region && key.delay_h == delay_h && key.length == length) {
          score = value;
          cached = true;
          break;
        }
      }
      if (!cached) {
        score = kInf;
        for (int64_t s = 0; s <= shift_h; ++s) {
          const double m = ctx.signals->window_mean(region, ctx.hour + delay_h + s, length);
          score = std::isnan(m) ? kNaN : std::min(score, m);
          if (std::isnan(score)) break;
        }
        score_cache_.push_back({ScoreKey{region, delay_h, length}, score});
      }
      if (std::isnan(score)) score = 0.0;  // unknown: every region alike, order and wait decide
      const double tolerance = 1e-9 * std::max(std::fabs(score), std::fabs(best_score));
      const bool better = best == nullptr || score < best_score - tolerance ||
                          (score <= best_score + tolerance && c.backlog_s < best_delay);
      if (better) {
        best = &c;
        best_score = score;
        best_delay = c.backlog_s;
      }
    }
    return PlacementDecision{Placement{best->site, best->cluster}, RejectReason::kNoCompatibleCluster};
  }

  bool hold(const JobTiming& job, const DecisionContext& ctx) override {
    if (!timing_ || job.flexibility == workload::Flexibility::kNone || ctx.signals == nullptr) return false;
    const core::Seconds latest_start = latest_end(job) - timing_->margin_s - job.remaining_s;
    const int64_t length = ceil_hours(job.remaining_s);
    double best = kInf;
    const double now = ctx.signals->window_mean(job.region, ctx.hour, length);
    if (std::isnan(now)) return false;
    for (int64_t s = ctx.hour + 1; s <= last_start_hour(ctx.hour, latest_start); ++s) {
      best = std::min(best, ctx.signals->window_mean(job.region, s, length));
    }
    return best < now * (1.0 - timing_->min_saving);
  }

  bool pause(const JobTiming& job, const DecisionContext& ctx) override {
    if (!timing_ || job.flexibility != workload::Flexibility::kInterruptible || ctx.signals == nullptr) return false;
    if (job.pauses >= timing_->max_pauses || job.remaining_s <= job.checkpoint_s) return false;
    const double now = ctx.signals->window_mean(job.region, ctx.hour, ceil_hours(job.remaining_s));
    if (std::isnan(now)) return false;
    const core::Seconds after = job.remaining_s + job.checkpoint_s;
    const core::Seconds latest_start = latest_end(job) - timing_->margin_s - after;
    const int64_t length = ceil_hours(after);
    double best = kInf;
    for (int64_t s = ctx.hour + 1; s <= last_start_hour(ctx.hour, latest_start); ++s) {
      best = std::min(best, ctx.signals->window_mean(job.region, s, length));
    }
    // dirtiness x run time: pausing adds the checkpoint's time
    return best * static_cast<double>(after) < now * static_cast<double>(job.remaining_s) * (1.0 - timing_->min_saving);
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
  struct ScoreKey {
    size_t region;
    int64_t delay_h;
    int64_t length;
  };

  // The time by which the job should end: its deadline, or (none) its submission plus its
  // run time plus the longest hold allowed.
  core::Seconds latest_end(const JobTiming& job) const {
    if (job.deadline_s) return *job.deadline_s;
    return job.submit_s + job.nominal_s + timing_->max_delay_h * core::kSecondsPerHour;
  }
  // The last hour a start may be moved to: within the lookahead and by the latest start.
  int64_t last_start_hour(int64_t hour, core::Seconds latest_start) const {
    if (latest_start < core::hour_start(hour + 1)) return hour;  // must run now
    return std::min(hour + timing_->max_delay_h, core::hour_of(latest_start));
  }

  std::string name_;
  bool reacts_ = false;
  bool greenest_ = false;
  double max_wait_s_ = 0.0;
  std::optional<TimingParams> timing_;
  std::optional<PowerParams> power_;
  CandidateScan scan_;
  std::vector<std::pair<ScoreKey, double>> score_cache_;
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
                                  [&name](const ParamSpec& s) { return s.name == name; });
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
