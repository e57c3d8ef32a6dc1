// A program outside fleetsim built against the installed library (docs/install.md): loads a
// scenario with overrides as `fleetsim run --set` takes them, runs it and prints two summary
// figures at full precision.
//   consumer SCENARIO [KEY=VALUE]...
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/version.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SCENARIO [KEY=VALUE]...\n", argv[0]);
    return 2;
  }
  try {
    const std::vector<std::string> overrides(argv + 2, argv + argc);
    const fleetsim::scenario::Scenario scenario = fleetsim::scenario::load_scenario(argv[1], overrides);
    const fleetsim::run::RunResult result = fleetsim::run::simulate(scenario);
    std::printf("fleetsim %s, %lld hours\n", fleetsim::core::kVersion, static_cast<long long>(result.hours));
    std::printf("facility_energy_mwh %.17g\n", result.summary_value("facility_energy_mwh"));
    std::printf("cfe_score %.17g\n", result.summary_value("cfe_score"));
  } catch (const fleetsim::core::InputError& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  return 0;
}
