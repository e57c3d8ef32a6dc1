// Scenario keys for capacity studies (docs/models.md, "Capacity over time"): `end`, the
// `growth` block, commissioning and retirement dates, GPU-generation replacement, and the
// capacity and grid-limit steps the loader builds from them.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "scenario/scenario.hpp"

using namespace fleetsim;
using scenario::parse_scenario;

namespace {

// Two regions, one site with one A100 cluster; `extra` is spliced in at the top level and
// `cluster` replaces the cluster's keys.
std::string scenario_text(const std::string& horizon, const std::string& extra, const std::string& cluster,
                          const std::string& site_keys = "") {
  return "name: t\nstart: 2023-01-01T00:00:00Z\n" + horizon + "\n" + extra +
         "\nregions:\n  - name: north\nsites:\n  - name: alpha\n    region: north\n    grid_limit_mw: 50\n" +
         site_keys + "    clusters:\n      - " + cluster + "\n";
}

core::InputError error_of(const std::string& text) {
  try {
    parse_scenario(text, "test.yaml");
  } catch (const core::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

int64_t hour_of(const char* date) {
  return (*core::parse_utc(date) - *core::parse_utc("2023-01-01")) / core::kSecondsPerHour;
}

}  // namespace

TEST_CASE("end gives the horizon: 2024 to 2030 inclusive is 61,368 hours", "[scenario][capacity]") {
  const std::string cluster = "{gpu_type: A100, gpus: 64}";
  auto text = scenario_text("end: 2031-01-01T00:00:00Z", "", cluster);
  text.replace(text.find("2023-01-01"), 10, "2024-01-01");
  CHECK(parse_scenario(text, "test.yaml").hours == 61368);
  CHECK(parse_scenario(scenario_text("end: 2031-01-01", "", cluster), "test.yaml").hours == 70128);
  CHECK_THAT(error_of(scenario_text("hours: 10\nend: 2024-01-01", "", cluster)).what(),
             Catch::Contains("test.yaml:4: end: give either hours or end, not both"));
  CHECK_THAT(error_of(scenario_text("end: 2022-06-01", "", cluster)).what(),
             Catch::Contains("end: must be a whole number of hours after start"));
  CHECK_THAT(error_of(scenario_text("", "", cluster)).what(), Catch::Contains("required key 'hours' is missing"));
}

TEST_CASE("growth factor by a year gives one compound rate for clusters and grid limits", "[scenario][capacity]") {
  const auto sc = parse_scenario(
      scenario_text("end: 2026-01-01", "growth: {factor: 2.6, by: 2030}", "{gpu_type: A100, gpus: 1000}"), "test.yaml");
  const double g = std::pow(2.6, 1.0 / 7.0) - 1.0;  // 2023 to 2030: seven years
  const fleet::ClusterSpec& c = sc.sites[0].clusters.at(0);
  CHECK(c.gpus == 1000);
  REQUIRE(c.steps.size() == 2);  // 1 January 2024 and 2025 (2026 is the horizon's end)
  CHECK(c.steps[0].hour == hour_of("2024-01-01"));
  CHECK(c.steps[0].gpus == std::llround(1000 * (1 + g)));
  CHECK(c.steps[1].hour == hour_of("2025-01-01"));
  CHECK(c.steps[1].gpus == std::llround(1000 * (1 + g) * (1 + g)));
  const auto& limits = sc.sites[0].grid_limit_steps;
  REQUIRE(limits.size() == 2);
  CHECK(limits[1].mw == Approx(50 * (1 + g) * (1 + g)));
  // demand: synthetic generators take the same rate unless they set their own
  const auto with_jobs = parse_scenario(
      scenario_text(
          "end: 2024-01-01",
          "growth: {annual: 0.2, capacity: false}\nworkload:\n  synthetic:\n    - {name: a, arrivals_per_day: 1}\n"
          "    - {name: b, arrivals_per_day: 1, annual_growth: 0.05}\n",
          "{gpu_type: A100, gpus: 64}"),
      "test.yaml");
  CHECK(with_jobs.synthetic[0].annual_growth == 0.2);
  CHECK(with_jobs.synthetic[1].annual_growth == 0.05);
  CHECK(with_jobs.sites[0].clusters[0].steps.empty());  // capacity: false
  CHECK_THAT(error_of(scenario_text("hours: 10", "growth: {annual: 0.1, factor: 2, by: 2030}",
                                    "{gpu_type: A100, "
                                    "gpus: 64}"))
                 .what(),
             Catch::Contains("growth: give either annual, or factor and by"));
  CHECK_THAT(error_of(scenario_text("hours: 10", "growth: {factor: 2, by: 2023}", "{gpu_type: A100, gpus: 64}")).what(),
             Catch::Contains("growth.by: must be after the run's first year, 2023"));
}

TEST_CASE("commissioning, retirement and replacement become capacity steps", "[scenario][capacity]") {
  const auto sc = parse_scenario(
      scenario_text("end: 2027-01-01", "",
                    "{gpu_type: A100, gpus: 512, replace: [{on: 2025-07-01, gpu_type: B200}, "
                    "{on: 2026-03-01, gpu_type: H100, gpus: 256}]}\n"
                    "      - {gpu_type: V100, gpus: 128, commission: 2023-06-01T10:30:00Z, decommission: 2024-01-01}",
                    "    commission: 2023-02-01\n"),
      "test.yaml");
  const auto& cl = sc.sites[0].clusters;
  REQUIRE(cl.size() == 4);  // three generations of the first cluster, then the V100s
  CHECK(sc.catalog.at(cl[0].gpu_type).name == "A100");
  CHECK(cl[0].gpus == 0);  // the site is commissioned on 1 February
  REQUIRE(cl[0].steps.size() == 2);
  CHECK(cl[0].steps[0].hour == hour_of("2023-02-01"));
  CHECK(cl[0].steps[0].gpus == 512);
  CHECK(cl[0].steps[1].hour == hour_of("2025-07-01"));
  CHECK(cl[0].steps[1].gpus == 0);
  CHECK(sc.catalog.at(cl[1].gpu_type).name == "B200");
  REQUIRE(cl[1].steps.size() == 2);
  CHECK(cl[1].steps[0].gpus == 512);  // as many as it replaces
  CHECK(cl[1].steps[1].hour == hour_of("2026-03-01"));
  CHECK(cl[1].steps[1].gpus == 0);
  CHECK(cl[2].steps.size() == 1);
  CHECK(cl[2].steps[0].gpus == 256);
  // commissioned at 10:30: in service from 11:00, rounded up to the hour
  REQUIRE(cl[3].steps.size() == 2);
  CHECK(cl[3].steps[0].hour == hour_of("2023-06-01T11:00:00Z"));
  CHECK(cl[3].steps[1].hour == hour_of("2024-01-01"));
}

TEST_CASE("bad capacity plans name the file, line and key", "[scenario][capacity]") {
  CHECK_THAT(error_of(scenario_text("hours: 100", "",
                                    "{gpu_type: A100, gpus: 64, commission: 2024-01-01, "
                                    "decommission: 2023-06-01}"))
                 .what(),
             Catch::Contains("test.yaml:12: sites[0].clusters[0].decommission: is not after commission"));
  CHECK_THAT(
      error_of(scenario_text("hours: 100", "", "{gpu_type: A100, gpus: 64, replace: [{on: 2024-01-01, gpu_type: Z9}]}"))
          .what(),
      Catch::Contains("sites[0].clusters[0].replace[0].gpu_type: unknown GPU type 'Z9'"));
  CHECK_THAT(error_of(scenario_text("hours: 100", "",
                                    "{gpu_type: A100, gpus: 64, replace: [{on: 2024-01-01, gpu_type: H100}, "
                                    "{on: 2023-06-01, gpu_type: B200}]}"))
                 .what(),
             Catch::Contains("replace[1].on: must be after the commissioning or replacement before it"));
  CHECK_THAT(
      error_of(scenario_text("hours: 100", "", "{gpu_type: A100, gpus: 64, replace: [{gpu_type: H100}]}")).what(),
      Catch::Contains("test.yaml:12: sites[0].clusters[0].replace[0]: required key 'on' is missing"));
  // a cluster that outgrows a grid limit that does not grow: refused, with the date
  CHECK_THAT(error_of(scenario_text("end: 2026-01-01", "growth: {annual: 1.0}",
                                    "{gpu_type: A100, gpus: 60000, annual_growth: 1.0}", "    annual_growth: 0\n"))
                 .what(),
             Catch::Contains("exceeds grid_limit_mw = 50 (on 2024-01-01T00:00:00Z: 50 MW after growth)"));
}

TEST_CASE("growth counts years from the commissioning hour, rounded up", "[scenario][capacity]") {
  // 23:30 on 31 December rounds up to 1 January: the cluster starts with its 1,000 GPUs in
  // 2024 and grows on 1 January 2025
  const auto sc = parse_scenario(scenario_text("end: 2026-01-01", "",
                                               "{gpu_type: A100, gpus: 1000, annual_growth: 0.1, "
                                               "commission: 2023-12-31T23:30:00Z}"),
                                 "test.yaml");
  const auto& steps = sc.sites[0].clusters[0].steps;
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].hour == hour_of("2024-01-01"));
  CHECK(steps[0].gpus == 1000);
  CHECK(steps[1].hour == hour_of("2025-01-01"));
  CHECK(steps[1].gpus == 1100);
  // commissioned before the run: grown since, at the start
  const auto before = parse_scenario(
      scenario_text("end: 2024-01-01", "", "{gpu_type: A100, gpus: 1000, annual_growth: 0.1, commission: 2021-03-01}"),
      "test.yaml");
  CHECK(before.sites[0].clusters[0].gpus == 1210);
}
