#pragma once
// Global placement of training jobs at hour boundaries: decisions only. The fleet
// (fleet::SiteRuntime) executes them. A policy sees the sites' state at the start of the
// hour and the jobs submitted during it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fleet/gpu_catalog.hpp"
#include "fleet/site.hpp"
#include "workload/job.hpp"

namespace fleetsim::policy {

enum class RejectReason {
  kNoCompatibleCluster,  // no cluster of the job's GPU type in its allowed regions
  kTooLarge,             // more GPUs than any compatible cluster has
  kOverGridLimit,        // even on an idle site its power would exceed the grid limit
  kNotInService,         // compatible clusters exist, but none is in service (commissioned, not retired) now
};
const char* to_string(RejectReason reason);

struct Placement {
  size_t site = 0;
  size_t cluster = 0;
};

struct PlacementDecision {
  std::optional<Placement> placement;
  RejectReason reason = RejectReason::kNoCompatibleCluster;  // when no placement
};

struct FleetView {
  std::span<const fleet::SiteRuntime> sites;
  const fleet::GpuCatalog* catalog = nullptr;
  std::span<const std::string> region_names;
};

// First fit (docs/models.md, "Placement"): scan sites in scenario order and their clusters
// in declared order; take the first compatible cluster that can start the job now (enough
// uncommitted GPUs and grid headroom). If none can, queue it on the compatible cluster with
// the smallest backlog (GPU-seconds queued or still running per GPU), earliest in order on
// ties. The placement of the `fifo` policy.
PlacementDecision first_fit(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet);

// An index of the fleet's training clusters by their uncommitted GPUs (docs/performance.md,
// "Placement"): a max segment tree over the clusters in scenario order (site by site, clusters
// in declared order), one for all clusters and one per GPU type, so that first fit finds the
// first cluster with enough GPUs in O(log clusters) instead of scanning every cluster. Its
// values are refreshed from the sites at the first query of each hour that uses the tree (a
// fleet whose jobs name no GPU type never refreshes the per-type trees); within the hour the
// fleet changes only by placements (a task queued on a cluster commits its GPUs: a value only
// falls), which it reads back from that cluster into the refreshed trees before the next query
// so as not to visit full clusters again. Each node also keeps the most grid headroom (site.grid_headroom_w()) of its
// clusters' sites, and a query skips subtrees without room for the job's least possible
// dynamic power (its GPUs at the least per-GPU power of the types it may use), so that clusters
// with free GPUs on sites at their grid limit are not visited one by one. A job limited to
// regions with few sites (64 by default) scans just those sites instead. A value is never
// below the cluster's true one, and every cluster it finds passes first fit's own checks
// again, so the result is first fit's exactly (tested against the scan on random fleets).
class FreeGpuIndex {
 public:
  // scan_sites: a job limited to regions with at most this many sites scans them (tests set 0)
  explicit FreeGpuIndex(size_t scan_sites = 64) : scan_sites_(scan_sites) {}
  // The first cluster in scenario order that can start the job now (first fit's first pass),
  // or none. `hour` is the decision hour.
  std::optional<Placement> first_start_now(const workload::TrainingJob& job, const fleet::Task& task,
                                           const FleetView& fleet, int64_t hour);
  // Call with each placement taken from first_start_now or otherwise made on the fleet within
  // the hour (its cluster's value is read again before the next query).
  void placed(const Placement& placement) {
    if (dirty_.size() >= kMaxDirty) {  // not queried for long: read every cluster at the next query
      hour_ = -1;
      dirty_.clear();
    }
    if (hour_ >= 0) dirty_.push_back(placement);
  }

 private:
  struct Tree {                       // a max segment tree over some clusters, in scenario order
    std::vector<Placement> clusters;  // leaf i's cluster
    std::vector<int64_t> max;         // 2 x leaves: node values; leaves at [leaves, 2 x leaves)
    std::vector<double> headroom;     // the same for the site's grid headroom, W
    size_t leaves = 0;                // a power of two >= clusters.size()
    bool fresh = false;               // read from the fleet this hour (else before its next query)
    void set(size_t leaf, int64_t value, double headroom_w);
  };
  // The leaves of a tree whose value is >= at_least and whose headroom is >= need_w, left to
  // right: a depth-first descent that skips subtrees whose maxima are too small, resumed where
  // it found the last leaf (so a job whose candidate fails a later check does not descend from
  // the root again). Node n of the tree is a leaf when n >= leaves.
  class Search {
   public:
    Search(const Tree& tree, int64_t at_least, double need_w);
    size_t next();  // the next such leaf (SIZE_MAX: no more)

   private:
    const Tree* tree_;
    int64_t at_least_;
    double need_w_;
    size_t stack_[128];  // nodes still to visit, the next on top: at most 2 per level
    size_t top_ = 0;
  };
  void build(const FleetView& fleet);
  void refresh(const FleetView& fleet, Tree& tree);
  void update(const FleetView& fleet, size_t site);
  static int64_t value(const FleetView& fleet, const Placement& p);

  Tree all_;
  std::vector<Tree> by_type_;                      // per GPU type index of the catalog
  std::vector<std::vector<size_t>> leaf_all_;      // per site, per cluster: its leaf in all_
  std::vector<std::vector<size_t>> leaf_by_type_;  // per site, per cluster: its leaf in its type's tree
  size_t sites_ = SIZE_MAX;
  int64_t hour_ = -1;
  std::vector<Placement> dirty_;
  std::vector<double> headroom_w_;                 // refresh's buffer: each site's grid headroom
  std::vector<std::vector<size_t>> region_sites_;  // per region: its sites, in scenario order
  std::vector<size_t> allowed_sites_;              // a region-limited job's sites (a buffer)
  static constexpr size_t kMaxDirty = 4096;
  size_t scan_sites_;  // a region-limited job with at most this many sites: a scan
};

// First fit with the index for its first pass (the same result as first_fit).
PlacementDecision first_fit(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                            FreeGpuIndex& index, int64_t hour);

// The first cluster of the given sites (in that order) that can start the job now, with the
// checks of first fit; none if no such cluster.
std::optional<Placement> start_now_in(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                                      std::span<const size_t> sites);

// Every cluster the job may use (allowed region, GPU type, not an inference pool, large
// enough, within the grid limit on an idle site), in scenario order, with whether it can
// start the job now and its backlog (the quantity first fit compares). When there is none,
// `reason` says why.
struct Candidate {
  size_t site = 0;
  size_t cluster = 0;
  bool can_start_now = false;
  double backlog_s = 0.0;  // includes the shared-cluster penalty of first fit
};
struct CandidateScan {
  std::vector<Candidate> candidates;
  RejectReason reason = RejectReason::kNoCompatibleCluster;
};
void scan_candidates(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet,
                     CandidateScan& scan);

}  // namespace fleetsim::policy
