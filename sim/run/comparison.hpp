#pragma once
// A run against its baseline (`fleetsim run --baseline fifo`): the same scenario and seed
// under another policy, compared figure by figure.

#include <limits>
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
  // The share of the attainable saving reached: (baseline - policy) / (baseline - bound), the
  // bound being the clairvoyant one (job_emissions_bound_t), against a carbon-agnostic baseline
  // (one without a bound of its own). NaN otherwise and for other figures.
  double attainable = std::numeric_limits<double>::quiet_NaN();
  std::string description;
};

// The figures a carbon-aware policy is judged by, in a fixed order: emissions, CFE score,
// energy, job delay, deadline misses, checkpoint overhead, power capping.
std::vector<ComparisonRow> compare(const RunResult& policy, const RunResult& baseline);
// The same from stored summaries (a run file's /summary and /baseline); figures missing from
// either are left out.
std::vector<ComparisonRow> compare(const std::vector<SummaryItem>& policy, const std::vector<SummaryItem>& baseline);

}  // namespace fleetsim::run
