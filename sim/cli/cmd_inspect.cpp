// fleetsim inspect PATH [--json]: a run file, a plan file, a sweep summary, or a folder of them
// (a sweep's output folder: its summary and its run files).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/tables.hpp"
#include "core/error.hpp"
#include "run/comparison.hpp"
#include "run/run_file.hpp"

namespace fleetsim::cli {

namespace {

// Rows of each table shown of a plan file or sweep summary, and files listed of a folder.
constexpr size_t kInspectRows = 8;
constexpr size_t kListedFiles = 20;
// The narrowest column of a table's rows.
constexpr size_t kCellColumns = 12;

const char* kind_key(run::FileKind kind) {
  switch (kind) {
    case run::FileKind::kRun:
      return "run";
    case run::FileKind::kPlan:
      return "plan";
    case run::FileKind::kSweepSummary:
      return "sweep_summary";
  }
  return "unknown";
}

// A plan file or sweep summary: what it is, its root attributes, then each table with one
// line per column (the rows side by side, at most kInspectRows of them).
void print_stored_file(const std::string& path, const run::StoredFile& file) {
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
    std::vector<size_t> cell_width;  // per row shown
    for (const auto& [name, cells] : table.columns) {
      width = std::max(width, name.size());
      cell_width.resize(std::max(cell_width.size(), cells.size()), kCellColumns);
      for (size_t r = 0; r < cells.size(); ++r) cell_width[r] = std::max(cell_width[r], cells[r].size());
    }
    for (const auto& [name, cells] : table.columns) {
      std::cout << "    " << std::left << std::setw(static_cast<int>(width) + 2) << name << std::right;
      for (size_t r = 0; r < cells.size(); ++r)
        std::cout << "  " << std::setw(static_cast<int>(cell_width[r])) << cells[r];
      std::cout << '\n';
    }
  }
  std::cout << "\n  (docs/output-format.md; pandas, h5py and xarray read every value)\n";
}

void print_stored_json(std::ostream& out, const std::string& path, const run::StoredFile& file,
                       const std::string& indent) {
  out << "{\n"
      << indent << "  \"kind\": \"" << kind_key(file.kind) << "\",\n"
      << indent << "  \"path\": " << json_string(path) << ",\n"
      << indent << "  \"complete\": " << (file.complete ? "true" : "false") << ",\n"
      << indent << "  \"info\": {";
  for (size_t i = 0; i < file.info.size(); ++i) {
    out << (i ? ", " : "") << json_string(file.info[i].first) << ": " << json_string(file.info[i].second);
  }
  out << "},\n" << indent << "  \"tables\": {";
  for (size_t t = 0; t < file.tables.size(); ++t) {
    const run::StoredTable& table = file.tables[t];
    out << (t ? "," : "") << "\n"
        << indent << "    " << json_string(table.group) << ": {\"rows\": " << table.rows << ", \"columns\": {";
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const auto& [name, cells] = table.columns[c];
      const bool numeric = c < table.numbers.size() && !table.numbers[c].empty();
      out << (c ? "," : "") << "\n" << indent << "      " << json_string(name) << ": [";
      const size_t n = numeric ? table.numbers[c].size() : cells.size();
      for (size_t r = 0; r < n; ++r) {
        out << (r ? ", " : "") << (numeric ? json_number(table.numbers[c][r]) : json_string(cells[r]));
      }
      out << "]";
    }
    out << "\n" << indent << "    }}";
  }
  out << "\n" << indent << "  }\n" << indent << "}";
}

int inspect_run_file(const std::string& path, bool json) {
  const run::StoredRun stored = run::read_run_summary(path);
  if (json) {
    print_json(std::cout, stored.complete, stored.info, rows_of(stored.summary),
               region_rows(stored.region_names, stored.regions));
    return stored.complete ? kExitOk : kExitSimulationError;
  }
  std::cout << path << (stored.complete ? "" : "  (INCOMPLETE: the run did not finish writing)") << "\n";
  for (const auto& [name, value] : stored.info) {
    if (!value.empty()) std::cout << "  " << std::left << std::setw(20) << name << value << '\n';
  }
  std::cout << '\n';
  print_summary(std::cout, rows_of(stored.summary), region_rows(stored.region_names, stored.regions));
  print_years(std::cout, year_rows(stored.years));
  if (!stored.baseline.empty()) {
    const auto rows = comparison_rows(run::compare(stored.summary, stored.baseline));
    std::string policy = "policy";
    for (const auto& [name, value] : stored.info) {
      if (name == "policy") policy = value;
    }
    std::cout << "\n  against the baseline '" << stored.baseline_policy << "' stored in the file:\n\n";
    print_comparison(std::cout, policy, stored.baseline_policy, rows);
  }
  return stored.complete ? kExitOk : kExitSimulationError;
}

int inspect_file(const std::string& path, bool json) {
  const run::FileKind kind = run::stored_file_kind(path);
  if (kind == run::FileKind::kRun) return inspect_run_file(path, json);
  const run::StoredFile file = run::read_stored_file(path, json ? SIZE_MAX : kInspectRows);
  if (json) {
    print_stored_json(std::cout, path, file, "");
    std::cout << "\n";
  } else {
    print_stored_file(path, file);
  }
  return file.complete ? kExitOk : kExitSimulationError;
}

// One .h5 file of a folder: its kind and state, or why it is not a fleetsim file.
struct FolderFile {
  std::string name;
  std::optional<run::StoredFileStatus> status;
  std::string problem;
};

// A folder: the fleetsim files in it (a sweep's output folder: its runs and summaries), then
// the summary of the whole sweep if there is one.
int inspect_folder(const std::string& path, bool json) {
  std::vector<FolderFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".h5") continue;
    FolderFile f{entry.path().filename().string(), std::nullopt, ""};
    try {
      f.status = run::stored_file_status(entry.path().string());
    } catch (const core::InputError& e) {
      f.problem = e.detail();
    }
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(), [](const FolderFile& a, const FolderFile& b) { return a.name < b.name; });
  size_t runs = 0;
  size_t complete_runs = 0;
  size_t plans = 0;
  size_t width = 0;
  std::vector<std::string> summaries;
  for (const FolderFile& f : files) {
    width = std::max(width, f.name.size());
    if (!f.status) continue;
    if (f.status->kind == run::FileKind::kRun) {
      ++runs;
      complete_runs += f.status->complete ? 1U : 0U;
    }
    plans += f.status->kind == run::FileKind::kPlan ? 1U : 0U;
    if (f.status->kind == run::FileKind::kSweepSummary) summaries.push_back(f.name);
  }
  if (std::none_of(files.begin(), files.end(), [](const FolderFile& f) { return f.status.has_value(); })) {
    throw core::InputError(core::SourceLocation{path, 0, ""},
                           "is a folder with no fleetsim file (.h5) in it; give a run file, a plan file, a sweep "
                           "summary or a sweep's output folder");
  }
  const bool whole = std::find(summaries.begin(), summaries.end(), "sweep_summary.h5") != summaries.end();
  const std::string summary = (std::filesystem::path(path) / "sweep_summary.h5").string();
  if (json) {
    std::cout << "{\n  \"kind\": \"folder\",\n  \"path\": " << json_string(path) << ",\n  \"files\": [";
    for (size_t i = 0; i < files.size(); ++i) {
      const FolderFile& f = files[i];
      std::cout << (i ? "," : "") << "\n    {\"name\": " << json_string(f.name)
                << ", \"kind\": " << (f.status ? json_string(kind_key(f.status->kind)) : "null")
                << ", \"complete\": " << (f.status && f.status->complete ? "true" : "false");
      if (!f.problem.empty()) std::cout << ", \"problem\": " << json_string(f.problem);
      std::cout << "}";
    }
    std::cout << "\n  ],\n  \"summary\": ";
    if (whole) {
      print_stored_json(std::cout, summary, run::read_stored_file(summary, SIZE_MAX), "  ");
    } else {
      std::cout << "null";
    }
    std::cout << "\n}\n";
    return kExitOk;
  }
  auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string kinds;
  if (runs > 0) kinds += count(runs, "run file", "run files") + " (" + std::to_string(complete_runs) + " complete)";
  if (plans > 0) kinds += (kinds.empty() ? "" : ", ") + count(plans, "plan file", "plan files");
  if (!summaries.empty())
    kinds += (kinds.empty() ? "" : ", ") + count(summaries.size(), "sweep summary", "sweep summaries");
  std::cout << path << ": " << (whole ? "a sweep's output folder" : "a folder") << " of "
            << count(files.size(), "HDF5 file", "HDF5 files") << ": " << kinds << "\n";
  for (size_t i = 0; i < files.size() && i < kListedFiles; ++i) {
    const FolderFile& f = files[i];
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << f.name << std::right << "  ";
    if (f.status) {
      std::cout << run::describe(f.status->kind) << (f.status->complete ? "" : " (INCOMPLETE)") << "\n";
    } else {
      std::cout << f.problem << "\n";
    }
  }
  if (files.size() > kListedFiles) std::cout << "  ... and " << files.size() - kListedFiles << " more\n";
  if (whole) {
    std::cout << "\n";
    return inspect_file(summary, false);
  }
  if (!summaries.empty()) {
    std::cout << "\n  shard summaries only: fleetsim sweep SCENARIO --grid SWEEP.yaml -o " << path
              << " --merge writes the whole sweep's summary (docs/sweeps.md)\n";
  }
  std::cout << "\n  (fleetsim inspect FILE shows one of them)\n";
  return kExitOk;
}

}  // namespace

Command inspect_command() {
  return Command("inspect", "PATH [--json]", "show a run file, plan file, sweep summary or sweep folder",
                 "Prints what a file fleetsim wrote holds: of a run file its summary (per region and per year, "
                 "its footprint as fleetsim run prints it, and the baseline comparison when it has one); of a plan "
                 "file or a sweep summary its "
                 "attributes and tables; of a folder (a sweep's output folder) the fleetsim files in it and "
                 "the sweep's summary. A file that did not finish writing is exit code 1; one that is not a "
                 "fleetsim file, exit code 2.")
      .argument("path", "PATH", "a run file, plan file or sweep summary (HDF5), or a folder of them",
                Completion::kHdf5OrFolder)
      .required()
      .flag("json", "print it as JSON instead (numbers exact, every row of every table)");
}

int inspect_main(const Arguments& args) {
  const std::string path = args.text("path");
  const bool json = args.flag("json");
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return inspect_folder(path, json);
  return inspect_file(path, json);
}

}  // namespace fleetsim::cli
