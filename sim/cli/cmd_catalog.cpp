// fleetsim catalog [SCENARIO]: GPU types, scheduling policies, signals and forecasts.

#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "policy/scheduling.hpp"
#include "scenario/scenario.hpp"

namespace fleetsim::cli {

Command catalog_command() {
  return Command("catalog", "[SCENARIO]", "list GPU types, scheduling policies and forecasts",
                 "Prints the GPU catalog (power, server overhead, relative throughput and each figure's source), "
                 "the scheduling policies with their parameters, units, defaults and ranges, and the signals and "
                 "forecasts a policy can use. With a scenario, its GPU overrides and additions are included.")
      .argument("scenario", "SCENARIO", "show the catalog as this scenario overrides it", Completion::kScenario);
}

int catalog_main(const Arguments& args) {
  const std::string scenario_path = args.text("scenario");
  const fleet::GpuCatalog catalog =
      scenario_path.empty() ? fleet::GpuCatalog::builtin() : scenario::load_scenario(scenario_path).catalog;
  std::cout << std::left << std::setw(8) << "type" << std::right << std::setw(10) << "max W" << std::setw(9) << "idle W"
            << std::setw(12) << "overhead W" << std::setw(15) << "all-in max W" << std::setw(12) << "throughput"
            << "  source\n";
  for (const auto& t : catalog.types()) {
    std::cout << std::left << std::setw(8) << t.name << std::right << std::fixed << std::setprecision(1)
              << std::setw(10) << t.max_power_w << std::setw(9) << t.idle_power_w << std::setw(12) << t.overhead_w
              << std::setw(15) << t.max_power_w + t.overhead_w << std::setprecision(2) << std::setw(12)
              << t.training_throughput << "  " << t.source << '\n';
  }
  std::cout << "\nfootprint per GPU, its server share included (docs/models.md, \"Footprint\"):\n"
            << std::left << std::setw(8) << "type" << std::right << std::setw(14) << "embodied kg" << std::setw(12)
            << "price USD"
            << "  source\n";
  for (const auto& t : catalog.types()) {
    std::cout << std::left << std::setw(8) << t.name << std::right << std::fixed << std::setprecision(1)
              << std::setw(14) << t.embodied_kg << std::setprecision(0) << std::setw(12) << t.capex_usd << "  "
              << (t.footprint_source.empty() ? "-" : t.footprint_source) << '\n';
  }
  std::cout << "\nthroughput: training work per GPU-hour relative to A100; all-in = GPU + server overhead per GPU.\n"
               "Sources and caveats: docs/models.md.\n";
  std::cout << "\nscheduling policies (scheduler.policy; combine one of each kind with '+', e.g. "
               "greenest_site+temporal_shift):\n";
  for (const policy::PolicyInfo& info : policy::policy_registry()) {
    std::cout << "\n  " << info.name << "  [" << policy::to_string(info.kind) << "]  " << info.summary << '\n';
    for (const policy::ParamSpec& p : info.params) {
      std::ostringstream range;
      range << p.default_value << (p.unit.empty() ? "" : " " + p.unit) << ", in [" << p.min_value << ", " << p.max_value
            << "]";
      std::cout << "      scheduler." << info.name << "." << std::left << std::setw(18) << p.name << std::setw(22)
                << range.str() << p.description << '\n';
    }
  }
  std::cout << "\n  signals (scheduler.signal): carbon_intensity (grid gCO2/kWh), cfe (share of the region's load\n"
               "    that would not be carbon-free)\n"
               "  forecasts (scheduler.forecast.model): perfect (oracle), persistence (same hour yesterday),\n"
               "    noisy (true value x (1 + error x N(0,1)))\n"
               "  docs/policies.md has the rules, equations and sources.\n";
  return kExitOk;
}

}  // namespace fleetsim::cli
