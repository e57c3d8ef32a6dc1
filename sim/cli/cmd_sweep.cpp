// fleetsim sweep SCENARIO --grid SWEEP.yaml -o DIR [--jobs N] [--shard K/N] [--set ...]
//                [--dry-run | --merge] [--force] [--quiet]

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <thread>
#include <tuple>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/tables.hpp"
#include "core/error.hpp"
#include "run/sweep.hpp"
#include "run/sweep_lock.hpp"
#include "run/sweep_mpi.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sweep.hpp"

namespace fleetsim::cli {

namespace {

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

// --dry-run: the runs this shard would make, and with -o which of them the folder already
// holds complete (and would keep); nothing is run or written.
int dry_run(const scenario::SweepPlan& plan, const run::SweepOptions& o) {
  run::validate_sweep(plan, o);  // every key path and value, as the sweep checks them
  std::vector<std::string> status;
  std::vector<size_t> runs = run::shard_runs(plan, o);
  if (!o.output_dir.empty()) {
    if (std::filesystem::exists(o.output_dir) && !std::filesystem::is_directory(o.output_dir)) {
      throw core::InputError(core::SourceLocation{o.output_dir, 0, ""}, "is a file, not a folder; give a folder");
    }
    const run::SweepState state = run::scan_sweep_folder(plan, o);
    runs = state.runs;
    status.assign(runs.size(), o.merge_only ? "missing" : "to run");
    for (size_t k = 0; k < runs.size(); ++k) {
      if (state.outcome.rows[k].reused) status[k] = "complete (kept)";
    }
  }
  std::cout << "sweep '" << plan.name << "' (" << plan.source_path << "): " << plan.runs.size() << " run"
            << (plan.runs.size() == 1 ? "" : "s") << ", " << describe_sweep(plan);
  if (o.shards > 1) std::cout << "; shard " << o.shard << "/" << o.shards << ": " << runs.size() << " of them";
  std::cout << "\n";
  print_sweep_runs(std::cout, plan, runs, status);
  const auto to_run = static_cast<size_t>(std::count(status.begin(), status.end(), "to run"));
  std::cout << "dry run: nothing was run or written";
  if (!o.output_dir.empty()) {
    std::cout << "; " << to_run << " would run, " << runs.size() - to_run << " complete in " << o.output_dir;
  }
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

Command sweep_command() {
  return Command("sweep", "SCENARIO --grid SWEEP.yaml -o DIR [options]",
                 "run a scenario over a grid or sample of parameter values",
                 "Runs the scenario once per point of the sweep file (docs/sweeps.md), each run with its own "
                 "overrides, and writes one run file per run and a summary of them all (sweep_summary.csv and "
                 ".h5) into the folder. Runs already complete in the folder are kept, so an interrupted sweep "
                 "resumes. Under mpirun the runs are spread over the MPI ranks; in a Slurm array job each task "
                 "runs its shard (docs/hpc.md). Every key path and value, and the folder, are checked before the "
                 "first run. On a terminal a progress line (runs done, elapsed, remaining) is shown on stderr.")
      .argument("scenario", "SCENARIO", "scenario YAML file (docs/scenario-reference.md)", Completion::kScenario)
      .required()
      .text("grid", "SWEEP.yaml", "the sweep file: parameters and their values (docs/sweeps.md)",
            Completion::kSweepFile)
      .required()
      .text("output,o", "DIR",
            "folder for the run files and the summary, made if missing; required, except with --dry-run",
            Completion::kFolder)
      .integer("jobs,j", "N", "runs at once, one thread each, 0: all cores, at most 1024", 1)
      .text("shard", "K/N", "run only shard K of N (the runs whose index modulo N is K-1)")
      .default_text("from SLURM_ARRAY_TASK_ID, _COUNT and _MIN, else 1/1")
      .texts("set", "KEY=VALUE", "override a scenario key in every run, before the sweep's own overrides")
      .flag("dry-run",
            "list the runs (index, run file, parameter values, seed) and run nothing; with -o, also which "
            "are complete in the folder already")
      .flag("merge", "run nothing: write the whole sweep's summary from the run files in the folder (after shards)")
      .flag("force",
            "rerun, and replace, runs whose file in the folder holds another scenario or --set "
            "(default: stop before any run)")
      .flag("quiet,q", "print nothing but errors (no run lines, no progress line)");
}

int sweep_main(const Arguments& args) {
  const std::string scenario_path = args.text("scenario");
  const std::string output = args.text("output");
  const std::vector<std::string> sets = args.texts("set");
  int jobs = args.integer("jobs");
  const bool dry = args.flag("dry-run");
  const bool merge = args.flag("merge");
  if (output.empty() && !dry) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "-o"},
                           "the output folder is required (or --dry-run to list the runs)");
  }
  if (merge && args.has("shard")) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--merge"}, "merges the whole sweep: no --shard");
  }
  if (merge && args.flag("force")) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--force"}, "reruns runs; --merge runs none");
  }
  if (jobs < 0 || jobs > run::kMaxThreads) {
    throw core::InputError(
        core::SourceLocation{"fleetsim sweep", 0, "--jobs"},
        "must be 0 (all cores) to " + std::to_string(run::kMaxThreads) + ", got " + std::to_string(jobs));
  }
  if (jobs == 0) jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const bool quiet = args.flag("quiet");
  const scenario::Scenario base = scenario::load_scenario(scenario_path, sets);
  const scenario::SweepPlan plan = scenario::load_sweep(args.text("grid"), base.seed);
  run::SweepOptions o;
  o.scenario_path = scenario_path;
  o.sets = sets;
  o.output_dir = output;
  o.jobs = jobs;
  o.merge_only = merge;
  o.force = args.flag("force");
  if (!o.merge_only) std::tie(o.shard, o.shards) = shard_of(args.text("shard"));
  if (dry) return dry_run(plan, o);
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
  const size_t total = state.runs.size();
  const size_t to_run = state.todo.size();
  ProgressLine progress(!quiet);
  if (!quiet) {
    std::cerr << "fleetsim sweep '" << plan.name << "': " << plan.runs.size() << " runs";
    if (o.shards > 1) std::cerr << ", shard " << o.shard << "/" << o.shards << ": " << total;
    if (to_run < total) std::cerr << ", " << total - to_run << " complete already";
    std::cerr << ", " << jobs << " at once, into " << output << "\n";
    // one line per run: "[k/N] name: ran" (complete runs first); the progress line counts
    // the runs made in this call
    size_t logged = 0;
    size_t finished = 0;
    o.log = [&, total, to_run](const std::string& line) {
      const std::string count = std::to_string(++logged);
      if (logged > total - to_run)
        progress.update("runs", static_cast<int64_t>(++finished), static_cast<int64_t>(to_run));
      progress.print_line("  [" + std::string(std::to_string(total).size() - count.size(), ' ') + count + "/" +
                          std::to_string(total) + "] " + line);
    };
    progress.update("runs", 0, static_cast<int64_t>(to_run));
  }
  const run::SweepOutcome outcome = run::run_sweep(plan, o, std::move(state));
  progress.update("writing the summary", 0, 0);
  run::write_sweep_summary(plan, o, outcome);
  progress.finish();
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

}  // namespace fleetsim::cli
