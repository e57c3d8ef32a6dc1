#pragma once
// Training jobs as submitted: what the workload asks for, before any placement.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace fleetsim::workload {

enum class JobSource { kListed, kSynthetic, kTrace };
const char* to_string(JobSource source);

// What a scheduling policy may do with a job's timing (docs/policies.md): nothing (it runs
// as soon as it can), hold it back before it starts, or also pause it at hour boundaries
// (each pause costs `checkpoint_s` of extra run time at the job's power).
enum class Flexibility { kNone, kDeferrable, kInterruptible };
const char* to_string(Flexibility flexibility);

struct TrainingJob {
  std::string name;
  int64_t gpus = 1;
  std::string gpu_type;  // empty: any GPU type
  // Run time, s: on `gpu_type` when one is given, else on a GPU of training throughput 1
  // (the A100 reference); on another type it scales with 1 / training_throughput.
  core::Seconds duration_s = 0;
  core::Seconds submit_s = 0;                // from the scenario start
  std::optional<core::Seconds> deadline_s;   // from the scenario start
  double utilization = 1.0;                  // GPU utilisation while running, (0, 1]
  std::vector<std::string> allowed_regions;  // empty: any region
  JobSource source = JobSource::kListed;
  Flexibility flexibility = Flexibility::kNone;
  core::Seconds checkpoint_s = 360;  // extra run time per pause and resume (save + restore)
};

// Sorts jobs by submit_s; jobs submitted at the same second keep their order (listed jobs,
// then synthetic generators in order, then traces), so job ids are deterministic.
void sort_by_submit(std::vector<TrainingJob>& jobs);

}  // namespace fleetsim::workload
