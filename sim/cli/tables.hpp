#pragma once
// What the commands print that more than one of them shows: a run's summary rows (run,
// inspect) and a sweep's list of runs (sweep --dry-run, validate --grid).

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "cli/report.hpp"
#include "run/comparison.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/sweep.hpp"

namespace fleetsim::cli {

// The terminal summary leaves out the inference rows of a run without inference, the trace
// rows of a run without traces and policy figures that did not happen (the file keeps every
// value).
std::vector<Row> rows_of(const std::vector<run::SummaryItem>& items);
std::vector<ComparisonRow> comparison_rows(const std::vector<run::ComparisonRow>& compared);
std::vector<RegionRow> region_rows(const std::vector<std::string>& names,
                                   const std::vector<run::RegionSummary>& regions);
std::vector<YearRow> year_rows(const std::vector<run::YearSummary>& years);

// "90.0%" and "$1.23M"; "—" when not finite.
std::string percent(double share);
std::string money(double usd);

// The runs `runs` (indices into plan.runs) of a sweep: index, run file, each parameter's
// value and the seed of a replicate; `status` (one per run, may be empty) as a last column.
void print_sweep_runs(std::ostream& out, const scenario::SweepPlan& plan, const std::vector<size_t>& runs,
                      const std::vector<std::string>& status);
// "grid", "zip", "random", "lhs" and how the runs are made: "4 points x 2 replicates".
std::string describe_sweep(const scenario::SweepPlan& plan);

}  // namespace fleetsim::cli
