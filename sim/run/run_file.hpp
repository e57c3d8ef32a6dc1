#pragma once
// Writes one run's results as the HDF5 file of docs/output-format.md.

#include <string>
#include <utility>
#include <vector>

#include "output/precompress.hpp"
#include "output/run_sink.hpp"
#include "run/simulation.hpp"
#include "scenario/scenario.hpp"

namespace fleetsim::run {

// Writes to a temporary name and renames to `path` when complete; on failure nothing is
// left at `path` (an older file there is kept). Throws core::SimulationError.
// The baseline run of `fleetsim run --baseline`, stored as /baseline attributes.
struct Baseline {
  std::string policy;
  const RunResult* result = nullptr;
};
// Registers every hourly series that write_run_file writes with a compressor that compresses
// their chunks during the run (output/precompress.hpp), under the keys write_run_file looks up.
void precompress_series(const RunResult& result, output::SeriesPrecompressor& compressor);

void write_run_file(const scenario::Scenario& scenario, const RunResult& result, const std::string& path,
                    const Baseline* baseline = nullptr);
// The same contents, call by call, into any sink (output/run_sink.hpp): write_run_file is
// emit_run into an HDF5 RunFileWriter, then commit; the Python module keeps them in memory.
void emit_run(const scenario::Scenario& scenario, const RunResult& result, const Baseline* baseline,
              output::RunSink& sink);

// Checks `path` as the output file of a run (or plan) of `sc`, before any simulation: it names
// no folder or special file, its folder exists and takes new files, and it is neither the
// scenario file nor any file the scenario names, nor one of `more_inputs` (path, what names
// it, e.g. {csv, "--load-csv"}). Throws core::InputError naming the path.
void check_run_output(const std::string& path, const scenario::Scenario& sc,
                      const std::vector<std::pair<std::string, std::string>>& more_inputs = {});

// What `fleetsim inspect` shows of a stored run.
struct StoredRun {
  std::vector<std::pair<std::string, std::string>> info;  // root attributes worth showing
  std::vector<SummaryItem> summary;                       // /summary attributes
  std::vector<std::string> region_names;
  std::vector<RegionSummary> regions;  // /summary/region
  std::vector<YearSummary> years;      // /summary/year
  std::string baseline_policy;         // /baseline (fleetsim run --baseline); empty: none
  std::vector<SummaryItem> baseline;
  bool complete = false;
  // what the run ran: the scenario file's text, the --set overrides (one per line) and the
  // effective scenario (root attributes scenario, scenario_overrides, scenario_effective)
  std::string scenario_text;
  std::string scenario_overrides;
  std::string scenario_effective;
};

// Reads a run file's summary. Throws core::InputError (one line naming the file) if the file
// is missing, damaged, not HDF5, not fleetsim's, or another kind of fleetsim file.
StoredRun read_run_summary(const std::string& path);

// The kinds of file fleetsim writes, told apart by their root attributes: a plan file has
// file_type = "plan", a sweep summary sweep_name, a run file scenario_effective.
enum class FileKind { kRun, kPlan, kSweepSummary };
// "a run file", "a plan file (fleetsim plan)", "a sweep summary (fleetsim sweep)"
std::string describe(FileKind kind);

// Which kind of fleetsim file `path` is. Throws core::InputError as read_run_summary.
FileKind stored_file_kind(const std::string& path);
// Its kind and whether it finished writing (root attributes only: quick for any size).
struct StoredFileStatus {
  FileKind kind = FileKind::kRun;
  bool complete = false;
};
StoredFileStatus stored_file_status(const std::string& path);

// A plan file or a sweep summary as `fleetsim inspect` shows it: its root attributes and its
// tables (a group whose first dataset is a dimension scale of row keys; every 1-D dataset
// along it a column), values as text, at most max_rows of each.
struct StoredTable {
  std::string group;  // "/plan", "/runs", ...
  size_t rows = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;  // the row keys first
  std::vector<std::vector<double>> numbers;  // per column: its values, exact (empty for a text column)
};
struct StoredFile {
  FileKind kind = FileKind::kRun;
  bool complete = false;
  std::vector<std::pair<std::string, std::string>> info;  // short root attributes
  std::vector<StoredTable> tables;
};
StoredFile read_stored_file(const std::string& path, size_t max_rows);

}  // namespace fleetsim::run
