#include "workload/deadline.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace fleetsim::workload {
namespace {
constexpr core::Seconds kMaxUtcOffsetS = 14 * core::kSecondsPerHour;
}  // namespace

const char* to_string(DeadlineRuleKind kind) {
  switch (kind) {
    case DeadlineRuleKind::kSlack:
      return "slack";
    case DeadlineRuleKind::kAfter:
      return "after";
    case DeadlineRuleKind::kNextWorkday:
      return "next_workday";
  }
  return "unknown";
}

bool parse_deadline_rule_kind(const std::string& name, DeadlineRuleKind& kind) {
  for (DeadlineRuleKind k : {DeadlineRuleKind::kSlack, DeadlineRuleKind::kAfter, DeadlineRuleKind::kNextWorkday}) {
    if (name == to_string(k)) {
      kind = k;
      return true;
    }
  }
  return false;
}

void check_deadline_rule(const DeadlineRule& rule) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument("deadline: " + what); };
  switch (rule.kind) {
    case DeadlineRuleKind::kSlack:
      if (!(std::isfinite(rule.slack) && rule.slack >= 1.0))
        fail("slack = " + std::to_string(rule.slack) + " must be >= 1");
      return;
    case DeadlineRuleKind::kAfter:
      if (rule.after_s <= 0) fail("after_s = " + std::to_string(rule.after_s) + " must be > 0");
      return;
    case DeadlineRuleKind::kNextWorkday: {
      if (rule.at_s < 0 || rule.at_s >= core::kSecondsPerDay) {
        fail("at_s = " + std::to_string(rule.at_s) + " must be in [0, 86400)");
      }
      if (rule.until_s < rule.at_s || rule.until_s >= core::kSecondsPerDay) {
        fail("until_s = " + std::to_string(rule.until_s) + " must be in [at_s, 86400)");
      }
      if (rule.utc_offset_s < -kMaxUtcOffsetS || rule.utc_offset_s > kMaxUtcOffsetS) {
        fail("utc_offset_s = " + std::to_string(rule.utc_offset_s) + " must be within +-14 h");
      }
      bool any = false;
      for (bool w : rule.workdays) any = any || w;
      if (!any) fail("next_workday needs at least one workday");
      return;
    }
  }
}

// The rule, units and source are in the header's comment. For next_workday, local instants
// are written as seconds of a UTC-like scale shifted by the offset, so the calendar helpers
// of core/time.hpp (day, second of day, weekday) apply to them directly.
core::Seconds job_deadline_s(const DeadlineRule& rule, core::Seconds submit_s, core::Seconds run_s) {
  switch (rule.kind) {
    case DeadlineRuleKind::kSlack:
      return submit_s + std::llround(rule.slack * static_cast<double>(run_s));
    case DeadlineRuleKind::kAfter:
      return submit_s + rule.after_s;
    case DeadlineRuleKind::kNextWorkday: {
      const core::Seconds finish_s = submit_s + run_s;                             // F
      const core::Seconds local_shift_s = rule.start_epoch_s + rule.utc_offset_s;  // run time -> local
      const core::Seconds local_s = finish_s + local_shift_s;                      // L
      const core::Seconds time_of_day_s = core::second_of_day(local_s);
      const auto workday = [&](int64_t day) {
        return rule.workdays[static_cast<size_t>(core::weekday_of(day * core::kSecondsPerDay))];
      };
      int64_t day = core::day_of(local_s);
      if (workday(day) && time_of_day_s >= rule.at_s && time_of_day_s <= rule.until_s) return finish_s;
      // the first `at` after L: today's if L is before it, else tomorrow's; then the first workday
      if (time_of_day_s >= rule.at_s) ++day;
      for (int i = 0; i < core::kDaysPerWeek && !workday(day); ++i) ++day;
      return day * core::kSecondsPerDay + rule.at_s - local_shift_s;
    }
  }
  return submit_s;
}

}  // namespace fleetsim::workload
