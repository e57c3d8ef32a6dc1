#pragma once
// Global placement of training jobs at hour boundaries: decisions only. The fleet
// (fleet::SiteRuntime) executes them. A policy sees the sites' state at the start of the
// hour and the jobs submitted during it.

#include <memory>
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

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string name() const = 0;
  virtual PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task,
                                  const FleetView& fleet) = 0;
};

// First fit (docs/models.md, "Placement"): scan sites in scenario order and their clusters
// in declared order; take the first compatible cluster that can start the job now (enough
// uncommitted GPUs and grid headroom). If none can, queue it on the compatible cluster with
// the smallest backlog (GPU-seconds queued or still running per GPU), earliest in order on
// ties.
class FirstFitPolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "first_fit"; }
  PlacementDecision place(const workload::TrainingJob& job, const fleet::Task& task, const FleetView& fleet) override;
};

// The policies known by name; nullptr for an unknown name.
std::unique_ptr<PlacementPolicy> make_placement_policy(const std::string& name);
std::vector<std::string> placement_policy_names();

}  // namespace fleetsim::policy
