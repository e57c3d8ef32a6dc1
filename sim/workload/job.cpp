#include "workload/job.hpp"

#include <algorithm>

namespace fleetsim::workload {

const char* to_string(JobSource source) {
  switch (source) {
    case JobSource::kListed:
      return "listed";
    case JobSource::kSynthetic:
      return "synthetic";
    case JobSource::kTrace:
      return "trace";
  }
  return "unknown";
}

const char* to_string(Flexibility flexibility) {
  switch (flexibility) {
    case Flexibility::kNone:
      return "none";
    case Flexibility::kDeferrable:
      return "deferrable";
    case Flexibility::kInterruptible:
      return "interruptible";
  }
  return "unknown";
}

void sort_by_submit(std::vector<TrainingJob>& jobs) {
  const auto earlier = [](const TrainingJob& a, const TrainingJob& b) { return a.submit_s < b.submit_s; };
  if (std::is_sorted(jobs.begin(), jobs.end(), earlier)) return;  // one source is already in order
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const TrainingJob& a, const TrainingJob& b) { return a.submit_s < b.submit_s; });
}

}  // namespace fleetsim::workload
