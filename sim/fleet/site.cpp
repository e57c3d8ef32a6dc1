#include "fleet/site.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fleet/power.hpp"

namespace fleetsim::fleet {
namespace {
constexpr double kWsPerMwh = 3.6e9;
// Relative tolerance of the grid-limit test, so that a job that exactly fills the limit fits
// despite rounding in PUE x power products.
constexpr double kGridTolerance = 1e-9;
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
    if (c.gpus <= 0) {
      throw std::invalid_argument("site '" + spec_.name + "': a cluster has gpus = " + std::to_string(c.gpus) +
                                  ", must be > 0");
    }
    const GpuType& type = catalog_->at(c.gpu_type);
    Cluster cluster;
    cluster.type_index = c.gpu_type;
    cluster.total_gpus = c.gpus;
    cluster.free_gpus = c.gpus;
    cluster.role = c.role;
    clusters_.push_back(std::move(cluster));
    has_inference_clusters_ = has_inference_clusters_ || c.role != ClusterRole::kTraining;
    const bool draws_power = c.role != ClusterRole::kInference || spec_.inference_clusters_draw_power;
    if (draws_power) idle_it_power_w_ += static_cast<double>(c.gpus) * server_power_per_gpu_w(type, 0.0);
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
  // GPUs held by inference (shared clusters) are busy until the end of the hour.
  const int64_t inference_gpus = cluster < inference_.gpus.size() ? inference_.gpus[cluster] : 0;
  const int64_t running_gpus = c.total_gpus - c.free_gpus - inference_gpus;
  const double running_gpu_s = static_cast<double>(c.running_gpu_end_s - running_gpus * events_.now()) +
                               static_cast<double>(inference_gpus * (hour_end() - events_.now()));
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

double SiteRuntime::committed_dynamic_power_w() const {
  double dynamic = dynamic_power_w_;
  for (const Cluster& c : clusters_) dynamic += c.incoming_power_w + c.waiting_power_w;
  return dynamic;
}

bool SiteRuntime::within_grid_limit(double dynamic_w) const {
  return (idle_it_power_w_ + dynamic_w) * spec_.pue <= grid_limit_w() * (1.0 + kGridTolerance);
}

void SiteRuntime::enqueue(size_t cluster, const Task& task) {
  if (cluster >= clusters_.size()) throw std::out_of_range("SiteRuntime::enqueue: no such cluster");
  Cluster& c = clusters_[cluster];
  if (task.gpus > c.total_gpus) throw std::logic_error("SiteRuntime::enqueue: task larger than its cluster");
  if (c.role == ClusterRole::kInference) throw std::logic_error("SiteRuntime::enqueue: training on an inference pool");
  const core::Seconds duration = duration_s(cluster, task);
  c.incoming_gpus += task.gpus;
  c.incoming_gpu_s += static_cast<double>(task.gpus) * static_cast<double>(duration);
  c.incoming_power_w += task_dynamic_power_w(cluster, task);
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
  if (c.incoming_gpus == 0) {  // drop rounding residue of the running sums
    c.incoming_gpu_s = 0.0;
    c.incoming_power_w = 0.0;
  }
  c.waiting.push_back(Waiting{task, duration, arrivals_++});
  c.waiting_gpus += task.gpus;
  c.waiting_gpu_s += gpu_s;
  c.waiting_power_w += dynamic_w;
  schedule();
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
  if (c.waiting_gpus == 0) {
    c.waiting_gpu_s = 0.0;
    c.waiting_power_w = 0.0;
  }
  set_dynamic_power(dynamic_power_w_ + dynamic_w, w.task.gpus);
  const Running r{
      now + w.duration_s, w.task.gpus, w.task.job, cluster, now, dynamic_w, task_server_power_w(cluster, w.task)};
  running_.insert(r);
  c.running_gpu_end_s += r.gpus * r.end_s;
  TaskOutcome& out = outcomes_[w.task.job];
  out.start_s = now;
  out.expected_end_s = r.end_s;
  events_.schedule_at(r.end_s, [this, r] { complete(r); });
}

void SiteRuntime::complete(Running r) {
  Cluster& c = clusters_[r.cluster];
  running_.erase(r);
  c.running_gpu_end_s -= r.gpus * r.end_s;
  c.free_gpus += r.gpus;
  // Subtracting leaves rounding residue; with no training running only inference remains.
  const double remaining = running_.empty() ? inference_.dynamic_w : dynamic_power_w_ - r.dynamic_w;
  set_dynamic_power(remaining, -r.gpus);
  TaskOutcome& out = outcomes_[r.job];
  out.end_s = r.end_s;
  out.energy_mwh = r.server_w * spec_.pue * static_cast<double>(r.end_s - r.start_s) / kWsPerMwh;
  schedule();
}

// The shadow time of a blocked cluster head: walk the site's running tasks in end order,
// adding back the GPUs of its cluster and the power of all, until both suffice.
SiteRuntime::Reservation SiteRuntime::reserve(size_t cluster, const Waiting& head) const {
  const double limit_dynamic_w = grid_limit_w() * (1.0 + kGridTolerance) / spec_.pue - idle_it_power_w_;
  const double need_w = task_dynamic_power_w(cluster, head.task);
  int64_t free_gpus = clusters_[cluster].free_gpus;
  double headroom_w = limit_dynamic_w - dynamic_power_w_;
  core::Seconds shadow_s = events_.now();
  auto satisfied = [&] { return free_gpus >= head.task.gpus && headroom_w >= need_w; };
  // Inference's GPUs and power this hour are released at the hour's end (they may be taken
  // again then, inference first; a reservation cannot see the next hour's routing).
  const core::Seconds inference_end = hour_end();
  bool inference_released = inference_.gpus.empty();
  auto release_inference = [&] {
    if (cluster < inference_.gpus.size()) free_gpus += inference_.gpus[cluster];
    headroom_w += inference_.dynamic_w;
    shadow_s = std::max(shadow_s, inference_end);
    inference_released = true;
  };
  for (auto it = running_.begin(); it != running_.end() && !satisfied(); ++it) {
    if (!inference_released && it->end_s > inference_end) {
      release_inference();
      if (satisfied()) break;
    }
    if (it->cluster == cluster) free_gpus += it->gpus;
    headroom_w += it->dynamic_w;
    shadow_s = it->end_s;
  }
  if (!satisfied() && !inference_released) release_inference();
  if (!satisfied()) return Reservation{cluster, INT64_MAX, 0, 0.0};  // cannot happen for a placed task
  return Reservation{cluster, shadow_s, free_gpus - head.task.gpus, headroom_w - need_w};
}

// One scheduling pass over the whole site. Waiting tasks are visited in arrival order
// (merging the cluster queues). A task starts if its GPUs and the grid headroom are free
// now and it respects every reservation made so far in the pass. The first task of a
// cluster queue that cannot start (a blocked head) makes a reservation: later tasks that
// would still run at its shadow time must fit in the GPUs (same cluster) and power it leaves
// spare. So the oldest blocked task starts by its shadow time at the latest, whatever limits
// it (GPUs or power). At most backfill_depth tasks that are not at the head of their queue
// are examined per pass.
void SiteRuntime::schedule() {
  const core::Seconds now = events_.now();
  std::vector<Reservation> reservations;
  std::vector<std::list<Waiting>::iterator> cursor;
  cursor.reserve(clusters_.size());
  for (Cluster& c : clusters_) cursor.push_back(c.waiting.begin());
  std::vector<bool> reserved(clusters_.size(), false);
  size_t examined = 0;
  for (;;) {
    size_t best = clusters_.size();
    for (size_t c = 0; c < clusters_.size(); ++c) {
      if (cursor[c] != clusters_[c].waiting.end() &&
          (best == clusters_.size() || cursor[c]->arrival < cursor[best]->arrival)) {
        best = c;
      }
    }
    if (best == clusters_.size()) break;
    Cluster& c = clusters_[best];
    const auto it = cursor[best];
    const bool is_head = it == c.waiting.begin();
    if (!is_head) {
      if (examined >= backfill_depth_) {
        cursor[best] = c.waiting.end();  // no more backfill candidates from this queue
        continue;
      }
      ++examined;
    }
    const double dynamic_w = task_dynamic_power_w(best, it->task);
    const core::Seconds end_s = now + it->duration_s;
    bool can_start = it->task.gpus <= c.free_gpus && fits_grid(dynamic_w);
    for (const Reservation& r : reservations) {
      if (!can_start || end_s <= r.shadow_s) continue;
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
    if (is_head && !reserved[best]) {
      reservations.push_back(reserve(best, *it));
      reserved[best] = true;
    }
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
  for (size_t c = 0; c < clusters_.size() && c < inference_.gpus.size(); ++c)
    clusters_[c].free_gpus += inference_.gpus[c];
  if (inference_.dynamic_w != 0.0) {
    set_dynamic_power(running_.empty() ? 0.0 : dynamic_power_w_ - inference_.dynamic_w, 0);
  }
  inference_ = InferenceHour{};
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

InferenceHour SiteRuntime::assign_inference(double queries, const InferenceModel& model) {
  InferenceHour hour;
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
  inference_ = hour;
  schedule();  // training on what inference left
  return hour;
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
  out.gpus_busy_inference = inference_.gpus_total;
  out.inference_queries = inference_.queries;
  out.inference_energy_mwh =
      (inference_.floor_w + inference_.dynamic_w) * static_cast<double>(core::kSecondsPerHour) * spec_.pue / kWsPerMwh;
  dynamic_energy_ws_ = 0.0;
  busy_gpu_s_ = 0.0;
  return out;
}

void SiteRuntime::finish(core::Seconds horizon_s) {
  for (const Running& r : running_) {
    TaskOutcome& out = outcomes_[r.job];
    // A task due to end exactly at the horizon has completed (run_hour stops before it).
    if (r.end_s <= horizon_s) out.end_s = r.end_s;
    const core::Seconds ran = std::min(horizon_s, r.end_s) - r.start_s;
    out.energy_mwh = r.server_w * spec_.pue * static_cast<double>(ran) / kWsPerMwh;
  }
}

}  // namespace fleetsim::fleet
