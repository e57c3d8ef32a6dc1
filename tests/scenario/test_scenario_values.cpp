// Scenario values that once crashed a run or were silently accepted (issue 15): empty names,
// empty allowed_regions, control characters; and long values cut in messages.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sweep.hpp"

using namespace fleetsim;
using scenario::parse_scenario;

namespace {

const char* const kBase = R"(name: tiny
start: 2024-01-01T00:00:00Z
hours: 24
regions:
  - name: north
  - name: south
sites:
  - name: alpha
    region: north
    grid_limit_mw: 5
    clusters:
      - {gpu_type: A100, gpus: 64}
)";

core::InputError error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(text, "test.yaml", overrides);
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

core::InputError sweep_error_of(const std::string& text) {
  try {
    scenario::parse_sweep(text, "sweep.yaml", 1);
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("an empty GPU type in a cluster, a replacement or a throughput is an error, not a crash", "[scenario]") {
  SECTION("cluster") {
    std::string text = kBase;
    text.replace(text.find("gpu_type: A100"), 14, "gpu_type: ''");
    const auto e = error_of(text);
    CHECK(e.where().line == 12);
    CHECK(e.where().key == "sites[0].clusters[0].gpu_type");
    CHECK_THAT(e.what(), Catch::Contains("is an empty string"));
  }
  SECTION("cluster, by --set") {
    const auto e = error_of(kBase, {"sites.0.clusters.0.gpu_type=''"});
    CHECK(e.where().key == "sites[0].clusters[0].gpu_type");
  }
  SECTION("replacement") {
    std::string text = kBase;
    text.replace(text.find("{gpu_type: A100, gpus: 64}"), 26,
                 "{gpu_type: A100, gpus: 64, replace: [{on: 2024-01-01T10:00:00Z, gpu_type: ''}]}");
    const auto e = error_of(text);
    CHECK(e.where().key == "sites[0].clusters[0].replace[0].gpu_type");
    CHECK_THAT(e.what(), Catch::Contains("is an empty string"));
  }
  SECTION("throughput of an unnamed type") {
    const auto e = error_of(std::string(kBase) + "inference: {queries_per_gpu_hour: {'': 5}}\n");
    CHECK(e.where().key == "inference.queries_per_gpu_hour.");
    CHECK_THAT(e.what(), Catch::Contains("an empty name"));
  }
  SECTION("other names") {
    CHECK(error_of(kBase, {"sites.0.name=''"}).where().key == "sites[0].name");
    CHECK(error_of(kBase, {"regions.0.name=''"}).where().key == "regions[0].name");
    CHECK_THAT(error_of(std::string(kBase) + "gpu_types: {'': {max_power_w: 1, idle_power_w: 1, overhead_w: 1, "
                                             "training_throughput: 1}}\n")
                   .what(),
               Catch::Contains("an empty name"));
  }
  SECTION("a job's empty GPU type still means any type") {
    const auto sc = parse_scenario(std::string(kBase) +
                                       "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1, "
                                       "gpu_type: ''}\n",
                                   "test.yaml");
    REQUIRE(sc.listed_jobs.size() == 1);
    CHECK(sc.listed_jobs[0].gpu_type.empty());
  }
}

TEST_CASE("an empty allowed_regions list is an error, not 'every region'", "[scenario]") {
  const std::string jobs = "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1, allowed_regions: []}\n";
  const auto e = error_of(std::string(kBase) + jobs);
  CHECK(e.where().line == 15);
  CHECK(e.where().key == "workload.jobs[0].allowed_regions");
  CHECK_THAT(e.what(), Catch::Contains("an empty list allows no region"));
  const std::string synthetic = "workload:\n  synthetic:\n    - {arrivals_per_day: 1, allowed_regions: []}\n";
  CHECK(error_of(std::string(kBase) + synthetic).where().key == "workload.synthetic[0].allowed_regions");
  const auto twice = error_of(std::string(kBase) +
                              "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1, "
                              "allowed_regions: [north, north]}\n");
  CHECK(twice.where().key == "workload.jobs[0].allowed_regions[1]");
  CHECK_THAT(twice.what(), Catch::Contains("'north' is listed twice"));
  // absent still means every region
  const auto sc =
      parse_scenario(std::string(kBase) + "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1}\n", "test.yaml");
  CHECK(sc.listed_jobs[0].allowed_regions.empty());
}

TEST_CASE("names with control characters are refused and echoed as one line", "[scenario]") {
  const auto e = error_of(kBase, {"sites.0.name=\"al\\npha\\u0000\""});
  CHECK(e.where().key == "sites[0].name");
  const std::string what = e.what();
  CHECK(what.find('\n') == std::string::npos);
  CHECK_THAT(what, Catch::Contains("'al\\npha\\0' holds a control character"));
  // a description may hold line breaks
  CHECK_NOTHROW(parse_scenario(std::string(kBase) + "description: |\n  two\n  lines\n", "test.yaml"));
  CHECK_THAT(error_of(std::string(kBase) + "description: \"bell \\a\"\n").what(),
             Catch::Contains("holds a control character"));
  CHECK_THAT(sweep_error_of("parameters:\n  description: [\"a\\nb\"]\n").what(),
             Catch::Contains("'a\\nb' holds a control character"));
}

TEST_CASE("long values are cut in messages", "[scenario]") {
  const std::string huge(1'000'000, '7');
  const auto e = error_of(kBase, {"sites.0.pue=x" + huge});
  CHECK(std::string(e.what()).size() < 1000);
  const auto unknown = error_of(std::string(kBase) +
                                "workload:\n  jobs:\n    - {name: j, gpus: 8, duration_h: 1, "
                                "allowed_regions: [" +
                                std::string(100'000, 'r') + "]}\n");
  CHECK(std::string(unknown.what()).size() < 1000);
  CHECK_THAT(unknown.what(), Catch::Contains("\u2026'"));
}
