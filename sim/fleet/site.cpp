#include "fleet/site.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fleet/power.hpp"

namespace fleetsim::fleet {
namespace {
constexpr double kWsPerMwh = 3.6e9;
}

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
    if (c.gpus <= 0) {
      throw std::invalid_argument("site '" + spec_.name + "': a cluster has gpus = " + std::to_string(c.gpus) +
                                  ", must be > 0");
    }
    const GpuType& type = catalog_->at(c.gpu_type);
    Cluster cluster;
    cluster.type_index = c.gpu_type;
    cluster.total_gpus = c.gpus;
    cluster.free_gpus = c.gpus;
    clusters_.push_back(std::move(cluster));
    idle_it_power_w_ += static_cast<double>(c.gpus) * server_power_per_gpu_w(type, 0.0);
    total_gpus_ += c.gpus;
  }
  if (idle_facility_power_w() > grid_limit_w()) {
    throw std::invalid_argument("site '" + spec_.name + "': idle facility power " +
                                std::to_string(idle_facility_power_w() / 1e6) +
                                " MW exceeds grid_limit_mw = " + std::to_string(spec_.grid_limit_mw));
  }
}

int64_t SiteRuntime::uncommitted_gpus(size_t cluster) const {
  const Cluster& c = clusters_[cluster];
  return c.free_gpus - c.incoming_gpus - c.waiting_gpus;
}

double SiteRuntime::backlog_s(size_t cluster) const {
  const Cluster& c = clusters_[cluster];
  const int64_t running_gpus = c.total_gpus - c.free_gpus;
  const double running_gpu_s = static_cast<double>(c.running_gpu_end_s - running_gpus * events_.now());
  const double gpu_s = c.incoming_gpu_s + c.waiting_gpu_s + running_gpu_s;
  return gpu_s / static_cast<double>(c.total_gpus);
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

double SiteRuntime::task_facility_power_w(size_t cluster, const Task& task) const {
  return task_dynamic_power_w(cluster, task) * spec_.pue;
}

double SiteRuntime::committed_facility_power_w() const {
  double dynamic = dynamic_power_w_;
  for (const Cluster& c : clusters_) dynamic += c.incoming_power_w + c.waiting_power_w;
  return (idle_it_power_w_ + dynamic) * spec_.pue;
}

void SiteRuntime::enqueue(size_t cluster, const Task& task) {
  if (cluster >= clusters_.size()) throw std::out_of_range("SiteRuntime::enqueue: no such cluster");
  Cluster& c = clusters_[cluster];
  if (task.gpus > c.total_gpus) throw std::logic_error("SiteRuntime::enqueue: task larger than its cluster");
  const core::Seconds duration = duration_s(cluster, task);
  const double dynamic_w = task_dynamic_power_w(cluster, task);
  c.incoming_gpus += task.gpus;
  c.incoming_gpu_s += static_cast<double>(task.gpus) * static_cast<double>(duration);
  c.incoming_power_w += dynamic_w;
  const core::Seconds at = std::max(task.submit_s, events_.now());
  events_.schedule_at(at, [this, cluster, task, duration] { arrive(cluster, task, duration); });
}

void SiteRuntime::arrive(size_t cluster, const Task& task, core::Seconds duration) {
  Cluster& c = clusters_[cluster];
  const double gpu_s = static_cast<double>(task.gpus) * static_cast<double>(duration);
  const double dynamic_w = task_dynamic_power_w(cluster, task);
  c.incoming_gpus -= task.gpus;
  c.incoming_gpu_s -= gpu_s;
  c.incoming_power_w -= dynamic_w;
  c.waiting.push_back(Waiting{task, duration});
  c.waiting_gpus += task.gpus;
  c.waiting_gpu_s += gpu_s;
  c.waiting_power_w += dynamic_w;
  schedule_cluster(cluster);
}

bool SiteRuntime::power_allows(double dynamic_w) const {
  return (idle_it_power_w_ + dynamic_power_w_ + dynamic_w) * spec_.pue <= grid_limit_w() * (1.0 + 1e-12);
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

void SiteRuntime::start(size_t cluster, const Waiting& w) {
  Cluster& c = clusters_[cluster];
  const core::Seconds now = events_.now();
  const double dynamic_w = task_dynamic_power_w(cluster, w.task);
  c.free_gpus -= w.task.gpus;
  c.waiting_gpus -= w.task.gpus;
  c.waiting_gpu_s -= static_cast<double>(w.task.gpus) * static_cast<double>(w.duration_s);
  c.waiting_power_w -= dynamic_w;
  set_dynamic_power(dynamic_power_w_ + dynamic_w, w.task.gpus);
  const Running r{now + w.duration_s, w.task.gpus, w.task.job, now, dynamic_w, task_server_power_w(cluster, w.task)};
  c.running.insert(r);
  c.running_gpu_end_s += r.gpus * r.end_s;
  TaskOutcome& out = outcomes_[w.task.job];
  out.start_s = now;
  out.expected_end_s = r.end_s;
  events_.schedule_at(r.end_s, [this, cluster, r] { complete(cluster, r); });
}

void SiteRuntime::complete(size_t cluster, Running r) {
  Cluster& c = clusters_[cluster];
  c.running.erase(r);
  c.running_gpu_end_s -= r.gpus * r.end_s;
  c.free_gpus += r.gpus;
  // Subtracting can leave rounding residue; recompute from zero when the site is empty.
  const double remaining = busy_gpus_ == r.gpus ? 0.0 : dynamic_power_w_ - r.dynamic_w;
  set_dynamic_power(remaining, -r.gpus);
  TaskOutcome& out = outcomes_[r.job];
  out.end_s = r.end_s;
  out.energy_mwh = r.server_w * spec_.pue * static_cast<double>(r.end_s - r.start_s) / kWsPerMwh;
  schedule_cluster(cluster);
  // Freed power may let tasks blocked by the grid limit in other clusters start.
  for (size_t other = 0; other < clusters_.size(); ++other) {
    if (other != cluster && !clusters_[other].waiting.empty()) schedule_cluster(other);
  }
}

void SiteRuntime::schedule_cluster(size_t cluster) {
  Cluster& c = clusters_[cluster];
  // FIFO: start the head while it fits.
  while (!c.waiting.empty()) {
    const Waiting& head = c.waiting.front();
    if (head.task.gpus > c.free_gpus || !power_allows(task_dynamic_power_w(cluster, head.task))) break;
    const Waiting w = head;
    c.waiting.pop_front();
    start(cluster, w);
  }
  if (c.waiting.size() < 2 || backfill_depth_ == 0) return;

  // EASY backfill: reserve the head's start at the shadow time, the earliest time enough
  // GPUs are free for it; later tasks may start now if they end before the shadow time or
  // use only GPUs the head will not need ("extra" GPUs).
  const core::Seconds now = events_.now();
  const int64_t need = c.waiting.front().task.gpus;
  int64_t free_at_shadow = c.free_gpus;
  core::Seconds shadow_s = now;
  for (const Running& r : c.running) {
    if (free_at_shadow >= need) break;
    free_at_shadow += r.gpus;
    shadow_s = r.end_s;
  }
  int64_t extra = free_at_shadow - need;
  size_t examined = 0;
  for (auto it = std::next(c.waiting.begin()); it != c.waiting.end() && examined < backfill_depth_;) {
    ++examined;
    if (c.free_gpus == 0) break;
    const Waiting& w = *it;
    const bool fits_now = w.task.gpus <= c.free_gpus && power_allows(task_dynamic_power_w(cluster, w.task));
    const bool ends_before_shadow = now + w.duration_s <= shadow_s;
    const bool uses_extra = w.task.gpus <= extra;
    if (fits_now && (ends_before_shadow || uses_extra)) {
      if (!ends_before_shadow) extra -= w.task.gpus;
      const Waiting started = w;
      it = c.waiting.erase(it);
      start(cluster, started);
    } else {
      ++it;
    }
  }
}

SiteHour SiteRuntime::run_hour(int64_t hour) {
  const core::Seconds end = core::hour_start(hour + 1);
  events_.run_until(end);
  set_dynamic_power(dynamic_power_w_, 0);  // integrate up to the hour's end
  SiteHour out;
  const double it_ws = idle_it_power_w_ * static_cast<double>(core::kSecondsPerHour) + dynamic_energy_ws_;
  out.it_energy_mwh = it_ws / kWsPerMwh;
  out.facility_energy_mwh = out.it_energy_mwh * spec_.pue;
  out.gpus_busy_training = busy_gpu_s_ / static_cast<double>(core::kSecondsPerHour);
  out.gpus_total = total_gpus_;
  for (const Cluster& c : clusters_) out.queue_length += static_cast<int64_t>(c.waiting.size());
  out.pue = spec_.pue;
  dynamic_energy_ws_ = 0.0;
  busy_gpu_s_ = 0.0;
  return out;
}

void SiteRuntime::finish(core::Seconds horizon_s) {
  for (const Cluster& c : clusters_) {
    for (const Running& r : c.running) {
      TaskOutcome& out = outcomes_[r.job];
      // A task due to end exactly at the horizon has completed (run_hour stops before it).
      if (r.end_s <= horizon_s) out.end_s = r.end_s;
      const core::Seconds ran = std::min(horizon_s, r.end_s) - r.start_s;
      out.energy_mwh = r.server_w * spec_.pue * static_cast<double>(ran) / kWsPerMwh;
    }
  }
}

}  // namespace fleetsim::fleet
