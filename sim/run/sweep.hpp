#pragma once
// Running a sweep (docs/sweeps.md): every run of a SweepPlan (or of one shard of it) on a pool
// of threads, one run per thread, each written to its own HDF5 file in the output folder;
// runs whose file is already complete, with the same effective scenario, are not rerun; a
// summary of every run's /summary in CSV and HDF5, in run order, so it does not depend on
// the number of threads.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "run/simulation.hpp"
#include "scenario/sweep.hpp"

namespace fleetsim::run {

struct SweepOptions {
  std::string scenario_path;
  std::vector<std::string> sets;  // --set overrides applied to every run, before the sweep's
  std::string output_dir;
  int jobs = 1;       // runs at once, one thread each
  int64_t shard = 1;  // this process runs the runs with index % shards == shard - 1
  int64_t shards = 1;
  bool merge_only = false;  // run nothing: summarise the run files already in the folder
  bool force = false;       // rerun (and replace) runs whose file holds another effective scenario, instead of stopping
  std::function<void(const std::string&)> log;  // one line per finished run (may be empty)
};

struct SweepRow {
  int64_t run = 0;      // index into SweepPlan::runs
  std::string status;   // "ok", "failed", or "missing" (merge: no complete file)
  bool reused = false;  // ok from a complete file found in the folder, not rerun
  std::string error;    // when failed
  std::vector<SummaryItem> summary;
};

struct SweepOutcome {
  std::vector<SweepRow> rows;  // this shard's runs, in run order
  int64_t ran = 0;
  int64_t reused = 0;
  int64_t failed = 0;
  int64_t missing = 0;
};

// Loads the scenario with every parameter value of the plan (up to 20 per parameter: the
// first and last 10) and with the first run's overrides, so a bad key path or value is an
// error before any run starts. Throws core::InputError.
void validate_sweep(const scenario::SweepPlan& plan, const SweepOptions& options);

// Everything a sweep checks before its first run, each a core::InputError (exit 2):
// validate_sweep; the output folder (created if missing) is a folder that takes new files; and
// no input (the scenario file, the files it names, the sweep file) is one of the files the
// sweep writes in the folder (run files, summaries, their temporaries).
void prepare_sweep(const scenario::SweepPlan& plan, const SweepOptions& options);

// Makes and locks the folder (sweep_lock.hpp), scans it and runs what is left.
SweepOutcome run_sweep(const scenario::SweepPlan& plan, const SweepOptions& options);

// This shard's runs and what the folder already holds for them (resume, merge).
struct SweepState {
  std::vector<size_t> runs;  // indices into SweepPlan::runs, in order
  SweepOutcome outcome;      // a row per run; filled for runs reused from a complete file (merge: also "missing")
  std::vector<size_t> todo;  // positions (into runs and outcome.rows) of the runs to run
};
// Reads every complete run file of this shard. A file is reused only when the run it holds is
// the run asked for: the same scenario text and overrides, or else the same effective
// scenario (scenario::differing_keys). Otherwise the sweep stops before any run with a
// core::InputError naming the file and the keys that differ, or with options.force the run is
// rerun. An incomplete or unreadable file is rerun (merge: "missing").
SweepState scan_sweep_folder(const scenario::SweepPlan& plan, const SweepOptions& options);

// Runs the runs state.todo (scan_sweep_folder) and returns every row of the shard. The
// caller holds the folder's SweepLock.
SweepOutcome run_sweep(const scenario::SweepPlan& plan, const SweepOptions& options, SweepState state);

// The pieces run_sweep is made of (also used by the MPI runner, run/sweep_mpi.hpp):
// the runs of this shard, one run (never throws: a failure is a row; its temporary files
// from earlier, killed attempts are removed first: the folder lock, sweep_lock.hpp, makes
// them stale), a log line, the counts.
std::vector<size_t> shard_runs(const scenario::SweepPlan& plan, const SweepOptions& options);
SweepRow process_run(const scenario::SweepPlan& plan, const SweepOptions& options, size_t index);
std::string describe(const scenario::SweepRun& run, const SweepRow& row);
void count(SweepOutcome& outcome);

// A rough measure of a run's work, only for the order a sweep starts its runs in
// (docs/sweeps.md, "Run order"): the training jobs it makes on average (listed, synthetic by
// their arrival rate's integral, a trace's max_jobs or its size at 64 bytes a row) plus the
// hours times sites and regions and times the demand-site pairs within the latency SLO, each
// weighted by its cost beside a job's in the planet year's profile (docs/performance.md).
double estimated_work(const scenario::Scenario& sc);

// Longest first (the LPT rule): when two or more workers share this shard's runs, more runs
// than workers and at most kLongestFirstRunsPerWorker each, loads each one's scenario (on `load_threads` threads) and
// reorders state.todo by estimated_work, largest first, equal estimates in run order; a run whose scenario does not
// load goes last (it fails at once when it runs). With more runs per worker the tail is a small part of the sweep and
// the order is left as it is. The order changes no file: each run writes its own, and the summaries are in run order.
inline constexpr size_t kLongestFirstRunsPerWorker = 8;
void order_longest_first(const scenario::SweepPlan& plan, const SweepOptions& options, SweepState& state, int workers,
                         int load_threads);

// The file name (no folder) of a run.
std::string run_file_name(const scenario::SweepRun& run);

// Writes `<stem>.csv` and `<stem>.h5` in the output folder (stem: sweep_summary, or
// sweep_summary.shard-K-of-N for a shard).
void write_sweep_summary(const scenario::SweepPlan& plan, const SweepOptions& options, const SweepOutcome& outcome);
std::string summary_stem(const SweepOptions& options);

}  // namespace fleetsim::run
