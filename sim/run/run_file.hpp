#pragma once
// Writes one run's results as the HDF5 file of docs/output-format.md.

#include <string>

#include "output/precompress.hpp"
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
};

// Reads a run file's summary. Throws core::InputError if the file is missing or is not a
// fleetsim run file.
StoredRun read_run_summary(const std::string& path);

}  // namespace fleetsim::run
