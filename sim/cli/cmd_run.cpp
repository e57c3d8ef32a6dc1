// fleetsim run SCENARIO [-o OUT.h5] [--set key=value]... [--threads N] [--baseline POLICY] [--quiet]

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/tables.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "policy/scheduling.hpp"
#include "run/comparison.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

namespace fleetsim::cli {

namespace {

// The names `--baseline` and `scheduler.policy` take alone (combinations join them with '+').
std::vector<std::string> policy_names() {
  std::vector<std::string> names;
  for (const policy::PolicyInfo& info : policy::policy_registry()) names.push_back(info.name);
  return names;
}

}  // namespace

Command run_command() {
  return Command("run", "SCENARIO [-o OUT.h5] [options]", "simulate a scenario and write its run file (HDF5)",
                 "Simulates the scenario hour by hour and writes every hourly series to one HDF5 run file "
                 "(docs/output-format.md), then prints its summary: energy, CFE score, emissions and jobs, per "
                 "region and, for runs over more than one calendar year, per year, and its whole footprint: "
                 "operational and embodied carbon, on-site and off-site water, and cost, for the fleet and per "
                 "region. The output path is checked "
                 "before the simulation starts. On a terminal a progress line (hour, elapsed, remaining) is shown "
                 "on stderr.")
      .argument("scenario", "SCENARIO", "scenario YAML file (docs/scenario-reference.md)", Completion::kScenario)
      .required()
      .text("output,o", "OUT.h5", "the run file to write (first to a temporary name, renamed when complete)",
            Completion::kHdf5)
      .default_text("the scenario file's name with .h5, in the current folder")
      .texts("set", "KEY=VALUE",
             "override a scenario key, e.g. sites.0.pue=1.2 or hours=168 (key paths: docs/scenario-reference.md)")
      .integer("threads", "N",
               "threads for the per-site phase, 0: all cores, at most 1024; the output is identical for any count", 1)
      .text("baseline", "POLICY",
            "also run the same scenario and seed under this scheduling policy (e.g. fifo), print the differences "
            "and store the baseline's summary in the file")
      .words(policy_names())
      .flag("quiet,q", "print nothing but errors (no summary, no warnings, no progress line)");
}

int run_main(const Arguments& args) {
  const std::string scenario_path = args.text("scenario");
  std::string output = args.text("output");
  const std::vector<std::string> sets = args.texts("set");
  int threads = args.integer("threads");
  const std::string baseline_policy = args.text("baseline");
  if (threads < 0 || threads > run::kMaxThreads) {
    throw core::InputError(
        core::SourceLocation{"fleetsim run", 0, "--threads"},
        "must be 0 (all cores) to " + std::to_string(run::kMaxThreads) + ", got " + std::to_string(threads));
  }
  const bool quiet = args.flag("quiet");

  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  std::optional<scenario::Scenario> baseline_sc;
  if (args.has("baseline") && baseline_policy.empty()) {
    throw core::InputError(core::SourceLocation{"fleetsim run", 0, "--baseline"}, "needs a policy name, e.g. fifo");
  }
  if (!baseline_policy.empty()) {
    baseline_sc = run::baseline_scenario(sc, baseline_policy, core::SourceLocation{"fleetsim run", 0, "--baseline"});
  }
  if (output.empty()) output = std::filesystem::path(scenario_path).stem().string() + ".h5";
  run::check_run_output(output, sc);  // before the simulation, not after it
  if (!quiet) {
    for (const auto& warning : sc.warnings) std::cerr << "fleetsim: warning: " << core::one_line(warning) << '\n';
  }
  if (sc.inference.routing_matrix && !quiet) {
    size_t pairs = 0;
    for (size_t d = 0; d < sc.demand_regions.size(); ++d) {
      for (size_t site = 0; site < sc.sites.size(); ++site) {
        pairs += sc.latency_ms[d][site] <= sc.demand_regions[d].latency_slo_ms ? 1U : 0U;
      }
    }
    std::cerr << "fleetsim: routing matrix: " << sc.hours << " hours x " << pairs
              << " (demand region, site) pairs = " << std::fixed << std::setprecision(1)
              << static_cast<double>(sc.hours) * static_cast<double>(pairs) * 8.0 / 1048576.0
              << " MiB before compression\n";
  }
  if (threads == 0) threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));

  ProgressLine progress(!quiet);
  progress.update("generating the workload", 0, 0);
  run::RunOptions run_options;
  run_options.threads = threads;
  run_options.precompress = true;  // the file is written: compress its series as the run goes
  run_options.progress = [&](int64_t hour, int64_t hours) { progress.update("simulating hour", hour, hours); };
  // The baseline runs beside the policy run, on its own thread (each run is deterministic).
  run::RunResult baseline_result;
  const run::RunResult result =
      run::simulate_with_baseline(sc, baseline_sc ? &*baseline_sc : nullptr, &baseline_result, run_options);
  progress.update("writing " + output, 0, 0);
  const auto write_start = std::chrono::steady_clock::now();
  const run::Baseline stored_baseline{baseline_policy, &baseline_result};
  run::write_run_file(sc, result, output, baseline_sc ? &stored_baseline : nullptr);
  progress.finish();
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
  if (quiet) return kExitOk;

  std::cout << "fleetsim " << core::kVersion << " — scenario '" << sc.name << "': " << sc.sites.size() << " sites in "
            << sc.regions.size() << " regions, " << sc.hours << " hours from " << core::format_utc(sc.start_epoch_s)
            << ", seed " << sc.seed << ", policy " << sc.scheduler.policy.name();
  if (sc.scheduler.policy.components.size() > 1 || sc.scheduler.policy.name() != "fifo") {
    std::cout << " (signal " << policy::to_string(sc.scheduler.policy.signal) << ", forecast "
              << policy::to_string(sc.scheduler.policy.forecast.model) << ")";
  }
  std::cout << "\n\n";
  print_summary(std::cout, rows_of(result.summary), region_rows(result.region_names, result.regions));
  print_years(std::cout, year_rows(result.years));
  if (baseline_sc) {
    std::cout << "\n  against the baseline '" << baseline_policy << "' (same scenario and seed):\n\n";
    print_comparison(std::cout, sc.scheduler.policy.name(), baseline_policy,
                     comparison_rows(run::compare(result, baseline_result)));
  }
  const auto bytes = std::filesystem::file_size(output);
  std::cout << "\n  wrote " << output << " (" << std::fixed << std::setprecision(1)
            << static_cast<double>(bytes) / 1048576.0 << " MiB) — simulated in " << std::setprecision(2)
            << result.wall_time_s << " s on " << threads << " thread" << (threads == 1 ? "" : "s") << ", written in "
            << write_s << " s\n";
  return kExitOk;
}

}  // namespace fleetsim::cli
