#include <catch2/catch.hpp>

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
