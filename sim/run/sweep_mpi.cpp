#include "run/sweep_mpi.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/error.hpp"

#ifdef FLEETSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace fleetsim::run {

bool mpi_launched() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && std::atoi(v) > 1) return true;
  }
  return false;
}

#ifndef FLEETSIM_HAVE_MPI

bool mpi_available() {
  return false;
}

MpiSweepResult run_sweep_mpi(const scenario::SweepPlan&, const SweepOptions&, const std::function<void()>&) {
  throw core::SimulationError("this fleetsim was built without MPI (CMake option FLEETSIM_MPI, docs/hpc.md)");
}

#else

namespace {

constexpr int kTagResult = 1;  // worker -> root: a finished run ("" for the first request)
constexpr int kTagWork = 2;    // root -> worker: the next run index, or -1: stop

// A row as text: index, status, reused, error length + error, then name=value lines with
// values in their shortest round-trip form (exact).
std::string encode(const SweepRow& row) {
  std::ostringstream out;
  out << row.run << '\n' << row.status << '\n' << (row.reused ? 1 : 0) << '\n' << row.error.size() << '\n' << row.error;
  for (const SummaryItem& item : row.summary) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, item.value);
    out << '\n' << item.name << '=' << std::string(buffer, ec == std::errc() ? end : buffer);
  }
  return out.str();
}

SweepRow decode(const std::string& text) {
  SweepRow row;
  std::istringstream in(text);
  size_t error_size = 0;
  int reused = 0;
  in >> row.run >> row.status >> reused >> error_size;
  in.get();
  row.reused = reused != 0;
  row.error.resize(error_size);
  in.read(row.error.data(), static_cast<std::streamsize>(error_size));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    double value = 0.0;
    std::from_chars(line.data() + eq + 1, line.data() + line.size(), value);
    row.summary.push_back({line.substr(0, eq), value, ""});
  }
  return row;
}

void send_text(const std::string& text, int dest, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

}  // namespace

bool mpi_available() {
  return true;
}

MpiSweepResult run_sweep_mpi(const scenario::SweepPlan& plan, const SweepOptions& options,
                             const std::function<void()>& validate) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  struct Finalize {
    ~Finalize() { MPI_Finalize(); }
  } finalize;
  MpiSweepResult result;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &result.ranks);
  result.root = rank == 0;
  // rank 0 checks the sweep, makes and locks the folder and reads what it holds before anyone
  // runs; the others learn the runs to do one at a time
  int ok = 1;
  std::exception_ptr refused;
  SweepState state;
  if (result.root) {
    try {
      validate();
      state = scan_sweep_folder(plan, options);
    } catch (...) {
      refused = std::current_exception();
      ok = 0;
    }
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (ok == 0) {
    // Every rank reports rank 0's reason: mpirun may end rank 0 before it prints, once another
    // rank has exited with an error.
    std::string reason;
    if (refused) {
      try {
        std::rethrow_exception(refused);
      } catch (const std::exception& e) {
        reason = e.what();
      } catch (...) {
      }
    }
    int length = static_cast<int>(reason.size());
    MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
    reason.resize(static_cast<size_t>(length));
    MPI_Bcast(reason.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (refused) std::rethrow_exception(refused);
    throw core::InputError(
        core::SourceLocation{"fleetsim sweep", 0, ""},
        reason.empty() ? "rank 0 refused the sweep (see its message)" : "rank 0 refused the sweep: " + reason);
  }
  const std::vector<size_t> mine = shard_runs(plan, options);
  if (!result.root) {  // a worker: ask, run, report, until told to stop
    std::string report;
    for (;;) {
      send_text(report, 0, kTagResult);
      int64_t k = -1;
      MPI_Recv(&k, 1, MPI_INT64_T, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (k < 0) break;
      report = encode(process_run(plan, options, mine[static_cast<size_t>(k)]));
    }
    return result;
  }
  // rank 0: hand out the runs to do on this (the MPI) thread, run some on a second thread
  SweepOutcome& outcome = result.outcome;
  outcome = std::move(state.outcome);
  if (options.log) {
    for (size_t k = 0; k < mine.size(); ++k) {
      if (outcome.rows[k].reused) options.log(describe(plan.runs[mine[k]], outcome.rows[k]));
    }
  }
  // every rank runs one run at a time, and rank 0 one more on its second thread
  order_longest_first(plan, options, state, result.ranks, 1);
  const std::vector<size_t>& todo = state.todo;
  std::atomic<size_t> next{0};
  auto take = [&]() -> int64_t {
    const size_t t = next++;
    return t < todo.size() ? static_cast<int64_t>(todo[t]) : -1;
  };
  auto record = [&](int64_t k, SweepRow row) {
    if (options.log) options.log(describe(plan.runs[mine[static_cast<size_t>(k)]], row));
    outcome.rows[static_cast<size_t>(k)] = std::move(row);
  };
  std::mutex rows_mutex;
  std::thread local([&] {
    for (int64_t k = take(); k >= 0; k = take()) {
      SweepRow row = process_run(plan, options, mine[static_cast<size_t>(k)]);
      const std::lock_guard<std::mutex> lock(rows_mutex);
      record(k, std::move(row));
    }
  });
  std::vector<int64_t> position_of_run(plan.runs.size(), -1);
  for (size_t k = 0; k < mine.size(); ++k) position_of_run[mine[k]] = static_cast<int64_t>(k);
  int working = result.ranks - 1;
  std::string buffer;
  while (working > 0) {
    // Poll with short sleeps: a blocking probe busy-waits in OpenMPI and would take a core
    // from this rank's own runs.
    MPI_Status status;
    for (int flag = 0;;) {
      MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &status);
      if (flag != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    int size = 0;
    MPI_Get_count(&status, MPI_CHAR, &size);
    buffer.resize(static_cast<size_t>(size));
    MPI_Recv(buffer.data(), size, MPI_CHAR, status.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (!buffer.empty()) {
      SweepRow row = decode(buffer);
      const int64_t k = position_of_run[static_cast<size_t>(row.run)];
      const std::lock_guard<std::mutex> lock(rows_mutex);
      record(k, std::move(row));
    }
    const int64_t k = take();
    MPI_Send(&k, 1, MPI_INT64_T, status.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
    if (k < 0) --working;
  }
  local.join();
  count(outcome);
  return result;
}

#endif

}  // namespace fleetsim::run
