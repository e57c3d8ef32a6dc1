#pragma once
// A run against its baseline (`fleetsim run --baseline fifo`): the same scenario and seed
// under another policy, compared figure by figure.

#include <string>
#include <vector>

#include "run/simulation.hpp"

namespace fleetsim::run {

struct ComparisonRow {
  std::string name;  // a summary item
  double policy = 0.0;
  double baseline = 0.0;
  double difference = 0.0;  // policy - baseline
  double relative = 0.0;    // difference / |baseline|; NaN when the baseline is 0
  std::string description;
};

// The figures a carbon-aware policy is judged by, in a fixed order: emissions, CFE score,
// energy, job delay, deadline misses, checkpoint overhead, power capping.
std::vector<ComparisonRow> compare(const RunResult& policy, const RunResult& baseline);
// The same from stored summaries (a run file's /summary and /baseline); figures missing from
// either are left out.
std::vector<ComparisonRow> compare(const std::vector<SummaryItem>& policy, const std::vector<SummaryItem>& baseline);

}  // namespace fleetsim::run
