#include "policy/scheduling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace fleetsim::policy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  if (c.hour == hour_ && hour_ + static_cast<int64_t>(c.values.size()) >= until) return;  // fast path
  if (c.hour != hour_) {
    c.hour = hour_;
    c.values.clear();
    c.prefix.assign(1, 0.0);
  }
  // forecast in blocks of at least a day, so that a region is filled a few times an hour at most
  const int64_t from = hour_ + static_cast<int64_t>(c.values.size());
  until = std::min(std::max(until, from + 24), forecaster_->hours());
  if (until <= from) return;
  const auto n = static_cast<size_t>(until - from);
  ci_.resize(n);
  g_.resize(n);
  contracted_.resize(n);
  forecaster_->fill(region, hour_, from, until, ci_.data(), g_.data(), contracted_.data());
  const double load = expected_load_[region];
  for (size_t i = 0; i < n; ++i) {
    double d = ci_[i];
    if (signal_ == Signal::kCfe) {
      const double g = g_[i];
      const double contracted = contracted_[i];
      d = load > 0.0 ? (1.0 - g) * std::max(0.0, 1.0 - contracted / load) : (contracted > 0.0 ? 0.0 : 1.0 - g);
      if (std::isnan(contracted) || std::isnan(g)) d = kNaN;
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

  // greenest_site (docs/policies.md): score each allowed region by its forecast signal over
  // the job's expected run (with a timing component and a flexible job, over its best start
  // within the lookahead); take the first cluster that can start the job now in the best
  // region that has one. When no cluster anywhere can start it now, queue it where the
  // region score is best among clusters whose backlog is within max_wait_h (least backlog on
  // ties); with none within max_wait_h, where first fit would.
  PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task,
                          const DecisionContext& ctx) override {
    if (!greenest_ || ctx.signals == nullptr) return first_fit(job, task, ctx.fleet);
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

  core::Seconds latest_start(const JobTiming& job) const override {
    if (!timing_) return INT64_MAX;
    return latest_end(job) - timing_->margin_s - job.remaining_s - job.expected_wait_s;
  }

  bool hold(const JobTiming& job, const DecisionContext& ctx) override {
    if (!timing_ || job.flexibility == workload::Flexibility::kNone || ctx.signals == nullptr) return false;
    const core::Seconds latest_start = latest_end(job) - timing_->margin_s - job.remaining_s - job.expected_wait_s;
    const int64_t length = ceil_hours(job.remaining_s);
    const double now = ctx.signals->window_mean(job.region, ctx.hour, length);
    if (std::isnan(now)) return false;
    const double best = ctx.signals->best_later_window(job.region, last_start_hour(ctx.hour, latest_start), length);
    return best < now * (1.0 - timing_->min_saving);
  }

  bool pause(const JobTiming& job, const DecisionContext& ctx) override {
    if (!timing_ || job.flexibility != workload::Flexibility::kInterruptible || ctx.signals == nullptr) return false;
    if (job.pauses >= timing_->max_pauses || job.remaining_s <= job.checkpoint_s) return false;
    // Pausing helps only if the GPUs then stay idle: with other work queued on the cluster the
    // load would not fall, and the job would queue behind it to resume.
    if (job.others_waiting) return false;
    const double now = ctx.signals->window_mean(job.region, ctx.hour, ceil_hours(job.remaining_s));
    if (std::isnan(now)) return false;
    const core::Seconds after = job.remaining_s + job.checkpoint_s;
    const core::Seconds latest_start = latest_end(job) - timing_->margin_s - after - job.expected_wait_s;
    const int64_t length = ceil_hours(after);
    const double best = ctx.signals->best_later_window(job.region, last_start_hour(ctx.hour, latest_start), length);
    // dirtiness x run time: pausing adds the checkpoint's time. And the paused job must be one
    // that hold() would keep holding, so that it is not released again at once.
    const double now_after = ctx.signals->window_mean(job.region, ctx.hour, length);
    return best * static_cast<double>(after) <
               now * static_cast<double>(job.remaining_s) * (1.0 - timing_->min_saving) &&
           best < now_after * (1.0 - timing_->min_saving);
  }

  bool may_pause(size_t region, core::Seconds remaining_after_s, const DecisionContext& ctx) override {
    if (!timing_ || ctx.signals == nullptr) return false;
    const int64_t length = scored_length(ceil_hours(remaining_after_s));
    if (gate_hour_ != ctx.hour) {
      gate_hour_ = ctx.hour;
      gate_.assign(ctx.fleet.region_names.size() * static_cast<size_t>(ForecastSignals::kMaxScoredHours + 1), -1);
    }
    int8_t& g = gate_[region * static_cast<size_t>(ForecastSignals::kMaxScoredHours + 1) + static_cast<size_t>(length)];
    if (g < 0) {
      // the hold test at the widest lookahead: a later start can only be as good as this
      const double now = ctx.signals->window_mean(region, ctx.hour, length);
      const double best = ctx.signals->best_later_window(region, ctx.hour + timing_->max_delay_h, length);
      g = !std::isnan(now) && best < now * (1.0 - timing_->min_saving) ? 1 : 0;
    }
    return g == 1;
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
  std::vector<std::vector<size_t>> region_sites_;
  std::vector<double> region_score_;
  std::vector<size_t> order_;
  int64_t threshold_hour_ = -1;
  int64_t gate_hour_ = -1;
  std::vector<int8_t> gate_;  // may_pause per (region, scored length) this hour; -1: not yet known
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
