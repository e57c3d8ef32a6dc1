#include "fleet/site.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "fleet/power.hpp"

namespace fleetsim::fleet {
namespace {
constexpr double kWsPerMwh = 3.6e9;
// kGridTolerance (site.hpp): relative tolerance of the grid-limit test, so that a job that
// exactly fills the limit fits despite rounding in PUE x power products.
}  // namespace

SiteRuntime::SiteRuntime(SiteSpec spec, const GpuCatalog& catalog, size_t backfill_depth,
                         std::span<TaskOutcome> outcomes)
    : spec_(std::move(spec)), catalog_(&catalog), backfill_depth_(backfill_depth), outcomes_(outcomes) {
  if (!(spec_.pue >= 1.0) || !std::isfinite(spec_.pue)) {
    throw std::invalid_argument("site '" + spec_.name + "': pue = " + std::to_string(spec_.pue) + " must be >= 1");
  }
  if (!(spec_.grid_limit_mw > 0.0) || !std::isfinite(spec_.grid_limit_mw)) {
    throw std::invalid_argument("site '" + spec_.name + "': grid_limit_mw = " + std::to_string(spec_.grid_limit_mw) +
                                " must be > 0");
  }
  for (const auto& c : spec_.clusters) {
    if (c.gpus < 0) {
      throw std::invalid_argument("site '" + spec_.name + "': a cluster has gpus = " + std::to_string(c.gpus) +
                                  ", must be >= 0");
    }
    int64_t last_hour = 0;
    for (const CapacityStep& step : c.steps) {
      if (step.hour <= last_hour || step.gpus < 0) {
        throw std::invalid_argument("site '" + spec_.name + "': capacity steps must have increasing hours > 0 and " +
                                    "gpus >= 0 (hour " + std::to_string(step.hour) + ")");
      }
      last_hour = step.hour;
    }
    const GpuType& type = catalog_->at(c.gpu_type);
    Cluster cluster;
    cluster.type_index = c.gpu_type;
    cluster.total_gpus = c.gpus;
    cluster.free_gpus = c.gpus;
    cluster.for_work = c.gpus;
    cluster.role = c.role;
    const bool draws_power = c.role != ClusterRole::kInference || spec_.inference_clusters_draw_power;
    cluster.idle_w_per_gpu = draws_power ? server_power_per_gpu_w(type, 0.0) : 0.0;
    clusters_.push_back(std::move(cluster));
    has_inference_clusters_ = has_inference_clusters_ || c.role != ClusterRole::kTraining;
    idle_it_power_w_ += static_cast<double>(c.gpus) * clusters_.back().idle_w_per_gpu;
    target_idle_w_ = idle_it_power_w_;
    total_gpus_ += c.gpus;
  }
  int64_t last_hour = 0;
  for (const GridLimitStep& step : spec_.grid_limit_steps) {
    if (step.hour <= last_hour || !(step.mw > 0.0) || !std::isfinite(step.mw)) {
      throw std::invalid_argument("site '" + spec_.name + "': grid-limit steps must have increasing hours > 0 and " +
                                  "a limit > 0 (hour " + std::to_string(step.hour) + ")");
    }
    last_hour = step.hour;
  }
  if (idle_facility_power_w() > grid_limit_w()) {
    throw std::invalid_argument("site '" + spec_.name + "': idle facility power " +
                                std::to_string(idle_facility_power_w() / 1e6) +
                                " MW exceeds grid_limit_mw = " + std::to_string(spec_.grid_limit_mw));
  }
}

int64_t SiteRuntime::uncommitted_gpus(size_t cluster) const {
  const Cluster& c = clusters_[cluster];
  return c.free_gpus - (c.incoming_gpus - c.incoming_held_gpus) - (c.waiting_gpus - c.held_gpus);
}

int64_t SiteRuntime::unclaimed_gpus(size_t cluster, core::Seconds until_s) const {
  const Cluster& c = clusters_[cluster];
  int64_t gpus = uncommitted_gpus(cluster);
  if (c.held_gpus == 0) return gpus;
  for (const Waiting& w : c.waiting) {
    if (w.held && w.latest_start_s < until_s) gpus -= w.task.gpus;
  }
  return gpus;
}

double SiteRuntime::backlog_s(size_t cluster) const {
  const Cluster& c = clusters_[cluster];
  // GPUs held by inference (shared clusters) are busy until the end of the hour.
  const int64_t inference_gpus = cluster < inference_.gpus.size() ? inference_.gpus[cluster] : 0;
  const int64_t running_gpus = c.total_gpus - c.free_gpus - inference_gpus;
  const double running_gpu_s = static_cast<double>(c.running_gpu_end_s - running_gpus * events_.now()) +
                               static_cast<double>(inference_gpus * (hour_end() - events_.now()));
  const double gpu_s = c.incoming_gpu_s + c.waiting_gpu_s + running_gpu_s;
  if (c.capacity() <= 0) return std::numeric_limits<double>::infinity();
  return gpu_s / static_cast<double>(c.capacity());
}

core::Seconds SiteRuntime::duration_s(size_t cluster, const Task& task) const {
  const GpuType& type = catalog_->at(clusters_[cluster].type_index);
  const double seconds = task.work_gpu_s / (static_cast<double>(task.gpus) * type.training_throughput);
  return std::max<core::Seconds>(1, std::llround(seconds));
}

double SiteRuntime::task_dynamic_power_w(size_t cluster, const Task& task) const {
  return static_cast<double>(task.gpus) *
         dynamic_power_per_gpu_w(catalog_->at(clusters_[cluster].type_index), task.utilization);
}

double SiteRuntime::task_server_power_w(size_t cluster, const Task& task) const {
  return static_cast<double>(task.gpus) *
         server_power_per_gpu_w(catalog_->at(clusters_[cluster].type_index), task.utilization);
}

double SiteRuntime::committed_dynamic_power_w() const {
  double dynamic = dynamic_power_w_ + cap_reserve_w_;
  for (const Cluster& c : clusters_)
    dynamic += (c.incoming_power_w - c.incoming_held_power_w) + (c.waiting_power_w - c.held_power_w);
  return dynamic;
}

bool SiteRuntime::within_grid_limit(double dynamic_w) const {
  return (idle_it_power_w_ + dynamic_w) * spec_.pue <= grid_limit_w() * (1.0 + kGridTolerance);
}

HourlyWeight::HourlyWeight(std::span<const double> values) : values_(values), prefix_(values.size() + 1, 0.0) {
  for (size_t h = 0; h < values.size(); ++h) prefix_[h + 1] = prefix_[h] + values[h];
}

// Sum over the hours [from, until) spans of overlap seconds x value (prefix sums for whole hours).
double HourlyWeight::weighted_seconds(core::Seconds from, core::Seconds until) const {
  const auto n = static_cast<int64_t>(values_.size());
  const int64_t first = core::hour_of(from);
  const int64_t last = std::min<int64_t>(core::hour_of(until - 1), n - 1);
  if (values_.empty() || first >= n) return 0.0;
  if (first == last) return static_cast<double>(until - from) * values_[static_cast<size_t>(first)];
  double weighted_s = static_cast<double>(core::hour_start(first + 1) - from) * values_[static_cast<size_t>(first)];
  weighted_s += static_cast<double>(std::min(until, core::hour_start(last + 1)) - core::hour_start(last)) *
                values_[static_cast<size_t>(last)];
  weighted_s += static_cast<double>(core::kSecondsPerHour) *
                (prefix_[static_cast<size_t>(last)] - prefix_[static_cast<size_t>(first + 1)]);
  return weighted_s;
}

void SiteRuntime::set_carbon_intensity(std::span<const double> ci) {
  ci_ = std::make_shared<const HourlyWeight>(ci);
}
void SiteRuntime::set_marginal_carbon_intensity(std::span<const double> ci) {
  marginal_ci_ = std::make_shared<const HourlyWeight>(ci);
}
void SiteRuntime::set_energy_price(std::span<const double> usd_per_mwh) {
  price_ = std::make_shared<const HourlyWeight>(usd_per_mwh);
}

void SiteRuntime::set_gpu_hour_rates(std::vector<double> embodied_kg_per_gpu_h,
                                     std::vector<double> capital_usd_per_gpu_h) {
  embodied_kg_per_gpu_h_ = std::move(embodied_kg_per_gpu_h);
  capital_usd_per_gpu_h_ = std::move(capital_usd_per_gpu_h);
}

void SiteRuntime::enqueue(size_t cluster, const Task& task, bool held, core::Seconds latest_start_s) {
  if (cluster >= clusters_.size()) throw std::out_of_range("SiteRuntime::enqueue: no such cluster");
  Cluster& c = clusters_[cluster];
  if (task.gpus > c.capacity()) throw std::logic_error("SiteRuntime::enqueue: task larger than its cluster");
  if (c.role == ClusterRole::kInference) throw std::logic_error("SiteRuntime::enqueue: training on an inference pool");
  const core::Seconds duration = duration_s(cluster, task);
  c.incoming_gpus += task.gpus;
  c.incoming_gpu_s += static_cast<double>(task.gpus) * static_cast<double>(duration);
  c.incoming_power_w += task_dynamic_power_w(cluster, task);
  if (held) {
    c.incoming_held_gpus += task.gpus;
    c.incoming_held_power_w += task_dynamic_power_w(cluster, task);
  }
  const core::Seconds at = std::max(task.submit_s, events_.now());
  events_.schedule_at(at, [this, cluster, task, duration, held, latest_start_s] {
    arrive(cluster, task, duration, held, latest_start_s);
    schedule();
  });
}

void SiteRuntime::add_waiting(size_t cluster, Waiting w) {
  Cluster& c = clusters_[cluster];
  const double gpu_s = static_cast<double>(w.task.gpus) * static_cast<double>(w.duration_s);
  c.waiting_gpus += w.task.gpus;
  c.waiting_gpu_s += gpu_s;
  c.waiting_power_w += task_dynamic_power_w(cluster, w.task);
  if (!w.held && w.task.priority == 0) c.rigid_gpus += w.task.gpus;
  if (w.held) {
    c.held_gpus += w.task.gpus;
    c.held_power_w += task_dynamic_power_w(cluster, w.task);
  }
  // in (class, arrival) order
  auto pos = c.waiting.end();
  while (pos != c.waiting.begin() &&
         (std::prev(pos)->task.priority > w.task.priority ||
          (std::prev(pos)->task.priority == w.task.priority && std::prev(pos)->arrival > w.arrival))) {
    --pos;
  }
  c.waiting.insert(pos, std::move(w));
}

void SiteRuntime::arrive(size_t cluster, const Task& task, core::Seconds duration, bool held,
                         core::Seconds latest_start_s) {
  Cluster& c = clusters_[cluster];
  const double gpu_s = static_cast<double>(task.gpus) * static_cast<double>(duration);
  const double dynamic_w = task_dynamic_power_w(cluster, task);
  c.incoming_gpus -= task.gpus;
  c.incoming_gpu_s -= gpu_s;
  c.incoming_power_w -= dynamic_w;
  if (held) {
    c.incoming_held_gpus -= task.gpus;
    c.incoming_held_power_w -= dynamic_w;
  }
  if (c.incoming_gpus == 0) {  // drop rounding residue of the running sums
    c.incoming_gpu_s = 0.0;
    c.incoming_power_w = 0.0;
  }
  if (c.incoming_held_gpus == 0) c.incoming_held_power_w = 0.0;
  add_waiting(cluster, Waiting{task, duration, arrivals_++, held, events_.now(), latest_start_s});
}

void SiteRuntime::change_installed(size_t cluster, int64_t delta) {
  Cluster& c = clusters_[cluster];
  c.total_gpus += delta;
  total_gpus_ += delta;
  if (c.idle_w_per_gpu == 0.0) return;
  double idle_w = 0.0;  // summed afresh: no rounding residue builds up over many changes
  for (const Cluster& k : clusters_) idle_w += static_cast<double>(k.total_gpus) * k.idle_w_per_gpu;
  double target_w = 0.0;
  for (const Cluster& k : clusters_) target_w += static_cast<double>(k.capacity() + k.pending) * k.idle_w_per_gpu;
  target_idle_w_ = target_w;
  const core::Seconds now = events_.now();
  idle_correction_ws_ += (idle_w - idle_it_power_w_) * static_cast<double>(now - core::hour_start(core::hour_of(now)));
  idle_it_power_w_ = idle_w;
}

void SiteRuntime::return_gpus(size_t cluster, int64_t gpus) {
  Cluster& c = clusters_[cluster];
  c.free_gpus += gpus;
  if (c.draining == 0 || c.free_gpus == 0) return;
  const int64_t leave = std::min(c.draining, c.free_gpus);
  c.draining -= leave;
  draining_gpus_ -= leave;
  c.free_gpus -= leave;
  change_installed(cluster, -leave);
}

void SiteRuntime::set_capacity(size_t cluster, int64_t gpus) {
  Cluster& c = clusters_[cluster];
  int64_t delta = gpus - (c.capacity() + c.pending);
  if (delta > 0) {
    const int64_t kept = std::min(c.draining, delta);  // retiring GPUs still installed stay
    c.draining -= kept;
    draining_gpus_ -= kept;
    delta -= kept;
    c.pending += delta;  // powered on by commission_pending, as the grid headroom allows
    pending_gpus_ += delta;
    change_installed(cluster, 0);  // the target idle power changed
  } else if (delta < 0) {
    const int64_t unbuilt = std::min(c.pending, -delta);  // not yet powered on: never will be
    c.pending -= unbuilt;
    pending_gpus_ -= unbuilt;
    c.draining += -delta - unbuilt;
    draining_gpus_ += -delta - unbuilt;
    return_gpus(cluster, 0);  // the free ones leave now
    change_installed(cluster, 0);
  }
  c.for_work = gpus;
}

void SiteRuntime::commission_pending() {
  if (pending_gpus_ == 0) return;
  for (size_t k = 0; k < clusters_.size(); ++k) {
    Cluster& c = clusters_[k];
    if (c.pending == 0) continue;
    int64_t n = c.pending;
    if (c.idle_w_per_gpu > 0.0) {
      const double headroom_w =
          grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_ - dynamic_power_w_ - cap_reserve_w_;
      n = std::min<int64_t>(n, static_cast<int64_t>(std::floor(std::max(0.0, headroom_w) / c.idle_w_per_gpu)));
    }
    if (n <= 0) continue;
    c.pending -= n;
    pending_gpus_ -= n;
    c.free_gpus += n;
    change_installed(k, n);
  }
}

void SiteRuntime::hand_back(size_t cluster, std::vector<Evicted>& evicted) {
  Cluster& c = clusters_[cluster];
  if (c.role == ClusterRole::kInference) return;
  const core::Seconds now = events_.now();
  const GpuType& type = catalog_->at(c.type_index);
  for (auto it = c.waiting.begin(); it != c.waiting.end();) {
    if (it->task.gpus <= c.capacity() + c.pending && fits_when_idle(task_dynamic_power_w(cluster, it->task))) {
      ++it;
      continue;
    }
    const Waiting& w = *it;
    if (!w.held && w.task.priority == 0) c.rigid_gpus -= w.task.gpus;
    c.waiting_gpus -= w.task.gpus;
    c.waiting_gpu_s -= static_cast<double>(w.task.gpus) * static_cast<double>(w.duration_s);
    c.waiting_power_w -= task_dynamic_power_w(cluster, w.task);
    if (w.held) {
      c.held_gpus -= w.task.gpus;
      c.held_power_w -= task_dynamic_power_w(cluster, w.task);
    }
    if (c.waiting_gpus == 0) {
      c.waiting_gpu_s = 0.0;
      c.waiting_power_w = 0.0;
    }
    if (c.held_gpus == 0) c.held_power_w = 0.0;
    TaskOutcome& out = outcomes_[w.task.job];
    Task task = w.task;
    if (out.started()) {  // paused: its remaining run time (checkpoint included) becomes its work
      out.paused_s += now - w.held_since_s;
      task.work_gpu_s = static_cast<double>(w.duration_s) * static_cast<double>(w.task.gpus) * type.training_throughput;
    } else if (w.held) {
      out.deferred_s += now - w.held_since_s;
    }
    evicted.push_back(Evicted{task});
    it = c.waiting.erase(it);
  }
}

bool SiteRuntime::apply_capacity(int64_t hour, std::vector<Evicted>& evicted) {
  if (next_change_hour_ > hour) return false;  // the usual case: nothing due
  bool changed = false;
  while (next_grid_step_ < spec_.grid_limit_steps.size() && spec_.grid_limit_steps[next_grid_step_].hour <= hour) {
    spec_.grid_limit_mw = spec_.grid_limit_steps[next_grid_step_++].mw;
    changed = true;
  }
  for (size_t k = 0; k < clusters_.size(); ++k) {
    Cluster& c = clusters_[k];
    const std::vector<CapacityStep>& steps = spec_.clusters[k].steps;
    while (c.next_step < steps.size() && steps[c.next_step].hour <= hour) {
      set_capacity(k, steps[c.next_step++].gpus);
      changed = true;
    }
  }
  next_change_hour_ = INT64_MAX;
  if (next_grid_step_ < spec_.grid_limit_steps.size()) next_change_hour_ = spec_.grid_limit_steps[next_grid_step_].hour;
  for (size_t k = 0; k < clusters_.size(); ++k) {
    const std::vector<CapacityStep>& steps = spec_.clusters[k].steps;
    if (clusters_[k].next_step < steps.size())
      next_change_hour_ = std::min(next_change_hour_, steps[clusters_[k].next_step].hour);
  }
  if (!changed) return false;
  commission_pending();
  for (size_t k = 0; k < clusters_.size(); ++k) hand_back(k, evicted);
  return true;
}

void SiteRuntime::set_dynamic_power(double new_dynamic_w, int64_t busy_delta) {
  const core::Seconds now = events_.now();
  const auto dt = static_cast<double>(now - last_change_s_);
  dynamic_energy_ws_ += dynamic_power_w_ * dt;
  busy_gpu_s_ += static_cast<double>(busy_gpus_) * dt;
  last_change_s_ = now;
  dynamic_power_w_ = new_dynamic_w;
  busy_gpus_ += busy_delta;
}

SiteRuntime::Operating SiteRuntime::operating(size_t cluster, const Task& task, double remaining_s) const {
  const GpuType& type = catalog_->at(clusters_[cluster].type_index);
  const auto gpus = static_cast<double>(task.gpus);
  auto uncapped_op = [&] {
    return Operating{gpus * dynamic_power_per_gpu_w(type, task.utilization),
                     gpus * server_power_per_gpu_w(type, task.utilization), 1.0};
  };
  if (cap_.cap >= 1.0) return uncapped_op();
  const double uncapped = gpu_power_w(type, task.utilization);
  // a board cannot be held below its idle power
  const double capped = std::max(type.idle_power_w, std::min(uncapped, cap_.cap * type.max_power_w));
  // (capped / uncapped) ^ exponent, remembered per (GPU type, utilisation) under this cap
  double speed = 1.0;
  if (uncapped > 0.0) {
    const auto hit = std::find_if(speed_memo_.begin(), speed_memo_.end(), [&](const SpeedMemo& m) {
      return m.type == clusters_[cluster].type_index && m.utilization == task.utilization && m.cap == cap_.cap &&
             m.exponent == cap_.exponent;
    });
    if (hit != speed_memo_.end()) {
      speed = hit->speed;
    } else {
      speed = std::pow(capped / uncapped, cap_.exponent);
      if (speed_memo_.size() >= 16) speed_memo_.clear();
      speed_memo_.push_back(SpeedMemo{clusters_[cluster].type_index, task.utilization, cap_.cap, cap_.exponent, speed});
    }
  }
  // A task whose deadline a capped rest of the hour would put out of reach (even at full
  // speed afterwards) is not capped.
  if (task.deadline_s != INT64_MAX) {
    const core::Seconds now = events_.now();
    const double lost_s = static_cast<double>(hour_end() - now) * (1.0 - speed);
    if (static_cast<double>(now) + remaining_s + lost_s > static_cast<double>(task.deadline_s)) return uncapped_op();
  }
  return Operating{gpus * (capped - type.idle_power_w), gpus * (capped + type.overhead_w), speed};
}

void SiteRuntime::book(const Running& r, core::Seconds until) {
  if (until <= r.segment_start_s) return;
  TaskOutcome& out = outcomes_[r.job];
  const auto dt = static_cast<double>(until - r.segment_start_s);
  const double mwh_per_s = r.server_w * spec_.pue / kWsPerMwh;
  out.energy_mwh += mwh_per_s * dt;
  if (r.speed < 1.0) out.capped_s += dt;
  out.gpu_s += static_cast<double>(r.gpus) * dt;
  const core::Seconds from = r.segment_start_s;
  if (ci_ && !ci_->empty()) out.emissions_t += mwh_per_s * ci_->weighted_seconds(from, until) * 1e-3;  // kg / 1000 = t
  if (marginal_ci_ && !marginal_ci_->empty()) {
    out.emissions_marginal_t += mwh_per_s * marginal_ci_->weighted_seconds(from, until) * 1e-3;
  }
  if (price_ && !price_->empty()) out.energy_cost_usd += mwh_per_s * price_->weighted_seconds(from, until);
}

void SiteRuntime::launch(Running r) {
  clusters_[r.cluster].running_gpu_end_s += r.gpus * r.end_s;
  const core::Seconds end_s = r.end_s;
  const uint32_t job = r.job;
  r.event = events_.schedule_at(end_s, [this, end_s, job] { complete(end_s, job); });
  cap_reserve_w_ += r.uncapped_dynamic_w - r.dynamic_w;
  if (r.task.priority == 0) clusters_[r.cluster].rigid_gpus += r.gpus;
  running_.insert(r);
  ++running_version_;
  outcomes_[job].expected_end_s = end_s;
}

void SiteRuntime::start(size_t cluster, const Waiting& w) {
  Cluster& c = clusters_[cluster];
  const core::Seconds now = events_.now();
  c.free_gpus -= w.task.gpus;
  c.waiting_gpus -= w.task.gpus;
  if (w.task.priority == 0) c.rigid_gpus -= w.task.gpus;
  c.waiting_gpu_s -= static_cast<double>(w.task.gpus) * static_cast<double>(w.duration_s);
  c.waiting_power_w -= task_dynamic_power_w(cluster, w.task);
  if (c.waiting_gpus == 0) {
    c.waiting_gpu_s = 0.0;
    c.waiting_power_w = 0.0;
  }
  const Operating op = operating(cluster, w.task, static_cast<double>(w.duration_s));
  set_dynamic_power(dynamic_power_w_ + op.dynamic_w, w.task.gpus);
  const core::Seconds run_s =
      op.speed >= 1.0 ? w.duration_s
                      : std::max<core::Seconds>(1, std::llround(static_cast<double>(w.duration_s) / op.speed));
  TaskOutcome& out = outcomes_[w.task.job];
  if (!out.started()) {
    out.start_s = now;
  } else {  // resumes after a pause: paused from the pause until now, queueing included
    out.paused_s += now - w.held_since_s;
  }
  launch(Running{now + run_s,
                 w.task.gpus,
                 w.task.job,
                 cluster,
                 now,
                 op.dynamic_w,
                 op.server_w,
                 task_dynamic_power_w(cluster, w.task),
                 static_cast<double>(w.duration_s),
                 op.speed,
                 w.task,
                 w.arrival,
                 {}});
}

double SiteRuntime::remaining_at(const Running& r, core::Seconds t) {
  return r.remaining_s - static_cast<double>(t - r.segment_start_s) * r.speed;
}

SiteRuntime::Running SiteRuntime::take_off(std::set<Running>::iterator it) {
  const Running r = *it;
  Cluster& c = clusters_[r.cluster];
  running_.erase(it);
  ++running_version_;
  if (r.task.priority == 0) c.rigid_gpus -= r.gpus;
  c.running_gpu_end_s -= r.gpus * r.end_s;
  return_gpus(r.cluster, r.gpus);
  // Subtracting leaves rounding residue; with no training running only inference remains.
  set_dynamic_power(running_.empty() ? inference_.dynamic_w : dynamic_power_w_ - r.dynamic_w, -r.gpus);
  cap_reserve_w_ = running_.empty() ? 0.0 : cap_reserve_w_ - (r.uncapped_dynamic_w - r.dynamic_w);
  commission_pending();  // power freed: new GPUs waiting for headroom first
  return r;
}

void SiteRuntime::complete(core::Seconds end_s, uint32_t job) {
  Running key{};
  key.end_s = end_s;
  key.job = job;
  const auto it = running_.find(key);
  if (it == running_.end()) throw std::logic_error("SiteRuntime::complete: task not running");
  const Running r = take_off(it);
  book(r, r.end_s);
  outcomes_[r.job].end_s = r.end_s;
  schedule();
}

bool SiteRuntime::release(uint32_t job) {
  const core::Seconds now = events_.now();
  for (size_t k = 0; k < clusters_.size(); ++k) {
    Cluster& c = clusters_[k];
    for (Waiting& w : c.waiting) {
      if (w.task.job != job || !w.held) continue;
      w.held = false;
      if (w.task.priority == 0) c.rigid_gpus += w.task.gpus;
      c.held_gpus -= w.task.gpus;
      c.held_power_w = c.held_gpus == 0 ? 0.0 : c.held_power_w - task_dynamic_power_w(k, w.task);
      TaskOutcome& out = outcomes_[job];
      out.released_s = now;
      out.released_remaining_s = w.duration_s;
      if (!out.started()) out.deferred_s += now - w.held_since_s;  // a pause is counted until the restart
      return true;
    }
  }
  return false;
}

core::Seconds SiteRuntime::held_duration_s(uint32_t job) const {
  for (const Cluster& c : clusters_) {
    for (const Waiting& w : c.waiting) {
      if (w.task.job == job && w.held) return w.duration_s;
    }
  }
  return -1;
}

void SiteRuntime::running(std::vector<RunningView>& out) const {
  const core::Seconds now = events_.now();
  out.clear();
  for (const Running& r : running_) {
    out.push_back(RunningView{r.job, r.cluster, r.end_s, std::max<core::Seconds>(0, std::llround(remaining_at(r, now))),
                              r.gpus, r.task.priority});
  }
}

const std::vector<RunningView>& SiteRuntime::running_views() const {
  const core::Seconds now = events_.now();
  if (running_views_version_ != running_version_ || running_views_at_ != now) {
    running(running_views_);
    running_views_version_ = running_version_;
    running_views_at_ = now;
  }
  return running_views_;
}

void SiteRuntime::waiting(std::vector<WaitingView>& out) const {
  out.clear();
  for (size_t k = 0; k < clusters_.size(); ++k) {
    for (const Waiting& w : clusters_[k].waiting) {
      if (!w.held) out.push_back(WaitingView{w.task.job, k, w.task.gpus, w.duration_s, w.task.priority});
    }
  }
}

core::Seconds SiteRuntime::pause(uint32_t job, core::Seconds checkpoint_s, core::Seconds latest_start_s) {
  const core::Seconds now = events_.now();
  // a running task's end is its outcome's expected_end_s (launch): a lookup, not a scan
  Running key{};
  key.end_s = outcomes_[job].expected_end_s;
  key.job = job;
  const auto it = key.end_s < 0 ? running_.end() : running_.find(key);
  if (it == running_.end() || it->end_s <= now) return -1;
  // a task on GPUs being retired could not come back to its shrunk cluster: no pause
  if (it->gpus > total_gpus(it->cluster)) return -1;
  const Running r = take_off(it);
  events_.cancel(r.event);
  book(r, now);
  const core::Seconds left_s = std::max<core::Seconds>(1, std::llround(remaining_at(r, now)));
  TaskOutcome& out = outcomes_[job];
  out.pauses += 1;
  out.checkpoint_s += checkpoint_s;
  out.checkpoint_energy_mwh +=
      task_server_power_w(r.cluster, r.task) * spec_.pue * static_cast<double>(checkpoint_s) / kWsPerMwh;
  out.expected_end_s = -1;
  add_waiting(r.cluster, Waiting{r.task, left_s + checkpoint_s, r.arrival, true, now, latest_start_s});
  return left_s + checkpoint_s;
}

void SiteRuntime::set_power_cap(const PowerCap& cap) {
  const bool uncapped = cap.cap >= 1.0 && cap_.cap >= 1.0;  // the exponent does not matter then
  const bool same = cap.cap == cap_.cap && cap.exponent == cap_.exponent;
  cap_ = cap;
  if (uncapped) return;
  // Re-time the running tasks whose power or speed changes (under an unchanged cap, those
  // whose deadline now forbids capping them).
  const core::Seconds now = events_.now();
  std::vector<Running> changed;
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->end_s <= now) {  // completes now: unchanged
      ++it;
      continue;
    }
    const double remaining = remaining_at(*it, now);
    if (same) {
      // Under the same cap only a capped task with a deadline can change: it is exempt once a
      // capped rest of the hour would put its deadline out of reach (operating() says the same).
      const bool near_deadline =
          it->speed < 1.0 && it->task.deadline_s != INT64_MAX &&
          static_cast<double>(now) + remaining + static_cast<double>(hour_end() - now) * (1.0 - it->speed) >
              static_cast<double>(it->task.deadline_s);
      if (!near_deadline) {
        ++it;
        continue;
      }
    }
    const Operating op = operating(it->cluster, it->task, remaining);
    if (op.speed == it->speed && op.dynamic_w == it->dynamic_w) {
      ++it;
      continue;
    }
    changed.push_back(*it);
    if (it->task.priority == 0) clusters_[it->cluster].rigid_gpus -= it->gpus;
    it = running_.erase(it);
    ++running_version_;
  }
  double dynamic_w = dynamic_power_w_;
  for (Running r : changed) {
    Cluster& c = clusters_[r.cluster];
    c.running_gpu_end_s -= r.gpus * r.end_s;
    cap_reserve_w_ -= r.uncapped_dynamic_w - r.dynamic_w;
    dynamic_w -= r.dynamic_w;
    book(r, now);
    events_.cancel(r.event);
    r.remaining_s = remaining_at(r, now);
    const Operating op = operating(r.cluster, r.task, r.remaining_s);
    r.segment_start_s = now;
    r.dynamic_w = op.dynamic_w;
    r.server_w = op.server_w;
    r.speed = op.speed;
    r.end_s = now + std::max<core::Seconds>(1, std::llround(r.remaining_s / r.speed));
    dynamic_w += r.dynamic_w;
    launch(r);
  }
  if (running_.empty()) {
    dynamic_w = inference_.dynamic_w;
    cap_reserve_w_ = 0.0;
  }
  set_dynamic_power(dynamic_w, 0);
}

// The shadow time of a blocked cluster head: walk the site's running tasks in end order,
// adding back the GPUs of its cluster and the power of all, until both suffice.
SiteRuntime::Reservation SiteRuntime::reserve(size_t cluster, const Waiting& head, core::Seconds from_s) const {
  const double limit_dynamic_w = grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_;
  const double need_w = task_dynamic_power_w(cluster, head.task);
  int64_t free_gpus = clusters_[cluster].free_gpus;
  double headroom_w = limit_dynamic_w - dynamic_power_w_ - cap_reserve_w_;
  // While capacity changes (docs/models.md, "Capacity over time"), freed GPUs that are retiring
  // leave and take their idle power with them, and power freed goes first to new GPUs waiting
  // to be powered on, as in the site itself (return_gpus, commission_pending).
  const bool changing = pending_gpus_ > 0 || draining_gpus_ > 0;
  std::vector<int64_t> draining;
  std::vector<int64_t> pending;
  if (changing) {
    for (const Cluster& c : clusters_) {
      draining.push_back(c.draining);
      pending.push_back(c.pending);
    }
  }
  auto give_back = [&](size_t k, int64_t gpus) {
    if (!changing) {
      if (k == cluster) free_gpus += gpus;
      return;
    }
    const int64_t leave = std::min(draining[k], gpus);
    draining[k] -= leave;
    headroom_w += static_cast<double>(leave) * clusters_[k].idle_w_per_gpu;
    if (k == cluster) free_gpus += gpus - leave;
  };
  auto power_on = [&] {
    for (size_t k = 0; changing && k < clusters_.size(); ++k) {
      if (pending[k] == 0) continue;
      const double idle_w = clusters_[k].idle_w_per_gpu;
      const int64_t n =
          idle_w > 0.0
              ? std::min<int64_t>(pending[k], static_cast<int64_t>(std::floor(std::max(0.0, headroom_w) / idle_w)))
              : pending[k];
      pending[k] -= n;
      headroom_w -= static_cast<double>(n) * idle_w;
      if (k == cluster) free_gpus += n;
    }
  };
  core::Seconds shadow_s = std::max(events_.now(), from_s);
  // enough GPUs and power, counting every task that ends by from_s
  auto satisfied = [&](core::Seconds next_end_s) {
    return free_gpus >= head.task.gpus && headroom_w >= need_w && next_end_s > from_s;
  };
  // Inference's GPUs and power this hour are released at the hour's end (they may be taken
  // again then, inference first; a reservation cannot see the next hour's routing).
  const core::Seconds inference_end = hour_end();
  bool inference_released = inference_.gpus.empty();
  auto release_inference = [&] {
    headroom_w += inference_.dynamic_w;
    for (size_t k = 0; k < inference_.gpus.size() && k < clusters_.size(); ++k) give_back(k, inference_.gpus[k]);
    power_on();
    shadow_s = std::max(shadow_s, inference_end);
    inference_released = true;
  };
  for (auto it = running_.begin(); it != running_.end() && !satisfied(it->end_s); ++it) {
    if (!inference_released && it->end_s > inference_end) {
      release_inference();
      if (satisfied(it->end_s)) break;
    }
    headroom_w += it->uncapped_dynamic_w;
    give_back(it->cluster, it->gpus);
    power_on();
    shadow_s = std::max(shadow_s, it->end_s);
  }
  if (!satisfied(INT64_MAX) && !inference_released) release_inference();
  // Cannot happen for a task that passed hand_back (it fits the idle site with every GPU on).
  if (!satisfied(INT64_MAX)) return Reservation{cluster, INT64_MAX, 0, 0.0};
  return Reservation{cluster, shadow_s, free_gpus - head.task.gpus, headroom_w - need_w};
}

// One scheduling pass over the whole site. Waiting tasks are visited in (class, arrival)
// order (merging the cluster queues; Task::priority is the class: non-flexible work first
// under a timing policy). A task starts if its GPUs and the grid headroom are free
// now and it respects every reservation made so far in the pass. The first task of a
// cluster queue that cannot start (a blocked head) makes a reservation: later tasks that
// would still run at its shadow time must fit in the GPUs (same cluster) and power it leaves
// spare. So the oldest blocked task starts by its shadow time at the latest, whatever limits
// it (GPUs or power). A held task's reservation binds only tasks of its class or a later one. At most backfill_depth
// tasks that are not at the head of their queue are examined per pass.
void SiteRuntime::schedule() {
  const core::Seconds now = events_.now();
  // The pass's working state lives in reused buffers (schedule() runs on every arrival and
  // completion and never re-enters itself).
  std::vector<Reservation>& reservations = pass_.reservations;
  reservations.clear();
  // Held tasks passed in the pass whose reservations are not made yet: they matter only once a
  // task could start, so they are made then (the state is the same as when they were passed).
  std::vector<std::pair<size_t, const Waiting*>>& held_pending = pass_.held_pending;
  held_pending.clear();
  std::vector<std::list<Waiting>::iterator>& cursor = pass_.cursor;
  cursor.clear();
  for (Cluster& c : clusters_) cursor.push_back(c.waiting.begin());
  std::vector<char>& reserved = pass_.reserved;
  reserved.assign(clusters_.size(), 0);
  std::vector<char>& passed = pass_.passed;  // an eligible task of the queue stayed waiting
  passed.assign(clusters_.size(), 0);
  size_t examined = 0;
  for (;;) {
    size_t best = clusters_.size();
    for (size_t c = 0; c < clusters_.size(); ++c) {
      // Held tasks are not eligible; one with a latest start keeps a reservation from then on, so
      // that backfill cannot take the GPUs it will need (docs/policies.md).
      while (cursor[c] != clusters_[c].waiting.end() && cursor[c]->held) {
        if (cursor[c]->latest_start_s != INT64_MAX) held_pending.emplace_back(c, &*cursor[c]);
        ++cursor[c];
      }
      if (cursor[c] != clusters_[c].waiting.end() &&
          (best == clusters_.size() || cursor[c]->task.priority < cursor[best]->task.priority ||
           (cursor[c]->task.priority == cursor[best]->task.priority && cursor[c]->arrival < cursor[best]->arrival))) {
        best = c;
      }
    }
    if (best == clusters_.size()) break;
    Cluster& c = clusters_[best];
    const auto it = cursor[best];
    const bool is_head = !passed[best];
    if (!is_head) {
      if (examined >= backfill_depth_) {
        cursor[best] = c.waiting.end();  // no more backfill candidates from this queue
        continue;
      }
      ++examined;
    }
    const double dynamic_w = task_dynamic_power_w(best, it->task);
    // under a power cap it runs longer
    const double speed = operating(best, it->task, static_cast<double>(it->duration_s)).speed;
    const core::Seconds end_s =
        now + (speed >= 1.0 ? it->duration_s
                            : std::max<core::Seconds>(1, std::llround(static_cast<double>(it->duration_s) / speed)));
    bool can_start = it->task.gpus <= c.free_gpus && fits_grid(dynamic_w) &&
                     (it->task.priority == 0 || c.free_gpus - it->task.gpus >= c.rigid_reserve);
    if (can_start && !held_pending.empty()) {
      for (const auto& [cluster, held] : held_pending) {
        reservations.push_back(reserve(cluster, *held, held->latest_start_s));
        reservations.back().priority = held->task.priority;
      }
      held_pending.clear();
    }
    for (const Reservation& r : reservations) {
      if (!can_start || end_s <= r.shadow_s || it->task.priority < r.priority) continue;
      if ((r.cluster == best && it->task.gpus > r.spare_gpus) || dynamic_w > r.spare_dynamic_w) can_start = false;
    }
    if (can_start) {
      for (Reservation& r : reservations) {
        if (end_s <= r.shadow_s) continue;
        if (r.cluster == best) r.spare_gpus -= it->task.gpus;
        r.spare_dynamic_w -= dynamic_w;
      }
      const Waiting w = *it;
      cursor[best] = c.waiting.erase(it);
      start(best, w);
      continue;
    }
    // A head that the GPUs and power free now would fit is held up only by a held task's
    // reservation: it waits for that task without claiming the GPUs itself (else nothing could
    // use them before the held task starts).
    const bool fits_now = it->task.gpus <= c.free_gpus && fits_grid(dynamic_w);
    if (is_head && !reserved[best] && !fits_now) {
      reservations.push_back(reserve(best, *it, now));
      reserved[best] = 1;
    }
    passed[best] = 1;
    ++cursor[best];
  }
}

core::Seconds SiteRuntime::hour_end() const {
  return core::hour_start(core::hour_of(events_.now()) + 1);
}

bool SiteRuntime::serves_inference() const {
  return has_inference_clusters_;
}

double SiteRuntime::release_and_measure_inference(const InferenceModel& model) {
  // End the previous hour's reservation (no scheduling yet: inference chooses first).
  for (size_t c = 0; c < clusters_.size() && c < inference_.gpus.size(); ++c) return_gpus(c, inference_.gpus[c]);
  if (inference_.dynamic_w != 0.0) {
    set_dynamic_power(running_.empty() ? 0.0 : dynamic_power_w_ - inference_.dynamic_w, 0);
  }
  inference_.clear();
  commission_pending();
  if (!has_inference_clusters_) return 0.0;
  const double limit_dynamic_w = grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_;
  double headroom_w = model.per_query_energy ? 1e300 : limit_dynamic_w - dynamic_power_w_;
  // Per-query model: the hour's queries x Wh, spread over the hour, must fit the grid
  // headroom too: at most headroom (W) x 1 h / Wh per query.
  const double per_query_cap =
      model.per_query_energy && model.wh_per_query > 0.0
          ? std::max(0.0, (limit_dynamic_w - dynamic_power_w_) * spec_.pue) / model.wh_per_query
          : 1e300;
  double capacity = 0.0;
  for (const Cluster& c : clusters_) {
    if (c.role == ClusterRole::kTraining) continue;
    const double per_gpu = model.queries_per_gpu_hour[c.type_index] * model.target_utilization;
    if (per_gpu <= 0.0) continue;
    int64_t gpus = c.free_gpus;
    if (!model.per_query_energy) {
      const double dyn_per_gpu = dynamic_power_per_gpu_w(catalog_->at(c.type_index), model.target_utilization);
      if (dyn_per_gpu > 0.0)
        gpus = std::min<int64_t>(gpus, static_cast<int64_t>(std::floor(std::max(0.0, headroom_w) / dyn_per_gpu)));
      headroom_w -= static_cast<double>(gpus) * dyn_per_gpu;
    }
    capacity += static_cast<double>(gpus) * per_gpu;
  }
  per_query_cap_ = per_query_cap;
  return std::min(capacity, per_query_cap);
}

const InferenceHour& SiteRuntime::assign_inference(double queries, const InferenceModel& model) {
  // Built in place, so its per-cluster memory is kept from hour to hour (nothing called below
  // reads inference_ before it is complete).
  InferenceHour& hour = inference_;
  hour.clear();
  hour.gpus.assign(clusters_.size(), 0);
  double remaining = std::min(queries, per_query_cap_);
  for (size_t ci = 0; ci < clusters_.size() && remaining > 0.0; ++ci) {
    Cluster& c = clusters_[ci];
    if (c.role == ClusterRole::kTraining) continue;
    const double per_gpu_hour = model.queries_per_gpu_hour[c.type_index];
    const double per_gpu = per_gpu_hour * model.target_utilization;
    if (per_gpu <= 0.0 || c.free_gpus == 0) continue;
    const GpuType& type = catalog_->at(c.type_index);
    // GPUs sized for the target utilisation: n = ceil(q / (Q x u_target)).
    int64_t gpus = std::min<int64_t>(c.free_gpus, static_cast<int64_t>(std::ceil(remaining / per_gpu - 1e-9)));
    if (!model.per_query_energy) {
      const double dyn_per_gpu = dynamic_power_per_gpu_w(type, model.target_utilization);
      const double headroom_w =
          grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_ - dynamic_power_w_ - hour.dynamic_w;
      if (dyn_per_gpu > 0.0)
        gpus = std::min<int64_t>(gpus, static_cast<int64_t>(std::floor(std::max(0.0, headroom_w) / dyn_per_gpu)));
    }
    if (gpus <= 0) continue;
    const double served = std::min(remaining, static_cast<double>(gpus) * per_gpu);
    // The GPUs' mean utilisation: the queries over what they could do flat out.
    const double utilization = served / (static_cast<double>(gpus) * per_gpu_hour);
    hour.gpus[ci] = gpus;
    hour.gpus_total += static_cast<double>(gpus);
    hour.queries += served;
    if (!model.per_query_energy)
      hour.dynamic_w += static_cast<double>(gpus) * dynamic_power_per_gpu_w(type, utilization);
    c.free_gpus -= gpus;
    remaining -= served;
  }
  if (model.per_query_energy) {
    // queries x Wh spread over the hour is a constant facility power of queries x Wh / 1 h;
    // booked as IT power (/ PUE) so that the grid limit and training scheduling see it.
    hour.dynamic_w = hour.queries * model.wh_per_query / spec_.pue;
  } else {
    // Idle power of inference's GPUs: a dedicated pool all the time, shared GPUs when reserved.
    for (size_t ci = 0; ci < clusters_.size(); ++ci) {
      const Cluster& c = clusters_[ci];
      const double idle_w = server_power_per_gpu_w(catalog_->at(c.type_index), 0.0);
      if (c.role == ClusterRole::kInference) hour.floor_w += static_cast<double>(c.total_gpus) * idle_w;
      if (c.role == ClusterRole::kShared) hour.floor_w += static_cast<double>(hour.gpus[ci]) * idle_w;
    }
  }
  if (hour.dynamic_w != 0.0) set_dynamic_power(dynamic_power_w_ + hour.dynamic_w, 0);
  schedule();  // training on what inference left
  return inference_;
}

SiteHour SiteRuntime::run_hour(int64_t hour) {
  const core::Seconds end = core::hour_start(hour + 1);
  events_.run_until(end);
  set_dynamic_power(dynamic_power_w_, 0);  // integrate up to the hour's end
  SiteHour out;
  const double it_ws =
      idle_it_power_w_ * static_cast<double>(core::kSecondsPerHour) - idle_correction_ws_ + dynamic_energy_ws_;
  out.it_energy_mwh = it_ws / kWsPerMwh;
  out.facility_energy_mwh = out.it_energy_mwh * spec_.pue;
  out.gpus_busy_training = busy_gpu_s_ / static_cast<double>(core::kSecondsPerHour);
  out.gpus_total = total_gpus_;
  for (const Cluster& c : clusters_) out.queue_length += static_cast<int64_t>(c.waiting.size());
  out.pue = spec_.pue;
  out.power_cap = cap_.cap;
  if (!embodied_kg_per_gpu_h_.empty()) {
    for (const Cluster& c : clusters_) {
      const auto n = static_cast<double>(c.total_gpus);
      out.embodied_it_kg += n * embodied_kg_per_gpu_h_[c.type_index];
      out.capital_usd += n * capital_usd_per_gpu_h_[c.type_index];
    }
  }
  out.gpus_busy_inference = inference_.gpus_total;
  out.inference_queries = inference_.queries;
  out.inference_energy_mwh =
      (inference_.floor_w + inference_.dynamic_w) * static_cast<double>(core::kSecondsPerHour) * spec_.pue / kWsPerMwh;
  dynamic_energy_ws_ = 0.0;
  idle_correction_ws_ = 0.0;
  busy_gpu_s_ = 0.0;
  return out;
}

void SiteRuntime::finish(core::Seconds horizon_s) {
  for (const Running& r : running_) {
    // A task due to end exactly at the horizon has completed (run_hour stops before it).
    if (r.end_s <= horizon_s) outcomes_[r.job].end_s = r.end_s;
    book(r, std::min(horizon_s, r.end_s));
  }
  for (const Cluster& c : clusters_) {  // held, or paused and not restarted, at the horizon
    for (const Waiting& w : c.waiting) {
      TaskOutcome& out = outcomes_[w.task.job];
      const core::Seconds held_s = std::max<core::Seconds>(0, horizon_s - w.held_since_s);
      if (out.started()) {
        out.paused_s += held_s;
      } else if (w.held) {
        out.deferred_s += held_s;
      }
    }
  }
}

}  // namespace fleetsim::fleet
