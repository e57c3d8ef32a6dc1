// Deadline rules (workload/deadline.hpp): slack, after and the calendar rule next_workday,
// with expected values worked out by hand from a calendar.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "workload/deadline.hpp"
#include "workload/synthetic.hpp"
#include "workload/trace_reader.hpp"

using namespace fleetsim;
using workload::DeadlineRule;
using workload::DeadlineRuleKind;
using workload::job_deadline_s;

namespace {

constexpr core::Seconds kHour = core::kSecondsPerHour;
constexpr core::Seconds kDay = core::kSecondsPerDay;

core::Seconds utc(const char* text) {
  const auto t = core::parse_utc(text);
  REQUIRE(t);
  return *t;
}

// The run starts on Wednesday 2020-01-01 00:00 UTC; results are needed 09:00-17:00 local on
// Monday to Friday.
DeadlineRule office_hours(double utc_offset_h = 0.0) {
  DeadlineRule r;
  r.kind = DeadlineRuleKind::kNextWorkday;
  r.at_s = 9 * kHour;
  r.until_s = 17 * kHour;
  r.utc_offset_s = static_cast<core::Seconds>(utc_offset_h * static_cast<double>(kHour));
  r.start_epoch_s = utc("2020-01-01T00:00:00Z");
  return r;
}

// The deadline as a UTC timestamp, for a job submitted at a UTC time with a run time in hours.
std::string deadline_utc(const DeadlineRule& r, const char* submit_utc, double run_h) {
  const core::Seconds submit_s = utc(submit_utc) - r.start_epoch_s;
  const auto run_s = static_cast<core::Seconds>(run_h * static_cast<double>(kHour));
  return core::format_utc(r.start_epoch_s + job_deadline_s(r, submit_s, run_s));
}

}  // namespace

TEST_CASE("calendar helpers: day, second of day, weekday, HH:MM and day names", "[workload][deadline]") {
  CHECK(core::weekday_of(0) == 3);   // 1970-01-01: Thursday
  CHECK(core::weekday_of(-1) == 2);  // 1969-12-31 23:59:59: Wednesday
  CHECK(core::day_of(-1) == -1);     // floor, not truncation
  CHECK(core::second_of_day(-1) == kDay - 1);
  CHECK(core::weekday_of(utc("2020-01-03T14:00:00Z")) == 4);  // Friday
  CHECK(core::weekday_of(utc("2020-01-06T00:00:00Z")) == 0);  // Monday
  CHECK(core::weekday_of(utc("2024-02-29T23:59:59Z")) == 3);  // Thursday
  CHECK(core::second_of_day(utc("2020-01-03T14:05:06Z")) == 14 * kHour + 5 * 60 + 6);
  CHECK(core::parse_time_of_day("09:00") == 9 * kHour);
  CHECK(core::parse_time_of_day("00:00") == 0);
  CHECK(core::parse_time_of_day("23:59") == 23 * kHour + 59 * 60);
  for (const char* bad : {"24:00", "9:00", "09:60", "0900", "09:00:00", "-1:00", "+9:00", "ab:cd", ""}) {
    INFO(bad);
    CHECK_FALSE(core::parse_time_of_day(bad));
  }
  CHECK(core::parse_weekday("mon") == 0);
  CHECK(core::parse_weekday("sun") == 6);
  CHECK_FALSE(core::parse_weekday("Mon"));
  CHECK_FALSE(core::parse_weekday("fry"));
  CHECK(std::string(core::weekday_name(4)) == "fri");
}

TEST_CASE("slack and after deadlines", "[workload][deadline]") {
  DeadlineRule r;
  r.kind = DeadlineRuleKind::kSlack;
  r.slack = 2.5;
  CHECK(job_deadline_s(r, 1000, 3600) == 1000 + 9000);
  CHECK(job_deadline_s(r, 0, 3601) == 9003);  // 9,002.5 s rounds half away from zero
  r.kind = DeadlineRuleKind::kAfter;
  r.after_s = 24 * kHour;
  CHECK(job_deadline_s(r, 500, 3 * kHour) == 500 + 24 * kHour);  // whatever the run time
  CHECK(job_deadline_s(r, 500, 30 * kHour) == 500 + 24 * kHour);
}

TEST_CASE("next_workday: a finish out of office hours is due at the next workday's start", "[workload][deadline]") {
  const DeadlineRule r = office_hours();
  // Friday 14:00 + 4 h = Friday 18:00, after 17:00: due Monday 09:00 (not Saturday, as in
  // Let's Wait Awhile's code).
  CHECK(deadline_utc(r, "2020-01-03T14:00:00Z", 4) == "2020-01-06T09:00:00Z");
  CHECK(job_deadline_s(r, 2 * kDay + 14 * kHour, 4 * kHour) == 5 * kDay + 9 * kHour);
  CHECK(deadline_utc(r, "2020-01-03T13:30:00Z", 4) == "2020-01-06T09:00:00Z");  // Friday 17:30
  // Wednesday 08:00 + 3 h = 11:00 within office hours: the finish itself
  CHECK(deadline_utc(r, "2020-01-01T08:00:00Z", 3) == "2020-01-01T11:00:00Z");
  // both ends are inclusive
  CHECK(deadline_utc(r, "2020-01-01T06:00:00Z", 3) == "2020-01-01T09:00:00Z");
  CHECK(deadline_utc(r, "2020-01-01T14:00:00Z", 3) == "2020-01-01T17:00:00Z");
  CHECK(job_deadline_s(r, 14 * kHour, 3 * kHour + 1) == kDay + 9 * kHour);  // 17:00:01: Thursday 09:00
  // before 09:00 on a workday: the same day at 09:00
  CHECK(deadline_utc(r, "2020-01-02T01:00:00Z", 6.5) == "2020-01-02T09:00:00Z");
  // weekend finishes: Monday 09:00
  CHECK(deadline_utc(r, "2020-01-04T10:00:00Z", 2) == "2020-01-06T09:00:00Z");  // Saturday noon
  CHECK(deadline_utc(r, "2020-01-05T20:00:00Z", 3) == "2020-01-06T09:00:00Z");  // Sunday 23:00
  CHECK(deadline_utc(r, "2020-01-05T22:00:00Z", 4) == "2020-01-06T09:00:00Z");  // Monday 02:00
  // a long job: Wednesday 10:00 + 100 h = Sunday 14:00: Monday 09:00
  CHECK(deadline_utc(r, "2020-01-01T10:00:00Z", 100) == "2020-01-06T09:00:00Z");
}

TEST_CASE("next_workday in local time: offsets move the office hours", "[workload][deadline]") {
  const DeadlineRule pacific = office_hours(-8);
  // Friday 20:00 UTC + 4 h = Saturday 00:00 UTC = Friday 16:00 at UTC-8: in office hours
  CHECK(deadline_utc(pacific, "2020-01-03T20:00:00Z", 4) == "2020-01-04T00:00:00Z");
  CHECK(deadline_utc(office_hours(0), "2020-01-03T20:00:00Z", 4) == "2020-01-06T09:00:00Z");
  // Monday 15:00 UTC = Monday 07:00 at UTC-8: Monday 09:00 local = 17:00 UTC
  CHECK(deadline_utc(pacific, "2020-01-06T12:00:00Z", 3) == "2020-01-06T17:00:00Z");
  // Monday 03:00 UTC = Sunday 19:00 at UTC-8: Monday 09:00 local = 17:00 UTC
  CHECK(deadline_utc(pacific, "2020-01-06T01:00:00Z", 2) == "2020-01-06T17:00:00Z");
  // Friday 01:30 UTC = Thursday 17:30 at UTC-8: Friday 09:00 local = 17:00 UTC
  CHECK(deadline_utc(pacific, "2020-01-02T23:30:00Z", 2) == "2020-01-03T17:00:00Z");
  // a half-hour offset: Wednesday 03:00 UTC = 08:30 at UTC+5:30: 09:00 local = 03:30 UTC
  CHECK(deadline_utc(office_hours(5.5), "2020-01-01T01:00:00Z", 2) == "2020-01-01T03:30:00Z");
}

TEST_CASE("next_workday: until defaults to at, and workdays are configurable", "[workload][deadline]") {
  DeadlineRule r = office_hours();
  r.until_s = r.at_s;                                                           // results are needed at 09:00 sharp
  CHECK(deadline_utc(r, "2020-01-01T06:00:00Z", 3) == "2020-01-01T09:00:00Z");  // 09:00: itself
  CHECK(deadline_utc(r, "2020-01-01T07:00:00Z", 3) == "2020-01-02T09:00:00Z");  // 10:00: next day
  // a Sunday-to-Thursday week: Thursday 18:00 is due Sunday 09:00
  r = office_hours();
  r.workdays = {true, true, true, true, false, false, true};
  CHECK(deadline_utc(r, "2020-01-02T14:00:00Z", 4) == "2020-01-05T09:00:00Z");
  // one workday a week: Wednesday
  r.workdays = {false, false, true, false, false, false, false};
  CHECK(deadline_utc(r, "2020-01-01T14:00:00Z", 4) == "2020-01-08T09:00:00Z");
  CHECK(deadline_utc(r, "2020-01-01T12:00:00Z", 4) == "2020-01-01T16:00:00Z");
}

TEST_CASE("bad deadline rules are refused with the field named", "[workload][deadline]") {
  DeadlineRule r = office_hours();
  CHECK_NOTHROW(workload::check_deadline_rule(r));
  r.until_s = r.at_s - 60;
  CHECK_THROWS_WITH(workload::check_deadline_rule(r), Catch::Contains("until_s"));
  r = office_hours();
  r.workdays.fill(false);
  CHECK_THROWS_WITH(workload::check_deadline_rule(r), Catch::Contains("at least one workday"));
  r = office_hours(15);
  CHECK_THROWS_WITH(workload::check_deadline_rule(r), Catch::Contains("utc_offset_s"));
  r = office_hours();
  r.at_s = kDay;
  CHECK_THROWS_WITH(workload::check_deadline_rule(r), Catch::Contains("at_s"));
  DeadlineRule slack;
  slack.slack = 0.5;
  CHECK_THROWS_WITH(workload::check_deadline_rule(slack), Catch::Contains("slack"));
  DeadlineRule after;
  after.kind = DeadlineRuleKind::kAfter;
  after.after_s = -3600;
  CHECK_THROWS_WITH(workload::check_deadline_rule(after), Catch::Contains("after_s"));
  workload::SyntheticSpec spec;
  spec.end_s = kDay;
  spec.deadline = slack;
  CHECK_THROWS_WITH(workload::generate_synthetic(spec, 1, 0),
                    Catch::Contains("synthetic generator") && Catch::Contains("slack"));
}

TEST_CASE("a synthetic generator gives every job its calendar deadline", "[workload][deadline]") {
  workload::SyntheticSpec spec;
  spec.arrivals_per_day = 50.0;
  spec.end_s = 28 * kDay;
  spec.duration_median_h = 6.0;
  spec.duration_max_h = 200.0;
  spec.deadline = office_hours(-5);
  const DeadlineRule& r = *spec.deadline;
  const auto jobs = workload::generate_synthetic(spec, 4, 0);
  REQUIRE(jobs.size() > 1000);
  int on_time = 0;
  int deferred = 0;
  for (const auto& j : jobs) {
    REQUIRE(j.deadline_s);
    CHECK(*j.deadline_s == job_deadline_s(r, j.submit_s, j.duration_s));
    const core::Seconds finish = j.submit_s + j.duration_s;
    const core::Seconds local = r.start_epoch_s + *j.deadline_s + r.utc_offset_s;
    CHECK(r.workdays[static_cast<size_t>(core::weekday_of(local))]);
    if (*j.deadline_s == finish) {
      ++on_time;  // the finish is in office hours
      CHECK(core::second_of_day(local) >= r.at_s);
      CHECK(core::second_of_day(local) <= r.until_s);
    } else {
      ++deferred;  // the next 09:00 of a workday, less than four days later (Friday evening to Monday)
      CHECK(*j.deadline_s > finish);
      CHECK(core::second_of_day(local) == r.at_s);
      CHECK(*j.deadline_s - finish < 4 * kDay);
    }
  }
  CHECK(on_time > 100);
  CHECK(deferred > 100);
}

TEST_CASE("a trace applies its deadline rule to rows without a deadline", "[workload][deadline]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "fleetsim_test_deadline";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "trace_deadlines.csv").string();
  {
    std::ofstream out(path);
    // trace time 0 = run start + 1 day (Thursday 2020-01-02 00:00 UTC)
    out << "name,submit_s,gpus,duration_s,deadline_s\n"
        << "own,0,8,3600,7200\n"        // its own deadline is kept
        << "friday,136800,8,14400,\n"   // Friday 14:00 + 4 h = 18:00: Monday 09:00
        << "thursday,36000,8,3600,\n";  // Thursday 10:00 + 1 h = 11:00: itself
  }
  workload::TraceSpec spec;
  spec.path = path;
  spec.offset_s = kDay;
  spec.deadline = office_hours();
  const workload::TraceReadResult result = workload::read_trace(spec, 30 * kDay);
  REQUIRE(result.jobs.size() == 3);
  CHECK(result.jobs[0].deadline_s == kDay + 7200);
  CHECK(result.jobs[1].deadline_s == 5 * kDay + 9 * kHour);
  CHECK(result.jobs[2].deadline_s == kDay + 11 * kHour);

  // a row whose deadline is before its submission is bad input naming file, line and column
  {
    std::ofstream out(path);
    out << "name,submit_s,gpus,duration_s,deadline_s\n"
        << "a,0,8,3600,7200\n"
        << "b,7200,8,3600,3600\n";
  }
  try {
    workload::read_trace(spec, 30 * kDay);
    FAIL("expected an InputError");
  } catch (const core::InputError& e) {
    CHECK(e.where().line == 3);
    CHECK(e.where().key == "deadline_s");
    CHECK_THAT(e.what(), Catch::Contains("trace_deadlines.csv:3: deadline_s: before submit_s"));
  }
  std::filesystem::remove_all(dir);
}
