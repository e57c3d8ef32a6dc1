// The sweep summary is written whole or not at all.
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "run/sweep.hpp"
#include "scenario/sweep.hpp"

using namespace fleetsim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("fleetsim_sweep_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A plan of n runs with an outcome of 60 figures each: a summary of some 100 KB per 100 runs.
std::pair<scenario::SweepPlan, run::SweepOutcome> big_sweep(int n) {
  const scenario::SweepPlan plan =
      scenario::parse_sweep("parameters: {p: {from: 1, to: " + std::to_string(n) + ", step: 1}}", "big.yaml", 1);
  run::SweepOutcome outcome;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    run::SweepRow row;
    row.run = static_cast<int64_t>(i);
    row.status = "ok";
    for (int k = 0; k < 60; ++k) row.summary.push_back({"figure_" + std::to_string(k), 0.1 * k + 1.0 / 3.0, ""});
    outcome.rows.push_back(std::move(row));
  }
  run::count(outcome);
  return {plan, outcome};
}

}  // namespace

TEST_CASE("a sweep summary that cannot be written whole is not left at its final path", "[run]") {
  const fs::path dir = fresh_dir("summary");
  const auto [plan, outcome] = big_sweep(300);
  run::SweepOptions options;
  options.output_dir = dir.string();
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  for (const rlim_t limit : {rlim_t{0}, rlim_t{50'000}, rlim_t{200'000}}) {
    std::string message;
    rlimit full = saved;
    full.rlim_cur = limit;
    ::setrlimit(RLIMIT_FSIZE, &full);
    try {
      run::write_sweep_summary(plan, options, outcome);
    } catch (const core::SimulationError& e) {
      message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    INFO("file-size limit " << limit);
    CHECK(message == "cannot write '" + (dir / "sweep_summary.csv").string() + "': File too large");
    CHECK(fs::is_empty(dir));  // no truncated CSV, no temporary file
  }
  std::signal(SIGXFSZ, old_handler);
  run::write_sweep_summary(plan, options, outcome);
  std::ifstream csv(dir / "sweep_summary.csv");
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  CHECK(lines == 301);
  CHECK(fs::exists(dir / "sweep_summary.h5"));
  fs::remove_all(dir);
}

TEST_CASE("the temporaries a killed sweep left are removed by the next one, and only those", "[run]") {
  const fs::path dir = fresh_dir("stale");
  const auto [plan, outcome] = big_sweep(3);
  run::SweepOptions options;
  options.output_dir = dir.string();
  options.scenario_path = std::string(FLEETSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml";
  const std::string run_name = run::run_file_name(plan.runs[1]);
  // what a SIGKILL during a summary write or a run leaves, and files that are not such
  for (const std::string& name :
       std::vector<std::string>{"sweep_summary.h5.tmp-4242", "sweep_summary.csv.tmp-17", run_name + ".tmp-99",
                                "sweep_summary.h5.tmp-x1", "notes.txt.tmp-5", "sweep_summary.h5.tmp-"}) {
    std::ofstream(dir / name) << "partial";
  }
  const run::SweepState state = run::scan_sweep_folder(plan, options);
  CHECK_FALSE(fs::exists(dir / (run_name + ".tmp-99")));
  CHECK(fs::exists(dir / "sweep_summary.h5.tmp-4242"));  // the summary's are the summary writer's
  run::write_sweep_summary(plan, options, outcome);
  CHECK_FALSE(fs::exists(dir / "sweep_summary.h5.tmp-4242"));
  CHECK_FALSE(fs::exists(dir / "sweep_summary.csv.tmp-17"));
  for (const char* kept : {"sweep_summary.h5.tmp-x1", "notes.txt.tmp-5", "sweep_summary.h5.tmp-"}) {
    CHECK(fs::exists(dir / kept));
  }
  CHECK(state.todo.size() == 3);
  fs::remove_all(dir);
}
