#include "run/comparison.hpp"

#include <cmath>
#include <limits>

namespace fleetsim::run {
namespace {

// The figures a carbon-aware policy is judged by, in a fixed order.
const char* const kNames[] = {
    "emissions_location_t",
    "emissions_market_hourly_t",
    "emissions_market_annual_t",
    "job_emissions_location_t",
    "job_emissions_bound_t",
    "cfe_score",
    "facility_energy_mwh",
    "job_energy_mwh",
    "mean_wait_h",
    "mean_delay_h",
    "p95_delay_h",
    "jobs_completed",
    "jobs_deadline_missed",
    "jobs_running_at_end",
    "jobs_waiting_at_end",
    "jobs_held",
    "pauses",
    "checkpoint_hours",
    "checkpoint_energy_mwh",
    "power_capped_site_hours",
};

}  // namespace

std::vector<ComparisonRow> compare(const RunResult& policy, const RunResult& baseline) {
  return compare(policy.summary, baseline.summary);
}

std::vector<ComparisonRow> compare(const std::vector<SummaryItem>& policy, const std::vector<SummaryItem>& baseline) {
  auto find = [](const std::vector<SummaryItem>& items, const char* name) -> const SummaryItem* {
    for (const SummaryItem& item : items) {
      if (item.name == name) return &item;
    }
    return nullptr;
  };
  std::vector<ComparisonRow> rows;
  for (const char* name : kNames) {
    const SummaryItem* p = find(policy, name);
    const SummaryItem* b = find(baseline, name);
    if (p == nullptr || b == nullptr) continue;
    ComparisonRow row;
    row.name = name;
    row.policy = p->value;
    row.baseline = b->value;
    row.difference = row.policy - row.baseline;
    row.relative =
        row.baseline != 0.0 ? row.difference / std::fabs(row.baseline) : std::numeric_limits<double>::quiet_NaN();
    row.description = p->description;
    // The share of the attainable saving, against a carbon-agnostic baseline (one that computes
    // no bound of its own, e.g. fifo): against a carbon-aware one (optimal) it means nothing.
    if (row.name == "job_emissions_location_t" && find(baseline, "job_emissions_bound_t") == nullptr) {
      const SummaryItem* bound = find(policy, "job_emissions_bound_t");
      if (bound != nullptr && row.baseline - bound->value > 0.0) {
        row.attainable = (row.baseline - row.policy) / (row.baseline - bound->value);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace fleetsim::run
