#include "policy/placement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "fleet/power.hpp"

namespace fleetsim::policy {
namespace {
// Added to the backlog of a shared cluster whose inference leaves the job too few GPUs.
constexpr double kBlockedByInferencePenaltyS = 1e12;
}  // namespace

const char* to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNoCompatibleCluster:
      return "no_compatible_cluster";
    case RejectReason::kTooLarge:
      return "larger_than_any_cluster";
    case RejectReason::kOverGridLimit:
      return "over_grid_limit";
    case RejectReason::kNotInService:
      return "no_cluster_in_service";
  }
  return "unknown";
}

namespace {
bool region_allowed(const workload::TrainingJob& job, const FleetView& fleet, const fleet::SiteRuntime& site) {
  return job.allowed_regions.empty() || std::find(job.allowed_regions.begin(), job.allowed_regions.end(),
                                                  fleet.region_names[site.spec().region]) != job.allowed_regions.end();
}

double backlog_with_penalty(const fleet::SiteRuntime& site, size_t c, const fleet::Task& task) {
  double backlog_s = site.backlog_s(c);
  // A shared cluster whose inference leaves too few GPUs for the job may stay blocked for as
  // long as inference keeps them (it comes first every hour): a last resort only.
  if (site.role(c) == fleet::ClusterRole::kShared && task.gpus > site.total_gpus(c) - site.inference_gpus(c)) {
    backlog_s += kBlockedByInferencePenaltyS;
  }
  return backlog_s;
}

// Non-flexible work (Task::priority 0) sees the GPUs no queued task claims; flexible work under a
// timing policy also counts the claims of held tasks that must start while it would run, so that
// it is not piled onto clusters whose coming hours are already planned (docs/policies.md,
// "Capacity").
bool can_start_now(const fleet::SiteRuntime& site, size_t c, const fleet::Task& task, double dynamic_w) {
  const int64_t free =
      task.priority == 0 ? site.uncommitted_gpus(c) : site.unclaimed_gpus(c, task.submit_s + site.duration_s(c, task));
  return free >= task.gpus && site.within_grid_limit(site.committed_dynamic_power_w() + dynamic_w);
}

// Whether a cluster could ever take the job (the checks of first fit, in order).
enum class Fit { kIncompatible, kNotInService, kTooLarge, kOverGridLimit, kFits };

Fit fit(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
        const fleet::SiteRuntime& site, size_t c, double& dynamic_w) {
  if (site.role(c) == fleet::ClusterRole::kInference) return Fit::kIncompatible;
  if (!job.gpu_type.empty() && fleet.catalog->at(site.gpu_type(c)).name != job.gpu_type) return Fit::kIncompatible;
  if (site.total_gpus(c) == 0) return Fit::kNotInService;
  if (task.gpus > site.total_gpus(c)) return Fit::kTooLarge;
  dynamic_w = site.task_dynamic_power_w(c, task);
  // too much power even on an idle site
  return site.fits_when_idle(dynamic_w) ? Fit::kFits : Fit::kOverGridLimit;
}

// Why no cluster fits: the furthest any cluster got through the checks.
struct Rejections {
  bool any_compatible = false;
  bool any_in_service = false;
  bool any_large_enough = false;
  void note(Fit f) {
    any_compatible = any_compatible || f != Fit::kIncompatible;
    any_in_service = any_in_service || (f != Fit::kIncompatible && f != Fit::kNotInService);
    any_large_enough = any_large_enough || f == Fit::kOverGridLimit || f == Fit::kFits;
  }
  RejectReason reason() const {
    return !any_compatible     ? RejectReason::kNoCompatibleCluster
           : !any_in_service   ? RejectReason::kNotInService
           : !any_large_enough ? RejectReason::kTooLarge
                               : RejectReason::kOverGridLimit;
  }
};
}  // namespace

PlacementDecision first_fit(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet) {
  Rejections rejections;
  std::optional<Placement> least_backlog;
  double best_backlog_s = std::numeric_limits<double>::infinity();
  for (size_t s = 0; s < fleet.sites.size(); ++s) {
    const fleet::SiteRuntime& site = fleet.sites[s];
    if (!region_allowed(job, fleet, site)) continue;
    for (size_t c = 0; c < site.clusters(); ++c) {
      double dynamic_w = 0.0;
      const Fit f = fit(job, task, fleet, site, c, dynamic_w);
      rejections.note(f);
      if (f != Fit::kFits) continue;
      if (can_start_now(site, c, task, dynamic_w))
        return PlacementDecision{Placement{s, c}, RejectReason::kNoCompatibleCluster};
      const double backlog_s = backlog_with_penalty(site, c, task);
      if (backlog_s < best_backlog_s) {
        best_backlog_s = backlog_s;
        least_backlog = Placement{s, c};
      }
    }
  }
  if (least_backlog) return PlacementDecision{least_backlog, RejectReason::kNoCompatibleCluster};
  return PlacementDecision{std::nullopt, rejections.reason()};
}

// -- FreeGpuIndex

void FreeGpuIndex::Tree::set(size_t leaf, int64_t value, double headroom_w) {
  size_t i = leaves + leaf;
  max[i] = value;
  headroom[i] = headroom_w;
  for (i /= 2; i >= 1; i /= 2) {
    max[i] = std::max(max[2 * i], max[2 * i + 1]);
    headroom[i] = std::max(headroom[2 * i], headroom[2 * i + 1]);
  }
}

FreeGpuIndex::Search::Search(const Tree& tree, int64_t at_least, double need_w)
    : tree_(&tree), at_least_(at_least), need_w_(need_w) {
  if (!tree.clusters.empty()) stack_[top_++] = 1;  // the root
}

size_t FreeGpuIndex::Search::next() {
  const Tree& t = *tree_;
  while (top_ > 0) {
    const size_t node = stack_[--top_];
    if (t.max[node] < at_least_ || t.headroom[node] < need_w_) continue;
    if (node >= t.leaves) return node - t.leaves;
    stack_[top_++] = 2 * node + 1;  // right after left
    stack_[top_++] = 2 * node;
  }
  return SIZE_MAX;
}

int64_t FreeGpuIndex::value(const FleetView& fleet, const Placement& p) {
  const fleet::SiteRuntime& site = fleet.sites[p.site];
  // an inference pool never takes training: below any job's size
  return site.role(p.cluster) == fleet::ClusterRole::kInference ? -1 : site.uncommitted_gpus(p.cluster);
}

void FreeGpuIndex::build(const FleetView& fleet) {
  sites_ = fleet.sites.size();
  all_ = Tree{};
  by_type_.assign(fleet.catalog != nullptr ? fleet.catalog->types().size() : 0, Tree{});
  leaf_all_.assign(sites_, {});
  leaf_by_type_.assign(sites_, {});
  region_sites_.assign(fleet.region_names.size(), {});
  for (size_t s = 0; s < sites_; ++s) {
    const fleet::SiteRuntime& site = fleet.sites[s];
    if (site.spec().region < region_sites_.size()) region_sites_[site.spec().region].push_back(s);
    for (size_t c = 0; c < site.clusters(); ++c) {
      leaf_all_[s].push_back(all_.clusters.size());
      all_.clusters.push_back(Placement{s, c});
      Tree& typed = by_type_[site.gpu_type(c)];
      leaf_by_type_[s].push_back(typed.clusters.size());
      typed.clusters.push_back(Placement{s, c});
    }
  }
  auto size = [](Tree& t) {
    t.leaves = 1;
    while (t.leaves < t.clusters.size()) t.leaves *= 2;
    t.max.assign(2 * t.leaves, INT64_MIN);
    t.headroom.assign(2 * t.leaves, -std::numeric_limits<double>::infinity());
  };
  size(all_);
  for (Tree& t : by_type_) size(t);
}

void FreeGpuIndex::update(const FleetView& fleet, size_t site) {
  // a placement commits GPUs of its cluster and power of its whole site (trees not refreshed
  // this hour read every cluster at their next query)
  const fleet::SiteRuntime& s = fleet.sites[site];
  const double headroom_w = s.grid_headroom_w();
  for (size_t c = 0; c < s.clusters(); ++c) {
    const int64_t v = value(fleet, Placement{site, c});
    if (all_.fresh) all_.set(leaf_all_[site][c], v, headroom_w);
    Tree& typed = by_type_[s.gpu_type(c)];
    if (typed.fresh) typed.set(leaf_by_type_[site][c], v, headroom_w);
  }
}

void FreeGpuIndex::refresh(const FleetView& fleet, Tree& t) {
  // leaves first, then every inner node once
  headroom_w_.resize(fleet.sites.size());
  for (size_t s = 0; s < fleet.sites.size(); ++s) headroom_w_[s] = fleet.sites[s].grid_headroom_w();
  for (size_t i = 0; i < t.clusters.size(); ++i) {
    t.max[t.leaves + i] = value(fleet, t.clusters[i]);
    t.headroom[t.leaves + i] = headroom_w_[t.clusters[i].site];
  }
  for (size_t i = t.leaves; i-- > 1;) {
    t.max[i] = std::max(t.max[2 * i], t.max[2 * i + 1]);
    t.headroom[i] = std::max(t.headroom[2 * i], t.headroom[2 * i + 1]);
  }
  t.fresh = true;
}

std::optional<Placement> FreeGpuIndex::first_start_now(const workload::TrainingJob& job, const fleet::Task& task,
                                                       const FleetView& fleet, int64_t hour) {
  if (fleet.sites.size() != sites_ ||
      by_type_.size() != (fleet.catalog != nullptr ? fleet.catalog->types().size() : 0)) {
    build(fleet);
    hour_ = -1;
  }
  if (hour != hour_) {  // every tree is read again at its first query of the hour
    all_.fresh = false;
    for (Tree& t : by_type_) t.fresh = false;
    hour_ = hour;
    dirty_.clear();
  }
  for (const Placement& p : dirty_) update(fleet, p.site);
  dirty_.clear();
  // A job limited to a few regions: their sites scanned in scenario order (the index would
  // find clusters elsewhere first, one descent each).
  if (!job.allowed_regions.empty()) {
    allowed_sites_.clear();
    for (const std::string& name : job.allowed_regions) {
      for (size_t r = 0; r < fleet.region_names.size(); ++r) {
        if (fleet.region_names[r] == name && r < region_sites_.size())
          allowed_sites_.insert(allowed_sites_.end(), region_sites_[r].begin(), region_sites_[r].end());
      }
    }
    if (allowed_sites_.size() <= scan_sites_) {
      std::sort(allowed_sites_.begin(), allowed_sites_.end());
      allowed_sites_.erase(std::unique(allowed_sites_.begin(), allowed_sites_.end()), allowed_sites_.end());
      return start_now_in(job, task, fleet, allowed_sites_);
    }
  }
  Tree* tree = &all_;
  // the least dynamic power the job can add on any cluster of the tree, W
  double least_per_gpu_w = std::numeric_limits<double>::infinity();
  if (!job.gpu_type.empty()) {
    const std::optional<size_t> type = fleet.catalog->index_of(job.gpu_type);
    if (!type || *type >= by_type_.size()) return std::nullopt;
    tree = &by_type_[*type];
    least_per_gpu_w = fleet::dynamic_power_per_gpu_w(fleet.catalog->at(*type), task.utilization);
  } else if (fleet.catalog != nullptr) {
    for (const fleet::GpuType& type : fleet.catalog->types())
      least_per_gpu_w = std::min(least_per_gpu_w, fleet::dynamic_power_per_gpu_w(type, task.utilization));
  }
  // a bound only, with slack for rounding: no cluster the exact test accepts is skipped
  double need_w = -std::numeric_limits<double>::infinity();
  if (std::isfinite(least_per_gpu_w) && least_per_gpu_w > 0.0)
    need_w = static_cast<double>(task.gpus) * least_per_gpu_w * (1.0 - 1e-6) - 1e-3;
  if (!tree->fresh) refresh(fleet, *tree);
  for (Search search(*tree, task.gpus, need_w);;) {
    const size_t leaf = search.next();
    if (leaf == SIZE_MAX) return std::nullopt;
    const Placement p = tree->clusters[leaf];
    const fleet::SiteRuntime& site = fleet.sites[p.site];
    double dynamic_w = 0.0;
    if (region_allowed(job, fleet, site) && fit(job, task, fleet, site, p.cluster, dynamic_w) == Fit::kFits &&
        can_start_now(site, p.cluster, task, dynamic_w)) {
      return p;
    }
  }
}

PlacementDecision first_fit(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                            FreeGpuIndex& index, int64_t hour) {
  if (const std::optional<Placement> p = index.first_start_now(job, task, fleet, hour)) {
    index.placed(*p);
    return PlacementDecision{p, RejectReason::kNoCompatibleCluster};
  }
  // No cluster can start it now: first fit's second pass (least backlog), a scan.
  PlacementDecision decision = first_fit(job, task, fleet);
  if (decision.placement) index.placed(*decision.placement);
  return decision;
}

std::optional<Placement> start_now_in(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                                      std::span<const size_t> sites) {
  for (const size_t s : sites) {
    const fleet::SiteRuntime& site = fleet.sites[s];
    if (!region_allowed(job, fleet, site)) continue;
    for (size_t c = 0; c < site.clusters(); ++c) {
      double dynamic_w = 0.0;
      if (fit(job, task, fleet, site, c, dynamic_w) == Fit::kFits && can_start_now(site, c, task, dynamic_w)) {
        return Placement{s, c};
      }
    }
  }
  return std::nullopt;
}

void scan_candidates(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                     CandidateScan& scan) {
  scan.candidates.clear();
  Rejections rejections;
  for (size_t s = 0; s < fleet.sites.size(); ++s) {
    const fleet::SiteRuntime& site = fleet.sites[s];
    if (!region_allowed(job, fleet, site)) continue;
    for (size_t c = 0; c < site.clusters(); ++c) {
      double dynamic_w = 0.0;
      const Fit f = fit(job, task, fleet, site, c, dynamic_w);
      rejections.note(f);
      if (f != Fit::kFits) continue;
      const bool now = can_start_now(site, c, task, dynamic_w);
      scan.candidates.push_back(Candidate{s, c, now, now ? 0.0 : backlog_with_penalty(site, c, task)});
    }
  }
  scan.reason = rejections.reason();
}

}  // namespace fleetsim::policy
