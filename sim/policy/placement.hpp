#pragma once
// Global placement of training jobs at hour boundaries: decisions only. The fleet
// (fleet::SiteRuntime) executes them. A policy sees the sites' state at the start of the
// hour and the jobs submitted during it.

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
