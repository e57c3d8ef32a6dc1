#include "run/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/version.hpp"
#include "output/atomic_file.hpp"
#include "output/h5_writer.hpp"
#include "output/output_path.hpp"
#include "run/run_file.hpp"
#include "run/sweep_lock.hpp"
#include "scenario/effective.hpp"
#include "scenario/scenario.hpp"
#include "workload/synthetic.hpp"
#include "workload/trace_reader.hpp"

namespace fleetsim::run {
namespace {

std::string number_text(double v) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(v);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> with(const std::vector<std::string>& base, const std::vector<std::string>& more) {
  std::vector<std::string> all = base;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

// Calls fn(0) ... fn(count - 1), each once, on up to `threads` threads (this one among
// them), handing out the next index to whichever thread is free.
template <class Fn>
void share_out(size_t count, int threads, Fn fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t t = next++; t < count; t = next++) fn(t);
  };
  const size_t wanted = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), std::max<size_t>(1, count));
  std::vector<std::thread> pool;
  try {
    pool.reserve(wanted - 1);
    for (size_t t = 1; t < wanted; ++t) pool.emplace_back(worker);
  } catch (const std::exception&) {  // no more threads to be had (system_error, bad_alloc): those started share
  }
  worker();
  for (auto& t : pool) t.join();
}

// Weights of estimated_work, in jobs: in the planet year's profile (docs/performance.md) a
// job (placement, events, its record) costs ~4.5 us, an hour of a site or region's phase and
// series ~0.08 us, and an hour of one routed demand-site pair ~0.007 us.
constexpr double kWorkPerSiteHour = 0.02;
constexpr double kWorkPerPairHour = 0.0015;
// A trace row's bytes, to count a trace's jobs from its size without reading it.
constexpr double kTraceBytesPerJob = 64.0;

}  // namespace

double estimated_work(const scenario::Scenario& sc) {
  double jobs = static_cast<double>(sc.listed_jobs.size());
  for (const workload::SyntheticSpec& spec : sc.synthetic) jobs += workload::synthetic_expected_count(spec);
  for (const workload::TraceSpec& trace : sc.traces) {
    std::error_code error;
    const auto bytes = std::filesystem::file_size(trace.path, error);
    const double rows = error ? 0.0 : static_cast<double>(bytes) / kTraceBytesPerJob;
    jobs += trace.max_jobs > 0 ? std::min(rows, static_cast<double>(trace.max_jobs)) : rows;
  }
  double pairs = 0.0;
  for (size_t d = 0; d < sc.demand_regions.size() && d < sc.latency_ms.size(); ++d) {
    for (const double ms : sc.latency_ms[d]) pairs += ms <= sc.demand_regions[d].latency_slo_ms ? 1.0 : 0.0;
  }
  const double hours = static_cast<double>(sc.hours);
  return jobs + hours * (kWorkPerSiteHour * static_cast<double>(sc.sites.size() + sc.regions.size()) +
                         kWorkPerPairHour * pairs);
}

void order_longest_first(const scenario::SweepPlan& plan, const SweepOptions& options, SweepState& state, int workers,
                         int load_threads) {
  std::vector<size_t>& todo = state.todo;
  // one worker takes the runs one after another in any order, and with a worker for each run
  // they all start at once: nothing to gain
  const auto per_worker = static_cast<size_t>(std::max(1, workers));
  if (workers < 2 || todo.size() <= per_worker || todo.size() > kLongestFirstRunsPerWorker * per_worker) return;
  std::vector<double> work(todo.size(), -1.0);  // -1: the scenario did not load
  share_out(todo.size(), load_threads, [&](size_t t) {
    try {
      const scenario::SweepRun& run = plan.runs[state.runs[todo[t]]];
      const double w = estimated_work(
          scenario::load_scenario(options.scenario_path, with(options.sets, run.overrides), options.sets.size()));
      if (!std::isnan(w)) work[t] = w;  // (NaN would break the sort's ordering; infinite sorts first)
    } catch (const std::exception&) {   // reported when the run runs
    }
  });
  std::vector<size_t> order(todo.size());
  for (size_t t = 0; t < order.size(); ++t) order[t] = t;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return work[a] > work[b]; });
  std::vector<size_t> sorted(todo.size());
  for (size_t t = 0; t < order.size(); ++t) sorted[t] = todo[order[t]];
  todo = std::move(sorted);
}

std::string run_file_name(const scenario::SweepRun& run) {
  return run.name + ".h5";
}

std::string summary_stem(const SweepOptions& options) {
  if (options.shards <= 1) return "sweep_summary";
  return "sweep_summary.shard-" + std::to_string(options.shard) + "-of-" + std::to_string(options.shards);
}

void validate_sweep(const scenario::SweepPlan& plan, const SweepOptions& options) {
  auto check = [&](const std::vector<std::string>& overrides, const std::string& what) {
    try {
      (void)scenario::load_scenario(options.scenario_path, with(options.sets, overrides), options.sets.size());
    } catch (const core::InputError& e) {
      throw core::InputError(e.where(), e.detail() + " (" + what + ")");
    }
  };
  for (const scenario::SweepParameter& p : plan.parameters) {
    std::vector<std::string> values;
    if (p.is_range && p.values.empty()) {
      values = {scenario::format_value(p.from), scenario::format_value(p.to)};
    } else {
      for (size_t i = 0; i < p.values.size(); ++i) {
        if (i < 10 || i + 10 >= p.values.size()) values.push_back(p.values[i]);
      }
    }
    for (const std::string& v : values) {
      check({p.path + "=" + v},
            "sweep parameter " + p.path + " = " + v + ", " + plan.source_path + ":" + std::to_string(p.line));
    }
  }
  if (!plan.runs.empty()) check(plan.runs.front().overrides, "the first run of the sweep");
}

void prepare_sweep(const scenario::SweepPlan& plan, const SweepOptions& options) {
  validate_sweep(plan, options);
  output::prepare_output_folder(options.output_dir);
  // the inputs in the output folder must not be among the sweep's outputs
  std::vector<std::pair<std::string, std::string>> inputs{{plan.source_path, "the sweep file"}};
  for (const scenario::ReferencedFile& file :
       scenario::referenced_files(scenario::load_scenario(options.scenario_path, options.sets))) {
    inputs.emplace_back(file.path, file.key.empty() ? "the scenario file" : "the file of scenario key " + file.key);
  }
  std::set<std::string> outputs;
  for (const std::string& stem : {std::string("sweep_summary"), summary_stem(options)}) {
    outputs.insert(stem + ".csv");
    outputs.insert(stem + ".h5");
  }
  for (const scenario::SweepRun& run : plan.runs) outputs.insert(run_file_name(run));
  std::error_code error;
  for (const auto& [input, named_by] : inputs) {
    const std::filesystem::path path(input);
    if (!std::filesystem::equivalent(path.has_parent_path() ? path.parent_path() : ".", options.output_dir, error)) {
      continue;
    }
    std::string name = path.filename().string();
    const size_t temporary = name.find(".tmp-");
    if (temporary != std::string::npos) name.resize(temporary);
    if (outputs.count(name) != 0) {
      throw core::InputError(
          core::SourceLocation{input, 0, ""},
          "the sweep would overwrite an input: " + named_by + " is one of its outputs in '" + options.output_dir + "'");
    }
  }
}

std::vector<size_t> shard_runs(const scenario::SweepPlan& plan, const SweepOptions& options) {
  if (options.shards < 1 || options.shard < 1 || options.shard > options.shards) {
    throw core::InputError(core::SourceLocation{"fleetsim sweep", 0, "--shard"}, "must be K/N with 1 <= K <= N");
  }
  std::vector<size_t> mine;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    if (static_cast<int64_t>(i) % options.shards == options.shard - 1) mine.push_back(i);
  }
  return mine;
}

namespace {
// With an HDF5 library that is not thread-safe, file access is serialised (Debian's is safe).
std::mutex hdf5_mutex;
std::unique_lock<std::mutex> hdf5_lock() {
  static const bool safe = output::hdf5_is_threadsafe();
  return safe ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(hdf5_mutex);
}
}  // namespace

namespace {
// A run over more than one calendar year adds its yearly figures to its row, as
// `<name>_<year>` (facility_energy_mwh_2027, ...), so a growth sweep shows every year.
void add_years(const std::vector<YearSummary>& years, std::vector<SummaryItem>& summary) {
  if (years.size() < 2) return;
  for (const YearSummary& y : years) {
    const std::string suffix = "_" + std::to_string(y.year);
    summary.push_back({"facility_energy_mwh" + suffix, y.facility_energy_mwh, ""});
    summary.push_back({"cfe_score" + suffix, y.cfe_score, ""});
    summary.push_back({"annual_matching" + suffix, y.annual_matching, ""});
    summary.push_back({"emissions_location_t" + suffix, y.emissions_location_t, ""});
    summary.push_back({"gpus_installed" + suffix, static_cast<double>(y.gpus_installed), ""});
    // the year's whole footprint (NaN from a run file written before the footprint existed)
    summary.push_back(
        {"emissions_total_t" + suffix, y.emissions_location_t + y.embodied_it_t + y.embodied_supply_t, ""});
    summary.push_back({"total_cost_usd" + suffix, y.energy_cost_usd + y.capital_cost_usd, ""});
  }
}
}  // namespace

SweepRow process_run(const scenario::SweepPlan& plan, const SweepOptions& options, size_t index) {
  const scenario::SweepRun& run = plan.runs[index];
  SweepRow row;
  row.run = static_cast<int64_t>(index);
  const std::string path = (std::filesystem::path(options.output_dir) / run_file_name(run)).string();
  try {
    const scenario::Scenario sc =
        scenario::load_scenario(options.scenario_path, with(options.sets, run.overrides), options.sets.size());
    RunOptions o;
    o.threads = 1;
    o.precompress = true;  // compressed during the run, not while holding the HDF5 lock below
    const RunResult result = simulate(sc, o);
    {
      const auto lock = hdf5_lock();
      write_run_file(sc, result, path);
    }
    row.summary = result.summary;
    add_years(result.years, row.summary);
    row.status = "ok";
  } catch (const std::bad_alloc&) {
    row.status = "failed";
    row.error = "out of memory";
  } catch (const std::exception& e) {
    row.status = "failed";
    row.error = e.what();
  }
  return row;
}

namespace {

// Differing keys named in the message about a reused run of another scenario.
constexpr size_t kShownKeys = 5;

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

}  // namespace

namespace {
// Removes, in one pass over the folder, the temporary files a killed process left for any of
// `names` (files this process is about to write). They are never complete, and no live
// process writes them: the folder lock admits one sweep, or shards of one sweep, whose runs
// and summaries are disjoint.
void remove_stale_temporaries(const std::string& folder, const std::set<std::string>& names) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string file = entry.path().filename().string();
    const size_t tag = file.rfind(".tmp-");
    if (tag == std::string::npos) continue;
    const std::string name = file.substr(0, tag);
    if (names.count(name) != 0 && output::is_temporary_of(file, name)) std::filesystem::remove(entry.path(), error);
  }
}
}  // namespace

SweepState scan_sweep_folder(const scenario::SweepPlan& plan, const SweepOptions& options) {
  SweepState state;
  state.runs = shard_runs(plan, options);
  {
    std::set<std::string> names;
    for (const size_t index : state.runs) names.insert(run_file_name(plan.runs[index]));
    remove_stale_temporaries(options.output_dir, names);
  }
  state.outcome.rows.resize(state.runs.size());
  const std::string scenario_text = file_text(options.scenario_path);
  std::string first_other;  // the first file of another scenario, with its differing keys
  size_t others = 0;
  for (size_t k = 0; k < state.runs.size(); ++k) {
    const scenario::SweepRun& run = plan.runs[state.runs[k]];
    SweepRow& row = state.outcome.rows[k];
    row.run = static_cast<int64_t>(state.runs[k]);
    const std::string path = (std::filesystem::path(options.output_dir) / run_file_name(run)).string();
    std::optional<StoredRun> stored;
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
      try {
        const auto lock = hdf5_lock();
        stored = read_run_summary(path);
      } catch (const std::exception&) {
        // unreadable: run again (the new file replaces it)
      }
    }
    if (stored && stored->complete) {
      // the same text and overrides make the same effective scenario; else compare those
      const std::vector<std::string> overrides = with(options.sets, run.overrides);
      std::vector<std::string> keys;
      if (stored->scenario_text != scenario_text || stored->scenario_overrides != joined_lines(overrides)) {
        keys = scenario::differing_keys(
            stored->scenario_effective,
            scenario::load_scenario(options.scenario_path, overrides, options.sets.size()).effective_yaml,
            kShownKeys + 1);
      }
      if (keys.empty()) {
        row.summary = std::move(stored->summary);
        add_years(stored->years, row.summary);
        row.status = "ok";
        row.reused = true;
        continue;
      }
      if (!options.force) {
        if (others++ == 0) {
          std::string shown;
          for (size_t i = 0; i < keys.size() && i < kShownKeys; ++i) {
            shown += (i == 0 ? "" : ", ") + (keys[i].empty() ? std::string("(the whole scenario)") : keys[i]);
          }
          first_other = run_file_name(run) + " differs in " + shown + (keys.size() > kShownKeys ? ", ..." : "");
        }
        continue;
      }
    }
    if (options.merge_only) {
      row.status = "missing";
    } else {
      state.todo.push_back(k);
    }
  }
  if (others > 0) {
    throw core::InputError(core::SourceLocation{options.output_dir, 0, ""},
                           "holds " + std::to_string(others) + " complete run" + (others == 1 ? "" : "s") +
                               " of another scenario or --set than this sweep asks for (" + first_other +
                               "); rerun them with --force, or use another folder");
  }
  return state;
}

std::string describe(const scenario::SweepRun& run, const SweepRow& row) {
  const std::string what = row.status == "ok" ? (row.reused ? "complete already" : "ran") : row.status;
  return run.name + ": " + what + (row.error.empty() ? "" : " (" + row.error + ")");
}

void count(SweepOutcome& outcome) {
  outcome.ran = outcome.reused = outcome.failed = outcome.missing = 0;
  for (const SweepRow& row : outcome.rows) {
    outcome.ran += row.status == "ok" && !row.reused ? 1 : 0;
    outcome.reused += row.reused ? 1 : 0;
    outcome.failed += row.status == "failed" ? 1 : 0;
    outcome.missing += row.status == "missing" ? 1 : 0;
  }
}

SweepOutcome run_sweep(const scenario::SweepPlan& plan, const SweepOptions& options) {
  output::prepare_output_folder(options.output_dir);
  const SweepLock lock = SweepLock::acquire(options);
  return run_sweep(plan, options, scan_sweep_folder(plan, options));
}

SweepOutcome run_sweep(const scenario::SweepPlan& plan, const SweepOptions& options, SweepState state) {
  const std::vector<size_t>& mine = state.runs;
  SweepOutcome& outcome = state.outcome;
  if (options.log) {
    for (size_t k = 0; k < mine.size(); ++k) {
      if (outcome.rows[k].reused) options.log(describe(plan.runs[mine[k]], outcome.rows[k]));
    }
  }
  order_longest_first(plan, options, state, options.jobs, options.jobs);
  const std::vector<size_t>& todo = state.todo;
  std::mutex log_mutex;
  share_out(todo.size(), options.jobs, [&](size_t t) {
    const size_t k = todo[t];
    outcome.rows[k] = process_run(plan, options, mine[k]);
    if (options.log) {
      const std::lock_guard<std::mutex> lock(log_mutex);
      options.log(describe(plan.runs[mine[k]], outcome.rows[k]));
    }
  });
  count(outcome);
  return std::move(outcome);
}

void write_sweep_summary(const scenario::SweepPlan& plan, const SweepOptions& options, const SweepOutcome& outcome) {
  // the summary's figures: every name any run has, in order of first appearance (runs over
  // different calendar years have different yearly columns; a run without one gets NaN)
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const SweepRow& row : outcome.rows) {
    for (const SummaryItem& item : row.summary) {
      if (seen.insert(item.name).second) names.push_back(item.name);
    }
  }
  auto value = [](const SweepRow& row, const std::string& name) {
    for (const SummaryItem& item : row.summary) {
      if (item.name == name) return item.value;
    }
    return std::numeric_limits<double>::quiet_NaN();
  };
  const std::filesystem::path dir(options.output_dir);
  const std::string stem = summary_stem(options);
  remove_stale_temporaries(options.output_dir, {stem + ".csv", stem + ".h5"});
  {
    // written whole or not at all: a temporary renamed when every write and the close worked
    output::AtomicTextFile csv((dir / (stem + ".csv")).string());
    std::string line = "run,name,point,replicate";
    for (const auto& p : plan.parameters) line += ',' + csv_field(p.path);
    line += ",status";
    for (const auto& n : names) line += ',' + n;
    csv.write(line + '\n');
    for (const SweepRow& row : outcome.rows) {
      const scenario::SweepRun& run = plan.runs[static_cast<size_t>(row.run)];
      line = std::to_string(run.index) + ',' + csv_field(run.name) + ',' + std::to_string(run.point) + ',' +
             std::to_string(run.replicate);
      for (const auto& v : run.values) line += ',' + csv_field(v);
      line += ',' + row.status;
      for (const auto& n : names) line += ',' + number_text(value(row, n));
      csv.write(line + '\n');
    }
    csv.commit();
  }
  output::RunFileWriter w((dir / (stem + ".h5")).string(), 1);
  w.set_attribute("/", "format_version", int64_t{core::kFormatVersion});
  w.set_attribute("/", "program", std::string("fleetsim"));
  w.set_attribute("/", "program_version", std::string(core::kVersion));
  w.set_attribute("/", "sweep_name", plan.name);
  w.set_attribute("/", "sweep_path", plan.source_path);
  w.set_attribute("/", "scenario_path", options.scenario_path);
  w.set_attribute("/", "shard", options.shard);
  w.set_attribute("/", "shards", options.shards);
  std::vector<int64_t> ids;
  std::vector<std::string> run_names;
  std::vector<int64_t> points;
  std::vector<int64_t> replicates;
  std::vector<std::string> statuses;
  for (const SweepRow& row : outcome.rows) {
    const scenario::SweepRun& run = plan.runs[static_cast<size_t>(row.run)];
    ids.push_back(run.index);
    run_names.push_back(run.name);
    points.push_back(run.point);
    replicates.push_back(run.replicate);
    statuses.push_back(row.status);
  }
  w.add_table("/runs", "run", ids);
  w.write_column("/runs", "name", run_names, "", "run name: its file is <name>.h5 in the sweep folder");
  w.write_column("/runs", "point", points, "", "parameter point");
  w.write_column("/runs", "replicate", replicates, "", "replicate of the point (seed = scenario seed + replicate)");
  for (size_t i = 0; i < plan.parameters.size(); ++i) {
    std::vector<std::string> values;
    for (const SweepRow& row : outcome.rows) values.push_back(plan.runs[static_cast<size_t>(row.run)].values[i]);
    w.write_column("/runs", plan.parameters[i].path, values, "", "swept parameter (scenario key path), as set");
  }
  w.write_column("/runs", "status", statuses, "", "ok, failed, or missing (merge: no complete run file)");
  for (const auto& n : names) {
    std::vector<double> values;
    for (const SweepRow& row : outcome.rows) values.push_back(value(row, n));
    w.write_column("/runs", n, values, "", "the run's /summary value (name_YYYY: its /summary/year value)");
  }
  w.commit();
}

}  // namespace fleetsim::run
