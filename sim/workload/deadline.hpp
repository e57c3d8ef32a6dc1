#pragma once
// Job deadlines (docs/models.md, "Deadlines"): one rule per job source, computed when a job is
// made (listed jobs, synthetic generators, trace rows without a deadline of their own).
// Times are seconds from the run start unless a name says otherwise; F = submit + run time is
// the job's earliest possible finish (run time: on its own GPU type, or an A100-equivalent).
//   slack         deadline = submit + round(slack x run time)             (slack >= 1)
//   after         deadline = submit + after_s                             (after_s > 0)
//   next_workday  "results are needed when people are at work" (Wiesner et al., "Let's Wait
//                 Awhile: how temporal workload shifting can reduce carbon emissions in the
//                 cloud", Middleware 2021, scenario II): with L = F in local time
//                 (UTC + utc_offset_s, fixed, no daylight saving), the deadline is F itself when
//                 L is on a workday with at_s <= time of day(L) <= until_s (both inclusive);
//                 otherwise it is the first instant after F that is a workday at at_s local
//                 time. (Let's Wait Awhile's own code adds one day to a Friday finish after
//                 17:00, giving Saturday 09:00; here it is the next workday, Monday.)

#include <array>
#include <string>

#include "core/time.hpp"

namespace fleetsim::workload {

enum class DeadlineRuleKind { kSlack, kAfter, kNextWorkday };
const char* to_string(DeadlineRuleKind kind);
// false for an unknown name
bool parse_deadline_rule_kind(const std::string& name, DeadlineRuleKind& kind);

struct DeadlineRule {
  DeadlineRuleKind kind = DeadlineRuleKind::kSlack;
  double slack = 1.0;         // slack: deadline = submit + slack x run time, >= 1
  core::Seconds after_s = 0;  // after: deadline = submit + after_s, > 0
  // next_workday: local times of day, s after midnight, 0 <= at_s <= until_s < 86,400
  core::Seconds at_s = 9 * core::kSecondsPerHour;
  core::Seconds until_s = 9 * core::kSecondsPerHour;
  std::array<bool, core::kDaysPerWeek> workdays{true, true, true, true, true, false, false};  // Monday..Sunday
  core::Seconds utc_offset_s = 0;   // next_workday: local time = UTC + offset, |offset| <= 14 h
  core::Seconds start_epoch_s = 0;  // next_workday: the UTC instant of run time 0 (the scenario start)
};

// Checks ranges; throws std::invalid_argument naming the field and value.
void check_deadline_rule(const DeadlineRule& rule);

// The deadline, s from the run start, of a job submitted at submit_s (s from the run start)
// whose run time is run_s (> 0). The rule must pass check_deadline_rule.
core::Seconds job_deadline_s(const DeadlineRule& rule, core::Seconds submit_s, core::Seconds run_s);

}  // namespace fleetsim::workload
