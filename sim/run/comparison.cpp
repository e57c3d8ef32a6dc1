#include "run/comparison.hpp"

#include <cmath>
#include <limits>

namespace fleetsim::run {

std::vector<ComparisonRow> compare(const RunResult& policy, const RunResult& baseline) {
  static const char* const kNames[] = {
      "emissions_location_t",
      "emissions_market_hourly_t",
      "emissions_market_annual_t",
      "job_emissions_location_t",
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
  std::vector<ComparisonRow> rows;
  for (const char* name : kNames) {
    ComparisonRow row;
    row.name = name;
    row.policy = policy.summary_value(name);
    row.baseline = baseline.summary_value(name);
    row.difference = row.policy - row.baseline;
    row.relative =
        row.baseline != 0.0 ? row.difference / std::fabs(row.baseline) : std::numeric_limits<double>::quiet_NaN();
    for (const SummaryItem& item : policy.summary) {
      if (item.name == name) row.description = item.description;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace fleetsim::run
