#include "workload/job.hpp"

#include <algorithm>
#include <cstddef>
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

namespace {
// Most ascending runs merged in place; a list of more is sorted by its keys instead.
constexpr size_t kMergedRuns = 16;
}  // namespace

void sort_by_submit(std::vector<TrainingJob>& jobs) {
  const auto earlier = [](const TrainingJob& a, const TrainingJob& b) { return a.submit_s < b.submit_s; };
  // Each generator's jobs, and usually each trace's, are in order already: the list is then a
  // few ascending runs, merged pairwise in place (std::inplace_merge is stable and reads and
  // writes in sequence, with a buffer the size of the shorter run).
  std::vector<size_t> bounds{0};
  for (size_t i = 1; i < jobs.size() && bounds.size() <= kMergedRuns; ++i) {
    if (earlier(jobs[i], jobs[i - 1])) bounds.push_back(i);
  }
  if (bounds.size() <= kMergedRuns) {
    bounds.push_back(jobs.size());
    while (bounds.size() > 2) {  // bounds[r] .. bounds[r + 1] is run r
      std::vector<size_t> merged{0};
      for (size_t r = 0; r + 2 < bounds.size(); r += 2) {
        const auto at = [&](size_t k) { return jobs.begin() + static_cast<std::ptrdiff_t>(bounds[k]); };
        std::inplace_merge(at(r), at(r + 1), at(r + 2), earlier);
        merged.push_back(bounds[r + 2]);
      }
      if (bounds.size() % 2 == 0) merged.push_back(bounds.back());  // an odd run out, as it is
      bounds = std::move(merged);
    }
    return;
  }
  // Else a stable sort of (submit time, index) pairs, then each job moved once: the jobs
  // (names, strings, vectors) are far larger than the keys.
  std::vector<std::pair<core::Seconds, size_t>> keys(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) keys[i] = {jobs[i].submit_s, i};
  std::sort(keys.begin(), keys.end());  // the index breaks ties: stable
  std::vector<TrainingJob> sorted;
  sorted.reserve(jobs.size());
  for (const auto& key : keys) sorted.push_back(std::move(jobs[key.second]));
  jobs = std::move(sorted);
}

}  // namespace fleetsim::workload
