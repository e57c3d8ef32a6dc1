// fleetsim command line: a thin layer over the sim/ libraries.
//   fleetsim run SCENARIO [-o OUT.h5] [--set key=value]... [--threads N] [--baseline POLICY] [--quiet]
//   fleetsim validate SCENARIO [--set key=value]...   |   fleetsim validate --reference
//   fleetsim inspect OUT.h5
//   fleetsim catalog [SCENARIO]
// Exit codes: 0 ok, 1 simulation error, 2 bad input.

#include <unistd.h>

#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>

#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "planner/plan.hpp"
#include "policy/scheduling.hpp"
#include "run/comparison.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "run/sweep.hpp"
#include "run/sweep_lock.hpp"
#include "run/sweep_mpi.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"

namespace po = boost::program_options;
using namespace fleetsim;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitSimulationError = 1;
constexpr int kExitBadInput = 2;

const char* const kUsage =
    "fleetsim "
    "— discrete-event simulator of AI data-center fleets\n\n"
    "usage:\n"
    "  fleetsim run SCENARIO [-o OUT.h5] [--set key.path=value]... [--threads N]\n"
    "               [--baseline POLICY] [--quiet]\n"
    "  fleetsim validate SCENARIO [--set key.path=value]...\n"
    "  fleetsim sweep SCENARIO --grid SWEEP.yaml -o DIR [--jobs N] [--shard K/N] [--set ...] [--force]\n"
    "  fleetsim plan SCENARIO --target-cfe 0.9 [--region R]... [-o PLAN.h5] [--load-csv FILE\n"
    "               --load-column COL] [--study] [--set ...]   least-cost 24/7 CFE procurement\n"
    "  fleetsim validate --reference        print the scenario key reference (Markdown)\n"
    "  fleetsim inspect FILE.h5             print a run file's summary (or a plan file's, a sweep summary's)\n"
    "  fleetsim catalog [SCENARIO]          list GPU types, scheduling policies and forecasts\n"
    "  fleetsim --version | --help\n\n"
    "exit codes: 0 ok, 1 simulation error, 2 bad input\n"
    "docs: docs/scenario-reference.md, docs/output-format.md, docs/models.md, docs/planning.md\n";

// Parses subcommand options; unknown options and missing values are bad input.
po::variables_map parse(const std::string& command, int argc, char** argv, const po::options_description& options,
                        const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw core::InputError(core::SourceLocation{"fleetsim " + command, 0, ""}, e.what());
  }
  return vm;
}

// The terminal summary leaves out the inference rows of a run without inference and the trace
// rows of a run without traces (the file keeps every value).
std::vector<cli::Row> rows_of(const std::vector<run::SummaryItem>& items) {
  auto value = [&](const std::string& name) {
    for (const auto& i : items) {
      if (i.name == name) return i.value;
    }
    return 0.0;
  };
  const bool inference = value("queries") > 0.0;
  const bool traces = value("trace_rows") > 0.0;
  std::vector<cli::Row> rows;
  for (const auto& i : items) {
    // policy figures that did not happen (fifo never holds, pauses or caps)
    const bool policy_row = i.name == "jobs_held" || i.name == "held_job_hours" || i.name == "pauses" ||
                            i.name.rfind("checkpoint_", 0) == 0 || i.name == "power_capped_site_hours";
    if (policy_row && i.value == 0.0) continue;
    const bool inference_row = i.name.rfind("quer", 0) == 0 || i.name.find("inference") != std::string::npos;
    if ((inference_row && !inference) || (i.name.rfind("trace_rows", 0) == 0 && !traces)) continue;
    rows.push_back({i.name, i.value, i.description});
  }
  return rows;
}

std::vector<cli::ComparisonRow> comparison_rows(const std::vector<run::ComparisonRow>& compared) {
  std::vector<cli::ComparisonRow> rows;
  for (const run::ComparisonRow& r : compared)
    rows.push_back({r.name, r.policy, r.baseline, r.difference, r.relative, r.attainable});
  return rows;
}

std::vector<cli::RegionRow> region_rows(const std::vector<std::string>& names,
                                        const std::vector<run::RegionSummary>& regions) {
  std::vector<cli::RegionRow> rows;
  for (size_t i = 0; i < names.size() && i < regions.size(); ++i) {
    const run::RegionSummary& g = regions[i];
    rows.push_back({names[i], g.facility_energy_mwh, g.peak_load_mw, g.gpus_total, g.sites, g.cfe_score,
                    g.annual_matching, g.emissions_location_t, g.emissions_market_hourly_t,
                    g.emissions_market_annual_t});
  }
  return rows;
}

std::vector<cli::YearRow> year_rows(const std::vector<run::YearSummary>& years) {
  std::vector<cli::YearRow> rows;
  for (const run::YearSummary& y : years) {
    rows.push_back({y.year, y.hours, y.gpus_installed, y.facility_energy_mwh, y.peak_facility_power_mw, y.cfe_score,
                    y.annual_matching, y.emissions_location_t, y.gpu_utilization, y.jobs_submitted});
  }
  return rows;
}

// A one-line progress display on stderr, shown only on a terminal and only once a run has
// taken longer than a second.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}
  void update(int64_t hour, int64_t hours) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (hour == 0) first_hour_ = now;  // the workload is generated before hour 0
    const double elapsed = seconds(start_, now);
    if (elapsed < 1.0 || seconds(last_, now) < 0.2) return;
    last_ = now;
    shown_ = true;
    const double fraction = static_cast<double>(hour) / static_cast<double>(std::max<int64_t>(1, hours));
    const double simulating = seconds(first_hour_, now);
    std::fprintf(stderr, "\r  simulating hour %lld / %lld  %3.0f%%  elapsed %.1f s", static_cast<long long>(hour),
                 static_cast<long long>(hours), 100.0 * fraction, elapsed);
    if (fraction > 0.02) std::fprintf(stderr, "  remaining ~%.1f s", simulating * (1.0 - fraction) / fraction);
    std::fprintf(stderr, "    ");
    std::fflush(stderr);
  }
  void writing(const std::string& path) {
    if (!shown_) return;
    std::fprintf(stderr, "\r  writing %s ...%40s", path.c_str(), "");
    std::fflush(stderr);
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\r%100s\r", "");
  }

 private:
  static double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point first_hour_ = start_;
  std::chrono::steady_clock::time_point last_ = start_;
};

int cmd_run(int argc, char** argv) {
  po::options_description options("fleetsim run");
  std::string scenario_path;
  std::string output;
  std::vector<std::string> sets;
  int threads = 0;
  std::string baseline_policy;
  options.add_options()("scenario", po::value(&scenario_path)->required(), "scenario YAML file")(
      "baseline", po::value(&baseline_policy),
      "also run the same scenario and seed under this policy (e.g. fifo) and report the differences")(
      "output,o", po::value(&output), "output HDF5 file (default: <scenario name>.h5)")(
      "set", po::value(&sets)->composing(), "override a scenario key: key.path=value (repeatable)")(
      "threads", po::value(&threads)->default_value(1),
      "threads for the per-site phase (0: all cores); output is identical for any count")(
      "quiet,q", "print nothing but errors")("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  const auto vm = parse("run", argc, argv, options, positional);
  if (threads < 0 || threads > run::kMaxThreads) {
    throw core::InputError(
        core::SourceLocation{"fleetsim run", 0, "--threads"},
        "must be 0 (all cores) to " + std::to_string(run::kMaxThreads) + ", got " + std::to_string(threads));
  }
  const bool quiet = vm.count("quiet") > 0;

  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  std::optional<scenario::Scenario> baseline_sc;
  if (vm.count("baseline") && baseline_policy.empty()) {
    throw core::InputError(core::SourceLocation{"fleetsim run", 0, "--baseline"}, "needs a policy name, e.g. fifo");
  }
  if (!baseline_policy.empty()) {
    std::vector<std::string> baseline_sets = sets;
    baseline_sets.push_back("scheduler.policy=" + baseline_policy);
    try {
      baseline_sc = scenario::load_scenario(scenario_path, baseline_sets);
    } catch (const core::InputError& e) {
      throw core::InputError(core::SourceLocation{"fleetsim run", 0, "--baseline"}, e.detail());
    }
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

  Progress progress(!quiet);
  run::RunOptions run_options;
  run_options.threads = threads;
  run_options.precompress = true;  // the file is written: compress its series as the run goes
  run_options.progress = [&](int64_t hour, int64_t hours) { progress.update(hour, hours); };
  // The baseline runs beside the policy run, on its own thread (each run is deterministic).
  run::RunResult baseline_result;
  std::exception_ptr baseline_error;
  std::thread baseline_thread;
  if (baseline_sc) {
    baseline_thread = std::thread([&] {
      try {
        run::RunOptions o;
        o.threads = threads;
        baseline_result = run::simulate(*baseline_sc, o);
      } catch (...) {
        baseline_error = std::current_exception();
      }
    });
  }
  run::RunResult result;
  try {
    result = run::simulate(sc, run_options);
  } catch (...) {
    if (baseline_thread.joinable()) baseline_thread.join();
    throw;
  }
  if (baseline_thread.joinable()) baseline_thread.join();
  if (baseline_error) std::rethrow_exception(baseline_error);
  progress.writing(output);
  const auto write_start = std::chrono::steady_clock::now();
  const run::Baseline stored_baseline{baseline_policy, &baseline_result};
  run::write_run_file(sc, result, output, baseline_sc ? &stored_baseline : nullptr);
  progress.done();
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
  cli::print_summary(std::cout, rows_of(result.summary), region_rows(result.region_names, result.regions));
  cli::print_years(std::cout, year_rows(result.years));
  if (baseline_sc) {
    std::cout << "\n  against the baseline '" << baseline_policy << "' (same scenario and seed):\n\n";
    cli::print_comparison(std::cout, sc.scheduler.policy.name(), baseline_policy,
                          comparison_rows(run::compare(result, baseline_result)));
  }
  const auto bytes = std::filesystem::file_size(output);
  std::cout << "\n  wrote " << output << " (" << std::fixed << std::setprecision(1)
            << static_cast<double>(bytes) / 1048576.0 << " MiB) — simulated in " << std::setprecision(2)
            << result.wall_time_s << " s on " << threads << " thread" << (threads == 1 ? "" : "s") << ", written in "
            << write_s << " s\n";
  return kExitOk;
}

// A whole number from a Slurm environment variable (0 to 2^31: Slurm's own limits are far
// lower); anything else is bad input naming the variable.
int64_t slurm_number(const char* variable, const char* text) {
  constexpr int64_t kMaxSlurmNumber = int64_t{1} << 31;
  const std::string value(text);
  int64_t number = -1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size() || number < 0 || number > kMaxSlurmNumber) {
    throw core::InputError(core::SourceLocation{variable, 0, ""},
                           "'" + value.substr(0, 40) +
                               "' is not a whole number (the Slurm array variables choose the shard; --shard K/N "
                               "overrides them)");
  }
  return number;
}

// K/N from --shard, else from a Slurm array job's environment, else 1/1.
std::pair<int64_t, int64_t> shard_of(const std::string& text) {
  auto bad = [](const std::string& what) {
    return core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--shard"}, what);
  };
  if (!text.empty()) {
    const size_t slash = text.find('/');
    if (slash == std::string::npos) throw bad("'" + text + "' is not K/N");
    try {
      size_t used_k = 0;
      size_t used_n = 0;
      const int64_t k = std::stoll(text.substr(0, slash), &used_k);
      const int64_t n = std::stoll(text.substr(slash + 1), &used_n);
      if (used_k != slash || used_n != text.size() - slash - 1 || n < 1 || k < 1 || k > n) {
        throw bad("'" + text + "' is not K/N with 1 <= K <= N");
      }
      return {k, n};
    } catch (const std::logic_error&) {
      throw bad("'" + text + "' is not K/N");
    }
  }
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (id != nullptr && count != nullptr) {
    const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
    const int64_t task = slurm_number("SLURM_ARRAY_TASK_ID", id);
    const int64_t first = min != nullptr ? slurm_number("SLURM_ARRAY_TASK_MIN", min) : 0;
    const int64_t n = slurm_number("SLURM_ARRAY_TASK_COUNT", count);
    if (n < 1 || task < first || task - first >= n) {
      throw bad("the Slurm array variables (task " + std::to_string(task) + ", first " + std::to_string(first) +
                ", count " + std::to_string(n) + ") do not give a shard K/N with 1 <= K <= N");
    }
    return {task - first + 1, n};
  }
  return {1, 1};
}

int cmd_sweep(int argc, char** argv) {
  po::options_description options("fleetsim sweep");
  std::string scenario_path;
  std::string sweep_path;
  std::string output;
  std::string shard;
  std::vector<std::string> sets;
  int jobs = 1;
  options.add_options()("scenario", po::value(&scenario_path)->required(), "scenario YAML file")(
      "grid", po::value(&sweep_path)->required(), "sweep file (docs/sweeps.md)")(
      "output,o", po::value(&output)->required(), "folder for the run files and the summary")(
      "jobs,j", po::value(&jobs)->default_value(1), "runs at once, one thread each (0: all cores)")(
      "shard", po::value(&shard), "run only shard K of N (K/N); default: from SLURM_ARRAY_TASK_ID/COUNT, else 1/1")(
      "set", po::value(&sets)->composing(), "override a scenario key in every run: key.path=value")(
      "merge", "run nothing: write the whole sweep's summary from the run files in the folder (after shards)")(
      "force", "rerun, and replace, runs whose file in the folder holds another scenario or --set (default: stop)")(
      "quiet,q", "print nothing but errors")("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  const auto vm = parse("sweep", argc, argv, options, positional);
  if (vm.count("merge") && vm.count("shard")) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--merge"}, "merges the whole sweep: no --shard");
  }
  if (vm.count("merge") && vm.count("force")) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--force"}, "reruns runs; --merge runs none");
  }
  if (jobs < 0 || jobs > run::kMaxThreads) {
    throw core::InputError(
        core::SourceLocation{"fleetsim sweep", 0, "--jobs"},
        "must be 0 (all cores) to " + std::to_string(run::kMaxThreads) + ", got " + std::to_string(jobs));
  }
  if (jobs == 0) jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const bool quiet = vm.count("quiet") > 0;
  const scenario::Scenario base = scenario::load_scenario(scenario_path, sets);
  const scenario::SweepPlan plan = scenario::load_sweep(sweep_path, base.seed);
  run::SweepOptions o;
  o.scenario_path = scenario_path;
  o.sets = sets;
  o.output_dir = output;
  o.jobs = jobs;
  o.merge_only = vm.count("merge") > 0;
  o.force = vm.count("force") > 0;
  if (!o.merge_only) std::tie(o.shard, o.shards) = shard_of(shard);
  const auto started = std::chrono::steady_clock::now();
  if (run::mpi_launched() && !o.merge_only) {
    if (!run::mpi_available()) {
      throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, ""},
                             "started under an MPI launcher, but this fleetsim was built without MPI (docs/hpc.md)");
    }
    if (!quiet) o.log = [](const std::string& line) { std::cerr << "  " << line << '\n'; };
    std::optional<run::SweepLock> lock;  // rank 0 locks the folder for every rank
    const run::MpiSweepResult mpi = run::run_sweep_mpi(plan, o, [&] {
      run::prepare_sweep(plan, o);
      lock.emplace(run::SweepLock::acquire(o));
      if (!quiet && !lock->warning().empty()) std::cerr << "fleetsim: warning: " << lock->warning() << '\n';
    });
    if (!mpi.root) return kExitOk;  // rank 0 reports
    run::write_sweep_summary(plan, o, mpi.outcome);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!quiet) {
      std::cout << "sweep '" << plan.name << "': " << mpi.outcome.rows.size() << " runs on " << mpi.ranks
                << " MPI ranks (" << mpi.outcome.ran << " ran, " << mpi.outcome.reused << " already complete, "
                << mpi.outcome.failed << " failed) in " << std::fixed << std::setprecision(2) << wall << " s\n";
    }
    return mpi.outcome.failed > 0 ? kExitSimulationError : kExitOk;
  }
  run::prepare_sweep(plan, o);  // every bad key path or value, or output folder, is reported before any run
  const run::SweepLock lock = run::SweepLock::acquire(o);  // and another sweep in the folder
  if (!quiet && !lock.warning().empty()) std::cerr << "fleetsim: warning: " << lock.warning() << '\n';
  run::SweepState state = run::scan_sweep_folder(plan, o);  // and runs of another scenario in it
  if (!quiet) {
    std::cerr << "fleetsim sweep '" << plan.name << "': " << plan.runs.size() << " runs";
    if (o.shards > 1) std::cerr << ", shard " << o.shard << "/" << o.shards;
    std::cerr << ", " << jobs << " at once, into " << output << "\n";
    o.log = [](const std::string& line) { std::cerr << "  " << line << '\n'; };
  }
  const run::SweepOutcome outcome = run::run_sweep(plan, o, std::move(state));
  run::write_sweep_summary(plan, o, outcome);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!quiet) {
    std::cout << "sweep '" << plan.name << "': " << outcome.rows.size() << " runs (" << outcome.ran << " ran, "
              << outcome.reused << " already complete, " << outcome.failed << " failed, " << outcome.missing
              << " missing) in " << std::fixed << std::setprecision(2) << wall
              << " s; summary: " << (std::filesystem::path(output) / (run::summary_stem(o) + ".csv")).string()
              << " and .h5\n";
  }
  return outcome.failed > 0 || outcome.missing > 0 ? kExitSimulationError : kExitOk;
}

std::string percent(double v) {
  if (!std::isfinite(v)) return "—";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * v);
  return buffer;
}

std::string money(double usd) {
  if (!std::isfinite(usd)) return "—";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "$%.2fM", usd / 1e6);
  return buffer;
}

void print_plan(const planner::PlanRequest& request, const planner::PlanResult& result) {
  for (const planner::RegionPlan& rp : result.regions) {
    const planner::Plan& plan = rp.plan;
    const planner::Portfolio& p = plan.portfolio;
    const planner::Evaluation& e = plan.evaluation;
    std::cout << "\nregion " << rp.region << ": load "
              << cli::format_number(e.load_mwh > 0 ? e.load_mwh : rp.baseline.load_mwh) << " MWh, peak "
              << cli::format_number(rp.peak_load_mw) << " MW, mean " << cli::format_number(rp.mean_load_mw) << " MW\n"
              << "  profiles: solar from " << rp.solar_profile << "; wind from " << rp.wind_profile << "\n"
              << "  grid alone: CFE score " << percent(rp.baseline.cfe_score) << ", cost "
              << money(rp.baseline.cost_usd) << "\n";
    if (!plan.reached) {
      std::cout << "  target " << percent(request.target)
                << " not reached within the search bounds (planner.bounds, docs/planning.md)\n";
    } else {
      std::cout << "  plan for " << percent(request.target) << ": solar " << cli::format_number(p.solar_mw)
                << " MW, wind " << cli::format_number(p.wind_mw) << " MW, clean firm " << cli::format_number(p.firm_mw)
                << " MW, battery " << cli::format_number(p.battery_mwh) << " MWh / " << cli::format_number(p.battery_mw)
                << " MW\n"
                << "    CFE score " << percent(e.cfe_score) << ", procured coverage " << percent(e.coverage)
                << ", annual matching " << percent(e.annual_matching) << ", excess " << cli::format_number(e.excess_mwh)
                << " MWh, grid draw " << cli::format_number(e.grid_draw_mwh) << " MWh\n"
                << "    emissions: location " << cli::format_number(std::round(e.emissions_location_t))
                << " t, hourly market " << cli::format_number(std::round(e.emissions_market_hourly_t)) << " t; cost "
                << money(e.cost_usd) << " (" << cli::format_number(static_cast<double>(plan.candidates))
                << " candidates)\n";
    }
    std::cout << "  frontier (least cost per target):\n"
              << "    target      cost   solar MW    wind MW    firm MW  battery MWh      CFE   coverage   matching\n";
    for (const planner::Plan& f : rp.frontier) {
      std::cout << "    " << std::setw(6) << percent(f.target);
      if (!f.reached) {
        std::cout << "  not reached within the bounds\n";
        continue;
      }
      std::cout << std::setw(10) << money(f.evaluation.cost_usd) << std::setw(11)
                << cli::format_number(f.portfolio.solar_mw) << std::setw(11) << cli::format_number(f.portfolio.wind_mw)
                << std::setw(11) << cli::format_number(f.portfolio.firm_mw) << std::setw(13)
                << cli::format_number(f.portfolio.battery_mwh) << std::setw(9) << percent(f.evaluation.cfe_score)
                << std::setw(11) << percent(f.evaluation.coverage) << std::setw(11)
                << percent(f.evaluation.annual_matching) << "\n";
    }
    if (!request.study) continue;
    std::cout << "  study: procured coverage without battery, wind (rows) x solar (columns), MW\n         ";
    const size_t n = 10;
    for (size_t j = 0; j < n && j < rp.coverage_grid.size(); ++j) {
      std::cout << std::setw(7) << cli::format_number(std::round(rp.coverage_grid[j].solar_mw));
    }
    std::cout << "\n";
    for (size_t i = 0; i < rp.coverage_grid.size(); i += n) {
      std::cout << "    " << std::setw(5) << cli::format_number(std::round(rp.coverage_grid[i].wind_mw));
      for (size_t j = i; j < i + n && j < rp.coverage_grid.size(); ++j) {
        char cell[16];
        std::snprintf(cell, sizeof cell, "%6.1f", 100.0 * rp.coverage_grid[j].coverage);
        std::cout << " " << cell;
      }
      std::cout << "\n";
    }
    std::cout << "  study: battery for 100% procured coverage (planner model; lossless closed form; cyclic: —\n"
              << "  where the year's supply is short of its load, so no battery can cover it)\n"
              << "     wind MW   solar MW   coverage  battery MWh   ideal MWh\n";
    for (size_t k = 0; k < rp.battery_points.size(); ++k) {
      std::cout << std::setw(12) << cli::format_number(rp.battery_points[k].wind_mw) << std::setw(11)
                << cli::format_number(rp.battery_points[k].solar_mw) << std::setw(11)
                << percent(rp.battery_points[k].coverage) << std::setw(13)
                << (std::isfinite(rp.battery_for_full_mwh[k]) ? cli::format_number(rp.battery_for_full_mwh[k]) : "—")
                << std::setw(12)
                << (std::isfinite(rp.ideal_battery_for_full_mwh[k])
                        ? cli::format_number(rp.ideal_battery_for_full_mwh[k])
                        : "—")
                << "\n";
    }
    std::cout << "  study: flexible load at wind " << cli::format_number(rp.flexibility_point.wind_mw) << " MW, solar "
              << cli::format_number(rp.flexibility_point.solar_mw) << " MW, no battery (share: coverage)\n    ";
    for (size_t k = 0; k < rp.flexible_shares.size(); ++k) {
      std::cout << percent(rp.flexible_shares[k]) << ": " << percent(rp.flexible_coverage[k])
                << (k + 1 < rp.flexible_shares.size() ? ", " : "\n");
    }
  }
}

int cmd_plan(int argc, char** argv) {
  po::options_description options("fleetsim plan");
  std::string scenario_path;
  std::string output;
  std::vector<std::string> sets;
  planner::PlanRequest request;
  options.add_options()("scenario", po::value(&scenario_path)->required(), "scenario YAML file")(
      "target-cfe", po::value(&request.target)->default_value(0.9), "target hourly CFE score, in (0, 1]")(
      "region", po::value(&request.regions)->composing(), "plan this region (repeat; default: all with load)")(
      "output,o", po::value(&output), "write the plan file (HDF5, docs/output-format.md)")(
      "load-csv", po::value(&request.load_csv), "hourly load from a CSV (datetime_utc + a column, MW)")(
      "load-column", po::value(&request.load_column), "the load CSV's column")(
      "frontier", po::value(&request.frontier_targets)->multitoken(),
      "frontier targets (default: the grid's share to 1)")(
      "study", "also the wind x solar coverage grid, the battery for 100% and flexible load (docs/planning.md)")(
      "set", po::value(&sets)->composing(), "override a scenario key: key.path=value")(
      "quiet,q", "print nothing but errors")("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  const auto vm = parse("plan", argc, argv, options, positional);
  const core::SourceLocation where{"fleetsim plan", 0, ""};
  if (!(request.target > 0.0 && request.target <= 1.0)) {
    throw core::InputError(core::SourceLocation{"fleetsim plan", 0, "--target-cfe"}, "must be in (0, 1]");
  }
  for (double t : request.frontier_targets) {
    if (!(t > 0.0 && t <= 1.0))
      throw core::InputError(core::SourceLocation{"fleetsim plan", 0, "--frontier"}, "targets must be in (0, 1]");
  }
  if (request.load_csv.empty() != request.load_column.empty()) {
    throw core::InputError(where, "--load-csv and --load-column go together");
  }
  request.study = vm.count("study") > 0;
  const bool quiet = vm.count("quiet") > 0;
  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  if (!output.empty()) {
    std::vector<std::pair<std::string, std::string>> inputs;
    if (!request.load_csv.empty()) inputs.emplace_back(request.load_csv, "--load-csv");
    run::check_run_output(output, sc, inputs);  // before planning, not after it
  }
  for (const auto& warning : sc.warnings) std::cerr << "fleetsim: warning: " << core::one_line(warning) << '\n';
  if (!quiet) {
    std::cout << "fleetsim plan '" << sc.name << "': target hourly CFE " << percent(request.target) << ", policy "
              << sc.scheduler.policy.name() << "\n";
  }
  const planner::PlanResult result = planner::plan_scenario(sc, request);
  if (!quiet) {
    std::cout << "load: " << result.load_source;
    if (request.load_csv.empty() && !result.policy_reacts) {
      std::cout << " once (the policy does not react to supply: candidates are evaluated by the ledger alone)";
    }
    std::cout << "\n";
    if (!result.converged) {
      std::cout << "warning: after " << result.simulations - 1
                << " re-simulations a plan still misses its target on the load it causes; its figures are those "
                   "of its own simulated load\n";
    }
    print_plan(request, result);
    std::cout << "\n  CFE score: hourly carbon-free share of the load, the grid's own share included; procured "
                 "coverage:\n  the share met by the portfolio and its battery alone (docs/planning.md). Planned in "
              << std::fixed << std::setprecision(2) << result.wall_time_s << " s.\n";
    std::cout.unsetf(std::ios::fixed);
  }
  if (!output.empty()) {
    planner::write_plan_file(sc, request, result, output);
    if (!quiet) std::cout << "  wrote " << output << "\n";
  }
  return kExitOk;
}

int cmd_validate(int argc, char** argv) {
  po::options_description options("fleetsim validate");
  std::string scenario_path;
  std::vector<std::string> sets;
  options.add_options()("scenario", po::value(&scenario_path), "scenario YAML file")(
      "set", po::value(&sets)->composing(), "override a scenario key: key.path=value")(
      "reference", "print the reference of every scenario key (Markdown) and exit")("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  const auto vm = parse("validate", argc, argv, options, positional);
  if (vm.count("reference")) {
    std::cout << scenario::reference_markdown();
    return kExitOk;
  }
  if (scenario_path.empty()) {
    throw core::InputError(core::SourceLocation{"fleetsim validate", 0, ""}, "a scenario file is required");
  }
  const scenario::Scenario sc = scenario::load_scenario(scenario_path, sets);
  const auto jobs = run::collect_jobs(sc);  // reads traces, so their errors show here too
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
  return kExitOk;
}

// Rows of each table `fleetsim inspect` shows of a plan file or sweep summary.
constexpr size_t kInspectRows = 8;

// A plan file or sweep summary: what it is, its root attributes, then each table with one
// line per column (the rows side by side, at most kInspectRows of them).
int print_stored_file(const std::string& path, const run::StoredFile& file) {
  std::cout << path << ": " << run::describe(file.kind) << ", not a run file"
            << (file.complete ? "" : "  (INCOMPLETE: it did not finish writing)") << "\n";
  for (const auto& [name, value] : file.info) {
    if (!value.empty()) std::cout << "  " << std::left << std::setw(24) << name << value << '\n';
  }
  for (const run::StoredTable& table : file.tables) {
    std::cout << "\n  " << table.group << ": " << table.rows << " row" << (table.rows == 1 ? "" : "s");
    if (table.rows > kInspectRows) std::cout << " (the first " << kInspectRows << " shown)";
    std::cout << "\n";
    size_t width = 0;
    for (const auto& column : table.columns) width = std::max(width, column.first.size());
    for (const auto& [name, cells] : table.columns) {
      std::cout << "    " << std::left << std::setw(static_cast<int>(width) + 2) << name;
      for (const std::string& cell : cells) std::cout << "  " << std::right << std::setw(12) << cell;
      std::cout << '\n';
    }
  }
  std::cout << "\n  (docs/output-format.md; pandas, h5py and xarray read every value)\n";
  return file.complete ? kExitOk : kExitSimulationError;
}

int cmd_inspect(int argc, char** argv) {
  po::options_description options("fleetsim inspect");
  std::string path;
  options.add_options()("file", po::value(&path)->required(), "run file (HDF5)")(
      "json", "print the summary as JSON (exact values) instead of a table")("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("file", 1);
  const auto vm = parse("inspect", argc, argv, options, positional);
  if (const run::FileKind kind = run::stored_file_kind(path); kind != run::FileKind::kRun) {
    if (vm.count("json")) {
      throw core::InputError(core::SourceLocation{path, 0, ""},
                             "is " + run::describe(kind) + ", not a run file: --json shows run files only");
    }
    return print_stored_file(path, run::read_stored_file(path, kInspectRows));
  }
  const run::StoredRun stored = run::read_run_summary(path);
  if (vm.count("json")) {
    cli::print_json(std::cout, stored.complete, stored.info, rows_of(stored.summary),
                    region_rows(stored.region_names, stored.regions));
    return stored.complete ? kExitOk : kExitSimulationError;
  }
  std::cout << path << (stored.complete ? "" : "  (INCOMPLETE: the run did not finish writing)") << "\n";
  for (const auto& [name, value] : stored.info) {
    if (!value.empty()) std::cout << "  " << std::left << std::setw(20) << name << value << '\n';
  }
  std::cout << '\n';
  cli::print_summary(std::cout, rows_of(stored.summary), region_rows(stored.region_names, stored.regions));
  cli::print_years(std::cout, year_rows(stored.years));
  if (!stored.baseline.empty()) {
    const auto rows = comparison_rows(run::compare(stored.summary, stored.baseline));
    std::string policy = "policy";
    for (const auto& [name, value] : stored.info) {
      if (name == "policy") policy = value;
    }
    std::cout << "\n  against the baseline '" << stored.baseline_policy << "' stored in the file:\n\n";
    cli::print_comparison(std::cout, policy, stored.baseline_policy, rows);
  }
  return stored.complete ? kExitOk : kExitSimulationError;
}

int cmd_catalog(int argc, char** argv) {
  po::options_description options("fleetsim catalog");
  std::string scenario_path;
  options.add_options()("scenario", po::value(&scenario_path), "show the catalog as this scenario overrides it")(
      "help,h", "show this help");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  parse("catalog", argc, argv, options, positional);
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

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "--version" || command == "-V") {
      std::cout << "fleetsim " << core::kVersion << " (output format " << core::kFormatVersion << ", "
                << (run::mpi_available() ? "with MPI" : "without MPI") << ")\n";
      return kExitOk;
    }
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return command.empty() ? kExitBadInput : kExitOk;
    }
    const bool wants_help = argc > 2 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h");
    if (wants_help) {
      std::cout << kUsage;
      return kExitOk;
    }
    if (command == "run") return cmd_run(argc - 1, argv + 1);
    if (command == "validate") return cmd_validate(argc - 1, argv + 1);
    if (command == "sweep") return cmd_sweep(argc - 1, argv + 1);
    if (command == "inspect") return cmd_inspect(argc - 1, argv + 1);
    if (command == "plan") return cmd_plan(argc - 1, argv + 1);
    if (command == "catalog") return cmd_catalog(argc - 1, argv + 1);
    std::cerr << "fleetsim: unknown command " << core::quote(command) << " (try fleetsim --help)\n";
    return kExitBadInput;
  } catch (const core::InputError& e) {
    std::cerr << "fleetsim: error: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "fleetsim: simulation error: " << core::one_line(e.what()) << '\n';
    return kExitSimulationError;
  }
}
