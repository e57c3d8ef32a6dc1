#include <catch2/catch.hpp>

#include <array>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"

using namespace fleetsim;
using scenario::parse_scenario;

namespace {

const std::string kSource = FLEETSIM_SOURCE_DIR;

const char* const kMinimal = R"(name: tiny
start: 2024-01-01T00:00:00Z
hours: 48
regions:
  - name: north
  - name: south
sites:
  - name: alpha
    region: north
    grid_limit_mw: 5
    clusters:
      - {gpu_type: A100, gpus: 64}
workload:
  jobs:
    - name: j1
      gpus: 16
      duration_h: 3
      submit_h: 1.5
      deadline_h: 10
)";

// Parses and returns the error, failing the test if there is none.
core::InputError error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(text, "test.yaml", overrides);
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a minimal scenario loads with defaults filled in", "[scenario]") {
  const auto sc = parse_scenario(kMinimal, "test.yaml");
  CHECK(sc.name == "tiny");
  CHECK(sc.seed == 1);
  CHECK(sc.hours == 48);
  CHECK(sc.start_epoch_s == 1704067200);
  REQUIRE(sc.sites.size() == 1);
  CHECK(sc.sites[0].pue == 1.2);  // schema default
  CHECK(sc.scheduler.placement == "first_fit");
  CHECK(sc.scheduler.backfill_depth == 100);
  REQUIRE(sc.listed_jobs.size() == 1);
  CHECK(sc.listed_jobs[0].submit_s == 5400);
  CHECK(sc.listed_jobs[0].duration_s == 10800);
  CHECK(sc.listed_jobs[0].deadline_s == 5400 + 36000);
}

TEST_CASE("command-line overrides set keys by path, list index and item name", "[scenario]") {
  const auto sc = parse_scenario(kMinimal, "test.yaml",
                                 {"sites.0.pue=1.4", "sites.alpha.grid_limit_mw=7", "seed=99",
                                  "scheduler.backfill_depth=5", "workload.jobs[0].gpus=32"});
  CHECK(sc.sites[0].pue == 1.4);
  CHECK(sc.sites[0].grid_limit_mw == 7.0);
  CHECK(sc.seed == 99);
  CHECK(sc.scheduler.backfill_depth == 5);
  CHECK(sc.listed_jobs[0].gpus == 32);
  CHECK(sc.effective_yaml.find("pue: 1.4") != std::string::npos);
}

TEST_CASE("work_gpu_h converts to a run time at the job's GPU type", "[scenario]") {
  std::string text = kMinimal;
  text.replace(text.find("duration_h: 3"), 13, "work_gpu_h: 317");
  const auto sc =
      parse_scenario(text, "test.yaml", {"workload.jobs.0.gpu_type=H100", "sites.0.clusters.0.gpu_type=H100"});
  // 317 A100-GPU-hours on 16 H100 (throughput 989/312): 317 * 312 / (16 * 989) h
  // = 6.25034 h = 22,501.2 s, rounded to the second.
  CHECK(sc.listed_jobs[0].duration_s == 22501);
}

TEST_CASE("bad input names the file, line and key path", "[scenario]") {
  SECTION("unknown key with a suggestion") {
    std::string text = kMinimal;
    text.replace(text.find("grid_limit_mw"), 13, "grid_limt_mw");
    const auto e = error_of(text);
    CHECK(e.where().line == 10);
    CHECK(e.where().key == "sites[0].grid_limt_mw");
    CHECK_THAT(e.what(), Catch::Contains("did you mean 'grid_limit_mw'"));
  }
  SECTION("negative number") {
    const auto e = error_of(std::string(kMinimal), {"sites.0.grid_limit_mw=-5"});
    CHECK(e.where().key == "sites[0].grid_limit_mw");
    CHECK_THAT(e.what(), Catch::Contains("out of range"));
  }
  SECTION("NaN") {
    std::string text = kMinimal;
    text.replace(text.find("grid_limit_mw: 5"), 16, "grid_limit_mw: .nan");
    const auto e = error_of(text);
    CHECK(e.where().line == 10);
    CHECK_THAT(e.what(), Catch::Contains("not a finite number"));
  }
  SECTION("unknown GPU type with a suggestion") {
    const auto e = error_of(std::string(kMinimal), {"sites.0.clusters.0.gpu_type=H10"});
    CHECK(e.where().key == "sites[0].clusters[0].gpu_type");
    CHECK_THAT(e.what(), Catch::Contains("unknown GPU type 'H10'") && Catch::Contains("did you mean"));
  }
  SECTION("job larger than every cluster") {
    const auto e = error_of(std::string(kMinimal), {"workload.jobs.0.gpus=65"});
    CHECK(e.where().key == "workload.jobs[0].gpus");
    CHECK_THAT(e.what(), Catch::Contains("more than any cluster"));
  }
  SECTION("YAML syntax error") {
    const auto e = error_of("name: x\nsites: [\n  - a: b\n");
    CHECK(e.where().line >= 2);
    CHECK_THAT(e.what(), Catch::Contains("YAML syntax error"));
  }
  SECTION("missing required key") {
    std::string text = kMinimal;
    text.replace(text.find("hours: 48\n"), 10, "");
    CHECK_THAT(error_of(text).what(), Catch::Contains("required key 'hours' is missing"));
  }
  SECTION("unknown region") {
    const auto e = error_of(std::string(kMinimal), {"sites.0.region=nort"});
    CHECK_THAT(e.what(), Catch::Contains("unknown region 'nort'") && Catch::Contains("did you mean 'north'"));
  }
  SECTION("a job outside the horizon") {
    const auto e = error_of(std::string(kMinimal), {"workload.jobs.0.submit_h=48"});
    CHECK_THAT(e.what(), Catch::Contains("outside the horizon"));
  }
  SECTION("grid limit below the idle power") {
    const auto e = error_of(std::string(kMinimal), {"sites.0.grid_limit_mw=0.01"});
    CHECK_THAT(e.what(), Catch::Contains("idle facility power"));
  }
  SECTION("a bad --set") {
    const auto e = error_of(std::string(kMinimal), {"sites.7.pue=1.1"});
    CHECK_THAT(e.what(), Catch::Contains("out of range"));
  }
  SECTION("duplicate key") {
    std::string text = kMinimal;
    text.replace(text.find("hours: 48\n"), 10, "hours: 48\nhours: 24\n");
    CHECK_THAT(error_of(text).what(), Catch::Contains("duplicate key"));
  }
}

TEST_CASE("every scenario in scenarios/ validates", "[scenario]") {
  for (const char* name : {"quickstart", "gpt4_training", "bench_fleet_year", "growth_2030", "fleet_doubling_2026"}) {
    INFO(name);
    const auto sc = scenario::load_scenario(kSource + "/scenarios/" + name + ".yaml");
    CHECK(!sc.sites.empty());
  }
}

TEST_CASE("docs/scenario-reference.md is generated from the schema", "[scenario]") {
  std::ifstream in(kSource + "/docs/scenario-reference.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  INFO("regenerate with: fleetsim validate --reference > docs/scenario-reference.md");
  CHECK(text.str() == scenario::reference_markdown());
}

// ---------------------------------------------------------------------------------------
// Deadline rules and local time (docs/models.md, "Deadlines")

namespace {

// Starts Wednesday 2020-01-01 00:00 UTC; two regions: west at longitude -122 (UTC-8 by
// default), east with an explicit UTC+1.
const char* const kCalendar = R"(name: calendar
start: 2020-01-01T00:00:00Z
hours: 336
regions:
  - name: west
    longitude_deg: -122
  - name: east
    longitude_deg: 30
    utc_offset_h: 1
sites:
  - name: s
    region: west
    grid_limit_mw: 5
    clusters:
      - {gpu_type: A100, gpus: 64}
  - name: t
    region: east
    grid_limit_mw: 5
    clusters:
      - {gpu_type: A100, gpus: 64}
workload:
  jobs:
    - name: friday
      gpus: 8
      duration_h: 4
      submit: 2020-01-03T20:00:00Z
      allowed_regions: [west]
      deadline: {rule: next_workday, at: "09:00", until: "17:00"}
)";

}  // namespace

TEST_CASE("regions have a local time: utc_offset_h, else longitude / 15 rounded", "[scenario][deadline]") {
  const auto sc = parse_scenario(kCalendar, "test.yaml");
  REQUIRE(sc.region_utc_offset_h.size() == 2);
  CHECK(sc.region_utc_offset_h[0] == -8.0);  // -122 / 15 = -8.13
  CHECK(sc.region_utc_offset_h[1] == 1.0);   // given (30 / 15 would be 2)
  CHECK(parse_scenario(kCalendar, "test.yaml", {"regions.west.longitude_deg=7.5"}).region_utc_offset_h[0] == 1.0);
  CHECK(parse_scenario(kCalendar, "test.yaml", {"regions.west.longitude_deg=-172.6"}).region_utc_offset_h[0] == -12.0);
  CHECK(parse_scenario(kMinimal, "test.yaml").region_utc_offset_h == std::vector<double>{0.0, 0.0});
  CHECK(parse_scenario(kCalendar, "test.yaml", {"regions.west.utc_offset_h=5.5"}).region_utc_offset_h[0] == 5.5);
  const auto e = error_of(kCalendar, {"regions.east.utc_offset_h=15"});
  CHECK(e.where().key == "regions[1].utc_offset_h");
  CHECK_THAT(e.what(), Catch::Contains("out of range"));
}

TEST_CASE("a listed job's calendar deadline is in its region's local time", "[scenario][deadline]") {
  // Friday 20:00 UTC + 4 h = Saturday 00:00 UTC = Friday 16:00 at UTC-8: the finish itself
  const auto sc = parse_scenario(kCalendar, "test.yaml");
  REQUIRE(sc.listed_jobs.size() == 1);
  CHECK(sc.listed_jobs[0].deadline_s == 3 * 86400);
  // in the east (UTC+1) it is Saturday 01:00: Monday 09:00 local = 08:00 UTC
  const auto east = parse_scenario(kCalendar, "test.yaml", {"workload.jobs.0.allowed_regions=[east]"});
  CHECK(east.listed_jobs[0].deadline_s == 5 * 86400 + 8 * 3600);
  // the section's own offset wins over the region's
  const auto own = parse_scenario(kCalendar, "test.yaml", {"workload.jobs.0.deadline.utc_offset_h=0"});
  CHECK(own.listed_jobs[0].deadline_s == 5 * 86400 + 9 * 3600);
  // until defaults to at: Friday 16:00 local is after 09:00, so Monday 09:00 local = 17:00 UTC
  const auto sharp = parse_scenario(kCalendar, "test.yaml", {"workload.jobs.0.deadline={rule: next_workday}"});
  CHECK(sharp.listed_jobs[0].deadline_s == 5 * 86400 + 17 * 3600);
  // rule after = deadline_h
  const auto after = parse_scenario(kCalendar, "test.yaml", {"workload.jobs.0.deadline={rule: after, hours: 10}"});
  CHECK(after.listed_jobs[0].deadline_s == after.listed_jobs[0].submit_s + 36000);
}

TEST_CASE("generators and traces carry their deadline rule", "[scenario][deadline]") {
  std::string text = kCalendar;
  text += R"(  synthetic:
    - {name: a, arrivals_per_day: 5, deadline_slack: 3}
    - {name: b, arrivals_per_day: 5, deadline: {rule: slack, slack: 3}}
    - {name: c, arrivals_per_day: 5, allowed_regions: [east],
       deadline: {rule: next_workday, at: "08:30", until: "18:00", workdays: [sun, mon, tue, wed, thu]}}
  traces:
    - {file: ../fixtures/trace_small.csv, deadline: {rule: after, hours: 24}}
)";
  const auto sc = parse_scenario(text, kSource + "/tests/scenario/test.yaml");
  REQUIRE(sc.synthetic.size() == 3);
  // deadline_slack is rule slack
  REQUIRE(sc.synthetic[0].deadline);
  REQUIRE(sc.synthetic[1].deadline);
  CHECK(sc.synthetic[0].deadline->kind == workload::DeadlineRuleKind::kSlack);
  CHECK(sc.synthetic[1].deadline->kind == workload::DeadlineRuleKind::kSlack);
  CHECK(sc.synthetic[0].deadline->slack == 3.0);
  CHECK(sc.synthetic[1].deadline->slack == 3.0);
  const workload::DeadlineRule& c = *sc.synthetic[2].deadline;
  CHECK(c.kind == workload::DeadlineRuleKind::kNextWorkday);
  CHECK(c.at_s == 8 * 3600 + 1800);
  CHECK(c.until_s == 18 * 3600);
  CHECK(c.workdays == std::array<bool, 7>{true, true, true, true, false, false, true});
  CHECK(c.utc_offset_s == 3600);  // the single allowed region's
  CHECK(c.start_epoch_s == sc.start_epoch_s);
  REQUIRE(sc.traces.size() == 1);
  REQUIRE(sc.traces[0].deadline);
  CHECK(sc.traces[0].deadline->kind == workload::DeadlineRuleKind::kAfter);
  CHECK(sc.traces[0].deadline->after_s == 24 * 3600);
}

TEST_CASE("bad deadline settings name the file, line and key path", "[scenario][deadline]") {
  const auto fails = [](const std::vector<std::string>& overrides, const std::string& key, const std::string& what) {
    INFO(overrides.back());
    const auto e = error_of(kCalendar, overrides);
    CHECK(e.where().key == key);
    CHECK_THAT(e.what(), Catch::Contains(what));
  };
  const std::string d = "workload.jobs[0].deadline";
  fails({"workload.jobs.0.deadline.rule=tomorrow"}, d + ".rule",
        "'tomorrow' is not one of: slack, after, next_workday");
  fails({"workload.jobs.0.deadline.at=9am"}, d + ".at", "'9am' is not a time of day HH:MM");
  fails({"workload.jobs.0.deadline.until=24:00"}, d + ".until", "is not a time of day");
  fails({"workload.jobs.0.deadline.until=08:00"}, d + ".until", "'08:00' is before at '09:00'");
  fails({"workload.jobs.0.deadline.workdays=[mon, fry]"}, d + ".workdays[1]", "did you mean 'fri'");
  fails({"workload.jobs.0.deadline.workdays=[mon, mon]"}, d + ".workdays[1]", "listed twice");
  fails({"workload.jobs.0.deadline.workdays=[]"}, d + ".workdays", "at least one day");
  fails({"workload.jobs.0.deadline_h=5"}, d, "give at most one of 'deadline' and 'deadline_h'");
  fails({"workload.jobs.0.deadline={rule: after, hours: -3}"}, d + ".hours", "out of range");
  fails({"workload.jobs.0.deadline={rule: after}"}, d, "rule after needs 'hours'");
  fails({"workload.jobs.0.deadline={rule: slack, slack: 2, at: '09:00'}"}, d + ".at",
        "applies only with rule: next_workday");
  fails({"workload.jobs.0.deadline={rule: slack, slack: 0.5}"}, d + ".slack", "out of range");
  fails({"workload.jobs.0.deadline.utc_offset_h=-15"}, d + ".utc_offset_h", "out of range");
  fails({"workload.jobs.0.allowed_regions=[west, east]"}, d,
        "deadline rule next_workday needs a local time: give deadline.utc_offset_h or a single allowed region");
  // a line number, not only a key path
  std::string text = kCalendar;
  text.replace(text.find("until: \"17:00\""), 14, "until: \"7:00\"");
  const auto e = error_of(text);
  CHECK(e.where().line == 28);
  CHECK(e.where().key == d + ".until");
  // generators: deadline and deadline_slack both given
  text = kCalendar;
  text += "  synthetic:\n    - {arrivals_per_day: 5, deadline_slack: 2, deadline: {rule: slack, slack: 3}}\n";
  const auto both = error_of(text);
  CHECK(both.where().key == "workload.synthetic[0].deadline");
  CHECK(both.where().line == 30);
  CHECK_THAT(both.what(), Catch::Contains("give at most one of 'deadline' and 'deadline_slack'"));
}

TEST_CASE("forecast error models and lead-time growth load from scheduler.forecast", "[scenario][forecast]") {
  const auto sc = parse_scenario(kMinimal, "test.yaml",
                                 {"scheduler.forecast={model: noisy, error: 0.05, error_model: additive, "
                                  "error_g_per_kwh: 20, error_growth_per_h: 0.01}"});
  const policy::ForecastOptions& f = sc.scheduler.policy.forecast;
  CHECK(f.model == policy::ForecastModel::kNoisy);
  CHECK(f.error == 0.05);
  CHECK(f.error_model == policy::ForecastErrorModel::kAdditive);
  CHECK(f.error_g_per_kwh == 20.0);
  CHECK(f.error_growth_per_h == 0.01);
  const auto defaults = parse_scenario(kMinimal, "test.yaml");
  CHECK(defaults.scheduler.policy.forecast.error_model == policy::ForecastErrorModel::kMultiplicative);
  CHECK_FALSE(defaults.scheduler.policy.forecast.error_g_per_kwh);
  CHECK(defaults.scheduler.policy.forecast.error_growth_per_h == 0.0);
  for (const char* bad : {"scheduler.forecast.error=-0.1", "scheduler.forecast.error_growth_per_h=-0.01",
                          "scheduler.forecast.error_g_per_kwh=-1"}) {
    INFO(bad);
    const auto e = error_of(kMinimal, {"scheduler.forecast.error_model=additive", bad});
    CHECK_THAT(e.what(), Catch::Contains("out of range"));
    CHECK(e.where().key.rfind("scheduler.forecast.error", 0) == 0);
  }
  const auto e = error_of(kMinimal, {"scheduler.forecast.error_g_per_kwh=20"});
  CHECK(e.where().key == "scheduler.forecast.error_g_per_kwh");
  CHECK_THAT(e.what(), Catch::Contains("applies only with error_model: additive"));
}
