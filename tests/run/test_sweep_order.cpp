// The order a sweep starts its runs in: longest first by a rough estimate of each run's work
// (docs/sweeps.md, "Run order").
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "run/sweep.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sweep.hpp"
#include "workload/synthetic.hpp"

using namespace fleetsim;
namespace fs = std::filesystem;

namespace {

const char* const kScenario = R"(name: order
seed: 3
start: 2024-01-01T00:00:00Z
hours: 240
regions: [{name: a}]
sites:
  - {name: s1, region: a, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 64}]}
  - {name: s2, region: a, grid_limit_mw: 1, clusters: [{gpu_type: A100, gpus: 64}]}
workload:
  synthetic:
    - name: jobs
      arrivals_per_day: 10
      gpus: [8]
      duration_median_h: 4
)";

fs::path write_scenario(const std::string& name) {
  const fs::path path =
      fs::temp_directory_path() / ("fleetsim_order_" + name + "_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << kScenario;
  return path;
}

// The runs' values of workload.synthetic.0.arrivals_per_day in the order the sweep starts them.
std::vector<std::string> started_order(const std::string& values, int workers) {
  const fs::path path = write_scenario("sweep");
  const scenario::SweepPlan plan =
      scenario::parse_sweep("parameters: {workload.synthetic.0.arrivals_per_day: " + values + "}", "order.yaml", 1);
  run::SweepOptions options;
  options.scenario_path = path.string();
  run::SweepState state;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    state.runs.push_back(i);
    state.todo.push_back(i);
  }
  run::order_longest_first(plan, options, state, workers, 2);
  std::vector<std::string> order;
  for (const size_t k : state.todo) {
    const std::string& o = plan.runs[state.runs[k]].overrides.front();
    order.push_back(o.substr(o.find('=') + 1));
  }
  fs::remove(path);
  return order;
}

}  // namespace

TEST_CASE("a run's estimated work counts its jobs, site-hours and routed pair-hours", "[run]") {
  scenario::Scenario sc = scenario::parse_scenario(kScenario, "order.yaml");
  const double synthetic = workload::synthetic_expected_count(sc.synthetic.front());
  CHECK(synthetic == Approx(10.0 * 240 / 24).epsilon(1e-9));  // 10 a day for 10 days
  // 100 jobs, plus 240 h x (2 sites + 1 region) x 0.02
  CHECK(run::estimated_work(sc) == Approx(synthetic + 240 * 3 * 0.02).epsilon(1e-12));
  sc.listed_jobs.resize(7);
  CHECK(run::estimated_work(sc) == Approx(7 + synthetic + 240 * 3 * 0.02).epsilon(1e-12));
  // a demand region with one site within its SLO, one at it and one beyond: 2 routed pairs
  sc.demand_regions.push_back(scenario::DemandRegion{"d", 30.0, {}});
  sc.latency_ms = {{10.0, 30.0, std::numeric_limits<double>::infinity()}};
  CHECK(run::estimated_work(sc) == Approx(7 + synthetic + 240 * 3 * 0.02 + 240 * 2 * 0.0015).epsilon(1e-12));
}

TEST_CASE("a sweep with few runs per worker starts the longest first, equal ones in run order", "[run]") {
  CHECK(started_order("[10, 40, 20, 30]", 2) == std::vector<std::string>{"40", "30", "20", "10"});
  CHECK(started_order("[20, 40, 20, 10, 40]", 2) == std::vector<std::string>{"40", "40", "20", "20", "10"});
  // one worker runs them one after another, and a worker each starts them all at once: the
  // order gains nothing and is kept
  CHECK(started_order("[20, 40, 10]", 1) == std::vector<std::string>{"20", "40", "10"});
  CHECK(started_order("[20, 40, 10]", 3) == std::vector<std::string>{"20", "40", "10"});
  // a run whose scenario does not load (a negative rate) goes last, where it fails at once
  CHECK(started_order("[10, -5, 30]", 2) == std::vector<std::string>{"30", "10", "-5"});
}

TEST_CASE("runs of equal estimated work keep their run order", "[run]") {
  // two rates x three seeds: the seed changes no estimate, so each rate's runs tie
  const fs::path path = write_scenario("ties");
  const scenario::SweepPlan plan = scenario::parse_sweep(
      "parameters: {workload.synthetic.0.arrivals_per_day: [10, 40], seed: [1, 2, 3]}", "order.yaml", 1);
  run::SweepOptions options;
  options.scenario_path = path.string();
  run::SweepState state;
  std::vector<double> work;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    state.runs.push_back(i);
    state.todo.push_back(i);
    work.push_back(run::estimated_work(scenario::load_scenario(path.string(), plan.runs[i].overrides)));
  }
  run::order_longest_first(plan, options, state, 2, 1);
  REQUIRE(state.todo.size() == 6);
  for (size_t t = 1; t < state.todo.size(); ++t) {
    const size_t a = state.todo[t - 1];
    const size_t b = state.todo[t];
    INFO("positions " << t - 1 << ", " << t);
    CHECK((work[a] > work[b] || (work[a] == work[b] && a < b)));
  }
  CHECK(work[state.todo.front()] > work[state.todo.back()]);
  fs::remove(path);
}

TEST_CASE("a sweep with many runs per worker keeps its run order", "[run]") {
  // 17 runs on 2 workers is more than kLongestFirstRunsPerWorker (8) each
  std::string values = "[";
  std::vector<std::string> expected;
  for (int i = 1; i <= 17; ++i) {
    values += (i == 1 ? "" : ", ") + std::to_string(i);
    expected.push_back(std::to_string(i));
  }
  CHECK(started_order(values + "]", 2) == expected);
  // the same runs on 3 workers (at most 24 runs) are ordered
  std::vector<std::string> reversed(expected.rbegin(), expected.rend());
  CHECK(started_order(values + "]", 3) == reversed);
}
