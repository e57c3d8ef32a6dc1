// Writes the seed run files of the run-file harness (tests/fuzz/make_seeds.py calls it):
// small runs of a fixture scenario, written by the current writer so that the seeds always
// have the current layout.
//   make_run_files OUT_DIR
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

namespace {

using namespace fleetsim;

struct Seed {
  const char* name;
  std::vector<std::string> overrides;
  const char* baseline_policy;  // nullptr: no baseline
};

void write_seed(const std::string& folder, const Seed& seed) {
  const std::string scenario_path = std::string(fuzz::kSourceDir) + "/tests/fixtures/scenarios/sweep_base.yaml";
  const scenario::Scenario sc = scenario::load_scenario(scenario_path, seed.overrides);
  const run::RunResult result = run::simulate(sc);
  run::RunResult baseline_result;
  run::Baseline baseline;
  if (seed.baseline_policy != nullptr) {
    std::vector<std::string> overrides = seed.overrides;
    overrides.push_back(std::string("scheduler.policy=") + seed.baseline_policy);
    baseline_result = run::simulate(scenario::load_scenario(scenario_path, overrides));
    baseline = run::Baseline{seed.baseline_policy, &baseline_result};
  }
  run::write_run_file(sc, result, folder + "/" + seed.name, seed.baseline_policy != nullptr ? &baseline : nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_run_files OUT_DIR\n");
    return 2;
  }
  const std::vector<Seed> seeds{
      {"day.h5", {}, nullptr},
      {"three_hours.h5", {"hours=3"}, nullptr},
      {"baseline.h5", {"hours=6"}, "fifo"},
  };
  try {
    for (const Seed& seed : seeds) write_seed(argv[1], seed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_run_files: %s\n", e.what());
    return 1;
  }
  return 0;
}
