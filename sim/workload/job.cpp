#include "workload/job.hpp"

#include <algorithm>
#include <utility>
#include <vector>

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
  // a stable sort of (submit time, index) pairs, then each job moved once: the jobs (names,
  // strings, vectors) are far larger than the keys
  std::vector<std::pair<core::Seconds, size_t>> keys(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) keys[i] = {jobs[i].submit_s, i};
  std::sort(keys.begin(), keys.end());  // the index breaks ties: stable
  std::vector<TrainingJob> sorted;
  sorted.reserve(jobs.size());
  for (const auto& key : keys) sorted.push_back(std::move(jobs[key.second]));
  jobs = std::move(sorted);
}

}  // namespace fleetsim::workload
