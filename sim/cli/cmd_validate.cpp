// fleetsim validate SCENARIO [--set key=value]... [--grid SWEEP.yaml]   |   fleetsim validate --reference

#include <iostream>

#include "cli/commands.hpp"
#include "cli/tables.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "run/simulation.hpp"
#include "run/sweep.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"

namespace fleetsim::cli {

Command validate_command() {
  return Command("validate", "SCENARIO [--set KEY=VALUE]... [--grid SWEEP.yaml] | --reference",
                 "check a scenario (and a sweep file) without simulating",
                 "Reads and checks the scenario, every file it names and its workload (traces included) as a run "
                 "would, and prints its size; nothing is simulated or written. With --grid, also checks the sweep "
                 "file against the scenario (every parameter's key path and values) and lists its runs, as "
                 "fleetsim sweep --dry-run does.")
      .argument("scenario", "SCENARIO", "scenario YAML file (docs/scenario-reference.md)", Completion::kScenario)
      .texts("set", "KEY=VALUE", "override a scenario key, e.g. sites.0.pue=1.2")
      .text("grid", "SWEEP.yaml", "also check this sweep file and list its runs (docs/sweeps.md)",
            Completion::kSweepFile)
      .flag("reference", "print the reference of every scenario key (Markdown, docs/scenario-reference.md) and exit");
}

int validate_main(const Arguments& args) {
  if (args.flag("reference")) {
    std::cout << scenario::reference_markdown();
    return kExitOk;
  }
  const std::string scenario_path = args.text("scenario");
  const std::vector<std::string> sets = args.texts("set");
  if (scenario_path.empty()) {
    throw core::InputError(core::SourceLocation{"fleetsim validate", 0, ""},
                           "a scenario file is required (or --reference)");
  }
  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  const auto jobs = run::collect_jobs(sc);  // reads traces, so their errors show here too
  std::optional<scenario::SweepPlan> plan;
  if (args.has("grid")) {
    plan = scenario::load_sweep(args.text("grid"), sc.seed);
    run::SweepOptions o;
    o.scenario_path = scenario_path;
    o.sets = sets;
    run::validate_sweep(*plan, o);
  }
  for (const auto& warning : sc.warnings) std::cerr << "fleetsim: warning: " << core::one_line(warning) << '\n';
  int64_t gpus = 0;      // at the start
  int64_t gpus_end = 0;  // after every capacity step within the horizon
  bool changes = false;
  for (const auto& s : sc.sites) {
    for (const auto& c : s.clusters) {
      gpus += c.gpus;
      gpus_end += c.steps.empty() ? c.gpus : c.steps.back().gpus;
      changes = changes || !c.steps.empty();
    }
  }
  std::cout << scenario_path << ": ok — '" << sc.name << "', " << sc.regions.size() << " regions, " << sc.sites.size()
            << " sites, " << gpus << " GPUs";
  if (changes) std::cout << " at the start (" << gpus_end << " at the end)";
  std::cout << ", " << jobs.size() << " training jobs, " << sc.hours << " hours\n";
  if (plan) {
    std::cout << plan->source_path << ": ok — sweep '" << plan->name << "', " << plan->runs.size() << " run"
              << (plan->runs.size() == 1 ? "" : "s") << ", " << describe_sweep(*plan) << "\n";
    std::vector<size_t> all(plan->runs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    print_sweep_runs(std::cout, *plan, all, {});
  }
  return kExitOk;
}

}  // namespace fleetsim::cli
